// ff_block_lane.sv -- one output word of a block ALU (docs/timing.md "Block
// mode"): op(a[0], b[0]), plus, when the op contracts an index, the terms
// op(a[c], b[c]) of the further c < nc summed in order -- the C model's
// blk_op, term by term (models/sim/blocks.c), so a block product equals the
// scalar one bit for bit. Only `mul` (a block product) and `pass` (a sum
// along the axis) contract (docs/tokens.md "Block values"); the back end
// refuses any other op that would.
module ff_block_lane
  import ff_pkg::*;
#(
  parameter int unsigned MaxB = 4
) (
  input  logic [3:0]             op_i,
  input  logic [4:0]             frac_i,
  input  logic [6:0]             nc_i,     // terms: B when contracting, else 1
  input  logic [MaxB-1:0][31:0]  a_i,
  input  logic [MaxB-1:0][31:0]  b_i,
  output logic [31:0]            y_o
);
  logic [31:0] first;

  ff_alu_unit u_unit (
    .op_i  (op_i),
    .a_i   (a_i[0]),
    .b_i   (b_i[0]),
    .frac_i(frac_i),
    .y_o   (first)
  );

  always_comb begin
    y_o = first;
    for (int unsigned c = 1; c < MaxB; c++)
      if (c < 32'(nc_i)) y_o = fx_add(y_o, (op_i == 4'd10) ? a_i[c] : fx_mul(a_i[c], b_i[c], frac_i));
  end

endmodule
