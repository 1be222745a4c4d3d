// ff_core_scan.sv -- level scanner (docs/timing.md "scan"). State
// IDLE | FIBER | END, registers pos, end, base. SRAM: seg at word 0, crd at
// word crd_base (compressed); a dense level uses no SRAM. Reads complete
// within the firing (an IDLE firing reads seg[r], seg[r+1] and crd[seg[r]]).
// Ready/valid rule: see ff_core_ports.svh.
module ff_core_scan
  import ff_pkg::*;
  import ff_config_pkg::*;
#(
  parameter int unsigned Words = 256,  // SRAM words, a power of two
  parameter int unsigned MaxBlock = 0,  // largest block edge of the array (the block port's width); 0: none
  localparam int unsigned Kind = KIND_SCAN,  // the port counts
  localparam int unsigned BW = (MaxBlock > 0) ? MaxBlock * MaxBlock : 1
) (
`include "ff_core_ports.svh"
);

  // The bundle ports (ff_core_ports.svh) this kind does not use.
  assign {ovf_o, count0_o, count1_o, blk_req_o, blk_wdata_o} = '0;
  logic unused_bundle;
  assign unused_bundle = ^{conn_i, blk_rd_data_i, blk_handle_i};

  localparam int unsigned AW = $clog2(Words);
  typedef enum logic [1:0] {Idle, Fiber, End} state_e;

  state_e      state_q, state_d;
  logic [31:0] pos_q, pos_d, end_q, end_d, base_q, base_d;
  logic        compressed, both, oob;
  logic [31:0] dim, crd_base, nseg, ncrd, r, lo, hi, emit_pos, emit_crd;
  logic [63:0] lo64;
  logic        bad_ref;
  logic        seg_ok, crd_ok_idle, crd_ok_fiber;
  logic [63:0] seg_need;
  logic [Words-1:0][31:0] mem;
  tok_t        t;

  assign compressed = cfg_i[SCAN_FORMAT_REG][SCAN_FORMAT_LSB];
  assign dim        = cfg_i[SCAN_DIM_REG];
  assign crd_base   = cfg_i[SCAN_CRD_BASE_REG];
  assign nseg       = cfg_i[SCAN_NSEG_REG];
  assign ncrd       = cfg_i[SCAN_NCRD_REG];
  assign both       = out_ready_i[0] && out_ready_i[1];
  assign t          = in_data_i[0];
  assign r          = payload(t);

  ff_sram #(.Words(Words)) u_sram (
    .clk_i      (clk_i),
    .a_we_i     (1'b0),
    .a_addr_i   ('0),
    .a_wdata_i  ('0),
    .b_we_i     (1'b0),
    .b_addr_i   ('0),
    .b_wdata_i  ('0),
    .mem_we_i   (mem_we_i),
    .mem_addr_i (mem_addr_i),
    .mem_wdata_i(mem_wdata_i),
    .mem_rdata_o(mem_rdata_o),
    .mem_o      (mem)
  );

  // The fiber a data reference names (fiber_bounds in prims_scan.c).
  always_comb begin
    lo64    = 64'(r) * 64'(dim);
    bad_ref = 1'b0;
    if (compressed) begin
      lo = (32'(r) < Words) ? mem[r[AW-1:0]] : 32'd0;
      hi = (32'(r) + 32'd1 < Words) ? mem[AW'(r + 32'd1)] : 32'd0;
      if (64'(r) + 64'd1 >= 64'(nseg) || 64'(r) + 64'd1 >= 64'(Words) || lo > hi || hi > ncrd) bad_ref = 1'b1;
    end else begin
      lo = lo64[31:0];
      hi = lo64[31:0] + dim;
      if (lo64 + 64'(dim) > 64'h0000_0000_ffff_ffff) bad_ref = 1'b1;
    end
  end

  // The off-chip port's words (docs/timing.md section 4): a data reference r
  // reads seg[r] and seg[r+1] (clamped to the level; past it is an error once
  // all of seg is there), then crd[lo]; a fiber's next coordinate crd[pos].
  assign seg_need     = (64'(r) + 64'd2 < 64'(nseg)) ? 64'(r) + 64'd2 : 64'(nseg);
  assign seg_ok       = !compressed || seg_need <= 64'(mp_avail_i[0]);
  assign crd_ok_idle  = !compressed || lo >= hi || 64'(lo) + 64'd1 <= 64'(mp_avail_i[1]);
  assign crd_ok_fiber = !compressed || 64'(pos_q) + 64'd1 <= 64'(mp_avail_i[1]);

  // The coordinate at emit_pos: crd[pos] (compressed) or pos - base (dense).
  assign emit_pos = (state_q == Fiber) ? pos_q : lo;
  always_comb begin
    oob      = 1'b0;
    emit_crd = emit_pos - ((state_q == Fiber) ? base_q : lo);
    if (compressed) begin
      emit_crd = 32'd0;
      if (64'(crd_base) + 64'(emit_pos) < 64'(Words)) emit_crd = mem[AW'(crd_base + emit_pos)];
      else oob = 1'b1;
    end
  end

  always_comb begin
    state_d    = state_q;
    pos_d      = pos_q;
    end_d      = end_q;
    base_d     = base_q;
    in_pop_o   = '0;
    out_push_o = '0;
    out_data_o = '0;
    fire_o     = 1'b0;
    fin_o      = 1'b0;
    err_o      = 1'b0;
    mp_wait_o  = 1'b0;
    if (en_i) begin
      if (state_q == Fiber) begin
        if (!crd_ok_fiber) begin
          mp_wait_o = 1'b1;
        end else if (oob) begin
          err_o = 1'b1;
        end else if (both) begin
          fire_o     = 1'b1;
          out_push_o = 2'b11;
          out_data_o = {tok_data(pos_q), tok_data(emit_crd)};
          pos_d      = pos_q + 32'd1;
          state_d    = (pos_q + 32'd1 < end_q) ? Fiber : End;
        end
      end else if (in_valid_i[0]) begin
        if (state_q == End) begin
          // close the fiber; an input stop Sk merges into one S(k+1)
          if (both) begin
            fire_o     = 1'b1;
            out_push_o = 2'b11;
            if (is_stop(t)) begin
              in_pop_o[0] = 1'b1;
              out_data_o  = {tok_stop(r + 32'd1), tok_stop(r + 32'd1)};
            end else begin
              out_data_o  = {tok_stop(32'd0), tok_stop(32'd0)};
            end
            state_d = Idle;
          end
        end else if (is_data(t)) begin
          if (!seg_ok) begin
            mp_wait_o = 1'b1;
          end else if (bad_ref || (lo < hi && oob)) begin
            err_o = 1'b1;
          end else if (!crd_ok_idle) begin
            mp_wait_o = 1'b1;
          end else if (lo >= hi || both) begin
            fire_o      = 1'b1;
            in_pop_o[0] = 1'b1;
            pos_d       = lo;
            end_d       = hi;
            base_d      = lo;
            if (lo < hi) begin
              out_push_o = 2'b11;
              out_data_o = {tok_data(lo), tok_data(emit_crd)};
              pos_d      = lo + 32'd1;
              state_d    = (lo + 32'd1 < hi) ? Fiber : End;
            end else begin
              state_d = End;  // empty fiber: only its stop follows
            end
          end
        end else if (both) begin
          fire_o      = 1'b1;
          in_pop_o[0] = 1'b1;
          out_push_o  = 2'b11;
          if (is_stop(t)) begin
            out_data_o = {tok_stop(r + 32'd1), tok_stop(r + 32'd1)};  // a bare stop: an empty outer fiber
          end else if (is_empty(t)) begin
            out_data_o = {TokN, TokN};
            state_d    = End;
          end else begin
            out_data_o = {TokD, TokD};
            fin_o      = 1'b1;
          end
        end
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= Idle;
      pos_q   <= '0;
      end_q   <= '0;
      base_q  <= '0;
    end else begin
      state_q <= state_d;
      pos_q   <= pos_d;
      end_q   <= end_d;
      base_q  <= base_d;
    end
  end

  logic unused_cfg;
  assign unused_cfg = ^{cfg_i, mem_addr_i, lo64};

endmodule
