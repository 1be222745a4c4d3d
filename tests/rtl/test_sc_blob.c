/*
 * test_sc_blob.c -- tensors as the C model's mailbox bytes
 * (cosim/systemc/ff_sc_blob.h): a round trip gives the tensor
 * ff_tensor_convert gives, in any format; a damaged blob is refused with
 * what is wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ff_sc_blob.h"

static ff_tensor *random_tensor(const char *fmt_text, int order, const uint32_t *dims, double density)
{
    ff_err err = {0};
    ff_format fmt;
    ff_tensor *t = NULL;
    ff_rand_spec spec = {density, -1.0, 1.0, 4, 99};
    if (ff_format_parse(fmt_text, order, &fmt, &err) || ff_tensor_random("A", order, dims, &fmt, 16, &spec, &t, &err))
        fail_msg("%s", err.msg);
    return t;
}

static void blob_round_trip_is_the_converted_tensor(void **state)
{
    (void)state;
    static const struct {
        const char *from, *to;
        int order;
        uint32_t dims[3];
    } cases[] = {
        {"csr", "csr", 2, {7, 9, 0}},   {"dense", "csr", 2, {5, 4, 0}}, {"csr", "dense", 2, {6, 6, 0}},
        {"csr", "csc", 2, {8, 3, 0}},   {"sparse", "dense", 1, {12, 0, 0}}, {"sparse", "sparse", 3, {4, 5, 6}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ff_err err = {0};
        ff_tensor *t = random_tensor(cases[i].from, cases[i].order, cases[i].dims, 0.3), *back = NULL, *conv = NULL;
        ff_format to;
        uint8_t *b = NULL;
        size_t len = 0;
        char name[64];
        if (ff_format_parse(cases[i].to, cases[i].order, &to, &err) || ff_sc_blob_encode(t, "X", &b, &len, &err) ||
            ff_sc_blob_name(b, len, name, &err) || ff_sc_blob_decode(b, len, &to, &back, &err) ||
            ff_tensor_convert(t, &to, &conv, &err))
            fail_msg("%s -> %s: %s", cases[i].from, cases[i].to, err.msg);
        assert_string_equal(name, "X");
        assert_int_equal(len, 4 * (20 + (size_t)t->order + ff_tensor_nnz(t) * (size_t)(t->order + 1)));
        if (ff_tensor_compare(back, conv, &err)) fail_msg("%s -> %s: %s", cases[i].from, cases[i].to, err.msg);
        /* the same fibertree, not only the same values */
        assert_int_equal(back->nvals, conv->nvals);
        assert_memory_equal(back->vals, conv->vals, conv->nvals * sizeof *conv->vals);
        for (int l = 0; l < conv->fmt.nlevels; l++) {
            assert_int_equal(back->lvl[l].ncrd, conv->lvl[l].ncrd);
            assert_int_equal(back->lvl[l].nseg, conv->lvl[l].nseg);
            if (conv->lvl[l].ncrd) assert_memory_equal(back->lvl[l].crd, conv->lvl[l].crd, conv->lvl[l].ncrd * 4);
            if (conv->lvl[l].nseg) assert_memory_equal(back->lvl[l].seg, conv->lvl[l].seg, conv->lvl[l].nseg * 4);
        }
        free(b);
        ff_tensor_free(t);
        ff_tensor_free(back);
        ff_tensor_free(conv);
    }
}

static void blob_damage_is_named(void **state)
{
    (void)state;
    uint32_t dims[2] = {4, 4};
    ff_tensor *t = random_tensor("csr", 2, dims, 0.5);
    ff_format fmt;
    ff_err err = {0};
    ff_format_parse("csr", 2, &fmt, &err);
    uint8_t *b = NULL;
    size_t len = 0;
    ff_tensor *back = NULL;
    assert_int_equal(ff_sc_blob_encode(t, NULL, &b, &len, &err), 0);
    assert_true(ff_tensor_nnz(t) > 0);
    /* short */
    assert_int_equal(ff_sc_blob_decode(b, len - 4, &fmt, &back, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "its header says"));
    /* the magic */
    b[0] ^= 1;
    assert_int_equal(ff_sc_blob_decode(b, len, &fmt, &back, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "magic"));
    b[0] ^= 1;
    /* a coordinate outside its dim (the first point's mode 0) */
    uint8_t *crd = b + 4 * (20 + 2);
    crd[0] = 9;
    assert_int_equal(ff_sc_blob_decode(b, len, &fmt, &back, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "tensor blob 'A'"));
    /* another order */
    ff_format_parse("dense", 1, &fmt, &err);
    crd[0] = 0;
    assert_int_equal(ff_sc_blob_decode(b, len, &fmt, &back, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "order 2"));
    assert_null(back);
    free(b);
    ff_tensor_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(blob_round_trip_is_the_converted_tensor),
        cmocka_unit_test(blob_damage_is_named),
    };
    return cmocka_run_group_tests_name("sc_blob", tests, NULL, NULL);
}
