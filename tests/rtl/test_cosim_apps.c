/*
 * test_cosim_apps.c -- the co-simulation regression over the applications
 * (docs/cosim.md "Applications"): the four apps of bench/apps at CI size,
 * every kernel of each schedule on the C cycle model and on the Verilated
 * `apps` array, outputs bit-exact (to each other and to the reference
 * interpreter) and cycles exact; for the autoencoder every channel is
 * compared token for token as well.
 *
 * Schedules: unfused, and the most fused schedule whose kernels fit the
 * array -- fully fused for the autoencoder, per layer for GCN and
 * GraphSAGE, per component for the GPT-3/BigBird block. Fully fused GCN,
 * GraphSAGE and GPT need 315, 549 and 694 tiles, more than an array worth
 * Verilating per CI run (rtl/arrays/apps.json has 271); held on chip
 * (--reuse hold) they run in phases that fit, and co-simulate. Parallelized
 * (--par, 2 lanes): the unfused schedules and the fully fused autoencoder
 * (GCN per layer with 2 lanes needs 6 intersect and 24 array tiles).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "appcases.h"
#include "cosim_group.h"


/* App `a` under schedule `fuse`: every kernel compared, none failing;
 * with `channels`, every channel of every kernel too (recording costs
 * memory and a tap scan per cycle: kept to the small apps). */
static void cosim_app_run(int a, const char *fuse, int channels, const char *par, int lanes, ff_reuse reuse)
{
    ff_ir_program *p = NULL;
    ff_tensor **data = NULL;
    app_load(a, &p, &data);
    ff_err err = {0};
    ff_tensor **ref = calloc((size_t)p->ntensors + 1, sizeof *ref);
    if (ff_ir_interpret(p, (const ff_tensor *const *)data, ref, &err))
        fail_msg("%s: reference interpreter: %s", app_cases[a].file, err.msg);
    printf("%s --fuse %s%s%s --reuse %s\n", app_cases[a].file, fuse, par ? " --par " : "", par ? par : "",
           ff_reuse_name(reuse));
    ff_run_sched sched = {.fuse = fuse, .par = par ? lanes : 0, .reuse = reuse};
    if (par) snprintf(sched.par_index, sizeof sched.par_index, "%s", par);
    ff_run_cosim_opts po = {.model = app_cases[a].file, .done = cosim_group_print_kernel};
    po.graph.channels = channels;
    ff_run_cosim_kernel *ks = NULL;
    int nk = 0;
    if (ff_run_cosim_program(cosim_group, p, data, ref, &sched, &po, &ks, &nk, &err)) fail_msg("%s: %s", app_cases[a].file, err.msg);
    int failed = 0, compared = 0;
    for (int k = 0; k < nk; k++) {
        failed += ks[k].failure != NULL;
        compared += ks[k].compared;
    }
    ff_run_cosim_kernels_free(ks, nk);
    for (int t = 0; t < p->ntensors; t++) ff_tensor_free(ref[t]);
    free(ref);
    app_free(p, data);
    assert_int_equal(failed, 0);
    assert_int_equal(compared, nk);
    assert_true(nk > 0);
}

static void cosim_app_par(int a, const char *fuse, int channels, const char *par, int lanes)
{
    cosim_app_run(a, fuse, channels, par, lanes, FF_REUSE_AUTO);
}
static void cosim_app_channels(int a, const char *fuse, int channels) { cosim_app_par(a, fuse, channels, NULL, 0); }
static void cosim_app(int a, const char *fuse) { cosim_app_channels(a, fuse, 0); }

static int app_index(const char *file)
{
    for (int a = 0; a < app_ncases; a++)
        if (!strcmp(app_cases[a].file, file)) return a;
    fail_msg("no app %s", file);
    return -1;
}

static void autoencoder_unfused(void **s) { (void)s, cosim_app_channels(app_index("autoencoder.ff"), "none", 1); }
static void autoencoder_fused(void **s) { (void)s, cosim_app_channels(app_index("autoencoder.ff"), "all", 1); }
static void gcn_unfused(void **s) { (void)s, cosim_app(app_index("gcn.ff"), "none"); }
static void gcn_per_layer(void **s) { (void)s, cosim_app(app_index("gcn.ff"), "1-3,4-5,6-8"); }
static void graphsage_unfused(void **s) { (void)s, cosim_app(app_index("graphsage.ff"), "none"); }
static void graphsage_per_layer(void **s) { (void)s, cosim_app(app_index("graphsage.ff"), "1-2,3-5,6-8"); }
static void gpt_unfused(void **s) { (void)s, cosim_app(app_index("gpt3_bigbird.ff"), "none"); }
static void gpt_per_component(void **s) { (void)s, cosim_app(app_index("gpt3_bigbird.ff"), "1-4,5-7,8,9-11"); }
/* Fully fused with every revisited producer held on chip: the kernel runs
 * in phases, each a graph of its own on the array, what they hold passed
 * between them as the runner stores it. */
static void gcn_fused_hold(void **s) { (void)s, cosim_app_run(app_index("gcn.ff"), "all", 0, NULL, 0, FF_REUSE_HOLD); }
static void graphsage_fused_hold(void **s)
{
    (void)s, cosim_app_run(app_index("graphsage.ff"), "all", 0, NULL, 0, FF_REUSE_HOLD);
}

/* Parallelized, 2 lanes, under each app's outer loop (tests/support/
 * appcases.c): forks and serializes on the array as in the C model. */
static void par_app(const char *file, const char *fuse, int channels)
{
    int a = app_index(file);
    cosim_app_par(a, fuse, channels, app_cases[a].par, 2);
}
static void autoencoder_fused_par(void **s) { (void)s, par_app("autoencoder.ff", "all", 1); }
static void gcn_unfused_par(void **s) { (void)s, par_app("gcn.ff", "none", 0); }
static void graphsage_unfused_par(void **s) { (void)s, par_app("graphsage.ff", "none", 0); }
static void gpt_unfused_par(void **s) { (void)s, par_app("gpt3_bigbird.ff", "none", 0); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(autoencoder_unfused), cmocka_unit_test(autoencoder_fused),
        cmocka_unit_test(gcn_unfused),         cmocka_unit_test(gcn_per_layer),
        cmocka_unit_test(graphsage_unfused),   cmocka_unit_test(graphsage_per_layer),
        cmocka_unit_test(gpt_unfused),         cmocka_unit_test(gpt_per_component),
        cmocka_unit_test(gcn_fused_hold),      cmocka_unit_test(graphsage_fused_hold),
        cmocka_unit_test(autoencoder_fused_par), cmocka_unit_test(gcn_unfused_par),
        cmocka_unit_test(graphsage_unfused_par),
        cmocka_unit_test(gpt_unfused_par),
    };
    return cmocka_run_group_tests_name("cosim_apps", tests, cosim_group_setup, cosim_group_teardown);
}
