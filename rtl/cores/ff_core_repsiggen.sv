// ff_core_repsiggen.sv -- repeat-signal generator (docs/timing.md
// "repsiggen"): R per data token or N, a stop passes with its level (the
// repeater closes groups from it without looking ahead), D. Stateless.
// Ready/valid rule: see ff_core_ports.svh.
module ff_core_repsiggen
  import ff_pkg::*;
  import ff_config_pkg::*;
#(
  parameter int unsigned MaxBlock = 0,  // largest block edge of the array (the block port's width); 0: none
  localparam int unsigned Kind = KIND_REPSIGGEN,  // the port counts
  localparam int unsigned BW = (MaxBlock > 0) ? MaxBlock * MaxBlock : 1
) (
`include "ff_core_ports.svh"
);

  // The bundle ports (ff_core_ports.svh) this kind does not use.
  assign {ovf_o, count0_o, count1_o, mem_rdata_o, blk_req_o, blk_wdata_o} = '0;
  logic unused_bundle;
  assign unused_bundle = ^{clk_i, rst_ni, cfg_i, conn_i, mem_we_i, mem_addr_i, mem_wdata_i, blk_rd_data_i,
                           blk_handle_i};
  // no off-chip reads (writers' ports are the tile's: ff_mport)
  assign mp_wait_o = 1'b0;
  logic unused_mport;
  assign unused_mport = ^mp_avail_i;

  tok_t t;
  assign t = in_data_i[0];

  always_comb begin
    in_pop_o   = '0;
    out_push_o = '0;
    out_data_o = '0;
    fire_o     = 1'b0;
    fin_o      = 1'b0;
    err_o      = 1'b0;
    if (en_i && in_valid_i[0] && out_ready_i[0]) begin
      fire_o        = 1'b1;
      in_pop_o[0]   = 1'b1;
      out_push_o[0] = 1'b1;
      if (is_done(t)) begin
        out_data_o[0] = TokD;
        fin_o         = 1'b1;
      end else if (is_stop(t)) begin
        out_data_o[0] = t;
      end else begin
        out_data_o[0] = tok_data(32'd0);
      end
    end
  end

endmodule
