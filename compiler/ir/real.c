/*
 * real.c -- results against the model in real numbers (ff_ir_real_error):
 * the sparse evaluator in real mode (interp_int.h, "ir_val"), then an
 * entry-by-entry comparison over the union of both supports.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interp_int.h"

typedef struct cmp {
    const char *name;
    const ff_tensor *ref;   /* real mode's result: handles into reals */
    const ff_tensor *got;   /* fixed point */
    const ir_reals *reals;
    int F;
    int pass;               /* 0: the reference's entries; 1: got's the reference lacks */
    ff_ir_error *e;
} cmp;

static void where(char *buf, size_t n, const char *name, int order, const uint32_t *c, double got, double ref)
{
    size_t len = (size_t)snprintf(buf, n, "%s(", name);
    for (int m = 0; m < order && len < n; m++) len += (size_t)snprintf(buf + len, n - len, "%s%u", m ? "," : "", c[m]);
    if (len < n) snprintf(buf + len, n - len, "): got %.9g, float64 %.9g", got, ref);
}

static void note(cmp *C, const uint32_t *coords, double got, double ref)
{
    ff_ir_error *e = C->e;
    double d = fabs(got - ref);
    e->compared++;
    if (d > e->max_abs || (isnan(d) && !isnan(e->max_abs))) {
        e->max_abs = d;
        where(e->abs_at, sizeof e->abs_at, C->name, C->ref->order, coords, got, ref);
    }
    if (fabs(ref) >= e->rel_floor && d / fabs(ref) > e->max_rel) {
        e->max_rel = d / fabs(ref);
        where(e->rel_at, sizeof e->rel_at, C->name, C->ref->order, coords, got, ref);
    }
}

static int visit(void *ctx, const uint32_t *coords, ff_fx stored)
{
    cmp *C = ctx;
    if (C->pass == 0) { /* every entry of the reference */
        double ref = C->reals->v.data[(uint32_t)stored];
        double got = ff_tensor_stored(C->got, coords) ? ff_fx_to_double(ff_tensor_get(C->got, coords), C->F) : 0;
        note(C, coords, got, ref);
    } else if (!ff_tensor_stored(C->ref, coords)) { /* got's entries the reference lacks */
        note(C, coords, ff_fx_to_double(stored, C->F), 0);
    }
    return 0;
}

int ff_ir_real_error(const ff_ir_program *p, const ff_tensor *const *inputs, ff_tensor *const *got, ff_ir_error *out,
                     ff_err *err)
{
    memset(out, 0, sizeof *out);
    out->rel_floor = ldexp(1, -p->frac_bits);
    ir_reals reals = {0};
    ff_tensor **ref = ff_xcalloc((size_t)p->ntensors + 1, sizeof *ref);
    int rc = ir_sparse_run(p, inputs, ref, &reals, err);
    for (int t = 0; !rc && t < p->ntensors; t++) {
        if (p->tensors[t].role == FF_IR_INPUT || !ref[t] || !got[t]) continue;
        cmp C = {p->tensors[t].name, ref[t], got[t], &reals, p->frac_bits, 0, out};
        /* ff_tensor_foreach visits stored entries; a dense level's zeros included */
        ff_tensor_foreach(ref[t], visit, &C);
        C.pass = 1;
        ff_tensor_foreach(got[t], visit, &C);
    }
    for (int t = 0; t < p->ntensors; t++) ff_tensor_free(ref[t]);
    free(ref);
    free(reals.v.data);
    return rc;
}
