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
    is_data = (t >> 32) == 34'(KindData);
  endfunction

  function automatic logic is_stop(input tok_t t);
    is_stop = (t >> 32) == 34'(KindStop);
  endfunction

  // As in C, N and D are exact words (payload 0).
  function automatic logic is_empty(input tok_t t);
    is_empty = t == TokN;
  endfunction

  function automatic logic is_done(input tok_t t);
    is_done = t == TokD;
  endfunction

  // Data or N: a token that stands for an element (N reads as 0).
  function automatic logic is_elem(input tok_t t);
    is_elem = is_data(t) || is_empty(t);
  endfunction

  function automatic tok_t tok_data(input logic [31:0] v);
    tok_data = {KindData, v};
  endfunction

  function automatic tok_t tok_stop(input logic [31:0] level);
    tok_stop = {KindStop, level};
  endfunction

  function automatic logic [31:0] payload(input tok_t t);
    logic [1:0] unused_kind;
    unused_kind = t[33:32];
    payload = t[31:0];
  endfunction

  // The value of an element token: N reads as 0.
  function automatic logic [31:0] value_of(input tok_t t);
    value_of = is_data(t) ? t[31:0] : 32'd0;
  endfunction

  // sat32(a + b) on two's-complement words (ff_fx_add).
  function automatic logic [31:0] fx_add(input logic [31:0] a, input logic [31:0] b);
    logic [32:0] s;
    s = {a[31], a} + {b[31], b};
    if (s[32] != s[31]) fx_add = s[32] ? 32'h8000_0000 : 32'h7fff_ffff;
    else fx_add = s[31:0];
  endfunction

  function automatic logic [63:0] fx_sx(input logic [31:0] v);
    fx_sx = {{32{v[31]}}, v};
  endfunction

  // v / 2^s rounded to nearest, ties to even; s in 0..62; no saturation.
  function automatic logic [63:0] fx_rne_shift(input logic [63:0] v, input logic [5:0] s);
    logic [63:0] q, rem, half;
    q    = 64'($signed(v) >>> s);
    rem  = v & ((64'd1 << s) - 64'd1);
    half = 64'd1 << (s - 6'd1);
    if (s != 6'd0 && (rem > half || (rem == half && q[0]))) q = q + 64'd1;
    fx_rne_shift = q;
  endfunction

  function automatic logic [31:0] fx_sat32(input logic [63:0] v);
    if ($signed(v) > $signed(64'h0000_0000_7fff_ffff)) fx_sat32 = 32'h7fff_ffff;
    else if ($signed(v) < $signed(64'hffff_ffff_8000_0000)) fx_sat32 = 32'h8000_0000;
    else fx_sat32 = v[31:0];
  endfunction

  function automatic logic [31:0] fx_round_shift(input logic [63:0] v, input logic [5:0] s);
    fx_round_shift = fx_sat32(fx_rne_shift(v, s));
  endfunction

  // a * b with F fractional bits (ff_fx_mul): the ALU's mul, and the
  // products a block ALU contracts.
  function automatic logic [31:0] fx_mul(input logic [31:0] a, input logic [31:0] b, input logic [4:0] f);
    fx_mul = fx_round_shift(fx_sx(a) * fx_sx(b), {1'b0, f});
  endfunction

  // ---- block mode (docs/rtl.md "Block mode") ----------------------------

  // What a tile asks of the array's block store in a cycle. The block
  // words travel beside it (their width is the array's MaxBlock^2). Nothing
  // here depends on the handle the store grants: the request must not look
  // like it feeds back into the allocation.
  typedef struct packed {
    logic [1:0][31:0] rd_addr;  // handles of the two blocks read this firing
    logic             alloc;    // allocate alloc_n words; the handle comes back
    logic [31:0]      alloc_n;
    logic [15:0]      rank;     // order among same-cycle allocations (the node index)
    logic             we;       // write wn words: at the allocated handle when alloc,
    logic [31:0]      waddr;    // else at waddr (a reducer's block, in place)
    logic [31:0]      wn;
  } blk_req_t;

  // A request, its fields in blk_req_t's order (an assignment pattern with
  // member names would say it better, but Yosys 0.55 cannot read one).
  function automatic blk_req_t blk_request(input logic [31:0] rd1, input logic [31:0] rd0, input logic alloc,
                                           input logic [31:0] alloc_n, input logic [15:0] rank, input logic we,
                                           input logic [31:0] waddr, input logic [31:0] wn);
    blk_request = {rd1, rd0, alloc, alloc_n, rank, we, waddr, wn};
  endfunction

  // ---- block layouts (docs/tokens.md "Block values") --------------------
  // A layout code maps an operand's dims to the op's axes: bits 1:0 the
  // axis of dim 0, bits 3:2 the axis of dim 1, 3 = no such dim. Axes 0 and
  // 1 are the result's, axis 2 is summed over.

  function automatic logic [1:0] blk_dims(input logic [3:0] code);
    if (code[1:0] == 2'd3) blk_dims = 2'd0;
    else blk_dims = (code[3:2] == 2'd3) ? 2'd1 : 2'd2;
  endfunction

  // The operand's word stride along `axis` for block edge B: the last dim
  // has stride 1, the one before it B; 0 when it has no dim on that axis.
  function automatic logic [15:0] blk_stride(input logic [3:0] code, input logic [1:0] axis, input logic [6:0] b);
    logic [1:0] nd;
    nd = blk_dims(code);
    if (nd >= 2'd1 && code[1:0] == axis) blk_stride = (nd == 2'd1) ? 16'd1 : 16'(b);
    else if (nd == 2'd2 && code[3:2] == axis) blk_stride = 16'd1;
    else blk_stride = 16'd0;
  endfunction

  function automatic logic blk_has_axis(input logic [3:0] code, input logic [1:0] axis);
    logic [1:0] nd;
    nd = blk_dims(code);
    blk_has_axis = (nd >= 2'd1 && code[1:0] == axis) || (nd == 2'd2 && code[3:2] == axis);
  endfunction

  // B^dims: the words of a block.
  function automatic logic [31:0] blk_words(input logic [6:0] b, input logic [1:0] dims);
    if (dims == 2'd0) blk_words = 32'd1;
    else if (dims == 2'd1) blk_words = 32'(b);
    else blk_words = 32'(b) * 32'(b);
  endfunction

  // Signed compare a > b on words.
  function automatic logic fx_gt(input logic [31:0] a, input logic [31:0] b);
    fx_gt = $signed(a) > $signed(b);
  endfunction

endpackage
