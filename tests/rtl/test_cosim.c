/*
 * test_cosim.c -- the co-simulation library (cosim/ff_cosim.h) catches a
 * broken array: one configuration register of one ALU tile is perturbed
 * before the RTL run (ff_cosim_fault), and the comparison must fail and say
 * which tile. A latency flip changes only the timing (a cycle mismatch); an
 * op flip changes the values (an output mismatch naming tensor and
 * coordinate). The unperturbed run must match.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "excase.h"
#include "cosim_group.h"
#include "ff_cosim.h"
#include "ff_ir.h"
#include "ff_lower.h"


/* examples/spmv.ff at size 8 on random data, under fault f; returns the
 * ff_cosim_graph code, err holding its message. */
static int run_spmv(const ff_cosim_fault *f, int channels, ff_cosim_result *res, ff_err *err)
{
    excase x;
    excase_load(&x, "spmv", 7, 0.4, 8);
    ff_cosim_opts co = {0};
    co.channels = channels;
    if (f) co.fault = *f;
    int rc = ff_cosim_graph(cosim_group, x.g, x.in, &co, res, err);
    printf("  %s\n", rc ? err->msg : "equal");
    if (rc || channels) ff_cosim_print_divergence(&res->div, stdout);
    excase_free(&x);
    return rc;
}

static void cosim_clean_run_matches(void **state)
{
    (void)state;
    ff_err err = {0};
    ff_cosim_result res;
    assert_int_equal(run_spmv(NULL, 0, &res, &err), 0);
    assert_true(res.c_cycles > 0);
    assert_int_equal(res.c_cycles, res.rtl_cycles);
    assert_false(res.div.found);
    ff_cosim_result_free(&res);
}

/* Every channel, token for token and cycle for cycle: the RTL's tap
 * recording and the C model's push cycles line up. */
static void cosim_clean_run_matches_on_every_channel(void **state)
{
    (void)state;
    ff_err err = {0};
    ff_cosim_result res;
    assert_int_equal(run_spmv(NULL, 1, &res, &err), 0);
    assert_false(res.div.found);
    assert_true(res.div.channels > 10);
    assert_true(res.div.tokens > 100);
    ff_cosim_result_free(&res);
}

static void cosim_alu_latency_fault_is_a_cycle_mismatch(void **state)
{
    (void)state;
    ff_err err = {0};
    ff_cosim_result res;
    ff_cosim_fault f = {FF_PRIM_ALU, 0, FF_RTL_REG_CTRL, 1u << FF_RTL_CTRL_LATENCY_LSB};
    assert_int_equal(run_spmv(&f, 0, &res, &err), FF_EMISMATCH);
    assert_non_null(strstr(err.msg, "alu[0]"));
    assert_non_null(strstr(err.msg, "cycles"));
    assert_true(res.rtl_cycles != res.c_cycles);
    /* the first divergence: a token out of alu[0], one cycle late */
    assert_true(res.div.found);
    assert_non_null(strstr(res.div.producer, "alu[0]"));
    assert_true(res.div.have_rtl && res.div.have_c);
    assert_true(res.div.rtl.tok == res.div.c.tok);
    assert_int_equal(res.div.rtl.cycle, res.div.c.cycle + 1);
    ff_cosim_result_free(&res);
}

static void cosim_alu_op_fault_is_an_output_mismatch(void **state)
{
    (void)state;
    ff_err err = {0};
    ff_cosim_result res;
    /* mul (2) -> max (4) */
    ff_cosim_fault f = {FF_PRIM_ALU, 0, FF_RTL_ALU_OP_REG, 6u << FF_RTL_ALU_OP_LSB};
    assert_int_equal(run_spmv(&f, 0, &res, &err), FF_EMISMATCH);
    assert_non_null(strstr(err.msg, "alu[0]"));
    assert_non_null(strstr(err.msg, "output 'y'"));
    /* the first divergence: a value out of alu[0], on time */
    assert_true(res.div.found);
    assert_non_null(strstr(res.div.producer, "alu[0]"));
    assert_true(res.div.rtl.tok != res.div.c.tok);
    assert_int_equal(res.div.rtl.cycle, res.div.c.cycle);
    ff_cosim_result_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cosim_clean_run_matches),
        cmocka_unit_test(cosim_clean_run_matches_on_every_channel),
        cmocka_unit_test(cosim_alu_latency_fault_is_a_cycle_mismatch),
        cmocka_unit_test(cosim_alu_op_fault_is_an_output_mismatch),
    };
    return cmocka_run_group_tests_name("cosim", tests, cosim_group_setup, cosim_group_teardown);
}
