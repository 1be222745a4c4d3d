// ff_core_serialize.sv -- serialize (docs/tokens.md "serialize", docs/timing.md):
// the lanes of a parallel region back into one stream. Input 0 is ctrl, the
// coordinates of the parallel level; inputs 1..n are the lanes. Unit m of a
// fiber of ctrl is read from lane m mod n. unit field 0: a unit is one token;
// u + 1: a unit is a lane fiber ended by S_u (more units follow in that lane)
// or by the closing stop S_(y+u+1) (its last); the output separates units by
// S_u and closes the fiber once. The same decisions, in the same cycles, as
// fire_serialize in models/sim/prims_control.c.
// Ready/valid rule: see ff_core_ports.svh.
module ff_core_serialize
  import ff_pkg::*;
  import ff_config_pkg::*;
#(
  parameter int unsigned MaxBlock = 0,  // largest block edge of the array (the block port's width); 0: none
  localparam int unsigned Kind = KIND_SERIALIZE,  // the port counts
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

  logic [3:0]  n;
  logic [2:0]  unit_p1;          // 0: token units; u + 1: fiber units ended by S_u
  logic [2:0]  cur_q, cur_d;     // lane of the next unit (0-based)
  logic [3:0]  units_q, units_d; // units started in this fiber of ctrl (saturates at 8)
  logic        in_unit_q, in_unit_d;
  logic [6:0][33:0] closed_q, closed_d; // per lane: the stop that ended its last unit
  tok_t        c, t, closing;
  logic [3:0]  lane_port, first_idle;
  logic [7:0]  lane_used, idle_lanes;
  logic        idle_stall, idle_bad, busy_bad;

  assign n       = cfg_i[SERIALIZE_N_REG][SERIALIZE_N_LSB +: SERIALIZE_N_W];
  assign unit_p1 = cfg_i[SERIALIZE_UNIT_REG][SERIALIZE_UNIT_LSB +: SERIALIZE_UNIT_W];
  assign c         = in_data_i[0];
  assign lane_port = 4'(cur_q) + 4'd1;
  assign t         = in_data_i[lane_port[2:0]];

  // the closing stop of ctrl's fiber, and the lanes that got no unit in it
  always_comb begin
    if (is_done(c) || unit_p1 == 3'd0) begin
      closing    = c;
      first_idle = 4'd0;
    end else begin
      closing    = tok_stop(32'((c & 34'hffff_ffff)) + 32'(unit_p1));
      first_idle = (units_q < n) ? units_q : n;
    end
    for (int unsigned k = 0; k < 8; k++) begin
      lane_used[k]  = (k < 32'(n));
      idle_lanes[k] = lane_used[k] && (k >= 32'(first_idle));
    end
  end

  // As the C model: lanes that had units must have closed with `closing`
  // (checked first, in lane order), then the idle lanes must show it (the
  // first empty one stalls, the first that differs is an error).
  always_comb begin
    busy_bad   = 1'b0;
    idle_stall = 1'b0;
    idle_bad   = 1'b0;
    for (int unsigned k = 0; k < 7; k++) begin
      if (lane_used[k] && !idle_lanes[k] && closed_q[k] != closing) busy_bad = 1'b1;
    end
    for (int unsigned k = 0; k < 7; k++) begin
      if (idle_lanes[k] && !idle_stall && !idle_bad) begin
        if (!in_valid_i[k + 1]) idle_stall = 1'b1;
        else if (in_data_i[k + 1] != closing) idle_bad = 1'b1;
      end
    end
  end

  always_comb begin
    cur_d      = cur_q;
    units_d    = units_q;
    in_unit_d  = in_unit_q;
    closed_d   = closed_q;
    in_pop_o   = '0;
    out_push_o = '0;
    out_data_o = '0;
    fire_o     = 1'b0;
    fin_o      = 1'b0;
    err_o      = 1'b0;
    if (en_i) begin
      if (in_unit_q) begin
        if (in_valid_i[lane_port[2:0]]) begin
          if (is_done(t)) begin
            err_o = 1'b1;
          end else if (is_stop(t) && 32'(t & 34'hffff_ffff) + 32'd1 >= 32'(unit_p1)) begin
            fire_o                  = 1'b1;
            in_pop_o[lane_port[2:0]] = 1'b1;
            closed_d[cur_q]         = t;
            in_unit_d               = 1'b0;
            cur_d = (4'(cur_q) + 4'd1 >= n) ? 3'd0 : cur_q + 3'd1;
          end else if (out_ready_i[0]) begin
            fire_o                  = 1'b1;
            in_pop_o[lane_port[2:0]] = 1'b1;
            out_push_o[0]           = 1'b1;
            out_data_o[0]           = t;
          end
        end
      end else if (in_valid_i[0]) begin
        if (is_elem(c)) begin
          if (unit_p1 == 3'd0) begin
            if (in_valid_i[lane_port[2:0]]) begin
              if (!is_elem(t)) begin
                err_o = 1'b1;
              end else if (out_ready_i[0]) begin
                fire_o                  = 1'b1;
                in_pop_o[0]             = 1'b1;
                in_pop_o[lane_port[2:0]] = 1'b1;
                out_push_o[0]           = 1'b1;
                out_data_o[0]           = t;
                cur_d   = (4'(cur_q) + 4'd1 >= n) ? 3'd0 : cur_q + 3'd1;
                units_d = (units_q == 4'd8) ? units_q : units_q + 4'd1;
              end
            end
          end else if (units_q == 4'd0 || out_ready_i[0]) begin
            // a unit starts; after the first, the separator S_u goes out
            fire_o        = 1'b1;
            in_pop_o[0]   = 1'b1;
            out_push_o[0] = (units_q != 4'd0);
            out_data_o[0] = tok_stop(32'(unit_p1) - 32'd1);
            in_unit_d     = 1'b1;
            units_d       = (units_q == 4'd8) ? units_q : units_q + 4'd1;
          end
        end else if (busy_bad || idle_bad) begin
          err_o = 1'b1;
        end else if (!idle_stall && out_ready_i[0]) begin
          fire_o        = 1'b1;
          in_pop_o[0]   = 1'b1;
          in_pop_o      = in_pop_o | {idle_lanes[6:0], 1'b0};
          out_push_o[0] = 1'b1;
          out_data_o[0] = closing;
          cur_d         = 3'd0;
          units_d       = 4'd0;
          fin_o         = is_done(c);
        end
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cur_q     <= '0;
      units_q   <= '0;
      in_unit_q <= 1'b0;
      closed_q  <= '0;
    end else begin
      cur_q     <= cur_d;
      units_q   <= units_d;
      in_unit_q <= in_unit_d;
      closed_q  <= closed_d;
    end
  end

  logic unused_cfg;
  assign unused_cfg = ^{cfg_i, idle_lanes[7], lane_port[3]};

endmodule
