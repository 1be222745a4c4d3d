// ff_core_alu.sv -- ALU (docs/timing.md "alu"): binary ops need both heads,
// unary ops and the immediate (scalar) variant only a. Values combine (N
// reads as 0); equal control tokens pass once; D finishes. Inputs 0 a, 1 b.
// Ready/valid rule: see ff_core_root.sv.
module ff_core_alu
  import ff_pkg::*;
  import ff_config_pkg::*;
(
  input  logic                         en_i,
  input  logic [RegsPerSlot-1:0][31:0] cfg_i,
  input  logic [1:0]                   in_valid_i,
  input  logic [1:0][33:0]             in_data_i,
  output logic [1:0]                   in_pop_o,
  input  logic [0:0]                   out_ready_i,
  output logic [0:0]                   out_push_o,
  output logic [0:0][33:0]             out_data_o,
  output logic                         fire_o,
  output logic                         fin_o,
  output logic                         err_o
);

  logic [3:0]  op;
  logic        has_imm, unary;
  logic [4:0]  frac;
  logic [31:0] imm, y;
  tok_t        a, b, res;

  assign op      = cfg_i[ALU_OP_REG][ALU_OP_LSB +: ALU_OP_W];
  assign has_imm = cfg_i[ALU_HAS_IMM_REG][ALU_HAS_IMM_LSB];
  assign frac    = cfg_i[ALU_FRAC_BITS_REG][ALU_FRAC_BITS_LSB +: ALU_FRAC_BITS_W];
  assign imm     = cfg_i[ALU_IMM_REG];
  // FF_ALU_OPS arity: ops 0..5 are binary, 6..10 unary
  assign unary   = (op >= 4'd6) || has_imm;
  assign a       = in_data_i[0];
  assign b       = unary ? a : in_data_i[1];

  ff_alu_unit u_unit (
    .op_i  (op),
    .a_i   (value_of(a)),
    .b_i   (unary ? imm : value_of(b)),
    .frac_i(frac),
    .y_o   (y)
  );

  assign res = (is_elem(a) && is_elem(b)) ? tok_data(y) : a;

  always_comb begin
    in_pop_o   = '0;
    out_push_o = '0;
    out_data_o = '0;
    fire_o     = 1'b0;
    fin_o      = 1'b0;
    err_o      = 1'b0;
    if (en_i && in_valid_i[0] && (unary || in_valid_i[1]) && out_ready_i[0]) begin
      if (!(is_elem(a) && is_elem(b)) && a != b) begin
        err_o = 1'b1;  // value streams not aligned
      end else begin
        fire_o        = 1'b1;
        in_pop_o[0]   = 1'b1;
        in_pop_o[1]   = !unary;
        out_push_o[0] = 1'b1;
        out_data_o[0] = res;
        fin_o         = is_done(res);
      end
    end
  end

  logic unused_cfg;
  assign unused_cfg = ^cfg_i;

endmodule
