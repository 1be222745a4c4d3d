/*
 * test_torch.c -- the PyTorch front end end to end (docs/torch.md).
 *
 * For each example in examples/torch, tests/torch/ops.py (the other
 * supported ops), tests/torch/gather_ops.py (gathers, scatters, block
 * layouts, batched products) and tests/torch/window_ops.py (slicing, split,
 * chunk, narrow, unbind, cat, pad): export it with fuseflow_torch (fixed seed, small size),
 * run the export with `fuseflow run --check` (the graphs agree bit for bit
 * with the reference interpreter), then compare every output with
 * PyTorch's own float64 forward, which the exporter wrote to
 * check/NAME.txt with two bounds per entry (guaranteed and statistical):
 * report the max absolute and relative error and both bounds, and fail on
 * any entry outside either.
 *
 * Then one case per kind of model the exporter must refuse
 * (tests/torch/unsupported.py): exit status 1, one line naming the model's
 * file:line (the line marked "# ERROR: <case>") and the op, nothing written.
 *
 * argv[1] is the fuseflow binary, argv[2] the Python with torch.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "ff_tensor.h"
#include "shell.h"

static const char *fuseflow_bin = FF_BINARY_DIR "/fuseflow";
static const char *python = "/usr/bin/python3";

#define WORK FF_BINARY_DIR "/torch"

static void export_model(const char *spec, const char *out, const char *sizes, const char *log)
{
    int rc = test_sh("rm -rf '%s' && PYTHONPATH='%s/compiler/torch' FUSEFLOW_SHARED_DATA='%s' '%s' -m fuseflow_torch "
                 "export '%s' --seed 1 %s --out '%s' > '%s' 2>&1",
                 out, FF_SOURCE_DIR, FF_SHARED_DATA, python, spec, sizes, out, log);
    if (rc != 0) {
        char *s = test_slurp(log);
        fail_msg("export of %s failed (exit %d):\n%s", spec, rc, s ? s : "(no output)");
    }
}

/* ---- comparing an output with PyTorch ---- */

typedef struct check_file {
    size_t n;      /* entries */
    double *ref;   /* PyTorch's value, row-major */
    double *bound; /* the guaranteed bound on |fuseflow - PyTorch| */
    double *stat;  /* the statistical bound */
    char shape[128];
} check_file;

/* check/NAME.txt: '#' comments, "shape d0 d1 ...", then "ref bound stat"
 * per entry (docs/torch.md). */
static void read_check(const char *path, check_file *c)
{
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("%s: cannot open", path);
    char line[512];
    size_t cap = 0;
    memset(c, 0, sizeof *c);
    int have_shape = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n') continue;
        if (!have_shape) {
            if (strncmp(line, "shape", 5)) fail_msg("%s: expected \"shape\", got %s", path, line);
            size_t n = 1;
            char *p = line + 5, *end;
            c->shape[0] = '\0';
            for (long d; (d = strtol(p, &end, 10)), end != p; p = end) {
                n *= (size_t)d;
                snprintf(c->shape + strlen(c->shape), sizeof c->shape - strlen(c->shape), "%s%ld",
                         c->shape[0] ? "x" : "", d);
            }
            cap = n;
            c->ref = calloc(n + 1, sizeof *c->ref);
            c->bound = calloc(n + 1, sizeof *c->bound);
            c->stat = calloc(n + 1, sizeof *c->stat);
            have_shape = 1;
            continue;
        }
        if (c->n >= cap) fail_msg("%s: more entries than the shape holds", path);
        if (sscanf(line, "%lf %lf %lf", &c->ref[c->n], &c->bound[c->n], &c->stat[c->n]) != 3)
            fail_msg("%s: bad line %s", path, line);
        c->n++;
    }
    fclose(f);
    if (!have_shape || c->n != cap) fail_msg("%s: %zu entries, the shape needs %zu", path, c->n, cap);
}

/* Compares result/NAME.mtx with check/NAME.txt; returns the entries outside
 * either bound. */
static int compare_output(const char *what, const char *dir, const char *name)
{
    char path[4096];
    check_file c;
    if (snprintf(path, sizeof path, "%s/check/%s.txt", dir, name) >= (int)sizeof path) fail_msg("path too long");
    read_check(path, &c);
    if (snprintf(path, sizeof path, "%s/result/%s.mtx", dir, name) >= (int)sizeof path) fail_msg("path too long");
    ff_tensor *t = NULL;
    ff_err err = {0};
    if (ff_tensor_read_mtx(path, NULL, FF_FX_DEFAULT_FRAC, &t, &err)) fail_msg("%s", err.msg);
    size_t n = 1;
    for (int d = 0; d < t->order; d++) n *= t->dims[d];
    if (n != c.n) fail_msg("%s: %zu entries, PyTorch's output has %zu", path, n, c.n);
    ff_fx *got = ff_tensor_to_dense(t);
    double max_err = 0, max_ref = 0, max_bound = 0, max_stat = 0, worst = 0;
    int outside = 0;
    for (size_t i = 0; i < n; i++) {
        double g = ff_fx_to_double(got[i], t->frac_bits), e = fabs(g - c.ref[i]);
        if (e > max_err) max_err = e;
        if (fabs(c.ref[i]) > max_ref) max_ref = fabs(c.ref[i]);
        if (c.bound[i] > max_bound) max_bound = c.bound[i];
        if (c.stat[i] > max_stat) max_stat = c.stat[i];
        if (c.stat[i] > 0 && e / c.stat[i] > worst) worst = e / c.stat[i];
        if (!(e <= c.bound[i] && e <= c.stat[i])) {
            if (outside < 5)
                printf("  %s entry %zu: fuseflow %.9g, PyTorch %.9g, error %.3g, bounds %.3g guaranteed, %.3g "
                       "statistical\n",
                       name, i, g, c.ref[i], e, c.bound[i], c.stat[i]);
            outside++;
        }
    }
    /* relative to the output's scale: entries near 0 have no meaningful
     * relative error of their own (docs/torch.md) */
    double scale = max_ref > 0 ? max_ref : 1;
    printf("torch %-11s %s %-8s max abs error %.3g, max rel error %.3g; bounds: guaranteed %.3g (rel %.3g), "
           "statistical %.3g (rel %.3g); worst error/statistical bound %.2f; %d of %zu entries outside\n",
           what, name, c.shape, max_err, max_err / scale, max_bound, max_bound / scale, max_stat, max_stat / scale,
           worst, outside, n);
    assert_true(isfinite(max_bound) && isfinite(max_stat));
    free(got);
    ff_tensor_free(t);
    free(c.ref);
    free(c.bound);
    free(c.stat);
    return outside;
}

typedef struct example {
    const char *name;  /* for messages and the work directory */
    const char *file;  /* the model, relative to the source tree */
    const char *sizes; /* --size arguments */
} example;

static const example examples[] = {
    {"gcn", "examples/torch/gcn.py", "--size nodes=64"},
    {"graphsage", "examples/torch/graphsage.py", "--size nodes=48"},
    {"autoencoder", "examples/torch/autoencoder.py", "--size batch=8"},
    {"bigbird", "examples/torch/bigbird.py", "--size batch=2 --size seq=32 --size block=4"},
    {"ops", "tests/torch/ops.py", ""}, /* the ops the examples do not use */
    {"gcn_pyg", "examples/torch/gcn_pyg.py", "--size nodes=48"},
    {"pruned_mlp", "examples/torch/pruned_mlp.py", "--size batch=8"},
    {"sparse_bert", "examples/torch/block_sparse_bert.py", "--size batch=2 --size seq=32 --size block=4"},
    {"gather_ops", "tests/torch/gather_ops.py", ""}, /* gathers, scatters, block layouts, batches */
    {"window_ops", "tests/torch/window_ops.py", ""}, /* slicing, split, chunk, narrow, unbind, cat, pad */
    {"nanogpt", "examples/torch/nanogpt.py", "--size batch=2 --size seq=16 --size block_size=32"},
};

static void run_example(const example *ex)
{
    char spec[1024], out[1024], log[1024];
    snprintf(spec, sizeof spec, "%s/%s", FF_SOURCE_DIR, ex->file);
    snprintf(out, sizeof out, "%s/%s", WORK, ex->name);
    snprintf(log, sizeof log, "%s/%s.log", WORK, ex->name);
    export_model(spec, out, ex->sizes, log);
    int rc =
        test_sh("cd '%s' && '%s' run model.ff $(cat run.args) --out result --check >> '%s' 2>&1", out, fuseflow_bin, log);
    char *s = test_slurp(log);
    if (rc != 0) fail_msg("fuseflow run on %s failed (exit %d):\n%s", out, rc, s ? s : "");
    assert_non_null(strstr(s, "match the reference interpreter bit-exactly"));
    free(s);
    /* every output the exporter checked */
    char list[2048];
    if (snprintf(list, sizeof list, "%s/check.list", out) >= (int)sizeof list) fail_msg("path too long");
    test_sh("ls '%s/check' | sed -n 's/\\.txt$//p' > '%s'", out, list);
    FILE *f = fopen(list, "r");
    assert_non_null(f);
    char name[256];
    int outputs = 0, outside = 0;
    while (fscanf(f, "%255s", name) == 1) {
        outside += compare_output(ex->name, out, name);
        outputs++;
    }
    fclose(f);
    assert_true(outputs > 0);
    assert_int_equal(outside, 0);
}

static void torch_gcn_matches_pytorch(void **state) { run_example(&examples[0]); }
static void torch_graphsage_matches_pytorch(void **state) { run_example(&examples[1]); }
static void torch_autoencoder_matches_pytorch(void **state) { run_example(&examples[2]); }
static void torch_bigbird_matches_pytorch(void **state) { run_example(&examples[3]); }
static void torch_other_ops_match_pytorch(void **state) { run_example(&examples[4]); }
static void torch_gcn_pyg_matches_pytorch(void **state) { run_example(&examples[5]); }
static void torch_pruned_mlp_matches_pytorch(void **state) { run_example(&examples[6]); }
static void torch_block_sparse_bert_matches_pytorch(void **state) { run_example(&examples[7]); }
static void torch_gather_ops_match_pytorch(void **state) { run_example(&examples[8]); }
static void torch_window_ops_match_pytorch(void **state) { run_example(&examples[9]); }
static void torch_nanogpt_matches_pytorch(void **state) { run_example(&examples[10]); }

/* ---- refusals ---- */

/* The line of tests/torch/unsupported.py marked "# ERROR: <fn>". */
static int marked_line(const char *fn)
{
    char *src = test_slurp(FF_SOURCE_DIR "/tests/torch/unsupported.py");
    assert_non_null(src);
    char mark[128];
    snprintf(mark, sizeof mark, "# ERROR: %s\n", fn);
    char *at = strstr(src, mark);
    if (!at) fail_msg("unsupported.py has no line marked '%s'", mark);
    int line = 1;
    for (char *p = src; p < at; p++) line += *p == '\n';
    free(src);
    return line;
}

static void expect_refusal(const char *fn, const char *op)
{
    char out[1024], log[1024], where[256];
    snprintf(out, sizeof out, "%s/unsupported_%s", WORK, fn);
    snprintf(log, sizeof log, "%s/unsupported_%s.log", WORK, fn);
    int rc = test_sh("rm -rf '%s' && PYTHONPATH='%s/compiler/torch' '%s' -m fuseflow_torch export "
                 "'%s/tests/torch/unsupported.py:%s' --out '%s' > '%s' 2>&1",
                 out, FF_SOURCE_DIR, python, FF_SOURCE_DIR, fn, out, log);
    char *s = test_slurp(log);
    assert_non_null(s);
    printf("torch refuses %-19s %s", fn, s);
    assert_int_equal(rc, 1);
    /* one line: the model's file:line, then the op */
    assert_non_null(strchr(s, '\n'));
    assert_true(strchr(s, '\n')[1] == '\0');
    snprintf(where, sizeof where, "unsupported.py:%d: ", marked_line(fn));
    if (!strstr(s, where)) fail_msg("expected '%s' in: %s", where, s);
    if (!strstr(s, op)) fail_msg("expected the op '%s' in: %s", op, s);
    struct stat sb;
    assert_int_not_equal(stat(out, &sb), 0); /* nothing written */
    free(s);
}

static void torch_rejects_step_slice(void **state) { expect_refusal("step_slice", "a slice with step 2"); }
static void torch_rejects_conv1d_module(void **state) { expect_refusal("conv1d", "Conv1d (module conv)"); }
static void torch_rejects_cumsum_method(void **state) { expect_refusal("cumsum", "Tensor.cumsum"); }
static void torch_rejects_pad_reflect(void **state) { expect_refusal("pad_reflect", "F.pad with mode='reflect'"); }
static void torch_rejects_regrouping_view(void **state)
{
    expect_refusal("regroup", "Tensor.view from [6, 4] to [4, 6]");
}
static void torch_rejects_masked_fill_where_mask_is_set(void **state)
{
    expect_refusal("positive_mask", "Tensor.masked_fill fills where its condition is True");
}
static void torch_rejects_data_dependent_control_flow(void **state)
{
    expect_refusal("control_flow", "torch.fx cannot trace the model");
}
static void torch_rejects_training_dropout(void **state)
{
    expect_refusal("training_dropout", "F.dropout with training=True");
}
static void torch_rejects_embedding_max_norm(void **state)
{
    expect_refusal("embedding_max_norm", "Embedding (module emb) with max_norm=1");
}
static void torch_rejects_index_arithmetic(void **state)
{
    expect_refusal("index_arithmetic", "operator.add reads the integer tensor 'idx'");
}
static void torch_rejects_bool_index(void **state) { expect_refusal("bool_index", "indexing a tensor by a boolean"); }
static void torch_rejects_gather_out_of_range(void **state)
{
    expect_refusal("gather_out_of_range", "(Tensor.index_select): IndexError: index out of range");
}
static void torch_rejects_in_place_scatter(void **state)
{
    expect_refusal("in_place_scatter", "Tensor.index_add_ changes a tensor in place that the model reads again");
}
static void torch_rejects_repeat_one_dim(void **state)
{
    expect_refusal("repeat_one_dim", "reads 'layout' repeated along dimension 0 only");
}
static void torch_rejects_repeat_mismatch(void **state)
{
    expect_refusal("repeat_mismatch", "repeated 3 times along dimension 0 and 2 along dimension 1");
}
static void torch_rejects_repeat_computed(void **state)
{
    expect_refusal("repeat_computed", "Tensor.repeat_interleave of a computed tensor");
}

int main(int argc, char **argv)
{
    if (argc > 1) fuseflow_bin = argv[1];
    if (argc > 2) python = argv[2];
    mkdir(WORK, 0777);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(torch_gcn_matches_pytorch),
        cmocka_unit_test(torch_graphsage_matches_pytorch),
        cmocka_unit_test(torch_autoencoder_matches_pytorch),
        cmocka_unit_test(torch_bigbird_matches_pytorch),
        cmocka_unit_test(torch_other_ops_match_pytorch),
        cmocka_unit_test(torch_gcn_pyg_matches_pytorch),
        cmocka_unit_test(torch_pruned_mlp_matches_pytorch),
        cmocka_unit_test(torch_block_sparse_bert_matches_pytorch),
        cmocka_unit_test(torch_gather_ops_match_pytorch),
        cmocka_unit_test(torch_window_ops_match_pytorch),
        cmocka_unit_test(torch_nanogpt_matches_pytorch),
        cmocka_unit_test(torch_rejects_step_slice),
        cmocka_unit_test(torch_rejects_conv1d_module),
        cmocka_unit_test(torch_rejects_cumsum_method),
        cmocka_unit_test(torch_rejects_pad_reflect),
        cmocka_unit_test(torch_rejects_regrouping_view),
        cmocka_unit_test(torch_rejects_masked_fill_where_mask_is_set),
        cmocka_unit_test(torch_rejects_data_dependent_control_flow),
        cmocka_unit_test(torch_rejects_training_dropout),
        cmocka_unit_test(torch_rejects_embedding_max_norm),
        cmocka_unit_test(torch_rejects_index_arithmetic),
        cmocka_unit_test(torch_rejects_bool_index),
        cmocka_unit_test(torch_rejects_gather_out_of_range),
        cmocka_unit_test(torch_rejects_in_place_scatter),
        cmocka_unit_test(torch_rejects_repeat_one_dim),
        cmocka_unit_test(torch_rejects_repeat_mismatch),
        cmocka_unit_test(torch_rejects_repeat_computed),
    };
    return cmocka_run_group_tests_name("torch", tests, NULL, NULL);
}
