/*
 * test_apps.c -- the four applications of bench/apps at CI size, each
 * unfused, fused per layer or component, and fully fused, compared bit for
 * bit with the reference interpreter. The graph networks run on the real
 * karate-club graph (34 nodes) from ../shared/data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "appcases.h"
#include "ff_ir.h"
#include "ff_run.h"
#include "testrun.h"

static void apps_match_reference_in_every_fusion(void **state)
{
    (void)state;
    int failures = 0;
    for (int a = 0; a < app_ncases; a++)
        for (int f = 0; f < 4 && app_cases[a].fuse[f]; f++) {
            ff_ir_program *p = NULL;
            ff_tensor **data = NULL;
            app_load(a, &p, &data);
            uint64_t cycles = 0;
            failures += run_program_fused(p, data, NULL, app_cases[a].fuse[f], 0, app_cases[a].file, &cycles);
            printf("%-16s fuse %-16s %10llu cycles\n", app_cases[a].file, app_cases[a].fuse[f],
                   (unsigned long long)cycles);
            app_free(p, data);
        }
    assert_int_equal(failures, 0);
}

/* Every app in every schedule with every walk recomputed, with every
 * revisit buffered and with every revisited producer held whole on chip
 * (the default, --reuse auto, is the test above): a stream buffer replays,
 * and a held phase stores, exactly what recomputing would produce. The
 * cycles of the four modes are printed side by side. */
static void apps_match_reference_in_every_reuse_mode(void **state)
{
    (void)state;
    int failures = 0;
    static const ff_reuse modes[] = {FF_REUSE_RECOMPUTE, FF_REUSE_BUFFER, FF_REUSE_HOLD};
    for (int a = 0; a < app_ncases; a++)
        for (int f = 0; f < 4 && app_cases[a].fuse[f]; f++)
            for (int m = 0; m < (int)(sizeof modes / sizeof modes[0]); m++) {
                ff_ir_program *p = NULL;
                ff_tensor **data = NULL;
                app_load(a, &p, &data);
                uint64_t cycles = 0;
                char what[128];
                snprintf(what, sizeof what, "%s --reuse %s", app_cases[a].file, ff_reuse_name(modes[m]));
                ff_run_sched s = {.fuse = app_cases[a].fuse[f], .reuse = modes[m]};
                failures += run_program_with(p, data, &s, 0, what, &cycles);
                printf("%-16s fuse %-16s reuse %-9s %10llu cycles\n", app_cases[a].file, app_cases[a].fuse[f],
                       ff_reuse_name(modes[m]), (unsigned long long)cycles);
                app_free(p, data);
            }
    assert_int_equal(failures, 0);
}

/* Every app in every schedule on small-integer inputs (-1, 0, 1, zeros
 * stored in sparse inputs too): products cancel and relu cuts to exactly
 * 0, so kernels exchange computed zeros, and an inner product over sparse
 * operands leaves empty intersections -- both must come out as the
 * reference's support (docs/language.md "Stored zeros"). */
static void apps_match_reference_with_computed_zeros(void **state)
{
    (void)state;
    int failures = 0;
    for (int a = 0; a < app_ncases; a++)
        for (int f = 0; f < 4 && app_cases[a].fuse[f]; f++) {
            ff_ir_program *p = NULL;
            ff_tensor **data = NULL;
            app_load(a, &p, &data);
            for (int t = 0; t < p->ntensors; t++)
                for (size_t i = 0; data[t] && i < data[t]->nvals; i++)
                    data[t]->vals[i] = (ff_fx)((int)((i * 7 + (size_t)t) % 3) - 1) * ((ff_fx)1 << data[t]->frac_bits);
            uint64_t cycles = 0;
            char what[128];
            snprintf(what, sizeof what, "%s (values -1, 0, 1)", app_cases[a].file);
            failures += run_program_fused(p, data, NULL, app_cases[a].fuse[f], 0, what, &cycles);
            printf("%-16s fuse %-16s zeros %10llu cycles\n", app_cases[a].file, app_cases[a].fuse[f],
                   (unsigned long long)cycles);
            app_free(p, data);
        }
    assert_int_equal(failures, 0);
}

/* --par on every app, unfused and in its second schedule (fused per layer
 * or component; fully fused for the autoencoder), 3 lanes: the same
 * results bit for bit. */
static void apps_match_reference_parallelized(void **state)
{
    (void)state;
    int failures = 0;
    for (int a = 0; a < app_ncases; a++)
        for (int f = 0; f < 2; f++) {
            ff_ir_program *p = NULL;
            ff_tensor **data = NULL;
            app_load(a, &p, &data);
            uint64_t cycles = 0;
            char what[128];
            snprintf(what, sizeof what, "%s --par %s:3", app_cases[a].file, app_cases[a].par);
            failures += run_program_par(p, data, NULL, app_cases[a].fuse[f], app_cases[a].par, 3, 0, what, &cycles);
            printf("%-16s fuse %-16s par %s:3 %10llu cycles\n", app_cases[a].file, app_cases[a].fuse[f],
                   app_cases[a].par, (unsigned long long)cycles);
            app_free(p, data);
        }
    assert_int_equal(failures, 0);
}

/* --block 4 on the apps with a blocked variant (GPT-3/BigBird: the mask and
 * the attention scores in 4x4 blocks), in each of their schedules and the
 * first two with --par as well: the attention streams whole blocks and
 * every result is bit-exact. */
static void apps_match_reference_blocked(void **state)
{
    (void)state;
    int failures = 0, runs = 0;
    for (int a = 0; a < app_ncases; a++)
        for (int f = 0; app_cases[a].blocked[0] && f < 4 && app_cases[a].fuse[f]; f++) {
            ff_ir_program *p = NULL;
            ff_tensor **data = NULL;
            app_load_blocked(a, &p, &data);
            uint64_t cycles = 0;
            char what[128];
            snprintf(what, sizeof what, "%s --fuse %s --block 4", app_cases[a].file, app_cases[a].fuse[f]);
            failures += run_program_sched(p, data, NULL, app_cases[a].fuse[f], NULL, 0, 4, 0, what, &cycles);
            printf("%-16s fuse %-16s block 4 %10llu cycles\n", app_cases[a].file, app_cases[a].fuse[f],
                   (unsigned long long)cycles);
            runs++;
            app_free(p, data);
            if (f > 1) continue;
            /* and with --par: forks and serializes pass block handles */
            app_load_blocked(a, &p, &data);
            snprintf(what, sizeof what, "%s --fuse %s --block 4 --par %s:3", app_cases[a].file, app_cases[a].fuse[f],
                     app_cases[a].par);
            failures += run_program_sched(p, data, NULL, app_cases[a].fuse[f], app_cases[a].par, 3, 4, 0, what, &cycles);
            printf("%-16s fuse %-16s block 4 par %s:3 %10llu cycles\n", app_cases[a].file, app_cases[a].fuse[f],
                   app_cases[a].par, (unsigned long long)cycles);
            runs++;
            app_free(p, data);
        }
    assert_int_equal(failures, 0);
    assert_true(runs >= 5);
}

/* The GPT-3/BigBird block fully fused: one kernel of about 7,000
 * primitives, 77 million cycles at CI size (about 100 s); a test program of
 * its own (`test_apps --gpt-fused`) so that CTest runs it beside the rest. */
static void gpt_fully_fused_matches_reference(void **state)
{
    (void)state;
    int a = 0;
    while (a < app_ncases && strcmp(app_cases[a].file, "gpt3_bigbird.ff")) a++;
    assert_true(a < app_ncases);
    ff_ir_program *p = NULL;
    ff_tensor **data = NULL;
    app_load(a, &p, &data);
    uint64_t cycles = 0;
    int failures = run_program_fused(p, data, NULL, "all", 0, "gpt3_bigbird.ff --fuse all", &cycles);
    printf("%-16s fuse %-16s %10llu cycles\n", app_cases[a].file, "all", (unsigned long long)cycles);
    app_free(p, data);
    assert_int_equal(failures, 0);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--gpt-fused")) {
        const struct CMUnitTest one[] = {cmocka_unit_test(gpt_fully_fused_matches_reference)};
        return cmocka_run_group_tests_name("apps_gpt_fused", one, NULL, NULL);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(apps_match_reference_in_every_fusion),
        cmocka_unit_test(apps_match_reference_with_computed_zeros),
        cmocka_unit_test(apps_match_reference_parallelized),
        cmocka_unit_test(apps_match_reference_blocked),
        cmocka_unit_test(apps_match_reference_in_every_reuse_mode),
    };
    return cmocka_run_group_tests_name("apps", tests, NULL, NULL);
}
