/*
 * test_cosim_broken.c -- a deliberately broken RTL build is caught, and the
 * first-divergence report names a tile of the broken kind (docs/cosim.md
 * "Broken builds").
 *
 * This program links ff_rtl_kernels_broken: the `kernels` array Verilated
 * with the Verilog define FF_RTL_FAULT (rtl/CMakeLists.txt). CMake passes
 * what the define breaks: FF_FAULT_KIND (the tile kind, FF_PRIM_*) and
 * FF_FAULT_TIMING (1: a latency shift -- the same tokens, later; 0: a
 * corrupted ALU op -- other values, on time). Nothing in the bitstream or in
 * the C model is touched: only the RTL differs.
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
#include "ff_cosim.h"
#include "ff_ir.h"
#include "ff_lower.h"

/* examples/NAME.ff, statement 0, every size 8, seeded random inputs, on
 * both models; returns the ff_cosim_graph code. */
static int run_example(const char *name, ff_cosim_result *res, ff_err *err)
{
    excase x;
    excase_load(&x, name, 5, 0.4, 8);
    ff_cosim *c = NULL;
    if (ff_cosim_new(&c, err)) fail_msg("%s", err->msg);
    ff_cosim_opts co = {0};
    int rc = ff_cosim_graph(c, x.g, x.in, &co, res, err);
    printf("%s: %s\n", name, rc ? err->msg : "equal");
    ff_cosim_print_divergence(&res->div, stdout);
    ff_cosim_free(c);
    excase_free(&x);
    return rc;
}

static void broken_rtl_is_caught_and_the_tile_named(void **state)
{
    (void)state;
    const char *kind = ff_hw_kind_get(FF_FAULT_KIND)->name;
    char want[64];
    snprintf(want, sizeof want, "%s[", kind);
    ff_err err = {0};
    ff_cosim_result res;
    /* spmm (i,k,j) uses repeat, mul, and every other kind a fault define
     * names in the test's CMake */
    assert_int_equal(run_example("spmm", &res, &err), FF_EMISMATCH);
    assert_true(res.div.found);
    assert_non_null(strstr(res.div.producer, want));
    assert_true(res.div.have_rtl && res.div.have_c);
    if (FF_FAULT_TIMING) {
        /* the same token, late */
        assert_true(res.div.rtl.tok == res.div.c.tok);
        assert_true(res.div.rtl.cycle > res.div.c.cycle);
        assert_non_null(strstr(err.msg, "cycles"));
    } else {
        /* another value, on time */
        assert_true(res.div.rtl.tok != res.div.c.tok);
        assert_int_equal(res.div.rtl.cycle, res.div.c.cycle);
    }
    ff_cosim_result_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(broken_rtl_is_caught_and_the_tile_named),
    };
    return cmocka_run_group_tests_name("cosim_broken", tests, NULL, NULL);
}
