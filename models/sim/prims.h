/*
 * prims.h -- what the primitives' models (prims_*.c) produce and share.
 *
 * ORDER FF_PRIM: each kind K of ff_prims.def has a setup function init_K
 * (init_SCAN, init_WRITE_CRD, ...) of type init_fn (sim_int.h). The name
 * is the convention dispatch.c builds its table by.
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

#define FF_PRIM(K, ...) int init_##K(ff_sim *s, node *n, ff_err *err);
#include "ff_prims.def"
#undef FF_PRIM

/* What a sink recorded (prims_control.c). */
void sink_records(const node *n, const ff_tok **toks, const uint64_t **cycles, size_t *count);

#endif
