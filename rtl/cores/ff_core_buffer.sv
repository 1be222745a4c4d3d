// ff_core_buffer.sv -- the stream buffer (docs/timing.md "buffer"): a ring
// of (crd, val) token pairs with n FIFO readers, or one reader that replays
// each fiber once per R of the repeat signal (replay mode, rep connected).
// Inputs 0 crd_in, 1 val_in, 2 rep; outputs crd0..crd3 (0..3), val0..val3
// (4..7): reader k pushes on k and 4 + k.
//
// Storage: the tile's Words / 2 ring slots, each a (crd, val) pair of whole
// 34-bit tokens, in two unpacked arrays of the core's own -- not an ff_sram,
// whose 32-bit words would need the kind bits in a tag array beside it, and
// whose every-word output makes a reader's entry a slice of one wide vector
// rather than an indexed read. Nothing is loaded into the ring;
// the host port reads the payloads back (word 2s: slot s's crd, 2s+1: its
// val) and ignores writes. The capacity is the config register `entries`
// (the arch's buffer_words / 2), with 0 or more than the tile holds reading
// as the tile's storage.
//
// Positions are 32-bit counts of entries (wr, rd[k], fstart) as in the C
// model; slot = position mod (Words / 2), and since the live entries never
// span more than the capacity, a distance wr - rd (mod 2^32) is the count.
// The write side and every read port decide from the registers at the start
// of the cycle: an entry written in cycle t is readable from t+1, a slot
// freed in cycle t writable from t+1. Latency 0: the read ports share no
// pipeline (the back end and the C model refuse a latency).
// Ready/valid rule: see ff_core_ports.svh.
module ff_core_buffer
  import ff_pkg::*;
  import ff_config_pkg::*;
#(
  parameter int unsigned Words = 256,  // SRAM words, a power of two: Words / 2 entries
  parameter int unsigned MaxBlock = 0,  // largest block edge of the array (the block port's width); 0: none
  localparam int unsigned Kind = KIND_BUFFER,  // the port counts
  localparam int unsigned BW = (MaxBlock > 0) ? MaxBlock * MaxBlock : 1
) (
`include "ff_core_ports.svh"
);

  // The bundle ports (ff_core_ports.svh) this kind does not use.
  assign {count0_o, count1_o, blk_req_o, blk_wdata_o} = '0;
  logic unused_bundle;
  assign unused_bundle = ^{conn_i[1:0], mem_we_i, mem_wdata_i, blk_rd_data_i, blk_handle_i};
  // no off-chip reads (writers' ports are the tile's: ff_mport)
  assign mp_wait_o = 1'b0;
  logic unused_mport;
  assign unused_mport = ^mp_avail_i;

  localparam int unsigned Slots   = Words / 2;                 // the entries the tile holds
  localparam int unsigned SW      = (Slots > 1) ? $clog2(Slots) : 1;  // slot index bits
  localparam int unsigned Phys    = 1 << SW;                   // Slots, but 2 when it is 1
  localparam int unsigned Readers = 4;                      // ff_prims.def n:int(1..4)
  localparam int unsigned InCrd = 0, InVal = 1, InRep = 2;

  typedef enum logic [1:0] {Idle, Pass, Skip, Done} replay_e;

  // ---- configuration ------------------------------------------------------

  logic [2:0]  n_cfg;
  logic        replay;
  logic [31:0] entries_cfg, cap;
  logic [2:0]  nread;
  logic        bad_cfg;

  assign n_cfg       = cfg_i[BUFFER_N_REG][BUFFER_N_LSB +: BUFFER_N_W];
  assign replay      = cfg_i[BUFFER_REPLAY_REG][BUFFER_REPLAY_LSB];
  assign entries_cfg = cfg_i[BUFFER_ENTRIES_REG][BUFFER_ENTRIES_LSB +: BUFFER_ENTRIES_W];
  assign nread       = (n_cfg == 3'd0) ? 3'd1 : (n_cfg > 3'(Readers)) ? 3'(Readers) : n_cfg;
  assign cap         = (entries_cfg == 32'd0 || entries_cfg > Slots) ? Slots : entries_cfg;
  // The mode is the register; a rep input that disagrees with it, or a
  // replaying buffer with more than one reader, is a configuration the C
  // model refuses at init -- here a contract violation before anything moves.
  assign bad_cfg     = (replay != conn_i[InRep]) || (replay && nread != 3'd1);

  // ---- state ----------------------------------------------------------------

  logic [31:0]              wr_q, wr_d, fstart_q, fstart_d;
  logic [Readers-1:0][31:0] rd_q, rd_d;
  logic [Readers-1:0]       rdone_q, rdone_d;
  logic                     wdone_q, wdone_d;
  replay_e                  rstate_q, rstate_d;

  // ---- storage ----------------------------------------------------------------

  tok_t          crd_q [Phys];
  tok_t          val_q [Phys];
  logic          we;
  logic [SW-1:0] wslot, hslot;
  tok_t          in_crd, in_val;

  assign in_crd = in_data_i[InCrd];
  assign in_val = in_data_i[InVal];
  assign wslot  = wr_q[SW-1:0];

  // No reset: a slot is read only after it was written.
  always_ff @(posedge clk_i) begin
    if (we) begin
      crd_q[wslot] <= in_crd;
      val_q[wslot] <= in_val;
    end
  end

  // The host port (run_i low): payloads only, the low address bits.
  assign hslot       = mem_addr_i[SW:1];
  assign mem_rdata_o = mem_addr_i[0] ? payload(val_q[hslot]) : payload(crd_q[hslot]);

  // The entry at each reader's position (reader 0's is the replay reader's).
  tok_t [Readers-1:0] ent_crd, ent_val;
  always_comb begin
    for (int unsigned k = 0; k < Readers; k++) begin
      ent_crd[k] = crd_q[rd_q[k][SW-1:0]];
      ent_val[k] = val_q[rd_q[k][SW-1:0]];
    end
  end

  // ---- the write side ---------------------------------------------------------

  // Entries some reader still needs: from the oldest position a reader not
  // finished holds (replay: the current fiber's first) to wr.
  logic [31:0] used;
  always_comb begin
    used = 32'd0;
    if (replay) begin
      used = wr_q - fstart_q;
    end else begin
      for (int unsigned k = 0; k < Readers; k++)
        if (3'(k) < nread && !rdone_q[k] && wr_q - rd_q[k] > used) used = wr_q - rd_q[k];
    end
  end

  logic w_valid, w_bad, w_full, w_fire;
  assign w_valid = !wdone_q && in_valid_i[InCrd] && in_valid_i[InVal];
  assign w_bad   = w_valid && !(is_elem(in_crd) && is_elem(in_val)) && in_crd != in_val;  // misaligned
  assign w_full  = w_valid && !w_bad && used >= cap;
  assign w_fire  = w_valid && !w_bad && !w_full;

  // ---- the readers ------------------------------------------------------------

  // FIFO reader k: the next entry, if written before this cycle.
  logic [Readers-1:0] f_fire;
  always_comb begin
    for (int unsigned k = 0; k < Readers; k++)
      f_fire[k] = !replay && 3'(k) < nread && !rdone_q[k] && rd_q[k] != wr_q && out_ready_i[k] &&
                  out_ready_i[Readers + k];
  end

  // The replay reader (reader 0): one action per cycle. Idle keeps
  // rd = fstart (it enters Idle with both past the closing stop), so the
  // entry at rd is the entry at fstart there.
  logic        r_fire, r_err, r_ovf, r_push, r_pop;
  logic [31:0] r_rd;  // the replay reader's next position
  tok_t        r_crd, r_val, rep, ec;
  logic out0;

  assign rep  = in_data_i[InRep];
  assign ec   = ent_crd[0];
  assign out0 = out_ready_i[0] && out_ready_i[Readers];

  always_comb begin
    r_fire   = 1'b0;
    r_err    = 1'b0;
    r_ovf    = 1'b0;
    r_push   = 1'b0;
    r_pop    = 1'b0;
    r_crd    = '0;
    r_val    = '0;
    rstate_d = rstate_q;
    fstart_d = fstart_q;
    r_rd     = rd_q[0];
    if (replay) begin
      case (rstate_q)
        Idle: begin
          if (in_valid_i[InRep]) begin
            if (is_data(rep)) begin
              // R: a pass over the fiber begins
              r_fire   = 1'b1;
              r_pop    = 1'b1;
              rstate_d = Pass;
            end else if (is_stop(rep)) begin
              // a group with no R: walk the fiber to its stop, pushing nothing
              r_fire   = 1'b1;
              rstate_d = Skip;
            end else if (!is_done(rep)) begin
              r_err = 1'b1;  // N: a repeat signal has no empty token
            end else if (fstart_q != wr_q) begin
              // D: the buffered stream must end here too
              if (!is_done(ec)) begin
                r_err = 1'b1;
              end else if (out0) begin
                r_fire   = 1'b1;
                r_pop    = 1'b1;
                r_push   = 1'b1;
                r_crd    = TokD;
                r_val    = TokD;
                fstart_d = fstart_q + 32'd1;
                rstate_d = Done;
              end
            end
          end
        end
        Pass, Skip: begin
          if (rd_q[0] == wr_q) begin
            // Waiting for the fiber's next entry. With the ring full it can
            // never come: the fiber does not fit (the C model's error).
            r_ovf = w_full;
          end else if (is_done(ec)) begin
            r_err = 1'b1;  // the stream ended inside a fiber the signal still walks
          end else if (is_elem(ec)) begin
            if (rstate_q == Skip) begin
              r_fire  = 1'b1;
              r_rd = rd_q[0] + 32'd1;
            end else if (out0) begin
              r_fire  = 1'b1;
              r_push  = 1'b1;
              r_crd   = ec;
              r_val   = ent_val[0];
              r_rd = rd_q[0] + 32'd1;
            end
          end else if (in_valid_i[InRep]) begin
            // the fiber's closing stop Sj: the signal says another pass or the end
            if (is_data(rep) && rstate_q == Pass) begin
              if (out0) begin
                r_fire  = 1'b1;
                r_pop   = 1'b1;
                r_push  = 1'b1;
                r_crd   = tok_stop(32'd0);
                r_val   = tok_stop(32'd0);
                r_rd = fstart_q;
              end
            end else if (!is_stop(rep) || rep != ec) begin
              r_err = 1'b1;
            end else if (out0) begin
              r_fire   = 1'b1;
              r_pop    = 1'b1;
              r_push   = 1'b1;
              r_crd    = tok_stop(payload(ec) + 32'd1);
              r_val    = tok_stop(payload(ec) + 32'd1);
              r_rd     = rd_q[0] + 32'd1;
              fstart_d = rd_q[0] + 32'd1;  // the fiber is freed
              rstate_d = Idle;
            end
          end
        end
        default: ;  // Done
      endcase
    end
  end

  // ---- the firing ---------------------------------------------------------------

  logic err, ovf, fire, readers_done;

  assign err  = en_i && (bad_cfg || w_bad || r_err);
  assign ovf  = en_i && !err && r_ovf;
  assign fire = en_i && !err && (w_fire || r_fire || f_fire != '0);

  always_comb begin
    wr_d       = wr_q;
    wdone_d    = wdone_q;
    rdone_d    = rdone_q;
    rd_d       = rd_q;
    in_pop_o   = '0;
    out_push_o = '0;
    out_data_o = '0;
    we         = 1'b0;
    if (fire) begin
      if (w_fire) begin
        we                = 1'b1;
        in_pop_o[InCrd]   = 1'b1;
        in_pop_o[InVal]   = 1'b1;
        wr_d              = wr_q + 32'd1;
        wdone_d           = is_done(in_crd);
      end
      if (replay) begin
        rd_d[0]         = r_rd;
        in_pop_o[InRep] = r_pop;
        if (r_push) begin
          out_push_o[0]       = 1'b1;
          out_push_o[Readers] = 1'b1;
          out_data_o[0]       = r_crd;
          out_data_o[Readers] = r_val;
        end
      end else begin
        for (int unsigned k = 0; k < Readers; k++)
          if (f_fire[k]) begin
            out_push_o[k]           = 1'b1;
            out_push_o[Readers + k] = 1'b1;
            out_data_o[k]           = ent_crd[k];
            out_data_o[Readers + k] = ent_val[k];
            rd_d[k]                 = rd_q[k] + 32'd1;
            rdone_d[k]              = is_done(ent_crd[k]);
          end
      end
    end
  end

  // The node finishes when the write side and every reader have.
  always_comb begin
    readers_done = 1'b1;
    if (replay) readers_done = (rstate_d == Done);
    else
      for (int unsigned k = 0; k < Readers; k++)
        if (3'(k) < nread && !rdone_d[k]) readers_done = 1'b0;
  end

  assign fire_o = fire;
  assign fin_o  = fire && wdone_d && readers_done;
  assign err_o  = err;
  assign ovf_o  = ovf;

  // The readers' registers move only in a firing (the replay reader's
  // next-state above is computed whether or not it fires).
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_q     <= '0;
      wdone_q  <= 1'b0;
      rd_q     <= '0;
      rdone_q  <= '0;
      fstart_q <= '0;
      rstate_q <= Idle;
    end else if (fire) begin
      wr_q     <= wr_d;
      wdone_q  <= wdone_d;
      rd_q     <= rd_d;
      rdone_q  <= rdone_d;
      fstart_q <= fstart_d;
      rstate_q <= rstate_d;
    end
  end

`ifdef FF_ASSERTIONS
  always_ff @(posedge clk_i) begin
    if (rst_ni && replay && rstate_q == Idle)
      assert (rd_q[0] == fstart_q) else $error("ff_core_buffer: idle replay reader off its fiber's start");
  end
`endif

  logic unused_cfg;
  assign unused_cfg = ^{cfg_i, mem_addr_i};  // the fields above; the host address's high bits

endmodule
