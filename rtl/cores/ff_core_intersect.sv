// ff_core_intersect.sv -- n-ary intersect, n = 2..4 (docs/timing.md "intersect,
// union"). Inputs 0..3 crd0..crd3, 4..7 ref0..ref3; outputs 0 crd, 1..4
// ref0..ref3; sides i >= n are ignored. Stateless: every firing looks at all
// n sides' heads (all must be present, crd and ref of a side in step).
// Ready/valid rule: see ff_core_root.sv.
module ff_core_intersect
  import ff_pkg::*;
  import ff_config_pkg::*;
(
  input  logic                         en_i,
  input  logic [RegsPerSlot-1:0][31:0] cfg_i,
  input  logic [7:0]                   in_valid_i,
  input  logic [7:0][33:0]             in_data_i,
  output logic [7:0]                   in_pop_o,
  input  logic [4:0]                   out_ready_i,
  output logic [4:0]                   out_push_o,
  output logic [4:0][33:0]             out_data_o,
  output logic                         fire_o,
  output logic                         fin_o,
  output logic                         err_o
);

  logic [2:0]  n;
  logic [3:0]  side;       // side i < n
  logic [4:0]  outs;       // outputs 0..n
  logic        heads, aligned, ready_all, ctl_equal, all_equal;
  logic [3:0]  at_stop, at_done, at_empty, at_data, at_ext;
  logic [31:0] ext;        // intersect: the largest coordinate; union: the smallest
  tok_t [3:0]  crd, ref_t;

  // intersect tracks the largest coordinate, union the smallest
  localparam bit UseMin = 1'b0;

  assign n = cfg_i[INTERSECT_N_REG][INTERSECT_N_LSB +: INTERSECT_N_W];

  always_comb begin
    heads     = 1'b1;
    aligned   = 1'b1;
    ctl_equal = 1'b1;
    ext       = (UseMin) ? 32'hffff_ffff : 32'd0;
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
      if (at_data[i] && ((UseMin) ? payload(crd[i]) < ext : payload(crd[i]) > ext)) ext = payload(crd[i]);
    end
    all_equal = 1'b1;
    for (int unsigned i = 0; i < 4; i++) begin
      at_ext[i] = at_data[i] && payload(crd[i]) == ext;
      if (side[i] && payload(crd[i]) != ext) all_equal = 1'b0;
    end
    for (int unsigned p = 0; p < 5; p++) outs[p] = (p <= 32'(n));
    ready_all = ((outs & ~out_ready_i) == '0);
  end

  always_comb begin
    in_pop_o   = '0;
    out_push_o = '0;
    out_data_o = '0;
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
        end else if (ready_all) begin
          fire_o     = 1'b1;
          in_pop_o   = {side, side};
          out_push_o = outs;
          for (int unsigned p = 0; p < 5; p++) out_data_o[p] = outs[p] ? crd[0] : '0;
          fin_o = is_done(crd[0]);
        end
      end else if (at_stop != '0) begin
        // some fibers ended: drain the others, nothing can match any more
        fire_o   = 1'b1;
        in_pop_o = {side & ~at_stop, side & ~at_stop};
      end else if (at_empty != '0) begin
        if (ready_all) begin
          fire_o     = 1'b1;
          in_pop_o   = {side, side};
          out_push_o = outs;
          for (int unsigned p = 0; p < 5; p++) out_data_o[p] = outs[p] ? TokN : '0;
        end
      end else if (all_equal) begin
        if (ready_all) begin
          fire_o        = 1'b1;
          in_pop_o      = {side, side};
          out_push_o    = outs;
          out_data_o[0] = tok_data(ext);
          for (int unsigned i = 0; i < 4; i++) out_data_o[1 + i] = side[i] ? ref_t[i] : '0;
        end
      end else begin
        // advance every side behind the largest coordinate
        fire_o   = 1'b1;
        in_pop_o = {side & ~at_ext, side & ~at_ext};
      end
    end
  end

  logic unused_cfg;
  assign unused_cfg = ^cfg_i;

endmodule
