// ff_block_alu.sv -- the datapath of an ALU tile in block mode: a whole
// block result per firing, combinational like ff_alu_unit (the tile's
// output pipeline charges the block op's latency, docs/timing.md "Block
// mode"). Result word i*n1 + j (n0 x n1 = the result's B^bno words) is
// lane (i, j): the operands' words at i*s0 + j*s1 + c*s2, strides from
// their layout codes (ff_pkg blk_stride), c over the contracted axis 2.
module ff_block_alu
  import ff_pkg::*;
#(
  parameter int unsigned MaxB = 4,      // 2..16; 0: no block datapath (outputs 0)
  localparam int unsigned W = (MaxB > 0) ? MaxB * MaxB : 1,
  localparam int unsigned IW = (W > 1) ? $clog2(W) : 1
) (
  input  logic [3:0]         op_i,
  input  logic               unary_i,  // b is the immediate
  input  logic [31:0]        imm_i,
  input  logic [4:0]         frac_i,
  input  logic [6:0]         b_i,      // block edge B, 1..MaxB
  input  logic [3:0]         la_i,
  input  logic [3:0]         lb_i,
  input  logic [1:0]         no_i,     // dims of the result
  input  logic [W-1:0][31:0] a_i,
  input  logic [W-1:0][31:0] bb_i,
  output logic [W-1:0][31:0] y_o,
  output logic [31:0]        words_o   // B^no
);

  if (MaxB == 0) begin : g_none
    assign y_o     = '0;
    assign words_o = '0;
    logic unused;
    assign unused = ^{op_i, unary_i, imm_i, frac_i, b_i, la_i, lb_i, no_i, a_i, bb_i};
  end else begin : g_lanes
    logic [3:0]  lb;
    logic [15:0] sa0, sa1, sa2, sb0, sb1, sb2;
    logic [6:0]  n0, n1, nc;

    assign lb  = unary_i ? 4'hf : lb_i;
    assign sa0 = blk_stride(la_i, 2'd0, b_i);
    assign sa1 = blk_stride(la_i, 2'd1, b_i);
    assign sa2 = blk_stride(la_i, 2'd2, b_i);
    assign sb0 = blk_stride(lb, 2'd0, b_i);
    assign sb1 = blk_stride(lb, 2'd1, b_i);
    assign sb2 = blk_stride(lb, 2'd2, b_i);
    assign n0  = (no_i >= 2'd1) ? b_i : 7'd1;
    assign n1  = (no_i >= 2'd2) ? b_i : 7'd1;
    assign nc  = (blk_has_axis(la_i, 2'd2) || blk_has_axis(lb, 2'd2)) ? b_i : 7'd1;
    assign words_o = blk_words(b_i, no_i);

    function automatic logic [31:0] word(input logic [W-1:0][31:0] blk, input logic [31:0] idx);
      word = (idx < W) ? blk[IW'(idx)] : 32'd0;
    endfunction

    logic [MaxB-1:0][MaxB-1:0][31:0] lane_y;
    // lane (i, j)'s operand words, declared out here: Yosys 0.55 cannot
    // size a signal declared inside the generate loop
    logic [MaxB-1:0][MaxB-1:0][MaxB-1:0][31:0] lane_a, lane_b;

    for (genvar i = 0; i < MaxB; i++) begin : g_i
      for (genvar j = 0; j < MaxB; j++) begin : g_j
        for (genvar c = 0; c < MaxB; c++) begin : g_c
          assign lane_a[i][j][c] = word(a_i, i * 32'(sa0) + j * 32'(sa1) + c * 32'(sa2));
          assign lane_b[i][j][c] = unary_i ? imm_i : word(bb_i, i * 32'(sb0) + j * 32'(sb1) + c * 32'(sb2));
        end
        ff_block_lane #(.MaxB(MaxB)) u_lane (
          .op_i  (op_i),
          .frac_i(frac_i),
          .nc_i  (nc),
          .a_i   (lane_a[i][j]),
          .b_i   (lane_b[i][j]),
          .y_o   (lane_y[i][j])
        );
      end
    end

    always_comb begin
      y_o = '0;
      for (int unsigned i = 0; i < MaxB; i++)
        for (int unsigned j = 0; j < MaxB; j++)
          if (i < 32'(n0) && j < 32'(n1)) y_o[IW'(i * 32'(n1) + j)] = lane_y[i][j];
    end
  end

endmodule
