/*
 * test_tensor.c -- formats, fibertree construction and walking, conversion,
 * comparison and random tensors. Structures are checked array by array on
 * small hand-made tensors; conversions are checked across every format
 * against the dense array the tensor came from.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <math.h>

#include "ff_tensor.h"

#define F16 16
#define ONE (1 << 16)
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Frozen from the first run: the entries of seed 42 must never change. */
#define GOLD_RANDOM_N 219
#define GOLD_RANDOM_HASH 0x62ec5018a198ec1bull

static ff_format fmt_of(const char *text, int order)
{
    ff_format f;
    ff_err err = {0};
    if (ff_format_parse(text, order, &f, &err) != 0) fail_msg("format \"%s\": %s", text, err.msg);
    return f;
}

static ff_tensor *from_dense(const char *name, int order, const uint32_t *dims, const char *fmt,
                             const ff_fx *dense)
{
    ff_format f = fmt_of(fmt, order);
    ff_tensor *t = NULL;
    ff_err err = {0};
    if (ff_tensor_from_dense(name, order, dims, &f, F16, dense, &t, &err) != 0)
        fail_msg("from_dense: %s", err.msg);
    return t;
}

static void assert_u32s(const uint32_t *got, size_t n, const uint32_t *want, size_t nwant)
{
    assert_int_equal(n, nwant);
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i]) fail_msg("element %zu: got %u, want %u", i, got[i], want[i]);
}

/* ---- formats ---- */

static void format_named_parse_and_print(void **state)
{
    static const struct {
        const char *text;
        int order;
        const char *canon; /* ff_format_str */
        const char *levels; /* letter per level then modes */
    } cases[] = {
        {"dense", 2, "dense", "dd01"},    {"sparse", 2, "dcsr", "cc01"},
        {"csr", 2, "csr", "dc01"},        {"csc", 2, "csc", "dc10"},
        {"dcsr", 2, "dcsr", "cc01"},      {"dcsc", 2, "dcsc", "cc10"},
        {"dense", 3, "dense", "ddd012"},  {"sparse", 3, "sparse", "ccc012"},
        {"dense", 1, "dense", "d0"},      {"sparse", 1, "sparse", "c0"},
        {"dc", 2, "csr", "dc01"},         {"cdc:2,0,1", 3, "cdc:2,0,1", "cdc201"},
        {"dd:1,0", 2, "dd:1,0", "dd10"},  {"cd", 2, "cd", "cd01"},
        {"cc:1,0", 2, "dcsc", "cc10"},    {"dcc", 3, "dcc", "dcc012"},
        {"dcc:0,1,2", 3, "dcc", "dcc012"}, {"dense", 0, "dense", ""},
        {"sparse", 0, "dense", ""},
    };
    for (size_t i = 0; i < NELEM(cases); i++) {
        ff_format f = fmt_of(cases[i].text, cases[i].order);
        char buf[64], lv[32] = "";
        assert_int_equal(f.order, cases[i].order);
        for (int k = 0; k < f.nlevels; k++) {
            lv[k] = f.lv[k].fmt == FF_LVL_DENSE ? 'd' : 'c';
            lv[f.nlevels + k] = (char)('0' + f.lv[k].mode);
            assert_int_equal(f.lv[k].split, FF_SPLIT_NONE);
        }
        lv[2 * f.nlevels] = '\0';
        assert_string_equal(lv, cases[i].levels);
        assert_int_equal(ff_format_str(&f, buf, sizeof buf), (int)strlen(cases[i].canon));
        assert_string_equal(buf, cases[i].canon);
        /* The canonical text parses back to the same format. */
        ff_format g = fmt_of(buf, cases[i].order);
        assert_memory_equal(&f, &g, sizeof f);
    }
}

static void format_bcsr_levels_and_dims(void **state)
{
    ff_format f = fmt_of("bcsr(4)", 2);
    assert_int_equal(f.nlevels, 4);
    static const int fmts[] = {FF_LVL_DENSE, FF_LVL_COMPRESSED, FF_LVL_DENSE, FF_LVL_DENSE};
    static const int modes[] = {0, 1, 0, 1};
    static const int splits[] = {FF_SPLIT_OUTER, FF_SPLIT_OUTER, FF_SPLIT_INNER, FF_SPLIT_INNER};
    for (int k = 0; k < 4; k++) {
        assert_int_equal(f.lv[k].fmt, fmts[k]);
        assert_int_equal(f.lv[k].mode, modes[k]);
        assert_int_equal(f.lv[k].split, splits[k]);
        assert_int_equal(f.lv[k].block, 4);
    }
    uint32_t dims[2] = {10, 7}, want[4] = {3, 2, 4, 4};
    for (int k = 0; k < 4; k++) assert_int_equal(ff_format_level_dim(&f, k, dims), want[k]);
    uint32_t exact[2] = {8, 4}, want2[4] = {2, 1, 4, 4};
    for (int k = 0; k < 4; k++) assert_int_equal(ff_format_level_dim(&f, k, exact), want2[k]);
    char buf[64];
    ff_format_str(&f, buf, sizeof buf);
    assert_string_equal(buf, "bcsr(4)");
    /* The letter spelling of the same format is recognized as bcsr. */
    ff_format g = fmt_of("dcdd:0/4,1/4,0%4,1%4", 2);
    assert_memory_equal(&f, &g, sizeof f);
    /* A blocked format that is not bcsr prints in letters and parses back. */
    ff_format h = fmt_of("ddc:1/3,0,1%3", 2);
    assert_int_equal(h.nlevels, 3);
    assert_int_equal(h.lv[2].split, FF_SPLIT_INNER);
    assert_int_equal(ff_format_str(&h, buf, sizeof buf), 13);
    assert_string_equal(buf, "ddc:1/3,0,1%3");
}

static void format_parse_errors(void **state)
{
    static const struct {
        const char *text;
        int order;
        const char *msg;
    } cases[] = {
        {"csx", 2, "format \"csx\": expected dense, sparse, csr, csc, dcsr, dcsc, bcsr(B) or "
                   "level letters d/c"},
        {"", 2, "format \"\": expected dense, sparse, csr, csc, dcsr, dcsc, bcsr(B) or level "
                "letters d/c"},
        {"dcx", 2, "format \"dcx\": expected dense, sparse, csr, csc, dcsr, dcsc, bcsr(B) or "
                   "level letters d/c"},
        {"csr", 3, "format \"csr\" needs a tensor of order 2, not 3"},
        {"dcsc", 1, "format \"dcsc\" needs a tensor of order 2, not 1"},
        {"bcsr(4)", 3, "format \"bcsr(4)\" needs a tensor of order 2, not 3"},
        {"bcsr(0)", 2, "format \"bcsr(0)\": expected bcsr(B) with B a positive integer"},
        {"bcsr(x)", 2, "format \"bcsr(x)\": expected bcsr(B) with B a positive integer"},
        {"bcsr(4", 2, "format \"bcsr(4\": expected bcsr(B) with B a positive integer"},
        {"dcd", 2, "format \"dcd\" has 3 levels, a tensor of order 2 needs 2"},
        {"dense", 7, "format \"dense\": order 7 is outside 0..6"},
    };
    for (size_t i = 0; i < NELEM(cases); i++) {
        ff_format f;
        ff_err err = {0};
        assert_int_equal(ff_format_parse(cases[i].text, cases[i].order, &f, &err), FF_EINVAL);
        assert_int_equal(err.code, FF_EINVAL);
        assert_string_equal(err.msg, cases[i].msg);
    }
    /* Bad mode lists all get the one message that says what a list is. */
    static const char *lists[] = {"dc:0,0", "dc:0", "dc:0,1,2", "dc:0,2", "dc:a,b", "dc:0,1,",
                                  "ddd:0/2,1,0", "ddd:0%2,1,0/2", "ddd:0/2,1,0%3", "dd:0/0,1",
                                  "dddd:0/2,1,0%2,0"};
    for (size_t i = 0; i < NELEM(lists); i++) {
        ff_format f;
        ff_err err = {0};
        int order = 2;
        if (ff_format_parse(lists[i], order, &f, &err) != FF_EINVAL)
            fail_msg("\"%s\" accepted", lists[i]);
        char want[256];
        snprintf(want, sizeof want, "format \"%s\": expected after \":\"", lists[i]);
        if (strncmp(err.msg, want, strlen(want)) != 0)
            fail_msg("\"%s\": %s", lists[i], err.msg);
    }
}

/* ---- construction ---- */

/* A writer's compressed arrays are taken as they stand when they are
 * canonical -- the same tensor from_coo builds from the points -- and
 * refused (NULL, no error) when from_coo would have to sort, merge or drop. */
static void levels_taken_only_when_canonical(void **state)
{
    uint32_t dims[2] = {3, 5};
    ff_format f = fmt_of("dcsr", 2);
    const uint32_t seg0[] = {0, 2}, crd0[] = {0, 2}, seg1[] = {0, 2, 3}, crd1[] = {1, 4, 0};
    const ff_fx vals[] = {ONE, 0, 3 * ONE};
    const uint32_t *segs[2] = {seg0, seg1}, *crds[2] = {crd0, crd1};
    size_t nseg[2] = {2, 3}, ncrd[2] = {2, 3};
    ff_tensor *t = NULL, *ref = NULL;
    ff_err err = {0};
    assert_int_equal(ff_tensor_from_levels("X", 2, dims, &f, F16, segs, nseg, crds, ncrd, vals, 3, &t, &err), 0);
    assert_non_null(t);
    uint32_t pts[] = {0, 1, 0, 4, 2, 0};
    assert_int_equal(ff_tensor_from_coo("X", 2, dims, &f, F16, 3, pts, vals, &ref, &err), 0);
    assert_int_equal(ff_tensor_compare(t, ref, &err), 0);
    assert_int_equal(t->nvals, 3);
    assert_memory_equal(t->vals, vals, sizeof vals); /* the explicit zero kept, as from_coo keeps it */
    ff_tensor_free(t);
    ff_tensor_free(ref);
    /* out of order, a duplicate, an empty inner fiber, out of range: refused */
    const uint32_t bad_order[] = {4, 1, 0}, dup[] = {1, 1, 0}, wide[] = {1, 5, 0};
    const uint32_t *bads[] = {bad_order, dup, wide};
    for (int k = 0; k < 3; k++) {
        crds[1] = bads[k];
        assert_int_equal(ff_tensor_from_levels("X", 2, dims, &f, F16, segs, nseg, crds, ncrd, vals, 3, &t, &err), 0);
        assert_null(t);
    }
    crds[1] = crd1;
    const uint32_t empty_fiber[] = {0, 3, 3};
    segs[1] = empty_fiber;
    assert_int_equal(ff_tensor_from_levels("X", 2, dims, &f, F16, segs, nseg, crds, ncrd, vals, 3, &t, &err), 0);
    assert_null(t);
    /* a format with a dense level is not taken either */
    ff_format csr = fmt_of("csr", 2);
    segs[1] = seg1;
    assert_int_equal(ff_tensor_from_levels("X", 2, dims, &csr, F16, segs, nseg, crds, ncrd, vals, 3, &t, &err), 0);
    assert_null(t);
}

static void coo_sums_duplicates_keeps_zeros(void **state)
{
    /* 3x4; (1,2) twice, an explicit zero at (2,0), points out of order. */
    uint32_t dims[2] = {3, 4};
    uint32_t crd[] = {1, 2, 0, 3, 2, 0, 1, 2, 0, 1};
    ff_fx val[] = {ONE, 2 * ONE, 0, ONE / 2, 3 * ONE};
    ff_format f = fmt_of("csr", 2);
    ff_tensor *t = NULL;
    ff_err err = {0};
    assert_int_equal(ff_tensor_from_coo("A", 2, dims, &f, F16, 5, crd, val, &t, &err), 0);
    assert_string_equal(t->name, "A");
    assert_int_equal(t->lvl[0].dim, 3);
    assert_int_equal(t->npos[0], 3);
    static const uint32_t seg[] = {0, 2, 3, 4}, crd1[] = {1, 3, 2, 0};
    assert_u32s(t->lvl[1].seg, t->lvl[1].nseg, seg, NELEM(seg));
    assert_u32s(t->lvl[1].crd, t->lvl[1].ncrd, crd1, NELEM(crd1));
    assert_int_equal(t->nvals, 4);
    static const ff_fx vals[] = {3 * ONE, 2 * ONE, 3 * ONE / 2, 0};
    assert_memory_equal(t->vals, vals, sizeof vals);
    assert_int_equal(ff_tensor_nnz(t), 3);
    ff_tensor_free(t);

    /* Duplicates saturate in input order. */
    uint32_t c2[] = {0, 0, 0, 0, 0, 0};
    ff_fx v2[] = {FF_FX_MAX, ONE, FF_FX_MIN};
    assert_int_equal(ff_tensor_from_coo("S", 2, dims, &f, F16, 3, c2, v2, &t, &err), 0);
    uint32_t z[2] = {0, 0};
    assert_int_equal(ff_tensor_get(t, z), FF_FX_MIN + FF_FX_MAX); /* MAX, MAX again, then -1 */
    ff_tensor_free(t);
}

/* The classic 4x6 example, in every order-2 format, array by array. */
/* Read element by element, a blocked tensor keeps its stored blocks' zeros
 * (ff_tensor_convert_blocks); ff_tensor_convert keeps non-zeros only. */
static void convert_blocks_keeps_block_zeros(void **state)
{
    (void)state;
    static const ff_fx A[4][6] = {
        {10, 0, 0, 0, 0, 0},
        {0, 0, 0, 0, 0, 0},
        {0, 0, 0, 0, 0, 70},
        {0, 0, 0, 0, 0, 0},
    };
    uint32_t dims[2] = {4, 6};
    ff_tensor *b = from_dense("A", 2, dims, "bcsr(2)", &A[0][0]), *kept = NULL, *dropped = NULL;
    ff_format csr = fmt_of("csr", 2);
    ff_err err = {0};
    assert_int_equal(ff_tensor_convert_blocks(b, &csr, &kept, &err), 0);
    assert_int_equal(ff_tensor_convert(b, &csr, &dropped, &err), 0);
    /* two stored 2x2 blocks: 8 entries, 2 of them non-zero */
    assert_int_equal(kept->nvals, 8);
    assert_int_equal(dropped->nvals, 2);
    static const uint32_t seg[] = {0, 2, 4, 6, 8}, crd[] = {0, 1, 0, 1, 4, 5, 4, 5};
    assert_memory_equal(kept->lvl[1].seg, seg, sizeof seg);
    assert_memory_equal(kept->lvl[1].crd, crd, sizeof crd);
    assert_int_equal(ff_tensor_compare(kept, b, &err), 0);
    /* an unblocked source converts as ff_tensor_convert does */
    ff_tensor *again = NULL;
    assert_int_equal(ff_tensor_convert_blocks(dropped, &csr, &again, &err), 0);
    assert_int_equal(again->nvals, 2);
    ff_tensor_free(again);
    ff_tensor_free(kept);
    ff_tensor_free(dropped);
    ff_tensor_free(b);
}

static void coo_builds_each_classic_format(void **state)
{
    static const ff_fx A[4][6] = {
        {10, 20, 0, 0, 0, 0},
        {0, 30, 0, 40, 0, 0},
        {0, 0, 50, 60, 70, 0},
        {0, 0, 0, 0, 0, 80},
    };
    uint32_t dims[2] = {4, 6};
    ff_tensor *t;

    t = from_dense("A", 2, dims, "csr", &A[0][0]);
    static const uint32_t csr_seg[] = {0, 2, 4, 7, 8}, csr_crd[] = {0, 1, 1, 3, 2, 3, 4, 5};
    assert_u32s(t->lvl[1].seg, t->lvl[1].nseg, csr_seg, NELEM(csr_seg));
    assert_u32s(t->lvl[1].crd, t->lvl[1].ncrd, csr_crd, NELEM(csr_crd));
    static const ff_fx csr_val[] = {10, 20, 30, 40, 50, 60, 70, 80};
    assert_memory_equal(t->vals, csr_val, sizeof csr_val);
    ff_tensor_free(t);

    t = from_dense("A", 2, dims, "csc", &A[0][0]);
    assert_int_equal(t->lvl[0].dim, 6);
    static const uint32_t csc_seg[] = {0, 1, 3, 4, 6, 7, 8}, csc_crd[] = {0, 0, 1, 2, 1, 2, 2, 3};
    assert_u32s(t->lvl[1].seg, t->lvl[1].nseg, csc_seg, NELEM(csc_seg));
    assert_u32s(t->lvl[1].crd, t->lvl[1].ncrd, csc_crd, NELEM(csc_crd));
    static const ff_fx csc_val[] = {10, 20, 30, 50, 40, 60, 70, 80};
    assert_memory_equal(t->vals, csc_val, sizeof csc_val);
    ff_tensor_free(t);

    static const ff_fx B[4][6] = {{0, 0, 0, 0, 0, 0}, {1, 0, 0, 0, 0, 2}, {0, 0, 0, 0, 0, 0},
                                  {0, 3, 0, 0, 0, 0}};
    t = from_dense("B", 2, dims, "dcsr", &B[0][0]);
    static const uint32_t d0_seg[] = {0, 2}, d0_crd[] = {1, 3}, d1_seg[] = {0, 2, 3},
                          d1_crd[] = {0, 5, 1};
    assert_u32s(t->lvl[0].seg, t->lvl[0].nseg, d0_seg, NELEM(d0_seg));
    assert_u32s(t->lvl[0].crd, t->lvl[0].ncrd, d0_crd, NELEM(d0_crd));
    assert_u32s(t->lvl[1].seg, t->lvl[1].nseg, d1_seg, NELEM(d1_seg));
    assert_u32s(t->lvl[1].crd, t->lvl[1].ncrd, d1_crd, NELEM(d1_crd));
    ff_tensor_free(t);

    t = from_dense("B", 2, dims, "dcsc", &B[0][0]);
    static const uint32_t e0_crd[] = {0, 1, 5}, e1_seg[] = {0, 1, 2, 3}, e1_crd[] = {1, 3, 1};
    assert_u32s(t->lvl[0].crd, t->lvl[0].ncrd, e0_crd, NELEM(e0_crd));
    assert_u32s(t->lvl[1].seg, t->lvl[1].nseg, e1_seg, NELEM(e1_seg));
    assert_u32s(t->lvl[1].crd, t->lvl[1].ncrd, e1_crd, NELEM(e1_crd));
    static const ff_fx e_val[] = {1, 3, 2};
    assert_memory_equal(t->vals, e_val, sizeof e_val);
    ff_tensor_free(t);

    t = from_dense("A", 2, dims, "dense", &A[0][0]);
    assert_int_equal(t->nvals, 24);
    assert_memory_equal(t->vals, &A[0][0], sizeof A);
    assert_int_equal(ff_tensor_nnz(t), 8);
    ff_tensor_free(t);

    /* "cd": compressed rows, each stored row dense. */
    t = from_dense("B", 2, dims, "cd", &B[0][0]);
    assert_int_equal(t->npos[0], 2);
    assert_int_equal(t->nvals, 12);
    static const ff_fx cd_val[] = {1, 0, 0, 0, 0, 2, 0, 3, 0, 0, 0, 0};
    assert_memory_equal(t->vals, cd_val, sizeof cd_val);
    ff_tensor_free(t);
}

static void coo_rejects_bad_points_and_formats(void **state)
{
    uint32_t dims[2] = {3, 4}, crd[] = {0, 0, 2, 4};
    ff_fx val[] = {1, 2};
    ff_format f = fmt_of("csr", 2), g = fmt_of("dense", 3);
    ff_tensor *t = (ff_tensor *)0x1;
    ff_err err = {0};
    assert_int_equal(ff_tensor_from_coo("A", 2, dims, &f, F16, 2, crd, val, &t, &err), FF_EINVAL);
    assert_string_equal(err.msg, "A: point 1 has index 4 in mode 1, out of range 0..3");
    assert_ptr_equal(t, (ff_tensor *)0x1); /* *out untouched on error */
    assert_int_equal(ff_tensor_from_coo("A", 2, dims, &g, F16, 1, crd, val, &t, &err), FF_EINVAL);
    assert_string_equal(err.msg, "A: format \"dense\" is for order 3, the tensor has order 2");
    assert_int_equal(ff_tensor_from_coo("", 2, dims, &f, 31, 1, crd, val, &t, &err), FF_EINVAL);
    assert_string_equal(err.msg, "tensor: 31 fraction bits is outside 0..30");
    ff_format h = f;
    h.lv[1].mode = 0;
    assert_int_equal(ff_tensor_from_coo("A", 2, dims, &h, F16, 1, crd, val, &t, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "A: format: mode 0 must be iterated by one level"));
    /* Dense levels too large to hold are an error, not an abort. */
    uint32_t big[2] = {100000, 100000};
    ff_format d2 = fmt_of("dense", 2);
    assert_int_equal(ff_tensor_from_coo("Big", 2, big, &d2, F16, 0, crd, val, &t, &err), FF_EINVAL);
    assert_string_equal(err.msg, "Big: a 100000x100000 tensor in format \"dense\" needs more than "
                                 "2^31 positions at level 1");
    ff_format c2 = fmt_of("dcsr", 2); /* the same size sparse is fine */
    assert_int_equal(ff_tensor_from_coo("Big", 2, big, &c2, F16, 1, crd, val, &t, &err), 0);
    assert_int_equal(ff_tensor_nnz(t), 1);
    assert_null(ff_tensor_to_dense(t));
    ff_tensor_free(t);
}

/* ---- walking ---- */

typedef struct visit_log {
    char text[512];
    int stop_after; /* stop (return 7) after this many visits; 0 = never */
    int n;
} visit_log;

static int log_visit(void *ctx, const uint32_t *c, ff_fx v)
{
    visit_log *l = ctx;
    size_t len = strlen(l->text);
    snprintf(l->text + len, sizeof l->text - len, "(%u,%u)=%d ", c[0], c[1], v);
    return ++l->n == l->stop_after ? 7 : 0;
}

static void foreach_walks_in_fibertree_order(void **state)
{
    static const ff_fx B[3][3] = {{1, 0, 2}, {0, 0, 0}, {3, 4, 0}};
    uint32_t dims[2] = {3, 3};
    static const struct {
        const char *fmt, *want;
    } cases[] = {
        {"csr", "(0,0)=1 (0,2)=2 (2,0)=3 (2,1)=4 "},
        {"csc", "(0,0)=1 (2,0)=3 (2,1)=4 (0,2)=2 "},
        {"dcsc", "(0,0)=1 (2,0)=3 (2,1)=4 (0,2)=2 "},
        {"dense", "(0,0)=1 (0,1)=0 (0,2)=2 (1,0)=0 (1,1)=0 (1,2)=0 (2,0)=3 (2,1)=4 (2,2)=0 "},
        /* blocks (0,0) (0,1) (1,0); padding row 3 and column 3 never show */
        {"bcsr(2)", "(0,0)=1 (0,1)=0 (1,0)=0 (1,1)=0 (0,2)=2 (1,2)=0 (2,0)=3 (2,1)=4 "},
    };
    for (size_t i = 0; i < NELEM(cases); i++) {
        ff_tensor *t = from_dense("B", 2, dims, cases[i].fmt, &B[0][0]);
        visit_log l = {.text = ""};
        assert_int_equal(ff_tensor_foreach(t, log_visit, &l), 0);
        if (strcmp(l.text, cases[i].want) != 0)
            fail_msg("%s: visited %s, want %s", cases[i].fmt, l.text, cases[i].want);
        visit_log s = {.text = "", .stop_after = 2};
        assert_int_equal(ff_tensor_foreach(t, log_visit, &s), 7);
        assert_int_equal(s.n, 2);
        ff_tensor_free(t);
    }
}

/* bcsr over dims that are not multiples of B: padding positions exist in the
 * dense levels but are never visited, and hold zeros. */
static void bcsr_partial_blocks(void **state)
{
    uint32_t dims[2] = {5, 7};
    ff_fx d[5][7];
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 7; j++) d[i][j] = (i * 7 + j) % 3 == 0 ? (i * 7 + j + 1) : 0;
    d[4][6] = 99;
    ff_tensor *t = from_dense("P", 2, dims, "bcsr(3)", &d[0][0]);
    assert_int_equal(t->lvl[0].dim, 2);
    assert_int_equal(t->lvl[1].dim, 3);
    assert_int_equal(t->lvl[2].dim, 3);
    assert_int_equal(t->lvl[3].dim, 3);
    assert_int_equal(t->npos[0], 2);
    assert_int_equal(t->npos[1], 6); /* every block has a non-zero */
    assert_int_equal(t->nvals, 54);
    ff_fx *back = ff_tensor_to_dense(t);
    assert_memory_equal(back, d, sizeof d);
    free(back);
    size_t visits = 0;
    visit_log l = {.text = ""};
    ff_tensor_foreach(t, log_visit, &l);
    for (const char *s = l.text; (s = strchr(s, '(')); s++) visits++;
    assert_int_equal(visits, 35); /* 5x7, not 6x9 */
    uint32_t c[2] = {4, 6};
    assert_int_equal(ff_tensor_get(t, c), 99);
    c[1] = 7; /* beyond the dims, inside the padding */
    assert_int_equal(ff_tensor_get(t, c), 0);
    ff_tensor_free(t);
}

/* Every format of orders 1..3 holds the same values: from_dense, convert,
 * to_dense, get, nnz and compare all agree. */
static void convert_round_trips_every_format(void **state)
{
    static const struct {
        int order;
        const char *fmts[10];
    } cases[] = {
        {1, {"dense", "sparse", NULL}},
        {2, {"dense", "sparse", "csr", "csc", "dcsr", "dcsc", "cd", "dd:1,0", "bcsr(2)", "bcsr(5)"}},
        {3, {"dense", "sparse", "dcc", "cdc:2,0,1", "ccd:1,2,0", "ddc:2,1,0", "dcdd:0/2,1,0%2,2",
             "cdcd:2,0/3,1,0%3", NULL}},
    };
    static const uint32_t dims[3][3] = {{11}, {7, 9}, {4, 5, 6}};
    ff_rng r;
    ff_rng_seed(&r, 99);
    for (size_t ci = 0; ci < NELEM(cases); ci++) {
        int order = cases[ci].order;
        const uint32_t *dm = dims[ci];
        size_t n = 1;
        for (int m = 0; m < order; m++) n *= dm[m];
        ff_fx *dense = calloc(n, sizeof *dense);
        size_t nz = 0;
        for (size_t i = 0; i < n; i++)
            if (ff_rng_below(&r, 3) == 0) dense[i] = (ff_fx)ff_rng_below(&r, 2000) - 1000, nz += dense[i] != 0;
        ff_tensor *ref = from_dense("R", order, dm, "dense", dense);
        for (int fi = 0; fi < 10 && cases[ci].fmts[fi]; fi++) {
            const char *fs = cases[ci].fmts[fi];
            ff_format f;
            ff_err err = {0};
            if (ff_format_parse(fs, order, &f, &err) != 0) fail_msg("%s: %s", fs, err.msg);
            ff_tensor *t = from_dense("R", order, dm, fs, dense), *u = NULL;
            assert_int_equal(ff_tensor_nnz(t), nz);
            ff_fx *back = ff_tensor_to_dense(t);
            assert_memory_equal(back, dense, n * sizeof *dense);
            free(back);
            if (ff_tensor_compare(t, ref, &err) != 0) fail_msg("%s: %s", fs, err.msg);
            assert_int_equal(ff_tensor_convert(ref, &f, &u, &err), 0);
            if (ff_tensor_compare(u, t, &err) != 0) fail_msg("%s: %s", fs, err.msg);
            char canon[64];
            ff_format_str(&u->fmt, canon, sizeof canon);
            ff_format g = fmt_of(canon, order);
            assert_memory_equal(&g, &f, sizeof f);
            for (size_t i = 0; i < n; i++) {
                uint32_t c[3];
                size_t rest = i;
                for (int m = order - 1; m >= 0; m--) c[m] = (uint32_t)(rest % dm[m]), rest /= dm[m];
                assert_int_equal(ff_tensor_get(u, c), dense[i]);
            }
            /* and back to dense */
            ff_tensor *w = NULL;
            ff_format df = fmt_of("dense", order);
            assert_int_equal(ff_tensor_convert(u, &df, &w, &err), 0);
            assert_memory_equal(w->vals, dense, n * sizeof *dense);
            ff_tensor_free(w);
            ff_tensor_free(u);
            ff_tensor_free(t);
        }
        ff_tensor_free(ref);
        free(dense);
    }
}

static void order0_scalars(void **state)
{
    ff_format f = fmt_of("dense", 0);
    assert_int_equal(f.nlevels, 0);
    ff_tensor *t = NULL, *u = NULL;
    ff_err err = {0};
    ff_fx v[] = {ONE, 2 * ONE};
    assert_int_equal(ff_tensor_from_coo("s", 0, NULL, &f, F16, 2, NULL, v, &t, &err), 0);
    assert_int_equal(t->nvals, 1);
    assert_int_equal(ff_tensor_get(t, NULL), 3 * ONE);
    assert_int_equal(ff_tensor_nnz(t), 1);
    assert_int_equal(ff_tensor_from_coo("s", 0, NULL, &f, F16, 0, NULL, v, &u, &err), 0);
    assert_int_equal(ff_tensor_compare(t, u, &err), FF_EMISMATCH);
    assert_string_equal(err.msg, "s(): got 3, expected 0");
    ff_fx *d = ff_tensor_to_dense(t);
    assert_int_equal(d[0], 3 * ONE);
    free(d);
    ff_tensor_free(t);
    ff_tensor_free(u);
}

/* ---- compare ---- */

static void compare_reports_first_difference(void **state)
{
    uint32_t dims[2] = {4, 8};
    uint32_t ca[] = {3, 7, 1, 1, 0, 5}, cb[] = {3, 7, 1, 1, 2, 2};
    ff_fx va[] = {3 * ONE / 2, ONE, 0}, vb[] = {5 * ONE / 4, ONE, ONE / 2};
    ff_format csr = fmt_of("csr", 2), csc = fmt_of("csc", 2);
    ff_tensor *a = NULL, *b = NULL, *c = NULL;
    ff_err err = {0};
    assert_int_equal(ff_tensor_from_coo("C", 2, dims, &csr, F16, 3, ca, va, &a, &err), 0);
    assert_int_equal(ff_tensor_from_coo("C", 2, dims, &csc, F16, 3, cb, vb, &b, &err), 0);
    /* Row-major order: (2,2) comes before (3,7), and (0,5) is an explicit 0. */
    assert_int_equal(ff_tensor_compare(a, b, &err), FF_EMISMATCH);
    assert_int_equal(err.code, FF_EMISMATCH);
    assert_string_equal(err.msg, "C(2,2): got 0, expected 0.5");
    /* Only (3,7) left to differ. */
    ff_fx vb2[] = {5 * ONE / 4, ONE, 0};
    assert_int_equal(ff_tensor_from_coo("C", 2, dims, &csc, F16, 3, cb, vb2, &c, &err), 0);
    assert_int_equal(ff_tensor_compare(a, c, &err), FF_EMISMATCH);
    assert_string_equal(err.msg, "C(3,7): got 1.5, expected 1.25");
    assert_int_equal(ff_tensor_compare(a, a, &err), 0);
    ff_tensor_free(c);

    /* Explicit zeros equal absent entries; formats may differ. */
    uint32_t cz[] = {0, 5, 1, 1, 3, 7};
    ff_fx vz[] = {0, ONE, 3 * ONE / 2};
    ff_format dense = fmt_of("dense", 2);
    assert_int_equal(ff_tensor_from_coo("D", 2, dims, &dense, F16, 3, cz, vz, &c, &err), 0);
    assert_int_equal(ff_tensor_compare(c, a, &err), 0);
    ff_tensor_free(c);

    /* Equal values at different frac_bits are equal; a difference prints each
     * side in its own format. */
    ff_fx vq[] = {3 << 7, 1 << 8, 0};
    assert_int_equal(ff_tensor_from_coo("Q", 2, dims, &csr, 8, 3, ca, vq, &c, &err), 0);
    assert_int_equal(ff_tensor_compare(c, a, &err), 0);
    c->vals[0] += 1; /* the explicit zero at (0,5), first in row-major order */
    assert_int_equal(ff_tensor_compare(c, a, &err), FF_EMISMATCH);
    assert_string_equal(err.msg, "Q(0,5): got 0.004, expected 0");
    ff_tensor_free(c);

    /* Dims and order mismatches. */
    uint32_t d2[2] = {4, 9};
    assert_int_equal(ff_tensor_from_coo("C", 2, d2, &csr, F16, 0, ca, va, &c, &err), 0);
    assert_int_equal(ff_tensor_compare(a, c, &err), FF_EMISMATCH);
    assert_string_equal(err.msg, "C: got dims 4x8, expected 4x9");
    ff_tensor_free(c);
    uint32_t d3[3] = {4, 8, 1};
    ff_format s3 = fmt_of("sparse", 3);
    assert_int_equal(ff_tensor_from_coo("", 3, d3, &s3, F16, 0, ca, va, &c, &err), 0);
    assert_int_equal(ff_tensor_compare(c, a, &err), FF_EMISMATCH);
    assert_string_equal(err.msg, "C: got dims 4x8x1, expected 4x8");
    ff_tensor_free(c);
    ff_tensor_free(a);
    ff_tensor_free(b);
}

/* A 10^5 x 10^5 comparison would need 40 GB densely. */
static void compare_is_sparse(void **state)
{
    uint32_t dims[2] = {100000, 100000};
    ff_rand_spec spec = {.density = 2e-6, .lo = -4, .hi = 4, .value_frac_bits = 4, .seed = 1};
    ff_format dcsr = fmt_of("dcsr", 2), csc = fmt_of("csc", 2);
    ff_tensor *a = NULL, *b = NULL;
    ff_err err = {0};
    assert_int_equal(ff_tensor_random("W", 2, dims, &dcsr, F16, &spec, &a, &err), 0);
    assert_int_equal(ff_tensor_random("W", 2, dims, &csc, F16, &spec, &b, &err), 0);
    assert_true(ff_tensor_nnz(a) > 15000 && ff_tensor_nnz(a) < 25000);
    assert_int_equal(ff_tensor_compare(a, b, &err), 0);
    b->vals[b->nvals - 1] = ff_fx_add(b->vals[b->nvals - 1], 1);
    assert_int_equal(ff_tensor_compare(a, b, &err), FF_EMISMATCH);
    assert_non_null(strstr(err.msg, "W("));
    ff_tensor_free(a);
    ff_tensor_free(b);
}

/* ---- random ---- */

typedef struct rstats {
    size_t n;
    int bad;
    uint64_t hash;
    ff_fx lo, hi;
} rstats;

static int stat_visit(void *ctx, const uint32_t *c, ff_fx v)
{
    rstats *s = ctx;
    s->n++;
    if (v == 0 || v < s->lo || v > s->hi || (v & ((1 << 12) - 1)) != 0) s->bad++;
    s->hash = (s->hash ^ (c[0] * 1000003ull + c[1]) ^ (uint64_t)(uint32_t)v) * 0x100000001b3ull;
    return 0;
}

static void random_is_deterministic_across_formats(void **state)
{
    uint32_t dims[2] = {64, 64};
    ff_rand_spec spec = {.density = 0.05, .lo = -2, .hi = 3, .value_frac_bits = 4, .seed = 42};
    const char *fmts[] = {"csr", "csc", "dcsr", "dense", "bcsr(8)"};
    ff_tensor *first = NULL;
    for (size_t i = 0; i < NELEM(fmts); i++) {
        ff_format f = fmt_of(fmts[i], 2);
        ff_tensor *t = NULL;
        ff_err err = {0};
        assert_int_equal(ff_tensor_random("R", 2, dims, &f, F16, &spec, &t, &err), 0);
        if (!first) {
            first = t;
            continue;
        }
        if (ff_tensor_compare(t, first, &err) != 0) fail_msg("%s: %s", fmts[i], err.msg);
        ff_tensor_free(t);
    }
    /* Golden: the same seed gives these very entries on every machine. */
    ff_format csr = fmt_of("csr", 2);
    ff_tensor *t = NULL;
    assert_int_equal(ff_tensor_convert(first, &csr, &t, NULL), 0);
    rstats s = {.lo = -2 * ONE, .hi = 3 * ONE, .hash = 1469598103934665603ull};
    ff_tensor_foreach(t, stat_visit, &s);
    assert_int_equal(s.bad, 0);
    assert_int_equal(s.n, GOLD_RANDOM_N);
    assert_int_equal(s.hash, GOLD_RANDOM_HASH);
    ff_tensor_free(t);
    spec.seed = 43;
    assert_int_equal(ff_tensor_random("R", 2, dims, &csr, F16, &spec, &t, NULL), 0);
    assert_int_equal(ff_tensor_compare(t, first, NULL), FF_EMISMATCH);
    ff_tensor_free(t);
    ff_tensor_free(first);
}

static void random_density_and_values(void **state)
{
    static const struct {
        uint32_t r, c;
        double p;
    } cases[] = {{4096, 4096, 0.005}, {300, 200, 0.5}, {1000, 1000, 0.1}, {50, 40, 0.11}};
    for (size_t i = 0; i < NELEM(cases); i++) {
        uint32_t dims[2] = {cases[i].r, cases[i].c};
        ff_rand_spec spec = {.density = cases[i].p, .lo = -1, .hi = 1, .value_frac_bits = 4,
                             .seed = 7 + i};
        ff_format f = fmt_of("dcsr", 2);
        ff_tensor *t = NULL;
        ff_err err = {0};
        clock_t t0 = clock();
        assert_int_equal(ff_tensor_random("R", 2, dims, &f, F16, &spec, &t, &err), 0);
        double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
        double n = (double)dims[0] * dims[1], mean = n * cases[i].p;
        double sigma = sqrt(n * cases[i].p * (1 - cases[i].p));
        rstats s = {.lo = -ONE, .hi = ONE};
        ff_tensor_foreach(t, stat_visit, &s);
        assert_int_equal(s.bad, 0);
        if (fabs((double)s.n - mean) > 5 * sigma)
            fail_msg("%ux%u at %g: %zu entries, expected %.0f +- %.0f", dims[0], dims[1],
                     cases[i].p, s.n, mean, 5 * sigma);
        if (i == 0 && secs > 1.0) fail_msg("4096x4096 at 0.5%% took %.2f s", secs);
        ff_tensor_free(t);
    }
    /* 0 and 1 are exact; a scalar is a point of its own. */
    uint32_t dims[2] = {30, 30};
    ff_rand_spec none = {.density = 0, .lo = 1, .hi = 2, .value_frac_bits = 0, .seed = 1};
    ff_rand_spec all = {.density = 1, .lo = 1, .hi = 1, .value_frac_bits = 0, .seed = 1};
    ff_tensor *t = NULL;
    assert_int_equal(ff_tensor_random("Z", 2, dims, NULL, F16, &none, &t, NULL), 0);
    assert_int_equal(ff_tensor_nnz(t), 0);
    ff_tensor_free(t);
    assert_int_equal(ff_tensor_random("O", 2, dims, NULL, F16, &all, &t, NULL), 0);
    assert_int_equal(ff_tensor_nnz(t), 900);
    uint32_t c[2] = {29, 29};
    assert_int_equal(ff_tensor_get(t, c), ONE);
    ff_tensor_free(t);
    assert_int_equal(ff_tensor_random("s", 0, NULL, NULL, F16, &all, &t, NULL), 0);
    assert_int_equal(ff_tensor_get(t, NULL), ONE);
    ff_tensor_free(t);
    /* A range around 0 never yields 0: [-1/16, 1/16] in steps of 1/16. */
    ff_rand_spec pm = {.density = 1, .lo = -0.0625, .hi = 0.0625, .value_frac_bits = 4, .seed = 3};
    assert_int_equal(ff_tensor_random("P", 2, dims, NULL, F16, &pm, &t, NULL), 0);
    size_t neg = 0;
    for (size_t i = 0; i < t->nvals; i++) {
        assert_true(t->vals[i] == ONE / 16 || t->vals[i] == -ONE / 16);
        neg += t->vals[i] < 0;
    }
    assert_true(neg > 350 && neg < 550);
    ff_tensor_free(t);
}

static void random_rejects_bad_specs(void **state)
{
    uint32_t dims[2] = {8, 8};
    static const struct {
        ff_rand_spec spec;
        int frac_bits;
        const char *msg;
    } cases[] = {
        {{.density = 1.5, .lo = 0, .hi = 1}, 16, "R: density 1.5 is outside 0..1"},
        {{.density = 0.5, .lo = 0, .hi = 1, .value_frac_bits = 20}, 16,
         "R: values in steps of 2^-20 cannot be held with 16 fraction bits"},
        {{.density = 0.5, .lo = -0.01, .hi = 0.01, .value_frac_bits = 4}, 16,
         "R: value range [-0.01, 0.01] holds no non-zero multiple of 2^-4"},
        {{.density = 0.5, .lo = 2, .hi = 1}, 16, "R: value range [2, 1] is empty"},
        {{.density = 0.5, .lo = 0, .hi = 40000}, 16, "R: value range [0, 40000] does not fit Q15.16"},
    };
    for (size_t i = 0; i < NELEM(cases); i++) {
        ff_tensor *t = NULL;
        ff_err err = {0};
        assert_int_equal(ff_tensor_random("R", 2, dims, NULL, cases[i].frac_bits, &cases[i].spec,
                                          &t, &err),
                         FF_EINVAL);
        assert_string_equal(err.msg, cases[i].msg);
        assert_null(t);
    }
}

/* ff_tensor_window (docs/language.md "Offsets"): entries in the window at
 * shifted coordinates, nothing from outside; a dense level reaching past
 * its mode becomes compressed (padding is absent, not a stored zero); a
 * blocked tensor's window keeps its blocks' stored zeros. */
static void window_crops_shifts_and_keeps_stored_zeros(void **state)
{
    (void)state;
    static const ff_fx dense[3 * 4] = {1 * ONE, 0, 2 * ONE, 3 * ONE, 0, 4 * ONE, 0, 0, 5 * ONE, 6 * ONE, 0, 7 * ONE};
    const uint32_t dims[2] = {3, 4};
    ff_err err = {0};
    /* csr, crop columns 1..2: rows keep their entries there, shifted */
    ff_tensor *a = from_dense("A", 2, dims, "csr", dense), *w = NULL;
    int64_t lo[2] = {0, 1};
    uint32_t len[2] = {3, 2};
    assert_int_equal(ff_tensor_window(a, lo, len, &w, &err), 0);
    assert_int_equal(w->dims[1], 2);
    uint32_t c[2] = {0, 1};
    assert_int_equal(ff_tensor_get(w, c), 2 * ONE); /* A(0, 2) */
    c[0] = 2, c[1] = 0;
    assert_int_equal(ff_tensor_get(w, c), 6 * ONE); /* A(2, 1) */
    assert_int_equal(ff_tensor_nnz(w), 3); /* 2, 4 and 6: nothing from outside */
    ff_tensor_free(w);
    /* dense, shifted right by 2 over 6 columns: the first two are absent */
    ff_tensor *d = from_dense("D", 2, dims, "dense", dense);
    lo[1] = -2;
    len[1] = 6;
    assert_int_equal(ff_tensor_window(d, lo, len, &w, &err), 0);
    assert_int_equal(w->fmt.lv[1].fmt, FF_LVL_COMPRESSED);
    c[0] = 0, c[1] = 0;
    assert_false(ff_tensor_stored(w, c));
    c[1] = 3;
    assert_true(ff_tensor_stored(w, c)); /* D(0, 1) = 0, stored by the dense level */
    c[1] = 5;
    assert_int_equal(ff_tensor_get(w, c), 3 * ONE);
    assert_int_equal(w->nvals, 12); /* every dense entry, none of the padding */
    ff_tensor_free(w);
    /* entirely outside: empty */
    lo[1] = 9;
    len[1] = 2;
    assert_int_equal(ff_tensor_window(d, lo, len, &w, &err), 0);
    assert_int_equal(w->nvals, 0);
    ff_tensor_free(w);
    /* bcsr(2): the window is all-compressed with the blocks' zeros */
    const uint32_t bd[2] = {4, 4};
    static const ff_fx bdense[16] = {ONE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 * ONE, 0, 0, 0, 0};
    ff_tensor *b = from_dense("B", 2, bd, "bcsr(2)", bdense);
    lo[0] = 1, lo[1] = 0;
    len[0] = 3, len[1] = 4;
    assert_int_equal(ff_tensor_window(b, lo, len, &w, &err), 0);
    c[0] = 0, c[1] = 1; /* B(1, 1): a zero inside the stored block (0, 0) */
    assert_true(ff_tensor_stored(w, c));
    c[0] = 0, c[1] = 3; /* B(1, 3): no block there */
    assert_false(ff_tensor_stored(w, c));
    c[0] = 1, c[1] = 3;
    assert_int_equal(ff_tensor_get(w, c), 2 * ONE);
    ff_tensor_free(w);
    ff_tensor_free(b);
    ff_tensor_free(d);
    ff_tensor_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(format_named_parse_and_print),
        cmocka_unit_test(format_bcsr_levels_and_dims),
        cmocka_unit_test(format_parse_errors),
        cmocka_unit_test(coo_sums_duplicates_keeps_zeros),
        cmocka_unit_test(levels_taken_only_when_canonical),
        cmocka_unit_test(coo_builds_each_classic_format),
        cmocka_unit_test(convert_blocks_keeps_block_zeros),
        cmocka_unit_test(coo_rejects_bad_points_and_formats),
        cmocka_unit_test(foreach_walks_in_fibertree_order),
        cmocka_unit_test(bcsr_partial_blocks),
        cmocka_unit_test(convert_round_trips_every_format),
        cmocka_unit_test(order0_scalars),
        cmocka_unit_test(window_crops_shifts_and_keeps_stored_zeros),
        cmocka_unit_test(compare_reports_first_difference),
        cmocka_unit_test(compare_is_sparse),
        cmocka_unit_test(random_is_deterministic_across_formats),
        cmocka_unit_test(random_density_and_values),
        cmocka_unit_test(random_rejects_bad_specs),
    };
    return cmocka_run_group_tests_name("tensor", tests, NULL, NULL);
}
