/*
 * cost_int.h -- what the files of compiler/cost share (not for callers).
 */
#ifndef FF_COST_INT_H
#define FF_COST_INT_H

#include "ff_cost.h"

struct ff_cost_model {
    const ff_ir_program *p;
    uint32_t *sizes;                     /* per size symbol */
    ff_format *fmt;                      /* per tensor: the format a graph reads it in (lw_scalar_format) */
    double (*prob)[FF_MAX_LEVELS];       /* per tensor and level of fmt: P(coordinate stored | parent stored) */
    double *density;                     /* per tensor: stored / all coordinates */
    double *words;                       /* per tensor: 32-bit words in memory */
};

#endif
