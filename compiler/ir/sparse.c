/*
 * sparse.c -- the sparse reference evaluator (ff_ir_interpret): the same
 * results as the dense interpreter (interp.c), bit for bit, with work
 * proportional to the stored entries a statement touches rather than to its
 * index space.
 *
 * A statement is evaluated as the dense interpreter does it -- on a copy with
 * its reductions placed; every fiber node (sum/max over k, softmax/layernorm
 * over j) computed once, children first; everything else element-wise, at a
 * point, by ir_eval (eval.c) -- and only the choice of points differs. Each
 * fiber node and the statement itself is a *loop nest* over the free slots
 * of the element-wise tree below it, whose leaves are accesses and the
 * fiber nodes computed before. The nest does not run every coordinate of
 * every slot: at each depth it asks the tree for its *candidates* -- a
 * superset of the coordinates where the tree can be present given the outer
 * coordinates -- by co-iteration:
 *
 *   leaf           the fiber of its next level when that level iterates this
 *                  depth's slot (compressed: the stored coordinates; dense:
 *                  all), nothing when an outer coordinate was not stored,
 *                  else all
 *   a * b, a / b, max, min    intersection of the candidates (leapfrog)
 *   a + b, a - b              union
 *   -a, f(a)                  those of a
 *   mask(M, e)                those of M
 *   constant                  all
 *
 * and visits only those (seek(c): the smallest candidate >= c). At the
 * innermost depth ir_eval decides presence and value exactly, so a superset
 * is always safe; the candidates only make the walk sparse. Points come in
 * lexicographic loop order, so every output point of a sum/max gets its
 * terms in increasing k whatever the loop order, and softmax/layernorm run
 * their index innermost and see each fiber's entries in increasing index.
 *
 * The loop order of a nest is, of the orders led by one leaf's levels (and
 * the slots' own order), the one expected to visit the fewest points (each
 * level's average fan-out, intersected or united as the tree says); a
 * softmax/layernorm index goes last; a sum/max index stays where the order
 * puts it when the output points below it (the slots after k) fit a dense
 * workspace, which is emitted in order after each outer point (Gustavson's
 * SpMM: A's row i scales rows k of B into a row accumulator), and goes last
 * otherwise. A leaf whose compressed levels the order would visit against
 * its level order -- and every blocked tensor -- is walked through a copy
 * laid out in loop order (all levels compressed, every stored entry kept,
 * zeros included); a fiber node's result is stored that way for the nest
 * that reads it.
 *
 * Needs: a checked program (ir_run_program verifies it). Limits: ff_ir.h.
 */
#include <stdlib.h>
#include <string.h>

#include "interp_int.h"

#define NONE UINT32_MAX /* no candidate */

/* How a leaf constrains the slot of one depth. */
enum { FK_ALL, FK_LIST, FK_EMPTY };

/* A leaf's state at one depth of its nest: how far down its fibertree the
 * outer coordinates took it, and the fiber it offers this depth's slot. */
typedef struct walk {
    int lev;          /* levels descended */
    int absent;       /* an outer coordinate is not stored: absent everywhere below */
    size_t pos;       /* position at level lev - 1 (0 at the root) */
    int fk;           /* FK_* for this depth */
    size_t cur, hi;   /* FK_LIST: crd[cur..hi) not yet passed */
    const uint32_t *crd;
} walk;

typedef struct snode snode;
struct snode {
    ir_node base;     /* e, a, b */
    int index;        /* REDUCE/SOFTMAX/LAYERNORM: slot reduced/normalised over */
    /* a fiber node's result, as its nest emitted it (sorted in oslot order) */
    int ns;
    int oslot[IR_MAX_SLOTS];
    FF_VEC(uint32_t) ocrd; /* ns per entry */
    FF_VEC(ir_val) oval;
    /* as a leaf of the nest that reads it */
    const ff_tensor *lt;  /* the fibertree walked (NULL: a fiber node of order 0) */
    int nlev;
    int lslot[FF_MAX_LEVELS];  /* slot per level */
    int ldepth[FF_MAX_LEVELS]; /* depth of that slot in the nest */
    walk *w;                   /* per depth 0..n */
    const walk *last;          /* w[n]: the state at a whole point */
};

#define SA(n) ((snode *)(n)->base.a)
#define SB(n) ((snode *)(n)->base.b)
#define SE(n) ((n)->base.e)

static int is_fiber(const ff_ir_expr *e)
{
    return e->kind == FF_IR_REDUCE || e->kind == FF_IR_SOFTMAX || e->kind == FF_IR_LAYERNORM;
}

/* A copy of a tensor laid out for a loop order, kept for the whole run
 * (inputs are read by several statements). */
typedef struct layout {
    const ff_tensor *src;
    int perm[FF_MAX_ORDER]; /* level k iterates mode perm[k] */
    ff_tensor *t;
} layout;

typedef struct sp {
    ir_run *r;
    FF_VEC(layout) cache;      /* per run */
    FF_VEC(ff_tensor *) temps; /* per statement: fiber nodes' results as tensors */
    FF_VEC(snode *) fibers;    /* per statement: the fiber nodes (their entries) */
} sp;

/* One loop nest: a fiber node's operand, or the statement's right side. */
typedef struct nest {
    sp *S;
    snode *root;              /* the element-wise tree evaluated at points */
    snode *node;              /* the fiber node computed; NULL for the statement */
    const char *what;         /* for messages */
    ff_srcpos pos;
    int n;
    int order[IR_MAX_SLOTS];  /* depth -> slot */
    int depth[IR_MAX_SLOTS];  /* slot -> depth, -1 if not in the nest */
    snode **leaves;
    int nleaves;
    int64_t visits;
    int kd;                   /* fiber node: depth of its index; -1 for the statement */
    /* REDUCE: the workspace over the slots after k, row-major */
    int64_t wsize;
    ir_val *wv;
    uint8_t *wp;
    FF_VEC(uint32_t) touched;
    /* SOFTMAX/LAYERNORM: the present entries of the current fiber */
    FF_VEC(ir_val) fv;
    FF_VEC(uint32_t) fj;
    /* statement: its points, left-side mode order */
    int lslot[FF_IR_MAX_ORDER];
    FF_VEC(uint32_t) crd;
    FF_VEC(ir_val) val;
} nest;

/* ---- building the tree ---- */

static snode *build(sp *S, const ff_ir_expr *e)
{
    snode *n = ir_arena_alloc(S->r->arena, sizeof *n);
    n->base.e = e;
    if (e->a) n->base.a = &build(S, e->a)->base;
    if (e->b) n->base.b = &build(S, e->b)->base;
    return n;
}

static void collect_leaves(snode *n, snode **out, int *k)
{
    if (SE(n)->kind == FF_IR_ACCESS || is_fiber(SE(n))) {
        out[(*k)++] = n;
        return;
    }
    if (n->base.a) collect_leaves(SA(n), out, k);
    if (n->base.b) collect_leaves(SB(n), out, k);
}

static int count_leaves(const snode *n)
{
    if (SE(n)->kind == FF_IR_ACCESS || is_fiber(SE(n))) return 1;
    return (n->base.a ? count_leaves(SA(n)) : 0) + (n->base.b ? count_leaves(SB(n)) : 0);
}

/* ---- leaves: what they store, in which order ---- */

/* The slot each mode of a leaf's data is indexed by; returns the order. */
static int leaf_modes(sp *S, snode *L, int *mslot)
{
    const ff_ir_expr *e = SE(L);
    if (is_fiber(e)) {
        memcpy(mslot, L->oslot, sizeof(int) * (size_t)L->ns);
        return L->ns;
    }
    for (int m = 0; m < e->nidx; m++) mslot[m] = ir_slot_of(S->r, e->idx[m], e);
    return e->nidx;
}

static int has_split(const ff_format *f)
{
    for (int k = 0; k < f->nlevels; k++)
        if (f->lv[k].split != FF_SPLIT_NONE) return 1;
    return 0;
}

/* The slots of a leaf in the order it stores them (level order). */
static int leaf_level_slots(sp *S, snode *L, int *out)
{
    int mslot[FF_MAX_ORDER], order = leaf_modes(S, L, mslot), k = 0;
    if (is_fiber(SE(L))) {
        memcpy(out, mslot, sizeof(int) * (size_t)order);
        return order;
    }
    const ff_tensor *t = S->r->data[SE(L)->tensor];
    for (int l = 0; l < t->fmt.nlevels; l++) {
        int s = mslot[t->fmt.lv[l].mode];
        if (ir_set_find(out, k, s) < 0) out[k++] = s;
    }
    return k;
}

/* Whether walking input t in a nest with slot depths `depth` goes against
 * its storage: a blocked format, or a compressed level whose slot comes
 * before an outer level's (the walk could not follow the fibertree, so it
 * reads a copy laid out in loop order). */
static int against_storage(const ff_tensor *t, const int *mslot, const int *depth)
{
    if (has_split(&t->fmt)) return 1;
    int deepest = -1;
    for (int k = 0; k < t->fmt.nlevels; k++) {
        int d = depth[mslot[t->fmt.lv[k].mode]];
        if (t->fmt.lv[k].fmt == FF_LVL_COMPRESSED && d < deepest) return 1;
        if (d > deepest) deepest = d;
    }
    return 0;
}

/* ---- the loop order ---- */

/* A candidate order of a nest, and what it is expected to cost. */
typedef struct plan {
    int order[IR_MAX_SLOTS];
    int depth[IR_MAX_SLOTS]; /* slot -> depth, -1 if not in the nest */
    int kd;                  /* depth of the fiber node's index, -1 for the statement */
    double wsize;            /* entries of a sum's workspace (1 when its index is last) */
    double *fan;             /* per leaf and slot: expected fiber length */
} plan;

/* The order that walks `drv`'s levels first (drv may be NULL), then the
 * other slots; the fiber node's index placed as the node needs: a
 * softmax/layernorm index innermost, a sum/max index where it falls if the
 * workspace over the slots after it fits, else innermost. */
static void plan_order(const nest *N, sp *S, snode *drv, const int *slots, int ns, int index,
                       plan *P)
{
    int k = 0;
    if (drv) {
        int ls[FF_MAX_LEVELS];
        int nl = leaf_level_slots(S, drv, ls);
        for (int i = 0; i < nl; i++)
            if (ir_set_find(slots, ns, ls[i]) >= 0) P->order[k++] = ls[i];
    }
    for (int i = 0; i < ns; i++)
        if (ir_set_find(P->order, k, slots[i]) < 0) P->order[k++] = slots[i];
    P->kd = -1;
    P->wsize = 0;
    if (index >= 0) {
        int at = ir_set_find(P->order, k, index);
        int64_t w = 1;
        for (int i = at + 1; i < k && w <= FF_IR_INTERP_MAX_DENSE; i++) w *= S->r->size[P->order[i]];
        if (SE(N->node)->kind == FF_IR_REDUCE && w <= FF_IR_INTERP_MAX_DENSE) {
            P->kd = at;
            P->wsize = (double)w;
        } else {
            memmove(&P->order[at], &P->order[at + 1], sizeof(int) * (size_t)(k - 1 - at));
            P->order[k - 1] = index;
            P->kd = k - 1;
        }
    }
    for (int s = 0; s < IR_MAX_SLOTS; s++) P->depth[s] = -1;
    for (int d = 0; d < k; d++) P->depth[P->order[d]] = d;
}

/* Expected fiber length of each leaf at each of its slots under plan P: the
 * stored level's average fan-out where the walk follows the fibertree, an
 * even split of the entries over the slots where it reads a copy. */
static void plan_fan(const nest *N, sp *S, plan *P)
{
    for (int i = 0; i < N->nleaves; i++) {
        snode *L = N->leaves[i];
        double *fan = &P->fan[(size_t)i * IR_MAX_SLOTS];
        int mslot[FF_MAX_ORDER], order = leaf_modes(S, L, mslot);
        const ff_tensor *t = is_fiber(SE(L)) ? NULL : S->r->data[SE(L)->tensor];
        if (t && !against_storage(t, mslot, P->depth)) {
            double parent = 1;
            for (int k = 0; k < t->fmt.nlevels; k++) {
                double here = (double)t->npos[k];
                fan[mslot[t->fmt.lv[k].mode]] = parent > 0 ? here / parent : 0;
                parent = here;
            }
            continue;
        }
        double left = t ? (double)t->nvals : (double)L->oval.len;
        for (int d = 0; d < N->n; d++) {
            int s = P->order[d];
            if (ir_set_find(mslot, order, s) < 0) continue;
            double f = S->r->size[s] < left ? S->r->size[s] : left;
            fan[s] = f;
            left = f > 1 ? left / f : left;
        }
    }
}

/* Expected candidates of n at the slot of depth d. */
static double plan_cands(const nest *N, sp *S, const plan *P, const snode *n, int d)
{
    const ff_ir_expr *e = SE(n);
    int s = P->order[d];
    double all = S->r->size[s];
    if (e->kind == FF_IR_ACCESS || is_fiber(e)) {
        for (int i = 0; i < N->nleaves; i++)
            if (N->leaves[i] == n) {
                int mslot[FF_MAX_ORDER], order = leaf_modes(S, (snode *)n, mslot);
                return ir_set_find(mslot, order, s) >= 0 ? P->fan[(size_t)i * IR_MAX_SLOTS + s]
                                                         : all;
            }
        IR_UNREACHABLE();
    }
    switch (e->kind) {
    case FF_IR_UNARY:
    case FF_IR_MASK: return plan_cands(N, S, P, SA(n), d);
    case FF_IR_BINARY: {
        double a = plan_cands(N, S, P, SA(n), d), b = plan_cands(N, S, P, SB(n), d);
        if (e->op == FF_ALU_ADD || e->op == FF_ALU_SUB) return a + b < all ? a + b : all;
        return a < b ? a : b;
    }
    default: return all; /* constants */
    }
}

/* Points plan P visits, expected, plus the entries it copies and the
 * workspace it clears. */
static double plan_cost(const nest *N, sp *S, plan *P)
{
    plan_fan(N, S, P);
    double cost = P->wsize, pts = 1;
    for (int d = 0; d < N->n; d++) {
        pts *= plan_cands(N, S, P, N->root, d);
        cost += pts;
    }
    for (int i = 0; i < N->nleaves; i++) {
        snode *L = N->leaves[i];
        int mslot[FF_MAX_ORDER];
        leaf_modes(S, L, mslot);
        if (is_fiber(SE(L))) cost += (double)L->oval.len;
        else if (against_storage(S->r->data[SE(L)->tensor], mslot, P->depth))
            cost += (double)S->r->data[SE(L)->tensor]->nvals;
    }
    return cost;
}

/* The loop order of nest N over slots[0..ns): of the orders led by each
 * leaf's levels (and the slots' own order), the one expected to visit the
 * fewest points. */
static void choose_order(nest *N, const int *slots, int ns, int index)
{
    sp *S = N->S;
    plan best = {.kd = -1}, P;
    double best_cost = -1;
    P.fan = malloc(sizeof(double) * IR_MAX_SLOTS * (size_t)(N->nleaves + 1));
    N->n = ns;
    for (int i = -1; i < N->nleaves; i++) {
        snode *drv = i < 0 ? NULL : N->leaves[i];
        if (drv && !is_fiber(SE(drv)) && SE(drv)->nidx == 0) continue;
        plan_order(N, S, drv, slots, ns, index, &P);
        double c = plan_cost(N, S, &P);
        if (best_cost < 0 || c < best_cost) {
            best = P;
            best_cost = c;
        }
    }
    memcpy(N->order, best.order, sizeof best.order);
    memcpy(N->depth, best.depth, sizeof best.depth);
    N->kd = best.kd;
    free(P.fan);
}

typedef struct coo_ctx {
    uint32_t *crd;
    ff_fx *val;
    size_t n;
    int order;
} coo_ctx;

static int coo_visit(void *ctx, const uint32_t *coords, ff_fx val)
{
    coo_ctx *c = ctx;
    memcpy(&c->crd[c->n * (size_t)c->order], coords, sizeof(uint32_t) * (size_t)c->order);
    c->val[c->n++] = val;
    return 0;
}

/* All levels compressed, level k iterating mode perm[k]. */
static ff_format compressed_format(int order, const int *perm)
{
    ff_format f = {.order = order, .nlevels = order};
    for (int k = 0; k < order; k++) f.lv[k] = (ff_level_desc){FF_LVL_COMPRESSED, perm[k], 0, 0};
    return f;
}

/* t laid out in level order perm, every stored entry kept (zeros of dense
 * levels and of stored blocks included: they are part of the support). */
static int relayout(sp *S, const snode *L, const ff_tensor *t, const int *perm,
                    const ff_tensor **out)
{
    for (size_t i = 0; i < S->cache.len; i++) {
        layout *c = &S->cache.data[i];
        if (c->src == t && !memcmp(c->perm, perm, sizeof(int) * (size_t)t->order)) {
            *out = c->t;
            return 0;
        }
    }
    if ((int64_t)t->nvals > FF_IR_SPARSE_MAX_ENTRIES)
        return ir_fail(S->r, SE(L)->pos, FF_EINVAL,
                       "%s stores more than 2^%d entries, the interpreter's limit", t->name,
                       FF_IR_SPARSE_MAX_ENTRIES_LOG2);
    coo_ctx c = {.order = t->order};
    c.crd = malloc(sizeof(uint32_t) * (t->nvals * (size_t)t->order + 1));
    c.val = malloc(sizeof(ff_fx) * (t->nvals + 1));
    ff_format f = compressed_format(t->order, perm);
    layout l = {.src = t};
    memcpy(l.perm, perm, sizeof(int) * (size_t)t->order);
    int rc = 0;
    if (!c.crd || !c.val) {
        rc = ir_fail(S->r, SE(L)->pos, FF_ENOMEM, "no memory to reorder %s", t->name);
    } else {
        ff_tensor_foreach(t, coo_visit, &c);
        rc = ff_tensor_from_coo(t->name, t->order, t->dims, &f, t->frac_bits, c.n, c.crd, c.val,
                                &l.t, S->r->err);
    }
    free(c.crd);
    free(c.val);
    if (rc) return rc;
    FF_VEC_PUSH(S->cache, l);
    *out = l.t;
    return 0;
}

/* Makes L a leaf of nest N: picks the fibertree to walk (a reordered copy
 * when N's order goes against L's compressed levels) and sets its walk. */
static int leaf_setup(nest *N, snode *L)
{
    sp *S = N->S;
    int mslot[FF_MAX_ORDER], order = leaf_modes(S, L, mslot), rc;
    int perm[FF_MAX_ORDER], np = 0; /* modes in N's loop order */
    for (int d = 0; d < N->n; d++)
        for (int m = 0; m < order; m++)
            if (mslot[m] == N->order[d]) perm[np++] = m;
    if (np != order) IR_UNREACHABLE(); /* a leaf's slots are the nest's */
    L->w = ir_arena_alloc(S->r->arena, sizeof(walk) * (size_t)(N->n + 1));
    L->last = &L->w[N->n];
    if (is_fiber(SE(L))) {
        L->lt = NULL;
        if (order > 0) {
            uint32_t dims[FF_MAX_ORDER];
            for (int m = 0; m < order; m++) dims[m] = S->r->size[mslot[m]];
            ff_format f = compressed_format(order, perm);
            ff_tensor *t;
            ff_fx *stored = ir_stored_words(&S->r->fx, L->oval.data, L->oval.len);
            rc = ff_tensor_from_coo("", order, dims, &f, S->r->fx.F, L->oval.len, L->ocrd.data, stored, &t,
                                    S->r->err);
            free(stored);
            if (rc) return rc;
            FF_VEC_PUSH(S->temps, t);
            L->lt = t;
        }
    } else {
        const ff_tensor *t = S->r->data[SE(L)->tensor];
        L->lt = t;
        if (against_storage(t, mslot, N->depth) && (rc = relayout(S, L, t, perm, &L->lt)))
            return rc;
    }
    walk *w0 = &L->w[0];
    memset(w0, 0, sizeof *w0);
    if (L->lt) {
        L->nlev = L->lt->fmt.nlevels;
        for (int k = 0; k < L->nlev; k++) {
            L->lslot[k] = mslot[L->lt->fmt.lv[k].mode];
            L->ldepth[k] = N->depth[L->lslot[k]];
        }
        w0->absent = L->nlev == 0 && L->lt->nvals == 0;
    } else {
        L->nlev = 0;
        w0->absent = L->oval.len == 0;
    }
    return 0;
}

/* ---- the walk ---- */

/* Sets what L offers the slot of depth d. */
static void leaf_open(snode *L, int d)
{
    walk *w = &L->w[d];
    if (w->absent) {
        w->fk = FK_EMPTY;
        return;
    }
    w->fk = FK_ALL;
    if (w->lev >= L->nlev || L->ldepth[w->lev] != d) return;
    const ff_level *lv = &L->lt->lvl[w->lev];
    if (L->lt->fmt.lv[w->lev].fmt == FF_LVL_DENSE) return;
    w->fk = FK_LIST;
    w->crd = lv->crd;
    w->cur = lv->seg[w->pos];
    w->hi = lv->seg[w->pos + 1];
}

/* The first coordinate >= c in L's fiber at depth d; seeks at one depth come
 * with non-decreasing c, so the cursor only moves forward (galloping). */
static uint32_t leaf_seek(snode *L, uint32_t c, int d)
{
    walk *w = &L->w[d];
    if (w->fk == FK_ALL) return c;
    if (w->fk == FK_EMPTY) return NONE;
    size_t i = w->cur, hi = w->hi;
    const uint32_t *crd = w->crd;
    if (i < hi && crd[i] < c) {
        size_t lo = i, step = 1; /* crd[lo] < c */
        while (lo + step < hi && crd[lo + step] < c) {
            lo += step;
            step <<= 1;
        }
        size_t h = lo + step < hi ? lo + step : hi; /* crd[h] >= c, or h = hi */
        while (lo + 1 < h) {
            size_t mid = lo + (h - lo) / 2;
            if (crd[mid] < c) lo = mid;
            else h = mid;
        }
        i = h;
    }
    w->cur = i;
    return i < hi ? crd[i] : NONE;
}

/* The smallest candidate of n >= c at depth d (NONE if there is none). */
static uint32_t seek(snode *n, uint32_t c, int d)
{
    const ff_ir_expr *e = SE(n);
    switch (e->kind) {
    case FF_IR_ACCESS:
    case FF_IR_REDUCE:
    case FF_IR_SOFTMAX:
    case FF_IR_LAYERNORM: return leaf_seek(n, c, d);
    case FF_IR_CONST: return c;
    case FF_IR_UNARY:
    case FF_IR_MASK: return seek(SA(n), c, d);
    case FF_IR_BINARY:
        if (e->op == FF_ALU_ADD || e->op == FF_ALU_SUB) {
            uint32_t x = seek(SA(n), c, d), y = seek(SB(n), c, d);
            return x < y ? x : y;
        }
        for (uint32_t x = seek(SA(n), c, d);;) { /* leapfrog */
            if (x == NONE) return NONE;
            uint32_t y = seek(SB(n), x, d);
            if (y == x || y == NONE) return y;
            x = seek(SA(n), y, d);
            if (x == y) return x;
        }
    }
    IR_UNREACHABLE();
}

/* After the slot of depth d took coordinate x: L's state for depth d + 1,
 * descending every level whose slot is now fixed. */
static void leaf_descend(snode *L, int d, const uint32_t *cur)
{
    const walk *a = &L->w[d];
    walk *b = &L->w[d + 1];
    b->lev = a->lev;
    b->pos = a->pos;
    b->absent = a->absent;
    while (!b->absent && b->lev < L->nlev && L->ldepth[b->lev] <= d) {
        int k = b->lev;
        const ff_level *lv = &L->lt->lvl[k];
        uint32_t x = cur[L->lslot[k]];
        if (L->lt->fmt.lv[k].fmt == FF_LVL_DENSE) {
            b->pos = b->pos * lv->dim + x;
        } else if (a->fk == FK_LIST && k == a->lev && a->cur < a->hi && a->crd[a->cur] == x) {
            b->pos = a->cur; /* the cursor is on it */
        } else {
            if (!ff_level_find(lv, b->pos, x, &b->pos)) b->absent = 1;
        }
        b->lev++;
    }
}

static int leaf_value(void *ctx, const ir_node *in, ir_val *out)
{
    const ir_fx *fx = ctx;
    const snode *L = (const snode *)in;
    if (L->last->absent) return 0;
    *out = L->lt ? ir_tensor_value(fx, L->lt->vals[L->last->pos]) : L->oval.data[0];
    return 1;
}

static int nest_emit(nest *N, const uint32_t *cur, ir_val v)
{
    snode *F = N->node;
    if ((int64_t)F->oval.len >= FF_IR_SPARSE_MAX_ENTRIES)
        return ir_fail(N->S->r, N->pos, FF_EINVAL,
                       "%s stores more than 2^%d entries, the interpreter's limit", N->what,
                       FF_IR_SPARSE_MAX_ENTRIES_LOG2);
    for (int i = 0; i < F->ns; i++) FF_VEC_PUSH(F->ocrd, cur[F->oslot[i]]);
    FF_VEC_PUSH(F->oval, v);
    return 0;
}

/* A whole point of the nest. */
static int visit(nest *N)
{
    ir_run *r = N->S->r;
    ir_val x;
    if (!ir_eval(&r->fx, leaf_value, &r->fx, &N->root->base, &x)) return 0;
    if (!N->node) {
        for (int m = 0; m < r->st.nlhs; m++) FF_VEC_PUSH(N->crd, r->cur[N->lslot[m]]);
        FF_VEC_PUSH(N->val, x);
        return 0;
    }
    if (SE(N->node)->kind != FF_IR_REDUCE) {
        FF_VEC_PUSH(N->fv, x);
        FF_VEC_PUSH(N->fj, r->cur[N->order[N->n - 1]]);
        return 0;
    }
    int64_t o = 0;
    for (int d = N->kd + 1; d < N->n; d++) o = o * r->size[N->order[d]] + r->cur[N->order[d]];
    if (!N->wp[o]) {
        N->wp[o] = 1;
        N->wv[o] = x; /* the first present term starts the fold */
        FF_VEC_PUSH(N->touched, (uint32_t)o);
    } else {
        N->wv[o] = ir_fold(&r->fx, SE(N->node)->op, N->wv[o], x);
    }
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The outer point of a fiber node's index is done: emit what it produced,
 * in order. */
static int flush(nest *N)
{
    ir_run *r = N->S->r;
    int rc;
    if (SE(N->node)->kind != FF_IR_REDUCE) {
        uint32_t n = (uint32_t)N->fv.len, j = (uint32_t)N->order[N->n - 1];
        if (n == 0) return 0;
        ir_normalise(&r->fx, SE(N->node)->kind, SE(N->node)->op, N->fv.data, n);
        for (uint32_t q = 0; q < n; q++) {
            r->cur[j] = N->fj.data[q];
            if ((rc = nest_emit(N, r->cur, N->fv.data[q]))) return rc;
        }
        N->fv.len = N->fj.len = 0;
        return 0;
    }
    size_t nt = N->touched.len;
    if (nt == 0) return 0;
    /* few entries: sort them; many: scan the workspace */
    int scan = (int64_t)nt * 16 > N->wsize;
    if (!scan) qsort(N->touched.data, nt, sizeof(uint32_t), cmp_u32);
    size_t q = 0;
    for (int64_t o = 0; o < (scan ? N->wsize : (int64_t)nt); o++) {
        uint32_t off = scan ? (uint32_t)o : N->touched.data[q++];
        if (!N->wp[off]) continue;
        uint32_t rest = off;
        for (int d = N->n - 1; d > N->kd; d--) {
            uint32_t sz = r->size[N->order[d]];
            r->cur[N->order[d]] = rest % sz;
            rest /= sz;
        }
        N->wp[off] = 0;
        if ((rc = nest_emit(N, r->cur, N->wv[off]))) return rc;
    }
    N->touched.len = 0;
    return 0;
}

static int walk_depth(nest *N, int d)
{
    if (d == N->n) return visit(N);
    ir_run *r = N->S->r;
    int s = N->order[d], rc;
    uint32_t size = r->size[s];
    for (int i = 0; i < N->nleaves; i++) leaf_open(N->leaves[i], d);
    uint32_t c = size ? seek(N->root, 0, d) : NONE;
    while (c < size) {
        if (++N->visits > FF_IR_SPARSE_MAX_VISITS)
            return ir_fail(r, N->pos, FF_EINVAL,
                           "%s visited more than 2^%d points, the interpreter's limit", N->what,
                           FF_IR_SPARSE_MAX_VISITS_LOG2);
        r->cur[s] = c;
        for (int i = 0; i < N->nleaves; i++) leaf_descend(N->leaves[i], d, r->cur);
        if ((rc = walk_depth(N, d + 1))) return rc;
        if (c + 1 >= size) break;
        c = seek(N->root, c + 1, d);
    }
    if (d == N->kd) return flush(N);
    return 0;
}

/* Runs nest N over slots[0..ns) (index: the fiber node's, or -1). */
static int nest_run(nest *N, const int *slots, int ns, int index)
{
    sp *S = N->S;
    int rc = 0;
    N->nleaves = count_leaves(N->root);
    N->leaves = ir_arena_alloc(S->r->arena, sizeof(snode *) * (size_t)(N->nleaves + 1));
    int k = 0;
    collect_leaves(N->root, N->leaves, &k);
    choose_order(N, slots, ns, index);
    for (int i = 0; i < N->nleaves; i++)
        if ((rc = leaf_setup(N, N->leaves[i]))) return rc;
    if (N->node) { /* the node's entries come out in loop order, its index left out */
        snode *F = N->node;
        F->ns = 0;
        for (int d = 0; d < N->n; d++)
            if (d != (SE(F)->kind == FF_IR_REDUCE ? N->kd : -1)) F->oslot[F->ns++] = N->order[d];
        if (SE(F)->kind == FF_IR_REDUCE) {
            N->wsize = 1;
            for (int d = N->kd + 1; d < N->n; d++) N->wsize *= S->r->size[N->order[d]];
            N->wv = malloc(sizeof(ir_val) * (size_t)N->wsize);
            N->wp = calloc((size_t)N->wsize, 1);
            if (!N->wv || !N->wp)
                rc = ir_fail(S->r, N->pos, FF_ENOMEM, "no memory for the %s workspace", N->what);
        }
    }
    if (!rc) rc = walk_depth(N, 0);
    free(N->wv);
    free(N->wp);
    free(N->touched.data);
    free(N->fv.data);
    free(N->fj.data);
    return rc;
}

/* Computes every fiber node of the subtree, children first. */
static int compute(sp *S, snode *n)
{
    int rc;
    if (n->base.a && (rc = compute(S, SA(n)))) return rc;
    if (n->base.b && (rc = compute(S, SB(n)))) return rc;
    const ff_ir_expr *e = SE(n);
    if (!is_fiber(e)) return 0;
    n->index = ir_slot_of(S->r, e->index, e);
    if (n->index < 0) return FF_EINVAL;
    int slots[IR_MAX_SLOTS], ns = ir_free_slots(S->r, e->a, slots);
    if (ns < 0) return FF_EINVAL;
    nest N = {.S = S, .root = SA(n), .node = n, .what = ir_func_of(e->kind, e->op)->name,
              .pos = e->pos};
    FF_VEC_PUSH(S->fibers, n);
    return nest_run(&N, slots, ns, n->index);
}

/* Positions a result with these points needs in the left side's format:
 * dense levels store every coordinate below a stored parent. */
static int64_t result_positions(const ir_run *r, size_t npoints)
{
    const ff_ir_tensor *lhs = &r->p->tensors[r->st.lhs];
    uint32_t dims[FF_IR_MAX_ORDER];
    for (int m = 0; m < lhs->order; m++) dims[m] = r->sizes[lhs->dims[m]];
    int64_t pos = 1;
    for (int k = 0; k < lhs->fmt.nlevels; k++) {
        pos *= ff_format_level_dim(&lhs->fmt, k, dims);
        if (lhs->fmt.lv[k].fmt == FF_LVL_COMPRESSED && pos > (int64_t)npoints)
            pos = (int64_t)npoints;
        if (pos > FF_IR_SPARSE_MAX_ENTRIES) return pos;
    }
    return pos;
}

static int sparse_stmt(ir_run *r, void *ctx, ff_tensor **result)
{
    sp *S = ctx;
    S->r = r;
    const ff_ir_stmt *st = &r->st;
    const ff_ir_tensor *lhs = &r->p->tensors[st->lhs];
    nest N = {.S = S, .what = lhs->name, .pos = st->pos};
    for (int m = 0; m < st->nlhs; m++)
        if ((N.lslot[m] = ir_slot_of(r, st->lhs_idx[m], st->rhs)) < 0) return FF_EINVAL;
    snode *root = build(S, st->rhs);
    int rc = compute(S, root);
    N.root = root;
    if (!rc) rc = nest_run(&N, N.lslot, st->nlhs, -1);
    if (!rc && result_positions(r, N.val.len) > FF_IR_SPARSE_MAX_ENTRIES)
        rc = ir_fail(r, st->pos, FF_EINVAL,
                     "%s (%s) would store more than 2^%d entries, the interpreter's limit",
                     lhs->name, lhs->format_text, FF_IR_SPARSE_MAX_ENTRIES_LOG2);
    if (!rc) rc = ir_store_result(r, N.val.len, N.crd.data, N.val.data, result);
    free(N.crd.data);
    free(N.val.data);
    /* the fiber nodes' entries and their tensors live for the statement */
    for (size_t i = 0; i < S->temps.len; i++) ff_tensor_free(S->temps.data[i]);
    S->temps.len = 0;
    for (size_t i = 0; i < S->fibers.len; i++) {
        free(S->fibers.data[i]->ocrd.data);
        free(S->fibers.data[i]->oval.data);
    }
    S->fibers.len = 0;
    return rc;
}

int ir_sparse_run(const ff_ir_program *p, const ff_tensor *const *inputs, ff_tensor **results, ir_reals *reals,
                  ff_err *err)
{
    sp S = {0};
    int rc = reals ? ir_run_program_real(p, inputs, results, reals, err, sparse_stmt, &S)
                   : ir_run_program(p, inputs, results, err, sparse_stmt, &S);
    for (size_t i = 0; i < S.cache.len; i++) ff_tensor_free(S.cache.data[i].t);
    free(S.cache.data);
    free(S.temps.data);
    free(S.fibers.data);
    return rc;
}

int ff_ir_interpret(const ff_ir_program *p, const ff_tensor *const *inputs, ff_tensor **results,
                    ff_err *err)
{
    return ir_sparse_run(p, inputs, results, NULL, err);
}
