/*
 * test_einsum.c -- the reference evaluator against naive loop nests written
 * out by hand from the contract in ff_tensor.h (dense loops, reduction in
 * lexicographic order of first appearance, products left to right,
 * saturating sums), over input formats x output formats, including inputs
 * large enough that sums saturate and the order of addition shows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ff_tensor.h"

#define F16 16
#define ONE (1 << 16)
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- a name -> tensor table for the lookup callback ---- */

typedef struct env {
    int n;
    const char *names[8];
    ff_tensor *t[8];
    ff_fx *d[8]; /* dense copies for the naive loops */
} env;

static const ff_tensor *lookup(void *ctx, const char *name)
{
    env *e = ctx;
    for (int i = 0; i < e->n; i++)
        if (strcmp(e->names[i], name) == 0) return e->t[i];
    return NULL;
}

static void env_add(env *e, const char *name, ff_tensor *t)
{
    e->names[e->n] = name;
    e->t[e->n] = t;
    e->d[e->n] = ff_tensor_to_dense(t);
    e->n++;
}

static void env_free(env *e)
{
    for (int i = 0; i < e->n; i++) {
        ff_tensor_free(e->t[i]);
        free(e->d[i]);
    }
    memset(e, 0, sizeof *e);
}

static ff_format fmt_of(const char *text, int order)
{
    ff_format f;
    ff_err err = {0};
    if (ff_format_parse(text, order, &f, &err) != 0) fail_msg("%s", err.msg);
    return f;
}

static ff_tensor *rnd(const char *name, int order, const uint32_t *dims, const char *fmt,
                      double density, double range, uint64_t seed)
{
    ff_format f = fmt_of(fmt, order);
    ff_rand_spec spec = {.density = density, .lo = -range, .hi = range, .value_frac_bits = 4,
                         .seed = seed};
    ff_tensor *t = NULL;
    ff_err err = {0};
    if (ff_tensor_random(name, order, dims, &f, F16, &spec, &t, &err) != 0) fail_msg("%s", err.msg);
    return t;
}

#define MUL(a, b) ff_fx_mul((a), (b), F16)
#define ADD(a, b) ff_fx_add((a), (b))

/* ---- the naive loop nests, one per kernel ---- */

typedef struct kernel {
    const char *expr;
    int norder;            /* inputs */
    const char *names[4];
    int orders[4];
    int dims[4][3];        /* sizes of the inputs' modes (see index sizes below) */
    int out_order;
    int out_dims[3];
    /* computes the dense output from the dense inputs */
    void (*naive)(ff_fx *const *in, ff_fx *out);
} kernel;

enum { I = 9, J = 7, K = 11, L = 5 };

static void k_matmul(ff_fx *const *in, ff_fx *out) /* C(i,j) = A(i,k) * B(k,j) */
{
    for (int i = 0; i < I; i++)
        for (int j = 0; j < J; j++) {
            ff_fx acc = 0;
            for (int k = 0; k < K; k++) acc = ADD(acc, MUL(in[0][i * K + k], in[1][k * J + j]));
            out[i * J + j] = ADD(0, acc);
        }
}

static void k_matmul_t(ff_fx *const *in, ff_fx *out) /* C(j,i) = A(i,k) * B(k,j) */
{
    for (int i = 0; i < I; i++)
        for (int j = 0; j < J; j++) {
            ff_fx acc = 0;
            for (int k = 0; k < K; k++) acc = ADD(acc, MUL(in[0][i * K + k], in[1][k * J + j]));
            out[j * I + i] = acc;
        }
}

static void k_spmv(ff_fx *const *in, ff_fx *out) /* y(i) = A(i,k)*x(k) - b(i) */
{
    for (int i = 0; i < I; i++) {
        ff_fx acc = 0;
        for (int k = 0; k < K; k++) acc = ADD(acc, MUL(in[0][i * K + k], in[1][k]));
        out[i] = ff_fx_sub(ADD(0, acc), in[2][i]);
    }
}

static void k_axpby(ff_fx *const *in, ff_fx *out) /* C = A + B - 0.5 * D */
{
    for (int p = 0; p < I * J; p++)
        out[p] = ff_fx_sub(ADD(ADD(0, in[0][p]), in[1][p]), MUL(ONE / 2, in[2][p]));
}

static void k_sddmm(ff_fx *const *in, ff_fx *out) /* S(i,j) = M(i,j) * A(i,k) * B(j,k) */
{
    for (int i = 0; i < I; i++)
        for (int j = 0; j < J; j++) {
            ff_fx acc = 0;
            for (int k = 0; k < K; k++)
                acc = ADD(acc, MUL(MUL(in[0][i * J + j], in[1][i * K + k]), in[2][j * K + k]));
            out[i * J + j] = acc;
        }
}

static void k_diag(ff_fx *const *in, ff_fx *out) /* d(i) = A(i,i) * 3 */
{
    for (int i = 0; i < I; i++) out[i] = MUL(in[0][i * I + i], 3 * ONE);
}

static void k_trace(ff_fx *const *in, ff_fx *out) /* t = A(i,i) */
{
    ff_fx acc = 0;
    for (int i = 0; i < I; i++) acc = ADD(acc, in[0][i * I + i]);
    out[0] = acc;
}

static void k_outer(ff_fx *const *in, ff_fx *out) /* X(i,j) = a(i) + b(j) + 1.5 */
{
    for (int i = 0; i < I; i++)
        for (int j = 0; j < J; j++) out[i * J + j] = ADD(ADD(ADD(0, in[0][i]), in[1][j]), 3 * ONE / 2);
}

static void k_sumsq(ff_fx *const *in, ff_fx *out) /* s = A(i,j) * A(i,j) */
{
    ff_fx acc = 0;
    for (int i = 0; i < I; i++)
        for (int j = 0; j < J; j++) acc = ADD(acc, MUL(in[0][i * J + j], in[0][i * J + j]));
    out[0] = acc;
}

/* Y(i,j) = T(i,k,l) * U(l,k,j): reduction indices k then l (first appearance). */
static void k_contract3(ff_fx *const *in, ff_fx *out)
{
    for (int i = 0; i < I; i++)
        for (int j = 0; j < J; j++) {
            ff_fx acc = 0;
            for (int k = 0; k < K; k++)
                for (int l = 0; l < L; l++)
                    acc = ADD(acc, MUL(in[0][(i * K + k) * L + l], in[1][(l * K + k) * J + j]));
            out[i * J + j] = acc;
        }
}

static void k_negfirst(ff_fx *const *in, ff_fx *out) /* N(i,j) = -A(i,j) + B(i,j) */
{
    for (int p = 0; p < I * J; p++) out[p] = ADD(ff_fx_sub(0, in[0][p]), in[1][p]);
}

/* P(i,j) = A(i,k) * B(k,j) * 2 - 0.25 * A(i,k) * B(k,j): two terms, each reduced */
static void k_twoterms(ff_fx *const *in, ff_fx *out)
{
    for (int i = 0; i < I; i++)
        for (int j = 0; j < J; j++) {
            ff_fx a1 = 0, a2 = 0;
            for (int k = 0; k < K; k++) {
                ff_fx x = in[0][i * K + k], y = in[1][k * J + j];
                a1 = ADD(a1, MUL(MUL(x, y), 2 * ONE));
                a2 = ADD(a2, MUL(MUL(ONE / 4, x), y));
            }
            out[i * J + j] = ff_fx_sub(ADD(0, a1), a2);
        }
}

static const kernel kernels[] = {
    {"C(i,j) = A(i,k) * B(k,j)", 2, {"A", "B"}, {2, 2}, {{I, K}, {K, J}}, 2, {I, J}, k_matmul},
    {"C(j,i) = A(i,k)*B(k,j)", 2, {"A", "B"}, {2, 2}, {{I, K}, {K, J}}, 2, {J, I}, k_matmul_t},
    {"y(i) = A(i,k)*x(k) - b(i)", 3, {"A", "x", "b"}, {2, 1, 1}, {{I, K}, {K}, {I}}, 1, {I}, k_spmv},
    {"C(i,j) = A(i,j) + B(i,j) - 0.5 * D(i,j)", 3, {"A", "B", "D"}, {2, 2, 2},
     {{I, J}, {I, J}, {I, J}}, 2, {I, J}, k_axpby},
    {"S(i,j) = M(i,j) * A(i,k) * B(j,k)", 3, {"M", "A", "B"}, {2, 2, 2}, {{I, J}, {I, K}, {J, K}},
     2, {I, J}, k_sddmm},
    {"d(i) = A(i,i) * 3", 1, {"A"}, {2}, {{I, I}}, 1, {I}, k_diag},
    {"t() = A(i,i)", 1, {"A"}, {2}, {{I, I}}, 0, {0}, k_trace},
    {"X(i,j) = a(i) + b(j) + 1.5", 2, {"a", "b"}, {1, 1}, {{I}, {J}}, 2, {I, J}, k_outer},
    {"s = A(i,j) * A(i,j)", 1, {"A"}, {2}, {{I, J}}, 0, {0}, k_sumsq},
    {"Y(i,j) = T(i,k,l) * U(l,k,j)", 2, {"T", "U"}, {3, 3}, {{I, K, L}, {L, K, J}}, 2, {I, J},
     k_contract3},
    {"N(i,j) = -A(i,j) + B(i,j)", 2, {"A", "B"}, {2, 2}, {{I, J}, {I, J}}, 2, {I, J}, k_negfirst},
    {"P(i,j) = A(i,k) * B(k,j) * 2 - 0.25 * A(i,k) * B(k,j)", 2, {"A", "B"}, {2, 2},
     {{I, K}, {K, J}}, 2, {I, J}, k_twoterms},
};

/* Formats to store inputs in, by order. */
static const char *in_fmts[4][6] = {
    {"dense", NULL},
    {"dense", "sparse", NULL},
    {"csr", "csc", "dcsr", "dense", "bcsr(3)", "dcsc"},
    {"sparse", "dense", "cdc:2,0,1", "dcd:1,2,0", NULL},
};

static void run_kernel(const kernel *kn, double density, double range, uint64_t seed,
                       int fmt_shift, const char *out_fmt)
{
    env e = {0};
    for (int a = 0; a < kn->norder; a++) {
        uint32_t dims[3];
        for (int m = 0; m < kn->orders[a]; m++) dims[m] = (uint32_t)kn->dims[a][m];
        int nf = 0;
        while (nf < 6 && in_fmts[kn->orders[a]][nf]) nf++;
        const char *fs = in_fmts[kn->orders[a]][(fmt_shift + a) % nf];
        env_add(&e, kn->names[a], rnd(kn->names[a], kn->orders[a], dims, fs, density, range,
                                      seed * 31 + (uint64_t)a));
    }
    size_t n = 1;
    uint32_t od[3];
    for (int m = 0; m < kn->out_order; m++) n *= (size_t)(od[m] = (uint32_t)kn->out_dims[m]);
    ff_fx *want = calloc(n, sizeof *want);
    kn->naive(e.d, want);
    ff_format of = fmt_of(kn->out_order == 2 ? out_fmt : "dense", kn->out_order);
    ff_tensor *got = NULL, *ref = NULL;
    ff_err err = {0};
    if (ff_einsum_ref(kn->expr, lookup, &e, &of, F16, &got, &err) != 0)
        fail_msg("%s: %s", kn->expr, err.msg);
    assert_memory_equal(&got->fmt, &of, sizeof of);
    assert_int_equal(ff_tensor_from_dense("ref", kn->out_order, od, &of, F16, want, &ref, &err), 0);
    if (ff_tensor_compare(got, ref, &err) != 0)
        fail_msg("%s (density %g, range %g, formats +%d): %s", kn->expr, density, range,
                 fmt_shift, err.msg);
    ff_tensor_free(got);
    ff_tensor_free(ref);
    free(want);
    env_free(&e);
}

static void einsum_matches_naive_loops(void **state)
{
    static const char *out_fmts[] = {"dense", "csr", "dcsc", "bcsr(2)"};
    for (size_t k = 0; k < NELEM(kernels); k++)
        for (int shift = 0; shift < 6; shift++) {
            run_kernel(&kernels[k], 0.3, 4, 100 + (uint64_t)shift, shift, out_fmts[shift % 4]);
            run_kernel(&kernels[k], 1.0, 3, 200 + (uint64_t)shift, shift, out_fmts[(shift + 1) % 4]);
        }
}

/* Values big enough that the running sums hit FF_FX_MAX/MIN: any other
 * addition order than the contract's gives other results. */
static void einsum_saturates_in_contract_order(void **state)
{
    for (size_t k = 0; k < NELEM(kernels); k++)
        for (int shift = 0; shift < 4; shift++)
            run_kernel(&kernels[k], 0.7, 30000, 300 + (uint64_t)shift, shift, "csr");
}

/* X(i) = A(i,k,l) * B(l) with products (k,l): (0,0) = +20000, (0,1) =
 * +20000, (1,0) = -20000. With k varying slowest the sum saturates before
 * the negative term comes; with l slowest it never saturates. */
static void einsum_reduction_order_is_first_appearance(void **state)
{
    uint32_t ad[3] = {1, 2, 2}, bd[1] = {2};
    static const ff_fx A[4] = {20000 * ONE, 10000 * ONE, -20000 * ONE, 0};
    static const ff_fx B[2] = {ONE, 2 * ONE};
    ff_format s3 = fmt_of("sparse", 3), d1 = fmt_of("dense", 1);
    env e = {0};
    ff_tensor *a = NULL, *b = NULL, *x = NULL;
    assert_int_equal(ff_tensor_from_dense("A", 3, ad, &s3, F16, A, &a, NULL), 0);
    assert_int_equal(ff_tensor_from_dense("B", 1, bd, &d1, F16, B, &b, NULL), 0);
    env_add(&e, "A", a);
    env_add(&e, "B", b);
    ff_err err = {0};
    assert_int_equal(ff_einsum_ref("X(i) = A(i,k,l) * B(l)", lookup, &e, &d1, F16, &x, &err), 0);
    /* k slowest: 20000 + 20000 saturates, then -20000 */
    assert_int_equal(x->vals[0], FF_FX_MAX - 20000 * ONE);
    ff_tensor_free(x);
    /* Written with l first, l is the slower one: 20000 - 20000 + 20000 */
    assert_int_equal(ff_einsum_ref("X(i) = B(l) * A(i,k,l)", lookup, &e, &d1, F16, &x, &err), 0);
    assert_int_equal(x->vals[0], 20000 * ONE);
    ff_tensor_free(x);
    env_free(&e);
}

/* A 2000 x 2000 sparse matrix times a dense 2000 x 16 one: the evaluator must
 * not walk 2000^3 points. */
static void einsum_is_fast_on_sparse_inputs(void **state)
{
    uint32_t ad[2] = {2000, 2000}, bd[2] = {2000, 16};
    env e = {0};
    env_add(&e, "A", rnd("A", 2, ad, "csr", 0.002, 4, 1));
    env_add(&e, "B", rnd("B", 2, bd, "dense", 1.0, 4, 2));
    ff_format d2 = fmt_of("dense", 2);
    ff_tensor *c = NULL;
    ff_err err = {0};
    assert_int_equal(ff_einsum_ref("C(i,j) = A(i,k) * B(k,j)", lookup, &e, &d2, F16, &c, &err), 0);
    /* spot check rows against a direct sum over A's row */
    for (uint32_t i = 0; i < 2000; i += 97)
        for (uint32_t j = 0; j < 16; j += 5) {
            ff_fx acc = 0;
            for (uint32_t k = 0; k < 2000; k++)
                acc = ADD(acc, MUL(e.d[0][(size_t)i * 2000 + k], e.d[1][k * 16 + j]));
            uint32_t cc[2] = {i, j};
            assert_int_equal(ff_tensor_get(c, cc), acc);
        }
    ff_tensor_free(c);
    env_free(&e);
}

static void einsum_errors_name_expression_and_column(void **state)
{
    env e = {0};
    uint32_t a[2] = {3, 4}, b[2] = {5, 2}, v[1] = {3};
    env_add(&e, "A", rnd("A", 2, a, "csr", 0.5, 1, 1));
    env_add(&e, "B", rnd("B", 2, b, "csr", 0.5, 1, 2));
    env_add(&e, "x", rnd("x", 1, v, "dense", 0.5, 1, 3));
    ff_tensor *q = NULL;
    ff_format d1 = fmt_of("dense", 1);
    ff_rand_spec spec = {.density = 1, .lo = 1, .hi = 1};
    assert_int_equal(ff_tensor_random("Q8", 1, v, &d1, 8, &spec, &q, NULL), 0);
    env_add(&e, "Q8", q);
    static const struct {
        const char *expr, *msg;
    } cases[] = {
        {"C(i,j) = A(i,k) * Q(k,j)", "19: unknown tensor \"Q\""},
        {"y(i) = A(i)", "8: A has order 2 but is written with 1 indices"},
        {"C(i,j) = A(i,k) * B(k,j)", "21: index k has size 5 here (mode 0 of B) but 4 at column 14"},
        {"C(i,j) = A(i,k)", "5: output index j appears in no tensor on the right, so it has no size"},
        {"C(i,i) = A(i,i)", "5: index i appears twice in the output"},
        {"C(i,j) A(i,j)", "8: expected \"=\""},
        {"C(i,j) = A(i,j) B", "17: expected \"+\", \"-\", \"*\" or the end"},
        {"C(i,j) = A(i,j", "15: expected \",\" or \")\""},
        {"C(i,j) = * A", "10: expected a tensor or a number"},
        {"= A(i,j)", "1: expected the output tensor name"},
        {"C(i,j) = A(i,)", "14: expected an index name"},
        {"C(i,j) = A(i,j) +", "18: expected a tensor or a number"},
        {"y(i) = Q8(i)", "8: Q8 has 8 fraction bits, the expression uses 16"},
        {"y(i) = x(i) * 1.2.3", "15: expected a number, got \"1.2.3\""},
    };
    for (size_t i = 0; i < NELEM(cases); i++) {
        ff_tensor *t = NULL;
        ff_err err = {0};
        assert_int_equal(ff_einsum_ref(cases[i].expr, lookup, &e, NULL, F16, &t, &err), FF_EINVAL);
        char want[512];
        snprintf(want, sizeof want, "einsum \"%s\":%s", cases[i].expr, cases[i].msg);
        if (strcmp(err.msg, want) != 0) fail_msg("\n  got:  %s\n  want: %s", err.msg, want);
        assert_null(t);
    }
    /* The output format must fit the output. */
    ff_format csr = fmt_of("csr", 2);
    ff_tensor *t = NULL;
    ff_err err = {0};
    assert_int_equal(ff_einsum_ref("y(i) = x(i)", lookup, &e, &csr, F16, &t, &err), FF_EINVAL);
    assert_string_equal(err.msg, "einsum \"y(i) = x(i)\": y: format \"csr\" is for order 2, the "
                                 "tensor has order 1");
    /* No out_fmt means dense. */
    assert_int_equal(ff_einsum_ref(" y ( i )=x(i)*2", lookup, &e, NULL, F16, &t, &err), 0);
    assert_int_equal(t->fmt.lv[0].fmt, FF_LVL_DENSE);
    assert_string_equal(t->name, "y");
    ff_tensor_free(t);
    env_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(einsum_matches_naive_loops),
        cmocka_unit_test(einsum_saturates_in_contract_order),
        cmocka_unit_test(einsum_reduction_order_is_first_appearance),
        cmocka_unit_test(einsum_is_fast_on_sparse_inputs),
        cmocka_unit_test(einsum_errors_name_expression_and_column),
    };
    return cmocka_run_group_tests_name("einsum", tests, NULL, NULL);
}
