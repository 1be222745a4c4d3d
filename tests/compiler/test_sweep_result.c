/*
 * test_sweep_result.c -- a point's result as a file (compiler/sweep/result.c,
 * ff_sweep.h), how a Slurm array task hands it to the sweep: it reads back
 * as written, a model choice's accuracies to the last bit and their absence
 * as absence, an error message stays one line, no temporary file is left,
 * and a file that is not a result, is cut short, or belongs to another
 * space's point is refused with a message naming the file.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ff_sweep.h"

#define DIR FF_BINARY_DIR "/sweep_result"

/* A space of 2 FIFO depths x 3 --par choices; fifo gives the depths. */
static void space(const char *name, const char *fifo, ff_sweep_space *s)
{
    char path[512];
    snprintf(path, sizeof path, DIR "/%s", name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f,
            "{\"fuseflow\": \"space\", \"version\": 1, \"model\": \"" FF_SOURCE_DIR "/examples/spmv.ff\","
            " \"arch\": \"" FF_SOURCE_DIR "/arch/hbm-study.json\", \"arch_params\": {\"fifo_depth\": %s},"
            " \"schedule\": {\"par\": [\"\", \"i:2\", \"z:2\"]}}\n",
            fifo);
    fclose(f);
    ff_err err = {0};
    assert_int_equal(ff_sweep_space_load(path, s, &err), 0);
    assert_int_equal(s->npoints, 6);
}

static int setup(void **state)
{
    (void)state;
    mkdir(DIR, 0777);
    return 0;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void result_round_trip(void **state)
{
    (void)state;
    ff_sweep_space s = {0};
    space("a.json", "[2, 4]", &s);
    ff_sweep_result r = {.status = "ok", .cycles = 1126, .max_prims = 26, .offchip_bytes = 3988, .kernels = 1,
                         .seconds = 0.25, .accuracy_float = NAN},
                    back;
    ff_err err = {0};
    assert_int_equal(ff_sweep_result_save(DIR "/ok.res", &s, 4, &r, &err), 0);
    uint64_t i = 99;
    assert_int_equal(ff_sweep_result_load(DIR "/ok.res", &s, &i, &back, &err), 0);
    assert_int_equal(i, 4);
    assert_int_equal(back.point, 4);
    assert_string_equal(back.status, "ok");
    assert_int_equal(back.cycles, 1126);
    assert_int_equal(back.max_prims, 26);
    assert_int_equal(back.offchip_bytes, 3988);
    assert_int_equal(back.kernels, 1);
    assert_true(back.seconds > 0.2499 && back.seconds < 0.2501);
    assert_string_equal(back.error, "");
    assert_int_equal(back.has_accuracy, 0); /* no model choice: none measured */
    assert_true(isnan(back.accuracy_float));
    char tmp[256];
    snprintf(tmp, sizeof tmp, DIR "/ok.res.tmp.%ld", (long)getpid());
    assert_int_not_equal(access(tmp, F_OK), 0); /* renamed, not left */
    ff_sweep_space_free(&s);
}

/* A model choice's point: the accuracy (a fraction of the test rows, not a
 * short decimal) and the trainer's float accuracy come back bit for bit,
 * so the Slurm back end records what the local one does. */
static void result_accuracy_round_trip(void **state)
{
    (void)state;
    ff_sweep_space s = {0};
    space("a.json", "[2, 4]", &s);
    ff_sweep_result r = {.status = "ok", .cycles = 7, .max_prims = 3, .kernels = 2, .has_accuracy = 1,
                         .accuracy = 813.0 / 1000.0 + 1e-17, .accuracy_float = 1.0 / 3.0,
                         .area = 1e6 / 3.0, .area_tiles = 2e5 / 7.0, .area_crossbar = 0.1, .area_sram = 12345.5,
                         .energy = 100.0 / 3.0, .energy_logic = 1.0 / 7.0, .energy_sram = 2.5, .energy_offchip = 0.1,
                         .energy_leakage = 1e-3 / 3.0},
                    back;
    ff_err err = {0};
    uint64_t i;
    assert_int_equal(ff_sweep_result_save(DIR "/acc.res", &s, 5, &r, &err), 0);
    assert_int_equal(ff_sweep_result_load(DIR "/acc.res", &s, &i, &back, &err), 0);
    assert_int_equal(i, 5);
    assert_int_equal(back.has_accuracy, 1);
    assert_memory_equal(&back.accuracy, &r.accuracy, sizeof r.accuracy);
    assert_memory_equal(&back.accuracy_float, &r.accuracy_float, sizeof r.accuracy_float);
    /* the area too, to the last bit */
    assert_memory_equal(&back.area, &r.area, sizeof r.area);
    assert_memory_equal(&back.area_tiles, &r.area_tiles, sizeof r.area_tiles);
    assert_memory_equal(&back.area_crossbar, &r.area_crossbar, sizeof r.area_crossbar);
    assert_memory_equal(&back.area_sram, &r.area_sram, sizeof r.area_sram);
    /* and the energy */
    assert_memory_equal(&back.energy, &r.energy, sizeof r.energy);
    assert_memory_equal(&back.energy_logic, &r.energy_logic, sizeof r.energy_logic);
    assert_memory_equal(&back.energy_sram, &r.energy_sram, sizeof r.energy_sram);
    assert_memory_equal(&back.energy_offchip, &r.energy_offchip, sizeof r.energy_offchip);
    assert_memory_equal(&back.energy_leakage, &r.energy_leakage, sizeof r.energy_leakage);
    /* measured, but the trainer gave no float accuracy */
    r.accuracy = 0;
    r.accuracy_float = NAN;
    assert_int_equal(ff_sweep_result_save(DIR "/acc.res", &s, 5, &r, &err), 0);
    assert_int_equal(ff_sweep_result_load(DIR "/acc.res", &s, &i, &back, &err), 0);
    assert_int_equal(back.has_accuracy, 1);
    assert_true(back.accuracy == 0);
    assert_true(isnan(back.accuracy_float));
    /* an error point of a model space: nothing measured */
    ff_sweep_result e = {.status = "error", .error = "deadlock", .accuracy_float = 0.5};
    assert_int_equal(ff_sweep_result_save(DIR "/acc.res", &s, 1, &e, &err), 0);
    assert_int_equal(ff_sweep_result_load(DIR "/acc.res", &s, &i, &back, &err), 0);
    assert_int_equal(back.has_accuracy, 0);
    assert_true(back.accuracy == 0);
    assert_true(back.accuracy_float == 0.5);
    assert_string_equal(back.error, "deadlock");
    ff_sweep_space_free(&s);
}

static void result_error_one_line(void **state)
{
    (void)state;
    ff_sweep_space s = {0};
    space("a.json", "[2, 4]", &s);
    ff_sweep_result r = {.status = "error", .error = "--par z:2: no statement\nhas a loop 'z'"}, back;
    ff_err err = {0};
    assert_int_equal(ff_sweep_result_save(DIR "/err.res", &s, 2, &r, &err), 0);
    uint64_t i;
    assert_int_equal(ff_sweep_result_load(DIR "/err.res", &s, &i, &back, &err), 0);
    assert_int_equal(i, 2);
    assert_string_equal(back.status, "error");
    assert_string_equal(back.error, "--par z:2: no statement has a loop 'z'");
    ff_sweep_space_free(&s);
}

static void result_other_space_refused(void **state)
{
    (void)state;
    ff_sweep_space a = {0}, b = {0};
    space("a.json", "[2, 4]", &a);
    space("b.json", "[2, 8]", &b);
    ff_sweep_result r = {.status = "ok", .cycles = 1}, back;
    ff_err err = {0};
    assert_int_equal(ff_sweep_result_save(DIR "/a.res", &a, 4, &r, &err), 0);
    uint64_t i;
    assert_int_equal(ff_sweep_result_load(DIR "/a.res", &b, &i, &back, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "a.res: point 4 is 'fifo_depth=4;par=i:2' there, 'fifo_depth=8;par=i:2' in this space"));
    ff_sweep_space_free(&a);
    ff_sweep_space_free(&b);
}

#define OK "fuseflow sweep result 4\npoint 3\nkey fifo_depth=4;par=\nstatus ok\ncycles 12\nmax_prims 1\noffchip_bytes 0\nkernels 1\nseconds 0.1\n"

static void result_bad_files_refused(void **state)
{
    (void)state;
    ff_sweep_space s = {0};
    space("a.json", "[2, 4]", &s);
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"", "not a sweep result"},
        {"hello\n", "not a sweep result"},
        {"fuseflow sweep result 4\npoint 3\nkey fifo_depth=4;par=\nstatus ok\n", "expected the line 'cycles ...'"},
        {"fuseflow sweep result 4\npoint 6\n", "point 6 is not in the space (6 points)"},
        {"fuseflow sweep result 4\npoint -1\n", "point '-1': expected a number"},
        {"fuseflow sweep result 4\npoint 3\nkey fifo_depth=4;par=\nstatus maybe\n", "status 'maybe': expected ok or error"},
        {"fuseflow sweep result 4\npoint 3\nkey fifo_depth=4;par=\nstatus ok\ncycles 12x\n", "cycles '12x'"},
        /* a file of a version before the accuracy, area or energy lines: run again */
        {"fuseflow sweep result 1\npoint 3\n", "not a sweep result (expected 'fuseflow sweep result 4')"},
        {"fuseflow sweep result 2\npoint 3\n", "not a sweep result (expected 'fuseflow sweep result 4')"},
        {"fuseflow sweep result 3\npoint 3\n", "not a sweep result (expected 'fuseflow sweep result 4')"},
        {OK "error \n", "expected the line 'accuracy ...'"},
        {OK "accuracy 0.8x\naccuracy_float none\nerror \n", "accuracy '0.8x': expected a number or none"},
        {OK "accuracy nan\naccuracy_float none\nerror \n", "accuracy 'nan': expected a number or none"},
        {OK "accuracy none\naccuracy_float \nerror \n", "accuracy_float '': expected a number or none"},
        {OK "accuracy none\naccuracy_float none\nerror \n", "expected the line 'area ...'"},
        {OK "accuracy none\naccuracy_float none\narea 1 2 3\nerror \n", "area '1 2 3': expected 4 numbers >= 0"},
        {OK "accuracy none\naccuracy_float none\narea 1 2 3 -4\nerror \n", "area '1 2 3 -4': expected 4"},
        {OK "accuracy none\naccuracy_float none\narea 1 2 3 4 5\nerror \n", "area '1 2 3 4 5': expected 4"},
        {OK "accuracy none\naccuracy_float none\narea 1 2 3 4\nerror \n", "expected the line 'energy ...'"},
        {OK "accuracy none\naccuracy_float none\narea 1 2 3 4\nenergy 1 2 3 4\nerror \n", "energy '1 2 3 4': expected 5"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        write_text(DIR "/bad.res", cases[k].text);
        ff_sweep_result back;
        ff_err err = {0};
        uint64_t i;
        assert_int_not_equal(ff_sweep_result_load(DIR "/bad.res", &s, &i, &back, &err), 0);
        if (!strstr(err.msg, cases[k].msg) || !strstr(err.msg, "bad.res"))
            fail_msg("case %zu: '%s' lacks '%s'", k, err.msg, cases[k].msg);
    }
    ff_err err = {0};
    ff_sweep_result back;
    uint64_t i;
    assert_int_equal(ff_sweep_result_load(DIR "/missing.res", &s, &i, &back, &err), FF_EIO);
    ff_sweep_space_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(result_round_trip),
        cmocka_unit_test(result_accuracy_round_trip),
        cmocka_unit_test(result_error_one_line),
        cmocka_unit_test(result_other_space_refused),
        cmocka_unit_test(result_bad_files_refused),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
