/*
 * prims.h -- what the primitives' models (prims_*.c) produce and share.
 * Needs the firing interface (sim_int.h) and input binding (bind.h).
 *
 * ORDER FF_PRIM: each kind K of ff_prims.def has a setup function init_K
 * (init_SCAN, init_WRITE_CRD, ...) of type init_fn (sim_int.h). The name
 * is the convention dispatch.c builds its table by.
 */
#ifndef FF_SIM_PRIMS_H
#define FF_SIM_PRIMS_H

#include "bind.h"
#include "sim_int.h"

#define FF_PRIM(K, ...) int init_##K(ff_sim *s, node *n, ff_err *err);
#include "ff_prims.def"
#undef FF_PRIM

/* Block mode: the handle of the block of `words` words a value token names
 * (N: the zero block) into *h; FIRE_OK, or FIRE_ERROR reported for node n
 * when the block lies outside the store (prims_compute.c). */
fire_result sim_block_of(ff_sim *s, node *n, ff_tok t, size_t words, uint32_t *h);

/* What sink node n recorded: its tokens and the cycle of each, owned by
 * the node's state (prims_control.c). n must have been set up. */
void sink_records(const node *n, const ff_tok **toks, const uint64_t **cycles, size_t *count);

#endif
