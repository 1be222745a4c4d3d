#include "ff_base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ff_err_set(ff_err *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

int ff_err_wrap(ff_err *err, const char *fmt, ...)
{
    if (!err) return FF_EINVAL;
    char prefix[512], old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    /* The message is one line for people: cutting it short is acceptable. */
    size_t plen = strlen(prefix);
    if (plen >= sizeof err->msg) plen = sizeof err->msg - 1;
    memcpy(err->msg, prefix, plen);
    size_t rest = sizeof err->msg - 1 - plen, olen = strlen(old);
    if (olen > rest) olen = rest;
    memcpy(err->msg + plen, old, olen);
    err->msg[plen + olen] = '\0';
    return err->code;
}

const char *ff_strerror(int code)
{
    switch (code) {
    case FF_OK: return "ok";
    case FF_EINVAL: return "invalid input";
    case FF_EIO: return "i/o error";
    case FF_ENOMEM: return "out of memory";
    case FF_EDEADLOCK: return "deadlock";
    case FF_ELIMIT: return "cycle limit reached";
    case FF_ERUNTIME: return "stream contract violated";
    case FF_EMISMATCH: return "mismatch";
    }
    return "unknown error";
}

static void die_oom(size_t n)
{
    fprintf(stderr, "fuseflow: out of memory allocating %zu bytes\n", n);
    abort();
}

void *ff_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) die_oom(n);
    return p;
}

void *ff_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) die_oom(n * size);
    return p;
}

void *ff_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) die_oom(n);
    return q;
}

char *ff_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = ff_xmalloc(n);
    memcpy(d, s, n);
    return d;
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void ff_rng_seed(ff_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t ff_rng_next(ff_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t ff_rng_below(ff_rng *r, uint64_t n)
{
    /* Reject the top partial bucket so every residue is equally likely. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = ff_rng_next(r);
    while (x >= limit);
    return x % n;
}

double ff_rng_unit(ff_rng *r)
{
    return (double)(ff_rng_next(r) >> 11) * 0x1.0p-53;
}
