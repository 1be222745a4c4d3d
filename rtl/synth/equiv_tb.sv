// equiv_tb.sv -- a tile's gate-level netlist (rtl/synth/synth.mjs, module
// `GL) against its RTL (ff_tile), cycle by cycle on the same random
// stimulus (docs/synthesis.md "Checking the netlists"). Every output of the
// two must be equal in every cycle; the first difference stops the run
// with the cycle and the port, and the exit status is non-zero.
//
// Stimulus (a seeded xorshift64, so a run repeats): a reset, then random
// configuration writes (mostly small values to the low registers, where the kinds keep
// their parameters), SRAM host writes, and input tokens of every kind with
// small payloads (so coordinates and references fall in range), random
// output readiness and run, for Cycles cycles; a reset every 4096 cycles.
`ifndef GL
`define GL tile_root_gl
`endif
module equiv_tb
  import ff_pkg::*;
  import ff_config_pkg::*;
#(
  parameter int unsigned Kind     = 0,
  parameter int unsigned MemWords = 0,
  parameter int unsigned Cycles   = 20000,
  parameter logic [63:0] Seed     = 64'd1,
  localparam int unsigned NIn     = kind_nin(Kind),
  localparam int unsigned NOut    = kind_nout(Kind),
  localparam int unsigned NInP    = (NIn > 0) ? NIn : 1,
  localparam int unsigned NOutP   = (NOut > 0) ? NOut : 1
) ();
  logic clk = 1'b0, rst_ni = 1'b0, run_i = 1'b0;
  logic cfg_we_i = 1'b0, mem_we_i = 1'b0;
  logic [4:0] cfg_reg_i = '0;
  logic [31:0] cfg_wdata_i = '0, mem_wdata_i = '0, blk_handle_i = '0;
  logic [MemAddrBits-1:0] mem_addr_i = '0;
  logic [NInP-1:0] in_valid_i = '0;
  logic [NInP-1:0][33:0] in_data_i = '0;
  logic [NOutP-1:0] out_ready_i = '0;
  logic [1:0][0:0][31:0] blk_rd_data_i = '0;

  // each side's outputs, in one word
  localparam int unsigned OutW = 32 + 32 + NInP * 12 + NInP + NOutP + NOutP * 34 + 3 + $bits(blk_req_t) + 32;
  logic [OutW-1:0] rtl_o, gl_o;

  // the one port list of both sides: the same inputs, each side's outputs
  // into its word o
`define EQUIV_PORTS(o) \
    .clk_i(clk), .rst_ni(rst_ni), .run_i(run_i), \
    .cfg_we_i(cfg_we_i), .cfg_reg_i(cfg_reg_i), .cfg_wdata_i(cfg_wdata_i), .cfg_rdata_o(o[31:0]), \
    .mem_we_i(mem_we_i), .mem_addr_i(mem_addr_i), .mem_wdata_i(mem_wdata_i), .mem_rdata_o(o[63:32]), \
    .in_src_o(o[64 +: NInP * 12]), .in_valid_i(in_valid_i), .in_ready_o(o[64 + NInP * 12 +: NInP]), \
    .in_data_i(in_data_i), .out_valid_o(o[64 + NInP * 13 +: NOutP]), .out_ready_i(out_ready_i), \
    .out_data_o(o[64 + NInP * 13 + NOutP +: NOutP * 34]), \
    .done_o(o[64 + NInP * 13 + NOutP * 35]), .error_o(o[65 + NInP * 13 + NOutP * 35]), \
    .moved_o(o[66 + NInP * 13 + NOutP * 35]), \
    .blk_req_o(o[67 + NInP * 13 + NOutP * 35 +: $bits(blk_req_t)]), .blk_rd_data_i(blk_rd_data_i), \
    .blk_handle_i(blk_handle_i), .blk_wdata_o(o[OutW - 32 +: 32])

  ff_tile #(.Kind(Kind), .MaxDepth(4), .MaxLat(4), .MemWords(MemWords)) u_rtl (`EQUIV_PORTS(rtl_o));
  `GL u_gl (`EQUIV_PORTS(gl_o));

  logic [63:0] s = Seed;
  function automatic logic [63:0] next(input logic [63:0] x);
    logic [63:0] y;
    y = x ^ (x << 13);
    y = y ^ (y >> 7);
    next = y ^ (y << 17);
  endfunction

  int unsigned cycle = 0, fired = 0;
  always #5 clk = ~clk;

`ifdef EQUIV_VCD
  // a waveform of the stimulus and the RTL tile, to see a mismatch (build
  // with +define+EQUIV_VCD and --trace)
  initial begin
    $dumpfile("equiv.vcd");
    $dumpvars(1, equiv_tb);
    $dumpvars(0, equiv_tb.u_rtl);
  end
`endif

  // new stimulus after each rising edge; compare before the next one
  always @(negedge clk) begin
    if (cycle > 0 && rtl_o !== gl_o) begin
      for (int unsigned b = 0; b < OutW; b++)
        if (rtl_o[b] !== gl_o[b]) begin
          $display("equiv_tb %s: cycle %0d: output bit %0d differs (RTL %b, netlist %b)", `"`GL`", cycle, b,
                   rtl_o[b], gl_o[b]);
          break;
        end
      $fatal(1, "equiv_tb %s: the netlist differs from the RTL", `"`GL`");
    end
    fired += {31'd0, rtl_o[66 + NInP * 13 + NOutP * 35]};
    s = next(s);
    rst_ni <= cycle % 4096 >= 2;  // a reset now and then: tiles that finish run again
    run_i <= cycle % 4096 >= 40 && s[3:0] != 4'd0;
    cfg_we_i <= s[7:4] == 4'd0 || (cycle % 4096 < 40 && s[4]);
    cfg_reg_i <= s[8] ? 5'(s[11:9]) : s[16:12];
    cfg_wdata_i <= s[20:17] != 4'd0 ? {28'd0, s[24:21]} : s[56:25];  // mostly small: dims, counts, formats
    mem_we_i <= s[57:54] == 4'd0;
    mem_addr_i <= MemAddrBits'(s[61:58]);
    s = next(s);
    mem_wdata_i <= {28'd0, s[3:0]};
    out_ready_i <= NOutP'(s[11:4] | 8'(s[12] ? 8'hff : 8'h00));
    for (int unsigned p = 0; p < NInP; p++) begin
      s = next(s);
      in_valid_i[p] <= s[1:0] != 2'd0;
      in_data_i[p] <= {s[3:2], 27'd0, s[8:4]};
    end
    s = next(s);
    blk_handle_i <= {24'd0, s[7:0]};
    blk_rd_data_i <= {s[39:8], {8'd0, s[63:40]}};
    cycle++;
    if (cycle == Cycles + 2) begin
      $display("equiv_tb %s: %0d cycles, %0d with a firing or a token out, 0 mismatches", `"`GL`", Cycles, fired);
      $finish;
    end
  end
endmodule
