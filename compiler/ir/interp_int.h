/*
 * interp_int.h -- what the two evaluators of a program share: the dense
 * interpreter (interp.c, ff_ir_interpret_dense), which walks every point of
 * the index space, and the sparse evaluator (sparse.c, ff_ir_interpret),
 * which co-iterates the stored coordinates. Both must give the same bits, so
 * everything that decides a value -- the element-wise expression at a point,
 * the unary functions, a reduction step, softmax and layernorm of a fiber,
 * the way a statement's result is stored -- is written once, here, and only
 * the choice of points differs.
 */
#ifndef FF_IR_INTERP_INT_H
#define FF_IR_INTERP_INT_H

#include "ir_int.h"

#define IR_MAX_SLOTS 64 /* index variables of one statement (the parser's limit) */

/* A value as the evaluators carry it. In fixed mode (ff_ir_interpret, what
 * --check compares bit for bit) it is an ff_fx, held exactly; in real mode
 * (ff_ir_real_error) the real number the fixed-point one approximates. */
typedef double ir_val;

/* Real mode's values: tensors hold handles into one array of doubles (the
 * way block tensors hold handles into the block store), handle 0 being
 * 0.0, so the fibertrees, their walks and their layouts stay those of fixed
 * mode. */
typedef struct ir_reals {
    FF_VEC(double) v;
} ir_reals;

/* The constants the ALU sequences need, for one fraction-bit count, and
 * the mode. */
typedef struct ir_fx {
    int F;        /* fraction bits */
    ff_fx gelu_c; /* 1/sqrt(2), rounded (docs/language.md "The exact operations") */
    ff_fx half;   /* 0.5 */
    ir_reals *reals; /* NULL: fixed mode */
} ir_fx;

/* A new handle for the real number x (what a real-mode tensor stores). */
static inline ff_fx ir_real_handle(ir_reals *reals, double x)
{
    ff_fx h = (ff_fx)(uint32_t)reals->v.len;
    FF_VEC_PUSH(reals->v, x);
    return h;
}

/* The value of a stored tensor entry: the ff_fx, or in real mode the
 * number its handle names. */
static inline ir_val ir_tensor_value(const ir_fx *fx, ff_fx stored)
{
    return fx->reals ? fx->reals->v.data[(uint32_t)stored] : (ir_val)stored;
}

/* An expression node as both evaluators see it: the evaluator-specific node
 * types start with this, so the shared code can walk their trees. */
typedef struct ir_node ir_node;
struct ir_node {
    const ff_ir_expr *e;
    ir_node *a, *b; /* e->a, e->b */
};

/* The value of a leaf at the point being evaluated -- an ACCESS, or a fiber
 * node (REDUCE, SOFTMAX, LAYERNORM) computed beforehand. Returns whether the
 * point is in the leaf's support. */
typedef int (*ir_leaf_fn)(void *ctx, const ir_node *n, ir_val *out);

/* One program run: what a statement evaluator needs. */
typedef struct ir_run {
    const ff_ir_program *p;
    ff_err *err;
    ir_fx fx;
    const uint32_t *sizes;  /* per size symbol */
    const ff_tensor **data; /* per tensor: its input, or its result once assigned */
    ir_arena *arena;        /* per statement: the copy of the right side, nodes */
    ff_ir_stmt st;          /* the statement, on a copy with its reductions placed */
    /* slots: the statement's index variables, numbered from 0 */
    int nslots;
    int glob[IR_MAX_SLOTS];     /* slot -> program index id */
    uint32_t size[IR_MAX_SLOTS];
    uint32_t cur[IR_MAX_SLOTS]; /* the point being evaluated */
} ir_run;

/* Evaluates statement r->st into *result (a new tensor in the left side's
 * format). Returns 0 or an error (err set, *result untouched). */
typedef int (*ir_stmt_fn)(ir_run *r, void *ctx, ff_tensor **result);

/* The frame both evaluators share: verifies p, binds sizes, and for each
 * statement in order places its reductions on a copy, calls fn, and makes
 * the result visible to later statements. On error every result is freed
 * and NULL. */
int ir_run_program(const ff_ir_program *p, const ff_tensor *const *inputs, ff_tensor **results,
                   ff_err *err, ir_stmt_fn fn, void *ctx);

/* ir_run_program in real mode: the inputs' values become handles into
 * reals (the caller's, empty), and so do the results'. */
int ir_run_program_real(const ff_ir_program *p, const ff_tensor *const *inputs, ff_tensor **results,
                        ir_reals *reals, ff_err *err, ir_stmt_fn fn, void *ctx);

/* Sets err to "path:line:col: <message>" at pos and returns code. */
int ir_fail(const ir_run *r, ff_srcpos pos, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The slot of program index `index` in this statement, given one if new;
 * -1 (err set, at `at`) when the statement has too many. */
int ir_slot_of(ir_run *r, int index, const ff_ir_expr *at);

/* The slots of e's free indices, in first-appearance order, into slots
 * (room for IR_MAX_SLOTS); returns the count or -1 (err set). */
int ir_free_slots(ir_run *r, const ff_ir_expr *e, int *slots);

/* The value of n at the current point, given its leaves: the element-wise
 * semantics (intersection for * / max min, union with absent = 0 for + -,
 * a constant everywhere, mask). Returns whether the point is in n's support. */
int ir_eval(const ir_fx *fx, ir_leaf_fn leaf, void *ctx, const ir_node *n, ir_val *out);

/* One step of sum[k] or max[k] (op: ff_ir_red): acc combined with the next
 * present term x. The first present term starts the fold, not 0. */
static inline ir_val ir_fold(const ir_fx *fx, int op, ir_val acc, ir_val x)
{
    if (op != FF_IR_RED_SUM) return x > acc ? x : acc;
    return fx->reals ? acc + x : (ir_val)ff_fx_add((ff_fx)acc, (ff_fx)x);
}

/* softmax (kind FF_IR_SOFTMAX) or layernorm (FF_IR_LAYERNORM) of one fiber:
 * v[0..n) are its present entries in increasing index, replaced by the
 * results. n > 0. */
void ir_normalise(const ir_fx *fx, ff_ir_kind kind, int op, ir_val *v, uint32_t n);

/* The sparse evaluator (sparse.c): ff_ir_interpret, and with reals the
 * same walk in real mode (ff_ir_real_error). */
int ir_sparse_run(const ff_ir_program *p, const ff_tensor *const *inputs, ff_tensor **results, ir_reals *reals,
                  ff_err *err);

/* The words a tensor stores for values val[0..n): the ff_fx, or in real
 * mode handles to them (appended to fx->reals). A new array (free it). */
ff_fx *ir_stored_words(const ir_fx *fx, const ir_val *val, size_t n);

/* Stores the statement's points as the left tensor, in its format: crd
 * holds n points of r->st.nlhs coordinates each (left-side mode order). */
int ir_store_result(ir_run *r, size_t n, const uint32_t *crd, const ir_val *val,
                    ff_tensor **result);

#endif
