/*
 * blob.c -- tensors as mailbox bytes (ff_sc_blob.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ff_sc_blob.h"

#define HEADER_WORDS 20

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

typedef struct points {
    int order;
    FF_VEC(uint32_t) crd;
    FF_VEC(ff_fx) val;
} points;

static int collect(void *ctx, const uint32_t *coords, ff_fx v)
{
    points *p = ctx;
    if (v == 0) return 0;
    for (int m = 0; m < p->order; m++) FF_VEC_PUSH(p->crd, coords[m]);
    FF_VEC_PUSH(p->val, v);
    return 0;
}

int ff_sc_blob_encode(const ff_tensor *t, const char *name, uint8_t **out, size_t *len, ff_err *err)
{
    *out = NULL;
    *len = 0;
    if (t->order < 1 || t->order > FF_MAX_ORDER)
        return ff_err_set(err, FF_EINVAL, "tensor '%s': order %d cannot be sent", t->name, t->order);
    points p = {.order = t->order};
    ff_tensor_foreach(t, collect, &p);
    size_t nnz = p.val.len;
    if (nnz > UINT32_MAX / (uint32_t)(t->order + 1)) {
        free(p.crd.data);
        free(p.val.data);
        return ff_err_set(err, FF_EINVAL, "tensor '%s': %zu points are too many for a blob", t->name, nnz);
    }
    size_t words = HEADER_WORDS + (size_t)t->order + nnz * (size_t)t->order + nnz;
    uint8_t *b = ff_xcalloc(words, 4);
    put32(b, FF_SC_BLOB_MAGIC);
    put32(b + 4, (uint32_t)t->order);
    put32(b + 8, (uint32_t)t->frac_bits);
    put32(b + 12, (uint32_t)nnz);
    snprintf((char *)b + 16, 64, "%s", name ? name : t->name);
    uint8_t *w = b + 4 * HEADER_WORDS;
    for (int m = 0; m < t->order; m++, w += 4) put32(w, t->dims[m]);
    for (size_t i = 0; i < nnz * (size_t)t->order; i++, w += 4) put32(w, p.crd.data[i]);
    for (size_t i = 0; i < nnz; i++, w += 4) put32(w, (uint32_t)p.val.data[i]);
    free(p.crd.data);
    free(p.val.data);
    *out = b;
    *len = words * 4;
    return 0;
}

/* The header's fields, checked against len. */
static int header(const uint8_t *b, size_t len, int *order, int *frac, size_t *nnz, ff_err *err)
{
    if (len < 4 * HEADER_WORDS) return ff_err_set(err, FF_EINVAL, "tensor blob: %zu bytes, shorter than its header", len);
    if (get32(b) != FF_SC_BLOB_MAGIC)
        return ff_err_set(err, FF_EINVAL, "tensor blob: magic 0x%08x, expected 0x%08x", get32(b), FF_SC_BLOB_MAGIC);
    uint32_t r = get32(b + 4), f = get32(b + 8), n = get32(b + 12);
    if (r < 1 || r > FF_MAX_ORDER) return ff_err_set(err, FF_EINVAL, "tensor blob: order %u", r);
    if (f > 31) return ff_err_set(err, FF_EINVAL, "tensor blob: %u fractional bits", f);
    if (!memchr(b + 16, '\0', 64)) return ff_err_set(err, FF_EINVAL, "tensor blob: the name is not terminated");
    uint64_t words = HEADER_WORDS + (uint64_t)r + (uint64_t)n * r + n;
    if ((uint64_t)len != words * 4)
        return ff_err_set(err, FF_EINVAL, "tensor blob '%s': %zu bytes, its header says %llu", (const char *)b + 16, len,
                          (unsigned long long)(words * 4));
    *order = (int)r;
    *frac = (int)f;
    *nnz = n;
    return 0;
}

int ff_sc_blob_name(const uint8_t *b, size_t len, char name[64], ff_err *err)
{
    int order, frac;
    size_t nnz;
    int rc = header(b, len, &order, &frac, &nnz, err);
    if (!rc) memcpy(name, b + 16, 64);
    return rc;
}

int ff_sc_blob_decode(const uint8_t *b, size_t len, const ff_format *fmt, ff_tensor **out, ff_err *err)
{
    int order = 0, frac = 0;
    size_t nnz = 0;
    int rc = header(b, len, &order, &frac, &nnz, err);
    if (rc) return rc;
    const char *name = (const char *)b + 16;
    if (fmt->order != order)
        return ff_err_set(err, FF_EINVAL, "tensor blob '%s': order %d, the format's is %d", name, order, fmt->order);
    uint32_t dims[FF_MAX_ORDER];
    const uint8_t *w = b + 4 * HEADER_WORDS;
    for (int m = 0; m < order; m++, w += 4) dims[m] = get32(w);
    uint32_t *crd = ff_xmalloc(nnz * (size_t)order * sizeof *crd + 1);
    ff_fx *val = ff_xmalloc(nnz * sizeof *val + 1);
    for (size_t i = 0; i < nnz * (size_t)order; i++, w += 4) crd[i] = get32(w);
    for (size_t i = 0; i < nnz; i++, w += 4) val[i] = (ff_fx)get32(w);
    rc = ff_tensor_from_coo(name, order, dims, fmt, frac, nnz, crd, val, out, err);
    if (rc) ff_err_wrap(err, "tensor blob '%s': ", name);
    free(crd);
    free(val);
    return rc;
}
