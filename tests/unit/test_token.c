/*
 * test_token.c -- the token word and its text form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ff_token.h"

static void token_word_layout(void **state)
{
    /* The bit layout is the RTL's: kind in bits 33:32. */
    assert_true(ff_tok_stop(3) == ((1ULL << 32) | 3));
    assert_true(FF_TOK_N == (2ULL << 32));
    assert_true(FF_TOK_D == (3ULL << 32));
    assert_true(ff_tok_data(0xffffffffu) == 0xffffffffULL);
    assert_int_equal(ff_tok_kind_of(ff_tok_stop(7)), FF_TK_STOP);
    assert_int_equal(ff_tok_payload(ff_tok_stop(7)), 7);
    assert_true(ff_tok_is_data(ff_tok_data(5)) && !ff_tok_is_stop(ff_tok_data(5)));
    assert_true(FF_TOK_IDLE >> FF_TOK_BITS);
}

static void token_text_round_trips(void **state)
{
    struct { const char *text; ff_stream_type type; } cases[] = {
        {"0 3 S0 5 S1 N D", FF_ST_CRD},
        {"4294967295 S255 D", FF_ST_REF},
        {"1.5 -2 0.0625 -0.00002 S0 D", FF_ST_VAL},
        {"R R S R S D", FF_ST_REP},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ff_tokvec v = {0};
        ff_err err = {0};
        assert_int_equal(ff_tok_parse(cases[i].text, cases[i].type, 16, 0, &v, &err), 0);
        char *s = ff_tok_format_stream(v.data, v.len, cases[i].type, 16);
        assert_string_equal(s, cases[i].text);
        free(s);
        free(v.data);
    }
}

static void token_timed_inputs(void **state)
{
    ff_tokvec v = {0};
    ff_err err = {0};
    assert_int_equal(ff_tok_parse("0 _ _ 3 D", FF_ST_CRD, 16, 1, &v, &err), 0);
    assert_int_equal(v.len, 5);
    assert_true(v.data[1] == FF_TOK_IDLE && v.data[2] == FF_TOK_IDLE);
    free(v.data);
    v = (ff_tokvec){0};
    assert_int_equal(ff_tok_parse("0 _ D", FF_ST_CRD, 16, 0, &v, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "token 1 '_'"));
    free(v.data);
}

static void token_parse_errors_name_the_word(void **state)
{
    struct { const char *text; ff_stream_type type; const char *msg; } cases[] = {
        {"0 1 Sx D", FF_ST_CRD, "token 2 'Sx'"},
        {"0 -1 D", FF_ST_CRD, "token 1 '-1'"},
        {"0 4294967296 D", FF_ST_REF, "token 1 '4294967296'"},
        {"R 1 D", FF_ST_REP, "token 1 '1'"},
        {"R D", FF_ST_CRD, "token 0 'R'"},
        {"1.5x D", FF_ST_VAL, "token 0 '1.5x'"},
        {"S D", FF_ST_CRD, "token 0 'S'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ff_tokvec v = {0};
        ff_err err = {0};
        assert_int_equal(ff_tok_parse(cases[i].text, cases[i].type, 16, 0, &v, &err), FF_EINVAL);
        assert_non_null(strstr(err.msg, cases[i].msg));
        free(v.data);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(token_word_layout),
        cmocka_unit_test(token_text_round_trips),
        cmocka_unit_test(token_timed_inputs),
        cmocka_unit_test(token_parse_errors_name_the_word),
    };
    return cmocka_run_group_tests_name("token", tests, NULL, NULL);
}
