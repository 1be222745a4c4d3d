// ff_block_sum.sv -- an accumulator's block datapath (docs/timing.md "Block
// mode"): the entry-by-entry sum of two blocks of B^bdims words, as the C
// model's blk_add (models/sim/blocks.c).
module ff_block_sum
  import ff_pkg::*;
#(
  parameter int unsigned MaxB = 4,      // 2..16; 0: no block datapath (outputs 0)
  localparam int unsigned W = (MaxB > 0) ? MaxB * MaxB : 1
) (
  input  logic [6:0]         b_i,      // block edge B, 1..MaxB
  input  logic [1:0]         dims_i,   // dims of a block
  input  logic [W-1:0][31:0] x_i,
  input  logic [W-1:0][31:0] y_i,
  output logic [W-1:0][31:0] sum_o,
  output logic [31:0]        words_o   // B^dims
);

  if (MaxB == 0) begin : g_none
    assign sum_o   = '0;
    assign words_o = '0;
    logic unused;
    assign unused = ^{b_i, dims_i, x_i, y_i};
  end else begin : g_lanes
    for (genvar w = 0; w < W; w++) begin : g_word
      assign sum_o[w] = fx_add(x_i[w], y_i[w]);
    end
    assign words_o = blk_words(b_i, dims_i);
  end

endmodule
