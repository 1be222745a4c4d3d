/*
 * prune.c -- dominance among estimated schedules, and whether what survives
 * still holds the simulated best.
 */
#include <math.h>
#include <string.h>

#include "cost_int.h"

/* a is better than b by more than the relative margin tol. A margin (and
 * not "within tol counts as equal") keeps the rule monotone: a larger tol
 * never prunes more, and a schedule worse on either axis never dominates. */
static int better(double a, double b, double tol) { return a < b - tol * fabs(b); }

size_t ff_cost_prune(const ff_cost_est *est, size_t n, double tol, unsigned char *dominated)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        double fi = est[i].flops, bi = est[i].bytes_read + est[i].bytes_written;
        dominated[i] = 0;
        for (size_t j = 0; j < n && !dominated[i]; j++) {
            if (j == i) continue;
            double fj = est[j].flops, bj = est[j].bytes_read + est[j].bytes_written;
            /* more phases (pipeline drains) may still dominate by doing a
             * quarter of the work or less: a drain never costs three more
             * copies of the computation */
            int phases_ok = est[j].phases <= est[i].phases || 4 * fj <= fi;
            if (fj <= fi && bj <= bi && phases_ok && (better(fj, fi, tol) || better(bj, bi, tol))) dominated[i] = 1;
        }
        count += dominated[i];
    }
    return count;
}

int ff_cost_hit(const uint64_t *cycles, const unsigned char *dominated, size_t n)
{
    uint64_t best_all = UINT64_MAX, best_kept = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        if (cycles[i] == UINT64_MAX) {
            if (dominated[i]) return -1; /* a pruned one we know nothing about */
            continue;
        }
        if (cycles[i] < best_all) best_all = cycles[i];
        if (!dominated[i] && cycles[i] < best_kept) best_kept = cycles[i];
    }
    if (best_all == UINT64_MAX) return -1;
    return best_kept == best_all;
}
