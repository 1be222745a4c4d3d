/*
 * model.c -- the cost model (docs/cost-model.md): tensor densities, then per
 * kernel root the loop levels the lowering would build, the points each
 * level visits, the ALU operations at each level, and the words read and
 * written.
 *
 * Needs: a program with reductions placed, bound sizes. The level structure
 * mirrors compiler/lower/lower.c exactly (the same inlining of fused
 * producers, the same index names, the same softmax/layernorm expansions,
 * the same top chain and reduction prefixes) but builds no graph: where the
 * lowering emits a merge, the model multiplies probabilities.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cost_int.h"

#define CM_MAX_IDX 64

/* ------------------------------------------------------------------ */
/* Tensor densities                                                    */
/* ------------------------------------------------------------------ */

ff_format cost_read_format(const ff_format *f)
{
    ff_format u;
    memset(&u, 0, sizeof u);
    u.order = f->order;
    int blocked = 0;
    for (int l = 0; l < f->nlevels; l++) blocked |= f->lv[l].split != FF_SPLIT_NONE;
    if (!blocked) return *f;
    for (int l = 0; l < f->nlevels; l++) {
        if (f->lv[l].split == FF_SPLIT_INNER) continue;
        ff_level_desc d = {FF_LVL_DENSE, f->lv[l].mode, FF_SPLIT_NONE, 0};
        for (int k = 0; k < f->nlevels; k++)
            if (f->lv[k].mode == d.mode && f->lv[k].fmt == FF_LVL_COMPRESSED) d.fmt = FF_LVL_COMPRESSED;
        u.lv[u.nlevels++] = d;
    }
    return u;
}

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
 * absent, exp, rsqrt, softmax and layernorm are never 0, a constant 0 is. */
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
        if (e->op == FF_ALU_EXP || e->op == FF_ALU_RSQRT) *z = *s;
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
        m->fmt[t] = cost_read_format(&p->tensors[t].fmt);
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
/* A root as the lowering sees it                                      */
/* ------------------------------------------------------------------ */

/* An expression node of the model's copy (lower.c's lx, without the graph). */
typedef struct cx cx;
struct cx {
    ff_ir_kind kind;
    int op;              /* ALU op / FF_IR_FN_* / ff_ir_red / FN_ONE */
    int index;           /* REDUCE: local index */
    int tensor;          /* ACCESS */
    int nidx, idx[FF_IR_MAX_ORDER];
    cx *a, *b;
    int bcast_b;         /* BINARY: b is broadcast, the support is a's */
    int is_const_b, is_const_a;
    uint64_t free;       /* free local indices */
    int chain;           /* REDUCE: own level (-2 = accumulated); ACCESS: level its chain ends at */
    int prefix;          /* REDUCE: level its value lives at */
    int have_val, val_level;
};

enum { FN_ONE = FF_IR_FN__END }; /* 1 wherever the operand is stored (layernorm's count) */
enum { IDX_OWN, IDX_INLINED, IDX_EXPANSION };

typedef struct cidx {
    char name[FF_LOWER_NAME];
    int size;            /* size symbol */
    int prog_index;      /* own indices: the program's id */
    int kind;
} cidx;

typedef struct cmap {
    int prog[CM_MAX_IDX], local[CM_MAX_IDX], n;
    const char *tag;
} cmap;

typedef struct clevel {
    int index, parent;
    cx *owner;           /* the reduction iterating it; NULL on the top chain */
    double prob, points;
} clevel;

typedef struct cm {
    const ff_cost_model *m;
    const ff_ir_program *p;
    const ff_ir_stmt *st;
    int stmt;
    const unsigned char *fuse;
    ff_err *err;
    jmp_buf fail;
    cidx idx[CM_MAX_IDX];
    int nidx;
    int pos_of[CM_MAX_IDX];
    cx *root;
    cx **nodes;
    int nnodes, cap;
    clevel lv[FF_COST_MAX_LEVELS];
    int nlv;
    double flops;
} cm;

static _Noreturn void cm_fail(cm *C, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static _Noreturn void cm_fail(cm *C, const char *fmt, ...)
{
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    ff_err_set(C->err, FF_EINVAL, "%s:%d: cost model: %s", C->p->path, C->st->pos.line, what);
    longjmp(C->fail, 1);
}

static cx *new_cx(cm *C, ff_ir_kind kind)
{
    if (C->nnodes == C->cap) {
        C->cap = C->cap ? 2 * C->cap : 64;
        C->nodes = ff_xrealloc(C->nodes, (size_t)C->cap * sizeof *C->nodes);
    }
    cx *x = ff_xcalloc(1, sizeof *x);
    x->kind = kind;
    x->chain = x->prefix = x->val_level = -1;
    C->nodes[C->nnodes++] = x;
    return x;
}

/* Index names exactly as lower.c gives them (orders name indices). */
static int find_index(cm *C, const char *name)
{
    for (int i = 0; i < C->nidx; i++)
        if (!strcmp(C->idx[i].name, name)) return i;
    return -1;
}

static int add_index(cm *C, const char *name, int size, int prog_index, int kind)
{
    if (C->nidx == CM_MAX_IDX) cm_fail(C, "more than %d indices", CM_MAX_IDX);
    cidx *ci = &C->idx[C->nidx];
    snprintf(ci->name, sizeof ci->name, "%s", name);
    ci->size = size;
    ci->prog_index = prog_index;
    ci->kind = kind;
    return C->nidx++;
}

static void unique_name(cm *C, const char *base, char *out, size_t n)
{
    snprintf(out, n, "%.24s", base);
    for (int k = 2; find_index(C, out) >= 0 && k < 1000; k++) snprintf(out, n, "%.24s%d", base, k % 1000);
}

static int local_index(cm *C, int prog_index)
{
    for (int i = 0; i < C->nidx; i++)
        if (C->idx[i].prog_index == prog_index && C->idx[i].kind == IDX_OWN) return i;
    return add_index(C, C->p->indices[prog_index].name, C->p->indices[prog_index].size, prog_index, IDX_OWN);
}

static int mapped_index(cm *C, cmap *map, int prog_index)
{
    if (!map) return local_index(C, prog_index);
    for (int i = 0; i < map->n; i++)
        if (map->prog[i] == prog_index) return map->local[i];
    if (map->n == CM_MAX_IDX) cm_fail(C, "more than %d indices", CM_MAX_IDX);
    char base[64], name[FF_LOWER_NAME];
    snprintf(base, sizeof base, "%s_%s", C->p->indices[prog_index].name, map->tag);
    unique_name(C, base, name, sizeof name);
    int id = add_index(C, name, C->p->indices[prog_index].size, -1, IDX_INLINED);
    map->prog[map->n] = prog_index;
    map->local[map->n++] = id;
    return id;
}

static int fresh_index(cm *C, int like)
{
    char name[FF_LOWER_NAME];
    unique_name(C, C->idx[like].name, name, sizeof name);
    return add_index(C, name, C->idx[like].size, -1, IDX_EXPANSION);
}

static cx *rename_copy(cm *C, cx *x, int from, int to)
{
    if (!x) return NULL;
    cx *y = new_cx(C, x->kind);
    y->op = x->op;
    y->index = x->index == from ? to : x->index;
    y->tensor = x->tensor;
    y->nidx = x->nidx;
    for (int m = 0; m < x->nidx; m++) y->idx[m] = x->idx[m] == from ? to : x->idx[m];
    y->bcast_b = x->bcast_b;
    y->is_const_a = x->is_const_a;
    y->is_const_b = x->is_const_b;
    y->a = rename_copy(C, x->a, from, to);
    y->b = x->b && x->bcast_b ? x->b : rename_copy(C, x->b, from, to);
    return y;
}

static cx *mk(cm *C, ff_ir_kind kind, int op, cx *a, cx *b)
{
    cx *x = new_cx(C, kind);
    x->op = op;
    x->a = a;
    x->b = b;
    return x;
}

static cx *mk_bin(cm *C, int op, cx *a, cx *b, int bcast)
{
    cx *x = mk(C, FF_IR_BINARY, op, a, b);
    x->bcast_b = bcast;
    x->is_const_b = b->kind == FF_IR_CONST;
    return x;
}

static cx *mk_red(cm *C, int op, int index, cx *a)
{
    cx *x = mk(C, FF_IR_REDUCE, op, a, NULL);
    x->index = index;
    return x;
}

/* lower.c's expand_softmax: max over j1, sum over j2 of exp(a - max),
 * exp(a - max) / sum. */
static cx *expand_softmax(cm *C, cx *a, int j)
{
    int j1 = fresh_index(C, j), j2 = fresh_index(C, j);
    cx *m = mk_red(C, FF_IR_RED_MAX, j1, rename_copy(C, a, j, j1));
    cx *e2 = mk(C, FF_IR_UNARY, FF_ALU_EXP, mk_bin(C, FF_ALU_SUB, rename_copy(C, a, j, j2), m, 1), NULL);
    cx *s = mk_red(C, FF_IR_RED_SUM, j2, e2);
    cx *e = mk(C, FF_IR_UNARY, FF_ALU_EXP, mk_bin(C, FF_ALU_SUB, a, m, 1), NULL);
    return mk_bin(C, FF_ALU_DIV, e, s, 1);
}

/* lower.c's expand_layernorm: count, mean, variance, result. */
static cx *expand_layernorm(cm *C, cx *a, int j)
{
    int j1 = fresh_index(C, j), j2 = fresh_index(C, j), j3 = fresh_index(C, j);
    cx *n = mk_red(C, FF_IR_RED_SUM, j1, mk(C, FF_IR_UNARY, FN_ONE, rename_copy(C, a, j, j1), NULL));
    cx *mean = mk_bin(C, FF_ALU_DIV, mk_red(C, FF_IR_RED_SUM, j2, rename_copy(C, a, j, j2)), n, 0);
    cx *d3 = mk_bin(C, FF_ALU_SUB, rename_copy(C, a, j, j3), mean, 1);
    cx *var = mk_bin(C, FF_ALU_DIV, mk_red(C, FF_IR_RED_SUM, j3, mk_bin(C, FF_ALU_MUL, d3, d3, 0)), n, 0);
    cx *one = new_cx(C, FF_IR_CONST);
    cx *inv = mk(C, FF_IR_UNARY, FF_ALU_RSQRT, mk_bin(C, FF_ALU_ADD, var, one, 0), NULL);
    cx *d = mk_bin(C, FF_ALU_SUB, a, mean, 1);
    return mk_bin(C, FF_ALU_MUL, d, inv, 1);
}

static const ff_ir_stmt *fused_producer(cm *C, int t)
{
    for (int s = 0; s < C->stmt; s++)
        if (C->fuse[s] && C->p->stmts[s].lhs == t) return &C->p->stmts[s];
    return NULL;
}

/* lower.c's copy_ir: fused producers inlined, their indices renamed apart. */
static cx *copy_ir(cm *C, const ff_ir_expr *e, cmap *map, int depth)
{
    if (depth > 64) cm_fail(C, "fusing this deep nests more than 64 statements");
    if (e->kind == FF_IR_ACCESS) {
        const ff_ir_stmt *prod = fused_producer(C, e->tensor);
        if (prod) {
            cmap sub = {.tag = C->p->tensors[e->tensor].name};
            for (int m = 0; m < prod->nlhs; m++) {
                sub.prog[sub.n] = prod->lhs_idx[m];
                sub.local[sub.n++] = mapped_index(C, map, e->idx[m]);
            }
            return copy_ir(C, prod->rhs, &sub, depth + 1);
        }
    }
    cx *x = new_cx(C, e->kind);
    x->op = e->op;
    switch (e->kind) {
    case FF_IR_ACCESS:
        x->tensor = e->tensor;
        x->nidx = e->nidx;
        for (int m = 0; m < e->nidx; m++) x->idx[m] = mapped_index(C, map, e->idx[m]);
        return x;
    case FF_IR_CONST:
        return x;
    case FF_IR_UNARY:
        x->a = copy_ir(C, e->a, map, depth);
        return x;
    case FF_IR_BINARY:
    case FF_IR_MASK:
        x->a = copy_ir(C, e->a, map, depth);
        x->b = copy_ir(C, e->b, map, depth);
        x->is_const_a = x->a->kind == FF_IR_CONST;
        x->is_const_b = x->b->kind == FF_IR_CONST;
        return x;
    case FF_IR_REDUCE:
        x->index = mapped_index(C, map, e->index);
        x->a = copy_ir(C, e->a, map, depth);
        return x;
    case FF_IR_SOFTMAX:
    case FF_IR_LAYERNORM: {
        int j = mapped_index(C, map, e->index);
        cx *a = copy_ir(C, e->a, map, depth);
        return e->kind == FF_IR_SOFTMAX ? expand_softmax(C, a, j) : expand_layernorm(C, a, j);
    }
    }
    cm_fail(C, "unsupported expression");
}

static uint64_t compute_free(cx *x)
{
    if (!x) return 0;
    switch (x->kind) {
    case FF_IR_ACCESS:
        x->free = 0;
        for (int m = 0; m < x->nidx; m++) x->free |= (uint64_t)1 << x->idx[m];
        break;
    case FF_IR_CONST:
        x->free = 0;
        break;
    case FF_IR_REDUCE:
        x->free = compute_free(x->a) & ~((uint64_t)1 << x->index);
        break;
    default:
        x->free = compute_free(x->a) | compute_free(x->b);
        break;
    }
    return x->free;
}

/* ---- levels (lower.c's level trie) ---- */

static int get_level(cm *C, int parent, int index, cx *owner)
{
    for (int i = 0; i < C->nlv; i++)
        if (C->lv[i].parent == parent && C->lv[i].index == index && C->lv[i].owner == owner) return i;
    if (C->nlv == FF_COST_MAX_LEVELS) cm_fail(C, "more than %d levels", FF_COST_MAX_LEVELS);
    clevel *l = &C->lv[C->nlv];
    memset(l, 0, sizeof *l);
    l->index = index;
    l->parent = parent;
    l->owner = owner;
    return C->nlv++;
}

static uint64_t chain_set(cm *C, int l)
{
    uint64_t s = 0;
    for (; l >= 0; l = C->lv[l].parent) s |= (uint64_t)1 << C->lv[l].index;
    return s;
}

static int is_ancestor(cm *C, int anc, int l)
{
    for (; l >= 0; l = C->lv[l].parent)
        if (l == anc) return 1;
    return anc == -1;
}

/* A reduction's value lives at the shortest prefix of its enclosing chain
 * that holds its free indices; it iterates its own level below that. */
static void assign_chains(cm *C, cx *x, int enclosing)
{
    if (!x) return;
    switch (x->kind) {
    case FF_IR_ACCESS:
        if (x->chain < 0) x->chain = enclosing;
        return;
    case FF_IR_CONST:
        return;
    case FF_IR_REDUCE: {
        if (x->chain >= 0 || x->chain == -2) {
            if (x->chain == -2) assign_chains(C, x->a, enclosing);
            return;
        }
        int pre = enclosing;
        while (pre >= 0 && !(x->free & ~chain_set(C, C->lv[pre].parent))) pre = C->lv[pre].parent;
        if (x->free & ~chain_set(C, pre)) cm_fail(C, "a reduction uses indices outside its scope");
        x->prefix = pre;
        x->chain = get_level(C, pre, x->index, x);
        assign_chains(C, x->a, x->chain);
        return;
    }
    default:
        assign_chains(C, x->a, enclosing);
        assign_chains(C, x->b, enclosing);
        return;
    }
}

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
static mp access_prob(cm *C, const cx *x, int l)
{
    if (!is_ancestor(C, l, x->chain)) return NEUTRAL;
    int v = C->lv[l].index;
    const ff_format *f = &C->m->fmt[x->tensor];
    for (int k = 0; k < f->nlevels; k++)
        if (x->idx[f->lv[k].mode] == v) return prob_of(C->m->prob[x->tensor][k]);
    return NEUTRAL;
}

/* lower.c's build_mt + mt_covers, with probabilities: a product keeps the
 * coordinates both sides have (independent: pa * pb), a sum those either
 * has (pa + pb - pa pb; a side constant along the level makes it full),
 * mask those of its mask. */
static mp merge(cm *C, const cx *x, int l)
{
    if (!x) return NEUTRAL;
    switch (x->kind) {
    case FF_IR_ACCESS: return access_prob(C, x, l);
    case FF_IR_CONST: return NEUTRAL;
    case FF_IR_UNARY: return merge(C, x->a, l);
    case FF_IR_REDUCE:
        if (x->chain == -2 || is_ancestor(C, l, x->chain)) return merge(C, x->a, l);
        return NEUTRAL;
    case FF_IR_MASK: {
        mp k = merge(C, x->a, l);
        return prob_of(k.neutral ? 1 : k.p);
    }
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

static double points_at(cm *C, int l) { return l < 0 ? 1 : C->lv[l].points; }

/* ---- operations: lower.c's lower_value, counting instead of emitting ---- */

static int deeper(cm *C, int a, int b) { return is_ancestor(C, a, b) ? b : a; }

/* ALU operations one unary function takes (lower.c's lower_unary). */
static int unary_ops(int op)
{
    switch (op) {
    case FF_IR_FN_SQRT: return 2;
    case FF_IR_FN_GELU: return 4;
    case FN_ONE: return 2;
    default: return 1;
    }
}

static int value_level(cm *C, cx *x)
{
    if (x->have_val) return x->val_level;
    int l = -1;
    switch (x->kind) {
    case FF_IR_ACCESS:
        l = x->chain;
        break;
    case FF_IR_UNARY:
        l = value_level(C, x->a);
        C->flops += unary_ops(x->op) * points_at(C, l);
        break;
    case FF_IR_BINARY:
        if (x->is_const_a || x->is_const_b) {
            /* an immediate; c - x is neg then add, c / x makes c a stream first */
            l = value_level(C, x->is_const_b ? x->a : x->b);
            int n = 1;
            if (x->is_const_a && x->op == FF_ALU_SUB) n = 2;
            if (x->is_const_a && x->op == FF_ALU_DIV) n = 3;
            C->flops += n * points_at(C, l);
        } else {
            l = deeper(C, value_level(C, x->a), value_level(C, x->b));
            C->flops += points_at(C, l);
        }
        break;
    case FF_IR_REDUCE:
        value_level(C, x->a);
        C->flops += points_at(C, x->chain); /* one add (or max) per term */
        l = x->prefix;
        break;
    case FF_IR_MASK:
        value_level(C, x->b);
        l = x->a->chain;
        break;
    default:
        cm_fail(C, "a constant on its own has no coordinates");
    }
    x->have_val = 1;
    x->val_level = l;
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

static void cm_free(cm *C)
{
    for (int i = 0; i < C->nnodes; i++) free(C->nodes[i]);
    free(C->nodes);
}

/* The model of one root in one complete order. */
static void estimate(cm *C, const ff_lower_opts *o, ff_cost_est *est, ff_cost_detail *detail, unsigned char *reads)
{
    for (int m = 0; m < C->st->nlhs; m++) local_index(C, C->st->lhs_idx[m]);
    C->root = copy_ir(C, C->st->rhs, NULL, 0);
    for (int i = 0; i < C->nidx; i++) C->pos_of[i] = 1000 + i;
    for (int k = 0; k < o->norder; k++) {
        int v = find_index(C, o->order[k]);
        if (v < 0) cm_fail(C, "the order names '%s', which this root does not have", o->order[k]);
        C->pos_of[v] = k;
    }
    for (int i = 0; i < C->nidx; i++)
        if (C->pos_of[i] >= 1000 && C->idx[i].kind != IDX_EXPANSION)
            cm_fail(C, "the order does not place index %s", C->idx[i].name);
    compute_free(C->root);

    int lhs[FF_MAX_ORDER], nlhs = C->st->nlhs;
    for (int m = 0; m < nlhs; m++) lhs[m] = local_index(C, C->st->lhs_idx[m]);
    /* a top sum above an output index is accumulated (lower.c) */
    int uops[16], nun = 0, nsums = 0;
    cx *sums[16], *core = C->root;
    while (core->kind == FF_IR_UNARY && nun < 16) {
        uops[nun++] = core->op;
        core = core->a;
    }
    while (core->kind == FF_IR_REDUCE && core->op == FF_IR_RED_SUM && nsums < 16) {
        sums[nsums++] = core;
        core = core->a;
    }
    int spacc = 0;
    for (int s = 0; s < nsums; s++)
        for (int m = 0; m < nlhs; m++)
            if (C->pos_of[sums[s]->index] < C->pos_of[lhs[m]]) spacc = 1;

    /* the top chain: output indices (and accumulated sums) in loop order */
    int top[CM_MAX_IDX], chain[CM_MAX_IDX], ntop = 0, parent = -1;
    for (int k = 0; k < C->nidx; k++)
        for (int v = 0; v < C->nidx; v++) {
            if (C->pos_of[v] != k) continue;
            int on_top = 0;
            for (int m = 0; m < nlhs; m++) on_top |= lhs[m] == v;
            for (int s = 0; spacc && s < nsums; s++) on_top |= sums[s]->index == v;
            if (on_top) top[ntop++] = v;
        }
    for (int k = 0; k < ntop; k++) chain[k] = parent = get_level(C, parent, top[k], NULL);
    if (spacc) {
        for (int s = 0; s < nsums; s++) sums[s]->chain = sums[s]->prefix = -2;
        assign_chains(C, core, parent);
    } else {
        assign_chains(C, C->root, parent);
    }

    /* points per level, parents first (levels are created after their parents) */
    est->points = 0;
    for (int l = 0; l < C->nlv; l++) {
        clevel *lv = &C->lv[l];
        mp q = merge(C, lv->owner ? lv->owner->a : C->root, l);
        lv->prob = q.neutral ? 1 : q.p;
        lv->points = points_at(C, lv->parent) * (double)C->m->sizes[C->idx[lv->index].size] * lv->prob;
        est->points += lv->points;
    }

    /* operations and the result's words */
    C->flops = 0;
    double npos[FF_MAX_ORDER];
    int nout = 0;
    if (!spacc) {
        value_level(C, C->root);
        for (int k = 0; k < ntop; k++) npos[nout++] = C->lv[chain[k]].points;
    } else {
        value_level(C, core);
        C->flops += points_at(C, parent); /* one accumulation per point */
        /* the accumulator emits the result's support (lower.c: spacc1/spacc2) */
        double d = 0, outer = 0;
        for (int k = 0; k < ntop; k++)
            for (int m = 0; m < nlhs; m++)
                if (lhs[m] == top[k]) {
                    double size = (double)C->m->sizes[C->idx[top[k]].size];
                    npos[nout++] = size;
                }
        d = support(C->m, C->st->rhs);
        if (nout == 1) {
            npos[0] *= d;
        } else if (nout == 2) {
            outer = npos[0] * any_of(d, npos[1]);
            npos[1] = npos[0] * npos[1] * d;
            npos[0] = outer;
        }
        for (int u = 0; u < nun; u++) C->flops += unary_ops(uops[u]) * (nout ? npos[nout - 1] : 1);
    }
    est->flops = C->flops;
    est->bytes_written = 4 * written_words(npos, nout);

    /* reads: every stored tensor the root's copy accesses */
    est->bytes_read = 0;
    for (int i = 0; i < C->nnodes; i++) {
        cx *x = C->nodes[i];
        if (x->kind != FF_IR_ACCESS || reads[x->tensor]) continue;
        reads[x->tensor] = 1;
        est->bytes_read += 4 * C->m->words[x->tensor];
    }
    if (detail) {
        memset(detail, 0, sizeof *detail);
        detail->nlevels = C->nlv;
        detail->accumulated = spacc;
        for (int l = 0; l < C->nlv; l++) {
            snprintf(detail->levels[l].index, FF_LOWER_NAME, "%s", C->idx[C->lv[l].index].name);
            detail->levels[l].parent = C->lv[l].parent;
            detail->levels[l].prob = C->lv[l].prob;
            detail->levels[l].points = C->lv[l].points;
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
    if (!o.norder) {
        int rc = ff_lower_default_order(p, root, &o, err);
        if (rc) {
            free(fuse);
            return rc;
        }
    }
    cm *C = ff_xcalloc(1, sizeof *C);
    C->m = m;
    C->p = p;
    C->st = &p->stmts[root];
    C->stmt = root;
    C->fuse = fuse;
    C->err = err;
    int rc = 0;
    if (setjmp(C->fail)) rc = err ? err->code : FF_EINVAL;
    else estimate(C, &o, out, detail, reads);
    cm_free(C);
    free(C);
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
    unsigned char *reads = ff_xcalloc((size_t)m->p->ntensors + 1, 1);
    memset(out, 0, sizeof *out);
    int rc = 0;
    for (int r = 0; r < k->nroots && !rc; r++) {
        ff_cost_est e;
        rc = root_estimate(m, k, k->roots[r], orders ? &orders[r] : NULL, &e, NULL, reads, err);
        if (rc) break;
        out->flops += e.flops;
        out->bytes_read += e.bytes_read; /* each tensor once: reads[] carries over */
        out->bytes_written += e.bytes_written;
        out->points += e.points;
    }
    free(reads);
    return rc;
}
