/*
 * dispatch.h -- the per-kind table the engine reads (dispatch.c): which
 * setup function starts a node of each primitive kind. Data, so the engine
 * depends on the table and the table on the primitives, never the reverse.
 */
#ifndef FF_SIM_DISPATCH_H
#define FF_SIM_DISPATCH_H

#include "sim_int.h"

/* Indexed by ff_prim_kind; every kind of ff_prims.def has a non-NULL row. */
extern const init_fn sim_prim_init[FF_PRIM__COUNT];

#endif
