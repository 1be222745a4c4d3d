/*
 * cosim.c -- one graph on the C cycle model and on the Verilated array,
 * compared (ff_cosim.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ff_cosim.h"

struct ff_cosim {
    ff_rtl *rtl;        /* the linked Verilated array */
    ff_array_desc array; /* its geometry, read back from it */
};

int ff_cosim_new(ff_cosim **out, ff_err *err)
{
    ff_cosim *c = calloc(1, sizeof *c);
    if (!c || !(c->rtl = ff_rtl_new())) {
        free(c);
        return ff_err_set(err, FF_ENOMEM, "cannot create the Verilated array");
    }
    int rc = ff_rtl_read_array(c->rtl, &c->array, err);
    if (rc) {
        ff_cosim_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void ff_cosim_free(ff_cosim *c)
{
    if (!c) return;
    ff_rtl_free(c->rtl);
    free(c);
}

const ff_array_desc *ff_cosim_array(const ff_cosim *c) { return &c->array; }
ff_rtl *ff_cosim_rtl(ff_cosim *c) { return c->rtl; }

void ff_cosim_result_free(ff_cosim_result *res)
{
    if (!res) return;
    for (int t = 0; res->c_out && t < res->ntensors; t++) ff_tensor_free(res->c_out[t]);
    free(res->c_out);
    res->c_out = NULL;
}

/* Applies the fault to b; describes it in desc ("alu[0] 'node' register 1
 * 0x... -> 0x..."). */
static int inject(const ff_cosim *c, ff_bitstream *b, const ff_cosim_fault *f, char *desc, size_t n, ff_err *err)
{
    const ff_hw_kind *hk = f->kind >= 0 && f->kind < FF_RTL_NKINDS ? ff_hw_kind_get(f->kind) : NULL;
    int slot = hk && hk->name ? ff_array_tile_slot(&c->array, f->kind, f->index) : -1;
    if (slot < 0) return ff_err_set(err, FF_EINVAL, "fault: array '%s' has no such tile", c->array.name);
    const ff_bs_tile *t = ff_bitstream_tile(b, slot);
    uint32_t addr = (uint32_t)slot * FF_RTL_REGS_PER_SLOT + (uint32_t)f->reg;
    for (size_t i = b->words.len; i-- > 0;) {
        if (b->words.data[i].addr != addr) continue;
        uint32_t old = b->words.data[i].data;
        b->words.data[i].data ^= f->xor_mask;
        snprintf(desc, n, "%s[%d] '%s' register %d 0x%08" PRIx32 " -> 0x%08" PRIx32, hk->name, f->index,
                 t ? t->node : "(unused)", f->reg, old, b->words.data[i].data);
        return 0;
    }
    return ff_err_set(err, FF_EINVAL, "fault: the bitstream writes no register %d of %s[%d]", f->reg, hk->name,
                      f->index);
}

int ff_cosim_graph(ff_cosim *c, const ff_graph *g, const ff_tensor *const *inputs, const ff_cosim_opts *opts,
                   ff_cosim_result *res, ff_err *err)
{
    static const ff_cosim_opts none;
    if (!opts) opts = &none;
    memset(res, 0, sizeof *res);
    res->ntensors = g->ntensors;
    res->c_out = calloc((size_t)g->ntensors + 1, sizeof *res->c_out);
    ff_sim *s = NULL;
    ff_bitstream *b = NULL;
    ff_rtl_result rr = {0};
    char fault[256] = "";
    int rc;

    /* the C model */
    ff_sim_opts so;
    ff_sim_opts_default(&so);
    if (opts->arch) so.arch = *opts->arch;
    so.max_cycles = 50000000;
    rc = ff_sim_new(g, &so, &s, err);
    for (int t = 0; !rc && t < g->ntensors; t++)
        if (!g->tensors[t].is_output) rc = ff_sim_bind(s, g->tensors[t].name, inputs[t], err);
    if (!rc) rc = ff_sim_run(s, err);
    if (!rc) res->c_cycles = ff_sim_cycles(s);
    for (int t = 0; !rc && t < g->ntensors; t++)
        if (g->tensors[t].is_output) rc = ff_sim_take_output(s, g->tensors[t].name, &res->c_out[t], err);
    if (rc) {
        ff_err_wrap(err, "C model: ");
        goto out;
    }

    /* the back end, optionally through the bitstream's text form */
    if ((rc = ff_backend_compile(g, &c->array, opts->arch, &b, err))) {
        ff_err_wrap(err, "back end: ");
        goto out;
    }
    res->tiles = b->tiles.len;
    if (opts->roundtrip) {
        char *text = ff_bitstream_to_string(b);
        ff_bitstream *back = NULL;
        rc = text ? ff_bitstream_parse(text, g->name, &back, err)
                  : ff_err_set(err, FF_EINVAL, "the bitstream has no text form");
        if (!rc && !ff_bitstream_equal(b, back))
            rc = ff_err_set(err, FF_EMISMATCH, "the bitstream does not survive its text form");
        free(text);
        if (!rc) {
            ff_bitstream_free(b);
            b = back;
        } else {
            ff_bitstream_free(back);
            ff_err_wrap(err, "back end: ");
            goto out;
        }
    }
    if (opts->fault.xor_mask && (rc = inject(c, b, &opts->fault, fault, sizeof fault, err))) goto out;

    /* the RTL */
    ff_rtl_run_opts ro = {.max_cycles = opts->max_cycles, .watchdog = opts->watchdog};
    rc = ff_rtl_run_graph(c->rtl, g, b, inputs, &ro, &rr, err);
    if (rc) {
        ff_err_wrap(err, "RTL: ");
    } else {
        res->rtl_cycles = rr.cycles;
        for (int t = 0; !rc && t < g->ntensors; t++) {
            if (!g->tensors[t].is_output) continue;
            if ((rc = ff_tensor_compare(rr.outputs[t], res->c_out[t], err)))
                ff_err_wrap(err, "output '%s' differs (got = RTL, expected = C model): ", g->tensors[t].name);
        }
        if (!rc && rr.cycles != res->c_cycles)
            rc = ff_err_set(err, FF_EMISMATCH,
                            "outputs equal, but the RTL took %" PRIu64 " cycles and the C model %" PRIu64 " (%+" PRId64
                            ")",
                            rr.cycles, res->c_cycles, (int64_t)(rr.cycles - res->c_cycles));
    }
    if (rc && opts->trace) {
        /* again, with a waveform of the failing run */
        ff_rtl_result again = {0};
        ff_err e2 = {0};
        ro.trace = opts->trace;
        ff_rtl_run_graph(c->rtl, g, b, inputs, &ro, &again, &e2);
        ff_rtl_result_free(&again);
        res->traced = 1;
    }
out:
    if (rc && fault[0]) ff_err_wrap(err, "[fault injected: %s] ", fault);
    ff_rtl_result_free(&rr);
    ff_bitstream_free(b);
    ff_sim_free(s);
    return rc;
}
