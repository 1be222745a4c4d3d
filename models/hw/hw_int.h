/*
 * hw_int.h -- what the area table tells the energy model (models/hw only).
 */
#ifndef FF_HW_INT_H
#define FF_HW_INT_H

#include "ff_hw.h"

/* The stream ports of kind k's tile (the RTL's kind_nin/kind_nout). */
void ff_hw_tile_ports(const ff_hw_cost *c, ff_prim_kind k, int *nin, int *nout);

#endif
