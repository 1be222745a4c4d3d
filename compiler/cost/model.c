/*
 * model.c -- the cost model (docs/cost-model.md): tensor densities, then per
 * kernel root the loop levels the lowering would build, the points each
 * level visits, the ALU operations at each level, and the words read and
 * written.
 *
 * Needs: a program with reductions placed, bound sizes. A root's levels,
 * expression and accesses are the lowering's plan (compiler/lower/
 * lower_plan.h: the same inlining of fused producers, index names,
 * softmax/layernorm expansions, level trie, cloned subtrees and order
 * legality), read, not rebuilt; no graph is built: where the lowering emits
 * a merge, the model multiplies probabilities.
 */
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cost_int.h"
#include "ff_run.h"
#include "lower_plan.h"

/* ------------------------------------------------------------------ */
/* Tensor densities                                                    */
/* ------------------------------------------------------------------ */

/* 1 - (1 - d)^r: the chance that r independent coordinates of density d
 * hold at least one entry. */
static double any_of(double d, double r)
{
    if (d >= 1) return r > 0 ? 1 : 0;
    if (d <= 0 || r <= 0) return 0;
    return -expm1(r * log1p(-d));
}

static double tensor_dim(const ff_cost_model *m, int t, int mode)
{
    return (double)m->sizes[m->p->tensors[t].dims[mode]];
}

/* Level occupancy of tensor t, uniformly random with density d, in format
 * m->fmt[t]: a compressed level stores a coordinate when anything below it
 * is stored, Q_l = 1 - (1-d)^(coordinates below); a dense level stores every
 * coordinate of a stored parent, Q_l = Q_(l-1). prob_l = Q_l / Q_(l-1). */
static void uniform_levels(ff_cost_model *m, int t, double d)
{
    const ff_format *f = &m->fmt[t];
    double q_prev = 1, npos_prev = 1, words = 0, all = 1;
    for (int mode = 0; mode < f->order; mode++) all *= tensor_dim(m, t, mode);
    for (int l = 0; l < f->nlevels; l++) {
        double below = 1;
        for (int k = l + 1; k < f->nlevels; k++) below *= tensor_dim(m, t, f->lv[k].mode);
        double q = f->lv[l].fmt == FF_LVL_COMPRESSED ? any_of(d, below) : q_prev;
        double pr = q_prev > 0 ? q / q_prev : 0;
        double npos = npos_prev * tensor_dim(m, t, f->lv[l].mode) * pr;
        if (f->lv[l].fmt == FF_LVL_COMPRESSED) words += npos_prev + 1 + npos;
        m->prob[t][l] = pr;
        q_prev = q;
        npos_prev = npos;
    }
    words += npos_prev;
    m->words[t] = words;
    m->density[t] = all > 0 ? npos_prev / all : 0;
}

/* Occupancy measured on data, when the data is in the format the graph reads. */
static int measured_levels(ff_cost_model *m, int t, const ff_tensor *x)
{
    const ff_format *f = &m->fmt[t];
    if (x->fmt.nlevels != f->nlevels || x->order != f->order) return 0;
    for (int l = 0; l < f->nlevels; l++)
        if (x->fmt.lv[l].fmt != f->lv[l].fmt || x->fmt.lv[l].mode != f->lv[l].mode ||
            x->fmt.lv[l].split != FF_SPLIT_NONE)
            return 0;
    double parent = 1, words = (double)x->nvals, all = 1;
    for (int l = 0; l < f->nlevels; l++) {
        double here = (double)x->npos[l], dim = (double)x->lvl[l].dim;
        m->prob[t][l] = parent * dim > 0 ? here / (parent * dim) : 0;
        parent = here;
        if (f->lv[l].fmt == FF_LVL_COMPRESSED) words += (double)x->lvl[l].nseg + (double)x->lvl[l].ncrd;
    }
    for (int mode = 0; mode < x->order; mode++) all *= (double)x->dims[mode];
    m->words[t] = words;
    m->density[t] = all > 0 ? (double)x->nvals / all : 0;
    return 1;
}

static double index_size(const ff_cost_model *m, int prog_index)
{
    return (double)m->sizes[m->p->indices[prog_index].size];
}

/* The density of an expression's support by the rules of docs/language.md
 * "Semantics", as a product of independent factors, each the density of
 * something that varies along a set of indices: an access is one factor; a
 * product keeps both sides' factors; a sum merges everything into one,
 * a + b - ab; a reduction over k merges only the factors that vary along k,
 * into 1 - (1 - f)^K, and keeps the others -- in sum[k](M[i,j] * A[i,k] *
 * B[j,k]) the mask M does not vary along k, so the result keeps M's density.
 *
 * The same for the non-zero values (z, within the support). A stored result
 * keeps its whole support, computed zeros included (docs/language.md
 * "Stored zeros"), so a later kernel reads s, not z. Values are assumed symmetric about 0 and never cancelling:
 * relu zeroes half of what it sees, mask() zero-fills where its value is
 * absent, exp, rsqrt, log, sigmoid, softmax and layernorm are never 0, a
 * constant 0 is. */
#define NFAC 32
typedef struct facs {
    int n;
    double d[NFAC];
    uint64_t idx[NFAC]; /* program index ids (id & 63) */
} facs;

static double facs_product(const facs *f)
{
    double d = 1;
    for (int i = 0; i < f->n; i++) d *= f->d[i];
    return d;
}

static void facs_add(facs *f, double d, uint64_t idx)
{
    if (f->n == NFAC) { /* merge the last two: an approximation nobody meets */
        f->d[NFAC - 1] *= d;
        f->idx[NFAC - 1] |= idx;
        return;
    }
    f->d[f->n] = d;
    f->idx[f->n++] = idx;
}

static uint64_t facs_idx(const facs *f)
{
    uint64_t u = 0;
    for (int i = 0; i < f->n; i++) u |= f->idx[i];
    return u;
}

static uint64_t idx_bit(int id) { return (uint64_t)1 << (id & 63); }

/* support (s) and non-zeros (z) of e */
static void factors(const ff_cost_model *m, const ff_ir_expr *e, facs *s, facs *z)
{
    facs as, az, bs, bz;
    s->n = z->n = 0;
    switch (e->kind) {
    case FF_IR_ACCESS: {
        uint64_t idx = 0;
        for (int k = 0; k < e->nidx; k++) idx |= idx_bit(e->idx[k]);
        facs_add(s, m->density[e->tensor], idx);
        facs_add(z, m->density[e->tensor], idx);
        return;
    }
    case FF_IR_CONST:
        if (e->value == 0) facs_add(z, 0, 0);
        return;
    case FF_IR_UNARY:
        factors(m, e->a, s, z);
        if (e->op == FF_ALU_RELU) facs_add(z, 0.5, facs_idx(s));
        /* f(0) != 0: every present entry is non-zero (tanh, erf keep 0) */
        if (e->op == FF_ALU_EXP || e->op == FF_ALU_RSQRT || e->op == FF_ALU_LOG || e->op == FF_ALU_SIGMOID)
            *z = *s;
        return;
    case FF_IR_SOFTMAX:
    case FF_IR_LAYERNORM:
        factors(m, e->a, s, z);
        *z = *s;
        return;
    case FF_IR_MASK:
        factors(m, e->a, s, z);
        factors(m, e->b, &bs, &bz);
        for (int i = 0; i < bz.n; i++) facs_add(z, bz.d[i], bz.idx[i]);
        return;
    case FF_IR_REDUCE: {
        factors(m, e->a, &as, &az);
        double size = index_size(m, e->index);
        uint64_t k = idx_bit(e->index);
        for (int pass = 0; pass < 2; pass++) {
            const facs *in = pass ? &az : &as;
            facs *out = pass ? z : s;
            double along = 1;
            uint64_t idx = 0;
            for (int i = 0; i < in->n; i++) {
                if (in->idx[i] & k) {
                    along *= in->d[i];
                    idx |= in->idx[i];
                } else {
                    facs_add(out, in->d[i], in->idx[i]);
                }
            }
            facs_add(out, any_of(along, size), idx & ~k);
        }
        return;
    }
    case FF_IR_BINARY:
        factors(m, e->a, &as, &az);
        factors(m, e->b, &bs, &bz);
        if (e->op == FF_ALU_ADD || e->op == FF_ALU_SUB) {
            double a = facs_product(&as), b = facs_product(&bs);
            facs_add(s, a + b - a * b, facs_idx(&as) | facs_idx(&bs));
            a = facs_product(&az);
            b = facs_product(&bz);
            facs_add(z, a + b - a * b, facs_idx(&az) | facs_idx(&bz));
        } else {
            *s = as;
            *z = az;
            for (int i = 0; i < bs.n; i++) facs_add(s, bs.d[i], bs.idx[i]);
            for (int i = 0; i < bz.n; i++) facs_add(z, bz.d[i], bz.idx[i]);
        }
        return;
    }
}

/* The density of e's support. */
static double support(const ff_cost_model *m, const ff_ir_expr *e)
{
    facs s, z;
    factors(m, e, &s, &z);
    return facs_product(&s);
}

int ff_cost_model_new(const ff_ir_program *p, const uint32_t *sizes, const ff_tensor *const *inputs, double density,
                      ff_cost_model **out, ff_err *err)
{
    if (!(density >= 0 && density <= 1)) return ff_err_set(err, FF_EINVAL, "cost model: density %g is not in [0, 1]", density);
    for (int s = 0; s < p->nsizes; s++)
        if (!sizes[s]) return ff_err_set(err, FF_EINVAL, "cost model: size %s is not bound", p->sizes[s].name);
    ff_cost_model *m = ff_xcalloc(1, sizeof *m);
    m->p = p;
    m->sizes = ff_xcalloc((size_t)p->nsizes + 1, sizeof *m->sizes);
    memcpy(m->sizes, sizes, (size_t)p->nsizes * sizeof *sizes);
    m->fmt = ff_xcalloc((size_t)p->ntensors + 1, sizeof *m->fmt);
    m->prob = ff_xcalloc((size_t)p->ntensors + 1, sizeof *m->prob);
    m->density = ff_xcalloc((size_t)p->ntensors + 1, sizeof *m->density);
    m->words = ff_xcalloc((size_t)p->ntensors + 1, sizeof *m->words);
    for (int t = 0; t < p->ntensors; t++) {
        m->fmt[t] = lw_scalar_format(&p->tensors[t].fmt);
        if (p->tensors[t].role != FF_IR_INPUT) continue;
        const ff_tensor *x = inputs ? inputs[t] : NULL;
        if (x && measured_levels(m, t, x)) continue;
        double d = density;
        if (x) {
            double all = 1;
            for (int mode = 0; mode < x->order; mode++) all *= (double)x->dims[mode];
            d = all > 0 ? (double)x->nvals / all : 0;
        }
        int sparse = 0;
        for (int l = 0; l < m->fmt[t].nlevels; l++) sparse |= m->fmt[t].lv[l].fmt == FF_LVL_COMPRESSED;
        uniform_levels(m, t, sparse ? d : 1);
    }
    /* statements in order: each stored result's support from what it reads */
    for (int s = 0; s < p->nstmts; s++) uniform_levels(m, p->stmts[s].lhs, support(m, p->stmts[s].rhs));
    *out = m;
    return 0;
}

void ff_cost_model_free(ff_cost_model *m)
{
    if (!m) return;
    free(m->sizes);
    free(m->fmt);
    free(m->prob);
    free(m->density);
    free(m->words);
    free(m);
}

double ff_cost_tensor_density(const ff_cost_model *m, int t) { return m->density[t]; }
double ff_cost_tensor_words(const ff_cost_model *m, int t) { return m->words[t]; }

/* ------------------------------------------------------------------ */
/* A root as the lowering plans it                                     */
/* ------------------------------------------------------------------ */

/* The model of one root walks the lowering's plan (lower_plan.h): the same
 * index names, inlined producers, softmax/layernorm expansions, level trie
 * and cloned subtrees the graph is emitted from, so the estimate cannot
 * drift from the graph. Where emit.c makes a merge, the model multiplies
 * probabilities; where it makes an ALU or a reducer, the model counts its
 * operations once per point of the node's level. */
typedef struct cm {
    const ff_cost_model *m;
    lw *L;               /* the plan */
    double *prob, *points; /* per plan level */
    int *val_level;      /* per plan node (lx.id): the level its value lives at, -2 until counted */
    double flops;
    int alus, reducers, arrays; /* nodes emit.c makes for the values (ff_cost_detail) */
} cm;

/* ---- the merge at one level, as a probability ---- */

typedef struct mp {
    int neutral;  /* nothing here iterates the level */
    double p;     /* the fraction of the level's coordinates present */
} mp;

static const mp NEUTRAL = {1, 1};

static mp prob_of(double p)
{
    mp r = {0, p};
    return r;
}

/* The probability that access x stores a coordinate of level l given its
 * parent reference, or NEUTRAL when it does not iterate l. */
static mp access_prob(const cm *C, const lx *x, int l)
{
    const lw *L = C->L;
    if (!lw_is_ancestor(L, l, x->chain)) return NEUTRAL;
    int v = L->levels[l].index;
    const ff_format *f = &C->m->fmt[x->tensor];
    for (int k = 0; k < f->nlevels; k++)
        if (x->idx[f->lv[k].mode] == v) return prob_of(C->m->prob[x->tensor][k]);
    return NEUTRAL;
}

/* emit.c's build_mt + mt_covers, with probabilities: a product keeps the
 * coordinates both sides have (independent: pa * pb), a sum those either
 * has (pa + pb - pa pb; a side constant along the level makes it full),
 * mask those of its mask. */
static mp merge(const cm *C, const lx *x, int l)
{
    if (!x) return NEUTRAL;
    switch (x->kind) {
    case FF_IR_ACCESS: return access_prob(C, x, l);
    case FF_IR_CONST: return NEUTRAL;
    case FF_IR_UNARY: return merge(C, x->a, l);
    case FF_IR_REDUCE:
        if (x->chain == -2 || lw_is_ancestor(C->L, l, x->chain)) return merge(C, x->a, l);
        return NEUTRAL;
    case FF_IR_MASK: {
        mp k = merge(C, x->a, l);
        return prob_of(k.neutral ? 1 : k.p);
    }
    case LW_REPLAY: /* the capture walk's coordinates, read back; its rows along outer levels */
        if (C->L->levels[l].index != x->index) return merge(C, x->cap->a, l);
        if (!lw_is_ancestor(C->L, l, x->chain)) return NEUTRAL;
        return merge(C, x->cap->a, x->cap->chain);
    case FF_IR_BINARY: {
        if (x->bcast_b) return merge(C, x->a, l);
        mp a = merge(C, x->a, l), b = merge(C, x->b, l);
        if (x->op == FF_ALU_ADD || x->op == FF_ALU_SUB) {
            if (a.neutral && b.neutral) return NEUTRAL;
            if (a.neutral || b.neutral) return prob_of(1);
            return prob_of(a.p + b.p - a.p * b.p);
        }
        if (a.neutral) return b;
        if (b.neutral) return a;
        return prob_of(a.p * b.p);
    }
    default: break;
    }
    return NEUTRAL;
}

static double points_at(const cm *C, int l) { return l < 0 ? 1 : C->points[l]; }

/* ---- operations: emit.c's lower_value, counting instead of emitting ---- */

static int deeper(const cm *C, int a, int b) { return lw_is_ancestor(C->L, a, b) ? b : a; }

/* ALU operations (nodes) one unary function takes (emit.c's lower_unary). */
static int unary_ops(int op)
{
    switch (op) {
    case FF_IR_FN_SQRT: return 2;
    case FF_IR_FN_GELU: return 5;
    case LW_FN_ONE: return 2;
    default: return 1;
    }
}

/* n ALU nodes, each operating once per point of level l. */
static void count_alus(cm *C, int n, int l)
{
    C->alus += n;
    C->flops += n * points_at(C, l);
}

static int value_level(cm *C, const lx *x)
{
    if (C->val_level[x->id] != -2) return C->val_level[x->id];
    int l = -1;
    switch (x->kind) {
    case FF_IR_ACCESS:
        C->arrays++;
        l = x->chain;
        break;
    case FF_IR_UNARY:
        l = value_level(C, x->a);
        count_alus(C, unary_ops(x->op), l);
        break;
    case FF_IR_BINARY: {
        int ca = x->a->kind == FF_IR_CONST, cb = x->b->kind == FF_IR_CONST;
        if (ca && cb) lw_fail(C->L, x->pos, "an operation on two constants: fold it by hand");
        if (ca || cb) {
            /* an immediate; c - x is neg then add, c / x makes c a stream first */
            l = value_level(C, cb ? x->a : x->b);
            int n = 1;
            if (ca && x->op == FF_ALU_SUB) n = 2;
            if (ca && x->op == FF_ALU_DIV) n = 3;
            count_alus(C, n, l);
        } else {
            l = deeper(C, value_level(C, x->a), value_level(C, x->b));
            count_alus(C, 1, l);
        }
        break;
    }
    case FF_IR_REDUCE:
        value_level(C, x->a);
        C->reducers++;
        C->flops += points_at(C, x->chain); /* one add (or max) per term */
        l = x->prefix;
        break;
    case FF_IR_MASK:
        value_level(C, x->b);
        l = x->a->chain;
        break;
    case LW_REPLAY: /* a buffer's reader: no ALU, the capture computes it once */
        value_level(C, x->cap->a);
        l = x->chain;
        break;
    case FF_IR_CONST:
        lw_fail(C->L, x->pos, "a constant on its own has no coordinates: combine it with a tensor");
    default:
        lw_fail(C->L, x->pos, "internal: unexpanded expression");
    }
    C->val_level[x->id] = l;
    return l;
}

/* Words of a result written level by level: per level its coordinates and
 * one segment word per stored parent plus one; then the values. */
static double written_words(const double *npos, int n)
{
    double w = n ? npos[n - 1] : 1, parent = 1;
    for (int l = 0; l < n; l++) {
        w += npos[l] + parent + 1;
        parent = npos[l];
    }
    return w;
}

/* The model of one planned root. Errors unwind through C->L->fail. */
static void estimate(cm *C, ff_cost_est *est, ff_cost_detail *detail, unsigned char *reads)
{
    lw *L = C->L;
    /* points per level, parents first (the plan creates levels after their parents) */
    est->points = 0;
    for (int l = 0; l < L->nlevels; l++) {
        const level *lv = &L->levels[l];
        mp q = merge(C, lv->owner ? lv->owner->a : L->root, l);
        C->prob[l] = q.neutral ? 1 : q.p;
        C->points[l] = points_at(C, lv->parent) * (double)C->m->sizes[L->idx[lv->index].size] * C->prob[l];
        est->points += C->points[l];
    }

    /* operations and the result's words */
    C->flops = 0;
    double npos[FF_MAX_ORDER];
    int nout = L->nout;
    if (!L->spacc) {
        value_level(C, L->root);
        for (int k = 0; k < nout; k++) npos[k] = C->points[L->out_chain[k]];
    } else {
        value_level(C, L->core);
        C->flops += points_at(C, L->top_chain); /* one accumulation per point */
        /* the accumulator emits the result's support (emit.c: spacc1/spacc2) */
        for (int k = 0; k < nout; k++) npos[k] = (double)C->m->sizes[L->idx[L->levels[L->out_chain[k]].index].size];
        double d = support(C->m, L->st->rhs);
        if (nout == 1) {
            npos[0] *= d;
        } else if (nout == 2) {
            double outer = npos[0] * any_of(d, npos[1]);
            npos[1] = npos[0] * npos[1] * d;
            npos[0] = outer;
        }
        /* unary ops on the accumulated values, once per result entry */
        for (int u = 0; u < L->nun; u++) {
            C->alus += unary_ops(L->unary_ops[u]);
            C->flops += unary_ops(L->unary_ops[u]) * (nout ? npos[nout - 1] : 1);
        }
    }
    est->flops = C->flops;
    est->bytes_written = 4 * written_words(npos, nout);

    /* reads: every stored tensor the plan accesses (the graph's inputs) */
    est->bytes_read = 0;
    for (int i = 0; i < L->nnodes; i++) {
        const lx *x = L->nodes[i];
        if (x->kind != FF_IR_ACCESS || reads[x->tensor]) continue;
        reads[x->tensor] = 1;
        est->bytes_read += 4 * C->m->words[x->tensor];
    }
    if (detail) {
        memset(detail, 0, sizeof *detail);
        detail->nlevels = L->nlevels;
        detail->accumulated = L->spacc;
        detail->alus = C->alus;
        detail->reducers = C->reducers;
        detail->arrays = C->arrays;
        for (int l = 0; l < L->nlevels; l++) {
            snprintf(detail->levels[l].index, FF_LOWER_NAME, "%s", L->idx[L->levels[l].index].name);
            detail->levels[l].parent = L->levels[l].parent;
            detail->levels[l].prob = C->prob[l];
            detail->levels[l].points = C->points[l];
        }
    }
}

static int root_estimate(const ff_cost_model *m, const ff_kernel *k, int root, const ff_lower_opts *order,
                         ff_cost_est *out, ff_cost_detail *detail, unsigned char *reads, ff_err *err)
{
    const ff_ir_program *p = m->p;
    if (root < k->first || root > k->last)
        return ff_err_set(err, FF_EINVAL, "cost model: statement %d is not in kernel %d-%d", root + 1, k->first + 1,
                          k->last + 1);
    unsigned char *fuse = ff_xcalloc((size_t)p->nstmts + 1, 1);
    ff_kernel_fuse_flags(p, k, root, fuse);
    ff_lower_opts o;
    memset(&o, 0, sizeof o);
    if (order) o = *order;
    o.fuse = fuse;
    /* the scalar, serial graph: --par replicates the same work, --block
     * streams the same coordinates in blocks */
    o.par = 0;
    o.block = 0;
    lw *L = NULL;
    int rc = lw_plan_new(p, root, &o, &L, err);
    if (rc) {
        free(fuse);
        return rc;
    }
    cm C = {.m = m, .L = L};
    C.prob = ff_xcalloc((size_t)L->nlevels + 1, sizeof *C.prob);
    C.points = ff_xcalloc((size_t)L->nlevels + 1, sizeof *C.points);
    C.val_level = ff_xmalloc(((size_t)L->nnodes + 1) * sizeof *C.val_level);
    for (int i = 0; i < L->nnodes; i++) C.val_level[i] = -2;
    if (setjmp(L->fail)) rc = err ? err->code : FF_EINVAL;
    else estimate(&C, out, detail, reads);
    free(C.prob);
    free(C.points);
    free(C.val_level);
    lw_delete(L);
    free(fuse);
    return rc;
}

int ff_cost_root(const ff_cost_model *m, const ff_kernel *k, int root, const ff_lower_opts *order, ff_cost_est *out,
                 ff_cost_detail *detail, ff_err *err)
{
    unsigned char *reads = ff_xcalloc((size_t)m->p->ntensors + 1, 1);
    int rc = root_estimate(m, k, root, order, out, detail, reads, err);
    free(reads);
    return rc;
}

int ff_cost_kernel(const ff_cost_model *m, const ff_kernel *k, const ff_lower_opts *orders, ff_cost_est *out,
                   ff_err *err)
{
    enum { MAX_PHASES = 64 };
    unsigned char *reads = ff_xcalloc((size_t)m->p->ntensors + 1, 1);
    memset(out, 0, sizeof *out);
    /* the kernel in its phases (producers held on chip, ff_run_phases):
     * what a phase holds for a later one is neither written nor read off
     * chip */
    ff_run_phase *phases = ff_xcalloc(MAX_PHASES, sizeof *phases);
    ff_lower_opts def[FF_LOWER_MAX_ROOTS];
    int rc = orders ? 0 : ff_run_kernel_orders(m->p, k, NULL, def, err);
    int np = rc ? rc : ff_run_phases(m->p, k, orders ? orders : def, NULL, phases, MAX_PHASES, err);
    if (np < 0) rc = np;
    for (int q = 0; q < np && !rc; q++) {
        const ff_kernel *pk = &phases[q].k;
        for (int r = 0; r < pk->nroots && !rc; r++) {
            ff_cost_est e;
            rc = root_estimate(m, pk, pk->roots[r], &phases[q].orders[r], &e, NULL, reads, err);
            if (rc) break;
            int kept = 0; /* a result of the kernel, not only held for a later phase */
            for (int kr = 0; kr < k->nroots; kr++) kept |= k->roots[kr] == pk->roots[r];
            out->flops += e.flops;
            out->bytes_read += e.bytes_read; /* each tensor once: reads[] carries over */
            if (kept) out->bytes_written += e.bytes_written;
            out->points += e.points;
            reads[m->p->stmts[pk->roots[r]].lhs] = 1; /* later phases read it on chip */
        }
    }
    out->phases = np > 0 ? np : 1;
    free(phases);
    free(reads);
    return rc;
}
