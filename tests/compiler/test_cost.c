/*
 * test_cost.c -- the cost model (compiler/cost) against values computed by
 * hand from docs/cost-model.md's rules, the dominance pruning on toy sets,
 * and the exploration: every CSV row it writes matches a direct simulation
 * of its schedule (run here by the program runner, kernel after kernel,
 * with the row's orders), and the pruning's hit rate over several programs simulated in
 * full.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "shell.h"

#include "ff_cost.h"
#include "ff_run.h"
#include "ff_ir.h"
#include "ff_lower.h"
#include "ff_sim.h"

/* ------------------------------------------------------------------ */
/* helpers                                                             */
/* ------------------------------------------------------------------ */

static ff_ir_program *parse(const char *text)
{
    ff_ir_program *p = NULL;
    ff_err err = {0};
    if (ff_ir_parse("t.ff", text, &p, &err) || ff_ir_place_reductions(p, &err)) fail_msg("%s", err.msg);
    return p;
}

static int size_id(const ff_ir_program *p, const char *name)
{
    for (int s = 0; s < p->nsizes; s++)
        if (!strcmp(p->sizes[s].name, name)) return s;
    fail_msg("no size %s", name);
    return -1;
}

static int tensor_id(const ff_ir_program *p, const char *name)
{
    int t = ff_ir_find_tensor(p, name);
    if (t >= 0) return t;
    fail_msg("no tensor %s", name);
    return -1;
}

/* A model without data: every size as given ("N=4,K=5"), inputs uniform. */
static ff_cost_model *model_of(const ff_ir_program *p, const char *dims, double density)
{
    uint32_t *sizes = calloc((size_t)p->nsizes + 1, sizeof *sizes);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", dims);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        char *eq = strchr(tok, '=');
        *eq = '\0';
        sizes[size_id(p, tok)] = (uint32_t)atoi(eq + 1);
    }
    ff_cost_model *m = NULL;
    ff_err err = {0};
    if (ff_cost_model_new(p, sizes, NULL, density, &m, &err)) fail_msg("%s", err.msg);
    free(sizes);
    return m;
}

static ff_lower_opts order_of(const ff_ir_program *p, const ff_kernel *k, int root, const char *text)
{
    ff_lower_opts o;
    memset(&o, 0, sizeof o);
    int r = 0;
    while (r < k->nroots && k->roots[r] != root) r++;
    if (r == k->nroots) fail_msg("statement %d is no root of its kernel", root + 1);
    ff_err err = {0};
    if (text && ff_kernel_root_order(p, k, r, text, &o, &err)) fail_msg("%s", err.msg);
    return o;
}

static void kernels_of(const ff_ir_program *p, const char *spec, ff_kernel *ks, int *nk)
{
    ff_err err = {0};
    *nk = ff_fuse_parse(p, spec, ks, 16, &err);
    if (*nk < 0) fail_msg("%s", err.msg);
}

#define assert_near(a, b)                                                                                          \
    do {                                                                                                           \
        double a_ = (a), b_ = (b);                                                                                 \
        if (!(fabs(a_ - b_) <= 1e-9 * fmax(1, fabs(b_))))                                                          \
            fail_msg("%s = %.12g, expected %s = %.12g", #a, a_, #b, b_);                                           \
    } while (0)

/* ------------------------------------------------------------------ */
/* estimates by hand                                                   */
/* ------------------------------------------------------------------ */

/* SpMV on data: per level the measured occupancy; FLOPs = one multiply
 * and one add per stored entry; bytes = A (vals, crd, seg) + x + y. */
static void cost_spmv_uses_the_data(void **state)
{
    (void)state;
    ff_ir_program *p = parse("tensor A[N,K] : csr\ntensor x[K] : dense\ny[i] = A[i,k] * x[k]\n");
    uint32_t dims[2] = {4, 5};
    uint32_t coords[] = {0, 1, 0, 4, 2, 0, 2, 2, 2, 3, 3, 4}; /* rows 0, 2, 3: 6 entries, row 1 empty */
    ff_fx vals[6] = {1, 2, 3, 4, 5, 6};
    ff_format csr, dense;
    ff_err err = {0};
    ff_tensor *A = NULL, *x = NULL;
    assert_int_equal(ff_format_parse("csr", 2, &csr, &err), 0);
    assert_int_equal(ff_format_parse("dense", 1, &dense, &err), 0);
    assert_int_equal(ff_tensor_from_coo("A", 2, dims, &csr, 16, 6, coords, vals, &A, &err), 0);
    ff_fx xd[5] = {1, 1, 1, 1, 1};
    assert_int_equal(ff_tensor_from_dense("x", 1, &dims[1], &dense, 16, xd, &x, &err), 0);
    const ff_tensor *in[4] = {0};
    in[tensor_id(p, "A")] = A;
    in[tensor_id(p, "x")] = x;
    uint32_t sizes[4] = {0};
    assert_int_equal(ff_ir_bind_sizes(p, in, sizes, &err), 0);
    ff_cost_model *m = NULL;
    assert_int_equal(ff_cost_model_new(p, sizes, in, 0.5, &m, &err), 0);
    assert_near(ff_cost_tensor_words(m, tensor_id(p, "A")), 6 + 5 + 6); /* vals + seg (4 rows + 1) + crd */
    assert_near(ff_cost_tensor_density(m, tensor_id(p, "A")), 6.0 / 20);
    ff_kernel ks[16];
    int nk;
    kernels_of(p, "none", ks, &nk);
    ff_cost_est e;
    ff_cost_detail d;
    ff_lower_opts o = order_of(p, &ks[0], 0, "i,k");
    assert_int_equal(ff_cost_root(m, &ks[0], 0, &o, &e, &d, &err), 0);
    assert_int_equal(d.nlevels, 2);
    assert_string_equal(d.levels[0].index, "i");
    assert_near(d.levels[0].points, 4);          /* A's dense row level */
    assert_near(d.levels[1].prob, 6.0 / 20);     /* measured: 6 entries under 4 rows of 5 */
    assert_near(d.levels[1].points, 6);
    assert_near(e.flops, 6 + 6);                 /* mul per entry, one add per term */
    assert_near(e.bytes_read, 4 * (17 + 5));     /* A, x */
    assert_near(e.bytes_written, 4 * (4 + 2 + 4)); /* y written "c": crd per row, seg 0 and end, a value per row */
    assert_near(e.points, 4 + 6);
    ff_cost_model_free(m);
    ff_tensor_free(A);
    ff_tensor_free(x);
    ff_ir_free(p);
}

/* Uniform densities: a csr level keeps d of its coordinates; an intersect
 * multiplies, a union adds minus the overlap. */
static void cost_merges_multiply_and_add(void **state)
{
    (void)state;
    const double d = 0.2, N = 8, M = 10;
    ff_ir_program *p = parse("tensor A[N,M] : csr\ntensor B[N,M] : csr\ntensor D[N,M] : csr\n"
                             "C[i,j] = A[i,j] * (B[i,j] + D[i,j])\n");
    ff_cost_model *m = model_of(p, "N=8,M=10", d);
    ff_kernel ks[16];
    int nk;
    kernels_of(p, "none", ks, &nk);
    ff_cost_est e;
    ff_cost_detail det;
    ff_err err = {0};
    assert_int_equal(ff_cost_root(m, &ks[0], 0, NULL, &e, &det, &err), 0);
    double u = d + d - d * d, pts = N * M * d * u;
    assert_near(det.levels[1].prob, d * u);
    assert_near(det.levels[1].points, pts);
    assert_near(e.flops, 2 * pts);               /* add and mul at every point of j */
    /* the result's support by the semantics: d * (d + d - d^2), C stored sparse (dcsr) */
    assert_near(ff_cost_tensor_density(m, tensor_id(p, "C")), d * u);
    double words_in = 3 * ((N + 1) + N * M * d + N * M * d); /* three csr inputs: seg, crd, vals */
    assert_near(e.bytes_read, 4 * words_in);
    assert_near(e.bytes_written, 4 * (N + 2 + pts + N + 1 + pts)); /* i: crd+seg; j: crd+seg; vals */
    ff_cost_model_free(m);
    ff_ir_free(p);
}

/* softmax: three walks of the row (max, sum of exp, result), seven ALU
 * operations per stored entry. */
static void cost_softmax_walks_the_row_three_times(void **state)
{
    (void)state;
    const double d = 0.25, N = 6, M = 12;
    ff_ir_program *p = parse("tensor A[N,M] : csr\nP[i,j] = softmax[j](A[i,j])\n");
    ff_cost_model *m = model_of(p, "N=6,M=12", d);
    ff_kernel ks[16];
    int nk;
    kernels_of(p, "none", ks, &nk);
    ff_cost_est e;
    ff_cost_detail det;
    ff_err err = {0};
    assert_int_equal(ff_cost_root(m, &ks[0], 0, NULL, &e, &det, &err), 0);
    assert_int_equal(det.nlevels, 4); /* i, j, and the walks j2 (max), j3 (sum) below i */
    assert_near(e.points, N + 3 * N * M * d);
    assert_near(e.flops, 7 * N * M * d); /* max; sub exp add; sub exp div */
    ff_cost_model_free(m);
    ff_ir_free(p);
}

/* GCN, fused and not: the fused producer XW[k,j] is recomputed for every
 * (i, j, k) point of H -- F multiplies and adds each -- and the unfused
 * schedule writes XW and reads it back. */
static void cost_gcn_fusion_trades_flops_for_bytes(void **state)
{
    (void)state;
    const double d = 0.25, N = 8, F = 4, G = 6;
    ff_ir_program *p = parse("tensor A[N,N] : csr\ntensor X[N,F] : dense\ntensor W[F,G] : dd:1,0\n"
                             "tensor b[G] : dense\ntensor XW[N,G] : dd:1,0\n"
                             "XW[i,j] = X[i,k] * W[k,j]\nH[i,j] = relu(A[i,k] * XW[k,j] + b[j])\n");
    ff_cost_model *m = model_of(p, "N=8,F=4,G=6", d);
    ff_kernel ks[16];
    int nk;
    ff_err err = {0};
    ff_cost_est un[2], fu;
    kernels_of(p, "none", ks, &nk);
    assert_int_equal(nk, 2);
    ff_lower_opts o1 = order_of(p, &ks[0], 0, "i,j,k"), o2 = order_of(p, &ks[1], 1, "i,j,k");
    assert_int_equal(ff_cost_kernel(m, &ks[0], &o1, &un[0], &err), 0);
    assert_int_equal(ff_cost_kernel(m, &ks[1], &o2, &un[1], &err), 0);
    double a_pts = N * G * N * d; /* (i, j, k) points where A[i,k] is stored */
    assert_near(un[0].flops, 2 * N * G * F);
    assert_near(un[1].flops, 2 * a_pts + 2 * N * G);
    double xw = N * G, A_words = (N + 1) + 2 * N * N * d;
    assert_near(un[0].bytes_read, 4 * (N * F + F * G));
    assert_near(un[1].bytes_read, 4 * (A_words + xw + G)); /* XW read back, dense: values only */
    assert_near(un[0].bytes_written, 4 * (N + 2 + N * G + N + 1 + N * G));
    kernels_of(p, "all", ks, &nk);
    assert_int_equal(nk, 1);
    ff_lower_opts of = order_of(p, &ks[0], 1, "i,j,k,k_XW");
    ff_cost_detail det;
    assert_int_equal(ff_cost_root(m, &ks[0], 1, &of, &fu, &det, &err), 0);
    assert_int_equal(det.nlevels, 4);
    assert_string_equal(det.levels[3].index, "k_XW");
    assert_near(det.levels[3].points, a_pts * F);
    assert_near(fu.flops, 2 * a_pts * F + 2 * a_pts + 2 * N * G); /* XW's FLOPs times N d */
    assert_near(fu.bytes_read, 4 * (A_words + N * F + F * G + G));
    assert_near(fu.bytes_written, un[1].bytes_written);
    /* the worked example of docs/cost-model.md */
    assert_near(un[0].flops + un[1].flops, 672);
    assert_near(un[0].bytes_read + un[0].bytes_written + un[1].bytes_read + un[1].bytes_written, 1524);
    assert_near(fu.flops, 1056);
    assert_near(fu.bytes_read + fu.bytes_written, 872);
    assert_true(fu.flops > un[0].flops + un[1].flops);
    assert_true(fu.bytes_read + fu.bytes_written <
                un[0].bytes_read + un[0].bytes_written + un[1].bytes_read + un[1].bytes_written);
    ff_cost_model_free(m);
    ff_ir_free(p);
}

/* A reduction above an output index is accumulated: its result is the
 * support the semantics predict, and every point is one accumulation. */
static void cost_accumulated_spmm(void **state)
{
    (void)state;
    const double d = 0.3, N = 5, K = 7, M = 9;
    ff_ir_program *p = parse("tensor A[N,K] : csr\ntensor B[K,M] : csr\nC[i,j] = A[i,k] * B[k,j]\n");
    ff_cost_model *m = model_of(p, "N=5,K=7,M=9", d);
    ff_kernel ks[16];
    int nk;
    kernels_of(p, "none", ks, &nk);
    ff_cost_est e;
    ff_cost_detail det;
    ff_err err = {0};
    ff_lower_opts o = order_of(p, &ks[0], 0, "i,k,j");
    assert_int_equal(ff_cost_root(m, &ks[0], 0, &o, &e, &det, &err), 0);
    assert_int_equal(det.accumulated, 1);
    double pts = N * K * d * M * d;
    assert_near(det.levels[2].points, pts);
    assert_near(e.flops, 2 * pts); /* mul and accumulate */
    double dc = 1 - pow(1 - d * d, K), rows = N * (1 - pow(1 - dc, M));
    assert_near(e.bytes_written, 4 * (rows + 2 + N * M * dc + rows + 1 + N * M * dc));
    ff_cost_model_free(m);
    ff_ir_free(p);
}

/* ------------------------------------------------------------------ */
/* pruning                                                             */
/* ------------------------------------------------------------------ */

static void cost_prune_marks_dominated(void **state)
{
    (void)state;
    /* flops, bytes_read, bytes_written */
    const ff_cost_est est[] = {
        {10, 50, 50, 0}, /* 0: kept (fewest bytes among flops 10) */
        {10, 60, 50, 0}, /* 1: dominated by 0 (same flops, more bytes) */
        {5, 100, 100, 0},/* 2: kept (fewest flops) */
        {20, 40, 40, 0}, /* 3: kept (fewest bytes) */
        {20, 60, 60, 0}, /* 4: dominated by 0 and 3 */
        {10, 50, 50, 0}, /* 5: equal to 0: neither dominates */
        {10, 50, 50.0000001, 0}, /* 6: 0 is not better by more than the margin */
    };
    unsigned char dom[7];
    assert_int_equal(ff_cost_prune(est, 7, 1e-6, dom), 2);
    const unsigned char want[7] = {0, 1, 0, 0, 1, 0, 0};
    assert_memory_equal(dom, want, 7);
    assert_int_equal(ff_cost_prune(est, 7, 0, dom), 3); /* exact: 6 is worse than 0 and 5 */
    assert_int_equal(dom[6], 1);
    assert_int_equal(ff_cost_prune(est, 7, 0.2, dom), 1); /* only wins above 20%: 4 (120 bytes) by 3 (80) */
    assert_int_equal(dom[4], 1);
    assert_int_equal(ff_cost_prune(est, 1, 0, dom), 0);

    const uint64_t cyc[] = {100, 90, 120, 95, 80, 100, 100};
    assert_int_equal(ff_cost_hit(cyc, want, 7), 0); /* the best (80) was config 4, pruned */
    const uint64_t cyc2[] = {100, 90, 120, 85, 99, 100, 100};
    assert_int_equal(ff_cost_hit(cyc2, want, 7), 1);
    const uint64_t cyc3[] = {100, UINT64_MAX, 120, 85, 99, 100, 100};
    assert_int_equal(ff_cost_hit(cyc3, want, 7), -1); /* a pruned one not simulated */
    const uint64_t cyc4[] = {100, UINT64_MAX - 1, 120, 85, 99, 100, 100};
    assert_int_equal(ff_cost_hit(cyc4, want, 7), 1);  /* a failed one is no candidate */
}

static void cost_partition_specs(void **state)
{
    (void)state;
    char buf[64];
    const char *want[] = {"1,2,3,4", "1-2,3,4", "1,2-3,4", "1-3,4", "1,2,3-4", "1-2,3-4", "1,2-4", "1-4"};
    for (uint64_t mask = 0; mask < 8; mask++) {
        ff_cost_partition_spec(4, mask, buf, sizeof buf);
        assert_string_equal(buf, want[mask]);
    }
    ff_cost_partition_spec(1, 0, buf, sizeof buf);
    assert_string_equal(buf, "1");
}

/* ------------------------------------------------------------------ */
/* exploration                                                         */
/* ------------------------------------------------------------------ */

static const struct prog {
    const char *name, *text;
    const char *dims;
    double density;
} progs[] = {
    {"attention", "tensor M[N,N] : csr\ntensor Q[N,D] : dense\ntensor K[N,D] : dense\ntensor V[N,D] : dense\n"
                  "S[i,j] = mask(M[i,j], Q[i,d] * K[j,d]) * 0.125\nP[i,j] = softmax[j](S[i,j])\n"
                  "O[i,d] = P[i,j] * V[j,d]\n", "N=16,D=8", 0.2},
    {"attention-vt", "tensor M[N,N] : csr\ntensor Q[N,D] : dense\ntensor K[N,D] : dense\ntensor V[N,D] : dd:1,0\n"
                     "S[i,j] = mask(M[i,j], Q[i,d] * K[j,d]) * 0.125\nP[i,j] = softmax[j](S[i,j])\n"
                     "O[i,d] = P[i,j] * V[j,d]\n", "N=16,D=8", 0.2},
    {"gcn", "tensor A[N,N] : csr\ntensor X[N,F] : dense\ntensor W[F,G] : dd:1,0\ntensor b[G] : dense\n"
            "tensor XW[N,G] : dd:1,0\nXW[i,j] = X[i,k] * W[k,j]\nH[i,j] = relu(A[i,k] * XW[k,j] + b[j])\n",
     "N=16,F=8,G=8", 0.15},
    {"chain", "tensor A[N,M] : csr\ntensor B[N,M] : csr\ntensor x[M] : dense\n"
              "C[i,j] = A[i,j] + B[i,j]\nD[i,j] = relu(C[i,j] * 2)\ny[i] = D[i,j] * x[j]\n", "N=24,M=24", 0.2},
    {"two-results", "tensor A[N,M] : csr\ntensor b[M] : dense\n"
                    "T[i,j] = A[i,j] * b[j]\nU[i,j] = relu(T[i,j])\nV[i,j] = T[i,j] * 2\n", "N=24,M=24", 0.2},
    {"spmm-chain", "tensor A[N,N] : csr\ntensor B[N,N] : csc\ntensor C[N,N] : csc\n"
                   "tensor AB[N,N] : csc\nAB[i,j] = A[i,k] * B[k,j]\nY[i,j] = AB[i,k] * C[k,j]\n", "N=12", 0.2},
    {"dnn2", "tensor X[N,K] : csr\ntensor W1[K,H] : csc\ntensor W2[H,G] : csc\ntensor b1[H] : dense\n"
             "tensor b2[G] : dense\ntensor Z[N,H] : csr\nZ[i,j] = relu(X[i,k] * W1[k,j] + b1[j])\n"
             "Y[i,j] = relu(Z[i,k] * W2[k,j] + b2[j])\n", "N=16,K=12,H=12,G=8", 0.2},
    {"ewise", "tensor A[N,M] : csr\ntensor B[N,M] : csr\ntensor G[N,M] : csr\ntensor x[M] : dense\n"
              "C[i,j] = A[i,j] + B[i,j]\nD[i,j] = relu(C[i,j])\nE[i,j] = D[i,j] * G[i,j]\ny[i] = E[i,j] * x[j]\n",
     "N=16,M=16", 0.2},
    {"residual", "tensor A[N,N] : csr\ntensor x[N] : dense\ntensor b[N] : dense\ntensor B[N,N] : csr\n"
                 "r[i] = b[i] - A[i,k] * x[k]\ns[i] = B[i,k] * r[k]\nt[i] = relu(s[i]) + r[i]\n", "N=24", 0.2},
    {"sddmm-softmax", "tensor M[N,N] : csr\ntensor A[N,D] : dense\ntensor B[N,D] : dense\ntensor X[N,F] : dense\n"
                      "S[i,j] = M[i,j] * A[i,k] * B[j,k]\nP[i,j] = softmax[j](S[i,j])\nY[i,f] = P[i,j] * X[j,f]\n",
     "N=16,D=8,F=8", 0.2},
    {"mlp", "tensor X[N,K] : csr\ntensor W1[K,H] : dd:1,0\ntensor W2[H,O] : dd:1,0\ntensor b[H] : dense\n"
            "tensor Z[N,H] : dd\nZ[i,j] = relu(X[i,k] * W1[k,j] + b[j])\nY[i,o] = Z[i,j] * W2[j,o]\n",
     "N=12,K=16,H=8,O=4", 0.2},
};

static void inputs_for(const ff_ir_program *p, const struct prog *g, uint64_t seed, ff_tensor ***data_out,
                       uint32_t **sizes_out)
{
    ff_tensor **data = calloc((size_t)p->ntensors + 1, sizeof *data);
    uint32_t *sizes = calloc((size_t)p->nsizes + 1, sizeof *sizes);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", g->dims);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        char *eq = strchr(tok, '=');
        *eq = '\0';
        sizes[size_id(p, tok)] = (uint32_t)atoi(eq + 1);
    }
    ff_err err = {0};
    if (ff_ir_random_inputs(p, seed, g->density, sizes, data, &err)) fail_msg("%s: %s", g->name, err.msg);
    if (ff_ir_bind_sizes(p, (const ff_tensor *const *)data, sizes, &err)) fail_msg("%s: %s", g->name, err.msg);
    *data_out = data;
    *sizes_out = sizes;
}

static void free_data(const ff_ir_program *p, ff_tensor **data)
{
    for (int t = 0; t < p->ntensors; t++) ff_tensor_free(data[t]);
    free(data);
}

static ff_sim_opts hbm_opts(void)
{
    ff_sim_opts so;
    ff_sim_opts_default(&so);
    ff_err err = {0};
    if (ff_arch_load(FF_SOURCE_DIR "/arch/hbm-study.json", &so.arch, &err)) fail_msg("%s", err.msg);
    so.max_cycles = 50000000;
    return so;
}

/* A CSV row's schedule run directly by the runner: the simulate callback's
 * record first (its user), the row's orders, per-kernel cycles. */
typedef struct direct_run {
    ff_run_sim sim;
    const char *spec, *orders;
    uint64_t *kc;
    int nk;
} direct_run;

/* The runner's orders hook: "S=i,j,d;P=..." -> each root's order. */
static int direct_orders(ff_run_kernel *rk, void *user, ff_err *err)
{
    (void)err;
    const direct_run *d = user;
    const ff_ir_program *p = rk->p;
    for (int r = 0; r < rk->k->nroots; r++) {
        const char *name = p->tensors[p->stmts[rk->k->roots[r]].lhs].name;
        char want[64], text[256] = "";
        snprintf(want, sizeof want, "%s=", name);
        for (const char *c = d->orders; c && *c;) {
            size_t n = strcspn(c, ";");
            if (!strncmp(c, want, strlen(want))) snprintf(text, sizeof text, "%.*s", (int)(n - strlen(want)), c + strlen(want));
            c += n + (c[n] == ';');
        }
        assert_true(text[0]);
        /* "i,k,j/recompute": the root's --reuse, as explore searched it */
        char *mode = strchr(text, '/');
        if (mode) *mode++ = '\0';
        ff_lower_opts o = order_of(p, rk->k, rk->k->roots[r], text);
        o.reuse = FF_REUSE_AUTO;
        if (mode) {
            int m = ff_reuse_parse(mode);
            assert_true(m >= 0);
            o.reuse = (ff_reuse)m;
        }
        rk->orders[r] = o;
    }
    return 0;
}

static int direct_done(ff_run_kernel *rk, int rc, void *user, ff_err *err)
{
    direct_run *d = user;
    if (rc) fail_msg("%s %s: %s", d->spec, d->orders, err->msg);
    /* a kernel with held producers runs in phases: its cycles are theirs */
    d->kc[rk->index] = (rk->phase ? d->kc[rk->index] : 0) + d->sim.cycles;
    d->nk = rk->nkernels;
    return 0;
}

/* The schedule of a CSV row run directly: kernels in order, each graph
 * lowered and simulated on what the previous kernels stored. Returns the
 * total; per-kernel cycles into kc. */
static uint64_t run_direct(const ff_ir_program *p, ff_tensor **inputs, const char *spec, const char *orders,
                           uint64_t *kc, int *nkc)
{
    ff_tensor **data = calloc((size_t)p->ntensors + 1, sizeof *data);
    for (int t = 0; t < p->ntensors; t++)
        if (p->tensors[t].role == FF_IR_INPUT) data[t] = inputs[t];
    direct_run d = {.sim = {.opts = hbm_opts()}, .spec = spec, .orders = orders, .kc = kc};
    ff_run_sched sched = {.fuse = spec};
    ff_run_sched_arch(&sched, &d.sim.opts.arch); /* FIFO balancing, as explore's simulations */
    ff_run_ops ops = {.kernel = ff_run_simulate, .orders = direct_orders, .done = direct_done, .user = &d};
    ff_err err = {0};
    if (ff_run_program(p, data, &sched, &ops, &err)) fail_msg("%s %s: %s", spec, orders, err.msg);
    *nkc = d.nk;
    for (int t = 0; t < p->ntensors; t++)
        if (p->tensors[t].role != FF_IR_INPUT) ff_tensor_free(data[t]);
    free(data);
    return d.sim.total_cycles;
}

static ff_cost_exploration *explore(const ff_ir_program *p, ff_tensor **data, const uint32_t *sizes, int order_auto,
                                    int no_prune)
{
    ff_cost_explore_opts o;
    ff_cost_explore_opts_default(&o);
    o.sim = hbm_opts();
    o.order_auto = order_auto;
    o.no_prune = no_prune;
    ff_cost_exploration *x = NULL;
    ff_err err = {0};
    if (ff_cost_explore(p, (const ff_tensor *const *)data, sizes, &o, &x, &err)) fail_msg("%s", err.msg);
    return x;
}

static char *csv_text(const ff_cost_exploration *x)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ff_err err = {0};
    assert_int_equal(ff_cost_write_csv(x, f, &err), 0);
    fclose(f);
    return buf;
}

/* Splits one CSV line into fields (quotes as written by ff_cost_write_csv). */
static int csv_split(char *line, char **fields, int max)
{
    int n = 0;
    char *c = line;
    while (n < max) {
        char *out = c;
        fields[n++] = out;
        if (*c == '"') {
            c++;
            for (;;) {
                if (*c == '"' && c[1] == '"') {
                    *out++ = '"';
                    c += 2;
                } else if (*c == '"') {
                    c++;
                    break;
                } else {
                    *out++ = *c++;
                }
            }
        } else {
            while (*c && *c != ',' && *c != '\n') *out++ = *c++;
        }
        int end = *c != ',';
        *out = '\0';
        if (end) break;
        c++;
    }
    return n;
}

/* Every simulated row of the CSV is what running its schedule gives. */
static void explore_rows_match_direct_simulation(void **state)
{
    (void)state;
    const char *which[] = {"attention", "gcn", "chain"};
    for (size_t w = 0; w < sizeof which / sizeof which[0]; w++) {
        const struct prog *g = NULL;
        for (size_t i = 0; i < sizeof progs / sizeof progs[0]; i++)
            if (!strcmp(progs[i].name, which[w])) g = &progs[i];
        ff_ir_program *p = parse(g->text);
        ff_tensor **data;
        uint32_t *sizes;
        inputs_for(p, g, 3, &data, &sizes);
        ff_cost_exploration *x = explore(p, data, sizes, 1, 1);
        char *csv = csv_text(x), *again = NULL;
        ff_cost_exploration *x2 = explore(p, data, sizes, 1, 1);
        again = csv_text(x2);
        assert_string_equal(csv, again); /* deterministic */
        ff_cost_exploration_free(x2);
        free(again);
        int rows = 0, checked = 0;
        char *save = NULL;
        for (char *line = strtok_r(csv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            if (rows++ == 0) {
                assert_true(!strncmp(line, "config,fuse,orders,cycles,est_flops,est_bytes,pruned,kernel_cycles,speedup",
                                     strlen("config,fuse,orders,cycles,est_flops,est_bytes,pruned,kernel_cycles,speedup")));
                continue;
            }
            char *f[16];
            int nf = csv_split(line, f, 16);
            assert_int_equal(nf, 15);
            assert_string_equal(f[9], "simulated"); /* --no-prune: every row ran */
            uint64_t kc[16];
            int nk;
            uint64_t direct = run_direct(p, data, f[1], f[2], kc, &nk);
            char want[256];
            size_t len = 0;
            for (int k = 0; k < nk; k++) len += (size_t)snprintf(want + len, sizeof want - len, "%s%llu", k ? ";" : "", (unsigned long long)kc[k]);
            if (strtoull(f[3], NULL, 10) != direct || strcmp(f[7], want))
                fail_msg("%s row %s (%s, %s): CSV %s cycles (%s), direct %llu (%s)", g->name, f[0], f[1], f[2], f[3], f[7],
                         (unsigned long long)direct, want);
            char sp[32];
            snprintf(sp, sizeof sp, "%.4f", (double)x->baseline_cycles / (double)direct);
            assert_string_equal(f[8], sp);
            checked++;
        }
        assert_int_equal((size_t)checked, x->nconfigs);
        assert_true(checked >= 2);
        printf("%-10s %d rows match their direct simulations\n", g->name, checked);
        free(csv);
        ff_cost_exploration_free(x);
        free_data(p, data);
        free(sizes);
        ff_ir_free(p);
    }
}

/* With pruning, the dominated schedules are not simulated and their rows
 * say so; the rest are what the full run gives. */
static void explore_prunes_without_simulating(void **state)
{
    (void)state;
    const struct prog *g = &progs[0];
    ff_ir_program *p = parse(g->text);
    ff_tensor **data;
    uint32_t *sizes;
    inputs_for(p, g, 3, &data, &sizes);
    ff_cost_exploration *full = explore(p, data, sizes, 0, 1), *x = explore(p, data, sizes, 0, 0);
    assert_int_equal(x->nconfigs, 4); /* 2^(3-1) partitions, default orders */
    assert_int_equal(x->npruned, full->npruned);
    assert_true(x->npruned >= 1);
    for (size_t i = 0; i < x->nconfigs; i++) {
        assert_int_equal(x->configs[i].dominated, full->configs[i].dominated);
        assert_int_equal(x->configs[i].simulated, !x->configs[i].dominated);
        if (x->configs[i].simulated) assert_int_equal(x->configs[i].cycles, full->configs[i].cycles);
    }
    assert_true(x->kernel_sims < full->kernel_sims);
    assert_int_equal(x->hit, -1);         /* unknown: the pruned ones did not run */
    assert_true(full->hit == 0 || full->hit == 1);
    ff_cost_exploration_free(full);
    ff_cost_exploration_free(x);
    free_data(p, data);
    free(sizes);
    ff_ir_free(p);
}

/* The hit rate over several programs and seeds, every schedule simulated:
 * how often the schedules the pruning keeps include the fastest. */
static void explore_hit_rate(void **state)
{
    (void)state;
    int hits = 0, known = 0;
    size_t configs = 0, pruned = 0;
    double regret_sum = 0, regret_max = 0;
    for (size_t i = 0; i < sizeof progs / sizeof progs[0]; i++)
        for (uint64_t seed = 1; seed <= 2; seed++) {
            ff_ir_program *p = parse(progs[i].text);
            ff_tensor **data;
            uint32_t *sizes;
            inputs_for(p, &progs[i], seed, &data, &sizes);
            ff_cost_exploration *x = explore(p, data, sizes, 1, 1);
            const ff_cost_config *b = &x->configs[x->best];
            assert_true(x->best_kept < x->nconfigs);
            double regret = (double)x->configs[x->best_kept].cycles / (double)b->cycles - 1;
            regret_sum += regret;
            if (regret > regret_max) regret_max = regret;
            printf("%-13s seed %llu: %3zu schedules, %3zu pruned, best %-8s %6llu cycles (%.2fx), hit %s (best kept +%.2f%%)\n",
                   progs[i].name, (unsigned long long)seed, x->nconfigs, x->npruned, b->fuse,
                   (unsigned long long)b->cycles, (double)x->baseline_cycles / (double)b->cycles,
                   x->hit == 1 ? "yes" : x->hit == 0 ? "NO" : "?", 100 * regret);
            configs += x->nconfigs;
            pruned += x->npruned;
            if (x->hit >= 0) {
                known++;
                hits += x->hit;
            }
            ff_cost_exploration_free(x);
            free_data(p, data);
            free(sizes);
            ff_ir_free(p);
        }
    printf("hit rate %d/%d (%.0f%%); pruned %zu of %zu schedules (%.0f%%); best kept slower than the best by %.2f%% on "
           "average, %.2f%% at worst\n",
           hits, known, 100.0 * hits / known, pruned, configs, 100.0 * (double)pruned / (double)configs,
           100 * regret_sum / known, 100 * regret_max);
    assert_int_equal(known, (int)(2 * (sizeof progs / sizeof progs[0])));
    assert_true(pruned > 0);
    assert_true(hits * 4 >= known * 3); /* at least 75%: see docs/cost-model.md "How good is it" */
}

/* The estimates against what the cycle model counts: ALU operations and
 * off-chip bytes of every kernel of every partition. The model assumes
 * uniform random sparsity, so it is an estimate; it must stay close. */
static void cost_tracks_the_simulator(void **state)
{
    (void)state;
    double worst_f = 0, worst_b = 0;
    int kernels = 0, close = 0;
    for (size_t i = 0; i < sizeof progs / sizeof progs[0]; i++) {
        ff_ir_program *p = parse(progs[i].text);
        ff_tensor **data;
        uint32_t *sizes;
        inputs_for(p, &progs[i], 5, &data, &sizes);
        ff_cost_model *m = NULL;
        ff_err err = {0};
        if (ff_cost_model_new(p, sizes, (const ff_tensor *const *)data, progs[i].density, &m, &err)) fail_msg("%s", err.msg);
        ff_sim_opts so = hbm_opts();
        /* results of the unfused schedule: what later kernels read */
        ff_run_sim sim = {.opts = so};
        ff_run_ops ops = {.kernel = ff_run_simulate, .user = &sim};
        if (ff_run_program(p, data, NULL, &ops, &err)) fail_msg("%s", err.msg);
        ff_kernel ks[16];
        int nk;
        for (uint64_t mask = 0; mask < ((uint64_t)1 << (p->nstmts - 1)); mask++) {
            char spec[64];
            ff_cost_partition_spec(p->nstmts, mask, spec, sizeof spec);
            kernels_of(p, spec, ks, &nk);
            for (int k = 0; k < nk; k++) {
                ff_cost_est e;
                ff_cost_measured me;
                if (ff_cost_kernel(m, &ks[k], NULL, &e, &err)) continue; /* no legal order */
                if (ff_cost_simulate_kernel(p, &ks[k], NULL, &so, NULL, data, 0, &me, &err)) fail_msg("%s", err.msg);
                double fr = e.flops / (double)me.ops, br = (e.bytes_read + e.bytes_written) / (double)(me.bytes_in + me.bytes_out);
                printf("%-12s %-6s k%d: flops est %8.0f sim %8llu (%.2f)  bytes est %8.0f sim %8llu (%.2f)\n",
                       progs[i].name, spec, k + 1, e.flops, (unsigned long long)me.ops, fr, e.bytes_read + e.bytes_written,
                       (unsigned long long)(me.bytes_in + me.bytes_out), br);
                if (fabs(log(fr)) > worst_f) worst_f = fabs(log(fr));
                if (fabs(log(br)) > worst_b) worst_b = fabs(log(br));
                kernels++;
                close += fabs(log(fr)) < log(1.25) && fabs(log(br)) < log(1.25);
            }
        }
        ff_cost_model_free(m);
        free_data(p, data);
        free(sizes);
        ff_ir_free(p);
    }
    printf("%d of %d kernels within 1.25x on both; worst ratio: flops %.2fx, bytes %.2fx\n", close, kernels, exp(worst_f),
           exp(worst_b));
    /* the misses: relu after a bias, whose zeros follow the bias's signs (a
     * handful of values), not a uniform half */
    assert_true(exp(worst_f) < 2);
    assert_true(exp(worst_b) < 2);
    assert_true(close * 10 >= kernels * 9);
}

/* ------------------------------------------------------------------ */
/* the model counts the lowered graph                                  */
/* ------------------------------------------------------------------ */

/* Beyond progs: softmax and layernorm fused into their producers and
 * consumers, nested, over an inlined reduction -- where the expansions,
 * renamed copies and cloned subtrees make the level trie hardest to keep in
 * step with by hand. */
static const struct prog plan_progs[] = {
    {"layernorm", "tensor A[N,M] : csr\ntensor B[N,M] : dense\nP[i,j] = layernorm[j](A[i,j] + B[i,j])\n",
     "N=8,M=8", 0.3},
    {"ln-softmax", "tensor A[N,M] : csr\nP[i,j] = softmax[j](layernorm[j](A[i,j]))\n", "N=8,M=8", 0.3},
    {"mm-ln-gelu", "tensor X[N,K] : csr\ntensor W[K,M] : dd:1,0\ntensor b[M] : dense\n"
                   "Z[i,j] = X[i,k] * W[k,j] + b[j]\nL[i,j] = layernorm[j](Z[i,j])\nY[i,j] = gelu(L[i,j]) * 2\n",
     "N=8,K=8,M=8", 0.3},
    {"softmax-spmm", "tensor S[N,N] : csr\ntensor V[N,D] : dense\n"
                     "P[i,j] = softmax[j](S[i,j] * 0.5)\nO[i,d] = P[i,j] * V[j,d]\nR[i,d] = sqrt(O[i,d]) - 1\n",
     "N=8,D=4", 0.3},
};

static int count_kind(const ff_graph *g, ff_prim_kind kind)
{
    int n = 0;
    for (int i = 0; i < g->nnodes; i++) n += g->nodes[i].kind == kind;
    return n;
}

/* An order error: what a plan must reject as the lowering does. */
static int order_error(const char *msg)
{
    return strstr(msg, "cannot be iterated in this order") || strstr(msg, "the order puts") ||
           strstr(msg, "accumulates at most two output indices");
}

typedef struct agree {
    const ff_ir_program *p;
    const ff_cost_model *m;
    const ff_kernel *k;
    int root;
    unsigned char *fuse;
    char names[FF_LOWER_MAX_INDICES][FF_LOWER_NAME];
    int n, perm[FF_LOWER_MAX_INDICES], used[FF_LOWER_MAX_INDICES];
    int lowered, rejected;
} agree;

/* Root a.root in order a.perm: lowered and estimated, they agree. */
static void agree_order(agree *a)
{
    ff_lower_opts o;
    memset(&o, 0, sizeof o);
    for (int i = 0; i < a->n; i++) snprintf(o.order[i], FF_LOWER_NAME, "%s", a->names[a->perm[i]]);
    o.norder = a->n;
    o.fuse = a->fuse;
    ff_graph *g = NULL;
    ff_err le = {0}, ce = {0};
    int lrc = ff_lower_stmt(a->p, a->root, &o, &g, &le);
    ff_cost_est e;
    ff_cost_detail *d = calloc(1, sizeof *d);
    int crc = ff_cost_root(a->m, a->k, a->root, &o, &e, d, &ce);
    char what[256];
    size_t len = 0;
    for (int i = 0; i < a->n; i++) len += (size_t)snprintf(what + len, sizeof what - len, "%s%s", i ? "," : "", o.order[i]);
    if (lrc) {
        /* other lowering errors (a construct the primitives cannot express)
         * are the emission's, which the model does not repeat */
        if (order_error(le.msg)) {
            if (!crc) fail_msg("order %s: the lowering rejects it (%s), the model estimates it", what, le.msg);
            assert_string_equal(ce.msg, le.msg);
            a->rejected++;
        }
        free(d);
        return;
    }
    if (crc) fail_msg("order %s lowers, the model fails: %s", what, ce.msg);
    if (d->alus != count_kind(g, FF_PRIM_ALU) || d->reducers != count_kind(g, FF_PRIM_REDUCE) ||
        d->arrays != count_kind(g, FF_PRIM_ARRAY))
        fail_msg("order %s: model counts %d ALUs, %d reducers, %d arrays; the graph has %d, %d, %d", what, d->alus,
                 d->reducers, d->arrays, count_kind(g, FF_PRIM_ALU), count_kind(g, FF_PRIM_REDUCE),
                 count_kind(g, FF_PRIM_ARRAY));
    assert_int_equal(d->accumulated, count_kind(g, FF_PRIM_SPACC1) + count_kind(g, FF_PRIM_SPACC2));
    /* the tensors read are the graph's inputs */
    double words = 0;
    for (int t = 0; t < g->ntensors; t++)
        if (!g->tensors[t].is_output) words += ff_cost_tensor_words(a->m, tensor_id(a->p, g->tensors[t].name));
    assert_near(e.bytes_read, 4 * words);
    a->lowered++;
    ff_graph_free(g);
    free(d);
}

static void agree_perms(agree *a, int depth)
{
    if (depth == a->n) {
        agree_order(a);
        return;
    }
    for (int v = 0; v < a->n; v++) {
        if (a->used[v]) continue;
        a->used[v] = 1;
        a->perm[depth] = v;
        agree_perms(a, depth + 1);
        a->used[v] = 0;
    }
}

/* For every program x fusion (none, all) x root x order (every permutation
 * of the root's indices, up to 6), the model plans exactly the orders the
 * lowering lowers (the same message for an illegal one), counts the ALU,
 * reducer and array nodes the graph has, and reads the graph's inputs. A
 * model that drifts from the lowering fails here. */
static void cost_counts_the_lowered_graph(void **state)
{
    (void)state;
    int lowered = 0, rejected = 0;
    for (int set = 0; set < 2; set++) {
        const struct prog *ps = set ? plan_progs : progs;
        size_t np = set ? sizeof plan_progs / sizeof plan_progs[0] : sizeof progs / sizeof progs[0];
        for (size_t i = 0; i < np; i++) {
            ff_ir_program *p = parse(ps[i].text);
            ff_cost_model *m = model_of(p, ps[i].dims, ps[i].density);
            for (int all = 0; all < 2; all++) {
                ff_kernel ks[16];
                int nk;
                kernels_of(p, all ? "all" : "none", ks, &nk);
                for (int k = 0; k < nk; k++)
                    for (int r = 0; r < ks[k].nroots; r++) {
                        agree a = {.p = p, .m = m, .k = &ks[k], .root = ks[k].roots[r]};
                        a.fuse = calloc((size_t)p->nstmts + 1, 1);
                        ff_kernel_fuse_flags(p, &ks[k], a.root, a.fuse);
                        ff_lower_opts fo = {.fuse = a.fuse};
                        ff_err err = {0};
                        a.n = ff_lower_indices(p, a.root, &fo, a.names, &err);
                        if (a.n < 0) fail_msg("%s", err.msg);
                        if (a.n <= 6) agree_perms(&a, 0);
                        lowered += a.lowered;
                        rejected += a.rejected;
                        free(a.fuse);
                    }
            }
            ff_cost_model_free(m);
            ff_ir_free(p);
        }
    }
    printf("%d orders lowered and estimated alike, %d rejected by both\n", lowered, rejected);
    assert_true(lowered > 50);
    assert_true(rejected > 10);
}

/* ------------------------------------------------------------------ */
/* the command line                                                    */
/* ------------------------------------------------------------------ */

/* fuseflow explore end to end: the CSV (the same bytes twice), the plot,
 * nothing on stderr when it is not a terminal, the errors. */
static void explore_command_line(void **state)
{
    (void)state;
    const char *dir = FF_BINARY_DIR "/test_cost_cli";
    const char *ff = FF_BINARY_DIR "/fuseflow";
    assert_int_equal(test_sh("rm -rf '%s' && mkdir -p '%s'", dir, dir), 0);
    char model[512];
    snprintf(model, sizeof model, "%s/att.ff", dir);
    FILE *f = fopen(model, "w");
    fputs(progs[0].text, f);
    fclose(f);
    const char *common = "--random 1 --density 0.2 --dim N=12 --dim D=4 --arch " FF_SOURCE_DIR "/arch/hbm-study.json";
    assert_int_equal(test_sh("'%s' explore '%s' %s --csv '%s/a.csv' --plot '%s/a.svg' >'%s/out.txt' 2>'%s/err.txt'", ff, model,
                        common, dir, dir, dir, dir),
                     0);
    char path[512];
    snprintf(path, sizeof path, "%s/a.csv", dir);
    char *a = test_slurp(path);
    assert_non_null(a);
    assert_true(!strncmp(a, "config,fuse,orders,cycles,", 26));
    snprintf(path, sizeof path, "%s/a.svg", dir);
    char *svg = test_slurp(path);
    assert_non_null(svg);
    assert_non_null(strstr(svg, "<svg"));
    snprintf(path, sizeof path, "%s/err.txt", dir);
    char *err = test_slurp(path);
    assert_string_equal(err, ""); /* no progress line: stderr is a file */
    snprintf(path, sizeof path, "%s/out.txt", dir);
    char *out = test_slurp(path);
    assert_non_null(strstr(out, "4 partitions"));
    assert_non_null(strstr(out, "pruned: "));
    assert_int_equal(test_sh("'%s' explore '%s' %s --csv '%s/b.csv' >/dev/null 2>&1", ff, model, common, dir), 0);
    snprintf(path, sizeof path, "%s/b.csv", dir);
    char *b = test_slurp(path);
    assert_string_equal(a, b);
    /* gnuplot missing, --arch missing, a bad spec */
    assert_int_equal(test_sh("PATH=/nonexistent '%s' explore '%s' %s --csv '%s/c.csv' --plot '%s/c.svg' >/dev/null 2>'%s/err2.txt'",
                        ff, model, common, dir, dir, dir),
                     1);
    snprintf(path, sizeof path, "%s/err2.txt", dir);
    char *err2 = test_slurp(path);
    assert_non_null(strstr(err2, "--plot needs gnuplot, which is not on PATH"));
    assert_int_equal(test_sh("'%s' explore '%s' --random 1 --csv '%s/d.csv' >/dev/null 2>&1", ff, model, dir), 2);
    assert_int_equal(test_sh("'%s' explore '%s' %s --fuse 1-2 --csv '%s/d.csv' >/dev/null 2>'%s/err3.txt'", ff, model, common,
                        dir, dir),
                     1);
    snprintf(path, sizeof path, "%s/err3.txt", dir);
    char *err3 = test_slurp(path);
    assert_non_null(strstr(err3, "statements 3..3 are in no kernel"));
    /* --par: the same schedules, every one parallelized, fewer cycles for
     * the unfused baseline; a loop no statement has is a usage error */
    assert_int_equal(test_sh("'%s' explore '%s' %s --par i:3 --csv '%s/p.csv' >'%s/pout.txt' 2>&1", ff, model, common, dir,
                        dir),
                     0);
    snprintf(path, sizeof path, "%s/pout.txt", dir);
    char *pout = test_slurp(path);
    unsigned long serial = 0, par = 0;
    const char *u = strstr(out, "unfused ("), *pu = strstr(pout, "unfused (");
    assert_non_null(u);
    assert_non_null(pu);
    assert_int_equal(sscanf(strstr(u, "): ") + 3, "%lu", &serial), 1);
    assert_int_equal(sscanf(strstr(pu, "): ") + 3, "%lu", &par), 1);
    printf("explore unfused baseline: %lu cycles serial, %lu with --par i:3\n", serial, par);
    assert_true(par < serial);
    assert_int_equal(test_sh("'%s' explore '%s' %s --par q:3 --csv '%s/q.csv' >/dev/null 2>'%s/err4.txt'", ff, model, common,
                        dir, dir),
                     2);
    snprintf(path, sizeof path, "%s/err4.txt", dir);
    char *err4 = test_slurp(path);
    assert_non_null(strstr(err4, "no statement has a loop 'q'"));
    free(pout);
    free(err4);
    free(a);
    free(b);
    free(svg);
    free(err);
    free(err2);
    free(err3);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cost_spmv_uses_the_data),
        cmocka_unit_test(cost_merges_multiply_and_add),
        cmocka_unit_test(cost_softmax_walks_the_row_three_times),
        cmocka_unit_test(cost_gcn_fusion_trades_flops_for_bytes),
        cmocka_unit_test(cost_accumulated_spmm),
        cmocka_unit_test(cost_tracks_the_simulator),
        cmocka_unit_test(cost_counts_the_lowered_graph),
        cmocka_unit_test(cost_prune_marks_dominated),
        cmocka_unit_test(cost_partition_specs),
        cmocka_unit_test(explore_rows_match_direct_simulation),
        cmocka_unit_test(explore_prunes_without_simulating),
        cmocka_unit_test(explore_hit_rate),
        cmocka_unit_test(explore_command_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
