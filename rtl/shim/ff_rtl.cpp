// ff_rtl.cpp -- the thin C++ adapter between the C API of ff_rtl.h and one
// Verilated array configuration (FF_RTL_MODEL, from rtl/CMakeLists.txt).
// Only what Verilator forces is C++ here: the model object, its wide port
// types, the FST writer.
#include "ff_rtl.h"

#include "ff_config.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <vector>

#include "verilated.h"
#include "verilated_fst_c.h"
#include FF_RTL_MODEL_H

namespace {

// Bits [lsb, lsb+w) of a port: a plain integer or a VlWide word array.
template <typename T> uint64_t get_bits(const T &v, unsigned lsb, unsigned w)
{
    if constexpr (std::is_integral_v<T>) {
        uint64_t x = static_cast<uint64_t>(v) >> lsb;
        return w >= 64 ? x : x & ((UINT64_C(1) << w) - 1);
    } else {
        uint64_t x = 0;
        for (unsigned i = 0; i < w; i++) {
            unsigned b = lsb + i;
            x |= static_cast<uint64_t>((v[b / 32] >> (b % 32)) & 1u) << i;
        }
        return x;
    }
}

template <typename T> void set_bits(T &v, unsigned lsb, unsigned w, uint64_t x)
{
    if constexpr (std::is_integral_v<T>) {
        uint64_t m = (w >= 64 ? ~UINT64_C(0) : ((UINT64_C(1) << w) - 1)) << lsb;
        v = static_cast<T>((static_cast<uint64_t>(v) & ~m) | ((x << lsb) & m));
    } else {
        for (unsigned i = 0; i < w; i++) {
            unsigned b = lsb + i;
            uint32_t bit = 1u << (b % 32);
            if ((x >> i) & 1u) v[b / 32] |= bit;
            else v[b / 32] &= ~bit;
        }
    }
}

// All bits of a port to 0 (a plain integer or a VlWide word array).
template <typename T> void zero(T &v) { std::memset(&v, 0, sizeof v); }

} // namespace

struct ff_rtl {
    std::unique_ptr<VerilatedContext> ctx;
    std::unique_ptr<FF_RTL_MODEL> top;
    std::unique_ptr<VerilatedFstC> fst;
    uint64_t cycle = 0;
    uint64_t time = 0;
    unsigned ntaps = 0;
    bool recording = false;
    std::vector<ff_rtl_tap> taps;
    std::string window_path; // a waveform opened at window_from, closed at window_to
    uint64_t window_from = 0, window_to = 0;
    bool window_failed = false;

    void dump()
    {
        if (fst) fst->dump(time);
        time++;
    }

    // One rising edge with the inputs as they are now; `sample` records the
    // taps of the cycle that edge ends (after the inputs have settled). The
    // clock is left high: nothing in the array acts on its falling edge, and
    // the outputs settled with the rising one, so the fall is evaluated with
    // the next cycle's inputs (two evaluations a cycle, not three: each
    // re-evaluates the array's input-driven logic).
    void edge(bool sample = false)
    {
        top->clk_i = 0;
        top->eval();
        if (sample && recording) record();
        dump();
        top->clk_i = 1;
        top->eval();
        dump();
    }

    void record()
    {
        for (unsigned c = 0; c < ntaps; c++)
            if (get_bits(top->tap_push_o, c, 1))
                taps.push_back(ff_rtl_tap{c, cycle, get_bits(top->tap_data_o, c * 34u, 34)});
    }

    bool open_fst(const char *path)
    {
        fst = std::make_unique<VerilatedFstC>();
        top->trace(fst.get(), 99);
        fst->open(path);
        if (!fst->isOpen()) {
            fst.reset();
            return false;
        }
        return true;
    }

    void close_fst()
    {
        if (fst) {
            fst->close();
            fst.reset();
        }
    }
};

// Consumers (tap ports) of the linked array, as ff_array.sv counts them: the
// inputs of every tile, then the harness outputs -- read from the geometry
// block, so that the shim needs no description of the array besides itself.
static unsigned count_taps(ff_rtl *r)
{
    static const int nin[FF_RTL_NKINDS] = {
#define FF_NIN(e, name, ni, no, mem) ni,
        FF_RTL_KINDS(FF_NIN)
#undef FF_NIN
    };
    unsigned n = ff_rtl_cfg_read(r, FF_RTL_GEO_NHOUT);
    for (unsigned k = 0; k < FF_RTL_NKINDS; k++) n += ff_rtl_cfg_read(r, k) * (unsigned)nin[k];
    return n;
}

extern "C" {

const char *ff_rtl_config_name(void) { return FF_RTL_CONFIG_NAME; }

ff_rtl *ff_rtl_new(void)
{
    ff_rtl *r = new (std::nothrow) ff_rtl;
    if (!r) return nullptr;
    r->ctx = std::make_unique<VerilatedContext>();
    r->ctx->traceEverOn(true);
    r->top = std::make_unique<FF_RTL_MODEL>(r->ctx.get());
    ff_rtl_reset(r);
    r->ntaps = count_taps(r);
    return r;
}

void ff_rtl_free(ff_rtl *r)
{
    if (!r) return;
    ff_rtl_trace(r, nullptr);
    r->top->final();
    delete r;
}

void ff_rtl_reset(ff_rtl *r)
{
    auto &t = *r->top;
    t.run_i = 0;
    t.cfg_we_i = 0;
    t.mem_we_i = 0;
    t.hin_valid_i = 0;
    t.hout_ready_i = 0;
    zero(t.mp_req_ready_i);
    zero(t.mp_resp_valid_i);
    t.rst_ni = 0;
    r->edge();
    r->edge();
    t.rst_ni = 1;
    t.eval();
    r->cycle = 0;
}

void ff_rtl_cfg_write(ff_rtl *r, uint32_t addr, uint32_t data)
{
    auto &t = *r->top;
    t.cfg_we_i = 1;
    t.cfg_addr_i = addr;
    t.cfg_wdata_i = data;
    r->edge();
    t.cfg_we_i = 0;
    t.eval();
}

uint32_t ff_rtl_cfg_read(ff_rtl *r, uint32_t addr)
{
    r->top->cfg_addr_i = addr;
    r->top->eval();
    return r->top->cfg_rdata_o;
}

void ff_rtl_mem_write(ff_rtl *r, uint32_t slot, uint32_t addr, uint32_t data)
{
    auto &t = *r->top;
    t.mem_we_i = 1;
    t.mem_slot_i = slot;
    t.mem_addr_i = addr;
    t.mem_wdata_i = data;
    r->edge();
    t.mem_we_i = 0;
    t.eval();
}

uint32_t ff_rtl_mem_read(ff_rtl *r, uint32_t slot, uint32_t addr)
{
    r->top->mem_slot_i = slot;
    r->top->mem_addr_i = addr;
    r->top->eval();
    return r->top->mem_rdata_o;
}

void ff_rtl_run(ff_rtl *r, int on)
{
    // The array registers run_i (docs/rtl.md "run_i"): raising it takes one
    // edge, not a cycle of the run -- nothing moves in it. Lowering it takes
    // effect at the next edge; the runner's next is its next load's reset.
    r->top->run_i = on ? 1 : 0;
    if (on) r->edge();
    r->top->eval();
}

int ff_rtl_hin_ready(ff_rtl *r, int p) { return (int)get_bits(r->top->hin_ready_o, (unsigned)p, 1); }

void ff_rtl_hin_drive(ff_rtl *r, int p, int valid, uint64_t tok)
{
    set_bits(r->top->hin_valid_i, (unsigned)p, 1, valid ? 1 : 0);
    set_bits(r->top->hin_data_i, (unsigned)p * 34u, 34, tok);
}

int ff_rtl_hout_valid(ff_rtl *r, int q) { return (int)get_bits(r->top->hout_valid_o, (unsigned)q, 1); }

uint64_t ff_rtl_hout_data(ff_rtl *r, int q) { return get_bits(r->top->hout_data_o, (unsigned)q * 34u, 34); }

void ff_rtl_hout_pop(ff_rtl *r, int q, int pop) { set_bits(r->top->hout_ready_i, (unsigned)q, 1, pop ? 1 : 0); }

uint64_t ff_rtl_step(ff_rtl *r)
{
    if (!r->window_path.empty() && !r->fst && r->cycle >= r->window_from && r->cycle < r->window_to &&
        !r->window_failed)
        r->window_failed = !r->open_fst(r->window_path.c_str());
    r->edge(true);
    ++r->cycle;
    if (!r->window_path.empty() && r->fst && r->cycle >= r->window_to) r->close_fst();
    return r->cycle;
}

int ff_rtl_mp_req(ff_rtl *r, int t, int *region)
{
    if (!get_bits(r->top->mp_req_valid_o, (unsigned)t, 1)) return 0;
    *region = (int)get_bits(r->top->mp_req_region_o, (unsigned)t, 1);
    return 1;
}

int ff_rtl_mp_wait(ff_rtl *r, int t) { return (int)get_bits(r->top->mp_wait_o, (unsigned)t, 1); }

void ff_rtl_mp_drive(ff_rtl *r, int t, int grant, int resp_valid, int resp_region)
{
    set_bits(r->top->mp_req_ready_i, (unsigned)t, 1, grant ? 1 : 0);
    set_bits(r->top->mp_resp_valid_i, (unsigned)t, 1, resp_valid ? 1 : 0);
    set_bits(r->top->mp_resp_region_i, (unsigned)t, 1, resp_region ? 1 : 0);
}

int ff_rtl_ntaps(const ff_rtl *r) { return (int)r->ntaps; }

void ff_rtl_record_taps(ff_rtl *r, int on)
{
    r->recording = on != 0;
    r->taps.clear();
    if (!on) r->taps.shrink_to_fit();
}

size_t ff_rtl_taps(const ff_rtl *r, const ff_rtl_tap **out)
{
    *out = r->taps.empty() ? nullptr : r->taps.data();
    return r->taps.size();
}

int ff_rtl_trace_window(ff_rtl *r, const char *path, uint64_t from, uint64_t to)
{
    r->close_fst();
    r->window_failed = false;
    r->window_path = path ? path : "";
    r->window_from = from;
    r->window_to = to;
    if (!path) return 0;
    // Fail now, not silently at cycle `from`: the file must be creatable.
    FILE *f = std::fopen(path, "wb");
    if (!f) return -1;
    std::fclose(f);
    return 0;
}

int ff_rtl_trace_window_failed(const ff_rtl *r) { return r->window_failed ? 1 : 0; }

uint64_t ff_rtl_cycle(const ff_rtl *r) { return r->cycle; }

int ff_rtl_done(ff_rtl *r) { return r->top->done_o; }

int ff_rtl_error(ff_rtl *r) { return r->top->error_o; }

int ff_rtl_active(ff_rtl *r) { return r->top->active_o; }

int ff_rtl_trace(ff_rtl *r, const char *path)
{
    r->close_fst();
    r->window_path.clear();
    if (!path) return 0;
    return r->open_fst(path) ? 0 : -1;
}

} // extern "C"
