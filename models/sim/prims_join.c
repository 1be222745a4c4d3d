/*
 * prims_join.c -- n-ary intersect and union of coordinate fibers
 * (docs/timing.md "intersect", "union"). Ports: inputs crd0..crd{n-1} then
 * ref0..ref{n-1}; outputs crd, then ref0..ref{n-1}.
 */
#include <stdlib.h>

#include "prims.h"

typedef struct join_st {
    int n;
    int skip[4];  /* intersect: side i's skip output is connected */
} join_st;

/* Outputs 0..np-1 ready: crd and the refs (np = n + 1), or every output
 * when the skip streams are written too. */
static int outs_ready(const node *n, int np)
{
    for (int p = 0; p < np; p++)
        if (!out_ready(n, p)) return 0;
    return 1;
}

/* Every side's crd and ref heads are present and agree in kind (a scanner
 * emits them in lock step). Returns FIRE_OK, FIRE_STALL_IN or FIRE_ERROR. */
static fire_result heads(ff_sim *s, node *n, int k, ff_tok *crd, ff_tok *ref)
{
    for (int i = 0; i < k; i++) {
        if (!in_has(n, i) || !in_has(n, k + i)) return FIRE_STALL_IN;
        crd[i] = in_peek(n, i);
        ref[i] = in_peek(n, k + i);
    }
    for (int i = 0; i < k; i++) {
        /* A union upstream pairs a real coordinate with N on the side that
         * lacks it; anything else must match in kind (and stop level). */
        int same = (ff_tok_kind_of(crd[i]) == ff_tok_kind_of(ref[i]) && (!ff_tok_is_stop(crd[i]) || crd[i] == ref[i])) ||
                   (ff_tok_is_data(crd[i]) && ff_tok_is_empty(ref[i]));
        if (!same) {
            char a[48], b[48];
            return sim_fail(s, n, "side %d: crd%d is at '%s' but ref%d at '%s'", i, i,
                            sim_tokstr(s, crd[i], FF_ST_CRD, a), i, sim_tokstr(s, ref[i], FF_ST_REF, b));
        }
    }
    return FIRE_OK;
}

static void pop_side(ff_sim *s, node *n, int k, int i)
{
    in_pop(s, n, i);
    in_pop(s, n, k + i);
}

/* All sides at a control token (stop or D): they must agree; emit it once. */
static fire_result control_all(ff_sim *s, node *n, int k, const ff_tok *crd)
{
    for (int i = 1; i < k; i++)
        if (crd[i] != crd[0]) {
            char a[48], b[48];
            return sim_fail(s, n, "side 0 ends its fiber with '%s' but side %d with '%s'",
                            sim_tokstr(s, crd[0], FF_ST_CRD, a), i, sim_tokstr(s, crd[i], FF_ST_CRD, b));
        }
    if (!outs_ready(n, n->nout)) return FIRE_STALL_OUT;
    for (int i = 0; i < k; i++) pop_side(s, n, k, i);
    for (int p = 0; p <= k; p++) out_push(s, n, p, crd[0]);
    /* the skip streams echo every stop and D: what keeps a scanner from
     * applying a skip to a later fiber than the one it was asked for */
    const join_st *st = n->state; /* a union's skip[] is all 0 */
    for (int i = 0; i < k; i++)
        if (st->skip[i]) out_push(s, n, 1 + k + i, crd[0]);
    return ff_tok_is_done(crd[0]) ? FIRE_DONE : FIRE_OK;
}

/* Side i lags behind coordinate `to` and is popped: its scanner is asked to
 * jump, when the skip channel has room (a hint: dropped when full). */
static void ask_skip(ff_sim *s, node *n, const join_st *st, int i, uint32_t to)
{
    int p = 1 + st->n + i;
    if (st->skip[i] && out_ready(n, p)) out_push(s, n, p, ff_tok_data(to));
}

static fire_result fire_intersect(ff_sim *s, node *n)
{
    join_st *st = n->state;
    int k = st->n;
    ff_tok crd[4], ref[4];
    fire_result r = heads(s, n, k, crd, ref);
    if (r != FIRE_OK) return r;
    int nstop = 0, ndone = 0, nempty = 0;
    uint32_t maxc = 0;
    for (int i = 0; i < k; i++) {
        if (ff_tok_is_stop(crd[i])) nstop++;
        else if (ff_tok_is_done(crd[i])) ndone++;
        else if (ff_tok_is_empty(crd[i])) nempty++;
        else if (ff_tok_payload(crd[i]) > maxc) maxc = ff_tok_payload(crd[i]);
    }
    if (ndone) {
        if (ndone != k) return sim_fail(s, n, "one side reached D while another did not");
        return control_all(s, n, k, crd);
    }
    if (nstop == k) return control_all(s, n, k, crd);
    if (nstop) {
        /* Some fibers ended: drain the others, nothing can match any more;
         * their scanners may jump to the end of the fiber. */
        for (int i = 0; i < k; i++)
            if (!ff_tok_is_stop(crd[i])) {
                pop_side(s, n, k, i);
                if (ff_tok_is_data(crd[i])) ask_skip(s, n, st, i, UINT32_MAX);
            }
        return FIRE_OK;
    }
    if (nempty) {
        /* A missing fiber on any side: the intersection is missing too. */
        if (!outs_ready(n, k + 1)) return FIRE_STALL_OUT;
        for (int i = 0; i < k; i++) pop_side(s, n, k, i);
        for (int p = 0; p <= k; p++) out_push(s, n, p, FF_TOK_N);
        return FIRE_OK;
    }
    int all_equal = 1;
    for (int i = 0; i < k; i++)
        if (ff_tok_payload(crd[i]) != maxc) all_equal = 0;
    if (all_equal) {
        if (!outs_ready(n, k + 1)) return FIRE_STALL_OUT;
        out_push(s, n, 0, ff_tok_data(maxc));
        for (int i = 0; i < k; i++) {
            out_push(s, n, 1 + i, ref[i]);
            pop_side(s, n, k, i);
        }
        return FIRE_OK;
    }
    /* Advance every side that is behind the largest coordinate. */
    for (int i = 0; i < k; i++)
        if (ff_tok_payload(crd[i]) < maxc) {
            pop_side(s, n, k, i);
            ask_skip(s, n, st, i, maxc);
        }
    return FIRE_OK;
}

static fire_result fire_union(ff_sim *s, node *n)
{
    join_st *st = n->state;
    int k = st->n;
    ff_tok crd[4], ref[4];
    fire_result r = heads(s, n, k, crd, ref);
    if (r != FIRE_OK) return r;
    int nstop = 0, ndone = 0, nempty = 0, ndata = 0;
    uint32_t minc = UINT32_MAX;
    for (int i = 0; i < k; i++) {
        if (ff_tok_is_stop(crd[i])) nstop++;
        else if (ff_tok_is_done(crd[i])) ndone++;
        else if (ff_tok_is_empty(crd[i])) nempty++;
        else {
            ndata++;
            if (ff_tok_payload(crd[i]) < minc) minc = ff_tok_payload(crd[i]);
        }
    }
    if (ndone) {
        if (ndone != k) return sim_fail(s, n, "one side reached D while another did not");
        return control_all(s, n, k, crd);
    }
    if (nstop == k) return control_all(s, n, k, crd);
    if (nempty) {
        if (nempty == k) { /* no side has this fiber */
            if (!outs_ready(n, k + 1)) return FIRE_STALL_OUT;
            for (int i = 0; i < k; i++) pop_side(s, n, k, i);
            for (int p = 0; p < n->nout; p++) out_push(s, n, p, FF_TOK_N);
            return FIRE_OK;
        }
        /* A missing fiber contributes nothing: skip its N. */
        for (int i = 0; i < k; i++)
            if (ff_tok_is_empty(crd[i])) pop_side(s, n, k, i);
        return FIRE_OK;
    }
    if (!ndata) return FIRE_ERROR; /* unreachable: every case above covers it */
    if (!outs_ready(n, k + 1)) return FIRE_STALL_OUT;
    out_push(s, n, 0, ff_tok_data(minc));
    for (int i = 0; i < k; i++) {
        if (ff_tok_is_data(crd[i]) && ff_tok_payload(crd[i]) == minc) {
            out_push(s, n, 1 + i, ref[i]);
            pop_side(s, n, k, i);
        } else {
            out_push(s, n, 1 + i, FF_TOK_N);
        }
    }
    return FIRE_OK;
}

static int init_join_common(ff_sim *s, node *n, fire_fn fire, ff_err *err)
{
    join_st *st = ff_xcalloc(1, sizeof *st);
    n->state = st;
    n->fire = fire;
    st->n = (int)ff_node_int(n->g, "n");
    int nout = n->kind == FF_PRIM_INTERSECT ? 2 * st->n + 1 : st->n + 1;
    if (st->n < 2 || st->n > 4 || n->nin != 2 * st->n || n->nout != nout)
        return ff_err_set(err, FF_EINVAL, "node '%s': n = %d out of range 2..4", n->g->name, st->n);
    for (int i = 0; n->kind == FF_PRIM_INTERSECT && i < st->n; i++) st->skip[i] = n->nout_ch[1 + st->n + i] > 0;
    return 0;
}

int init_INTERSECT(ff_sim *s, node *n, ff_err *err) { return init_join_common(s, n, fire_intersect, err); }
int init_UNION(ff_sim *s, node *n, ff_err *err) { return init_join_common(s, n, fire_union, err); }
