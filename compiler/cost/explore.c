/*
 * explore.c -- the design space of a program: fusion partitions x loop
 * orders, estimated, pruned, simulated, written as CSV.
 *
 * Kernels are shared between schedules: a kernel (a statement range) with
 * one choice of orders for its roots costs the same in every schedule that
 * contains it, because what it reads -- inputs and earlier kernels' results,
 * stored in their declared formats -- is the same in every schedule. So each
 * (kernel, orders) pair is estimated once and simulated at most once, on the
 * results the unfused baseline stored.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cost_int.h"
#include "ff_run.h"

enum { ORDER_ENUM_LIMIT = 20000 };

void ff_cost_partition_spec(int nstmts, uint64_t mask, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int s = 0; s < nstmts && len < n;) {
        int e = s;
        while (e + 1 < nstmts && e < 64 && (mask >> e & 1)) e++;
        if (e == s) len += (size_t)snprintf(buf + len, n - len, "%s%d", len ? "," : "", s + 1);
        else len += (size_t)snprintf(buf + len, n - len, "%s%d-%d", len ? "," : "", s + 1, e + 1);
        s = e + 1;
    }
}

void ff_cost_explore_opts_default(ff_cost_explore_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_orders = 32;
    o->max_configs = 4096;
    o->prune_tol = 1e-9;
    o->density = 0.1;
    ff_sim_opts_default(&o->sim);
}

/* A (kernel, orders) pair's cached costs. */
typedef struct combo {
    int have_est, need_sim, have_sim, failed;
    ff_cost_est est;
    ff_cost_measured meas;
    char *error;
} combo;

/* A kernel (statement range) and the order choices of its roots. */
typedef struct kinfo {
    int built;
    ff_kernel k;
    int nchoice[FF_LOWER_MAX_ROOTS];
    ff_lower_opts *choice[FF_LOWER_MAX_ROOTS];
    size_t ncombos;
    combo *combos;
    int infeasible;
    char reason[512];
} kinfo;

typedef struct xstate {
    const ff_ir_program *p;
    const ff_cost_explore_opts *o;
    ff_cost_model *model;
    kinfo *kin;                 /* [first * nstmts + last] */
    ff_tensor **data;           /* inputs (borrowed) and baseline results (owned) */
    /* per configuration: its kernels' kin ids and combos */
    FF_VEC(int) kid;
    FF_VEC(size_t) kcombo;
    FF_VEC(size_t) kstart;
    int orders_capped;
    size_t cap_configs;         /* allocated x->configs */
} xstate;

/* The explicit order for root r of kernel k: "N:..." for
 * statement N, or a plain order that names exactly its indices. */
static void explicit_order(const xstate *X, const ff_kernel *k, int r, ff_lower_opts *o)
{
    o->norder = 0;
    for (int i = 0; i < X->o->norders; i++) {
        const char *text = X->o->orders[i];
        const char *colon = strchr(text, ':');
        if (colon && atoi(text) != k->roots[r] + 1) continue;
        ff_err tmp;
        if (ff_kernel_root_order(X->p, k, r, colon ? colon + 1 : text, o, &tmp) == 0) return;
        o->norder = 0;
    }
}

/* The kernel's entry, built on first use: its roots' order choices. A
 * kernel with a root no order lowers is marked infeasible (not an error). */
static int get_kinfo(xstate *X, const ff_kernel *k, kinfo **out, ff_err *err)
{
    const ff_ir_program *p = X->p;
    kinfo *ki = &X->kin[(size_t)k->first * (size_t)p->nstmts + (size_t)k->last];
    *out = ki;
    if (ki->built) return 0;
    ki->built = 1;
    ki->k = *k;
    ki->ncombos = 1;
    for (int r = 0; r < k->nroots && !ki->infeasible; r++) {
        int root = k->roots[r];
        ff_lower_opts o;
        memset(&o, 0, sizeof o);
        ff_err e = {0};
        if (X->o->order_auto) {
            int cap = X->o->max_orders > 0 ? X->o->max_orders : 32;
            char(*buf)[FF_LOWER_MAX_INDICES][FF_LOWER_NAME] = ff_xcalloc((size_t)cap, sizeof *buf);
            int norder = 0, truncated = 0;
            int n = ff_kernel_root_legal_orders(p, k, r, &o, buf, cap, ORDER_ENUM_LIMIT, &norder, &truncated, &e);
            if (n <= 0) {
                ki->infeasible = 1;
                snprintf(ki->reason, sizeof ki->reason, "%.500s", n < 0 ? e.msg : "no legal loop order");
                if (n == 0)
                    snprintf(ki->reason, sizeof ki->reason, "%s:%d: %s has no legal loop order", p->path,
                             p->stmts[root].pos.line, p->tensors[p->stmts[root].lhs].name);
            } else {
                if (n > cap || truncated) X->orders_capped = 1;
                int m = n < cap ? n : cap;
                ki->nchoice[r] = m;
                ki->choice[r] = ff_xcalloc((size_t)m, sizeof(ff_lower_opts));
                for (int c = 0; c < m; c++) {
                    memcpy(ki->choice[r][c].order, buf[c], sizeof buf[c]);
                    ki->choice[r][c].norder = norder;
                }
            }
            free(buf);
        } else {
            explicit_order(X, k, r, &o);
            if (!o.norder && ff_kernel_root_order(p, k, r, NULL, &o, &e)) {
                ki->infeasible = 1;
                snprintf(ki->reason, sizeof ki->reason, "%.500s", e.msg);
            } else {
                ki->nchoice[r] = 1;
                ki->choice[r] = ff_xcalloc(1, sizeof(ff_lower_opts));
                ki->choice[r][0] = o;
            }
        }
        for (int c = 0; !ki->infeasible && c < ki->nchoice[r]; c++)
            ki->choice[r][c].reuse = X->o->search_reuse ? FF_REUSE_AUTO : X->o->reuse;
        /* --reuse searched: a root with stream buffers or held producers
         * also recomputes them, and one that could hold more producers
         * than auto does also holds them all */
        if (!ki->infeasible && X->o->search_reuse) {
            unsigned char *held = ff_xcalloc((size_t)p->nstmts + 1, 1);
            int sites = ff_kernel_root_buffer_sites(p, k, r, &ki->choice[r][0], &e);
            int held_auto = ff_kernel_root_held(p, k, r, &ki->choice[r][0], held, &e);
            ff_lower_opts h = ki->choice[r][0];
            h.reuse = FF_REUSE_HOLD;
            memset(held, 0, (size_t)p->nstmts);
            int held_all = ff_kernel_root_held(p, k, r, &h, held, &e);
            free(held);
            ff_reuse extra[2];
            int nextra = 0;
            if (sites > 0 || held_auto > 0) extra[nextra++] = FF_REUSE_RECOMPUTE;
            if (held_all > held_auto) extra[nextra++] = FF_REUSE_HOLD;
            int m = ki->nchoice[r], n = m;
            if (nextra) ki->choice[r] = ff_xrealloc(ki->choice[r], (size_t)((1 + nextra) * m) * sizeof(ff_lower_opts));
            ff_run_phase *ph = nextra ? ff_xcalloc(64, sizeof *ph) : NULL;
            for (int x = 0; x < nextra; x++)
                for (int c = 0; c < m; c++) {
                    ff_lower_opts *hc = &ki->choice[r][n];
                    *hc = ki->choice[r][c];
                    hc->reuse = extra[x];
                    /* holding: only orders in which the root can read
                     * what is held in its stored format */
                    ff_kernel one = *k;
                    one.roots[0] = k->roots[r];
                    one.nroots = 1;
                    if (extra[x] != FF_REUSE_HOLD || ff_run_phases(p, &one, hc, NULL, ph, 64, &e) > 0) n++;
                }
            free(ph);
            ki->nchoice[r] = n;
        }
        if (!ki->infeasible) {
            if (ki->ncombos > SIZE_MAX / (size_t)ki->nchoice[r])
                return ff_err_set(err, FF_EINVAL, "kernel %d-%d has too many order combinations", k->first + 1,
                                  k->last + 1);
            ki->ncombos *= (size_t)ki->nchoice[r];
        }
    }
    if (!ki->infeasible) ki->combos = ff_xcalloc(ki->ncombos, sizeof *ki->combos);
    return 0;
}

/* --par, --block and --skip for the simulation of a kernel's n roots. */
static void set_par(const ff_cost_explore_opts *o, ff_lower_opts *ord, int n)
{
    for (int r = 0; r < n; r++) {
        ord[r].block = o->block;
        ord[r].no_skip = o->no_skip;
        ord[r].buffer_words = o->sim.arch.buffer_words;
        ord[r].hold_words = o->sim.arch.glb_words;
        ff_run_lower_arch(&ord[r], &o->sim.arch, o->no_balance);
    }
    if (!o->par_index || o->par < 2) return;
    for (int r = 0; r < n; r++) {
        snprintf(ord[r].par_index, sizeof ord[r].par_index, "%s", o->par_index);
        ord[r].par = o->par;
    }
}

/* The orders of combination c: the last root varies fastest. */
static void combo_orders(const kinfo *ki, size_t c, ff_lower_opts *out)
{
    for (int r = ki->k.nroots - 1; r >= 0; r--) {
        out[r] = ki->choice[r][c % (size_t)ki->nchoice[r]];
        c /= (size_t)ki->nchoice[r];
    }
}

static int combo_estimate(xstate *X, kinfo *ki, size_t c, ff_err *err)
{
    combo *cb = &ki->combos[c];
    if (cb->have_est) return 0;
    ff_lower_opts o[FF_LOWER_MAX_ROOTS];
    combo_orders(ki, c, o);
    ff_err e = {0};
    int rc = ff_cost_kernel(X->model, &ki->k, o, &cb->est, &e);
    if (rc == FF_EINVAL) {
        /* a kernel these choices cannot make (a held producer its consumer
         * cannot read in this order): its schedules fail, the rest go on */
        cb->failed = cb->have_sim = 1;
        cb->error = ff_xstrdup(e.msg);
        cb->est = (ff_cost_est){INFINITY, INFINITY, INFINITY, INFINITY, INFINITY};
        rc = 0;
    } else if (rc) {
        *err = e;
    }
    if (!rc) cb->have_est = 1;
    return rc;
}

static void append(char **s, size_t *len, size_t *cap, const char *text)
{
    size_t n = strlen(text);
    if (*len + n + 1 > *cap) {
        *cap = (*len + n + 1) * 2;
        *s = ff_xrealloc(*s, *cap);
    }
    memcpy(*s + *len, text, n + 1);
    *len += n;
}

/* "XW=i,j,k;H=i,k,j" */
static char *orders_text(const ff_ir_program *p, const kinfo *const *ks, const size_t *combos, int nk)
{
    char *s = NULL;
    size_t len = 0, cap = 0;
    append(&s, &len, &cap, "");
    for (int k = 0; k < nk; k++) {
        ff_lower_opts o[FF_LOWER_MAX_ROOTS];
        combo_orders(ks[k], combos[k], o);
        for (int r = 0; r < ks[k]->k.nroots; r++) {
            if (len) append(&s, &len, &cap, ";");
            append(&s, &len, &cap, p->tensors[p->stmts[ks[k]->k.roots[r]].lhs].name);
            append(&s, &len, &cap, "=");
            for (int i = 0; i < o[r].norder; i++) {
                if (i) append(&s, &len, &cap, ",");
                append(&s, &len, &cap, o[r].order[i]);
            }
            if (o[r].reuse != FF_REUSE_AUTO) { /* "H=i,k,j/recompute": as --reuse */
                append(&s, &len, &cap, "/");
                append(&s, &len, &cap, ff_reuse_name(o[r].reuse));
            }
        }
    }
    return s;
}

/* "1-2,3": the ranges form of a partition. */
static void kernels_spec(const ff_kernel *ks, int nk, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int k = 0; k < nk && len < n; k++) {
        if (ks[k].first == ks[k].last) len += (size_t)snprintf(buf + len, n - len, "%s%d", k ? "," : "", ks[k].first + 1);
        else len += (size_t)snprintf(buf + len, n - len, "%s%d-%d", k ? "," : "", ks[k].first + 1, ks[k].last + 1);
    }
}

/* Adds every configuration of one partition (up to the cap). */
static int add_partition(xstate *X, ff_cost_exploration *x, const char *spec, ff_err *err)
{
    const ff_ir_program *p = X->p;
    ff_kernel *ks = ff_xcalloc((size_t)p->nstmts + 1, sizeof *ks);
    kinfo **kis = ff_xcalloc((size_t)p->nstmts + 1, sizeof *kis);
    size_t *digits = ff_xcalloc((size_t)p->nstmts + 1, sizeof *digits);
    int rc = 0;
    int nk = ff_fuse_parse(p, spec, ks, p->nstmts, err);
    if (nk < 0) {
        rc = nk;
        goto done;
    }
    for (int k = 0; k < nk; k++) {
        if ((rc = get_kinfo(X, &ks[k], &kis[k], err))) goto done;
        if (kis[k]->infeasible) {
            if (!x->ninfeasible++)
                snprintf(x->infeasible_example, sizeof x->infeasible_example, "%.60s: %.440s", spec, kis[k]->reason);
            goto done;
        }
    }
    x->npartitions_explored++;
    for (;;) {
        if (x->nconfigs >= X->o->max_configs) {
            x->capped = 1;
            break;
        }
        if (x->nconfigs == X->cap_configs) {
            X->cap_configs = X->cap_configs ? 2 * X->cap_configs : 64;
            x->configs = ff_xrealloc(x->configs, X->cap_configs * sizeof *x->configs);
        }
        ff_cost_config *c = &x->configs[x->nconfigs];
        memset(c, 0, sizeof *c);
        kernels_spec(ks, nk, c->fuse, sizeof c->fuse); /* canonical ranges form */
        c->nkernels = nk;
        c->orders = orders_text(p, (const kinfo *const *)kis, digits, nk);
        FF_VEC_PUSH(X->kstart, X->kid.len);
        for (int k = 0; k < nk; k++) {
            FF_VEC_PUSH(X->kid, (int)(kis[k] - X->kin));
            FF_VEC_PUSH(X->kcombo, digits[k]);
            if ((rc = combo_estimate(X, kis[k], digits[k], err))) goto done;
            const combo *cb = &kis[k]->combos[digits[k]];
            const ff_cost_est *e = &cb->est;
            if (cb->failed && !c->failed) {
                c->failed = 1;
                c->error = ff_xstrdup(cb->error);
            }
            c->est.flops += e->flops;
            c->est.bytes_read += e->bytes_read;
            c->est.bytes_written += e->bytes_written;
            c->est.points += e->points;
            c->est.phases += e->phases;
        }
        x->nconfigs++;
        /* next combination: the last kernel varies fastest */
        int k = nk - 1;
        while (k >= 0 && ++digits[k] == kis[k]->ncombos) digits[k--] = 0;
        if (k < 0) break;
    }
done:
    free(ks);
    free(kis);
    free(digits);
    return rc;
}

static void free_kinfos(xstate *X)
{
    size_t n = (size_t)X->p->nstmts * (size_t)X->p->nstmts;
    for (size_t i = 0; i < n; i++) {
        kinfo *ki = &X->kin[i];
        for (int r = 0; r < FF_LOWER_MAX_ROOTS; r++) free(ki->choice[r]);
        for (size_t c = 0; ki->combos && c < ki->ncombos; c++) free(ki->combos[c].error);
        free(ki->combos);
    }
    free(X->kin);
}

void ff_cost_exploration_free(ff_cost_exploration *x)
{
    if (!x) return;
    for (size_t i = 0; i < x->nconfigs; i++) {
        free(x->configs[i].orders);
        free(x->configs[i].error);
        free(x->configs[i].kernel_cycles);
    }
    free(x->configs);
    free(x);
}

/* The unfused schedule with the default (or given) orders, simulated in
 * order with every result stored: the data every other kernel reads. */
static int run_baseline(xstate *X, ff_cost_exploration *x, ff_err *err)
{
    const ff_ir_program *p = X->p;
    ff_kernel *ks = ff_xcalloc((size_t)p->nstmts + 1, sizeof *ks);
    int nk = ff_fuse_parse(p, "none", ks, p->nstmts, err), rc = nk < 0 ? nk : 0;
    size_t len = 0;
    x->baseline_orders[0] = '\0';
    for (int k = 0; k < nk && !rc; k++) {
        ff_lower_opts o[FF_LOWER_MAX_ROOTS];
        memset(o, 0, sizeof o);
        int root = ks[k].roots[0];
        explicit_order(X, &ks[k], 0, &o[0]);
        if (!o[0].norder && (rc = ff_kernel_root_order(p, &ks[k], 0, NULL, &o[0], err))) break;
        o[0].reuse = X->o->search_reuse ? FF_REUSE_AUTO : X->o->reuse;
        len += (size_t)snprintf(x->baseline_orders + len, sizeof x->baseline_orders - len, "%s%s=", len ? ";" : "",
                                p->tensors[p->stmts[root].lhs].name);
        for (int i = 0; i < o[0].norder && len < sizeof x->baseline_orders; i++)
            len += (size_t)snprintf(x->baseline_orders + len, sizeof x->baseline_orders - len, "%s%s", i ? "," : "",
                                    o[0].order[i]);
        if (o[0].reuse != FF_REUSE_AUTO && len < sizeof x->baseline_orders)
            len += (size_t)snprintf(x->baseline_orders + len, sizeof x->baseline_orders - len, "/%s",
                                    ff_reuse_name(o[0].reuse));
        set_par(X->o, o, 1);
        ff_cost_measured m;
        rc = ff_cost_simulate_kernel(p, &ks[k], o, &X->o->sim, X->o->tiling, X->data, 1, &m, err);
        if (rc) {
            ff_err_wrap(err, "the unfused schedule (the baseline) fails: ");
            break;
        }
        x->baseline_cycles += m.cycles;
        x->kernel_sims++;
        /* the same kernel in the same order need not run again */
        kinfo *ki = &X->kin[(size_t)root * (size_t)p->nstmts + (size_t)root];
        for (int c = 0; ki->built && !ki->infeasible && c < ki->nchoice[0]; c++) {
            const ff_lower_opts *ch = &ki->choice[0][c];
            int same = ch->norder == o[0].norder && ch->reuse == o[0].reuse;
            for (int i = 0; same && i < ch->norder; i++) same = !strcmp(ch->order[i], o[0].order[i]);
            if (!same) continue;
            ki->combos[c].have_sim = 1;
            ki->combos[c].meas = m;
        }
    }
    free(ks);
    return rc;
}

int ff_cost_explore(const ff_ir_program *p, const ff_tensor *const *inputs, const uint32_t *sizes,
                    const ff_cost_explore_opts *o, ff_cost_exploration **out, ff_err *err)
{
    if (p->nstmts < 1) return ff_err_set(err, FF_EINVAL, "%s: no statements to explore", p->path);
    xstate X;
    memset(&X, 0, sizeof X);
    X.p = p;
    X.o = o;
    ff_cost_explore_opts defaults;
    if (!o) {
        ff_cost_explore_opts_default(&defaults);
        X.o = o = &defaults;
    }
    ff_cost_exploration *x = ff_xcalloc(1, sizeof *x);
    size_t max_configs = o->max_configs ? o->max_configs : 4096;
    ff_cost_explore_opts o2 = *o;
    o2.max_configs = max_configs;
    X.o = &o2;
    X.kin = ff_xcalloc((size_t)p->nstmts * (size_t)p->nstmts, sizeof *X.kin);
    X.data = ff_xcalloc((size_t)p->ntensors + 1, sizeof *X.data);
    unsigned char *dominated = NULL;
    uint64_t *cycles = NULL;
    int rc = 0;
    for (int t = 0; t < p->ntensors; t++)
        if (p->tensors[t].role == FF_IR_INPUT) {
            if (!inputs || !inputs[t]) {
                rc = ff_err_set(err, FF_EINVAL, "%s: input '%s' has no data", p->path, p->tensors[t].name);
                goto fail;
            }
            X.data[t] = (ff_tensor *)inputs[t];
        }
    if ((rc = ff_cost_model_new(p, sizes, inputs, o->density, &X.model, err))) goto fail;

    /* the space */
    if (o->nfuse > 0) {
        x->npartitions = (uint64_t)o->nfuse;
        for (int i = 0; i < o->nfuse && !x->capped; i++)
            if ((rc = add_partition(&X, x, o->fuse[i], err))) goto fail;
    } else {
        int bits = p->nstmts - 1;
        x->npartitions = bits >= 63 ? UINT64_MAX : (uint64_t)1 << bits;
        char spec[256];
        for (uint64_t mask = 0; mask < x->npartitions && !x->capped; mask++) {
            ff_cost_partition_spec(p->nstmts, mask, spec, sizeof spec);
            if ((rc = add_partition(&X, x, spec, err))) goto fail;
        }
    }
    x->orders_capped = X.orders_capped;
    if (!x->nconfigs) {
        rc = ff_err_set(err, FF_EINVAL, "%s: no schedule in the space lowers (%s)", p->path,
                        x->infeasible_example[0] ? x->infeasible_example : "nothing enumerated");
        goto fail;
    }

    /* prune */
    ff_cost_est *est = ff_xcalloc(x->nconfigs, sizeof *est);
    dominated = ff_xcalloc(x->nconfigs, 1);
    for (size_t i = 0; i < x->nconfigs; i++) est[i] = x->configs[i].est;
    x->npruned = ff_cost_prune(est, x->nconfigs, o->prune_tol, dominated);
    free(est);
    for (size_t i = 0; i < x->nconfigs; i++) x->configs[i].dominated = dominated[i];

    /* the baseline: its results are every later kernel's data */
    if ((rc = run_baseline(&X, x, err))) goto fail;
    char unfused[256];
    {
        ff_kernel *ks = ff_xcalloc((size_t)p->nstmts + 1, sizeof *ks);
        int nk = ff_fuse_parse(p, "none", ks, p->nstmts, err);
        kernels_spec(ks, nk, unfused, sizeof unfused);
        free(ks);
    }
    for (size_t i = 0; i < x->nconfigs; i++)
        x->configs[i].is_baseline = !strcmp(x->configs[i].fuse, unfused) && !strcmp(x->configs[i].orders, x->baseline_orders);

    /* the kernels to simulate, each once */
    size_t total = 0, done = 0;
    for (size_t i = 0; i < x->nconfigs; i++) {
        if (dominated[i] && !o->no_prune) continue;
        for (size_t j = X.kstart.data[i]; j < X.kstart.data[i] + (size_t)x->configs[i].nkernels; j++) {
            combo *cb = &X.kin[X.kid.data[j]].combos[X.kcombo.data[j]];
            if (!cb->need_sim && !cb->have_sim) total++;
            cb->need_sim = 1;
        }
    }
    for (size_t i = 0; i < x->nconfigs; i++) {
        ff_cost_config *c = &x->configs[i];
        if (dominated[i] && !o->no_prune) continue;
        c->kernel_cycles = ff_xcalloc((size_t)c->nkernels + 1, sizeof *c->kernel_cycles);
        for (int k = 0; k < c->nkernels; k++) {
            size_t j = X.kstart.data[i] + (size_t)k;
            kinfo *ki = &X.kin[X.kid.data[j]];
            combo *cb = &ki->combos[X.kcombo.data[j]];
            if (!cb->have_sim) {
                ff_lower_opts ord[FF_LOWER_MAX_ROOTS];
                combo_orders(ki, X.kcombo.data[j], ord);
                set_par(o, ord, ki->k.nroots);
                ff_err e = {0};
                if (ff_cost_simulate_kernel(p, &ki->k, ord, &o->sim, o->tiling, X.data, 0, &cb->meas, &e)) {
                    cb->failed = 1;
                    cb->error = ff_xstrdup(e.msg);
                }
                cb->have_sim = 1;
                x->kernel_sims++;
                if (o->progress) o->progress(o->progress_ctx, ++done, total);
            }
            if (cb->failed && !c->failed) {
                c->failed = 1;
                c->error = ff_xstrdup(cb->error);
            }
            c->kernel_cycles[k] = cb->failed ? 0 : cb->meas.cycles;
            c->cycles += c->kernel_cycles[k];
        }
        if (c->failed) {
            c->cycles = 0;
        } else {
            c->simulated = 1;
            x->nsimulated++;
        }
    }

    /* best and hit */
    cycles = ff_xcalloc(x->nconfigs, sizeof *cycles);
    x->best = x->best_kept = x->nconfigs;
    for (size_t i = 0; i < x->nconfigs; i++) {
        const ff_cost_config *c = &x->configs[i];
        cycles[i] = c->simulated ? c->cycles : c->failed ? UINT64_MAX - 1 : UINT64_MAX;
        if (c->simulated && (x->best == x->nconfigs || c->cycles < x->configs[x->best].cycles)) x->best = i;
        if (c->simulated && !c->dominated &&
            (x->best_kept == x->nconfigs || c->cycles < x->configs[x->best_kept].cycles))
            x->best_kept = i;
    }
    x->hit = ff_cost_hit(cycles, dominated, x->nconfigs);
    goto done;
fail:
    ff_cost_exploration_free(x);
    x = NULL;
done:
    free(dominated);
    free(cycles);
    for (int t = 0; t < p->ntensors; t++)
        if (p->tensors[t].role != FF_IR_INPUT) ff_tensor_free(X.data[t]);
    free(X.data);
    free_kinfos(&X);
    free(X.kid.data);
    free(X.kcombo.data);
    free(X.kstart.data);
    ff_cost_model_free(X.model);
    if (!rc) *out = x;
    return rc;
}

/* A CSV field: quoted when it holds a comma, a quote or a line break. */
static void csv_field(FILE *f, const char *s, int last)
{
    if (strpbrk(s, ",\"\n\r")) {
        fputc('"', f);
        for (const char *c = s; *c; c++) {
            if (*c == '"') fputc('"', f);
            fputc(*c == '\n' || *c == '\r' ? ' ' : *c, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputc(last ? '\n' : ',', f);
}

int ff_cost_write_csv(const ff_cost_exploration *x, FILE *f, ff_err *err)
{
    fputs("config,fuse,orders,cycles,est_flops,est_bytes,pruned,kernel_cycles,speedup,status,"
          "est_bytes_read,est_bytes_written,est_points,baseline,error\n",
          f);
    for (size_t i = 0; i < x->nconfigs; i++) {
        const ff_cost_config *c = &x->configs[i];
        char buf[128];
        snprintf(buf, sizeof buf, "%zu", i + 1);
        csv_field(f, buf, 0);
        csv_field(f, c->fuse, 0);
        csv_field(f, c->orders, 0);
        if (c->simulated) snprintf(buf, sizeof buf, "%" PRIu64, c->cycles);
        else buf[0] = '\0';
        csv_field(f, buf, 0);
        snprintf(buf, sizeof buf, "%.0f", c->est.flops);
        csv_field(f, buf, 0);
        snprintf(buf, sizeof buf, "%.0f", c->est.bytes_read + c->est.bytes_written);
        csv_field(f, buf, 0);
        csv_field(f, c->dominated ? "1" : "0", 0);
        char *kc = ff_xcalloc((size_t)c->nkernels * 24 + 1, 1);
        size_t len = 0;
        for (int k = 0; c->simulated && k < c->nkernels; k++)
            len += (size_t)snprintf(kc + len, (size_t)c->nkernels * 24 + 1 - len, "%s%" PRIu64, k ? ";" : "",
                                    c->kernel_cycles[k]);
        csv_field(f, kc, 0);
        free(kc);
        if (c->simulated && c->cycles) snprintf(buf, sizeof buf, "%.4f", (double)x->baseline_cycles / (double)c->cycles);
        else buf[0] = '\0';
        csv_field(f, buf, 0);
        csv_field(f, c->simulated ? "simulated" : c->failed ? "failed" : "pruned", 0);
        snprintf(buf, sizeof buf, "%.0f", c->est.bytes_read);
        csv_field(f, buf, 0);
        snprintf(buf, sizeof buf, "%.0f", c->est.bytes_written);
        csv_field(f, buf, 0);
        snprintf(buf, sizeof buf, "%.0f", c->est.points);
        csv_field(f, buf, 0);
        csv_field(f, c->is_baseline ? "1" : "0", 0);
        csv_field(f, c->error ? c->error : "", 1);
    }
    if (ferror(f)) return ff_err_set(err, FF_EIO, "writing the CSV failed");
    return 0;
}
