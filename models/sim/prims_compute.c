/*
 * prims_compute.c -- ALU and reducer (docs/timing.md "alu", "reduce").
 * Arithmetic is ff_fixed's, the same integer algorithms the RTL ALU uses.
 */
#include <stdlib.h>

#include "prims.h"

typedef struct alu_st {
    ff_alu_op op;
    int unary;   /* only input a is read (unary op, or b is the immediate) */
    ff_fx imm;
    /* block mode (blk > 0): values are block handles */
    blk_op_desc bd;
    size_t wa, wb, wout; /* words of a, b and the result */
    uint64_t ops_per_block;
} alu_st;

/* N reads as the fill value 0 wherever a value is expected. */
static inline int is_value(ff_tok t) { return ff_tok_is_data(t) || ff_tok_is_empty(t); }
static inline ff_fx value_of(ff_tok t) { return ff_tok_is_data(t) ? (ff_fx)ff_tok_payload(t) : 0; }

fire_result sim_block_of(ff_sim *s, node *n, ff_tok t, size_t words, uint32_t *h)
{
    *h = ff_tok_is_data(t) ? ff_tok_payload(t) : 0;
    if (!blk_valid_handle(&s->blocks, *h, words))
        return sim_fail(s, n, "block handle %u is outside the block store (%zu words)", *h, s->blocks.words.len);
    return FIRE_OK;
}

static fire_result fire_alu_block(ff_sim *s, node *n, alu_st *st, ff_tok a, ff_tok b, ff_tok *out)
{
    uint32_t ha, hb = 0, h;
    if (sim_block_of(s, n, a, st->wa, &ha) || (!st->unary && sim_block_of(s, n, b, st->wb, &hb))) return FIRE_ERROR;
    if (blk_alloc(&s->blocks, st->wout, &h)) return sim_fail(s, n, "the block store is full (2^32 words)");
    blk_op(&st->bd, blk_at(&s->blocks, ha), blk_at(&s->blocks, hb), st->imm, blk_at(&s->blocks, h), &n->st.saturated);
    n->st.ops += st->ops_per_block;
    *out = ff_tok_data(h);
    return FIRE_OK;
}

static fire_result fire_alu(ff_sim *s, node *n)
{
    alu_st *st = n->state;
    if (!in_has(n, 0) || (!st->unary && !in_has(n, 1))) return FIRE_STALL_IN;
    if (!out_ready(n, 0)) return FIRE_STALL_OUT;
    ff_tok a = in_peek(n, 0);
    ff_tok b = st->unary ? a : in_peek(n, 1);
    ff_tok out = FF_TOK_D;
    if (st->bd.B && is_value(a) && is_value(b)) {
        if (fire_alu_block(s, n, st, a, b, &out)) return FIRE_ERROR;
    } else if (is_value(a) && is_value(b)) {
        ff_fx bv = st->unary ? st->imm : value_of(b);
        int sat;
        out = ff_tok_data((uint32_t)ff_alu_apply_sat(st->op, value_of(a), bv, s->frac_bits, &sat));
        n->st.ops++;
        n->st.saturated += (uint64_t)sat;
    } else if (a == b) {
        out = a; /* matching stop tokens pass once; D ends the stream */
    } else {
        char x[48], y[48];
        return sim_fail(s, n, "input a is at '%s' but b at '%s': value streams are not aligned",
                        sim_tokstr(s, a, FF_ST_VAL, x), sim_tokstr(s, b, FF_ST_VAL, y));
    }
    in_pop(s, n, 0);
    if (!st->unary) in_pop(s, n, 1);
    out_push(s, n, 0, out);
    return ff_tok_is_done(out) ? FIRE_DONE : FIRE_OK;
}

int init_ALU(ff_sim *s, node *n, ff_err *err)
{
    alu_st *st = ff_xcalloc(1, sizeof *st);
    n->state = st;
    n->fire = fire_alu;
    st->op = (ff_alu_op)ff_node_int(n->g, "op");
    int has_imm = ff_node_has(n->g, "imm");
    if (has_imm) st->imm = ff_node_param(n->g, "imm")->fx;
    st->unary = ff_alu_op_arity(st->op) == 1 || has_imm;
    if (!st->unary && !n->in[1])
        return ff_err_set(err, FF_EINVAL, "node '%s' (alu %s): input b is not connected and no imm is given",
                          n->g->name, ff_alu_op_name(st->op));
    int B = (int)ff_node_int(n->g, "blk");
    if (!B) return 0;
    int la = (int)ff_node_int(n->g, "bla"), lb = st->unary ? 15 : (int)ff_node_int(n->g, "blb");
    int no = (int)ff_node_int(n->g, "bno"), mul = st->op == FF_ALU_MUL;
    if (!blk_layout_valid(la, no, mul) || !blk_layout_valid(lb, no, mul))
        return ff_err_set(err, FF_EINVAL, "node '%s' (alu %s): block layouts bla=%d blb=%d do not fit %d result dims%s",
                          n->g->name, ff_alu_op_name(st->op), la, lb, no, mul ? "" : " (only mul contracts axis 2)");
    st->bd = (blk_op_desc){st->op, st->unary, B, la, lb, no, s->frac_bits};
    st->wa = blk_words(B, blk_layout_dims(la));
    st->wb = blk_words(B, blk_layout_dims(lb));
    st->wout = blk_words(B, no);
    st->ops_per_block = st->wout * (blk_contracts(la, lb) ? (uint64_t)B : 1);
    return 0;
}

/* ---- reducer ----
 *
 * Without `shape`, SAM's reducer: one value per innermost fiber, emitted at
 * its closing stop. That is ambiguous after an empty intermediate fiber: a
 * scanner turns an empty parent into a bare S(k+1), which reads exactly like
 * a real empty fiber whose stop merged with its parent's, and SAM emits a
 * spurious 0 for it. With `shape` -- the coordinate stream of the level the
 * reduction produces -- every value corresponds to one shape coordinate, and
 * a shape stop with no fiber before it consumes the phantom stop instead.
 */

typedef struct reduce_st {
    int is_max;
    int shaped;       /* the shape input is connected */
    int in_fiber;     /* shaped: a shape coordinate's fiber is being reduced */
    int any;          /* the current fiber had a value */
    ff_fx acc;        /* block mode: the handle of the block being summed */
    uint32_t pending; /* unshaped: k+1 when S(k) must still be emitted */
    uint32_t owed;    /* shaped: k when the last fiber's stop closed k parents */
    /* block mode (B > 0) */
    int B, la, nout;
    size_t win, wout;
    ff_fx *scratch;   /* one collapsed input block */
    ff_sim *sim;
} reduce_st;

enum { RED_IN_VAL = 0, RED_IN_SHAPE = 1 };

/* Block mode: collapse the input block's axis 2, then fold it into the
 * accumulating block (a private block until it is emitted). Failures are
 * reported. */
static int reduce_add_block(node *n, reduce_st *st, ff_tok t)
{
    blk_store *bs = &st->sim->blocks;
    uint32_t h;
    if (sim_block_of(st->sim, n, t, st->win, &h)) return -1;
    n->st.ops += st->win;
    if (!st->any) {
        uint32_t acc;
        if (blk_alloc(bs, st->wout, &acc)) {
            sim_fail(st->sim, n, "the block store is full (2^32 words)");
            return -1;
        }
        blk_collapse(st->la, st->B, st->nout, st->is_max, blk_at(bs, h), blk_at(bs, acc), &n->st.saturated);
        st->acc = (ff_fx)acc;
        st->any = 1;
        return 0;
    }
    blk_collapse(st->la, st->B, st->nout, st->is_max, blk_at(bs, h), st->scratch, &n->st.saturated);
    ff_fx *acc = blk_at(bs, (uint32_t)st->acc);
    for (size_t i = 0; i < st->wout; i++)
        acc[i] = st->is_max ? (st->scratch[i] > acc[i] ? st->scratch[i] : acc[i])
                            : ff_fx_add_count(acc[i], st->scratch[i], &n->st.saturated);
    return 0;
}

static int reduce_add(node *n, reduce_st *st, ff_tok t)
{
    if (st->B) return reduce_add_block(n, st, t);
    n->st.ops++;
    ff_fx v = value_of(t);
    if (!st->any) st->acc = v;
    else st->acc = st->is_max ? (v > st->acc ? v : st->acc) : ff_fx_add_count(st->acc, v, &n->st.saturated);
    st->any = 1;
    return 0;
}

static ff_tok reduce_result(reduce_st *st)
{
    ff_tok r = ff_tok_data((uint32_t)(st->any ? st->acc : 0));
    st->any = 0;
    st->acc = 0;
    return r;
}

static fire_result fire_reduce_shaped(ff_sim *s, node *n, reduce_st *st)
{
    char a[48], b[48];
    if (st->in_fiber) {
        if (!in_has(n, RED_IN_VAL)) return FIRE_STALL_IN;
        ff_tok v = in_peek(n, RED_IN_VAL);
        if (is_value(v)) {
            if (reduce_add(n, st, v)) return FIRE_ERROR;
            in_pop(s, n, RED_IN_VAL);
            return FIRE_OK;
        }
        if (!ff_tok_is_stop(v)) return sim_fail(s, n, "value stream reached D inside a fiber");
        if (!out_ready(n, 0)) return FIRE_STALL_OUT;
        in_pop(s, n, RED_IN_VAL);
        out_push(s, n, 0, reduce_result(st));
        st->owed = ff_tok_payload(v);
        st->in_fiber = 0;
        return FIRE_OK;
    }
    if (!in_has(n, RED_IN_SHAPE)) return FIRE_STALL_IN;
    ff_tok h = in_peek(n, RED_IN_SHAPE);
    /* A shape stop that the last fiber's stop already closed needs no value
     * token: waiting for one here would wait for the next fiber. */
    if (ff_tok_is_stop(h) && st->owed) {
        if (st->owed != ff_tok_payload(h) + 1) {
            ff_tok v = in_has(n, RED_IN_VAL) ? in_peek(n, RED_IN_VAL) : h;
            return sim_fail(s, n, "shape stream at '%s' does not match value stream at '%s' (after a fiber that "
                            "closed its parent)", sim_tokstr(s, h, FF_ST_CRD, a), sim_tokstr(s, v, FF_ST_VAL, b));
        }
        if (!out_ready(n, 0)) return FIRE_STALL_OUT;
        in_pop(s, n, RED_IN_SHAPE);
        out_push(s, n, 0, h);
        st->owed = 0;
        return FIRE_OK;
    }
    if (!in_has(n, RED_IN_VAL)) return FIRE_STALL_IN;
    ff_tok v = in_peek(n, RED_IN_VAL);
    if (ff_tok_is_data(h) || ff_tok_is_empty(h)) {
        if (st->owed) goto misaligned;
        /* The coordinate's fiber starts; take its first token along. */
        if (is_value(v)) {
            in_pop(s, n, RED_IN_SHAPE);
            in_pop(s, n, RED_IN_VAL);
            if (reduce_add(n, st, v)) return FIRE_ERROR;
            st->in_fiber = 1;
            return FIRE_OK;
        }
        if (!ff_tok_is_stop(v)) goto misaligned;
        if (!out_ready(n, 0)) return FIRE_STALL_OUT;
        in_pop(s, n, RED_IN_SHAPE);
        in_pop(s, n, RED_IN_VAL);
        out_push(s, n, 0, reduce_result(st)); /* an empty fiber sums to 0 */
        st->owed = ff_tok_payload(v);
        return FIRE_OK;
    }
    if (ff_tok_is_stop(h)) {
        /* An empty shape fiber: the values carry its phantom stop. */
        if (v != ff_tok_stop(ff_tok_payload(h) + 1)) goto misaligned;
        if (!out_ready(n, 0)) return FIRE_STALL_OUT;
        in_pop(s, n, RED_IN_SHAPE);
        in_pop(s, n, RED_IN_VAL);
        out_push(s, n, 0, h);
        return FIRE_OK;
    }
    /* D */
    if (st->owed || !ff_tok_is_done(v)) goto misaligned;
    if (!out_ready(n, 0)) return FIRE_STALL_OUT;
    in_pop(s, n, RED_IN_SHAPE);
    in_pop(s, n, RED_IN_VAL);
    out_push(s, n, 0, FF_TOK_D);
    return FIRE_DONE;
misaligned:
    return sim_fail(s, n, "shape stream at '%s' does not match value stream at '%s'%s",
                    sim_tokstr(s, h, FF_ST_CRD, a), sim_tokstr(s, v, FF_ST_VAL, b),
                    st->owed ? " (after a fiber that closed its parent)" : "");
}

static fire_result fire_reduce(ff_sim *s, node *n)
{
    reduce_st *st = n->state;
    if (st->shaped) return fire_reduce_shaped(s, n, st);
    if (st->pending) {
        if (!out_ready(n, 0)) return FIRE_STALL_OUT;
        out_push(s, n, 0, ff_tok_stop(st->pending - 1));
        st->pending = 0;
        return FIRE_OK;
    }
    if (!in_has(n, RED_IN_VAL)) return FIRE_STALL_IN;
    ff_tok t = in_peek(n, RED_IN_VAL);
    if (is_value(t)) {
        if (reduce_add(n, st, t)) return FIRE_ERROR;
        in_pop(s, n, RED_IN_VAL);
        return FIRE_OK;
    }
    if (!out_ready(n, 0)) return FIRE_STALL_OUT;
    in_pop(s, n, RED_IN_VAL);
    if (ff_tok_is_done(t)) {
        out_push(s, n, 0, FF_TOK_D);
        return FIRE_DONE;
    }
    /* Sk closes the innermost fiber: its result, then S(k-1) if k > 0. */
    out_push(s, n, 0, reduce_result(st));
    st->pending = ff_tok_payload(t);
    return FIRE_OK;
}

static void fini_reduce(node *n)
{
    reduce_st *st = n->state;
    free(st->scratch);
    free(st);
}

int init_REDUCE(ff_sim *s, node *n, ff_err *err)
{
    reduce_st *st = ff_xcalloc(1, sizeof *st);
    n->state = st;
    n->fire = fire_reduce;
    n->fini = fini_reduce;
    st->is_max = ff_node_int(n->g, "op") == 1;
    st->shaped = n->in[RED_IN_SHAPE] != NULL;
    st->sim = s;
    st->B = (int)ff_node_int(n->g, "blk");
    if (!st->B) return 0;
    st->la = (int)ff_node_int(n->g, "bla");
    st->nout = (int)ff_node_int(n->g, "bno");
    if (!blk_layout_valid(st->la, st->nout, 1))
        return ff_err_set(err, FF_EINVAL, "node '%s' (reduce): block layout bla=%d does not fit %d result dims",
                          n->g->name, st->la, st->nout);
    st->win = blk_words(st->B, blk_layout_dims(st->la));
    st->wout = blk_words(st->B, st->nout);
    st->scratch = ff_xcalloc(st->wout, sizeof *st->scratch);
    return 0;
}
