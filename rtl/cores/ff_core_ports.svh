// ff_core_ports.svh -- the port bundle of every core: the port list of each
// rtl/cores/ff_core_*.sv is this file, so the generated ff_core.sv connects
// every core the same way. The including module declares the parameters
// Kind (its ff_prims.def kind: the stream port counts), MaxBlock and BW (the
// block store port's width). A core ties off the outputs its kind does not
// drive and names the inputs it ignores unused_*.
//
// Ready/valid rule (every core): the tile gives en_i (may fire), the input
// heads (in_valid_i = FIFO not empty, in_data_i = head) and out_ready_i (the
// registered space of every destination, or the pipeline's advance). The core
// decides combinationally and all or nothing: it asserts in_pop_o only for
// valid heads and out_push_o only for ready outputs, and fire_o when it
// changes anything; fin_o marks its last firing; err_o a broken contract (it
// then does not fire). A core that reads its SRAM through the tile's
// off-chip port (scan, locate, array) waits (mp_wait_o, no firing) while a
// word it would read lies at or past mp_avail_i of its region, checked as
// soon as the input heads name the words (docs/timing.md section 4); the
// other cores tie mp_wait_o to 0.
  input  logic                                clk_i,
  input  logic                                rst_ni,
  input  logic                                en_i,         // may fire
  input  logic [RegsPerSlot-1:0][31:0]        cfg_i,        // the slot's registers
  input  logic [kind_ninp(Kind)-1:0]          conn_i,       // per input: connected (src != 0)
  input  logic [kind_ninp(Kind)-1:0]          in_valid_i,   // per input (ff_prims.def order)
  input  logic [kind_ninp(Kind)-1:0][33:0]    in_data_i,
  output logic [kind_ninp(Kind)-1:0]          in_pop_o,
  input  logic [kind_noutp(Kind)-1:0]         out_ready_i,  // per output
  output logic [kind_noutp(Kind)-1:0]         out_push_o,
  output logic [kind_noutp(Kind)-1:0][33:0]   out_data_o,
  output logic                                fire_o,
  output logic                                fin_o,
  output logic                                err_o,        // a contract violation
  output logic                                ovf_o,        // out of SRAM
  output logic [31:0]                         count0_o,     // status count0/count1 (writers)
  output logic [31:0]                         count1_o,
  input  logic                                mem_we_i,     // the tile SRAM's host port
  input  logic [MemAddrBits-1:0]              mem_addr_i,
  input  logic [31:0]                         mem_wdata_i,
  output logic [31:0]                         mem_rdata_o,
  input  logic [1:0][31:0]                    mp_avail_i,   // off-chip port: words of region 0/1 readable
  output logic                                mp_wait_o,    // this cycle the core waits for such words
  output ff_pkg::blk_req_t                    blk_req_o,    // the block store port (blk kinds)
  input  logic [1:0][BW-1:0][31:0]            blk_rd_data_i,
  input  logic [31:0]                         blk_handle_i,
  output logic [BW-1:0][31:0]                 blk_wdata_o
