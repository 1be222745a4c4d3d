/*
 * tensor.c -- fibertrees: building them from points, walking them, reading
 * one value, converting between formats and comparing by value.
 *
 * Building (ff_tensor_from_coo) maps every point to its level coordinates
 * (one per level, c / B and c % B for block levels), sorts the points by
 * those tuples, merges duplicates, and then fills the levels top down: each
 * point carries its position in the level above; a dense level turns parent
 * position p and coordinate c into p * dim + c, a compressed level appends a
 * new crd entry whenever (parent, c) changes, which in sorted order groups
 * each fiber's coordinates together and in increasing order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tensor_int.h"

/* ---- small shared helpers ---- */

const char *fft_name(const ff_tensor *t)
{
    return t->name[0] ? t->name : "tensor";
}

uint64_t fft_dims_product(int order, const uint32_t *dims, uint64_t limit, int *too_big)
{
    uint64_t p = 1;
    *too_big = 0;
    for (int m = 0; m < order; m++) {
        if (dims[m] != 0 && p > limit / dims[m]) {
            /* A later zero still makes the product 0 and harmless. */
            for (int z = m; z < order; z++)
                if (dims[z] == 0) return 0;
            *too_big = 1;
            return 0;
        }
        p *= dims[m];
    }
    if (p > limit) {
        *too_big = 1;
        return 0;
    }
    return p;
}

const char *fft_dims_str(int order, const uint32_t *dims, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    if (order == 0) snprintf(buf, n, "scalar");
    for (int m = 0; m < order && len < n; m++) {
        int w = snprintf(buf + len, n - len, "%s%u", m ? "x" : "", (unsigned)dims[m]);
        if (w < 0) break;
        len += (size_t)w;
    }
    return buf;
}

void fft_coo_push(fft_coo *c, const uint32_t *coords, ff_fx v)
{
    for (int m = 0; m < c->order; m++) FF_VEC_PUSH(c->crd, coords[m]);
    FF_VEC_PUSH(c->val, v);
}

void fft_coo_free(fft_coo *c)
{
    free(c->crd.data);
    free(c->val.data);
    memset(c, 0, sizeof *c);
}

/* Bottom-up merge sort of a permutation: stable, O(n log n), no recursion. */
void fft_sort_perm(size_t *perm, size_t n, fft_cmp_fn cmp, const void *ctx)
{
    if (n < 2) return;
    size_t *tmp = ff_xmalloc(n * sizeof *tmp), *src = perm, *dst = tmp;
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) dst[k++] = cmp(ctx, src[j], src[i]) < 0 ? src[j++] : src[i++];
            while (i < mid) dst[k++] = src[i++];
            while (j < hi) dst[k++] = src[j++];
        }
        size_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != perm) memcpy(perm, src, n * sizeof *perm);
    free(tmp);
}

/* ---- building ---- */

void ff_tensor_free(ff_tensor *t)
{
    if (!t) return;
    for (int k = 0; k < FF_MAX_LEVELS; k++) {
        free(t->lvl[k].seg);
        free(t->lvl[k].crd);
    }
    free(t->vals);
    free(t);
}

/* Level coordinate tuples of the points, nlevels per point. */
typedef struct keys {
    const uint32_t *k;
    int L;
} keys;

static int key_cmp(const void *ctx, size_t a, size_t b)
{
    const keys *ks = ctx;
    const uint32_t *x = ks->k + a * (size_t)ks->L, *y = ks->k + b * (size_t)ks->L;
    for (int l = 0; l < ks->L; l++)
        if (x[l] != y[l]) return x[l] < y[l] ? -1 : 1;
    return 0;
}

static uint32_t level_crd(const ff_level_desc *d, uint32_t c)
{
    switch (d->split) {
    case FF_SPLIT_OUTER: return c / d->block;
    case FF_SPLIT_INNER: return c % d->block;
    case FF_SPLIT_NONE: break;
    }
    return c;
}

/* Checks the arguments every constructor shares. */
static int check_shape(const char *name, int order, const ff_format *fmt, int frac_bits,
                       ff_err *err)
{
    const char *nm = name && name[0] ? name : "tensor";
    if (order < 0 || order > FF_MAX_ORDER)
        return ff_err_set(err, FF_EINVAL, "%s: order %d is outside 0..%d", nm, order,
                          FF_MAX_ORDER);
    if (frac_bits < 0 || frac_bits > 30)
        return ff_err_set(err, FF_EINVAL, "%s: %d fraction bits is outside 0..30", nm, frac_bits);
    int rc = fft_format_check(fmt, err);
    if (rc) {
        ff_err_wrap(err, "%s: ", nm);
        return rc;
    }
    if (fmt->order != order) {
        char fs[64];
        ff_format_str(fmt, fs, sizeof fs);
        return ff_err_set(err, FF_EINVAL, "%s: format \"%s\" is for order %d, the tensor has order %d",
                          nm, fs, fmt->order, order);
    }
    return 0;
}

int fft_check_levels(const char *name, int order, const uint32_t *dims, const ff_format *fmt, ff_err *err)
{
    size_t parent_n = 1;
    for (int k = 0; k < fmt->nlevels; k++) {
        size_t dim = ff_format_level_dim(fmt, k, dims);
        /* a compressed level's seg array has parent_n + 1 entries; below it
         * the positions are bounded by the points, not the shape */
        int compressed = fmt->lv[k].fmt != FF_LVL_DENSE;
        if (compressed ? parent_n >= FFT_POS_LIMIT : dim != 0 && parent_n > FFT_POS_LIMIT / dim) {
            char fs[64], ds[96];
            ff_format_str(fmt, fs, sizeof fs);
            return ff_err_set(err, FF_EINVAL, "%s: a %s tensor in format \"%s\" needs more than 2^31 positions at level %d",
                              name && name[0] ? name : "tensor", fft_dims_str(order, dims, ds, sizeof ds), fs, k);
        }
        if (compressed) break;
        parent_n *= dim;
    }
    return 0;
}

/* An empty tensor of this shape and format: no level arrays, no values. */
static ff_tensor *tensor_new(const char *name, int order, const uint32_t *dims, const ff_format *fmt, int frac_bits)
{
    ff_tensor *t = ff_xcalloc(1, sizeof *t);
    if (name) snprintf(t->name, sizeof t->name, "%s", name);
    t->order = order;
    for (int m = 0; m < order; m++) t->dims[m] = dims[m];
    t->fmt = *fmt;
    t->frac_bits = frac_bits;
    return t;
}

int ff_tensor_from_coo(const char *name, int order, const uint32_t *dims, const ff_format *fmt,
                       int frac_bits, size_t nnz, const uint32_t *coords, const ff_fx *vals,
                       ff_tensor **out, ff_err *err)
{
    int rc = check_shape(name, order, fmt, frac_bits, err);
    if (!rc) rc = fft_check_levels(name, order, dims, fmt, err);
    if (rc) return rc;
    const char *nm = name && name[0] ? name : "tensor";
    const int L = fmt->nlevels;

    for (size_t p = 0; p < nnz; p++)
        for (int m = 0; m < order; m++)
            if (coords[p * order + m] >= dims[m])
                return ff_err_set(err, FF_EINVAL,
                                  "%s: point %zu has index %u in mode %d, out of range 0..%lld",
                                  nm, p, (unsigned)coords[p * order + m], m,
                                  (long long)dims[m] - 1);
    if (nnz > UINT32_MAX)
        return ff_err_set(err, FF_EINVAL, "%s: %zu points is more than a level can index", nm, nnz);

    ff_tensor *t = tensor_new(name, order, dims, fmt, frac_bits);

    uint32_t *kv = malloc((nnz ? nnz : 1) * (size_t)(L ? L : 1) * sizeof *kv);
    size_t *perm = malloc((nnz ? nnz : 1) * sizeof *perm);
    size_t *pos = malloc((nnz ? nnz : 1) * sizeof *pos);
    ff_fx *uval = malloc((nnz ? nnz : 1) * sizeof *uval);
    size_t *urep = malloc((nnz ? nnz : 1) * sizeof *urep);
    if (!kv || !perm || !pos || !uval || !urep) {
        rc = ff_err_set(err, FF_ENOMEM, "%s: out of memory for %zu points", nm, nnz);
        goto done;
    }
    for (size_t p = 0; p < nnz; p++) {
        for (int k = 0; k < L; k++)
            kv[p * L + k] = level_crd(&fmt->lv[k], coords[p * order + fmt->lv[k].mode]);
        perm[p] = p;
    }
    keys ks = {kv, L};
    int sorted = 1; /* inputs often come sorted already: skip the sort then */
    for (size_t p = 1; p < nnz && sorted; p++) sorted = key_cmp(&ks, p - 1, p) <= 0;
    if (!sorted) fft_sort_perm(perm, nnz, key_cmp, &ks);

    /* Unique points: urep = a representative, uval = the saturating sum of
     * its duplicates in input order (the sort is stable). */
    size_t U = 0;
    for (size_t i = 0; i < nnz; i++) {
        if (U > 0 && key_cmp(&ks, urep[U - 1], perm[i]) == 0) {
            uval[U - 1] = ff_fx_add(uval[U - 1], vals[perm[i]]);
        } else {
            urep[U] = perm[i];
            uval[U] = vals[perm[i]];
            U++;
        }
    }

    size_t parent_n = 1;
    for (size_t u = 0; u < U; u++) pos[u] = 0;
    for (int k = 0; k < L; k++) {
        ff_level *lv = &t->lvl[k];
        lv->dim = ff_format_level_dim(fmt, k, dims);
        if (fmt->lv[k].fmt == FF_LVL_DENSE) {
            if (lv->dim != 0 && parent_n > FFT_POS_LIMIT / lv->dim) {
                char fs[64], ds[96];
                ff_format_str(fmt, fs, sizeof fs);
                rc = ff_err_set(err, FF_EINVAL,
                                "%s: a %s tensor in format \"%s\" needs more than 2^31 positions "
                                "at level %d",
                                nm, fft_dims_str(order, dims, ds, sizeof ds), fs, k);
                goto done;
            }
            for (size_t u = 0; u < U; u++) pos[u] = pos[u] * lv->dim + kv[urep[u] * L + k];
            parent_n *= lv->dim;
        } else {
            lv->seg = calloc(parent_n + 1, sizeof *lv->seg);
            lv->nseg = parent_n + 1;
            lv->crd = malloc((U ? U : 1) * sizeof *lv->crd);
            if (!lv->seg || !lv->crd) {
                rc = ff_err_set(err, FF_ENOMEM, "%s: out of memory for level %d", nm, k);
                goto done;
            }
            size_t n = 0, prev_parent = 0;
            uint32_t prev_c = 0;
            for (size_t u = 0; u < U; u++) {
                uint32_t c = kv[urep[u] * L + k];
                if (n == 0 || pos[u] != prev_parent || c != prev_c) {
                    prev_parent = pos[u];
                    prev_c = c;
                    lv->crd[n++] = c;
                    lv->seg[pos[u] + 1]++;
                }
                pos[u] = n - 1;
            }
            for (size_t p = 0; p < parent_n; p++) lv->seg[p + 1] += lv->seg[p];
            lv->ncrd = n;
            parent_n = n;
        }
        t->npos[k] = parent_n;
    }
    t->nvals = parent_n;
    t->vals = calloc(parent_n ? parent_n : 1, sizeof *t->vals);
    if (!t->vals) {
        rc = ff_err_set(err, FF_ENOMEM, "%s: out of memory for %zu values", nm, parent_n);
        goto done;
    }
    for (size_t u = 0; u < U; u++) t->vals[pos[u]] = uval[u];
    *out = t;
    t = NULL;

done:
    ff_tensor_free(t);
    free(kv);
    free(perm);
    free(pos);
    free(uval);
    free(urep);
    return rc;
}

int ff_tensor_from_levels(const char *name, int order, const uint32_t *dims, const ff_format *fmt, int frac_bits,
                          const uint32_t *const *seg, const size_t *nseg, const uint32_t *const *crd,
                          const size_t *ncrd, const ff_fx *vals, size_t nvals, ff_tensor **out, ff_err *err)
{
    *out = NULL;
    int rc = check_shape(name, order, fmt, frac_bits, err);
    if (!rc) rc = fft_check_levels(name, order, dims, fmt, err);
    if (rc) return rc;
    const int L = fmt->nlevels;
    if (L == 0) return 0;
    size_t parent_n = 1;
    for (int k = 0; k < L; k++) {
        const ff_level_desc *d = &fmt->lv[k];
        if (d->fmt != FF_LVL_COMPRESSED || d->split != FF_SPLIT_NONE || nseg[k] != parent_n + 1 || seg[k][0] != 0 ||
            seg[k][parent_n] != ncrd[k] || ncrd[k] > UINT32_MAX)
            return 0;
        uint32_t dim = ff_format_level_dim(fmt, k, dims);
        for (size_t f = 0; f < parent_n; f++) {
            uint32_t lo = seg[k][f], hi = seg[k][f + 1];
            if (hi < lo || hi > ncrd[k] || (k > 0 && hi == lo)) return 0;
            for (uint32_t p = lo; p < hi; p++)
                if (crd[k][p] >= dim || (p > lo && crd[k][p] <= crd[k][p - 1])) return 0;
        }
        parent_n = ncrd[k];
    }
    if (nvals != parent_n) return 0;
    ff_tensor *t = tensor_new(name, order, dims, fmt, frac_bits);
    for (int k = 0; k < L; k++) {
        ff_level *lv = &t->lvl[k];
        lv->dim = ff_format_level_dim(fmt, k, dims);
        lv->nseg = nseg[k];
        lv->ncrd = ncrd[k];
        lv->seg = ff_xmalloc(nseg[k] * sizeof *lv->seg);
        lv->crd = ff_xmalloc((ncrd[k] ? ncrd[k] : 1) * sizeof *lv->crd);
        memcpy(lv->seg, seg[k], nseg[k] * sizeof *lv->seg);
        if (ncrd[k]) memcpy(lv->crd, crd[k], ncrd[k] * sizeof *lv->crd);
        t->npos[k] = ncrd[k];
    }
    t->nvals = nvals;
    t->vals = ff_xmalloc((nvals ? nvals : 1) * sizeof *t->vals);
    if (nvals) memcpy(t->vals, vals, nvals * sizeof *t->vals);
    *out = t;
    return 0;
}

int ff_tensor_from_dense(const char *name, int order, const uint32_t *dims, const ff_format *fmt,
                         int frac_bits, const ff_fx *dense, ff_tensor **out, ff_err *err)
{
    int rc = check_shape(name, order, fmt, frac_bits, err);
    if (rc) return rc;
    int too_big;
    uint64_t n = fft_dims_product(order, dims, FFT_POS_LIMIT, &too_big);
    if (too_big) {
        char ds[96];
        return ff_err_set(err, FF_EINVAL, "%s: a dense %s array has more than 2^31 entries",
                          name && name[0] ? name : "tensor",
                          fft_dims_str(order, dims, ds, sizeof ds));
    }
    fft_coo c = {.order = order};
    uint32_t crd[FF_MAX_ORDER] = {0};
    for (uint64_t i = 0; i < n; i++) {
        if (dense[i] != 0) fft_coo_push(&c, crd, dense[i]);
        for (int m = order - 1; m >= 0; m--) { /* row-major: last mode fastest */
            if (++crd[m] < dims[m]) break;
            crd[m] = 0;
        }
    }
    rc = ff_tensor_from_coo(name, order, dims, fmt, frac_bits, c.val.len, c.crd.data, c.val.data,
                            out, err);
    fft_coo_free(&c);
    return rc;
}

/* ---- walking ---- */

typedef struct walk {
    const ff_tensor *t;
    ff_tensor_visit_fn fn;
    void *ctx;
    uint32_t c[FF_MAX_ORDER];    /* coordinates bound so far */
    uint32_t base[FF_MAX_ORDER]; /* block level's c * B, completed by the offset level */
} walk;

static int walk_level(walk *w, int k, size_t parent)
{
    const ff_tensor *t = w->t;
    if (k == t->fmt.nlevels) return w->fn(w->ctx, w->c, t->vals[parent]);
    const ff_level_desc *d = &t->fmt.lv[k];
    const ff_level *lv = &t->lvl[k];
    int dense = d->fmt == FF_LVL_DENSE;
    size_t lo = dense ? parent * lv->dim : lv->seg[parent];
    size_t hi = dense ? lo + lv->dim : lv->seg[parent + 1];
    for (size_t p = lo; p < hi; p++) {
        uint32_t c = dense ? (uint32_t)(p - lo) : lv->crd[p];
        switch (d->split) {
        case FF_SPLIT_NONE: w->c[d->mode] = c; break;
        case FF_SPLIT_OUTER: w->base[d->mode] = c * d->block; break;
        case FF_SPLIT_INNER:
            /* Padding of a partial last block: a dense level has positions
             * for coordinates beyond the tensor; they hold zeros, skip them. */
            if ((uint64_t)w->base[d->mode] + c >= t->dims[d->mode]) continue;
            w->c[d->mode] = w->base[d->mode] + c;
            break;
        }
        int rc = walk_level(w, k + 1, p);
        if (rc) return rc;
    }
    return 0;
}

int ff_tensor_foreach(const ff_tensor *t, ff_tensor_visit_fn fn, void *ctx)
{
    walk w = {.t = t, .fn = fn, .ctx = ctx};
    return walk_level(&w, 0, 0);
}

typedef struct window_walk {
    const int64_t *lo;
    const uint32_t *len;
    int order;
    FF_VEC(uint32_t) crd;
    FF_VEC(ff_fx) vals;
} window_walk;

static int window_visit(void *ctx, const uint32_t *coords, ff_fx val)
{
    window_walk *w = ctx;
    for (int m = 0; m < w->order; m++) {
        int64_t c = (int64_t)coords[m] - w->lo[m];
        if (c < 0 || c >= w->len[m]) return 0;
    }
    for (int m = 0; m < w->order; m++) FF_VEC_PUSH(w->crd, (uint32_t)((int64_t)coords[m] - w->lo[m]));
    FF_VEC_PUSH(w->vals, val);
    return 0;
}

int ff_tensor_window(const ff_tensor *t, const int64_t *lo, const uint32_t *len, ff_tensor **out, ff_err *err)
{
    *out = NULL;
    ff_format fmt = t->fmt;
    int blocked = 0;
    for (int k = 0; k < fmt.nlevels; k++) blocked |= fmt.lv[k].split != FF_SPLIT_NONE;
    if (blocked) {
        /* a window need not follow the blocks: every level compressed, the
         * modes in order, the stored zeros of the blocks kept */
        fmt.order = fmt.nlevels = t->order;
        for (int m = 0; m < t->order; m++) fmt.lv[m] = (ff_level_desc){FF_LVL_COMPRESSED, m, FF_SPLIT_NONE, 0};
    }
    for (int k = 0; k < fmt.nlevels; k++) {
        ff_level_desc *d = &fmt.lv[k];
        if (d->fmt == FF_LVL_DENSE && (lo[d->mode] < 0 || lo[d->mode] + len[d->mode] > t->dims[d->mode]))
            d->fmt = FF_LVL_COMPRESSED;
    }
    window_walk w = {.lo = lo, .len = len, .order = t->order};
    ff_tensor_foreach(t, window_visit, &w);
    int rc = ff_tensor_from_coo(t->name, t->order, len, &fmt, t->frac_bits, w.vals.len, w.crd.data, w.vals.data, out,
                                err);
    free(w.crd.data);
    free(w.vals.data);
    return rc;
}

int ff_level_find(const ff_level *lv, size_t parent, uint32_t c, size_t *pos)
{
    size_t lo = lv->seg[parent], hi = lv->seg[parent + 1], end = hi;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (lv->crd[mid] < c) lo = mid + 1;
        else hi = mid;
    }
    if (lo == end || lv->crd[lo] != c) return 0;
    *pos = lo;
    return 1;
}

/* Where coords is stored: 1 and its value position in *pos, or 0. */
static int find_pos(const ff_tensor *t, const uint32_t *coords, size_t *out)
{
    size_t pos = 0;
    for (int m = 0; m < t->order; m++)
        if (coords[m] >= t->dims[m]) return 0;
    for (int k = 0; k < t->fmt.nlevels; k++) {
        const ff_level_desc *d = &t->fmt.lv[k];
        const ff_level *lv = &t->lvl[k];
        uint32_t c = level_crd(d, coords[d->mode]);
        if (d->fmt == FF_LVL_DENSE) {
            pos = pos * lv->dim + c;
            continue;
        }
        if (!ff_level_find(lv, pos, c, &pos)) return 0;
    }
    *out = pos;
    return 1;
}

ff_fx ff_tensor_get(const ff_tensor *t, const uint32_t *coords)
{
    size_t pos;
    return find_pos(t, coords, &pos) ? t->vals[pos] : 0;
}

int ff_tensor_stored(const ff_tensor *t, const uint32_t *coords)
{
    size_t pos;
    return find_pos(t, coords, &pos);
}

typedef struct dense_ctx {
    const ff_tensor *t;
    ff_fx *out;
} dense_ctx;

static int put_dense(void *ctx, const uint32_t *coords, ff_fx v)
{
    dense_ctx *dc = ctx;
    size_t i = 0;
    for (int m = 0; m < dc->t->order; m++) i = i * dc->t->dims[m] + coords[m];
    dc->out[i] = v;
    return 0;
}

ff_fx *ff_tensor_to_dense(const ff_tensor *t)
{
    int too_big;
    uint64_t n = fft_dims_product(t->order, t->dims, FFT_POS_LIMIT, &too_big);
    if (too_big) return NULL;
    ff_fx *out = calloc(n ? n : 1, sizeof *out);
    if (!out) return NULL;
    dense_ctx dc = {t, out};
    ff_tensor_foreach(t, put_dense, &dc);
    return out;
}

uint64_t ff_tensor_words(const ff_tensor *t)
{
    uint64_t w = t->nvals;
    for (int l = 0; l < t->fmt.nlevels; l++)
        if (t->fmt.lv[l].fmt == FF_LVL_COMPRESSED) w += t->lvl[l].nseg + t->lvl[l].ncrd;
    return w;
}

size_t ff_tensor_nnz(const ff_tensor *t)
{
    /* Padding positions of partial blocks always hold 0, so counting the
     * value array is counting the entries foreach visits. */
    size_t n = 0;
    for (size_t i = 0; i < t->nvals; i++) n += t->vals[i] != 0;
    return n;
}

/* ---- entry lists in row-major order ---- */

typedef struct collect_ctx {
    fft_coo *out;
    int keep_zero;
} collect_ctx;

static int collect(void *ctx, const uint32_t *coords, ff_fx v)
{
    collect_ctx *cc = ctx;
    if (v != 0 || cc->keep_zero) fft_coo_push(cc->out, coords, v);
    return 0;
}

static int coo_cmp(const void *ctx, size_t a, size_t b)
{
    const fft_coo *c = ctx;
    const uint32_t *x = c->crd.data + a * c->order, *y = c->crd.data + b * c->order;
    for (int m = 0; m < c->order; m++)
        if (x[m] != y[m]) return x[m] < y[m] ? -1 : 1;
    return 0;
}

int fft_stored_zeros(const ff_tensor *t)
{
    int L = t->fmt.nlevels;
    return L > 0 && t->fmt.lv[L - 1].fmt == FF_LVL_COMPRESSED;
}

void fft_entries(const ff_tensor *t, int which, fft_coo *out)
{
    collect_ctx cc = {out, which == FFT_STORED && fft_stored_zeros(t)};
    out->order = t->order;
    ff_tensor_foreach(t, collect, &cc);
    size_t n = out->val.len;
    int sorted = 1;
    for (size_t i = 1; i < n && sorted; i++) sorted = coo_cmp(out, i - 1, i) < 0;
    if (sorted) return;
    size_t *perm = ff_xmalloc(n * sizeof *perm);
    for (size_t i = 0; i < n; i++) perm[i] = i;
    fft_sort_perm(perm, n, coo_cmp, out);
    fft_coo s = {.order = out->order};
    FF_VEC_RESERVE(s.crd, out->crd.len);
    FF_VEC_RESERVE(s.val, n);
    for (size_t i = 0; i < n; i++) fft_coo_push(&s, out->crd.data + perm[i] * out->order,
                                                out->val.data[perm[i]]);
    free(perm);
    fft_coo_free(out);
    *out = s;
}

/* ---- converting and comparing ---- */

int ff_tensor_convert(const ff_tensor *t, const ff_format *fmt, ff_tensor **out, ff_err *err)
{
    fft_coo c = {0};
    fft_entries(t, FFT_NONZERO, &c);
    int rc = ff_tensor_from_coo(t->name, t->order, t->dims, fmt, t->frac_bits, c.val.len,
                                c.crd.data, c.val.data, out, err);
    fft_coo_free(&c);
    return rc;
}

typedef struct keep_ctx {
    fft_coo *out;
    ff_tensor_keep_fn keep;
    void *ctx;
} keep_ctx;

static int collect_kept(void *ctx, const uint32_t *coords, ff_fx v)
{
    keep_ctx *kc = ctx;
    if (v != 0 || kc->keep(kc->ctx, coords)) fft_coo_push(kc->out, coords, v);
    return 0;
}

/* Whether two formats store a tensor alike, level by level. */
static int same_format(const ff_format *a, const ff_format *b)
{
    if (a->order != b->order || a->nlevels != b->nlevels) return 0;
    for (int k = 0; k < a->nlevels; k++)
        if (a->lv[k].fmt != b->lv[k].fmt || a->lv[k].mode != b->lv[k].mode || a->lv[k].split != b->lv[k].split ||
            a->lv[k].block != b->lv[k].block)
            return 0;
    return 1;
}

int ff_tensor_convert_keep(const ff_tensor *t, const ff_format *fmt, ff_tensor_keep_fn keep, void *ctx,
                           ff_tensor **out, ff_err *err)
{
    /* Into its own format with no stored zero, every position is kept and
     * the tensor comes back as it is: copied, not rebuilt from its points. */
    int zero = 0;
    for (size_t v = 0; v < t->nvals && !zero; v++) zero = t->vals[v] == 0;
    if (!zero && same_format(&t->fmt, fmt)) {
        ff_tensor *c = ff_xcalloc(1, sizeof *c);
        *c = *t;
        memset(&c->loss, 0, sizeof c->loss); /* as a rebuilt tensor: nothing read */
        for (int k = 0; k < FF_MAX_LEVELS; k++) {
            const ff_level *lv = &t->lvl[k];
            c->lvl[k].seg = lv->seg ? ff_xmalloc((lv->nseg ? lv->nseg : 1) * sizeof *lv->seg) : NULL;
            c->lvl[k].crd = lv->crd ? ff_xmalloc((lv->ncrd ? lv->ncrd : 1) * sizeof *lv->crd) : NULL;
            if (lv->nseg) memcpy(c->lvl[k].seg, lv->seg, lv->nseg * sizeof *lv->seg);
            if (lv->ncrd) memcpy(c->lvl[k].crd, lv->crd, lv->ncrd * sizeof *lv->crd);
        }
        c->vals = ff_xmalloc((t->nvals ? t->nvals : 1) * sizeof *c->vals);
        if (t->nvals) memcpy(c->vals, t->vals, t->nvals * sizeof *c->vals);
        *out = c;
        return 0;
    }
    /* foreach visits every stored position (a dense level's included), so
     * every stored 0 is offered to keep. */
    fft_coo c = {.order = t->order};
    keep_ctx kc = {&c, keep, ctx};
    ff_tensor_foreach(t, collect_kept, &kc);
    int rc = ff_tensor_from_coo(t->name, t->order, t->dims, fmt, t->frac_bits, c.val.len, c.crd.data, c.val.data,
                                out, err);
    fft_coo_free(&c);
    return rc;
}

static int keep_all(void *ctx, const uint32_t *coords)
{
    (void)ctx;
    (void)coords;
    return 1;
}

int ff_tensor_convert_blocks(const ff_tensor *t, const ff_format *fmt, ff_tensor **out, ff_err *err)
{
    /* foreach visits exactly the stored entries (padding of a partial edge
     * block skipped): a graph must stream a stored 0 as the reference
     * counts it, whether a block, a dense level or a computed 0 put it there */
    return ff_tensor_convert_keep(t, fmt, keep_all, NULL, out, err);
}

/* "A(3,7)" into buf. */
static const char *point_str(const char *name, int order, const uint32_t *c, char *buf, size_t n)
{
    size_t len = (size_t)snprintf(buf, n, "%s(", name);
    for (int m = 0; m < order && len < n; m++)
        len += (size_t)snprintf(buf + len, n - len, "%s%u", m ? "," : "", (unsigned)c[m]);
    if (len < n) snprintf(buf + len, n - len, ")");
    return buf;
}

/* a * 2^-fa against b * 2^-fb, exactly: both scaled to 60 fraction bits at
 * most, which int64 holds for 32-bit a and b. */
static int fx_cmp_scaled(ff_fx a, int fa, ff_fx b, int fb)
{
    int64_t x = (int64_t)a * ((int64_t)1 << (30 - fa)), y = (int64_t)b * ((int64_t)1 << (30 - fb));
    return x < y ? -1 : x > y;
}

int ff_tensor_compare(const ff_tensor *a, const ff_tensor *b, ff_err *err)
{
    const char *nm = a->name[0] ? a->name : b->name[0] ? b->name : "tensor";
    int same = a->order == b->order;
    for (int m = 0; same && m < a->order; m++) same = a->dims[m] == b->dims[m];
    if (!same) {
        char da[96], db[96];
        return ff_err_set(err, FF_EMISMATCH, "%s: got dims %s, expected %s", nm,
                          fft_dims_str(a->order, a->dims, da, sizeof da),
                          fft_dims_str(b->order, b->dims, db, sizeof db));
    }
    /* Merge the two sorted lists of non-zero entries; an entry present on
     * one side only is compared against 0. */
    fft_coo ea = {0}, eb = {0};
    fft_entries(a, FFT_NONZERO, &ea);
    fft_entries(b, FFT_NONZERO, &eb);
    size_t i = 0, j = 0, na = ea.val.len, nb = eb.val.len;
    int order = a->order, rc = 0;
    while (i < na || j < nb) {
        /* c < 0: only a has this point; c > 0: only b; 0: both. */
        const uint32_t *ca = i < na ? ea.crd.data + i * order : NULL;
        const uint32_t *cb = j < nb ? eb.crd.data + j * order : NULL;
        int c = i == na ? 1 : j == nb ? -1 : 0;
        for (int m = 0; m < order && c == 0; m++)
            if (ca[m] != cb[m]) c = ca[m] < cb[m] ? -1 : 1;
        ff_fx va = c <= 0 ? ea.val.data[i] : 0, vb = c >= 0 ? eb.val.data[j] : 0;
        const uint32_t *at = c <= 0 ? ca : cb;
        if (c <= 0) i++;
        if (c >= 0) j++;
        if (fx_cmp_scaled(va, a->frac_bits, vb, b->frac_bits) != 0) {
            char ps[160], ga[48], gb[48];
            ff_fx_format(va, a->frac_bits, ga, sizeof ga);
            ff_fx_format(vb, b->frac_bits, gb, sizeof gb);
            rc = ff_err_set(err, FF_EMISMATCH, "%s: got %s, expected %s",
                            point_str(nm, order, at, ps, sizeof ps), ga, gb);
            break;
        }
    }
    fft_coo_free(&ea);
    fft_coo_free(&eb);
    return rc;
}
