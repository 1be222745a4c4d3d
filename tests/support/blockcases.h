/*
 * blockcases.h -- test support: kernels over tensors stored in 4x4 blocks
 * (--block 4), shared by the lowering's test (C model against the reference
 * interpreter) and the blocked co-simulation (C model against the RTL).
 */
#ifndef FF_BLOCKCASES_H
#define FF_BLOCKCASES_H

typedef struct block_case {
    const char *name;
    const char *text;  /* a whole program; its blocked formats say bcsr(4) */
    const char *order; /* the loop order to lower in, or NULL for the default */
} block_case;

extern const block_case block_cases[];
extern const int block_ncases;

#endif
