/*
 * eval.c -- the value semantics both evaluators share (interp_int.h): the
 * program frame, element-wise evaluation at a point, the unary functions'
 * ALU sequences, softmax and layernorm of a fiber, storing a result.
 * docs/language.md "The exact operations" is this file in prose.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "interp_int.h"

int ir_fail(const ir_run *r, ff_srcpos pos, int code, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ff_err_set(r->err, code, "%s:%d:%d: %s", r->p->path ? r->p->path : "?", pos.line,
                      pos.col, msg);
}

int ir_slot_of(ir_run *r, int index, const ff_ir_expr *at)
{
    for (int s = 0; s < r->nslots; s++)
        if (r->glob[s] == index) return s;
    if (r->nslots == IR_MAX_SLOTS) {
        ir_fail(r, at->pos, FF_EINVAL, "more than %d index variables in one statement",
                IR_MAX_SLOTS);
        return -1;
    }
    r->glob[r->nslots] = index;
    r->size[r->nslots] = r->sizes[r->p->indices[index].size];
    return r->nslots++;
}

int ir_free_slots(ir_run *r, const ff_ir_expr *e, int *slots)
{
    int set[IR_MAX_SLOTS * 2], k = 0;
    ir_free_indices(e, set, &k);
    for (int i = 0; i < k; i++)
        if ((slots[i] = ir_slot_of(r, set[i], e)) < 0) return -1;
    return k;
}

static ir_val unary_real(int op, ir_val x)
{
    switch (op) {
    case FF_IR_FN_SQRT: return sqrt(x);
    case FF_IR_FN_GELU: return x * (1 + erf(x * 0.70710678118654752440)) / 2;
    default: return ff_alu_apply_real((ff_alu_op)op, x, 0);
    }
}

static ir_val unary_apply(const ir_fx *fx, int op, ir_val xv)
{
    if (fx->reals) return unary_real(op, xv);
    int F = fx->F;
    ff_fx x = (ff_fx)xv;
    switch (op) {
    case FF_IR_FN_SQRT: return ff_fx_mul(x, ff_fx_rsqrt(x, F), F);
    case FF_IR_FN_GELU: {
        ff_fx e = ff_fx_erf(ff_fx_mul(x, fx->gelu_c, F), F);
        return ff_fx_mul(x, ff_fx_add(ff_fx_mul(e, fx->half, F), fx->half), F);
    }
    default: return ff_alu_apply((ff_alu_op)op, x, 0, F);
    }
}

int ir_eval(const ir_fx *fx, ir_leaf_fn leaf, void *ctx, const ir_node *n, ir_val *out)
{
    const ff_ir_expr *e = n->e;
    ir_val x, y;
    switch (e->kind) {
    case FF_IR_ACCESS:
    case FF_IR_REDUCE:
    case FF_IR_SOFTMAX:
    case FF_IR_LAYERNORM: return leaf(ctx, n, out);
    case FF_IR_CONST: *out = fx->reals ? ff_fx_to_double(e->value, fx->F) : e->value; return 1;
    case FF_IR_UNARY:
        if (!ir_eval(fx, leaf, ctx, n->a, &x)) return 0;
        *out = unary_apply(fx, e->op, x);
        return 1;
    case FF_IR_BINARY: {
        int pa = ir_eval(fx, leaf, ctx, n->a, &x);
        if (e->op == FF_ALU_ADD || e->op == FF_ALU_SUB) { /* union, absent = 0 */
            int pb = ir_eval(fx, leaf, ctx, n->b, &y);
            if (!pa && !pb) return 0;
            if (!pa) x = 0;
            if (!pb) y = 0;
        } else if (!pa || !ir_eval(fx, leaf, ctx, n->b, &y)) { /* intersection */
            return 0;
        }
        *out = fx->reals ? ff_alu_apply_real((ff_alu_op)e->op, x, y)
                         : ff_alu_apply((ff_alu_op)e->op, (ff_fx)x, (ff_fx)y, fx->F);
        return 1;
    }
    case FF_IR_MASK:
        if (!ir_eval(fx, leaf, ctx, n->a, &x)) return 0;
        *out = ir_eval(fx, leaf, ctx, n->b, &y) ? y : 0;
        return 1;
    }
    IR_UNREACHABLE();
}

/* ir_normalise in real mode: the same walks on real numbers (layernorm's
 * epsilon is one ulp of the fixed-point format, as there). */
static void normalise_real(const ir_fx *fx, ff_ir_kind kind, int op, ir_val *x, uint32_t n)
{
    if (kind == FF_IR_SOFTMAX) {
        ir_val m = x[0], s = 0;
        for (uint32_t j = 1; j < n; j++)
            if (x[j] > m) m = x[j];
        /* each entry keeps what its result is made from: x - m or e^(x - m) */
        for (uint32_t j = 0; j < n; j++) {
            ir_val d = x[j] - m, e = exp(d);
            s += e;
            x[j] = op == FF_IR_SOFTMAX_LOG ? d : e;
        }
        if (op == FF_IR_SOFTMAX_LOG) {
            ir_val ls = log(s);
            for (uint32_t j = 0; j < n; j++) x[j] -= ls;
        } else {
            for (uint32_t j = 0; j < n; j++) x[j] /= s;
        }
        return;
    }
    ir_val sum = 0, sq = 0;
    for (uint32_t j = 0; j < n; j++) sum += x[j];
    ir_val mean = sum / n;
    for (uint32_t j = 0; j < n; j++) {
        x[j] -= mean;
        sq += x[j] * x[j];
    }
    ir_val r = 1 / sqrt(sq / n + ldexp(1, -fx->F));
    for (uint32_t j = 0; j < n; j++) x[j] *= r;
}

void ir_normalise(const ir_fx *fx, ff_ir_kind kind, int op, ir_val *v, uint32_t n)
{
    if (fx->reals) {
        normalise_real(fx, kind, op, v, n);
        return;
    }
    /* the fixed-point sequence, on the ff_fx values the doubles hold */
    int F = fx->F;
    if (kind == FF_IR_SOFTMAX) {
        ff_fx m = (ff_fx)v[0], s = 0;
        for (uint32_t j = 1; j < n; j++)
            if ((ff_fx)v[j] > m) m = (ff_fx)v[j];
        for (uint32_t j = 0; j < n; j++) {
            ff_fx d = ff_fx_sub((ff_fx)v[j], m), e = ff_fx_exp(d, F);
            s = j == 0 ? e : ff_fx_add(s, e);
            v[j] = op == FF_IR_SOFTMAX_LOG ? d : e;
        }
        if (op == FF_IR_SOFTMAX_LOG) {
            ff_fx one = ff_fx_from_int(1, F), ls = ff_fx_log(s > one ? s : one, F); /* s >= 1 here */
            for (uint32_t j = 0; j < n; j++) v[j] = ff_fx_sub((ff_fx)v[j], ls);
        } else {
            for (uint32_t j = 0; j < n; j++) v[j] = ff_fx_div((ff_fx)v[j], s, F);
        }
        return;
    }
    ff_fx nfx = ff_fx_from_int(n, F), sum = 0, sq = 0;
    for (uint32_t j = 0; j < n; j++) sum = j == 0 ? (ff_fx)v[j] : ff_fx_add(sum, (ff_fx)v[j]);
    ff_fx mean = ff_fx_div(sum, nfx, F);
    for (uint32_t j = 0; j < n; j++) {
        ff_fx d = ff_fx_sub((ff_fx)v[j], mean);
        v[j] = d;
        ff_fx d2 = ff_fx_mul(d, d, F);
        sq = j == 0 ? d2 : ff_fx_add(sq, d2);
    }
    ff_fx var = ff_fx_div(sq, nfx, F);
    ff_fx r = ff_fx_rsqrt(ff_fx_add(var, 1), F); /* eps = 1 ulp */
    for (uint32_t j = 0; j < n; j++) v[j] = ff_fx_mul((ff_fx)v[j], r, F);
}

ff_fx *ir_stored_words(const ir_fx *fx, const ir_val *val, size_t n)
{
    ff_fx *stored = ff_xcalloc(n + 1, sizeof *stored);
    for (size_t i = 0; i < n; i++) stored[i] = fx->reals ? ir_real_handle(fx->reals, val[i]) : (ff_fx)val[i];
    return stored;
}

int ir_store_result(ir_run *r, size_t n, const uint32_t *crd, const ir_val *val,
                    ff_tensor **result)
{
    const ff_ir_tensor *lhs = &r->p->tensors[r->st.lhs];
    uint32_t dims[FF_IR_MAX_ORDER];
    for (int m = 0; m < lhs->order; m++) dims[m] = r->sizes[lhs->dims[m]];
    ff_fx *stored = ir_stored_words(&r->fx, val, n);
    int rc = ff_tensor_from_coo(lhs->name, lhs->order, dims, &lhs->fmt, r->fx.F, n, crd, stored,
                                result, r->err);
    free(stored);
    if (rc)
        return ff_err_wrap(r->err, "%s:%d:%d: ", r->p->path ? r->p->path : "?", r->st.pos.line,
                           r->st.pos.col);
    return 0;
}

/* The accesses of e that read through a window. */
static int count_windows(const ff_ir_expr *e)
{
    if (!e) return 0;
    return (e->kind == FF_IR_ACCESS && ff_ir_has_window(e)) + count_windows(e->a) + count_windows(e->b);
}

/* A window is read as a crop of its tensor (ff_tensor_window), which the
 * walk then treats like any whole tensor: the access of the statement's
 * copy is pointed at the crop, kept in r->data[ntensors + k]. */
static int crop_windows(ir_run *r, ff_ir_expr *e, int *k, ff_tensor **crops)
{
    if (!e) return 0;
    if (e->kind == FF_IR_ACCESS && ff_ir_has_window(e)) {
        const ff_tensor *t = r->data[e->tensor];
        int64_t lo[FF_IR_MAX_ORDER];
        uint32_t len[FF_IR_MAX_ORDER];
        for (int m = 0; m < e->nidx; m++) {
            lo[m] = ff_ir_off_value(r->p, &e->off[m], r->sizes);
            len[m] = e->off[m].on ? r->sizes[r->p->indices[e->idx[m]].size] : t->dims[m];
        }
        int rc = ff_tensor_window(t, lo, len, &crops[*k], r->err);
        if (rc) return ff_err_wrap(r->err, "%s:%d:%d: ", r->p->path ? r->p->path : "?", e->pos.line, e->pos.col);
        e->tensor = r->p->ntensors + *k;
        r->data[e->tensor] = crops[(*k)++];
        memset(e->off, 0, sizeof e->off);
        return 0;
    }
    int rc = crop_windows(r, e->a, k, crops);
    return rc ? rc : crop_windows(r, e->b, k, crops);
}

static int run_program(const ff_ir_program *p, const ff_tensor *const *inputs, ff_tensor **results,
                       ir_reals *reals, ff_err *err, ir_stmt_fn fn, void *ctx)
{
    for (int t = 0; t < p->ntensors; t++) results[t] = NULL;
    int rc = ff_ir_verify(p, err);
    if (rc) return rc;
    uint32_t *sizes = ff_xcalloc((size_t)p->nsizes + 1, sizeof(uint32_t));
    if ((rc = ff_ir_bind_sizes(p, inputs, sizes, err))) {
        free(sizes);
        return rc;
    }
    ir_run r = {.p = p, .err = err, .sizes = sizes};
    r.fx.F = p->frac_bits;
    r.fx.reals = reals;
    r.fx.gelu_c = ff_ir_gelu_scale(r.fx.F);
    r.fx.half = ff_fx_from_double(0.5, r.fx.F);
    int nwin = 0;
    for (int s = 0; s < p->nstmts; s++) {
        int n = count_windows(p->stmts[s].rhs);
        if (n > nwin) nwin = n;
    }
    r.data = ff_xcalloc((size_t)p->ntensors + (size_t)nwin + 1, sizeof *r.data);
    ff_tensor **crops = ff_xcalloc((size_t)nwin + 1, sizeof *crops);
    ff_tensor **own = ff_xcalloc((size_t)p->ntensors + 1, sizeof *own); /* real mode's handle copies */
    if (reals && !reals->v.len) FF_VEC_PUSH(reals->v, 0.0); /* handle 0 */
    for (int t = 0; t < p->ntensors && !rc; t++) {
        if (p->tensors[t].role != FF_IR_INPUT) continue;
        r.data[t] = inputs[t];
        if (!reals || !inputs[t]) continue;
        /* every stored entry, zeros included, gets a handle to its value */
        if ((rc = ff_tensor_convert_blocks(inputs[t], &inputs[t]->fmt, &own[t], err))) break;
        for (size_t i = 0; i < own[t]->nvals; i++)
            own[t]->vals[i] = ir_real_handle(reals, ff_fx_to_double(own[t]->vals[i], inputs[t]->frac_bits));
        r.data[t] = own[t];
    }
    for (int s = 0; s < p->nstmts && !rc; s++) {
        r.arena = ir_arena_new();
        r.st = p->stmts[s];
        r.st.rhs = ir_expr_copy(r.arena, r.st.rhs);
        ir_place_stmt(r.arena, &r.st, p->nindices);
        r.nslots = 0;
        int lhs = r.st.lhs, ncrops = 0;
        rc = crop_windows(&r, r.st.rhs, &ncrops, crops);
        if (!rc) rc = fn(&r, ctx, &results[lhs]);
        if (!rc) r.data[lhs] = results[lhs];
        for (int k = 0; k < ncrops; k++) {
            ff_tensor_free(crops[k]);
            crops[k] = NULL;
        }
        ir_arena_free(r.arena);
    }
    for (int t = 0; t < p->ntensors; t++) ff_tensor_free(own[t]);
    free(own);
    free(crops);
    free(r.data);
    free(sizes);
    if (rc)
        for (int t = 0; t < p->ntensors; t++) {
            ff_tensor_free(results[t]);
            results[t] = NULL;
        }
    return rc;
}

int ir_run_program(const ff_ir_program *p, const ff_tensor *const *inputs, ff_tensor **results,
                   ff_err *err, ir_stmt_fn fn, void *ctx)
{
    return run_program(p, inputs, results, NULL, err, fn, ctx);
}

int ir_run_program_real(const ff_ir_program *p, const ff_tensor *const *inputs, ff_tensor **results,
                        ir_reals *reals, ff_err *err, ir_stmt_fn fn, void *ctx)
{
    return run_program(p, inputs, results, reals, err, fn, ctx);
}
