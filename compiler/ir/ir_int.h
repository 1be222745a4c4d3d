/*
 * ir_int.h -- what the files of compiler/ir share and callers do not see:
 * the arena that owns a program, expression helpers, index sets, and the
 * placement of implicit reductions (used by the pass and, on a private copy,
 * by the interpreter).
 *
 *   ir.c       arena, free, equality, verifier, free indices
 *   parse.c    lexer, parser and checker (ff_ir_parse)
 *   reduce.c   implicit reductions made explicit (ff_ir_place_reductions)
 *   print.c    the program as model-language text (ff_ir_print)
 *   interp.c   sizes, random inputs, the reference interpreter
 */
#ifndef FF_IR_INT_H
#define FF_IR_INT_H

#include "ff_ir.h"

/* Internal bugs abort: a program that reaches these lines broke an
 * invariant the checker guarantees, which no user input can do. */
#define IR_UNREACHABLE() ir_die(__FILE__, __LINE__, "unreachable")
_Noreturn void ir_die(const char *file, int line, const char *what);

/* ---- the arena (ir.c) ---- */

/* A bump allocator: many small zeroed allocations, freed all at once.
 * Allocation failure aborts (ff_xmalloc), like all bookkeeping memory. */
typedef struct ir_arena ir_arena;

ir_arena *ir_arena_new(void);
void ir_arena_free(ir_arena *a);
void *ir_arena_alloc(ir_arena *a, size_t n);                  /* zeroed, 16-aligned */
char *ir_arena_strndup(ir_arena *a, const char *s, size_t n); /* NUL-terminated copy */

/* ---- expressions (ir.c) ---- */

ff_ir_expr *ir_expr_new(ir_arena *a, ff_ir_kind kind, ff_srcpos pos);
/* Deep copy of a tree into arena a. */
ff_ir_expr *ir_expr_copy(ir_arena *a, const ff_ir_expr *e);

/* Appends to set[0..*n) (no duplicates) the index variables free in e -- those
 * it is indexed by, i.e. all used in accesses minus those bound by an explicit
 * reduction inside e -- in order of first appearance in the text (a before b;
 * a softmax/layernorm index before its operand). set must have room for every
 * index of the program. */
void ir_free_indices(const ff_ir_expr *e, int *set, int *n);

/* Position of v in set[0..n), or -1. */
int ir_set_find(const int *set, int n, int v);

/* ---- built-in functions (ir.c) ---- */

/* Every function of the language: its name, the node it builds and the op.
 * `(`-forms are UNARY, BINARY and MASK; `[index](`-forms are REDUCE, SOFTMAX
 * and LAYERNORM. The parser reads and the printer writes through this one
 * table (ORDER IR_FUNCS). */
typedef struct ir_func {
    const char *name;
    ff_ir_kind kind;
    int op;
} ir_func;

extern const ir_func ir_funcs[];
extern const int ir_nfuncs;

/* The entry for a node's kind and op (UNARY other than NEG, BINARY max/min,
 * MASK, REDUCE, SOFTMAX, LAYERNORM), or NULL. */
const ir_func *ir_func_of(ff_ir_kind kind, int op);

/* ---- reductions (reduce.c) ---- */

/* Makes the implicit reductions of statement s explicit, allocating the new
 * REDUCE nodes in a: for each index free on the right but not on the left,
 * in order of first appearance, wraps the smallest subexpression containing
 * all its uses in sum[k](...). Changes s->rhs only; nindices is the
 * program's (index ids are below it). */
void ir_place_stmt(ir_arena *a, ff_ir_stmt *s, int nindices);

#endif
