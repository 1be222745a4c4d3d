/*
 * ff_base.h -- what every fuseflow component shares: the error value that
 * library calls return, growable vectors, and the seeded random generator.
 *
 * Error convention (libuv-style): a library call returns 0 on success or a
 * negative FF_E* code, and when it fails it fills the caller's ff_err with
 * one line of text that already names the place (file:line, node, port ...).
 * Only main() prints an ff_err, once, at the edge.
 */
#ifndef FF_BASE_H
#define FF_BASE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

enum {
    FF_OK = 0,
    FF_EINVAL = -1,   /* malformed input: file contents, arguments, graph */
    FF_EIO = -2,      /* open/read/write failed */
    FF_ENOMEM = -3,   /* allocation failed */
    FF_EDEADLOCK = -4,/* simulation: no node can fire and DONE not reached */
    FF_ELIMIT = -5,   /* simulation: cycle limit reached */
    FF_ERUNTIME = -6, /* simulation: a primitive saw streams that break the token contract */
    FF_EMISMATCH = -7 /* a check found a difference */
};

/* One error message; filled by the callee, printed by main. */
typedef struct ff_err {
    int code;        /* the FF_E* value that was returned */
    char msg[1024];  /* one line, no trailing newline */
} ff_err;

/* Formats msg into err (if err is non-NULL) and returns code, so a failing
 * path can read `return ff_err_set(err, FF_EINVAL, "%s:%d: ...", ...);`. */
int ff_err_set(ff_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes an existing message with more context ("while loading X: "). */
int ff_err_wrap(ff_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Short name of an FF_E* code. */
const char *ff_strerror(int code);

/* Allocation that aborts on failure: used for internal bookkeeping whose
 * failure we do not try to recover from (the process is out of memory). */
void *ff_xmalloc(size_t n);
void *ff_xcalloc(size_t n, size_t size);
void *ff_xrealloc(void *p, size_t n);
char *ff_xstrdup(const char *s);

/* Growable array of T: `FF_VEC(uint32_t) v = {0}; FF_VEC_PUSH(v, 3);`.
 * The struct owns data; free it with free(v.data). Growth doubles, so pushing
 * n items costs O(n) and does not allocate per item in steady state. */
#define FF_VEC(T) struct { T *data; size_t len, cap; }
#define FF_VEC_RESERVE(v, n)                                                  \
    do {                                                                      \
        if ((n) > (v).cap) {                                                  \
            size_t ff_nc_ = (v).cap ? (v).cap : 8;                            \
            while (ff_nc_ < (n)) ff_nc_ *= 2;                                 \
            (v).data = ff_xrealloc((v).data, ff_nc_ * sizeof *(v).data);      \
            (v).cap = ff_nc_;                                                 \
        }                                                                     \
    } while (0)
#define FF_VEC_PUSH(v, x)                                                     \
    do {                                                                      \
        FF_VEC_RESERVE(v, (v).len + 1);                                       \
        (v).data[(v).len++] = (x);                                            \
    } while (0)

/* Deterministic random numbers (splitmix64 seeding a xoshiro256** state).
 * Same seed, same sequence, on every machine: every random input in fuseflow
 * goes through this, never through rand(). */
typedef struct ff_rng {
    uint64_t s[4];
} ff_rng;

void ff_rng_seed(ff_rng *r, uint64_t seed);
uint64_t ff_rng_next(ff_rng *r);
/* Uniform integer in [0, n); n > 0. Unbiased (rejection sampling). */
uint64_t ff_rng_below(ff_rng *r, uint64_t n);
/* Uniform double in [0, 1), 53 random bits. */
double ff_rng_unit(ff_rng *r);

#endif
