/*
 * test_ir_interp.c -- the reference interpreter (ff_ir_interpret) against
 * loops written out by hand from the semantics in docs/language.md: supports
 * (intersection for * / max min, union for + -, a constant everywhere, mask),
 * reductions in increasing index order from the first present term,
 * softmax and layernorm per fiber with the exact op sequence, results stored
 * on their support in the declared format. Kernels: SpMV (random and a real
 * matrix), SpMM, SDDMM, element-wise add and multiply, residual, MTTKRP,
 * bias, relu, softmax (with empty and one-entry rows), layernorm, masked
 * scaled dot-product scores, transposed SpMV. Also sizes, random inputs,
 * limits and errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ff_ir.h"

#define F16 16
#define ONE (1 << 16)
#define MAXT 24

#define ADD(a, b) ff_fx_add((a), (b))
#define SUB(a, b) ff_fx_sub((a), (b))
#define MUL(a, b) ff_fx_mul((a), (b), F16)
#define DIV(a, b) ff_fx_div((a), (b), F16)
#define EXP(a) ff_fx_exp((a), F16)
#define RSQRT(a) ff_fx_rsqrt((a), F16)

/* ---- dense views: value and presence per point, row-major ---- */

typedef struct dn {
    int order;
    uint32_t dims[FF_MAX_ORDER];
    size_t n;
    ff_fx *v;
    uint8_t *p;
} dn;

static dn dn_new(int order, const uint32_t *dims)
{
    dn d = {.order = order, .n = 1};
    for (int m = 0; m < order; m++) {
        d.dims[m] = dims[m];
        d.n *= dims[m];
    }
    d.v = calloc(d.n ? d.n : 1, sizeof *d.v);
    d.p = calloc(d.n ? d.n : 1, 1);
    return d;
}

static size_t dn_at(const dn *d, const uint32_t *c)
{
    size_t o = 0;
    for (int m = 0; m < d->order; m++) o = o * d->dims[m] + c[m];
    return o;
}

static int dn_visit(void *ctx, const uint32_t *coords, ff_fx val)
{
    dn *d = ctx;
    size_t o = dn_at(d, coords);
    d->v[o] = val;
    d->p[o] = 1;
    return 0;
}

/* The stored entries of t: its support and values. */
static dn dn_of(const ff_tensor *t)
{
    dn d = dn_new(t->order, t->dims);
    ff_tensor_foreach(t, dn_visit, &d);
    return d;
}

static void dn_free(dn *d)
{
    free(d->v);
    free(d->p);
}

static void set(dn *d, size_t o, ff_fx v)
{
    d->v[o] = v;
    d->p[o] = 1;
}

static int all_dense(const ff_format *f)
{
    for (int k = 0; k < f->nlevels; k++)
        if (f->lv[k].fmt != FF_LVL_DENSE) return 0;
    return 1;
}

/* got must store exactly want's support with want's values -- or, in an
 * all-dense format, every point, holding 0 where want has nothing. */
static void check(const ff_tensor *got, const dn *want)
{
    assert_non_null(got);
    assert_int_equal(got->order, want->order);
    for (int m = 0; m < want->order; m++) assert_int_equal(got->dims[m], want->dims[m]);
    dn g = dn_of(got);
    int dense = all_dense(&got->fmt);
    for (size_t o = 0; o < want->n; o++) {
        int wp = dense ? 1 : want->p[o];
        ff_fx wv = want->p[o] ? want->v[o] : 0;
        if (g.p[o] != wp || (wp && g.v[o] != wv))
            fail_msg("%s at linear point %zu: got %s %d, expected %s %d", got->name, o,
                     g.p[o] ? "stored" : "absent", g.v[o], wp ? "stored" : "absent", wv);
    }
    dn_free(&g);
}

/* ---- programs and data ---- */

static ff_ir_program *prog(const char *text)
{
    ff_ir_program *p = NULL;
    ff_err err = {0};
    if (ff_ir_parse("k.ff", text, &p, &err) != 0) fail_msg("%s", err.msg);
    return p;
}

static int tid(const ff_ir_program *p, const char *name)
{
    int t = ff_ir_find_tensor(p, name);
    if (t >= 0) return t;
    fail_msg("no tensor %s", name);
    return -1;
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
    if (ff_tensor_random(name, order, dims, &f, F16, &spec, &t, &err) != 0)
        fail_msg("%s", err.msg);
    return t;
}

static ff_tensor *coo(const char *name, int order, const uint32_t *dims, const char *fmt,
                      size_t n, const uint32_t *crd, const ff_fx *vals)
{
    ff_format f = fmt_of(fmt, order);
    ff_tensor *t = NULL;
    ff_err err = {0};
    if (ff_tensor_from_coo(name, order, dims, &f, F16, n, crd, vals, &t, &err) != 0)
        fail_msg("%s", err.msg);
    return t;
}

static ff_tensor *load(const char *rel, const char *fmt)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", FF_SHARED_DATA, rel);
    ff_format f = fmt_of(fmt, 2);
    ff_tensor *t = NULL;
    ff_err err = {0};
    if (ff_tensor_read_mtx(path, &f, F16, &t, &err) != 0) fail_msg("%s", err.msg);
    return t;
}

typedef struct run {
    ff_ir_program *p;
    ff_tensor *in[MAXT];
    ff_tensor *out[MAXT];
} run;

static void run_init(run *r, const char *text)
{
    memset(r, 0, sizeof *r);
    r->p = prog(text);
    assert_true(r->p->ntensors <= MAXT);
}

static void give(run *r, const char *name, ff_tensor *t)
{
    r->in[tid(r->p, name)] = t;
}

static const ff_tensor *in_of(run *r, const char *name)
{
    return r->in[tid(r->p, name)];
}

static const ff_tensor *out_of(run *r, const char *name)
{
    return r->out[tid(r->p, name)];
}

/* Interprets, also after placing reductions explicitly (same results). */
static void interpret(run *r)
{
    ff_err err = {0};
    if (ff_ir_interpret(r->p, (const ff_tensor *const *)r->in, r->out, &err) != 0)
        fail_msg("%s", err.msg);
    ff_tensor *again[MAXT] = {0};
    assert_int_equal(ff_ir_place_reductions(r->p, &err), 0);
    if (ff_ir_interpret(r->p, (const ff_tensor *const *)r->in, again, &err) != 0)
        fail_msg("%s", err.msg);
    for (int t = 0; t < r->p->ntensors; t++) {
        if (!r->out[t]) {
            assert_null(again[t]);
            continue;
        }
        if (ff_tensor_compare(again[t], r->out[t], &err) != 0) fail_msg("placed: %s", err.msg);
        dn a = dn_of(again[t]), b = dn_of(r->out[t]);
        assert_memory_equal(a.p, b.p, a.n);
        dn_free(&a);
        dn_free(&b);
        ff_tensor_free(again[t]);
    }
}

static void run_free(run *r)
{
    for (int t = 0; t < MAXT; t++) {
        ff_tensor_free(r->in[t]);
        ff_tensor_free(r->out[t]);
    }
    ff_ir_free(r->p);
}

/* ---- kernels ---- */

static void spmv_expected(const ff_tensor *A, const ff_tensor *x, dn *y)
{
    dn a = dn_of(A), v = dn_of(x);
    uint32_t N = A->dims[0], K = A->dims[1];
    *y = dn_new(1, &N);
    for (uint32_t i = 0; i < N; i++) {
        ff_fx acc = 0;
        int have = 0;
        for (uint32_t k = 0; k < K; k++) {
            if (!a.p[i * K + k] || !v.p[k]) continue;
            ff_fx t = MUL(a.v[i * K + k], v.v[k]);
            acc = have ? ADD(acc, t) : t;
            have = 1;
        }
        if (have) set(y, i, acc);
    }
    dn_free(&a);
    dn_free(&v);
}

static void spmv_random(void **state)
{
    (void)state;
    for (int seed = 1; seed <= 3; seed++) {
        run r;
        run_init(&r, "tensor A[N, K] : csr\ntensor x[K] : dense\ny[i] = A[i,k] * x[k]\n");
        uint32_t dA[2] = {23, 17}, dx[1] = {17};
        give(&r, "A", rnd("A", 2, dA, "csr", 0.15, 4, (uint64_t)seed));
        give(&r, "x", rnd("x", 1, dx, "dense", 1, 4, 100 + (uint64_t)seed));
        interpret(&r);
        dn want;
        spmv_expected(in_of(&r, "A"), in_of(&r, "x"), &want);
        check(out_of(&r, "y"), &want);
        /* empty rows are absent from the sparse result */
        assert_true(out_of(&r, "y")->nvals <= 23);
        dn_free(&want);
        run_free(&r);
    }
}

static void spmv_real_matrix(void **state)
{
    (void)state;
    run r;
    run_init(&r, "tensor A[N, N] : csr\ntensor x[N]\ntensor y[N] : dense\ny[i] = A[i,k] * x[k]\n");
    ff_tensor *A = load("karate/karate.mtx", "csr");
    assert_int_equal(A->dims[0], 34);
    uint32_t dx[1] = {34};
    give(&r, "A", A);
    give(&r, "x", rnd("x", 1, dx, "dense", 1, 2, 5));
    interpret(&r);
    dn want;
    spmv_expected(A, in_of(&r, "x"), &want);
    check(out_of(&r, "y"), &want);
    dn_free(&want);
    run_free(&r);
}

static void transposed_spmv_real_matrix(void **state)
{
    (void)state;
    run r;
    char path[1024];
    snprintf(path, sizeof path, "%s/examples/transpose.ff", FF_SOURCE_DIR);
    ff_err err = {0};
    memset(&r, 0, sizeof r);
    if (ff_ir_parse(path, NULL, &r.p, &err) != 0) fail_msg("%s", err.msg);
    ff_tensor *A = load("suitesparse/lp_afiro.mtx", "csc");
    uint32_t N = A->dims[0], M = A->dims[1];
    give(&r, "A", A);
    give(&r, "x", rnd("x", 1, &N, "dense", 1, 2, 9));
    interpret(&r);
    dn a = dn_of(A), x = dn_of(in_of(&r, "x")), want = dn_new(1, &M);
    for (uint32_t j = 0; j < M; j++) {
        ff_fx acc = 0;
        int have = 0;
        for (uint32_t i = 0; i < N; i++)
            if (a.p[i * M + j]) {
                ff_fx t = MUL(a.v[i * M + j], x.v[i]);
                acc = have ? ADD(acc, t) : t;
                have = 1;
            }
        if (have) set(&want, j, acc);
    }
    check(out_of(&r, "y"), &want);
    dn_free(&a);
    dn_free(&x);
    dn_free(&want);
    run_free(&r);
}

static void spmm(void **state)
{
    (void)state;
    run r;
    run_init(&r, "tensor A[N, K] : csr\ntensor B[K, M]\ntensor C[N, M] : dense\n"
                 "C[i,j] = A[i,k] * B[k,j]\n");
    uint32_t N = 19, K = 13, M = 7, dA[2] = {N, K}, dB[2] = {K, M}, dC[2] = {N, M};
    give(&r, "A", rnd("A", 2, dA, "csr", 0.2, 3, 11));
    give(&r, "B", rnd("B", 2, dB, "dense", 1, 3, 12));
    interpret(&r);
    dn a = dn_of(in_of(&r, "A")), b = dn_of(in_of(&r, "B")), want = dn_new(2, dC);
    for (uint32_t i = 0; i < N; i++)
        for (uint32_t j = 0; j < M; j++) {
            ff_fx acc = 0;
            int have = 0;
            for (uint32_t k = 0; k < K; k++)
                if (a.p[i * K + k]) {
                    ff_fx t = MUL(a.v[i * K + k], b.v[k * M + j]);
                    acc = have ? ADD(acc, t) : t;
                    have = 1;
                }
            if (have) set(&want, i * M + j, acc);
        }
    check(out_of(&r, "C"), &want);
    dn_free(&a);
    dn_free(&b);
    dn_free(&want);
    run_free(&r);
}

static void sddmm(void **state)
{
    (void)state;
    /* M from a real graph, as the sampling pattern */
    run r;
    run_init(&r, "tensor M[N, N] : csr\ntensor Q[N, D]\ntensor K[N, D]\n"
                 "S[i,j] = M[i,j] * Q[i,k] * K[j,k]\n");
    ff_tensor *Mt = load("karate/karate.mtx", "csr");
    uint32_t N = Mt->dims[0], D = 5, dq[2] = {N, D};
    give(&r, "M", Mt);
    give(&r, "Q", rnd("Q", 2, dq, "dense", 1, 2, 21));
    give(&r, "K", rnd("K", 2, dq, "dense", 1, 2, 22));
    interpret(&r);
    dn m = dn_of(Mt), q = dn_of(in_of(&r, "Q")), k = dn_of(in_of(&r, "K"));
    uint32_t dS[2] = {N, N};
    dn want = dn_new(2, dS);
    for (uint32_t i = 0; i < N; i++)
        for (uint32_t j = 0; j < N; j++) {
            if (!m.p[i * N + j]) continue;
            ff_fx acc = 0; /* (M * Q) * K, summed over the whole product */
            for (uint32_t d = 0; d < D; d++)
                acc = ADD(acc, MUL(MUL(m.v[i * N + j], q.v[i * D + d]), k.v[j * D + d]));
            set(&want, i * N + j, acc);
        }
    check(out_of(&r, "S"), &want);
    dn_free(&m);
    dn_free(&q);
    dn_free(&k);
    dn_free(&want);
    run_free(&r);
}

/* Element-wise + and * of sparse matrices: union and intersection, an
 * explicit stored zero kept, and both result formats. */
static void elementwise_add_and_mul(void **state)
{
    (void)state;
    const char *fmts[] = {"csr", "dense", "dcsc"};
    for (int f = 0; f < 3; f++) {
        char text[256];
        snprintf(text, sizeof text,
                 "tensor A[N, M] : csr\ntensor B[N, M] : dcsr\ntensor C[N, M] : %s\n"
                 "tensor D[N, M] : %s\nC[i,j] = A[i,j] + B[i,j]\nD[i,j] = A[i,j] * B[i,j]\n",
                 fmts[f], fmts[f]);
        run r;
        run_init(&r, text);
        uint32_t N = 12, M = 9, d[2] = {N, M};
        ff_tensor *A0 = rnd("A", 2, d, "csr", 0.4, 2, 31);
        /* put an explicit zero where B also has an entry */
        dn a = dn_of(A0);
        ff_tensor *B = rnd("B", 2, d, "dcsr", 0.4, 2, 32);
        dn b = dn_of(B);
        size_t zero_at = 0;
        while (!(a.p[zero_at] && b.p[zero_at])) zero_at++;
        a.v[zero_at] = 0;
        FF_VEC(uint32_t) crd = {0};
        FF_VEC(ff_fx) val = {0};
        for (size_t o = 0; o < a.n; o++)
            if (a.p[o]) {
                FF_VEC_PUSH(crd, (uint32_t)(o / M));
                FF_VEC_PUSH(crd, (uint32_t)(o % M));
                FF_VEC_PUSH(val, a.v[o]);
            }
        ff_tensor_free(A0);
        give(&r, "A", coo("A", 2, d, "csr", val.len, crd.data, val.data));
        give(&r, "B", B);
        free(crd.data);
        free(val.data);
        interpret(&r);
        dn add = dn_new(2, d), mul = dn_new(2, d);
        for (size_t o = 0; o < a.n; o++) {
            if (a.p[o] || b.p[o])
                set(&add, o, ADD(a.p[o] ? a.v[o] : 0, b.p[o] ? b.v[o] : 0));
            if (a.p[o] && b.p[o]) set(&mul, o, MUL(a.v[o], b.v[o]));
        }
        check(out_of(&r, "C"), &add);
        check(out_of(&r, "D"), &mul);
        /* the explicit zero product is stored */
        dn got = dn_of(out_of(&r, "D"));
        assert_true(got.p[zero_at]);
        assert_int_equal(got.v[zero_at], 0);
        dn_free(&got);
        dn_free(&a);
        dn_free(&b);
        dn_free(&add);
        dn_free(&mul);
        run_free(&r);
    }
}

static void residual(void **state)
{
    (void)state;
    run r;
    run_init(&r, "tensor A[N, N] : csr\ntensor x[N]\ntensor b[N]\nr[i] = b[i] - A[i,k] * x[k]\n");
    uint32_t N = 25, d[2] = {N, N};
    give(&r, "A", rnd("A", 2, d, "csr", 0.08, 4, 41));
    give(&r, "x", rnd("x", 1, &N, "dense", 1, 4, 42));
    give(&r, "b", rnd("b", 1, &N, "dense", 1, 4, 43));
    interpret(&r);
    dn ax;
    spmv_expected(in_of(&r, "A"), in_of(&r, "x"), &ax);
    dn b = dn_of(in_of(&r, "b")), want = dn_new(1, &N);
    int empty_rows = 0;
    for (uint32_t i = 0; i < N; i++) {
        set(&want, i, SUB(b.v[i], ax.p[i] ? ax.v[i] : 0)); /* union: b is dense */
        empty_rows += !ax.p[i];
    }
    assert_true(empty_rows > 0); /* the data exercises the absent-product case */
    check(out_of(&r, "r"), &want);
    dn_free(&ax);
    dn_free(&b);
    dn_free(&want);
    run_free(&r);
}

/* MTTKRP: A[i,j] = B[i,k,l] * C[k,j] * D[l,j] parses as (B * C) * D, so k is
 * summed at B * C and l over the whole product:
 * A[i,j] = sum_l (sum_k B[i,k,l] C[k,j]) D[l,j]. */
static void mttkrp(void **state)
{
    (void)state;
    run r;
    run_init(&r, "tensor B[I, K, L] : sparse\ntensor C[K, R]\ntensor D[L, R]\n"
                 "tensor A[I, R] : dense\nA[i,j] = B[i,k,l] * C[k,j] * D[l,j]\n");
    uint32_t I = 8, K = 6, L = 5, R = 4;
    uint32_t dB[3] = {I, K, L}, dC[2] = {K, R}, dD[2] = {L, R}, dA[2] = {I, R};
    give(&r, "B", rnd("B", 3, dB, "sparse", 0.2, 2, 51));
    give(&r, "C", rnd("C", 2, dC, "dense", 1, 2, 52));
    give(&r, "D", rnd("D", 2, dD, "dense", 1, 2, 53));
    interpret(&r);
    dn b = dn_of(in_of(&r, "B")), c = dn_of(in_of(&r, "C")), d = dn_of(in_of(&r, "D"));
    dn want = dn_new(2, dA);
    for (uint32_t i = 0; i < I; i++)
        for (uint32_t j = 0; j < R; j++) {
            ff_fx acc = 0;
            int have = 0;
            for (uint32_t l = 0; l < L; l++) {
                ff_fx in = 0;
                int hin = 0;
                for (uint32_t k = 0; k < K; k++) {
                    size_t o = ((size_t)i * K + k) * L + l;
                    if (!b.p[o]) continue;
                    ff_fx t = MUL(b.v[o], c.v[k * R + j]);
                    in = hin ? ADD(in, t) : t;
                    hin = 1;
                }
                if (!hin) continue;
                ff_fx t = MUL(in, d.v[l * R + j]);
                acc = have ? ADD(acc, t) : t;
                have = 1;
            }
            if (have) set(&want, i * R + j, acc);
        }
    check(out_of(&r, "A"), &want);
    dn_free(&b);
    dn_free(&c);
    dn_free(&d);
    dn_free(&want);
    run_free(&r);
}

static void bias_broadcast(void **state)
{
    (void)state;
    /* dense X, and a sparse X where the dense bias fills every point */
    const char *fmts[] = {"dense", "csr"};
    for (int f = 0; f < 2; f++) {
        char text[160];
        snprintf(text, sizeof text, "tensor X[N, M] : %s\ntensor b[M]\nY[i,j] = X[i,j] + b[j]\n",
                 fmts[f]);
        run r;
        run_init(&r, text);
        uint32_t N = 10, M = 6, d[2] = {N, M};
        give(&r, "X", rnd("X", 2, d, fmts[f], f ? 0.3 : 1, 8, 61));
        give(&r, "b", rnd("b", 1, &M, "dense", 1, 8, 62));
        interpret(&r);
        dn x = dn_of(in_of(&r, "X")), b = dn_of(in_of(&r, "b")), want = dn_new(2, d);
        for (uint32_t i = 0; i < N; i++)
            for (uint32_t j = 0; j < M; j++)
                set(&want, i * M + j, ADD(x.p[i * M + j] ? x.v[i * M + j] : 0, b.v[j]));
        check(out_of(&r, "Y"), &want);
        dn_free(&x);
        dn_free(&b);
        dn_free(&want);
        run_free(&r);
    }
}

static void relu_keeps_the_support(void **state)
{
    (void)state;
    run r;
    run_init(&r, "tensor A[N, M] : csr\nY[i,j] = relu(A[i,j])\n");
    uint32_t d[2] = {14, 11};
    give(&r, "A", rnd("A", 2, d, "csr", 0.3, 2, 71));
    interpret(&r);
    dn a = dn_of(in_of(&r, "A")), want = dn_new(2, d);
    int zeros = 0;
    for (size_t o = 0; o < a.n; o++)
        if (a.p[o]) {
            set(&want, o, a.v[o] > 0 ? a.v[o] : 0);
            zeros += a.v[o] < 0;
        }
    assert_true(zeros > 0);
    check(out_of(&r, "Y"), &want); /* negatives become stored zeros */
    dn_free(&a);
    dn_free(&want);
    run_free(&r);
}

/* softmax, or (lg) log_softmax: (x - m) - log(max(s, 1)) */
static void softmax_expected(const dn *x, dn *y, int lg)
{
    uint32_t N = x->dims[0], M = x->dims[1];
    *y = dn_new(2, x->dims);
    for (uint32_t i = 0; i < N; i++) {
        const ff_fx *row = x->v + (size_t)i * M;
        const uint8_t *has = x->p + (size_t)i * M;
        int any = 0;
        ff_fx m = 0, s = 0;
        for (uint32_t j = 0; j < M; j++)
            if (has[j] && (!any || row[j] > m)) {
                m = row[j];
                any = 1;
            }
        if (!any) continue;
        ff_fx e[64];
        int first = 1;
        for (uint32_t j = 0; j < M; j++)
            if (has[j]) {
                e[j] = EXP(SUB(row[j], m));
                s = first ? e[j] : ADD(s, e[j]);
                first = 0;
            }
        ff_fx ls = ff_fx_log(s > ONE ? s : ONE, F16);
        for (uint32_t j = 0; j < M; j++)
            if (has[j]) set(y, (size_t)i * M + j, lg ? SUB(SUB(row[j], m), ls) : DIV(e[j], s));
    }
}

static void softmax_rows(void **state)
{
    (void)state;
    /* rows: 0 empty, 1 one entry, 2 several with an explicit zero, 3 large
     * values, 4 equal values, 5 empty again, 6 full */
    uint32_t N = 7, M = 6, d[2] = {N, M};
    FF_VEC(uint32_t) crd = {0};
    FF_VEC(ff_fx) val = {0};
#define PT(i, j, v)                                                                   \
    do {                                                                              \
        FF_VEC_PUSH(crd, (uint32_t)(i));                                              \
        FF_VEC_PUSH(crd, (uint32_t)(j));                                              \
        FF_VEC_PUSH(val, (ff_fx)(v));                                                 \
    } while (0)
    PT(1, 3, -5 * ONE);
    PT(2, 0, ONE / 2);
    PT(2, 2, 0);
    PT(2, 5, -3 * ONE);
    PT(3, 1, 20000 * ONE);
    PT(3, 4, -20000 * ONE);
    PT(3, 5, 19990 * ONE);
    PT(4, 0, ONE);
    PT(4, 1, ONE);
    PT(4, 2, ONE);
    for (uint32_t j = 0; j < M; j++) PT(6, j, (ff_fx)(j * 7919 % 65536) - ONE / 2);
#undef PT
    const char *fmts[] = {"csr", "dcsr", "dense"};
    for (int f = 0; f < 6; f++) {
        int lg = f >= 3;
        char text[160];
        snprintf(text, sizeof text, "tensor A[N, M] : %s\nP[i,j] = %s[j](A[i,j])\n", fmts[f % 3],
                 lg ? "log_softmax" : "softmax");
        run r;
        run_init(&r, text);
        give(&r, "A", coo("A", 2, d, fmts[f % 3], val.len, crd.data, val.data));
        interpret(&r);
        dn a = dn_of(in_of(&r, "A")), want;
        softmax_expected(&a, &want, lg);
        check(out_of(&r, "P"), &want);
        dn got = dn_of(out_of(&r, "P"));
        if (f % 3 < 2) {
            assert_int_equal(got.p[0 * M + 0], 0);            /* empty row stays empty */
            assert_int_equal(got.v[1 * M + 3], lg ? 0 : ONE); /* a lone entry is 1 (log: 0) */
        }
        dn_free(&got);
        dn_free(&a);
        dn_free(&want);
        run_free(&r);
    }
    /* random, and a real graph */
    for (int c = 0; c < 4; c++) {
        run r;
        run_init(&r, c < 2 ? "tensor A[N, M] : csr\nP[i,j] = softmax[j](A[i,j])\n"
                           : "tensor A[N, M] : csr\nP[i,j] = log_softmax[j](A[i,j])\n");
        if (c % 2 == 0) {
            uint32_t dd[2] = {30, 20};
            give(&r, "A", rnd("A", 2, dd, "csr", 0.2, 8, 81));
        } else {
            give(&r, "A", load("karate/karate.mtx", "csr"));
        }
        interpret(&r);
        dn a = dn_of(in_of(&r, "A")), want;
        softmax_expected(&a, &want, c >= 2);
        check(out_of(&r, "P"), &want);
        dn_free(&a);
        dn_free(&want);
        run_free(&r);
    }
    free(crd.data);
    free(val.data);
}

static void layernorm_expected(const dn *x, dn *y)
{
    uint32_t N = x->dims[0], M = x->dims[1];
    *y = dn_new(2, x->dims);
    for (uint32_t i = 0; i < N; i++) {
        const ff_fx *row = x->v + (size_t)i * M;
        const uint8_t *has = x->p + (size_t)i * M;
        int n = 0, first = 1;
        ff_fx sum = 0;
        for (uint32_t j = 0; j < M; j++)
            if (has[j]) {
                sum = first ? row[j] : ADD(sum, row[j]);
                first = 0;
                n++;
            }
        if (!n) continue;
        ff_fx nf = ff_fx_from_int(n, F16), mean = DIV(sum, nf), dd[64], sq = 0;
        first = 1;
        for (uint32_t j = 0; j < M; j++)
            if (has[j]) {
                dd[j] = SUB(row[j], mean);
                ff_fx t = MUL(dd[j], dd[j]);
                sq = first ? t : ADD(sq, t);
                first = 0;
            }
        ff_fx var = DIV(sq, nf), r = RSQRT(ADD(var, 1));
        for (uint32_t j = 0; j < M; j++)
            if (has[j]) set(y, (size_t)i * M + j, MUL(dd[j], r));
    }
}

static void layernorm_rows(void **state)
{
    (void)state;
    const char *fmts[] = {"dense", "csr"};
    for (int f = 0; f < 2; f++) {
        char text[160];
        snprintf(text, sizeof text, "tensor X[N, M] : %s\nY[i,j] = layernorm[j](X[i,j])\n",
                 fmts[f]);
        run r;
        run_init(&r, text);
        uint32_t d[2] = {9, 16};
        give(&r, "X", rnd("X", 2, d, fmts[f], f ? 0.3 : 1, 4, 91));
        interpret(&r);
        dn x = dn_of(in_of(&r, "X")), want;
        layernorm_expected(&x, &want);
        check(out_of(&r, "Y"), &want);
        dn_free(&x);
        dn_free(&want);
        run_free(&r);
    }
}

/* S = mask(M, Q K^T) * scale: the dot products are summed over d inside the
 * mask, kept where M is stored, then scaled. */
static void masked_attention_scores(void **state)
{
    (void)state;
    run r;
    char path[1024];
    snprintf(path, sizeof path, "%s/examples/attention.ff", FF_SOURCE_DIR);
    ff_err err = {0};
    memset(&r, 0, sizeof r);
    if (ff_ir_parse(path, NULL, &r.p, &err) != 0) fail_msg("%s", err.msg);
    uint32_t N = 16, D = 8, dm[2] = {N, N}, dq[2] = {N, D};
    give(&r, "M", rnd("M", 2, dm, "csr", 0.25, 1, 101));
    give(&r, "Q", rnd("Q", 2, dq, "dense", 1, 4, 102));
    give(&r, "K", rnd("K", 2, dq, "dense", 1, 4, 103));
    interpret(&r);
    dn m = dn_of(in_of(&r, "M")), q = dn_of(in_of(&r, "Q")), k = dn_of(in_of(&r, "K"));
    dn want = dn_new(2, dm);
    for (uint32_t i = 0; i < N; i++)
        for (uint32_t j = 0; j < N; j++) {
            if (!m.p[i * N + j]) continue;
            ff_fx acc = 0;
            for (uint32_t d = 0; d < D; d++) acc = ADD(acc, MUL(q.v[i * D + d], k.v[j * D + d]));
            set(&want, i * N + j, MUL(acc, ONE / 8));
        }
    check(out_of(&r, "S"), &want);
    dn_free(&m);
    dn_free(&q);
    dn_free(&k);
    dn_free(&want);
    run_free(&r);
}

/* The unary functions, binary max/min/div, a max reduction, constants
 * (full support), subtraction from absent, and mask with absent values. */
static void functions_and_supports(void **state)
{
    (void)state;
    run r;
    run_init(&r, "tensor A[N, M] : csr\ntensor B[N, M] : csr\ntensor v[M]\n"
                 "scalar half = 0.5\n"
                 "E[i,j] = exp(A[i,j])\n"
                 "Q[i,j] = sqrt(A[i,j] * A[i,j])\n"
                 "R[i,j] = rsqrt(A[i,j])\n"
                 "G[i,j] = gelu(A[i,j])\n"
                 "Ng[i,j] = -A[i,j]\n"
                 "Mx[i,j] = max(A[i,j], B[i,j])\n"
                 "Mn[i,j] = min(A[i,j], half)\n"
                 "Dv[i,j] = A[i,j] / B[i,j]\n"
                 "Rm[i] = max[j](A[i,j])\n"
                 "C1[i,j] = A[i,j] + 1\n"
                 "Sb[i,j] = A[i,j] - B[i,j]\n"
                 "Mk[i,j] = mask(A[i,j], B[i,j] * v[j])\n"
                 "Mv[i,j] = mask(A[i,j], v[j])\n"
                 "Lg[i,j] = log(A[i,j])\n"
                 "Th[i,j] = tanh(A[i,j])\n"
                 "Sg[i,j] = sigmoid(A[i,j])\n"
                 "Er[i,j] = erf(A[i,j])\n");
    uint32_t N = 11, M = 8, d[2] = {N, M};
    give(&r, "A", rnd("A", 2, d, "csr", 0.4, 3, 111));
    give(&r, "B", rnd("B", 2, d, "csr", 0.4, 3, 112));
    give(&r, "v", rnd("v", 1, &M, "dense", 1, 3, 113));
    interpret(&r);
    dn a = dn_of(in_of(&r, "A")), b = dn_of(in_of(&r, "B")), v = dn_of(in_of(&r, "v"));
    const char *names[] = {"E", "Q", "R", "G", "Ng", "Mx", "Mn", "Dv", "C1", "Sb", "Mk", "Mv", "Lg", "Th", "Sg", "Er"};
    const ff_fx rsqrt2 = 46341, half = ONE / 2; /* round(2^16 / sqrt 2) */
    for (size_t n = 0; n < sizeof names / sizeof names[0]; n++) {
        dn want = dn_new(2, d);
        for (uint32_t i = 0; i < N; i++)
            for (uint32_t j = 0; j < M; j++) {
                size_t o = i * M + j;
                ff_fx x = a.v[o], y = b.v[o];
                int pa = a.p[o], pb = b.p[o];
                switch (n) {
                case 0: if (pa) set(&want, o, EXP(x)); break;
                case 1: if (pa) { ff_fx s = MUL(x, x); set(&want, o, MUL(s, RSQRT(s))); } break;
                case 2: if (pa) set(&want, o, RSQRT(x)); break;
                case 3: if (pa) set(&want, o, MUL(x, ADD(MUL(ff_fx_erf(MUL(x, rsqrt2), F16), half), half))); break;
                case 4: if (pa) set(&want, o, ff_fx_neg(x)); break;
                case 5: if (pa && pb) set(&want, o, x > y ? x : y); break;
                case 6: if (pa) set(&want, o, x < ONE / 2 ? x : ONE / 2); break;
                case 7: if (pa && pb) set(&want, o, DIV(x, y)); break;
                case 8: set(&want, o, ADD(pa ? x : 0, ONE)); break; /* 1 is everywhere */
                case 9: if (pa || pb) set(&want, o, SUB(pa ? x : 0, pb ? y : 0)); break;
                case 10: if (pa) set(&want, o, pb ? MUL(y, v.v[j]) : 0); break;
                case 11: if (pa) set(&want, o, v.v[j]); break;
                case 12: if (pa) set(&want, o, ff_fx_log(x, F16)); break;
                case 13: if (pa) set(&want, o, ff_fx_tanh(x, F16)); break;
                case 14: if (pa) set(&want, o, ff_fx_sigmoid(x, F16)); break;
                case 15: if (pa) set(&want, o, ff_fx_erf(x, F16)); break;
                }
            }
        check(out_of(&r, names[n]), &want);
        dn_free(&want);
    }
    dn want = dn_new(1, &N);
    for (uint32_t i = 0; i < N; i++) {
        int have = 0;
        ff_fx m = 0;
        for (uint32_t j = 0; j < M; j++)
            if (a.p[i * M + j] && (!have || a.v[i * M + j] > m)) {
                m = a.v[i * M + j];
                have = 1;
            }
        if (have) set(&want, i, m);
    }
    check(out_of(&r, "Rm"), &want);
    dn_free(&want);
    dn_free(&a);
    dn_free(&b);
    dn_free(&v);
    run_free(&r);
}

/* Sums run in increasing index order from the first present term, and
 * saturate: the order shows. */
static void reductions_saturate_in_index_order(void **state)
{
    (void)state;
    /* dense A takes the plain loop, csr A the loop that skips absent
     * entries of A: both add in increasing k */
    const char *fmts[] = {"dense", "csr", "dcsc"};
    for (int f = 0; f < 3; f++) {
        char text[200];
        snprintf(text, sizeof text,
                 "tensor A[N, K] : %s\ntensor B[K, M]\ny[i] = A[i,k]\n"
                 "z[i] = sum[k](A[i,k]) - max[k](A[i,k])\nC[i,j] = A[i,k] * B[k,j]\n",
                 fmts[f]);
        run r;
        run_init(&r, text);
        uint32_t d[2] = {3, 4}, dB[2] = {4, 2};
        ff_fx big = 30000 * ONE;
        ff_fx dense[12] = {big, big, -big, 0, -big, big, big, 0, 0, 0, 0, 0};
        ff_format fm = fmt_of(fmts[f], 2);
        ff_tensor *A = NULL;
        ff_err err = {0};
        assert_int_equal(ff_tensor_from_dense("A", 2, d, &fm, F16, dense, &A, &err), 0);
        give(&r, "A", A);
        ff_fx bones[8] = {ONE, 2 * ONE, ONE, 2 * ONE, ONE, 2 * ONE, ONE, 2 * ONE};
        ff_format fd = fmt_of("dense", 2);
        ff_tensor *B = NULL;
        assert_int_equal(ff_tensor_from_dense("B", 2, dB, &fd, F16, bones, &B, &err), 0);
        give(&r, "B", B);
        interpret(&r);
        dn y = dn_of(out_of(&r, "y"));
        assert_int_equal(y.v[0], ADD(ADD(big, big), -big)); /* MAX - 30000 */
        assert_int_equal(y.v[0], FF_FX_MAX - big);
        assert_int_equal(y.v[1], ADD(ADD(-big, big), big)); /* 30000 */
        assert_int_equal(y.v[1], big);
        dn z = dn_of(out_of(&r, "z"));
        assert_int_equal(z.v[0], SUB(FF_FX_MAX - big, big));
        dn c = dn_of(out_of(&r, "C"));
        ff_fx two = 2 * ONE;
        assert_int_equal(c.v[0], FF_FX_MAX - big); /* times 1 */
        /* times 2 the products saturate too: MAX + MAX + MIN = -1 ulp, where
         * the reverse order would give MAX - 1 ulp */
        assert_int_equal(c.v[1], ADD(ADD(MUL(big, two), MUL(big, two)), MUL(-big, two)));
        assert_int_equal(c.v[1], -1);
        assert_int_equal(c.v[2], big);
        assert_int_equal(c.v[3], ADD(ADD(MUL(-big, two), MUL(big, two)), MUL(big, two)));
        assert_int_equal(c.v[3], FF_FX_MAX - 1);
        if (f == 0) { /* a zero row: stored zeros in dense A are present terms */
            assert_true(y.p[2]);
            assert_int_equal(y.v[2], 0);
        } else {
            assert_false(c.p[4]);
        }
        dn_free(&y);
        dn_free(&z);
        dn_free(&c);
        run_free(&r);
    }
}

/* A result stored dense has every point: reading it back, exp of an entry
 * that was absent is exp(0) = 1, whereas a sparse intermediate stays absent. */
static void declared_format_decides_the_support(void **state)
{
    (void)state;
    run r;
    run_init(&r, "tensor A[N, M] : csr\ntensor T[N, M] : dense\n"
                 "T[i,j] = A[i,j]\nU[i,j] = A[i,j]\n"
                 "ET[i,j] = exp(T[i,j])\nEU[i,j] = exp(U[i,j])\n");
    assert_string_equal(r.p->tensors[tid(r.p, "U")].format_text, "sparse");
    assert_string_equal(r.p->tensors[tid(r.p, "ET")].format_text, "dense");
    assert_string_equal(r.p->tensors[tid(r.p, "EU")].format_text, "sparse");
    assert_int_equal(r.p->tensors[tid(r.p, "T")].role, FF_IR_INTERMEDIATE);
    uint32_t d[2] = {6, 5};
    give(&r, "A", rnd("A", 2, d, "csr", 0.3, 2, 121));
    interpret(&r);
    dn a = dn_of(in_of(&r, "A")), et = dn_new(2, d), eu = dn_new(2, d);
    for (size_t o = 0; o < a.n; o++) {
        set(&et, o, EXP(a.p[o] ? a.v[o] : 0));
        if (a.p[o]) set(&eu, o, EXP(a.v[o]));
    }
    check(out_of(&r, "ET"), &et);
    check(out_of(&r, "EU"), &eu);
    dn_free(&a);
    dn_free(&et);
    dn_free(&eu);
    run_free(&r);
}

static void order_zero_and_chains(void **state)
{
    (void)state;
    run r;
    run_init(&r, "tensor x[N]\ntensor s\n"
                 "n2 = x[i] * x[i]\n"
                 "t = n2 * s + 0.25\n"
                 "y[i] = x[i] * t\n");
    uint32_t N = 9;
    give(&r, "x", rnd("x", 1, &N, "dense", 1, 1, 131));
    give(&r, "s", rnd("s", 0, NULL, "dense", 1, 1, 132));
    interpret(&r);
    dn x = dn_of(in_of(&r, "x"));
    ff_fx acc = 0;
    for (uint32_t i = 0; i < N; i++) acc = i ? ADD(acc, MUL(x.v[i], x.v[i])) : MUL(x.v[i], x.v[i]);
    ff_fx s = in_of(&r, "s")->vals[0];
    ff_fx t = ADD(MUL(acc, s), ONE / 4);
    assert_int_equal(out_of(&r, "n2")->vals[0], acc);
    assert_int_equal(out_of(&r, "t")->vals[0], t);
    dn want = dn_new(1, &N);
    for (uint32_t i = 0; i < N; i++) set(&want, i, MUL(x.v[i], t));
    check(out_of(&r, "y"), &want);
    dn_free(&x);
    dn_free(&want);
    run_free(&r);
}

/* Inputs beyond 2^24 entries are read by walking their fibertree. */
static void large_sparse_input(void **state)
{
    (void)state;
    run r;
    run_init(&r, "tensor A[N, K] : dcsr\ntensor x[K]\ny[i] = A[i,k] * x[k]\n");
    uint32_t N = 4200, d[2] = {N, N};
    give(&r, "A", rnd("A", 2, d, "dcsr", 0.0002, 2, 141));
    give(&r, "x", rnd("x", 1, &N, "dense", 1, 2, 142));
    ff_err err = {0};
    if (ff_ir_interpret(r.p, (const ff_tensor *const *)r.in, r.out, &err) != 0)
        fail_msg("%s", err.msg);
    /* sparse expected from the stored entries, without an N x N array */
    const ff_tensor *A = in_of(&r, "A");
    dn x = dn_of(in_of(&r, "x")), want = dn_new(1, &N);
    const ff_level *rows = &A->lvl[0], *cols = &A->lvl[1];
    for (size_t p = 0; p < rows->ncrd; p++) {
        uint32_t i = rows->crd[p];
        ff_fx acc = 0;
        for (uint32_t q = cols->seg[p]; q < cols->seg[p + 1]; q++) {
            ff_fx t = MUL(A->vals[q], x.v[cols->crd[q]]);
            acc = q == cols->seg[p] ? t : ADD(acc, t);
        }
        set(&want, i, acc);
    }
    check(out_of(&r, "y"), &want);
    dn_free(&x);
    dn_free(&want);
    run_free(&r);
}

/* The dense interpreter's limits (the sparse evaluator, ff_ir_interpret, runs
 * these; its own limits are tested in test_ir_sparse.c). */
static void limits_are_errors(void **state)
{
    (void)state;
    uint32_t N = 70000, d[2] = {N, N};
    ff_tensor *A = rnd("A", 2, d, "dcsr", 1e-7, 1, 151);
    ff_tensor *x = rnd("x", 1, &N, "sparse", 1e-4, 1, 152);
    {
        run r;
        run_init(&r, "tensor A[N, N] : dcsr\ntensor B[N, N] : dcsr\nC[i,j] = A[i,k] * B[k,j]\n");
        r.in[0] = A;
        r.in[1] = A;
        ff_err err = {0};
        assert_int_equal(ff_ir_interpret_dense(r.p, (const ff_tensor *const *)r.in, r.out, &err),
                         FF_EINVAL);
        assert_string_equal(err.msg, "k.ff:3:17: sum needs a dense array of more than 2^26 "
                                     "entries, the interpreter's limit");
        for (int t = 0; t < r.p->ntensors; t++) assert_null(r.out[t]);
        ff_ir_free(r.p);
    }
    {
        run r;
        run_init(&r, "tensor A[N, N] : dcsr\ntensor x[N] : sparse\ny[i] = A[i,k] * x[k]\n");
        r.in[0] = A;
        r.in[1] = x;
        ff_err err = {0};
        assert_int_equal(ff_ir_interpret_dense(r.p, (const ff_tensor *const *)r.in, r.out, &err),
                         FF_EINVAL);
        assert_string_equal(err.msg, "k.ff:3:15: sum would visit more than 2^32 points, the "
                                     "interpreter's limit");
        ff_ir_free(r.p);
    }
    ff_tensor_free(A);
    ff_tensor_free(x);
}

/* ---- sizes, random inputs, errors ---- */

static void binding_sizes(void **state)
{
    (void)state;
    ff_ir_program *p = prog("tensor A[N, K] : csr\ntensor B[K, 4]\ntensor c[N]\n"
                            "C[i,j] = A[i,k] * B[k,j] + c[i]\n");
    uint32_t dA[2] = {5, 7}, dB[2] = {7, 4}, dc[1] = {5};
    ff_tensor *A = rnd("A", 2, dA, "csr", 0.5, 1, 1), *B = rnd("B", 2, dB, "dense", 1, 1, 2);
    ff_tensor *c = rnd("c", 1, dc, "dense", 1, 1, 3);
    const ff_tensor *in[4] = {A, B, c, NULL};
    uint32_t sizes[3] = {0};
    ff_err err = {0};
    assert_int_equal(ff_ir_bind_sizes(p, in, sizes, &err), 0);
    assert_int_equal(sizes[0], 5);
    assert_int_equal(sizes[1], 7);
    assert_int_equal(sizes[2], 4);

    uint32_t dB2[2] = {6, 4}, dB3[2] = {7, 5}, dc2[1] = {4};
    ff_tensor *B2 = rnd("B", 2, dB2, "dense", 1, 1, 2), *B3 = rnd("B", 2, dB3, "dense", 1, 1, 2);
    ff_tensor *c2 = rnd("c", 1, dc2, "dense", 1, 1, 2), *c3 = rnd("c", 2, dA, "dense", 1, 1, 2);
    ff_tensor *A8 = NULL;
    ff_format csr = fmt_of("csr", 2);
    ff_tensor_convert(A, &csr, &A8, &err);
    A8->frac_bits = 8;
    static const struct {
        int slot;
        const char *msg;
    } cases[] = {
        {0, "tensor A: no data given (it is an input)"},
        {1, "tensor B: mode 0 has size 6 but K = 7 from A"},
        {1, "tensor B: mode 1 has size 5 but the declaration says 4"},
        {2, "tensor c: mode 0 has size 4 but N = 5 from A"},
        {2, "tensor c: the data has order 2, the declaration 1"},
        {0, "tensor A: the data has 8 fraction bits, the program uses 16"},
    };
    const ff_tensor *bad[6] = {NULL, B2, B3, c2, c3, A8};
    for (int k = 0; k < 6; k++) {
        const ff_tensor *in2[4] = {A, B, c, NULL};
        in2[cases[k].slot] = bad[k];
        assert_int_equal(ff_ir_bind_sizes(p, in2, sizes, &err), FF_EINVAL);
        assert_string_equal(err.msg, cases[k].msg);
        /* the interpreter reports the same and leaves no results */
        ff_tensor *out[4] = {NULL, NULL, NULL, (ff_tensor *)1};
        assert_int_equal(ff_ir_interpret(p, in2, out, &err), FF_EINVAL);
        assert_string_equal(err.msg, cases[k].msg);
        for (int t = 0; t < 4; t++) assert_null(out[t]);
    }
    /* an unchecked program is refused by the interpreter */
    p->stmts[0].lhs = 0;
    ff_tensor *out[4] = {0};
    assert_int_equal(ff_ir_interpret(p, in, out, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "IR check"));
    ff_tensor_free(A);
    ff_tensor_free(B);
    ff_tensor_free(c);
    ff_tensor_free(B2);
    ff_tensor_free(B3);
    ff_tensor_free(c2);
    ff_tensor_free(c3);
    ff_tensor_free(A8);
    ff_ir_free(p);
}

static int count_visit(void *ctx, const uint32_t *c, ff_fx v)
{
    (void)c;
    int *k = ctx;
    /* values on [-1, 1] in steps of 1/16, never zero */
    if (v == 0 || v > ONE || v < -ONE || v % (ONE / 16) != 0) k[1]++;
    k[0]++;
    return 0;
}

static void random_inputs(void **state)
{
    (void)state;
    ff_ir_program *p = prog("tensor A[N, K] : csr\ntensor B[K, M] : dense\ntensor c[8]\n"
                            "C[i,j] = A[i,k] * B[k,j]\nd[l] = c[l] * 2\n");
    /* N asked for, K and M by default 16, the literal 8 */
    ff_tensor *in1[5] = {0}, *in2[5] = {0}, *in3[5] = {0};
    uint32_t sizes[4] = {40, 0, 0, 0};
    ff_err err = {0};
    assert_int_equal(ff_ir_random_inputs(p, 42, 0.1, sizes, in1, &err), 0);
    assert_int_equal(sizes[0], 40);
    assert_int_equal(sizes[1], 16);
    assert_int_equal(sizes[2], 16);
    assert_int_equal(sizes[3], 8);
    assert_int_equal(in1[0]->dims[0], 40);
    assert_int_equal(in1[0]->dims[1], 16);
    assert_int_equal(in1[2]->dims[0], 8);
    assert_null(in1[3]);
    assert_null(in1[4]);
    /* density applies to formats with a compressed level only */
    assert_true(in1[0]->nvals > 20 && in1[0]->nvals < 120);
    assert_int_equal(ff_tensor_nnz(in1[1]), 16 * 16);
    for (int t = 0; t < 3; t++) {
        int k[2] = {0, 0};
        ff_tensor_foreach(in1[t], count_visit, k);
        assert_int_equal(k[1], 0);
    }
    /* same seed, same data; another seed, other data; tensors differ */
    uint32_t s2[4] = {40, 0, 0, 0};
    assert_int_equal(ff_ir_random_inputs(p, 42, 0.1, s2, in2, &err), 0);
    for (int t = 0; t < 3; t++) assert_int_equal(ff_tensor_compare(in1[t], in2[t], &err), 0);
    uint32_t s3[4] = {40, 0, 0, 0};
    assert_int_equal(ff_ir_random_inputs(p, 43, 0.1, s3, in3, &err), 0);
    assert_int_equal(ff_tensor_compare(in1[0], in3[0], &err), FF_EMISMATCH);
    assert_int_equal(ff_tensor_compare(in1[1], in3[1], &err), FF_EMISMATCH);
    /* given data is kept and fixes sizes; the rest is made to fit */
    ff_tensor *in4[5] = {0};
    uint32_t dB[2] = {5, 3};
    in4[1] = rnd("B", 2, dB, "dense", 1, 1, 9);
    ff_tensor *given = in4[1];
    uint32_t s4[4] = {0};
    assert_int_equal(ff_ir_random_inputs(p, 1, 0.5, s4, in4, &err), 0);
    assert_ptr_equal(in4[1], given);
    assert_int_equal(s4[1], 5);
    assert_int_equal(s4[2], 3);
    assert_int_equal(in4[0]->dims[1], 5);
    /* the data and an asked size disagree: nothing is generated */
    ff_tensor *in5[5] = {0};
    in5[1] = given;
    uint32_t s5[4] = {0, 6, 0, 0};
    assert_int_equal(ff_ir_random_inputs(p, 1, 0.5, s5, in5, &err), FF_EINVAL);
    assert_string_equal(err.msg, "tensor B: mode 0 has size 5 but K = 6 was asked for");
    assert_null(in5[0]);
    assert_null(in5[2]);
    assert_int_equal(s5[1], 6);
    uint32_t s6[4] = {0, 0, 0, 9};
    assert_int_equal(ff_ir_random_inputs(p, 1, 0.5, s6, in5, &err), FF_EINVAL);
    assert_string_equal(err.msg, "size 8 is a literal and cannot be 9");
    /* a bad density fails cleanly and generates nothing */
    ff_tensor *in6[5] = {0};
    uint32_t s7[4] = {0};
    assert_int_equal(ff_ir_random_inputs(p, 1, 1.5, s7, in6, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "density 1.5 is outside 0..1"));
    for (int t = 0; t < 5; t++) assert_null(in6[t]);
    /* the interpreter runs on generated data */
    ff_tensor *out[5] = {0};
    assert_int_equal(ff_ir_interpret(p, (const ff_tensor *const *)in1, out, &err), 0);
    assert_non_null(out[3]);
    assert_int_equal(out[3]->dims[0], 40);
    assert_int_equal(out[3]->dims[1], 16);
    assert_int_equal(out[4]->dims[0], 8);
    for (int t = 0; t < 5; t++) {
        ff_tensor_free(in1[t]);
        ff_tensor_free(in2[t]);
        ff_tensor_free(in3[t]);
        ff_tensor_free(in4[t]);
        ff_tensor_free(out[t]);
    }
    ff_ir_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spmv_random),
        cmocka_unit_test(spmv_real_matrix),
        cmocka_unit_test(transposed_spmv_real_matrix),
        cmocka_unit_test(spmm),
        cmocka_unit_test(sddmm),
        cmocka_unit_test(elementwise_add_and_mul),
        cmocka_unit_test(residual),
        cmocka_unit_test(mttkrp),
        cmocka_unit_test(bias_broadcast),
        cmocka_unit_test(relu_keeps_the_support),
        cmocka_unit_test(softmax_rows),
        cmocka_unit_test(layernorm_rows),
        cmocka_unit_test(masked_attention_scores),
        cmocka_unit_test(functions_and_supports),
        cmocka_unit_test(reductions_saturate_in_index_order),
        cmocka_unit_test(declared_format_decides_the_support),
        cmocka_unit_test(order_zero_and_chains),
        cmocka_unit_test(large_sparse_input),
        cmocka_unit_test(limits_are_errors),
        cmocka_unit_test(binding_sizes),
        cmocka_unit_test(random_inputs),
    };
    return cmocka_run_group_tests_name("ir_interp", tests, NULL, NULL);
}
