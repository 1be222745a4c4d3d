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

/* The hand-worked memory-port graphs of tests/unit/test_mem.c on the RTL,
 * one per kind with a port: the same cycles and the same requests, bytes and
 * waiting on each port (ff_cosim_graph compares them), with the harness
 * serving the array's ports from ff_mem. */
static void cosim_offchip_ports_hand_worked(void **state)
{
    (void)state;
    ff_arch a;
    ff_arch_default(&a);
    a.offchip = (ff_offchip){1, 1, 4, 1, 1, 8, 2};
    const char *names[] = {"array", "writers", "scan", "locate"};
    const uint64_t cycles[] = {18, 24, 23, 22}, requests[] = {3, 5, 4, 4};
    for (int k = 0; k < 4; k++) {
        char path[512];
        snprintf(path, sizeof path, FF_SOURCE_DIR "/tests/graphs/offchip/%s.json", names[k]);
        ff_graph *g = NULL;
        ff_err err = {0};
        if (ff_graph_load_json(path, &g, &err) || ff_graph_validate(g, &err)) fail_msg("%s", err.msg);
        /* x: 1..6 (array); A: 2 x 4 csr, rows (0 1 0 2) and (0 0 3 0) (scan, locate) */
        uint32_t xdims[1] = {6}, adims[2] = {2, 4};
        ff_fx xv[6] = {1 << 16, 2 << 16, 3 << 16, 4 << 16, 5 << 16, 6 << 16};
        ff_fx av[8] = {0, 1 << 16, 0, 2 << 16, 0, 0, 3 << 16, 0};
        ff_format f;
        ff_tensor *x = NULL;
        if (k == 0) {
            assert_int_equal(ff_format_parse("dense", 1, &f, &err), 0);
            assert_int_equal(ff_tensor_from_dense("x", 1, xdims, &f, 16, xv, &x, &err), 0);
        } else if (k >= 2) {
            assert_int_equal(ff_format_parse("csr", 2, &f, &err), 0);
            assert_int_equal(ff_tensor_from_dense("A", 2, adims, &f, 16, av, &x, &err), 0);
        }
        const ff_tensor *in[1] = {x};
        ff_cosim_opts co = {0};
        co.arch = &a;
        co.channels = 1;
        ff_cosim_result res;
        int rc = ff_cosim_graph(cosim_group, g, in, &co, &res, &err);
        printf("  %s: %s, C %llu RTL %llu cycles, %llu requests\n", names[k], rc ? err.msg : "equal",
               (unsigned long long)res.c_cycles, (unsigned long long)res.rtl_cycles,
               (unsigned long long)res.c_timing.requests);
        assert_int_equal(rc, 0);
        assert_int_equal(res.rtl_cycles, cycles[k]);
        assert_int_equal(res.c_timing.requests, requests[k]);
        ff_cosim_result_free(&res);
        ff_tensor_free(x);
        ff_graph_free(g);
    }
}

/* SpMV with a memory too narrow for its ports (one channel, a request every
 * 2 cycles, 2 in flight): requests are refused and the ports take turns;
 * every channel, port and cycle as the C model. */
static void cosim_offchip_spmv_contended(void **state)
{
    (void)state;
    ff_arch a;
    ff_arch_default(&a);
    a.offchip = (ff_offchip){1, 1, 20, 2, 2, 16, 5};
    excase x;
    excase_load(&x, "spmv", 7, 0.4, 24);
    ff_cosim_opts co = {0};
    co.arch = &a;
    co.channels = 1;
    ff_cosim_result res;
    ff_err err = {0};
    int rc = ff_cosim_graph(cosim_group, x.g, x.in, &co, &res, &err);
    printf("  %s: C %llu RTL %llu cycles, %llu requests, %llu cycles waiting\n", rc ? err.msg : "equal",
           (unsigned long long)res.c_cycles, (unsigned long long)res.rtl_cycles,
           (unsigned long long)res.c_timing.requests, (unsigned long long)res.c_timing.stall_mem);
    assert_int_equal(rc, 0);
    assert_true(res.c_timing.requests > 100);
    assert_true(res.c_timing.stall_mem > 0);
    /* no faster than the channel can issue: startup, II 2 per request, the last answer */
    assert_true(res.c_cycles >= 5 + 2 * (res.c_timing.requests - 1) + 20 + 1);
    ff_cosim_result_free(&res);
    excase_free(&x);
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
        cmocka_unit_test(cosim_offchip_ports_hand_worked),
        cmocka_unit_test(cosim_offchip_spmv_contended),
        cmocka_unit_test(cosim_clean_run_matches_on_every_channel),
        cmocka_unit_test(cosim_alu_latency_fault_is_a_cycle_mismatch),
        cmocka_unit_test(cosim_alu_op_fault_is_an_output_mismatch),
    };
    return cmocka_run_group_tests_name("cosim", tests, cosim_group_setup, cosim_group_teardown);
}
