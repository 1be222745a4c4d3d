/*
 * prims_scan.c -- the primitives that touch tensor memory: root, level
 * scanner, locate, value array, level writers. Cycle behaviour is specified
 * in docs/timing.md; each fire function below follows that text state by
 * state, so read them side by side.
 */
#include <stdlib.h>
#include <string.h>

#include "prims.h"

/* ---- root: 0 then D ---- */

typedef struct root_st {
    int sent;
} root_st;

static fire_result fire_root(ff_sim *s, node *n)
{
    root_st *st = n->state;
    if (!out_ready(n, 0)) return FIRE_STALL_OUT;
    if (!st->sent) {
        out_push(s, n, 0, ff_tok_data(0));
        st->sent = 1;
        return FIRE_OK;
    }
    out_push(s, n, 0, FF_TOK_D);
    return FIRE_DONE;
}

int init_ROOT(ff_sim *s, node *n, ff_err *err)
{
    n->state = ff_xcalloc(1, sizeof(root_st));
    n->fire = fire_root;
    return 0;
}

/* ---- level scanner ---- */

/* SC_DRAIN: D is out, the skip stream's D not yet in (docs/timing.md
 * "scan", coordinate skipping). */
enum { SC_IDLE, SC_FIBER, SC_END, SC_DRAIN };

typedef struct scan_st {
    level_view lv;
    int state;
    uint32_t pos, end;  /* current fiber: positions [pos, end) */
    int64_t base;       /* dense: position of coordinate 0 of the fiber (of
                           the window: may lie before the fiber) */
    /* Stops pushed on crd that the skip stream has not echoed yet: a skip
     * that arrives while lag > 0 was asked for an earlier fiber. */
    uint32_t lag;
} scan_st;

enum { SCAN_IN_REF = 0, SCAN_IN_SKIP = 1, SCAN_OUT_CRD = 0, SCAN_OUT_REF = 1 };

/* The largest lag a scanner tracks: more stops in flight than any channel
 * holds is a broken graph (the RTL's counter is as wide). */
#define SCAN_MAX_LAG 0xffffu

static inline int both_ready(const node *n) { return out_ready(n, 0) && out_ready(n, 1); }

/* The coordinate at st->pos of the current fiber. */
static inline uint32_t scan_crd(const scan_st *st)
{
    /* a window's offset is subtracted (wrapping: below the window the
     * coordinate is never emitted) */
    return st->lv.compressed ? st->lv.crd[st->pos] - (uint32_t)st->lv.off : (uint32_t)(st->pos - st->base);
}

/* Emits the coordinate and position at st->pos and advances. */
static void scan_emit(ff_sim *s, node *n, scan_st *st)
{
    uint32_t crd = scan_crd(st);
    if (st->lv.compressed) n->st.mem_reads++;
    out_push(s, n, SCAN_OUT_CRD, ff_tok_data(crd));
    out_push(s, n, SCAN_OUT_REF, ff_tok_data(st->pos));
    st->pos++;
    st->state = st->pos < st->end ? SC_FIBER : SC_END;
}

/* The fiber a reference names; fails on a reference outside the level. */
static int fiber_bounds(ff_sim *s, node *n, const level_view *lv, uint32_t ref, uint32_t *lo,
                        uint32_t *hi)
{
    if (lv->compressed) {
        if ((size_t)ref + 1 >= lv->nseg) {
            sim_fail(s, n, "reference %u is outside the level (%zu fibers)", ref, lv->nseg ? lv->nseg - 1 : 0);
            return -1;
        }
        *lo = lv->seg[ref];
        *hi = lv->seg[ref + 1];
        if (*lo > *hi || *hi > lv->ncrd) {
            sim_fail(s, n, "segment [%u, %u) of fiber %u is malformed (%zu coordinates)", *lo, *hi, ref, lv->ncrd);
            return -1;
        }
    } else {
        uint64_t lo64 = (uint64_t)ref * lv->dim;
        if (lo64 + lv->dim > UINT32_MAX) {
            sim_fail(s, n, "reference %u x dimension %u overflows 32-bit positions", ref, lv->dim);
            return -1;
        }
        *lo = (uint32_t)lo64;
        *hi = (uint32_t)lo64 + lv->dim;
    }
    return 0;
}

/* A compressed level's port streams seg (region 0) and crd (region 1) in:
 * reference r reads seg[r] and seg[r+1], which must have arrived (clamped to
 * the level: a reference past it is an error once all of seg is there). */
static int seg_wait(const node *n, const level_view *lv, uint32_t ref)
{
    uint64_t need = (uint64_t)ref + 2;
    return mport_wait(n, 0, need < lv->nseg ? (uint32_t)need : (uint32_t)lv->nseg);
}

/* Opens the port of a scan or locate over a compressed level it reads from
 * a bound tensor. */
static void level_port(ff_sim *s, node *n, const level_view *lv)
{
    if (lv->compressed && !lv->inl_seg)
        sim_port_open(s, n, ff_node_str(n->g, "tensor"), 0, (uint32_t)lv->nseg, (uint32_t)lv->ncrd, NULL, NULL);
}

/* A stop pushed on crd: one more the skip stream must echo. */
static int scan_stop_sent(ff_sim *s, node *n, scan_st *st)
{
    if (!n->in[SCAN_IN_SKIP]) return 0;
    if (++st->lag > SCAN_MAX_LAG) {
        sim_fail(s, n, "more than %u stops sent without their echo on the skip stream", SCAN_MAX_LAG);
        return -1;
    }
    return 0;
}

/* A compressed level read through a window. */
static inline int scan_cwin(const scan_st *st) { return st->lv.compressed && st->lv.len; }

/* Where a compressed window puts the coordinate at position p: -1 before
 * it, 1 past it, 0 inside (docs/tokens.md "scan"). */
static int cwin_side(const scan_st *st, uint32_t p)
{
    int64_t w = (int64_t)st->lv.crd[p] - st->lv.off;
    return w < 0 ? -1 : w >= st->lv.len ? 1 : 0;
}

/* A firing over a coordinate outside a compressed window: one before it is
 * passed, one past it ends the fiber; nothing is emitted. */
static void cwin_pass(ff_node_stats *stats, scan_st *st, int side)
{
    stats->mem_reads++;
    st->pos = side < 0 ? st->pos + 1 : st->end;
    st->state = st->pos < st->end ? SC_FIBER : SC_END;
}

/* The scanner's own firing, without its skip input. */
static fire_result scan_main(ff_sim *s, node *n, scan_st *st)
{
    if (st->state == SC_FIBER) {
        if (mport_wait(n, 1, st->pos + 1)) return FIRE_STALL_MEM;
        int side = scan_cwin(st) ? cwin_side(st, st->pos) : 0;
        if (side) {
            cwin_pass(&n->st, st, side);
            return FIRE_OK;
        }
        if (!both_ready(n)) return FIRE_STALL_OUT;
        scan_emit(s, n, st);
        return FIRE_OK;
    }
    if (st->state == SC_DRAIN || !in_has(n, SCAN_IN_REF)) return FIRE_STALL_IN;
    ff_tok t = in_peek(n, SCAN_IN_REF);
    if (st->state == SC_END) {
        /* Close the fiber; an input stop Sk merges into one S(k+1). */
        if (!both_ready(n)) return FIRE_STALL_OUT;
        ff_tok stop = ff_tok_stop(0);
        if (ff_tok_is_stop(t)) {
            stop = ff_tok_stop(ff_tok_payload(t) + 1);
            in_pop(s, n, SCAN_IN_REF);
        }
        out_push(s, n, SCAN_OUT_CRD, stop);
        out_push(s, n, SCAN_OUT_REF, stop);
        st->state = SC_IDLE;
        return scan_stop_sent(s, n, st) ? FIRE_ERROR : FIRE_OK;
    }
    switch (ff_tok_kind_of(t)) {
    case FF_TK_DATA: {
        uint32_t lo, hi;
        if (seg_wait(n, &st->lv, ff_tok_payload(t))) return FIRE_STALL_MEM;
        if (fiber_bounds(s, n, &st->lv, ff_tok_payload(t), &lo, &hi)) return FIRE_ERROR;
        int64_t base = lo;
        if (st->lv.len && !st->lv.compressed) {
            /* a window: the fiber's coordinates off .. off+len-1 that exist,
             * at c - off (docs/tokens.md "scan") */
            int64_t a = st->lv.off > 0 ? st->lv.off : 0, b = st->lv.off + st->lv.len;
            if (b > st->lv.dim) b = st->lv.dim;
            base += st->lv.off;
            hi = a < b ? lo + (uint32_t)b : lo;
            lo = a < b ? lo + (uint32_t)a : lo;
        }
        if (lo < hi && mport_wait(n, 1, lo + 1)) return FIRE_STALL_MEM;
        st->pos = lo;
        int side = lo < hi && scan_cwin(st) ? cwin_side(st, lo) : 0;
        if (lo < hi && !side && !both_ready(n)) return FIRE_STALL_OUT;
        in_pop(s, n, SCAN_IN_REF);
        if (st->lv.compressed) n->st.mem_reads += 2; /* seg[r], seg[r+1] */
        st->end = hi;
        st->base = base;
        if (side) cwin_pass(&n->st, st, side);
        else if (lo < hi) scan_emit(s, n, st);
        else st->state = SC_END; /* empty fiber: only its stop token follows */
        return FIRE_OK;
    }
    case FF_TK_STOP: /* a bare stop: an empty outer fiber */
        if (!both_ready(n)) return FIRE_STALL_OUT;
        in_pop(s, n, SCAN_IN_REF);
        out_push(s, n, SCAN_OUT_CRD, ff_tok_stop(ff_tok_payload(t) + 1));
        out_push(s, n, SCAN_OUT_REF, ff_tok_stop(ff_tok_payload(t) + 1));
        return scan_stop_sent(s, n, st) ? FIRE_ERROR : FIRE_OK;
    case FF_TK_EMPTY: /* N becomes N and then the closing stop */
        if (!both_ready(n)) return FIRE_STALL_OUT;
        in_pop(s, n, SCAN_IN_REF);
        out_push(s, n, SCAN_OUT_CRD, FF_TOK_N);
        out_push(s, n, SCAN_OUT_REF, FF_TOK_N);
        st->state = SC_END;
        return FIRE_OK;
    case FF_TK_DONE:
        if (!both_ready(n)) return FIRE_STALL_OUT;
        in_pop(s, n, SCAN_IN_REF);
        out_push(s, n, SCAN_OUT_CRD, FF_TOK_D);
        out_push(s, n, SCAN_OUT_REF, FF_TOK_D);
        if (!n->in[SCAN_IN_SKIP]) return FIRE_DONE;
        st->state = SC_DRAIN; /* finished once the skip stream's D is in */
        return FIRE_OK;
    }
    return FIRE_ERROR;
}

/* The first position of [pos, end) whose coordinate is at least v (end if
 * none), and the words a binary search of the range probes. */
static uint32_t scan_lower_bound(const scan_st *st, uint32_t v, uint64_t *probes)
{
    uint32_t a = st->pos, b = st->end;
    if (!st->lv.compressed) {
        int64_t to = st->base + v;
        return to < b ? (uint32_t)to : b;
    }
    /* the level's coordinate (a shift moves it down; v = 2^32-1 ends the
     * fiber whatever the shift) */
    if (v != UINT32_MAX) {
        int64_t lv = (int64_t)v + st->lv.off;
        if (lv <= 0) return a;
        v = (uint32_t)lv;
    }
    while (a < b) {
        uint32_t m = a + (b - a) / 2;
        ++*probes;
        if (st->lv.crd[m] < v) a = m + 1;
        else b = m;
    }
    return a;
}

/* Coordinate skipping (docs/timing.md "scan"): the skip input's head is an
 * echoed stop, a skip asked for an earlier fiber (lag > 0), one with
 * nothing to skip, or a jump. A jump is the whole firing; any other head is
 * popped beside whatever the scanner does this cycle, or alone if it can do
 * nothing else, so the skip stream never waits on the scanner's outputs. */
static fire_result fire_scan(ff_sim *s, node *n)
{
    scan_st *st = n->state;
    if (!in_has(n, SCAN_IN_SKIP)) return scan_main(s, n, st);
    ff_tok k = in_peek(n, SCAN_IN_SKIP);
    int echo = 0;
    if (ff_tok_is_stop(k)) {
        if (!st->lag) return sim_fail(s, n, "the skip stream echoes a stop the scanner has not sent");
        echo = 1;
    } else if (ff_tok_is_done(k)) {
        if (st->state != SC_DRAIN) return sim_fail(s, n, "the skip stream ended before the scanner's D");
        if (st->lag) return sim_fail(s, n, "the skip stream ended with %u stops not echoed", st->lag);
        in_pop(s, n, SCAN_IN_SKIP);
        return FIRE_DONE;
    } else if (ff_tok_is_empty(k)) {
        return sim_fail(s, n, "N on the skip stream");
    } else if (!st->lag && st->state == SC_FIBER) {
        if (mport_wait(n, 1, st->pos + 1)) return FIRE_STALL_MEM;
        uint32_t v = ff_tok_payload(k);
        if (v > scan_crd(st)) {
            uint64_t probes = 0;
            uint32_t to = scan_lower_bound(st, v, &probes);
            if (mport_wait(n, 1, to < st->end ? to + 1 : st->end)) return FIRE_STALL_MEM;
            in_pop(s, n, SCAN_IN_SKIP);
            n->st.mem_reads += probes;
            n->st.skips++;
            n->st.skipped += to - st->pos;
            st->pos = to;
            st->state = to < st->end ? SC_FIBER : SC_END;
            return FIRE_OK;
        }
    }
    fire_result r = scan_main(s, n, st);
    if (r == FIRE_ERROR) return r;
    in_pop(s, n, SCAN_IN_SKIP);
    st->lag -= (uint32_t)echo;
    return r == FIRE_OK || r == FIRE_DONE ? r : FIRE_OK;
}

static void fini_level_state(node *n)
{
    /* scan_st and locate_st both start with their level_view. */
    sim_level_view_free((level_view *)n->state);
    free(n->state);
}

int init_SCAN(ff_sim *s, node *n, ff_err *err)
{
    scan_st *st = ff_xcalloc(1, sizeof *st);
    n->state = st;
    n->fire = fire_scan;
    n->fini = fini_level_state;
    int rc = sim_level_view(s, n, &st->lv, err);
    if (!rc) level_port(s, n, &st->lv);
    return rc;
}

/* ---- locate: position of a coordinate within the fiber of a parent ref ---- */

typedef struct locate_st {
    level_view lv;
} locate_st;

enum { LOC_IN_CRD = 0, LOC_IN_REF = 1, LOC_OUT_CRD = 0, LOC_OUT_REF = 1 };

static fire_result fire_locate(ff_sim *s, node *n)
{
    locate_st *st = n->state;
    if (!in_has(n, LOC_IN_CRD) || !in_has(n, LOC_IN_REF)) return FIRE_STALL_IN;
    ff_tok c = in_peek(n, LOC_IN_CRD), r = in_peek(n, LOC_IN_REF);
    if (n->mp && ff_tok_is_data(c) && ff_tok_is_data(r)) {
        /* the search reads seg[r], seg[r+1] and the whole fiber */
        uint32_t ref = ff_tok_payload(r);
        if (seg_wait(n, &st->lv, ref)) return FIRE_STALL_MEM;
        uint32_t hi = (size_t)ref + 1 < st->lv.nseg ? st->lv.seg[ref + 1] : 0;
        if (mport_wait(n, 1, hi < st->lv.ncrd ? hi : (uint32_t)st->lv.ncrd)) return FIRE_STALL_MEM;
    }
    if (!both_ready(n)) return FIRE_STALL_OUT;
    ff_tok out_ref;
    fire_result res = FIRE_OK;
    if (ff_tok_is_data(c) && ff_tok_is_data(r)) {
        uint32_t lo, hi, crd = ff_tok_payload(c);
        if (fiber_bounds(s, n, &st->lv, ff_tok_payload(r), &lo, &hi)) return FIRE_ERROR;
        if (st->lv.len && crd >= st->lv.len)
            return sim_fail(s, n, "coordinate %u is outside the window of %u coordinates", crd, st->lv.len);
        /* a window looks up off + crd; outside the level it is absent */
        int64_t at = (int64_t)crd + st->lv.off;
        if (!st->lv.len && crd >= st->lv.dim && !st->lv.compressed)
            return sim_fail(s, n, "coordinate %u is outside the dense level of size %u", crd, st->lv.dim);
        if (at < 0 || at > UINT32_MAX || (!st->lv.compressed && at >= st->lv.dim)) {
            out_ref = FF_TOK_N;
        } else if (!st->lv.compressed) {
            out_ref = ff_tok_data(lo + (uint32_t)at);
        } else {
            /* Binary search of the fiber: one cycle (docs/timing.md); the
             * traffic counts every probe. */
            out_ref = FF_TOK_N;
            crd = (uint32_t)at;
            n->st.mem_reads += 2;
            uint32_t a = lo, b = hi;
            while (a < b) {
                uint32_t m = a + (b - a) / 2;
                n->st.mem_reads++;
                if (st->lv.crd[m] < crd) a = m + 1;
                else b = m;
            }
            if (a < hi && st->lv.crd[a] == crd) out_ref = ff_tok_data(a);
        }
    } else if (ff_tok_is_empty(c) || ff_tok_is_empty(r)) {
        if (!(ff_tok_is_data(c) || ff_tok_is_empty(c)) || !(ff_tok_is_data(r) || ff_tok_is_empty(r)))
            goto misaligned;
        out_ref = FF_TOK_N;
    } else if (c == r && (ff_tok_is_stop(c) || ff_tok_is_done(c))) {
        out_ref = c;
        if (ff_tok_is_done(c)) res = FIRE_DONE;
    } else {
        goto misaligned;
    }
    in_pop(s, n, LOC_IN_CRD);
    in_pop(s, n, LOC_IN_REF);
    out_push(s, n, LOC_OUT_CRD, c);
    out_push(s, n, LOC_OUT_REF, out_ref);
    return res;
misaligned: {
        char a[48], b[48];
        return sim_fail(s, n, "coordinate stream at '%s' but reference stream at '%s': streams are not aligned",
                        sim_tokstr(s, c, FF_ST_CRD, a), sim_tokstr(s, r, FF_ST_REF, b));
    }
}

int init_LOCATE(ff_sim *s, node *n, ff_err *err)
{
    locate_st *st = ff_xcalloc(1, sizeof *st);
    n->state = st;
    n->fire = fire_locate;
    n->fini = fini_level_state;
    int rc = sim_level_view(s, n, &st->lv, err);
    if (!rc) level_port(s, n, &st->lv);
    return rc;
}

/* ---- value array ---- */

typedef struct array_st {
    const ff_fx *vals;
    size_t nvals;
    ff_fx *own;
    /* block mode: the tensor's values in the block store, bw words a block */
    uint32_t base;
    size_t bw, nblocks;
} array_st;

/* Block mode: reference r names the r-th whole block, a handle into the
 * copy of the values the store holds. */
static fire_result fire_array_block(ff_sim *s, node *n, array_st *st)
{
    ff_tok t = in_peek(n, 0), v = t;
    if (ff_tok_is_data(t)) {
        uint32_t r = ff_tok_payload(t);
        if (r >= st->nblocks)
            return sim_fail(s, n, "reference %u is outside the value array (%zu blocks)", r, st->nblocks);
        v = ff_tok_data(st->base + (uint32_t)(r * st->bw));
        n->st.mem_reads += st->bw;
    } else if (ff_tok_is_empty(t)) {
        v = ff_tok_data(0); /* the zero block */
    }
    in_pop(s, n, 0);
    out_push(s, n, 0, v);
    return ff_tok_is_done(t) ? FIRE_DONE : FIRE_OK;
}

static fire_result fire_array(ff_sim *s, node *n)
{
    array_st *st = n->state;
    if (!in_has(n, 0)) return FIRE_STALL_IN;
    ff_tok t = in_peek(n, 0);
    if (n->mp && ff_tok_is_data(t)) {
        uint64_t need = (uint64_t)ff_tok_payload(t) + 1;
        if (mport_wait(n, 0, need < st->nvals ? (uint32_t)need : (uint32_t)st->nvals)) return FIRE_STALL_MEM;
    }
    if (!out_ready(n, 0)) return FIRE_STALL_OUT;
    if (st->bw) return fire_array_block(s, n, st);
    ff_tok v = t;
    if (ff_tok_is_data(t)) {
        uint32_t r = ff_tok_payload(t);
        if (r >= st->nvals) return sim_fail(s, n, "reference %u is outside the value array (%zu values)", r, st->nvals);
        v = ff_tok_data((uint32_t)st->vals[r]);
        n->st.mem_reads++;
    } else if (ff_tok_is_empty(t)) {
        v = ff_tok_data(0); /* N loads the fill value */
    }
    in_pop(s, n, 0);
    out_push(s, n, 0, v);
    return ff_tok_is_done(t) ? FIRE_DONE : FIRE_OK;
}

static void fini_array(node *n)
{
    array_st *st = n->state;
    free(st->own);
    free(st);
}

int init_ARRAY(ff_sim *s, node *n, ff_err *err)
{
    array_st *st = ff_xcalloc(1, sizeof *st);
    n->state = st;
    n->fire = fire_array;
    n->fini = fini_array;
    const char *tname = ff_node_str(n->g, "tensor");
    if (tname[0]) {
        const ff_tensor *t = sim_input(s, n, tname, err);
        if (!t) return err ? err->code : FF_EINVAL;
        st->vals = t->vals;
        st->nvals = t->nvals;
        if (!ff_node_int(n->g, "blk")) sim_port_open(s, n, tname, 0, (uint32_t)t->nvals, 0, NULL, NULL);
    } else {
        const ff_param *p = ff_node_param(n->g, "vals");
        if (!p) return ff_err_set(err, FF_EINVAL, "node '%s' (array): needs param tensor or vals", n->g->name);
        st->own = ff_xmalloc((p->nints + 1) * sizeof *st->own);
        for (size_t i = 0; i < p->nints; i++) st->own[i] = (ff_fx)p->ints[i];
        st->vals = st->own;
        st->nvals = p->nints;
    }
    int B = (int)ff_node_int(n->g, "blk");
    if (!B) return 0;
    st->bw = blk_words(B, (int)ff_node_int(n->g, "bdims"));
    if (st->nvals % st->bw)
        return ff_err_set(err, FF_EINVAL, "node '%s' (array): %zu values are not whole blocks of %zu", n->g->name,
                          st->nvals, st->bw);
    if (tname[0]) {
        /* A block never straddles the tensor's edge: a padded entry would
         * enter sums that the scalar graph never makes. */
        const ff_tensor *t = sim_input(s, n, tname, err);
        for (int l = 0; l < t->fmt.nlevels; l++) {
            const ff_level_desc *d = &t->fmt.lv[l];
            if (d->split == FF_SPLIT_OUTER && t->dims[d->mode] % (uint32_t)d->block)
                return ff_err_set(err, FF_EINVAL, "tensor '%s': mode %d has size %u, not a multiple of the block size "
                                  "%d (a blocked graph reads whole blocks)", tname, d->mode, t->dims[d->mode], d->block);
        }
    }
    st->nblocks = st->nvals / st->bw;
    if (blk_alloc(&s->blocks, st->nvals, &st->base))
        return ff_err_set(err, FF_EINVAL, "node '%s' (array): the block store is full", n->g->name);
    memcpy(blk_at(&s->blocks, st->base), st->vals, st->nvals * sizeof *st->vals);
    return 0;
}

/* ---- level writers ---- */

typedef struct write_st {
    outbuf *ob;
    int level;
    int fiber_nonempty;
    size_t bw; /* block mode: words a value writes */
} write_st;

static fire_result fire_write_crd(ff_sim *s, node *n)
{
    write_st *st = n->state;
    if (!in_has(n, 0)) return FIRE_STALL_IN;
    ff_tok t = in_peek(n, 0);
    in_pop(s, n, 0);
    switch (ff_tok_kind_of(t)) {
    case FF_TK_DATA:
        FF_VEC_PUSH(st->ob->crd[st->level], ff_tok_payload(t));
        n->st.mem_writes++;
        st->fiber_nonempty = 1;
        return FIRE_OK;
    case FF_TK_STOP:
        /* SAM's convention: a stop closing an empty fiber adds no segment
         * entry, so fibers stay in step with outer levels whose empty
         * coordinates a crd_drop removed (docs/tokens.md). */
        if (st->fiber_nonempty) {
            FF_VEC_PUSH(st->ob->seg[st->level], (uint32_t)st->ob->crd[st->level].len);
            n->st.mem_writes++;
        }
        st->fiber_nonempty = 0;
        return FIRE_OK;
    case FF_TK_EMPTY:
        return FIRE_OK;
    case FF_TK_DONE:
        return FIRE_DONE;
    }
    return FIRE_ERROR;
}

static fire_result fire_write_val(ff_sim *s, node *n)
{
    write_st *st = n->state;
    if (!in_has(n, 0)) return FIRE_STALL_IN;
    ff_tok t = in_peek(n, 0);
    in_pop(s, n, 0);
    if (st->bw && (ff_tok_is_data(t) || ff_tok_is_empty(t))) {
        uint32_t h;
        if (sim_block_of(s, n, t, st->bw, &h)) return FIRE_ERROR;
        for (size_t i = 0; i < st->bw; i++) FF_VEC_PUSH(st->ob->vals, blk_at(&s->blocks, h)[i]);
        n->st.mem_writes += st->bw;
    } else if (ff_tok_is_data(t) || ff_tok_is_empty(t)) {
        FF_VEC_PUSH(st->ob->vals, ff_tok_is_data(t) ? (ff_fx)ff_tok_payload(t) : 0);
        n->st.mem_writes++;
    }
    return ff_tok_is_done(t) ? FIRE_DONE : FIRE_OK;
}

static int init_writer(ff_sim *s, node *n, int is_val, ff_err *err)
{
    write_st *st = ff_xcalloc(1, sizeof *st);
    n->state = st;
    n->fire = is_val ? fire_write_val : fire_write_crd;
    const char *tname = ff_node_str(n->g, "tensor");
    st->ob = sim_outbuf(s, tname);
    int ti = ff_graph_find_tensor(s->g, tname);
    if (!st->ob || ti < 0 || !s->g->tensors[ti].is_output)
        return ff_err_set(err, FF_EINVAL, "node '%s': writes '%s', which is not an output tensor of the graph",
                          n->g->name, tname);
    if (is_val) {
        if (st->ob->have_vals)
            return ff_err_set(err, FF_EINVAL, "node '%s': output '%s' has two value writers", n->g->name, tname);
        st->ob->have_vals = 1;
        if (ff_node_int(n->g, "blk")) st->bw = blk_words((int)ff_node_int(n->g, "blk"), (int)ff_node_int(n->g, "bdims"));
        else sim_port_open(s, n, tname, 1, 0, 0, &st->ob->vals.len, NULL);
        return 0;
    }
    int64_t level = ff_node_int(n->g, "level");
    if (level < 0 || level >= FF_MAX_LEVELS)
        return ff_err_set(err, FF_EINVAL, "node '%s': level %lld out of range", n->g->name, (long long)level);
    st->level = (int)level;
    if (st->ob->have_level[level])
        return ff_err_set(err, FF_EINVAL, "node '%s': level %lld of '%s' has two writers", n->g->name,
                          (long long)level, tname);
    st->ob->have_level[level] = 1;
    FF_VEC_PUSH(st->ob->seg[level], 0u);
    sim_port_open(s, n, tname, 1, 0, 0, &st->ob->crd[level].len, &st->ob->seg[level].len);
    return 0;
}

int init_WRITE_CRD(ff_sim *s, node *n, ff_err *err) { return init_writer(s, n, 0, err); }
int init_WRITE_VAL(ff_sim *s, node *n, ff_err *err) { return init_writer(s, n, 1, err); }
