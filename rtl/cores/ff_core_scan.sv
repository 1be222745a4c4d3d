// ff_core_scan.sv -- level scanner (docs/timing.md "scan"). State
// IDLE | FIBER | END | DRAIN, registers pos, end, base, lag. SRAM: seg at
// word 0, crd at word crd_base (compressed); a dense level uses no SRAM, and
// may be read through a window (off, len): positions r*dim+off .. +len.
// Reads complete within the firing (an IDLE firing reads seg[r], seg[r+1]
// and crd[seg[r]]; a jump binary-searches the rest of the fiber, unrolled
// as in ff_core_locate). Inputs 0 ref_in, 1 skip (an intersect's skip
// stream, or unconnected). Ready/valid rule: see ff_core_ports.svh.
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
  assign unused_bundle = ^{conn_i[0], blk_rd_data_i, blk_handle_i};

  localparam int unsigned AW = $clog2(Words);
  typedef enum logic [1:0] {Idle, Fiber, End, Drain} state_e;

  state_e      state_q, state_d;
  logic [31:0] pos_q, pos_d, end_q, end_d, base_q, base_d;
  logic        compressed, both, oob;
  logic [31:0] dim, crd_base, nseg, ncrd, r, lo, hi, emit_pos, emit_crd, raw_crd, off, len, fbase;
  logic signed [33:0] soff, wa, wb, jt, wc;  // a window's bounds, a jump's target, a coordinate in it
  logic        cwin, wbelow, wabove;        // a compressed window; the coordinate at emit_pos before / past it
  logic [63:0] lo64;
  logic        bad_ref;
  logic        seg_ok, crd_ok_idle, crd_ok_fiber;
  logic [63:0] seg_need;
  logic [Words-1:0][31:0] mem;
  tok_t        t, k;
  logic [15:0] lag_q, lag_d;  // stops pushed on crd that the skip stream has not echoed
  logic        skip_on, kv, k_err, k_fin, k_jump, k_here, jump_ok;
  logic [31:0] kval, to;
  // the firing without the skip input
  state_e      m_state;
  logic [31:0] m_pos, m_end, m_base;
  logic [1:0]  m_pop, m_push;
  logic [1:0][33:0] m_data;
  logic        m_fire, m_fin, m_err, m_wait, m_stop;

  assign compressed = cfg_i[SCAN_FORMAT_REG][SCAN_FORMAT_LSB];
  assign dim        = cfg_i[SCAN_DIM_REG];
  assign crd_base   = cfg_i[SCAN_CRD_BASE_REG];
  assign nseg       = cfg_i[SCAN_NSEG_REG];
  assign ncrd       = cfg_i[SCAN_NCRD_REG];
  // a window (docs/tokens.md "scan"; len 0: none): a fiber's coordinates c
  // with 0 <= c - off < len, at c - off. Dense: the fiber's positions cut to
  // them; compressed: one firing passes each coordinate before the window,
  // one at the first past it ends the fiber, neither emits
  assign off        = cfg_i[SCAN_OFF_REG];
  assign len        = cfg_i[SCAN_LEN_REG];
  assign soff       = {{2{off[31]}}, off};
  assign cwin       = compressed && len != 32'd0;
  assign both       = out_ready_i[0] && out_ready_i[1];
  assign t          = in_data_i[0];
  assign r          = payload(t);
  assign skip_on    = conn_i[1];
  assign k          = in_data_i[1];
  assign kv         = skip_on && in_valid_i[1];
  assign kval       = payload(k);

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

  // The fiber a data reference names (fiber_bounds in prims_scan.c), cut to
  // a dense level's window; fbase: the fiber's first position.
  always_comb begin
    lo64    = 64'(r) * 64'(dim);
    bad_ref = 1'b0;
    wa      = '0;
    wb      = '0;
    if (compressed) begin
      lo = (32'(r) < Words) ? mem[r[AW-1:0]] : 32'd0;
      hi = (32'(r) + 32'd1 < Words) ? mem[AW'(r + 32'd1)] : 32'd0;
      fbase = lo;
      if (64'(r) + 64'd1 >= 64'(nseg) || 64'(r) + 64'd1 >= 64'(Words) || lo > hi || hi > ncrd) bad_ref = 1'b1;
    end else begin
      fbase = lo64[31:0];
      lo    = fbase;
      hi    = fbase + dim;
      if (lo64 + 64'(dim) > 64'h0000_0000_ffff_ffff) bad_ref = 1'b1;
      if (len != 32'd0) begin
        wa = (soff > 34'sd0) ? soff : 34'sd0;
        wb = soff + $signed({2'b0, len});
        if (wb > $signed({2'b0, dim})) wb = $signed({2'b0, dim});
        lo = (wa < wb) ? fbase + wa[31:0] : fbase;
        hi = (wa < wb) ? fbase + wb[31:0] : fbase;
      end
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
    raw_crd  = 32'd0;
    emit_crd = emit_pos - ((state_q == Fiber) ? base_q : fbase) - off;
    if (compressed) begin
      if (64'(crd_base) + 64'(emit_pos) < 64'(Words)) raw_crd = mem[AW'(crd_base + emit_pos)];
      else oob = 1'b1;
      emit_crd = raw_crd - off;
    end
  end
  assign wc     = $signed({2'b0, raw_crd}) - soff;
  assign wbelow = cwin && wc < 34'sd0;
  assign wabove = cwin && wc >= $signed({2'b0, len});

  always_comb begin
    m_state    = state_q;
    m_pos      = pos_q;
    m_end      = end_q;
    m_base     = base_q;
    m_pop   = '0;
    m_push = '0;
    m_data = '0;
    m_fire     = 1'b0;
    m_fin      = 1'b0;
    m_err      = 1'b0;
    m_wait  = 1'b0;
    m_stop  = 1'b0;
    if (en_i && state_q != Drain) begin
      if (state_q == Fiber) begin
        if (!crd_ok_fiber) begin
          m_wait = 1'b1;
        end else if (oob) begin
          m_err = 1'b1;
        end else if (wbelow || wabove) begin
          // outside a compressed window: pass it, or end the fiber
          m_fire  = 1'b1;
          m_pos   = wbelow ? pos_q + 32'd1 : end_q;
          m_state = (wbelow && pos_q + 32'd1 < end_q) ? Fiber : End;
        end else if (both) begin
          m_fire     = 1'b1;
          m_push = 2'b11;
          m_data = {tok_data(pos_q), tok_data(emit_crd)};
          m_pos      = pos_q + 32'd1;
          m_state    = (pos_q + 32'd1 < end_q) ? Fiber : End;
        end
      end else if (in_valid_i[0]) begin
        if (state_q == End) begin
          // close the fiber; an input stop Sk merges into one S(k+1)
          if (both) begin
            m_fire     = 1'b1;
            m_push = 2'b11;
            if (is_stop(t)) begin
              m_pop[0] = 1'b1;
              m_data  = {tok_stop(r + 32'd1), tok_stop(r + 32'd1)};
            end else begin
              m_data  = {tok_stop(32'd0), tok_stop(32'd0)};
            end
            m_stop  = 1'b1;
            m_state = Idle;
          end
        end else if (is_data(t)) begin
          if (!seg_ok) begin
            m_wait = 1'b1;
          end else if (bad_ref || (lo < hi && oob)) begin
            m_err = 1'b1;
          end else if (!crd_ok_idle) begin
            m_wait = 1'b1;
          end else if (lo >= hi || both || wbelow || wabove) begin
            m_fire      = 1'b1;
            m_pop[0] = 1'b1;
            m_pos       = lo;
            m_end       = hi;
            m_base      = fbase;
            if (lo < hi && (wbelow || wabove)) begin
              // the first coordinate lies outside a compressed window
              m_pos   = wbelow ? lo + 32'd1 : hi;
              m_state = (wbelow && lo + 32'd1 < hi) ? Fiber : End;
            end else if (lo < hi) begin
              m_push = 2'b11;
              m_data = {tok_data(lo), tok_data(emit_crd)};
              m_pos      = lo + 32'd1;
              m_state    = (lo + 32'd1 < hi) ? Fiber : End;
            end else begin
              m_state = End;  // empty fiber: only its stop follows
            end
          end
        end else if (both) begin
          m_fire      = 1'b1;
          m_pop[0] = 1'b1;
          m_push  = 2'b11;
          if (is_stop(t)) begin
            m_data = {tok_stop(r + 32'd1), tok_stop(r + 32'd1)};  // a bare stop: an empty outer fiber
            m_stop = 1'b1;
          end else if (is_empty(t)) begin
            m_data = {TokN, TokN};
            m_state    = End;
          end else begin
            m_data = {TokD, TokD};
            // with a skip stream: finished once its D is in
            if (skip_on) m_state = Drain;
            else m_fin = 1'b1;
          end
        end
      end
    end
  end

`include "ff_core_search.svh"

  // A jump's target: the first position of [pos, end) whose coordinate is
  // at least the skip's, end if none (dense: base + the coordinate).
  // With a window the skip's coordinate is the level's kval + off (2^32-1
  // ends the fiber whatever the offset).
  always_comb begin
    to = end_q;
    jt = $signed({2'b0, base_q}) + soff + $signed({2'b0, kval});
    if (compressed) begin
      jt = (kval == 32'hffff_ffff) ? $signed({2'b0, kval}) : $signed({2'b0, kval}) + soff;
      if (jt <= 34'sd0) to = pos_q;
      else if (jt > 34'sh0_ffff_ffff) to = end_q;
      else to = crd_lower_bound(mem, crd_base, pos_q, end_q, jt[31:0]);
    end else if (jt < $signed({2'b0, end_q})) begin
      to = jt[31:0];
    end
  end
  // a jump reads the words through its target (the whole rest when none)
  assign jump_ok = !compressed || ((to < end_q) ? 64'(to) + 64'd1 : 64'(end_q)) <= 64'(mp_avail_i[1]);

  // The skip input's head (fire_scan in prims_scan.c): an echoed stop, D
  // after the scanner's own, a skip for an earlier fiber (lag > 0), one with
  // nothing to skip, or a jump. In FIBER with lag 0 a data skip is compared
  // with crd[pos], which must have arrived.
  assign k_here = lag_q == '0 && state_q == Fiber && is_data(k);
  always_comb begin
    k_err  = 1'b0;
    k_fin  = 1'b0;
    k_jump = 1'b0;
    if (kv) begin
      if (is_stop(k)) k_err = (lag_q == '0);
      else if (is_done(k)) begin
        k_err = (state_q != Drain || lag_q != '0);
        k_fin = !k_err;
      end else if (is_empty(k)) k_err = 1'b1;
      else if (k_here && kval > emit_crd) k_jump = 1'b1;
    end
  end

  // A jump is the whole firing; any other skip head is popped beside the
  // firing without it, or alone when that cannot fire (the skip stream never
  // waits on the outputs).
  always_comb begin
    state_d    = m_state;
    pos_d      = m_pos;
    end_d      = m_end;
    base_d     = m_base;
    in_pop_o   = m_pop;
    out_push_o = m_push;
    out_data_o = m_data;
    fire_o     = m_fire;
    fin_o      = m_fin;
    err_o      = m_err;
    mp_wait_o  = m_wait;
    lag_d      = lag_q;
    if (en_i && kv) begin
      if (k_err || k_fin || k_jump || (k_here && !crd_ok_fiber)) begin
        state_d    = state_q;
        pos_d      = pos_q;
        end_d      = end_q;
        base_d     = base_q;
        in_pop_o   = '0;
        out_push_o = '0;
        fire_o     = 1'b0;
        fin_o      = 1'b0;
        err_o      = k_err;
        mp_wait_o  = 1'b0;
        if (k_fin) begin
          fire_o      = 1'b1;
          fin_o       = 1'b1;
          in_pop_o[1] = 1'b1;
        end else if (k_here && (!crd_ok_fiber || (k_jump && !jump_ok))) begin
          mp_wait_o = 1'b1;
        end else if (k_jump) begin
          fire_o      = 1'b1;
          in_pop_o[1] = 1'b1;
          pos_d       = to;
          state_d     = (to < end_q) ? Fiber : End;
        end
      end else if (!m_err) begin
        fire_o      = 1'b1;
        mp_wait_o   = 1'b0;
        in_pop_o[1] = 1'b1;
        if (is_stop(k)) lag_d = lag_q - 16'd1;
      end
    end
    if (en_i && skip_on && m_fire && m_stop && !err_o && !k_jump && !k_fin) begin
      if (lag_q == 16'hffff) begin
        // more stops in flight than any channel holds: a broken graph
        err_o      = 1'b1;
        fire_o     = 1'b0;
        in_pop_o   = '0;
        out_push_o = '0;
        state_d    = state_q;
        pos_d      = pos_q;
        end_d      = end_q;
        base_d     = base_q;
        lag_d      = lag_q;
      end else begin
        lag_d = lag_d + 16'd1;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= Idle;
      lag_q   <= '0;
      pos_q   <= '0;
      end_q   <= '0;
      base_q  <= '0;
    end else begin
      state_q <= state_d;
      lag_q   <= lag_d;
      pos_q   <= pos_d;
      end_q   <= end_d;
      base_q  <= base_d;
    end
  end

  logic unused_cfg;
  assign unused_cfg = ^{cfg_i, mem_addr_i, lo64};

endmodule
