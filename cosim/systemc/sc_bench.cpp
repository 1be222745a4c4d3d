// sc_bench.cpp -- the testbench's top and the C API of ff_sc.h.
//
// One elaboration per process (SystemC's rule): ff_sc_new builds the top
// once; each ff_sc_run_graph posts a job to the initiator's thread and runs
// the kernel until that thread pauses it, so jobs run one after another in
// the same elaboration, called from plain C between sc_start calls.
#include <exception>

#include "sc_modules.h"

namespace {

const sc_core::sc_time period(1, sc_core::SC_NS); // 1 GHz, the default architecture's clock

class ff_sc_top : public sc_core::sc_module {
public:
    sc_core::sc_clock clk;
    sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS> irq; // the target raises it from a method, lowers it from b_transport
    ff_sc_initiator ini;
    ff_sc_accel accel;

    explicit ff_sc_top(sc_core::sc_module_name n)
        : sc_core::sc_module(n), clk("clk", period), irq("irq"), ini("initiator"), accel("accel", period)
    {
        ini.socket.bind(accel.socket);
        ini.irq(irq);
        accel.clk(clk);
        accel.irq(irq);
    }
};

bool elaborated = false;

} // namespace

struct ff_sc {
    ff_sc_top *top;
    bool broken; // a SystemC error ended a job: the kernel cannot go on
};

extern "C" {

int ff_sc_new(ff_sc **out, ff_err *err)
{
    *out = nullptr;
    if (elaborated)
        return ff_err_set(err, FF_EINVAL, "SystemC allows one elaboration per process: the testbench exists already");
    elaborated = true;
    ff_sc *b = new ff_sc{nullptr, false};
    try {
        b->top = new ff_sc_top("fuseflow");
    } catch (const std::exception &e) {
        delete b;
        return ff_err_set(err, FF_EINVAL, "SystemC: %s", e.what());
    }
    *out = b;
    return 0;
}

void ff_sc_free(ff_sc *b)
{
    if (!b) return;
    if (sc_core::sc_get_status() & (sc_core::SC_PAUSED | sc_core::SC_RUNNING)) sc_core::sc_stop();
    delete b->top;
    delete b;
}

const char *ff_sc_array_name(void) { return FF_SC_CONFIG_NAME; }

void ff_sc_result_free(ff_sc_result *res)
{
    if (!res) return;
    for (int t = 0; t < res->ntensors; t++) {
        if (res->array_out) ff_tensor_free(res->array_out[t]);
        if (res->model_out) ff_tensor_free(res->model_out[t]);
    }
    free(res->array_out);
    free(res->model_out);
    res->array_out = res->model_out = nullptr;
}

// Runs the kernel until the initiator has done job j.
static int run_job(ff_sc *b, ff_sc_initiator::job &j, ff_err *err)
{
    if (b->broken) return ff_err_set(err, FF_EINVAL, "SystemC: an earlier error ended the simulation");
    b->top->ini.post(&j);
    try {
        while (!j.done) {
            sc_core::sc_start();
            if (!j.done && sc_core::sc_get_status() != sc_core::SC_PAUSED) {
                b->broken = true;
                return ff_err_set(err, FF_EINVAL, "SystemC: the simulation ended before the job did");
            }
        }
    } catch (const std::exception &e) {
        b->broken = true;
        return ff_err_set(err, FF_EINVAL, "SystemC: %s", e.what());
    }
    return j.rc;
}

int ff_sc_run_graph(ff_sc *b, const ff_graph *g, const ff_bitstream *bs, const ff_tensor *const *inputs,
                    const ff_sc_opts *opts, ff_sc_result *res, ff_err *err)
{
    *res = ff_sc_result{};
    ff_sc_initiator::job j{0, 0, nullptr, 0, g, bs, inputs, opts, res, err, 0, false};
    return run_job(b, j, err);
}

int ff_sc_transact(ff_sc *b, int write, uint64_t addr, void *data, size_t len, ff_err *err)
{
    if (!len) return ff_err_set(err, FF_EINVAL, "TLM: a transaction of 0 bytes");
    ff_sc_initiator::job j{write, addr, data, len, nullptr, nullptr, nullptr, nullptr, nullptr, err, 0, false};
    return run_job(b, j, err);
}

} // extern "C"

// SystemC's entry, handed to the program's.
int sc_main(int argc, char *argv[]) { return ff_sc_main(argc, argv); }
