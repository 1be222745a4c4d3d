/*
 * ff_lower.h -- lowering a statement of the tensor IR to a SAM-style dataflow
 * graph (docs/language.md "Lowering: orders, formats and the graph").
 *
 * What goes in: a checked program (ff_ir.h) whose reductions are placed
 * (ff_ir_place_reductions), the statement to lower, and a loop order.
 * What comes out: a validated ff_graph that reads the statement's input
 * tensors in their declared formats and writes its result tensor level by
 * level in loop order (the graph's output format says which mode each level
 * holds; ff_tensor_convert gives the declared format).
 *
 * The algorithm, per index level in loop order: a merge of the accesses that
 * iterate the level (intersect for products, union for sums, the mask's
 * coordinates for mask(), iterate-locate for dense operands, a dense range
 * where the support is full), repeaters for the accesses that do not, then
 * value arrays and ALUs, reducers for innermost reductions and sparse
 * accumulators for reductions above an output index, coordinate drops and
 * level writers. softmax and layernorm expand into the same reductions.
 */
#ifndef FF_LOWER_H
#define FF_LOWER_H

#include "ff_base.h"
#include "ff_graph.h"
#include "ff_ir.h"

#define FF_LOWER_MAX_INDICES 16

typedef struct ff_lower_opts {
    /* Loop order as index ids of the program (ff_ir_program.indices): every
     * index of the statement exactly once. norder == 0: the default order
     * (ff_lower_default_order). */
    int order[FF_LOWER_MAX_INDICES];
    int norder;
} ff_lower_opts;

/* Lowers statement `stmt` of p into a new graph (*out, caller frees). Errors
 * name the statement's position: an order that breaks a tensor's level order
 * ("model.ff:3:1: tensor B (csr) cannot be iterated in order j,k,i: its levels
 * go k then j; store it as csc or choose another order"), an order that puts
 * a reduction above an output index where only an accumulator could hold the
 * result and the statement is not a plain reduction, and constructs the
 * primitives cannot express (more than 4 operands merged at one level). */
int ff_lower_stmt(const ff_ir_program *p, int stmt, const ff_lower_opts *opts, ff_graph **out,
                  ff_err *err);

/* The default loop order of a statement: among the orders every tensor can
 * be iterated in, the one with the fewest output indices below a reduction
 * (reducers beat accumulators), then the closest to "output indices in the
 * order written, then reduction indices". */
int ff_lower_default_order(const ff_ir_program *p, int stmt, int *order, int *norder, ff_err *err);

/* Every legal loop order of a statement (for --order auto). Writes up to
 * max orders of norder indices each into orders[k*FF_LOWER_MAX_INDICES ...];
 * returns how many there are (may exceed max), or a negative FF_E* code. */
int ff_lower_legal_orders(const ff_ir_program *p, int stmt, int *orders, int max, int *norder,
                          ff_err *err);

/* Parses "i,k,j" against the statement's index names into opts->order. */
int ff_lower_parse_order(const ff_ir_program *p, int stmt, const char *text, ff_lower_opts *opts,
                         ff_err *err);

#endif
