// ff_core_array.sv -- value array load (docs/timing.md "array"): data r loads
// vals[r], N loads 0, stops and D pass. Stateless; SRAM vals at word 0.
// Block mode (blk > 0): the values are whole blocks in the array's block
// store from handle `base` on (the loader puts them there); data r loads
// the handle of block r, base + r * B^bdims, N the zero block's (0), and
// nvals counts blocks.
// Ready/valid rule: see ff_core_ports.svh.
module ff_core_array
  import ff_pkg::*;
  import ff_config_pkg::*;
#(
  parameter int unsigned Words = 256,  // SRAM words, a power of two
  parameter int unsigned MaxBlock = 0,  // largest block edge of the array (the block port's width); 0: none
  localparam int unsigned Kind = KIND_ARRAY,  // the port counts
  localparam int unsigned BW = (MaxBlock > 0) ? MaxBlock * MaxBlock : 1
) (
`include "ff_core_ports.svh"
);

  // The bundle ports (ff_core_ports.svh) this kind does not use.
  assign {ovf_o, count0_o, count1_o, blk_req_o, blk_wdata_o} = '0;
  logic unused_bundle;
  assign unused_bundle = ^{rst_ni, conn_i, blk_rd_data_i, blk_handle_i};

  localparam int unsigned AW = $clog2(Words);

  logic [31:0] nvals, rv, bhandle;
  logic        block_mode;
  logic [Words-1:0][31:0] mem;
  tok_t        t, v;

  assign nvals = cfg_i[ARRAY_NVALS_REG];
  assign t     = in_data_i[0];
  assign rv    = payload(t);
  assign block_mode = cfg_i[ARRAY_BLK_REG][ARRAY_BLK_LSB +: ARRAY_BLK_W] != '0;
  assign bhandle = cfg_i[ARRAY_BASE_REG]
                 + rv * blk_words(cfg_i[ARRAY_BLK_REG][ARRAY_BLK_LSB +: ARRAY_BLK_W],
                                  cfg_i[ARRAY_BDIMS_REG][ARRAY_BDIMS_LSB +: ARRAY_BDIMS_W]);
  assign v     = is_data(t) ? tok_data(block_mode ? bhandle : (rv < Words) ? mem[rv[AW-1:0]] : 32'd0)
               : is_empty(t) ? tok_data(32'd0) : t;

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

  // The off-chip port's words (docs/timing.md section 4): data r reads
  // vals[r] (clamped to the array: past it is an error once all is there).
  logic [63:0] need;
  logic        mem_ok;
  assign need   = (64'(rv) + 64'd1 < 64'(nvals)) ? 64'(rv) + 64'd1 : 64'(nvals);
  assign mem_ok = block_mode || !is_data(t) || need <= 64'(mp_avail_i[0]);
  logic unused_avail1;
  assign unused_avail1 = ^mp_avail_i[1];

  always_comb begin
    in_pop_o   = '0;
    out_push_o = '0;
    out_data_o = '0;
    fire_o     = 1'b0;
    fin_o      = 1'b0;
    err_o      = 1'b0;
    mp_wait_o  = 1'b0;
    if (en_i && in_valid_i[0] && !mem_ok) begin
      mp_wait_o = 1'b1;
    end else if (en_i && in_valid_i[0] && out_ready_i[0]) begin
      if (is_data(t) && (rv >= nvals || (!block_mode && rv >= Words))) begin
        err_o = 1'b1;  // reference outside the value array
      end else begin
        fire_o        = 1'b1;
        in_pop_o[0]   = 1'b1;
        out_push_o[0] = 1'b1;
        out_data_o[0] = v;
        fin_o         = is_done(t);
      end
    end
  end

  logic unused_cfg;
  assign unused_cfg = ^{cfg_i, mem_addr_i};

endmodule
