// ff_sram.sv -- a tile's SRAM bank: a register file whose every word the
// tile's core may read combinationally within a firing (docs/timing.md
// section 4: reads complete within the firing; a real SRAM's read latency is
// charged as the tile's latency L). Two core write ports (a writer's first
// firing writes its coordinate and the leading seg[0] = 0 together) and the
// tile's host port (ff_core's mem_*: load/readback, used only while run_i is
// low; a write at or past Words is ignored, a read takes the low address bits).
// The banks are read back through the harness port, not watched in
// waveforms: leaving them out of the trace keeps the Verilated trace code of
// an array small (words x tiles signals).
// verilator tracing_off
module ff_sram
  import ff_config_pkg::*;
#(
  parameter int unsigned Words = 256    // a power of two >= 2
) (
  input  logic                         clk_i,
  // core write ports (port a wins when both name one word; never happens)
  input  logic                         a_we_i,
  input  logic [$clog2(Words)-1:0]     a_addr_i,
  input  logic [31:0]                  a_wdata_i,
  input  logic                         b_we_i,
  input  logic [$clog2(Words)-1:0]     b_addr_i,
  input  logic [31:0]                  b_wdata_i,
  // the tile's host port
  input  logic                         mem_we_i,
  input  logic [MemAddrBits-1:0]       mem_addr_i,
  input  logic [31:0]                  mem_wdata_i,
  output logic [31:0]                  mem_rdata_o,
  // every word, for the core's combinational reads
  output logic [Words-1:0][31:0]       mem_o
);

  localparam int unsigned AW = $clog2(Words);

  logic [Words-1:0][31:0] mem_q;
  logic                   h_we;
  logic [AW-1:0]          h_addr;

  assign h_we        = mem_we_i && 32'(mem_addr_i) < Words;
  assign h_addr      = mem_addr_i[AW-1:0];
  assign mem_o       = mem_q;
  assign mem_rdata_o = mem_q[h_addr];

  // No reset: a bank holds what the harness loaded or the core wrote.
  always_ff @(posedge clk_i) begin
    if (h_we) mem_q[h_addr] <= mem_wdata_i;
    if (b_we_i) mem_q[b_addr_i] <= b_wdata_i;
    if (a_we_i) mem_q[a_addr_i] <= a_wdata_i;
  end

`ifdef FF_ASSERTIONS
  initial assert (Words >= 2 && (Words & (Words - 1)) == 0)
    else $fatal(1, "ff_sram: Words must be a power of two >= 2");
`endif

endmodule
