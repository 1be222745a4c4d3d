// sc_initiator.cpp -- the driver side (sc_modules.h): one job at a time, in
// a thread, every access a TLM-2.0 b_transport.
//
// A job: the array loaded by the loader of ff_rtl_load.h over a bus whose
// accesses are transactions (so exactly the direct path's writes); the C
// model given the architecture, the graph's JSON and, as blobs, the inputs
// the loader converted -- the tensors the array's SRAM received; START;
// the interrupt; both sides' results read back; compared.
#include <cinttypes>
#include <cstring>

#include "sc_modules.h"

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

ff_sc_initiator::ff_sc_initiator(sc_core::sc_module_name n)
    : sc_core::sc_module(n), socket("socket"), irq("irq")
{
    SC_HAS_PROCESS(ff_sc_initiator);
    SC_THREAD(thread);
    // the loader, the tensor conversions and the read-back run on this stack
    set_stack_size(8u << 20);
}

void ff_sc_initiator::post(job *j)
{
    job_ = j;
    job_posted_.notify(SC_ZERO_TIME);
}

void ff_sc_initiator::thread()
{
    for (;;) {
        while (!job_) wait(job_posted_);
        job *j = job_;
        job_ = nullptr;
        if (j->raw_len)
            j->rc = j->raw_write ? write(j->raw_addr, j->raw_data, j->raw_len, j->err)
                                 : read(j->raw_addr, j->raw_data, j->raw_len, j->err);
        else
            j->rc = run(*j);
        j->done = true;
        sc_core::sc_pause();
    }
}

// ---- transactions ----

static int transact(ff_sc_initiator *ini, tlm::tlm_command cmd, uint64_t addr, void *data, size_t bytes,
                    uint64_t *count, uint64_t *moved, ff_err *err)
{
    tlm::tlm_generic_payload p;
    sc_time delay = SC_ZERO_TIME;
    p.set_command(cmd);
    p.set_address(addr);
    p.set_data_ptr(static_cast<unsigned char *>(data));
    p.set_data_length((unsigned)bytes);
    p.set_streaming_width((unsigned)bytes);
    p.set_byte_enable_ptr(nullptr);
    p.set_dmi_allowed(false);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    ini->socket->b_transport(p, delay);
    // no temporal decoupling: the driver spends the annotated time at once
    if (delay != SC_ZERO_TIME) sc_core::wait(delay);
    (*count)++;
    *moved += bytes;
    if (p.is_response_error())
        return ff_err_set(err, FF_EIO, "TLM: %s of %zu bytes at 0x%08" PRIx64 ": %s",
                          cmd == tlm::TLM_READ_COMMAND ? "read" : "write", bytes, addr,
                          p.get_response_string().c_str());
    return 0;
}

int ff_sc_initiator::write(uint64_t addr, const void *data, size_t bytes, ff_err *err)
{
    return transact(this, tlm::TLM_WRITE_COMMAND, addr, const_cast<void *>(data), bytes, &transactions_, &bytes_, err);
}

int ff_sc_initiator::read(uint64_t addr, void *data, size_t bytes, ff_err *err)
{
    return transact(this, tlm::TLM_READ_COMMAND, addr, data, bytes, &transactions_, &bytes_, err);
}

int ff_sc_initiator::read64(uint64_t addr, uint64_t *v, ff_err *err)
{
    uint32_t lo = 0, hi = 0;
    int rc = read32(addr, &lo, err);
    if (!rc) rc = read32(addr + 4, &hi, err);
    *v = rc ? 0 : (uint64_t)lo | (uint64_t)hi << 32;
    return rc;
}

int ff_sc_initiator::write64(uint64_t addr, uint64_t v, ff_err *err)
{
    int rc = write32(addr, (uint32_t)v, err);
    return rc ? rc : write32(addr + 4, (uint32_t)(v >> 32), err);
}

// ---- the loader's bus, as transactions ----

static ff_sc_initiator *me(void *user) { return static_cast<ff_sc_initiator *>(user); }

static int bus_reset(void *user, ff_err *err)
{
    return me(user)->write32(FF_SC_CTRL_BASE + FF_SC_REG_CTRL, FF_SC_CTRL_RESET, err);
}

static int bus_cfg_write(void *user, uint32_t addr, uint32_t data, ff_err *err)
{
    return me(user)->write32(FF_SC_CFG_BASE + 4 * (uint64_t)addr, data, err);
}

static int bus_cfg_read(void *user, uint32_t addr, uint32_t *data, ff_err *err)
{
    return me(user)->read32(FF_SC_CFG_BASE + 4 * (uint64_t)addr, data, err);
}

static uint64_t sram(uint32_t slot, uint32_t addr)
{
    return FF_SC_SRAM_BASE + ((uint64_t)slot << FF_SC_SRAM_SLOT_SHIFT) + 4 * (uint64_t)addr;
}

static int bus_mem_write(void *user, uint32_t slot, uint32_t addr, const uint32_t *w, size_t n, ff_err *err)
{
    return me(user)->write(sram(slot, addr), w, 4 * n, err);
}

static int bus_mem_read(void *user, uint32_t slot, uint32_t addr, uint32_t *w, size_t n, ff_err *err)
{
    return me(user)->read(sram(slot, addr), w, 4 * n, err);
}

// ---- the model's mailbox ----

// The failed command's or run's message, from MSG.
int ff_sc_initiator::model_failure(const char *what, ff_err *err)
{
    uint32_t status = 0;
    char msg[FF_SC_MSG_SIZE + 1] = {0};
    int rc = read32(FF_SC_CTRL_BASE + FF_SC_REG_MODEL_STATUS, &status, err);
    if (!rc) rc = read(FF_SC_MSG_BASE, msg, FF_SC_MSG_SIZE, err);
    if (rc) return rc;
    return ff_err_set(err, status ? -(int)status : FF_EINVAL, "C model: %s%s", what, msg);
}

int ff_sc_initiator::model_command(uint32_t cmd, const void *operand, size_t len, ff_err *err)
{
    if (len > FF_SC_MBOX_SIZE) return ff_err_set(err, FF_EINVAL, "C model: %zu bytes do not fit the mailbox", len);
    uint32_t status = 0;
    int rc = len ? write(FF_SC_MBOX_BASE, operand, len, err) : 0;
    if (!rc) rc = write32(FF_SC_CTRL_BASE + FF_SC_REG_MODEL_LEN, (uint32_t)len, err);
    if (!rc) rc = write32(FF_SC_CTRL_BASE + FF_SC_REG_MODEL_CMD, cmd, err);
    if (!rc) rc = read32(FF_SC_CTRL_BASE + FF_SC_REG_MODEL_STATUS, &status, err);
    if (!rc && status) rc = model_failure("", err);
    return rc;
}

// ---- a job ----

int ff_sc_initiator::run(job &j)
{
    const ff_graph *g = j.g;
    ff_sc_result *res = j.res;
    ff_err *err = j.err;
    const ff_sc_opts *o = j.opts;
    const uint64_t t0 = transactions_, b0 = bytes_;
    uint64_t e0 = 0, e1 = 0, e2 = 0;
    uint32_t id = 0, status = 0;
    char name[FF_SC_ARRAY_NAME_SIZE + 1] = {0};
    ff_rtl_load *ld = nullptr;
    int rc;

    res->ntensors = g->ntensors;
    res->array_out = static_cast<ff_tensor **>(calloc((size_t)g->ntensors + 1, sizeof *res->array_out));
    res->model_out = static_cast<ff_tensor **>(calloc((size_t)g->ntensors + 1, sizeof *res->model_out));
    if (j.bs->ports.len)
        return ff_err_set(err, FF_EINVAL, "graph '%s' has source or sink nodes: the SystemC testbench does not drive "
                          "the array's harness ports", g->name);
    if ((rc = read64(FF_SC_CTRL_BASE + FF_SC_REG_EDGES, &e0, err)) ||
        (rc = read32(FF_SC_CTRL_BASE + FF_SC_REG_ID, &id, err)))
        return rc;
    if (id != FF_SC_ID) return ff_err_set(err, FF_EIO, "TLM: ID 0x%08x: no fuseflow accelerator at the target", id);
    if ((rc = read(FF_SC_CTRL_BASE + FF_SC_REG_ARRAY_NAME, name, FF_SC_ARRAY_NAME_SIZE, err))) return rc;
    array_name_ = name;

    // the array: reset, bitstream, binds -- the loader, over TLM
    ff_rtl_bus bus = {array_name_.c_str(), bus_reset, bus_cfg_write, bus_cfg_read, bus_mem_write, bus_mem_read, this};
    if ((rc = ff_rtl_load_graph(&bus, g, j.bs, j.inputs, &ld, err))) {
        ff_err_wrap(err, "RTL: ");
        return rc;
    }

    // the C model: architecture, graph, the inputs the array got
    const char *arch = o && o->arch_json ? o->arch_json : "";
    char *json = ff_graph_to_json_string(g);
    rc = model_command(FF_SC_CMD_ARCH, arch, strlen(arch), err);
    if (!rc) rc = json ? model_command(FF_SC_CMD_GRAPH, json, strlen(json), err)
                       : ff_err_set(err, FF_EINVAL, "C model: graph '%s' has no JSON form", g->name);
    free(json);
    const ff_tensor *const *in = ff_rtl_load_inputs(ld);
    for (int t = 0; t < g->ntensors && !rc; t++) {
        if (g->tensors[t].is_output) continue;
        uint8_t *blob = nullptr;
        size_t len = 0;
        if (!(rc = ff_sc_blob_encode(in[t], g->tensors[t].name, &blob, &len, err)))
            rc = model_command(FF_SC_CMD_BIND, blob, len, err);
        free(blob);
    }

    // both run; the interrupt says both have finished or stopped
    if (!rc) rc = write64(FF_SC_CTRL_BASE + FF_SC_REG_MAX_CYCLES, o ? o->max_cycles : 0, err);
    if (!rc) rc = write32(FF_SC_CTRL_BASE + FF_SC_REG_WATCHDOG, o ? (uint32_t)o->watchdog : 0, err);
    if (!rc) rc = read64(FF_SC_CTRL_BASE + FF_SC_REG_EDGES, &e1, err);
    if (!rc) rc = write32(FF_SC_CTRL_BASE + FF_SC_REG_CTRL, FF_SC_CTRL_START, err);
    if (!rc) {
        while (!irq.read()) wait(irq.posedge_event());
        rc = read64(FF_SC_CTRL_BASE + FF_SC_REG_EDGES, &e2, err);
    }
    uint32_t compare = 0;
    if (!rc) rc = read32(FF_SC_CTRL_BASE + FF_SC_REG_STATUS, &status, err);
    if (!rc) rc = read32(FF_SC_CTRL_BASE + FF_SC_REG_COMPARE, &compare, err);
    if (!rc) rc = write32(FF_SC_CTRL_BASE + FF_SC_REG_CTRL, FF_SC_CTRL_ACK, err);
    res->compare = (int)compare;
    res->run_edges = e2 - e1;

    // the C model's result
    if (!rc && !(status & FF_SC_ST_MODEL_DONE)) rc = model_failure("", err);
    if (!rc) rc = read64(FF_SC_CTRL_BASE + FF_SC_REG_MODEL_CYCLES, &res->model_cycles, err);
    for (int t = 0; t < g->ntensors && !rc; t++) {
        if (!g->tensors[t].is_output) continue;
        const char *tn = g->tensors[t].name;
        uint32_t len = 0;
        ff_format fmt;
        rc = model_command(FF_SC_CMD_OUTPUT, tn, strlen(tn), err);
        if (!rc) rc = read32(FF_SC_CTRL_BASE + FF_SC_REG_MODEL_LEN, &len, err);
        std::vector<uint8_t> blob(len);
        if (!rc && len) rc = read(FF_SC_MBOX_BASE, blob.data(), len, err);
        if (!rc && ((rc = ff_format_parse(g->tensors[t].format, g->tensors[t].order, &fmt, err)) ||
                    (rc = ff_sc_blob_decode(blob.data(), blob.size(), &fmt, &res->model_out[t], err))))
            ff_err_wrap(err, "C model: output '%s': ", tn);
    }

    // the array's: a stopped run is explained as the direct path explains it
    if (!rc && (status & FF_SC_ST_ARRAY_STOP)) {
        ff_rtl_watch w;
        uint32_t stop = 0, watchdog = 0;
        ff_rtl_watch_init(&w, o ? o->max_cycles : 0, o ? o->watchdog : 0);
        rc = read32(FF_SC_CTRL_BASE + FF_SC_REG_ARRAY_STOP, &stop, err);
        if (!rc) rc = read32(FF_SC_CTRL_BASE + FF_SC_REG_WATCHDOG, &watchdog, err);
        if (!rc) rc = read64(FF_SC_CTRL_BASE + FF_SC_REG_ARRAY_STOP_CYCLE, &w.stop_cycle, err);
        if (!rc) {
            w.stop = -(int)stop;
            rc = ff_rtl_load_explain(ld, &w, err);
            if (rc != FF_EIO) ff_err_wrap(err, "RTL: ");
        }
    }
    if (!rc && !(status & FF_SC_ST_ARRAY_DONE))
        rc = ff_err_set(err, FF_EINVAL, "RTL: the array neither finished nor was stopped (STATUS 0x%x)", status);
    if (!rc) rc = read64(FF_SC_CTRL_BASE + FF_SC_REG_ARRAY_CYCLES, &res->array_cycles, err);
    if (!rc && (rc = ff_rtl_load_read_outputs(ld, res->array_out, err)) && rc != FF_EIO) ff_err_wrap(err, "RTL: ");

    // the target's own verdict must agree with the counts it gave
    bool same = res->array_cycles == res->model_cycles;
    if (!rc && compare != (FF_SC_CMP_VALID | (same ? FF_SC_CMP_CYCLES : 0)))
        rc = ff_err_set(err, FF_EINVAL, "the target's COMPARE register says 0x%x, the cycle counts %" PRIu64 " and %" PRIu64,
                        compare, res->array_cycles, res->model_cycles);
    // compared: got = the array, expected = the C model (ff_cosim_graph's words)
    for (int t = 0; t < g->ntensors && !rc; t++) {
        if (!g->tensors[t].is_output) continue;
        if ((rc = ff_tensor_compare(res->array_out[t], res->model_out[t], err)))
            ff_err_wrap(err, "output '%s' differs (got = RTL, expected = C model): ", g->tensors[t].name);
    }
    if (!rc && res->array_cycles != res->model_cycles)
        rc = ff_err_set(err, FF_EMISMATCH,
                        "outputs equal, but the RTL took %" PRIu64 " cycles and the C model %" PRIu64 " (%+" PRId64 ")",
                        res->array_cycles, res->model_cycles, (int64_t)(res->array_cycles - res->model_cycles));

    uint64_t e3 = e2;
    ff_err scratch{};
    if (read64(FF_SC_CTRL_BASE + FF_SC_REG_EDGES, &e3, &scratch) == 0) res->edges = e3 - e0;
    res->transactions = transactions_ - t0;
    res->bytes = bytes_ - b0;
    ff_rtl_load_free(ld);
    return rc;
}
