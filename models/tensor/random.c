/*
 * random.c -- random sparse tensors, the same on every machine for a seed.
 *
 * Points are drawn over the row-major linear index space 0..N-1, so the
 * tensor does not depend on the format it is stored in. Dense draws (density
 * > 0.1) test every index with one uniform number; sparse draws jump from
 * one present index to the next by a geometric gap floor(ln U / ln(1 - p)),
 * which is the same Bernoulli(p) process without touching absent indices.
 * The logarithms are computed here with + - * / only (ieee754 operations are
 * correctly rounded everywhere), not by the host libm, so a seed gives the
 * same gaps on every machine.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tensor_int.h"

#define LN2 0.693147180559945309417232121458

/* ln x for 0 < x <= 1: x = m 2^e with m in [sqrt(1/2), sqrt(2)), then
 * ln m = 2 atanh(s) with s = (m-1)/(m+1), |s| < 0.172, by its series. */
static double ln_unit(double x)
{
    int e = 0;
    double m = frexp(x, &e); /* exact: x = m 2^e, m in [1/2, 1) */
    if (m < 0.70710678118654752440) {
        m *= 2;
        e--;
    }
    double s = (m - 1) / (m + 1), s2 = s * s, term = s, sum = 0;
    for (int k = 1; k <= 41; k += 2) { /* |s|^42 < 1e-32 */
        sum += term / k;
        term *= s2;
    }
    return e * LN2 + 2 * sum;
}

/* ln(1 - p) for 0 < p <= 0.1, without forming 1 - p: -sum p^k / k. */
static double ln_one_minus(double p)
{
    double term = p, sum = 0;
    for (int k = 1; k <= 40; k++) { /* 0.1^40 / 40 is far below an ulp */
        sum += term / k;
        term *= p;
    }
    return -sum;
}

/* Uniform in (0, 1]: 53 random bits, never 0. */
static double unit_open(ff_rng *r)
{
    return (double)((ff_rng_next(r) >> 11) + 1) * (1.0 / 9007199254740992.0);
}

int ff_tensor_random(const char *name, int order, const uint32_t *dims, const ff_format *fmt,
                     int frac_bits, const ff_rand_spec *spec, ff_tensor **out, ff_err *err)
{
    const char *nm = name && name[0] ? name : "tensor";
    ff_format deflt;
    if (!fmt) {
        if (order < 0 || order > FF_MAX_ORDER)
            return ff_err_set(err, FF_EINVAL, "%s: order %d is outside 0..%d", nm, order,
                              FF_MAX_ORDER);
        fft_format_default(order, &deflt);
        fmt = &deflt;
    }
    if (frac_bits < 0 || frac_bits > 30)
        return ff_err_set(err, FF_EINVAL, "%s: %d fraction bits is outside 0..30", nm, frac_bits);
    double p = spec->density;
    if (!(p >= 0 && p <= 1))
        return ff_err_set(err, FF_EINVAL, "%s: density %g is outside 0..1", nm, p);
    int vb = spec->value_frac_bits;
    if (vb < 0 || vb > frac_bits)
        return ff_err_set(err, FF_EINVAL,
                          "%s: values in steps of 2^-%d cannot be held with %d fraction bits", nm,
                          vb, frac_bits);
    if (!(spec->lo <= spec->hi) || !isfinite(spec->lo) || !isfinite(spec->hi))
        return ff_err_set(err, FF_EINVAL, "%s: value range [%g, %g] is empty", nm, spec->lo,
                          spec->hi);

    /* Values are k * 2^-vb for integer k in [klo, khi], k != 0. */
    double q = ldexp(1.0, vb), lim = ldexp(1.0, 31 - frac_bits + vb); /* |k| < lim fits */
    double flo = ceil(spec->lo * q), fhi = floor(spec->hi * q);
    if (flo < -lim || fhi > lim - 1)
        return ff_err_set(err, FF_EINVAL, "%s: value range [%g, %g] does not fit Q%d.%d", nm,
                          spec->lo, spec->hi, 31 - frac_bits, frac_bits);
    int64_t klo = (int64_t)flo, khi = (int64_t)fhi;
    int64_t nvals = khi - klo + 1 - (klo <= 0 && khi >= 0);
    if (nvals <= 0)
        return ff_err_set(err, FF_EINVAL,
                          "%s: value range [%g, %g] holds no non-zero multiple of 2^-%d", nm,
                          spec->lo, spec->hi, vb);

    int too_big;
    uint64_t N = fft_dims_product(order, dims, UINT64_MAX / 2, &too_big);
    if (too_big || p * (double)N > (double)FFT_POS_LIMIT) {
        char ds[96];
        return ff_err_set(err, FF_EINVAL, "%s: %s at density %g has too many entries", nm,
                          fft_dims_str(order, dims, ds, sizeof ds), p);
    }

    ff_rng r;
    ff_rng_seed(&r, spec->seed);
    fft_coo c = {.order = order};
    uint32_t crd[FF_MAX_ORDER];
    double lnq = p > 0 && p <= 0.1 ? ln_one_minus(p) : 0;
    uint64_t idx = 0;
    for (;;) {
        if (p <= 0) break;
        if (p <= 0.1) {
            /* Gap to the next present index: P(gap = g) = (1-p)^g p. */
            double g = floor(ln_unit(unit_open(&r)) / lnq);
            if (g >= (double)(N - idx)) break;
            idx += (uint64_t)g;
        } else {
            if (idx >= N) break;
            if (p < 1 && !(ff_rng_unit(&r) < p)) {
                idx++;
                continue;
            }
        }
        uint64_t rest = idx;
        for (int m = order - 1; m >= 0; m--) {
            crd[m] = (uint32_t)(rest % dims[m]);
            rest /= dims[m];
        }
        int64_t k = klo + (int64_t)ff_rng_below(&r, (uint64_t)nvals);
        if (klo <= 0 && k >= 0) k++; /* step over 0: values are never zero */
        fft_coo_push(&c, crd, (ff_fx)(k * ((int64_t)1 << (frac_bits - vb))));
        idx++;
    }
    int rc = ff_tensor_from_coo(name, order, dims, fmt, frac_bits, c.val.len, c.crd.data,
                                c.val.data, out, err);
    fft_coo_free(&c);
    return rc;
}
