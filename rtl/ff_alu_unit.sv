// ff_alu_unit.sv -- the ALU arithmetic, combinational and bit-identical with
// models/fixed/fixed.c (docs/fixed-point.md gives each algorithm; the ROMs
// come from fx_tables.def through the generated ff_fx_pkg). Opcodes follow
// FF_ALU_OPS (ORDER FF_ALU_OP): 0 add 1 sub 2 mul 3 div 4 max 5 min 6 neg
// 7 relu 8 exp 9 rsqrt 10 pass 11 log 12 tanh 13 sigmoid 14 erf.
//
// One exp unit serves exp, sigmoid (exp -|a|) and tanh (exp -2|a|), and one
// divider serves div, sigmoid and tanh: the op selects their operands.
//
// The unit computes within one firing, as the C model does; the tile's
// output pipeline charges the op's latency (a real divider would be spread
// over those L stages; docs/rtl.md).
module ff_alu_unit
  import ff_pkg::*;
  import ff_fx_pkg::*;
(
  input  logic [3:0]  op_i,
  input  logic [31:0] a_i,
  input  logic [31:0] b_i,
  input  logic [4:0]  frac_i,   // F, 0..30
  output logic [31:0] y_o
);

  localparam logic [31:0] FxMax = 32'h7fff_ffff;
  localparam logic [31:0] FxMin = 32'h8000_0000;

  // a: Q.F in 64 bits, |a| <= 2^32 (sigmoid's -|a| and tanh's -2|a|)
  function automatic logic [31:0] fx_exp(input logic [63:0] a, input logic [4:0] f);
    logic [63:0] y, n, r, d, p, sh, t0, t1;
    logic [29:0] fr;
    logic [5:0]  i;
    y  = fx_rne_shift(a * {32'd0, LOG2E_Q30}, {1'b0, f});
    n  = 64'($signed(y) >>> 30);
    fr = y[29:0];
    i  = fr[29:24];
    r  = {40'd0, fr[23:0]};
    t0 = {32'd0, exp2_tab({1'b0, i})};
    t1 = {32'd0, exp2_tab({1'b0, i} + 7'd1)};
    d  = t1 - t0;
    p  = t0 + fx_rne_shift(d * r, 6'd24);
    sh = 64'd30 - {59'd0, f} - n;
    if (!sh[63]) fx_exp = fx_round_shift(p, ($signed(sh) > 64'sd62) ? 6'd62 : sh[5:0]);
    else if ($signed(sh) <= -64'sd32) fx_exp = FxMax;
    else fx_exp = fx_sat32(p << (-sh));
  endfunction

  function automatic logic [31:0] fx_rsqrt(input logic [31:0] a, input logic [4:0] f);
    int          p, q, e, sh;
    logic [63:0] m, r, d, pv, t0, t1;
    logic [7:0]  i;
    logic [5:0]  s;
    p = 0;
    for (int bi = 0; bi < 31; bi++) if (a[bi]) p = bi;
    q = (((p - int'(f)) & 1) == 0) ? p : p - 1;
    m = {32'd0, a} << (30 - q);
    // shifted as a signed variable: Yosys 0.55 takes (q - int'(f)) as
    // unsigned and shifts it logically (rsqrt of 0.36 read 0 in the netlist;
    // rtl/synth/replay.c found it on layernorm's streams)
    e = q - int'(f);
    e = e >>> 1;
    if (m < 64'h8000_0000) begin
      i = 8'((m - 64'h4000_0000) >> 24);
      s = 6'd24;
    end else begin
      i = 8'd64 + 8'((m - 64'h8000_0000) >> 25);
      s = 6'd25;
    end
    r  = m & ((64'd1 << s) - 64'd1);
    t0 = {32'd0, rsqrt_tab(i)};
    t1 = {32'd0, rsqrt_tab(i + 8'd1)};
    d  = t1 - t0;
    pv = t0 + fx_rne_shift(d * r, s);
    sh = 30 + e - int'(f);
    if ($signed(a) <= 0) fx_rsqrt = FxMax;
    else if (sh >= 0) fx_rsqrt = fx_round_shift(pv, 6'(sh));
    else fx_rsqrt = fx_sat32(pv << (-sh));
  endfunction

  function automatic logic [31:0] fx_log(input logic [31:0] a, input logic [4:0] f);
    int          p, pe;
    logic [63:0] r, d, lnm, t0, t1;
    logic [29:0] fr;  // m - 1 in Q.30: a's bits below its top one
    logic [7:0]  i;
    p = 0;
    for (int bi = 0; bi < 31; bi++) if (a[bi]) p = bi;
    fr  = 30'(a << (30 - p));
    i   = {1'b0, fr[29:23]};
    r   = {41'd0, fr[22:0]};
    t0  = {32'd0, ln_tab(i)};
    t1  = {32'd0, ln_tab(i + 8'd1)};
    d   = t1 - t0;
    lnm = t0 + fx_rne_shift(d * r, 6'd23);
    pe  = p - int'(f);
    if ($signed(a) <= 0) fx_log = FxMin;
    else fx_log = fx_round_shift(fx_sx(pe) * {32'd0, LN2_Q30} + lnm, 6'd30 - {1'b0, f});
  endfunction

  function automatic logic [31:0] fx_erf(input logic [31:0] a, input logic [4:0] f);
    logic [63:0] x, r, d, p, v, t0, t1;
    logic [8:0]  i;
    x = (a[31] ? -fx_sx(a) : fx_sx(a)) << (6'd30 - {1'b0, f});
    i = x[32:24];
    r = {40'd0, x[23:0]};
    t0 = {32'd0, erf_tab(i)};
    t1 = {32'd0, erf_tab(i + 9'd1)};
    d = t1 - t0;
    p = (x >= 64'h1_0000_0000) ? 64'h4000_0000 : t0 + fx_rne_shift(d * r, 6'd24);
    v = fx_rne_shift(p, 6'd30 - {1'b0, f});
    fx_erf = a[31] ? 32'(-v) : 32'(v);
  endfunction

  // The shared exp unit and divider (div, sigmoid, tanh).
  logic [63:0] mag, one, ex_in, ex, dn, dd, q, r;
  logic        neg;
  always_comb begin
    mag = a_i[31] ? -fx_sx(a_i) : fx_sx(a_i);
    one = 64'd1 << frac_i;
    case (op_i)
      4'd13:   ex_in = -mag;
      4'd12:   ex_in = -(mag << 1);
      default: ex_in = fx_sx(a_i);
    endcase
    ex = {32'd0, fx_exp(ex_in, frac_i)};
    case (op_i)
      4'd13: begin dn = ex << frac_i; dd = one + ex; neg = 1'b0; end
      4'd12: begin dn = (one - ex) << frac_i; dd = one + ex; neg = a_i[31]; end
      default: begin
        // div: |a 2^F| / |b|, signed after
        dn  = mag << frac_i;
        dd  = b_i[31] ? -fx_sx(b_i) : fx_sx(b_i);
        neg = a_i[31] != b_i[31];
      end
    endcase
    q = dn / dd;
    r = dn % dd;
    if ((r << 1) > dd || ((r << 1) == dd && q[0])) q = q + 64'd1;
  end

  always_comb begin
    case (op_i)
      4'd0:    y_o = fx_sat32(fx_sx(a_i) + fx_sx(b_i));
      4'd1:    y_o = fx_sat32(fx_sx(a_i) - fx_sx(b_i));
      4'd2:    y_o = fx_mul(a_i, b_i, frac_i);
      4'd3:    y_o = (b_i == 32'd0) ? ($signed(a_i) > 0 ? FxMax : (a_i[31] ? FxMin : 32'd0))
                                      : fx_sat32(neg ? -q : q);
      4'd4:    y_o = ($signed(a_i) > $signed(b_i)) ? a_i : b_i;
      4'd5:    y_o = ($signed(a_i) < $signed(b_i)) ? a_i : b_i;
      4'd6:    y_o = fx_sat32(-fx_sx(a_i));
      4'd7:    y_o = ($signed(a_i) > 0) ? a_i : 32'd0;
      4'd8:    y_o = ex[31:0];
      4'd9:    y_o = fx_rsqrt(a_i, frac_i);
      4'd11:   y_o = fx_log(a_i, frac_i);
      4'd12:   y_o = neg ? 32'(-q) : 32'(q);
      4'd13:   y_o = a_i[31] ? 32'(q) : 32'(one - q);
      4'd14:   y_o = fx_erf(a_i, frac_i);
      default: y_o = a_i;  // 10 pass
    endcase
`ifdef FF_FAULT_ALU_OP
    // A deliberately broken build (docs/cosim.md "Broken builds"): op
    // FF_FAULT_ALU_OP gets its lowest result bit flipped.
    if (op_i == 4'(`FF_FAULT_ALU_OP)) y_o = y_o ^ 32'd1;
`endif
  end

endmodule
