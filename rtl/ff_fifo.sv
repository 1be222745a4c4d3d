// ff_fifo.sv -- one channel of docs/timing.md section 2, at its consumer.
//
// Ready/valid rule: valid_o = (count != 0) and ready_o = (count < depth) are
// decoded from the count register only, so neither depends on the other side
// in the same cycle. A producer pushes with valid_i only when it saw ready_o
// (timing.md's all-or-nothing firing looks at ready before it pushes; this is
// safe because ready_o is a register, never a path through this FIFO). The
// consumer pops with pop_i only when valid_o. A push in cycle t is visible at
// t+1; a pop in cycle t frees space from t+1 on.
module ff_fifo #(
  parameter int unsigned MaxDepth = 4,   // storage words; the runtime depth is 1..MaxDepth
  parameter int unsigned Width    = 34   // word width
) (
  input  logic                         clk_i,
  input  logic                         rst_ni,
  input  logic [7:0]                   depth_i,   // runtime depth (0 reads as 1), from the routing config
  input  logic                         valid_i,   // push
  output logic                         ready_o,
  input  logic [Width-1:0]             data_i,
  output logic                         valid_o,   // head present
  input  logic                         pop_i,
  output logic [Width-1:0]             data_o,
  output logic [7:0]                   count_o    // occupancy (status read-back)
);

  localparam int unsigned PtrW = (MaxDepth > 1) ? $clog2(MaxDepth) : 1;
  localparam int unsigned CntW = $clog2(MaxDepth + 1);

  logic [Width-1:0] mem_q [MaxDepth];
  logic [PtrW-1:0]  head_q, head_d, tail_q, tail_d;
  logic [CntW-1:0]  count_q, count_d;
  logic [CntW-1:0]  depth;
  logic             push, pop;

  // Runtime depth clamped to 1..MaxDepth.
  always_comb begin
    if (depth_i == 8'd0) begin
      depth = CntW'(1);
    end else if (32'(depth_i) >= MaxDepth) begin
      depth = CntW'(MaxDepth);
    end else begin
      depth = CntW'(depth_i);
    end
  end

  assign valid_o = (count_q != '0);
  assign ready_o = (count_q < depth);
  assign data_o  = mem_q[head_q];
  assign count_o = 8'(count_q);
  assign push    = valid_i && ready_o;
  assign pop     = pop_i && valid_o;

  function automatic logic [PtrW-1:0] next_ptr(input logic [PtrW-1:0] p);
    next_ptr = (32'(p) == MaxDepth - 1) ? '0 : p + PtrW'(1);
  endfunction

  always_comb begin
    head_d  = head_q;
    tail_d  = tail_q;
    count_d = count_q;
    if (push) tail_d = next_ptr(tail_q);
    if (pop) head_d = next_ptr(head_q);
    if (push && !pop) count_d = count_q + CntW'(1);
    if (pop && !push) count_d = count_q - CntW'(1);
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      head_q  <= '0;
      tail_q  <= '0;
      count_q <= '0;
    end else begin
      head_q  <= head_d;
      tail_q  <= tail_d;
      count_q <= count_d;
    end
  end

  // Storage: written at the tail on a push (no reset: contents are only read
  // below count).
  always_ff @(posedge clk_i) begin
    if (push) mem_q[tail_q] <= data_i;
  end

`ifdef FF_ASSERTIONS
  initial assert (MaxDepth >= 1) else $fatal(1, "ff_fifo: MaxDepth must be >= 1");
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      assert (!(valid_i && !ready_o)) else $error("ff_fifo: push while full");
      assert (!(pop_i && !valid_o)) else $error("ff_fifo: pop while empty");
    end
  end
`endif

endmodule
