// ff_core_write_crd.sv -- level writer, coordinates (docs/timing.md
// "write_crd, write_val"): appends each coordinate to crd (SRAM words
// 0..seg_base-1); a stop that closes a non-empty fiber appends the running
// count to seg (words seg_base..). seg[0] = 0 is written with the first
// firing. One token per cycle, never stalls on output. Running out of either
// region sets ovf_o (sticky in the tile) and drops the word.
// Ready/valid rule: see ff_core_ports.svh.
module ff_core_write_crd
  import ff_pkg::*;
  import ff_config_pkg::*;
#(
  parameter int unsigned Words = 256,  // SRAM words, a power of two
  parameter int unsigned MaxBlock = 0,  // largest block edge of the array (the block port's width); 0: none
  localparam int unsigned Kind = KIND_WRITE_CRD,  // the port counts
  localparam int unsigned BW = (MaxBlock > 0) ? MaxBlock * MaxBlock : 1
) (
`include "ff_core_ports.svh"
);

  // The bundle ports (ff_core_ports.svh) this kind does not use.
  assign {out_push_o, out_data_o, blk_req_o, blk_wdata_o} = '0;
  logic unused_bundle;
  assign unused_bundle = ^{conn_i, out_ready_i, blk_rd_data_i, blk_handle_i};
  // no off-chip reads (writers' ports are the tile's: ff_mport)
  assign mp_wait_o = 1'b0;
  logic unused_mport;
  assign unused_mport = ^mp_avail_i;

  localparam int unsigned AW = $clog2(Words);

  logic [31:0] seg_base, ncrd_q, ncrd_d, nseg_q, nseg_d, seg_addr;
  logic        nonempty_q, nonempty_d, started_q, started_d;
  logic        a_we, b_we;
  logic [31:0] a_addr, a_wdata;
  tok_t        t;

  assign seg_base = cfg_i[WRITE_CRD_SEG_BASE_REG];
  assign t        = in_data_i[0];
  assign seg_addr = seg_base + nseg_q;
  assign count0_o = ncrd_q;
  assign count1_o = nseg_q;

  // the bank's words are only read back by the harness
  logic [Words-1:0][31:0] unused_words;

  ff_sram #(.Words(Words)) u_sram (
    .clk_i      (clk_i),
    .a_we_i     (a_we),
    .a_addr_i   (a_addr[AW-1:0]),
    .a_wdata_i  (a_wdata),
    .b_we_i     (b_we),
    .b_addr_i   (seg_base[AW-1:0]),
    .b_wdata_i  (32'd0),
    .mem_we_i   (mem_we_i),
    .mem_addr_i (mem_addr_i),
    .mem_wdata_i(mem_wdata_i),
    .mem_rdata_o(mem_rdata_o),
    .mem_o      (unused_words)
  );

  always_comb begin
    ncrd_d     = ncrd_q;
    nseg_d     = nseg_q;
    nonempty_d = nonempty_q;
    started_d  = started_q;
    in_pop_o   = '0;
    fire_o     = 1'b0;
    fin_o      = 1'b0;
    err_o      = 1'b0;
    ovf_o      = 1'b0;
    a_we       = 1'b0;
    a_addr     = '0;
    a_wdata    = '0;
    b_we       = 1'b0;
    if (en_i && in_valid_i[0]) begin
      fire_o      = 1'b1;
      in_pop_o[0] = 1'b1;
      if (!started_q) begin
        started_d = 1'b1;
        if (seg_base < Words) b_we = 1'b1;
        else ovf_o = 1'b1;
      end
      if (is_data(t)) begin
        if (ncrd_q < seg_base && ncrd_q < Words) begin
          a_we    = 1'b1;
          a_addr  = ncrd_q;
          a_wdata = payload(t);
        end else begin
          ovf_o = 1'b1;
        end
        ncrd_d     = ncrd_q + 32'd1;
        nonempty_d = 1'b1;
      end else if (is_stop(t)) begin
        // SAM's convention: a stop closing an empty fiber adds no entry
        if (nonempty_q) begin
          if (64'(seg_base) + 64'(nseg_q) < 64'(Words)) begin
            a_we    = 1'b1;
            a_addr  = seg_addr;
            a_wdata = ncrd_q;
          end else begin
            ovf_o = 1'b1;
          end
          nseg_d = nseg_q + 32'd1;
        end
        nonempty_d = 1'b0;
      end else begin
        fin_o = is_done(t);  // N is ignored
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ncrd_q     <= '0;
      nseg_q     <= 32'd1;
      nonempty_q <= 1'b0;
      started_q  <= 1'b0;
    end else begin
      ncrd_q     <= ncrd_d;
      nseg_q     <= nseg_d;
      nonempty_q <= nonempty_d;
      started_q  <= started_d;
    end
  end

  logic unused_cfg;
  assign unused_cfg = ^{cfg_i, mem_addr_i, a_addr, seg_base};

endmodule
