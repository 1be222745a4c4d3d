// ff_mport.sv -- a tile's off-chip memory port (docs/timing.md section 4,
// "Memory ports"): the machine of models/sim/mport.c, which the C model
// runs for the same tile. The array shows every port's request to the
// harness, which answers from the memory model both sides share (ff_mem.h).
//
// A stream-in port (Write = 0) asks for its regions' lines in order, one
// request per cycle, alternating between the two regions while both have
// lines left; a line's words become readable (avail_o) the cycle after its
// response. A write-back port (Write = 1) asks to write each line of its
// writer's regions once the writer has filled it (count_i: words written),
// and the last partial line once the core has finished (core_done_i); the
// tile finishes when every line it wrote has been answered (drain_o low).
//
// Ready/valid rule: req_valid_o and req_region_o are decoded from registers
// only; the harness grants with req_ready_i in the same cycle (a grant is
// taken at the clock edge). resp_valid_i/resp_region_i: one response a
// cycle at most. With on_i low the port asks nothing, every word is
// readable and nothing drains.
module ff_mport #(
  parameter bit Write = 1'b0
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             run_i,
  input  logic             on_i,
  input  logic [4:0]       shift_i,       // log2 of a line's words
  input  logic [1:0][31:0] words_i,       // stream-in: words of each region
  input  logic [1:0][31:0] count_i,       // write-back: words written so far
  input  logic             core_done_i,   // write-back: the core has finished
  output logic             req_valid_o,
  output logic             req_region_o,
  input  logic             req_ready_i,
  input  logic             resp_valid_i,
  input  logic             resp_region_i,
  output logic [1:0][31:0] avail_o,       // stream-in: words of each region readable
  output logic             drain_o        // write-back: lines to write or to hear back from
);

  logic [1:0][31:0] issued_q, arrived_q, limit, total;
  logic             turn_q;
  logic [1:0]       can;

  // ceil(w / 2^sh): the whole lines below w, plus one for a partial line
  function automatic logic [31:0] lines_of(input logic [31:0] w, input logic [4:0] sh);
    lines_of = (w >> sh) + ((w & ((32'd1 << sh) - 32'd1)) != 32'd0 ? 32'd1 : 32'd0);
  endfunction

  for (genvar g = 0; g < 2; g++) begin : g_region
    logic [63:0] a;
    assign total[g] = lines_of(Write ? count_i[g] : words_i[g], shift_i);
    assign limit[g] = (!Write || core_done_i) ? total[g] : (count_i[g] >> shift_i);
    assign can[g]   = issued_q[g] < limit[g];
    assign a        = 64'(arrived_q[g]) << shift_i;
    assign avail_o[g] = (!on_i || Write) ? '1 : (a < 64'(words_i[g])) ? a[31:0] : words_i[g];
  end

  assign req_valid_o  = on_i && run_i && (can != 2'b00);
  assign req_region_o = (can == 2'b11) ? turn_q : can[1];
  assign drain_o      = on_i && Write && (arrived_q[0] < total[0] || arrived_q[1] < total[1]);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      issued_q  <= '0;
      arrived_q <= '0;
      turn_q    <= 1'b0;
    end else begin
      if (req_valid_o && req_ready_i) begin
        issued_q[req_region_o] <= issued_q[req_region_o] + 32'd1;
        turn_q                 <= !req_region_o;
      end
      if (on_i && resp_valid_i) arrived_q[resp_region_i] <= arrived_q[resp_region_i] + 32'd1;
    end
  end

endmodule
