// ff_core_join.sv -- join (docs/timing.md "join"): data and N are taken round
// robin from in0..in(n-1); a control token needs the same token at every
// input head, is popped from all and pushed once, and resets the round robin.
// Ready/valid rule: see ff_core_ports.svh.
module ff_core_join
  import ff_pkg::*;
  import ff_config_pkg::*;
#(
  parameter int unsigned MaxBlock = 0,  // largest block edge of the array (the block port's width); 0: none
  localparam int unsigned Kind = KIND_JOIN,  // the port counts
  localparam int unsigned BW = (MaxBlock > 0) ? MaxBlock * MaxBlock : 1
) (
`include "ff_core_ports.svh"
);

  // The bundle ports (ff_core_ports.svh) this kind does not use.
  assign {ovf_o, count0_o, count1_o, mem_rdata_o, blk_req_o, blk_wdata_o} = '0;
  logic unused_bundle;
  assign unused_bundle = ^{conn_i, mem_we_i, mem_addr_i, mem_wdata_i, blk_rd_data_i, blk_handle_i};
  // no off-chip reads (writers' ports are the tile's: ff_mport)
  assign mp_wait_o = 1'b0;
  logic unused_mport;
  assign unused_mport = ^mp_avail_i;

  logic [3:0] n;
  logic [2:0] next_q, next_d;
  logic [7:0] used;
  logic       stall, bad;
  tok_t       t;

  assign n = cfg_i[JOIN_N_REG][JOIN_N_LSB +: JOIN_N_W];
  assign t = in_data_i[next_q];
  always_comb begin
    for (int unsigned p = 0; p < 8; p++) used[p] = (p < 32'(n));
  end

  // A control token: inputs are checked in order, as the C model does -- the
  // first one that is empty stalls, the first that differs is an error.
  always_comb begin
    stall = 1'b0;
    bad   = 1'b0;
    for (int unsigned p = 0; p < 8; p++) begin
      if (used[p] && !stall && !bad) begin
        if (!in_valid_i[p]) stall = 1'b1;
        else if (in_data_i[p] != t) bad = 1'b1;
      end
    end
  end

  always_comb begin
    next_d     = next_q;
    in_pop_o   = '0;
    out_push_o = '0;
    out_data_o = '0;
    fire_o     = 1'b0;
    fin_o      = 1'b0;
    err_o      = 1'b0;
    if (en_i && in_valid_i[next_q]) begin
      if (is_elem(t)) begin
        if (out_ready_i[0]) begin
          fire_o           = 1'b1;
          in_pop_o[next_q] = 1'b1;
          out_push_o[0]    = 1'b1;
          out_data_o[0]    = t;
          next_d = (4'(next_q) + 4'd1 >= n) ? 3'd0 : next_q + 3'd1;
        end
      end else if (bad) begin
        err_o = 1'b1;
      end else if (!stall && out_ready_i[0]) begin
        fire_o        = 1'b1;
        in_pop_o      = used;
        out_push_o[0] = 1'b1;
        out_data_o[0] = t;
        next_d        = 3'd0;
        fin_o         = is_done(t);
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) next_q <= '0;
    else         next_q <= next_d;
  end

  logic unused_cfg;
  assign unused_cfg = ^cfg_i;

endmodule
