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
            /* N is the statement as the user numbers it (copies the
             * relayout pass added do not count) */
            if (atoi(text) != ff_ir_stmt_number(p, k->roots[r])) continue;
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

void ff_run_sched_arch(ff_run_sched *s, const ff_arch *a)
{
    s->buffer_words = a->buffer_words;
    s->glb_words = a->glb_words;
    s->arch = a;
}

/* A node's output latency on the arch: what a hop costs beyond its cycle. */
static int arch_latency(const ff_node *n, const void *arch)
{
    int latency, ii;
    ff_sim_node_timing(arch, n, &latency, &ii);
    return latency;
}

void ff_run_lower_arch(ff_lower_opts *o, const ff_arch *a, int no_balance)
{
    o->no_balance = no_balance || !a;
    o->fifo_depth = a ? a->fifo_depth : 0;
    o->fifo_max = a ? a->max_fifo_depth : 0;
    o->node_latency = a ? arch_latency : NULL;
    o->latency_ctx = a;
}

/* What schedule s sets on every root whatever its order: coordinate
 * skipping and FIFO balancing. */
static void sched_passes(ff_lower_opts *o, const ff_run_sched *s)
{
    o->no_skip = s->no_skip;
    ff_run_lower_arch(o, s->arch, s->no_balance);
}

/* What schedule s gives every root before its order is chosen. */
static void sched_root_opts(ff_lower_opts *o, const ff_run_sched *s)
{
    memset(o, 0, sizeof *o);
    o->block = s->block;
    o->reuse = s->reuse;
    sched_passes(o, s);
    o->buffer_words = s->buffer_words;
    o->hold_words = s->glb_words;
    o->bound_sizes = s->sizes;
    if (s->par > 1) {
        snprintf(o->par_index, sizeof o->par_index, "%s", s->par_index);
        o->par = s->par;
    }
}

/* How many phases kernel k of p runs in under s (ff_run_phases): one more
 * per producer held on chip. 0 when its orders or phases fail. */
static int count_phases(const ff_ir_program *p, const ff_kernel *k, const ff_run_sched *s)
{
    ff_lower_opts orders[FF_LOWER_MAX_ROOTS];
    ff_run_phase *phases = ff_xcalloc(64, sizeof *phases);
    ff_err e = {0};
    int n = ff_run_kernel_orders(p, k, s, orders, &e) ? 0 : ff_run_phases(p, k, orders, s, phases, 64, &e);
    free(phases);
    return n < 0 ? 0 : n;
}

/* The next permutation of perm[0..n) in lexicographic order; 0 after the last. */
static int next_perm(int *perm, int n)
{
    int i = n - 2;
    while (i >= 0 && perm[i] >= perm[i + 1]) i--;
    if (i < 0) return 0;
    int j = n - 1;
    while (perm[j] <= perm[i]) j--;
    int t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
    for (int a = i + 1, b = n - 1; a < b; a++, b--) t = perm[a], perm[a] = perm[b], perm[b] = t;
    return 1;
}

/* The layouts of held producers. A producer a kernel holds on chip
 * (--reuse, ff_run_phases) is stored for that kernel's later phases alone
 * -- it is no root: nothing outside the kernel reads it -- so the layout
 * it is held in is the compiler's to choose. As declared, a later phase may
 * be unable to read it in its order (GCN's XW row-major, read by column),
 * and the hold is dropped: the producer is recomputed per use. Here each
 * such statement's tensor is tried in its other mode orders (the level
 * kinds kept, as for copies; tensors of up to 3 modes) and held in the one
 * that lets the kernel hold the most. When no one layout does (GraphSAGE's
 * H1, read by row by one statement and by column by another), a copy in
 * another layout is tried as one more statement of the kernel, right after
 * the producer, read by one of the later statements instead: held too, it
 * serves the reads the original cannot. *owned is replaced by a new
 * program (the old one freed) on a change, and ks (nk kernels) follow the
 * statements it inserts. Returns 0 or an error. */
static int held_layouts(const ff_ir_program *p, ff_ir_program **owned, const ff_run_sched *s, ff_kernel *ks, int nk,
                        ff_err *err)
{
    if (s->reuse == FF_REUSE_RECOMPUTE) return 0;
    for (int k = 0; k < nk; k++) {
        if (ks[k].first == ks[k].last) continue;
        const ff_ir_program *cur = *owned ? *owned : p;
        int best = count_phases(cur, &ks[k], s), changed = 1;
        /* Until nothing changes: a phase splits at the last statement it
         * holds, and its parts split again, so an earlier producer's
         * layout may only pay once a later one's is right (GCN fused:
         * XW's once HW's is). Each round holds more, so this ends. */
        for (int round = 0; changed && round <= ks[k].last - ks[k].first; round++) {
            changed = 0;
            for (int st = ks[k].first; st < ks[k].last; st++) {
                int root = 0;
                for (int r = 0; r < ks[k].nroots; r++) root |= ks[k].roots[r] == st;
                cur = *owned ? *owned : p;
                const ff_ir_tensor *t = &cur->tensors[cur->stmts[st].lhs];
                if (root || cur->stmts[st].copy_of || t->order < 2 || t->order > 3 || t->fmt.nlevels != t->order)
                    continue;
                int split = 0;
                for (int l = 0; l < t->fmt.nlevels; l++) split |= t->fmt.lv[l].split != FF_SPLIT_NONE;
                if (split) continue;
                ff_ir_program *chosen = NULL;
                int grew = 0;
                /* every other mode order: level l walks mode modes[l] */
                int perm[FF_MAX_ORDER], modes[FF_MAX_ORDER][FF_MAX_ORDER], nlay = 0;
                for (int m = 0; m < t->order; m++) perm[m] = m;
                while (next_perm(perm, t->order)) {
                    for (int l = 0; l < t->order; l++) modes[nlay][l] = t->fmt.lv[perm[l]].mode;
                    nlay++;
                }
                for (int c = 0; c < nlay; c++) {
                    ff_ir_program *cand = ff_ir_clone(cur);
                    ff_ir_set_mode_order(cand, cand->stmts[st].lhs, modes[c]);
                    int n = count_phases(cand, &ks[k], s);
                    if (n > best) {
                        best = n;
                        ff_ir_free(chosen);
                        chosen = cand;
                    } else
                        ff_ir_free(cand);
                }
                for (int u = st + 1; !chosen && u <= ks[k].last; u++)
                    for (int c = 0; c < nlay; c++) {
                        ff_ir_program *cand = ff_relayout_copy(cur, st + 1, u, cur->stmts[st].lhs, modes[c]);
                        if (!cand) break; /* u does not read it */
                        ff_kernel grown;
                        ff_err e = {0};
                        int n = ff_kernel_make(cand, ks[k].first, ks[k].last + 1, &grown, &e)
                                    ? 0
                                    : count_phases(cand, &grown, s);
                        if (n > best) {
                            best = n;
                            ff_ir_free(chosen);
                            chosen = cand;
                            grew = 1;
                        } else
                            ff_ir_free(cand);
                    }
                if (!chosen) continue;
                ff_ir_free(*owned);
                *owned = chosen;
                changed = 1;
                if (!grew) continue;
                /* the copy is one more statement of kernel k: the kernels after it move up */
                ks[k].last++;
                for (int q = k + 1; q < nk; q++) ks[q].first++, ks[q].last++;
                for (int q = k; q < nk; q++) {
                    int rc = ff_kernel_make(chosen, ks[q].first, ks[q].last, &ks[q], err);
                    if (rc) return rc;
                }
                st++; /* past the copy */
            }
        }
    }
    return 0;
}

int ff_run_relayout(const ff_ir_program *p, const ff_run_sched *s, ff_kernel *ks, int nk, int max, ff_ir_program **out,
                    ff_err *err)
{
    static const ff_run_sched none;
    if (!s) s = &none;
    *out = NULL;
    if (s->no_relayout || nk <= 0) return nk;
    ff_lower_opts o;
    sched_root_opts(&o, s);
    ff_kernel *moved = ff_xcalloc((size_t)max + 1, sizeof *moved);
    int n = ff_relayout_kernels(p, ks, nk, &o, out, moved, max, err);
    if (n >= 0 && *out) memcpy(ks, moved, (size_t)n * sizeof *ks);
    free(moved);
    if (n > 0) {
        int rc = held_layouts(p, out, s, ks, n, err);
        if (rc) {
            ff_ir_free(*out);
            *out = NULL;
            return rc;
        }
    }
    return n;
}

int ff_run_kernel_orders(const ff_ir_program *p, const ff_kernel *k, const ff_run_sched *s, ff_lower_opts *out,
                         ff_err *err)
{
    static const ff_run_sched none;
    if (!s) s = &none;
    for (int r = 0; r < k->nroots; r++) {
        sched_root_opts(&out[r], s);
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

/* ------------------------------------------------------------------ */
/* tiling: a kernel run tile by tile on cropped inputs                 */
/* ------------------------------------------------------------------ */

/* Coordinate-space tiling (docs/language.md "Tiling"). Each tiled loop v
 * of the kernel splits its range into [t*T, min((t+1)*T, dim)); a tile is
 * one such range per tiled loop. The kernel runs once per tile on its
 * inputs cropped to the tile (entries in range, coordinates shifted to
 * start at 0, same format), so the graph is the one of a smaller problem.
 * A tile's outputs are placed at the tile's offsets in the loops of their
 * modes (concatenation); where the tiled loop is summed over in the
 * statement, the tiles' partial sums of one point are added. */

/* What the kernel does with each program index. */
typedef struct tile_plan {
    int n;                  /* tiled loops of this kernel */
    int idx[FF_RUN_MAX_TILES];
    uint32_t size[FF_RUN_MAX_TILES], dim[FF_RUN_MAX_TILES];
    int reduced;            /* some tiled loop is summed over: the tiles' outputs are added */
} tile_plan;

/* Records in idx (per mode of each tensor, -1 unseen) the index each read
 * tensor's modes are accessed with; -2 when two accesses disagree. */
static void access_indices(const ff_ir_expr *e, int (*idx)[FF_IR_MAX_ORDER])
{
    if (!e) return;
    if (e->kind == FF_IR_ACCESS || e->kind == FF_IR_MASK)
        for (int m = 0; m < e->nidx; m++) {
            int *slot = &idx[e->tensor][m];
            if (*slot == -1) *slot = e->idx[m];
            else if (*slot != e->idx[m]) *slot = -2;
        }
    access_indices(e->a, idx);
    if (e->kind != FF_IR_MASK || e->b) access_indices(e->b, idx);
}

/* An access of e that reads a window along tiled loop v (or NULL): a tile
 * crops the loop's range, and the window would have to move with it. */
static const ff_ir_expr *window_along(const ff_ir_expr *e, int v)
{
    if (!e) return NULL;
    if (e->kind == FF_IR_ACCESS)
        for (int m = 0; m < e->nidx; m++)
            if (e->off[m].on && e->idx[m] == v) return e;
    const ff_ir_expr *w = window_along(e->a, v);
    return w ? w : window_along(e->b, v);
}

/* Whether index v is normalised over (softmax, layernorm) or reduced by a
 * max somewhere in e: its tiles could not be merged. */
static int normalised_over(const ff_ir_expr *e, int v)
{
    if (!e) return 0;
    if ((e->kind == FF_IR_SOFTMAX || e->kind == FF_IR_LAYERNORM) && e->index == v) return 1;
    if (e->kind == FF_IR_REDUCE && e->op != FF_IR_RED_SUM && e->index == v) return 1;
    return normalised_over(e->a, v) || (e->kind != FF_IR_MASK || e->b ? normalised_over(e->b, v) : 0);
}

/* Whether the sum over v is outermost in e (only sums above it): then the
 * statement is linear in the partial sums over v's tiles. */
static int outer_sum(const ff_ir_expr *e, int v)
{
    for (; e && e->kind == FF_IR_REDUCE && e->op == FF_IR_RED_SUM; e = e->a)
        if (e->index == v) return 1;
    return 0;
}

static int stmt_uses(const ff_ir_program *p, int st, int v, int *in_lhs)
{
    const ff_ir_stmt *s = &p->stmts[st];
    char *used = ff_xcalloc((size_t)p->nindices + 1, 1);
    used_indices(s->rhs, used);
    *in_lhs = 0;
    for (int m = 0; m < s->nlhs; m++)
        if (s->lhs_idx[m] == v) *in_lhs = used[v] = 1;
    int r = used[v];
    free(used);
    return r;
}

static int plan_tiles(const ff_ir_program *p, const ff_kernel *k, const ff_run_sched *s, const uint32_t *sizes,
                      tile_plan *pl, ff_err *err);

int ff_run_check_tiles(const ff_ir_program *p, const ff_kernel *ks, int nk, const ff_run_sched *s, ff_err *err)
{
    /* what the schedule's kernels could not merge, known before any data */
    uint32_t *ones = ff_xcalloc((size_t)p->nsizes + 1, sizeof *ones);
    for (int z = 0; z < p->nsizes; z++) ones[z] = 1;
    int rc = 0;
    for (int k = 0; k < nk && !rc && s && s->ntiles; k++) {
        tile_plan pl;
        rc = plan_tiles(p, &ks[k], s, ones, &pl, err);
    }
    free(ones);
    if (rc) return rc;
    for (int t = 0; s && t < s->ntiles; t++) {
        for (int u = 0; u < t; u++)
            if (!strcmp(s->tiles[u].index, s->tiles[t].index))
                return ff_err_set(err, FF_EINVAL, "--tile %s:%u: loop '%s' is tiled twice", s->tiles[t].index,
                                  s->tiles[t].size, s->tiles[t].index);
        int v = -1, any = 0, lhs;
        for (int i = 0; i < p->nindices; i++)
            if (!strcmp(p->indices[i].name, s->tiles[t].index)) v = i;
        for (int st = 0; v >= 0 && st < p->nstmts; st++) any |= stmt_uses(p, st, v, &lhs);
        if (!any) {
            char seen[512] = "";
            size_t len = 0;
            for (int i = 0; i < p->nindices; i++)
                if (len + strlen(p->indices[i].name) + 3 < sizeof seen)
                    len += (size_t)snprintf(seen + len, sizeof seen - len, "%s%s", len ? ", " : "", p->indices[i].name);
            return ff_err_set(err, FF_EINVAL, "--tile %s:%u: no statement has a loop '%s' (loops: %s)",
                              s->tiles[t].index, s->tiles[t].size, s->tiles[t].index, seen);
        }
    }
    return 0;
}

/* The loops of kernel k that s tiles (or, under auto, may tile), with
 * their full sizes; an error where a tiled loop's tiles could not be
 * merged. */
static int plan_tiles(const ff_ir_program *p, const ff_kernel *k, const ff_run_sched *s, const uint32_t *sizes,
                      tile_plan *pl, ff_err *err)
{
    memset(pl, 0, sizeof *pl);
    int nst = k->last - k->first + 1;
    int ncand = s->tile_auto ? p->nindices : s->ntiles;
    for (int c = 0; c < ncand; c++) {
        int v = -1;
        if (s->tile_auto) v = c;
        else
            for (int i = 0; i < p->nindices; i++)
                if (!strcmp(p->indices[i].name, s->tiles[c].index)) v = i;
        if (v < 0) continue;
        int users = 0, reduced = 0, bad = 0, inner = 0, lhs;
        for (int st = k->first; st <= k->last; st++) {
            if (!stmt_uses(p, st, v, &lhs)) continue;
            users++;
            if (normalised_over(p->stmts[st].rhs, v)) bad = st + 1;
            if (!lhs) {
                reduced = 1;
                if (!outer_sum(p->stmts[st].rhs, v)) inner = st + 1;
            }
        }
        if (!users) continue;
        if (s->tile_auto && (bad || inner || (reduced && nst > 1))) continue; /* auto tiles what it can merge */
        if (bad)
            return ff_err_set(err, FF_EINVAL,
                              "--tile %s: statement %d normalises over '%s' (softmax, layernorm) or reduces it by "
                              "max; its tiles cannot be merged", p->indices[v].name, bad, p->indices[v].name);
        if (inner)
            return ff_err_set(err, FF_EINVAL,
                              "--tile %s: statement %d uses its sum over '%s' inside a larger expression; tiles' "
                              "partial sums can only be added where the sum is the whole right side",
                              p->indices[v].name, inner, p->indices[v].name);
        if (reduced && nst > 1)
            return ff_err_set(err, FF_EINVAL,
                              "--tile %s: kernel %d-%d sums over '%s' in a fused statement; tile only loops every "
                              "fused statement keeps (or do not fuse it)", p->indices[v].name, k->first + 1,
                              k->last + 1, p->indices[v].name);
        uint32_t dim = sizes[p->indices[v].size];
        if (!dim)
            return ff_err_set(err, FF_EINVAL, "--tile %s: the size of loop '%s' is not known from the data",
                              p->indices[v].name, p->indices[v].name);
        if (pl->n == FF_RUN_MAX_TILES) break;
        pl->idx[pl->n] = v;
        pl->dim[pl->n] = dim;
        pl->size[pl->n] = s->tile_auto ? dim : (s->tiles[c].size < dim ? s->tiles[c].size : dim);
        pl->reduced |= reduced;
        pl->n++;
    }
    return 0;
}

static uint32_t ntiles_of(const tile_plan *pl, int i)
{
    return (pl->dim[i] + pl->size[i] - 1) / pl->size[i];
}

/* The tiles of plan pl, empty or not. */
static uint64_t plan_ntiles(const tile_plan *pl)
{
    uint64_t n = 1;
    for (int i = 0; i < pl->n; i++) n *= ntiles_of(pl, i);
    return n;
}

/* Tile number `tile` (mixed radix, the first tiled loop fastest): its
 * offset and extent per program index (extent = full size untiled). */
static void tile_box(const ff_ir_program *p, const tile_plan *pl, const uint32_t *sizes, uint64_t tile,
                     uint32_t *lo, uint32_t *ext)
{
    for (int v = 0; v < p->nindices; v++) {
        lo[v] = 0;
        ext[v] = sizes[p->indices[v].size];
    }
    for (int i = 0; i < pl->n; i++) {
        uint32_t n = ntiles_of(pl, i), t = (uint32_t)(tile % n);
        tile /= n;
        int v = pl->idx[i];
        lo[v] = t * pl->size[i];
        ext[v] = pl->dim[i] - lo[v] < pl->size[i] ? pl->dim[i] - lo[v] : pl->size[i];
    }
}

/* One read tensor's entries distributed to the tiles they fall in, by one
 * pass over the tensor: a bucket per tile key, where the key counts only
 * the tiled loops that index the tensor (tiles that differ in other loops
 * share its crop). A bucket's entries are in the tensor's visiting order
 * with their coordinates shifted to the tile's origin, so the crop built
 * from them is the tensor cropped to the tile, byte for byte. */
typedef struct crop_info {
    int known;              /* the fields below are filled */
    uint64_t words;         /* level_words of the crop */
    size_t npos[FF_MAX_LEVELS]; /* its positions per level */
} crop_info;

typedef struct tile_bucket {
    const ff_tensor *t;     /* the whole tensor (borrowed); NULL: not read by the kernel */
    int mode_idx[FF_MAX_ORDER]; /* per mode: the index it is cropped along, or -1 */
    int nloops;             /* tiled loops indexing the tensor */
    int loop[FF_MAX_ORDER]; /* their program indices */
    uint32_t tsize[FF_MAX_ORDER]; /* their tile sizes when bucketed */
    uint64_t radix[FF_MAX_ORDER]; /* their weights in the key */
    size_t nkeys;           /* buckets holding entries, keys increasing */
    uint64_t *keys;
    size_t *start;          /* nkeys + 1: bucket b's entries are start[b] .. start[b + 1] */
    uint32_t *coords;       /* order per entry, shifted */
    ff_fx *vals;
    crop_info *info;        /* per bucket, filled when first asked */
} tile_bucket;

/* Frees b's buckets; its tensor and modes stay. */
static void bucket_free(tile_bucket *b)
{
    free(b->keys);
    free(b->start);
    free(b->coords);
    free(b->vals);
    free(b->info);
    b->keys = NULL;
    b->start = NULL;
    b->coords = NULL;
    b->vals = NULL;
    b->info = NULL;
    b->nkeys = 0;
    b->nloops = 0;
}

typedef struct bucket_ctx {
    tile_bucket *b;
    const uint32_t *full;   /* per mode: the loop's whole size (entries beyond it fall in no tile) */
    FF_VEC(uint64_t) key;
    FF_VEC(uint32_t) coords;
    FF_VEC(ff_fx) vals;
} bucket_ctx;

static int bucket_visit(void *ctx, const uint32_t *c, ff_fx val)
{
    bucket_ctx *C = ctx;
    const tile_bucket *b = C->b;
    uint32_t at[FF_MAX_ORDER], tno[FF_MAX_ORDER] = {0};
    int set[FF_MAX_ORDER] = {0};
    uint64_t key = 0;
    for (int m = 0; m < b->t->order; m++) {
        int v = b->mode_idx[m];
        at[m] = c[m];
        if (v < 0) continue;
        if (c[m] >= C->full[m]) return 0;
        for (int l = 0; l < b->nloops; l++) {
            if (b->loop[l] != v) continue;
            uint32_t n = c[m] / b->tsize[l];
            if (set[l] && tno[l] != n) return 0; /* two modes of one loop in different tiles */
            set[l] = 1;
            tno[l] = n;
            at[m] = c[m] - n * b->tsize[l];
        }
    }
    for (int l = 0; l < b->nloops; l++) key += (uint64_t)tno[l] * b->radix[l];
    FF_VEC_PUSH(C->key, key);
    for (int m = 0; m < b->t->order; m++) FF_VEC_PUSH(C->coords, at[m]);
    FF_VEC_PUSH(C->vals, val);
    return 0;
}

static const uint64_t *sort_keys;
static int cmp_entry(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    if (sort_keys[x] != sort_keys[y]) return sort_keys[x] < sort_keys[y] ? -1 : 1;
    return x < y ? -1 : x > y; /* stable: the visiting order within a tile */
}

/* Whether b was bucketed for pl's present tile sizes. */
static int bucket_current(const tile_bucket *b, const tile_plan *pl)
{
    if (!b->start) return 0;
    int n = 0;
    for (int i = 0; i < pl->n; i++)
        for (int m = 0; m < b->t->order; m++)
            if (b->mode_idx[m] == pl->idx[i]) {
                int l = 0;
                while (l < b->nloops && b->loop[l] != pl->idx[i]) l++;
                if (l == b->nloops || b->tsize[l] != pl->size[i]) return 0;
                n++;
                break;
            }
    return n == b->nloops;
}

/* Distributes b->t's entries to pl's tiles (one pass; the old buckets go). */
static void bucket_build(const ff_ir_program *p, const tile_plan *pl, const uint32_t *sizes, tile_bucket *b)
{
    bucket_free(b);
    const ff_tensor *t = b->t;
    uint32_t full[FF_MAX_ORDER];
    uint64_t weight = 1;
    for (int m = 0; m < t->order; m++) {
        int v = b->mode_idx[m];
        full[m] = v >= 0 ? sizes[p->indices[v].size] : t->dims[m];
    }
    for (int i = 0; i < pl->n; i++)
        for (int m = 0; m < t->order; m++)
            if (b->mode_idx[m] == pl->idx[i]) {
                b->loop[b->nloops] = pl->idx[i];
                b->tsize[b->nloops] = pl->size[i];
                b->radix[b->nloops++] = weight;
                weight *= ntiles_of(pl, i);
                break;
            }
    bucket_ctx C = {.b = b, .full = full};
    ff_tensor_foreach(t, bucket_visit, &C);
    size_t n = C.vals.len, o = (size_t)t->order;
    size_t *perm = ff_xcalloc(n + 1, sizeof *perm);
    for (size_t e = 0; e < n; e++) perm[e] = e;
    sort_keys = C.key.data;
    qsort(perm, n, sizeof *perm, cmp_entry);
    b->keys = ff_xcalloc(n + 1, sizeof *b->keys);
    b->start = ff_xcalloc(n + 2, sizeof *b->start);
    b->coords = ff_xcalloc(n * o + 1, sizeof *b->coords);
    b->vals = ff_xcalloc(n + 1, sizeof *b->vals);
    for (size_t e = 0; e < n; e++) {
        uint64_t key = C.key.data[perm[e]];
        if (!b->nkeys || b->keys[b->nkeys - 1] != key) {
            b->keys[b->nkeys] = key;
            b->start[b->nkeys++] = e;
        }
        memcpy(b->coords + e * o, C.coords.data + perm[e] * o, o * sizeof *b->coords);
        b->vals[e] = C.vals.data[perm[e]];
    }
    b->start[b->nkeys] = n;
    b->info = ff_xcalloc(b->nkeys + 1, sizeof *b->info);
    free(perm);
    free(C.key.data);
    free(C.coords.data);
    free(C.vals.data);
}

/* The bucket of the tile at lo (per program index), or -1 when no entry
 * falls in it. */
static long bucket_find(const tile_bucket *b, const uint32_t *lo)
{
    uint64_t key = 0;
    for (int l = 0; l < b->nloops; l++) key += (uint64_t)(lo[b->loop[l]] / b->tsize[l]) * b->radix[l];
    size_t a = 0, z = b->nkeys;
    while (a < z) {
        size_t mid = a + (z - a) / 2;
        if (b->keys[mid] < key) a = mid + 1;
        else z = mid;
    }
    return a < b->nkeys && b->keys[a] == key ? (long)a : -1;
}

/* b's tensor cropped to the box (lo, ext per program index): the entries
 * in it, coordinates shifted to start at 0, same format (new). */
static int bucket_crop(const tile_bucket *b, const uint32_t *lo, const uint32_t *ext, ff_tensor **out, ff_err *err)
{
    const ff_tensor *t = b->t;
    uint32_t dims[FF_MAX_ORDER];
    for (int m = 0; m < t->order; m++) dims[m] = b->mode_idx[m] >= 0 ? ext[b->mode_idx[m]] : t->dims[m];
    long k = bucket_find(b, lo);
    size_t first = k < 0 ? 0 : b->start[k], n = k < 0 ? 0 : b->start[k + 1] - first;
    return ff_tensor_from_coo(t->name, t->order, dims, &t->fmt, t->frac_bits, n, b->coords + first * (size_t)t->order,
                              b->vals + first, out, err);
}

static uint64_t level_words(const ff_tensor *t);

/* The crop's words and positions per level (computed once per bucket;
 * an empty tile's each time, cheap: no entries). */
static int bucket_info(const tile_bucket *b, const uint32_t *lo, const uint32_t *ext, crop_info *out, ff_err *err)
{
    long k = bucket_find(b, lo);
    if (k >= 0 && b->info[k].known) {
        *out = b->info[k];
        return 0;
    }
    ff_tensor *c = NULL;
    int rc = bucket_crop(b, lo, ext, &c, err);
    if (rc) return rc;
    memset(out, 0, sizeof *out);
    out->known = 1;
    out->words = level_words(c);
    for (int l = 0; l < c->fmt.nlevels; l++) out->npos[l] = c->npos[l];
    ff_tensor_free(c);
    if (k >= 0) b->info[k] = *out;
    return 0;
}

/* The words the largest level (segments and coordinates) or value array
 * of t takes: what one SRAM must hold. */
static uint64_t level_words(const ff_tensor *t)
{
    uint64_t most = t->nvals;
    for (int l = 0; l < t->fmt.nlevels; l++)
        if (t->fmt.lv[l].fmt != FF_LVL_DENSE && t->lvl[l].nseg + t->lvl[l].ncrd > most)
            most = t->lvl[l].nseg + t->lvl[l].ncrd;
    return most;
}

/* The most words an output tile of format f over the extents of its modes
 * can take in one level: every coordinate present, or, where cap (not
 * NULL) bounds a level's positions, at most cap[l] of them. With
 * compressed, every level counts as compressed: the graph writes each
 * level with a write_crd (docs/language.md "Outputs") whatever the format
 * it is stored in afterwards. */
static uint64_t out_bound(const ff_format *f, int order, const uint32_t *ext_of_mode, const uint64_t *cap,
                          int compressed)
{
    uint64_t above = 1, most = 0;
    for (int l = 0; l < f->nlevels; l++) {
        int m = f->lv[l].mode;
        uint64_t here = above * (m >= 0 && m < order ? ext_of_mode[m] : 1);
        if (compressed || f->lv[l].fmt != FF_LVL_DENSE) {
            if (cap && cap[l] < here) here = cap[l];
            if (above + 1 + here > most) most = above + 1 + here;
        }
        above = here;
    }
    return above > most ? above : most;
}

/* The tensors kernel k reads (data present, not computed in k) with the
 * index of each mode (-1 untiled); -2 where accesses disagree. */
static void kernel_reads(const ff_ir_program *p, const ff_kernel *k, ff_tensor *const *data,
                         int (*idx)[FF_IR_MAX_ORDER], unsigned char *reads)
{
    for (int t = 0; t < p->ntensors; t++)
        for (int m = 0; m < FF_IR_MAX_ORDER; m++) idx[t][m] = -1;
    memset(reads, 0, (size_t)p->ntensors);
    for (int st = k->first; st <= k->last; st++) access_indices(p->stmts[st].rhs, idx);
    for (int t = 0; t < p->ntensors; t++) {
        int computed = 0;
        for (int st = k->first; st <= k->last; st++) computed |= p->stmts[st].lhs == t;
        reads[t] = !computed && data[t] && idx[t][0] != -1;
    }
}

/* The buckets of the tensors kernel k reads (reads[t]), modes cropped
 * along their index (-2, two loops, as untiled: execute_tiled refuses
 * it), nothing bucketed yet; the caller frees them with buckets_free. */
static tile_bucket *buckets_new(const ff_ir_program *p, ff_tensor *const *data, int (*idx)[FF_IR_MAX_ORDER],
                                const unsigned char *reads)
{
    tile_bucket *b = ff_xcalloc((size_t)p->ntensors + 1, sizeof *b);
    for (int t = 0; t < p->ntensors; t++) {
        if (!reads[t]) continue;
        b[t].t = data[t];
        for (int m = 0; m < p->tensors[t].order; m++) b[t].mode_idx[m] = idx[t][m] >= 0 ? idx[t][m] : -1;
    }
    return b;
}

static void buckets_free(const ff_ir_program *p, tile_bucket *b)
{
    for (int t = 0; b && t < p->ntensors; t++) bucket_free(&b[t]);
    free(b);
}

/* Brings every read tensor's buckets to pl's tile sizes: a tensor is
 * bucketed again only when a loop indexing it changed size. */
static void buckets_update(const ff_ir_program *p, const tile_plan *pl, const uint32_t *sizes, tile_bucket *b)
{
    for (int t = 0; t < p->ntensors; t++)
        if (b[t].t && !bucket_current(&b[t], pl)) bucket_build(p, pl, sizes, &b[t]);
}

/* The points statement S's output tile can have, as a superset taken
 * from what its cropped inputs store: the graph writes a point only where
 * its iteration meets stored input coordinates, so a sum's (a union's)
 * points lie in its operands' union and a product's (an intersection's, a
 * mask's) in their intersection; a sum over a loop the output does not
 * have projects its operand's points away. An access bounds when it reads
 * a kernel input with exactly the output's indices, neither blocked;
 * anything else (a constant, a function with f(0) != 0, a broadcast, a
 * fused intermediate) bounds nothing. A point is its output coordinates
 * packed in mode order (radix: the tile's extents). */
typedef FF_VEC(uint64_t) point_set;

typedef struct pack_ctx {
    const ff_ir_stmt *S;
    const ff_ir_expr *e;
    const uint32_t *ext;
    point_set *out;
} pack_ctx;

static int pack_visit(void *ctx, const uint32_t *c, ff_fx val)
{
    (void)val;
    pack_ctx *P = ctx;
    uint64_t key = 0;
    for (int m = 0; m < P->S->nlhs; m++) {
        int am = 0; /* the access's mode of output mode m */
        while (P->e->idx[am] != P->S->lhs_idx[m]) am++;
        key = key * P->ext[P->S->lhs_idx[m]] + c[am];
    }
    FF_VEC_PUSH(*P->out, key);
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorted, without repeats. */
static void set_normalise(point_set *a)
{
    if (a->len) qsort(a->data, a->len, sizeof *a->data, cmp_u64);
    size_t k = 0;
    for (size_t i = 0; i < a->len; i++)
        if (!k || a->data[k - 1] != a->data[i]) a->data[k++] = a->data[i];
    a->len = k;
}

/* a = a | b (union) or a & b, both sorted; b is freed. */
static void set_merge(point_set *a, point_set *b, int intersect)
{
    point_set r = {0};
    size_t i = 0, j = 0;
    while (i < a->len || j < b->len) {
        if (j == b->len || (i < a->len && a->data[i] < b->data[j])) {
            if (!intersect) FF_VEC_PUSH(r, a->data[i]);
            i++;
        } else if (i == a->len || b->data[j] < a->data[i]) {
            if (!intersect) FF_VEC_PUSH(r, b->data[j]);
            j++;
        } else {
            FF_VEC_PUSH(r, a->data[i]);
            i++, j++;
        }
    }
    free(a->data);
    free(b->data);
    *a = r;
}

/* Fills *out with e's point superset: 1, 0 when e bounds nothing (out
 * empty), or an error code (negative). */
static int support_set(const ff_ir_program *p, const ff_ir_stmt *S, const ff_ir_expr *e, const tile_bucket *b,
                       const uint32_t *lo, const uint32_t *ext, point_set *out, ff_err *err)
{
    point_set other = {0};
    int ra, rb;
    out->len = 0;
    if (!e) return 0;
    switch (e->kind) {
    case FF_IR_ACCESS: {
        const tile_bucket *tb = &b[e->tensor];
        if (!tb->t || e->nidx != S->nlhs || tb->t->fmt.nlevels != tb->t->order) return 0;
        for (int m = 0; m < S->nlhs; m++) {
            int found = 0;
            for (int am = 0; am < e->nidx; am++) found += e->idx[am] == S->lhs_idx[m];
            if (found != 1) return 0;
        }
        ff_tensor *c = NULL;
        if (bucket_crop(tb, lo, ext, &c, err)) return -1;
        pack_ctx P = {.S = S, .e = e, .ext = ext, .out = out};
        ff_tensor_foreach(c, pack_visit, &P);
        ff_tensor_free(c);
        set_normalise(out);
        return 1;
    }
    case FF_IR_UNARY: /* zero stays zero: the same points */
        return e->op == FF_ALU_NEG || e->op == FF_ALU_RELU ? support_set(p, S, e->a, b, lo, ext, out, err) : 0;
    case FF_IR_REDUCE:
        for (int m = 0; m < S->nlhs; m++)
            if (S->lhs_idx[m] == e->index) return 0;
        return support_set(p, S, e->a, b, lo, ext, out, err);
    case FF_IR_BINARY:
    case FF_IR_MASK: {
        if (e->kind == FF_IR_BINARY && e->op != FF_ALU_ADD && e->op != FF_ALU_SUB && e->op != FF_ALU_MUL) return 0;
        int meet = e->kind == FF_IR_MASK || e->op == FF_ALU_MUL;
        if ((ra = support_set(p, S, e->a, b, lo, ext, out, err)) < 0) return ra;
        if ((rb = support_set(p, S, e->b, b, lo, ext, &other, err)) < 0) {
            free(other.data);
            return rb;
        }
        if (ra && rb) {
            set_merge(out, &other, meet);
            return 1;
        }
        if (meet && rb) { /* the bounded side bounds the intersection */
            free(out->data);
            *out = other;
            return 1;
        }
        free(other.data);
        out->len = 0;
        return meet && ra;
    }
    default: return 0;
    }
}

/* A bound on the positions at each level of S's output tile (its
 * format's levels, every prefix of a point counted once: the graph drops
 * a coordinate whose inner fiber came out empty, docs/language.md
 * "Outputs"): 1 with cap[] set, 0 for no bound, or an error code. */
static int support_cap(const ff_ir_program *p, const ff_ir_stmt *S, const tile_bucket *b, const uint32_t *lo,
                       const uint32_t *ext, uint64_t *cap, ff_err *err)
{
    const ff_format *fo = &p->tensors[S->lhs].fmt;
    if (fo->nlevels != S->nlhs) return 0; /* blocked levels: no bound */
    double space = 1;
    for (int m = 0; m < S->nlhs; m++) space *= ext[S->lhs_idx[m]];
    if (space >= 1e19) return 0; /* points would not pack into 64 bits */
    point_set pts = {0};
    int rc = support_set(p, S, S->rhs, b, lo, ext, &pts, err);
    if (rc <= 0) {
        free(pts.data);
        return rc;
    }
    /* the prefix of a point through level l, as a number */
    uint64_t *pre = ff_xcalloc(pts.len + 1, sizeof *pre);
    for (int l = 0; l < fo->nlevels; l++) {
        for (size_t i = 0; i < pts.len; i++) {
            uint32_t c[FF_MAX_ORDER];
            uint64_t key = pts.data[i];
            for (int m = S->nlhs - 1; m >= 0; m--) {
                c[m] = (uint32_t)(key % ext[S->lhs_idx[m]]);
                key /= ext[S->lhs_idx[m]];
            }
            uint64_t v = 0;
            for (int q = 0; q <= l; q++) v = v * ext[S->lhs_idx[fo->lv[q].mode]] + c[fo->lv[q].mode];
            pre[i] = v;
        }
        point_set ps = {.data = pre, .len = pts.len, .cap = pts.len + 1};
        set_normalise(&ps);
        cap[l] = ps.len;
    }
    free(pre);
    free(pts.data);
    return 1;
}

/* Whether the tile at lo can hold a point of e, judged as a tiled
 * format's outer levels judge it (docs/language.md "Tiling"): the tile
 * coordinates of a cropped tensor form a compressed level, intersected
 * under a product or a mask and unioned under a sum, so a product with an
 * operand that stores nothing in the tile is never visited. Constants,
 * functions with f(0) != 0, max reductions and tensors not cropped (a
 * fused intermediate is judged by its own right side) count as present. */
static int tile_present(const ff_ir_program *p, const ff_kernel *k, const ff_ir_expr *e, const tile_bucket *b,
                        const uint32_t *lo)
{
    if (!e) return 0;
    switch (e->kind) {
    case FF_IR_ACCESS:
        if (b[e->tensor].t) return bucket_find(&b[e->tensor], lo) >= 0;
        for (int st = k->first; st <= k->last; st++)
            if (p->stmts[st].lhs == e->tensor) return tile_present(p, k, p->stmts[st].rhs, b, lo);
        return 1;
    case FF_IR_UNARY:
        if (e->op == FF_ALU_NEG || e->op == FF_ALU_RELU || e->op == FF_IR_FN_SQRT || e->op == FF_IR_FN_GELU)
            return tile_present(p, k, e->a, b, lo);
        return 1;
    case FF_IR_REDUCE: return e->op != FF_IR_RED_SUM || tile_present(p, k, e->a, b, lo);
    case FF_IR_MASK: return tile_present(p, k, e->a, b, lo) && tile_present(p, k, e->b, b, lo);
    case FF_IR_BINARY:
        if (e->op == FF_ALU_MUL) return tile_present(p, k, e->a, b, lo) && tile_present(p, k, e->b, b, lo);
        if (e->op == FF_ALU_ADD || e->op == FF_ALU_SUB)
            return tile_present(p, k, e->a, b, lo) || tile_present(p, k, e->b, b, lo);
        return 1;
    default: return 1;
    }
}

/* Whether kernel k runs the tile at lo: one of its roots (the statements
 * whose results it stores) can have a point in it. A skipped tile writes
 * nothing, and the merge reads its outputs as zero. b: the read tensors'
 * buckets, current for the plan. */
static int tile_runs(const ff_ir_program *p, const ff_kernel *k, const tile_bucket *b, const uint32_t *lo)
{
    for (int r = 0; r < k->nroots; r++)
        if (tile_present(p, k, p->stmts[k->roots[r]].rhs, b, lo)) return 1;
    return 0;
}

/* The 2-D accumulators (spacc2) a kernel's graph places: the loops their
 * rows (outer) and columns (inner) run over, and the block edge each
 * counts in (0: coordinates). Their SRAM holds outer x 2^ceil(log2 inner)
 * words (docs/rtl.md "SRAM"), so a tile bounds both spans. */
#define TILE_MAX_ACC2 4
typedef struct tile_acc2 {
    int n;
    int outer[TILE_MAX_ACC2], inner[TILE_MAX_ACC2]; /* program indices */
    int bouter[TILE_MAX_ACC2], binner[TILE_MAX_ACC2];
} tile_acc2;

/* The loop a dim param "T:m" of node n names (-1: a number or no loop
 * of the kernel) and its block edge. */
static int dim_loop(const ff_ir_program *p, const ff_node *n, const char *key, int (*idx)[FF_IR_MAX_ORDER],
                    int *block)
{
    const ff_param *pr = ff_node_param(n, key);
    size_t len = 0;
    int m = 0;
    char name[128];
    *block = 0;
    if (!pr || !pr->s || ff_dim_parse(pr->s, NULL, &len, &m, block) != 2 || len >= sizeof name) return -1;
    memcpy(name, pr->s, len);
    name[len] = '\0';
    int t = ff_ir_find_tensor(p, name);
    return t >= 0 && m >= 0 && m < p->tensors[t].order && idx[t][m] >= 0 ? idx[t][m] : -1;
}

static int ceil_log2(uint64_t x)
{
    int s = 0;
    while (s < 63 && (1ull << s) < x) s++;
    return s;
}

/* The most coordinates (or blocks of B) a tile of pl spans along loop v. */
static uint64_t tile_span(const ff_ir_program *p, const tile_plan *pl, const uint32_t *sizes, int v, int B)
{
    uint64_t n = sizes[p->indices[v].size];
    for (int i = 0; i < pl->n; i++)
        if (pl->idx[i] == v && pl->size[i] < n) n = pl->size[i];
    return B > 1 ? (n + (uint64_t)B - 1) / (uint64_t)B : n;
}

/* Whether every tile of pl that runs (tile_runs) fits s->tile_words
 * (inputs cropped, outputs bounded by their extents and by what their
 * inputs store) and s->tile_dim; *why says which does not, *wide is the
 * loop (pl entry) over tile_dim or -1, *loops the pl entries that index the
 * first tensor that does not fit (a mask). When every tile fits, *runs is
 * how many run. b: the read tensors' buckets, current for pl. */
static int tiles_fit(const ff_ir_program *p, const ff_kernel *k, const tile_bucket *b, const tile_plan *pl,
                     const uint32_t *sizes, const ff_run_sched *s, const tile_acc2 *acc2, char *why, size_t nwhy,
                     int *wide, unsigned *loops, uint64_t *runs, ff_err *err)
{
    *wide = -1;
    *loops = 0;
    *runs = 0;
    for (int i = 0; i < pl->n; i++)
        if (s->tile_dim && pl->size[i] > s->tile_dim) {
            snprintf(why, nwhy, "loop '%s' spans %u > %u", p->indices[pl->idx[i]].name, pl->size[i], s->tile_dim);
            *wide = i;
            return 0;
        }
    for (int a = 0; s->tile_spacc2 && a < acc2->n; a++) {
        uint64_t o = tile_span(p, pl, sizes, acc2->outer[a], acc2->bouter[a]);
        uint64_t in = tile_span(p, pl, sizes, acc2->inner[a], acc2->binner[a]);
        if (o << ceil_log2(in) <= s->tile_spacc2) continue;
        snprintf(why, nwhy, "the 2-D accumulator over '%s' x '%s' needs %llu x %llu words > %u",
                 p->indices[acc2->outer[a]].name, p->indices[acc2->inner[a]].name, (unsigned long long)o,
                 1ull << ceil_log2(in), s->tile_spacc2);
        for (int i = 0; i < pl->n; i++)
            if (pl->idx[i] == acc2->outer[a] || pl->idx[i] == acc2->inner[a]) *loops |= 1u << i;
        return 0;
    }
    uint64_t n = plan_ntiles(pl);
    uint32_t *lo = ff_xcalloc((size_t)p->nindices + 1, sizeof *lo), *ext = ff_xcalloc((size_t)p->nindices + 1, sizeof *ext);
    int fit = 1;
    for (uint64_t tile = 0; tile < n && fit; tile++) {
        tile_box(p, pl, sizes, tile, lo, ext);
        if (!tile_runs(p, k, b, lo)) continue; /* skipped: holds nothing */
        ++*runs;
        uint64_t blocked = 0; /* --block: the block store's words the tile's inputs may take */
        unsigned blocked_loops = 0;
        for (int t = 0; t < p->ntensors && fit; t++) {
            if (!b[t].t) continue;
            crop_info ci;
            if (bucket_info(&b[t], lo, ext, &ci, err)) {
                fit = -1;
                break;
            }
            if (s->block > 1 && s->tile_block_words) {
                /* at most one block per stored value, at most every block of the box */
                uint64_t blocks = 1, bw = 1;
                for (int m = 0; m < b[t].t->order; m++) {
                    uint64_t d = b[t].mode_idx[m] >= 0 ? ext[b[t].mode_idx[m]] : b[t].t->dims[m];
                    blocks *= (d + (uint64_t)s->block - 1) / (uint64_t)s->block;
                    bw *= (uint64_t)s->block;
                }
                uint64_t nv = b[t].t->fmt.nlevels ? ci.npos[b[t].t->fmt.nlevels - 1] : 1;
                blocked += (nv < blocks ? nv : blocks) * bw;
                for (int i = 0; i < pl->n; i++)
                    for (int m = 0; m < b[t].t->order; m++)
                        if (b[t].mode_idx[m] == pl->idx[i]) blocked_loops |= 1u << i;
            }
            if (ci.words > s->tile_words) {
                snprintf(why, nwhy, "'%s' takes %llu words", p->tensors[t].name, (unsigned long long)ci.words);
                fit = 0;
                for (int i = 0; i < pl->n; i++)
                    for (int m = 0; m < p->tensors[t].order; m++)
                        if (b[t].mode_idx[m] == pl->idx[i]) *loops |= 1u << i;
            }
        }
        if (fit > 0 && blocked > s->tile_block_words) {
            snprintf(why, nwhy, "the blocked inputs may take %llu words of the %llu-word block store",
                     (unsigned long long)blocked, (unsigned long long)s->tile_block_words);
            fit = 0;
            *loops = blocked_loops;
        }
        for (int st = k->first; st <= k->last && fit > 0; st++) {
            const ff_ir_stmt *S = &p->stmts[st];
            uint32_t e[FF_IR_MAX_ORDER];
            for (int m = 0; m < S->nlhs; m++) e[m] = ext[S->lhs_idx[m]];
            uint64_t cap[FF_MAX_LEVELS];
            int capped = support_cap(p, S, b, lo, ext, cap, err);
            if (capped < 0) {
                fit = -1;
                break;
            }
            const ff_format *fo = &p->tensors[S->lhs].fmt;
            uint64_t w = out_bound(fo, S->nlhs, e, capped ? cap : NULL, 0);
            uint64_t wg = out_bound(fo, S->nlhs, e, capped ? cap : NULL, 1);
            if (wg > w) w = wg;
            if (w > s->tile_words) {
                snprintf(why, nwhy, "'%s' may take %llu words", p->tensors[S->lhs].name, (unsigned long long)w);
                fit = 0;
                for (int i = 0; i < pl->n; i++)
                    for (int m = 0; m < S->nlhs; m++)
                        if (S->lhs_idx[m] == pl->idx[i]) *loops |= 1u << i;
            }
        }
    }
    free(lo);
    free(ext);
    return fit;
}

/* --tile auto: from whole loops, halve a loop that spans more than
 * tile_dim, else, among the loops indexing the first tensor that does not
 * fit, the largest tile of a loop no statement sums over (then of a summed
 * one), until every tile fits. Loops left whole are not tiled. b: the read
 * tensors' buckets, left current for the plan chosen. */
static int auto_tiles(const ff_ir_program *p, const ff_kernel *k, tile_bucket *b, tile_plan *pl,
                      const uint32_t *sizes, const ff_run_sched *s, const tile_acc2 *acc2, ff_err *err)
{
    char why[160] = "";
    int rc = 0, fit, wide;
    unsigned loops;
    uint64_t runs = 0; /* tiles of the plan that run, once it fits */
    for (;;) {
        buckets_update(p, pl, sizes, b);
        if ((fit = tiles_fit(p, k, b, pl, sizes, s, acc2, why, sizeof why, &wide, &loops, &runs, err)) != 0) break;
        int best = wide;
        for (int pass = 0; pass < 2 && best < 0; pass++)
            for (int i = 0; i < pl->n; i++) {
                int lhs, summed = 0;
                for (int st = k->first; st <= k->last; st++)
                    if (stmt_uses(p, st, pl->idx[i], &lhs) && !lhs) summed = 1;
                if (summed != pass || pl->size[i] < 2 || !(loops >> i & 1)) continue;
                if (best < 0 || pl->size[i] > pl->size[best]) best = i;
            }
        if (best < 0) {
            rc = ff_err_set(err, FF_EINVAL, "--tile auto: kernel %d-%d does not fit %llu words even in tiles of 1: %s",
                            k->first + 1, k->last + 1, (unsigned long long)s->tile_words, why);
            break;
        }
        pl->size[best] = (pl->size[best] + 1) / 2;
    }
    /* Halving overshoots where a loop was halved before another's cut made
     * room: grow each loop back (to twice, 1.5 and 1.25 times its tile)
     * while the plan still fits and runs fewer tiles, or as many of fewer. */
    uint64_t all = plan_ntiles(pl);
    for (int grown = fit > 0; grown;) {
        grown = 0;
        for (int i = 0; i < pl->n && fit > 0; i++)
            for (int g = 0; g < 3 && pl->size[i] < pl->dim[i]; g++) {
                tile_plan t = *pl;
                uint64_t want = (uint64_t)pl->size[i] + ((uint64_t)pl->size[i] >> g);
                t.size[i] = want < pl->dim[i] ? (uint32_t)want : pl->dim[i];
                if (t.size[i] == pl->size[i]) continue;
                buckets_update(p, &t, sizes, b);
                uint64_t r, a = plan_ntiles(&t);
                int f = tiles_fit(p, k, b, &t, sizes, s, acc2, why, sizeof why, &wide, &loops, &r, err);
                if (f < 0) {
                    fit = f;
                    break;
                }
                if (!f) continue;
                if (r > runs || (r == runs && a >= all)) continue;
                *pl = t;
                runs = r;
                all = a;
                grown = 1;
                break;
            }
    }
    if (fit > 0) buckets_update(p, pl, sizes, b);
    if (fit < 0) rc = err->code;
    int kept = 0;
    for (int i = 0; i < pl->n; i++)
        if (pl->size[i] < pl->dim[i]) {
            pl->idx[kept] = pl->idx[i];
            pl->size[kept] = pl->size[i];
            pl->dim[kept++] = pl->dim[i];
        }
    pl->n = kept;
    pl->reduced = 0;
    for (int i = 0; i < pl->n; i++)
        for (int st = k->first, lhs; st <= k->last; st++)
            if (stmt_uses(p, st, pl->idx[i], &lhs) && !lhs) pl->reduced = 1;
    return rc;
}

/* One output's tiles, gathered at their offsets. */
typedef struct merged {
    int order;
    const int *lhs_idx;
    const uint32_t *lo;
    FF_VEC(uint32_t) coords;
    FF_VEC(ff_fx) vals;
} merged;

static int merge_visit(void *ctx, const uint32_t *c, ff_fx val)
{
    merged *M = ctx;
    for (int m = 0; m < M->order; m++) FF_VEC_PUSH(M->coords, c[m] + M->lo[M->lhs_idx[m]]);
    FF_VEC_PUSH(M->vals, val);
    return 0;
}

static const merged *sort_m;
static int cmp_point(const void *a, const void *b)
{
    const uint32_t *x = sort_m->coords.data + *(const size_t *)a * (size_t)sort_m->order;
    const uint32_t *y = sort_m->coords.data + *(const size_t *)b * (size_t)sort_m->order;
    for (int m = 0; m < sort_m->order; m++)
        if (x[m] != y[m]) return x[m] < y[m] ? -1 : 1;
    /* equal points in tile order: the sum is taken in it */
    return *(const size_t *)a < *(const size_t *)b ? -1 : *(const size_t *)a > *(const size_t *)b;
}

/* The merged output of program tensor pt (new): points of several tiles
 * (partial sums) added in tile order, a saturating sum an error. */
static int merge_finish(const ff_ir_program *p, int pt, merged *M, const uint32_t *sizes, ff_tensor **out, ff_err *err)
{
    size_t n = M->vals.len, o = (size_t)M->order;
    size_t *perm = ff_xcalloc(n + 1, sizeof *perm);
    for (size_t i = 0; i < n; i++) perm[i] = i;
    sort_m = M;
    qsort(perm, n, sizeof *perm, cmp_point);
    uint32_t *coords = ff_xcalloc(n * o + 1, sizeof *coords);
    ff_fx *vals = ff_xcalloc(n + 1, sizeof *vals);
    size_t k = 0;
    uint64_t saturated = 0;
    for (size_t i = 0; i < n; i++) {
        const uint32_t *c = M->coords.data + perm[i] * o;
        if (k && !memcmp(coords + (k - 1) * o, c, o * sizeof *c)) {
            vals[k - 1] = ff_fx_add_count(vals[k - 1], M->vals.data[perm[i]], &saturated);
            continue;
        }
        memcpy(coords + k * o, c, o * sizeof *c);
        vals[k++] = M->vals.data[perm[i]];
    }
    int rc = 0;
    if (saturated)
        rc = ff_err_set(err, FF_EINVAL, "--tile: adding the tiles' partial sums of '%s' saturated %llu times "
                        "(the untiled sum may not: tile the loop it sums over less, or not at all)",
                        p->tensors[pt].name, (unsigned long long)saturated);
    uint32_t dims[FF_MAX_ORDER];
    for (int m = 0; m < M->order; m++) dims[m] = sizes[p->tensors[pt].dims[m]];
    if (!rc)
        rc = ff_tensor_from_coo(p->tensors[pt].name, M->order, dims, &p->tensors[pt].fmt, p->frac_bits, k, coords, vals,
                                out, err);
    free(vals);
    free(coords);
    free(perm);
    return rc;
}

/* Kernel rk (one phase) with s's tiling: each tile cropped, executed and
 * stored into a scratch data array, its outputs merged; with store the
 * merged outputs replace rk->data's. Untiled (no tiled loop in the
 * kernel): execute(). rk->g, in and out stay for release(): the last
 * tile's graph, bound to the whole inputs. */
static int execute_tiled(ff_run_kernel *rk, const ff_run_sched *s, int store, const ff_run_ops *ops, ff_err *err)
{
    const ff_ir_program *p = rk->p;
    const ff_kernel *k = rk->k;
    uint32_t *sizes = data_sizes(p, rk->data);
    tile_plan pl;
    int rc = plan_tiles(p, k, s, sizes, &pl, err);
    int(*idx)[FF_IR_MAX_ORDER] = ff_xcalloc((size_t)p->ntensors + 1, sizeof *idx);
    unsigned char *reads = ff_xcalloc((size_t)p->ntensors + 1, 1);
    kernel_reads(p, k, rk->data, idx, reads);
    ff_run_sched as = *s;
    tile_acc2 acc2 = {0};
    if (!rc && s->tile_auto && (s->tile_dim || s->tile_spacc2)) {
        /* an accumulator's bound matters only to a graph that places one */
        ff_graph *g = NULL;
        int has = 1;
        if (ff_lower_kernel(p, k, rk->orders, &g, err) == 0) {
            has = 0;
            for (int i = 0; i < g->nnodes; i++) {
                const ff_node *nd = &g->nodes[i];
                has |= nd->kind == FF_PRIM_SPACC1;
                if (nd->kind != FF_PRIM_SPACC2 || acc2.n == TILE_MAX_ACC2) continue;
                int o = dim_loop(p, nd, "dim_outer", idx, &acc2.bouter[acc2.n]);
                int in = dim_loop(p, nd, "dim_inner", idx, &acc2.binner[acc2.n]);
                if (o < 0 || in < 0) continue; /* fixed sizes: tiling cannot shrink them */
                acc2.outer[acc2.n] = o;
                acc2.inner[acc2.n++] = in;
            }
            ff_graph_free(g);
        }
        if (!has) as.tile_dim = 0;
    }
    /* each read tensor is bucketed once per tile size tried, and the
     * run crops from the buckets of the plan chosen */
    tile_bucket *b = buckets_new(p, rk->data, idx, reads);
    if (!rc && s->tile_auto) rc = auto_tiles(p, k, b, &pl, sizes, &as, &acc2, err);
    else if (!rc) buckets_update(p, &pl, sizes, b);
    rk->ntiles = 1;
    if (!rc && !pl.n && s->tile_auto && s->tile_report)
        fprintf(s->tile_report, "kernel %d: --tile auto: untiled (every level within %llu words)\n", rk->index + 1,
                (unsigned long long)s->tile_words);
    if (!rc && pl.n && rk->nphases > 1)
        rc = ff_err_set(err, FF_EINVAL, "--tile: kernel %d-%d holds producers on chip (--reuse); tile it "
                        "with --reuse buffer or recompute", k->first + 1, k->last + 1);
    if (rc || pl.n == 0) {
        buckets_free(p, b);
        free(reads);
        free(idx);
        free(sizes);
        return rc ? rc : execute(rk, store, ops, err);
    }
    uint64_t all = plan_ntiles(&pl);
    uint32_t *lo = ff_xcalloc((size_t)p->nindices + 1, sizeof *lo), *ext = ff_xcalloc((size_t)p->nindices + 1, sizeof *ext);
    /* the tiles that run, in tile order; when none can hold a point, the
     * first runs, so that the kernel still has a graph and a measurement */
    FF_VEC(uint64_t) runs = {0};
    for (uint64_t tile = 0; tile < all; tile++) {
        tile_box(p, &pl, sizes, tile, lo, ext);
        if (tile_runs(p, k, b, lo)) FF_VEC_PUSH(runs, tile);
    }
    if (!runs.len) FF_VEC_PUSH(runs, 0);
    uint64_t n = runs.len;
    if (s->tile_auto && s->tile_report) {
        fprintf(s->tile_report, "kernel %d: --tile ", rk->index + 1);
        for (int i = 0; i < pl.n; i++) fprintf(s->tile_report, "%s%s:%u", i ? "," : "", p->indices[pl.idx[i]].name, pl.size[i]);
        fprintf(s->tile_report, " (%llu tiles, %llu of them empty and skipped; each level within %llu words)\n",
                (unsigned long long)all, (unsigned long long)(all - n), (unsigned long long)s->tile_words);
    }
    for (int st = k->first; st <= k->last && !rc; st++)
        for (int i = 0; i < pl.n && !rc; i++) {
            const ff_ir_expr *w = window_along(p->stmts[st].rhs, pl.idx[i]);
            if (w)
                rc = ff_err_set(err, FF_EINVAL,
                                "--tile: %s:%d:%d: '%s' is read through a window along tiled loop '%s'; tile "
                                "another loop",
                                p->path, w->pos.line, w->pos.col, p->tensors[w->tensor].name,
                                p->indices[pl.idx[i]].name);
        }
    for (int t = 0; t < p->ntensors && !rc; t++)
        for (int m = 0; reads[t] && m < p->tensors[t].order && !rc; m++)
            if (idx[t][m] == -2)
                rc = ff_err_set(err, FF_EINVAL, "--tile: kernel %d-%d reads mode %d of '%s' with two different loops; "
                                "it cannot be cropped to a tile", k->first + 1, k->last + 1, m + 1, p->tensors[t].name);
    merged *M = ff_xcalloc((size_t)p->ntensors + 1, sizeof *M);
    ff_tensor **td = ff_xcalloc((size_t)p->ntensors + 1, sizeof *td);
    for (uint64_t tile = 0; tile < n && !rc; tile++) {
        tile_box(p, &pl, sizes, runs.data[tile], lo, ext);
        memcpy(td, rk->data, sizeof *td * (size_t)p->ntensors);
        for (int st = k->first; st <= k->last; st++) td[p->stmts[st].lhs] = NULL; /* computed here */
        for (int t = 0; t < p->ntensors && !rc; t++) {
            if (!reads[t]) continue;
            td[t] = NULL;
            rc = bucket_crop(&b[t], lo, ext, &td[t], err);
        }
        uint32_t *tsizes = data_sizes(p, td);
        ff_run_kernel tk = *rk;
        tk.data = td;
        tk.tile = (int)tile;
        tk.ntiles = (int)n;
        tk.tiles_skipped = all - n;
        for (int r = 0; r < k->nroots; r++) tk.orders[r].sizes = tsizes;
        if (!rc) rc = execute(&tk, 1, ops, err);
        for (int st = k->first; st <= k->last && !rc; st++) {
            const ff_ir_stmt *S = &p->stmts[st];
            if (!td[S->lhs]) continue; /* an intermediate, streamed */
            M[S->lhs].order = S->nlhs;
            M[S->lhs].lhs_idx = S->lhs_idx;
            M[S->lhs].lo = lo;
            ff_tensor_foreach(td[S->lhs], merge_visit, &M[S->lhs]);
        }
        for (int t = 0; t < p->ntensors; t++)
            if (td[t] != rk->data[t]) ff_tensor_free(td[t]);
        if (rc || tile + 1 < n) {
            release(&tk);
        } else {
            /* the last tile's graph stays for ops->done, its inputs the whole ones */
            for (int t = 0; t < tk.g->ntensors; t++) {
                ff_tensor_free(tk.out[t]);
                tk.out[t] = NULL;
            }
            rk->g = tk.g;
            rk->in = tk.in;
            rk->out = tk.out;
            rk->ntiles = (int)n;
            rk->tiles_skipped = all - n;
            rk->tile = 0;
            bind_inputs(rk, err);
        }
        free(tsizes);
    }
    for (int t = 0; t < p->ntensors; t++) {
        if (!rc && store && M[t].order) {
            ff_tensor *whole = NULL;
            rc = merge_finish(p, t, &M[t], sizes, &whole, err);
            if (!rc) {
                ff_tensor_free(rk->data[t]);
                rk->data[t] = whole;
            }
        }
        free(M[t].coords.data);
        free(M[t].vals.data);
    }
    free(runs.data);
    free(ext);
    free(lo);
    free(td);
    free(M);
    buckets_free(p, b);
    free(reads);
    free(idx);
    free(sizes);
    return rc;
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
        rc = s && (s->ntiles || s->tile_auto) ? execute_tiled(&rk, s, store || q + 1 < np, ops, &kerr)
                                              : execute(&rk, store || q + 1 < np, ops, &kerr);
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
                      int store, const ff_run_sched *tiling, const ff_run_ops *ops, ff_err *err)
{
    ff_run_sched t = {0};
    if (tiling) {
        memcpy(t.tiles, tiling->tiles, sizeof t.tiles);
        t.ntiles = tiling->ntiles;
        t.tile_auto = tiling->tile_auto;
        t.tile_words = tiling->tile_words;
        t.tile_dim = tiling->tile_dim;
    }
    ff_run_kernel rk = {.p = p, .k = k, .nkernels = 1, .data = data, .ntiles = 1};
    if (orders)
        for (int r = 0; r < k->nroots; r++) rk.orders[r] = orders[r];
    else {
        int rc = ff_run_kernel_orders(p, k, NULL, rk.orders, err);
        if (rc) return rc;
    }
    ff_run_ops one = *ops;
    one.orders = NULL;
    one.done = NULL;
    return run_phases(&rk, tiling ? &t : NULL, store, &one, err);
}

int ff_run_program(const ff_ir_program *p, ff_tensor **data, const ff_run_sched *s0, const ff_run_ops *ops,
                   ff_err *err)
{
    enum { MAX_KERNELS = 256 };
    /* the schedule, with the sizes the data binds */
    static const ff_run_sched unscheduled;
    ff_run_sched sched = s0 ? *s0 : unscheduled;
    uint32_t *bound = sched.sizes ? NULL : data_sizes(p, data);
    if (bound) sched.sizes = bound;
    const ff_run_sched *s = &sched;
    ff_kernel *ks = ff_xcalloc(MAX_KERNELS, sizeof *ks);
    int nk = ff_fuse_parse(p, s->fuse ? s->fuse : "none", ks, MAX_KERNELS, err);
    /* with copies, the kernels run the program that has them, on data
     * with room for them */
    ff_ir_program *relaid = NULL;
    ff_tensor **all = data, **caller = data;
    if (nk > 0) nk = ff_run_relayout(p, s, ks, nk, MAX_KERNELS, &relaid, err);
    int rc = nk < 0 ? nk : 0;
    const ff_ir_program *orig = p;
    if (relaid) {
        all = ff_xcalloc((size_t)relaid->ntensors + 1, sizeof *all);
        memcpy(all, data, (size_t)p->ntensors * sizeof *all);
        p = relaid;
        data = all;
    }
    /* the sizes the inputs bind (the copies relayout adds bind none): the
     * lowering checks buffer capacities on them */
    const uint32_t *sizes = s->sizes;
    for (int k = 0; k < nk && !rc; k++) {
        ff_run_kernel rk = {.p = p, .k = &ks[k], .index = k, .nkernels = nk, .data = data, .nphases = 1, .ntiles = 1};
        ff_err kerr = {0};
        rc = ff_run_kernel_orders(p, &ks[k], s, rk.orders, &kerr);
        for (int r = 0; r < ks[k].nroots; r++) rk.orders[r].sizes = sizes;
        if (!rc && ops->orders) {
            rc = ops->orders(&rk, ops->user, &kerr);
            /* skipping and balancing are the schedule's, whatever orders
             * the hook chose */
            for (int r = 0; !rc && r < ks[k].nroots; r++) sched_passes(&rk.orders[r], s);
        }
        if (!rc) rc = run_phases(&rk, s, 1, ops, &kerr);
        else if (ops->done) rc = ops->done(&rk, rc, ops->user, &kerr);
        if (rc) *err = kerr;
    }
    free(ks);
    if (relaid) {
        /* the results of the program as written are the caller's, in its
         * formats (a held producer may have been held in another); the
         * copies go */
        for (int t = 0; t < orig->ntensors; t++) {
            caller[t] = all[t];
            if (!all[t] || !memcmp(&orig->tensors[t].fmt, &relaid->tensors[t].fmt, sizeof orig->tensors[t].fmt))
                continue;
            ff_tensor *conv = NULL;
            ff_err cerr = {0};
            if (ff_tensor_convert(all[t], &orig->tensors[t].fmt, &conv, &cerr)) {
                if (!rc) {
                    *err = cerr;
                    rc = cerr.code;
                }
                continue;
            }
            ff_tensor_free(all[t]);
            caller[t] = conv;
        }
        for (int t = orig->ntensors; t < relaid->ntensors; t++) ff_tensor_free(all[t]);
        ff_ir_free(relaid);
        free(all);
    }
    free(bound);
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
        /* a tiled kernel's measurements are its tiles' sums */
        int more = rk->tile > 0;
        ff_sim_timing tt;
        ff_sim_timing_of(sim, &tt);
        uint64_t cycles = ff_sim_cycles(sim);
        r->cycles = more ? r->cycles + cycles : cycles;
        r->total_cycles += cycles;
        if (!more) memset(&r->timing, 0, sizeof r->timing);
        ff_sim_timing_add(&r->timing, &tt);
        ff_sim_timing_add(&r->total_timing, &tt);
        r->nprims = g->nnodes;
        uint64_t ops = 0;
        for (int i = 0; i < g->nnodes; i++) {
            ff_node_stats ns;
            ff_sim_node_stats(sim, i, &ns);
            ops += ns.ops;
        }
        r->ops = more ? r->ops + ops : ops;
        r->total_ops += ops;
        const char *most = NULL;
        uint64_t sat = ff_sim_saturated(sim, &most);
        r->saturated = more ? r->saturated + sat : sat;
        if (r->finished) r->finished(g, sim, r->finished_user);
        if (!more || sat) snprintf(r->sat_node, sizeof r->sat_node, "%s", most ? most : "");
    }
    for (int t = 0; !rc && t < g->ntensors; t++)
        if (g->tensors[t].is_output) rc = ff_sim_take_output(sim, g->tensors[t].name, &rk->out[t], err);
    ff_sim_free(sim);
    return rc;
}
