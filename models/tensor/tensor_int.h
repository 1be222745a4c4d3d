/*
 * tensor_int.h -- what the files of models/tensor share and callers do not
 * see: format validation and defaults, coordinate lists, a stable sort, and
 * the line reader of the two text file forms.
 */
#ifndef FF_TENSOR_INT_H
#define FF_TENSOR_INT_H

#include <stdio.h>

#include "ff_tensor.h"

/* The most positions one level may have (and the most entries of a dense
 * array): 2^31, so every position fits the uint32_t seg/crd arrays and an
 * int32 index in the RTL. */
#define FFT_POS_LIMIT ((size_t)1 << 31)

/* ---- formats (format.c) ---- */

/* Checks that a format is well formed (parsed or built by hand): order and
 * levels in range, every mode iterated by one whole level or by one block
 * level and a later offset level with the same block. Fills err naming
 * what is wrong. */
int fft_format_check(const ff_format *f, ff_err *err);

/* The format a file is read in when the caller passes none: order 1 "sparse",
 * order >= 2 a dense outer level over compressed ones ("dc", "dcc", ...),
 * order 0 "dense". */
void fft_format_default(int order, ff_format *out);

/* All levels dense or all compressed, modes in natural order. */
void fft_format_uniform(int order, ff_level_fmt fmt, ff_format *out);

/* ---- coordinate lists (tensor.c) ---- */

/* Points with full coordinates, order per point; owns both arrays. */
typedef struct fft_coo {
    int order;
    FF_VEC(uint32_t) crd; /* len = n * order */
    FF_VEC(ff_fx) val;    /* len = n */
} fft_coo;

void fft_coo_push(fft_coo *c, const uint32_t *coords, ff_fx v);
void fft_coo_free(fft_coo *c);

/* Which stored entries fft_entries collects. */
enum {
    FFT_NONZERO,  /* entries whose value is non-zero */
    FFT_STORED    /* entries the format stores: all but the zeros of a dense last level */
};

/* Whether FFT_STORED keeps t's stored zeros: those of a compressed last
 * level (a dense last level's zeros are its unfilled positions). */
int fft_stored_zeros(const ff_tensor *t);

/* Collects the entries of t in row-major coordinate order into *out (which
 * must be zeroed). */
void fft_entries(const ff_tensor *t, int which, fft_coo *out);

/* Refuses, before anything is allocated, a shape whose levels in fmt (checked
 * already) would need more than FFT_POS_LIMIT positions above the first
 * compressed level, or a compressed level whose seg array would: err names
 * the tensor (name, or "tensor"), its shape and the level. Returns 0 or
 * FF_EINVAL. */
int fft_check_levels(const char *name, int order, const uint32_t *dims, const ff_format *fmt, ff_err *err);

/* Stable sort of perm[0..n) by cmp (negative, zero, positive). */
typedef int (*fft_cmp_fn)(const void *ctx, size_t a, size_t b);
void fft_sort_perm(size_t *perm, size_t n, fft_cmp_fn cmp, const void *ctx);

/* Name of t for messages ("tensor" when it has none). */
const char *fft_name(const ff_tensor *t);

/* prod(dims) if it is at most limit, else 0 with *too_big set. */
uint64_t fft_dims_product(int order, const uint32_t *dims, uint64_t limit, int *too_big);

/* "3x4x5" into buf, for messages. */
const char *fft_dims_str(int order, const uint32_t *dims, char *buf, size_t n);

/* ---- text input (textio.c) ---- */

/* Reads a file a line at a time, counting lines for messages. */
typedef struct fft_lines {
    FILE *f;
    const char *path;
    char *buf;     /* the current line, without its line break */
    size_t cap;
    long lineno;   /* number of the current line, 1-based; lines read so far */
    ff_tensor_loss loss; /* values fft_parse_value lost so far */
} fft_lines;

/* Whether the first line of path with anything on it is an edge (SRC DST
 * [WEIGHT], edges.c): 1 or 0, or a negative FF_E* code. */
int fft_is_edge_list(const char *path, ff_err *err);

/* Opens path for reading; FF_EIO naming the path and the reason. */
int fft_lines_open(fft_lines *r, const char *path, ff_err *err);
/* Next line into r->buf: 1, or 0 at the end of the file, or FF_EIO. */
int fft_lines_next(fft_lines *r, ff_err *err);
void fft_lines_close(fft_lines *r);

/* ff_fx_parse of token tok on r's current line, noting in r->loss a value
 * that saturated or a nonzero that became 0. 0, or -1 (nothing set in an
 * ff_err: the caller names what it expected). */
int fft_parse_value(fft_lines *r, const char *tok, int frac_bits, ff_fx *v);

/* Splits s in place at blanks (space, tab, CR, VT, FF) into at most max
 * tokens; returns how many there were (which may exceed max: the extra ones
 * are not stored). */
int fft_split(char *s, char **tok, int max);

/* Parses a whole unsigned decimal integer token (digits only) <= limit. */
int fft_parse_uint(const char *s, uint64_t limit, uint64_t *out);

/* The file name of path without directory and without extension, into buf. */
const char *fft_stem(const char *path, char *buf, size_t n);

/* Writes to path through path.tmp: open gives the stream; commit closes it
 * and, if rc (the writer's result so far, err already filled when non-zero)
 * is 0 and the stream saw no error, renames it to path; otherwise it removes
 * the temporary file. Returns the final result. */
int fft_wopen(const char *path, FILE **f, char *tmp, size_t ntmp, ff_err *err);
int fft_wcommit(FILE *f, const char *path, const char *tmp, int rc, ff_err *err);

#endif
