// ff_core_spacc1.sv -- sparse accumulator, order 1 (docs/timing.md
// "spacc1"). Two banks of Words slots in the SRAM (bank b's acc[i] at word
// b * Words + i), each with an occupancy bitmap: the accumulator fills one
// while the emitter (IDLE | EMIT | CLOSE | DONE) empties the other, taking
// the occupied slots in increasing order, one per cycle, with a priority
// encoder (the C model's sorted list). Inputs/outputs 0 crd_outer, 1 crd_inner, 2 val.
// Block mode (blk > 0): values are block handles and the SRAM holds them;
// a point that meets an occupied slot sums the two blocks into a new one
// (allocated, written, its handle stored), as the C model's acc_add does.
// Ready/valid rule: see ff_core_ports.svh.
module ff_core_spacc1
  import ff_pkg::*;
  import ff_config_pkg::*;
#(
  parameter int unsigned Words = 64,    // SRAM words (slots), a power of two
  parameter int unsigned MaxBlock = 0,  // largest block edge; 0: scalar only
  localparam int unsigned Kind = KIND_SPACC1,  // the port counts
  localparam int unsigned BW = (MaxBlock > 0) ? MaxBlock * MaxBlock : 1
) (
`include "ff_core_ports.svh"
);

  // The bundle ports (ff_core_ports.svh) this kind does not use.
  assign {count0_o, count1_o} = '0;
  logic unused_bundle;
  assign unused_bundle = ^{conn_i};
  // no off-chip reads (writers' ports are the tile's: ff_mport)
  assign mp_wait_o = 1'b0;
  logic unused_mport;
  assign unused_mport = ^mp_avail_i;

  localparam int unsigned AW = $clog2(Words);
  typedef enum logic [1:0] {Idle, Emit, Close, Done} emit_e;

  // the accumulator: its bank, its group; the emitter: its state, bank, group
  emit_e           em_q, em_d;
  logic            ab_q, ab_d, eb_q, eb_d, handed_q, handed_d;
  logic [1:0][Words-1:0] used_q, used_d;
  logic [Words-1:0] rest;
  logic            has_outer_q, has_outer_d, final_q, final_d, first_q, first_d;
  logic [31:0]     outer_q, outer_d, eouter_q, eouter_d, dim, c;
  logic [AW-1:0]   low;
  logic            heads, ndone, point, ready_all;
  logic            a_we;
  logic [AW:0]     a_addr;
  logic [31:0]     a_wdata, a_wdata_c, acc_old;
  logic [2*Words-1:0][31:0] mem;
  tok_t            o, i, v;
  logic            sum, block_mode;  // this firing sums two blocks
  logic            e_fire, a_fire, a_err, a_ovf;

  assign dim       = cfg_i[SPACC1_DIM_REG];
  assign o         = in_data_i[0];
  assign i         = in_data_i[1];
  assign v         = in_data_i[2];
  assign c         = payload(i);
  assign heads     = &in_valid_i;
  assign ndone     = is_done(o) && is_done(i) && is_done(v);
  assign point     = !is_done(o) && !is_done(i) && !is_done(v) && is_data(o) && is_data(i) && is_elem(v);
  assign ready_all = &out_ready_i;
  assign a_addr    = {ab_q, c[AW-1:0]};
  assign acc_old   = mem[a_addr];

  // Two banks of Words slots: bank b's slot k at word b * Words + k.
  ff_sram #(.Words(2 * Words)) u_sram (
    .clk_i      (clk_i),
    .a_we_i     (a_we),
    .a_addr_i   (a_addr),
    .a_wdata_i  (a_wdata),
    .b_we_i     (1'b0),
    .b_addr_i   ('0),
    .b_wdata_i  ('0),
    .mem_we_i   (mem_we_i),
    .mem_addr_i (mem_addr_i),
    .mem_wdata_i(mem_wdata_i),
    .mem_rdata_o(mem_rdata_o),
    .mem_o      (mem)
  );

  // the emitter's lowest occupied slot
  always_comb begin
    low = '0;
    for (int k = Words - 1; k >= 0; k--) if (used_q[eb_q][k]) low = AW'(k);
    rest = used_q[eb_q];
    rest[low] = 1'b0;
  end

  // The accumulator and the emitter act independently within a cycle
  // (fire_spacc1 in prims_accum.c), each on the state at its start.
  always_comb begin
    em_d        = em_q;
    ab_d        = ab_q;
    eb_d        = eb_q;
    handed_d    = handed_q;
    used_d      = used_q;
    has_outer_d = has_outer_q;
    final_d     = final_q;
    first_d     = first_q;
    outer_d     = outer_q;
    eouter_d    = eouter_q;
    in_pop_o    = '0;
    out_push_o  = '0;
    out_data_o  = '0;
    e_fire      = 1'b0;
    a_fire      = 1'b0;
    a_err       = 1'b0;
    a_ovf       = 1'b0;
    fin_o       = 1'b0;
    a_we        = 1'b0;
    a_wdata_c   = '0;
    sum         = 1'b0;
    if (en_i) begin
      // the emitter
      if (em_q != Idle && ready_all) begin
        e_fire = 1'b1;
        case (em_q)
          Emit: begin
            out_push_o    = {2'b11, first_q};
            out_data_o[0] = first_q ? tok_data(eouter_q) : '0;
            out_data_o[1] = tok_data(32'(low));
            out_data_o[2] = tok_data(mem[{eb_q, low}]);
            used_d[eb_q]  = rest;
            first_d       = 1'b0;
            if (rest == '0) em_d = Close;
          end
          Close: begin
            if (final_q) begin
              out_push_o = 3'b111;
              out_data_o = {tok_stop(32'd1), tok_stop(32'd1), tok_stop(32'd0)};
              em_d       = Done;
            end else begin
              out_push_o = 3'b110;
              out_data_o = {tok_stop(32'd0), tok_stop(32'd0), 34'd0};
              em_d       = Idle;
            end
          end
          default: begin  // Done: the three D's wait at the heads since the hand-over
            in_pop_o   = 3'b111;
            out_push_o = 3'b111;
            out_data_o = {TokD, TokD, TokD};
            fin_o      = 1'b1;
          end
        endcase
      end
      // the accumulator
      if (!handed_q && heads) begin
        if (!ndone && !point) begin
          a_err = 1'b1;  // not aligned point streams
        end else if (is_done(o) || (has_outer_q && payload(o) != outer_q)) begin
          // the group is complete: the emitter takes it when it is idle
          if (em_q == Idle) begin
            a_fire      = 1'b1;
            eb_d        = ab_q;
            eouter_d    = outer_q;
            final_d     = is_done(o);
            first_d     = 1'b1;
            em_d        = (used_q[ab_q] != '0) ? Emit : Close;
            ab_d        = !ab_q;
            has_outer_d = 1'b0;
            handed_d    = is_done(o);
          end
        end else if (c >= dim) begin
          a_err = 1'b1;  // inner coordinate outside the accumulator
        end else if (c >= Words) begin
          a_ovf = 1'b1;
          a_err = 1'b1;
        end else begin
          a_fire                  = 1'b1;
          in_pop_o                = 3'b111;
          a_we                    = 1'b1;
          a_wdata_c               = used_q[ab_q][c[AW-1:0]] ? fx_add(acc_old, value_of(v)) : value_of(v);
          sum                     = block_mode && used_q[ab_q][c[AW-1:0]];
          used_d[ab_q][c[AW-1:0]] = 1'b1;
          outer_d                 = payload(o);
          has_outer_d             = 1'b1;
        end
      end
    end
    // a broken contract: nothing moves (the emitter's part neither)
    if (a_err) begin
      in_pop_o   = '0;
      out_push_o = '0;
      fin_o      = 1'b0;
    end
  end

  always_comb begin
    err_o  = a_err;
    ovf_o  = a_ovf;
    fire_o = !a_err && (e_fire || a_fire);
  end

  // ---- block mode -------------------------------------------------------

  logic [6:0]  bsize;
  logic [31:0] bwords;

  assign bsize      = cfg_i[SPACC1_BLK_REG][SPACC1_BLK_LSB +: SPACC1_BLK_W];
  assign block_mode = (MaxBlock > 0) && (bsize != 7'd0);

  ff_block_sum #(.MaxB(MaxBlock)) u_sum (
    .b_i    (bsize),
    .dims_i (cfg_i[SPACC1_BDIMS_REG][SPACC1_BDIMS_LSB +: SPACC1_BDIMS_W]),
    .x_i    (blk_rd_data_i[0]),
    .y_i    (blk_rd_data_i[1]),
    .sum_o  (blk_wdata_o),
    .words_o(bwords)
  );

  // a block sum stores the new block's handle (outside the always block:
  // whether to sum must not look like it depends on the handle)
  assign a_wdata   = sum ? blk_handle_i : a_wdata_c;
  // reads the accumulated block and the arriving one; writes the sum at the
  // handle granted
  assign blk_req_o = blk_request(value_of(v), acc_old, sum, bwords,
                                 cfg_i[SPACC1_RANK_REG][SPACC1_RANK_LSB +: SPACC1_RANK_W], sum, '0, bwords);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      em_q        <= Idle;
      ab_q        <= 1'b0;
      eb_q        <= 1'b0;
      handed_q    <= 1'b0;
      used_q      <= '0;
      has_outer_q <= 1'b0;
      final_q     <= 1'b0;
      first_q     <= 1'b0;
      outer_q     <= '0;
      eouter_q    <= '0;
    end else if (!err_o) begin
      em_q        <= em_d;
      ab_q        <= ab_d;
      eb_q        <= eb_d;
      handed_q    <= handed_d;
      used_q      <= used_d;
      has_outer_q <= has_outer_d;
      final_q     <= final_d;
      first_q     <= first_d;
      outer_q     <= outer_d;
      eouter_q    <= eouter_d;
    end
  end

  logic unused_cfg;
  assign unused_cfg = ^{cfg_i, mem_addr_i};

endmodule
