/*
 * test_ir.c -- the model-language front end (compiler/ir): every example
 * parses, checks, prints and reads back to an equal program before and
 * after reduction placement; the IR the parser builds; lexical rules and
 * constants; precedence through print round trips; where implicit
 * reductions go; every error message with its line and column; equality and
 * the IR verifier. The interpreter is tested in test_ir_interp.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dirent.h>

#include <cmocka.h>

#include "ff_ir.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define EXAMPLES FF_SOURCE_DIR "/examples"

static ff_ir_program *parse_ok(const char *text)
{
    ff_ir_program *p = NULL;
    ff_err err = {0};
    if (ff_ir_parse("t.ff", text, &p, &err) != 0) fail_msg("parse failed: %s\n%s", err.msg, text);
    if (ff_ir_verify(p, &err) != 0) fail_msg("verify failed: %s\n%s", err.msg, text);
    return p;
}

/* Prints p, reads it back, and checks the two are equal; returns the text
 * (caller frees). */
static char *round_trip(const ff_ir_program *p)
{
    char *text = ff_ir_print_string(p);
    ff_ir_program *q = NULL;
    ff_err err = {0};
    if (ff_ir_parse("printed.ff", text, &q, &err) != 0)
        fail_msg("printed text does not parse: %s\n%s", err.msg, text);
    if (!ff_ir_equal(p, q)) fail_msg("printed text reads back to a different program:\n%s", text);
    if (!ff_ir_equal(q, p)) fail_msg("equality is not symmetric:\n%s", text);
    ff_ir_free(q);
    return text;
}

/* The text of the last statement of p as printed. */
static char *last_stmt_text(const ff_ir_program *p)
{
    char *text = ff_ir_print_string(p);
    size_t n = strlen(text);
    while (n > 0 && text[n - 1] == '\n') text[--n] = '\0';
    char *nl = strrchr(text, '\n');
    char *s = strdup(nl ? nl + 1 : text);
    free(text);
    return s;
}

/* ---- the examples ---- */

static const char *const required_examples[] = {
    "spmv.ff", "spmm.ff", "sddmm.ff", "add.ff", "mul.ff", "transpose.ff", "residual.ff",
    "mttkrp.ff", "bias.ff", "relu.ff", "softmax.ff", "layernorm.ff", "attention.ff", "windows.ff",
};

/* Every *.ff file in examples/, sorted, NULL-terminated (caller frees). */
static char **example_files(int *n)
{
    DIR *d = opendir(EXAMPLES);
    assert_non_null(d);
    char **names = calloc(256, sizeof *names);
    *n = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        size_t len = strlen(ent->d_name);
        if (len > 3 && strcmp(ent->d_name + len - 3, ".ff") == 0 && *n < 255)
            names[(*n)++] = strdup(ent->d_name);
    }
    closedir(d);
    for (int i = 0; i < *n; i++)
        for (int j = i + 1; j < *n; j++)
            if (strcmp(names[j], names[i]) < 0) {
                char *t = names[i];
                names[i] = names[j];
                names[j] = t;
            }
    return names;
}

static void free_names(char **names, int n)
{
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
}

static void examples_are_all_there(void **state)
{
    (void)state;
    int n;
    char **names = example_files(&n);
    for (size_t r = 0; r < NELEM(required_examples); r++) {
        int found = 0;
        for (int i = 0; i < n; i++) found |= strcmp(names[i], required_examples[r]) == 0;
        if (!found) fail_msg("examples/%s is missing", required_examples[r]);
    }
    /* each starts with a header comment saying what it computes */
    for (int i = 0; i < n; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", EXAMPLES, names[i]);
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        char line[256] = "";
        assert_non_null(fgets(line, sizeof line, f));
        fclose(f);
        if (line[0] != '#') fail_msg("%s does not start with a comment", names[i]);
    }
    free_names(names, n);
}

static void examples_parse_check_and_round_trip(void **state)
{
    (void)state;
    int n;
    char **names = example_files(&n);
    for (int i = 0; i < n; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", EXAMPLES, names[i]);
        ff_ir_program *p = NULL;
        ff_err err = {0};
        if (ff_ir_parse(path, NULL, &p, &err) != 0) fail_msg("%s", err.msg);
        if (ff_ir_verify(p, &err) != 0) fail_msg("%s: %s", names[i], err.msg);
        assert_true(p->nstmts >= 1);
        free(round_trip(p));
        assert_int_equal(ff_ir_place_reductions(p, &err), 0);
        if (ff_ir_verify(p, &err) != 0) fail_msg("%s after placement: %s", names[i], err.msg);
        /* placed: every statement's right side is indexed by exactly its left */
        for (int s = 0; s < p->nstmts; s++) {
            int idx[64];
            int k = ff_ir_expr_indices(p->stmts[s].rhs, idx);
            assert_int_equal(k, p->stmts[s].nlhs);
        }
        char *once = round_trip(p);
        assert_int_equal(ff_ir_place_reductions(p, &err), 0); /* idempotent */
        char *twice = round_trip(p);
        assert_string_equal(once, twice);
        free(once);
        free(twice);

        /* random inputs, interpreted */
        ff_tensor **in = calloc((size_t)p->ntensors, sizeof *in);
        ff_tensor **out = calloc((size_t)p->ntensors, sizeof *out);
        uint32_t *sizes = calloc((size_t)p->nsizes, sizeof *sizes);
        if (ff_ir_random_inputs(p, 7, 0.3, sizes, in, &err) != 0)
            fail_msg("%s: %s", names[i], err.msg);
        if (ff_ir_interpret(p, (const ff_tensor *const *)in, out, &err) != 0)
            fail_msg("%s: %s", names[i], err.msg);
        for (int t = 0; t < p->ntensors; t++) {
            if (p->tensors[t].role == FF_IR_INPUT) assert_null(out[t]);
            else assert_non_null(out[t]);
            ff_tensor_free(in[t]);
            ff_tensor_free(out[t]);
        }
        free(in);
        free(out);
        free(sizes);
        ff_ir_free(p);
    }
    free_names(names, n);
}

static void parsing_is_fast(void **state)
{
    (void)state;
    int n;
    char **names = example_files(&n);
    char *texts[256];
    for (int i = 0; i < n; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", EXAMPLES, names[i]);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        texts[i] = calloc(1, 1 << 16);
        size_t len = fread(texts[i], 1, (1 << 16) - 1, f);
        texts[i][len] = '\0';
        fclose(f);
    }
    clock_t t0 = clock();
    int reps = 100;
    for (int r = 0; r < reps; r++)
        for (int i = 0; i < n; i++) {
            ff_ir_program *p = NULL;
            ff_err err = {0};
            assert_int_equal(ff_ir_parse(names[i], texts[i], &p, &err), 0);
            ff_ir_free(p);
        }
    double per = (double)(clock() - t0) / CLOCKS_PER_SEC / reps / n;
    /* an example takes microseconds; a millisecond leaves room for sanitisers */
    if (per > 1e-3) fail_msg("parsing an example takes %.3f ms", per * 1e3);
    for (int i = 0; i < n; i++) free(texts[i]);
    free_names(names, n);
}

/* ---- what the parser builds ---- */

static void parse_builds_the_program(void **state)
{
    (void)state;
    ff_ir_program *p = parse_ok("# SpMV\n"
                                "tensor A[N, K] : csr\n"
                                "tensor x[K]\n"
                                "y[i] = A[i,k] * x[k]\n");
    assert_string_equal(p->path, "t.ff");
    assert_int_equal(p->frac_bits, 16);
    assert_int_equal(p->ntensors, 3);
    const ff_ir_tensor *A = &p->tensors[0], *x = &p->tensors[1], *y = &p->tensors[2];
    assert_string_equal(A->name, "A");
    assert_int_equal(A->order, 2);
    assert_string_equal(A->format_text, "csr");
    assert_int_equal(A->fmt.nlevels, 2);
    assert_int_equal(A->fmt.lv[0].fmt, FF_LVL_DENSE);
    assert_int_equal(A->fmt.lv[1].fmt, FF_LVL_COMPRESSED);
    assert_int_equal(A->role, FF_IR_INPUT);
    assert_true(A->declared);
    assert_int_equal(A->pos.line, 2);
    assert_int_equal(A->pos.col, 8);
    assert_string_equal(x->format_text, "dense"); /* no format: dense */
    assert_string_equal(y->name, "y");
    assert_false(y->declared);
    assert_int_equal(y->role, FF_IR_OUTPUT);
    assert_string_equal(y->format_text, "sparse"); /* computed from a csr tensor */

    assert_int_equal(p->nsizes, 2);
    assert_string_equal(p->sizes[0].name, "N");
    assert_int_equal(p->sizes[0].literal, 0);
    assert_int_equal(p->sizes[0].from_tensor, 0);
    assert_int_equal(p->sizes[0].from_mode, 0);
    assert_string_equal(p->sizes[1].name, "K");
    assert_int_equal(p->sizes[1].from_tensor, 0);
    assert_int_equal(p->sizes[1].from_mode, 1);
    assert_int_equal(A->dims[0], 0);
    assert_int_equal(A->dims[1], 1);
    assert_int_equal(x->dims[0], 1);
    assert_int_equal(y->dims[0], 0);

    assert_int_equal(p->nindices, 2);
    assert_string_equal(p->indices[0].name, "i");
    assert_int_equal(p->indices[0].size, 0);
    assert_string_equal(p->indices[1].name, "k");
    assert_int_equal(p->indices[1].size, 1);

    assert_int_equal(p->nstmts, 1);
    const ff_ir_stmt *s = &p->stmts[0];
    assert_int_equal(s->lhs, 2);
    assert_int_equal(s->nlhs, 1);
    assert_int_equal(s->lhs_idx[0], 0);
    assert_int_equal(s->pos.line, 4);
    assert_int_equal(s->pos.col, 1);
    const ff_ir_expr *e = s->rhs;
    assert_int_equal(e->kind, FF_IR_BINARY);
    assert_int_equal(e->op, FF_ALU_MUL);
    assert_int_equal(e->pos.col, 15); /* the operator */
    assert_int_equal(e->a->kind, FF_IR_ACCESS);
    assert_int_equal(e->a->tensor, 0);
    assert_int_equal(e->a->nidx, 2);
    assert_int_equal(e->a->idx[0], 0);
    assert_int_equal(e->a->idx[1], 1);
    assert_int_equal(e->a->pos.col, 8);
    assert_int_equal(e->b->kind, FF_IR_ACCESS);
    assert_int_equal(e->b->tensor, 1);
    assert_null(e->a->a);

    ff_err err = {0};
    assert_int_equal(ff_ir_place_reductions(p, &err), 0);
    e = p->stmts[0].rhs;
    assert_int_equal(e->kind, FF_IR_REDUCE);
    assert_int_equal(e->op, FF_IR_RED_SUM);
    assert_int_equal(e->index, 1);
    assert_int_equal(e->a->kind, FF_IR_BINARY);
    ff_ir_free(p);
}

static void roles_and_default_formats(void **state)
{
    (void)state;
    ff_ir_program *p = parse_ok("tensor A[N, N] : csr\n"
                                "tensor X[N, F]\n"
                                "tensor W[F, G] : dense\n"
                                "tensor Out[N, G] : csc\n"
                                "XW[i,j] = X[i,k] * W[k,j]\n"        /* dense from dense */
                                "T[i,j] = A[i,k] * XW[k,j]\n"        /* sparse from csr */
                                "Out[i,j] = relu(T[i,j])\n"          /* declared output */
                                "s = sum[i](sum[j](XW[i,j]))\n"      /* order 0, from dense */
                                "tensor U[N, N, N] : cdc:2,0,1\n"
                                "V[i,j,k] = U[i,j,k] * 2\n");        /* sparse from cdc */
    const char *names[] = {"A", "X", "W", "Out", "XW", "T", "s", "U", "V"};
    ff_ir_role roles[] = {FF_IR_INPUT,        FF_IR_INPUT,        FF_IR_INPUT,
                          FF_IR_OUTPUT,       FF_IR_INTERMEDIATE, FF_IR_INTERMEDIATE,
                          FF_IR_OUTPUT,       FF_IR_INPUT,        FF_IR_OUTPUT};
    const char *fmts[] = {"csr", "dense", "dense", "csc", "dense", "sparse", "dense",
                          "cdc:2,0,1", "sparse"};
    assert_int_equal(p->ntensors, 9);
    for (int t = 0; t < 9; t++) {
        assert_string_equal(p->tensors[t].name, names[t]);
        assert_int_equal(p->tensors[t].role, roles[t]);
        assert_string_equal(p->tensors[t].format_text, fmts[t]);
    }
    assert_int_equal(p->tensors[6].order, 0);
    assert_int_equal(p->tensors[8].fmt.nlevels, 3);
    assert_int_equal(p->tensors[8].fmt.lv[2].fmt, FF_LVL_COMPRESSED);
    assert_int_equal(p->tensors[8].fmt.lv[2].mode, 2);
    /* undeclared results are sized by their indices */
    assert_int_equal(p->tensors[4].dims[0], p->tensors[0].dims[0]);
    assert_int_equal(p->tensors[4].dims[1], p->tensors[2].dims[1]);
    /* a size takes its run-time value from the first input that has it */
    for (int s = 0; s < p->nsizes; s++) {
        const ff_ir_size *z = &p->sizes[s];
        if (strcmp(z->name, "G") == 0) {
            assert_int_equal(z->from_tensor, 2);
            assert_int_equal(z->from_mode, 1);
        }
    }
    free(round_trip(p));
    ff_ir_free(p);
}

static void indices_are_scoped_to_their_statement(void **state)
{
    (void)state;
    ff_ir_program *p = parse_ok("tensor A[N, K]\n"
                                "tensor B[M, N]\n"
                                "y[i] = A[i,k]\n"          /* k : K */
                                "z[k] = B[k,i]\n"          /* k : M, i : N */
                                "w[i] = A[i,k] + y[i]\n"); /* k : K again, shares the entry */
    assert_int_equal(p->nindices, 3);
    assert_string_equal(p->indices[0].name, "i");
    assert_string_equal(p->indices[1].name, "k");
    assert_string_equal(p->indices[2].name, "k");
    assert_string_equal(p->sizes[p->indices[1].size].name, "K");
    assert_string_equal(p->sizes[p->indices[2].size].name, "M");
    assert_int_equal(p->stmts[1].lhs_idx[0], 2);
    assert_int_equal(p->stmts[2].rhs->a->idx[1], 1);
    free(round_trip(p));
    ff_ir_free(p);
}

static void literal_sizes(void **state)
{
    (void)state;
    ff_ir_program *p = parse_ok("tensor B[N, 0016] : bcsr(16)\n"
                                "tensor v[16]\n"
                                "y[i] = B[i,k] * v[k]\n");
    assert_int_equal(p->nsizes, 2);
    assert_string_equal(p->sizes[1].name, "16");
    assert_int_equal(p->sizes[1].literal, 16);
    assert_int_equal(p->tensors[0].fmt.nlevels, 4);
    free(round_trip(p));
    ff_ir_free(p);
}

static void lexical_rules(void **state)
{
    (void)state;
    /* comments, blank lines, tabs, CRLF, no final newline, line breaks
     * inside parentheses and brackets */
    ff_ir_program *p = parse_ok("\n# leading comment\n\ttensor A[N,\r\n  K] : csr   # trailing\r\n"
                                "tensor x[K]#no blank before the comment\n"
                                "\n\n"
                                "y[i] = relu(A[i,k] *\n"
                                "           x[k]) # done\n"
                                "z[i] = (y[i]\n"
                                "        + 1)");
    assert_int_equal(p->ntensors, 4);
    assert_int_equal(p->nstmts, 2);
    assert_int_equal(p->stmts[1].pos.line, 10);
    assert_int_equal(p->stmts[1].rhs->pos.line, 11); /* the "+" */
    assert_int_equal(p->stmts[1].rhs->pos.col, 9);
    ff_ir_free(p);

    p = parse_ok(""); /* an empty program */
    assert_int_equal(p->ntensors, 0);
    assert_int_equal(p->nstmts, 0);
    char *text = round_trip(p);
    assert_string_equal(text, "");
    free(text);
    ff_ir_free(p);

    p = parse_ok("tensor s\ntensor t[] : dense\nu = s * t[] + 1\n"); /* order 0 */
    assert_int_equal(p->tensors[0].order, 0);
    assert_int_equal(p->tensors[1].order, 0);
    text = round_trip(p);
    assert_string_equal(text, "tensor s : dense\ntensor t : dense\ntensor u : dense\n\n"
                              "u = s * t + 1\n");
    free(text);
    ff_ir_free(p);
}

static void constants_and_scalars(void **state)
{
    (void)state;
    ff_ir_program *p = parse_ok("tensor x[N]\n"
                                "scalar alpha = 0.125\n"
                                "scalar neg = -2.5e-1\n"
                                "a[i] = x[i] * alpha\n"
                                "b[i] = x[i] * -alpha\n"
                                "c[i] = x[i] * neg - -1\n"
                                "d[i] = x[i] * -(alpha)\n"
                                "e[i] = x[i] * 0.1\n"
                                "f[i] = x[i] * 32767.99998 + -32768\n"
                                "g[i] = x[i] * .5e1 + 0.00000762939453125\n"
                                "h[i] = - - x[i] * - - 3\n");
    const ff_ir_stmt *s = p->stmts;
    assert_int_equal(s[0].rhs->b->kind, FF_IR_CONST);
    assert_int_equal(s[0].rhs->b->value, 8192);
    assert_int_equal(s[1].rhs->b->kind, FF_IR_CONST); /* -alpha folds */
    assert_int_equal(s[1].rhs->b->value, -8192);
    assert_int_equal(s[2].rhs->a->b->value, -16384);
    assert_int_equal(s[2].rhs->b->value, -65536);
    assert_int_equal(s[3].rhs->b->kind, FF_IR_UNARY); /* -(alpha) stays a negation */
    assert_int_equal(s[3].rhs->b->op, FF_ALU_NEG);
    assert_int_equal(s[3].rhs->b->a->value, 8192);
    assert_int_equal(s[4].rhs->b->value, 6554); /* 0.1 rounds to nearest */
    assert_int_equal(s[5].rhs->a->b->value, FF_FX_MAX);
    assert_int_equal(s[5].rhs->b->value, FF_FX_MIN);
    assert_int_equal(s[6].rhs->a->b->value, 5 << 16);
    assert_int_equal(s[6].rhs->b->value, 0); /* half an ulp: ties to even */
    assert_int_equal(s[7].rhs->b->value, 3 << 16);
    assert_int_equal(s[7].rhs->a->kind, FF_IR_UNARY);
    assert_int_equal(s[7].rhs->a->a->kind, FF_IR_UNARY);
    char *text = round_trip(p);
    assert_non_null(strstr(text, "a[i] = x[i] * 0.125\n"));
    assert_non_null(strstr(text, "b[i] = x[i] * -0.125\n"));
    assert_non_null(strstr(text, "c[i] = x[i] * -0.25 - -1\n"));
    assert_non_null(strstr(text, "d[i] = x[i] * -(0.125)\n"));
    assert_non_null(strstr(text, "f[i] = x[i] * 32767.99998 + -32768\n"));
    assert_non_null(strstr(text, "h[i] = --x[i] * 3\n"));
    free(text);
    ff_ir_free(p);
}

/* Each right side prints as given (the canonical spacing) and reads back to
 * the same tree: the printer's parentheses are exactly those the tree needs. */
static void precedence_and_printing(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"a[i] - b[i] - c[i]", "a[i] - b[i] - c[i]"},
        {"a[i] - (b[i] - c[i])", "a[i] - (b[i] - c[i])"},
        {"a[i] + (b[i] + c[i])", "a[i] + (b[i] + c[i])"},
        {"a[i] + b[i] * c[i]", "a[i] + b[i] * c[i]"},
        {"(a[i] + b[i]) * c[i]", "(a[i] + b[i]) * c[i]"},
        {"a[i] / b[i] / c[i]", "a[i] / b[i] / c[i]"},
        {"a[i] / (b[i] * c[i])", "a[i] / (b[i] * c[i])"},
        {"a[i] * b[i] / c[i]", "a[i] * b[i] / c[i]"},
        {"((a[i]))", "a[i]"},
        {"-a[i] * b[i]", "-a[i] * b[i]"},
        {"-(a[i] * b[i])", "-(a[i] * b[i])"},
        {"a[i] * -b[i]", "a[i] * -b[i]"},
        {"a[i] - -b[i]", "a[i] - -b[i]"},
        {"-(-a[i])", "--a[i]"},
        {"a[i] / (2 / 4)", "a[i] / (2 / 4)"},
        {"max(a[i], min(b[i], 0))", "max(a[i], min(b[i], 0))"},
        {"gelu(sqrt(rsqrt(exp(relu(a[i])))))", "gelu(sqrt(rsqrt(exp(relu(a[i])))))"},
        {"-relu(a[i]) + 1", "-relu(a[i]) + 1"},
        {"mask(a[i], b[i] + c[i]) * 2", "mask(a[i], b[i] + c[i]) * 2"},
        {"sum[k](B[i,k]) + max[k](B[i,k])", "sum[k](B[i, k]) + max[k](B[i, k])"},
        {"softmax[i](a[i]) - layernorm[i](b[i])", "softmax[i](a[i]) - layernorm[i](b[i])"},
        {"2 * (a[i] + 1) / 3 - 0.5", "2 * (a[i] + 1) / 3 - 0.5"},
    };
    for (size_t c = 0; c < NELEM(cases); c++) {
        char text[512];
        snprintf(text, sizeof text, "tensor a[N]\ntensor b[N]\ntensor c[N]\ntensor B[N, K]\n"
                                    "y[i] = %s\n", cases[c].in);
        ff_ir_program *p = parse_ok(text);
        free(round_trip(p));
        char *got = last_stmt_text(p);
        char want[512];
        snprintf(want, sizeof want, "y[i] = %s", cases[c].out);
        if (strcmp(got, want) != 0) fail_msg("%s printed as %s", cases[c].in, got);
        free(got);
        ff_ir_free(p);
    }
}

/* Where implicit reductions go: the lowest common ancestor of the uses. */
static void reductions_go_to_the_lowest_common_ancestor(void **state)
{
    (void)state;
    static const struct {
        const char *in, *placed;
    } cases[] = {
        {"S[i,j] = M[i,j] * A[i,k] * B[j,k]", "S[i, j] = sum[k](M[i, j] * A[i, k] * B[j, k])"},
        {"S[i,j] = M[i,j] * (A[i,k] * B[j,k])", "S[i, j] = M[i, j] * sum[k](A[i, k] * B[j, k])"},
        {"r[i] = b[i] - A[i,k] * x[k]", "r[i] = b[i] - sum[k](A[i, k] * x[k])"},
        {"z[i] = A[i,k] + b[i]", "z[i] = sum[k](A[i, k]) + b[i]"},
        {"z[i] = relu(A[i,k]) * x[k]", "z[i] = sum[k](relu(A[i, k]) * x[k])"},
        {"C[i,j] = T[i,k,l] * U[k,l,j]", "C[i, j] = sum[k](sum[l](T[i, k, l] * U[k, l, j]))"},
        {"C[i,j] = T[i,k,l] * U[l,k,j]", "C[i, j] = sum[k](sum[l](T[i, k, l] * U[l, k, j]))"},
        {"A2[i,j] = T[i,k,l] * C[k,j] * D[l,j]",
         "A2[i, j] = sum[l](sum[k](T[i, k, l] * C[k, j]) * D[l, j])"},
        {"s = A[i,k] * x[k]", "s = sum[k](sum[i](A[i, k]) * x[k])"},
        {"s = A[i,k] * B[i,k]", "s = sum[i](sum[k](A[i, k] * B[i, k]))"},
        {"y[i] = softmax[k](A[i,k])", "y[i] = sum[k](softmax[k](A[i, k]))"},
        {"y[i] = layernorm[k](A[i,k] * x[k])", "y[i] = sum[k](layernorm[k](A[i, k] * x[k]))"},
        {"y[i] = mask(A[i,k], b[i])", "y[i] = sum[k](mask(A[i, k], b[i]))"},
        {"S[i,j] = mask(M[i,j], A[i,k] * B[j,k])", "S[i, j] = mask(M[i, j], sum[k](A[i, k] * B[j, k]))"},
        {"z[i] = sum[k](A[i,k]) + max[k](A[i,k])", "z[i] = sum[k](A[i, k]) + max[k](A[i, k])"},
        {"y[i] = b[i] + A[i,k]", "y[i] = b[i] + sum[k](A[i, k])"},
        {"y[i] = (A[i,k] * x[k]) * (A[i,l] * x[l])",
         "y[i] = sum[k](A[i, k] * x[k]) * sum[l](A[i, l] * x[l])"},
    };
    for (size_t c = 0; c < NELEM(cases); c++) {
        char text[512];
        snprintf(text, sizeof text,
                 "tensor M[N, N] : csr\ntensor A[N, N] : csr\ntensor B[N, N]\n"
                 "tensor x[N]\ntensor b[N]\ntensor T[N, N, N] : sparse\ntensor U[N, N, N]\n"
                 "tensor C[N, N]\ntensor D[N, N]\n%s\n",
                 cases[c].in);
        ff_ir_program *p = parse_ok(text);
        ff_err err = {0};
        assert_int_equal(ff_ir_place_reductions(p, &err), 0);
        if (ff_ir_verify(p, &err) != 0) fail_msg("%s: %s", cases[c].in, err.msg);
        char *got = last_stmt_text(p);
        if (strcmp(got, cases[c].placed) != 0)
            fail_msg("%s\n  placed as %s\n  expected  %s", cases[c].in, got, cases[c].placed);
        free(got);
        free(round_trip(p));
        assert_int_equal(ff_ir_place_reductions(p, &err), 0);
        got = last_stmt_text(p);
        assert_string_equal(got, cases[c].placed);
        free(got);
        ff_ir_free(p);
    }
}

/* ---- errors ---- */

static void every_error_names_line_and_column(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg;
    } cases[] = {
        /* unexpected tokens, saying what was expected */
        {"tensor A[N]\ny[i] = A[i] +\n",
         "t.ff:2:14: expected a number, a tensor, a scalar, a function or \"(\", got the end of "
         "the line"},
        {"tensor A[N]\ny[i] = A[i] A[i]\n",
         "t.ff:2:13: expected an operator or the end of the line, got \"A\""},
        {"tensor A[N]\n= A\n",
         "t.ff:2:1: expected a declaration (tensor, scalar) or a statement, got \"=\""},
        {"tensor A[N]\ny[i] A[i]\n", "t.ff:2:6: expected \"=\" after the left side, got \"A\""},
        {"tensor A[N]\ny[i] = A[i] * A[\n", "t.ff:3:1: expected an index name, got the end of the file"},
        {"tensor A[N]\ny[i] = A[i,\n", "t.ff:3:1: expected an index name, got the end of the file"},
        {"tensor A[N]\ny[i = A[i]\n", "t.ff:2:5: expected \",\" or \"]\", got \"=\""},
        {"tensor A[N]\ny[i] = (A[i]\n", "t.ff:3:1: expected \")\", got the end of the file"},
        {"tensor A[N]\ny[i] = max(A[i])\n", "t.ff:2:16: expected \",\" and a second argument, got \")\""},
        {"tensor A[N]\ny[i] = max A[i]\n", "t.ff:2:12: expected \"(\" or \"[\" after max, got \"A\""},
        {"tensor A[N]\ny[i] = relu A[i]\n", "t.ff:2:13: expected \"(\" after relu, got \"A\""},
        {"tensor A[N]\ny[i] = sum A[i]\n", "t.ff:2:12: expected \"[\" after sum, got \"A\""},
        {"tensor A[N]\ny[i] = relu[i](A[i])\n", "t.ff:2:8: relu is not written with \"[\": expected \"(\""},
        {"tensor A[N]\ny[i] = sum(A[i])\n", "t.ff:2:8: sum is not written with \"(\": expected \"[\" and an index"},
        {"tensor A[N]\ny[i] = min[i](A[i])\n", "t.ff:2:8: min is not written with \"[\": expected \"(\""},
        {"tensor A[N]\ny[i] = sum[1](A[i])\n", "t.ff:2:12: expected an index name, got \"1\""},
        {"tensor A[N]\ny[i] = sum[i] A[i]\n", "t.ff:2:15: expected \"(\", got \"A\""},
        {"tensor A[N]\ny[i] = sum[i,j](A[i])\n", "t.ff:2:13: expected \"]\", got \",\""},
        {"tensor A[N]\ny[i] = A[i] $ 2\n", "t.ff:2:13: unexpected character '$'"},
        {"tensor A[N]\ny[i] = A[i] \x01\n", "t.ff:2:13: unexpected byte 0x01"},
        {"tensor 3\n", "t.ff:1:8: expected a tensor name, got \"3\""},
        {"tensor A[N : csr\n", "t.ff:1:12: expected \",\" or \"]\", got \":\""},
        {"tensor A[N] junk\n", "t.ff:1:13: expected \":\" and a format, or the end of the line, got \"junk\""},
        {"tensor A junk\n", "t.ff:1:10: expected \"[\", \":\" and a format, or the end of the line, got \"junk\""},
        {"tensor A[N] : dense junk\n", "t.ff:1:21: expected the end of the line after the format, got \"junk\""},
        {"tensor A[N] : \n", "t.ff:1:15: expected a format after \":\" (dense, sparse, csr, csc, ...)"},
        {"tensor A[N] :# c\n", "t.ff:1:14: expected a format after \":\" (dense, sparse, csr, csc, ...)"},
        {"tensor A[,]\n", "t.ff:1:10: expected a size (a name or a positive integer), got \",\""},
        {"scalar = 2\n", "t.ff:1:8: expected a scalar name, got \"=\""},
        {"scalar q 2\n", "t.ff:1:10: expected \"=\", got \"2\""},
        {"scalar q = x\n", "t.ff:1:12: expected a number, got \"x\""},
        {"scalar q = 1 2\n", "t.ff:1:14: expected the end of the line, got \"2\""},
        /* undeclared tensors */
        {"tensor A[N]\ny[i] = B[i]\n", "t.ff:2:8: undeclared tensor B"},
        {"tensor A[N]\ny[i] = A[i] * q\n", "t.ff:2:15: undeclared tensor or scalar q"},
        {"tensor A[N]\ny[i] = A[i]\nz[i] = w[i] + y[i]\n", "t.ff:3:8: undeclared tensor w"},
        /* an index with two sizes: both tensors, modes and sizes */
        {"tensor A[N,K] : csr\ntensor x[N]\ny[i] = A[i,k] * x[k]\n",
         "t.ff:3:19: index k has size N here (mode 0 of x) but size K at 3:12 (mode 1 of A)"},
        {"tensor A[N,K]\ntensor y[K]\ny[i] = A[i,k]\n",
         "t.ff:3:10: index i has size N here (mode 0 of A) but size K at 3:3 (mode 0 of y)"},
        {"tensor A[N,16]\ntensor B[N,N]\ny[i,j] = A[i,j] + B[i,j]\n",
         "t.ff:3:23: index j has size N here (mode 1 of B) but size 16 at 3:14 (mode 1 of A)"},
        /* windows */
        {"tensor A[N, 8]\ny[i, 0 + j] = A[i, j]\n",
         "t.ff:2:10: an offset on the left side (a statement assigns its whole result; read a window on the right "
         "instead)"},
        {"tensor A[N, 8]\ny[i] = A[i, j + k]\n",
         "t.ff:2:17: two index names in one index (j and k): an offset is made of integers and sizes"},
        {"tensor A[N, 8]\ntensor y[N, 8]\ny[i, j] = A[i, 8 - j]\n",
         "t.ff:3:20: index j is subtracted: an index is added to its offset (reversing a mode is not supported)"},
        {"tensor A[N, 8]\ny[i] = A[i, N + 2]\n",
         "t.ff:2:13: this index has no index name, only sizes and integers (an index name that is also a size "
         "cannot take an offset)"},
        {"tensor A[N, 8]\ntensor B[K]\ny[i] = A[i, N + K + j]\n", "t.ff:3:17: an offset may name one size (it has N and K)"},
        {"tensor A[N, 8]\ny[i] = A[i, 2 * q + j]\n",
         "t.ff:2:17: q is not a size (only a size can be multiplied in an offset)"},
        {"tensor A[N, 8]\ny[i] = sum[j](A[i, 1 + j])\n",
         "t.ff:2:15: index j has no size: it is read only with an offset here, and a window is as long as its index "
         "(use j in a plain access or on the left, e.g. declare the result)"},
        {"tensor A[N, 8]\ny[i] = sum[j < 4](A[i, j])\n",
         "t.ff:2:24: index j has size 8 here (mode 1 of A) but size 4 at 2:14 (its range)"},
        {"tensor A[N, 8]\ny[i] = sum[j < Q](A[i, 1 + j])\n", "t.ff:2:16: Q is not a size of any declared tensor"},
        {"tensor A[N, 8]\ntensor y[N, D]\ny[i, j] = A[i, 1 + j]\n",
         "t.ff:3:11: the window of A along mode 1 needs size D, which no input has (it has no value before the "
         "program runs): write it as a number"},
        /* wrong number of indices */
        {"tensor A[N,K] : csr\ny[i] = A[i]\n", "t.ff:2:8: A has order 2 but is written with 1 index"},
        {"tensor A[N]\ny[i] = A\n", "t.ff:2:8: A has order 1 but is written with 0 indices"},
        {"tensor A[N]\ntensor y[N]\ny[i,j] = A[i]\n", "t.ff:3:1: y has order 1 but is written with 2 indices"},
        {"tensor A[N]\ny[i] = A[i,j,k,l,m,n,o]\n",
         "t.ff:2:22: more than 6 indices (tensors have at most 6 modes)"},
        {"tensor A[N,N,N,N,N,N,N]\n", "t.ff:1:22: tensor A has more than 6 modes"},
        /* unknown functions */
        {"tensor A[N]\ny[i] = foo(A[i])\n",
         "t.ff:2:8: unknown function \"foo\" (expected relu, exp, sqrt, rsqrt, log, tanh, sigmoid, erf, gelu, max, min, "
         "mask, sum, softmax, log_softmax or layernorm)"},
        {"tensor A[N]\ny[i] = foo[i](A[i])\n",
         "t.ff:2:8: unknown function \"foo\" (the index-bracketed forms are sum, max, softmax, log_softmax "
         "and layernorm)"},
        /* formats that do not fit */
        {"tensor A[N,K,L] : csr\n", "t.ff:1:19: tensor A: format \"csr\" needs a tensor of order 2, not 3"},
        {"tensor A[N] : dcd\n", "t.ff:1:15: tensor A: format \"dcd\" has 3 levels, a tensor of order 1 needs 1"},
        {"tensor A[N,N] : bcsr(0)\n",
         "t.ff:1:17: tensor A: format \"bcsr(0)\": expected bcsr(B) with B a positive integer"},
        {"tensor A[N] : csx\n",
         "t.ff:1:15: tensor A: format \"csx\": expected dense, sparse, csr, csc, dcsr, dcsc, "
         "bcsr(B) or level letters d/c"},
        /* bad numbers and sizes */
        {"tensor A[N]\ny[i] = A[i] * 1.2.3\n",
         "t.ff:2:15: bad number \"1.2.3\" (expected digits, a decimal point, an exponent)"},
        {"tensor A[N]\ny[i] = A[i] * 12abc\n",
         "t.ff:2:15: bad number \"12abc\" (expected digits, a decimal point, an exponent)"},
        {"tensor A[N]\ny[i] = A[i] * 1e\n",
         "t.ff:2:15: bad number \"1e\" (expected digits, a decimal point, an exponent)"},
        {"tensor A[N]\ny[i] = A[i] * 1.00000000000000000000000000000000000000000000000000000000000000000\n",
         "t.ff:2:15: bad number \"1.00000000000000000000000000000000000000...\" (too long)"},
        {"tensor A[N]\ny[i] = A[i] * 1e9\n",
         "t.ff:2:15: bad number 1e9: outside the fixed-point range -32768 .. 32767.99998"},
        {"tensor A[N]\ny[i] = A[i] * -40000\n",
         "t.ff:2:16: bad number -40000: outside the fixed-point range -32768 .. 32767.99998"},
        {"scalar s = 99999\n",
         "t.ff:1:12: bad number 99999: outside the fixed-point range -32768 .. 32767.99998"},
        {"tensor A[0]\n", "t.ff:1:10: bad size \"0\" (sizes are positive)"},
        {"tensor A[1.5]\n", "t.ff:1:10: bad size \"1.5\" (expected a positive integer or a size name)"},
        {"tensor A[99999999999]\n", "t.ff:1:10: bad size \"99999999999\" (at most 2147483647)"},
        /* assignments */
        {"tensor A[N]\ny[i] = A[i]\ny[i] = A[i]\n", "t.ff:3:1: tensor y is assigned twice (first at 2:1)"},
        {"tensor A[N]\ntensor T[N]\ny[i] = T[i]\nT[i] = A[i]\n",
         "t.ff:3:8: T is read here but assigned later, at 4:1 (a statement may only read inputs "
         "and tensors assigned before it)"},
        {"tensor A[N]\ny[i] = y[i] + A[i]\n", "t.ff:2:8: the statement reads y, which it assigns"},
        {"tensor A[N]\ntensor y[N]\ny[i] = A[i] * y[i]\n",
         "t.ff:3:15: the statement reads y, which it assigns"},
        {"tensor A[N]\ny[i] = A[i]\ntensor y[N]\n",
         "t.ff:3:8: tensor y is declared after it is assigned at 2:1"},
        {"tensor A[N]\ntensor A[N]\n", "t.ff:2:8: tensor A is declared twice (first at 1:8)"},
        /* indices on the left */
        {"tensor A[N]\ny[i,j] = A[i]\n", "t.ff:2:5: index j on the left does not appear on the right"},
        {"tensor A[N]\nA[i] = 2\n", "t.ff:2:3: index i on the left does not appear on the right"},
        {"tensor A[N,K]\ny[i,k] = sum[k](A[i,k])\n", "t.ff:2:5: index k on the left is reduced on the right"},
        {"tensor A[N,N]\ny[i,i] = A[i,i]\n", "t.ff:2:5: index i appears twice on the left"},
        {"tensor A[N,N]\ny[i] = A[i,i]\n",
         "t.ff:2:12: index i appears twice in one access of A (diagonals are not supported)"},
        /* reduction indices */
        {"tensor A[N,N]\ny[i] = sum[k](A[i,j])\n", "t.ff:2:12: sum index k does not appear in its operand"},
        {"tensor A[N,N]\ny[i] = max[k](A[i,j])\n", "t.ff:2:12: max index k does not appear in its operand"},
        {"tensor A[N,N]\ny[i,j] = softmax[k](A[i,j])\n",
         "t.ff:2:18: softmax index k does not appear in its operand"},
        {"tensor A[N,N]\ny[i,j] = layernorm[k](A[i,j])\n",
         "t.ff:2:20: layernorm index k does not appear in its operand"},
        {"tensor A[N,K]\ny[i] = softmax[k](sum[k](A[i,k]))\n",
         "t.ff:2:16: softmax index k does not appear in its operand"},
        {"tensor A[N,K]\ny[i] = sum[k](A[i,k]) * A[i,k]\n",
         "t.ff:2:25: index k is reduced by sum[k] at 2:8 and cannot also be used outside it"},
        {"tensor A[N,K]\ny[i] = sum[k](A[i,k] * max[k](A[i,k]))\n",
         "t.ff:2:12: index k is already reduced inside this sum (at 2:24)"},
        /* scalars and names */
        {"scalar a = 1\nscalar a = 2\n", "t.ff:2:8: scalar a is defined twice (first at 1:8)"},
        {"tensor A[N]\nscalar A = 2\n", "t.ff:2:8: A is already a tensor (first at 1:8)"},
        {"scalar s = 2\ntensor s[N]\n", "t.ff:2:8: s is already a scalar (defined at 1:8)"},
        {"scalar s = 2\ntensor A[N]\ny[i] = s[i]\n", "t.ff:3:8: s is a scalar: it takes no indices or arguments"},
        {"scalar s = 2\ntensor A[N]\ns = A[i]\n", "t.ff:3:1: s is a scalar; only tensors can be assigned"},
        {"tensor max[N]\n", "t.ff:1:8: \"max\" is a reserved word and cannot name a tensor"},
        {"scalar relu = 1\n", "t.ff:1:8: \"relu\" is a reserved word and cannot name a scalar"},
        {"tensor A[N]\nsoftmax[i] = A[i]\n", "t.ff:2:1: \"softmax\" is a reserved word, not a tensor"},
        /* mask */
        {"tensor A[N]\ntensor B[N]\ny[i] = mask(A[i] + B[i], A[i])\n",
         "t.ff:3:13: the first argument of mask must be a tensor access (its stored coordinates "
         "are the mask)"},
        {"tensor A[N]\ny[i] = mask(2, A[i])\n",
         "t.ff:2:13: the first argument of mask must be a tensor access (its stored coordinates "
         "are the mask)"},
        {"tensor A[N]\ny[i] = mask(A[i])\n", "t.ff:2:17: expected \",\" and the masked expression, got \")\""},
    };
    for (size_t c = 0; c < NELEM(cases); c++) {
        ff_ir_program *p = NULL;
        ff_err err = {0};
        int rc = ff_ir_parse("t.ff", cases[c].text, &p, &err);
        if (rc == 0) fail_msg("case %zu parsed:\n%s", c, cases[c].text);
        assert_int_equal(rc, FF_EINVAL);
        assert_int_equal(err.code, FF_EINVAL);
        assert_null(p);
        if (strcmp(err.msg, cases[c].msg) != 0)
            fail_msg("case %zu:\n%s\n  got      %s\n  expected %s", c, cases[c].text, err.msg,
                     cases[c].msg);
    }
}

static void limits_are_errors(void **state)
{
    (void)state;
    /* nesting */
    char *deep = malloc(2000);
    char *q = deep + sprintf(deep, "tensor A[N]\ny[i] = ");
    for (int i = 0; i < 300; i++) *q++ = '(';
    strcpy(q, "A[i]");
    q += 4;
    for (int i = 0; i < 300; i++) *q++ = ')';
    *q = '\0';
    ff_ir_program *p = NULL;
    ff_err err = {0};
    assert_int_equal(ff_ir_parse("t.ff", deep, &p, &err), FF_EINVAL);
    assert_string_equal(err.msg, "t.ff:2:208: expression nested more than 200 deep");
    free(deep);
    /* length */
    size_t cap = 200000;
    char *longs = malloc(cap);
    q = longs + sprintf(longs, "tensor A[N]\ny[i] = A[i]");
    for (int i = 0; i < 6000; i++) q += sprintf(q, " + A[i]");
    assert_int_equal(ff_ir_parse("t.ff", longs, &p, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "statement too long (more than 10000 operators and operands)"));
    free(longs);
    /* index variables per statement */
    char *many = malloc(20000);
    q = many + sprintf(many, "tensor A[N]\ny = A[a0]");
    for (int i = 1; i < 70; i++) q += sprintf(q, " + A[a%d]", i);
    assert_int_equal(ff_ir_parse("t.ff", many, &p, &err), FF_EINVAL);
    assert_string_equal(err.msg, "t.ff:2:573: more than 64 index variables in one statement");
    free(many);
}

static void files(void **state)
{
    (void)state;
    ff_ir_program *p = NULL;
    ff_err err = {0};
    assert_int_equal(ff_ir_parse(FF_SOURCE_DIR "/examples/no-such-file.ff", NULL, &p, &err),
                     FF_EIO);
    assert_null(p);
    assert_non_null(strstr(err.msg, "no-such-file.ff: cannot open: "));
    /* errors in a file name the file */
    char path[] = "/tmp/test_ir_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("tensor A[N]\ny[i] = B[i]\n", f);
    fclose(f);
    assert_int_equal(ff_ir_parse(path, NULL, &p, &err), FF_EINVAL);
    char want[128];
    snprintf(want, sizeof want, "%s:2:8: undeclared tensor B", path);
    assert_string_equal(err.msg, want);
    remove(path);
    /* ff_ir_print writes what ff_ir_print_string returns */
    p = parse_ok("tensor A[N] : sparse\ny[i] = exp(A[i])\n");
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    ff_ir_print(p, tmp);
    rewind(tmp);
    char buf[256] = "";
    size_t n = fread(buf, 1, sizeof buf - 1, tmp);
    buf[n] = '\0';
    fclose(tmp);
    char *s = ff_ir_print_string(p);
    assert_string_equal(buf, s);
    assert_string_equal(s, "tensor A[N] : sparse\ntensor y[N] : sparse\n\ny[i] = exp(A[i])\n");
    free(s);
    ff_ir_free(p);
    ff_ir_free(NULL);
}

/* ---- equality, verifier, helpers ---- */

static void equality_sees_every_difference(void **state)
{
    (void)state;
    const char *base = "tensor A[N, K] : csr\ntensor x[K]\ny[i] = A[i,k] * x[k] + 1\n";
    const char *different[] = {
        "tensor A[N, K] : csc\ntensor x[K]\ny[i] = A[i,k] * x[k] + 1\n",    /* format */
        "tensor A[N, K] : csr\ntensor x[K]\ny[i] = A[i,k] * x[k] + 2\n",    /* constant */
        "tensor A[N, K] : csr\ntensor x[K]\ny[i] = A[i,k] * x[k] - 1\n",    /* op */
        "tensor A[N, K] : csr\ntensor x[K]\ny[i] = A[i,j] * x[j] + 1\n",    /* index name */
        "tensor A[N, M] : csr\ntensor x[M]\ny[i] = A[i,k] * x[k] + 1\n",    /* size name */
        "tensor A[N, K] : csr\ntensor z[K]\ny[i] = A[i,k] * z[k] + 1\n",    /* tensor name */
        "tensor A[N, K] : csr\ntensor x[K]\ny[i] = sum[k](A[i,k] * x[k]) + 1\n", /* placement */
        "tensor A[N, K] : csr\ntensor x[K]\ny[i] = (A[i,k] * x[k] + 1)\nw[i] = y[i]\n",
        "tensor A[N, K] : csr\ntensor x[K]\ny[i] = x[k] * A[i,k] + 1\n",    /* operand order */
        "tensor A[N, K] : csr\ntensor x[K]\ny[i] = relu(A[i,k] * x[k]) + 1\n",
    };
    ff_ir_program *a = parse_ok(base), *b = parse_ok(base);
    assert_true(ff_ir_equal(a, b));
    for (size_t c = 0; c < NELEM(different); c++) {
        ff_ir_program *d = parse_ok(different[c]);
        if (ff_ir_equal(a, d) || ff_ir_equal(d, a)) fail_msg("equal to case %zu", c);
        ff_ir_free(d);
    }
    /* positions, declaration and format text do not matter */
    ff_ir_program *e = parse_ok("tensor A[N, K] : dc\n\n  tensor x[K] : d\ny[i] = (A[i,k]) * x[k] + 1.0\n");
    assert_true(ff_ir_equal(a, e));
    ff_ir_free(e);
    /* placement makes it equal to the explicit form */
    ff_ir_program *x = parse_ok(different[6]);
    ff_err err = {0};
    assert_int_equal(ff_ir_place_reductions(b, &err), 0);
    assert_true(ff_ir_equal(b, x));
    ff_ir_free(x);
    ff_ir_free(a);
    ff_ir_free(b);
}

/* Breaks one thing in a checked program; the verifier must name it. */
static void verifier_catches_broken_programs(void **state)
{
    (void)state;
    const char *text = "tensor A[N, K] : csr\ntensor x[K]\ntensor M[N] : sparse\n"
                       "t[i] = A[i,k] * x[k]\ny[i] = mask(M[i], relu(t[i]))\n";
    static const char *const want[] = {
        "access to tensor 9 of 5",
        "A has order 2 but the access has 1 indices",
        "A: index k has size K but mode 0 has size N",
        "A: index i repeated",
        "unary op 2 is not neg, relu, exp, rsqrt, log, tanh, sigmoid, erf, sqrt or gelu",
        "binary op 6 is not add, sub, mul, div, max or min",
        "the mask of mask() is not a tensor access",
        "sum[i] inside another reduction over i",
        "sum[k]: the index is not free in its operand",
        "left index i is not free on the right",
        "statement reads y, which it assigns",
        "t is assigned by statements 0 and 1",
        "tensor t has role 1, its uses say 2",
        "reduction op 7 is not sum or max",
        "index k is reduced and also used outside its reduction",
        "t.ff:0:0: IR check: frac_bits 40 outside 0..30",
        "a constant has operands",
    };
    for (size_t c = 0; c < NELEM(want); c++) {
        ff_ir_program *p = parse_ok(text);
        ff_err err = {0};
        assert_int_equal(ff_ir_place_reductions(p, &err), 0);
        ff_ir_expr *r0 = p->stmts[0].rhs;    /* sum[k](A[i,k] * x[k]) */
        ff_ir_expr *mul = r0->a;
        ff_ir_expr *mk = p->stmts[1].rhs;    /* mask(M[i], relu(t[i])) */
        switch (c) {
        case 0: mul->a->tensor = 9; break;
        case 1: mul->a->nidx = 1; break;
        case 2: mul->a->idx[0] = mul->a->idx[1]; break;
        case 3: /* A[i,i] with A made square */
            mul->a->idx[1] = mul->a->idx[0];
            p->tensors[0].dims[1] = p->tensors[0].dims[0];
            p->sizes[1].from_tensor = 1;
            p->sizes[1].from_mode = 0;
            break;
        case 4: mk->b->op = FF_ALU_MUL; break;
        case 5: mul->op = FF_ALU_NEG; break;
        case 6: mk->a = mk->b; break;
        case 7: { /* sum[i](sum[i](A[i,k] * x[k]) * A[i,k]) */
            ff_ir_expr *mcopy = ff_ir_alloc(p, sizeof *mcopy);
            *mcopy = *mul;
            ff_ir_expr *in = ff_ir_alloc(p, sizeof *in);
            *in = *r0;
            in->index = 0;
            in->a = mcopy;
            ff_ir_expr *m2 = ff_ir_alloc(p, sizeof *m2);
            *m2 = *mul;
            m2->a = in;
            m2->b = mul->a;
            ff_ir_expr *out = ff_ir_alloc(p, sizeof *out);
            *out = *in;
            out->a = m2;
            p->stmts[0].rhs = out;
            break;
        }
        case 8: r0->a = mk->a; break; /* sum[k](M[i]) */
        case 9: p->stmts[0].rhs = mul->b; break;
        case 10: mk->b->a->tensor = p->stmts[1].lhs; break;
        case 11: p->stmts[1].lhs = p->stmts[0].lhs; break;
        case 12: p->tensors[3].role = FF_IR_OUTPUT; break;
        case 13: r0->op = 7; break;
        case 14: { /* t[i] = sum[k](A[i,k] * x[k]) * x[k] */
            ff_ir_expr *m = ff_ir_alloc(p, sizeof *m);
            *m = *mul;
            m->a = r0;
            m->b = mul->b;
            p->stmts[0].rhs = m;
            break;
        }
        case 15: p->frac_bits = 40; break;
        case 16: mk->b->a->kind = FF_IR_CONST; mk->b->a->a = mk->a; break;
        }
        int rc = ff_ir_verify(p, &err);
        if (rc == 0) fail_msg("case %zu passed the verifier", c);
        if (!strstr(err.msg, want[c]))
            fail_msg("case %zu: %s\n  (expected it to say: %s)", c, err.msg, want[c]);
        ff_ir_free(p);
    }
}

/* Windows (docs/language.md "Offsets"): the offset's terms, its sign, the
 * printed form, and the range a reduction states for an index only windows
 * use. */
static void windows_parse_print_and_compare(void **state)
{
    (void)state;
    ff_ir_program *p = parse_ok("tensor QKV[S, 48]\ntensor C[S, 8] : csr\ntensor Q[S, 16]\ntensor x[D]\ntensor Z[S, 16] : csr\n"
                                "Q[s, d] = QKV[s, 16 + d] + QKV[s, d + 32]\n"
                                "y[i] = sum[d < 16](QKV[i, 0 + d] * Q[i, d])\n"
                                "w[i] = sum[d < 16](QKV[i, 0 + d] * QKV[i, 16 + d])\n"
                                "Z[i, j] = C[i, j - 8] + x[2*D + 3 + j] + x[D + j] + x[-D + 4 + j]\n");
    const ff_ir_expr *e = p->stmts[0].rhs;
    assert_int_equal(e->a->off[1].on, 1);
    assert_int_equal(e->a->off[1].lit, 16);
    assert_int_equal(e->a->off[1].size, -1);
    assert_int_equal(e->b->off[1].lit, 32);
    assert_int_equal(e->a->off[0].on, 0);
    char *text = round_trip(p);
    assert_non_null(strstr(text, "Q[s, d] = QKV[s, 16 + d] + QKV[s, 32 + d]"));
    assert_non_null(strstr(text, "y[i] = sum[d](QKV[i, 0 + d] * Q[i, d])")); /* Q states d's size */
    assert_non_null(strstr(text, "w[i] = sum[d < 16](QKV[i, 0 + d] * QKV[i, 16 + d])"));
    assert_non_null(strstr(text, "C[i, j - 8]"));
    assert_non_null(strstr(text, "x[2*D + 3 + j]"));
    assert_non_null(strstr(text, "x[D + j]"));
    assert_non_null(strstr(text, "x[-D + 4 + j]"));
    free(text);
    ff_ir_program *q = parse_ok("tensor QKV[S, 48]\ntensor C[S, 8] : csr\ntensor Q[S, 16]\ntensor x[D]\ntensor Z[S, 16] : csr\n"
                                "Q[s, d] = QKV[s, 16 + d] + QKV[s, d + 31]\n"
                                "y[i] = sum[d < 16](QKV[i, 0 + d] * Q[i, d])\n"
                                "w[i] = sum[d < 16](QKV[i, 0 + d] * QKV[i, 16 + d])\n"
                                "Z[i, j] = C[i, j - 8] + x[2*D + 3 + j] + x[D + j] + x[-D + 4 + j]\n");
    assert_false(ff_ir_equal(p, q)); /* 32 against 31 */
    ff_ir_free(q);
    ff_ir_free(p);
    /* a plain index and `0 + d` differ: one reads a window */
    p = parse_ok("tensor A[N, 8]\ntensor y[N, 8]\ny[i, j] = A[i, j]\n");
    q = parse_ok("tensor A[N, 8]\ntensor y[N, 8]\ny[i, j] = A[i, 0 + j]\n");
    assert_false(ff_ir_equal(p, q));
    ff_ir_free(q);
    ff_ir_free(p);
}

static void expression_indices(void **state)
{
    (void)state;
    ff_ir_program *p = parse_ok("tensor A[N, K]\ntensor B[K, M]\ntensor b[M]\n"
                                "C[i,j] = A[i,k] * B[k,j] + sum[l](A[i,l]) * b[j]\n");
    int out[16];
    const ff_ir_expr *e = p->stmts[0].rhs;
    int n = ff_ir_expr_indices(e, out);
    assert_int_equal(n, 3); /* i, k, j: k is free through the product, l is bound */
    assert_string_equal(p->indices[out[0]].name, "i");
    assert_string_equal(p->indices[out[1]].name, "k");
    assert_string_equal(p->indices[out[2]].name, "j");
    n = ff_ir_expr_indices(e->b, out); /* sum[l](A[i,l]) * b[j] */
    assert_int_equal(n, 2);
    assert_string_equal(p->indices[out[0]].name, "i");
    assert_string_equal(p->indices[out[1]].name, "j");
    n = ff_ir_expr_indices(e->b->a->a, out); /* A[i,l] */
    assert_int_equal(n, 2);
    assert_string_equal(p->indices[out[1]].name, "l");
    /* placement adds the implicit sum over k and leaves the explicit one */
    ff_err err = {0};
    assert_int_equal(ff_ir_place_reductions(p, &err), 0);
    char *s = last_stmt_text(p);
    assert_string_equal(s, "C[i, j] = sum[k](A[i, k] * B[k, j]) + sum[l](A[i, l]) * b[j]");
    free(s);
    /* ff_ir_alloc gives zeroed memory the program frees */
    unsigned char *m = ff_ir_alloc(p, 1000);
    for (int i = 0; i < 1000; i++) assert_int_equal(m[i], 0);
    memset(m, 1, 1000);
    void *big = ff_ir_alloc(p, 1 << 20);
    assert_non_null(big);
    ff_ir_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(examples_are_all_there),
        cmocka_unit_test(examples_parse_check_and_round_trip),
        cmocka_unit_test(parsing_is_fast),
        cmocka_unit_test(parse_builds_the_program),
        cmocka_unit_test(roles_and_default_formats),
        cmocka_unit_test(indices_are_scoped_to_their_statement),
        cmocka_unit_test(literal_sizes),
        cmocka_unit_test(lexical_rules),
        cmocka_unit_test(constants_and_scalars),
        cmocka_unit_test(precedence_and_printing),
        cmocka_unit_test(reductions_go_to_the_lowest_common_ancestor),
        cmocka_unit_test(every_error_names_line_and_column),
        cmocka_unit_test(limits_are_errors),
        cmocka_unit_test(files),
        cmocka_unit_test(equality_sees_every_difference),
        cmocka_unit_test(verifier_catches_broken_programs),
        cmocka_unit_test(windows_parse_print_and_compare),
        cmocka_unit_test(expression_indices),
    };
    return cmocka_run_group_tests_name("ir", tests, NULL, NULL);
}
