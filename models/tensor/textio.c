/*
 * textio.c -- the plumbing of the two text file forms: a line reader that
 * counts lines for messages, a tokenizer, and the write-to-temporary-then-
 * rename step that keeps a failed write from leaving half a file behind.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "tensor_int.h"

int fft_lines_open(fft_lines *r, const char *path, ff_err *err)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->f = fopen(path, "r");
    if (!r->f) return ff_err_set(err, FF_EIO, "%s: cannot open: %s", path, strerror(errno));
    return 0;
}

int fft_lines_next(fft_lines *r, ff_err *err)
{
    errno = 0;
    ssize_t n = getline(&r->buf, &r->cap, r->f);
    if (n < 0) {
        if (ferror(r->f))
            return ff_err_set(err, FF_EIO, "%s:%ld: cannot read: %s", r->path, r->lineno + 1,
                              strerror(errno ? errno : EIO));
        return 0;
    }
    r->lineno++;
    if (memchr(r->buf, '\0', (size_t)n))
        return ff_err_set(err, FF_EINVAL, "%s:%ld: expected text, found a NUL byte", r->path,
                          r->lineno);
    while (n > 0 && (r->buf[n - 1] == '\n' || r->buf[n - 1] == '\r')) r->buf[--n] = '\0';
    return 1;
}

/* How far |x| of a lost literal is from the format, for picking the worst
 * one to name (a message, so strtod is fine here). */
static double loss_badness(ff_fx_loss k, const char *tok)
{
    double x = strtod(tok, NULL);
    if (x < 0) x = -x;
    return k == FF_FX_SATURATED ? x : x > 0 ? 1 / x : HUGE_VAL;
}

int fft_parse_value(fft_lines *r, const char *tok, int frac_bits, ff_fx *v)
{
    ff_fx_loss k;
    if (ff_fx_parse_loss(tok, frac_bits, v, &k) != 0) return -1;
    if (k == FF_FX_EXACT) return 0;
    ff_tensor_loss *l = &r->loss;
    /* a saturated value is worse than any underflow */
    int worse = !l->worst_line ||
                (k == FF_FX_SATURATED && (!l->saturated || loss_badness(k, tok) > loss_badness(k, l->worst))) ||
                (k == FF_FX_UNDERFLOW && !l->saturated && loss_badness(k, tok) > loss_badness(k, l->worst));
    if (k == FF_FX_SATURATED) l->saturated++;
    else l->underflow++;
    if (worse) {
        l->worst_line = r->lineno;
        snprintf(l->worst, sizeof l->worst, "%s", tok);
    }
    return 0;
}

void fft_lines_close(fft_lines *r)
{
    if (r->f) fclose(r->f);
    free(r->buf);
    memset(r, 0, sizeof *r);
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

int fft_split(char *s, char **tok, int max)
{
    int n = 0;
    while (*s) {
        while (is_blank(*s)) s++;
        if (!*s) break;
        if (n < max) tok[n] = s;
        n++;
        while (*s && !is_blank(*s)) s++;
        if (*s) *s++ = '\0';
    }
    return n;
}

int fft_parse_uint(const char *s, uint64_t limit, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s) return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return -1;
        unsigned d = (unsigned)(*s - '0');
        if (v > (limit - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

const char *fft_stem(const char *path, char *buf, size_t n)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    snprintf(buf, n, "%.*s", (int)len, base);
    return buf;
}

int fft_wopen(const char *path, FILE **f, char *tmp, size_t ntmp, ff_err *err)
{
    if ((size_t)snprintf(tmp, ntmp, "%s.tmp", path) >= ntmp)
        return ff_err_set(err, FF_EIO, "%s: path too long", path);
    *f = fopen(tmp, "w");
    if (!*f) return ff_err_set(err, FF_EIO, "%s: cannot open for writing: %s", tmp, strerror(errno));
    return 0;
}

int fft_wcommit(FILE *f, const char *path, const char *tmp, int rc, ff_err *err)
{
    int werr = ferror(f) ? (errno ? errno : EIO) : 0;
    if (fclose(f) != 0 && !werr) werr = errno ? errno : EIO;
    if (rc == 0 && werr) rc = ff_err_set(err, FF_EIO, "%s: cannot write: %s", tmp, strerror(werr));
    if (rc == 0 && rename(tmp, path) != 0)
        rc = ff_err_set(err, FF_EIO, "%s: cannot rename %s to it: %s", path, tmp, strerror(errno));
    if (rc != 0) remove(tmp);
    return rc;
}
