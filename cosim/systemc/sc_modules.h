// sc_modules.h -- the modules of the SystemC testbench (ff_sc.h,
// docs/cosim.md "SystemC testbench"). C++17, SystemC 2.3 with TLM-2.0.
//
//   ff_sc_bench ------------------------------------------------------------
//   |  clk (sc_clock, 1 ns)                                                 |
//   |  ff_sc_initiator --TLM b_transport--> ff_sc_accel (the target)        |
//   |     ^ irq <------------------------------ irq                         |
//   |                                          ff_sc_array   the Verilated  |
//   |                                            array, every port on a     |
//   |                                            signal, clk_i on clk       |
//   |                                          ff_sc_model   the C model,   |
//   |                                            one ff_sim_step per edge   |
//   -------------------------------------------------------------------------
//
// Clocking: everything happens on the rising edge of clk. The array's
// inputs are driven between edges (by b_transport, or by the target's
// falling-edge method) and sampled by the array at the next rising edge; its
// outputs are read at the falling edge (settled after the rising edge) or,
// for what the array shows during a cycle (active_o), at the rising edge
// that ends it (the value before the edge).
#ifndef FF_SC_MODULES_H
#define FF_SC_MODULES_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include FF_SC_MODEL_H

extern "C" {
#include "ff_rtl_load.h"
}
#include "ff_sc.h"
#include "ff_sc_blob.h"
#include "ff_sc_map.h"

// The Verilated array with a signal on every port. The port list is
// generated from the Verilated header (FF_SC_PORTS_H, rtl/CMakeLists.txt),
// so ports the testbench does not use (the debug taps) and ports added to
// the top later are bound too. clk_i is bound to the clock itself: a signal
// copied from it would reach the array one delta after the edge, when the
// drives written at the edge are already visible.
class ff_sc_array : public sc_core::sc_module {
public:
    sc_core::sc_in<bool> clk;
#define FF_SC_PORT(dir, type, name) sc_core::sc_signal<type, sc_core::SC_MANY_WRITERS> name{#name};
#include FF_SC_PORTS_H
#undef FF_SC_PORT

    explicit ff_sc_array(sc_core::sc_module_name n);
    ~ff_sc_array() override;

private:
    std::unique_ptr<FF_SC_MODEL> top_;
    void end_of_simulation() override;
};

// The C cycle model as a clocked module: built from the graph and tensors
// the target's mailbox received, stepped once per rising edge while `run`
// is high (ff_sim_step), `done` or `failed` raised after the edge that
// ended its run.
class ff_sc_model : public sc_core::sc_module {
public:
    sc_core::sc_in<bool> clk;
    sc_core::sc_in<bool> run;
    sc_core::sc_out<bool> done;
    sc_core::sc_out<bool> failed;

    explicit ff_sc_model(sc_core::sc_module_name n);
    ~ff_sc_model() override;

    // The mailbox commands (ff_sc_map.h FF_SC_CMD_*); 0 or FF_E* with err.
    int set_arch(const std::string &json, ff_err *err);
    int set_graph(const std::string &json, ff_err *err);
    int bind(const uint8_t *blob, size_t len, ff_err *err);
    int output(const std::string &name, std::vector<uint8_t> &blob, ff_err *err);
    int start(ff_err *err);    // ff_sim_start; the run begins with the next edge on which run is high
    void clear();              // forget graph, tensors, run
    bool finished() const { return state_ == st_done; }
    uint64_t cycles() const;   // ff_sim_cycles once finished, else the cycles stepped
    const ff_err &error() const { return err_; } // what failed (start or a step)

private:
    enum state { st_idle, st_running, st_done, st_failed };
    ff_arch arch_;
    ff_graph *g_ = nullptr;
    ff_sim *sim_ = nullptr;
    std::vector<ff_tensor *> bound_; // inputs the sim borrows, by graph tensor
    state state_ = st_idle;
    uint64_t steps_ = 0;
    ff_err err_{};
    void release();
    void step();
};

// The target: the accelerator as a TLM-2.0 b_transport target, decoding
// the address map of ff_sc_map.h onto the array's buses, the C model's
// mailbox and the control/status block, and running both models on START.
class ff_sc_accel : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<ff_sc_accel> socket;
    sc_core::sc_in<bool> clk;
    sc_core::sc_out<bool> irq;

    ff_sc_array array;
    ff_sc_model model;

    explicit ff_sc_accel(sc_core::sc_module_name n, const sc_core::sc_time &period);

private:
    sc_core::sc_time period_;
    // written by b_transport (reset) and by the clocked processes
    sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS> model_run_{"model_run"}, model_done_{"model_done"},
        model_failed_{"model_failed"};
    sc_core::sc_time last_edge_ = sc_core::SC_ZERO_TIME; // time of the last rising edge seen
    uint64_t edges_ = 0;
    // the run
    bool busy_ = false, start_pending_ = false, array_running_ = false, model_running_ = false;
    bool start_edge_ = false; // the edge that registers run_i: not a cycle of the run
    bool array_done_ = false, array_stopped_ = false, moved_ = false, irq_level_ = false;
    ff_rtl_watch watch_{};
    uint64_t max_cycles_ = 0, watchdog_ = 0;
    uint32_t compare_ = 0;
    // the mailbox
    std::vector<uint8_t> mbox_;
    uint32_t model_len_ = 0;
    int model_status_ = 0;
    std::string msg_;

    void b_transport(tlm::tlm_generic_payload &p, sc_core::sc_time &delay);
    tlm::tlm_response_status ctrl_access(bool write, uint32_t off, uint32_t *data);
    tlm::tlm_response_status array_access(bool write, uint64_t addr, uint32_t *words, size_t n);
    void model_command(uint32_t cmd);
    void reset();
    void align();
    void edge();
    void on_rise();
    void on_fall();
    void set_irq(bool on);
};

// The initiator: the driver software of one job at a time, in a thread.
// Its accesses go out as TLM transactions; the array's through the loader
// of ff_rtl_load.h with a bus whose callbacks are those transactions.
class ff_sc_initiator : public sc_core::sc_module {
public:
    tlm_utils::simple_initiator_socket<ff_sc_initiator> socket;
    sc_core::sc_in<bool> irq;

    struct job {
        // a raw transaction when raw_len is set, else a graph
        int raw_write;
        uint64_t raw_addr;
        void *raw_data;
        size_t raw_len;
        const ff_graph *g;
        const ff_bitstream *bs;
        const ff_tensor *const *inputs;
        const ff_sc_opts *opts;
        ff_sc_result *res;
        ff_err *err;
        int rc;
        bool done;
    };

    explicit ff_sc_initiator(sc_core::sc_module_name n);

    // Hands the thread a job; the caller then runs the kernel until
    // j->done (the thread pauses the kernel when it has finished).
    void post(job *j);

    // TLM accesses, in 32-bit words (the bus callbacks and the job use them).
    int write(uint64_t addr, const void *data, size_t bytes, ff_err *err);
    int read(uint64_t addr, void *data, size_t bytes, ff_err *err);
    int write32(uint64_t addr, uint32_t v, ff_err *err) { return write(addr, &v, 4, err); }
    int read32(uint64_t addr, uint32_t *v, ff_err *err) { return read(addr, v, 4, err); }
    int read64(uint64_t addr, uint64_t *v, ff_err *err);
    int write64(uint64_t addr, uint64_t v, ff_err *err);

private:
    job *job_ = nullptr;
    sc_core::sc_event job_posted_;
    uint64_t transactions_ = 0, bytes_ = 0;
    std::string array_name_;
    void thread();
    int run(job &j);
    int model_command(uint32_t cmd, const void *operand, size_t len, ff_err *err);
    int model_failure(const char *what, ff_err *err);
};

#endif
