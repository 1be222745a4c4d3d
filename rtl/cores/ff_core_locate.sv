// ff_core_locate.sv -- iterate-locate (docs/timing.md "locate"). Stateless:
// one firing per (crd_in, ref_in) pair. Dense: ref*dim + crd. Compressed: the
// binary search of prims_scan.c, unrolled (AW+1 probes cover any fiber of the
// bank), all within the firing. A window (off, len; len 0: none) looks up
// off + crd instead, N where that lies outside the level. Inputs 0 crd_in,
// 1 ref_in; outputs 0 crd,
// 1 ref. SRAM as the scanner's. Ready/valid rule: see ff_core_ports.svh.
module ff_core_locate
  import ff_pkg::*;
  import ff_config_pkg::*;
#(
  parameter int unsigned Words = 256,  // SRAM words, a power of two
  parameter int unsigned MaxBlock = 0,  // largest block edge of the array (the block port's width); 0: none
  localparam int unsigned Kind = KIND_LOCATE,  // the port counts
  localparam int unsigned BW = (MaxBlock > 0) ? MaxBlock * MaxBlock : 1
) (
`include "ff_core_ports.svh"
);

  // The bundle ports (ff_core_ports.svh) this kind does not use.
  assign {ovf_o, count0_o, count1_o, blk_req_o, blk_wdata_o} = '0;
  logic unused_bundle;
  assign unused_bundle = ^{rst_ni, conn_i, blk_rd_data_i, blk_handle_i};

  localparam int unsigned AW = $clog2(Words);

  logic        compressed, bad_ref, bad;
  logic [31:0] dim, crd_base, nseg, ncrd, rv, cv, lo, hi, a, probe, off, len, tv;
  logic signed [33:0] at;  // the level's coordinate looked up
  logic        outside;    // ... lies outside the level: absent
  logic [63:0] lo64;
  logic [Words-1:0][31:0] mem;
  tok_t        c, r, out_ref;

  assign compressed = cfg_i[LOCATE_FORMAT_REG][LOCATE_FORMAT_LSB];
  assign dim        = cfg_i[LOCATE_DIM_REG];
  assign crd_base   = cfg_i[LOCATE_CRD_BASE_REG];
  assign nseg       = cfg_i[LOCATE_NSEG_REG];
  assign ncrd       = cfg_i[LOCATE_NCRD_REG];
  assign off        = cfg_i[LOCATE_OFF_REG];
  assign len        = cfg_i[LOCATE_LEN_REG];
  assign at         = $signed({2'b0, cv}) + $signed({{2{off[31]}}, off});
  assign outside    = at < 34'sd0 || at > 34'sh0_ffff_ffff || (!compressed && at >= $signed({2'b0, dim}));
  assign tv         = at[31:0];
  assign c          = in_data_i[0];
  assign r          = in_data_i[1];
  assign cv         = payload(c);
  assign rv         = payload(r);

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

`include "ff_core_search.svh"

  always_comb begin
    lo64    = 64'(rv) * 64'(dim);
    bad_ref = 1'b0;
    if (compressed) begin
      lo = (32'(rv) < Words) ? mem[rv[AW-1:0]] : 32'd0;
      hi = (32'(rv) + 32'd1 < Words) ? mem[AW'(rv + 32'd1)] : 32'd0;
      if (64'(rv) + 64'd1 >= 64'(nseg) || 64'(rv) + 64'd1 >= 64'(Words) || lo > hi || hi > ncrd ||
          64'(crd_base) + 64'(hi) > 64'(Words))
        bad_ref = 1'b1;
    end else begin
      lo = lo64[31:0];
      hi = lo64[31:0] + dim;
      if (lo64 + 64'(dim) > 64'h0000_0000_ffff_ffff) bad_ref = 1'b1;
    end
    // binary search of [lo, hi) for tv
    a     = crd_lower_bound(mem, crd_base, lo, hi, tv);
    probe = crd_at(mem, crd_base, a);
  end

  always_comb begin
    bad     = 1'b0;
    out_ref = TokN;
    fin_o   = 1'b0;
    if (is_data(c) && is_data(r)) begin
      if (bad_ref || (len != 32'd0 && cv >= len) || (len == 32'd0 && !compressed && cv >= dim)) bad = 1'b1;
      else if (outside) out_ref = TokN;
      else if (!compressed) out_ref = tok_data(lo + tv);
      else if (a < hi && probe == tv) begin
        out_ref = tok_data(a);
      end
    end else if (is_empty(c) || is_empty(r)) begin
      if (!is_elem(c) || !is_elem(r)) bad = 1'b1;
    end else if (c == r && (is_stop(c) || is_done(c))) begin
      out_ref = c;
      fin_o   = is_done(c);
    end else begin
      bad = 1'b1;
    end
  end

  // The off-chip port's words (docs/timing.md section 4): a data pair reads
  // seg[r], seg[r+1] and the whole fiber crd[lo..hi), each clamped to its
  // region (what lies past it is an error once the region is there).
  logic [63:0] seg_need;
  logic [31:0] hi_in, crd_need;
  logic        mem_ok;
  assign seg_need = (64'(rv) + 64'd2 < 64'(nseg)) ? 64'(rv) + 64'd2 : 64'(nseg);
  assign hi_in    = (64'(rv) + 64'd1 < 64'(nseg)) ? hi : 32'd0;
  assign crd_need = (hi_in < ncrd) ? hi_in : ncrd;
  assign mem_ok   = !(compressed && is_data(c) && is_data(r)) ||
                    (seg_need <= 64'(mp_avail_i[0]) && crd_need <= mp_avail_i[1]);

  always_comb begin
    in_pop_o   = '0;
    out_push_o = '0;
    out_data_o = '0;
    fire_o     = 1'b0;
    err_o      = 1'b0;
    mp_wait_o  = 1'b0;
    if (en_i && in_valid_i[0] && in_valid_i[1] && !mem_ok) begin
      mp_wait_o = 1'b1;
    end else if (en_i && in_valid_i[0] && in_valid_i[1] && out_ready_i[0] && out_ready_i[1]) begin
      if (bad) begin
        err_o = 1'b1;
      end else begin
        fire_o     = 1'b1;
        in_pop_o   = 2'b11;
        out_push_o = 2'b11;
        out_data_o = {out_ref, c};
      end
    end
  end

  logic unused_cfg;
  assign unused_cfg = ^{cfg_i, mem_addr_i, lo64};

endmodule
