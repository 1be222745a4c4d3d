// ff_core.sv -- the primitive core of a tile, chosen by Kind (a generate
// case over the ff_prims.def numbering, ORDER FF_PRIM). Gives every kind's
// core the same port shape for ff_tile: what a kind does not have is tied off
// here (no SRAM: readback 0; no writer counts: 0).
// Ready/valid rule: see ff_core_root.sv.
module ff_core
  import ff_config_pkg::*;
#(
  parameter int unsigned Kind     = 0,  // ff_prims.def kind number
  parameter int unsigned NInP     = 1,  // max(1, inputs of the kind)
  parameter int unsigned NOutP    = 1,  // max(1, outputs of the kind)
  parameter int unsigned MemWords = 0,  // SRAM words (memory kinds)
  parameter int unsigned MaxBlock = 0,  // largest block edge of the array; 0: no block store
  localparam int unsigned BW = (MaxBlock > 0) ? MaxBlock * MaxBlock : 1
) (
  input  logic                         clk_i,
  input  logic                         rst_ni,
  input  logic                         en_i,
  input  logic [RegsPerSlot-1:0][31:0] cfg_i,
  input  logic [NInP-1:0]              conn_i,
  input  logic [NInP-1:0]              in_valid_i,
  input  logic [NInP-1:0][33:0]        in_data_i,
  output logic [NInP-1:0]              in_pop_o,
  input  logic [NOutP-1:0]             out_ready_i,
  output logic [NOutP-1:0]             out_push_o,
  output logic [NOutP-1:0][33:0]       out_data_o,
  output logic                         fire_o,
  output logic                         fin_o,
  output logic                         err_o,
  output logic                         ovf_o,
  output logic [31:0]                  count0_o,
  output logic [31:0]                  count1_o,
  input  logic                         mem_we_i,
  input  logic [MemAddrBits-1:0]       mem_addr_i,
  input  logic [31:0]                  mem_wdata_i,
  output logic [31:0]                  mem_rdata_o,
  // block store port (ff_block_store; alu, reduce, spacc1, spacc2)
  output ff_pkg::blk_req_t             blk_req_o,
  input  logic [1:0][BW-1:0][31:0]     blk_rd_data_i,
  input  logic [31:0]                  blk_handle_i,
  output logic [BW-1:0][31:0]          blk_wdata_o
);

  // Signals a kind leaves unused (lint: named unused_*).
  logic unused_ports;

  // Kinds without a block datapath leave the block store port idle.
  if (!kind_has_block(Kind)) begin : g_no_block
    assign blk_req_o   = '0;
    assign blk_wdata_o = '0;
    logic unused_block;
    assign unused_block = ^{blk_rd_data_i, blk_handle_i};
  end

  if (Kind == KIND_ROOT) begin : g_root
    ff_core_root u_root (
      .clk_i      (clk_i),
      .rst_ni     (rst_ni),
      .en_i       (en_i),
      .out_ready_i(out_ready_i),
      .out_push_o (out_push_o),
      .out_data_o (out_data_o),
      .fire_o     (fire_o),
      .fin_o      (fin_o),
      .err_o      (err_o)
    );
    assign in_pop_o = '0;
    assign ovf_o = 1'b0;
    assign count0_o = '0;
    assign count1_o = '0;
    assign mem_rdata_o = '0;
    assign unused_ports = ^{cfg_i, conn_i, in_valid_i, in_data_i, mem_we_i, mem_addr_i, mem_wdata_i};
  end else if (Kind == KIND_SCAN) begin : g_scan
    ff_core_scan #(.Words(MemWords)) u_scan (
      .clk_i      (clk_i),
      .rst_ni     (rst_ni),
      .en_i       (en_i),
      .cfg_i      (cfg_i),
      .in_valid_i (in_valid_i),
      .in_data_i  (in_data_i),
      .in_pop_o   (in_pop_o),
      .out_ready_i(out_ready_i),
      .out_push_o (out_push_o),
      .out_data_o (out_data_o),
      .fire_o     (fire_o),
      .fin_o      (fin_o),
      .err_o      (err_o),
      .mem_we_i   (mem_we_i),
      .mem_addr_i (mem_addr_i),
      .mem_wdata_i(mem_wdata_i),
      .mem_rdata_o(mem_rdata_o)
    );
    assign ovf_o = 1'b0;
    assign count0_o = '0;
    assign count1_o = '0;
    assign unused_ports = ^{conn_i};
  end else if (Kind == KIND_LOCATE) begin : g_locate
    ff_core_locate #(.Words(MemWords)) u_locate (
      .clk_i      (clk_i),
      .en_i       (en_i),
      .cfg_i      (cfg_i),
      .in_valid_i (in_valid_i),
      .in_data_i  (in_data_i),
      .in_pop_o   (in_pop_o),
      .out_ready_i(out_ready_i),
      .out_push_o (out_push_o),
      .out_data_o (out_data_o),
      .fire_o     (fire_o),
      .fin_o      (fin_o),
      .err_o      (err_o),
      .mem_we_i   (mem_we_i),
      .mem_addr_i (mem_addr_i),
      .mem_wdata_i(mem_wdata_i),
      .mem_rdata_o(mem_rdata_o)
    );
    assign ovf_o = 1'b0;
    assign count0_o = '0;
    assign count1_o = '0;
    assign unused_ports = ^{rst_ni, conn_i};
  end else if (Kind == KIND_WRITE_CRD) begin : g_write_crd
    ff_core_write_crd #(.Words(MemWords)) u_write_crd (
      .clk_i      (clk_i),
      .rst_ni     (rst_ni),
      .en_i       (en_i),
      .cfg_i      (cfg_i),
      .in_valid_i (in_valid_i),
      .in_data_i  (in_data_i),
      .in_pop_o   (in_pop_o),
      .fire_o     (fire_o),
      .fin_o      (fin_o),
      .err_o      (err_o),
      .ovf_o      (ovf_o),
      .count0_o   (count0_o),
      .count1_o   (count1_o),
      .mem_we_i   (mem_we_i),
      .mem_addr_i (mem_addr_i),
      .mem_wdata_i(mem_wdata_i),
      .mem_rdata_o(mem_rdata_o)
    );
    assign out_push_o = '0;
    assign out_data_o = '0;
    assign unused_ports = ^{conn_i, out_ready_i};
  end else if (Kind == KIND_WRITE_VAL) begin : g_write_val
    ff_core_write_val #(.Words(MemWords)) u_write_val (
      .clk_i      (clk_i),
      .rst_ni     (rst_ni),
      .en_i       (en_i),
      .in_valid_i (in_valid_i),
      .in_data_i  (in_data_i),
      .in_pop_o   (in_pop_o),
      .fire_o     (fire_o),
      .fin_o      (fin_o),
      .err_o      (err_o),
      .ovf_o      (ovf_o),
      .count0_o   (count0_o),
      .mem_we_i   (mem_we_i),
      .mem_addr_i (mem_addr_i),
      .mem_wdata_i(mem_wdata_i),
      .mem_rdata_o(mem_rdata_o)
    );
    assign out_push_o = '0;
    assign out_data_o = '0;
    assign count1_o = '0;
    assign unused_ports = ^{cfg_i, conn_i, out_ready_i};
  end else if (Kind == KIND_REPSIGGEN) begin : g_repsiggen
    ff_core_repsiggen u_repsiggen (
      .en_i       (en_i),
      .in_valid_i (in_valid_i),
      .in_data_i  (in_data_i),
      .in_pop_o   (in_pop_o),
      .out_ready_i(out_ready_i),
      .out_push_o (out_push_o),
      .out_data_o (out_data_o),
      .fire_o     (fire_o),
      .fin_o      (fin_o),
      .err_o      (err_o)
    );
    assign ovf_o = 1'b0;
    assign count0_o = '0;
    assign count1_o = '0;
    assign mem_rdata_o = '0;
    assign unused_ports = ^{clk_i, rst_ni, cfg_i, conn_i, mem_we_i, mem_addr_i, mem_wdata_i};
  end else if (Kind == KIND_REPEAT) begin : g_repeat
    ff_core_repeat u_repeat (
      .clk_i      (clk_i),
      .rst_ni     (rst_ni),
      .en_i       (en_i),
      .in_valid_i (in_valid_i),
      .in_data_i  (in_data_i),
      .in_pop_o   (in_pop_o),
      .out_ready_i(out_ready_i),
      .out_push_o (out_push_o),
      .out_data_o (out_data_o),
      .fire_o     (fire_o),
      .fin_o      (fin_o),
      .err_o      (err_o)
    );
    assign ovf_o = 1'b0;
    assign count0_o = '0;
    assign count1_o = '0;
    assign mem_rdata_o = '0;
    assign unused_ports = ^{cfg_i, conn_i, mem_we_i, mem_addr_i, mem_wdata_i};
  end else if (Kind == KIND_INTERSECT) begin : g_intersect
    ff_core_intersect u_intersect (
      .en_i       (en_i),
      .cfg_i      (cfg_i),
      .in_valid_i (in_valid_i),
      .in_data_i  (in_data_i),
      .in_pop_o   (in_pop_o),
      .out_ready_i(out_ready_i),
      .out_push_o (out_push_o),
      .out_data_o (out_data_o),
      .fire_o     (fire_o),
      .fin_o      (fin_o),
      .err_o      (err_o)
    );
    assign ovf_o = 1'b0;
    assign count0_o = '0;
    assign count1_o = '0;
    assign mem_rdata_o = '0;
    assign unused_ports = ^{clk_i, rst_ni, conn_i, mem_we_i, mem_addr_i, mem_wdata_i};
  end else if (Kind == KIND_UNION) begin : g_union
    ff_core_union u_union (
      .en_i       (en_i),
      .cfg_i      (cfg_i),
      .in_valid_i (in_valid_i),
      .in_data_i  (in_data_i),
      .in_pop_o   (in_pop_o),
      .out_ready_i(out_ready_i),
      .out_push_o (out_push_o),
      .out_data_o (out_data_o),
      .fire_o     (fire_o),
      .fin_o      (fin_o),
      .err_o      (err_o)
    );
    assign ovf_o = 1'b0;
    assign count0_o = '0;
    assign count1_o = '0;
    assign mem_rdata_o = '0;
    assign unused_ports = ^{clk_i, rst_ni, conn_i, mem_we_i, mem_addr_i, mem_wdata_i};
  end else if (Kind == KIND_ARRAY) begin : g_array
    ff_core_array #(.Words(MemWords)) u_array (
      .clk_i      (clk_i),
      .en_i       (en_i),
      .cfg_i      (cfg_i),
      .in_valid_i (in_valid_i),
      .in_data_i  (in_data_i),
      .in_pop_o   (in_pop_o),
      .out_ready_i(out_ready_i),
      .out_push_o (out_push_o),
      .out_data_o (out_data_o),
      .fire_o     (fire_o),
      .fin_o      (fin_o),
      .err_o      (err_o),
      .mem_we_i   (mem_we_i),
      .mem_addr_i (mem_addr_i),
      .mem_wdata_i(mem_wdata_i),
      .mem_rdata_o(mem_rdata_o)
    );
    assign ovf_o = 1'b0;
    assign count0_o = '0;
    assign count1_o = '0;
    assign unused_ports = ^{rst_ni, conn_i};
  end else if (Kind == KIND_ALU) begin : g_alu
    ff_core_alu #(.MaxBlock(MaxBlock)) u_alu (
      .blk_req_o    (blk_req_o),
      .blk_rd_data_i(blk_rd_data_i),
      .blk_handle_i (blk_handle_i),
      .blk_wdata_o  (blk_wdata_o),
      .en_i       (en_i),
      .cfg_i      (cfg_i),
      .in_valid_i (in_valid_i),
      .in_data_i  (in_data_i),
      .in_pop_o   (in_pop_o),
      .out_ready_i(out_ready_i),
      .out_push_o (out_push_o),
      .out_data_o (out_data_o),
      .fire_o     (fire_o),
      .fin_o      (fin_o),
      .err_o      (err_o)
    );
    assign ovf_o = 1'b0;
    assign count0_o = '0;
    assign count1_o = '0;
    assign mem_rdata_o = '0;
    assign unused_ports = ^{clk_i, rst_ni, conn_i, mem_we_i, mem_addr_i, mem_wdata_i};
  end else if (Kind == KIND_REDUCE) begin : g_reduce
    ff_core_reduce #(.MaxBlock(MaxBlock)) u_reduce (
      .blk_req_o    (blk_req_o),
      .blk_rd_data_i(blk_rd_data_i),
      .blk_handle_i (blk_handle_i),
      .blk_wdata_o  (blk_wdata_o),
      .clk_i      (clk_i),
      .rst_ni     (rst_ni),
      .en_i       (en_i),
      .cfg_i      (cfg_i),
      .conn_i     (conn_i),
      .in_valid_i (in_valid_i),
      .in_data_i  (in_data_i),
      .in_pop_o   (in_pop_o),
      .out_ready_i(out_ready_i),
      .out_push_o (out_push_o),
      .out_data_o (out_data_o),
      .fire_o     (fire_o),
      .fin_o      (fin_o),
      .err_o      (err_o)
    );
    assign ovf_o = 1'b0;
    assign count0_o = '0;
    assign count1_o = '0;
    assign mem_rdata_o = '0;
    assign unused_ports = ^{mem_we_i, mem_addr_i, mem_wdata_i};
  end else if (Kind == KIND_SPACC1) begin : g_spacc1
    ff_core_spacc1 #(.Words(MemWords), .MaxBlock(MaxBlock)) u_spacc1 (
      .blk_req_o    (blk_req_o),
      .blk_rd_data_i(blk_rd_data_i),
      .blk_handle_i (blk_handle_i),
      .blk_wdata_o  (blk_wdata_o),
      .clk_i      (clk_i),
      .rst_ni     (rst_ni),
      .en_i       (en_i),
      .cfg_i      (cfg_i),
      .in_valid_i (in_valid_i),
      .in_data_i  (in_data_i),
      .in_pop_o   (in_pop_o),
      .out_ready_i(out_ready_i),
      .out_push_o (out_push_o),
      .out_data_o (out_data_o),
      .fire_o     (fire_o),
      .fin_o      (fin_o),
      .err_o      (err_o),
      .ovf_o      (ovf_o),
      .mem_we_i   (mem_we_i),
      .mem_addr_i (mem_addr_i),
      .mem_wdata_i(mem_wdata_i),
      .mem_rdata_o(mem_rdata_o)
    );
    assign count0_o = '0;
    assign count1_o = '0;
    assign unused_ports = ^{conn_i};
  end else if (Kind == KIND_SPACC2) begin : g_spacc2
    ff_core_spacc2 #(.Words(MemWords), .MaxBlock(MaxBlock)) u_spacc2 (
      .blk_req_o    (blk_req_o),
      .blk_rd_data_i(blk_rd_data_i),
      .blk_handle_i (blk_handle_i),
      .blk_wdata_o  (blk_wdata_o),
      .clk_i      (clk_i),
      .rst_ni     (rst_ni),
      .en_i       (en_i),
      .cfg_i      (cfg_i),
      .in_valid_i (in_valid_i),
      .in_data_i  (in_data_i),
      .in_pop_o   (in_pop_o),
      .out_ready_i(out_ready_i),
      .out_push_o (out_push_o),
      .out_data_o (out_data_o),
      .fire_o     (fire_o),
      .fin_o      (fin_o),
      .err_o      (err_o),
      .ovf_o      (ovf_o),
      .mem_we_i   (mem_we_i),
      .mem_addr_i (mem_addr_i),
      .mem_wdata_i(mem_wdata_i),
      .mem_rdata_o(mem_rdata_o)
    );
    assign count0_o = '0;
    assign count1_o = '0;
    assign unused_ports = ^{conn_i};
  end else if (Kind == KIND_CRD_DROP) begin : g_crd_drop
    ff_core_crd_drop u_crd_drop (
      .clk_i      (clk_i),
      .rst_ni     (rst_ni),
      .en_i       (en_i),
      .in_valid_i (in_valid_i),
      .in_data_i  (in_data_i),
      .in_pop_o   (in_pop_o),
      .out_ready_i(out_ready_i),
      .out_push_o (out_push_o),
      .out_data_o (out_data_o),
      .fire_o     (fire_o),
      .fin_o      (fin_o),
      .err_o      (err_o)
    );
    assign ovf_o = 1'b0;
    assign count0_o = '0;
    assign count1_o = '0;
    assign mem_rdata_o = '0;
    assign unused_ports = ^{cfg_i, conn_i, mem_we_i, mem_addr_i, mem_wdata_i};
  end else if (Kind == KIND_CRD_HOLD) begin : g_crd_hold
    ff_core_crd_hold u_crd_hold (
      .clk_i      (clk_i),
      .rst_ni     (rst_ni),
      .en_i       (en_i),
      .in_valid_i (in_valid_i),
      .in_data_i  (in_data_i),
      .in_pop_o   (in_pop_o),
      .out_ready_i(out_ready_i),
      .out_push_o (out_push_o),
      .out_data_o (out_data_o),
      .fire_o     (fire_o),
      .fin_o      (fin_o),
      .err_o      (err_o)
    );
    assign ovf_o = 1'b0;
    assign count0_o = '0;
    assign count1_o = '0;
    assign mem_rdata_o = '0;
    assign unused_ports = ^{cfg_i, conn_i, mem_we_i, mem_addr_i, mem_wdata_i};
  end else if (Kind == KIND_STKN_DROP) begin : g_stkn_drop
    ff_core_stkn_drop u_stkn_drop (
      .en_i       (en_i),
      .in_valid_i (in_valid_i),
      .in_data_i  (in_data_i),
      .in_pop_o   (in_pop_o),
      .out_ready_i(out_ready_i),
      .out_push_o (out_push_o),
      .out_data_o (out_data_o),
      .fire_o     (fire_o),
      .fin_o      (fin_o),
      .err_o      (err_o)
    );
    assign ovf_o = 1'b0;
    assign count0_o = '0;
    assign count1_o = '0;
    assign mem_rdata_o = '0;
    assign unused_ports = ^{clk_i, rst_ni, cfg_i, conn_i, mem_we_i, mem_addr_i, mem_wdata_i};
  end else if (Kind == KIND_EMPTY_STKN_DROP) begin : g_empty_stkn_drop
    ff_core_empty_stkn_drop u_empty_stkn_drop (
      .clk_i      (clk_i),
      .rst_ni     (rst_ni),
      .en_i       (en_i),
      .in_valid_i (in_valid_i),
      .in_data_i  (in_data_i),
      .in_pop_o   (in_pop_o),
      .out_ready_i(out_ready_i),
      .out_push_o (out_push_o),
      .out_data_o (out_data_o),
      .fire_o     (fire_o),
      .fin_o      (fin_o),
      .err_o      (err_o)
    );
    assign ovf_o = 1'b0;
    assign count0_o = '0;
    assign count1_o = '0;
    assign mem_rdata_o = '0;
    assign unused_ports = ^{cfg_i, conn_i, mem_we_i, mem_addr_i, mem_wdata_i};
  end else if (Kind == KIND_FORK) begin : g_fork
    ff_core_fork u_fork (
      .clk_i      (clk_i),
      .rst_ni     (rst_ni),
      .en_i       (en_i),
      .cfg_i      (cfg_i),
      .in_valid_i (in_valid_i),
      .in_data_i  (in_data_i),
      .in_pop_o   (in_pop_o),
      .out_ready_i(out_ready_i),
      .out_push_o (out_push_o),
      .out_data_o (out_data_o),
      .fire_o     (fire_o),
      .fin_o      (fin_o),
      .err_o      (err_o)
    );
    assign ovf_o = 1'b0;
    assign count0_o = '0;
    assign count1_o = '0;
    assign mem_rdata_o = '0;
    assign unused_ports = ^{conn_i, mem_we_i, mem_addr_i, mem_wdata_i};
  end else if (Kind == KIND_JOIN) begin : g_join
    ff_core_join u_join (
      .clk_i      (clk_i),
      .rst_ni     (rst_ni),
      .en_i       (en_i),
      .cfg_i      (cfg_i),
      .in_valid_i (in_valid_i),
      .in_data_i  (in_data_i),
      .in_pop_o   (in_pop_o),
      .out_ready_i(out_ready_i),
      .out_push_o (out_push_o),
      .out_data_o (out_data_o),
      .fire_o     (fire_o),
      .fin_o      (fin_o),
      .err_o      (err_o)
    );
    assign ovf_o = 1'b0;
    assign count0_o = '0;
    assign count1_o = '0;
    assign mem_rdata_o = '0;
    assign unused_ports = ^{conn_i, mem_we_i, mem_addr_i, mem_wdata_i};
  end else if (Kind == KIND_BROADCAST) begin : g_broadcast
    ff_core_broadcast u_broadcast (
      .en_i       (en_i),
      .cfg_i      (cfg_i),
      .in_valid_i (in_valid_i),
      .in_data_i  (in_data_i),
      .in_pop_o   (in_pop_o),
      .out_ready_i(out_ready_i),
      .out_push_o (out_push_o),
      .out_data_o (out_data_o),
      .fire_o     (fire_o),
      .fin_o      (fin_o),
      .err_o      (err_o)
    );
    assign ovf_o = 1'b0;
    assign count0_o = '0;
    assign count1_o = '0;
    assign mem_rdata_o = '0;
    assign unused_ports = ^{clk_i, rst_ni, conn_i, mem_we_i, mem_addr_i, mem_wdata_i};
  end else if (Kind == KIND_SERIALIZE) begin : g_serialize
    ff_core_serialize u_serialize (
      .clk_i      (clk_i),
      .rst_ni     (rst_ni),
      .en_i       (en_i),
      .cfg_i      (cfg_i),
      .in_valid_i (in_valid_i),
      .in_data_i  (in_data_i),
      .in_pop_o   (in_pop_o),
      .out_ready_i(out_ready_i),
      .out_push_o (out_push_o),
      .out_data_o (out_data_o),
      .fire_o     (fire_o),
      .fin_o      (fin_o),
      .err_o      (err_o)
    );
    assign ovf_o = 1'b0;
    assign count0_o = '0;
    assign count1_o = '0;
    assign mem_rdata_o = '0;
    assign unused_ports = ^{conn_i, mem_we_i, mem_addr_i, mem_wdata_i};
  end else begin : g_none
    // not a hardware kind: a tile that never fires
    assign in_pop_o     = '0;
    assign out_push_o   = '0;
    assign out_data_o   = '0;
    assign fire_o       = 1'b0;
    assign fin_o        = 1'b0;
    assign err_o        = 1'b0;
    assign ovf_o        = 1'b0;
    assign count0_o     = '0;
    assign count1_o     = '0;
    assign mem_rdata_o  = '0;
    assign unused_ports = ^{clk_i, rst_ni, en_i, cfg_i, conn_i, in_valid_i, in_data_i, out_ready_i,
                            mem_we_i, mem_addr_i, mem_wdata_i};
  end

endmodule
