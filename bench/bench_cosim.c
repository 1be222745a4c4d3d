/*
 * bench_cosim.c -- how much faster the C cycle model is than the Verilated
 * RTL on the same graph and data: simulated cycles per second of each, on
 * SpMM (Gustavson, i,k,j) and SDDMM at sizes that fit the `kernels` array's
 * SRAM banks. Every run is a full co-simulation (ff_cosim_graph), so the
 * figures are only printed for runs whose outputs and cycles agree.
 *
 *   bench_cosim              all cases, best of 3 runs each
 *
 * The RTL time is the co-simulation's wall time minus the C model's (timed
 * alone on the same inputs); placement and bitstream encoding are included
 * in it and are well under 1% of it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ff_cosim.h"

typedef struct bench_case {
    const char *name;
    const char *graph;
    uint32_t n, k, m; /* output rows, reduction, output cols */
    double density;
} bench_case;

static const bench_case cases[] = {
    {"spmm-32-10%", "spmm_ikj.json", 32, 32, 32, 0.10},
    {"sddmm-32-10%-k8", "sddmm.json", 32, 8, 32, 0.10},
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void die(const char *msg)
{
    fflush(stdout);
    fprintf(stderr, "bench_cosim: %s\n", msg);
    exit(1);
}

static ff_tensor *make(const char *name, uint32_t r, uint32_t c, const char *format, double density, uint64_t seed)
{
    uint32_t dims[2] = {r, c};
    ff_format fmt;
    ff_err err = {0};
    ff_tensor *t = NULL;
    ff_rand_spec spec = {density, -1.0, 1.0, 4, seed};
    if (ff_format_parse(format, 2, &fmt, &err) || ff_tensor_random(name, 2, dims, &fmt, 16, &spec, &t, &err))
        die(err.msg);
    return t;
}

/* The C model alone: seconds and cycles. */
static double time_c(const ff_graph *g, const ff_tensor *const *inputs, uint64_t *cycles)
{
    ff_sim *s = NULL;
    ff_err err = {0};
    double t0 = now();
    if (ff_sim_new(g, NULL, &s, &err)) die(err.msg);
    for (int t = 0; t < g->ntensors; t++)
        if (!g->tensors[t].is_output && ff_sim_bind(s, g->tensors[t].name, inputs[t], &err)) die(err.msg);
    if (ff_sim_run(s, &err)) die(err.msg);
    double dt = now() - t0;
    *cycles = ff_sim_cycles(s);
    ff_sim_free(s);
    return dt;
}

static void run_case(ff_cosim *co, const bench_case *c)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/graphs/%s", FF_SOURCE_DIR, c->graph);
    ff_graph *g = NULL;
    ff_err err = {0};
    if (ff_graph_load_json(path, &g, &err)) die(err.msg);
    const ff_tensor **inputs = calloc((size_t)g->ntensors, sizeof *inputs);
    ff_tensor *owned[3] = {0};
    if (strcmp(c->graph, "sddmm.json") == 0) {
        owned[0] = make("M", c->n, c->m, "csr", c->density, 1);
        owned[1] = make("A", c->n, c->k, "dense", 1.0, 2);
        owned[2] = make("B", c->m, c->k, "dense", 1.0, 3);
    } else {
        owned[0] = make("A", c->n, c->k, "csr", c->density, 1);
        owned[1] = make("B", c->k, c->m, "csr", c->density, 2);
    }
    for (int i = 0; i < 3 && owned[i]; i++) {
        int t = ff_graph_find_tensor(g, owned[i]->name);
        if (t < 0) die("bench case names a tensor its graph does not have");
        inputs[t] = owned[i];
    }
    double best_c = 1e30, best_rtl = 1e30;
    uint64_t cycles = 0;
    for (int rep = 0; rep < 3; rep++) {
        double tc = time_c(g, inputs, &cycles);
        ff_cosim_opts opts = {0};
        ff_cosim_result res = {0};
        double t0 = now();
        int rc = ff_cosim_graph(co, g, inputs, &opts, &res, &err);
        double tall = now() - t0;
        ff_cosim_result_free(&res);
        if (rc) die(err.msg);
        if (tc < best_c) best_c = tc;
        if (tall - tc < best_rtl) best_rtl = tall - tc;
    }
    printf("%-18s %10llu %12.3f %12.1f %12.2f %10.0fx\n", c->name, (unsigned long long)cycles, best_c * 1e3,
           (double)cycles / best_c / 1e3, (double)cycles / best_rtl / 1e3, best_rtl / best_c);
    for (int i = 0; i < 3; i++) ff_tensor_free(owned[i]);
    free(inputs);
    ff_graph_free(g);
}

int main(void)
{
    ff_cosim *co = NULL;
    ff_err err = {0};
    if (ff_cosim_new(&co, &err)) die(err.msg);
    printf("%-18s %10s %12s %12s %12s %11s\n", "case", "cycles", "C ms", "C kcyc/s", "RTL kcyc/s", "C/RTL");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(co, &cases[i]);
    ff_cosim_free(co);
    return 0;
}
