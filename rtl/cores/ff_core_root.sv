// ff_core_root.sv -- root (docs/timing.md "root"): pushes the reference 0,
// then D. State `sent`.
// Ready/valid rule and ports: see ff_core_ports.svh.
module ff_core_root
  import ff_pkg::*;
  import ff_config_pkg::*;
#(
  parameter int unsigned MaxBlock = 0,  // largest block edge of the array (the block port's width); 0: none
  localparam int unsigned Kind = KIND_ROOT,  // the port counts
  localparam int unsigned BW = (MaxBlock > 0) ? MaxBlock * MaxBlock : 1
) (
`include "ff_core_ports.svh"
);

  // The bundle ports (ff_core_ports.svh) this kind does not use.
  assign {in_pop_o, ovf_o, count0_o, count1_o, mem_rdata_o, blk_req_o, blk_wdata_o} = '0;
  logic unused_bundle;
  assign unused_bundle = ^{cfg_i, conn_i, in_valid_i, in_data_i, mem_we_i, mem_addr_i, mem_wdata_i,
                           blk_rd_data_i, blk_handle_i};
  // no off-chip reads (writers' ports are the tile's: ff_mport)
  assign mp_wait_o = 1'b0;
  logic unused_mport;
  assign unused_mport = ^mp_avail_i;

  logic sent_q, sent_d;

  always_comb begin
    sent_d     = sent_q;
    out_push_o = '0;
    out_data_o = '0;
    fire_o     = 1'b0;
    fin_o      = 1'b0;
    err_o      = 1'b0;
    if (en_i && out_ready_i[0]) begin
      fire_o        = 1'b1;
      out_push_o[0] = 1'b1;
      if (!sent_q) begin
        out_data_o[0] = tok_data(32'd0);
        sent_d        = 1'b1;
      end else begin
        out_data_o[0] = TokD;
        fin_o         = 1'b1;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) sent_q <= 1'b0;
    else         sent_q <= sent_d;
  end

endmodule
