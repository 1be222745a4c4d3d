// ff_rtl.cpp -- the thin C++ adapter between the C API of ff_rtl.h and one
// Verilated array configuration (FF_RTL_MODEL, from rtl/CMakeLists.txt).
// Only what Verilator forces is C++ here: the model object, its wide port
// types, the FST writer.
#include "ff_rtl.h"

#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>

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

} // namespace

struct ff_rtl {
    std::unique_ptr<VerilatedContext> ctx;
    std::unique_ptr<FF_RTL_MODEL> top;
    std::unique_ptr<VerilatedFstC> fst;
    uint64_t cycle = 0;
    uint64_t time = 0;

    void dump()
    {
        if (fst) fst->dump(time);
        time++;
    }

    // One rising edge with the inputs as they are now.
    void edge()
    {
        top->clk_i = 0;
        top->eval();
        dump();
        top->clk_i = 1;
        top->eval();
        dump();
        top->clk_i = 0;
        top->eval();
    }
};

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
    r->top->run_i = on ? 1 : 0;
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
    r->edge();
    return ++r->cycle;
}

uint64_t ff_rtl_cycle(const ff_rtl *r) { return r->cycle; }

int ff_rtl_done(ff_rtl *r) { return r->top->done_o; }

int ff_rtl_error(ff_rtl *r) { return r->top->error_o; }

int ff_rtl_active(ff_rtl *r) { return r->top->active_o; }

int ff_rtl_trace(ff_rtl *r, const char *path)
{
    if (r->fst) {
        r->fst->close();
        r->fst.reset();
    }
    if (!path) return 0;
    r->fst = std::make_unique<VerilatedFstC>();
    r->top->trace(r->fst.get(), 99);
    r->fst->open(path);
    if (!r->fst->isOpen()) {
        r->fst.reset();
        return -1;
    }
    return 0;
}

} // extern "C"
