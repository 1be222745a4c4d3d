// ff_tile.sv -- the generic RDA tile: configuration registers, one input FIFO
// per input port (the channel of docs/timing.md section 2 lives at its
// consumer), the primitive's core, the L-stage output pipeline and the II
// counter, exactly as models/sim/engine.c (eval, pipe_step) runs a node.
//
// Ready/valid rule. Inputs: in_ready_o[p] is the FIFO's registered
// count < depth; the crossbar asserts in_valid_i[p] only when its producer
// saw every destination ready. Outputs: out_ready_i[p] is the AND of the
// registered readiness of every FIFO the output feeds (1 when it feeds
// none); the tile looks at it *before* it asserts out_valid_o[p] -- the
// all-or-nothing firing of timing.md section 3 -- which is safe because it is
// a register, never a path through another tile. out_valid_o is the push.
//
// One cycle (run_i high, tile enabled):
//   1. L > 0: the pipeline advances iff its last stage is empty or every port
//      it carries is ready; then the last stage pushes and every stage shifts.
//   2. The core may fire iff it has not finished and the II count is 0; its
//      outputs are ready = (L = 0) ? out_ready_i : advances.
//   3. A firing reloads the II count with II-1; otherwise a non-zero count
//      counts down (engine.c: ii_wait).
// The tile is finished when its core has fired its last firing and its
// pipeline is empty; a disabled tile is always finished and never fires.
module ff_tile
  import ff_pkg::*;
  import ff_config_pkg::*;
#(
  parameter int unsigned Kind     = 0,    // ff_prims.def kind number
  parameter int unsigned MaxDepth = 4,    // input FIFO storage
  parameter int unsigned MaxLat   = 4,    // output pipeline stages
  parameter int unsigned MemWords = 0,    // SRAM words (memory kinds)
  parameter int unsigned SrcW     = 12,   // width of a routing source field
  parameter int unsigned MaxBlock = 0,    // largest block edge of the array; 0: no block store
  localparam int unsigned BW      = (MaxBlock > 0) ? MaxBlock * MaxBlock : 1,
  localparam int unsigned NIn     = kind_nin(Kind),
  localparam int unsigned NOut    = kind_nout(Kind),
  localparam int unsigned NInP    = (NIn > 0) ? NIn : 1,
  localparam int unsigned NOutP   = (NOut > 0) ? NOut : 1
) (
  input  logic                        clk_i,
  input  logic                        rst_ni,
  input  logic                        run_i,
  // configuration bus, already decoded to this slot
  input  logic                        cfg_we_i,
  input  logic [4:0]                  cfg_reg_i,
  input  logic [31:0]                 cfg_wdata_i,
  output logic [31:0]                 cfg_rdata_o,
  // SRAM load/readback port, already decoded to this slot
  input  logic                        mem_we_i,
  input  logic [MemAddrBits-1:0]      mem_addr_i,
  input  logic [31:0]                 mem_wdata_i,
  output logic [31:0]                 mem_rdata_o,
  // routing: the source each input selects (the crossbar reads it)
  output logic [NInP-1:0][SrcW-1:0]   in_src_o,
  // input streams
  input  logic [NInP-1:0]             in_valid_i,
  output logic [NInP-1:0]             in_ready_o,
  input  logic [NInP-1:0][33:0]       in_data_i,
  // output streams
  output logic [NOutP-1:0]            out_valid_o,
  input  logic [NOutP-1:0]            out_ready_i,
  output logic [NOutP-1:0][33:0]      out_data_o,
  // status
  output logic                        done_o,
  output logic                        error_o,
  output logic                        moved_o,   // this cycle the core fires or a token leaves
  // off-chip memory port (ff_mport; tied off unless the kind has one)
  output logic                        mp_req_valid_o,
  output logic                        mp_req_region_o,
  input  logic                        mp_req_ready_i,
  input  logic                        mp_resp_valid_i,
  input  logic                        mp_resp_region_i,
  output logic                        mp_wait_o, // this cycle the tile waits for memory
  // block store port (ff_block_store), driven by the core
  output blk_req_t                    blk_req_o,
  input  logic [1:0][BW-1:0][31:0]    blk_rd_data_i,
  input  logic [31:0]                 blk_handle_i,
  output logic [BW-1:0][31:0]         blk_wdata_o
);

  // ---- configuration registers ----------------------------------------

  logic [RegsPerSlot-1:0][31:0] cfg_q, cfg_d;

  function automatic logic writable(input logic [4:0] r);
    writable = (32'(r) == REG_CTRL) || (32'(r) >= REG_IN && 32'(r) < REG_IN + NIn) || (32'(r) >= ParamBase);
  endfunction

  always_comb begin
    cfg_d = cfg_q;
    if (cfg_we_i && writable(cfg_reg_i)) cfg_d[cfg_reg_i] = cfg_wdata_i;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) cfg_q <= '0;
    else         cfg_q <= cfg_d;
  end

  logic        enable;
  logic [3:0]  lat_cfg;
  logic [7:0]  ii_cfg;
  logic [7:0]  ii_m1;
  int unsigned lat;

  assign enable  = cfg_q[REG_CTRL][CTRL_ENABLE_LSB];
  assign lat_cfg = cfg_q[REG_CTRL][CTRL_LATENCY_LSB +: CTRL_LATENCY_W];
  assign ii_cfg  = cfg_q[REG_CTRL][CTRL_II_LSB +: CTRL_II_W];
  assign ii_m1   = (ii_cfg == 8'd0) ? 8'd0 : ii_cfg - 8'd1;
`ifdef FF_FAULT_LATENCY_KIND
  // A deliberately broken build (docs/cosim.md "Broken builds"): tiles of
  // kind FF_FAULT_LATENCY_KIND take one pipeline stage more than their
  // configuration says. Never defined outside the cosim fault tests.
  assign lat     = (32'(lat_cfg) + ((Kind == `FF_FAULT_LATENCY_KIND) ? 1 : 0) > MaxLat) ? MaxLat
                 : 32'(lat_cfg) + ((Kind == `FF_FAULT_LATENCY_KIND) ? 1 : 0);
`else
  assign lat     = (32'(lat_cfg) > MaxLat) ? MaxLat : 32'(lat_cfg);
`endif

  // ---- input FIFOs ------------------------------------------------------

  logic [NInP-1:0]       fifo_valid;
  logic [NInP-1:0][33:0] fifo_data;
  logic [NInP-1:0]       core_pop;
  logic [NInP-1:0]       conn;
  logic [7:0][7:0]       occ;      // per hardware input: FIFO occupancy (8 inputs max)

  for (genvar p = 0; p < NInP; p++) begin : g_in
    if (p < NIn) begin : g_fifo
      assign in_src_o[p] = cfg_q[REG_IN + p][IN_SRC_LSB +: SrcW];
      assign conn[p]     = (in_src_o[p] != '0);
      ff_fifo #(
        .MaxDepth(MaxDepth),
        .Width   (34)
      ) u_fifo (
        .clk_i  (clk_i),
        .rst_ni (rst_ni),
        .depth_i(cfg_q[REG_IN + p][IN_DEPTH_LSB +: IN_DEPTH_W]),
        .valid_i(in_valid_i[p]),
        .ready_o(in_ready_o[p]),
        .data_i (in_data_i[p]),
        .valid_o(fifo_valid[p]),
        .pop_i  (core_pop[p]),
        .data_o (fifo_data[p]),
        .count_o(occ[p])
      );
    end else begin : g_none
      // A kind without inputs (root): nothing is routed here.
      assign in_src_o[p]   = '0;
      assign conn[p]       = 1'b0;
      assign in_ready_o[p] = 1'b0;
      assign fifo_valid[p] = 1'b0;
      assign fifo_data[p]  = '0;
      assign occ[p]        = '0;
      logic unused_in;
      assign unused_in = ^{in_valid_i[p], in_data_i[p], core_pop[p]};
    end
  end

  for (genvar p = NInP; p < 8; p++) begin : g_no_occ
    assign occ[p] = '0;
  end

  // ---- core ---------------------------------------------------------------

  logic                   core_en, core_fire, core_fin, core_err, core_ovf;
  logic [NOutP-1:0]       core_ready, core_push;
  logic [NOutP-1:0][33:0] core_data;
  logic [31:0]            count0, count1;
  logic                   done_q, done_d;
  logic [1:0][31:0]       mp_avail;
  logic                   core_mp_wait, mp_drain;

  ff_core #(
    .Kind    (Kind),
    .NInP    (NInP),
    .NOutP   (NOutP),
    .MemWords(MemWords),
    .MaxBlock(MaxBlock)
  ) u_core (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .en_i       (core_en),
    .cfg_i      (cfg_q),
    .conn_i     (conn),
    .in_valid_i (fifo_valid),
    .in_data_i  (fifo_data),
    .in_pop_o   (core_pop),
    .out_ready_i(core_ready),
    .out_push_o (core_push),
    .out_data_o (core_data),
    .fire_o     (core_fire),
    .fin_o      (core_fin),
    .err_o      (core_err),
    .ovf_o      (core_ovf),
    .count0_o   (count0),
    .count1_o   (count1),
    .mem_we_i   (mem_we_i),
    .mem_addr_i (mem_addr_i),
    .mem_wdata_i(mem_wdata_i),
    .mem_rdata_o(mem_rdata_o),
    .mp_avail_i (mp_avail),
    .mp_wait_o  (core_mp_wait),
    .blk_req_o    (blk_req_o),
    .blk_rd_data_i(blk_rd_data_i),
    .blk_handle_i (blk_handle_i),
    .blk_wdata_o  (blk_wdata_o)
  );

  // ---- off-chip memory port ------------------------------------------------

  if (kind_mport(Kind) != 0) begin : g_mport
    ff_mport #(
      .Write(kind_mport(Kind) == 2)
    ) u_mport (
      .clk_i        (clk_i),
      .rst_ni       (rst_ni),
      .run_i        (run_i && enable),
      .on_i         (cfg_q[REG_MPORT][MPORT_ON_LSB]),
      .shift_i      (cfg_q[REG_MPORT][MPORT_SHIFT_LSB +: MPORT_SHIFT_W]),
      .words_i      ({cfg_q[REG_MPORT_WORDS + 1], cfg_q[REG_MPORT_WORDS]}),
      .count_i      ({count1, count0}),
      .core_done_i  (done_q),
      .req_valid_o  (mp_req_valid_o),
      .req_region_o (mp_req_region_o),
      .req_ready_i  (mp_req_ready_i),
      .resp_valid_i (mp_resp_valid_i),
      .resp_region_i(mp_resp_region_i),
      .avail_o      (mp_avail),
      .drain_o      (mp_drain)
    );
  end else begin : g_no_mport
    assign mp_req_valid_o  = 1'b0;
    assign mp_req_region_o = 1'b0;
    assign mp_avail        = '1;
    assign mp_drain        = 1'b0;
    logic unused_mport;
    assign unused_mport = ^{mp_req_ready_i, mp_resp_valid_i, mp_resp_region_i};
  end
  // a reader's core waits for words; a writer, finished, for its last writes
  assign mp_wait_o = core_mp_wait || (run_i && enable && done_q && mp_drain);

  // ---- output pipeline and II -------------------------------------------

  logic [MaxLat-1:0][NOutP-1:0]       st_valid_q, st_valid_d;
  logic [MaxLat-1:0][NOutP-1:0][33:0] st_data_q, st_data_d;
  logic [NOutP-1:0]                   last_valid;
  logic [NOutP-1:0][33:0]             last_data;
  logic                               adv, active, pipe_empty;
  logic [7:0]                         ii_q, ii_d;
  logic                               started_q, started_d, err_q, err_d, ovf_q, ovf_d;

  assign active     = run_i && enable;
  assign last_valid = (lat == 0) ? '0 : st_valid_q[lat - 1];
  assign last_data  = (lat == 0) ? '0 : st_data_q[lat - 1];
  assign adv        = (lat == 0) || ((last_valid & ~out_ready_i) == '0);
  assign pipe_empty = (st_valid_q == '0);
  assign core_en    = active && !done_q && (ii_q == 8'd0);
  assign core_ready = (lat == 0) ? out_ready_i : {NOutP{adv}};

  always_comb begin
    // defaults: hold
    st_valid_d  = st_valid_q;
    st_data_d   = st_data_q;
    ii_d        = ii_q;
    done_d      = done_q;
    started_d   = started_q;
    err_d       = err_q;
    ovf_d       = ovf_q;
    out_valid_o = '0;
    out_data_o  = '0;
    if (lat == 0) begin
      out_valid_o = core_push;
      out_data_o  = core_data;
    end else if (active && adv) begin
      out_valid_o = last_valid;
      out_data_o  = last_data;
      for (int unsigned k = MaxLat - 1; k > 0; k--) begin
        st_valid_d[k] = (k < lat) ? st_valid_q[k - 1] : '0;
        st_data_d[k]  = (k < lat) ? st_data_q[k - 1] : '0;
      end
      st_valid_d[0] = core_push;
      st_data_d[0]  = core_data;
    end
    if (active && !done_q) begin
      if (ii_q != 8'd0) begin
        ii_d = ii_q - 8'd1;
      end else if (core_fire) begin
        ii_d      = ii_m1;
        started_d = 1'b1;
        if (core_fin) done_d = 1'b1;
      end
    end
    if (core_err) err_d = 1'b1;
    if (core_ovf) begin
      ovf_d = 1'b1;
      err_d = 1'b1;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      st_valid_q <= '0;
      st_data_q  <= '0;
      ii_q       <= '0;
      done_q     <= 1'b0;
      started_q  <= 1'b0;
      err_q      <= 1'b0;
      ovf_q      <= 1'b0;
    end else begin
      st_valid_q <= st_valid_d;
      st_data_q  <= st_data_d;
      ii_q       <= ii_d;
      done_q     <= done_d;
      started_q  <= started_d;
      err_q      <= err_d;
      ovf_q      <= ovf_d;
    end
  end

  // ---- status -------------------------------------------------------------

  assign done_o  = !enable || (done_q && pipe_empty && !mp_drain);
  assign error_o = err_q;
  // the C model's "a token moved or a node fired" (liveness watchdog)
  assign moved_o = core_fire || (out_valid_o != '0);

  always_comb begin
    cfg_rdata_o = cfg_q[cfg_reg_i];
    if (32'(cfg_reg_i) == REG_STATUS) begin
      cfg_rdata_o = '0;
      cfg_rdata_o[STATUS_DONE_LSB]     = done_o;
      cfg_rdata_o[STATUS_ERROR_LSB]    = err_q;
      cfg_rdata_o[STATUS_OVERFLOW_LSB] = ovf_q;
      cfg_rdata_o[STATUS_STARTED_LSB]  = started_q;
    end else if (32'(cfg_reg_i) == REG_COUNT0) begin
      cfg_rdata_o = count0;
    end else if (32'(cfg_reg_i) == REG_COUNT1) begin
      cfg_rdata_o = count1;
    end else if (32'(cfg_reg_i) == REG_OCC_LO) begin
      cfg_rdata_o = {occ[3], occ[2], occ[1], occ[0]};
    end else if (32'(cfg_reg_i) == REG_OCC_HI) begin
      cfg_rdata_o = {occ[7], occ[6], occ[5], occ[4]};
    end
  end

`ifdef FF_ASSERTIONS
  initial assert (NIn <= MaxIn && NOut <= MaxOut && MaxLat >= 1) else $fatal(1, "ff_tile: bad parameters");
  // The core keeps timing.md's firing rule: it pops only heads that are
  // there, pushes only to ready ports, and does nothing unless enabled.
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      assert ((core_pop & ~fifo_valid) == '0) else $error("ff_tile %0d: pop of an empty input", Kind);
      assert ((core_push & ~core_ready) == '0) else $error("ff_tile %0d: push to a port that is not ready", Kind);
      assert (core_en || (!core_fire && core_pop == '0 && core_push == '0))
        else $error("ff_tile %0d: the core acted while not enabled", Kind);
      assert (!(core_fire && core_err)) else $error("ff_tile %0d: fired and flagged an error", Kind);
    end
  end
`endif

endmodule
