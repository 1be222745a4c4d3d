/*
 * ff_tensor.h -- sparse tensors as fibertrees, their formats, and their files.
 *
 * A tensor of order R (modes 0..R-1, sizes dims[]) is stored as a fibertree of
 * L levels. Each level iterates one mode -- or, for blocked formats, the block
 * index (c / B) or the offset in the block (c % B) of a mode -- and is either
 *   dense:       every coordinate 0..dim-1 exists; position = parent*dim + crd
 *   compressed:  seg[parent]..seg[parent+1] index crd[], which lists the
 *                coordinates present (strictly increasing within a fiber)
 * The positions of the last level index vals[]. This is SAM's/TACO's level
 * format, which the scanners and writers of the dataflow graph walk.
 *
 * Format strings (docs/tensors.md):
 *   "dense"          all levels dense, modes in natural order
 *   "sparse"         all levels compressed, natural order ("cc..c")
 *   "csr" "csc" "dcsr" "dcsc"   order-2 classics (csc/dcsc iterate mode 1 first)
 *   "bcsr(B)"        order 2: block rows dense, block cols compressed,
 *                    then the BxB block dense (4 levels)
 *   "dc", "cdc:2,0,1", ...  one letter per level (d dense, c compressed),
 *                    optional ":" mode order (level k iterates mode order[k])
 * Values are ff_fx fixed point (ff_fixed.h) with frac_bits fractional bits.
 *
 * Ownership: an ff_tensor owns all its arrays; ff_tensor_free releases it.
 * Functions that create a tensor return it through an out pointer and return
 * 0, or return a negative FF_E* code with *out untouched and err filled.
 */
#ifndef FF_TENSOR_H
#define FF_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "ff_base.h"
#include "ff_fixed.h"

#define FF_MAX_ORDER 6
#define FF_MAX_LEVELS 8

typedef enum ff_level_fmt {
    FF_LVL_DENSE,
    FF_LVL_COMPRESSED
} ff_level_fmt;

typedef enum ff_level_split {
    FF_SPLIT_NONE,  /* the level iterates the whole mode */
    FF_SPLIT_OUTER, /* the block index: crd = c / block */
    FF_SPLIT_INNER  /* the offset in the block: crd = c % block */
} ff_level_split;

/* What one level of a format iterates. */
typedef struct ff_level_desc {
    ff_level_fmt fmt;
    int mode;             /* tensor mode this level walks */
    ff_level_split split; /* whole mode, block index, or block offset */
    uint32_t block;       /* block size B when split != NONE, else 0 */
} ff_level_desc;

/* A storage format for a tensor of a given order. */
typedef struct ff_format {
    int order;                        /* number of modes */
    int nlevels;                      /* number of levels (>= order) */
    ff_level_desc lv[FF_MAX_LEVELS];  /* outermost first */
} ff_format;

/* Parses a format string (see above) for a tensor of `order` modes. Errors
 * name the string and what was expected. */
int ff_format_parse(const char *text, int order, ff_format *out, ff_err *err);

/* Canonical text of a format: a named one ("csr", "bcsr(16)") when it is one,
 * else the letter form with mode order ("cdc:2,0,1"). snprintf-style. */
int ff_format_str(const ff_format *f, char *buf, size_t n);

/* Size of the coordinate space of level k for a tensor with dims. */
uint32_t ff_format_level_dim(const ff_format *f, int k, const uint32_t *dims);

/* One stored level. */
typedef struct ff_level {
    uint32_t dim;   /* coordinates range over 0..dim-1 */
    uint32_t *seg;  /* compressed: nseg = (positions of parent level) + 1 entries */
    uint32_t *crd;  /* compressed: ncrd entries, one per position */
    size_t nseg, ncrd;
} ff_level;

/* What a reader lost of a file's values beyond rounding to nearest
 * (ff_fx_loss), counted per value written in the file. */
typedef struct ff_tensor_loss {
    uint64_t saturated;            /* values beyond the format, saturated */
    uint64_t underflow;            /* nonzero values that became exactly 0 */
    long worst_line;               /* line of the worst of them; 0: none lost */
    char worst[48];                /* its text as written (cut to fit): the largest
                                    * saturated value, else the smallest underflow */
} ff_tensor_loss;

typedef struct ff_tensor {
    char name[64];                 /* for messages; may be empty */
    int order;
    uint32_t dims[FF_MAX_ORDER];   /* size of each mode */
    ff_format fmt;
    ff_level lvl[FF_MAX_LEVELS];   /* fmt.nlevels of them */
    size_t npos[FF_MAX_LEVELS];    /* positions at each level (npos[L-1] == nvals) */
    ff_fx *vals;                   /* one per position of the last level */
    size_t nvals;
    int frac_bits;                 /* fixed-point format of vals */
    ff_tensor_loss loss;           /* set by the file readers; zero otherwise */
} ff_tensor;

void ff_tensor_free(ff_tensor *t);

/* Builds a tensor from coordinate points. coords holds nnz*order indices,
 * point p's mode m at coords[p*order+m]; points may come in any order;
 * duplicates are summed (saturating, in input order); explicit zeros are kept
 * as stored entries in compressed levels. Dense levels are filled with zeros
 * where no point lands. An index out of range is an error. */
int ff_tensor_from_coo(const char *name, int order, const uint32_t *dims,
                       const ff_format *fmt, int frac_bits, size_t nnz,
                       const uint32_t *coords, const ff_fx *vals,
                       ff_tensor **out, ff_err *err);

/* Builds a tensor in a format whose levels are all compressed (no blocks)
 * from its level arrays, copied: seg[l] (nseg[l] entries) and crd[l]
 * (ncrd[l]) per level, and the values. When they are not exactly what
 * ff_tensor_from_coo builds from the same points -- a fiber out of order or
 * with a duplicate, an empty fiber below the first level, a coordinate out
 * of range, segments that do not fit -- it returns 0 with *out NULL: the
 * caller goes through the points instead. A hardware writer's arrays are
 * such a tensor as they stand; this is the fast way to take them. */
int ff_tensor_from_levels(const char *name, int order, const uint32_t *dims, const ff_format *fmt, int frac_bits,
                          const uint32_t *const *seg, const size_t *nseg, const uint32_t *const *crd,
                          const size_t *ncrd, const ff_fx *vals, size_t nvals, ff_tensor **out, ff_err *err);

/* Builds a tensor from a dense row-major array of prod(dims) values; zeros are
 * not stored in compressed levels. */
int ff_tensor_from_dense(const char *name, int order, const uint32_t *dims,
                         const ff_format *fmt, int frac_bits, const ff_fx *dense,
                         ff_tensor **out, ff_err *err);

/* Visits every stored position in fibertree order (which is lexicographic in
 * the format's level order), with its full coordinates (one per mode) and value.
 * Stops early and returns the callback's value if it returns non-zero. */
typedef int (*ff_tensor_visit_fn)(void *ctx, const uint32_t *coords, ff_fx val);
int ff_tensor_foreach(const ff_tensor *t, ff_tensor_visit_fn fn, void *ctx);

/* The window of t (docs/language.md "Offsets"): along each mode m, the
 * coordinates c of [0, dims[m]) with 0 <= c - lo[m] < len[m], at c - lo[m]
 * (lo may be negative: a shift); dims len, same name and frac_bits; every
 * entry t stores there, zeros included. The format is t's, except that a
 * dense level whose window reaches past its mode becomes compressed: what
 * lies outside is absent, not a stored zero. A blocked format's window is
 * stored all-compressed, modes in order (a window need not follow the
 * blocks), with the zeros its blocks stored. */
int ff_tensor_window(const ff_tensor *t, const int64_t *lo, const uint32_t *len, ff_tensor **out, ff_err *err);

/* Value at a coordinate (0 where nothing is stored). */
ff_fx ff_tensor_get(const ff_tensor *t, const uint32_t *coords);

/* The position of coordinate c in the fiber at position `parent` of a
 * compressed level (its crd[seg[parent]..seg[parent+1]) increasing): 1 and
 * *pos, or 0 when the fiber does not store c. A binary search. */
int ff_level_find(const ff_level *lv, size_t parent, uint32_t c, size_t *pos);

/* Whether t stores coords (a position of a dense level, or of a stored
 * block, counts; coordinates beyond dims do not). */
int ff_tensor_stored(const ff_tensor *t, const uint32_t *coords);

/* Dense row-major copy (caller frees); NULL if prod(dims) overflows size_t
 * or exceeds 1<<31 entries. */
ff_fx *ff_tensor_to_dense(const ff_tensor *t);

/* The same values in another format (name, dims and frac_bits unchanged).
 * Only non-zero entries are carried over: explicit zeros of t are not
 * stored in the result's compressed levels. */
int ff_tensor_convert(const ff_tensor *t, const ff_format *fmt, ff_tensor **out,
                      ff_err *err);

/* Whether a stored zero at coords is kept (ff_tensor_convert_keep). */
typedef int (*ff_tensor_keep_fn)(void *ctx, const uint32_t *coords);

/* The same values in another format, with every non-zero entry t stores and
 * those of its stored zeros for which keep(ctx, coords) is non-zero (a
 * dense level stores all its positions). The runner keeps a kernel's
 * computed zeros this way: they are part of a statement's support
 * (docs/language.md "Stored zeros"), but a zero the graph wrote where the
 * support has nothing is not. */
int ff_tensor_convert_keep(const ff_tensor *t, const ff_format *fmt, ff_tensor_keep_fn keep, void *ctx,
                           ff_tensor **out, ff_err *err);

/* The same values in another format with every entry t stores, zeros
 * included: a blocked format stores whole blocks, a dense level all its
 * positions, a kernel's result its computed zeros, and the reference
 * interpreter counts them all as stored -- so must a graph that reads the
 * tensor in another layout (docs/language.md "Stored zeros"). Inputs are
 * bound to graphs (C model and RTL) through this. */
int ff_tensor_convert_blocks(const ff_tensor *t, const ff_format *fmt, ff_tensor **out, ff_err *err);

/* Number of stored entries whose value is non-zero. */
size_t ff_tensor_nnz(const ff_tensor *t);

/* Words its storage takes, one per value, segment and coordinate of its
 * compressed levels: what moving it off chip or holding it on chip costs. */
uint64_t ff_tensor_words(const ff_tensor *t);

/* Compares two tensors by value (an absent entry equals an explicit zero;
 * formats may differ; dims must match). Returns 0 if equal. Otherwise returns
 * FF_EMISMATCH and writes into err the first difference in row-major
 * coordinate order, e.g. "C(3,7): got 1.5, expected 1.25" (a dims mismatch is
 * reported the same way). got = a, expected = b. */
int ff_tensor_compare(const ff_tensor *a, const ff_tensor *b, ff_err *err);

/* Files. Matrix Market: coordinate and array; real, integer, pattern (value
 * 1.0); general, symmetric, skew-symmetric. Any order is accepted for
 * coordinate files (the size line gives the dims, then nnz). Errors name
 * path:line and what was expected (bad header, wrong counts, index out of
 * range, a value that is not a number, ...). Reals are rounded to fixed point
 * (RNE, saturating). */
int ff_tensor_read_mtx(const char *path, const ff_format *fmt, int frac_bits,
                       ff_tensor **out, ff_err *err);

/* Writes "%%MatrixMarket matrix coordinate real general" with every stored
 * entry (dense-level zeros skipped), values in exact shortest decimal
 * (ff_fx_format). Written to path.tmp and renamed, so a failure leaves no
 * half-written file. */
int ff_tensor_write_mtx(const ff_tensor *t, const char *path, ff_err *err);

/* The dense text form for small tensors:
 *     # comments
 *     shape 2 3
 *     1 0 2.5
 *     0 0 3
 * "shape" then the sizes, then prod(dims) numbers in row-major order separated
 * by any white space. Errors name path:line. */
int ff_tensor_read_text(const char *path, const ff_format *fmt, int frac_bits,
                        ff_tensor **out, ff_err *err);
int ff_tensor_write_text(const ff_tensor *t, const char *path, ff_err *err);

/* Edge lists (SNAP and most graph datasets): one "SRC DST [WEIGHT]" line per
 * edge, '#' or '%' comments, read into an N x N matrix with A(src, dst) =
 * weight (1 without weights). N is the largest id + 1, or `nodes` when
 * set (an id beyond it is an error). symmetric adds (dst, src) for every
 * edge. An edge listed twice is one entry (with weights, an error unless
 * they agree). Errors name path:line. */
typedef struct ff_edges_opts {
    int base;       /* ids are 0-based (SNAP, the default) or 1-based */
    int symmetric;  /* add the reverse of every edge */
    uint32_t nodes; /* 0: the largest id + 1 */
} ff_edges_opts;
int ff_tensor_read_edges(const char *path, const ff_format *fmt, int frac_bits, const ff_edges_opts *opts,
                         ff_tensor **out, ff_err *err);

/* ff_tensor_load reading an edge list with opts (NULL: 0-based, directed). */
int ff_tensor_load_with(const char *path, const ff_format *fmt, int frac_bits, const ff_edges_opts *edges,
                        ff_tensor **out, ff_err *err);

/* Reads .mtx as Matrix Market; any other file whose first line with
 * anything on it is "SRC DST [WEIGHT]" as an edge list (ff_tensor_read_edges,
 * 0-based, directed); and anything else as the dense text form.
 * Every reader takes fmt == NULL to mean a default for the file's order:
 * Matrix Market builds order 1 "sparse" and order >= 2 a dense outer level
 * over compressed ones ("csr" for matrices); the text form builds "dense".
 * The tensor is named after the file ("data/karate.mtx" -> "karate"). */
int ff_tensor_load(const char *path, const ff_format *fmt, int frac_bits,
                   ff_tensor **out, ff_err *err);

/* Random tensors for tests and --random. Each coordinate is present with
 * probability density (independently); values are uniform on [lo, hi]
 * quantized to multiples of 2^-value_frac_bits (so products stay exact in
 * Q15.16 for small value_frac_bits), and never zero. Same seed, same tensor.
 * For density <= 0.1 it samples positions without walking the dense space. */
typedef struct ff_rand_spec {
    double density;      /* 0..1 */
    double lo, hi;       /* value range */
    int value_frac_bits; /* quantum of values, e.g. 4 -> multiples of 1/16 */
    uint64_t seed;
} ff_rand_spec;

/* fmt may be NULL (the Matrix Market default above). */
int ff_tensor_random(const char *name, int order, const uint32_t *dims,
                     const ff_format *fmt, int frac_bits, const ff_rand_spec *spec,
                     ff_tensor **out, ff_err *err);

/* A dense reference evaluator for index expressions of sums of products, the
 * independent oracle for hand-written graphs:
 *     "X(i,j) = A(i,k) * B(k,j)"       "y(i) = A(i,j)*x(j) - b(i)"
 *     "C(i,j) = A(i,j) + B(i,j)"       "S(i,j) = M(i,j) * A(i,k) * B(j,k)"
 * Each term is a product of tensor accesses (and optional decimal constants);
 * indices of a term that do not appear in the output are summed over within
 * that term, in lexicographic order of first appearance. Products multiply
 * left to right with ff_fx_mul; sums use saturating adds. Index sizes come
 * from the tensors; inconsistent sizes are errors. lookup resolves names.
 * The result is built in out_fmt (NULL: dense). Errors name the expression
 * and the column: einsum "y(i) = A(i)":8: A has order 2 but ... */
typedef const ff_tensor *(*ff_tensor_lookup_fn)(void *ctx, const char *name);
int ff_einsum_ref(const char *expr, ff_tensor_lookup_fn lookup, void *ctx,
                  const ff_format *out_fmt, int frac_bits, ff_tensor **out,
                  ff_err *err);

#endif
