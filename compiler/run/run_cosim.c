/*
 * run_cosim.c -- the co-simulate callbacks of the program runner
 * (ff_run_cosim.h): each kernel on the C model and the RTL, recorded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ff_run_cosim.h"

typedef struct cstate {
    ff_cosim *c;
    const ff_run_cosim_opts *o;
    ff_tensor *const *ref;
    ff_run_cosim_kernel *ks; /* one per kernel (per phase of one with held producers) */
    int nk, cap;
    int index, phase;        /* the kernel and phase of ks[nk - 1] */
    int traced;              /* a waveform was written: no more */
    int stop;                /* a kernel produced nothing: the rest are not run */
    /* the current kernel */
    clock_t t0;
    int ran;                 /* the C model finished: its results are stored */
    ff_cosim_result res;
    int mismatch;            /* ff_cosim_graph's error although the C model ran */
    ff_err mismatch_err;
} cstate;

/* The error and, when one was searched for, the divergence report. */
static char *failure_text(const char *msg, const ff_cosim_result *res)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return ff_xstrdup(msg);
    fprintf(f, "%s\n", msg);
    if (res->div.channels) ff_cosim_print_divergence(&res->div, f);
    fclose(f);
    while (len && buf[len - 1] == '\n') buf[--len] = '\0';
    return buf;
}

/* The record of rk's kernel (or phase), made, named and its clock started
 * the first time. */
static ff_run_cosim_kernel *record(cstate *S, const ff_run_kernel *rk)
{
    const ff_ir_program *p = rk->p;
    int fresh = !(S->nk && S->index == rk->index && S->phase == rk->phase);
    if (fresh && S->nk == S->cap) {
        S->cap = S->cap ? 2 * S->cap : rk->nkernels + 1;
        S->ks = ff_xrealloc(S->ks, (size_t)S->cap * sizeof *S->ks);
    }
    ff_run_cosim_kernel *kc = fresh ? &S->ks[S->nk++] : &S->ks[S->nk - 1];
    if (fresh) memset(kc, 0, sizeof *kc);
    S->index = rk->index;
    S->phase = rk->phase;
    /* named again once its phases are known */
    int n = snprintf(kc->name, sizeof kc->name, "%s:%d kernel %d", S->o->model ? S->o->model : "program",
                     p->stmts[rk->k->first].pos.line, rk->index + 1);
    if (rk->nphases > 1) n += snprintf(kc->name + n, sizeof kc->name - (size_t)n, ".%d", rk->phase + 1);
    n += snprintf(kc->name + n, sizeof kc->name - (size_t)n, " ->");
    for (int q = 0; q < rk->k->nroots && n < (int)sizeof kc->name; q++)
        n += snprintf(kc->name + n, sizeof kc->name - (size_t)n, " %s", p->tensors[p->stmts[rk->k->roots[q]].lhs].name);
    if (!fresh) return kc;
    S->t0 = clock();
    S->ran = 0;
    S->mismatch = 0;
    memset(&S->res, 0, sizeof S->res);
    return kc;
}

/* Refuses a kernel after one that produced nothing. */
static int begin(ff_run_kernel *rk, void *user, ff_err *err)
{
    cstate *S = user;
    record(S, rk);
    if (S->stop) return ff_err_set(err, FF_EINVAL, "not run: an earlier kernel produced no results");
    return 0;
}

/* Both models; the C model's outputs go to the runner to store. A tiled
 * kernel comes once per tile: its record sums their cycles and keeps the
 * first mismatching tile's result (and divergence). */
static int cosim_kernel(ff_run_kernel *rk, void *user, ff_err *err)
{
    cstate *S = user;
    ff_run_cosim_kernel *kc = record(S, rk);
    ff_cosim_opts co = S->o->graph;
    if (S->traced) co.trace = NULL;
    /* what this phase holds on chip, per graph tensor */
    unsigned char *on_chip = NULL;
    if (rk->on_chip) {
        on_chip = ff_xcalloc((size_t)rk->g->ntensors + 1, 1);
        for (int t = 0; t < rk->g->ntensors; t++) {
            int pt = ff_ir_find_tensor(rk->p, rk->g->tensors[t].name);
            on_chip[t] = pt >= 0 && rk->on_chip[pt];
        }
        co.on_chip = on_chip;
    }
    ff_cosim_result scratch = {0}, *res = &S->res;
    if (rk->tile > 0) {
        if (S->mismatch) res = &scratch;
        else ff_cosim_result_free(&S->res);
    } else {
        kc->c_cycles = kc->rtl_cycles = 0;
        memset(&kc->timing, 0, sizeof kc->timing);
        kc->tiles = 0;
        kc->compared = 1;
    }
    ff_err kerr = {0};
    int krc = ff_cosim_graph(S->c, rk->g, rk->in, &co, res, &kerr);
    free(on_chip);
    kc->c_cycles += res->c_cycles;
    ff_sim_timing_add(&kc->timing, &res->c_timing);
    kc->rtl_cycles += res->rtl_cycles;
    if (res->tiles > kc->tiles) kc->tiles = res->tiles;
    kc->coord_tiles = rk->ntiles;
    kc->coord_skipped = rk->tiles_skipped;
    if (res->traced) {
        kc->traced = 1;
        kc->trace_from = res->trace_from;
        kc->trace_to = res->trace_to;
    }
    S->traced |= res->traced;
    S->ran = res->c_out && res->c_cycles;
    kc->compared &= S->ran && res->rtl_cycles;
    if (!S->ran) {
        *err = kerr;
        if (!krc) krc = ff_err_set(err, FF_EINVAL, "the C model produced no results");
        ff_cosim_result_free(&scratch);
        return krc;
    }
    for (int t = 0; t < rk->g->ntensors; t++)
        if (rk->g->tensors[t].is_output && ff_ir_find_tensor(rk->p, rk->g->tensors[t].name) >= 0) {
            rk->out[t] = res->c_out[t];
            res->c_out[t] = NULL;
        }
    if (!S->mismatch) {
        S->mismatch = krc;
        S->mismatch_err = kerr;
    }
    ff_cosim_result_free(&scratch);
    return 0;
}

/* The stored results against the reference interpreter's. */
static int check_ref(const cstate *S, const ff_run_kernel *rk, ff_err *err)
{
    for (int t = 0; S->ref && t < rk->g->ntensors; t++) {
        if (!rk->g->tensors[t].is_output) continue;
        int pt = ff_ir_find_tensor(rk->p, rk->g->tensors[t].name);
        if (pt < 0 || !S->ref[pt] || !rk->data[pt]) continue;
        int rc = ff_tensor_compare(rk->data[pt], S->ref[pt], err);
        if (rc) {
            ff_err_wrap(err, "C model vs reference interpreter: ");
            return rc;
        }
    }
    return 0;
}

/* Records the kernel's outcome; the run always goes on. */
static int finish(ff_run_kernel *rk, int rc, void *user, ff_err *err)
{
    cstate *S = user;
    ff_run_cosim_kernel *kc = record(S, rk);
    if (S->stop) {
        kc->failure = ff_xstrdup("not run: an earlier kernel produced no results");
    } else {
        if (!rc && S->ran) rc = check_ref(S, rk, err);
        if (S->mismatch) kc->failure = failure_text(S->mismatch_err.msg, &S->res);
        else if (rc) kc->failure = failure_text(err->msg, &S->res);
        if (!S->ran) S->stop = 1;
        kc->seconds = (double)(clock() - S->t0) / CLOCKS_PER_SEC;
    }
    ff_cosim_result_free(&S->res);
    memset(&S->res, 0, sizeof S->res);
    if (S->o->done) S->o->done(kc, S->o->done_user);
    return 0;
}

int ff_run_cosim_program(ff_cosim *c, const ff_ir_program *p, ff_tensor **data, ff_tensor *const *ref,
                         const ff_run_sched *s, const ff_run_cosim_opts *opts, ff_run_cosim_kernel **kernels,
                         int *nkernels, ff_err *err)
{
    /* The array is the hardware: a stream buffer holds what its tile holds
     * (its SRAM's words, two per entry) when the arch file allows more, so
     * the C model, the lowering's capacity check and the bitstream agree. */
    ff_arch arch;
    ff_arch_default(&arch);
    if (opts->graph.arch) arch = *opts->graph.arch;
    ff_array_fit_arch(ff_cosim_array(c), &arch);
    ff_run_cosim_opts o = *opts;
    o.graph.arch = &arch;
    ff_run_sched sched = {0};
    if (s) sched = *s;
    ff_run_sched_arch(&sched, &arch);
    cstate S = {.c = c, .o = &o, .ref = ref};
    ff_run_ops ops = {.kernel = cosim_kernel, .orders = begin, .done = finish, .user = &S};
    *kernels = NULL;
    *nkernels = 0;
    int rc = ff_run_program(p, data, &sched, &ops, err);
    if (rc) {
        ff_run_cosim_kernels_free(S.ks, S.nk);
        return rc;
    }
    *kernels = S.ks;
    *nkernels = S.nk;
    return 0;
}

void ff_run_cosim_kernels_free(ff_run_cosim_kernel *kernels, int n)
{
    for (int i = 0; kernels && i < n; i++) free(kernels[i].failure);
    free(kernels);
}
