// ff_block_fold.sv -- a reducer's block datapath (docs/timing.md "Block
// mode"): the input block with its axis 2 summed (or maxed) away, laid out
// as the result's n0 x n1 words (models/sim/blocks.c blk_collapse), and that
// folded into the accumulating block unless it is the fiber's first.
module ff_block_fold
  import ff_pkg::*;
#(
  parameter int unsigned MaxB = 4,      // 2..16; 0: no block datapath (outputs 0)
  localparam int unsigned W = (MaxB > 0) ? MaxB * MaxB : 1,
  localparam int unsigned IW = (W > 1) ? $clog2(W) : 1
) (
  input  logic               is_max_i,
  input  logic               first_i,  // the fiber's first value: no accumulator yet
  input  logic [6:0]         b_i,      // block edge B, 1..MaxB
  input  logic [3:0]         la_i,     // layout of the input block
  input  logic [1:0]         no_i,     // dims of the result
  input  logic [W-1:0][31:0] in_i,
  input  logic [W-1:0][31:0] acc_i,
  output logic [W-1:0][31:0] y_o,
  output logic [31:0]        words_o   // B^no
);

  if (MaxB == 0) begin : g_none
    assign y_o     = '0;
    assign words_o = '0;
    logic unused;
    assign unused = ^{is_max_i, first_i, b_i, la_i, no_i, in_i, acc_i};
  end else begin : g_lanes
    logic [15:0] s0, s1, s2;
    logic [6:0]  n0, n1, nc;

    assign s0 = blk_stride(la_i, 2'd0, b_i);
    assign s1 = blk_stride(la_i, 2'd1, b_i);
    assign s2 = blk_stride(la_i, 2'd2, b_i);
    assign n0 = (no_i >= 2'd1) ? b_i : 7'd1;
    assign n1 = (no_i >= 2'd2) ? b_i : 7'd1;
    assign nc = blk_has_axis(la_i, 2'd2) ? b_i : 7'd1;
    assign words_o = blk_words(b_i, no_i);

    function automatic logic [31:0] fold(input logic mx, input logic [31:0] acc, input logic [31:0] x);
      fold = mx ? (fx_gt(x, acc) ? x : acc) : fx_add(acc, x);
    endfunction

    always_comb begin
      logic [31:0] p, v;
      logic [IW-1:0] o;
      y_o = '0;
      for (int unsigned i = 0; i < MaxB; i++)
        for (int unsigned j = 0; j < MaxB; j++) begin
          p = i * 32'(s0) + j * 32'(s1);
          o = IW'(i * 32'(n1) + j);
          v = in_i[IW'(p)];
          for (int unsigned c = 1; c < MaxB; c++)
            if (c < 32'(nc)) v = fold(is_max_i, v, in_i[IW'(p + c * 32'(s2))]);
          if (i < 32'(n0) && j < 32'(n1)) y_o[o] = first_i ? v : fold(is_max_i, acc_i[o], v);
        end
    end
  end

endmodule
