/*
 * run.c -- a program run kernel by kernel (ff_run.h): orders, lowering,
 * binding by program-tensor name, the kernel callback, storing results.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ff_run.h"

/* The --order texts applied to root r of kernel k (o->norder = 0 when none
 * applies). */
static int root_order(const ff_ir_program *p, const ff_kernel *k, int r, const ff_run_sched *s, ff_lower_opts *o,
                      ff_err *err)
{
    o->norder = 0;
    for (int i = 0; i < s->norders; i++) {
        const char *text = s->orders[i];
        if (!strcmp(text, "auto")) continue; /* the orders hook's */
        const char *colon = strchr(text, ':');
        if (colon) {
            if (atoi(text) != k->roots[r] + 1) continue;
            return ff_kernel_root_order(p, k, r, colon + 1, o, err);
        }
        ff_err tmp;
        if (ff_kernel_root_order(p, k, r, text, o, &tmp) == 0) return 0;
        if (p->nstmts == 1) {
            *err = tmp;
            return tmp.code;
        }
        o->norder = 0;
    }
    return 0;
}

int ff_run_kernel_orders(const ff_ir_program *p, const ff_kernel *k, const ff_run_sched *s, ff_lower_opts *out,
                         ff_err *err)
{
    static const ff_run_sched none;
    if (!s) s = &none;
    for (int r = 0; r < k->nroots; r++) {
        memset(&out[r], 0, sizeof out[r]);
        out[r].block = s->block;
        out[r].reuse = s->reuse;
        out[r].buffer_words = s->buffer_words;
        out[r].hold_words = s->glb_words;
        if (s->par > 1) {
            snprintf(out[r].par_index, sizeof out[r].par_index, "%s", s->par_index);
            out[r].par = s->par;
        }
        int rc = root_order(p, k, r, s, &out[r], err);
        if (!rc && !out[r].norder) rc = ff_kernel_root_order(p, k, r, NULL, &out[r], err);
        if (rc) return rc;
    }
    return 0;
}

int ff_run_check_par(const ff_ir_program *p, const ff_kernel *ks, int nk, const ff_run_sched *s, ff_err *err)
{
    if (!s || s->par < 2) return 0;
    char seen[512] = "";
    size_t len = 0;
    for (int k = 0; k < nk; k++)
        for (int r = 0; r < ks[k].nroots; r++) {
            char names[FF_LOWER_MAX_INDICES][FF_LOWER_NAME];
            ff_err e2 = {0};
            int n = ff_kernel_root_indices(p, &ks[k], r, names, &e2);
            for (int i = 0; i < n; i++) {
                if (!strcmp(names[i], s->par_index)) return 0;
                if (!strstr(seen, names[i]) && len + strlen(names[i]) + 3 < sizeof seen)
                    len += (size_t)snprintf(seen + len, sizeof seen - len, "%s%s", len ? ", " : "", names[i]);
            }
        }
    return ff_err_set(err, FF_EINVAL, "--par %s:%d: no statement has a loop '%s' (loops: %s)", s->par_index, s->par,
                      s->par_index, seen);
}

void ff_run_order_text(const ff_lower_opts *o, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int k = 0; k < o->norder && len < n - 1; k++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s", k ? "," : "", o->order[k]);
}

/* ------------------------------------------------------------------ */
/* phases: producers held whole on chip                                */
/* ------------------------------------------------------------------ */

/* The orders of phase ph's roots (ff_run_phases). */
static int phase_orders(const ff_ir_program *p, const ff_kernel *k, const ff_lower_opts *korders, const ff_run_sched *s,
                        ff_run_phase *ph, ff_err *err)
{
    for (int r = 0; r < ph->k.nroots; r++) {
        int kr = -1;
        for (int q = 0; q < k->nroots; q++)
            if (k->roots[q] == ph->k.roots[r]) kr = q;
        ff_lower_opts o = korders[kr >= 0 ? kr : 0];
        if (kr >= 0) {
            /* its order, without the names of what it no longer fuses */
            char names[FF_LOWER_MAX_INDICES][FF_LOWER_NAME];
            int n = ff_kernel_root_indices(p, &ph->k, r, names, err);
            if (n < 0) return n;
            int kept = 0;
            for (int i = 0; i < o.norder; i++)
                for (int j = 0; j < n; j++)
                    if (!strcmp(o.order[i], names[j])) {
                        memmove(o.order[kept++], o.order[i], FF_LOWER_NAME);
                        break;
                    }
            o.norder = kept;
        } else {
            o.norder = 0;
            int rc = s ? root_order(p, &ph->k, r, s, &o, err) : 0;
            if (!rc && !o.norder) rc = ff_kernel_root_order(p, &ph->k, r, NULL, &o, err);
            if (rc) return rc;
        }
        ph->orders[r] = o;
    }
    return 0;
}

static int add_phase(const ff_kernel *k, const ff_lower_opts *orders, ff_run_phase *phases, int max, int *n,
                     ff_err *err)
{
    if (*n == max) return ff_err_set(err, FF_EINVAL, "kernel %d-%d: more than %d phases", k->first + 1, k->last + 1, max);
    phases[*n].k = *k;
    memcpy(phases[*n].orders, orders, sizeof phases[*n].orders[0] * (size_t)k->nroots);
    (*n)++;
    return 0;
}

static int split_phases(const ff_ir_program *p, const ff_kernel *k, const ff_lower_opts *orders, const ff_run_sched *s,
                        ff_run_phase *phases, int max, int *n, ff_err *err)
{
    unsigned char *held = ff_xcalloc((size_t)p->nstmts + 1, 1);
    int nheld = 0, rc = 0;
    for (int r = 0; r < k->nroots && !rc; r++) {
        int got = ff_kernel_root_held(p, k, r, &orders[r], held, err);
        if (got < 0) rc = got;
        else nheld += got;
    }
    if (rc || !nheld) {
        free(held);
        return rc ? rc : add_phase(k, orders, phases, max, n, err);
    }
    /* The last held statement ends a phase; each part is split again as
     * its own plans say (what the whole kernel's root revisits, a part's
     * root may not). */
    int last_held = k->first;
    for (int st = k->first; st < k->last; st++)
        if (held[st]) last_held = st;
    int asked = 0; /* a root asked for hold: what cannot be held is an error, not a fallback */
    for (int q = 0; q < k->nroots; q++) asked |= orders[q].reuse == FF_REUSE_HOLD;
    const int bounds[2][2] = {{k->first, last_held}, {last_held + 1, k->last}};
    ff_run_phase *parts = ff_xcalloc(2, sizeof *parts);
    int hold = 1;
    for (int q = 0; q < 2 && hold && !rc; q++) {
        ff_run_phase *ph = &parts[q];
        rc = ff_kernel_make(p, bounds[q][0], bounds[q][1], &ph->k, err);
        if (!rc) rc = phase_orders(p, k, orders, s, ph, err);
        /* the phase's roots must be able to read what is held in its
         * stored format, in their orders */
        for (int r = 0; !rc && r < ph->k.nroots; r++) {
            ff_err probe = {0};
            if (ff_kernel_root_buffer_sites(p, &ph->k, r, &ph->orders[r], &probe) >= 0) continue;
            if (!asked) {
                hold = 0; /* auto: recompute instead */
                break;
            }
            rc = ff_err_set(err, probe.code,
                            "%s (--reuse hold: statement %d reads the producers it holds from on-chip memory, in their "
                            "stored formats)", probe.msg, ph->k.roots[r] + 1);
        }
    }
    for (int q = 0; q < 2 && hold && !rc; q++) rc = split_phases(p, &parts[q].k, parts[q].orders, s, phases, max, n, err);
    if (!rc && !hold) rc = add_phase(k, orders, phases, max, n, err);
    free(parts);
    free(held);
    return rc;
}

int ff_run_phases(const ff_ir_program *p, const ff_kernel *k, const ff_lower_opts *orders, const ff_run_sched *s,
                  ff_run_phase *phases, int max, ff_err *err)
{
    int n = 0;
    int rc = split_phases(p, k, orders, s, phases, max, &n, err);
    return rc ? rc : n;
}

/* The graph's inputs from the data, by program-tensor name. */
static int bind_inputs(ff_run_kernel *rk, ff_err *err)
{
    const ff_graph *g = rk->g;
    for (int t = 0; t < g->ntensors; t++) {
        if (g->tensors[t].is_output) continue;
        int pt = ff_ir_find_tensor(rk->p, g->tensors[t].name);
        if (pt < 0 || !(rk->in[t] = rk->data[pt]))
            return ff_err_set(err, FF_EINVAL, "graph '%s' reads '%s', which has no data", g->name, g->tensors[t].name);
    }
    return 0;
}

/* ---- the support of a statement at one point ----
 *
 * A kernel's graph writes a 0 both where the statement computes one (part
 * of its support, which the reference stores and a later softmax or
 * f(0) != 0 reads) and where an inner product's intersection came out
 * empty (not part of it). Only the stored zeros are asked about, so this
 * decides each by the semantics (docs/language.md "Stored zeros"), from the
 * stored coordinates of what the statement reads: an access is present
 * where its tensor stores the point, a constant everywhere, a sum or
 * difference where either side is, any other binary where both are, a
 * unary, softmax or layernorm where its operand is, mask(M, e) where M is,
 * and a point of the statement where some value of its summed indices
 * makes the tree present. Where the sums sit does not matter for presence:
 * "some k" distributes over "either" and passes through "both" with a side
 * that does not use k. A tensor this kernel computes without storing it
 * is decided by its own statement in turn. */

typedef struct support {
    const ff_ir_program *p;
    ff_tensor *const *data;
    const uint32_t *sizes; /* per size symbol, from the data (0 unknown) */
    uint32_t *cur;         /* per index: its coordinate */
    int stmt;              /* the statement the kept tensor's zeros are from */
} support;

static int stmt_present(support *S, int st, const uint32_t *lhs);

static int present(support *S, int st, const ff_ir_expr *e)
{
    switch (e->kind) {
    case FF_IR_ACCESS: {
        uint32_t c[FF_IR_MAX_ORDER];
        for (int m = 0; m < e->nidx; m++) c[m] = S->cur[e->idx[m]];
        if (S->data[e->tensor]) return ff_tensor_stored(S->data[e->tensor], c);
        for (int d = st - 1; d >= 0; d--) /* computed in this kernel, not stored */
            if (S->p->stmts[d].lhs == e->tensor) return stmt_present(S, d, c);
        return 0;
    }
    case FF_IR_CONST: return 1;
    case FF_IR_BINARY:
        if (e->op == FF_ALU_ADD || e->op == FF_ALU_SUB) return present(S, st, e->a) || present(S, st, e->b);
        return present(S, st, e->a) && present(S, st, e->b);
    case FF_IR_MASK: return present(S, st, e->a);
    case FF_IR_UNARY:
    case FF_IR_SOFTMAX:
    case FF_IR_LAYERNORM:
    case FF_IR_REDUCE: /* its index is free below, as an implicit sum's */
    default: return present(S, st, e->a);
    }
}

/* Marks in used the indices e reads. */
static void used_indices(const ff_ir_expr *e, char *used)
{
    if (!e) return;
    if (e->kind == FF_IR_ACCESS || e->kind == FF_IR_MASK)
        for (int m = 0; m < e->nidx; m++) used[e->idx[m]] = 1;
    if (e->kind == FF_IR_REDUCE || e->kind == FF_IR_SOFTMAX || e->kind == FF_IR_LAYERNORM) used[e->index] = 1;
    used_indices(e->a, used);
    if (e->kind != FF_IR_MASK || e->b) used_indices(e->b, used);
}

/* The stored coordinates of index k in a leaf that must be present for e
 * to be (a factor of a product, not a side of a sum): its fiber at the
 * level of k, when every level above it is bound (k's other indices set)
 * and unsplit. Returns 1 with the fiber in *crd and *n (or *crd NULL: the
 * leaf does not store that fiber, nothing can be present), 0 when no such
 * leaf exists. Keeps the walk over k to the entries a leaf stores instead
 * of k's whole range. */
static int fiber_of(support *S, const ff_ir_expr *e, int k, const char *bound, const uint32_t **crd, size_t *n)
{
    switch (e->kind) {
    case FF_IR_ACCESS: {
        const ff_tensor *t = S->data[e->tensor];
        if (!t) return 0;
        size_t pos = 0;
        for (int l = 0; l < t->fmt.nlevels; l++) {
            const ff_level_desc *d = &t->fmt.lv[l];
            const ff_level *lv = &t->lvl[l];
            int v = e->idx[d->mode];
            if (d->split != FF_SPLIT_NONE) return 0;
            if (v == k) {
                if (d->fmt == FF_LVL_DENSE) return 0; /* all of k's range */
                *crd = lv->crd + lv->seg[pos];
                *n = lv->seg[pos + 1] - lv->seg[pos];
                return 1;
            }
            if (!bound[v]) return 0;
            uint32_t c = S->cur[v];
            if (d->fmt == FF_LVL_DENSE) {
                pos = pos * lv->dim + c;
                continue;
            }
            if (!ff_level_find(lv, pos, c, &pos)) {
                *crd = NULL;
                *n = 0;
                return 1;
            }
        }
        return 0;
    }
    case FF_IR_BINARY:
        if (e->op == FF_ALU_ADD || e->op == FF_ALU_SUB) return 0;
        return fiber_of(S, e->a, k, bound, crd, n) || fiber_of(S, e->b, k, bound, crd, n);
    case FF_IR_CONST: return 0;
    default: return fiber_of(S, e->a, k, bound, crd, n); /* unary, mask's M, fiber nodes */
    }
}

/* Some value of free[n..] makes statement st present (bound: the indices
 * set so far). */
static int some(support *S, int st, const int *free, int n, char *bound)
{
    if (n == 0) return present(S, st, S->p->stmts[st].rhs);
    int k = free[0], r = 0;
    const uint32_t *crd;
    size_t nc;
    bound[k] = 1;
    if (fiber_of(S, S->p->stmts[st].rhs, k, bound, &crd, &nc)) {
        for (size_t i = 0; i < nc && !r; i++) {
            S->cur[k] = crd[i];
            r = some(S, st, free + 1, n - 1, bound);
        }
    } else {
        uint32_t size = S->sizes[S->p->indices[k].size];
        for (uint32_t c = 0; c < size && !r; c++) {
            S->cur[k] = c;
            r = some(S, st, free + 1, n - 1, bound);
        }
    }
    bound[k] = 0;
    return r;
}

static int stmt_present(support *S, int st, const uint32_t *lhs)
{
    const ff_ir_stmt *s = &S->p->stmts[st];
    uint32_t *saved = ff_xcalloc((size_t)S->p->nindices + 1, sizeof *saved);
    memcpy(saved, S->cur, (size_t)S->p->nindices * sizeof *saved);
    char *used = ff_xcalloc((size_t)S->p->nindices + 1, 1);
    used_indices(s->rhs, used);
    for (int m = 0; m < s->nlhs; m++) {
        S->cur[s->lhs_idx[m]] = lhs[m];
        used[s->lhs_idx[m]] = 0;
    }
    int *free_idx = ff_xcalloc((size_t)S->p->nindices + 1, sizeof *free_idx), n = 0;
    for (int i = 0; i < S->p->nindices; i++)
        if (used[i]) free_idx[n++] = i;
    /* bound: the left side's indices; used is free to reuse as the set */
    memset(used, 0, (size_t)S->p->nindices);
    for (int m = 0; m < s->nlhs; m++) used[s->lhs_idx[m]] = 1;
    int r = some(S, st, free_idx, n, used);
    memcpy(S->cur, saved, (size_t)S->p->nindices * sizeof *saved);
    free(free_idx);
    free(used);
    free(saved);
    return r;
}

static int keep_zero(void *ctx, const uint32_t *coords)
{
    support *S = ctx;
    return stmt_present(S, S->stmt, coords);
}

/* The size of every size symbol the program's literals and the data so far
 * bind (0: unbound), new, the caller's to free. */
static uint32_t *data_sizes(const ff_ir_program *p, ff_tensor *const *data)
{
    uint32_t *sizes = ff_xcalloc((size_t)p->nsizes + 1, sizeof *sizes);
    for (int s = 0; s < p->nsizes; s++)
        if (p->sizes[s].literal > 0) sizes[s] = (uint32_t)p->sizes[s].literal;
    for (int pt = 0; pt < p->ntensors; pt++)
        for (int m = 0; data[pt] && m < p->tensors[pt].order; m++) sizes[p->tensors[pt].dims[m]] = data[pt]->dims[m];
    return sizes;
}

/* The outputs the kernel left, converted to the program's formats with
 * their whole support, into the data (replacing what was there). */
static int store_outputs(ff_run_kernel *rk, ff_err *err)
{
    const ff_ir_program *p = rk->p;
    const ff_graph *g = rk->g;
    /* sizes of the symbols, from every tensor with data and from the outputs */
    uint32_t *sizes = data_sizes(p, rk->data);
    uint32_t *cur = ff_xcalloc((size_t)p->nindices + 1, sizeof *cur);
    for (int t = 0; t < g->ntensors; t++) {
        int pt = rk->out[t] ? ff_ir_find_tensor(p, g->tensors[t].name) : -1;
        for (int m = 0; pt >= 0 && m < p->tensors[pt].order; m++) sizes[p->tensors[pt].dims[m]] = rk->out[t]->dims[m];
    }
    int rc = 0;
    for (int t = 0; t < g->ntensors && !rc; t++) {
        if (!rk->out[t]) continue;
        int pt = ff_ir_find_tensor(p, g->tensors[t].name);
        if (pt < 0) {
            rc = ff_err_set(err, FF_EINVAL, "graph '%s' writes '%s', which the program does not have", g->name,
                            g->tensors[t].name);
            break;
        }
        ff_tensor *conv = NULL;
        int st = -1;
        for (int d = 0; d < p->nstmts; d++)
            if (p->stmts[d].lhs == pt) st = d;
        support S = {.p = p, .data = rk->data, .sizes = sizes, .cur = cur, .stmt = st};
        /* The support, computed zeros included: the reference stores them,
         * and a later kernel's softmax or f(0) != 0 reads them as entries. */
        rc = st < 0 ? ff_tensor_convert(rk->out[t], &p->tensors[pt].fmt, &conv, err)
                    : ff_tensor_convert_keep(rk->out[t], &p->tensors[pt].fmt, keep_zero, &S, &conv, err);
        if (rc) break;
        snprintf(conv->name, sizeof conv->name, "%s", p->tensors[pt].name);
        ff_tensor_free(rk->data[pt]);
        rk->data[pt] = conv;
    }
    free(cur);
    free(sizes);
    return rc;
}

/* Lower, bind, execute, store (with store) the kernel of rk, whose orders
 * are set. rk->g, in and out stay for release(). */
static int execute(ff_run_kernel *rk, int store, const ff_run_ops *ops, ff_err *err)
{
    int rc = ff_lower_kernel(rk->p, rk->k, rk->orders, &rk->g, err);
    if (rc) {
        rk->g = NULL;
        return rc;
    }
    rk->in = ff_xcalloc((size_t)rk->g->ntensors + 1, sizeof *rk->in);
    rk->out = ff_xcalloc((size_t)rk->g->ntensors + 1, sizeof *rk->out);
    rc = bind_inputs(rk, err);
    if (!rc) rc = ops->kernel(rk, ops->user, err);
    if (!rc && store) rc = store_outputs(rk, err);
    return rc;
}

static void release(ff_run_kernel *rk)
{
    for (int t = 0; rk->g && rk->out && t < rk->g->ntensors; t++) ff_tensor_free(rk->out[t]);
    free(rk->out);
    free(rk->in);
    ff_graph_free(rk->g);
    rk->g = NULL;
    rk->in = NULL;
    rk->out = NULL;
}

/* Per program tensor, what phase q of phases (one kernel's) reads from or
 * leaves in on-chip memory: results of earlier phases it reads, and its
 * results that only later phases read. */
static void phase_on_chip(const ff_ir_program *p, const ff_kernel *k, const ff_run_phase *phases, int q,
                          unsigned char *on)
{
    memset(on, 0, (size_t)p->ntensors);
    const ff_kernel *pk = &phases[q].k;
    for (int e = 0; e < q; e++)
        for (int st = phases[e].k.first; st <= phases[e].k.last; st++)
            for (int u = pk->first; u <= pk->last; u++)
                if (ff_ir_stmt_reads(p, u, p->stmts[st].lhs)) on[p->stmts[st].lhs] = 1;
    for (int r = 0; r < pk->nroots; r++) {
        int kept = 1;
        for (int kr = 0; kr < k->nroots; kr++)
            if (k->roots[kr] == pk->roots[r]) kept = 0;
        if (kept) on[p->stmts[pk->roots[r]].lhs] = 1;
    }
}

/* After phase q: what the phases so far hold on chip for the later ones
 * must fit the global memory. */
static int check_held(const ff_ir_program *p, const ff_run_phase *phases, int q, int nphases, ff_tensor **data,
                      int glb_words, ff_err *err)
{
    uint64_t words = 0;
    char names[256] = "";
    size_t len = 0;
    int last = phases[q].k.last;
    for (int st = phases[0].k.first; st <= last; st++) {
        int t = p->stmts[st].lhs, read = 0;
        for (int u = last + 1; u <= phases[nphases - 1].k.last; u++) read |= ff_ir_stmt_reads(p, u, t);
        if (!read || !data[t]) continue;
        words += ff_tensor_words(data[t]);
        if (len + strlen(p->tensors[t].name) + 3 < sizeof names)
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "", p->tensors[t].name);
    }
    if (!glb_words || words <= (uint64_t)glb_words) return 0;
    char later[48];
    int from = last + 2, to = phases[nphases - 1].k.last + 1;
    if (from == to) snprintf(later, sizeof later, "statement %d", from);
    else snprintf(later, sizeof later, "statements %d-%d", from, to);
    return ff_err_set(err, FF_EINVAL,
                      "holding %s on chip for %s takes %llu words; the global memory holds %d (the arch's "
                      "glb_words): use --reuse buffer or recompute, or end the kernel after statement %d",
                      names, later, (unsigned long long)words, glb_words, last + 1);
}

/* Kernel k of the schedule, in its phases: each lowered, bound, executed,
 * stored and (with ops->done) reported as a kernel of its own. */
static int run_phases(ff_run_kernel *base, const ff_run_sched *s, int store, const ff_run_ops *ops, ff_err *err)
{
    enum { MAX_PHASES = 64 };
    const ff_ir_program *p = base->p;
    ff_run_phase *phases = ff_xcalloc(MAX_PHASES, sizeof *phases);
    unsigned char *on = ff_xcalloc((size_t)p->ntensors + 1, 1);
    int np = ff_run_phases(p, base->k, base->orders, s, phases, MAX_PHASES, err);
    int rc = np < 0 ? np : 0;
    if (rc && ops->done) rc = ops->done(base, rc, ops->user, err);
    /* Without store the caller's data stays as it was: the held results
     * go to a copy of the array and are freed after the last phase. */
    ff_tensor **data = base->data;
    if (!store && np > 1) {
        data = ff_xcalloc((size_t)p->ntensors + 1, sizeof *data);
        memcpy(data, base->data, sizeof *data * (size_t)p->ntensors);
    }
    for (int q = 0; q < np && !rc; q++) {
        ff_run_kernel rk = *base;
        rk.data = data;
        if (data != base->data) /* never free the caller's tensors */
            for (int r = 0; r < phases[q].k.nroots; r++) {
                int t = p->stmts[phases[q].k.roots[r]].lhs;
                if (data[t] == base->data[t]) data[t] = NULL;
            }
        rk.k = &phases[q].k;
        memcpy(rk.orders, phases[q].orders, sizeof rk.orders);
        rk.phase = q;
        rk.nphases = np;
        phase_on_chip(p, base->k, phases, q, on);
        rk.on_chip = np > 1 ? on : NULL;
        ff_err kerr = {0};
        rc = execute(&rk, store || q + 1 < np, ops, &kerr);
        if (!rc && q + 1 < np) rc = check_held(p, phases, q, np, rk.data, s ? s->glb_words : 0, &kerr);
        if (ops->done) rc = ops->done(&rk, rc, ops->user, &kerr);
        if (rc) *err = kerr;
        release(&rk);
    }
    if (data != base->data) {
        for (int t = 0; t < p->ntensors; t++)
            if (data[t] != base->data[t]) ff_tensor_free(data[t]);
        free(data);
    }
    free(on);
    free(phases);
    return rc;
}

int ff_run_one_kernel(const ff_ir_program *p, const ff_kernel *k, const ff_lower_opts *orders, ff_tensor **data,
                      int store, const ff_run_ops *ops, ff_err *err)
{
    ff_run_kernel rk = {.p = p, .k = k, .nkernels = 1, .data = data};
    if (orders)
        for (int r = 0; r < k->nroots; r++) rk.orders[r] = orders[r];
    else {
        int rc = ff_run_kernel_orders(p, k, NULL, rk.orders, err);
        if (rc) return rc;
    }
    ff_run_ops one = *ops;
    one.orders = NULL;
    one.done = NULL;
    return run_phases(&rk, NULL, store, &one, err);
}

int ff_run_program(const ff_ir_program *p, ff_tensor **data, const ff_run_sched *s, const ff_run_ops *ops,
                   ff_err *err)
{
    enum { MAX_KERNELS = 256 };
    ff_kernel *ks = ff_xcalloc(MAX_KERNELS, sizeof *ks);
    int nk = ff_fuse_parse(p, s && s->fuse ? s->fuse : "none", ks, MAX_KERNELS, err);
    int rc = nk < 0 ? nk : 0;
    /* the sizes the inputs bind: the lowering checks buffer capacities on them */
    uint32_t *sizes = data_sizes(p, data);
    for (int k = 0; k < nk && !rc; k++) {
        ff_run_kernel rk = {.p = p, .k = &ks[k], .index = k, .nkernels = nk, .data = data, .nphases = 1};
        ff_err kerr = {0};
        rc = ff_run_kernel_orders(p, &ks[k], s, rk.orders, &kerr);
        for (int r = 0; r < ks[k].nroots; r++) rk.orders[r].sizes = sizes;
        if (!rc && ops->orders) rc = ops->orders(&rk, ops->user, &kerr);
        if (!rc) rc = run_phases(&rk, s, 1, ops, &kerr);
        else if (ops->done) rc = ops->done(&rk, rc, ops->user, &kerr);
        if (rc) *err = kerr;
    }
    free(sizes);
    free(ks);
    return rc;
}

int ff_run_simulate(ff_run_kernel *rk, void *user, ff_err *err)
{
    ff_run_sim *r = user;
    const ff_graph *g = rk->g;
    ff_sim *sim = NULL;
    int rc = ff_sim_new(g, &r->opts, &sim, err);
    for (int t = 0; !rc && t < g->ntensors; t++)
        if (rk->in[t]) rc = ff_sim_bind(sim, g->tensors[t].name, rk->in[t], err);
    for (int t = 0; !rc && rk->on_chip && t < g->ntensors; t++) {
        int pt = ff_ir_find_tensor(rk->p, g->tensors[t].name);
        if (pt >= 0 && rk->on_chip[pt]) rc = ff_sim_on_chip(sim, g->tensors[t].name, err);
    }
    if (!rc && (rc = ff_sim_run(sim, err)) && (rc == FF_EDEADLOCK || rc == FF_ELIMIT) && r->blocked) {
        /* The one-line error names the first few; people debugging a graph
         * need every blocked primitive and its channels. */
        fprintf(r->blocked, "%s: %s\nunfinished primitives:\n", r->who ? r->who : "fuseflow", err->msg);
        ff_sim_print_blocked(sim, r->blocked);
        ff_err_set(err, rc, "graph '%s' did not finish: %s", g->name, rc == FF_EDEADLOCK ? "deadlock (above)" : "cycle limit");
    }
    if (!rc) {
        r->cycles = ff_sim_cycles(sim);
        r->total_cycles += r->cycles;
        ff_sim_timing_of(sim, &r->timing);
        r->total_timing.load += r->timing.load;
        r->total_timing.compute += r->timing.compute;
        r->total_timing.writeback += r->timing.writeback;
        r->total_timing.total += r->timing.total;
        r->total_timing.bytes_in += r->timing.bytes_in;
        r->total_timing.bytes_out += r->timing.bytes_out;
        r->nprims = g->nnodes;
        r->ops = 0;
        for (int i = 0; i < g->nnodes; i++) {
            ff_node_stats ns;
            ff_sim_node_stats(sim, i, &ns);
            r->ops += ns.ops;
        }
        r->total_ops += r->ops;
        const char *most = NULL;
        r->saturated = ff_sim_saturated(sim, &most);
        if (r->finished) r->finished(g, sim, r->finished_user);
        snprintf(r->sat_node, sizeof r->sat_node, "%s", most ? most : "");
    }
    for (int t = 0; !rc && t < g->ntensors; t++)
        if (g->tensors[t].is_output) rc = ff_sim_take_output(sim, g->tensors[t].name, &rk->out[t], err);
    ff_sim_free(sim);
    return rc;
}
