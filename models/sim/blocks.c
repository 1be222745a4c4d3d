/*
 * blocks.c -- block values (docs/tokens.md "Block values", docs/timing.md
 * "Block mode").
 *
 * In a blocked graph a value token carries a handle: the offset of a dense
 * block in the simulation's block store. Blocks are immutable once made, so
 * repeaters, forks and serializes copy handles freely; every ALU, reducer
 * and accumulator result is a new block. Offset 0 holds the zero block (what
 * N loads), so a handle never needs a type of its own.
 *
 * A block has 0, 1 or 2 dims of B entries each, row-major. The layout code
 * of an operand (params bla/blb) maps its dims to the op's axes: bits 0-1
 * the axis of dim 0, bits 2-3 the axis of dim 1, 3 = no such dim. Axes 0
 * and 1 are the result's dims (bno of them), axis 2 is summed over (a block
 * matrix product contracts it; a reducer collapses it).
 */
#include <stdlib.h>
#include <string.h>

#include "blocks.h"

enum { BLK_ZERO_WORDS = FF_SIM_BLOCK_ZERO_WORDS };

void blk_store_init(blk_store *b)
{
    memset(b, 0, sizeof *b);
    FF_VEC_RESERVE(b->words, BLK_ZERO_WORDS);
    memset(b->words.data, 0, BLK_ZERO_WORDS * sizeof *b->words.data);
    b->words.len = BLK_ZERO_WORDS;
}

void blk_store_free(blk_store *b)
{
    free(b->words.data);
    memset(b, 0, sizeof *b);
}

int blk_alloc(blk_store *b, size_t n, uint32_t *handle)
{
    if (b->words.len + n > UINT32_MAX) return -1;
    FF_VEC_RESERVE(b->words, b->words.len + n);
    *handle = (uint32_t)b->words.len;
    b->words.len += n;
    return 0;
}

int blk_layout_dims(int code)
{
    int d0 = code & 3, d1 = (code >> 2) & 3;
    if (d0 == 3) return d1 == 3 ? 0 : -1;
    return d1 == 3 ? 1 : 2;
}

int blk_layout_valid(int code, int nout, int allow_contract)
{
    int nd = blk_layout_dims(code);
    if (nd < 0) return 0;
    int seen = 0;
    for (int d = 0; d < nd; d++) {
        int ax = (code >> (2 * d)) & 3;
        if (ax == 2 ? !allow_contract : ax >= nout) return 0;
        if (seen & (1 << ax)) return 0;
        seen |= 1 << ax;
    }
    return 1;
}

size_t blk_words(int B, int ndims)
{
    size_t n = 1;
    for (int d = 0; d < ndims; d++) n *= (size_t)B;
    return n;
}

/* Strides of an operand along axes 0, 1, 2 (0 where it has no such dim). */
static void axis_strides(int code, int B, size_t st[3])
{
    int nd = blk_layout_dims(code);
    st[0] = st[1] = st[2] = 0;
    for (int d = 0; d < nd; d++) {
        int ax = (code >> (2 * d)) & 3;
        st[ax] = d == nd - 1 ? 1 : (size_t)B;
    }
}

static int has_axis(int code, int axis)
{
    int nd = blk_layout_dims(code);
    for (int d = 0; d < nd; d++)
        if (((code >> (2 * d)) & 3) == axis) return 1;
    return 0;
}

int blk_contracts(int la, int lb) { return has_axis(la, 2) || has_axis(lb, 2); }

void blk_op(const blk_op_desc *d, const ff_fx *a, const ff_fx *b, ff_fx imm, ff_fx *out, uint64_t *saturated)
{
    size_t sa[3], sb[3];
    axis_strides(d->la, d->B, sa);
    axis_strides(d->lb, d->B, sb);
    int n0 = d->nout >= 1 ? d->B : 1, n1 = d->nout >= 2 ? d->B : 1;
    int nc = blk_contracts(d->la, d->unary ? 15 : d->lb) ? d->B : 1;
    for (int i = 0; i < n0; i++)
        for (int j = 0; j < n1; j++) {
            size_t pa = (size_t)i * sa[0] + (size_t)j * sa[1], pb = (size_t)i * sb[0] + (size_t)j * sb[1];
            ff_fx acc = 0;
            for (int c = 0; c < nc; c++) {
                ff_fx x = a[pa + (size_t)c * sa[2]];
                ff_fx y = d->unary ? imm : b[pb + (size_t)c * sb[2]];
                int sat;
                ff_fx r = ff_alu_apply_sat(d->op, x, y, d->frac_bits, &sat);
                *saturated += (uint64_t)sat;
                /* Contracted products sum exactly as the scalar reducer adds
                 * them, so a block product equals the scalar one bit for bit. */
                acc = c ? ff_fx_add_count(acc, r, saturated) : r;
            }
            out[(size_t)i * (size_t)n1 + (size_t)j] = acc;
        }
}

void blk_collapse(int la, int B, int nout, int is_max, const ff_fx *a, ff_fx *out, uint64_t *saturated)
{
    size_t sa[3];
    axis_strides(la, B, sa);
    int n0 = nout >= 1 ? B : 1, n1 = nout >= 2 ? B : 1;
    int nc = has_axis(la, 2) ? B : 1;
    for (int i = 0; i < n0; i++)
        for (int j = 0; j < n1; j++) {
            size_t p = (size_t)i * sa[0] + (size_t)j * sa[1];
            ff_fx acc = a[p];
            for (int c = 1; c < nc; c++) {
                ff_fx x = a[p + (size_t)c * sa[2]];
                acc = is_max ? (x > acc ? x : acc) : ff_fx_add_count(acc, x, saturated);
            }
            out[(size_t)i * (size_t)n1 + (size_t)j] = acc;
        }
}

int blk_rows(int B, int ndims_max) { return ndims_max >= 2 ? B : 1; }

void blk_timing(const ff_block_timing *t, int rows, int *latency, int *ii)
{
    int l = t->lat_per_b * rows + t->lat_const, i = t->ii_per_b * rows + t->ii_const;
    *latency = l < 0 ? 0 : l;
    *ii = i < 1 ? 1 : i;
}

int blk_valid_handle(const blk_store *b, uint32_t handle, size_t n)
{
    return (size_t)handle + n <= b->words.len;
}

int blk_add(blk_store *b, uint32_t x, uint32_t y, size_t n, uint32_t *out, uint64_t *saturated)
{
    if (blk_alloc(b, n, out)) return -1;
    const ff_fx *p = blk_at(b, x), *q = blk_at(b, y);
    ff_fx *r = blk_at(b, *out);
    for (size_t i = 0; i < n; i++) r[i] = ff_fx_add_count(p[i], q[i], saturated);
    return 0;
}
