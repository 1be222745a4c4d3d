// ff_core_write_val.sv -- level writer, values (docs/timing.md "write_crd,
// write_val"): appends each value (N as 0) to vals (SRAM word 0..); stops are
// ignored. Running out of SRAM sets ovf_o and drops the value.
// Ready/valid rule: see ff_core_ports.svh.
module ff_core_write_val
  import ff_pkg::*;
  import ff_config_pkg::*;
#(
  parameter int unsigned Words = 256,  // SRAM words, a power of two
  parameter int unsigned MaxBlock = 0,  // largest block edge of the array (the block port's width); 0: none
  localparam int unsigned Kind = KIND_WRITE_VAL,  // the port counts
  localparam int unsigned BW = (MaxBlock > 0) ? MaxBlock * MaxBlock : 1
) (
`include "ff_core_ports.svh"
);

  // The bundle ports (ff_core_ports.svh) this kind does not use.
  assign {out_push_o, out_data_o, count1_o, blk_req_o, blk_wdata_o} = '0;
  logic unused_bundle;
  assign unused_bundle = ^{cfg_i, conn_i, out_ready_i, blk_rd_data_i, blk_handle_i};
  // no off-chip reads (writers' ports are the tile's: ff_mport)
  assign mp_wait_o = 1'b0;
  logic unused_mport;
  assign unused_mport = ^mp_avail_i;

  localparam int unsigned AW = $clog2(Words);

  logic [31:0] n_q, n_d;
  logic        a_we;
  tok_t        t;

  assign t        = in_data_i[0];
  assign count0_o = n_q;

  // the bank's words are only read back by the harness
  logic [Words-1:0][31:0] unused_words;

  ff_sram #(.Words(Words)) u_sram (
    .clk_i      (clk_i),
    .a_we_i     (a_we),
    .a_addr_i   (n_q[AW-1:0]),
    .a_wdata_i  (value_of(t)),
    .b_we_i     (1'b0),
    .b_addr_i   ('0),
    .b_wdata_i  ('0),
    .mem_we_i   (mem_we_i),
    .mem_addr_i (mem_addr_i),
    .mem_wdata_i(mem_wdata_i),
    .mem_rdata_o(mem_rdata_o),
    .mem_o      (unused_words)
  );

  always_comb begin
    n_d      = n_q;
    in_pop_o = '0;
    fire_o   = 1'b0;
    fin_o    = 1'b0;
    err_o    = 1'b0;
    ovf_o    = 1'b0;
    a_we     = 1'b0;
    if (en_i && in_valid_i[0]) begin
      fire_o      = 1'b1;
      in_pop_o[0] = 1'b1;
      if (is_elem(t)) begin
        if (n_q < Words) a_we = 1'b1;
        else ovf_o = 1'b1;
        n_d = n_q + 32'd1;
      end
      fin_o = is_done(t);
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) n_q <= '0;
    else         n_q <= n_d;
  end

  logic unused_mem;
  assign unused_mem = ^mem_addr_i;

endmodule
