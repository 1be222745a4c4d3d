/*
 * text.c -- the dense text form of small tensors:
 *
 *   file   := (comment | blank)* "shape" size* NEWLINE number*
 *   number := as ff_fx_parse reads it, prod(sizes) of them in row-major order,
 *             separated by any blanks and line breaks
 * '#' starts a comment that runs to the end of its line, anywhere. An order-0
 * tensor is "shape" alone and one number.
 */
#include <stdlib.h>
#include <string.h>

#include "tensor_int.h"

int ff_tensor_read_text(const char *path, const ff_format *fmt, int frac_bits, ff_tensor **out,
                        ff_err *err)
{
    if (frac_bits < 0 || frac_bits > 30)
        return ff_err_set(err, FF_EINVAL, "%s: %d fraction bits is outside 0..30", path, frac_bits);
    fft_lines r;
    int rc = fft_lines_open(&r, path, err);
    if (rc) return rc;
    int have_shape = 0, order = 0;
    uint32_t dims[FF_MAX_ORDER] = {0};
    uint64_t want = 0, got = 0, cap = 0; /* cap: values dense has room for */
    ff_fx *dense = NULL;
    ff_format deflt;
    char *tok[FF_MAX_ORDER + 2];
    while ((rc = fft_lines_next(&r, err)) > 0) {
        char *hash = strchr(r.buf, '#');
        if (hash) *hash = '\0';
        if (!have_shape) {
            int n = fft_split(r.buf, tok, FF_MAX_ORDER + 2);
            if (n == 0) continue;
            if (strcmp(tok[0], "shape") != 0) {
                rc = ff_err_set(err, FF_EINVAL,
                                "%s:%ld: expected \"shape\" and the sizes (the dense text form) or SRC DST [WEIGHT] "
                                "(an edge list), got \"%s\"",
                                path, r.lineno, tok[0]);
                goto done;
            }
            order = n - 1;
            if (order > FF_MAX_ORDER) {
                rc = ff_err_set(err, FF_EINVAL, "%s:%ld: expected at most %d sizes after \"shape\"",
                                path, r.lineno, FF_MAX_ORDER);
                goto done;
            }
            for (int m = 0; m < order; m++) {
                uint64_t v;
                if (fft_parse_uint(tok[m + 1], UINT32_MAX, &v) != 0) {
                    rc = ff_err_set(err, FF_EINVAL, "%s:%ld: expected a size, got \"%s\"", path,
                                    r.lineno, tok[m + 1]);
                    goto done;
                }
                dims[m] = (uint32_t)v;
            }
            int too_big;
            want = fft_dims_product(order, dims, FFT_POS_LIMIT, &too_big);
            if (too_big) {
                char ds[96];
                rc = ff_err_set(err, FF_EINVAL,
                                "%s:%ld: shape %s has more than 2^31 entries, too many for the "
                                "dense text form",
                                path, r.lineno, fft_dims_str(order, dims, ds, sizeof ds));
                goto done;
            }
            /* The values grow as they are read (doubling, up to want), so a
             * short file claiming a huge shape fails on its count, not by
             * allocating the shape first. */
            cap = want < 1024 ? (want ? want : 1) : 1024;
            dense = calloc(cap, sizeof *dense);
            if (!dense) {
                rc = ff_err_set(err, FF_ENOMEM, "%s:%ld: out of memory for %llu values", path,
                                r.lineno, (unsigned long long)want);
                goto done;
            }
            have_shape = 1;
            continue;
        }
        /* Values: tokens one at a time, so a long line is no problem. */
        char *s = r.buf;
        for (;;) {
            while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\v' || *s == '\f') s++;
            if (!*s) break;
            char *t = s;
            while (*s && *s != ' ' && *s != '\t' && *s != '\r' && *s != '\v' && *s != '\f') s++;
            int end = *s == '\0';
            *s = '\0';
            if (got == want) {
                rc = ff_err_set(err, FF_EINVAL, "%s:%ld: expected %llu values, found more", path,
                                r.lineno, (unsigned long long)want);
                goto done;
            }
            if (got == cap) {
                uint64_t ncap = cap * 2 < want ? cap * 2 : want;
                ff_fx *grown = realloc(dense, ncap * sizeof *dense);
                if (!grown) {
                    rc = ff_err_set(err, FF_ENOMEM, "%s:%ld: out of memory for %llu values", path,
                                    r.lineno, (unsigned long long)want);
                    goto done;
                }
                dense = grown;
                cap = ncap;
            }
            if (fft_parse_value(&r, t, frac_bits, &dense[got]) != 0) {
                rc = ff_err_set(err, FF_EINVAL, "%s:%ld: expected a number, got \"%s\"", path,
                                r.lineno, t);
                goto done;
            }
            got++;
            if (!end) s++;
        }
    }
    if (rc < 0) goto done;
    if (!have_shape) {
        rc = ff_err_set(err, FF_EINVAL,
                        "%s:%ld: expected \"shape\" and the sizes, found the end of the file", path,
                        r.lineno + 1);
        goto done;
    }
    if (got < want) {
        rc = ff_err_set(err, FF_EINVAL, "%s:%ld: expected %llu values, found %llu at the end of the file",
                        path, r.lineno + 1, (unsigned long long)want, (unsigned long long)got);
        goto done;
    }
    if (!fmt) {
        fft_format_uniform(order, FF_LVL_DENSE, &deflt);
        fmt = &deflt;
    }
    if (fmt->order != order) {
        char fs[64];
        ff_format_str(fmt, fs, sizeof fs);
        rc = ff_err_set(err, FF_EINVAL, "%s: format \"%s\" is for order %d, the file holds order %d",
                        path, fs, fmt->order, order);
        goto done;
    }
    char name[64];
    rc = ff_tensor_from_dense(fft_stem(path, name, sizeof name), order, dims, fmt, frac_bits, dense,
                              out, err);
    if (rc) ff_err_wrap(err, "%s: ", path);
    else (*out)->loss = r.loss;

done:
    free(dense);
    fft_lines_close(&r);
    return rc;
}

int ff_tensor_write_text(const ff_tensor *t, const char *path, ff_err *err)
{
    ff_fx *dense = ff_tensor_to_dense(t);
    if (!dense) {
        char ds[96];
        return ff_err_set(err, FF_EINVAL, "%s: %s (%s) is too large for the dense text form", path,
                          fft_name(t), fft_dims_str(t->order, t->dims, ds, sizeof ds));
    }
    FILE *f;
    char tmp[4096];
    int rc = fft_wopen(path, &f, tmp, sizeof tmp, err);
    if (rc) {
        free(dense);
        return rc;
    }
    fprintf(f, "shape");
    for (int m = 0; m < t->order; m++) fprintf(f, " %u", (unsigned)t->dims[m]);
    fprintf(f, "\n");
    int too_big;
    uint64_t n = fft_dims_product(t->order, t->dims, FFT_POS_LIMIT, &too_big);
    uint64_t row = t->order ? t->dims[t->order - 1] : 1; /* one line per innermost fiber */
    char num[48];
    for (uint64_t i = 0; i < n; i++) {
        ff_fx_format(dense[i], t->frac_bits, num, sizeof num);
        fprintf(f, "%s%s", num, (i + 1) % row == 0 ? "\n" : " ");
    }
    free(dense);
    return fft_wcommit(f, path, tmp, 0, err);
}
