// ff_block_store.sv -- the array's block store (docs/rtl.md "Block mode",
// docs/tokens.md "Block values"): the memory that block values live in, an
// allocator, and one port per block-capable tile.
//
// A handle is a word address. Handles below BlockZeroWords read as zeros
// (the zero block, what N loads) and take no storage; word w of the store
// holds handle BlockZeroWords + w. Blocks are immutable once written --
// except a reducer's accumulating block, which only its reducer holds until
// it emits it -- so every port reads combinationally within a firing, and a
// write lands at the clock edge, before any consumer can have the handle.
//
// Allocation: each cycle every port may ask for n words (and write them in
// the same cycle, at the handle it is granted); requests are
// granted in the order of their tiles' rank (the graph node index), each
// handle the next free word after those granted before it, so that the
// handles equal the C model's, which evaluates nodes in node order. An
// allocation past the store sets the sticky full flag (an error of the run).
//
// Harness: words are loaded and read back through the SRAM bus (mem slot
// 1, word w = handle BlockZeroWords + w); the allocator's next handle is a
// configuration register (slot 1, GEO_BLOCK_NEXT) the loader sets past the
// value arrays' blocks.
// verilator tracing_off
module ff_block_store
  import ff_pkg::*;
  import ff_config_pkg::*;
#(
  parameter int unsigned NPorts = 1,    // block-capable tiles
  parameter int unsigned W      = 16,   // words a port reads or writes per firing (MaxBlock^2)
  parameter int unsigned Words  = 1024, // store words, a power of two
  localparam int unsigned AW    = $clog2(Words)
) (
  input  logic                               clk_i,
  input  logic                               rst_ni,
  // per port: the requests (allocation, two reads, one write), the
  // allocated handle, the two blocks read, the words written
  input  blk_req_t [NPorts-1:0]              req_i,
  output logic [NPorts-1:0][31:0]            handle_o,
  output logic [NPorts-1:0][1:0][W-1:0][31:0] rd_data_o,
  input  logic [NPorts-1:0][W-1:0][31:0]     wdata_i,
  // configuration: the allocator's next handle, and the full flag
  input  logic                               next_we_i,
  input  logic [31:0]                        next_wdata_i,
  output logic [31:0]                        next_o,
  output logic                               full_o,
  // harness port (run off)
  input  logic                               h_we_i,
  input  logic [MemAddrBits-1:0]             h_addr_i,
  input  logic [31:0]                        h_wdata_i,
  output logic [31:0]                        h_rdata_o
);

  logic [31:0] mem [Words];
  logic [31:0] next_q, next_d;
  logic        full_q, full_d;
  logic [63:0] end_d;

  // word w of the store for handle h, or "none" (the zero block, or beyond)
  function automatic logic in_store(input logic [31:0] h);
    in_store = h >= BlockZeroWords && h - BlockZeroWords < Words;
  endfunction

  always_comb begin
    for (int unsigned t = 0; t < NPorts; t++) begin
      handle_o[t] = next_q;
      for (int unsigned u = 0; u < NPorts; u++)
        if (req_i[u].alloc && (req_i[u].rank < req_i[t].rank || (req_i[u].rank == req_i[t].rank && u < t)))
          handle_o[t] = handle_o[t] + req_i[u].alloc_n;
    end
    end_d = 64'(next_q);
    for (int unsigned t = 0; t < NPorts; t++)
      if (req_i[t].alloc) end_d = end_d + 64'(req_i[t].alloc_n);
    next_d = next_we_i ? next_wdata_i : end_d[31:0];
    full_d = next_we_i ? 1'b0 : (full_q || end_d > 64'(BlockZeroWords) + 64'(Words));
  end

  always_comb begin
    for (int unsigned t = 0; t < NPorts; t++)
      for (int unsigned p = 0; p < 2; p++)
        for (int unsigned w = 0; w < W; w++) begin
          logic [31:0] h;
          h = req_i[t].rd_addr[p] + w;
          rd_data_o[t][p][w] = in_store(h) ? mem[AW'(h - BlockZeroWords)] : 32'd0;
        end
  end

  // Blocking writes: Verilator takes no delayed assignment to an array in a
  // loop, and none is needed -- only the combinational reads above see mem,
  // and they settle after the edge.
  /* verilator lint_off BLKSEQ */
  always_ff @(posedge clk_i) begin
    if (h_we_i && 32'(h_addr_i) < Words) mem[AW'(h_addr_i)] = h_wdata_i;
    for (int unsigned t = 0; t < NPorts; t++)
      if (req_i[t].we)
        for (int unsigned w = 0; w < W; w++) begin
          logic [31:0] h;
          h = (req_i[t].alloc ? handle_o[t] : req_i[t].waddr) + w;
          if (w < req_i[t].wn && in_store(h)) mem[AW'(h - BlockZeroWords)] = wdata_i[t][w];
        end
  end
  /* verilator lint_on BLKSEQ */

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      next_q <= BlockZeroWords;
      full_q <= 1'b0;
    end else begin
      next_q <= next_d;
      full_q <= full_d;
    end
  end

  assign next_o    = next_q;
  assign full_o    = full_q;
  assign h_rdata_o = (32'(h_addr_i) < Words) ? mem[AW'(h_addr_i)] : 32'd0;

endmodule
