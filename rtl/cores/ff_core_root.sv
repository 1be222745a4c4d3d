// ff_core_root.sv -- root (docs/timing.md "root"): pushes the reference 0,
// then D. State `sent`.
//
// Ready/valid rule (every core): the tile gives en_i (may fire), the input
// heads (in_valid_i = FIFO not empty, in_data_i = head) and out_ready_i (the
// registered space of every destination, or the pipeline's advance). The core
// decides combinationally and all or nothing: it asserts in_pop_o only for
// valid heads and out_push_o only for ready outputs, and fire_o when it
// changes anything; fin_o marks its last firing; err_o a broken contract (it
// then does not fire).
module ff_core_root
  import ff_pkg::*;
(
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             en_i,
  input  logic [0:0]       out_ready_i,
  output logic [0:0]       out_push_o,
  output logic [0:0][33:0] out_data_o,
  output logic             fire_o,
  output logic             fin_o,
  output logic             err_o
);

  logic sent_q, sent_d;

  always_comb begin
    sent_d     = sent_q;
    out_push_o = '0;
    out_data_o = '0;
    fire_o     = 1'b0;
    fin_o      = 1'b0;
    err_o      = 1'b0;
    if (en_i && out_ready_i[0]) begin
      fire_o        = 1'b1;
      out_push_o[0] = 1'b1;
      if (!sent_q) begin
        out_data_o[0] = tok_data(32'd0);
        sent_d        = 1'b1;
      end else begin
        out_data_o[0] = TokD;
        fin_o         = 1'b1;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) sent_q <= 1'b0;
    else         sent_q <= sent_d;
  end

endmodule
