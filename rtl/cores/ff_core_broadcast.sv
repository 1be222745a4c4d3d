// ff_core_broadcast.sv -- broadcast (docs/timing.md "broadcast"): every token
// to all n outputs, when all n are ready. Stateless.
// Ready/valid rule: see ff_core_root.sv.
module ff_core_broadcast
  import ff_pkg::*;
  import ff_config_pkg::*;
(
  input  logic                         en_i,
  input  logic [RegsPerSlot-1:0][31:0] cfg_i,
  input  logic [0:0]                   in_valid_i,
  input  logic [0:0][33:0]             in_data_i,
  output logic [0:0]                   in_pop_o,
  input  logic [7:0]                   out_ready_i,
  output logic [7:0]                   out_push_o,
  output logic [7:0][33:0]             out_data_o,
  output logic                         fire_o,
  output logic                         fin_o,
  output logic                         err_o
);

  logic [3:0] n;
  logic [7:0] used;
  tok_t       t;

  assign n = cfg_i[BROADCAST_N_REG][BROADCAST_N_LSB +: BROADCAST_N_W];
  assign t = in_data_i[0];
  always_comb begin
    for (int unsigned p = 0; p < 8; p++) used[p] = (p < 32'(n));
  end

  always_comb begin
    in_pop_o   = '0;
    out_push_o = '0;
    out_data_o = '0;
    fire_o     = 1'b0;
    fin_o      = 1'b0;
    err_o      = 1'b0;
    if (en_i && in_valid_i[0] && ((used & ~out_ready_i) == '0)) begin
      fire_o      = 1'b1;
      in_pop_o[0] = 1'b1;
      out_push_o  = used;
      for (int unsigned p = 0; p < 8; p++) out_data_o[p] = used[p] ? t : '0;
      fin_o = is_done(t);
    end
  end

  logic unused_cfg;
  assign unused_cfg = ^cfg_i;

endmodule
