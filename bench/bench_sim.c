/*
 * bench_sim.c -- how fast the cycle model runs: simulated token moves and
 * simulated cycles per second of wall time, on SpMM (Gustavson, i,k,j) at
 * 1000x1000 / 1% and 4096x4096 / 0.5%, and SDDMM at 1000x1000 / 1% with
 * dense 1000x64 factors. Inputs are random with fixed seeds, so every run
 * simulates exactly the same cycles.
 *
 *   bench_sim                 all cases, best of 5 runs each
 *   bench_sim CASE [REPEAT]   one case (for valgrind --tool=callgrind)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "ff_sim.h"

typedef struct bench_case {
    const char *name;
    const char *graph;
    uint32_t n, k, m;   /* output rows, reduction, output cols */
    double density;
} bench_case;

static const bench_case cases[] = {
    {"spmm-1000-1%", "spmm_ikj.json", 1000, 1000, 1000, 0.01},
    {"spmm-4096-0.5%", "spmm_ikj.json", 4096, 4096, 4096, 0.005},
    {"sddmm-1000-1%-k64", "sddmm.json", 1000, 64, 1000, 0.01},
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static ff_tensor *make(const char *name, uint32_t r, uint32_t c, const char *format, double density, uint64_t seed)
{
    uint32_t dims[2] = {r, c};
    ff_format fmt;
    ff_err err = {0};
    ff_format_parse(format, 2, &fmt, &err);
    ff_rand_spec spec = {density, -1.0, 1.0, 4, seed};
    ff_tensor *t = NULL;
    if (ff_tensor_random(name, 2, dims, &fmt, 16, &spec, &t, &err)) {
        fprintf(stderr, "bench_sim: %s\n", err.msg);
        exit(1);
    }
    return t;
}

typedef struct result {
    double seconds;
    uint64_t cycles, moves;
} result;

static result run_once(const ff_graph *g, const char *names[3], ff_tensor *ts[3])
{
    ff_sim *s = NULL;
    ff_err err = {0};
    result r = {0};
    double t0 = now();
    if (ff_sim_new(g, NULL, &s, &err)) goto fail;
    for (int i = 0; i < 3 && names[i]; i++)
        if (ff_sim_bind(s, names[i], ts[i], &err)) goto fail;
    if (ff_sim_run(s, &err)) goto fail;
    r.seconds = now() - t0;
    r.cycles = ff_sim_cycles(s);
    for (int e = 0; e < g->nedges; e++) {
        ff_chan_stats cs;
        ff_sim_edge_stats(s, e, &cs);
        r.moves += cs.tokens;
    }
    ff_sim_free(s);
    return r;
fail:
    fprintf(stderr, "bench_sim: %s\n", err.msg);
    exit(1);
}

static void run_case(const bench_case *c, int repeat)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/graphs/%s", FF_SOURCE_DIR, c->graph);
    ff_graph *g = NULL;
    ff_err err = {0};
    if (ff_graph_load_json(path, &g, &err)) {
        fprintf(stderr, "bench_sim: %s\n", err.msg);
        exit(1);
    }
    const char *names[3] = {0};
    ff_tensor *ts[3] = {0};
    if (strcmp(c->graph, "sddmm.json") == 0) {
        names[0] = "M", names[1] = "A", names[2] = "B";
        ts[0] = make("M", c->n, c->m, "csr", c->density, 1);
        ts[1] = make("A", c->n, c->k, "dense", 1.0, 2);
        ts[2] = make("B", c->m, c->k, "dense", 1.0, 3);
    } else {
        names[0] = "A", names[1] = "B";
        ts[0] = make("A", c->n, c->k, "csr", c->density, 1);
        ts[1] = make("B", c->k, c->m, "csr", c->density, 2);
    }
    result best = {1e30, 0, 0};
    for (int i = 0; i < repeat; i++) {
        result r = run_once(g, names, ts);
        if (i > 0 && (r.cycles != best.cycles || r.moves != best.moves)) {
            fprintf(stderr, "bench_sim: %s is not deterministic\n", c->name);
            exit(1);
        }
        if (r.seconds < best.seconds) best = r;
    }
    printf("%-20s %12llu %12llu %10.4f %12.1f %12.1f\n", c->name, (unsigned long long)best.cycles,
           (unsigned long long)best.moves, best.seconds, best.moves / best.seconds / 1e6,
           best.cycles / best.seconds / 1e6);
    for (int i = 0; i < 3; i++) ff_tensor_free(ts[i]);
    ff_graph_free(g);
}

int main(int argc, char **argv)
{
    int repeat = argc > 2 ? atoi(argv[2]) : 5;
    printf("%-20s %12s %12s %10s %12s %12s\n", "case", "cycles", "token moves", "seconds", "Mmoves/s", "Mcycles/s");
    int ran = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (argc < 2 || strcmp(argv[1], cases[i].name) == 0) {
            run_case(&cases[i], repeat);
            ran++;
        }
    if (!ran) {
        fprintf(stderr, "bench_sim: unknown case '%s'\n", argv[1]);
        return 2;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS %ld MiB\n", ru.ru_maxrss / 1024);
    return 0;
}
