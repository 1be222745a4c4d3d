/*
 * mtx.c -- Matrix Market files: reading coordinate and array files of any
 * order, writing coordinate files, and ff_tensor_load's dispatch.
 *
 *   file     := banner (comment | blank)* size entries
 *   banner   := "%%MatrixMarket" ("matrix" | "tensor") ("coordinate" | "array")
 *               ("real" | "integer" | "pattern") ("general" | "symmetric" | "skew-symmetric")
 *   size     := coordinate: d1 .. dN nnz    array: d1 .. dN
 *   entry    := coordinate: i1 .. iN [value] (1-based; no value for pattern)
 *               array: value (column-major: mode 0 fastest; symmetric and
 *               skew-symmetric list the lower triangle, the latter without
 *               its diagonal)
 * Banner words are case-insensitive. Comment lines start with '%'.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tensor_int.h"

#define BANNER_FORM                                                                     \
    "\"%%%%MatrixMarket matrix coordinate|array real|integer|pattern "                  \
    "general|symmetric|skew-symmetric\""

enum { FIELD_REAL, FIELD_INTEGER, FIELD_PATTERN };
enum { SYM_GENERAL, SYM_SYMMETRIC, SYM_SKEW };

/* Next line that is neither a comment nor blank: 1, 0 at the end, or < 0. */
static int next_data_line(fft_lines *r, ff_err *err)
{
    for (;;) {
        int rc = fft_lines_next(r, err);
        if (rc <= 0) return rc;
        const char *s = r->buf;
        while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\v' || *s == '\f') s++;
        if (*s != '\0' && *s != '%') return 1;
    }
}

/* Integer field values: an optional sign then digits. */
static int is_integer_text(const char *s)
{
    if (*s == '+' || *s == '-') s++;
    if (!*s) return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return 0;
    return 1;
}

static int parse_value(fft_lines *r, const char *tok, int field, int frac_bits, ff_fx *v,
                       ff_err *err)
{
    if (field == FIELD_INTEGER && !is_integer_text(tok))
        return ff_err_set(err, FF_EINVAL, "%s:%ld: expected an integer value, got \"%s\"", r->path,
                          r->lineno, tok);
    if (fft_parse_value(r, tok, frac_bits, v) != 0)
        return ff_err_set(err, FF_EINVAL, "%s:%ld: expected a number, got \"%s\"", r->path,
                          r->lineno, tok);
    return 0;
}

/* Adds entry (i, j, ...) and, for the symmetric kinds, its mirror. */
static int add_entry(fft_lines *r, fft_coo *c, const uint32_t *crd, ff_fx v, int sym, ff_err *err)
{
    fft_coo_push(c, crd, v);
    if (sym == SYM_GENERAL || crd[0] == crd[1]) {
        if (sym == SYM_SKEW)
            return ff_err_set(err, FF_EINVAL,
                              "%s:%ld: expected no diagonal entry in a skew-symmetric matrix",
                              r->path, r->lineno);
        return 0;
    }
    uint32_t m[2] = {crd[1], crd[0]};
    fft_coo_push(c, m, sym == SYM_SKEW ? ff_fx_neg(v) : v);
    return 0;
}

/* The banner: field, symmetry and whether the file is coordinate. */
static int read_banner(fft_lines *r, int *coordinate, int *field, int *sym, ff_err *err)
{
    char *tok[6];
    int rc = fft_lines_next(r, err);
    if (rc < 0) return rc;
    int n = rc ? fft_split(r->buf, tok, 6) : 0;
    long line = rc ? r->lineno : 1;
    if (n != 5 || strcasecmp(tok[0], "%%MatrixMarket") != 0 ||
        (strcasecmp(tok[1], "matrix") != 0 && strcasecmp(tok[1], "tensor") != 0))
        return ff_err_set(err, FF_EINVAL, "%s:%ld: expected " BANNER_FORM, r->path, line);
    if (strcasecmp(tok[2], "coordinate") == 0) *coordinate = 1;
    else if (strcasecmp(tok[2], "array") == 0) *coordinate = 0;
    else
        return ff_err_set(err, FF_EINVAL, "%s:%ld: expected coordinate or array, got \"%s\"",
                          r->path, line, tok[2]);
    if (strcasecmp(tok[3], "real") == 0 || strcasecmp(tok[3], "double") == 0) *field = FIELD_REAL;
    else if (strcasecmp(tok[3], "integer") == 0) *field = FIELD_INTEGER;
    else if (strcasecmp(tok[3], "pattern") == 0) *field = FIELD_PATTERN;
    else if (strcasecmp(tok[3], "complex") == 0)
        return ff_err_set(err, FF_EINVAL,
                          "%s:%ld: complex values are not supported (expected real, integer or "
                          "pattern)",
                          r->path, line);
    else
        return ff_err_set(err, FF_EINVAL, "%s:%ld: expected real, integer or pattern, got \"%s\"",
                          r->path, line, tok[3]);
    if (strcasecmp(tok[4], "general") == 0) *sym = SYM_GENERAL;
    else if (strcasecmp(tok[4], "symmetric") == 0) *sym = SYM_SYMMETRIC;
    else if (strcasecmp(tok[4], "skew-symmetric") == 0) *sym = SYM_SKEW;
    else if (strcasecmp(tok[4], "hermitian") == 0)
        return ff_err_set(err, FF_EINVAL,
                          "%s:%ld: hermitian matrices are not supported (expected general, "
                          "symmetric or skew-symmetric)",
                          r->path, line);
    else
        return ff_err_set(err, FF_EINVAL,
                          "%s:%ld: expected general, symmetric or skew-symmetric, got \"%s\"",
                          r->path, line, tok[4]);
    if (!*coordinate && *field == FIELD_PATTERN)
        return ff_err_set(err, FF_EINVAL, "%s:%ld: expected real or integer for an array file "
                          "(pattern is only for coordinate files)", r->path, line);
    return 0;
}

static int read_coordinate(fft_lines *r, int order, const uint32_t *dims, uint64_t nnz, int field,
                           int sym, int frac_bits, fft_coo *c, ff_err *err)
{
    const int want = order + (field != FIELD_PATTERN);
    char *tok[FF_MAX_ORDER + 2];
    uint32_t crd[FF_MAX_ORDER];
    uint64_t found = 0;
    for (;;) {
        int rc = next_data_line(r, err);
        if (rc < 0) return rc;
        if (rc == 0) break;
        if (found == nnz)
            return ff_err_set(err, FF_EINVAL, "%s:%ld: expected %llu entries, found more", r->path,
                              r->lineno, (unsigned long long)nnz);
        int n = fft_split(r->buf, tok, FF_MAX_ORDER + 2);
        if (n < order)
            return ff_err_set(err, FF_EINVAL, "%s:%ld: expected %d indices%s, got %d fields",
                              r->path, r->lineno, order,
                              field == FIELD_PATTERN ? "" : " and a value", n);
        if (n == order && field != FIELD_PATTERN)
            return ff_err_set(err, FF_EINVAL, "%s:%ld: expected a value after the indices",
                              r->path, r->lineno);
        if (n > want)
            return ff_err_set(err, FF_EINVAL, "%s:%ld: expected the end of the line after the %s, got \"%s\"",
                              r->path, r->lineno, field == FIELD_PATTERN ? "indices" : "value",
                              tok[want]);
        for (int m = 0; m < order; m++) {
            uint64_t v;
            if (fft_parse_uint(tok[m], UINT32_MAX, &v) != 0)
                return ff_err_set(err, FF_EINVAL, "%s:%ld: expected an index, got \"%s\"", r->path,
                                  r->lineno, tok[m]);
            if (v < 1 || v > dims[m])
                return ff_err_set(err, FF_EINVAL,
                                  "%s:%ld: index %llu of mode %d is out of range 1..%u", r->path,
                                  r->lineno, (unsigned long long)v, m, (unsigned)dims[m]);
            crd[m] = (uint32_t)(v - 1);
        }
        ff_fx v = (ff_fx)1 << frac_bits;
        if (field != FIELD_PATTERN && (rc = parse_value(r, tok[order], field, frac_bits, &v, err)))
            return rc;
        if ((rc = add_entry(r, c, crd, v, sym, err))) return rc;
        found++;
    }
    if (found < nnz)
        return ff_err_set(err, FF_EINVAL,
                          "%s:%ld: expected %llu entries, found %llu at the end of the file",
                          r->path, r->lineno + 1, (unsigned long long)nnz,
                          (unsigned long long)found);
    return 0;
}

static int read_array(fft_lines *r, int order, const uint32_t *dims, int field, int sym,
                      int frac_bits, fft_coo *c, ff_err *err)
{
    int too_big;
    uint64_t count = fft_dims_product(order, dims, FFT_POS_LIMIT, &too_big);
    if (too_big)
        return ff_err_set(err, FF_EINVAL, "%s:%ld: an array of more than 2^31 entries is too large",
                          r->path, r->lineno);
    uint64_t n = dims[0];
    if (sym == SYM_SYMMETRIC) count = n * (n + 1) / 2;
    if (sym == SYM_SKEW) count = n ? n * (n - 1) / 2 : 0;
    uint32_t crd[FF_MAX_ORDER] = {0};
    if (sym == SYM_SKEW) crd[0] = 1; /* the first entry is (1, 0) */
    uint64_t found = 0;
    char *tok[64];
    for (;;) {
        int rc = next_data_line(r, err);
        if (rc < 0) return rc;
        if (rc == 0) break;
        int nt = fft_split(r->buf, tok, 64);
        if (nt > 64)
            return ff_err_set(err, FF_EINVAL, "%s:%ld: expected at most 64 values on a line",
                              r->path, r->lineno);
        for (int k = 0; k < nt; k++) {
            if (found == count)
                return ff_err_set(err, FF_EINVAL, "%s:%ld: expected %llu entries, found more",
                                  r->path, r->lineno, (unsigned long long)count);
            ff_fx v;
            if ((rc = parse_value(r, tok[k], field, frac_bits, &v, err))) return rc;
            if (v != 0 && (rc = add_entry(r, c, crd, v, sym, err))) return rc;
            found++;
            /* Next coordinate, column-major. */
            if (sym == SYM_GENERAL) {
                for (int m = 0; m < order; m++) {
                    if (++crd[m] < dims[m]) break;
                    crd[m] = 0;
                }
            } else if (++crd[0] >= n) {
                crd[1]++;
                crd[0] = crd[1] + (sym == SYM_SKEW);
            }
        }
    }
    if (found < count)
        return ff_err_set(err, FF_EINVAL,
                          "%s:%ld: expected %llu entries, found %llu at the end of the file",
                          r->path, r->lineno + 1, (unsigned long long)count,
                          (unsigned long long)found);
    return 0;
}

int ff_tensor_read_mtx(const char *path, const ff_format *fmt, int frac_bits, ff_tensor **out,
                       ff_err *err)
{
    if (frac_bits < 0 || frac_bits > 30)
        return ff_err_set(err, FF_EINVAL, "%s: %d fraction bits is outside 0..30", path, frac_bits);
    fft_lines r;
    int rc = fft_lines_open(&r, path, err);
    if (rc) return rc;
    fft_coo c = {0};
    int coordinate = 0, field = 0, sym = 0;
    if ((rc = read_banner(&r, &coordinate, &field, &sym, err))) goto done;

    /* The size line. */
    if ((rc = next_data_line(&r, err)) <= 0) {
        if (rc == 0)
            rc = ff_err_set(err, FF_EINVAL, "%s:%ld: expected the size line, found the end of the file",
                            path, r.lineno + 1);
        goto done;
    }
    char *tok[FF_MAX_ORDER + 2];
    int n = fft_split(r.buf, tok, FF_MAX_ORDER + 2);
    int order = coordinate ? n - 1 : n;
    uint32_t dims[FF_MAX_ORDER] = {0};
    uint64_t nnz = 0;
    int ok = order >= 1 && order <= FF_MAX_ORDER;
    for (int m = 0; ok && m < order; m++) {
        uint64_t v;
        ok = fft_parse_uint(tok[m], UINT32_MAX, &v) == 0;
        dims[m] = (uint32_t)v;
    }
    if (ok && coordinate) ok = fft_parse_uint(tok[order], UINT32_MAX, &nnz) == 0;
    if (!ok) {
        rc = ff_err_set(err, FF_EINVAL,
                        "%s:%ld: expected the size line \"%s\" (1 to %d sizes%s, each an unsigned "
                        "integer)",
                        path, r.lineno, coordinate ? "rows cols nnz" : "rows cols", FF_MAX_ORDER,
                        coordinate ? " then the entry count" : "");
        goto done;
    }
    if (sym != SYM_GENERAL && (order != 2 || dims[0] != dims[1])) {
        char ds[96];
        rc = ff_err_set(err, FF_EINVAL, "%s:%ld: expected a square matrix for %s, got %s", path,
                        r.lineno, sym == SYM_SKEW ? "skew-symmetric" : "symmetric",
                        fft_dims_str(order, dims, ds, sizeof ds));
        goto done;
    }
    ff_format deflt;
    if (!fmt) {
        fft_format_default(order, &deflt);
        fmt = &deflt;
    }
    /* A vector as the standard writes it (SciPy, Matlab): an N x 1 column
     * or a 1 x N row, read into an order-1 tensor along its long mode. */
    int vec_mode = -1;
    if (fmt->order == 1 && order == 2 && (dims[0] == 1 || dims[1] == 1)) vec_mode = dims[1] == 1 ? 0 : 1;
    if (fmt->order != order && vec_mode < 0) {
        char fs[64];
        ff_format_str(fmt, fs, sizeof fs);
        rc = ff_err_set(err, FF_EINVAL, "%s:%ld: format \"%s\" is for order %d, the file holds order %d",
                        path, r.lineno, fs, fmt->order, order);
        goto done;
    }

    /* before reading the entries: a shape too large for fmt would be
     * refused only after allocating its level arrays */
    char where[1024];
    snprintf(where, sizeof where, "%s:%ld", path, r.lineno);
    uint32_t vdims[1] = {vec_mode >= 0 ? dims[vec_mode] : 0};
    if ((rc = fft_check_levels(where, vec_mode >= 0 ? 1 : order, vec_mode >= 0 ? vdims : dims, fmt, err))) goto done;
    c.order = order;
    rc = coordinate ? read_coordinate(&r, order, dims, nnz, field, sym, frac_bits, &c, err)
                    : read_array(&r, order, dims, field, sym, frac_bits, &c, err);
    if (rc) goto done;
    if (vec_mode >= 0) { /* keep each entry's coordinate along the long mode */
        for (size_t i = 0; i < c.val.len; i++) c.crd.data[i] = c.crd.data[2 * i + (size_t)vec_mode];
        c.crd.len = c.val.len;
        c.order = order = 1;
        dims[0] = vdims[0];
    }
    char name[64];
    rc = ff_tensor_from_coo(fft_stem(path, name, sizeof name), order, dims, fmt, frac_bits,
                            c.val.len, c.crd.data, c.val.data, out, err);
    if (rc) ff_err_wrap(err, "%s: ", path);
    else (*out)->loss = r.loss;

done:
    fft_coo_free(&c);
    fft_lines_close(&r);
    return rc;
}

/* Writes "k " (k in decimal) at out; returns its length (at most 11). */
static size_t put_index(char *out, uint64_t k)
{
    char d[20], *e = d + sizeof d, *p = e;
    do *--p = (char)('0' + k % 10); while ((k /= 10) != 0);
    size_t n = (size_t)(e - p);
    memcpy(out, p, n);
    out[n] = ' ';
    return n + 1;
}

/* Entries are the bulk of a result file: each line is made in a chunk
 * buffer by hand (fprintf per number was most of the cost of writing a
 * result) and a full chunk goes out with one fwrite. */
typedef struct line_writer {
    FILE *f;
    int order, frac_bits;
    int keep_zero;  /* write stored zeros too (fft_stored_zeros) */
    size_t used, line_max;
    char chunk[1 << 16];
} line_writer;

static void put_line(line_writer *w, const uint32_t *crd, ff_fx v)
{
    if (w->used + w->line_max > sizeof w->chunk) {
        fwrite(w->chunk, 1, w->used, w->f);
        w->used = 0;
    }
    char *c = w->chunk;
    for (int m = 0; m < w->order; m++) w->used += put_index(c + w->used, (uint64_t)crd[m] + 1);
    if (w->order == 1) c[w->used++] = '1', c[w->used++] = ' ';
    w->used += (size_t)ff_fx_format(v, w->frac_bits, c + w->used, 44);
    c[w->used++] = '\n';
}

static int write_visit(void *ctx, const uint32_t *coords, ff_fx v)
{
    line_writer *w = ctx;
    if (v != 0 || w->keep_zero) put_line(w, coords, v);
    return 0;
}

/* Whether t's levels walk its modes in order, unblocked: then
 * ff_tensor_foreach visits its entries row-major, the order Matrix Market
 * lists them in, and they are written as they are visited. */
static int walks_row_major(const ff_tensor *t)
{
    if (t->fmt.nlevels != t->order) return 0;
    for (int k = 0; k < t->fmt.nlevels; k++)
        if (t->fmt.lv[k].mode != k || t->fmt.lv[k].split != FF_SPLIT_NONE) return 0;
    return 1;
}

int ff_tensor_write_mtx(const ff_tensor *t, const char *path, ff_err *err)
{
    if (t->order < 1)
        return ff_err_set(err, FF_EINVAL, "%s: %s has order 0; Matrix Market needs order >= 1",
                          path, fft_name(t));
    int direct = walks_row_major(t);
    line_writer *w = ff_xcalloc(1, sizeof *w);
    w->order = t->order;
    w->frac_bits = t->frac_bits;
    w->keep_zero = fft_stored_zeros(t); /* the entries FFT_STORED collects */
    w->line_max = (size_t)t->order * 11 + 2 + 44 + 1;
    fft_coo c = {0};
    size_t n = 0;
    if (direct) {
        for (size_t i = 0; i < t->nvals; i++) n += w->keep_zero || t->vals[i] != 0;
    } else {
        fft_entries(t, FFT_STORED, &c);
        n = c.val.len;
    }
    char tmp[4096];
    int rc = fft_wopen(path, &w->f, tmp, sizeof tmp, err);
    if (rc) {
        fft_coo_free(&c);
        free(w);
        return rc;
    }
    FILE *f = w->f;
    fprintf(f, "%%%%MatrixMarket matrix coordinate real general\n");
    if (t->name[0]) fprintf(f, "%% %s, written by fuseflow\n", t->name);
    /* a vector as the standard's N x 1 column, which every reader takes */
    for (int m = 0; m < t->order; m++) fprintf(f, "%u ", (unsigned)t->dims[m]);
    if (t->order == 1) fprintf(f, "1 ");
    fprintf(f, "%zu\n", n);
    if (direct) ff_tensor_foreach(t, write_visit, w);
    else
        for (size_t i = 0; i < n; i++) put_line(w, c.crd.data + i * t->order, c.val.data[i]);
    fwrite(w->chunk, 1, w->used, f);
    fft_coo_free(&c);
    free(w);
    return fft_wcommit(f, path, tmp, 0, err);
}

int ff_tensor_load_with(const char *path, const ff_format *fmt, int frac_bits, const ff_edges_opts *edges,
                        ff_tensor **out, ff_err *err)
{
    size_t n = strlen(path);
    if (n >= 4 && strcmp(path + n - 4, ".mtx") == 0)
        return ff_tensor_read_mtx(path, fmt, frac_bits, out, err);
    int is = fft_is_edge_list(path, err);
    if (is < 0) return is;
    if (is) return ff_tensor_read_edges(path, fmt, frac_bits, edges, out, err);
    return ff_tensor_read_text(path, fmt, frac_bits, out, err);
}

int ff_tensor_load(const char *path, const ff_format *fmt, int frac_bits, ff_tensor **out, ff_err *err)
{
    return ff_tensor_load_with(path, fmt, frac_bits, NULL, out, err);
}
