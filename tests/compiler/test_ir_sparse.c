/*
 * test_ir_sparse.c -- the sparse evaluator (ff_ir_interpret) against the
 * dense interpreter (ff_ir_interpret_dense), its independent oracle: every
 * model of examples/ and bench/apps/, in its own formats and with its
 * matrices stored other ways (csc, dcsr, column-major, blocked, dense made
 * sparse), over seeds, densities from 0 to 1 and small sizes -- every result
 * equal bit for bit, value and support (the comparison --check makes, and
 * the stored fibertrees themselves). Then hand cases for the corners of the
 * support semantics: empty rows, stored zeros in inputs, computed zeros,
 * masks over absent values, max over partly empty fibers, transposed and
 * broadcast operands, order-0 results; and scale: inputs the dense
 * interpreter refuses, and the sparse evaluator's own limits.
 */
#include <dirent.h>
#include <math.h>
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

/* ---- comparing results ---- */

/* a and b equal as --check compares them (values, absent = 0) and as stored
 * (same format, same fibertree: the support, stored zeros included).
 * Returns 0, or 1 with what differs in why. */
static int same_tensor(const ff_tensor *a, const ff_tensor *b, char *why, size_t n)
{
    ff_err err = {0};
    if (ff_tensor_compare(a, b, &err) != 0) {
        snprintf(why, n, "%s", err.msg);
        return 1;
    }
    if (a->order != b->order || memcmp(a->dims, b->dims, sizeof a->dims) ||
        a->fmt.nlevels != b->fmt.nlevels || a->nvals != b->nvals) {
        snprintf(why, n, "%s: %zu stored entries, expected %zu", b->name, a->nvals, b->nvals);
        return 1;
    }
    for (int k = 0; k < a->fmt.nlevels; k++) {
        const ff_level *x = &a->lvl[k], *y = &b->lvl[k];
        if (x->nseg != y->nseg || x->ncrd != y->ncrd || a->npos[k] != b->npos[k] ||
            (x->nseg && memcmp(x->seg, y->seg, sizeof(uint32_t) * x->nseg)) ||
            (x->ncrd && memcmp(x->crd, y->crd, sizeof(uint32_t) * x->ncrd))) {
            snprintf(why, n, "%s: level %d stores other coordinates", b->name, k);
            return 1;
        }
    }
    if (a->nvals && memcmp(a->vals, b->vals, sizeof(ff_fx) * a->nvals)) {
        snprintf(why, n, "%s: stored values differ (zeros where the other has none?)", b->name);
        return 1;
    }
    return 0;
}

/* Both evaluators on the same inputs; every result the same. Returns 0 when
 * they agree, 1 when the dense interpreter refused (its limits). */
static int cross(const ff_ir_program *p, ff_tensor **in, const char *what)
{
    ff_tensor **d = calloc((size_t)p->ntensors + 1, sizeof *d);
    ff_tensor **s = calloc((size_t)p->ntensors + 1, sizeof *s);
    ff_err err = {0};
    int skipped = 0;
    if (ff_ir_interpret_dense(p, (const ff_tensor *const *)in, d, &err) != 0) {
        if (!strstr(err.msg, "the interpreter's limit")) fail_msg("%s: dense: %s", what, err.msg);
        skipped = 1;
    }
    if (ff_ir_interpret(p, (const ff_tensor *const *)in, s, &err) != 0)
        fail_msg("%s: sparse: %s", what, err.msg);
    for (int t = 0; t < p->ntensors && !skipped; t++) {
        char why[1200];
        if (!d[t]) {
            if (s[t]) fail_msg("%s: %s: a result the dense interpreter has not", what,
                               p->tensors[t].name);
            continue;
        }
        if (!s[t]) fail_msg("%s: %s: no result", what, p->tensors[t].name);
        if (same_tensor(s[t], d[t], why, sizeof why)) fail_msg("%s: %s", what, why);
    }
    for (int t = 0; t < p->ntensors; t++) {
        ff_tensor_free(d[t]);
        ff_tensor_free(s[t]);
    }
    free(d);
    free(s);
    return skipped;
}

/* ---- the models, table-driven ---- */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot read %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (fread(s, 1, (size_t)n, f) != (size_t)n) fail_msg("cannot read %s", path);
    s[n] = 0;
    fclose(f);
    return s;
}

/* s with every `from` replaced by `to` (caller frees). */
static char *replace(const char *s, const char *from, const char *to)
{
    size_t nf = strlen(from), nt = strlen(to), n = 0;
    for (const char *q = s; (q = strstr(q, from)); q += nf) n++;
    char *out = malloc(strlen(s) + n * nt + 1), *o = out;
    for (const char *q; (q = strstr(s, from)); s = q + nf) {
        memcpy(o, s, (size_t)(q - s));
        o += q - s;
        memcpy(o, to, nt);
        o += nt;
    }
    strcpy(o, s);
    return out;
}

/* The same model with its tensors stored other ways: each is a program of
 * its own (an intermediate's format is part of the meaning), and the two
 * evaluators must agree on every one. */
static const struct {
    const char *from, *to;
} variants[] = {
    {NULL, NULL},           {": csr", ": csc"},  {": csr", ": dcsr"},
    {": csr", ": cc:1,0"},  {": csr", ": bcsr(2)"}, {": dense", ": sparse"},
};

static const double densities[] = {0, 0.15, 0.5, 1};

typedef struct tally {
    int runs, skipped;
} tally;

static void model_cross(const char *path, const char *text, tally *tl)
{
    for (size_t v = 0; v < sizeof variants / sizeof *variants; v++) {
        char *t = variants[v].from ? replace(text, variants[v].from, variants[v].to)
                                   : strdup(text);
        if (v && !strcmp(t, text)) { /* the model has no such format */
            free(t);
            continue;
        }
        ff_ir_program *p = NULL;
        ff_err err = {0};
        if (ff_ir_parse(path, t, &p, &err) != 0) fail_msg("%s", err.msg);
        for (uint64_t seed = 1; seed <= 2; seed++)
            for (size_t di = 0; di < sizeof densities / sizeof *densities; di++)
                for (uint32_t base = 1; base <= 9; base += 4) {
                    uint32_t *sizes = calloc((size_t)p->nsizes + 1, sizeof *sizes);
                    /* different sizes for different symbols, so that a slot
                     * mixed up with another shows */
                    for (int s = 0; s < p->nsizes; s++)
                        sizes[s] = p->sizes[s].literal ? 0 : base + (uint32_t)((s * 5 + seed) % 3);
                    ff_tensor **in = calloc((size_t)p->ntensors + 1, sizeof *in);
                    if (ff_ir_random_inputs(p, seed * 7919 + di, densities[di], sizes, in, &err))
                        fail_msg("%s: %s", path, err.msg);
                    char what[1600];
                    snprintf(what, sizeof what, "%s [%s -> %s] seed %d density %g sizes from %u",
                             path, variants[v].from ? variants[v].from : "as written",
                             variants[v].to ? variants[v].to : "", (int)seed, densities[di], base);
                    tl->skipped += cross(p, in, what);
                    tl->runs++;
                    for (int x = 0; x < p->ntensors; x++) ff_tensor_free(in[x]);
                    free(in);
                    free(sizes);
                }
        ff_ir_free(p);
        free(t);
    }
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void dir_cross(const char *dir, tally *tl, int *nmodels)
{
    DIR *d = opendir(dir);
    if (!d) fail_msg("cannot open %s", dir);
    char *names[128];
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) && n < 128;) {
        size_t len = strlen(e->d_name);
        if (len > 3 && !strcmp(e->d_name + len - 3, ".ff")) names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, by_name);
    for (int i = 0; i < n; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        char *text = slurp(path);
        model_cross(path, text, tl);
        free(text);
        free(names[i]);
    }
    *nmodels += n;
}

static void every_model_matches_the_dense_interpreter(void **state)
{
    (void)state;
    tally tl = {0};
    int nmodels = 0;
    dir_cross(FF_SOURCE_DIR "/examples", &tl, &nmodels);
    dir_cross(FF_SOURCE_DIR "/bench/apps", &tl, &nmodels);
    print_message("%d models, %d runs, %d beyond the dense interpreter's limits\n", nmodels,
                  tl.runs, tl.skipped);
    assert_true(nmodels >= 18);
    assert_true(tl.skipped * 10 < tl.runs); /* the check compared something */
}

/* ---- hand cases ---- */

static ff_ir_program *prog(const char *text)
{
    ff_ir_program *p = NULL;
    ff_err err = {0};
    if (ff_ir_parse("k.ff", text, &p, &err) != 0) fail_msg("%s", err.msg);
    return p;
}

static int tid(const ff_ir_program *p, const char *name)
{
    for (int t = 0; t < p->ntensors; t++)
        if (!strcmp(p->tensors[t].name, name)) return t;
    fail_msg("no tensor %s", name);
    return -1;
}

static ff_tensor *coo(const char *name, int order, const uint32_t *dims, const char *fmt,
                      size_t n, const uint32_t *crd, const ff_fx *vals)
{
    ff_format f;
    ff_err err = {0};
    if (ff_format_parse(fmt, order, &f, &err) != 0) fail_msg("%s", err.msg);
    ff_tensor *t = NULL;
    if (ff_tensor_from_coo(name, order, dims, &f, F16, n, crd, vals, &t, &err) != 0)
        fail_msg("%s", err.msg);
    return t;
}

/* A 5 x 5 matrix: row 1 empty, row 3 with one entry, an explicit stored
 * zero at (2,2), negative entries so that max and softmax see signs. */
static ff_tensor *corner_matrix(const char *name, const char *fmt)
{
    static const uint32_t crd[] = {0, 0, 0, 3, 2, 0, 2, 2, 2, 4, 3, 1, 4, 0, 4, 4};
    static const ff_fx val[] = {ONE, -2 * ONE, ONE / 2, 0, -ONE / 4, 3 * ONE, -ONE, ONE / 8};
    uint32_t dims[2] = {5, 5};
    return coo(name, 2, dims, fmt, 8, crd, val);
}

/* x: entries at 0, 2, 3 only (a sparse vector; rows of A meet it or not). */
static ff_tensor *corner_vector(const char *name, const char *fmt)
{
    static const uint32_t crd[] = {0, 2, 3};
    static const ff_fx val[] = {ONE, -3 * ONE, ONE / 2};
    uint32_t n = 5;
    return coo(name, 1, &n, fmt, 3, crd, val);
}

/* Runs text on the corner inputs (A, B: corner matrices in fa / fb, x: the
 * corner vector, M: A's pattern moved, anything else random) through both
 * evaluators; returns the sparse results for hand checks (caller frees). */
static ff_tensor **corner_run(const char *text, const char *fa, const char *fb, ff_ir_program **pp)
{
    ff_ir_program *p = prog(text);
    ff_tensor **in = calloc((size_t)p->ntensors + 1, sizeof *in);
    for (int t = 0; t < p->ntensors; t++) {
        if (p->tensors[t].role != FF_IR_INPUT) continue;
        const char *n = p->tensors[t].name;
        if (!strcmp(n, "A")) in[t] = corner_matrix(n, fa);
        else if (!strcmp(n, "B")) in[t] = corner_matrix(n, fb);
        else if (!strcmp(n, "x")) in[t] = corner_vector(n, "sparse");
        else if (!strcmp(n, "M")) {
            static const uint32_t crd[] = {0, 0, 1, 1, 2, 2, 2, 3, 4, 4};
            static const ff_fx val[] = {ONE, ONE, 0, ONE, ONE};
            uint32_t dims[2] = {5, 5};
            in[t] = coo(n, 2, dims, "csr", 5, crd, val);
        }
    }
    uint32_t sizes[16] = {0};
    ff_err err = {0};
    if (ff_ir_random_inputs(p, 3, 0.5, sizes, in, &err)) fail_msg("%s", err.msg);
    cross(p, in, text);
    ff_tensor **out = calloc((size_t)p->ntensors + 1, sizeof *out);
    if (ff_ir_interpret(p, (const ff_tensor *const *)in, out, &err)) fail_msg("%s", err.msg);
    for (int t = 0; t < p->ntensors; t++) ff_tensor_free(in[t]);
    free(in);
    *pp = p;
    return out;
}

static void corner_free(ff_ir_program *p, ff_tensor **out)
{
    for (int t = 0; t < p->ntensors; t++) ff_tensor_free(out[t]);
    free(out);
    ff_ir_free(p);
}

/* The stored entry at (i, j) of a matrix: returns whether it is stored. */
typedef struct find_ctx {
    uint32_t c[2];
    int order, found;
    ff_fx v;
} find_ctx;

static int find_visit(void *ctx, const uint32_t *c, ff_fx v)
{
    find_ctx *f = ctx;
    for (int m = 0; m < f->order; m++)
        if (c[m] != f->c[m]) return 0;
    f->found = 1;
    f->v = v;
    return 1;
}

static int stored(const ff_tensor *t, uint32_t i, uint32_t j, ff_fx *v)
{
    find_ctx f = {{i, j}, t->order, 0, 0};
    ff_tensor_foreach(t, find_visit, &f);
    if (f.found && v) *v = f.v;
    return f.found;
}

static const char *const corner_formats[] = {"csr", "csc", "dcsr", "cc:1,0", "dense",
                                             "bcsr(2)", "dd:1,0"};
#define NFORMATS (sizeof corner_formats / sizeof *corner_formats)
/* The first NPLAIN store exactly the entries given (a dense format stores
 * every coordinate, a blocked one the zeros of its stored blocks). */
#define NPLAIN 4

/* Stored zeros are present (exp(0) = 1 there), empty rows stay empty. */
static void stored_zeros_and_empty_rows(void **state)
{
    (void)state;
    for (size_t f = 0; f < NFORMATS; f++) {
        ff_ir_program *p;
        ff_tensor **out = corner_run("tensor A[N, N] : csr\nE[i,j] = exp(A[i,j])\n"
                                     "P[i,j] = softmax[j](A[i,j])\nL[i,j] = layernorm[j](A[i,j])\n"
                                     "r[i] = sum[j](A[i,j])\n",
                                     corner_formats[f], "csr", &p);
        const ff_tensor *E = out[tid(p, "E")], *P = out[tid(p, "P")], *r = out[tid(p, "r")];
        ff_fx v;
        assert_true(stored(E, 2, 2, &v));
        assert_int_equal(v, ONE); /* exp of the stored zero */
        if (f < NPLAIN) {
            assert_false(stored(E, 1, 0, NULL)); /* row 1 has nothing */
            assert_false(stored(P, 1, 3, NULL));
            assert_false(stored(r, 1, 0, NULL));
            assert_true(stored(P, 3, 1, &v));
            assert_int_equal(v, ONE); /* a one-entry fiber */
        }
        corner_free(p, out);
    }
}

/* A - A is a computed zero wherever A stores something: stored, and a later
 * softmax normalises over it. */
static void computed_zeros_are_stored(void **state)
{
    (void)state;
    for (size_t f = 0; f < NFORMATS; f++) {
        ff_ir_program *p;
        ff_tensor **out = corner_run("tensor A[N, N] : csr\nZ[i,j] = A[i,j] - A[i,j]\n"
                                     "P[i,j] = softmax[j](Z[i,j])\n",
                                     corner_formats[f], "csr", &p);
        const ff_tensor *Z = out[tid(p, "Z")], *P = out[tid(p, "P")];
        ff_fx v;
        assert_true(stored(Z, 0, 0, &v));
        assert_int_equal(v, 0);
        if (f < NPLAIN) {
            assert_true(stored(P, 0, 3, &v)); /* row 0 stores 2 entries */
            assert_int_equal(v, ONE / 2);
        }
        corner_free(p, out);
    }
}

/* mask(M, e): M's support; 0 where e is absent, even under exp. */
static void masks_over_absent_values(void **state)
{
    (void)state;
    for (size_t f = 0; f < NFORMATS; f++) {
        ff_ir_program *p;
        ff_tensor **out = corner_run(
            "tensor A[N, N] : csr\ntensor M[N, N] : csr\nS[i,j] = mask(M[i,j], exp(A[i,j]))\n"
            "T[i,j] = mask(M[i,j], A[i,j] + 1) * 2\nU[i,j] = A[i,j] * mask(M[i,j], 3)\n",
            corner_formats[f], "csr", &p);
        const ff_tensor *S = out[tid(p, "S")];
        ff_fx v;
        if (f < NPLAIN) {
            assert_true(stored(S, 1, 1, &v)); /* M has (1,1), A has nothing there */
            assert_int_equal(v, 0);
        }
        assert_true(stored(S, 2, 2, &v)); /* A's stored zero: exp(0) */
        assert_int_equal(v, ONE);
        assert_false(stored(S, 0, 3, NULL)); /* A has it, M does not */
        corner_free(p, out);
    }
}

/* max[k] over fibers that are partly empty, or whose intersection is. */
static void max_over_partly_empty_fibers(void **state)
{
    (void)state;
    for (size_t f = 0; f < NFORMATS; f++) {
        ff_ir_program *p;
        ff_tensor **out = corner_run("tensor A[N, N] : csr\ntensor x[N] : sparse\n"
                                     "m[i] = max[k](A[i,k] * x[k])\nn[i] = max[k](A[i,k])\n"
                                     "q[i] = max[k](A[i,k] + x[k])\n",
                                     corner_formats[f], "csr", &p);
        const ff_tensor *m = out[tid(p, "m")], *n = out[tid(p, "n")];
        ff_fx v;
        if (f < NPLAIN) {
            assert_false(stored(m, 1, 0, NULL)); /* empty row */
            assert_false(stored(m, 3, 0, NULL)); /* row 3 meets x nowhere */
            assert_true(stored(n, 4, 0, &v));
            assert_int_equal(v, ONE / 8); /* -1 and 1/8 */
        }
        assert_true(stored(m, 2, 0, &v)); /* (2,0)*x0 = 1/2, (2,2)*x2 = 0 */
        assert_int_equal(v, ONE / 2);
        corner_free(p, out);
    }
}

/* Operands walked against their storage: a transposed access, a broadcast
 * vector, products over every pair of formats, a sum accumulated below its
 * index (Gustavson) and above it. */
static void transposes_broadcasts_and_products(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "tensor A[N, N] : csr\ntensor B[N, N] : csr\nC[i,j] = A[i,j] + B[j,i]\n",
        "tensor A[N, N] : csr\ntensor B[N, N] : csr\nC[i,j] = A[i,j] * B[j,i] - A[i,j]\n",
        "tensor A[N, N] : csr\ntensor B[N, N] : csr\nC[i,j] = A[i,k] * B[k,j]\n",
        "tensor A[N, N] : csr\ntensor B[N, N] : csr\nC[i,j] = max[k](A[i,k] * B[k,j])\n",
        "tensor A[N, N] : csr\ntensor B[N, N] : csr\ntensor C[N, N] : dd:1,0\n"
        "C[i,j] = A[i,k] * B[k,j]\nD[i,j] = C[i,j] + A[j,i]\n",
        "tensor A[N, N] : csr\ntensor x[N] : sparse\nC[i,j] = A[i,j] + x[j]\n"
        "D[i,j] = A[i,j] * x[i] + x[j]\n",
        "tensor A[N, N] : csr\ntensor B[N, N] : csr\n"
        "s = A[i,k] * B[k,i]\nt = sum[i](sum[k](A[i,k]) * 2) + s\ny[i] = A[i,j] * t\n",
        "tensor A[N, N] : csr\ntensor x[N] : sparse\ns = sum[i](x[i] * 0)\ny[i] = x[i] + s\n"
        "z[j] = A[i,j] * x[i]\n",
        "tensor A[N, N] : csr\ntensor B[N, N] : csr\n"
        "T[i,j,k] = mask(A[i,j], B[j,k] + 1)\nC[i,k] = sum[j](T[i,j,k]) - B[i,k]\n",
        "tensor A[N, N] : csr\nC[i,j] = relu(gelu(A[i,j]) - sqrt(A[i,j])) / rsqrt(A[i,j] + 1)\n"
        "D[i,j] = min(A[i,j], -A[i,j]) + max(A[j,i], 0.5)\n",
    };
    for (size_t q = 0; q < sizeof texts / sizeof *texts; q++)
        for (size_t f = 0; f < NFORMATS; f++)
            for (size_t g = 0; g < NFORMATS; g += 2) {
                ff_ir_program *p;
                ff_tensor **out = corner_run(texts[q], corner_formats[f], corner_formats[g], &p);
                corner_free(p, out);
            }
}

/* A 3-tensor in every level order, against dense and sparse factors. */
static void three_tensor_in_every_level_order(void **state)
{
    (void)state;
    static const char *const orders[] = {"ccc", "ccc:0,2,1", "ccc:1,0,2", "ccc:1,2,0",
                                         "cdc:2,0,1", "dcc:2,1,0", "ddd:1,2,0"};
    for (size_t o = 0; o < sizeof orders / sizeof *orders; o++)
        for (uint64_t seed = 1; seed <= 3; seed++) {
            char text[512];
            snprintf(text, sizeof text,
                     "tensor B[I, K, L] : %s\ntensor C[K, R] : dense\ntensor D[L, R] : csc\n"
                     "A[i,j] = B[i,k,l] * C[k,j] * D[l,j]\nE[i,k] = softmax[l](B[i,k,l])\n"
                     "G[l,i] = max[k](B[i,k,l]) + layernorm[i](sum[k](B[i,k,l]))\n",
                     orders[o]);
            ff_ir_program *p = prog(text);
            ff_tensor **in = calloc((size_t)p->ntensors + 1, sizeof *in);
            uint32_t sizes[16] = {0};
            for (int s = 0; s < p->nsizes; s++) sizes[s] = 4 + (uint32_t)s;
            ff_err err = {0};
            if (ff_ir_random_inputs(p, seed, 0.3, sizes, in, &err)) fail_msg("%s", err.msg);
            cross(p, in, text);
            for (int t = 0; t < p->ntensors; t++) ff_tensor_free(in[t]);
            free(in);
            ff_ir_free(p);
        }
}

/* ---- scale and limits ---- */

typedef struct entries {
    uint32_t *c;
    ff_fx *v;
    size_t n, cap;
} entries;

static int collect(void *ctx, const uint32_t *c, ff_fx v)
{
    entries *e = ctx;
    if (e->n == e->cap) {
        e->cap = e->cap ? 2 * e->cap : 1024;
        e->c = realloc(e->c, sizeof(uint32_t) * 2 * e->cap);
        e->v = realloc(e->v, sizeof(ff_fx) * e->cap);
    }
    e->c[e->n * 2] = c[0];
    e->c[e->n * 2 + 1] = c[1];
    e->v[e->n++] = v;
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* SpMV, SpMM and SDDMM at 70000 x 70000 -- beyond the dense interpreter's
 * limits -- against loops over the stored entries. */
static void beyond_the_dense_limits(void **state)
{
    (void)state;
    ff_ir_program *p = prog("tensor A[N, N] : csr\ntensor x[N] : dense\ny[i] = A[i,k] * x[k]\n"
                            "tensor B[N, N] : csr\nC[i,j] = A[i,k] * B[k,j]\n"
                            "S[i,j] = A[i,j] * x[i] * x[j]\n");
    ff_tensor *in[8] = {0}, *out[8] = {0};
    uint32_t sizes[4] = {70000};
    ff_err err = {0};
    if (ff_ir_random_inputs(p, 5, 2e-5, sizes, in, &err)) fail_msg("%s", err.msg);
    assert_int_equal(ff_ir_interpret_dense(p, (const ff_tensor *const *)in, out, &err),
                     FF_EINVAL);
    assert_non_null(strstr(err.msg, "the interpreter's limit"));
    if (ff_ir_interpret(p, (const ff_tensor *const *)in, out, &err)) fail_msg("%s", err.msg);
    const ff_tensor *A = in[tid(p, "A")], *x = in[tid(p, "x")], *B = in[tid(p, "B")];
    const ff_tensor *y = out[tid(p, "y")], *C = out[tid(p, "C")];
    const ff_level *ac = &A->lvl[1], *bc = &B->lvl[1];
    size_t ny = 0, nc = 0;
    ff_fx *acc = calloc(70000, sizeof *acc);
    uint8_t *has = calloc(70000, 1);
    entries got = {0};
    ff_tensor_foreach(C, collect, &got);
    for (uint32_t i = 0; i < 70000; i++) {
        ff_fx s = 0;
        uint32_t row[4096], nrow = 0;
        for (uint32_t q = ac->seg[i]; q < ac->seg[i + 1]; q++) {
            ff_fx t = ff_fx_mul(A->vals[q], x->vals[ac->crd[q]], F16);
            s = q == ac->seg[i] ? t : ff_fx_add(s, t);
            /* Gustavson: row k of B scaled into row i, terms in increasing k */
            uint32_t k = ac->crd[q];
            for (uint32_t r = bc->seg[k]; r < bc->seg[k + 1]; r++) {
                uint32_t j = bc->crd[r];
                ff_fx u = ff_fx_mul(A->vals[q], B->vals[r], F16);
                if (!has[j]) row[nrow++] = j;
                acc[j] = has[j] ? ff_fx_add(acc[j], u) : u;
                has[j] = 1;
            }
        }
        if (ac->seg[i + 1] > ac->seg[i]) {
            assert_int_equal(y->lvl[0].crd[ny], i);
            assert_int_equal(y->vals[ny], s);
            ny++;
        }
        qsort(row, nrow, sizeof *row, cmp_u32);
        for (uint32_t q = 0; q < nrow; q++, nc++) {
            assert_true(nc < got.n);
            assert_int_equal(got.c[nc * 2], i);
            assert_int_equal(got.c[nc * 2 + 1], row[q]);
            assert_int_equal(got.v[nc], acc[row[q]]);
            has[row[q]] = 0;
        }
    }
    free(got.c);
    free(got.v);
    assert_int_equal(y->nvals, ny);
    assert_int_equal(C->nvals, nc);
    free(acc);
    free(has);
    for (int t = 0; t < 8; t++) {
        ff_tensor_free(in[t]);
        ff_tensor_free(out[t]);
    }
    ff_ir_free(p);
}

/* The sparse evaluator's own limits name the node and leave no results. */
static void sparse_limits_are_errors(void **state)
{
    (void)state;
    ff_ir_program *p = prog("tensor A[N, N] : csr\ntensor C[N, N] : dense\nC[i,j] = A[i,j]\n");
    ff_tensor *in[4] = {0}, *out[4] = {0};
    uint32_t sizes[4] = {70000};
    ff_err err = {0};
    if (ff_ir_random_inputs(p, 5, 1e-6, sizes, in, &err)) fail_msg("%s", err.msg);
    assert_int_equal(ff_ir_interpret(p, (const ff_tensor *const *)in, out, &err), FF_EINVAL);
    assert_string_equal(err.msg, "k.ff:3:1: C (dense) would store more than 2^30 entries, the "
                                 "interpreter's limit");
    for (int t = 0; t < 4; t++) assert_null(out[t]);
    ff_tensor_free(in[0]);
    ff_ir_free(p);
}

/* The float64 evaluation beside --check: exact operations give 0; a
 * division, an exp and a saturating sum give the error their rounding or
 * saturation makes, found by hand; a support one side lacks counts as 0. */
static void real_error_measures_the_rounding(void **state)
{
    (void)state;
    ff_ir_program *p = prog("tensor A[N,K] : csr\ntensor x[K] : dense\n"
                            "y[i] = A[i,k] * x[k]\nz[i] = y[i] / 3\n");
    ff_err err = {0};
    assert_int_equal(ff_ir_place_reductions(p, &err), 0);
    /* A = [[1, 2], [20000, 20000]] (row 1 sums past 32767), x = [1, 1] */
    static const uint32_t crd[] = {0, 0, 0, 1, 1, 0, 1, 1};
    static const ff_fx av[] = {ONE, 2 * ONE, 20000 * ONE, 20000 * ONE};
    uint32_t dims[2] = {2, 2};
    ff_tensor **in = calloc((size_t)p->ntensors + 1, sizeof *in);
    in[tid(p, "A")] = coo("A", 2, dims, "csr", 4, crd, av);
    static const uint32_t xc[] = {0, 1};
    static const ff_fx xv[] = {ONE, ONE};
    in[tid(p, "x")] = coo("x", 1, &dims[1], "dense", 2, xc, xv);
    ff_tensor **res = calloc((size_t)p->ntensors + 1, sizeof *res);
    assert_int_equal(ff_ir_interpret(p, (const ff_tensor *const *)in, res, &err), 0);
    for (int t = 0; t < p->ntensors; t++)
        if (in[t]) res[t] = in[t];
    ff_ir_error e;
    assert_int_equal(ff_ir_real_error(p, (const ff_tensor *const *)in, res, &e, &err), 0);
    assert_int_equal(e.compared, 4); /* y, z: two entries each */
    /* y(1) = 40000 saturates to 32768 - 2^-16: the largest error, exactly */
    assert_true(fabs(e.max_abs - (40000 - (32768 - 1.0 / 65536))) < 1e-9);
    assert_non_null(strstr(e.abs_at, "y(1): got 32768, float64 40000"));
    /* z(0) = 3/3 is exact, so only the saturated row is off: z(1)
     * inherits its error (relative 0.18 for y and z) */
    assert_true(e.max_rel > 0.18 && e.max_rel < 0.19);
    for (int t = 0; t < p->ntensors; t++) {
        if (!in[t]) ff_tensor_free(res[t]);
        ff_tensor_free(in[t]);
    }
    free(res);
    free(in);
    ff_ir_free(p);
    /* no saturation: 1 / 3 rounds to 21845 ulps, off by 1/3 ulp */
    p = prog("tensor x[K] : dense\nz[k] = x[k] / 3\n");
    assert_int_equal(ff_ir_place_reductions(p, &err), 0);
    in = calloc((size_t)p->ntensors + 1, sizeof *in);
    uint32_t n = 1;
    static const uint32_t c0[] = {0};
    static const ff_fx one[] = {ONE};
    in[tid(p, "x")] = coo("x", 1, &n, "dense", 1, c0, one);
    res = calloc((size_t)p->ntensors + 1, sizeof *res);
    assert_int_equal(ff_ir_interpret(p, (const ff_tensor *const *)in, res, &err), 0);
    assert_int_equal(ff_ir_real_error(p, (const ff_tensor *const *)in, res, &e, &err), 0);
    assert_int_equal(e.compared, 1);
    assert_true(fabs(e.max_abs - fabs(21845.0 / 65536 - 1.0 / 3)) < 1e-12);
    for (int t = 0; t < p->ntensors; t++) {
        ff_tensor_free(res[t]);
        ff_tensor_free(in[t]);
    }
    free(res);
    free(in);
    ff_ir_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_model_matches_the_dense_interpreter),
        cmocka_unit_test(stored_zeros_and_empty_rows),
        cmocka_unit_test(computed_zeros_are_stored),
        cmocka_unit_test(masks_over_absent_values),
        cmocka_unit_test(max_over_partly_empty_fibers),
        cmocka_unit_test(transposes_broadcasts_and_products),
        cmocka_unit_test(three_tensor_in_every_level_order),
        cmocka_unit_test(beyond_the_dense_limits),
        cmocka_unit_test(sparse_limits_are_errors),
        cmocka_unit_test(real_error_measures_the_rounding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
