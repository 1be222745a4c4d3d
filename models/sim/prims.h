/*
 * prims.h -- the per-kind setup functions of the primitives (prims_*.c),
 * gathered by bind.c into one table indexed by ff_prim_kind.
 */
#ifndef FF_SIM_PRIMS_H
#define FF_SIM_PRIMS_H

#include "sim_int.h"

/* Block mode: the handle of the block of `words` words a value token names
 * (N: the zero block) into *h; FIRE_OK, or FIRE_ERROR reported for node n
 * when the block lies outside the store. */
fire_result sim_block_of(ff_sim *s, node *n, ff_tok t, size_t words, uint32_t *h);

/* The bound input tensor `name`, for node n's messages; NULL with err set. */
const ff_tensor *sim_input(ff_sim *s, const node *n, const char *name, ff_err *err);

#define FF_SIM_PRIM_FNS(X)                                                    \
    X(root) X(scan) X(locate) X(array) X(write_crd) X(write_val)              \
    X(intersect) X(union) X(alu) X(reduce) X(repsiggen) X(repeat)             \
    X(crd_drop) X(crd_hold) X(stkn_drop) X(empty_stkn_drop) X(fork) X(join)   \
    X(broadcast) X(serialize) X(spacc1) X(spacc2) X(source) X(sink)

#define FF_DECL_INIT_(k) int init_##k(ff_sim *s, node *n, ff_err *err);
FF_SIM_PRIM_FNS(FF_DECL_INIT_)
#undef FF_DECL_INIT_

/* Kinds whose state owns more than the state block itself. */
void fini_scan(node *n);
void fini_locate(node *n);
void fini_array(node *n);
void fini_reduce(node *n);
void fini_spacc1(node *n);
void fini_spacc2(node *n);
void fini_source(node *n);
void fini_sink(node *n);

/* What a sink recorded (prims_control.c). */
void sink_records(const node *n, const ff_tok **toks, const uint64_t **cycles, size_t *count);

#endif
