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

/* Sets param p (as another node holds it) on node `node` of dst (merge.c). */
int ff_graph_copy_param(ff_graph *dst, int node, const ff_param *p, ff_err *err);

#endif
