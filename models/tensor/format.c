/*
 * format.c -- storage formats: parsing format strings, their canonical text,
 * and the coordinate range of each level.
 *
 *   format  := name | letters [":" mode ("," mode)*]
 *   name    := "dense" | "sparse" | "csr" | "csc" | "dcsr" | "dcsc" | "bcsr(" B ")"
 *   letters := ("d" | "c")+          one per level, outermost first
 *   mode    := N | N "/" B | N "%" B  whole mode N, its block index, its block offset
 *
 * bcsr(B) is "dcdd:0/B,1/B,0%B,1%B": block rows dense, block columns
 * compressed, then the B x B block dense.
 */
#include <stdio.h>
#include <string.h>

#include "tensor_int.h"

void fft_format_uniform(int order, ff_level_fmt fmt, ff_format *out)
{
    memset(out, 0, sizeof *out);
    out->order = order;
    out->nlevels = order;
    for (int k = 0; k < order; k++) {
        out->lv[k].fmt = fmt;
        out->lv[k].mode = k;
        out->lv[k].split = FF_SPLIT_NONE;
    }
}

void fft_format_default(int order, ff_format *out)
{
    fft_format_uniform(order, FF_LVL_COMPRESSED, out);
    if (order >= 2) out->lv[0].fmt = FF_LVL_DENSE;
}

/* Two whole-mode levels of an order-2 format with letters a, b, modes m0, m1. */
static void set2(ff_format *f, ff_level_fmt a, ff_level_fmt b, int m0, int m1)
{
    fft_format_uniform(2, a, f);
    f->lv[1].fmt = b;
    f->lv[0].mode = m0;
    f->lv[1].mode = m1;
}

static void set_bcsr(ff_format *f, uint32_t b)
{
    static const struct {
        ff_level_fmt fmt;
        int mode;
        ff_level_split split;
    } lv[4] = {
        {FF_LVL_DENSE, 0, FF_SPLIT_OUTER},
        {FF_LVL_COMPRESSED, 1, FF_SPLIT_OUTER},
        {FF_LVL_DENSE, 0, FF_SPLIT_INNER},
        {FF_LVL_DENSE, 1, FF_SPLIT_INNER},
    };
    memset(f, 0, sizeof *f);
    f->order = 2;
    f->nlevels = 4;
    for (int k = 0; k < 4; k++) {
        f->lv[k].fmt = lv[k].fmt;
        f->lv[k].mode = lv[k].mode;
        f->lv[k].split = lv[k].split;
        f->lv[k].block = b;
    }
}

static int is_bcsr(const ff_format *f)
{
    ff_format g;
    if (f->order != 2 || f->nlevels != 4 || f->lv[0].block == 0) return 0;
    set_bcsr(&g, f->lv[0].block);
    for (int k = 0; k < 4; k++)
        if (f->lv[k].fmt != g.lv[k].fmt || f->lv[k].mode != g.lv[k].mode ||
            f->lv[k].split != g.lv[k].split || f->lv[k].block != g.lv[k].block)
            return 0;
    return 1;
}

int fft_format_check(const ff_format *f, ff_err *err)
{
    if (f->order < 0 || f->order > FF_MAX_ORDER)
        return ff_err_set(err, FF_EINVAL, "format: order %d is outside 0..%d", f->order,
                          FF_MAX_ORDER);
    if (f->nlevels < f->order || f->nlevels > FF_MAX_LEVELS)
        return ff_err_set(err, FF_EINVAL, "format: %d levels for order %d (expected %d..%d)",
                          f->nlevels, f->order, f->order, FF_MAX_LEVELS);
    int whole[FF_MAX_ORDER] = {0}, outer[FF_MAX_ORDER] = {0}, inner[FF_MAX_ORDER] = {0};
    uint32_t block[FF_MAX_ORDER] = {0};
    for (int k = 0; k < f->nlevels; k++) {
        const ff_level_desc *d = &f->lv[k];
        if (d->fmt != FF_LVL_DENSE && d->fmt != FF_LVL_COMPRESSED)
            return ff_err_set(err, FF_EINVAL, "format: level %d has no valid level format", k);
        if (d->mode < 0 || d->mode >= f->order)
            return ff_err_set(err, FF_EINVAL, "format: level %d iterates mode %d (expected 0..%d)",
                              k, d->mode, f->order - 1);
        int m = d->mode;
        switch (d->split) {
        case FF_SPLIT_NONE:
            whole[m]++;
            break;
        case FF_SPLIT_OUTER:
            if (d->block == 0 || outer[m] || inner[m])
                return ff_err_set(err, FF_EINVAL,
                                  "format: level %d: a block level of mode %d needs a block "
                                  "size >= 1 and must come before the offset level",
                                  k, m);
            outer[m]++;
            block[m] = d->block;
            break;
        case FF_SPLIT_INNER:
            if (!outer[m] || inner[m] || d->block != block[m])
                return ff_err_set(err, FF_EINVAL,
                                  "format: level %d: the offset level of mode %d needs an "
                                  "earlier block level with the same block size",
                                  k, m);
            inner[m]++;
            break;
        default:
            return ff_err_set(err, FF_EINVAL, "format: level %d has no valid split", k);
        }
    }
    for (int m = 0; m < f->order; m++) {
        int ok = (whole[m] == 1 && !outer[m] && !inner[m]) ||
                 (whole[m] == 0 && outer[m] == 1 && inner[m] == 1);
        if (!ok)
            return ff_err_set(err, FF_EINVAL,
                              "format: mode %d must be iterated by one level, or by one block "
                              "level and one offset level",
                              m);
    }
    return 0;
}

static const char expected_msg[] =
    "expected dense, sparse, csr, csc, dcsr, dcsc, bcsr(B) or level letters d/c";

/* Parses a decimal integer in [lo, hi] at *s, advancing *s; -1 if none. */
static long parse_num(const char **s, long lo, long hi)
{
    const char *p = *s;
    long v = 0;
    if (*p < '0' || *p > '9') return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (*p - '0');
        if (v > hi) return -1;
    }
    if (v < lo) return -1;
    *s = p;
    return v;
}

/* letters [":" modes]: the part of the grammar that is not a name. */
static int parse_letters(const char *text, int order, ff_format *f, ff_err *err)
{
    const char *s = text;
    memset(f, 0, sizeof *f);
    f->order = order;
    int n = 0;
    for (; *s == 'd' || *s == 'c'; s++) {
        if (n == FF_MAX_LEVELS)
            return ff_err_set(err, FF_EINVAL, "format \"%s\": more than %d levels", text,
                              FF_MAX_LEVELS);
        f->lv[n].fmt = *s == 'd' ? FF_LVL_DENSE : FF_LVL_COMPRESSED;
        f->lv[n].mode = n;
        n++;
    }
    if (n == 0 || (*s != '\0' && *s != ':'))
        return ff_err_set(err, FF_EINVAL, "format \"%s\": %s", text, expected_msg);
    f->nlevels = n;
    if (*s == '\0') {
        if (n != order)
            return ff_err_set(err, FF_EINVAL,
                              "format \"%s\" has %d levels, a tensor of order %d needs %d", text,
                              n, order, order);
        return 0;
    }
    s++; /* the mode list, one per level */
    for (int k = 0; k < n; k++) {
        if (k > 0 && *s++ != ',') goto bad_list;
        long m = parse_num(&s, 0, FF_MAX_ORDER - 1);
        if (m < 0) goto bad_list;
        f->lv[k].mode = (int)m;
        if (*s == '/' || *s == '%') {
            f->lv[k].split = *s == '/' ? FF_SPLIT_OUTER : FF_SPLIT_INNER;
            s++;
            long b = parse_num(&s, 1, INT32_MAX);
            if (b < 0) goto bad_list;
            f->lv[k].block = (uint32_t)b;
        }
    }
    if (*s != '\0') goto bad_list;
    if (fft_format_check(f, NULL) != 0) goto bad_list;
    return 0;

bad_list:
    return ff_err_set(err, FF_EINVAL,
                      "format \"%s\": expected after \":\" one mode per level (N, or N/B and "
                      "N%%B for a block level and its offset level), covering each of the "
                      "modes 0..%d once",
                      text, order - 1);
}

int ff_format_parse(const char *text, int order, ff_format *out, ff_err *err)
{
    ff_format f;
    int need2 = 0;
    if (order < 0 || order > FF_MAX_ORDER)
        return ff_err_set(err, FF_EINVAL, "format \"%s\": order %d is outside 0..%d", text,
                          order, FF_MAX_ORDER);
    if (strcmp(text, "dense") == 0) {
        fft_format_uniform(order, FF_LVL_DENSE, &f);
    } else if (strcmp(text, "sparse") == 0) {
        fft_format_uniform(order, FF_LVL_COMPRESSED, &f);
    } else if (strcmp(text, "csr") == 0) {
        need2 = 1;
        set2(&f, FF_LVL_DENSE, FF_LVL_COMPRESSED, 0, 1);
    } else if (strcmp(text, "csc") == 0) {
        need2 = 1;
        set2(&f, FF_LVL_DENSE, FF_LVL_COMPRESSED, 1, 0);
    } else if (strcmp(text, "dcsr") == 0) {
        need2 = 1;
        set2(&f, FF_LVL_COMPRESSED, FF_LVL_COMPRESSED, 0, 1);
    } else if (strcmp(text, "dcsc") == 0) {
        need2 = 1;
        set2(&f, FF_LVL_COMPRESSED, FF_LVL_COMPRESSED, 1, 0);
    } else if (strncmp(text, "bcsr(", 5) == 0) {
        const char *s = text + 5;
        long b = parse_num(&s, 1, INT32_MAX);
        if (b < 0 || strcmp(s, ")") != 0)
            return ff_err_set(err, FF_EINVAL,
                              "format \"%s\": expected bcsr(B) with B a positive integer", text);
        need2 = 1;
        set_bcsr(&f, (uint32_t)b);
    } else {
        int rc = parse_letters(text, order, &f, err);
        if (rc) return rc;
    }
    if (need2 && order != 2)
        return ff_err_set(err, FF_EINVAL, "format \"%s\" needs a tensor of order 2, not %d",
                          text, order);
    *out = f;
    return 0;
}

/* Appends to buf[*len] snprintf-style, keeping the length it wanted. */
static void put(char *buf, size_t n, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void put(char *buf, size_t n, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(*len < n ? buf + *len : NULL, *len < n ? n - *len : 0, fmt, ap);
    va_end(ap);
    if (w > 0) *len += (size_t)w;
}

int ff_format_str(const ff_format *f, char *buf, size_t n)
{
    size_t len = 0;
    int whole = f->nlevels == f->order, natural = whole, alld = 1, allc = 1;
    for (int k = 0; k < f->nlevels; k++) {
        if (f->lv[k].split != FF_SPLIT_NONE) whole = natural = 0;
        if (f->lv[k].mode != k) natural = 0;
        if (f->lv[k].fmt == FF_LVL_DENSE) allc = 0;
        else alld = 0;
    }
    if (n > 0) buf[0] = '\0';
    if (whole && f->order == 2 && !alld) {
        static const char *names[2][2] = {{"csr", "csc"}, {"dcsr", "dcsc"}};
        /* [outer compressed?][mode order swapped?]; "cd" is not a classic */
        if (f->lv[1].fmt == FF_LVL_COMPRESSED) {
            put(buf, n, &len, "%s", names[f->lv[0].fmt == FF_LVL_COMPRESSED][f->lv[0].mode == 1]);
            return (int)len;
        }
    }
    if (natural && alld) {
        put(buf, n, &len, "dense");
        return (int)len;
    }
    if (natural && allc) {
        put(buf, n, &len, "sparse");
        return (int)len;
    }
    if (is_bcsr(f)) {
        put(buf, n, &len, "bcsr(%u)", (unsigned)f->lv[0].block);
        return (int)len;
    }
    for (int k = 0; k < f->nlevels; k++)
        put(buf, n, &len, "%c", f->lv[k].fmt == FF_LVL_DENSE ? 'd' : 'c');
    if (!natural) {
        for (int k = 0; k < f->nlevels; k++) {
            const ff_level_desc *d = &f->lv[k];
            put(buf, n, &len, "%c%d", k ? ',' : ':', d->mode);
            if (d->split != FF_SPLIT_NONE)
                put(buf, n, &len, "%c%u", d->split == FF_SPLIT_OUTER ? '/' : '%',
                    (unsigned)d->block);
        }
    }
    return (int)len;
}

uint32_t ff_format_level_dim(const ff_format *f, int k, const uint32_t *dims)
{
    const ff_level_desc *d = &f->lv[k];
    uint32_t dim = dims[d->mode];
    switch (d->split) {
    case FF_SPLIT_OUTER: return dim / d->block + (dim % d->block != 0);
    case FF_SPLIT_INNER: return d->block;
    case FF_SPLIT_NONE: break;
    }
    return dim;
}
