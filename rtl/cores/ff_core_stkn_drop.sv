// ff_core_stkn_drop.sv -- stop-token dropper (docs/timing.md "stkn_drop"):
// a stop at the head is popped and dropped; anything else passes. Stateless.
// Ready/valid rule: see ff_core_root.sv.
module ff_core_stkn_drop
  import ff_pkg::*;
(
  input  logic             en_i,
  input  logic [0:0]       in_valid_i,
  input  logic [0:0][33:0] in_data_i,
  output logic [0:0]       in_pop_o,
  input  logic [0:0]       out_ready_i,
  output logic [0:0]       out_push_o,
  output logic [0:0][33:0] out_data_o,
  output logic             fire_o,
  output logic             fin_o,
  output logic             err_o
);

  tok_t t;
  assign t = in_data_i[0];

  always_comb begin
    in_pop_o   = '0;
    out_push_o = '0;
    out_data_o = '0;
    fire_o     = 1'b0;
    fin_o      = 1'b0;
    err_o      = 1'b0;
    if (en_i && in_valid_i[0]) begin
      if (is_stop(t)) begin
        fire_o      = 1'b1;
        in_pop_o[0] = 1'b1;
      end else if (out_ready_i[0]) begin
        fire_o        = 1'b1;
        in_pop_o[0]   = 1'b1;
        out_push_o[0] = 1'b1;
        out_data_o[0] = t;
        fin_o         = is_done(t);
      end
    end
  end

endmodule
