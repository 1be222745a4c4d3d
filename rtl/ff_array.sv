// ff_array.sv -- an RDA array: tiles of every kind (counts by parameter), a
// full crossbar, harness ports, and the configuration and SRAM buses
// (docs/rtl.md).
//
// Sources (what an input may select; routing value = source index + 1, 0 =
// unconnected): the harness input ports 0..NHin-1, then every tile's outputs,
// tiles in slot order, each contributing all of its kind's outputs.
// Consumers: every tile input, then the harness output ports.
//
// Ready/valid rule. A consumer is a FIFO whose ready is its registered
// count < depth. A source's ready is the AND of the ready of every consumer
// that selects it, 1 when none does (timing.md section 2, fan-out: push to all
// or to none; an unconnected output drops its tokens). Sources assert valid
// only when they saw ready, so a valid source pushes into every consumer that
// selects it in the same cycle. Harness input ports are sources without a
// FIFO of their own: their channel is the FIFO of the tile input they feed,
// exactly the source -> primitive channel of the C model. Harness output ports
// are consumers with a FIFO the testbench pops (hout_ready_i = pop).
//
// Config bus: address = slot * RegsPerSlot + reg; slot 0/1 geometry (read
// only, but for the block store's next handle), slots FirstTileSlot..
// tiles, then one slot per harness output port (its reg REG_IN holds src
// and depth). Reads are combinational.
//
// Block store (MaxBlock > 0, docs/rtl.md "Block mode"): every alu, reduce,
// spacc1 and spacc2 tile gets a port of ff_block_store, in slot order; its
// words are SRAM slot 1 of the harness's SRAM bus.
module ff_array
  import ff_pkg::*;
  import ff_config_pkg::*;
#(
  parameter logic [NKinds*8-1:0]  TileCounts = {NKinds{8'd1}},     // per kind, 8 bits: tiles of that kind
  parameter logic [NKinds*32-1:0] MemWords   = default_mem_words(), // per kind, 32 bits: SRAM words per tile
  parameter int unsigned          NHin       = 8,   // harness input ports
  parameter int unsigned          NHout      = 8,   // harness output ports
  parameter int unsigned          MaxDepth   = 4,   // FIFO storage per channel
  parameter int unsigned          MaxLat     = 4,   // output pipeline stages per tile
  parameter int unsigned          MaxBlock   = 0,   // largest block edge (2..16); 0: no block store
  parameter int unsigned          BlockWords = 0,   // block store words (a power of two; 0 with MaxBlock 0)
  // (derived: the number of consumers, for the tap ports' width)
  parameter int unsigned          NTaps      = array_ncons(TileCounts, NHout),
  parameter int unsigned          NMp        = array_ntiles(TileCounts)
) (
  input  logic                        clk_i,
  input  logic                        rst_ni,
  input  logic                        run_i,        // low: nothing moves (configure, load)
  input  logic                        cfg_we_i,
  input  logic [AddrBits-1:0]         cfg_addr_i,
  input  logic [31:0]                 cfg_wdata_i,
  output logic [31:0]                 cfg_rdata_o,
  input  logic                        mem_we_i,
  input  logic [SlotBits-1:0]         mem_slot_i,
  input  logic [MemAddrBits-1:0]      mem_addr_i,
  input  logic [31:0]                 mem_wdata_i,
  output logic [31:0]                 mem_rdata_o,
  input  logic [NHin-1:0]             hin_valid_i,
  output logic [NHin-1:0]             hin_ready_o,
  input  logic [NHin-1:0][33:0]       hin_data_i,
  output logic [NHout-1:0]            hout_valid_o,
  input  logic [NHout-1:0]            hout_ready_i,
  output logic [NHout-1:0][33:0]      hout_data_o,
  output logic                        done_o,       // every enabled tile has finished
  output logic                        error_o,      // some tile's sticky error flag
  output logic                        active_o,     // this cycle some tile fires or pushes a token
  // Debug taps, one per consumer (every tile input in slot order, then the
  // harness output ports): tap_push_o[c] = consumer c takes tap_data_o[c]
  // this cycle. The harness records them to find where the RTL and the C
  // model first diverge (docs/cosim.md); nothing inside the array reads them.
  output logic [NTaps-1:0]            tap_push_o,
  output logic [NTaps-1:0][33:0]      tap_data_o,
  // Off-chip memory ports, one lane per tile in slot order (tied off for
  // kinds without one; docs/timing.md section 4, ff_mport.sv): the harness
  // grants requests and returns responses from the memory model the C model
  // uses (ff_mem.h). mp_wait_o: the tile waits for memory this cycle.
  output logic [NMp-1:0]              mp_req_valid_o,
  output logic [NMp-1:0]              mp_req_region_o,
  input  logic [NMp-1:0]              mp_req_ready_i,
  input  logic [NMp-1:0]              mp_resp_valid_i,
  input  logic [NMp-1:0]              mp_resp_region_i,
  output logic [NMp-1:0]              mp_wait_o
);

  localparam int unsigned SrcW = IN_SRC_W;

  // ---- geometry (constant functions of the parameters) --------------------

  function automatic int unsigned count_of(input int unsigned k);
    count_of = 32'(TileCounts[k*8 +: 8]);
  endfunction

  function automatic int unsigned num_tiles();
    int unsigned n = 0;
    for (int unsigned k = 0; k < NKinds; k++) n += count_of(k);
    num_tiles = n;
  endfunction

  function automatic int unsigned kind_of(input int unsigned t);
    int unsigned seen = 0;
    kind_of = 0;
    for (int unsigned k = 0; k < NKinds; k++) begin  // the kinds' ranges are disjoint
      if (t >= seen && t < seen + count_of(k)) kind_of = k;
      seen += count_of(k);
    end
  endfunction

  // first source index of tile t's outputs / first consumer index of its inputs
  function automatic int unsigned out_base(input int unsigned t);
    int unsigned b = NHin;
    for (int unsigned u = 0; u < t; u++) b += kind_nout(kind_of(u));
    out_base = b;
  endfunction

  function automatic int unsigned in_base(input int unsigned t);
    int unsigned b = 0;
    for (int unsigned u = 0; u < t; u++) b += kind_nin(kind_of(u));
    in_base = b;
  endfunction

  // block store port of tile t (when its kind has one)
  function automatic int unsigned blk_port(input int unsigned t);
    int unsigned b = 0;
    for (int unsigned u = 0; u < t; u++) if (kind_has_block(kind_of(u))) b++;
    blk_port = b;
  endfunction

  localparam int unsigned NTiles  = num_tiles();
  localparam int unsigned NSrc    = out_base(NTiles);
  localparam int unsigned NTileIn = in_base(NTiles);
  localparam int unsigned NCons   = NTileIn + NHout;
  localparam int unsigned NTilesP = (NTiles > 0) ? NTiles : 1;
  localparam int unsigned HoutSlot = FirstTileSlot + NTiles;
  localparam int unsigned SelW    = (NSrc > 1) ? $clog2(NSrc) : 1;  // index of a source
  localparam int unsigned BW      = (MaxBlock > 0) ? MaxBlock * MaxBlock : 1;
  localparam int unsigned NBPorts = (MaxBlock > 0) ? blk_port(NTiles) : 0;
  localparam int unsigned NBP     = (NBPorts > 0) ? NBPorts : 1;

  // ---- sources and consumers ---------------------------------------------

  logic [NSrc-1:0]             src_valid, src_ready, src_block;
  // Unpacked: each source's word is its own variable, so a harness input
  // that changes re-evaluates one element, not a NSrc x 34-bit vector
  // rebuilt from its parts (what dominated the Verilated array's time).
  logic [33:0]                 src_data [NSrc];
  logic [NCons-1:0][SrcW-1:0]  cons_sel;
  logic [NCons-1:0]            cons_valid, cons_ready;
  logic [NCons-1:0][33:0]      cons_data;

  // Crossbar: each consumer muxes its source; a source is blocked when any
  // consumer that selects it is full. Both loops run over the consumers
  // (indexing by the routing field), so the logic grows with
  // sources + consumers, not with their product.
  always_comb begin
    for (int unsigned c = 0; c < NCons; c++) begin
      cons_valid[c] = 1'b0;
      cons_data[c]  = '0;
      if (cons_sel[c] != '0 && 32'(cons_sel[c]) <= NSrc) begin
        cons_valid[c] = src_valid[SelW'(cons_sel[c] - SrcW'(1))];
        cons_data[c]  = src_data[SelW'(cons_sel[c] - SrcW'(1))];
      end
    end
  end
  // (a block of its own: the ready path must not look like it depends on
  // the valid path it feeds)
  always_comb begin
    src_block = '0;
    for (int unsigned c = 0; c < NCons; c++) begin
      if (cons_sel[c] != '0 && 32'(cons_sel[c]) <= NSrc && !cons_ready[c])
        src_block[SelW'(cons_sel[c] - SrcW'(1))] = 1'b1;
    end
  end
  assign src_ready = ~src_block;

  assign src_valid[NHin-1:0] = hin_valid_i;
  for (genvar h = 0; h < NHin; h++) begin : g_hin_data
    assign src_data[h] = hin_data_i[h];
  end
  assign hin_ready_o         = src_ready[NHin-1:0];

  // ---- tiles ----------------------------------------------------------------

  logic [SlotBits-1:0]          cfg_slot, mem_slot;
  logic [4:0]                   cfg_reg;
  // Unpacked for the reason src_data is: the read-back mux selects one
  // word, instead of rebuilding a NTiles x 32-bit vector on every address.
  logic [31:0]                  tile_cfg_rdata [NTilesP], tile_mem_rdata [NTilesP];
  logic [NTilesP-1:0]           tile_done, tile_err, tile_moved;

  // block store ports, one per block-capable tile
  blk_req_t [NBP-1:0]                 bs_req;
  logic [NBP-1:0][31:0]               bs_handle;
  logic [NBP-1:0][1:0][BW-1:0][31:0]  bs_rd_data;
  logic [NBP-1:0][BW-1:0][31:0]       bs_wdata;

  // run_i, registered: the tiles see it one edge later (the harness's
  // start edge, docs/rtl.md "run_i"), so no tile's logic depends on a
  // harness input combinationally only because of it -- a Verilated array
  // would otherwise re-evaluate every tile whenever any input changes.
  logic run_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) run_q <= 1'b0;
    else         run_q <= run_i;
  end

  assign cfg_slot = cfg_addr_i[AddrBits-1 -: SlotBits];
  assign cfg_reg  = cfg_addr_i[4:0];
  assign mem_slot = mem_slot_i;

  for (genvar t = 0; t < NTiles; t++) begin : g_tile
    localparam int unsigned K     = kind_of(t);
    localparam int unsigned NIn   = kind_nin(K);
    localparam int unsigned NOut  = kind_nout(K);
    localparam int unsigned NInP  = (NIn > 0) ? NIn : 1;
    localparam int unsigned NOutP = (NOut > 0) ? NOut : 1;
    localparam int unsigned IB    = in_base(t);
    localparam int unsigned OB    = out_base(t);

    logic [NInP-1:0][SrcW-1:0] in_src;
    logic [NInP-1:0]           in_valid, in_ready;
    logic [NInP-1:0][33:0]     in_data;
    logic [NOutP-1:0]          out_valid, out_ready;
    logic [NOutP-1:0][33:0]    out_data;

    if (NIn > 0) begin : g_in
      assign cons_sel[IB +: NIn]   = in_src;
      assign cons_ready[IB +: NIn] = in_ready;
      assign in_valid              = cons_valid[IB +: NIn];
      assign in_data               = cons_data[IB +: NIn];
    end else begin : g_no_in
      assign in_valid = '0;
      assign in_data  = '0;
      logic unused_in;
      assign unused_in = ^{in_src, in_ready};
    end
    if (NOut > 0) begin : g_out
      assign src_valid[OB +: NOut] = out_valid;
      for (genvar o = 0; o < NOut; o++) begin : g_out_data
        assign src_data[OB + o] = out_data[o];
      end
      assign out_ready             = src_ready[OB +: NOut];
    end else begin : g_no_out
      assign out_ready = '1;
      logic unused_out;
      assign unused_out = ^{out_valid, out_data};
    end

    blk_req_t                 t_req;
    logic [1:0][BW-1:0][31:0] t_rd_data;
    logic [31:0]              t_handle;
    logic [BW-1:0][31:0]      t_wdata;

    if (MaxBlock > 0 && kind_has_block(K)) begin : g_blk
      localparam int unsigned BP = blk_port(t);
      assign bs_req[BP]   = t_req;
      assign bs_wdata[BP] = t_wdata;
      assign t_rd_data    = bs_rd_data[BP];
      assign t_handle     = bs_handle[BP];
    end else begin : g_no_blk
      assign t_rd_data = '0;
      assign t_handle  = '0;
      logic unused_blk;
      assign unused_blk = ^{t_req, t_wdata};
    end

    ff_tile #(
      .Kind    (K),
      .MaxDepth(MaxDepth),
      .MaxLat  (MaxLat),
      .MemWords(MemWords[K*32 +: 32]),
      .SrcW    (SrcW),
      .MaxBlock(MaxBlock)
    ) u_tile (
      .clk_i      (clk_i),
      .rst_ni     (rst_ni),
      .run_i      (run_q),
      .cfg_we_i   (cfg_we_i && 32'(cfg_slot) == FirstTileSlot + t),
      .cfg_reg_i  (cfg_reg),
      .cfg_wdata_i(cfg_wdata_i),
      .cfg_rdata_o(tile_cfg_rdata[t]),
      .mem_we_i   (mem_we_i && 32'(mem_slot) == FirstTileSlot + t),
      .mem_addr_i (mem_addr_i),
      .mem_wdata_i(mem_wdata_i),
      .mem_rdata_o(tile_mem_rdata[t]),
      .in_src_o   (in_src),
      .in_valid_i (in_valid),
      .in_ready_o (in_ready),
      .in_data_i  (in_data),
      .out_valid_o(out_valid),
      .out_ready_i(out_ready),
      .out_data_o (out_data),
      .done_o     (tile_done[t]),
      .error_o    (tile_err[t]),
      .moved_o    (tile_moved[t]),
      .mp_req_valid_o  (mp_req_valid_o[t]),
      .mp_req_region_o (mp_req_region_o[t]),
      .mp_req_ready_i  (mp_req_ready_i[t]),
      .mp_resp_valid_i (mp_resp_valid_i[t]),
      .mp_resp_region_i(mp_resp_region_i[t]),
      .mp_wait_o       (mp_wait_o[t]),
      .blk_req_o    (t_req),
      .blk_rd_data_i(t_rd_data),
      .blk_handle_i (t_handle),
      .blk_wdata_o  (t_wdata)
    );
  end

  // ---- block store ----------------------------------------------------------

  logic [31:0] bs_next, bs_h_rdata;
  logic        bs_full;

  if (NBPorts > 0) begin : g_block_store
    ff_block_store #(
      .NPorts(NBPorts),
      .W     (BW),
      .Words (BlockWords)
    ) u_store (
      .clk_i       (clk_i),
      .rst_ni      (rst_ni),
      .req_i       (bs_req),
      .handle_o    (bs_handle),
      .rd_data_o   (bs_rd_data),
      .wdata_i     (bs_wdata),
      .next_we_i   (cfg_we_i && 32'(cfg_slot) == 1 && 32'(cfg_reg) == GEO_BLOCK_NEXT),
      .next_wdata_i(cfg_wdata_i),
      .next_o      (bs_next),
      .full_o      (bs_full),
      .h_we_i      (mem_we_i && 32'(mem_slot) == 1),
      .h_addr_i    (mem_addr_i),
      .h_wdata_i   (mem_wdata_i),
      .h_rdata_o   (bs_h_rdata)
    );
  end else begin : g_no_block_store
    assign bs_next    = '0;
    assign bs_full    = 1'b0;
    assign bs_h_rdata = '0;
    assign bs_handle  = '0;
    assign bs_rd_data = '0;
    // no tile has a block store port (MaxBlock 0, or no block-capable tile)
    assign bs_req   = '0;
    assign bs_wdata = '0;
    logic unused_bs;
    assign unused_bs = ^{bs_req, bs_wdata, bs_handle, bs_rd_data};
  end

  if (NTiles == 0) begin : g_no_tiles
    assign tile_cfg_rdata[0] = '0;
    assign tile_mem_rdata[0] = '0;
    assign tile_done      = '1;
    assign tile_err       = '0;
    assign tile_moved     = '0;
    assign mp_req_valid_o  = '0;
    assign mp_req_region_o = '0;
    assign mp_wait_o       = '0;
    logic unused_mem;
    assign unused_mem = ^{mem_we_i, mem_addr_i, mem_wdata_i, mp_req_ready_i, mp_resp_valid_i, mp_resp_region_i};
  end

  // ---- harness output ports -----------------------------------------------

  logic [NHout-1:0][31:0] hout_cfg_q, hout_cfg_d;
  logic [NHout-1:0][7:0]  hout_count;  // (not read back)
  logic                   unused_hout_count;
  assign unused_hout_count = ^hout_count;

  always_comb begin
    hout_cfg_d = hout_cfg_q;
    for (int unsigned q = 0; q < NHout; q++) begin
      if (cfg_we_i && 32'(cfg_slot) == HoutSlot + q && 32'(cfg_reg) == REG_IN) hout_cfg_d[q] = cfg_wdata_i;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) hout_cfg_q <= '0;
    else         hout_cfg_q <= hout_cfg_d;
  end

  for (genvar q = 0; q < NHout; q++) begin : g_hout
    assign cons_sel[NTileIn + q] = hout_cfg_q[q][IN_SRC_LSB +: SrcW];
    ff_fifo #(
      .MaxDepth(MaxDepth),
      .Width   (34)
    ) u_fifo (
      .clk_i  (clk_i),
      .rst_ni (rst_ni),
      .depth_i(hout_cfg_q[q][IN_DEPTH_LSB +: IN_DEPTH_W]),
      .valid_i(cons_valid[NTileIn + q]),
      .ready_o(cons_ready[NTileIn + q]),
      .data_i (cons_data[NTileIn + q]),
      .valid_o(hout_valid_o[q]),
      .pop_i  (hout_ready_i[q] && run_q),
      .data_o (hout_data_o[q]),
      .count_o(hout_count[q])
    );
  end

  // ---- read-back and status -------------------------------------------------

  always_comb begin
    cfg_rdata_o = '0;
    if (cfg_slot == '0) begin
      if (32'(cfg_reg) < NKinds) cfg_rdata_o = 32'(count_of(32'(cfg_reg)));
      else if (32'(cfg_reg) == GEO_NHIN) cfg_rdata_o = NHin;
      else if (32'(cfg_reg) == GEO_NHOUT) cfg_rdata_o = NHout;
      else if (32'(cfg_reg) == GEO_MAX_DEPTH) cfg_rdata_o = MaxDepth;
      else if (32'(cfg_reg) == GEO_MAX_LATENCY) cfg_rdata_o = MaxLat;
      else if (32'(cfg_reg) == GEO_MAGIC) cfg_rdata_o = Magic;
      else if (32'(cfg_reg) == GEO_MAX_BLOCK) cfg_rdata_o = MaxBlock;
      else if (32'(cfg_reg) == GEO_BLOCK_WORDS) cfg_rdata_o = BlockWords;
    end else if (32'(cfg_slot) == 1) begin
      if (32'(cfg_reg) < NKinds) cfg_rdata_o = MemWords[32'(cfg_reg)*32 +: 32];
      else if (32'(cfg_reg) == GEO_BLOCK_NEXT) cfg_rdata_o = bs_next;
      else if (32'(cfg_reg) == GEO_BLOCK_STATUS) cfg_rdata_o = {31'd0, bs_full};
    end else if (32'(cfg_slot) < HoutSlot) begin
      cfg_rdata_o = tile_cfg_rdata[32'(cfg_slot) - FirstTileSlot];
    end else if (32'(cfg_slot) < HoutSlot + NHout) begin
      if (32'(cfg_reg) == REG_IN) cfg_rdata_o = hout_cfg_q[32'(cfg_slot) - HoutSlot];
    end
  end

  always_comb begin
    mem_rdata_o = '0;
    if (32'(mem_slot) == 1) mem_rdata_o = bs_h_rdata;
    else if (32'(mem_slot) >= FirstTileSlot && 32'(mem_slot) < HoutSlot)
      mem_rdata_o = tile_mem_rdata[32'(mem_slot) - FirstTileSlot];
  end

  // A consumer takes a token when it sees valid and shows ready (ff_fifo's
  // push): the C model's channel push, the same cycle.
  assign tap_push_o = cons_valid & cons_ready;
  assign tap_data_o = cons_data;

  assign done_o   = &tile_done;
  assign error_o  = |tile_err || bs_full;
  assign active_o = |tile_moved;

`ifdef FF_ASSERTIONS
  initial assert (NHin >= 1 && NHout >= 1 && NSrc < (1 << SrcW) && NTaps == NCons &&
                  (MaxBlock == 0 || (MaxBlock >= 2 && MaxBlock <= 16 && BlockWords >= 2)))
    else $fatal(1, "ff_array: bad parameters");
`endif

endmodule
