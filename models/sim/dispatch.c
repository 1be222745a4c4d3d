/*
 * dispatch.c -- the per-kind table of setup functions, one row per kind of
 * ff_prims.def (ORDER FF_PRIM). The rows are generated: kind K's model
 * defines init_K (prims.h), so a new primitive adds its model, not a row,
 * and a kind without a model fails to link instead of failing at run time.
 */
#include "dispatch.h"
#include "prims.h"

const init_fn sim_prim_init[FF_PRIM__COUNT] = {
#define FF_PRIM(K, ...) [FF_PRIM_##K] = init_##K,
#include "ff_prims.def"
#undef FF_PRIM
};
