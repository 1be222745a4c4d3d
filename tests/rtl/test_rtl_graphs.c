/*
 * test_rtl_graphs.c -- whole graphs on the Verilated array against the C
 * cycle model: every hand-written graph of tests/graphs and every statement
 * of every model in examples/, placed and routed by the back end
 * (ff_backend.h), loaded and run by ff_rtl_run.h on the `kernels` array, and
 * run by ff_sim on the same inputs. Output tensors must be identical and so
 * must the total cycle count.
 *
 * The file lists are globbed, so a new graph or example is covered without
 * touching this file. Hand-written graphs get random inputs shaped by their
 * reference expression's index letters; examples get ff_ir_random_inputs at
 * their default sizes, and a later statement reads the C model's result of
 * an earlier one, as `fuseflow run` does. Each run also round-trips its
 * bitstream through the text form (ff_cosim.h does the comparing).
 * FF_RTL_TRACE=file.fst records the first failing run.
 */
#include <dirent.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "ff_backend.h"
#include "ff_cosim.h"
#include "ff_ir.h"
#include "ff_lower.h"
#include "ff_rtl_run.h"
#include "ff_sim.h"

static ff_cosim *C;
static ff_rtl *R;
static ff_array_desc A;

static int setup(void **state)
{
    (void)state;
    ff_err err = {0};
    if (ff_cosim_new(&C, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    R = ff_cosim_rtl(C);
    A = *ff_cosim_array(C);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ff_cosim_free(C);
    return 0;
}

/* ---- one graph, both models ---- */

typedef struct tally {
    int runs;
    uint64_t cycles;
    double rtl_seconds;
} tally;

static int traced;

/* Runs g on inputs[t] (per graph tensor) on the C model under arch and on
 * the array (ff_cosim_graph, the bitstream through its text form). On
 * success and when c_out is given, c_out[t] receives the C model's outputs
 * (caller frees). Returns 0, or 1 after printing what differed. */
static int cosim(const ff_graph *g, const ff_tensor *const *inputs, const ff_arch *arch, const char *what, tally *ty,
                 ff_tensor **c_out)
{
    ff_err err = {0};
    ff_cosim_result res;
    ff_cosim_opts o = {.arch = arch, .roundtrip = 1, .trace = traced ? NULL : getenv("FF_RTL_TRACE")};
    clock_t t0 = clock();
    int rc = ff_cosim_graph(C, g, inputs, &o, &res, &err);
    ty->rtl_seconds += (double)(clock() - t0) / CLOCKS_PER_SEC;
    if (res.traced) {
        traced = 1;
        printf("  waveform of the failing run: %s\n", o.trace);
    }
    if (rc) {
        printf("  FAIL %s: %s\n", what, err.msg);
    } else {
        printf("  ok   %-52s %2zu tiles  C %7" PRIu64 "  RTL %7" PRIu64 " cycles\n", what, res.tiles, res.c_cycles,
               res.rtl_cycles);
        ty->runs++;
        ty->cycles += res.c_cycles;
        if (c_out) {
            memcpy(c_out, res.c_out, sizeof *res.c_out * (size_t)g->ntensors);
            memset(res.c_out, 0, sizeof *res.c_out * (size_t)g->ntensors);
        }
    }
    ff_cosim_result_free(&res);
    return rc != 0;
}

/* ---- file lists ---- */

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Sorted names in dir ending in ext; returns the count, *out malloc'd. */
static int list_dir(const char *dir, const char *ext, char ***out)
{
    DIR *d = opendir(dir);
    if (!d) fail_msg("cannot open %s", dir);
    char **names = NULL;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name), el = strlen(ext);
        if (len <= el || strcmp(e->d_name + len - el, ext)) continue;
        names = realloc(names, sizeof *names * (size_t)(n + 1));
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    *out = names;
    return n;
}

static void free_list(char **names, int n)
{
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
}

/* ---- hand-written graphs ---- */

/* The index letters of input tensor `name` in the graph's reference
 * expression ("y(i) = A(i,j) * x(j)": A -> "ij"). */
static int ref_indices(const char *ref, const char *name, char *idx, size_t n)
{
    const char *eq = strchr(ref, '=');
    for (const char *p = eq ? eq + 1 : ref; *p; p++) {
        size_t len = strlen(name);
        if (strncmp(p, name, len) || p[len] != '(' || (p > ref && (p[-1] == '_' || (p[-1] >= 'A' && p[-1] <= 'z'))))
            continue;
        size_t k = 0;
        for (const char *q = p + len + 1; *q && *q != ')'; q++)
            if (*q >= 'a' && *q <= 'z' && k + 1 < n) idx[k++] = *q;
        idx[k] = '\0';
        return (int)k;
    }
    return -1;
}

static const ff_arch *pipelined_arch(void)
{
    /* latency, II and depth away from the defaults: the pipelines, the II
     * counters and the depth fields of the routing registers */
    static ff_arch a;
    static int loaded;
    if (!loaded) {
        ff_err err = {0};
        ff_arch_default(&a);
        const char *text = "{\"fuseflow\": \"arch\", \"version\": 1, \"name\": \"pipelined\", \"fifo_depth\": 3,"
                           " \"primitives\": {\"scan\": {\"latency\": 1, \"ii\": 1}, \"repeat\": {\"latency\": 2, \"ii\": 1},"
                           " \"array\": {\"latency\": 2, \"ii\": 1}, \"reduce\": {\"latency\": 1, \"ii\": 2},"
                           " \"locate\": {\"latency\": 1, \"ii\": 2}},"
                           " \"alu\": {\"mul\": {\"latency\": 2, \"ii\": 1}, \"add\": {\"latency\": 1, \"ii\": 2}}}";
        if (ff_arch_load_string(text, "pipelined", &a, &err)) fail_msg("%s", err.msg);
        loaded = 1;
    }
    return &a;
}

static void rtl_graphs_match_model(void **state)
{
    (void)state;
    static const struct {
        uint32_t size[26]; /* by index letter */
        double density;
        uint64_t seed;
        int pipelined;
    } cases[] = {
        {{['i' - 'a'] = 9, ['j' - 'a'] = 13, ['k' - 'a'] = 6}, 0.3, 1, 0},
        {{['i' - 'a'] = 9, ['j' - 'a'] = 13, ['k' - 'a'] = 6}, 0.3, 2, 1},
        {{['i' - 'a'] = 12, ['j' - 'a'] = 7, ['k' - 'a'] = 10}, 0.1, 3, 0},
        {{['i' - 'a'] = 1, ['j' - 'a'] = 7, ['k' - 'a'] = 3}, 0.5, 4, 0},
        {{['i' - 'a'] = 7, ['j' - 'a'] = 1, ['k' - 'a'] = 5}, 0.5, 5, 1},
        {{['i' - 'a'] = 6, ['j' - 'a'] = 6, ['k' - 'a'] = 6}, 0.0, 6, 0},
    };
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/graphs", FF_SOURCE_DIR);
    char **files;
    int nfiles = list_dir(dir, ".json", &files), failures = 0;
    tally ty = {0};
    assert_true(nfiles > 0);
    for (int f = 0; f < nfiles; f++) {
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, files[f]);
        ff_graph *g = NULL;
        ff_err err = {0};
        if (ff_graph_load_json(path, &g, &err)) fail_msg("%s", err.msg);
        if (!g->reference) fail_msg("%s: no reference expression to shape random inputs by", files[f]);
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            ff_tensor **in = calloc((size_t)g->ntensors + 1, sizeof *in);
            for (int t = 0; t < g->ntensors; t++) {
                const ff_gtensor *gt = &g->tensors[t];
                if (gt->is_output) continue;
                char idx[8];
                if (ref_indices(g->reference, gt->name, idx, sizeof idx) != gt->order)
                    fail_msg("%s: cannot find %s's indices in '%s'", files[f], gt->name, g->reference);
                uint32_t dims[FF_MAX_ORDER];
                for (int m = 0; m < gt->order; m++) dims[m] = cases[c].size[idx[m] - 'a'] ? cases[c].size[idx[m] - 'a'] : 4;
                ff_format fmt;
                if (ff_format_parse(gt->format, gt->order, &fmt, &err)) fail_msg("%s", err.msg);
                int dense = 1;
                for (int l = 0; l < fmt.nlevels; l++) dense &= fmt.lv[l].fmt == FF_LVL_DENSE;
                ff_rand_spec spec = {dense ? 0.8 : cases[c].density, -2.0, 2.0, 4, cases[c].seed * 100 + (uint64_t)t};
                if (ff_tensor_random(gt->name, gt->order, dims, &fmt, g->frac_bits, &spec, &in[t], &err))
                    fail_msg("%s", err.msg);
            }
            char what[256];
            snprintf(what, sizeof what, "%s i=%u j=%u k=%u d=%.2f%s", files[f], cases[c].size['i' - 'a'],
                     cases[c].size['j' - 'a'], cases[c].size['k' - 'a'], cases[c].density,
                     cases[c].pipelined ? " pipelined" : "");
            failures += cosim(g, (const ff_tensor *const *)in, cases[c].pipelined ? pipelined_arch() : NULL, what, &ty,
                              NULL);
            for (int t = 0; t < g->ntensors; t++) ff_tensor_free(in[t]);
            free(in);
        }
        ff_graph_free(g);
    }
    free_list(files, nfiles);
    printf("hand-written graphs: %d runs equal, %" PRIu64 " cycles compared, %.1f s on the RTL\n", ty.runs, ty.cycles,
           ty.rtl_seconds);
    assert_int_equal(failures, 0);
    assert_true(ty.runs > 0);
}

/* ---- compiled examples ---- */

static int run_example(const char *file, uint64_t seed, double density, uint32_t size, int pipelined, tally *ty)
{
    char path[2048], what[256];
    snprintf(path, sizeof path, "%s/examples/%s", FF_SOURCE_DIR, file);
    ff_ir_program *p = NULL;
    ff_err err = {0};
    int failures = 0;
    if (ff_ir_parse(path, NULL, &p, &err) || ff_ir_place_reductions(p, &err)) fail_msg("%s", err.msg);
    ff_tensor **data = calloc((size_t)p->ntensors + 1, sizeof *data);
    uint32_t *sizes = calloc((size_t)p->nsizes + 1, sizeof *sizes);
    for (int k = 0; k < p->nsizes; k++) sizes[k] = p->sizes[k].literal ? 0 : size;
    if (ff_ir_random_inputs(p, seed, density, sizes, data, &err)) fail_msg("%s: %s", file, err.msg);
    for (int s = 0; s < p->nstmts && !failures; s++) {
        ff_lower_opts o;
        memset(&o, 0, sizeof o);
        ff_graph *g = NULL;
        if (ff_lower_default_order(p, s, &o, &err) || ff_lower_stmt(p, s, &o, &g, &err))
            fail_msg("%s statement %d: %s", file, s + 1, err.msg);
        const ff_tensor **in = calloc((size_t)g->ntensors + 1, sizeof *in);
        for (int t = 0; t < g->ntensors; t++) {
            if (g->tensors[t].is_output) continue;
            int k = ff_ir_find_tensor(p, g->tensors[t].name);
            if (k >= 0) in[t] = data[k];
            if (!in[t]) fail_msg("%s: statement %d reads '%s', which has no data", file, s + 1, g->tensors[t].name);
        }
        ff_tensor **out = calloc((size_t)g->ntensors + 1, sizeof *out);
        snprintf(what, sizeof what, "%s:%d %s size %u d=%.2f%s", file, p->stmts[s].pos.line,
                 p->tensors[p->stmts[s].lhs].name, size, density, pipelined ? " pipelined" : "");
        failures += cosim(g, in, pipelined ? pipelined_arch() : NULL, what, ty, out);
        /* a later statement reads this result, in its declared format */
        const ff_ir_tensor *lhs = &p->tensors[p->stmts[s].lhs];
        int ot = ff_graph_find_tensor(g, lhs->name);
        if (!failures && ot >= 0 && out[ot]) {
            ff_tensor *conv = NULL;
            if (ff_tensor_convert(out[ot], &lhs->fmt, &conv, &err)) fail_msg("%s", err.msg);
            snprintf(conv->name, sizeof conv->name, "%s", lhs->name);
            ff_tensor_free(data[p->stmts[s].lhs]);
            data[p->stmts[s].lhs] = conv;
        }
        for (int t = 0; t < g->ntensors; t++) ff_tensor_free(out[t]);
        free(out);
        free(in);
        ff_graph_free(g);
    }
    for (int t = 0; t < p->ntensors; t++) ff_tensor_free(data[t]);
    free(data);
    free(sizes);
    ff_ir_free(p);
    return failures;
}

static void rtl_examples_match_model(void **state)
{
    (void)state;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/examples", FF_SOURCE_DIR);
    char **files;
    int nfiles = list_dir(dir, ".ff", &files), failures = 0;
    tally ty = {0};
    assert_true(nfiles > 0);
    for (int f = 0; f < nfiles; f++) {
        /* the sizes the examples are written for (every size 16, density
         * 0.1), then small and dense, then tiny with the pipelined arch */
        failures += run_example(files[f], 1, 0.1, 16, 0, &ty);
        failures += run_example(files[f], 2, 0.4, 5, 0, &ty);
        failures += run_example(files[f], 3, 0.3, 3, 1, &ty);
    }
    free_list(files, nfiles);
    printf("examples: %d runs equal, %" PRIu64 " cycles compared, %.1f s on the RTL\n", ty.runs, ty.cycles,
           ty.rtl_seconds);
    assert_int_equal(failures, 0);
    assert_true(ty.runs > 0);
}

/* ---- the array itself ---- */

/* rtl/arrays/kernels.json and the geometry the Verilated array reads back
 * are the same configuration (same hash): the back end places on exactly
 * what was built. */
static void rtl_array_json_matches_verilated(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/rtl/arrays/%s.json", FF_SOURCE_DIR, ff_rtl_config_name());
    ff_array_desc j;
    ff_err err = {0};
    if (ff_array_load(path, &j, &err)) fail_msg("%s", err.msg);
    assert_string_equal(j.name, A.name);
    assert_int_equal(ff_array_hash(&j), ff_array_hash(&A));
    assert_memory_equal(j.tiles, A.tiles, sizeof j.tiles);
    assert_memory_equal(j.mem_words, A.mem_words, sizeof j.mem_words);
}

/* A bitstream for another array is refused, naming both. */
static void rtl_foreign_bitstream_is_refused(void **state)
{
    (void)state;
    ff_array_desc other = A;
    snprintf(other.name, sizeof other.name, "other");
    other.tiles[FF_PRIM_ALU]++;
    ff_graph *g = NULL;
    ff_err err = {0};
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/graphs/spmv.json", FF_SOURCE_DIR);
    if (ff_graph_load_json(path, &g, &err)) fail_msg("%s", err.msg);
    ff_bitstream *b = NULL;
    assert_int_equal(ff_backend_compile(g, &other, NULL, &b, &err), 0);
    ff_rtl_result res;
    assert_int_equal(ff_rtl_run_graph(R, g, b, NULL, NULL, &res, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "'other'"));
    assert_non_null(strstr(err.msg, "'kernels'"));
    ff_bitstream_free(b);
    ff_graph_free(g);
}

/* A graph that deadlocks (a channel of depth 1 where the scanner needs two,
 * docs/timing.md section 6) trips the watchdog, which names the stuck tiles;
 * the C model reports the same graph as a deadlock. */
static void rtl_deadlock_names_stuck_tiles(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/graphs/spmm_ikj.json", FF_SOURCE_DIR);
    ff_graph *g = NULL;
    ff_err err = {0};
    if (ff_graph_load_json(path, &g, &err)) fail_msg("%s", err.msg);
    ff_arch arch;
    ff_arch_default(&arch);
    arch.fifo_depth = 1;
    /* A (4x4) with an empty row 1: the scanner of A's columns must see
     * row 2's reference before it closes row 1 */
    ff_tensor *in[8] = {0};
    for (int t = 0; t < g->ntensors; t++) {
        const ff_gtensor *gt = &g->tensors[t];
        if (gt->is_output) continue;
        ff_format fmt;
        if (ff_format_parse(gt->format, gt->order, &fmt, &err)) fail_msg("%s", err.msg);
        uint32_t dims[2] = {4, 4};
        if (!strcmp(gt->name, "A")) {
            static const uint32_t crd[] = {0, 0, 0, 2, 2, 1, 3, 3};
            static const ff_fx val[] = {65536, 131072, 196608, 262144};
            if (ff_tensor_from_coo("A", 2, dims, &fmt, g->frac_bits, 4, crd, val, &in[t], &err)) fail_msg("%s", err.msg);
        } else {
            ff_rand_spec spec = {0.6, -2, 2, 4, 77 + (uint64_t)t};
            if (ff_tensor_random(gt->name, gt->order, dims, &fmt, g->frac_bits, &spec, &in[t], &err))
                fail_msg("%s", err.msg);
        }
    }
    ff_sim_opts o;
    ff_sim_opts_default(&o);
    o.arch = arch;
    ff_sim *s = NULL;
    assert_int_equal(ff_sim_new(g, &o, &s, &err), 0);
    for (int t = 0; t < g->ntensors; t++)
        if (in[t]) assert_int_equal(ff_sim_bind(s, g->tensors[t].name, in[t], &err), 0);
    int crc = ff_sim_run(s, &err);
    ff_sim_free(s);
    ff_bitstream *b = NULL;
    assert_int_equal(ff_backend_compile(g, &A, &arch, &b, &err), 0);
    ff_rtl_result res;
    ff_rtl_run_opts ro = {.watchdog = 200};
    int rc = ff_rtl_run_graph(R, g, b, (const ff_tensor *const *)in, &ro, &res, &err);
    printf("  C model: %s\n  RTL: %s\n", crc ? "deadlock" : "finished", rc ? err.msg : "finished");
    assert_int_equal(crc, FF_EDEADLOCK);
    assert_int_equal(rc, FF_EDEADLOCK);
    assert_non_null(strstr(err.msg, "no token moved for 200 cycles"));
    assert_non_null(strstr(err.msg, "scan["));
    for (int t = 0; t < g->ntensors; t++) ff_tensor_free(in[t]);
    ff_bitstream_free(b);
    ff_graph_free(g);
}

/* A level larger than its tile's SRAM is refused before the run, naming
 * the tile, the tensor and both sizes. */
static void rtl_oversized_level_is_refused(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/graphs/spmv.json", FF_SOURCE_DIR);
    ff_graph *g = NULL;
    ff_err err = {0};
    if (ff_graph_load_json(path, &g, &err)) fail_msg("%s", err.msg);
    ff_tensor *in[4] = {0};
    for (int t = 0; t < g->ntensors; t++) {
        const ff_gtensor *gt = &g->tensors[t];
        if (gt->is_output) continue;
        ff_format fmt;
        if (ff_format_parse(gt->format, gt->order, &fmt, &err)) fail_msg("%s", err.msg);
        uint32_t dims[2] = {64, 64};
        ff_rand_spec spec = {1.0, -2, 2, 4, 5};
        if (ff_tensor_random(gt->name, gt->order, dims, &fmt, g->frac_bits, &spec, &in[t], &err)) fail_msg("%s", err.msg);
    }
    ff_bitstream *b = NULL;
    assert_int_equal(ff_backend_compile(g, &A, NULL, &b, &err), 0);
    ff_rtl_result res;
    assert_int_equal(ff_rtl_run_graph(R, g, b, (const ff_tensor *const *)in, NULL, &res, &err), FF_EINVAL);
    printf("  %s\n", err.msg);
    assert_non_null(strstr(err.msg, "SRAM words"));
    assert_non_null(strstr(err.msg, "'A'"));
    for (int t = 0; t < g->ntensors; t++) ff_tensor_free(in[t]);
    ff_bitstream_free(b);
    ff_graph_free(g);
}

/* Source and sink nodes run on the harness ports: a timed source with idle
 * cycles, sinks with random and patterned backpressure. Every sink's tokens
 * and the cycle each was popped must match the C model's. */
static void rtl_harness_ports_match_model(void **state)
{
    (void)state;
    ff_err err = {0};
    for (int round = 0; round < 8; round++) {
        ff_graph *g = ff_graph_new("ports");
        int src = ff_graph_add_node(g, "src", FF_PRIM_SOURCE, &err);
        ff_node_set_str(g, src, "type", "ref", &err);
        ff_node_set_str(g, src, "tokens", round % 2 ? "0 _ 2 1 S0 _ _ 0 3 S1 D" : "1 0 S0 3 2 S1 _ D", &err);
        int sc = ff_graph_add_node(g, "s", FF_PRIM_SCAN, &err);
        int64_t seg[] = {0, 2, 2, 5, 6}, crd[] = {1, 4, 0, 2, 3, 5};
        ff_node_set_ints(g, sc, "seg", seg, 5, &err);
        ff_node_set_ints(g, sc, "crd", crd, 6, &err);
        int av = ff_graph_add_node(g, "v", FF_PRIM_ARRAY, &err);
        int64_t vals[] = {65536, -131072, 98304, 7, 0, 1 << 20};
        ff_node_set_ints(g, av, "vals", vals, 6, &err);
        int alu = ff_graph_add_node(g, "m", FF_PRIM_ALU, &err);
        ff_node_set_str(g, alu, "op", "mul", &err);
        ff_node_set_fx(g, alu, "imm", ff_fx_from_int(-3, g->frac_bits), &err);
        int red = ff_graph_add_node(g, "r", FF_PRIM_REDUCE, &err);
        int k1 = ff_graph_add_node(g, "out_crd", FF_PRIM_SINK, &err);
        int k2 = ff_graph_add_node(g, "out_sum", FF_PRIM_SINK, &err);
        int k3 = ff_graph_add_node(g, "out_val", FF_PRIM_SINK, &err);
        char ready[32];
        snprintf(ready, sizeof ready, "rand:%d:%d", round + 11, 30 + 10 * round);
        ff_node_set_str(g, k1, "ready", ready, &err);
        ff_node_set_str(g, k2, "ready", round % 3 ? "1101" : "", &err);
        ff_node_set_str(g, k3, "ready", "011", &err);
        ff_graph_connect(g, src, "out", sc, "ref_in", round % 4 ? 0 : 1, &err);
        ff_graph_connect(g, sc, "crd", k1, "in", 0, &err);
        ff_graph_connect(g, sc, "ref", av, "ref", 0, &err);
        ff_graph_connect(g, av, "val", alu, "a", 0, &err);
        ff_graph_connect(g, alu, "val", red, "val_in", 0, &err);
        ff_graph_connect(g, alu, "val", k3, "in", 3, &err);
        ff_graph_connect(g, red, "val", k2, "in", 0, &err);
        if (ff_graph_validate(g, &err)) fail_msg("%s", err.msg);
        const ff_arch *arch = round >= 4 ? pipelined_arch() : NULL;

        ff_sim_opts o;
        ff_sim_opts_default(&o);
        if (arch) o.arch = *arch;
        ff_sim *s = NULL;
        if (ff_sim_new(g, &o, &s, &err) || ff_sim_run(s, &err)) fail_msg("C model: %s", err.msg);
        ff_bitstream *b = NULL;
        if (ff_backend_compile(g, &A, arch, &b, &err)) fail_msg("%s", err.msg);
        ff_rtl_result res;
        if (ff_rtl_run_graph(R, g, b, NULL, NULL, &res, &err)) fail_msg("RTL: %s", err.msg);
        assert_int_equal((int)res.sinks.len, 3);
        for (size_t i = 0; i < res.sinks.len; i++) {
            const ff_rtl_sink *k = &res.sinks.data[i];
            const ff_tok *toks;
            const uint64_t *cyc;
            size_t n;
            assert_int_equal(ff_sim_sink(s, k->node, &toks, &cyc, &n, &err), 0);
            if (n != k->toks.len) fail_msg("round %d sink %s: C %zu tokens, RTL %zu", round, k->node, n, k->toks.len);
            for (size_t t = 0; t < n; t++)
                if (toks[t] != k->toks.data[t] || cyc[t] != k->cycles.data[t])
                    fail_msg("round %d sink %s token %zu: C 0x%" PRIx64 "@%" PRIu64 ", RTL 0x%" PRIx64 "@%" PRIu64, round,
                             k->node, t, (uint64_t)toks[t], cyc[t], (uint64_t)k->toks.data[t], k->cycles.data[t]);
        }
        assert_int_equal(res.cycles, ff_sim_cycles(s));
        printf("  ok   harness ports round %d: %zu+%zu+%zu tokens, %" PRIu64 " cycles\n", round, res.sinks.data[0].toks.len,
               res.sinks.data[1].toks.len, res.sinks.data[2].toks.len, res.cycles);
        ff_rtl_result_free(&res);
        ff_bitstream_free(b);
        ff_sim_free(s);
        ff_graph_free(g);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rtl_array_json_matches_verilated),
        cmocka_unit_test(rtl_foreign_bitstream_is_refused),
        cmocka_unit_test(rtl_oversized_level_is_refused),
        cmocka_unit_test(rtl_deadlock_names_stuck_tiles),
        cmocka_unit_test(rtl_harness_ports_match_model),
        cmocka_unit_test(rtl_graphs_match_model),
        cmocka_unit_test(rtl_examples_match_model),
    };
    return cmocka_run_group_tests_name("rtl_graphs", tests, setup, teardown);
}
