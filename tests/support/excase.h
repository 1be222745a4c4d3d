/*
 * excase.h -- test support: one example model (examples/NAME.ff), its first
 * statement lowered in the default order, on seeded random inputs -- the
 * setup the co-simulation tests share.
 */
#ifndef FF_EXCASE_H
#define FF_EXCASE_H

#include <stdint.h>

#include "ff_graph.h"
#include "ff_ir.h"
#include "ff_tensor.h"

typedef struct excase {
    ff_ir_program *p;
    ff_tensor **data;        /* per program tensor: the inputs */
    ff_graph *g;             /* statement 0, default order */
    const ff_tensor **in;    /* per graph tensor: its input (NULL for outputs) */
} excase;

/* Every size `size`, inputs from ff_ir_random_inputs(seed, density). Fails
 * the test on any error. */
void excase_load(excase *x, const char *name, uint64_t seed, double density, uint32_t size);
void excase_free(excase *x);

#endif
