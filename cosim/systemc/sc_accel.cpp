// sc_accel.cpp -- the TLM-2.0 target (sc_modules.h): the address map of
// ff_sc_map.h onto the array's buses, the C model's mailbox and the
// control/status block; START runs both models side by side.
//
// Timing of b_transport (loosely timed): it first waits out the
// initiator's annotated delay, so it acts at the initiator's time. An
// access to the array's buses then drives them between rising edges and
// waits for each edge -- one word per edge, as ff_rtl.h's calls do -- and
// returns with no further delay (the time is spent). Any other access takes
// no edge and adds one clock period to the delay.
#include <cstring>

#include "sc_modules.h"

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

ff_sc_accel::ff_sc_accel(sc_core::sc_module_name n, const sc_time &period)
    : sc_core::sc_module(n), socket("socket"), clk("clk"), irq("irq"), array("array"), model("model"), period_(period)
{
    socket.register_b_transport(this, &ff_sc_accel::b_transport);
    array.clk(clk);
    model.clk(clk);
    model.run(model_run_);
    model.done(model_done_);
    model.failed(model_failed_);
    SC_HAS_PROCESS(ff_sc_accel);
    SC_METHOD(on_rise);
    sensitive << clk.pos();
    dont_initialize();
    SC_METHOD(on_fall);
    sensitive << clk.neg();
    dont_initialize();
}

// ---- the array's buses, from b_transport (a thread) ----

// To a point just after a rising edge: drives written from here on are
// sampled by the next edge, and combinational outputs have a whole cycle to
// settle. Skips the wait when the edge of this instant has been seen.
void ff_sc_accel::align()
{
    if (sc_core::sc_time_stamp() != last_edge_ || edges_ == 0) edge();
}

void ff_sc_accel::edge()
{
    wait(clk.posedge_event());
    last_edge_ = sc_core::sc_time_stamp();
}

// As ff_rtl_reset: every drive low, reset for two edges, released.
void ff_sc_accel::reset()
{
    array.run_i.write(false);
    array.cfg_we_i.write(false);
    array.mem_we_i.write(false);
    array.hin_valid_i.write(0);
    array.hout_ready_i.write(0);
    array.rst_ni.write(false);
    align();
    edge();
    edge();
    array.rst_ni.write(true);
    model.clear();
    model_run_.write(false);
    mbox_.clear();
    model_len_ = 0;
    model_status_ = 0;
    msg_.clear();
    array_done_ = array_stopped_ = false;
    compare_ = 0;
    set_irq(false);
}

tlm::tlm_response_status ff_sc_accel::array_access(bool write, uint64_t addr, uint32_t *words, size_t n)
{
    if (busy_) return tlm::TLM_COMMAND_ERROR_RESPONSE; // the buses are the harness's only with run off
    bool cfg = addr < FF_SC_SRAM_BASE;
    uint32_t slot = 0, a;
    if (cfg) {
        a = (uint32_t)((addr - FF_SC_CFG_BASE) / 4);
    } else {
        uint64_t off = addr - FF_SC_SRAM_BASE;
        slot = (uint32_t)(off >> FF_SC_SRAM_SLOT_SHIFT);
        a = (uint32_t)((off & ((1u << FF_SC_SRAM_SLOT_SHIFT) - 1)) / 4);
        if ((uint64_t)a + n > (1u << FF_RTL_MEM_ADDR_BITS)) return tlm::TLM_BURST_ERROR_RESPONSE; // crosses a slot
    }
    align();
    for (size_t i = 0; i < n; i++, a++) {
        if (cfg && write) {
            array.cfg_we_i.write(true);
            array.cfg_addr_i.write(a);
            array.cfg_wdata_i.write(words[i]);
            edge();
            array.cfg_we_i.write(false);
        } else if (cfg) {
            array.cfg_addr_i.write(a);
            edge();
            words[i] = array.cfg_rdata_o.read();
        } else if (write) {
            array.mem_we_i.write(true);
            array.mem_slot_i.write(slot);
            array.mem_addr_i.write(a);
            array.mem_wdata_i.write(words[i]);
            edge();
            array.mem_we_i.write(false);
        } else {
            array.mem_slot_i.write(slot);
            array.mem_addr_i.write(a);
            edge();
            words[i] = array.mem_rdata_o.read();
        }
    }
    return tlm::TLM_OK_RESPONSE;
}

// ---- the control/status block and the mailbox ----

void ff_sc_accel::set_irq(bool on)
{
    irq_level_ = on;
    irq.write(on);
}

void ff_sc_accel::model_command(uint32_t cmd)
{
    ff_err err{};
    int rc = 0;
    model_status_ = 0;
    msg_.clear();
    if (busy_) {
        rc = ff_err_set(&err, FF_EINVAL, "model command %u: a run is going", cmd);
    } else if (model_len_ > mbox_.size()) {
        rc = ff_err_set(&err, FF_EINVAL, "model command %u: MODEL_LEN %u, but %zu bytes were written", cmd, model_len_,
                        mbox_.size());
    } else {
        std::string operand(mbox_.begin(), mbox_.begin() + model_len_);
        switch (cmd) {
        case FF_SC_CMD_ARCH: rc = model.set_arch(operand, &err); break;
        case FF_SC_CMD_GRAPH: rc = model.set_graph(operand, &err); break;
        case FF_SC_CMD_BIND: rc = model.bind(mbox_.data(), model_len_, &err); break;
        case FF_SC_CMD_OUTPUT: {
            std::vector<uint8_t> blob;
            if (!(rc = model.output(operand, blob, &err))) {
                mbox_ = std::move(blob);
                model_len_ = (uint32_t)mbox_.size();
            }
            break;
        }
        default: rc = ff_err_set(&err, FF_EINVAL, "model command %u: no such command", cmd);
        }
    }
    if (rc) {
        model_status_ = rc;
        msg_ = err.msg;
    }
}

static void put64(uint32_t off, uint32_t base, uint64_t v, uint32_t *data)
{
    *data = off == base ? (uint32_t)v : (uint32_t)(v >> 32);
}

tlm::tlm_response_status ff_sc_accel::ctrl_access(bool write, uint32_t off, uint32_t *data)
{
    const uint32_t v = *data;
    auto lo_hi = [off](uint32_t base) { return off == base || off == base + 4; };
    if (lo_hi(FF_SC_REG_MAX_CYCLES)) {
        if (!write) {
            put64(off, FF_SC_REG_MAX_CYCLES, max_cycles_, data);
        } else if (off == FF_SC_REG_MAX_CYCLES) {
            max_cycles_ = (max_cycles_ & ~UINT64_C(0xffffffff)) | v;
        } else {
            max_cycles_ = (max_cycles_ & UINT64_C(0xffffffff)) | (uint64_t)v << 32;
        }
        return tlm::TLM_OK_RESPONSE;
    }
    if (write) {
        switch (off) {
        case FF_SC_REG_CTRL:
            if (v & FF_SC_CTRL_RESET) {
                if (busy_) return tlm::TLM_COMMAND_ERROR_RESPONSE;
                reset();
            }
            if (v & FF_SC_CTRL_ACK) set_irq(false);
            if (v & FF_SC_CTRL_START) {
                if (busy_) return tlm::TLM_COMMAND_ERROR_RESPONSE;
                busy_ = start_pending_ = true;
                array_done_ = array_stopped_ = false;
                compare_ = 0;
                set_irq(false);
                ff_err err{};
                model_status_ = model.start(&err);
                model_running_ = model_status_ == 0;
                if (model_status_) msg_ = err.msg;
            }
            return tlm::TLM_OK_RESPONSE;
        case FF_SC_REG_WATCHDOG: watchdog_ = v; return tlm::TLM_OK_RESPONSE;
        case FF_SC_REG_MODEL_CMD: model_command(v); return tlm::TLM_OK_RESPONSE;
        case FF_SC_REG_MODEL_LEN: model_len_ = v; return tlm::TLM_OK_RESPONSE;
        default: {
            uint32_t ignored;
            return ctrl_access(false, off, &ignored) == tlm::TLM_OK_RESPONSE ? tlm::TLM_COMMAND_ERROR_RESPONSE // read only
                                                                             : tlm::TLM_ADDRESS_ERROR_RESPONSE;
        }
        }
    }
    uint64_t array_cycles = array_done_ ? ff_rtl_watch_cycles(&watch_) : watch_.cycle;
    if (lo_hi(FF_SC_REG_ARRAY_CYCLES)) put64(off, FF_SC_REG_ARRAY_CYCLES, array_cycles, data);
    else if (lo_hi(FF_SC_REG_MODEL_CYCLES)) put64(off, FF_SC_REG_MODEL_CYCLES, model.cycles(), data);
    else if (lo_hi(FF_SC_REG_ARRAY_STOP_CYCLE)) put64(off, FF_SC_REG_ARRAY_STOP_CYCLE, watch_.stop_cycle, data);
    else if (lo_hi(FF_SC_REG_EDGES)) put64(off, FF_SC_REG_EDGES, edges_, data);
    else if (off >= FF_SC_REG_ARRAY_NAME && off < FF_SC_REG_ARRAY_NAME + FF_SC_ARRAY_NAME_SIZE) {
        char name[FF_SC_ARRAY_NAME_SIZE] = {0};
        std::strncpy(name, FF_SC_CONFIG_NAME, sizeof name - 1);
        std::memcpy(data, name + (off - FF_SC_REG_ARRAY_NAME), 4);
    } else {
        switch (off) {
        case FF_SC_REG_ID: *data = FF_SC_ID; break;
        case FF_SC_REG_CTRL: case FF_SC_REG_MODEL_CMD: *data = 0; break;
        case FF_SC_REG_STATUS:
            *data = (busy_ ? FF_SC_ST_BUSY : 0) | (array_done_ ? FF_SC_ST_ARRAY_DONE : 0) |
                    (array_stopped_ ? FF_SC_ST_ARRAY_STOP : 0) | (model.finished() ? FF_SC_ST_MODEL_DONE : 0) |
                    (model_status_ ? FF_SC_ST_MODEL_FAIL : 0) | (irq_level_ ? FF_SC_ST_IRQ : 0);
            break;
        case FF_SC_REG_COMPARE: *data = compare_; break;
        case FF_SC_REG_ARRAY_STOP: *data = array_stopped_ ? (uint32_t)-watch_.stop : 0; break;
        case FF_SC_REG_WATCHDOG: *data = (uint32_t)watchdog_; break;
        case FF_SC_REG_MODEL_LEN: *data = model_len_; break;
        case FF_SC_REG_MODEL_STATUS: *data = (uint32_t)-model_status_; break;
        default: return tlm::TLM_ADDRESS_ERROR_RESPONSE;
        }
    }
    return tlm::TLM_OK_RESPONSE;
}

void ff_sc_accel::b_transport(tlm::tlm_generic_payload &p, sc_time &delay)
{
    if (delay != SC_ZERO_TIME) {
        wait(delay);
        delay = SC_ZERO_TIME;
    }
    const uint64_t addr = p.get_address();
    const size_t len = p.get_data_length();
    unsigned char *ptr = p.get_data_ptr();
    const bool write = p.is_write();
    if (p.get_command() == tlm::TLM_IGNORE_COMMAND) {
        p.set_response_status(tlm::TLM_OK_RESPONSE);
        return;
    }
    if (p.get_byte_enable_ptr()) {
        p.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return;
    }
    if (p.get_streaming_width() < len) {
        p.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return;
    }
    auto in = [&](uint64_t base, uint64_t size) { return addr >= base && addr - base < size && len <= size - (addr - base); };
    const bool words = len > 0 && len % 4 == 0 && addr % 4 == 0;
    tlm::tlm_response_status st = tlm::TLM_ADDRESS_ERROR_RESPONSE;
    if (in(FF_SC_CFG_BASE, FF_SC_CFG_SIZE) || in(FF_SC_SRAM_BASE, FF_SC_SRAM_SIZE)) {
        if (!words) {
            st = tlm::TLM_GENERIC_ERROR_RESPONSE;
        } else {
            std::vector<uint32_t> w(len / 4);
            if (write) std::memcpy(w.data(), ptr, len);
            st = array_access(write, addr, w.data(), w.size());
            if (!write && st == tlm::TLM_OK_RESPONSE) std::memcpy(ptr, w.data(), len);
        }
    } else if (in(FF_SC_CTRL_BASE, FF_SC_CTRL_SIZE)) {
        // a burst is one register access per word, in address order
        st = words ? tlm::TLM_OK_RESPONSE : tlm::TLM_GENERIC_ERROR_RESPONSE;
        for (size_t i = 0; i < len && st == tlm::TLM_OK_RESPONSE; i += 4) {
            uint32_t v;
            std::memcpy(&v, ptr + i, 4);
            st = ctrl_access(write, (uint32_t)(addr + i - FF_SC_CTRL_BASE), &v);
            if (!write) std::memcpy(ptr + i, &v, 4);
        }
        delay += period_;
    } else if (in(FF_SC_MSG_BASE, FF_SC_MSG_SIZE)) {
        if (write) {
            st = tlm::TLM_COMMAND_ERROR_RESPONSE;
        } else {
            size_t off = addr - FF_SC_MSG_BASE;
            for (size_t i = 0; i < len; i++) ptr[i] = off + i < msg_.size() ? (unsigned char)msg_[off + i] : 0;
            st = tlm::TLM_OK_RESPONSE;
        }
        delay += period_;
    } else if (in(FF_SC_MBOX_BASE, FF_SC_MBOX_SIZE)) {
        size_t off = addr - FF_SC_MBOX_BASE;
        if (write) {
            if (mbox_.size() < off + len) mbox_.resize(off + len);
            std::memcpy(mbox_.data() + off, ptr, len);
        } else {
            for (size_t i = 0; i < len; i++) ptr[i] = off + i < mbox_.size() ? mbox_[off + i] : 0;
        }
        st = tlm::TLM_OK_RESPONSE;
        delay += period_;
    }
    p.set_response_status(st);
}

// ---- the run ----

// What the array showed during the cycle this edge ends.
void ff_sc_accel::on_rise()
{
    last_edge_ = sc_core::sc_time_stamp();
    edges_++;
    if (array_running_) moved_ = array.active_o.read();
}

// Between edges: the array's state after the last edge has settled. The
// run's bookkeeping, in the order of ff_rtl_run_graph's loop.
void ff_sc_accel::on_fall()
{
    if (start_pending_) {
        start_pending_ = false;
        ff_rtl_watch_init(&watch_, max_cycles_, watchdog_);
        array_running_ = ff_rtl_watch_begin(&watch_) == 0;
        array_stopped_ = !array_running_;
        array.run_i.write(array_running_);
        model_run_.write(model_running_);
        // the array registers run_i (docs/rtl.md "run_i"): the next edge
        // only raises it inside, and the run's cycle 0 is the one after
        start_edge_ = array_running_;
        return;
    }
    if (start_edge_) {
        start_edge_ = false;
        return;
    }
    if (array_running_) {
        if (ff_rtl_watch_end(&watch_, moved_, array.done_o.read(), array.error_o.read())) {
            array_stopped_ = true;
        } else if (watch_.tiles_done) {
            array_done_ = true;
        } else if (ff_rtl_watch_begin(&watch_)) {
            array_stopped_ = true;
        }
        if (array_stopped_ || array_done_) {
            array_running_ = false;
            array.run_i.write(false);
        }
    }
    if (model_running_ && (model_done_.read() || model_failed_.read())) {
        model_running_ = false;
        model_run_.write(false);
        if (model_failed_.read()) {
            model_status_ = model.error().code ? model.error().code : FF_ERUNTIME;
            msg_ = model.error().msg;
        }
    }
    if (busy_ && !array_running_ && !model_running_) {
        busy_ = false;
        compare_ = array_done_ && model.finished() ? FF_SC_CMP_VALID : 0;
        if (compare_ && ff_rtl_watch_cycles(&watch_) == model.cycles()) compare_ |= FF_SC_CMP_CYCLES;
        set_irq(true);
    }
}
