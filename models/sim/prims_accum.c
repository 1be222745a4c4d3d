/*
 * prims_accum.c -- sparse accumulators (docs/timing.md "spacc1", "spacc2").
 *
 * Inputs are point streams (no stop tokens): crd_outer_in, crd_inner_in,
 * val_in, one token each per point, each ending in D. Outputs are the
 * compressed two-level result: crd_outer (one level), crd_inner and val (two
 * levels, the same stop tokens), each ending in D.
 *
 * spacc1 accumulates one outer coordinate at a time (points arrive grouped by
 * outer coordinate) into a dense row of `dim` slots; spacc2 takes points in
 * any order and keeps them all until D. Both emit inner coordinates sorted,
 * one per cycle, as a hardware priority encoder over an occupancy bitmap
 * would.
 */
#include <stdlib.h>
#include <string.h>

#include "prims.h"

enum { SA_IN_OUTER = 0, SA_IN_INNER = 1, SA_IN_VAL = 2 };
enum { SA_OUT_OUTER = 0, SA_OUT_INNER = 1, SA_OUT_VAL = 2 };
enum { SA_ACCUM, SA_EMIT, SA_CLOSE, SA_DONE };

static int outs_ready(const node *n)
{
    return out_ready(n, 0) && out_ready(n, 1) && out_ready(n, 2);
}

/* Sorts distinct coordinates. A group holds tens to hundreds of them and is
 * sorted once per group on the simulator's hot path, where qsort's
 * comparison callback costs more than the sort itself. */
static void sort_u32(uint32_t *a, uint32_t n)
{
    while (n > 24) {
        uint32_t x = a[0], y = a[n / 2], z = a[n - 1];
        uint32_t pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        uint32_t i = 0, j = n - 1;
        for (;;) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i >= j) break;
            uint32_t t = a[i];
            a[i++] = a[j];
            a[j--] = t;
        }
        /* Recurse into the smaller part, loop on the larger. */
        if (j + 1 < n - j - 1) {
            sort_u32(a, j + 1);
            a += j + 1;
            n -= j + 1;
        } else {
            sort_u32(a + j + 1, n - j - 1);
            n = j + 1;
        }
    }
    for (uint32_t i = 1; i < n; i++) {
        uint32_t v = a[i], k = i;
        for (; k > 0 && a[k - 1] > v; k--) a[k] = a[k - 1];
        a[k] = v;
    }
}

/* Heads of the three point streams: all data, or all D. Without an outer
 * stream (spacc1's one-level mode) every point has outer coordinate 0. */
static fire_result point_heads(ff_sim *s, node *n, ff_tok *o, ff_tok *i, ff_tok *v)
{
    int outer = n->in[SA_IN_OUTER] != NULL;
    if ((outer && !in_has(n, SA_IN_OUTER)) || !in_has(n, SA_IN_INNER) || !in_has(n, SA_IN_VAL)) return FIRE_STALL_IN;
    *i = in_peek(n, SA_IN_INNER);
    *v = in_peek(n, SA_IN_VAL);
    *o = outer ? in_peek(n, SA_IN_OUTER) : ff_tok_is_done(*i) ? FF_TOK_D : ff_tok_data(0);
    /* a point (the common case), then the three D's */
    if (ff_tok_is_data(*o) && ff_tok_is_data(*i) && (ff_tok_is_data(*v) || ff_tok_is_empty(*v))) return FIRE_OK;
    if (ff_tok_is_done(*o) && ff_tok_is_done(*i) && ff_tok_is_done(*v)) return FIRE_OK;
    char a[48], b[48], c[48];
    return sim_fail(s, n, "expected aligned point streams (data or D on all three), got outer '%s', inner '%s', val '%s'",
                    sim_tokstr(s, *o, FF_ST_CRD, a), sim_tokstr(s, *i, FF_ST_CRD, b), sim_tokstr(s, *v, FF_ST_VAL, c));
}

static void pop_point(ff_sim *s, node *n)
{
    if (n->in[SA_IN_OUTER]) in_pop(s, n, SA_IN_OUTER);
    in_pop(s, n, SA_IN_INNER);
    in_pop(s, n, SA_IN_VAL);
}

/* ---- spacc1 ---- */

/* Two banks: the accumulator fills one while the emitter empties the
 * other (docs/timing.md "spacc1"). */
typedef struct spacc_bank {
    ff_fx *acc;        /* dim slots */
    uint8_t *used;     /* dim flags */
    uint32_t *list;    /* used inner coordinates, sorted before emission */
    uint32_t nlist;
} spacc_bank;

enum { EM_IDLE, EM_EMIT, EM_CLOSE, EM_DONE };

typedef struct spacc1_st {
    uint32_t dim;
    spacc_bank bank[2];
    int two_level;     /* crd_outer_in is connected */
    size_t bw;         /* block mode: words a block; acc[] holds handles */
    /* the accumulator: its bank, its group's outer coordinate */
    int ab, has_outer, handed_final;
    uint32_t outer;
    /* the emitter: its state, bank, group */
    int em, eb, final;
    uint32_t eouter, k;
} spacc1_st;

/* Sums two accumulated values: numbers, or in block mode the blocks they
 * name (a new block; the sum of a point's first value is that value). */
static int acc_add(ff_sim *s, node *n, size_t bw, ff_fx *acc, ff_fx val)
{
    if (!bw) {
        *acc = ff_fx_add_count(*acc, val, &n->st.saturated);
        return 0;
    }
    uint32_t hv, h;
    if (sim_block_of(s, n, ff_tok_data((uint32_t)val), bw, &hv)) return -1;
    if (blk_add(&s->blocks, (uint32_t)*acc, hv, bw, &h, &n->st.saturated)) {
        sim_fail(s, n, "the block store is full (2^32 words)");
        return -1;
    }
    *acc = (ff_fx)h;
    return 0;
}

/* The accumulator's part of a cycle (em0: the emitter's state at its
 * start). 1 moved, 0 waits (*in: for input, else for the emitter), -1
 * error. */
static int spacc1_accumulate(ff_sim *s, node *n, spacc1_st *st, int em0, int *in)
{
    if (st->handed_final) return 0;
    ff_tok o, i, v;
    fire_result r = point_heads(s, n, &o, &i, &v);
    if (r == FIRE_ERROR) return -1;
    if (r != FIRE_OK) {
        *in = 1;
        return 0;
    }
    spacc_bank *b = &st->bank[st->ab];
    if (ff_tok_is_done(o) || (st->has_outer && ff_tok_payload(o) != st->outer)) {
        /* The group is complete: the emitter takes it when it is idle. */
        if (em0 != EM_IDLE) return 0;
        sort_u32(b->list, b->nlist);
        st->eb = st->ab;
        st->eouter = st->outer;
        st->final = ff_tok_is_done(o);
        st->k = 0;
        st->em = b->nlist ? EM_EMIT : EM_CLOSE;
        st->ab ^= 1;
        st->has_outer = 0;
        st->handed_final = st->final;
        return 1;
    }
    uint32_t c = ff_tok_payload(i);
    if (c >= st->dim) {
        sim_fail(s, n, "inner coordinate %u is outside the accumulator (dim %u)", c, st->dim);
        return -1;
    }
    ff_fx val = ff_tok_is_data(v) ? (ff_fx)ff_tok_payload(v) : 0;
    n->st.ops++;
    if (!b->used[c]) {
        b->used[c] = 1;
        b->acc[c] = val;
        b->list[b->nlist++] = c;
    } else if (acc_add(s, n, st->bw, &b->acc[c], val)) {
        return -1;
    }
    st->outer = ff_tok_payload(o);
    st->has_outer = 1;
    pop_point(s, n);
    return 1;
}

/* The emitter's part of a cycle: 1 moved, 0 waits (*out: for space), 2
 * finished. */
static int spacc1_emit(ff_sim *s, node *n, spacc1_st *st, int em0, int *out)
{
    if (em0 == EM_IDLE) return 0;
    if (!outs_ready(n)) {
        *out = 1;
        return 0;
    }
    spacc_bank *b = &st->bank[st->eb];
    switch (em0) {
    case EM_EMIT: {
        uint32_t c = b->list[st->k];
        if (st->k == 0 && st->two_level) out_push(s, n, SA_OUT_OUTER, ff_tok_data(st->eouter));
        out_push(s, n, SA_OUT_INNER, ff_tok_data(c));
        out_push(s, n, SA_OUT_VAL, ff_tok_data((uint32_t)b->acc[c]));
        b->used[c] = 0;
        if (++st->k == b->nlist) st->em = EM_CLOSE;
        return 1;
    }
    case EM_CLOSE:
        if (st->final) {
            /* The last stop closes the outer fiber too (one level: only the
             * inner fiber). */
            uint32_t lvl = st->two_level ? 1 : 0;
            if (st->two_level) out_push(s, n, SA_OUT_OUTER, ff_tok_stop(0));
            out_push(s, n, SA_OUT_INNER, ff_tok_stop(lvl));
            out_push(s, n, SA_OUT_VAL, ff_tok_stop(lvl));
            st->em = EM_DONE;
        } else {
            out_push(s, n, SA_OUT_INNER, ff_tok_stop(0));
            out_push(s, n, SA_OUT_VAL, ff_tok_stop(0));
            st->em = EM_IDLE;
        }
        b->nlist = 0;
        return 1;
    default: /* EM_DONE: the three D's wait at the heads since the hand-over */
        pop_point(s, n);
        for (int p = 0; p < 3; p++) out_push(s, n, p, FF_TOK_D);
        return 2;
    }
}

/* The accumulator and the emitter act independently within a cycle, each
 * on the state as it was at its start. */
static fire_result fire_spacc1(ff_sim *s, node *n)
{
    spacc1_st *st = n->state;
    int em0 = st->em, in = 0, out = 0;
    int e = spacc1_emit(s, n, st, em0, &out);
    if (e == 2) return FIRE_DONE;
    int a = spacc1_accumulate(s, n, st, em0, &in);
    if (a < 0) return FIRE_ERROR;
    if (a || e) return FIRE_OK;
    if (in && out) return FIRE_STALL_ANY;
    return in ? FIRE_STALL_IN : FIRE_STALL_OUT;
}

static void fini_spacc1(node *n)
{
    spacc1_st *st = n->state;
    for (int b = 0; b < 2; b++) {
        free(st->bank[b].acc);
        free(st->bank[b].used);
        free(st->bank[b].list);
    }
    free(st);
}

int init_SPACC1(ff_sim *s, node *n, ff_err *err)
{
    spacc1_st *st = ff_xcalloc(1, sizeof *st);
    n->state = st;
    n->fire = fire_spacc1;
    n->fini = fini_spacc1;
    int rc = sim_resolve_dim(s, n, "dim", &st->dim, err);
    if (rc) return rc;
    st->two_level = n->in[SA_IN_OUTER] != NULL;
    if (ff_node_int(n->g, "blk")) st->bw = blk_words((int)ff_node_int(n->g, "blk"), (int)ff_node_int(n->g, "bdims"));
    for (int b = 0; b < 2; b++) {
        st->bank[b].acc = ff_xcalloc(st->dim + 1, sizeof *st->bank[b].acc);
        st->bank[b].used = ff_xcalloc(st->dim + 1, 1);
        st->bank[b].list = ff_xcalloc(st->dim + 1, sizeof *st->bank[b].list);
    }
    return 0;
}

/* ---- spacc2 ---- */

typedef struct point {
    uint32_t outer, inner;
    uint32_t seq;  /* arrival order, so duplicates sum in input order */
    ff_fx val;
} point;

typedef struct spacc2_st {
    uint32_t dim_outer, dim_inner;
    FF_VEC(point) pts;  /* after D: merged and sorted */
    size_t k;           /* next point to emit */
    int state;
    size_t bw;          /* block mode: words a block; values are handles */
    uint32_t *at;       /* block mode: per (outer, inner), 1 + its point's index, 0 if none */
} spacc2_st;

static int cmp_point(const void *a, const void *b)
{
    const point *x = a, *y = b;
    if (x->outer != y->outer) return x->outer < y->outer ? -1 : 1;
    if (x->inner != y->inner) return x->inner < y->inner ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static fire_result fire_spacc2(ff_sim *s, node *n)
{
    spacc2_st *st = n->state;
    if (st->state == SA_ACCUM) {
        ff_tok o, i, v;
        fire_result r = point_heads(s, n, &o, &i, &v);
        if (r != FIRE_OK) return r;
        if (ff_tok_is_done(o)) {
            if (st->pts.len) qsort(st->pts.data, st->pts.len, sizeof *st->pts.data, cmp_point);
            size_t w = 0;
            for (size_t k = 0; k < st->pts.len; k++) {
                point *p = &st->pts.data[k];
                n->st.ops++;
                if (w && st->pts.data[w - 1].outer == p->outer && st->pts.data[w - 1].inner == p->inner) {
                    if (acc_add(s, n, st->bw, &st->pts.data[w - 1].val, p->val)) return FIRE_ERROR;
                } else
                    st->pts.data[w++] = *p;
            }
            st->pts.len = w;
            st->k = 0;
            st->state = w ? SA_EMIT : SA_CLOSE;
            return FIRE_OK;
        }
        uint32_t oc = ff_tok_payload(o), ic = ff_tok_payload(i);
        if (oc >= st->dim_outer || ic >= st->dim_inner)
            return sim_fail(s, n, "point (%u, %u) is outside the accumulator (%u x %u)", oc, ic, st->dim_outer, st->dim_inner);
        point p = {oc, ic, (uint32_t)st->pts.len, ff_tok_is_data(v) ? (ff_fx)ff_tok_payload(v) : 0};
        if (st->bw) {
            /* Blocks are summed as they arrive, as the RTL's accumulator
             * does: a sum is a new block, and the store hands out blocks in
             * firing order (docs/tokens.md "Block values"). Same sums, in
             * the same order, as merging after D. */
            uint32_t *at = &st->at[(size_t)oc * st->dim_inner + ic];
            if (*at) {
                n->st.ops++;
                if (acc_add(s, n, st->bw, &st->pts.data[*at - 1].val, p.val)) return FIRE_ERROR;
                pop_point(s, n);
                return FIRE_OK;
            }
            *at = (uint32_t)st->pts.len + 1;
        }
        FF_VEC_PUSH(st->pts, p);
        pop_point(s, n);
        return FIRE_OK;
    }
    if (!outs_ready(n)) return FIRE_STALL_OUT;
    if (st->state == SA_EMIT) {
        const point *p = &st->pts.data[st->k];
        int first = st->k == 0 || st->pts.data[st->k - 1].outer != p->outer;
        int last = st->k + 1 == st->pts.len || st->pts.data[st->k + 1].outer != p->outer;
        if (first) out_push(s, n, SA_OUT_OUTER, ff_tok_data(p->outer));
        out_push(s, n, SA_OUT_INNER, ff_tok_data(p->inner));
        out_push(s, n, SA_OUT_VAL, ff_tok_data((uint32_t)p->val));
        st->k++;
        if (last) st->state = SA_CLOSE;
        return FIRE_OK;
    }
    if (st->state == SA_CLOSE) {
        if (st->k < st->pts.len) {
            out_push(s, n, SA_OUT_INNER, ff_tok_stop(0));
            out_push(s, n, SA_OUT_VAL, ff_tok_stop(0));
            st->state = SA_EMIT;
        } else {
            out_push(s, n, SA_OUT_OUTER, ff_tok_stop(0));
            out_push(s, n, SA_OUT_INNER, ff_tok_stop(1));
            out_push(s, n, SA_OUT_VAL, ff_tok_stop(1));
            st->state = SA_DONE;
        }
        return FIRE_OK;
    }
    pop_point(s, n);
    for (int p = 0; p < 3; p++) out_push(s, n, p, FF_TOK_D);
    return FIRE_DONE;
}

static void fini_spacc2(node *n)
{
    spacc2_st *st = n->state;
    free(st->pts.data);
    free(st->at);
    free(st);
}

int init_SPACC2(ff_sim *s, node *n, ff_err *err)
{
    spacc2_st *st = ff_xcalloc(1, sizeof *st);
    n->state = st;
    n->fire = fire_spacc2;
    n->fini = fini_spacc2;
    int rc = sim_resolve_dim(s, n, "dim_outer", &st->dim_outer, err);
    if (!rc) rc = sim_resolve_dim(s, n, "dim_inner", &st->dim_inner, err);
    if (ff_node_int(n->g, "blk")) {
        st->bw = blk_words((int)ff_node_int(n->g, "blk"), (int)ff_node_int(n->g, "bdims"));
        if (!rc) st->at = ff_xcalloc((size_t)st->dim_outer * st->dim_inner + 1, sizeof *st->at);
    }
    return rc;
}
