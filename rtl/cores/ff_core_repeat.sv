// ff_core_repeat.sv -- repeater (docs/timing.md "repeat"). State `have`,
// register `cur`. Inputs 0 ref_in, 1 rep; output 0 ref. A group closes from
// the signal's stop level alone: S0 with a held reference is emitted at
// once; Sk (k > 0) consumes the reference stream's own S(k-1) with it.
// Ready/valid rule: see ff_core_ports.svh.
module ff_core_repeat
  import ff_pkg::*;
  import ff_config_pkg::*;
#(
  parameter int unsigned MaxBlock = 0,  // largest block edge of the array (the block port's width); 0: none
  localparam int unsigned Kind = KIND_REPEAT,  // the port counts
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

  logic have_q, have_d;
  tok_t cur_q, cur_d, r, sig;

  assign r   = in_data_i[0];
  assign sig = in_data_i[1];

  always_comb begin
    have_d     = have_q;
    cur_d      = cur_q;
    in_pop_o   = '0;
    out_push_o = '0;
    out_data_o = '0;
    fire_o     = 1'b0;
    fin_o      = 1'b0;
    err_o      = 1'b0;
    if (en_i && in_valid_i[1]) begin
      if (is_data(sig)) begin
        // R: the current reference once more (taken first if none is held)
        if (!have_q) begin
          if (in_valid_i[0]) begin
            if (!is_elem(r)) begin
              err_o = 1'b1;
            end else if (out_ready_i[0]) begin
              fire_o        = 1'b1;
              in_pop_o      = 2'b11;
              out_push_o[0] = 1'b1;
              out_data_o[0] = r;
              cur_d         = r;
              have_d        = 1'b1;
            end
          end
        end else if (out_ready_i[0]) begin
          fire_o        = 1'b1;
          in_pop_o[1]   = 1'b1;
          out_push_o[0] = 1'b1;
          out_data_o[0] = cur_q;
        end
      end else if (is_stop(sig) && have_q && payload(sig) == 32'd0) begin
        // S0 closes the group without a look at ref_in
        if (out_ready_i[0]) begin
          fire_o        = 1'b1;
          in_pop_o[1]   = 1'b1;
          out_push_o[0] = 1'b1;
          out_data_o[0] = sig;
          have_d        = 1'b0;
        end
      end else if (is_empty(sig)) begin
        err_o = 1'b1;  // N in a repeat-signal stream
      end else if (in_valid_i[0]) begin
        if (is_stop(sig)) begin
          if (!have_q && is_elem(r)) begin
            // a group with no R: take its reference; it closes next cycle
            fire_o      = 1'b1;
            in_pop_o[0] = 1'b1;
            cur_d       = r;
            have_d      = 1'b1;
          end else if (payload(sig) == 32'd0 || r != tok_stop(payload(sig) - 32'd1)) begin
            // Sk, k > 0, needs the reference stream's own S(k-1)
            err_o = 1'b1;
          end else if (out_ready_i[0]) begin
            fire_o        = 1'b1;
            in_pop_o      = 2'b11;
            out_push_o[0] = 1'b1;
            out_data_o[0] = sig;
            have_d        = 1'b0;
          end
        end else begin
          // D on both ends the run
          if (have_q || !is_done(r)) begin
            err_o = 1'b1;
          end else if (out_ready_i[0]) begin
            fire_o        = 1'b1;
            in_pop_o      = 2'b11;
            out_push_o[0] = 1'b1;
            out_data_o[0] = TokD;
            fin_o         = 1'b1;
          end
        end
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      have_q <= 1'b0;
      cur_q  <= '0;
    end else begin
      have_q <= have_d;
      cur_q  <= cur_d;
    end
  end

endmodule
