/*
 * test_lower.c -- the lowering, table-driven: kernel x formats x loop order,
 * each compiled, run on the functional and the cycle model, and compared
 * bit-exactly with the reference interpreter on random inputs (several
 * densities, sizes with 1) and on real matrices.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>

#include "ff_ir.h"
#include "ff_lower.h"
#include "ff_run.h"
#include "ff_sim.h"
#include "blockcases.h"
#include "testrun.h"

typedef struct kernel {
    const char *name;
    const char *text;     /* a whole program */
    const char *orders[8];/* loop orders to try (NULL-terminated); none = default only */
} kernel;

static const kernel kernels[] = {
    {"spmv", "tensor A[N,K] : csr\ntensor x[K] : dense\ny[i] = A[i,k] * x[k]\n", {"i,k", NULL}},
    {"spmv-csc", "tensor A[N,K] : csc\ntensor x[K] : dense\ny[i] = A[i,k] * x[k]\n", {"k,i", NULL}},
    {"spmm-ijk", "tensor A[N,K] : csr\ntensor B[K,M] : csc\nC[i,j] = A[i,k] * B[k,j]\n", {"i,j,k", NULL}},
    {"spmm-ikj", "tensor A[N,K] : csr\ntensor B[K,M] : csr\nC[i,j] = A[i,k] * B[k,j]\n", {"i,k,j", NULL}},
    {"spmm-jik", "tensor A[N,K] : csr\ntensor B[K,M] : csc\nC[i,j] = A[i,k] * B[k,j]\n", {"j,i,k", NULL}},
    {"spmm-jki", "tensor A[N,K] : csc\ntensor B[K,M] : csc\nC[i,j] = A[i,k] * B[k,j]\n", {"j,k,i", NULL}},
    {"spmm-kij", "tensor A[N,K] : csc\ntensor B[K,M] : csr\nC[i,j] = A[i,k] * B[k,j]\n", {"k,i,j", NULL}},
    {"spmm-kji", "tensor A[N,K] : csc\ntensor B[K,M] : csr\nC[i,j] = A[i,k] * B[k,j]\n", {"k,j,i", NULL}},
    {"spmv-bcsr", "tensor A[N,K] : bcsr(4)\ntensor x[K] : dense\ny[i] = A[i,k] * x[k]\n", {NULL}},
    {"spmm-dcsr", "tensor A[N,K] : dcsr\ntensor B[K,M] : dcsr\nC[i,j] = A[i,k] * B[k,j]\n", {NULL}},
    {"sddmm", "tensor M[N,P] : csr\ntensor A[N,K] : dense\ntensor B[P,K] : dense\nS[i,j] = M[i,j] * A[i,k] * B[j,k]\n",
     {NULL}},
    {"add", "tensor A[N,M] : csr\ntensor B[N,M] : csr\nC[i,j] = A[i,j] + B[i,j]\n", {NULL}},
    {"mul", "tensor A[N,M] : csr\ntensor B[N,M] : csr\nC[i,j] = A[i,j] * B[i,j]\n", {NULL}},
    {"add-dense", "tensor A[N,M] : csr\ntensor B[N,M] : dense\nC[i,j] = A[i,j] + B[i,j]\n", {NULL}},
    {"sum-of-products", "tensor A[N,M] : csr\ntensor B[N,M] : csr\ntensor D[N,M] : dcsr\nC[i,j] = A[i,j] * B[i,j] + D[i,j]\n",
     {NULL}},
    {"product-of-sum", "tensor A[N,M] : csr\ntensor B[N,M] : csr\ntensor D[N,M] : csr\nC[i,j] = A[i,j] * (B[i,j] + D[i,j])\n",
     {NULL}},
    {"transpose", "tensor A[N,M] : csc\ntensor x[N] : dense\ny[j] = A[i,j] * x[i]\n", {NULL}},
    {"residual", "tensor A[N,K] : csr\ntensor x[K] : dense\ntensor b[N] : dense\nr[i] = b[i] - A[i,k] * x[k]\n", {NULL}},
    {"mttkrp", "tensor B[I,K,L] : sparse\ntensor C[K,J] : dense\ntensor D[L,J] : dense\n"
               "A[i,j] = sum[k](sum[l](B[i,k,l] * C[k,j] * D[l,j]))\n", {NULL}},
    {"mttkrp-reduce", "tensor B[I,K,L] : sparse\ntensor C[K,J] : dd:1,0\ntensor D[L,J] : dd:1,0\n"
                      "A[i,j] = sum[k](sum[l](B[i,k,l] * C[k,j] * D[l,j]))\n", {"i,j,k,l", NULL}},
    {"bias", "tensor X[N,M] : csr\ntensor b[M] : dense\nY[i,j] = X[i,j] + b[j]\n", {NULL}},
    {"relu", "tensor X[N,M] : csr\nY[i,j] = relu(X[i,j] * 2 - 0.5)\n", {NULL}},
    {"softmax", "tensor S[N,M] : csr\nP[i,j] = softmax[j](S[i,j])\n", {NULL}},
    {"layernorm", "tensor X[N,M] : dense\nY[i,j] = layernorm[j](X[i,j])\n", {NULL}},
    {"attention", "tensor M[N,N] : csr\ntensor Q[N,D] : dense\ntensor K[N,D] : dense\nscalar scale = 0.125\n"
                  "S[i,j] = mask(M[i,j], Q[i,d] * K[j,d]) * scale\n", {NULL}},
    {"two-statements", "tensor A[N,K] : csr\ntensor W[K,M] : dense\ntensor b[M] : dense\n"
                       "H[i,j] = A[i,k] * W[k,j]\nY[i,j] = relu(H[i,j] + b[j])\n", {NULL}},
    {"gcn", "tensor A[N,N] : csr\ntensor X[N,F] : dense\ntensor W[F,G] : dense\ntensor b[G] : dense\n"
            "tensor XW[N,G] : dd:1,0\nXW[i,j] = X[i,k] * W[k,j]\nH[i,j] = relu(A[i,k] * XW[k,j] + b[j])\n", {NULL}},
    {"row-sum-times", "tensor A[N,K] : csr\ntensor B[N,M] : csr\nC[i,j] = sum[k](A[i,k]) * B[i,j]\n", {NULL}},
    {"scalar", "tensor x[N] : sparse\ntensor y[N] : dense\nz = x[i] * y[i]\n", {NULL}},
    /* windows (docs/language.md "Offsets"): a dense scanner's crop or
     * shift, a compressed scanner's shift, located windows of both
     * formats, an offset bound from a size; the sizes below make some
     * windows reach past their modes */
    /* a masked term in a union: located on its mask's coordinates, so it
     * is absent (0) where the mask has nothing */
    {"mask-in-union", "tensor A[N,M] : csr\ntensor B[N,M] : csr\ntensor X[N,M] : dense\n"
                      "Y[i,j] = mask(A[i,j], X[i,j]) + X[i,j] * B[i,j]\n", {NULL}},
    {"mask-plus-dense", "tensor A[N,M] : csr\ntensor B[N,M] : dense\ntensor C[N,M] : dense\ntensor X[N,M] : dense\n"
                        "Y[i,j] = mask(A[i,j], X[i,j]) + B[i,j] * C[i,j]\n", {NULL}},
    {"mask-in-union-1d", "tensor A[N] : sparse\ntensor B[N] : sparse\ntensor X[N] : dense\n"
                         "y[j] = mask(A[j], X[j] * 2) + B[j]\n", {NULL}},
    {"window-slice", "tensor A[N,K] : dense\ntensor y[N,4] : dense\ny[i,j] = A[i, 2 + j]\n", {NULL}},
    {"window-cat", "tensor A[N,K] : dense\ntensor B[N,K] : csr\ntensor C[N,8] : dense\n"
                   "C[i,j] = A[i, j + 0] + B[i, j - 4]\n", {NULL}},
    {"window-cat-csr", "tensor A[N,4] : csr\ntensor C[N,8] : csr\nC[i,j] = A[i, j + 0] + A[i, j - 4] * 2\n",
     {NULL}},
    {"window-size-offset", "tensor A[N,K] : dense\ntensor B[N,K] : dense\nC[i,j] = A[i,j] * 2 + B[i, K + j]\n",
     {NULL}},
    {"window-located", "tensor M[N,K] : csr\ntensor X[N,K] : csr\ntensor D[N,K] : dense\n"
                       "S[i,j] = mask(M[i,j], X[i, 1 + j] + D[i, j - 1])\n", {NULL}},
    {"window-csr-crop", "tensor A[N,K] : csr\ntensor y[N,3] : csr\ny[i,j] = A[i, 2 + j] * 3\n", {NULL}},
    {"window-reduce", "tensor A[N,K] : dense\ny[i] = sum[j < 3](A[i, 0 + j] * A[i, 3 + j])\n", {NULL}},
};

typedef struct run_result {
    int failures;
    uint64_t cycles;
} run_result;

static int run_program(ff_ir_program *p, ff_tensor **data, const char *order, int functional, const char *what,
                       uint64_t *cycles)
{
    return run_program_fused(p, data, order, "none", functional, what, cycles);
}


static ff_ir_program *parse_kernel(const kernel *k)
{
    ff_ir_program *p = NULL;
    ff_err err = {0};
    char path[64];
    snprintf(path, sizeof path, "%s.ff", k->name);
    if (ff_ir_parse(path, k->text, &p, &err) || ff_ir_place_reductions(p, &err)) fail_msg("%s: %s", k->name, err.msg);
    return p;
}

static void free_data(ff_ir_program *p, ff_tensor **data)
{
    for (int t = 0; t < p->ntensors; t++) ff_tensor_free(data[t]);
    free(data);
}

static void lower_kernels_match_reference_on_random_inputs(void **state)
{
    static const double densities[] = {0.0, 0.1, 0.5};
    static const uint32_t size_sets[][2] = {{1, 1}, {7, 5}, {13, 9}};
    int failures = 0, runs = 0;
    for (size_t ki = 0; ki < sizeof kernels / sizeof kernels[0]; ki++) {
        const kernel *k = &kernels[ki];
        for (int oi = 0; oi == 0 || k->orders[oi]; oi++) {
            const char *order = k->orders[oi];
            for (size_t di = 0; di < sizeof densities / sizeof densities[0]; di++)
                for (size_t zi = 0; zi < sizeof size_sets / sizeof size_sets[0]; zi++) {
                    ff_ir_program *p = parse_kernel(k);
                    ff_tensor **data = calloc((size_t)p->ntensors, sizeof *data);
                    uint32_t *sizes = calloc((size_t)p->nsizes + 1, sizeof *sizes);
                    for (int s = 0; s < p->nsizes; s++) sizes[s] = p->sizes[s].literal ? 0 : size_sets[zi][s % 2];
                    ff_err err = {0};
                    if (ff_ir_random_inputs(p, 100 + ki * 7 + zi, densities[di], sizes, data, &err))
                        fail_msg("%s: %s", k->name, err.msg);
                    char what[256];
                    snprintf(what, sizeof what, "%s order %s density %.1f sizes %u/%u", k->name, order ? order : "default",
                             densities[di], size_sets[zi][0], size_sets[zi][1]);
                    uint64_t cycles;
                    failures += run_program(p, data, order, 1, what, &cycles);
                    free_data(p, data);
                    ff_ir_free(p);
                    /* again on the cycle model, from fresh inputs */
                    p = parse_kernel(k);
                    data = calloc((size_t)p->ntensors, sizeof *data);
                    if (ff_ir_random_inputs(p, 100 + ki * 7 + zi, densities[di], sizes, data, &err))
                        fail_msg("%s: %s", k->name, err.msg);
                    failures += run_program(p, data, order, 0, what, &cycles);
                    runs += 2;
                    free_data(p, data);
                    free(sizes);
                    ff_ir_free(p);
                }
        }
    }
    printf("%d kernel runs, %d failures\n", runs, failures);
    assert_int_equal(failures, 0);
}

/* --par: every kernel of the table, parallelized under each of its output
 * loops 2, 3 and 7 ways, on the functional and the cycle model: results
 * bit-exact with the reference (so with the serial graph), and fewer
 * cycles than serial somewhere. Loops that are reductions are refused by
 * the lowering with a reason; that refusal is checked too. */
static void lower_par_matches_reference(void **state)
{
    (void)state;
    static const int lane_counts[] = {2, 3, 7};
    int failures = 0, runs = 0, refused = 0, faster = 0;
    for (size_t ki = 0; ki < sizeof kernels / sizeof kernels[0]; ki++) {
        const kernel *k = &kernels[ki];
        ff_ir_program *p0 = parse_kernel(k);
        char names[FF_LOWER_MAX_INDICES][FF_LOWER_NAME];
        ff_lower_opts o;
        memset(&o, 0, sizeof o);
        ff_err err = {0};
        int last = p0->nstmts - 1, n = ff_lower_indices(p0, last, &o, names, &err);
        ff_ir_free(p0);
        for (int v = 0; v < n; v++) {
            uint64_t serial = 0;
            for (size_t li = 0; li < sizeof lane_counts / sizeof lane_counts[0]; li++)
                for (int functional = 0; functional < 2; functional++) {
                    ff_ir_program *p = parse_kernel(k);
                    ff_tensor **data = calloc((size_t)p->ntensors, sizeof *data);
                    uint32_t *sizes = calloc((size_t)p->nsizes + 1, sizeof *sizes);
                    for (int z = 0; z < p->nsizes; z++) sizes[z] = p->sizes[z].literal ? 0 : z % 2 ? 5 : 9;
                    if (ff_ir_random_inputs(p, 300 + ki, 0.3, sizes, data, &err)) fail_msg("%s: %s", k->name, err.msg);
                    uint64_t cycles = 0;
                    if (!functional && li == 0) {
                        /* the serial cycles, on the same inputs (same seed) */
                        ff_tensor **d2 = calloc((size_t)p->ntensors, sizeof *d2);
                        if (ff_ir_random_inputs(p, 300 + ki, 0.3, sizes, d2, &err)) fail_msg("%s: %s", k->name, err.msg);
                        failures += run_program_par(p, d2, NULL, "none", NULL, 0, 0, k->name, &serial);
                        free_data(p, d2);
                    }
                    /* a statement without the loop, or where it is a reduction: expect the refusal */
                    ff_lower_opts po;
                    memset(&po, 0, sizeof po);
                    snprintf(po.par_index, sizeof po.par_index, "%.*s", FF_LOWER_NAME - 1, names[v]);
                    po.par = lane_counts[li];
                    ff_graph *g = NULL;
                    ff_err e2 = {0};
                    int lrc = ff_lower_stmt(p, last, &po, &g, &e2);
                    ff_graph_free(g);
                    if (lrc) {
                        if (!strstr(e2.msg, "is not an output loop")) {
                            printf("FAIL %s --par %s:%d: %s\n", k->name, names[v], lane_counts[li], e2.msg);
                            failures++;
                        }
                        refused++;
                    } else {
                        char what[160];
                        snprintf(what, sizeof what, "%.40s --par %.*s:%d%s", k->name, FF_LOWER_NAME - 1, names[v],
                                 lane_counts[li],
                                 functional ? " (functional)" : "");
                        failures += run_program_par(p, data, NULL, "none", names[v], lane_counts[li], functional, what,
                                                    &cycles);
                        runs++;
                        if (!functional && cycles < serial) faster++;
                    }
                    free_data(p, data);
                    free(sizes);
                    ff_ir_free(p);
                }
        }
    }
    printf("--par: %d runs, %d refused (reduction loops), %d faster than serial, %d failures\n", runs, refused, faster,
           failures);
    assert_int_equal(failures, 0);
    assert_true(runs > 100);
    assert_true(faster > 20);
}

/* --block 4: the kernels of blockcases.c over tensors stored in 4x4
 * blocks, each run blocked on the functional and the cycle model and
 * compared bit-exactly with the reference interpreter, which reads a blocked
 * format's stored blocks whole, as block mode does. Sizes are multiples of
 * the block. */
static int graph_is_blocked(const ff_graph *g)
{
    for (int i = 0; i < g->nnodes; i++)
        if (ff_sim_node_block(&g->nodes[i])) return 1;
    return 0;
}

static void lower_block_matches_reference(void **state)
{
    (void)state;
    static const double densities[] = {0.1, 0.5, 1.0};
    static const uint32_t size_sets[][2] = {{4, 4}, {8, 12}, {16, 8}};
    int failures = 0, runs = 0, faster = 0;
    for (int ki = 0; ki < block_ncases; ki++) {
        const kernel kk = {block_cases[ki].name, block_cases[ki].text, {block_cases[ki].order, NULL}}, *k = &kk;
        const char *order = k->orders[0];
        {
            /* the lowering really streams blocks */
            ff_ir_program *p = parse_kernel(k);
            ff_lower_opts o;
            memset(&o, 0, sizeof o);
            o.block = 4;
            ff_graph *g = NULL;
            ff_err err = {0};
            if (ff_lower_stmt(p, p->nstmts - 1, &o, &g, &err)) fail_msg("%s: %s", k->name, err.msg);
            if (!graph_is_blocked(g)) fail_msg("%s: --block 4 lowered without a block node", k->name);
            ff_graph_free(g);
            ff_ir_free(p);
        }
        for (size_t di = 0; di < sizeof densities / sizeof densities[0]; di++)
            for (size_t zi = 0; zi < sizeof size_sets / sizeof size_sets[0]; zi++) {
                uint64_t scalar = 0;
                for (int mode = 0; mode < 3; mode++) { /* scalar cycles, block functional, block cycles */
                    ff_ir_program *p = parse_kernel(k);
                    ff_tensor **data = calloc((size_t)p->ntensors, sizeof *data);
                    uint32_t *sizes = calloc((size_t)p->nsizes + 1, sizeof *sizes);
                    for (int z = 0; z < p->nsizes; z++) sizes[z] = size_sets[zi][z % 2];
                    ff_err err = {0};
                    if (ff_ir_random_inputs(p, 500 + ki * 5 + zi, densities[di], sizes, data, &err))
                        fail_msg("%s: %s", k->name, err.msg);
                    char what[200];
                    snprintf(what, sizeof what, "--block 4 %s density %.1f sizes %u/%u%s", k->name, densities[di],
                             size_sets[zi][0], size_sets[zi][1], mode == 1 ? " (functional)" : "");
                    uint64_t cycles = 0;
                    if (mode == 0) {
                        /* The scalar baseline: the same support, partly
                         * filled blocks' stored zeros included. */
                        failures += run_program_sched(p, data, order, "none", NULL, 0, 0, 0, what, &scalar);
                        runs++;
                        if (densities[di] < 1.0) scalar = 0; /* "faster" is counted on full blocks */
                    } else {
                        failures += run_program_sched(p, data, order, "none", NULL, 0, 4, mode == 1, what, &cycles);
                        runs++;
                        if (mode == 2 && scalar && cycles < scalar) faster++;
                    }
                    free_data(p, data);
                    free(sizes);
                    ff_ir_free(p);
                }
            }
    }
    printf("--block 4: %d runs, %d faster than scalar, %d failures\n", runs, faster, failures);
    assert_int_equal(failures, 0);
    assert_true(faster >= 20);
}

/* --block's refusals name the tensor and what was expected. */
static void lower_block_rejects_what_it_cannot_stream(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"tensor A[N,K] : bcsr(8)\ntensor x[K] : dense\ny[i] = A[i,k] * x[k]\n",
         "--block 4: tensor A is stored in blocks of 8; a graph has one block size"},
        {"tensor A[N,K] : bcsr(4)\ntensor B[K,M] : bcsr(4)\ntensor C[N,K,M] : dense\nD[i,k,j] = C[i,k,j] * A[i,k] * B[k,j]\n",
         "tensor C would be read in blocks of 3 dims; a block has at most two"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        ff_ir_program *p = NULL;
        ff_err err = {0};
        if (ff_ir_parse("block.ff", cases[c].text, &p, &err) || ff_ir_place_reductions(p, &err)) fail_msg("%s", err.msg);
        ff_lower_opts o;
        memset(&o, 0, sizeof o);
        o.block = 4;
        ff_graph *g = NULL;
        int rc = ff_lower_stmt(p, p->nstmts - 1, &o, &g, &err);
        if (!rc) fail_msg("case %zu lowered", c);
        if (!strstr(err.msg, cases[c].msg)) fail_msg("case %zu: got '%s'", c, err.msg);
        if (strncmp(err.msg, "block.ff:", 9)) fail_msg("case %zu: no position in '%s'", c, err.msg);
        ff_ir_free(p);
    }
}

/* SpMM in all six orders on a real matrix: C = A * A^T with A = west0067
 * (A^T given as the same file read in the transposed role). Reports cycles. */
static void lower_spmm_all_orders_on_a_real_matrix(void **state)
{
    static const struct { const char *order, *fa, *fb; } cases[] = {
        {"i,j,k", "csr", "csc"}, {"i,k,j", "csr", "csr"}, {"j,i,k", "csr", "csc"},
        {"j,k,i", "csc", "csc"}, {"k,i,j", "csc", "csr"}, {"k,j,i", "csc", "csr"},
    };
    int failures = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char text[256];
        snprintf(text, sizeof text, "tensor A[N,K] : %s\ntensor B[K,M] : %s\nC[i,j] = A[i,k] * B[k,j]\n", cases[c].fa,
                 cases[c].fb);
        ff_ir_program *p = NULL;
        ff_err err = {0};
        if (ff_ir_parse("spmm.ff", text, &p, &err) || ff_ir_place_reductions(p, &err)) fail_msg("%s", err.msg);
        ff_tensor **data = calloc((size_t)p->ntensors, sizeof *data);
        for (int t = 0; t < p->ntensors; t++) {
            if (p->tensors[t].role != FF_IR_INPUT) continue;
            if (ff_tensor_read_mtx(FF_SHARED_DATA "/suitesparse/west0067.mtx", &p->tensors[t].fmt, p->frac_bits, &data[t],
                                   &err))
                fail_msg("%s", err.msg);
        }
        uint64_t cycles = 0;
        char what[128];
        snprintf(what, sizeof what, "spmm %s on west0067", cases[c].order);
        failures += run_program(p, data, cases[c].order, 0, what, &cycles);
        printf("spmm west0067 x west0067 order %s (A %s, B %s): %llu cycles\n", cases[c].order, cases[c].fa, cases[c].fb,
               (unsigned long long)cycles);
        free_data(p, data);
        ff_ir_free(p);
    }
    assert_int_equal(failures, 0);
}

/* Edges into a scanner's skip input. */
static int skip_links(const ff_graph *g)
{
    int n = 0;
    for (int e = 0; e < g->nedges; e++) {
        const ff_node *to = &g->nodes[g->edges[e].to_node];
        n += to->kind == FF_PRIM_SCAN && strcmp(to->in[g->edges[e].to_port].name, "skip") == 0;
    }
    return n;
}

/* --skip: every intersect side a scanner feeds alone is linked back to it
 * (spmm i,k,j on dcsr: both sides of k; mul: both sides of j), --skip off
 * links none; the results are the reference's either way, and the cycles
 * drop where a side has coordinates to skip. */
static void lower_skip_links_scanners_and_keeps_results(void **state)
{
    static const struct { const char *name, *order; int links; } cases[] = {
        {"spmm-dcsr", "i,k,j", 2}, {"mul", NULL, 2}, {"sum-of-products", NULL, 2}, {"spmv", NULL, 0},
    };
    int failures = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const kernel *k = NULL;
        for (size_t ki = 0; ki < sizeof kernels / sizeof kernels[0]; ki++)
            if (!strcmp(kernels[ki].name, cases[c].name)) k = &kernels[ki];
        assert_non_null(k);
        uint64_t cycles[2];
        for (int off = 0; off < 2; off++) {
            ff_ir_program *p = parse_kernel(k);
            ff_lower_opts o = {.no_skip = off};
            if (cases[c].order) {
                char *text = strdup(cases[c].order);
                for (char *t = strtok(text, ","); t; t = strtok(NULL, ","))
                    snprintf(o.order[o.norder++], FF_LOWER_NAME, "%s", t);
                free(text);
            }
            ff_graph *g = NULL;
            ff_err err = {0};
            if (ff_lower_stmt(p, 0, &o, &g, &err)) fail_msg("%s: %s", k->name, err.msg);
            if (skip_links(g) != (off ? 0 : cases[c].links))
                fail_msg("%s --skip %s: %d skip links", k->name, off ? "off" : "on", skip_links(g));
            ff_graph_free(g);
            ff_tensor **data = calloc((size_t)p->ntensors, sizeof *data);
            uint32_t *sizes = calloc((size_t)p->nsizes + 1, sizeof *sizes);
            for (int s = 0; s < p->nsizes; s++) sizes[s] = 40;
            if (ff_ir_random_inputs(p, 31, 0.1, sizes, data, &err)) fail_msg("%s: %s", k->name, err.msg);
            const char *orders[1] = {cases[c].order};
            ff_run_sched sched = {.fuse = "none", .orders = orders, .norders = cases[c].order != NULL, .no_skip = off};
            char what[96];
            snprintf(what, sizeof what, "%s --skip %s", k->name, off ? "off" : "on");
            failures += run_program_with(p, data, &sched, 0, what, &cycles[off]);
            free_data(p, data);
            free(sizes);
            ff_ir_free(p);
        }
        printf("%s: %llu cycles with skipping, %llu without\n", k->name, (unsigned long long)cycles[0],
               (unsigned long long)cycles[1]);
        if (cases[c].links) assert_true(cycles[0] < cycles[1]);
        else assert_int_equal(cycles[0], cycles[1]);
    }
    assert_int_equal(failures, 0);
}

/* FIFO balancing: with the default arch (fifo_depth 2, max_fifo_depth 8)
 * Gustavson's SpMM gets deeper channels where its value path (through
 * repeaters, value arrays and the multiplier) and its coordinate path
 * (crd_hold) meet at the accumulator, never deeper than the cap; the
 * results are the reference's and the cycles drop. --balance off: every
 * channel at the arch's depth. */
static void lower_balance_deepens_the_short_paths(void **state)
{
    const kernel *k = NULL;
    for (size_t ki = 0; ki < sizeof kernels / sizeof kernels[0]; ki++)
        if (!strcmp(kernels[ki].name, "spmm-dcsr")) k = &kernels[ki];
    assert_non_null(k);
    ff_arch arch;
    ff_arch_default(&arch);
    uint64_t cycles[2];
    int failures = 0;
    for (int off = 0; off < 2; off++) {
        ff_ir_program *p = parse_kernel(k);
        ff_lower_opts o = {.norder = 3};
        snprintf(o.order[0], FF_LOWER_NAME, "i");
        snprintf(o.order[1], FF_LOWER_NAME, "k");
        snprintf(o.order[2], FF_LOWER_NAME, "j");
        ff_run_lower_arch(&o, &arch, off);
        ff_graph *g = NULL;
        ff_err err = {0};
        if (ff_lower_stmt(p, 0, &o, &g, &err)) fail_msg("%s", err.msg);
        int deeper = 0, deepest = 0;
        for (int e = 0; e < g->nedges; e++) {
            deeper += g->edges[e].depth > arch.fifo_depth;
            if (g->edges[e].depth > deepest) deepest = g->edges[e].depth;
        }
        if (off) assert_int_equal(deeper, 0);
        else assert_true(deeper >= 3 && deepest <= arch.max_fifo_depth);
        ff_graph_free(g);
        ff_tensor **data = calloc((size_t)p->ntensors, sizeof *data);
        uint32_t *sizes = calloc((size_t)p->nsizes + 1, sizeof *sizes);
        for (int t = 0; t < p->nsizes; t++) sizes[t] = 60;
        if (ff_ir_random_inputs(p, 5, 0.1, sizes, data, &err)) fail_msg("%s", err.msg);
        const char *orders[1] = {"i,k,j"};
        ff_run_sched sched = {.fuse = "none", .orders = orders, .norders = 1, .no_balance = off};
        ff_run_sched_arch(&sched, &arch);
        failures += run_program_with(p, data, &sched, 0, off ? "spmm --balance off" : "spmm --balance on", &cycles[off]);
        free_data(p, data);
        free(sizes);
        ff_ir_free(p);
    }
    printf("spmm i,k,j: %llu cycles balanced, %llu not\n", (unsigned long long)cycles[0], (unsigned long long)cycles[1]);
    assert_int_equal(failures, 0);
    assert_true(cycles[0] < cycles[1]);
}

static void lower_rejects_orders_the_formats_cannot_follow(void **state)
{
    ff_ir_program *p = NULL;
    ff_err err = {0};
    assert_int_equal(ff_ir_parse("m.ff", "tensor A[N,K] : csr\ntensor B[K,M] : csr\nC[i,j] = A[i,k] * B[k,j]\n", &p, &err), 0);
    assert_int_equal(ff_ir_place_reductions(p, &err), 0);
    ff_lower_opts o;
    assert_int_equal(ff_lower_parse_order(p, 0, "i,j,k", &o, &err), 0);
    ff_graph *g = NULL;
    assert_int_equal(ff_lower_stmt(p, 0, &o, &g, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "m.ff:3:"));
    assert_non_null(strstr(err.msg, "tensor B (csr) cannot be iterated in this order: its levels go k before j"));
    assert_int_equal(ff_lower_parse_order(p, 0, "i,q,j", &o, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "has no index 'q'"));
    assert_int_equal(ff_lower_parse_order(p, 0, "i,k", &o, &err), FF_EINVAL);
    /* the default is Gustavson's, the only legal one */
    ff_lower_opts d;
    memset(&d, 0, sizeof d);
    assert_int_equal(ff_lower_default_order(p, 0, &d, &err), 0);
    assert_int_equal(d.norder, 3);
    assert_string_equal(d.order[0], "i");
    assert_string_equal(d.order[1], "k");
    assert_string_equal(d.order[2], "j");
    char all[6][FF_LOWER_MAX_INDICES][FF_LOWER_NAME];
    int n, truncated;
    assert_int_equal(ff_lower_legal_orders(p, 0, NULL, all, 6, 1000, &n, &truncated, &err), 1);
    assert_int_equal(n, 3);
    assert_false(truncated);
    ff_ir_free(p);
}

static void lower_rejects_reductions_inside_out_of_order(void **state)
{
    ff_ir_program *p = NULL;
    ff_err err = {0};
    assert_int_equal(ff_ir_parse("m.ff",
                                 "tensor A[N,K] : csr\ntensor B[K,M] : csr\ntensor D[N,M] : csr\n"
                                 "C[i,j] = A[i,k] * B[k,j] + D[i,j]\n",
                                 &p, &err),
                     0);
    assert_int_equal(ff_ir_place_reductions(p, &err), 0);
    ff_lower_opts o;
    assert_int_equal(ff_lower_parse_order(p, 0, "i,k,j", &o, &err), 0);
    ff_graph *g = NULL;
    assert_int_equal(ff_lower_stmt(p, 0, &o, &g, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "only a reduction at the top of a statement can be accumulated out of order"));
    ff_ir_free(p);
}

/* The block size of a model that declares a blocked format, else 0. */
static int declared_block(const ff_ir_program *p)
{
    for (int t = 0; t < p->ntensors; t++)
        for (int l = 0; l < p->tensors[t].fmt.nlevels; l++)
            if (p->tensors[t].fmt.lv[l].split != FF_SPLIT_NONE) return (int)p->tensors[t].fmt.lv[l].block;
    return 0;
}

/* Every model in examples/ compiles, runs on the cycle model with random
 * inputs (seed 1, as `fuseflow run FILE --random 1 --check` does) and
 * matches the reference interpreter -- a model written for block sparsity
 * both element by element and with --block (random draws fill its blocks
 * partly: the scalar graph must stream their stored zeros). */
static void lower_every_example_runs_and_checks(void **state)
{
    DIR *d = opendir(FF_SOURCE_DIR "/examples");
    assert_non_null(d);
    struct dirent *e;
    int failures = 0, ran = 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 4 || strcmp(e->d_name + len - 3, ".ff") != 0) continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/examples/%s", FF_SOURCE_DIR, e->d_name);
        ff_ir_program *p = NULL;
        ff_err err = {0};
        if (ff_ir_parse(path, NULL, &p, &err) || ff_ir_place_reductions(p, &err)) fail_msg("%s", err.msg);
        ff_tensor **data = calloc((size_t)p->ntensors, sizeof *data);
        uint32_t *sizes = calloc((size_t)p->nsizes + 1, sizeof *sizes);
        if (ff_ir_random_inputs(p, 1, 0.1, sizes, data, &err)) fail_msg("%s: %s", path, err.msg);
        uint64_t cycles = 0;
        int B = declared_block(p);
        failures += run_program(p, data, NULL, 0, e->d_name, &cycles);
        if (B) {
            uint64_t blocked = 0;
            failures += run_program_sched(p, data, NULL, "none", NULL, 0, B, 0, e->d_name, &blocked);
            printf("%-16s %8llu cycles with --block %d\n", e->d_name, (unsigned long long)blocked, B);
        }
        printf("%-16s %8llu cycles\n", e->d_name, (unsigned long long)cycles);
        ran++;
        free(sizes);
        free_data(p, data);
        ff_ir_free(p);
    }
    closedir(d);
    assert_true(ran >= 14);
    assert_int_equal(failures, 0);
}

/* Fusing statements changes where intermediates live, never the results:
 * every multi-statement kernel, fused all / none / partially, matches the
 * reference (which evaluates the unfused program). */
static void lower_fusion_keeps_results(void **state)
{
    static const struct { const char *name, *text, *specs[4]; } progs[] = {
        /* XW column-major (and W, for the fused form): H can then run in
         * i,j,k, the only order that reduces rather than accumulates */
        {"gcn-layer", "tensor A[N,N] : csr\ntensor X[N,F] : dense\ntensor W[F,G] : dd:1,0\ntensor b[G] : dense\n"
                      "tensor XW[N,G] : dd:1,0\nXW[i,j] = X[i,k] * W[k,j]\nH[i,j] = relu(A[i,k] * XW[k,j] + b[j])\n",
         {"none", "all", NULL}},
        {"chain", "tensor A[N,M] : csr\ntensor B[N,M] : csr\ntensor x[M] : dense\n"
                  "C[i,j] = A[i,j] + B[i,j]\nD[i,j] = relu(C[i,j] * 2)\ny[i] = D[i,j] * x[j]\n",
         {"none", "all", "1-2,3", "1,2-3"}},
        {"two-results", "tensor A[N,M] : csr\ntensor b[M] : dense\n"
                        "T[i,j] = A[i,j] * b[j]\nU[i,j] = relu(T[i,j])\nV[i,j] = T[i,j] * 2\n", {"none", "all", NULL}},
        {"attention", "tensor M[N,N] : csr\ntensor Q[N,D] : dense\ntensor K[N,D] : dense\ntensor V[N,D] : dense\n"
                      "S[i,j] = mask(M[i,j], Q[i,d] * K[j,d]) * 0.125\nP[i,j] = softmax[j](S[i,j])\n"
                      "O[i,d] = P[i,j] * V[j,d]\n", {"none", "all", "1-2,3", NULL}},
        /* V column-major: the fused kernel reduces over j instead of accumulating */
        {"attention-vt", "tensor M[N,N] : csr\ntensor Q[N,D] : dense\ntensor K[N,D] : dense\ntensor V[N,D] : dd:1,0\n"
                         "S[i,j] = mask(M[i,j], Q[i,d] * K[j,d]) * 0.125\nP[i,j] = softmax[j](S[i,j])\n"
                         "O[i,d] = P[i,j] * V[j,d]\n", {"none", "all", NULL}},
        /* one projection split three ways through windows, fused: the
         * windows move into the producer's accesses (Wqkv's columns) */
        {"qkv-split", "tensor X[N,F] : dense\ntensor Wqkv[F,12] : dense\ntensor M[N,N] : csr\n"
                      "QKV[s,f] = X[s,e] * Wqkv[e,f]\n"
                      "S[i,j] = softmax[j](mask(M[i,j], sum[d < 4](QKV[i, 0 + d] * QKV[j, 4 + d])))\n"
                      "tensor O[N,4] : dense\nO[i,d] = S[i,j] * QKV[j, 8 + d]\n", {"none", "all", "1-2,3", "1,2-3"}},
    };
    int failures = 0;
    for (size_t i = 0; i < sizeof progs / sizeof progs[0]; i++)
        for (int f = 0; f < 4 && progs[i].specs[f]; f++)
            for (double dens = 0.0; dens <= 0.61; dens += 0.3) {
                ff_ir_program *p = NULL;
                ff_err err = {0};
                if (ff_ir_parse("f.ff", progs[i].text, &p, &err) || ff_ir_place_reductions(p, &err)) fail_msg("%s", err.msg);
                ff_tensor **data = calloc((size_t)p->ntensors, sizeof *data);
                uint32_t *sizes = calloc((size_t)p->nsizes + 1, sizeof *sizes);
                for (int sz = 0; sz < p->nsizes; sz++) sizes[sz] = p->sizes[sz].literal ? 0 : 6 + (uint32_t)sz;
                if (ff_ir_random_inputs(p, 7 + i, dens, sizes, data, &err)) fail_msg("%s", err.msg);
                uint64_t cycles;
                char what[128];
                snprintf(what, sizeof what, "%s density %.1f", progs[i].name, dens);
                failures += run_program_fused(p, data, NULL, progs[i].specs[f], 0, what, &cycles);
                printf("%-12s fuse %-6s density %.1f: %8llu cycles\n", progs[i].name, progs[i].specs[f], dens,
                       (unsigned long long)cycles);
                free(sizes);
                free_data(p, data);
                ff_ir_free(p);
            }
    assert_int_equal(failures, 0);
}

static void lower_fuse_specs_are_checked(void **state)
{
    ff_ir_program *p = NULL;
    ff_err err = {0};
    assert_int_equal(ff_ir_parse("f.ff", "tensor A[N] : dense\nB[i] = A[i] * 2\nC[i] = B[i] + 1\nD[i] = C[i] * B[i]\n",
                                 &p, &err),
                     0);
    ff_kernel k[8];
    assert_int_equal(ff_fuse_parse(p, "all", k, 8, &err), 1);
    assert_int_equal(k[0].nroots, 1); /* only D leaves */
    assert_int_equal(ff_fuse_parse(p, "none", k, 8, &err), 3);
    assert_int_equal(ff_fuse_parse(p, "1,2-3", k, 8, &err), 2);
    assert_int_equal(k[0].nroots, 1);
    assert_int_equal(ff_fuse_parse(p, "1-2,4", k, 8, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "expected 3 here"));
    assert_int_equal(ff_fuse_parse(p, "1-2", k, 8, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "statements 3..3 are in no kernel"));
    assert_int_equal(ff_fuse_parse(p, "2-3", k, 8, &err), FF_EINVAL);
    assert_int_equal(ff_fuse_parse(p, "fast", k, 8, &err), FF_EINVAL);
    ff_ir_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lower_kernels_match_reference_on_random_inputs),
        cmocka_unit_test(lower_spmm_all_orders_on_a_real_matrix),
        cmocka_unit_test(lower_every_example_runs_and_checks),
        cmocka_unit_test(lower_fusion_keeps_results),
        cmocka_unit_test(lower_par_matches_reference),
        cmocka_unit_test(lower_block_matches_reference),
        cmocka_unit_test(lower_block_rejects_what_it_cannot_stream),
        cmocka_unit_test(lower_fuse_specs_are_checked),
        cmocka_unit_test(lower_skip_links_scanners_and_keeps_results),
        cmocka_unit_test(lower_balance_deepens_the_short_paths),
        cmocka_unit_test(lower_rejects_orders_the_formats_cannot_follow),
        cmocka_unit_test(lower_rejects_reductions_inside_out_of_order),
    };
    return cmocka_run_group_tests_name("lower", tests, NULL, NULL);
}
