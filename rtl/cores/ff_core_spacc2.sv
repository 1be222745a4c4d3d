// ff_core_spacc2.sv -- sparse accumulator, order 2 (docs/timing.md
// "spacc2"). Points in any order are summed, in arrival order, into a dense
// (dim_outer x 2^inner_shift) accumulator in the SRAM with an occupancy
// bitmap; after the three D's, EMIT takes occupied slots in increasing
// (outer, inner) order, one per cycle, with a priority encoder -- the order
// and sums of the C model's sort-and-merge. Inputs/outputs 0 crd_outer,
// 1 crd_inner, 2 val.
// Block mode (blk > 0): values are block handles and the SRAM holds them;
// a point that meets an occupied slot sums the two blocks into a new one
// (allocated, written, its handle stored), as the C model's acc_add does --
// which in block mode sums on arrival too. Ready/valid rule: see
// ff_core_ports.svh.
module ff_core_spacc2
  import ff_pkg::*;
  import ff_config_pkg::*;
#(
  parameter int unsigned Words = 256,   // SRAM words (slots), a power of two
  parameter int unsigned MaxBlock = 0,  // largest block edge; 0: scalar only
  localparam int unsigned Kind = KIND_SPACC2,  // the port counts
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
  typedef enum logic [1:0] {Accum, Emit, Close, Done} state_e;

  state_e          state_q, state_d;
  logic [Words-1:0] used_q, used_d, rest;
  logic            first_q, first_d;
  logic [31:0]     dim_outer, dim_inner, oc, ic, inner_mask, low_outer, low_inner, next_outer;
  logic [4:0]      shift;
  logic [63:0]     slot64;
  logic [AW-1:0]   slot, low, next;
  logic            heads, ndone, point, ready_all, last;
  logic [Words-1:0][31:0] mem;
  logic            a_we;
  logic [31:0]     a_wdata, a_wdata_c;
  tok_t            o, i, v;
  logic            sum, block_mode;  // this firing sums two blocks

  assign dim_outer  = cfg_i[SPACC2_DIM_OUTER_REG];
  assign dim_inner  = cfg_i[SPACC2_DIM_INNER_REG];
  assign shift      = cfg_i[SPACC2_INNER_SHIFT_REG][SPACC2_INNER_SHIFT_LSB +: SPACC2_INNER_SHIFT_W];
  assign inner_mask = (32'd1 << shift) - 32'd1;
  assign o          = in_data_i[0];
  assign i          = in_data_i[1];
  assign v          = in_data_i[2];
  assign oc         = payload(o);
  assign ic         = payload(i);
  assign slot64     = (64'(oc) << shift) | 64'(ic);
  assign slot       = slot64[AW-1:0];
  assign heads      = &in_valid_i;
  assign ndone      = is_done(o) && is_done(i) && is_done(v);
  assign point      = !is_done(o) && !is_done(i) && !is_done(v) && is_data(o) && is_data(i) && is_elem(v);
  assign ready_all  = &out_ready_i;

  ff_sram #(.Words(Words)) u_sram (
    .clk_i      (clk_i),
    .a_we_i     (a_we),
    .a_addr_i   (slot),
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

  // the lowest occupied slot and the one after it: the group ends when the
  // next occupied slot lies in another row
  always_comb begin
    low = '0;
    for (int k = Words - 1; k >= 0; k--) if (used_q[k]) low = AW'(k);
    rest = used_q;
    rest[low] = 1'b0;
    next = '0;
    for (int k = Words - 1; k >= 0; k--) if (rest[k]) next = AW'(k);
    low_outer  = 32'(low) >> shift;
    low_inner  = 32'(low) & inner_mask;
    next_outer = 32'(next) >> shift;
    last       = (rest == '0) || (next_outer != low_outer);
  end

  always_comb begin
    state_d    = state_q;
    used_d     = used_q;
    first_d    = first_q;
    in_pop_o   = '0;
    out_push_o = '0;
    out_data_o = '0;
    fire_o     = 1'b0;
    fin_o      = 1'b0;
    err_o      = 1'b0;
    ovf_o      = 1'b0;
    a_we       = 1'b0;
    a_wdata_c  = '0;
    sum        = 1'b0;
    if (en_i) begin
      case (state_q)
        Accum: begin
          if (heads) begin
            if (!ndone && !point) begin
              err_o = 1'b1;  // not aligned point streams
            end else if (ndone) begin
              fire_o  = 1'b1;
              first_d = 1'b1;
              state_d = (used_q != '0) ? Emit : Close;
            end else if (oc >= dim_outer || ic >= dim_inner) begin
              err_o = 1'b1;  // point outside the accumulator
            end else if (slot64 >= 64'(Words) || ic > inner_mask) begin
              ovf_o = 1'b1;
              err_o = 1'b1;
            end else begin
              fire_o       = 1'b1;
              in_pop_o     = 3'b111;
              a_we         = 1'b1;
              a_wdata_c    = used_q[slot] ? fx_add(mem[slot], value_of(v)) : value_of(v);
              sum          = block_mode && used_q[slot];
              used_d[slot] = 1'b1;
            end
          end
        end
        Emit: begin
          if (ready_all) begin
            fire_o        = 1'b1;
            out_push_o    = {2'b11, first_q};
            out_data_o[0] = first_q ? tok_data(low_outer) : '0;
            out_data_o[1] = tok_data(low_inner);
            out_data_o[2] = tok_data(mem[low]);
            used_d        = rest;
            first_d       = 1'b0;
            if (last) state_d = Close;
          end
        end
        Close: begin
          if (ready_all) begin
            fire_o = 1'b1;
            if (used_q != '0) begin
              out_push_o = 3'b110;
              out_data_o = {tok_stop(32'd0), tok_stop(32'd0), 34'd0};
              first_d    = 1'b1;
              state_d    = Emit;
            end else begin
              out_push_o = 3'b111;
              out_data_o = {tok_stop(32'd1), tok_stop(32'd1), tok_stop(32'd0)};
              state_d    = Done;
            end
          end
        end
        default: begin
          if (ready_all) begin
            fire_o     = 1'b1;
            in_pop_o   = 3'b111;
            out_push_o = 3'b111;
            out_data_o = {TokD, TokD, TokD};
            fin_o      = 1'b1;
          end
        end
      endcase
    end
  end

  // ---- block mode -------------------------------------------------------

  logic [6:0]  bsize;
  logic [31:0] bwords;

  assign bsize      = cfg_i[SPACC2_BLK_REG][SPACC2_BLK_LSB +: SPACC2_BLK_W];
  assign block_mode = (MaxBlock > 0) && (bsize != 7'd0);

  ff_block_sum #(.MaxB(MaxBlock)) u_sum (
    .b_i    (bsize),
    .dims_i (cfg_i[SPACC2_BDIMS_REG][SPACC2_BDIMS_LSB +: SPACC2_BDIMS_W]),
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
  assign blk_req_o = blk_request(value_of(v), mem[slot], sum, bwords,
                                 cfg_i[SPACC2_RANK_REG][SPACC2_RANK_LSB +: SPACC2_RANK_W], sum, '0, bwords);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= Accum;
      used_q  <= '0;
      first_q <= 1'b0;
    end else begin
      state_q <= state_d;
      used_q  <= used_d;
      first_q <= first_d;
    end
  end

  logic unused_cfg;
  assign unused_cfg = ^{cfg_i, mem_addr_i, slot64};

endmodule
