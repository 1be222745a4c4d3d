/*
 * hw_int.h -- what the area table tells the energy model (models/hw only).
 */
#ifndef FF_HW_INT_H
#define FF_HW_INT_H

#include <jansson.h>

#include "ff_hw.h"

/* The stream ports of kind k's tile (the RTL's kind_nin/kind_nout). */
void ff_hw_tile_ports(const ff_hw_cost *c, ff_prim_kind k, int *nin, int *nout);

/* A figure measured at a few FIFO depths, at depth d: linear between the
 * depths x[0..n) (ascending, n >= 2), the nearest segment's slope outside
 * them. Both tables' FIFO figures go through it. */
double ff_hw_interp(const int *x, const double *y, int n, int d);

/* o.key as a number >= 0 into *out, else an error naming path, where and
 * key (the tables' one field reader). */
int ff_hw_json_number(json_t *o, const char *key, const char *path, const char *where, double *out, ff_err *err);

#endif
