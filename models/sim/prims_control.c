/*
 * prims_control.c -- the primitives that reshape streams without touching
 * memory or values: repeat-signal generator, repeater, coordinate drop and
 * hold, stop-token droppers, fork, join, broadcast; and the harness-only
 * source and sink. docs/timing.md specifies each state machine.
 */
#include <stdlib.h>
#include <string.h>

#include "prims.h"

static int all_out_ready(const node *n)
{
    for (int p = 0; p < n->nout; p++)
        if (!out_ready(n, p)) return 0;
    return 1;
}

static void push_all(ff_sim *s, node *n, ff_tok t)
{
    for (int p = 0; p < n->nout; p++) out_push(s, n, p, t);
}

/* ---- repeat-signal generator ---- */

static fire_result fire_repsiggen(ff_sim *s, node *n)
{
    if (!in_has(n, 0)) return FIRE_STALL_IN;
    if (!out_ready(n, 0)) return FIRE_STALL_OUT;
    ff_tok t = in_peek(n, 0);
    in_pop(s, n, 0);
    if (ff_tok_is_done(t)) {
        out_push(s, n, 0, FF_TOK_D);
        return FIRE_DONE;
    }
    /* A stop keeps its level: the repeater closes groups from it without
     * looking ahead (docs/tokens.md "Differences from SAM"). */
    out_push(s, n, 0, ff_tok_is_stop(t) ? t : ff_tok_data(0));
    return FIRE_OK;
}

int init_REPSIGGEN(ff_sim *s, node *n, ff_err *err)
{
    n->fire = fire_repsiggen;
    return 0;
}

/* ---- repeater ---- */

typedef struct repeat_st {
    int have;   /* the current reference has been taken from ref_in */
    ff_tok cur;
} repeat_st;

enum { REP_IN_REF = 0, REP_IN_SIG = 1 };

static fire_result fire_repeat(ff_sim *s, node *n)
{
    repeat_st *st = n->state;
    if (!in_has(n, REP_IN_SIG)) return FIRE_STALL_IN;
    ff_tok sig = in_peek(n, REP_IN_SIG);
    char a[48], b[48];
    if (ff_tok_is_data(sig)) { /* R: the current reference once more */
        if (!st->have) {
            if (!in_has(n, REP_IN_REF)) return FIRE_STALL_IN;
            ff_tok r = in_peek(n, REP_IN_REF);
            if (!(ff_tok_is_data(r) || ff_tok_is_empty(r)))
                return sim_fail(s, n, "repeat signal R but the reference stream is at '%s'", sim_tokstr(s, r, FF_ST_REF, a));
            if (!out_ready(n, 0)) return FIRE_STALL_OUT;
            in_pop(s, n, REP_IN_REF);
            st->cur = r;
            st->have = 1;
        } else if (!out_ready(n, 0)) {
            return FIRE_STALL_OUT;
        }
        in_pop(s, n, REP_IN_SIG);
        out_push(s, n, 0, st->cur);
        return FIRE_OK;
    }
    if (ff_tok_is_stop(sig)) {
        /* Sk ends the current group; k > 0 also ends k outer fibers, so the
         * reference stream's own stop S(k-1) is consumed with it. */
        uint32_t k = ff_tok_payload(sig);
        if (st->have && k == 0) {
            if (!out_ready(n, 0)) return FIRE_STALL_OUT;
            in_pop(s, n, REP_IN_SIG);
            out_push(s, n, 0, sig);
            st->have = 0;
            return FIRE_OK;
        }
        if (!in_has(n, REP_IN_REF)) return FIRE_STALL_IN;
        ff_tok r = in_peek(n, REP_IN_REF);
        if (!st->have && (ff_tok_is_data(r) || ff_tok_is_empty(r))) {
            /* A group with no R: take its reference; it closes next cycle. */
            in_pop(s, n, REP_IN_REF);
            st->cur = r;
            st->have = 1;
            return FIRE_OK;
        }
        /* Here the reference stream is at the stop closing the outer fiber:
         * after the group (have), or at once for an empty outer fiber. */
        if (k == 0 || r != ff_tok_stop(k - 1))
            return sim_fail(s, n, "repeat signal '%s' but the reference stream is at '%s'",
                            sim_tokstr(s, sig, FF_ST_REP, a), sim_tokstr(s, r, FF_ST_REF, b));
        if (!out_ready(n, 0)) return FIRE_STALL_OUT;
        in_pop(s, n, REP_IN_SIG);
        in_pop(s, n, REP_IN_REF);
        out_push(s, n, 0, sig);
        st->have = 0;
        return FIRE_OK;
    }
    if (ff_tok_is_done(sig)) {
        if (!in_has(n, REP_IN_REF)) return FIRE_STALL_IN;
        ff_tok r = in_peek(n, REP_IN_REF);
        if (st->have || !ff_tok_is_done(r))
            return sim_fail(s, n, "repeat signal D but the reference stream is at '%s'%s",
                            sim_tokstr(s, r, FF_ST_REF, b), st->have ? " with a reference still open" : "");
        if (!out_ready(n, 0)) return FIRE_STALL_OUT;
        in_pop(s, n, REP_IN_SIG);
        in_pop(s, n, REP_IN_REF);
        out_push(s, n, 0, FF_TOK_D);
        return FIRE_DONE;
    }
    return sim_fail(s, n, "repeat signal stream carries N");
}

int init_REPEAT(ff_sim *s, node *n, ff_err *err)
{
    n->state = ff_xcalloc(1, sizeof(repeat_st));
    n->fire = fire_repeat;
    return 0;
}

/* ---- coordinate drop and hold ---- */

typedef struct outer_st {
    int have;    /* an outer coordinate is held */
    ff_tok cur;
    int seen;    /* crd_drop: its inner fiber had a coordinate */
} outer_st;

enum { OI_IN_OUTER = 0, OI_IN_INNER = 1, OI_OUT_OUTER = 0, OI_OUT_INNER = 1 };

static fire_result misaligned(ff_sim *s, node *n, ff_tok outer, ff_tok inner)
{
    char a[48], b[48];
    return sim_fail(s, n, "outer stream at '%s' does not match inner stream at '%s'",
                    sim_tokstr(s, outer, FF_ST_CRD, a), sim_tokstr(s, inner, FF_ST_CRD, b));
}

static fire_result fire_crd_drop(ff_sim *s, node *n)
{
    outer_st *st = n->state;
    if (!st->have) {
        if (!in_has(n, OI_IN_OUTER)) return FIRE_STALL_IN;
        ff_tok o = in_peek(n, OI_IN_OUTER);
        if (ff_tok_is_data(o) || ff_tok_is_empty(o)) {
            /* Take the coordinate; if its first inner token is here too,
             * handle that in the same cycle. */
            if (in_has(n, OI_IN_INNER)) {
                ff_tok i = in_peek(n, OI_IN_INNER);
                if (ff_tok_is_data(i) || ff_tok_is_empty(i)) {
                    if (!all_out_ready(n)) return FIRE_STALL_OUT;
                    in_pop(s, n, OI_IN_OUTER);
                    in_pop(s, n, OI_IN_INNER);
                    out_push(s, n, OI_OUT_OUTER, o);
                    out_push(s, n, OI_OUT_INNER, i);
                    st->have = 1;
                    st->cur = o;
                    st->seen = 1;
                    return FIRE_OK;
                }
                if (i == ff_tok_stop(0)) { /* empty inner fiber: drop o */
                    if (!out_ready(n, OI_OUT_INNER)) return FIRE_STALL_OUT;
                    in_pop(s, n, OI_IN_OUTER);
                    in_pop(s, n, OI_IN_INNER);
                    out_push(s, n, OI_OUT_INNER, i);
                    return FIRE_OK;
                }
                if (ff_tok_is_done(i)) return misaligned(s, n, o, i);
            }
            in_pop(s, n, OI_IN_OUTER);
            st->have = 1;
            st->cur = o;
            st->seen = 0;
            return FIRE_OK;
        }
        /* An outer stop here closes an empty outer fiber; D ends both. */
        if (!in_has(n, OI_IN_INNER)) return FIRE_STALL_IN;
        ff_tok i = in_peek(n, OI_IN_INNER);
        int ok = ff_tok_is_done(o) ? ff_tok_is_done(i)
                                   : ff_tok_is_stop(i) && ff_tok_payload(i) == ff_tok_payload(o) + 1;
        if (!ok) return misaligned(s, n, o, i);
        if (!all_out_ready(n)) return FIRE_STALL_OUT;
        in_pop(s, n, OI_IN_OUTER);
        in_pop(s, n, OI_IN_INNER);
        out_push(s, n, OI_OUT_OUTER, o);
        out_push(s, n, OI_OUT_INNER, i);
        return ff_tok_is_done(o) ? FIRE_DONE : FIRE_OK;
    }
    if (!in_has(n, OI_IN_INNER)) return FIRE_STALL_IN;
    ff_tok i = in_peek(n, OI_IN_INNER);
    if (ff_tok_is_data(i) || ff_tok_is_empty(i)) {
        int first = !st->seen;
        if (!out_ready(n, OI_OUT_INNER) || (first && !out_ready(n, OI_OUT_OUTER))) return FIRE_STALL_OUT;
        in_pop(s, n, OI_IN_INNER);
        out_push(s, n, OI_OUT_INNER, i);
        if (first) out_push(s, n, OI_OUT_OUTER, st->cur);
        st->seen = 1;
        return FIRE_OK;
    }
    if (ff_tok_is_done(i)) return misaligned(s, n, st->cur, i);
    uint32_t k = ff_tok_payload(i);
    if (k == 0) {
        if (!out_ready(n, OI_OUT_INNER)) return FIRE_STALL_OUT;
        in_pop(s, n, OI_IN_INNER);
        out_push(s, n, OI_OUT_INNER, i);
        st->have = 0;
        return FIRE_OK;
    }
    /* Sk, k >= 1, also closes the outer fiber: its S(k-1) must be next. */
    if (!in_has(n, OI_IN_OUTER)) return FIRE_STALL_IN;
    ff_tok o = in_peek(n, OI_IN_OUTER);
    if (o != ff_tok_stop(k - 1)) return misaligned(s, n, o, i);
    if (!all_out_ready(n)) return FIRE_STALL_OUT;
    in_pop(s, n, OI_IN_OUTER);
    in_pop(s, n, OI_IN_INNER);
    out_push(s, n, OI_OUT_OUTER, o);
    out_push(s, n, OI_OUT_INNER, i);
    st->have = 0;
    return FIRE_OK;
}

int init_CRD_DROP(ff_sim *s, node *n, ff_err *err)
{
    n->state = ff_xcalloc(1, sizeof(outer_st));
    n->fire = fire_crd_drop;
    return 0;
}

static fire_result fire_crd_hold(ff_sim *s, node *n)
{
    outer_st *st = n->state;
    if (!in_has(n, OI_IN_INNER)) return FIRE_STALL_IN;
    ff_tok i = in_peek(n, OI_IN_INNER);
    if (ff_tok_is_data(i) || ff_tok_is_empty(i)) {
        if (!st->have) {
            if (!in_has(n, OI_IN_OUTER)) return FIRE_STALL_IN;
            ff_tok o = in_peek(n, OI_IN_OUTER);
            if (!(ff_tok_is_data(o) || ff_tok_is_empty(o))) return misaligned(s, n, o, i);
            if (!all_out_ready(n)) return FIRE_STALL_OUT;
            in_pop(s, n, OI_IN_OUTER);
            st->cur = o;
            st->have = 1;
        } else if (!all_out_ready(n)) {
            return FIRE_STALL_OUT;
        }
        in_pop(s, n, OI_IN_INNER);
        out_push(s, n, OI_OUT_OUTER, st->cur);
        out_push(s, n, OI_OUT_INNER, i);
        return FIRE_OK;
    }
    if (!in_has(n, OI_IN_OUTER) && !(st->have && i == ff_tok_stop(0))) return FIRE_STALL_IN;
    ff_tok o = in_has(n, OI_IN_OUTER) ? in_peek(n, OI_IN_OUTER) : 0;
    if (ff_tok_is_done(i)) {
        if (st->have || !ff_tok_is_done(o)) return misaligned(s, n, o, i);
        if (!all_out_ready(n)) return FIRE_STALL_OUT;
        in_pop(s, n, OI_IN_OUTER);
        in_pop(s, n, OI_IN_INNER);
        push_all(s, n, FF_TOK_D);
        return FIRE_DONE;
    }
    uint32_t k = ff_tok_payload(i);
    if (k == 0) {
        /* S0 closes the held coordinate's fiber; with none held, the fiber
         * of the next outer coordinate was empty: consume that coordinate. */
        if (!st->have && !(ff_tok_is_data(o) || ff_tok_is_empty(o))) return misaligned(s, n, o, i);
        if (!all_out_ready(n)) return FIRE_STALL_OUT;
        if (!st->have) in_pop(s, n, OI_IN_OUTER);
        in_pop(s, n, OI_IN_INNER);
        push_all(s, n, i);
        st->have = 0;
        return FIRE_OK;
    }
    if (!st->have && (ff_tok_is_data(o) || ff_tok_is_empty(o))) {
        /* Last coordinate of the outer fiber had an empty inner fiber:
         * consume it first, then the outer stop with the inner one. */
        in_pop(s, n, OI_IN_OUTER);
        st->cur = o;
        st->have = 1;
        return FIRE_OK;
    }
    if (o != ff_tok_stop(k - 1)) return misaligned(s, n, o, i);
    if (!all_out_ready(n)) return FIRE_STALL_OUT;
    in_pop(s, n, OI_IN_OUTER);
    in_pop(s, n, OI_IN_INNER);
    push_all(s, n, i);
    st->have = 0;
    return FIRE_OK;
}

int init_CRD_HOLD(ff_sim *s, node *n, ff_err *err)
{
    n->state = ff_xcalloc(1, sizeof(outer_st));
    n->fire = fire_crd_hold;
    return 0;
}

/* ---- stop-token droppers ---- */

static fire_result fire_stkn_drop(ff_sim *s, node *n)
{
    if (!in_has(n, 0)) return FIRE_STALL_IN;
    ff_tok t = in_peek(n, 0);
    if (ff_tok_is_stop(t)) {
        in_pop(s, n, 0);
        return FIRE_OK;
    }
    if (!out_ready(n, 0)) return FIRE_STALL_OUT;
    in_pop(s, n, 0);
    out_push(s, n, 0, t);
    return ff_tok_is_done(t) ? FIRE_DONE : FIRE_OK;
}

int init_STKN_DROP(ff_sim *s, node *n, ff_err *err)
{
    n->fire = fire_stkn_drop;
    return 0;
}

typedef struct empty_drop_st {
    int started;   /* a data token has passed */
    int held;      /* a stop is held */
    uint32_t level;
} empty_drop_st;

static fire_result fire_empty_stkn_drop(ff_sim *s, node *n)
{
    empty_drop_st *st = n->state;
    if (!in_has(n, 0)) return FIRE_STALL_IN;
    ff_tok t = in_peek(n, 0);
    if (ff_tok_is_stop(t)) {
        in_pop(s, n, 0);
        if (!st->held || ff_tok_payload(t) > st->level) st->level = ff_tok_payload(t);
        st->held = 1;
        return FIRE_OK;
    }
    if (!out_ready(n, 0)) return FIRE_STALL_OUT;
    /* A held run goes out first, in a cycle of its own -- unless it led the
     * stream and data follows: a leading run of empty fibers is dropped. A
     * run that reaches D is the stream's closing stop and always goes out. */
    if (st->held && (st->started || ff_tok_is_done(t))) {
        out_push(s, n, 0, ff_tok_stop(st->level));
        st->held = 0;
        return FIRE_OK;
    }
    st->held = 0;
    in_pop(s, n, 0);
    out_push(s, n, 0, t);
    st->started = 1;
    return ff_tok_is_done(t) ? FIRE_DONE : FIRE_OK;
}

int init_EMPTY_STKN_DROP(ff_sim *s, node *n, ff_err *err)
{
    n->state = ff_xcalloc(1, sizeof(empty_drop_st));
    n->fire = fire_empty_stkn_drop;
    return 0;
}

/* ---- fork, join, broadcast ---- */

typedef struct rr_st {
    int next; /* round-robin position */
} rr_st;

static fire_result fire_fork(ff_sim *s, node *n)
{
    rr_st *st = n->state;
    if (!in_has(n, 0)) return FIRE_STALL_IN;
    ff_tok t = in_peek(n, 0);
    if (ff_tok_is_data(t) || ff_tok_is_empty(t)) {
        if (!out_ready(n, st->next)) return FIRE_STALL_OUT;
        in_pop(s, n, 0);
        out_push(s, n, st->next, t);
        st->next = (st->next + 1) % n->nout;
        return FIRE_OK;
    }
    if (!all_out_ready(n)) return FIRE_STALL_OUT;
    in_pop(s, n, 0);
    push_all(s, n, t);
    st->next = 0;
    return ff_tok_is_done(t) ? FIRE_DONE : FIRE_OK;
}

static fire_result fire_join(ff_sim *s, node *n)
{
    rr_st *st = n->state;
    if (!in_has(n, st->next)) return FIRE_STALL_IN;
    ff_tok t = in_peek(n, st->next);
    if (ff_tok_is_data(t) || ff_tok_is_empty(t)) {
        if (!out_ready(n, 0)) return FIRE_STALL_OUT;
        in_pop(s, n, st->next);
        out_push(s, n, 0, t);
        st->next = (st->next + 1) % n->nin;
        return FIRE_OK;
    }
    /* A control token: every lane must have reached the same one. */
    for (int p = 0; p < n->nin; p++) {
        if (!in_has(n, p)) return FIRE_STALL_IN;
        ff_tok u = in_peek(n, p);
        if (u != t) {
            char a[48], b[48];
            return sim_fail(s, n, "lane %d is at '%s' but lane %d at '%s'", st->next,
                            sim_tokstr(s, t, n->in[0]->type, a), p, sim_tokstr(s, u, n->in[0]->type, b));
        }
    }
    if (!out_ready(n, 0)) return FIRE_STALL_OUT;
    for (int p = 0; p < n->nin; p++) in_pop(s, n, p);
    out_push(s, n, 0, t);
    st->next = 0;
    return ff_tok_is_done(t) ? FIRE_DONE : FIRE_OK;
}

static fire_result fire_broadcast(ff_sim *s, node *n)
{
    if (!in_has(n, 0)) return FIRE_STALL_IN;
    if (!all_out_ready(n)) return FIRE_STALL_OUT;
    ff_tok t = in_peek(n, 0);
    in_pop(s, n, 0);
    push_all(s, n, t);
    return ff_tok_is_done(t) ? FIRE_DONE : FIRE_OK;
}

static int init_rr(node *n, fire_fn fire, int ports, ff_err *err)
{
    n->state = ff_xcalloc(1, sizeof(rr_st));
    n->fire = fire;
    int64_t k = ff_node_int(n->g, "n");
    if (k < 2 || k > 8 || k != ports)
        return ff_err_set(err, FF_EINVAL, "node '%s': n = %lld out of range 2..8", n->g->name, (long long)k);
    return 0;
}

/* ---- serialize (docs/tokens.md "serialize") ----
 *
 * Inputs: ctrl (port 0), the coordinates of the parallel level, one token
 * per unit; lanes in0..in(n-1) (ports 1..n). Unit m of a fiber of ctrl
 * comes from lane m mod n. unit < 0: a unit is one token. unit = u >= 0: a
 * unit is a fiber of the lane's stream, ended by S_u when the lane has more
 * units in this fiber of ctrl, by the closing stop S_(y+u+1) when it was the
 * lane's last (ctrl's fiber closes with S_y). The output separates units
 * with S_u and closes with S_(y+u+1), so lanes that got no unit (their
 * stream holds just the closing stop) and lanes whose last unit was empty
 * are told apart by counting ctrl's coordinates, never by guessing. */
typedef struct serialize_st {
    int unit;        /* -1: units are tokens */
    int cur;         /* lane of the next unit */
    int units;       /* units started in the current fiber of ctrl */
    int in_unit;     /* reading a unit from lane cur (unit >= 0) */
    ff_tok closed[8]; /* per lane: the stop that ended its last unit */
} serialize_st;

static fire_result serialize_bad(ff_sim *s, node *n, int lane, ff_tok got, const char *want)
{
    char a[48];
    return sim_fail(s, n, "lane %d shows '%s' where %s belongs", lane, sim_tokstr(s, got, n->in[1]->type, a), want);
}

static fire_result fire_serialize(ff_sim *s, node *n)
{
    serialize_st *st = n->state;
    int lanes = n->nin - 1;
    if (st->in_unit) {
        int p = 1 + st->cur;
        if (!in_has(n, p)) return FIRE_STALL_IN;
        ff_tok t = in_peek(n, p);
        if (ff_tok_is_done(t)) return serialize_bad(s, n, st->cur, t, "a unit's tokens");
        if (ff_tok_is_stop(t) && (int)ff_tok_payload(t) >= st->unit) {
            /* the unit ends; its stop is the output's to choose */
            in_pop(s, n, p);
            st->closed[st->cur] = t;
            st->in_unit = 0;
            st->cur = (st->cur + 1) % lanes;
            return FIRE_OK;
        }
        if (!out_ready(n, 0)) return FIRE_STALL_OUT;
        in_pop(s, n, p);
        out_push(s, n, 0, t);
        return FIRE_OK;
    }
    if (!in_has(n, 0)) return FIRE_STALL_IN;
    ff_tok c = in_peek(n, 0);
    if (ff_tok_is_data(c) || ff_tok_is_empty(c)) {
        if (st->unit < 0) {
            int p = 1 + st->cur;
            if (!in_has(n, p)) return FIRE_STALL_IN;
            ff_tok t = in_peek(n, p);
            if (!ff_tok_is_data(t) && !ff_tok_is_empty(t)) return serialize_bad(s, n, st->cur, t, "a unit token");
            if (!out_ready(n, 0)) return FIRE_STALL_OUT;
            in_pop(s, n, 0);
            in_pop(s, n, p);
            out_push(s, n, 0, t);
            st->cur = (st->cur + 1) % lanes;
            st->units++;
            return FIRE_OK;
        }
        /* a unit starts: after the first, the separator goes out first */
        if (st->units > 0) {
            if (!out_ready(n, 0)) return FIRE_STALL_OUT;
            out_push(s, n, 0, ff_tok_stop((uint32_t)st->unit));
        }
        in_pop(s, n, 0);
        st->in_unit = 1;
        st->units++;
        return FIRE_OK;
    }
    /* ctrl's fiber closes (S_y) or the stream ends (D) */
    ff_tok closing = ff_tok_is_done(c) || st->unit < 0 ? c : ff_tok_stop(ff_tok_payload(c) + (uint32_t)st->unit + 1);
    int first_idle = ff_tok_is_done(c) || st->unit < 0 ? 0 : (st->units < lanes ? st->units : lanes);
    for (int k = 0; k < first_idle; k++)
        if (st->closed[k] != closing) return serialize_bad(s, n, k, st->closed[k], "the fiber's closing stop");
    for (int k = first_idle; k < lanes; k++) {
        if (!in_has(n, 1 + k)) return FIRE_STALL_IN;
        if (in_peek(n, 1 + k) != closing) return serialize_bad(s, n, k, in_peek(n, 1 + k), "the closing stop");
    }
    if (!out_ready(n, 0)) return FIRE_STALL_OUT;
    in_pop(s, n, 0);
    for (int k = first_idle; k < lanes; k++) in_pop(s, n, 1 + k);
    out_push(s, n, 0, closing);
    st->cur = 0;
    st->units = 0;
    return ff_tok_is_done(c) ? FIRE_DONE : FIRE_OK;
}

int init_SERIALIZE(ff_sim *s, node *n, ff_err *err)
{
    (void)s;
    serialize_st *st = ff_xcalloc(1, sizeof *st);
    n->state = st;
    n->fire = fire_serialize;
    int64_t k = ff_node_int(n->g, "n"), u = ff_node_int(n->g, "unit");
    if (k < 2 || k > 7 || k + 1 != n->nin)
        return ff_err_set(err, FF_EINVAL, "node '%s': n = %lld out of range 2..7", n->g->name, (long long)k);
    st->unit = (int)u;
    return 0;
}

int init_FORK(ff_sim *s, node *n, ff_err *err) { return init_rr(n, fire_fork, n->nout, err); }
int init_JOIN(ff_sim *s, node *n, ff_err *err) { return init_rr(n, fire_join, n->nin, err); }
int init_BROADCAST(ff_sim *s, node *n, ff_err *err) { return init_rr(n, fire_broadcast, n->nout, err); }

/* ---- harness: source and sink ---- */

typedef struct source_st {
    ff_tokvec toks;
    size_t next;
} source_st;

static fire_result fire_source(ff_sim *s, node *n)
{
    source_st *st = n->state;
    ff_tok t = st->toks.data[st->next];
    if (t == FF_TOK_IDLE) { /* `_`: offer nothing this cycle */
        st->next++;
        return FIRE_OK;
    }
    if (!out_ready(n, 0)) return FIRE_STALL_OUT;
    out_push(s, n, 0, t);
    st->next++;
    return ff_tok_is_done(t) ? FIRE_DONE : FIRE_OK;
}

static void fini_source(node *n)
{
    source_st *st = n->state;
    free(st->toks.data);
    free(st);
}

int init_SOURCE(ff_sim *s, node *n, ff_err *err)
{
    source_st *st = ff_xcalloc(1, sizeof *st);
    n->state = st;
    n->fire = fire_source;
    n->fini = fini_source;
    ff_stream_type type = (ff_stream_type)ff_node_int(n->g, "type");
    int rc = ff_tok_parse(ff_node_str(n->g, "tokens"), type, s->frac_bits, 1, &st->toks, err);
    if (rc) return ff_err_wrap(err, "node '%s': ", n->g->name);
    size_t last = st->toks.len;
    while (last > 0 && st->toks.data[last - 1] == FF_TOK_IDLE) last--;
    if (last == 0 || st->toks.data[last - 1] != FF_TOK_D)
        return ff_err_set(err, FF_EINVAL, "node '%s': the stream must end with D", n->g->name);
    for (size_t i = 0; i + 1 < last; i++)
        if (st->toks.data[i] == FF_TOK_D)
            return ff_err_set(err, FF_EINVAL, "node '%s': D must be the last token (token %zu)", n->g->name, i);
    st->toks.len = last;
    return 0;
}

typedef struct sink_st {
    char *pattern;     /* 0/1 per cycle, cycled; NULL = always ready */
    size_t plen;
    uint64_t seed;     /* rand:SEED:PCT */
    int percent;       /* < 0: not random */
    ff_tokvec toks;
    FF_VEC(uint64_t) cycles;
} sink_st;

/* A stateless hash of (seed, cycle), so readiness does not depend on how
 * often the sink was evaluated -- the RTL testbench computes the same. */
static int sink_ready(const sink_st *st, uint64_t cycle)
{
    if (st->percent >= 0) {
        uint64_t z = st->seed ^ (cycle * 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        return (int)(z % 100) < st->percent;
    }
    if (!st->pattern) return 1;
    return st->pattern[cycle % st->plen] == '1';
}

static fire_result fire_sink(ff_sim *s, node *n)
{
    sink_st *st = n->state;
    if (!sink_ready(st, s->cycle)) return FIRE_OK; /* stays awake: readiness changes by itself */
    if (!in_has(n, 0)) return FIRE_STALL_IN;
    ff_tok t = in_peek(n, 0);
    in_pop(s, n, 0);
    FF_VEC_PUSH(st->toks, t);
    FF_VEC_PUSH(st->cycles, s->cycle);
    return ff_tok_is_done(t) ? FIRE_DONE : FIRE_OK;
}

static void fini_sink(node *n)
{
    sink_st *st = n->state;
    free(st->pattern);
    free(st->toks.data);
    free(st->cycles.data);
    free(st);
}

int init_SINK(ff_sim *s, node *n, ff_err *err)
{
    sink_st *st = ff_xcalloc(1, sizeof *st);
    n->state = st;
    n->fire = fire_sink;
    n->fini = fini_sink;
    st->percent = -1;
    const char *r = ff_node_str(n->g, "ready");
    if (!r[0]) return 0;
    if (strncmp(r, "rand:", 5) == 0) {
        char *end;
        unsigned long long seed = strtoull(r + 5, &end, 10);
        long pct = *end == ':' ? strtol(end + 1, &end, 10) : -1;
        if (*end || pct < 1 || pct > 100)
            return ff_err_set(err, FF_EINVAL, "node '%s': ready '%s': expected rand:SEED:PERCENT with PERCENT 1..100",
                              n->g->name, r);
        st->seed = seed;
        st->percent = (int)pct;
        return 0;
    }
    size_t len = strlen(r);
    if (strspn(r, "01") != len || !strchr(r, '1'))
        return ff_err_set(err, FF_EINVAL, "node '%s': ready '%s': expected a 0/1 pattern with at least one 1",
                          n->g->name, r);
    st->pattern = ff_xstrdup(r);
    st->plen = len;
    return 0;
}

void sink_records(const node *n, const ff_tok **toks, const uint64_t **cycles, size_t *count)
{
    const sink_st *st = n->state;
    *toks = st->toks.data;
    *cycles = st->cycles.data;
    *count = st->toks.len;
}
