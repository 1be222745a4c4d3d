// sc_model.cpp -- the C cycle model as a clocked sc_module (sc_modules.h):
// built from what the mailbox received, one ff_sim_step per rising edge.
#include <cstring>

#include "sc_modules.h"

ff_sc_model::ff_sc_model(sc_core::sc_module_name n)
    : sc_core::sc_module(n), clk("clk"), run("run"), done("done"), failed("failed")
{
    ff_arch_default(&arch_);
    SC_HAS_PROCESS(ff_sc_model);
    SC_METHOD(step);
    sensitive << clk.pos();
    dont_initialize();
}

// No signal writes here: the signals may be gone already.
ff_sc_model::~ff_sc_model() { release(); }

void ff_sc_model::release()
{
    ff_sim_free(sim_);
    sim_ = nullptr;
    for (ff_tensor *t : bound_) ff_tensor_free(t);
    bound_.clear();
    ff_graph_free(g_);
    g_ = nullptr;
    state_ = st_idle;
    steps_ = 0;
    err_ = ff_err{};
}

void ff_sc_model::clear()
{
    release();
    done.write(false);
    failed.write(false);
}

int ff_sc_model::set_arch(const std::string &json, ff_err *err)
{
    if (json.empty()) {
        ff_arch_default(&arch_);
        return 0;
    }
    int rc = ff_arch_load_string(json.c_str(), "mailbox", &arch_, err);
    // The TLM array has no memory ports to serve (docs/cosim.md): with the
    // off-chip model on, the C model's ports would wait for memory the
    // array never does.
    if (!rc && arch_.offchip.enabled) {
        ff_arch_default(&arch_);
        return ff_err_set(err, FF_EINVAL, "the SystemC testbench runs with the off-chip model off (offchip.enabled: "
                                          "false); use fuseflow cosim for memory ports");
    }
    return rc;
}

// Like ff_cosim_graph: the architecture's timing, the cosim's cycle limit.
int ff_sc_model::set_graph(const std::string &json, ff_err *err)
{
    ff_arch arch = arch_;
    clear();
    arch_ = arch;
    int rc = ff_graph_load_json_string(json.c_str(), "mailbox", &g_, err);
    if (rc) return rc;
    ff_sim_opts o;
    ff_sim_opts_default(&o);
    o.arch = arch_;
    o.max_cycles = 50000000;
    if ((rc = ff_sim_new(g_, &o, &sim_, err))) {
        clear();
        return rc;
    }
    bound_.assign((size_t)g_->ntensors, nullptr);
    return 0;
}

int ff_sc_model::bind(const uint8_t *blob, size_t len, ff_err *err)
{
    if (!sim_) return ff_err_set(err, FF_EINVAL, "bind: the model has no graph yet");
    if (state_ != st_idle) return ff_err_set(err, FF_EINVAL, "bind: the model has already started");
    char name[64];
    int rc = ff_sc_blob_name(blob, len, name, err);
    if (rc) return rc;
    int t = ff_graph_find_tensor(g_, name);
    if (t < 0 || g_->tensors[t].is_output)
        return ff_err_set(err, FF_EINVAL, "bind: graph '%s' has no input tensor '%s'", g_->name, name);
    if (bound_[(size_t)t]) return ff_err_set(err, FF_EINVAL, "bind: tensor '%s' is bound already", name);
    const ff_gtensor *gt = &g_->tensors[t];
    ff_format fmt;
    ff_tensor *x = nullptr;
    if ((rc = ff_format_parse(gt->format, gt->order, &fmt, err)) || (rc = ff_sc_blob_decode(blob, len, &fmt, &x, err)))
        return rc;
    // in the graph's format, so the simulation borrows it
    if ((rc = ff_sim_bind(sim_, name, x, err))) {
        ff_tensor_free(x);
        return rc;
    }
    bound_[(size_t)t] = x;
    return 0;
}

int ff_sc_model::start(ff_err *err)
{
    if (!sim_) return ff_err_set(err, FF_EINVAL, "start: the model has no graph");
    if (state_ != st_idle) return ff_err_set(err, FF_EINVAL, "start: the model has already run; load a graph again");
    int rc = ff_sim_start(sim_, err);
    if (rc) {
        err_ = *err;
        state_ = st_failed;
        return rc;
    }
    state_ = st_running;
    return 0;
}

void ff_sc_model::step()
{
    if (state_ != st_running || !run.read()) return;
    int rc = ff_sim_step(sim_, &err_);
    steps_++;
    if (rc == 0) {
        state_ = st_done;
        done.write(true);
    } else if (rc < 0) {
        state_ = st_failed;
        failed.write(true);
    }
}

uint64_t ff_sc_model::cycles() const { return state_ == st_done ? ff_sim_cycles(sim_) : steps_; }

int ff_sc_model::output(const std::string &name, std::vector<uint8_t> &blob, ff_err *err)
{
    if (state_ != st_done) return ff_err_set(err, FF_EINVAL, "output '%s': the model has not finished", name.c_str());
    ff_tensor *t = nullptr;
    int rc = ff_sim_take_output(sim_, name.c_str(), &t, err);
    if (rc) return rc;
    uint8_t *b = nullptr;
    size_t len = 0;
    rc = ff_sc_blob_encode(t, name.c_str(), &b, &len, err);
    ff_tensor_free(t);
    if (rc) return rc;
    blob.assign(b, b + len);
    free(b);
    return 0;
}
