/*
 * test_relayout.c -- the relayout pass (compiler/lower/relayout.c): a kernel
 * root with no legal loop order as its inputs are stored gets copies of them
 * in the mode order it needs, run as kernels of their own, and the results
 * are the reference interpreter's bit for bit; one copy per (tensor, mode
 * order) is shared; --relayout off (ff_run_sched.no_relayout) and inputs no
 * copy can help keep the one-line error.
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
#include "ff_lower.h"
#include "ff_run.h"

/* A row of A against a column of B: B (csr) must be walked j before i, A
 * i before j -- no order does both. */
static const char rowcol[] = "tensor A[N, N] : csr\ntensor B[N, N] : csr\n"
                             "y[i] = A[i,j] * B[j,i]\n";

/* Two statements and a fused pair needing B by column: one copy for all. */
static const char shared[] = "tensor A[N, N] : csr\ntensor B[N, N] : csr\ntensor C[N, N] : dcsr\n"
                             "y[i] = A[i,j] * B[j,i]\n"
                             "z[i] = C[i,j] * B[j,i]\n"
                             "w[i] = y[i] + C[i,j] * B[j,i]\n";

/* GraphSAGE's layer, natural: X by row for the node, by column for the
 * neighbour mean fused into the product. */
static const char sage[] = "tensor A[N, N] : csr\ntensor X[N, F] : csr\ntensor W[F, H] : dd:1,0\n"
                           "tensor V[F, H] : dd:1,0\ntensor M[N, F] : dcsr\n"
                           "M[i,f] = A[i,j] * X[j,f]\n"
                           "H1[i,h] = relu(X[i,f] * W[f,h] + M[i,g] * V[g,h])\n";

static ff_ir_program *parse(const char *text)
{
    ff_ir_program *p = NULL;
    ff_err err = {0};
    if (ff_ir_parse("t.ff", text, &p, &err) || ff_ir_place_reductions(p, &err)) fail_msg("%s", err.msg);
    return p;
}

typedef struct seen {
    int kernels;
    int copies;    /* kernels that are a relayout copy */
    int read_copy; /* kernels that read a tensor named *__t */
    int phases;    /* graphs that are a phase of a kernel holding a producer */
} seen;

static int simulate(ff_run_kernel *rk, void *user, ff_err *err)
{
    seen *s = user;
    s->kernels++;
    s->copies += rk->p->stmts[rk->k->first].copy_of != 0;
    s->phases += rk->nphases > 1;
    for (int t = 0; t < rk->g->ntensors; t++)
        if (!rk->g->tensors[t].is_output && strstr(rk->g->tensors[t].name, "__t")) {
            s->read_copy++;
            break;
        }
    ff_run_sim sim;
    memset(&sim, 0, sizeof sim);
    ff_sim_opts_default(&sim.opts);
    return ff_run_simulate(rk, &sim, err);
}

/* Runs text with `fuse` on random data; every result against the
 * reference. Returns what the kernels did. */
static seen run_checked(const char *text, const char *fuse)
{
    ff_ir_program *p = parse(text);
    ff_tensor **data = calloc((size_t)p->ntensors + 1, sizeof *data);
    uint32_t *sizes = calloc((size_t)p->nsizes + 1, sizeof *sizes);
    ff_err err = {0};
    if (ff_ir_random_inputs(p, 7, 0.3, sizes, data, &err)) fail_msg("%s", err.msg);
    seen s = {0};
    ff_run_sched sched = {.fuse = fuse};
    ff_run_ops ops = {.kernel = simulate, .user = &s};
    if (ff_run_program(p, data, &sched, &ops, &err)) fail_msg("%s", err.msg);
    ff_tensor **ref = calloc((size_t)p->ntensors + 1, sizeof *ref);
    if (ff_ir_interpret(p, (const ff_tensor *const *)data, ref, &err)) fail_msg("%s", err.msg);
    int checked = 0;
    for (int t = 0; t < p->ntensors; t++) {
        if (!ref[t] || !data[t]) continue;
        if (ff_tensor_compare(data[t], ref[t], &err)) fail_msg("%s: %s", p->tensors[t].name, err.msg);
        checked++;
    }
    assert_true(checked > 0);
    for (int t = 0; t < p->ntensors; t++) {
        ff_tensor_free(ref[t]);
        ff_tensor_free(data[t]);
    }
    free(ref);
    free(data);
    free(sizes);
    ff_ir_free(p);
    return s;
}

/* The copy B__t is csc, made before the statement, which reads it. */
static void relayout_rowcol_copies_and_runs_bit_exact(void **state)
{
    (void)state;
    ff_ir_program *p = parse(rowcol);
    ff_kernel ks[8], out[8];
    ff_err err = {0};
    int nk = ff_fuse_parse(p, "none", ks, 8, &err);
    assert_int_equal(nk, 1);
    ff_ir_program *q = NULL;
    int n = ff_relayout_kernels(p, ks, nk, NULL, &q, out, 8, &err);
    if (n < 0) fail_msg("%s", err.msg);
    assert_non_null(q);
    assert_int_equal(n, 2);
    int bt = ff_ir_find_tensor(q, "B__t");
    assert_true(bt >= p->ntensors); /* after the original's tensors, whose ids stand */
    assert_string_equal(q->tensors[bt].format_text, "csc");
    assert_int_equal(q->stmts[0].copy_of, ff_ir_find_tensor(q, "B") + 1);
    assert_int_equal(q->stmts[0].lhs, bt);
    assert_true(ff_ir_stmt_reads(q, 1, bt));
    assert_false(ff_ir_stmt_reads(q, 1, ff_ir_find_tensor(q, "B")));
    assert_int_equal(ff_ir_stmt_number(q, 0), 0); /* the copy is no statement of the user's */
    assert_int_equal(ff_ir_stmt_number(q, 1), 1);
    if (ff_ir_verify(q, &err)) fail_msg("%s", err.msg);
    ff_ir_free(q);
    ff_ir_free(p);

    seen s = run_checked(rowcol, "none");
    assert_int_equal(s.kernels, 2);
    assert_int_equal(s.copies, 1);
    assert_int_equal(s.read_copy, 1);
}

/* Three readers of B by column (one through a fused producer): one copy. */
static void relayout_copy_is_shared(void **state)
{
    (void)state;
    const char *fuses[] = {"none", "1,2-3", "all"};
    for (int f = 0; f < 3; f++) {
        ff_ir_program *p = parse(shared);
        ff_kernel ks[8], out[8];
        ff_err err = {0};
        int nk = ff_fuse_parse(p, fuses[f], ks, 8, &err);
        ff_ir_program *q = NULL;
        int n = ff_relayout_kernels(p, ks, nk, NULL, &q, out, 8, &err);
        if (n < 0) fail_msg("%s: %s", fuses[f], err.msg);
        assert_non_null(q);
        assert_int_equal(n, nk + 1);
        int copies = 0, bt = ff_ir_find_tensor(q, "B__t");
        for (int s = 0; s < q->nstmts; s++) copies += q->stmts[s].copy_of != 0;
        assert_int_equal(copies, 1);
        assert_true(bt >= 0);
        assert_int_equal(ff_ir_find_tensor(q, "B__t2"), -1);
        for (int s = 0; s < q->nstmts; s++)
            if (!q->stmts[s].copy_of) assert_false(ff_ir_stmt_reads(q, s, ff_ir_find_tensor(q, "B")));
        ff_ir_free(q);
        ff_ir_free(p);
        seen r = run_checked(shared, fuses[f]);
        assert_int_equal(r.copies, 1);
    }
}

/* A fused kernel that needs X both ways: unfused it is legal as written
 * (no copy), fused X is copied (and the result is bit-exact). */
static void relayout_fused_kernel_only_when_needed(void **state)
{
    (void)state;
    seen a = run_checked(sage, "none");
    assert_int_equal(a.copies, 0);
    assert_int_equal(a.kernels, 2);
    seen b = run_checked(sage, "all");
    assert_int_equal(b.copies, 1);
    assert_int_equal(b.kernels, 2);
    assert_int_equal(b.read_copy, 1);
}

/* GCN's layer written naturally: XW row-major, read by column by the
 * fused consumer. Held on chip as declared, the consumer could not read
 * it and it would be recomputed per neighbour; it is held column-major
 * instead (no copy: it is the kernel's alone), in two phases, bit-exact. */
static void relayout_held_producer_takes_the_layout_its_reader_needs(void **state)
{
    (void)state;
    static const char gcn[] = "tensor A[N, N] : csr\ntensor X[N, F] : csr\ntensor W[F, G] : dd:1,0\n"
                              "tensor b[G] : dense\ntensor XW[N, G] : dense\n"
                              "XW[i,j] = X[i,k] * W[k,j]\nH[i,j] = relu(A[i,k] * XW[k,j] + b[j])\n";
    seen s = run_checked(gcn, "all");
    assert_int_equal(s.copies, 0);
    assert_int_equal(s.phases, 2);
    ff_ir_program *p = parse(gcn);
    ff_kernel ks[4];
    ff_err err = {0};
    int nk = ff_fuse_parse(p, "all", ks, 4, &err);
    ff_ir_program *q = NULL;
    assert_int_equal(ff_run_relayout(p, NULL, ks, nk, 4, &q, &err), 1);
    assert_non_null(q);
    assert_string_equal(q->tensors[ff_ir_find_tensor(q, "XW")].format_text, "dd:1,0");
    ff_ir_free(q);
    ff_run_sched off = {.no_relayout = 1};
    assert_int_equal(ff_run_relayout(p, &off, ks, nk, 4, &q, &err), 1);
    assert_null(q);
    ff_ir_free(p);
}

/* GraphSAGE's second layer: the held H1 is read by row (Z's own term) and
 * by column (M2's neighbour mean). No one layout serves both: a copy
 * H1__t in the kernel, held too, serves the column reads (two phases, as
 * the hand-kept H1c of bench/apps/graphsage.ff), bit-exact. */
static void relayout_held_producer_read_two_ways_gets_a_copy_in_the_kernel(void **state)
{
    (void)state;
    static const char sage2[] = "tensor A[N, N] : csr\ntensor X[N, F] : csr\ntensor W[F, H] : dd:1,0\n"
                                "tensor V[H, C] : dd:1,0\ntensor U[H, C] : dd:1,0\ntensor H1[N, H] : dense\n"
                                "tensor M2[N, H] : dense\n"
                                "H1[i,h] = relu(X[i,f] * W[f,h])\n"
                                "M2[i,h] = A[i,j] * H1[j,h]\n"
                                "Z[i,c] = H1[i,h] * V[h,c] + M2[i,g] * U[g,c]\n";
    seen s = run_checked(sage2, "all");
    assert_int_equal(s.copies, 0); /* no kernel of its own: it is in the kernel */
    assert_int_equal(s.phases, 2);
    ff_ir_program *p = parse(sage2);
    ff_kernel ks[4];
    ff_err err = {0};
    int nk = ff_fuse_parse(p, "all", ks, 4, &err);
    ff_ir_program *q = NULL;
    assert_int_equal(ff_run_relayout(p, NULL, ks, nk, 4, &q, &err), 1);
    assert_non_null(q);
    int c = ff_ir_find_tensor(q, "H1__t");
    assert_true(c >= 0);
    assert_string_equal(q->tensors[c].format_text, "dd:1,0");
    assert_int_equal(q->stmts[1].lhs, c); /* right after its producer */
    assert_int_equal(ks[0].first, 0);
    assert_int_equal(ks[0].last, 3);
    assert_true(ff_ir_stmt_reads(q, 2, c)); /* M2 reads the copy, Z the original */
    assert_false(ff_ir_stmt_reads(q, 3, c));
    ff_ir_free(q);
    ff_ir_free(p);
}

/* The natural forms of the graph networks (bench/apps, *_natural.ff) at
 * CI size, unfused, per layer and fully fused: bit-exact, with the copies
 * each schedule needs. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("%s: cannot read", path);
    char *text = calloc(1, 1 << 16);
    size_t n = fread(text, 1, (1 << 16) - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

static void relayout_natural_apps_run_bit_exact(void **state)
{
    (void)state;
    static const struct {
        const char *file, *fuse[3];
        int copies[3]; /* copy kernels per schedule */
        int phases[3]; /* graphs that are phases of a holding kernel */
    } apps[] = {
        {"graphsage_natural.ff", {"none", "1-2,3-4,5-7", "all"}, {0, 2, 1}, {0, 0, 2}},
        {"gcn_natural.ff", {"none", "1-3,4-5,6-8", "all"}, {2, 0, 0}, {0, 6, 4}}, /* as gcn.ff */
    };
    for (int a = 0; a < 2; a++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/bench/apps/%s", FF_SOURCE_DIR, apps[a].file);
        char *text = slurp(path);
        for (int f = 0; f < 3; f++) {
            seen s = run_checked(text, apps[a].fuse[f]);
            if (s.copies != apps[a].copies[f] || s.phases != apps[a].phases[f])
                fail_msg("%s --fuse %s: %d copy kernels, %d phases; expected %d, %d", apps[a].file, apps[a].fuse[f],
                         s.copies, s.phases, apps[a].copies[f], apps[a].phases[f]);
        }
        free(text);
    }
}

/* With relayout off, or where a copy cannot help (blocked formats keep
 * their block levels), the error is the root's own: one line, file:line. */
static void relayout_off_and_hopeless_keep_the_error(void **state)
{
    (void)state;
    ff_ir_program *p = parse(rowcol);
    ff_tensor **data = calloc((size_t)p->ntensors + 1, sizeof *data);
    uint32_t *sizes = calloc((size_t)p->nsizes + 1, sizeof *sizes);
    ff_err err = {0};
    if (ff_ir_random_inputs(p, 7, 0.3, sizes, data, &err)) fail_msg("%s", err.msg);
    seen s = {0};
    ff_run_sched sched = {.no_relayout = 1};
    ff_run_ops ops = {.kernel = simulate, .user = &s};
    assert_int_not_equal(ff_run_program(p, data, &sched, &ops, &err), 0);
    assert_non_null(
        strstr(err.msg, "t.ff:3: no loop order visits every tensor's levels in their order; change a format"));
    assert_null(strchr(err.msg, '\n'));
    assert_int_equal(s.kernels, 0);
    for (int t = 0; t < p->ntensors; t++) ff_tensor_free(data[t]);
    free(data);
    free(sizes);
    ff_ir_free(p);

    ff_ir_program *b = parse("tensor A[N, N] : bcsr(2)\ntensor B[N, N] : bcsr(2)\ny[i] = A[i,j] * B[j,i]\n");
    ff_kernel ks[4], out[4];
    int nk = ff_fuse_parse(b, "none", ks, 4, &err);
    ff_ir_program *q = NULL;
    memset(&err, 0, sizeof err);
    assert_true(ff_relayout_kernels(b, ks, nk, NULL, &q, out, 4, &err) < 0);
    assert_null(q);
    assert_non_null(
        strstr(err.msg, "t.ff:3: no loop order visits every tensor's levels in their order; change a format"));
    assert_null(strchr(err.msg, '\n'));
    ff_ir_free(b);
}

/* A program every kernel of which is legal as written is left alone. */
static void relayout_leaves_legal_programs_alone(void **state)
{
    (void)state;
    ff_ir_program *p = parse("tensor A[N, N] : csr\ntensor x[N] : dense\ny[i] = A[i,j] * x[j]\n");
    ff_kernel ks[4], out[4];
    ff_err err = {0};
    int nk = ff_fuse_parse(p, "none", ks, 4, &err);
    ff_ir_program *q = (ff_ir_program *)1;
    assert_int_equal(ff_relayout_kernels(p, ks, nk, NULL, &q, out, 4, &err), 1);
    assert_null(q);
    assert_int_equal(out[0].first, 0);
    ff_ir_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(relayout_rowcol_copies_and_runs_bit_exact),
        cmocka_unit_test(relayout_copy_is_shared),
        cmocka_unit_test(relayout_fused_kernel_only_when_needed),
        cmocka_unit_test(relayout_held_producer_takes_the_layout_its_reader_needs),
        cmocka_unit_test(relayout_held_producer_read_two_ways_gets_a_copy_in_the_kernel),
        cmocka_unit_test(relayout_natural_apps_run_bit_exact),
        cmocka_unit_test(relayout_off_and_hopeless_keep_the_error),
        cmocka_unit_test(relayout_leaves_legal_programs_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
