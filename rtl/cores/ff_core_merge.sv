// ff_core_merge.sv -- the core of intersect (Union = 0) and union (Union = 1),
// n-ary, n = 2..4 (docs/timing.md "intersect, union"). Inputs 0..3 crd0..crd3, 4..7 ref0..ref3; outputs 0 crd, 1..4
// ref0..ref3, and (intersect) 5..8 skip0..skip3, each an unconnected output
// unless the graph links it back to its side's scanner (coordinate
// skipping); sides i >= n are ignored. Stateless: every firing looks at all
// n sides' heads (all must be present, crd and ref of a side in step).
// Ready/valid rule: see ff_core_ports.svh.
module ff_core_merge
  import ff_pkg::*;
  import ff_config_pkg::*;
#(
  parameter int unsigned Union = 0,     // 0: intersect, 1: union (config.json "core_params")
  parameter int unsigned MaxBlock = 0,  // largest block edge of the array (the block port's width); 0: none
  localparam int unsigned Kind = (Union != 0) ? KIND_UNION : KIND_INTERSECT,  // the port counts
  localparam int unsigned BW = (MaxBlock > 0) ? MaxBlock * MaxBlock : 1
) (
`include "ff_core_ports.svh"
);

  // The bundle ports (ff_core_ports.svh) this kind does not use.
  assign {ovf_o, count0_o, count1_o, mem_rdata_o, blk_req_o, blk_wdata_o} = '0;
  logic unused_bundle;
  assign unused_bundle = ^{clk_i, rst_ni, conn_i, mem_we_i, mem_addr_i, mem_wdata_i, blk_rd_data_i,
                           blk_handle_i};
  // no off-chip reads (writers' ports are the tile's: ff_mport)
  assign mp_wait_o = 1'b0;
  logic unused_mport;
  assign unused_mport = ^mp_avail_i;

  logic [2:0]  n;
  logic [3:0]  side;       // side i < n
  localparam int unsigned NO = kind_noutp(Kind);  // 9 (intersect) or 5 (union)
  logic [4:0]  outs;       // outputs 0..n
  logic [3:0]  skips;      // intersect: the skip outputs 5 + i of sides i < n
  logic [8:0]  rdy, push;  // every output, the union's 5..8 absent
  logic [8:0][33:0] data;
  logic        heads, aligned, ready_all, ready_ctl, ctl_equal, all_equal;
  logic [3:0]  at_stop, at_done, at_empty, at_data, at_ext;
  logic [31:0] ext;        // intersect: the largest coordinate; union: the smallest
  tok_t [3:0]  crd, ref_t;

  // intersect tracks the largest coordinate, union the smallest
  localparam bit IsUnion = (Union != 0);

  assign n = IsUnion ? cfg_i[UNION_N_REG][UNION_N_LSB +: UNION_N_W]
                   : cfg_i[INTERSECT_N_REG][INTERSECT_N_LSB +: INTERSECT_N_W];

  always_comb begin
    heads     = 1'b1;
    aligned   = 1'b1;
    ctl_equal = 1'b1;
    ext       = (IsUnion) ? 32'hffff_ffff : 32'd0;
    for (int unsigned i = 0; i < 4; i++) begin
      side[i]     = (i < 32'(n));
      crd[i]      = in_data_i[i];
      ref_t[i]    = in_data_i[4 + i];
      at_stop[i]  = side[i] && is_stop(crd[i]);
      at_done[i]  = side[i] && is_done(crd[i]);
      at_empty[i] = side[i] && is_empty(crd[i]);
      at_data[i]  = side[i] && is_data(crd[i]);
      if (side[i] && !(in_valid_i[i] && in_valid_i[4 + i])) heads = 1'b0;
      // a union upstream pairs a real coordinate with N on the side that lacks it
      if (side[i] && !((crd[i][33:32] == ref_t[i][33:32] && (!is_stop(crd[i]) || crd[i] == ref_t[i])) ||
                       (is_data(crd[i]) && is_empty(ref_t[i]))))
        aligned = 1'b0;
      if (side[i] && crd[i] != crd[0]) ctl_equal = 1'b0;
      if (at_data[i] && ((IsUnion) ? payload(crd[i]) < ext : payload(crd[i]) > ext)) ext = payload(crd[i]);
    end
    all_equal = 1'b1;
    for (int unsigned i = 0; i < 4; i++) begin
      at_ext[i] = at_data[i] && payload(crd[i]) == ext;
      if (side[i] && payload(crd[i]) != ext) all_equal = 1'b0;
    end
    for (int unsigned p = 0; p < 5; p++) outs[p] = (p <= 32'(n));
    skips     = IsUnion ? 4'b0 : side;
    rdy       = 9'(out_ready_i);
    ready_all = ((outs & ~rdy[4:0]) == '0);
    ready_ctl = ready_all && ((skips & ~rdy[8:5]) == '0);
  end

  always_comb begin
    in_pop_o   = '0;
    push       = '0;
    data       = '0;
    fire_o     = 1'b0;
    fin_o      = 1'b0;
    err_o      = 1'b0;
    if (en_i && heads) begin
      if (!aligned) begin
        err_o = 1'b1;
      end else if (at_done != '0 || at_stop == side) begin
        // every side at the same control token: it passes once
        if (at_done != '0 && at_done != side) begin
          err_o = 1'b1;
        end else if (!ctl_equal) begin
          err_o = 1'b1;
        end else if (ready_ctl) begin
          // the skip streams echo every stop and D (the scanners' fiber count)
          fire_o     = 1'b1;
          in_pop_o   = {side, side};
          push       = {skips, outs};
          for (int unsigned p = 0; p < 9; p++) data[p] = push[p] ? crd[0] : '0;
          fin_o = is_done(crd[0]);
        end
      end else if (!IsUnion && at_stop != '0) begin
        // intersect, some fibers ended: drain the others, nothing can match any
        // more; their scanners may jump to the end of the fiber (a hint, sent
        // when its channel has room)
        fire_o   = 1'b1;
        in_pop_o = {side & ~at_stop, side & ~at_stop};
        for (int unsigned i = 0; i < 4; i++)
          if (skips[i] && at_data[i] && rdy[5 + i]) begin
            push[5 + i] = 1'b1;
            data[5 + i] = tok_data(32'hffff_ffff);
          end
      end else if (at_empty != '0) begin
        if (!IsUnion || at_empty == side) begin
          // intersect: a missing fiber empties the result; union: no side has this fiber
          if (ready_all) begin
            fire_o     = 1'b1;
            in_pop_o   = {side, side};
            push       = 9'(outs);
            for (int unsigned p = 0; p < 5; p++) data[p] = outs[p] ? TokN : '0;
          end
        end else begin
          // union: a missing fiber contributes nothing: skip its N
          fire_o   = 1'b1;
          in_pop_o = {at_empty, at_empty};
        end
      end else if (!IsUnion) begin
        if (all_equal) begin
          if (ready_all) begin
            fire_o   = 1'b1;
            in_pop_o = {side, side};
            push     = 9'(outs);
            data[0]  = tok_data(ext);
            for (int unsigned i = 0; i < 4; i++) data[1 + i] = side[i] ? ref_t[i] : '0;
          end
        end else begin
          // intersect: advance every side behind the largest coordinate, asking
          // its scanner to jump there
          fire_o   = 1'b1;
          in_pop_o = {side & ~at_ext, side & ~at_ext};
          for (int unsigned i = 0; i < 4; i++)
            if (skips[i] && !at_ext[i] && rdy[5 + i]) begin
              push[5 + i] = 1'b1;
              data[5 + i] = tok_data(ext);
            end
        end
      end else if (ready_all) begin
        // union: the smallest coordinate; sides without it get N on their ref
        fire_o   = 1'b1;
        in_pop_o = {at_ext, at_ext};
        push     = 9'(outs);
        data[0]  = tok_data(ext);
        for (int unsigned i = 0; i < 4; i++)
          data[1 + i] = !side[i] ? '0 : at_ext[i] ? ref_t[i] : TokN;
      end
    end
  end

  assign out_push_o = push[NO-1:0];
  assign out_data_o = data[NO-1:0];
  logic unused_outs;
  assign unused_outs = ^{push, data};  // the union's 5..8

  logic unused_cfg;
  assign unused_cfg = ^cfg_i;

endmodule
