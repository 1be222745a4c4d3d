/*
 * sweep_search.c -- how fast the surrogate search finds a space's best
 * point, against random search, measured on a space evaluated exhaustively
 * (docs/sweep.md "Searching"; bench/README.md):
 *
 *   build/bench/sweep_search SPACE.json DB [WEIGHT [SEEDS [BATCH]]]
 *
 * DB must hold every point of SPACE.json (`fuseflow sweep SPACE.json --db
 * DB`): the searches look results up there instead of simulating, so the
 * comparison is exact and takes seconds. For each seed, both searches run
 * until a point within 1% of the best scalarized objective (cycles x
 * max_prims^WEIGHT) is found; the script prints the evaluations each
 * needed, their medians over SEEDS seeds (default 10), and the median
 * best-so-far after each 5% of the space. Then the Pareto hypervolume of
 * what each search has evaluated -- cycles against area (primitives
 * without an area table), the logarithm of each normalised to [0, 1] over
 * the space (both span decades), the reference point (1.1, 1.1) -- as a fraction of the whole space's, after
 * each 5%, and the evaluations until it reaches 99%: a multi-objective
 * search must find the front, not just the fastest point. The surrogate starts from BATCH
 * (default 2, the workers of a 2-core machine) x 2 random points and then
 * picks BATCH points a round (ff_sweep_surrogate_next, beta 2), as `fuseflow
 * sweep --search surrogate` does.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ff_sweep.h"

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct keyed {
    char *key;
    double obj;
    int res; /* its result, in res[] */
} keyed;

static int by_key(const void *a, const void *b) { return strcmp(((const keyed *)a)->key, ((const keyed *)b)->key); }

/* One search's run: evaluations in order into order[] (n of them); returns
 * how many it took to reach target (n + 1 if never). */
static uint64_t until(const uint64_t *order, uint64_t n, const double *obj, double target)
{
    for (uint64_t k = 0; k < n; k++)
        if (obj[order[k]] > 0 && obj[order[k]] <= target) return k + 1;
    return n + 1;
}

/* The hypervolume of the first m points of order[] (those with a result),
 * x and y normalised, minimised, against (1.1, 1.1). */
typedef struct xy {
    double x, y;
} xy;
static int by_x(const void *a, const void *b)
{
    const xy *p = a, *q = b;
    int c = (p->x > q->x) - (p->x < q->x);
    return c ? c : (p->y > q->y) - (p->y < q->y);
}
static double hypervolume(const uint64_t *order, uint64_t m, const double *x, const double *y, const double *obj, xy *buf)
{
    uint64_t k = 0;
    for (uint64_t i = 0; i < m; i++)
        if (obj[order[i]] > 0) buf[k++] = (xy){x[order[i]], y[order[i]]};
    qsort(buf, (size_t)k, sizeof *buf, by_x);
    double hv = 0, ylast = 1.1;
    for (uint64_t i = 0; i < k; i++) /* by x: each point that lowers y adds a slab */
        if (buf[i].y < ylast) {
            hv += (1.1 - buf[i].x) * (ylast - buf[i].y);
            ylast = buf[i].y;
        }
    return hv;
}

static void random_order(uint64_t n, uint64_t seed, uint64_t *order)
{
    for (uint64_t i = 0; i < n; i++) order[i] = i;
    uint64_t x = seed;
    for (uint64_t i = n - 1; i > 0; i--) { /* Fisher-Yates */
        uint64_t j = ff_sweep_random(&x) % (i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

static void surrogate_order(const ff_sweep_space *s, const double *obj, uint64_t seed, int batch, uint64_t *order)
{
    uint64_t n = s->npoints, got = 0;
    unsigned char *seen = calloc(n, 1);
    double *val = calloc(n + 1, sizeof *val);
    uint64_t *init = calloc(n, sizeof *init);
    random_order(n, seed, init);
    for (int k = 0; k < 2 * batch && got < n; k++) {
        order[got] = init[k];
        val[got] = obj[init[k]];
        seen[init[k]] = 1;
        got++;
    }
    uint64_t *pick = calloc((size_t)batch, sizeof *pick);
    while (got < n) {
        int m = ff_sweep_surrogate_next(s, order, val, (int)got, seen, 2.0, seed + got, pick, batch, NULL);
        if (m <= 0) break;
        for (int k = 0; k < m && got < n; k++) {
            order[got] = pick[k];
            val[got] = obj[pick[k]];
            seen[pick[k]] = 1;
            got++;
        }
    }
    for (uint64_t i = 0; i < n && got < n; i++) /* never reached: completes the order */
        if (!seen[i]) order[got++] = i;
    free(pick);
    free(init);
    free(val);
    free(seen);
}

/* Per step, the median over seeds of each search's curve[which][seed *
 * steps + step], as a table row. */
static void print_medians(double *const curve[2], int seeds, int steps)
{
    double *col = calloc((size_t)seeds, sizeof *col);
    for (int st = 0; st < steps; st++) {
        double m[2];
        for (int which = 0; which < 2; which++) {
            for (int sd = 0; sd < seeds; sd++) col[sd] = curve[which][sd * steps + st];
            qsort(col, (size_t)seeds, sizeof *col, cmp_double);
            m[which] = col[seeds / 2];
        }
        printf("  %3d  %8.4f  %9.4f\n", (st + 1) * 100 / steps, m[0], m[1]);
    }
    free(col);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: sweep_search SPACE.json DB [WEIGHT [SEEDS [BATCH]]]\n");
        return 2;
    }
    double weight = argc > 3 ? atof(argv[3]) : 0;
    int seeds = argc > 4 ? atoi(argv[4]) : 10, batch = argc > 5 ? atoi(argv[5]) : 2;
    ff_err err = {0};
    ff_sweep_space s;
    ff_sweep_db *db = NULL;
    if (ff_sweep_space_load(argv[1], &s, &err) || ff_sweep_db_open(argv[2], &s, &db, &err)) {
        fprintf(stderr, "sweep_search: %s\n", err.msg);
        return 1;
    }
    char **keys = NULL;
    ff_sweep_result *res = NULL;
    int nr = ff_sweep_db_points(db, &keys, &res, &err);
    uint64_t n = s.npoints;
    keyed *kv = calloc((size_t)nr + 1, sizeof *kv);
    for (int k = 0; k < nr; k++) kv[k] = (keyed){keys[k], ff_sweep_objective(&res[k], weight, 0), k};
    qsort(kv, (size_t)nr, sizeof *kv, by_key);
    double *obj = calloc(n + 1, sizeof *obj), best = 0;
    double *cx = calloc(n + 1, sizeof *cx), *ay = calloc(n + 1, sizeof *ay);
    uint64_t missing = 0;
    int area = nr > 0;
    for (int k = 0; k < nr; k++) area &= res[k].area > 0;
    for (uint64_t i = 0; i < n; i++) {
        keyed want = {ff_sweep_point_key(&s, i), 0, 0};
        keyed *hit = bsearch(&want, kv, (size_t)nr, sizeof *kv, by_key);
        free(want.key);
        if (!hit) missing++;
        obj[i] = hit ? hit->obj : 0; /* an error point has no objective */
        if (obj[i] > 0 && (best == 0 || obj[i] < best)) best = obj[i];
        if (hit) {
            cx[i] = log((double)res[hit->res].cycles);
            ay[i] = log(area ? res[hit->res].area : (double)res[hit->res].max_prims);
        }
    }
    /* normalise both logarithms to [0, 1] over the points with a result */
    double lo[2] = {0, 0}, hi[2] = {0, 0};
    for (uint64_t i = 0, first = 1; i < n; i++) {
        if (obj[i] <= 0) continue;
        double v[2] = {cx[i], ay[i]};
        for (int d = 0; d < 2; d++) {
            if (first || v[d] < lo[d]) lo[d] = v[d];
            if (first || v[d] > hi[d]) hi[d] = v[d];
        }
        first = 0;
    }
    for (uint64_t i = 0; i < n; i++) {
        cx[i] = hi[0] > lo[0] ? (cx[i] - lo[0]) / (hi[0] - lo[0]) : 0;
        ay[i] = hi[1] > lo[1] ? (ay[i] - lo[1]) / (hi[1] - lo[1]) : 0;
    }
    if (missing) {
        fprintf(stderr, "sweep_search: %s lacks %" PRIu64 " of the %" PRIu64 " points: run the whole space first\n",
                argv[2], missing, n);
        return 1;
    }
    double target = best * 1.01;
    printf("space %s: %" PRIu64 " points; objective cycles x %s^%g; best %.6g; target within 1%%\n", argv[1], n,
           area ? "area" : "max_prims", weight, best);
    uint64_t *order = calloc(n, sizeof *order);
    uint64_t *need[2] = {calloc((size_t)seeds, sizeof(uint64_t)), calloc((size_t)seeds, sizeof(uint64_t))};
    int steps = 20;
    double *curve[2] = {calloc((size_t)(seeds * steps), sizeof(double)), calloc((size_t)(seeds * steps), sizeof(double))};
    double *hvc[2] = {calloc((size_t)(seeds * steps), sizeof(double)), calloc((size_t)(seeds * steps), sizeof(double))};
    uint64_t *hv_need[2] = {calloc((size_t)seeds, sizeof(uint64_t)), calloc((size_t)seeds, sizeof(uint64_t))};
    xy *buf = calloc(n + 1, sizeof *buf);
    uint64_t *all = calloc(n, sizeof *all);
    for (uint64_t i = 0; i < n; i++) all[i] = i;
    double hv_all = hypervolume(all, n, cx, ay, obj, buf);
    printf("seed  random  surrogate   (evaluations until within 1%% of the best)\n");
    for (int sd = 0; sd < seeds; sd++) {
        for (int which = 0; which < 2; which++) {
            if (which == 0) random_order(n, (uint64_t)sd + 1, order);
            else surrogate_order(&s, obj, (uint64_t)sd + 1, batch, order);
            need[which][sd] = until(order, n, obj, target);
            double so_far = 0;
            for (int st = 0, k = 0; st < steps; st++) { /* best-so-far after (st+1)/steps of the space */
                uint64_t upto = (uint64_t)((double)n * (st + 1) / steps);
                for (; (uint64_t)k < upto; k++)
                    if (obj[order[k]] > 0 && (so_far == 0 || obj[order[k]] < so_far)) so_far = obj[order[k]];
                curve[which][sd * steps + st] = so_far / best;
                hvc[which][sd * steps + st] = hypervolume(order, upto, cx, ay, obj, buf) / hv_all;
            }
            uint64_t m = 1; /* evaluations until 99% of the space's hypervolume */
            while (m < n && hypervolume(order, m, cx, ay, obj, buf) < 0.99 * hv_all) m++;
            hv_need[which][sd] = m;
        }
        printf("%4d  %6" PRIu64 "  %9" PRIu64 "\n", sd + 1, need[0][sd], need[1][sd]);
    }
    for (int which = 0; which < 2; which++) qsort(need[which], (size_t)seeds, sizeof(uint64_t), cmp_u64);
    printf("median: random %" PRIu64 " (%.1f%% of the space), surrogate %" PRIu64 " (%.1f%%)\n", need[0][seeds / 2],
           100.0 * (double)need[0][seeds / 2] / (double)n, need[1][seeds / 2], 100.0 * (double)need[1][seeds / 2] / (double)n);
    printf("median best-so-far / best after each %d%% of the space:\n  %%      random  surrogate\n", 100 / steps);
    print_medians(curve, seeds, steps);
    for (int which = 0; which < 2; which++) qsort(hv_need[which], (size_t)seeds, sizeof(uint64_t), cmp_u64);
    printf("Pareto hypervolume, cycles vs %s: evaluations until 99%% of the space's, median: random %" PRIu64
           " (%.1f%%), surrogate %" PRIu64 " (%.1f%%)\n",
           area ? "area" : "primitives", hv_need[0][seeds / 2], 100.0 * (double)hv_need[0][seeds / 2] / (double)n,
           hv_need[1][seeds / 2], 100.0 * (double)hv_need[1][seeds / 2] / (double)n);
    printf("median hypervolume / the space's after each %d%% of the space:\n  %%      random  surrogate\n", 100 / steps);
    print_medians(hvc, seeds, steps);
    free(buf);
    free(all);
    free(cx);
    free(ay);
    for (int which = 0; which < 2; which++) {
        free(hvc[which]);
        free(hv_need[which]);
    }
    for (int k = 0; k < nr; k++) free(keys[k]);
    free(keys);
    free(res);
    free(kv);
    free(obj);
    free(order);
    free(need[0]);
    free(need[1]);
    free(curve[0]);
    free(curve[1]);
    ff_sweep_db_close(db);
    ff_sweep_space_free(&s);
    return 0;
}
