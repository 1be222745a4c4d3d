// ff_core_reduce.sv -- reducer (docs/timing.md "reduce"), sum or max. Without
// the shape input (SAM's reducer): registers acc, any, pending. With shape
// connected: flag in_fiber, register owed (a shape stop that the previous
// fiber's stop already closed passes without a value token). Inputs 0
// val_in, 1 shape.
// Block mode (blk > 0): values are block handles; the fiber's first value
// allocates the accumulating block (its input block collapsed, ff_block_fold),
// later ones fold into it in place; acc holds its handle, so the closing
// stop emits the handle as the scalar reducer emits the sum.
// Ready/valid rule: see ff_core_ports.svh.
module ff_core_reduce
  import ff_pkg::*;
  import ff_config_pkg::*;
#(
  parameter int unsigned MaxBlock = 0,  // largest block edge; 0: scalar only
  localparam int unsigned Kind = KIND_REDUCE,  // the port counts
  localparam int unsigned BW = (MaxBlock > 0) ? MaxBlock * MaxBlock : 1
) (
`include "ff_core_ports.svh"
);

  // The bundle ports (ff_core_ports.svh) this kind does not use.
  assign {ovf_o, count0_o, count1_o, mem_rdata_o} = '0;
  logic unused_bundle;
  assign unused_bundle = ^{mem_we_i, mem_addr_i, mem_wdata_i};
  // no off-chip reads (writers' ports are the tile's: ff_mport)
  assign mp_wait_o = 1'b0;
  logic unused_mport;
  assign unused_mport = ^mp_avail_i;

  logic        is_max, shaped, take, block_mode;
  logic        any_q, any_d, in_fiber_q, in_fiber_d;
  logic [31:0] acc_q, acc_d, pending_q, pending_d, owed_q, owed_d, acc_next;
  tok_t        v, h, result;

  assign is_max = cfg_i[REDUCE_OP_REG][REDUCE_OP_LSB];
  assign shaped = conn_i[1];
  assign v      = in_data_i[0];
  assign h      = in_data_i[1];
  // what accumulating v gives, and the value a closing stop emits
  assign acc_next = !any_q ? value_of(v)
                  : is_max ? (fx_gt(value_of(v), acc_q) ? value_of(v) : acc_q)
                  : fx_add(acc_q, value_of(v));
  assign result = tok_data(any_q ? acc_q : 32'd0);

  always_comb begin
    any_d      = any_q;
    acc_d      = acc_q;
    pending_d  = pending_q;
    owed_d     = owed_q;
    in_fiber_d = in_fiber_q;
    in_pop_o   = '0;
    out_push_o = '0;
    out_data_o = '0;
    fire_o     = 1'b0;
    fin_o      = 1'b0;
    err_o      = 1'b0;
    take       = 1'b0;
    if (en_i && !shaped) begin
      if (pending_q != 32'd0) begin
        if (out_ready_i[0]) begin
          fire_o        = 1'b1;
          out_push_o[0] = 1'b1;
          out_data_o[0] = tok_stop(pending_q - 32'd1);
          pending_d     = 32'd0;
        end
      end else if (in_valid_i[0]) begin
        if (is_elem(v)) begin
          fire_o      = 1'b1;
          in_pop_o[0] = 1'b1;
          acc_d       = acc_next;
          any_d       = 1'b1;
          take        = 1'b1;
        end else if (out_ready_i[0]) begin
          fire_o        = 1'b1;
          in_pop_o[0]   = 1'b1;
          out_push_o[0] = 1'b1;
          if (is_done(v)) begin
            out_data_o[0] = TokD;
            fin_o         = 1'b1;
          end else begin
            // Sk closes the innermost fiber: its result, then S(k-1) if k > 0
            out_data_o[0] = result;
            acc_d         = 32'd0;
            any_d         = 1'b0;
            pending_d     = payload(v);
          end
        end
      end
    end else if (en_i && in_fiber_q) begin
      if (in_valid_i[0]) begin
        if (is_elem(v)) begin
          fire_o      = 1'b1;
          in_pop_o[0] = 1'b1;
          acc_d       = acc_next;
          any_d       = 1'b1;
          take        = 1'b1;
        end else if (!is_stop(v)) begin
          err_o = 1'b1;  // D inside a fiber
        end else if (out_ready_i[0]) begin
          fire_o        = 1'b1;
          in_pop_o[0]   = 1'b1;
          out_push_o[0] = 1'b1;
          out_data_o[0] = result;
          acc_d         = 32'd0;
          any_d         = 1'b0;
          owed_d        = payload(v);
          in_fiber_d    = 1'b0;
        end
      end
    end else if (en_i && in_valid_i[1]) begin
      if (is_stop(h) && owed_q != 32'd0) begin
        // The last fiber's stop already closed this shape fiber: no value
        // token is needed (waiting for one would wait for the next fiber).
        if (owed_q != payload(h) + 32'd1) begin
          err_o = 1'b1;
        end else if (out_ready_i[0]) begin
          fire_o        = 1'b1;
          in_pop_o[1]   = 1'b1;
          out_push_o[0] = 1'b1;
          out_data_o[0] = h;
          owed_d        = 32'd0;
        end
      end else if (in_valid_i[0]) begin
        if (is_elem(h)) begin
          if (owed_q != 32'd0) begin
            err_o = 1'b1;
          end else if (is_elem(v)) begin
            // the coordinate's fiber starts; take its first token along
            fire_o     = 1'b1;
            in_pop_o   = 2'b11;
            acc_d      = acc_next;
            any_d      = 1'b1;
            in_fiber_d = 1'b1;
            take       = 1'b1;
          end else if (!is_stop(v)) begin
            err_o = 1'b1;
          end else if (out_ready_i[0]) begin
            // an empty fiber sums to 0
            fire_o        = 1'b1;
            in_pop_o      = 2'b11;
            out_push_o[0] = 1'b1;
            out_data_o[0] = result;
            acc_d         = 32'd0;
            any_d         = 1'b0;
            owed_d        = payload(v);
          end
        end else if (is_stop(h)) begin
          if (v != tok_stop(payload(h) + 32'd1)) begin
            err_o = 1'b1;
          end else if (out_ready_i[0]) begin
            // an empty shape fiber: the values carry its phantom stop
            fire_o        = 1'b1;
            in_pop_o      = 2'b11;
            out_push_o[0] = 1'b1;
            out_data_o[0] = h;
          end
        end else if (owed_q != 32'd0 || !is_done(v)) begin
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

  // ---- block mode -------------------------------------------------------

  logic [6:0]          bsize;
  logic [31:0]         bwords;
  logic [BW-1:0][31:0] acc_blk_q;

  assign bsize      = cfg_i[REDUCE_BLK_REG][REDUCE_BLK_LSB +: REDUCE_BLK_W];
  assign block_mode = (MaxBlock > 0) && (bsize != 7'd0);

  ff_block_fold #(.MaxB(MaxBlock)) u_fold (
    .is_max_i(is_max),
    .first_i (!any_q),
    .b_i     (bsize),
    .la_i    (cfg_i[REDUCE_BLA_REG][REDUCE_BLA_LSB +: REDUCE_BLA_W]),
    .no_i    (cfg_i[REDUCE_BNO_REG][REDUCE_BNO_LSB +: REDUCE_BNO_W]),
    .in_i    (blk_rd_data_i[0]),
    .acc_i   (acc_blk_q),
    .y_o     (blk_wdata_o),
    .words_o (bwords)
  );

  // the accumulating block, as the store holds it (only this tile writes it)
  always_ff @(posedge clk_i) if (take) acc_blk_q <= blk_wdata_o;

  // a fiber's first value allocates, later ones fold in place
  assign blk_req_o = blk_request(32'd0, value_of(v), block_mode && take && !any_q, bwords,
                                 cfg_i[REDUCE_RANK_REG][REDUCE_RANK_LSB +: REDUCE_RANK_W], block_mode && take,
                                 acc_q, bwords);

  logic unused_rd;
  assign unused_rd = ^blk_rd_data_i[1];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      any_q      <= 1'b0;
      acc_q      <= '0;
      pending_q  <= '0;
      owed_q     <= '0;
      in_fiber_q <= 1'b0;
    end else begin
      any_q      <= any_d;
      acc_q      <= (block_mode && take) ? (any_q ? acc_q : blk_handle_i) : acc_d;
      pending_q  <= pending_d;
      owed_q     <= owed_d;
      in_fiber_q <= in_fiber_d;
    end
  end

  logic unused_cfg;
  assign unused_cfg = ^{cfg_i, conn_i[0]};

endmodule
