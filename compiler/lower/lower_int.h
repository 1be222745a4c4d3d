/*
 * lower_int.h -- what the files of the lowering share beyond the plan
 * (lower_plan.h). The pipeline of one statement (lower.c):
 *   plan.c         indices, the inlined and expanded expression, the level
 *                  trie, order legality: a plan, no graph
 *   emit.c         the plan -> graph nodes (merges, values, writers)
 *   par.c          --par: the emitted graph's region under a loop, replicated
 *   skip.c         coordinate skipping: intersect sides linked back to their scanners
 *   balance.c      FIFO balancing: channels deepened where paths of different length meet
 *   order.c        legal and default loop orders (each candidate lowered)
 *   relayout.c     copies of stored tensors in the mode order a kernel needs
 *   kernel.c       roots of a kernel lowered and merged into one graph
 */
#ifndef FF_LOWER_INT_H
#define FF_LOWER_INT_H

#include "lower_plan.h"

/* Emits the graph of planned L into L->g (created by the caller). Errors
 * unwind through L->fail. */
void lw_emit(lw *L);
/* Frees lw.merge_pool (emit's merge tree nodes). */
void lw_merge_pool_free(void *pool);

/* Links every intersect side that a scanner feeds alone back to that
 * scanner's skip input (skip.c); g is validated before and after. Returns 0
 * or the error's code. */
int lw_link_skips(ff_graph *g, ff_err *err);

/* Deepens the channels of validated g where paths of different length meet
 * (balance.c), as opts say (nothing without them). */
void lw_balance_fifos(ff_graph *g, const ff_lower_opts *opts);

/* The top-chain level of index `name`, or -1 (par.c). */
int lw_top_level_named(const lw *L, const char *name);

/* Replaces L->g by the graph with the region under top-chain level `par`
 * replicated `lanes` ways (par.c). L->g must be a validated serial graph.
 * Errors unwind through L->fail. */
void lw_parallelize(lw *L, int par, int lanes);

/* Lowers statement stmt with a complete order (plan, emit, --par, validate)
 * into *out (lower.c). Returns 0 or the error's code. */
int lw_lower_with(const ff_ir_program *p, int stmt, const ff_lower_opts *opts, char (*order)[FF_LOWER_NAME],
                  int norder, ff_graph **out, ff_err *err);

/* *o = *opts (opts NULL: all zero) with the default order when it names
 * none (order.c). Returns 0, or an error for a statement out of range or
 * without a legal order. */
int lw_complete_opts(const ff_ir_program *p, int stmt, const ff_lower_opts *opts, ff_lower_opts *o, ff_err *err);

/* Plans statement stmt with opts (fuse flags set) and counts the captures
 * whose walks are read back from buffers (plan.c). */
int lw_buffer_sites(const ff_ir_program *p, int stmt, const ff_lower_opts *opts, ff_err *err);

/* The statements whose results the plan of `stmt` holds whole on chip:
 * held[s] set (p->nstmts entries); returns how many it set, or a negative
 * FF_E* code. */
int lw_held_stmts(const ff_ir_program *p, int stmt, const ff_lower_opts *opts, unsigned char *held, ff_err *err);

/* ---- relayout: the order search with accesses that may move to copies ---- */

/* A layout of a stored tensor: level l walks mode perm[l] (the tensor's
 * level kinds kept in place, only the modes permuted). */
typedef struct lw_layout {
    int tensor;          /* program tensor */
    int perm[FF_MAX_ORDER];
    int n;               /* the tensor's order */
} lw_layout;

/* One access the relaxed search reads from a copy: the program's access
 * node and the layout it needs. */
typedef struct lw_move {
    const ff_ir_expr *src;
    lw_layout to;
} lw_move;

#define LW_MAX_MOVES 64

/* How the relaxed search (lw_relaxed_order) may move accesses. */
typedef struct lw_relax {
    const unsigned char *movable; /* per program tensor: may be read from a copy */
    const lw_layout *have;        /* copies that exist already: cost nothing more */
    int nhave;
    long copy_cost;               /* what each new copy adds to an order's cost */
    /* Whether the statement lowers in `order` with `moves` applied (the
     * caller builds the program with the copies): 0, or the error. */
    int (*lower)(void *ctx, const lw_move *moves, int nmoves, char (*order)[FF_LOWER_NAME], int norder, ff_err *err);
    void *ctx;
} lw_relax;

/* The cheapest loop order of statement stmt (opts->fuse as given) when
 * the accesses of movable tensors need not follow their level order: each
 * access whose levels the order breaks is read from a copy laid out in the
 * order's mode order instead, and every distinct new (tensor, layout) adds
 * rx->copy_cost. The same program access moved two ways (a fused producer
 * inlined twice) is no candidate. Each complete candidate is checked with
 * rx->lower, so the result lowers. On success fills o->order/norder and
 * moves (at most LW_MAX_MOVES; *nmoves of them) and returns 0; else an
 * error naming the statement's position. */
int lw_relaxed_order(const ff_ir_program *p, int stmt, const ff_lower_opts *opts, const lw_relax *rx, ff_lower_opts *o,
                     lw_move *moves, int *nmoves, ff_err *err);

/* Sets param p (as another node holds it) on node `node` of dst (merge.c). */
int ff_graph_copy_param(ff_graph *dst, int node, const ff_param *p, ff_err *err);

#endif
