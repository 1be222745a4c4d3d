// ff_core_alu.sv -- ALU (docs/timing.md "alu"): binary ops need both heads,
// unary ops and the immediate (scalar) variant only a. Values combine (N
// reads as 0); equal control tokens pass once; D finishes. Inputs 0 a, 1 b.
// Block mode (blk > 0, arrays with a block store): values are block
// handles (N = the zero block); a firing reads both blocks from the store,
// computes the whole result block (ff_block_alu), allocates it and writes
// it, and emits its handle (docs/tokens.md "Block values").
// Ready/valid rule: see ff_core_ports.svh.
module ff_core_alu
  import ff_pkg::*;
  import ff_config_pkg::*;
#(
  parameter int unsigned MaxBlock = 0,  // largest block edge; 0: scalar only
  localparam int unsigned Kind = KIND_ALU,  // the port counts
  localparam int unsigned BW = (MaxBlock > 0) ? MaxBlock * MaxBlock : 1
) (
`include "ff_core_ports.svh"
);

  // The bundle ports (ff_core_ports.svh) this kind does not use.
  assign {ovf_o, count0_o, count1_o, mem_rdata_o} = '0;
  logic unused_bundle;
  assign unused_bundle = ^{clk_i, rst_ni, conn_i, mem_we_i, mem_addr_i, mem_wdata_i};
  // no off-chip reads (writers' ports are the tile's: ff_mport)
  assign mp_wait_o = 1'b0;
  logic unused_mport;
  assign unused_mport = ^mp_avail_i;

  logic [3:0]  op;
  logic        has_imm, unary;
  logic [4:0]  frac;
  logic [31:0] imm, y;
  tok_t        a, b, res;

  assign op      = cfg_i[ALU_OP_REG][ALU_OP_LSB +: ALU_OP_W];
  assign has_imm = cfg_i[ALU_HAS_IMM_REG][ALU_HAS_IMM_LSB];
  assign frac    = cfg_i[ALU_FRAC_BITS_REG][ALU_FRAC_BITS_LSB +: ALU_FRAC_BITS_W];
  assign imm     = cfg_i[ALU_IMM_REG];
  // FF_ALU_OPS arity: ops 0..5 are binary, 6..10 unary
  assign unary   = (op >= 4'd6) || has_imm;
  assign a       = in_data_i[0];
  assign b       = unary ? a : in_data_i[1];

  ff_alu_unit u_unit (
    .op_i  (op),
    .a_i   (value_of(a)),
    .b_i   (unary ? imm : value_of(b)),
    .frac_i(frac),
    .y_o   (y)
  );

  // ---- block mode -------------------------------------------------------

  logic        block_mode, take_block;
  logic [6:0]  bsize;
  logic [31:0] bwords;

  assign bsize      = cfg_i[ALU_BLK_REG][ALU_BLK_LSB +: ALU_BLK_W];
  assign block_mode = (MaxBlock > 0) && (bsize != 7'd0);

  // (idle lanes pass: a scalar op such as exp is not evaluated MaxBlock^2
  // more times every cycle in simulation)
  ff_block_alu #(.MaxB(MaxBlock)) u_block (
    .op_i   (block_mode ? op : 4'd10),
    .unary_i(unary),
    .imm_i  (imm),
    .frac_i (frac),
    .b_i    (bsize),
    .la_i   (cfg_i[ALU_BLA_REG][ALU_BLA_LSB +: ALU_BLA_W]),
    .lb_i   (cfg_i[ALU_BLB_REG][ALU_BLB_LSB +: ALU_BLB_W]),
    .no_i   (cfg_i[ALU_BNO_REG][ALU_BNO_LSB +: ALU_BNO_W]),
    .a_i    (blk_rd_data_i[0]),
    .bb_i   (blk_rd_data_i[1]),
    .y_o    (blk_wdata_o),
    .words_o(bwords)
  );

  // a firing that combines two values makes a block
  assign take_block = block_mode && fire_o && is_elem(a) && is_elem(b);
  assign blk_req_o  = blk_request(unary ? 32'd0 : value_of(b), value_of(a), take_block, bwords,
                                  cfg_i[ALU_RANK_REG][ALU_RANK_LSB +: ALU_RANK_W], take_block,
                                  '0, bwords);  // written at the handle granted

  assign res = !(is_elem(a) && is_elem(b)) ? a : block_mode ? tok_data(blk_handle_i) : tok_data(y);

  always_comb begin
    in_pop_o   = '0;
    out_push_o = '0;
    fire_o     = 1'b0;
    fin_o      = 1'b0;
    err_o      = 1'b0;
    if (en_i && in_valid_i[0] && (unary || in_valid_i[1]) && out_ready_i[0]) begin
      if (!(is_elem(a) && is_elem(b)) && a != b) begin
        err_o = 1'b1;  // value streams not aligned
      end else begin
        fire_o        = 1'b1;
        in_pop_o[0]   = 1'b1;
        in_pop_o[1]   = !unary;
        out_push_o[0] = 1'b1;
        fin_o         = !(is_elem(a) && is_elem(b)) && is_done(a);
      end
    end
  end

  // (outside the always block: whether to fire must not look like it
  // depends on the handle the block store grants)
  assign out_data_o[0] = out_push_o[0] ? res : '0;

  logic unused_cfg;
  assign unused_cfg = ^cfg_i;

endmodule
