/*
 * test_graphs.c -- the hand-written graphs of tests/graphs, each run on the
 * functional model and on the cycle model, and checked bit-exactly against
 * the graph's own reference expression evaluated densely (ff_einsum_ref):
 * on random inputs over sizes (including size-1 dimensions) and densities
 * (including all-empty tensors and empty rows), and on real matrices from
 * ../shared/data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ff_sim.h"

typedef struct operand {
    const char *name;
    const char *idx;   /* index letter per mode, e.g. "ik" */
} operand;

typedef struct graph_case {
    const char *file;  /* under tests/graphs */
    operand in[4];
} graph_case;

static const graph_case graphs[] = {
    {"spmv.json", {{"A", "ij"}, {"x", "j"}}},
    {"spmm_ikj.json", {{"A", "ik"}, {"B", "kj"}}},
    {"spmm_ijk.json", {{"A", "ik"}, {"B", "kj"}}},
    {"sddmm.json", {{"M", "ij"}, {"A", "ik"}, {"B", "jk"}}},
    {"elementwise_add.json", {{"A", "ij"}, {"B", "ij"}}},
    {"elementwise_mul.json", {{"A", "ij"}, {"B", "ij"}}},
    {"spmm_dcsr_skip.json", {{"B", "ik"}, {"C", "kj"}}},
};

typedef struct bound {
    const char *name;
    const ff_tensor *t;
} bound;

typedef struct bound_set {
    bound b[4];
    int n;
} bound_set;

static const ff_tensor *lookup(void *ctx, const char *name)
{
    bound_set *bs = ctx;
    for (int i = 0; i < bs->n; i++)
        if (strcmp(bs->b[i].name, name) == 0) return bs->b[i].t;
    return NULL;
}

static ff_graph *load_graph(const char *file)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/graphs/%s", FF_SOURCE_DIR, file);
    ff_graph *g = NULL;
    ff_err err = {0};
    if (ff_graph_load_json(path, &g, &err)) fail_msg("%s", err.msg);
    return g;
}

/* Runs g on the bound tensors in one mode and compares every output with the
 * reference. Returns 0, or 1 after printing what differed. */
static int run_and_check(const ff_graph *g, bound_set *bs, int functional, int depth, const char *what,
                         uint64_t *cycles)
{
    ff_sim_opts opts;
    ff_sim_opts_default(&opts);
    opts.functional = functional;
    opts.arch.fifo_depth = depth;
    opts.max_cycles = 200000000;
    ff_sim *s = NULL;
    ff_err err = {0};
    int bad = 0;
    if (ff_sim_new(g, &opts, &s, &err)) goto fail;
    for (int i = 0; i < bs->n; i++)
        if (ff_sim_bind(s, bs->b[i].name, bs->b[i].t, &err)) goto fail;
    if (ff_sim_run(s, &err)) goto fail;
    if (cycles) *cycles = ff_sim_cycles(s);
    for (int t = 0; t < g->ntensors; t++) {
        if (!g->tensors[t].is_output) continue;
        ff_tensor *out = NULL, *ref = NULL;
        if (ff_sim_take_output(s, g->tensors[t].name, &out, &err)) goto fail;
        if (ff_einsum_ref(g->reference, lookup, bs, &out->fmt, g->frac_bits, &ref, &err)) {
            ff_tensor_free(out);
            goto fail;
        }
        if (ff_tensor_compare(out, ref, &err)) bad = 1;
        ff_tensor_free(out);
        ff_tensor_free(ref);
        if (bad) goto fail;
    }
    ff_sim_free(s);
    return 0;
fail:
    printf("FAIL %s (%s, depth %d): %s\n", what, functional ? "functional" : "cycle", depth, err.msg);
    ff_sim_free(s);
    return 1;
}

static ff_tensor *random_operand(const ff_graph *g, const operand *op, const uint32_t *size, double density,
                                 uint64_t seed)
{
    int ti = ff_graph_find_tensor(g, op->name);
    assert_true(ti >= 0);
    const ff_gtensor *gt = &g->tensors[ti];
    uint32_t dims[FF_MAX_ORDER];
    for (int m = 0; m < gt->order; m++) dims[m] = size[op->idx[m] - 'i'];
    ff_format fmt;
    ff_err err = {0};
    if (ff_format_parse(gt->format, gt->order, &fmt, &err)) fail_msg("%s", err.msg);
    int dense = strcmp(gt->format, "dense") == 0;
    ff_rand_spec spec = {dense ? 0.8 : density, -2.0, 2.0, 4, seed};
    ff_tensor *t = NULL;
    if (ff_tensor_random(op->name, gt->order, dims, &fmt, g->frac_bits, &spec, &t, &err)) fail_msg("%s", err.msg);
    return t;
}

/* Sizes of indices i, j, k; densities; two seeds each. */
static void graphs_random_inputs_match_reference(void **state)
{
    static const uint32_t sizes[][3] = {{1, 1, 1}, {1, 7, 3}, {7, 1, 5}, {9, 13, 6}, {33, 17, 24}};
    static const double densities[] = {0.0, 0.05, 0.3, 1.0};
    int failures = 0, runs = 0;
    for (size_t gi = 0; gi < sizeof graphs / sizeof graphs[0]; gi++) {
        ff_graph *g = load_graph(graphs[gi].file);
        for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++)
            for (size_t di = 0; di < sizeof densities / sizeof densities[0]; di++)
                for (uint64_t seed = 1; seed <= 2; seed++) {
                    bound_set bs = {0};
                    for (int o = 0; o < 4 && graphs[gi].in[o].name; o++) {
                        bs.b[o].name = graphs[gi].in[o].name;
                        bs.b[o].t = random_operand(g, &graphs[gi].in[o], sizes[si], densities[di],
                                                   seed * 1000 + (uint64_t)o);
                        bs.n++;
                    }
                    char what[256];
                    snprintf(what, sizeof what, "%s sizes i=%u j=%u k=%u density %.2f seed %llu", graphs[gi].file,
                             sizes[si][0], sizes[si][1], sizes[si][2], densities[di], (unsigned long long)seed);
                    failures += run_and_check(g, &bs, 1, 2, what, NULL);
                    failures += run_and_check(g, &bs, 0, 2, what, NULL);
                    failures += run_and_check(g, &bs, 0, 4, what, NULL);
                    runs += 3;
                    for (int o = 0; o < bs.n; o++) ff_tensor_free((ff_tensor *)bs.b[o].t);
                }
        ff_graph_free(g);
    }
    printf("%d graph runs, %d failures\n", runs, failures);
    assert_int_equal(failures, 0);
}

static ff_tensor *read_shared(const char *rel, const char *format, int order)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", FF_SHARED_DATA, rel);
    ff_format fmt;
    ff_err err = {0};
    if (ff_format_parse(format, order, &fmt, &err)) fail_msg("%s", err.msg);
    ff_tensor *t = NULL;
    if (ff_tensor_read_mtx(path, &fmt, 16, &t, &err)) fail_msg("%s", err.msg);
    return t;
}

/* Coordinates collected with their rows and columns swapped. */
typedef struct coo_acc {
    FF_VEC(uint32_t) crd;
    FF_VEC(ff_fx) val;
} coo_acc;

static int collect_transposed(void *ctx, const uint32_t *crd, ff_fx val)
{
    coo_acc *acc = ctx;
    FF_VEC_PUSH(acc->crd, crd[1]);
    FF_VEC_PUSH(acc->crd, crd[0]);
    FF_VEC_PUSH(acc->val, val);
    return 0;
}

/* The transpose of a matrix, as a new tensor in the given format. */
static ff_tensor *transpose(const ff_tensor *a, const char *format)
{
    coo_acc acc = {0};
    ff_tensor_foreach(a, collect_transposed, &acc);
    ff_format fmt;
    ff_err err = {0};
    if (ff_format_parse(format, 2, &fmt, &err)) fail_msg("%s", err.msg);
    uint32_t dims[2] = {a->dims[1], a->dims[0]};
    ff_tensor *t = NULL;
    if (ff_tensor_from_coo("T", 2, dims, &fmt, 16, acc.val.len, acc.crd.data, acc.val.data, &t, &err))
        fail_msg("%s", err.msg);
    free(acc.crd.data);
    free(acc.val.data);
    return t;
}

static ff_tensor *random_dense(const char *name, uint32_t rows, uint32_t cols, uint64_t seed)
{
    uint32_t dims[2] = {rows, cols};
    ff_format fmt;
    ff_err err = {0};
    ff_format_parse("dense", 2, &fmt, &err);
    ff_rand_spec spec = {1.0, -1.0, 1.0, 4, seed};
    ff_tensor *t = NULL;
    if (ff_tensor_random(name, 2, dims, &fmt, 16, &spec, &t, &err)) fail_msg("%s", err.msg);
    return t;
}

static void graphs_real_matrices_match_reference(void **state)
{
    static const char *mats[] = {"karate/karate.mtx", "suitesparse/west0067.mtx", "suitesparse/lp_afiro.mtx",
                                 "suitesparse/jagmesh7.mtx"};
    int failures = 0;
    for (size_t mi = 0; mi < sizeof mats / sizeof mats[0]; mi++) {
        ff_tensor *A = read_shared(mats[mi], "csr", 2);
        ff_tensor *At = transpose(A, "csr");
        uint32_t x_dims[1] = {A->dims[1]};
        ff_format dense1;
        ff_err err = {0};
        ff_format_parse("dense", 1, &dense1, &err);
        ff_rand_spec spec = {1.0, -1.0, 1.0, 4, 42};
        ff_tensor *x = NULL;
        assert_int_equal(ff_tensor_random("x", 1, x_dims, &dense1, 16, &spec, &x, &err), 0);
        char what[256];
        uint64_t cycles = 0;

        ff_graph *g = load_graph("spmv.json");
        bound_set bs = {{{"A", A}, {"x", x}}, 2};
        snprintf(what, sizeof what, "spmv on %s", mats[mi]);
        failures += run_and_check(g, &bs, 1, 2, what, NULL);
        failures += run_and_check(g, &bs, 0, 2, what, &cycles);
        printf("%-28s spmv      %8llu cycles\n", mats[mi], (unsigned long long)cycles);
        ff_graph_free(g);

        /* A * A^T is defined for every shape; both orders. */
        static const char *spmm[] = {"spmm_ikj.json", "spmm_ijk.json"};
        for (int o = 0; o < 2; o++) {
            g = load_graph(spmm[o]);
            bound_set bm = {{{"A", A}, {"B", At}}, 2};
            snprintf(what, sizeof what, "%s on %s", spmm[o], mats[mi]);
            failures += run_and_check(g, &bm, 1, 2, what, NULL);
            failures += run_and_check(g, &bm, 0, 2, what, &cycles);
            printf("%-28s %-9.8s %8llu cycles\n", mats[mi], spmm[o], (unsigned long long)cycles);
            ff_graph_free(g);
        }

        /* Square matrices: element-wise with the transpose, SDDMM with the
         * pattern as mask (values 1 keep the three-way product exact). */
        if (A->dims[0] == A->dims[1]) {
            static const char *ew[] = {"elementwise_add.json", "elementwise_mul.json"};
            for (int o = 0; o < 2; o++) {
                g = load_graph(ew[o]);
                bound_set be = {{{"A", A}, {"B", At}}, 2};
                snprintf(what, sizeof what, "%s on %s", ew[o], mats[mi]);
                failures += run_and_check(g, &be, 1, 2, what, NULL);
                failures += run_and_check(g, &be, 0, 2, what, NULL);
                ff_graph_free(g);
            }
            ff_tensor *P = read_shared(mats[mi], "csr", 2);
            for (size_t v = 0; v < P->nvals; v++) P->vals[v] = 1 << 16;
            ff_tensor *DA = random_dense("A", A->dims[0], 8, 7), *DB = random_dense("B", A->dims[1], 8, 8);
            g = load_graph("sddmm.json");
            bound_set bd = {{{"M", P}, {"A", DA}, {"B", DB}}, 3};
            snprintf(what, sizeof what, "sddmm on %s", mats[mi]);
            failures += run_and_check(g, &bd, 1, 2, what, NULL);
            failures += run_and_check(g, &bd, 0, 2, what, &cycles);
            printf("%-28s sddmm     %8llu cycles\n", mats[mi], (unsigned long long)cycles);
            ff_graph_free(g);
            ff_tensor_free(P);
            ff_tensor_free(DA);
            ff_tensor_free(DB);
        }
        ff_tensor_free(x);
        ff_tensor_free(At);
        ff_tensor_free(A);
    }
    assert_int_equal(failures, 0);
}

/* Depth-1 channels deadlock Gustavson's SpMM as soon as a row's fiber is
 * empty: A_k can close that fiber only after seeing A_i's next reference,
 * which A_i cannot push while crd_hold still holds the row coordinate in
 * its one-slot channel (docs/timing.md, "Buffering"). The engine must say so,
 * naming the nodes of the cycle. */
static void graphs_depth_one_deadlock_is_reported(void **state)
{
    ff_graph *g = load_graph("spmm_ikj.json");
    ff_format csr;
    ff_err err = {0};
    ff_format_parse("csr", 2, &csr, &err);
    uint32_t dims[2] = {1, 1};
    ff_tensor *A = NULL;
    assert_int_equal(ff_tensor_from_coo("A", 2, dims, &csr, 16, 0, NULL, NULL, &A, &err), 0);
    ff_sim_opts opts;
    ff_sim_opts_default(&opts);
    opts.arch.fifo_depth = 1;
    ff_sim *s = NULL;
    assert_int_equal(ff_sim_new(g, &opts, &s, &err), 0);
    assert_int_equal(ff_sim_bind(s, "A", A, &err), 0);
    assert_int_equal(ff_sim_bind(s, "B", A, &err), 0);
    assert_int_equal(ff_sim_run(s, &err), FF_EDEADLOCK);
    assert_non_null(strstr(err.msg, "'A_i' waits for space on crd (full, 1 tokens, to 'hold_ik')"));
    assert_non_null(strstr(err.msg, "'A_k' waits for input on ref_in (empty, from 'A_i')"));
    ff_sim_free(s);
    ff_tensor_free(A);
    ff_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(graphs_random_inputs_match_reference),
        cmocka_unit_test(graphs_real_matrices_match_reference),
        cmocka_unit_test(graphs_depth_one_deadlock_is_reported),
    };
    return cmocka_run_group_tests_name("graphs", tests, NULL, NULL);
}
