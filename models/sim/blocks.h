/*
 * blocks.h -- the block store and the block operations of block mode
 * (blocks.c). Internal to models/sim.
 */
#ifndef FF_SIM_BLOCKS_H
#define FF_SIM_BLOCKS_H

#include <stddef.h>
#include <stdint.h>

#include "ff_base.h"
#include "ff_fixed.h"
#include "ff_sim.h"

/* The largest block edge a node may declare (param blk). */
#define FF_BLOCK_MAX FF_SIM_BLOCK_MAX

/* Every block of one simulation, addressed by word offset (the handle). The
 * first FF_BLOCK_MAX^2 words are the zero block. */
typedef struct blk_store {
    FF_VEC(ff_fx) words;
} blk_store;

void blk_store_init(blk_store *b);
void blk_store_free(blk_store *b);
/* Reserves n words; *handle gets their offset. -1 when the store would pass
 * 2^32 words. The store may move: take pointers after allocating. */
int blk_alloc(blk_store *b, size_t n, uint32_t *handle);
static inline ff_fx *blk_at(blk_store *b, uint32_t handle) { return b->words.data + handle; }

/* The n words at handle lie inside the store. */
int blk_valid_handle(const blk_store *b, uint32_t handle, size_t n);
/* *out = a new block x + y entry by entry (n words each); -1 when full. */
int blk_add(blk_store *b, uint32_t x, uint32_t y, size_t n, uint32_t *out, uint64_t *saturated);

/* Dims of a layout code (0..2), -1 if malformed (dim 1 without dim 0). */
int blk_layout_dims(int code);
/* A layout whose axes are distinct, below nout or (allow_contract) 2. */
int blk_layout_valid(int code, int nout, int allow_contract);
size_t blk_words(int B, int ndims);
/* Some operand has the contracted axis 2. */
int blk_contracts(int la, int lb);

typedef struct blk_op_desc {
    ff_alu_op op;
    int unary;        /* b is the immediate (or the op is unary) */
    int B, la, lb, nout, frac_bits;
} blk_op_desc;

/* out = op(a, b) entry by entry over the result's axes, summed over axis 2
 * when an operand has it (a product contracting an index). */
void blk_op(const blk_op_desc *d, const ff_fx *a, const ff_fx *b, ff_fx imm, ff_fx *out, uint64_t *saturated);
/* out = a with axis 2 summed (or maxed) away and the rest laid out as the
 * result's axes. Every op and sum that saturates adds 1 to *saturated
 * (docs/timing.md "Statistics"), here and in blk_add. */
void blk_collapse(int la, int B, int nout, int is_max, const ff_fx *a, ff_fx *out, uint64_t *saturated);

/* Rows a B-lane unit processes for a block op whose largest block has
 * ndims_max dims: B for a matrix, 1 for a vector or a scalar. */
int blk_rows(int B, int ndims_max);
/* Latency and II of an op over `rows` rows (docs/timing.md "Block mode"). */
void blk_timing(const ff_block_timing *t, int rows, int *latency, int *ii);

#endif
