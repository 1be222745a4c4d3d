// ff_alu_unit.sv -- the ALU arithmetic, combinational and bit-identical with
// models/fixed/fixed.c (docs/fixed-point.md gives each algorithm; the ROMs
// come from fx_tables.def through the generated ff_fx_pkg). Opcodes follow
// FF_ALU_OPS (ORDER FF_ALU_OP): 0 add 1 sub 2 mul 3 div 4 max 5 min 6 neg
// 7 relu 8 exp 9 rsqrt 10 pass.
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

  function automatic logic [31:0] fx_div(input logic [31:0] a, input logic [31:0] b, input logic [4:0] f);
    logic [63:0] n, un, ub, q, r;
    logic        neg;
    n   = fx_sx(a) << f;
    neg = n[63] != b[31];
    un  = n[63] ? -n : n;
    ub  = b[31] ? -fx_sx(b) : fx_sx(b);
    q   = un / ub;
    r   = un % ub;
    if ((r << 1) > ub || ((r << 1) == ub && q[0])) q = q + 64'd1;
    if (b == 32'd0) fx_div = $signed(a) > 0 ? FxMax : (a[31] ? FxMin : 32'd0);
    else fx_div = fx_sat32(neg ? -q : q);
  endfunction

  function automatic logic [31:0] fx_exp(input logic [31:0] a, input logic [4:0] f);
    logic [63:0] y, n, r, d, p, sh, t0, t1;
    logic [29:0] fr;
    logic [5:0]  i;
    y  = fx_rne_shift(fx_sx(a) * {32'd0, LOG2E_Q30}, {1'b0, f});
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

  always_comb begin
    case (op_i)
      4'd0:    y_o = fx_sat32(fx_sx(a_i) + fx_sx(b_i));
      4'd1:    y_o = fx_sat32(fx_sx(a_i) - fx_sx(b_i));
      4'd2:    y_o = fx_mul(a_i, b_i, frac_i);
      4'd3:    y_o = fx_div(a_i, b_i, frac_i);
      4'd4:    y_o = ($signed(a_i) > $signed(b_i)) ? a_i : b_i;
      4'd5:    y_o = ($signed(a_i) < $signed(b_i)) ? a_i : b_i;
      4'd6:    y_o = fx_sat32(-fx_sx(a_i));
      4'd7:    y_o = ($signed(a_i) > 0) ? a_i : 32'd0;
      4'd8:    y_o = fx_exp(a_i, frac_i);
      4'd9:    y_o = fx_rsqrt(a_i, frac_i);
      default: y_o = a_i;  // 10 pass
    endcase
`ifdef FF_FAULT_ALU_OP
    // A deliberately broken build (docs/cosim.md "Broken builds"): op
    // FF_FAULT_ALU_OP gets its lowest result bit flipped.
    if (op_i == 4'(`FF_FAULT_ALU_OP)) y_o = y_o ^ 32'd1;
`endif
  end

endmodule
