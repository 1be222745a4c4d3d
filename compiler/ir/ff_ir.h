/*
 * ff_ir.h -- the tensor IR: a model-language program (docs/language.md) after
 * parsing and checking. The front end builds it (ff_ir_parse), passes
 * transform it, the reference interpreter evaluates it, and the lowering turns
 * each statement (or fused group of statements) into a dataflow graph.
 *
 * Data model:
 *   program = tensors + index variables + size symbols + statements
 *   statement: LHS[i, j, ...] = expression tree
 *   expression: tensor access, constant, unary op, binary op, reduction over
 *   one index (sum/max), softmax or layernorm over one index, mask.
 *
 * Semantics (docs/language.md "Semantics"): every expression has values and a
 * *support* -- the coordinates where it is stored. A tensor access has the
 * stored coordinates of the tensor (a dense tensor: all of them); a product or
 * quotient has the intersection of its operands' supports, a sum or
 * difference the union (absent = 0); a unary op keeps its operand's support
 * and applies only there (exp of an absent entry is not 1, it is absent);
 * mask(M, e) has M's support with e's values; a reduction over k is stored
 * where at least one term exists; softmax/layernorm over j normalise each
 * j-fiber of their operand's support.
 *
 * Ownership: an ff_ir_program owns everything reachable from it (an arena);
 * ff_ir_free releases it all. Expression nodes are never shared between two
 * parents unless a pass says so.
 */
#ifndef FF_IR_H
#define FF_IR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ff_base.h"
#include "ff_fixed.h"
#include "ff_tensor.h"

#define FF_IR_MAX_ORDER FF_MAX_ORDER

/* Where something was written, for messages "file:line:col: ...". */
typedef struct ff_srcpos {
    int line, col; /* 1-based; 0 = generated */
} ff_srcpos;

typedef enum ff_ir_kind {
    FF_IR_ACCESS,    /* tensor[idx...] */
    FF_IR_CONST,     /* a fixed-point constant (literal or named scalar) */
    FF_IR_UNARY,     /* op(a): neg relu exp rsqrt log tanh sigmoid erf (ff_alu_op), or sqrt/gelu (FF_IR_FN_*) */
    FF_IR_BINARY,    /* a op b: add sub mul div max min */
    FF_IR_REDUCE,    /* sum[k](a) or max[k](a) */
    FF_IR_SOFTMAX,   /* softmax[j](a) */
    FF_IR_LAYERNORM, /* layernorm[j](a): (a - mean) * rsqrt(var + eps) over each j-fiber */
    FF_IR_MASK       /* mask(M[..], a): M's support, a's values */
} ff_ir_kind;

/* Unary functions that are not single ALU ops; they lower to a fixed sequence
 * of ALU ops (docs/language.md gives it, and the reference interpreter runs
 * exactly that sequence). */
enum {
    FF_IR_FN_SQRT = FF_ALU__COUNT,  /* x * rsqrt(x)                         */
    FF_IR_FN_GELU,                  /* x (erf(x / sqrt 2) / 2 + 1/2)        */
    FF_IR_FN__END
};

/* gelu's 1/sqrt(2) in Q.F: the lowering and the interpreter both take it
 * from here. */
ff_fx ff_ir_gelu_scale(int frac_bits);

typedef enum ff_ir_red { FF_IR_RED_SUM, FF_IR_RED_MAX } ff_ir_red;

/* SOFTMAX's op: softmax, or its log, computed as (a - max) - log(sum) (with
 * the sum at least 1, as it is for every non-empty fiber) --
 * not log(softmax), whose small probabilities round to 0. */
typedef enum ff_ir_softmax { FF_IR_SOFTMAX_PLAIN, FF_IR_SOFTMAX_LOG } ff_ir_softmax;

/* An access's offset along one mode (docs/language.md "Offsets"): `A[s, D +
 * d]` reads coordinate off + d of A's mode for each d of its index's range,
 * off = lit + coef * size; a coordinate outside the mode is absent (not
 * stored), so a window may crop a mode (a slice) or reach past it (a shift,
 * as `cat` and padding need). on = 0: the mode is read whole, and its size
 * is its index's. */
typedef struct ff_ir_off {
    int on;
    int size;          /* a size symbol (program->sizes) times coef, or -1 */
    int64_t coef, lit; /* either sign; coef != 0 when size >= 0 */
} ff_ir_off;

typedef struct ff_ir_expr ff_ir_expr;
struct ff_ir_expr {
    ff_ir_kind kind;
    ff_srcpos pos;
    /* ACCESS, and the mask of MASK */
    int tensor;                   /* index into program->tensors */
    int idx[FF_IR_MAX_ORDER];     /* index variables, one per mode */
    int nidx;
    ff_ir_off off[FF_IR_MAX_ORDER]; /* ACCESS: per mode, its window (on = 0: none) */
    /* CONST */
    ff_fx value;
    /* UNARY: an ff_alu_op (NEG RELU EXP RSQRT) or FF_IR_FN_*; BINARY: ff_alu_op
     * (ADD SUB MUL DIV MAX MIN); REDUCE: ff_ir_red */
    int op;
    /* REDUCE, SOFTMAX, LAYERNORM: the index reduced / normalised over */
    int index;
    ff_ir_expr *a, *b;            /* operands (b: BINARY only; MASK: a = the access M, b = the value) */
};

typedef enum ff_ir_role {
    FF_IR_INPUT,        /* declared, never assigned */
    FF_IR_OUTPUT,       /* assigned, not read by a later statement */
    FF_IR_INTERMEDIATE  /* assigned and read later */
} ff_ir_role;

typedef struct ff_ir_tensor {
    char *name;
    int order;
    int dims[FF_IR_MAX_ORDER];   /* size symbols (program->sizes) per mode */
    char *format_text;           /* as written, or the default chosen for an intermediate */
    ff_format fmt;               /* parsed */
    ff_ir_role role;
    int declared;                /* written as `tensor ...` */
    ff_srcpos pos;
} ff_ir_tensor;

/* A size symbol: `N` in `tensor A[N, K]`, or a literal size `16`. */
typedef struct ff_ir_size {
    char *name;                  /* "N", or the literal as text */
    int64_t literal;             /* > 0 when written as a number */
    /* An input tensor mode that has this size, for binding at run time:
     * the first input whose declaration uses the symbol (-1 if none). */
    int from_tensor, from_mode;
} ff_ir_size;

/* An index variable (i, j, k ...). Its size is the size symbol of every mode
 * it indexes -- the checker makes them agree. */
typedef struct ff_ir_index {
    char *name;
    int size;                    /* program->sizes */
} ff_ir_index;

typedef struct ff_ir_stmt {
    int lhs;                     /* tensor */
    int lhs_idx[FF_IR_MAX_ORDER];
    int nlhs;
    ff_ir_expr *rhs;
    ff_srcpos pos;
    /* A copy a pass made (compiler/lower/relayout.c): the tensor it copies
     * into another mode order, + 1; 0: a statement as written. Statements
     * are numbered for users as written (ff_ir_stmt_number). */
    int copy_of;
} ff_ir_stmt;

typedef struct ff_ir_program {
    char *path;                  /* for messages */
    ff_ir_tensor *tensors; int ntensors;
    ff_ir_size *sizes; int nsizes;
    ff_ir_index *indices; int nindices;
    ff_ir_stmt *stmts; int nstmts;
    int frac_bits;               /* fixed-point format (default 16) */
    void *arena;                 /* owns every allocation above */
} ff_ir_program;

/* Parses and checks a program. Errors are one line, "path:line:col: what was
 * expected" (unexpected token, undeclared tensor, index used with two
 * different sizes, wrong number of indices, a format that does not fit the
 * tensor's order, a statement reading a tensor assigned later, an index on
 * the left that the right side never binds, ...). `text` may be NULL to
 * read `path`. */
int ff_ir_parse(const char *path, const char *text, ff_ir_program **out, ff_err *err);
void ff_ir_free(ff_ir_program *p);

/* The id of p's tensor named `name` (inputs, intermediates and outputs
 * alike), or -1 when p has none: how a graph's tensors, which carry program
 * tensor names, find their program tensor. */
int ff_ir_find_tensor(const ff_ir_program *p, const char *name);

/* Whether statement stmt's right side reads tensor `tensor`. */
int ff_ir_stmt_reads(const ff_ir_program *p, int stmt, int tensor);

/* Makes every reduction explicit: an index that appears on the right but not
 * on the left is summed at the smallest subexpression that contains all its
 * uses (docs/language.md "Reductions"); afterwards every such index is bound
 * by exactly one FF_IR_REDUCE. Idempotent. */
int ff_ir_place_reductions(ff_ir_program *p, ff_err *err);

/* Indices that are most likely typos: in a product of two or more factors
 * that have indices, an index the left side lacks (and no explicit sum
 * encloses) that only one factor uses -- `y[i] = A[i,k] * x[j]` sums A's
 * row and x separately (both k and j are reported). Calls fn once per such
 * index and factor (factor: where to point the user). Call it before
 * ff_ir_place_reductions, which makes every summed index explicit. Returns
 * how many it reported; the program is not changed. */
typedef void (*ff_ir_lonely_fn)(void *user, int stmt, int index, const ff_ir_expr *factor);
int ff_ir_lonely_indices(const ff_ir_program *p, ff_ir_lonely_fn fn, void *user);

/* Prints the program in the model language (explicit `sum[k](...)` once
 * reductions are placed); ff_ir_parse reads it back to an equal program. */
void ff_ir_print(const ff_ir_program *p, FILE *f);
char *ff_ir_print_string(const ff_ir_program *p); /* caller frees */

/* Structural equality of two programs (names, formats, statements). */
int ff_ir_equal(const ff_ir_program *a, const ff_ir_program *b);

/* Binds size symbols from input tensors. inputs[t] is the data for tensor t
 * (NULL for non-inputs); every input must be given. Checks every declared
 * dimension against the data ("tensor A: mode 1 has size 40 but K = 32 from
 * B") and fills sizes_out[nsizes]. */
int ff_ir_bind_sizes(const ff_ir_program *p, const ff_tensor *const *inputs, uint32_t *sizes_out,
                     ff_err *err);

/* The first coordinate of an offset (o->on) under bound sizes. */
int64_t ff_ir_off_value(const ff_ir_program *p, const ff_ir_off *o, const uint32_t *sizes);

/* Whether an expression reads some tensor through a window. */
int ff_ir_has_window(const ff_ir_expr *e);

/* The reference interpreter: evaluates every statement in order, walking the
 * stored coordinates (see "the sparse reference" below), in fixed point, with
 * the support semantics above, using exactly the ALU
 * algorithms of ff_fixed (so results are bit-exact with a dataflow graph that
 * performs the same operations in the same order: products left to right,
 * reductions in increasing index order). inputs[t] for input tensors (the
 * entries of other tensors are never read, so a run's data array, with the
 * results so far, may be passed as it is); results[t] receives a new tensor
 * for every assigned tensor (in its declared format), NULL elsewhere; the
 * caller frees them. */
int ff_ir_interpret(const ff_ir_program *p, const ff_tensor *const *inputs, ff_tensor **results,
                    ff_err *err);

/* How far results are from the model's real-number values: the program
 * evaluated again as ff_ir_interpret does -- same walk, same support, same
 * order of operations -- but in float64, every operation the real one its
 * fixed-point ALU sequence approximates (ff_alu_apply_real; exp, log, tanh,
 * erf, sqrt and gelu's x (1 + erf(x / sqrt 2)) / 2 from libm; layernorm's
 * epsilon one ulp),
 * on the inputs' fixed-point values; then every result got[t] (assigned
 * tensors with data; an entry one side lacks counts as 0) compared with it.
 * The inputs' own rounding (--allow-rounding) is not included: the file
 * readers report it. */
typedef struct ff_ir_error {
    size_t compared;        /* entries compared, all results */
    double max_abs;         /* max |got - float64| */
    double max_rel;         /* max |got - float64| / |float64| where |float64| >= rel_floor */
    double rel_floor;       /* one ulp of the format (2^-frac_bits) */
    char abs_at[192];       /* where max_abs is: "P(3,4): got 0.25, float64 0.2499847" ("" if none) */
    char rel_at[192];       /* where max_rel is */
} ff_ir_error;
int ff_ir_real_error(const ff_ir_program *p, const ff_tensor *const *inputs, ff_tensor *const *got, ff_ir_error *out,
                     ff_err *err);

/* Random data for every input tensor not given (inputs[t] == NULL): format as
 * declared, sizes from `sizes` (a size the data does not fix must be given
 * with --dim, else the default 16), the given density for formats with a
 * compressed level (1.0 for dense ones), values on [-1, 1] quantized to 2^-4.
 * The same seed gives the same data. Fills inputs[t] with tensors the caller
 * frees. */
int ff_ir_random_inputs(const ff_ir_program *p, uint64_t seed, double density, uint32_t *sizes,
                        ff_tensor **inputs, ff_err *err);

/* ---- additions for passes and their checks ---- */

/* The interpreter's limits: a dense array (the result of a sum/max,
 * softmax or layernorm, over its free indices) has at most 2^26 entries, and
 * one loop nest (a reduction's operand space, or a statement's result space)
 * visits at most 2^32 points. Beyond them ff_ir_interpret fails with an
 * error naming the node, rather than exhausting memory or time. */
#define FF_IR_INTERP_MAX_DENSE_LOG2 26
#define FF_IR_INTERP_MAX_DENSE ((int64_t)1 << FF_IR_INTERP_MAX_DENSE_LOG2)
#define FF_IR_INTERP_MAX_VISITS_LOG2 32
#define FF_IR_INTERP_MAX_VISITS ((int64_t)1 << FF_IR_INTERP_MAX_VISITS_LOG2)

/* Zeroed memory owned by the program (its arena), for passes that add
 * nodes; freed by ff_ir_free. Aborts when out of memory. */
void *ff_ir_alloc(ff_ir_program *p, size_t n);

/* A deep copy of p with an arena of its own (sharing nothing with p), for
 * a pass that rewrites a program while the caller keeps the original. The
 * caller frees it with ff_ir_free. */
ff_ir_program *ff_ir_clone(const ff_ir_program *p);

/* Appends a tensor to p: a copy of *t with its strings copied into p's
 * arena. Returns its id. Tensor ids below it are unchanged. */
int ff_ir_add_tensor(ff_ir_program *p, const ff_ir_tensor *t);

/* The index of p named `name` with size symbol `size`, added when p has
 * none (indices are keyed by name and size, as the parser keys them). */
int ff_ir_add_index(ff_ir_program *p, const char *name, int size);

/* Stores tensor t of p in another mode order -- level l walks mode
 * modes[l], the level kinds kept (csr -> csc, dense -> dd:1,0) -- with the
 * format text that says so. */
void ff_ir_set_mode_order(ff_ir_program *p, int t, const int *modes);

/* Inserts a copy of statement *s (its expression deep-copied into p's
 * arena) at position `at` (0..p->nstmts): statements from `at` on move up
 * by one. */
void ff_ir_insert_stmt(ff_ir_program *p, int at, const ff_ir_stmt *s);

/* Statement s's number as the user wrote it (1-based; copies a pass
 * inserted are not counted), or 0 for such a copy. */
int ff_ir_stmt_number(const ff_ir_program *p, int s);

/* The IR checker to run between passes: every id in range, accesses with
 * one index per mode whose sizes match the tensor's, each node kind with
 * the operands and ops it needs, mask's first operand an access, a
 * sum/max/softmax/layernorm index free in its operand, no reduction inside
 * another over the same index and no use of a reduced index outside its
 * reduction, left indices distinct and free on the right, each tensor
 * assigned once and only read after, roles matching the statements.
 * Returns 0, or FF_EINVAL with "path:line:col: IR check: what" in err. */
int ff_ir_verify(const ff_ir_program *p, ff_err *err);

/* The index variables e is indexed by (its free indices: those of its
 * accesses minus those an explicit sum/max inside binds), in order of first
 * appearance in the text. out needs room for p->nindices; returns the count.
 * Before ff_ir_place_reductions a statement's right side may have more free
 * indices than its left side; afterwards they are the same set. */
int ff_ir_expr_indices(const ff_ir_expr *e, int *out);

/* ---- the sparse reference (sparse.c) ---- */

/* ff_ir_interpret (above) is the sparse evaluator: it co-iterates the stored
 * coordinates of the accesses instead of walking the dense index space, so
 * its work is proportional to the entries each statement touches (a dense
 * operand, or a union with a constant or a broadcast, is dense support and
 * costs its dense size). Its results are bit for bit those of
 * ff_ir_interpret_dense -- same values, same support, same format -- which
 * the tests cross-check. Its limits: one loop nest visits at most
 * FF_IR_SPARSE_MAX_VISITS points (counted as they are walked); a computed
 * fiber node (sum/max/softmax/layernorm result) stores at most
 * FF_IR_SPARSE_MAX_ENTRIES entries; a sum accumulates into a dense
 * workspace of at most FF_IR_INTERP_MAX_DENSE entries (else it runs its
 * index innermost); a result stored in a format with dense levels has at
 * most FF_IR_SPARSE_MAX_ENTRIES positions. Beyond them it fails with an
 * error naming the node ("path:line:col: sum visited more than 2^32
 * points, the interpreter's limit"), every result NULL. */
#define FF_IR_SPARSE_MAX_VISITS_LOG2 32
#define FF_IR_SPARSE_MAX_VISITS ((int64_t)1 << FF_IR_SPARSE_MAX_VISITS_LOG2)
#define FF_IR_SPARSE_MAX_ENTRIES_LOG2 30
#define FF_IR_SPARSE_MAX_ENTRIES ((int64_t)1 << FF_IR_SPARSE_MAX_ENTRIES_LOG2)

/* The dense reference interpreter, as ff_ir_interpret was before the sparse
 * evaluator: every point of every loop nest, with the limits
 * FF_IR_INTERP_MAX_DENSE and FF_IR_INTERP_MAX_VISITS above. Same arguments,
 * results and errors as ff_ir_interpret; the independent oracle the sparse
 * evaluator is tested against. */
int ff_ir_interpret_dense(const ff_ir_program *p, const ff_tensor *const *inputs,
                          ff_tensor **results, ff_err *err);

#endif
