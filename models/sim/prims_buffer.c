/*
 * prims_buffer.c -- the stream buffer (docs/tokens.md "buffer",
 * docs/timing.md "buffer"): a ring of (crd, val) token pairs on chip.
 *
 * FIFO mode (rep unconnected): n readers each stream every entry once, at
 * their own pace; an entry is freed when the slowest reader has taken it.
 * This is the deep channel of a forked stream that waits for a reduction
 * (a softmax row held while its maximum is computed).
 * Replay mode (rep connected, n = 1): the input is a sequence of fibers,
 * each its data entries and a closing stop Sk; each group of the repeat
 * signal (R... then Sk) replays the current fiber once per R and then frees
 * it -- a repeater whose unit is a whole fiber, with the closing stops a
 * scanner of the replayed fiber would emit.
 *
 * The write side and each read port act independently within a cycle, and
 * every decision reads the state as it was at the start of the cycle: an
 * entry written in cycle t is readable from t+1, an entry freed in cycle t
 * is writable from t+1.
 */
#include <stdlib.h>
#include <string.h>

#include "prims.h"

#define BUF_MAX_READERS 4

enum { BUF_IN_CRD = 0, BUF_IN_VAL = 1, BUF_IN_REP = 2 };
enum { REPLAY_IDLE, REPLAY_PASS, REPLAY_SKIP, REPLAY_DONE };

typedef struct buffer_st {
    ff_tok *crd, *val;   /* the ring, indexed by absolute position & mask */
    uint64_t mask;
    uint64_t cap;        /* capacity in entries (UINT64_MAX: functional) */
    uint64_t wr;         /* entries written */
    int wdone;           /* D written */
    int nread;
    uint64_t rd[BUF_MAX_READERS];
    int rdone[BUF_MAX_READERS];
    /* replay mode */
    int replay;
    int rstate;
    uint64_t fstart;     /* first entry of the current fiber */
} buffer_st;

static void fini_buffer(node *n)
{
    buffer_st *st = n->state;
    if (st) {
        free(st->crd);
        free(st->val);
    }
    free(st);
}

/* The oldest entry some reader still needs. */
static uint64_t oldest(const buffer_st *st)
{
    if (st->replay) return st->fstart;
    uint64_t m = st->wr;
    for (int k = 0; k < st->nread; k++)
        if (!st->rdone[k] && st->rd[k] < m) m = st->rd[k];
    return m;
}

/* Room for one more entry in the ring's storage (functional mode grows it). */
static void ensure_storage(buffer_st *st, uint64_t from)
{
    if (st->wr - from <= st->mask) return;
    uint64_t size = (st->mask + 1) * 2;
    ff_tok *c = ff_xmalloc(size * sizeof *c), *v = ff_xmalloc(size * sizeof *v);
    for (uint64_t p = from; p < st->wr; p++) {
        c[p & (size - 1)] = st->crd[p & st->mask];
        v[p & (size - 1)] = st->val[p & st->mask];
    }
    free(st->crd);
    free(st->val);
    st->crd = c;
    st->val = v;
    st->mask = size - 1;
}

static int is_elem(ff_tok t) { return ff_tok_is_data(t) || ff_tok_is_empty(t); }

/* The write side: one aligned (crd, val) pair per cycle while there is room.
 * Returns 1 if it wrote, 0 if not, -1 on a contract violation. */
static int write_side(ff_sim *s, node *n, buffer_st *st, uint64_t free_from, int *stalled_in, int *stalled_full)
{
    if (st->wdone) return 0;
    if (!in_has(n, BUF_IN_CRD) || !in_has(n, BUF_IN_VAL)) {
        *stalled_in = 1;
        return 0;
    }
    ff_tok c = in_peek(n, BUF_IN_CRD), v = in_peek(n, BUF_IN_VAL);
    if (!(is_elem(c) && is_elem(v)) && c != v) {
        char a[48], b[48];
        sim_fail(s, n, "crd_in is at '%s' but val_in at '%s'", sim_tokstr(s, c, FF_ST_CRD, a),
                 sim_tokstr(s, v, FF_ST_VAL, b));
        return -1;
    }
    if (st->wr - free_from >= st->cap) {
        *stalled_full = 1;
        return 0;
    }
    ensure_storage(st, free_from);
    st->crd[st->wr & st->mask] = c;
    st->val[st->wr & st->mask] = v;
    st->wr++;
    if (ff_tok_is_done(c)) st->wdone = 1;
    in_pop(s, n, BUF_IN_CRD);
    in_pop(s, n, BUF_IN_VAL);
    return 1;
}

/* Output port numbers: crd0..crd(n-1), then val0..val(n-1). */
static void push_pair(ff_sim *s, node *n, int nread, int k, ff_tok c, ff_tok v)
{
    out_push(s, n, k, c);
    out_push(s, n, nread + k, v);
}

/* One FIFO-mode reader: the next entry, if written before this cycle. */
static int fifo_reader(ff_sim *s, node *n, buffer_st *st, int k, uint64_t wr0, int *stalled_in, int *stalled_out)
{
    if (st->rdone[k]) return 0;
    if (st->rd[k] >= wr0) {
        *stalled_in = 1;
        return 0;
    }
    if (!out_ready(n, k) || !out_ready(n, st->nread + k)) {
        *stalled_out = 1;
        return 0;
    }
    ff_tok c = st->crd[st->rd[k] & st->mask], v = st->val[st->rd[k] & st->mask];
    push_pair(s, n, st->nread, k, c, v);
    st->rd[k]++;
    if (ff_tok_is_done(c)) st->rdone[k] = 1;
    return 1;
}

/* The replay reader (docs/tokens.md "buffer"). Returns 1 if it fired, 0 if
 * it stalled (flags set), -1 on a contract violation. */
static int replay_reader(ff_sim *s, node *n, buffer_st *st, uint64_t wr0, int *stalled_in, int *stalled_out)
{
    char a[48], b[48];
    uint64_t *rd = &st->rd[0];
    switch (st->rstate) {
    case REPLAY_DONE:
        return 0;
    case REPLAY_IDLE: {
        if (!in_has(n, BUF_IN_REP)) {
            *stalled_in = 1;
            return 0;
        }
        ff_tok r = in_peek(n, BUF_IN_REP);
        if (ff_tok_is_data(r)) { /* R: a pass over the fiber begins */
            in_pop(s, n, BUF_IN_REP);
            *rd = st->fstart;
            st->rstate = REPLAY_PASS;
            return 1;
        }
        if (ff_tok_is_stop(r)) { /* a group with no R: skip the fiber */
            *rd = st->fstart;
            st->rstate = REPLAY_SKIP;
            return 1;
        }
        if (ff_tok_is_empty(r)) {
            sim_fail(s, n, "the repeat signal carries N");
            return -1;
        }
        /* D: the input must end here too */
        if (st->fstart >= wr0) {
            *stalled_in = 1;
            return 0;
        }
        ff_tok c = st->crd[st->fstart & st->mask];
        if (!ff_tok_is_done(c)) {
            sim_fail(s, n, "repeat signal D but the buffered stream is at '%s'", sim_tokstr(s, c, FF_ST_CRD, a));
            return -1;
        }
        if (!out_ready(n, 0) || !out_ready(n, 1)) {
            *stalled_out = 1;
            return 0;
        }
        in_pop(s, n, BUF_IN_REP);
        push_pair(s, n, 1, 0, FF_TOK_D, FF_TOK_D);
        st->fstart++;
        st->rstate = REPLAY_DONE;
        return 1;
    }
    case REPLAY_PASS:
    case REPLAY_SKIP: {
        if (*rd >= wr0) {
            *stalled_in = 1;
            return 0;
        }
        ff_tok c = st->crd[*rd & st->mask], v = st->val[*rd & st->mask];
        if (ff_tok_is_done(c)) {
            sim_fail(s, n, "the buffered stream ended (D) inside a fiber the repeat signal still %s",
                     st->rstate == REPLAY_PASS ? "replays" : "closes");
            return -1;
        }
        if (is_elem(c)) {
            if (st->rstate == REPLAY_PASS) {
                if (!out_ready(n, 0) || !out_ready(n, 1)) {
                    *stalled_out = 1;
                    return 0;
                }
                push_pair(s, n, 1, 0, c, v);
            }
            (*rd)++;
            return 1;
        }
        /* the fiber's closing stop: what comes next in the repeat signal
         * decides the stop this pass ends with */
        if (!in_has(n, BUF_IN_REP)) {
            *stalled_in = 1;
            return 0;
        }
        ff_tok r = in_peek(n, BUF_IN_REP);
        if (ff_tok_is_data(r) && st->rstate == REPLAY_PASS) { /* another pass */
            if (!out_ready(n, 0) || !out_ready(n, 1)) {
                *stalled_out = 1;
                return 0;
            }
            in_pop(s, n, BUF_IN_REP);
            push_pair(s, n, 1, 0, ff_tok_stop(0), ff_tok_stop(0));
            *rd = st->fstart;
            return 1;
        }
        if (!ff_tok_is_stop(r) || r != c) {
            sim_fail(s, n, "repeat signal '%s' but the buffered fiber closes with '%s'", sim_tokstr(s, r, FF_ST_REP, a),
                     sim_tokstr(s, c, FF_ST_CRD, b));
            return -1;
        }
        if (!out_ready(n, 0) || !out_ready(n, 1)) {
            *stalled_out = 1;
            return 0;
        }
        ff_tok stop = ff_tok_stop(ff_tok_payload(c) + 1);
        in_pop(s, n, BUF_IN_REP);
        push_pair(s, n, 1, 0, stop, stop);
        st->fstart = ++*rd;
        st->rstate = REPLAY_IDLE;
        return 1;
    }
    }
    return 0;
}

static fire_result fire_buffer(ff_sim *s, node *n)
{
    buffer_st *st = n->state;
    /* start-of-cycle state: what the write side and the readers see */
    uint64_t wr0 = st->wr, free_from = oldest(st);
    int moved = 0, stalled_in = 0, stalled_out = 0, full = 0;
    if (st->replay) {
        int r = replay_reader(s, n, st, wr0, &stalled_in, &stalled_out);
        if (r < 0) return FIRE_ERROR;
        moved |= r;
    } else {
        for (int k = 0; k < st->nread; k++) moved |= fifo_reader(s, n, st, k, wr0, &stalled_in, &stalled_out);
    }
    int w = write_side(s, n, st, free_from, &stalled_in, &full);
    if (w < 0) return FIRE_ERROR;
    moved |= w;
    /* full, and the replay reader waits for an entry of the fiber it walks:
     * the fiber's closing stop can never be stored */
    if (full && st->replay && (st->rstate == REPLAY_PASS || st->rstate == REPLAY_SKIP) && st->rd[0] >= wr0 && !moved)
        return sim_fail(s, n, "a fiber longer than the buffer's %llu entries (the arch's buffer_words / 2) cannot be "
                        "replayed", (unsigned long long)st->cap);
    int readers_done = 1;
    for (int k = 0; k < st->nread; k++) readers_done &= st->rdone[k];
    if (st->replay) readers_done = st->rstate == REPLAY_DONE;
    if (readers_done && st->wdone) return FIRE_DONE;
    if (moved) return FIRE_OK;
    /* The parts wait for different things: wake on any channel. */
    if ((stalled_out || full) && stalled_in) return FIRE_STALL_ANY;
    return stalled_out || full ? FIRE_STALL_OUT : FIRE_STALL_IN;
}

int init_BUFFER(ff_sim *s, node *n, ff_err *err)
{
    buffer_st *st = ff_xcalloc(1, sizeof *st);
    n->state = st;
    n->fini = fini_buffer;
    n->fire = fire_buffer;
    int64_t k = ff_node_int(n->g, "n");
    if (k < 1 || k > BUF_MAX_READERS || n->nout != 2 * k)
        return ff_err_set(err, FF_EINVAL, "node '%s': n = %lld out of range 1..%d", n->g->name, (long long)k,
                          BUF_MAX_READERS);
    st->nread = (int)k;
    st->replay = n->in[BUF_IN_REP] != NULL;
    if (st->replay && k != 1)
        return ff_err_set(err, FF_EINVAL, "node '%s': a replaying buffer (rep connected) has one reader, not n = %lld",
                          n->g->name, (long long)k);
    if (n->latency)
        return ff_err_set(err, FF_EINVAL, "node '%s': a buffer's read ports have no pipeline (latency 0, not %d)",
                          n->g->name, n->latency);
    st->cap = s->opts.functional ? UINT64_MAX : (uint64_t)s->opts.arch.buffer_words / 2;
    st->mask = 15;
    st->crd = ff_xmalloc(16 * sizeof *st->crd);
    st->val = ff_xmalloc(16 * sizeof *st->val);
    return 0;
}
