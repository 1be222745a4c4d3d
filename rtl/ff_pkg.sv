// ff_pkg.sv -- the stream token word and the helpers every tile shares.
//
//    33 32 31                                                0
//   +-----+---------------------------------------------------+
//   |kind |                     payload                       |
//   +-----+---------------------------------------------------+
//    kind 00 DATA   payload = coordinate | reference | value | R (0)
//         01 STOP   payload = stop level n ("Sn")
//         10 EMPTY  "N", payload 0
//         11 DONE   "D", payload 0
//
// docs/tokens.md is the contract; models/token/ff_token.h is the C view.
package ff_pkg;

  typedef logic [33:0] tok_t;

  localparam logic [1:0] KindData  = 2'd0;
  localparam logic [1:0] KindStop  = 2'd1;
  localparam logic [1:0] KindEmpty = 2'd2;
  localparam logic [1:0] KindDone  = 2'd3;

  localparam tok_t TokN = {KindEmpty, 32'd0};
  localparam tok_t TokD = {KindDone, 32'd0};

  // (t >> 32) reads the kind; written so, the payload counts as read too
  function automatic logic is_data(input tok_t t);
    return (t >> 32) == 34'(KindData);
  endfunction

  function automatic logic is_stop(input tok_t t);
    return (t >> 32) == 34'(KindStop);
  endfunction

  // As in C, N and D are exact words (payload 0).
  function automatic logic is_empty(input tok_t t);
    return t == TokN;
  endfunction

  function automatic logic is_done(input tok_t t);
    return t == TokD;
  endfunction

  // Data or N: a token that stands for an element (N reads as 0).
  function automatic logic is_elem(input tok_t t);
    return is_data(t) || is_empty(t);
  endfunction

  function automatic tok_t tok_data(input logic [31:0] v);
    return {KindData, v};
  endfunction

  function automatic tok_t tok_stop(input logic [31:0] level);
    return {KindStop, level};
  endfunction

  function automatic logic [31:0] payload(input tok_t t);
    logic [1:0] unused_kind;
    unused_kind = t[33:32];
    return t[31:0];
  endfunction

  // The value of an element token: N reads as 0.
  function automatic logic [31:0] value_of(input tok_t t);
    return is_data(t) ? t[31:0] : 32'd0;
  endfunction

  // sat32(a + b) on two's-complement words (ff_fx_add).
  function automatic logic [31:0] fx_add(input logic [31:0] a, input logic [31:0] b);
    logic [32:0] s;
    s = {a[31], a} + {b[31], b};
    if (s[32] != s[31]) return s[32] ? 32'h8000_0000 : 32'h7fff_ffff;
    return s[31:0];
  endfunction

  // Signed compare a > b on words.
  function automatic logic fx_gt(input logic [31:0] a, input logic [31:0] b);
    return $signed(a) > $signed(b);
  endfunction

endpackage
