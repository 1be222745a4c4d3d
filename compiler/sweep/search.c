/*
 * search.c -- choosing which points of a space to evaluate next
 * (ff_sweep.h, docs/sweep.md "Searching"): a Gaussian-process surrogate of
 * the log objective over the points' encodings, and an upper-confidence
 * (for a minimum: lower-confidence) acquisition maximised over the points
 * not yet evaluated.
 *
 * Encoding: an arch parameter is one coordinate, its value's position among
 * the listed values scaled to [0, 1] (values are listed in order: depths,
 * latencies); a schedule choice (categorical: a partition, a reuse mode, a
 * lane count) is one coordinate per value, 1 for the value taken, scaled by
 * 1/sqrt(2) so that changing it moves the point as far as the full range
 * of an arch parameter.
 *
 * The model: an RBF kernel k(x, y) = s2 exp(-|x - y|^2 / (2 l^2)) on
 * standardized targets, s2 = 1, a small nugget (the cycle model is
 * deterministic: what the surrogate does not know is epistemic), the length
 * scale l picked from a grid by the marginal likelihood. A point's mean and
 * variance come from one Cholesky factorization per fit.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ff_sweep.h"

/* The point's encoding into x (ff_sweep_encoding_size coordinates). */
static void encode(const ff_sweep_space *s, uint64_t i, double *x)
{
    int digit[FF_SWEEP_MAX_DIMS];
    ff_sweep_point_digits(s, i, digit);
    int k = 0;
    for (int d = 0; d < s->ndim; d++) {
        const ff_sweep_dim *dm = &s->dim[d];
        if (dm->is_arch || dm->is_model) { /* ordered values: one coordinate */
            x[k++] = dm->nvalues > 1 ? (double)digit[d] / (dm->nvalues - 1) : 0;
        } else {
            for (int v = 0; v < dm->nvalues; v++) x[k++] = v == digit[d] ? 0.70710678118654752 : 0;
        }
    }
}

static int encoding_size(const ff_sweep_space *s)
{
    int k = 0;
    for (int d = 0; d < s->ndim; d++) k += s->dim[d].is_arch || s->dim[d].is_model ? 1 : s->dim[d].nvalues;
    return k;
}

static double sqdist(const double *a, const double *b, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
    return s;
}

/* In-place Cholesky of the n x n SPD matrix a (lower triangle); 0, or -1
 * when it is not positive definite. */
static int cholesky(double *a, int n)
{
    for (int j = 0; j < n; j++) {
        double d = a[j * n + j];
        for (int k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
        if (d <= 0) return -1;
        d = sqrt(d);
        a[j * n + j] = d;
        for (int i = j + 1; i < n; i++) {
            double v = a[i * n + j];
            for (int k = 0; k < j; k++) v -= a[i * n + k] * a[j * n + k];
            a[i * n + j] = v / d;
        }
    }
    return 0;
}

/* Solves L y = b (forward) in place. */
static void lsolve(const double *L, int n, double *b)
{
    for (int i = 0; i < n; i++) {
        double v = b[i];
        for (int k = 0; k < i; k++) v -= L[i * n + k] * b[k];
        b[i] = v / L[i * n + i];
    }
}

/* Solves L^T y = b (backward) in place. */
static void ltsolve(const double *L, int n, double *b)
{
    for (int i = n - 1; i >= 0; i--) {
        double v = b[i];
        for (int k = i + 1; k < n; k++) v -= L[k * n + i] * b[k];
        b[i] = v / L[i * n + i];
    }
}

typedef struct gp {
    int n, dim;
    double *X;     /* n x dim */
    double *L;     /* Cholesky factor of K + nugget */
    double *alpha; /* (K + nugget)^-1 y */
    double ell;
    double mean, sd; /* of the raw targets (standardization) */
} gp;

#define NUGGET 1e-6

/* Fits the GP with length scale ell; returns the log marginal likelihood
 * (-inf when the factorization fails). */
static double fit(gp *g, const double *y, double ell)
{
    int n = g->n;
    g->ell = ell;
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++) {
            double k = exp(-sqdist(&g->X[i * g->dim], &g->X[j * g->dim], g->dim) / (2 * ell * ell));
            g->L[i * n + j] = g->L[j * n + i] = k + (i == j ? NUGGET : 0);
        }
    if (cholesky(g->L, n)) return -INFINITY;
    for (int i = 0; i < n; i++) g->alpha[i] = y[i];
    lsolve(g->L, n, g->alpha);
    double quad = 0, logdet = 0;
    for (int i = 0; i < n; i++) {
        quad += g->alpha[i] * g->alpha[i];
        logdet += log(g->L[i * n + i]);
    }
    ltsolve(g->L, n, g->alpha);
    return -0.5 * quad - logdet;
}

int ff_sweep_surrogate_next(const ff_sweep_space *s, const uint64_t *done, const double *objective, int ndone,
                            const unsigned char *evaluated, double beta, uint64_t seed, uint64_t *pick, int npick,
                            ff_sweep_prediction *pred)
{
    int dim = encoding_size(s);
    /* the fitted points: those with a value (an error has none) */
    gp g = {.dim = dim};
    double *y = ff_xcalloc((size_t)ndone + 1, sizeof *y);
    g.X = ff_xcalloc((size_t)ndone * (size_t)dim + 1, sizeof *g.X);
    for (int i = 0; i < ndone; i++) {
        if (!(objective[i] > 0)) continue;
        encode(s, done[i], &g.X[(size_t)g.n * (size_t)dim]);
        y[g.n++] = log(objective[i]);
    }
    int n = g.n;
    for (int i = 0; i < n; i++) g.mean += y[i] / n;
    for (int i = 0; i < n; i++) g.sd += (y[i] - g.mean) * (y[i] - g.mean) / (n > 1 ? n - 1 : 1);
    g.sd = g.sd > 0 ? sqrt(g.sd) : 1;
    for (int i = 0; i < n; i++) y[i] = (y[i] - g.mean) / g.sd;
    g.L = ff_xcalloc((size_t)n * (size_t)n + 1, sizeof *g.L);
    g.alpha = ff_xcalloc((size_t)n + 1, sizeof *g.alpha);
    /* the length scale: the best marginal likelihood on a grid */
    static const double grid[] = {0.15, 0.25, 0.4, 0.6, 1.0, 1.6, 2.5};
    double best = -INFINITY, best_ell = 1.0;
    for (size_t k = 0; n > 1 && k < sizeof grid / sizeof grid[0]; k++) {
        double ll = fit(&g, y, grid[k]);
        if (ll > best) {
            best = ll;
            best_ell = grid[k];
        }
    }
    int model = n > 1 && fit(&g, y, best_ell) > -INFINITY;
    /* candidates: every point not evaluated (up to a cap: then a seeded
     * sample of them), ranked by the lower confidence bound */
    enum { MAX_CANDIDATES = 50000 };
    uint64_t cand_n = 0, x = seed ? seed : 1;
    uint64_t total = s->npoints;
    uint64_t want = total < MAX_CANDIDATES ? total : MAX_CANDIDATES;
    uint64_t *cand = ff_xcalloc(want + 1, sizeof *cand);
    double *score = ff_xcalloc(want + 1, sizeof *score), *mu = ff_xcalloc(want + 1, sizeof *mu),
           *sig = ff_xcalloc(want + 1, sizeof *sig);
    double *v = ff_xcalloc((size_t)n + 1, sizeof *v), *xc = ff_xcalloc((size_t)dim + 1, sizeof *xc);
    for (uint64_t t = 0; t < want; t++) {
        uint64_t i;
        if (total <= MAX_CANDIDATES) {
            i = t;
        } else {
            i = ff_sweep_random(&x) % total;
        }
        if (evaluated[i]) continue;
        double m = 0, var = 1;
        if (model) {
            encode(s, i, xc);
            for (int j = 0; j < n; j++) v[j] = exp(-sqdist(xc, &g.X[(size_t)j * (size_t)dim], dim) / (2 * g.ell * g.ell));
            for (int j = 0; j < n; j++) m += v[j] * g.alpha[j];
            lsolve(g.L, n, v);
            double q = 0;
            for (int j = 0; j < n; j++) q += v[j] * v[j];
            var = 1 + NUGGET - q;
            if (var < 0) var = 0;
        }
        cand[cand_n] = i;
        mu[cand_n] = m;
        sig[cand_n] = sqrt(var);
        score[cand_n++] = m - beta * sqrt(var);
    }
    /* the npick best distinct candidates (a partial selection) */
    int got = 0;
    for (; got < npick && (uint64_t)got < cand_n; got++) {
        uint64_t b = (uint64_t)got;
        for (uint64_t c = (uint64_t)got + 1; c < cand_n; c++)
            if (score[c] < score[b] || (score[c] == score[b] && cand[c] < cand[b])) b = c;
        if (!isfinite(score[b]) && score[b] > 0) break; /* only repeats are left */
        int again = 0; /* a sampled candidate may repeat one already picked */
        for (int k = 0; k < got; k++) again |= pick[k] == cand[b];
        if (again) {
            score[b] = INFINITY;
            got--;
            continue;
        }
        uint64_t ti = cand[got];
        double ts = score[got], tm = mu[got], tv = sig[got];
        cand[got] = cand[b], score[got] = score[b], mu[got] = mu[b], sig[got] = sig[b];
        cand[b] = ti, score[b] = ts, mu[b] = tm, sig[b] = tv;
        pick[got] = cand[got];
        if (pred) {
            pred[got].mean = exp(g.mean + g.sd * mu[got]);
            pred[got].sd_log = g.sd * sig[got];
        }
    }
    free(cand);
    free(score);
    free(mu);
    free(sig);
    free(v);
    free(xc);
    free(y);
    free(g.X);
    free(g.L);
    free(g.alpha);
    return got;
}
