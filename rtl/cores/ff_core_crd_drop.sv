// ff_core_crd_drop.sv -- coordinate drop (docs/timing.md "crd_drop"): drops
// outer coordinates whose inner fiber is empty. State `have`, `cur`, `seen`.
// Inputs 0 outer_in, 1 inner_in; outputs 0 outer, 1 inner.
// Ready/valid rule: see ff_core_ports.svh.
module ff_core_crd_drop
  import ff_pkg::*;
  import ff_config_pkg::*;
#(
  parameter int unsigned MaxBlock = 0,  // largest block edge of the array (the block port's width); 0: none
  localparam int unsigned Kind = KIND_CRD_DROP,  // the port counts
  localparam int unsigned BW = (MaxBlock > 0) ? MaxBlock * MaxBlock : 1
) (
`include "ff_core_ports.svh"
);

  // The bundle ports (ff_core_ports.svh) this kind does not use.
  assign {ovf_o, count0_o, count1_o, mem_rdata_o, blk_req_o, blk_wdata_o} = '0;
  logic unused_bundle;
  assign unused_bundle = ^{cfg_i, conn_i, mem_we_i, mem_addr_i, mem_wdata_i, blk_rd_data_i, blk_handle_i};
  // no off-chip reads (writers' ports are the tile's: ff_mport)
  assign mp_wait_o = 1'b0;
  logic unused_mport;
  assign unused_mport = ^mp_avail_i;

  logic have_q, have_d, seen_q, seen_d;
  tok_t cur_q, cur_d, o, i;
  logic both;

  assign o    = in_data_i[0];
  assign i    = in_data_i[1];
  assign both = out_ready_i[0] && out_ready_i[1];

  always_comb begin
    have_d     = have_q;
    seen_d     = seen_q;
    cur_d      = cur_q;
    in_pop_o   = '0;
    out_push_o = '0;
    out_data_o = '0;
    fire_o     = 1'b0;
    fin_o      = 1'b0;
    err_o      = 1'b0;
    if (en_i) begin
      if (!have_q) begin
        if (in_valid_i[0]) begin
          if (is_elem(o)) begin
            if (in_valid_i[1] && is_elem(i)) begin
              // the coordinate and its first inner token together
              if (both) begin
                fire_o     = 1'b1;
                in_pop_o   = 2'b11;
                out_push_o = 2'b11;
                out_data_o = {i, o};
                have_d     = 1'b1;
                cur_d      = o;
                seen_d     = 1'b1;
              end
            end else if (in_valid_i[1] && i == tok_stop(32'd0)) begin
              // empty inner fiber: o is dropped
              if (out_ready_i[1]) begin
                fire_o        = 1'b1;
                in_pop_o      = 2'b11;
                out_push_o[1] = 1'b1;
                out_data_o[1] = i;
              end
            end else if (in_valid_i[1] && is_done(i)) begin
              err_o = 1'b1;
            end else begin
              fire_o      = 1'b1;
              in_pop_o[0] = 1'b1;
              have_d      = 1'b1;
              cur_d       = o;
              seen_d      = 1'b0;
            end
          end else if (in_valid_i[1]) begin
            // an outer stop closes an empty outer fiber; D ends both
            if (is_done(o) ? !is_done(i) : !(is_stop(i) && payload(i) == payload(o) + 32'd1)) begin
              err_o = 1'b1;
            end else if (both) begin
              fire_o     = 1'b1;
              in_pop_o   = 2'b11;
              out_push_o = 2'b11;
              out_data_o = {i, o};
              fin_o      = is_done(o);
            end
          end
        end
      end else if (in_valid_i[1]) begin
        if (is_elem(i)) begin
          if (out_ready_i[1] && (seen_q || out_ready_i[0])) begin
            fire_o        = 1'b1;
            in_pop_o[1]   = 1'b1;
            out_push_o[1] = 1'b1;
            out_data_o[1] = i;
            if (!seen_q) begin
              out_push_o[0] = 1'b1;
              out_data_o[0] = cur_q;
            end
            seen_d = 1'b1;
          end
        end else if (is_done(i)) begin
          err_o = 1'b1;
        end else if (payload(i) == 32'd0) begin
          if (out_ready_i[1]) begin
            fire_o        = 1'b1;
            in_pop_o[1]   = 1'b1;
            out_push_o[1] = 1'b1;
            out_data_o[1] = i;
            have_d        = 1'b0;
          end
        end else if (in_valid_i[0]) begin
          // Sk, k >= 1, also closes the outer fiber: its S(k-1) must be next
          if (o != tok_stop(payload(i) - 32'd1)) begin
            err_o = 1'b1;
          end else if (both) begin
            fire_o     = 1'b1;
            in_pop_o   = 2'b11;
            out_push_o = 2'b11;
            out_data_o = {i, o};
            have_d     = 1'b0;
          end
        end
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      have_q <= 1'b0;
      seen_q <= 1'b0;
      cur_q  <= '0;
    end else begin
      have_q <= have_d;
      seen_q <= seen_d;
      cur_q  <= cur_d;
    end
  end

endmodule
