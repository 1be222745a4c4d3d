/*
 * test_run.c -- the program runner (compiler/run/ff_run.h) with a custom
 * kernel callback, and the driver's option layer (driver/options.c): every
 * usage error of every command and option group is one line and exit 2.
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
#include "ff_run.h"
#include "shell.h"

static const char gcn[] = "tensor A[N, N] : csr\ntensor X[N, F] : dense\ntensor W[F, G] : dense\n"
                          "tensor b[G] : dense\ntensor XW[N, G] : dd:1,0\n"
                          "XW[i,j] = X[i,k] * W[k,j]\nH[i,j] = relu(A[i,k] * XW[k,j] + b[j])\n";

typedef struct seen {
    int kernels;
    int saw_xw_as_input; /* the second kernel read XW, stored by the first */
    uint64_t cycles;
} seen;

/* Counts kernels, checks the inputs are bound by name, then simulates. */
static int counting(ff_run_kernel *rk, void *user, ff_err *err)
{
    seen *s = user;
    s->kernels++;
    for (int t = 0; t < rk->g->ntensors; t++) {
        if (rk->g->tensors[t].is_output) continue;
        int pt = ff_ir_find_tensor(rk->p, rk->g->tensors[t].name);
        assert_true(pt >= 0);
        assert_ptr_equal(rk->in[t], rk->data[pt]);
        if (!strcmp(rk->g->tensors[t].name, "XW")) s->saw_xw_as_input = 1;
    }
    ff_run_sim sim;
    memset(&sim, 0, sizeof sim);
    ff_sim_opts_default(&sim.opts);
    int rc = ff_run_simulate(rk, &sim, err);
    s->cycles += sim.cycles;
    return rc;
}

static const char mlp[] = "tensor X[N, F] : dense\ntensor W[F, G] : dense\n"
                          "XW[i,j] = X[i,k] * W[k,j]\nH[i,j] = relu(XW[i,j])\n";

static ff_ir_program *program_with_data(const char *text, ff_tensor ***data)
{
    ff_ir_program *p = NULL;
    ff_err err = {0};
    if (ff_ir_parse("t.ff", text, &p, &err) || ff_ir_place_reductions(p, &err)) fail_msg("%s", err.msg);
    *data = calloc((size_t)p->ntensors + 1, sizeof **data);
    uint32_t *sizes = calloc((size_t)p->nsizes + 1, sizeof *sizes);
    if (ff_ir_random_inputs(p, 3, 0.3, sizes, *data, &err)) fail_msg("%s", err.msg);
    free(sizes);
    return p;
}

static void free_data(ff_ir_program *p, ff_tensor **data)
{
    for (int t = 0; t < p->ntensors; t++) ff_tensor_free(data[t]);
    free(data);
    ff_ir_free(p);
}

/* Unfused: two kernels, the second reading the first's stored result. */
static void run_binds_by_name_and_keeps_results(void **state)
{
    (void)state;
    ff_tensor **data;
    ff_ir_program *p = program_with_data(gcn, &data);
    seen s = {0};
    ff_run_ops ops = {.kernel = counting, .user = &s};
    ff_err err = {0};
    if (ff_run_program(p, data, NULL, &ops, &err)) fail_msg("%s", err.msg);
    assert_int_equal(s.kernels, 2);
    assert_true(s.saw_xw_as_input);
    assert_true(s.cycles > 0);
    int h = ff_ir_find_tensor(p, "H"), xw = ff_ir_find_tensor(p, "XW");
    assert_non_null(data[h]);
    assert_non_null(data[xw]);
    assert_string_equal(data[h]->name, "H");
    /* the same results as the reference interpreter */
    ff_tensor **ref = calloc((size_t)p->ntensors + 1, sizeof *ref);
    if (ff_ir_interpret(p, (const ff_tensor *const *)data, ref, &err)) fail_msg("%s", err.msg);
    if (ff_tensor_compare(data[h], ref[h], &err)) fail_msg("%s", err.msg);
    for (int t = 0; t < p->ntensors; t++) ff_tensor_free(ref[t]);
    free(ref);
    free_data(p, data);
}

/* A two-kernel program on given data (A csr 2x2, B in fmt_b), unfused,
 * against the reference interpreter: 0 if every result agrees. */
static int two_kernels_agree(const char *text, const uint32_t *acrd, const ff_fx *aval, size_t an,
                             const uint32_t *bcrd, const ff_fx *bval, size_t bn)
{
    ff_ir_program *p = NULL;
    ff_err err = {0};
    if (ff_ir_parse("t.ff", text, &p, &err) || ff_ir_place_reductions(p, &err)) fail_msg("%s", err.msg);
    ff_tensor **data = calloc((size_t)p->ntensors + 1, sizeof *data);
    const uint32_t dims[2] = {2, 2};
    int a = ff_ir_find_tensor(p, "A"), b = ff_ir_find_tensor(p, "B");
    if (ff_tensor_from_coo("A", 2, dims, &p->tensors[a].fmt, p->frac_bits, an, acrd, aval, &data[a], &err) ||
        ff_tensor_from_coo("B", 2, dims, &p->tensors[b].fmt, p->frac_bits, bn, bcrd, bval, &data[b], &err))
        fail_msg("%s", err.msg);
    seen s = {0};
    ff_run_ops ops = {.kernel = counting, .user = &s};
    if (ff_run_program(p, data, NULL, &ops, &err)) fail_msg("%s", err.msg);
    assert_int_equal(s.kernels, 2);
    ff_tensor **ref = calloc((size_t)p->ntensors + 1, sizeof *ref);
    if (ff_ir_interpret(p, (const ff_tensor *const *)data, ref, &err)) fail_msg("%s", err.msg);
    int bad = 0;
    for (int t = 0; t < p->ntensors; t++)
        if (ref[t] && ff_tensor_compare(data[t], ref[t], &err)) {
            print_message("%s\n", err.msg);
            bad = 1;
        }
    for (int t = 0; t < p->ntensors; t++) ff_tensor_free(ref[t]);
    free(ref);
    free_data(p, data);
    return bad;
}

#define ONE(x) ((ff_fx)(x) * 65536)

/* Issue 16: Z(0,1) = 1*2 + 1*-2 = 0 is part of Z's support, so the
 * softmax over row 0 of the second kernel runs over both classes (it ran
 * over one when the runner dropped the stored 0: P(0,0) got 0). */
static void run_keeps_computed_zeros_between_kernels(void **state)
{
    (void)state;
    const char text[] = "tensor A[N, K] : csr\ntensor B[K, C] : dense\n"
                        "Z[i,c] = A[i,k] * B[k,c]\nP[i,c] = softmax[c](Z[i,c])\n";
    const uint32_t acrd[] = {0, 0, 0, 1, 1, 0};
    const ff_fx aval[] = {ONE(1), ONE(1), ONE(2)};
    const uint32_t bcrd[] = {0, 0, 0, 1, 1, 0, 1, 1}; /* [[1, 2], [-1, 3]] */
    const ff_fx bval[] = {ONE(1), ONE(2), ONE(-1), ONE(3)};
    assert_int_equal(two_kernels_agree(text, acrd, aval, 3, bcrd, bval, 4), 0);
}

/* The other side: an inner product whose intersection is empty at (0,1)
 * writes a 0 the support does not have; stored, the softmax would run over
 * it (P(0,0) 0.73 instead of 1). */
static void run_drops_empty_intersection_zeros(void **state)
{
    (void)state;
    const char text[] = "tensor A[N, K] : csr\ntensor B[K, C] : csc\n"
                        "Z[i,c] = A[i,k] * B[k,c]\nP[i,c] = softmax[c](Z[i,c])\n";
    const uint32_t acrd[] = {0, 0, 1, 1}, bcrd[] = {0, 0, 1, 1};
    const ff_fx aval[] = {ONE(1), ONE(1)}, bval[] = {ONE(1), ONE(2)};
    assert_int_equal(two_kernels_agree(text, acrd, aval, 2, bcrd, bval, 2), 0);
}

/* Fused: one kernel; XW streams and is never stored. */
static void run_fused_is_one_kernel(void **state)
{
    (void)state;
    ff_tensor **data;
    ff_ir_program *p = program_with_data(mlp, &data);
    seen s = {0};
    ff_run_ops ops = {.kernel = counting, .user = &s};
    ff_run_sched sched = {.fuse = "all"};
    ff_err err = {0};
    if (ff_run_program(p, data, &sched, &ops, &err)) fail_msg("%s", err.msg);
    assert_int_equal(s.kernels, 1);
    assert_false(s.saw_xw_as_input);
    assert_null(data[ff_ir_find_tensor(p, "XW")]);
    assert_non_null(data[ff_ir_find_tensor(p, "H")]);
    free_data(p, data);
}

static int refuse_second(ff_run_kernel *rk, void *user, ff_err *err)
{
    (void)user;
    if (rk->index == 1) return ff_err_set(err, FF_EINVAL, "kernel %d refused", rk->index + 1);
    return 0;
}

/* The simulate callback's record first (its user), then what done saw. */
typedef struct done_ctx {
    ff_run_sim sim;
    int ndone, nfailed;
} done_ctx;

/* Counts kernels and failures; swallows the failures. */
static int swallow(ff_run_kernel *rk, int rc, void *user, ff_err *err)
{
    (void)rk;
    (void)err;
    done_ctx *d = user;
    d->ndone++;
    d->nfailed += rc != 0;
    return 0;
}

/* A bad fusion spec, a missing input and a refusing hook are errors. */
static void run_reports_errors(void **state)
{
    (void)state;
    ff_tensor **data;
    ff_ir_program *p = program_with_data(gcn, &data);
    seen s = {0};
    ff_run_ops ops = {.kernel = counting, .user = &s};
    ff_run_sched bad = {.fuse = "1-3"};
    ff_err err = {0};
    assert_int_not_equal(ff_run_program(p, data, &bad, &ops, &err), 0);
    assert_non_null(strstr(err.msg, "--fuse"));
    int x = ff_ir_find_tensor(p, "X");
    ff_tensor *keep = data[x];
    data[x] = NULL;
    assert_int_not_equal(ff_run_program(p, data, NULL, &ops, &err), 0);
    assert_non_null(strstr(err.msg, "reads 'X', which has no data"));
    data[x] = keep;
    done_ctx d;
    memset(&d, 0, sizeof d);
    ff_sim_opts_default(&d.sim.opts);
    ff_run_ops refuse = {.kernel = ff_run_simulate, .orders = refuse_second, .user = &d};
    assert_int_not_equal(ff_run_program(p, data, NULL, &refuse, &err), 0);
    assert_string_equal(err.msg, "kernel 2 refused");
    /* a done hook that swallows the failure: every kernel is seen */
    refuse.done = swallow;
    assert_int_equal(ff_run_program(p, data, NULL, &refuse, &err), 0);
    assert_int_equal(d.ndone, 2);
    assert_int_equal(d.nfailed, 1);
    free_data(p, data);
}

/* `fuseflow ARGS` exits 2 with exactly one line on stderr containing want. */
static void usage_error(const char *args, const char *want)
{
    const char *ff = FF_BINARY_DIR "/fuseflow", *e = FF_BINARY_DIR "/test_run_err.txt";
    int rc = test_sh("'%s' %s >/dev/null 2>'%s'", ff, args, e);
    FILE *f = fopen(e, "r");
    assert_non_null(f);
    char line[1024] = "";
    int lines = 0;
    char buf[1024];
    while (fgets(buf, sizeof buf, f)) {
        if (!lines) snprintf(line, sizeof line, "%s", buf);
        lines++;
    }
    fclose(f);
    remove(e);
    printf("fuseflow %s -> %d: %s", args, rc, line);
    if (rc != 2 || lines != 1 || !strstr(line, want))
        fail_msg("fuseflow %s: exit %d, %d lines, want one line with '%s', got '%s'", args, rc, lines, want, line);
}

/* Every command's missing value, unknown option and malformed values. */
static void options_usage_errors_are_one_line(void **state)
{
    (void)state;
    char m[512];
    snprintf(m, sizeof m, "'%s/examples/spmv.ff'", FF_SOURCE_DIR);
    static const char *const model_cmds[] = {"run", "compile", "cosim", "explore"};
    static const char *const inputs[] = {"--tensor", "--dim", "--random", "--density"};
    static const char *const sched[] = {"--fuse", "--order", "--par", "--block", "--tile"};
    char args[1024], want[256];
    for (int c = 0; c < 4; c++) {
        const char *cmd = model_cmds[c];
        /* cosim without the RTL says so before reading options */
        if (!strcmp(cmd, "cosim") && test_sh("'%s/fuseflow' cosim --help >/dev/null 2>&1", FF_BINARY_DIR) != 0) continue;
        for (int g = 0; g < 5; g++) {
            if (g < 4 && strcmp(cmd, "compile")) {
                snprintf(args, sizeof args, "%s %s %s", cmd, m, inputs[g]);
                snprintf(want, sizeof want, "fuseflow %s: %s needs a value", cmd, inputs[g]);
                usage_error(args, want);
            }
            snprintf(args, sizeof args, "%s %s %s", cmd, m, sched[g]);
            snprintf(want, sizeof want, "fuseflow %s: %s needs a value", cmd, sched[g]);
            usage_error(args, want);
        }
        snprintf(args, sizeof args, "%s %s --arch", cmd, m);
        snprintf(want, sizeof want, "fuseflow %s: --arch needs a value", cmd);
        usage_error(args, want);
        snprintf(args, sizeof args, "%s %s --bogus", cmd, m);
        snprintf(want, sizeof want, "fuseflow %s: unknown option '--bogus'", cmd);
        usage_error(args, want);
        snprintf(args, sizeof args, "%s %s --par i", cmd, m);
        usage_error(args, "--par i: expected INDEX:P with P in 2..7");
        snprintf(args, sizeof args, "%s %s --par i:9", cmd, m);
        usage_error(args, "--par i:9: expected INDEX:P");
        snprintf(args, sizeof args, "%s %s --block 65", cmd, m);
        usage_error(args, "--block 65: expected the block size B, 1..64");
        static const char *const bad_tiles[][2] = {{"i:0", "--tile i:0: expected auto or INDEX:T,... with T >= 1"},
                                                  {"i", "--tile i: expected auto or INDEX:T"},
                                                  {"i:4,", "--tile i:4,: expected auto or INDEX:T"},
                                                  {"q:4", "--tile q:4: no statement has a loop 'q' (loops: i, k)"},
                                                  {"i:4,i:2", "--tile i:2: loop 'i' is tiled twice"}};
        for (int b = 0; b < 5; b++) {
            if (!strcmp(cmd, "explore") && b > 2) continue; /* without --arch explore stops at that first */
            snprintf(args, sizeof args, "%s %s%s --tile %s", cmd, m, strcmp(cmd, "compile") ? " --random 1" : "",
                     bad_tiles[b][0]);
            usage_error(args, bad_tiles[b][1]);
        }
    }
    char graph[512];
    snprintf(graph, sizeof graph, "'%s/tests/graphs/spmv.json'", FF_SOURCE_DIR);
    usage_error("run x.ff --random 1 --random", "--random needs a value");
    usage_error("run x.ff --random x", "--random x: expected an integer seed");
    usage_error("run x.ff --density 2", "--density 2: expected a number in [0, 1]");
    snprintf(args, sizeof args, "run %s --random 1 --dim N", m);
    usage_error(args, "--dim 'N': expected NAME=SIZE");
    snprintf(args, sizeof args, "run %s --random 1 --dim N=x", m);
    usage_error(args, "--dim 'N=x': expected NAME=SIZE");
    snprintf(args, sizeof args, "explore %s --random 1 --arch '%s/arch/default.json' --csv o.csv --dim N=0", m,
             FF_SOURCE_DIR);
    usage_error(args, "--dim 'N=0': expected NAME=SIZE");
    snprintf(args, sizeof args, "sim %s --max-cycles", graph);
    usage_error(args, "fuseflow sim: --max-cycles needs a value");
    snprintf(args, sizeof args, "sim %s --depth 0", graph);
    usage_error(args, "fuseflow sim: --depth 0: expected a positive integer");
    usage_error("prim scan --depth", "fuseflow prim: --depth needs a value");
    usage_error("prim scan --ii x", "fuseflow prim: --ii x: expected a positive integer");
    usage_error("prim scan --bogus", "fuseflow prim: unknown option '--bogus'");
    snprintf(args, sizeof args, "graph check %s -o", graph);
    usage_error(args, "fuseflow graph: -o needs a value");
    usage_error("bitstream decode x.bit --array", "fuseflow bitstream: --array needs a value");
    usage_error("explore x.ff --max-orders 0", "fuseflow explore: --max-orders 0: expected a number in 1..100000");
    usage_error("explore x.ff --prune-tol 1", "fuseflow explore: --prune-tol 1: expected a number in [0, 1)");
    usage_error("run a.ff b.ff", "fuseflow run: unexpected argument 'b.ff'");
    /* a tiling whose tiles could not be merged is refused before any data */
    snprintf(args, sizeof args, "run '%s/examples/residual.ff' --random 1 --tile k:4", FF_SOURCE_DIR);
    usage_error(args, "--tile k: statement 1 uses its sum over 'k' inside a larger expression");
    snprintf(args, sizeof args, "run '%s/examples/softmax.ff' --random 1 --tile j:4", FF_SOURCE_DIR);
    usage_error(args, "--tile j: statement 1 normalises over 'j'");
    snprintf(args, sizeof args, "run '%s/examples/attention_softmax.ff' --random 1 --fuse all --tile j:4", FF_SOURCE_DIR);
    usage_error(args, "--tile j: statement 2 normalises over 'j' (softmax, layernorm)");
    snprintf(args, sizeof args, "run %s --random 1 --functional --tile auto", m);
    usage_error(args, "--tile auto: needs an arch with glb_words");
    /* explore measures every schedule tile by tile */
    assert_int_equal(test_sh("'%s/fuseflow' explore %s --random 1 --arch '%s/arch/default.json' --csv '%s/explore_tile.csv' "
                             "--tile i:2 >/dev/null 2>&1",
                             FF_BINARY_DIR, m, FF_SOURCE_DIR, FF_BINARY_DIR),
                     0);
    /* an input error is exit 1 */
    assert_int_equal(test_sh("'%s/fuseflow' run /nonexistent.ff --random 1 >/dev/null 2>&1", FF_BINARY_DIR), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(run_binds_by_name_and_keeps_results),
        cmocka_unit_test(run_fused_is_one_kernel),
        cmocka_unit_test(run_keeps_computed_zeros_between_kernels),
        cmocka_unit_test(run_drops_empty_intersection_zeros),
        cmocka_unit_test(run_reports_errors),
        cmocka_unit_test(options_usage_errors_are_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
