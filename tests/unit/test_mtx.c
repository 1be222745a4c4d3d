/*
 * test_mtx.c -- the tensor files: every real Matrix Market file under
 * FF_SHARED_DATA against its own header, hand-written files of every kind,
 * each malformed-file error with its path:line, write/read round trips and
 * the dense text form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "ff_tensor.h"

#define F16 16
#define ONE (1 << 16)
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static char tmpdir[256];

static int make_tmpdir(void **state)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ff_test_mtx_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Writes text to tmpdir/name and returns the path (static buffer). */
static const char *put_file(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static ff_format fmt_of(const char *text, int order)
{
    ff_format f;
    ff_err err = {0};
    if (ff_format_parse(text, order, &f, &err) != 0) fail_msg("%s", err.msg);
    return f;
}

static ff_tensor *read_ok(const char *path, const char *fmt, int order)
{
    ff_format f;
    if (fmt) f = fmt_of(fmt, order);
    ff_tensor *t = NULL;
    ff_err err = {0};
    if (ff_tensor_load(path, fmt ? &f : NULL, F16, &t, &err) != 0) fail_msg("%s", err.msg);
    return t;
}

/* ---- the real files ---- */

/* What the file's own header and lines say, read with sscanf only. */
typedef struct mm_facts {
    int symmetric, pattern;
    unsigned long rows, cols, nnz, ndiag;
    unsigned long i1, j1; /* the first entry */
    char v1[64];
} mm_facts;

static void facts_of(const char *path, mm_facts *m)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[512];
    memset(m, 0, sizeof *m);
    assert_non_null(fgets(line, sizeof line, f));
    m->symmetric = strstr(line, "symmetric") != NULL;
    m->pattern = strstr(line, "pattern") != NULL;
    while (fgets(line, sizeof line, f) && line[0] == '%') continue;
    assert_int_equal(sscanf(line, "%lu %lu %lu", &m->rows, &m->cols, &m->nnz), 3);
    unsigned long i, j, k = 0;
    char v[64];
    while (fgets(line, sizeof line, f)) {
        int n = sscanf(line, "%lu %lu %63s", &i, &j, v);
        if (n < 2) continue;
        if (k++ == 0) {
            m->i1 = i, m->j1 = j;
            snprintf(m->v1, sizeof m->v1, "%s", n == 3 ? v : "1");
        }
        m->ndiag += i == j;
    }
    assert_int_equal(k, m->nnz);
    fclose(f);
}

static void real_files_match_their_headers(void **state)
{
    static const char *files[] = {
        "suitesparse/bcsstk13.mtx",     "suitesparse/ca-GrQc.mtx",
        "suitesparse/cryg2500.mtx",     "suitesparse/delaunay_n14.mtx",
        "suitesparse/jagmesh7.mtx",     "suitesparse/lp_afiro.mtx",
        "suitesparse/olm1000.mtx",      "suitesparse/west0067.mtx",
        "karate/karate.mtx",            "ml/graphchallenge_n1024-l1.mtx",
        "ml/graphchallenge_sparse-images-1024_subset.mtx",
    };
    for (size_t i = 0; i < NELEM(files); i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", FF_SHARED_DATA, files[i]);
        mm_facts m;
        facts_of(path, &m);
        ff_tensor *t = read_ok(path, "csr", 2);
        assert_int_equal(t->dims[0], m.rows);
        assert_int_equal(t->dims[1], m.cols);
        /* Symmetric files store one triangle: the tensor holds both. */
        size_t want = m.symmetric ? 2 * m.nnz - m.ndiag : m.nnz;
        if (t->nvals != want)
            fail_msg("%s: %zu stored entries, header says %zu", files[i], t->nvals, want);
        uint32_t c[2] = {(uint32_t)m.i1 - 1, (uint32_t)m.j1 - 1}, cm[2] = {c[1], c[0]};
        ff_fx v1;
        assert_int_equal(ff_fx_parse(m.v1, F16, &v1), 0);
        assert_int_equal(ff_tensor_get(t, c), v1);
        if (m.symmetric) assert_int_equal(ff_tensor_get(t, cm), v1);
        if (m.pattern) assert_int_equal(v1, ONE);
        ff_tensor_free(t);
    }
    /* The file name becomes the tensor's name. */
    char path[512];
    snprintf(path, sizeof path, "%s/karate/karate.mtx", FF_SHARED_DATA);
    ff_tensor *t = read_ok(path, NULL, 2);
    assert_string_equal(t->name, "karate");
    assert_int_equal(t->fmt.lv[0].fmt, FF_LVL_DENSE); /* the default is csr-like */
    assert_int_equal(t->fmt.lv[1].fmt, FF_LVL_COMPRESSED);
    assert_int_equal(ff_tensor_nnz(t), 156);
    ff_tensor_free(t);
}

/* ---- hand-written files ---- */

static void mtx_reads_every_kind(void **state)
{
    ff_tensor *t;
    uint32_t c[3];
    /* Comments, blank lines, CRLF, upper case words, symmetric mirror. */
    t = read_ok(put_file("sym.mtx", "%%MatrixMarket MATRIX Coordinate REAL Symmetric\r\n"
                                    "% a comment\r\n\r\n"
                                    "3 3 3\r\n"
                                    "1 1 1.5\r\n"
                                    "% between entries\n"
                                    "3 1 -2\n"
                                    "   2   3\t0.25  \n"),
                "dcsr", 2);
    assert_int_equal(t->nvals, 5);
    c[0] = 0, c[1] = 2;
    assert_int_equal(ff_tensor_get(t, c), -2 * ONE);
    c[0] = 2, c[1] = 0;
    assert_int_equal(ff_tensor_get(t, c), -2 * ONE);
    c[0] = 2, c[1] = 1;
    assert_int_equal(ff_tensor_get(t, c), ONE / 4);
    ff_tensor_free(t);

    /* Skew-symmetric negates the mirror. */
    t = read_ok(put_file("skew.mtx", "%%MatrixMarket matrix coordinate real skew-symmetric\n"
                                     "2 2 1\n2 1 3\n"),
                "csr", 2);
    c[0] = 1, c[1] = 0;
    assert_int_equal(ff_tensor_get(t, c), 3 * ONE);
    c[0] = 0, c[1] = 1;
    assert_int_equal(ff_tensor_get(t, c), -3 * ONE);
    ff_tensor_free(t);

    /* Pattern is 1.0; integer is exact; duplicates sum. */
    t = read_ok(put_file("pat.mtx", "%%MatrixMarket matrix coordinate pattern general\n"
                                    "2 3 3\n1 3\n2 1\n1 3\n"),
                "csr", 2);
    c[0] = 0, c[1] = 2;
    assert_int_equal(ff_tensor_get(t, c), 2 * ONE);
    assert_int_equal(ff_tensor_nnz(t), 2);
    ff_tensor_free(t);
    t = read_ok(put_file("int.mtx", "%%MatrixMarket matrix coordinate integer general\n"
                                    "2 2 1\n2 2 -7\n"),
                "csr", 2);
    c[0] = 1, c[1] = 1;
    assert_int_equal(ff_tensor_get(t, c), -7 * ONE);
    ff_tensor_free(t);

    /* Array: column-major, zeros not stored in compressed levels. */
    t = read_ok(put_file("arr.mtx", "%%MatrixMarket matrix array real general\n"
                                    "2 3\n1\n0\n2\n3\n0\n4.5\n"),
                "csr", 2);
    static const ff_fx want[6] = {ONE, 2 * ONE, 0, 0, 3 * ONE, 9 * ONE / 2};
    ff_fx *d = ff_tensor_to_dense(t);
    assert_memory_equal(d, want, sizeof want);
    free(d);
    assert_int_equal(t->nvals, 4);
    ff_tensor_free(t);
    /* Array symmetric: the lower triangle, column by column. */
    t = read_ok(put_file("arrsym.mtx", "%%MatrixMarket matrix array real symmetric\n"
                                       "3 3\n1 2 3\n4 5\n6\n"),
                "dense", 2);
    static const ff_fx wsym[9] = {1 * ONE, 2 * ONE, 3 * ONE, 2 * ONE, 4 * ONE,
                                  5 * ONE, 3 * ONE, 5 * ONE, 6 * ONE};
    assert_memory_equal(t->vals, wsym, sizeof wsym);
    ff_tensor_free(t);
    t = read_ok(put_file("arrskew.mtx", "%%MatrixMarket matrix array real skew-symmetric\n"
                                        "3 3\n1\n2\n3\n"),
                "dense", 2);
    static const ff_fx wskew[9] = {0, -1 * ONE, -2 * ONE, 1 * ONE, 0, -3 * ONE, 2 * ONE, 3 * ONE, 0};
    assert_memory_equal(t->vals, wskew, sizeof wskew);
    ff_tensor_free(t);

    /* Order 3 and order 1 coordinate files. */
    t = read_ok(put_file("t3.mtx", "%%MatrixMarket tensor coordinate real general\n"
                                   "2 3 4 2\n1 2 3 0.5\n2 3 4 -1\n"),
                "sparse", 3);
    assert_int_equal(t->order, 3);
    c[0] = 1, c[1] = 2, c[2] = 3;
    assert_int_equal(ff_tensor_get(t, c), -ONE);
    ff_tensor_free(t);
    t = read_ok(put_file("v.mtx", "%%MatrixMarket matrix coordinate real general\n5 1\n4 2e-1\n"),
                NULL, 1);
    assert_int_equal(t->order, 1);
    c[0] = 3;
    assert_int_equal(ff_tensor_get(t, c), 13107); /* 0.2 * 65536 = 13107.2 */
    ff_tensor_free(t);

    /* A vector as SciPy writes it: an N x 1 column, or a 1 x N row, in
     * coordinate or array form, read into an order-1 tensor (issue 16). */
    static const char *const vecs[] = {
        "%%MatrixMarket matrix coordinate real general\n5 1 2\n4 1 2e-1\n1 1 -1\n",
        "%%MatrixMarket matrix coordinate real general\n1 5 2\n1 4 2e-1\n1 1 -1\n",
        "%%MatrixMarket matrix array real general\n5 1\n-1\n0\n0\n2e-1\n0\n",
    };
    for (int k = 0; k < 3; k++) {
        char nm[32];
        snprintf(nm, sizeof nm, "vec%d.mtx", k);
        t = read_ok(put_file(nm, vecs[k]), k == 2 ? "dense" : "sparse", 1);
        assert_int_equal(t->order, 1);
        assert_int_equal(t->dims[0], 5);
        c[0] = 3;
        assert_int_equal(ff_tensor_get(t, c), 13107);
        c[0] = 0;
        assert_int_equal(ff_tensor_get(t, c), -ONE);
        ff_tensor_free(t);
    }

    /* Values beyond Q15.16 saturate. */
    t = read_ok(put_file("big.mtx", "%%MatrixMarket matrix coordinate real general\n"
                                    "1 2 2\n1 1 277281165.183\n1 2 -1e9\n"),
                "csr", 2);
    assert_int_equal(t->vals[0], FF_FX_MAX);
    assert_int_equal(t->vals[1], FF_FX_MIN);
    ff_tensor_free(t);
}

static void mtx_errors_name_path_and_line(void **state)
{
    static const struct {
        const char *text;
        const char *fmt; /* format for order 2, or NULL */
        const char *msg; /* after "path:" */
    } cases[] = {
        {"%%MatrixMarket matrix coordinate real\n", NULL,
         "1: expected \"%%MatrixMarket matrix coordinate|array real|integer|pattern "
         "general|symmetric|skew-symmetric\""},
        {"hello\n", NULL,
         "1: expected \"%%MatrixMarket matrix coordinate|array real|integer|pattern "
         "general|symmetric|skew-symmetric\""},
        {"", NULL,
         "1: expected \"%%MatrixMarket matrix coordinate|array real|integer|pattern "
         "general|symmetric|skew-symmetric\""},
        {"%%MatrixMarket matrix coordinate complex general\n1 1 1\n1 1 1 0\n", NULL,
         "1: complex values are not supported (expected real, integer or pattern)"},
        {"%%MatrixMarket matrix coordinate real hermitian\n", NULL,
         "1: hermitian matrices are not supported (expected general, symmetric or "
         "skew-symmetric)"},
        {"%%MatrixMarket matrix sparse real general\n", NULL,
         "1: expected coordinate or array, got \"sparse\""},
        {"%%MatrixMarket matrix array pattern general\n", NULL,
         "1: expected real or integer for an array file (pattern is only for coordinate files)"},
        {"%%MatrixMarket matrix coordinate real general\n% only a comment\n", NULL,
         "3: expected the size line, found the end of the file"},
        {"%%MatrixMarket matrix coordinate real general\n3 x 4\n", NULL,
         "2: expected the size line \"rows cols nnz\" (1 to 6 sizes then the entry count, each "
         "an unsigned integer)"},
        {"%%MatrixMarket matrix coordinate real general\n3 3 3\n1 1 1\n2 2 2\n", NULL,
         "5: expected 3 entries, found 2 at the end of the file"},
        {"%%MatrixMarket matrix coordinate real general\n3 3 1\n1 1 1\n\n2 2 2\n", NULL,
         "5: expected 1 entries, found more"},
        {"%%MatrixMarket matrix coordinate real general\n3 3 1\n4 1 1\n", NULL,
         "3: index 4 of mode 0 is out of range 1..3"},
        {"%%MatrixMarket matrix coordinate real general\n3 3 1\n1 0 1\n", NULL,
         "3: index 0 of mode 1 is out of range 1..3"},
        {"%%MatrixMarket matrix coordinate real general\n3 3 1\n1 1 abc\n", NULL,
         "3: expected a number, got \"abc\""},
        {"%%MatrixMarket matrix coordinate real general\n3 3 1\n1 1\n", NULL,
         "3: expected a value after the indices"},
        {"%%MatrixMarket matrix coordinate real general\n3 3 1\n1\n", NULL,
         "3: expected 2 indices and a value, got 1 fields"},
        {"%%MatrixMarket matrix coordinate real general\n3 3 1\n1 1 1 7\n", NULL,
         "3: expected the end of the line after the value, got \"7\""},
        {"%%MatrixMarket matrix coordinate pattern general\n3 3 1\n1 1 1\n", NULL,
         "3: expected the end of the line after the indices, got \"1\""},
        {"%%MatrixMarket matrix coordinate real general\n3 3 1\n1.0 1 2\n", NULL,
         "3: expected an index, got \"1.0\""},
        {"%%MatrixMarket matrix coordinate integer general\n3 3 1\n1 1 1.5\n", NULL,
         "3: expected an integer value, got \"1.5\""},
        {"%%MatrixMarket matrix coordinate real symmetric\n3 4 1\n1 1 1\n", NULL,
         "2: expected a square matrix for symmetric, got 3x4"},
        {"%%MatrixMarket matrix coordinate real skew-symmetric\n3 3 1\n2 2 1\n", NULL,
         "3: expected no diagonal entry in a skew-symmetric matrix"},
        {"%%MatrixMarket matrix coordinate real general\n2 3 4 1\n1 1 1 1\n", "csr",
         "2: format \"csr\" is for order 2, the file holds order 3"},
        {"%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n", NULL,
         "6: expected 4 entries, found 3 at the end of the file"},
        {"%%MatrixMarket matrix array real general\n2 1\n1 2 3\n", NULL,
         "3: expected 2 entries, found more"},
        {"%%MatrixMarket matrix array real general\n2 1\n1 x\n", NULL,
         "3: expected a number, got \"x\""},
    };
    for (size_t i = 0; i < NELEM(cases); i++) {
        char name[32];
        snprintf(name, sizeof name, "bad%zu.mtx", i);
        const char *path = put_file(name, cases[i].text);
        ff_format f;
        if (cases[i].fmt) f = fmt_of(cases[i].fmt, 2);
        ff_tensor *t = NULL;
        ff_err err = {0};
        int rc = ff_tensor_read_mtx(path, cases[i].fmt ? &f : NULL, F16, &t, &err);
        char want[600];
        snprintf(want, sizeof want, "%s:%s", path, cases[i].msg);
        if (rc != FF_EINVAL || strcmp(err.msg, want) != 0)
            fail_msg("case %zu: rc %d\n  got:  %s\n  want: %s", i, rc, err.msg, want);
        assert_null(t);
    }
    ff_tensor *t = NULL;
    ff_err err = {0};
    char path[512];
    snprintf(path, sizeof path, "%s/missing.mtx", tmpdir);
    assert_int_equal(ff_tensor_read_mtx(path, NULL, F16, &t, &err), FF_EIO);
    char want[600];
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", path);
    assert_string_equal(err.msg, want);
}

/* ---- writing ---- */

static void mtx_write_is_exact_and_round_trips(void **state)
{
    /* A small csr tensor with an explicit zero: the file is exact. */
    uint32_t dims[2] = {3, 4}, crd[] = {2, 1, 0, 3, 1, 0, 0, 1};
    ff_fx val[] = {ONE / 10, -3 * ONE, 0, 1};
    ff_format csr = fmt_of("csr", 2), csc = fmt_of("csc", 2), dense = fmt_of("dense", 2);
    ff_tensor *t = NULL, *u = NULL;
    ff_err err = {0};
    assert_int_equal(ff_tensor_from_coo("W", 2, dims, &csc, F16, 4, crd, val, &t, &err), 0);
    char path[512];
    snprintf(path, sizeof path, "%s/w.mtx", tmpdir);
    assert_int_equal(ff_tensor_write_mtx(t, path, &err), 0);
    /* Row-major whatever the format; the explicit zero of a compressed level
     * is a stored entry. ONE/10 = 6553 = 0.0999908..., shortest "0.09999". */
    assert_string_equal(slurp(path), "%%MatrixMarket matrix coordinate real general\n"
                                     "% W, written by fuseflow\n"
                                     "3 4 4\n"
                                     "1 2 0.00002\n"
                                     "1 4 -3\n"
                                     "2 1 0\n"
                                     "3 2 0.09999\n");
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_equal(access(tmp, F_OK), -1);
    assert_int_equal(ff_tensor_read_mtx(path, &csr, F16, &u, &err), 0);
    assert_int_equal(ff_tensor_compare(u, t, &err), 0);
    assert_int_equal(u->nvals, 4); /* the zero came back as a stored entry */
    ff_tensor_free(u);
    /* Dense zeros are not entries. */
    ff_tensor *d = NULL;
    assert_int_equal(ff_tensor_convert(t, &dense, &d, &err), 0);
    assert_int_equal(ff_tensor_write_mtx(d, path, &err), 0);
    assert_non_null(strstr(slurp(path), "\n3 4 3\n"));
    ff_tensor_free(d);
    ff_tensor_free(t);

    /* A vector is written as the standard's N x 1 column. */
    {
        uint32_t vd[1] = {6}, vc[2] = {1, 4};
        ff_fx vv[2] = {ONE, -2 * ONE};
        ff_format sp = fmt_of("sparse", 1);
        assert_int_equal(ff_tensor_from_coo("v", 1, vd, &sp, F16, 2, vc, vv, &t, &err), 0);
        assert_int_equal(ff_tensor_write_mtx(t, path, &err), 0);
        assert_string_equal(slurp(path), "%%MatrixMarket matrix coordinate real general\n"
                                         "% v, written by fuseflow\n"
                                         "6 1 2\n"
                                         "2 1 1\n"
                                         "5 1 -2\n");
        ff_tensor_free(t);
    }

    /* Random tensors of orders 1..3 survive the trip exactly. */
    static const uint32_t dd[3][3] = {{50}, {40, 30}, {7, 8, 9}};
    static const char *fmts[3] = {"sparse", "bcsr(4)", "cdc:2,0,1"};
    for (int order = 1; order <= 3; order++) {
        ff_format f = fmt_of(fmts[order - 1], order);
        ff_rand_spec spec = {.density = 0.2, .lo = -100, .hi = 100, .value_frac_bits = 16, .seed = 5};
        assert_int_equal(ff_tensor_random("R", order, dd[order - 1], &f, F16, &spec, &t, &err), 0);
        assert_int_equal(ff_tensor_write_mtx(t, path, &err), 0);
        assert_int_equal(ff_tensor_load(path, &f, F16, &u, &err), 0);
        if (ff_tensor_compare(u, t, &err) != 0) fail_msg("order %d: %s", order, err.msg);
        ff_tensor_free(u);
        ff_tensor_free(t);
    }
}

static void mtx_write_failure_leaves_no_file(void **state)
{
    uint32_t dims[2] = {2, 2}, crd[] = {0, 0};
    ff_fx val[] = {ONE};
    ff_format csr = fmt_of("csr", 2);
    ff_tensor *t = NULL;
    ff_err err = {0};
    assert_int_equal(ff_tensor_from_coo("W", 2, dims, &csr, F16, 1, crd, val, &t, &err), 0);
    /* The target is a directory: the rename fails after a complete write. */
    char dir[512], tmp[600];
    snprintf(dir, sizeof dir, "%s/adir", tmpdir);
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(ff_tensor_write_mtx(t, dir, &err), FF_EIO);
    assert_non_null(strstr(err.msg, "cannot rename"));
    snprintf(tmp, sizeof tmp, "%s.tmp", dir);
    assert_int_equal(access(tmp, F_OK), -1);
    /* The directory does not exist: nothing is created. */
    snprintf(dir, sizeof dir, "%s/nodir/x.mtx", tmpdir);
    assert_int_equal(ff_tensor_write_mtx(t, dir, &err), FF_EIO);
    char want[700];
    snprintf(want, sizeof want, "%s.tmp: cannot open for writing: No such file or directory", dir);
    assert_string_equal(err.msg, want);
    assert_int_equal(ff_tensor_write_text(t, dir, &err), FF_EIO);
    ff_tensor_free(t);
    /* Order 0 has no Matrix Market form. */
    ff_format s0 = fmt_of("dense", 0);
    assert_int_equal(ff_tensor_from_coo("s", 0, NULL, &s0, F16, 1, NULL, val, &t, &err), 0);
    snprintf(dir, sizeof dir, "%s/s.mtx", tmpdir);
    assert_int_equal(ff_tensor_write_mtx(t, dir, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "s has order 0; Matrix Market needs order >= 1"));
    assert_int_equal(access(dir, F_OK), -1);
    ff_tensor_free(t);
}

/* ---- the dense text form ---- */

static void text_reads_writes_and_round_trips(void **state)
{
    ff_tensor *t = read_ok(put_file("a.txt", "# a 2x3 matrix\n"
                                             "\n"
                                             "shape 2 3   # rows cols\n"
                                             "1 0 2.5\n"
                                             "0 0\n"
                                             "   -3e0\n"),
                           "csr", 2);
    assert_string_equal(t->name, "a");
    static const ff_fx want[6] = {ONE, 0, 5 * ONE / 2, 0, 0, -3 * ONE};
    ff_fx *d = ff_tensor_to_dense(t);
    assert_memory_equal(d, want, sizeof want);
    free(d);
    assert_int_equal(t->nvals, 3);
    char path[512];
    snprintf(path, sizeof path, "%s/out.txt", tmpdir);
    ff_err err = {0};
    assert_int_equal(ff_tensor_write_text(t, path, &err), 0);
    assert_string_equal(slurp(path), "shape 2 3\n1 0 2.5\n0 0 -3\n");
    ff_tensor *u = read_ok(path, NULL, 2);
    assert_int_equal(u->fmt.lv[1].fmt, FF_LVL_DENSE); /* text defaults to dense */
    assert_int_equal(ff_tensor_compare(u, t, &err), 0);
    ff_tensor_free(u);
    ff_tensor_free(t);

    /* Orders 0, 1 and 3. */
    t = read_ok(put_file("s.txt", "shape\n0.5\n"), NULL, 0);
    assert_int_equal(t->order, 0);
    assert_int_equal(ff_tensor_get(t, NULL), ONE / 2);
    assert_int_equal(ff_tensor_write_text(t, path, &err), 0);
    assert_string_equal(slurp(path), "shape\n0.5\n");
    ff_tensor_free(t);
    t = read_ok(put_file("v.txt", "shape 3\n1 2 3"), "sparse", 1);
    assert_int_equal(ff_tensor_write_text(t, path, &err), 0);
    assert_string_equal(slurp(path), "shape 3\n1 2 3\n");
    ff_tensor_free(t);
    t = read_ok(put_file("t.txt", "shape 2 1 2\n1 2\n3 4\n"), "cdc:2,0,1", 3);
    uint32_t c[3] = {1, 0, 0};
    assert_int_equal(ff_tensor_get(t, c), 3 * ONE);
    assert_int_equal(ff_tensor_write_text(t, path, &err), 0);
    assert_string_equal(slurp(path), "shape 2 1 2\n1 2\n3 4\n");
    ff_tensor_free(t);
}

static void text_errors_name_path_and_line(void **state)
{
    static const struct {
        const char *text, *fmt;
        int order;
        const char *msg;
    } cases[] = {
        {"# nothing\n", NULL, 2, "2: expected \"shape\" and the sizes, found the end of the file"},
        {"", NULL, 2, "1: expected \"shape\" and the sizes, found the end of the file"},
        {"\nsize 2 3\n", NULL, 2, "2: expected \"shape\" and the sizes (the dense text form) or SRC DST [WEIGHT] (an edge list), got \"size\""},
        {"shape 2 x\n", NULL, 2, "1: expected a size, got \"x\""},
        {"shape 2 -3\n", NULL, 2, "1: expected a size, got \"-3\""},
        {"shape 1 1 1 1 1 1 1\n", NULL, 2, "1: expected at most 6 sizes after \"shape\""},
        {"shape 2 3\n1 2 3\n4 5\n", NULL, 2, "4: expected 6 values, found 5 at the end of the file"},
        {"shape 2 2\n1 2\n3 4\n# fine\n5\n", NULL, 2, "5: expected 4 values, found more"},
        {"shape 2 2\n1 2\n3 four\n", NULL, 2, "3: expected a number, got \"four\""},
        {"shape 100000 100000\n", NULL, 2,
         "1: shape 100000x100000 has more than 2^31 entries, too many for the dense text form"},
        /* Found by fuzz_tensor: the values were allocated for the shape
         * before reading (7 GB here); tests/fuzz/regress/tensor replays it
         * under a malloc limit. */
        {"shape 1749108159\n0\n", NULL, 1,
         "3: expected 1749108159 values, found 1 at the end of the file"},
        {"shape 2 2\n1 2 3 4\n", "sparse", 3, " format \"sparse\" is for order 3, the file holds order 2"},
    };
    for (size_t i = 0; i < NELEM(cases); i++) {
        char name[32];
        snprintf(name, sizeof name, "bad%zu.txt", i);
        const char *path = put_file(name, cases[i].text);
        ff_format f;
        if (cases[i].fmt) f = fmt_of(cases[i].fmt, cases[i].order);
        ff_tensor *t = NULL;
        ff_err err = {0};
        int rc = ff_tensor_load(path, cases[i].fmt ? &f : NULL, F16, &t, &err);
        char want[600];
        snprintf(want, sizeof want, "%s:%s", path, cases[i].msg);
        if (rc != FF_EINVAL || strcmp(err.msg, want) != 0)
            fail_msg("case %zu: rc %d\n  got:  %s\n  want: %s", i, rc, err.msg, want);
        assert_null(t);
    }
}

/* ---- edge lists ---- */

static ff_tensor *edges_ok(const char *path, int base, int symmetric)
{
    ff_edges_opts o = {.base = base, .symmetric = symmetric};
    ff_tensor *t = NULL;
    ff_err err = {0};
    if (ff_tensor_load_with(path, NULL, F16, &o, &t, &err) != 0) fail_msg("%s", err.msg);
    return t;
}

static void edges_read_as_snap_writes_them(void **state)
{
    (void)state;
    /* 0-based, a comment, a repeat (one entry), a self loop */
    const char *path = put_file("g.txt", "# FromNodeId ToNodeId\n0 1\n1 2\n\n0 1\n3 3 % loop\n");
    ff_tensor *t = edges_ok(path, 0, 0);
    assert_int_equal(t->dims[0], 4);
    assert_int_equal(t->dims[1], 4);
    assert_int_equal(ff_tensor_nnz(t), 3);
    uint32_t c01[2] = {0, 1}, c10[2] = {1, 0}, c33[2] = {3, 3};
    assert_int_equal(ff_tensor_get(t, c01), ONE);
    assert_int_equal(ff_tensor_get(t, c10), 0);
    assert_int_equal(ff_tensor_get(t, c33), ONE);
    ff_tensor_free(t);
    /* symmetrized: 0-1, 1-2 both ways, the loop once */
    t = edges_ok(path, 0, 1);
    assert_int_equal(ff_tensor_nnz(t), 5);
    assert_int_equal(ff_tensor_get(t, c10), ONE);
    ff_tensor_free(t);
    /* 1-based, weighted; listed both ways with one weight: one entry each way */
    path = put_file("w.txt", "1 2 2.5\n2 1 2.5\n3 1 -1\n");
    t = edges_ok(path, 1, 1);
    assert_int_equal(t->dims[0], 3);
    assert_int_equal(ff_tensor_nnz(t), 4);
    assert_int_equal(ff_tensor_get(t, c01), 5 * ONE / 2);
    uint32_t c02[2] = {0, 2};
    assert_int_equal(ff_tensor_get(t, c02), -ONE);
    ff_tensor_free(t);
    /* the real SNAP file: 1005 nodes, 25571 directed edges, all distinct
     * (MANIFEST); symmetrized, counted here pair by pair */
    char real[512];
    snprintf(real, sizeof real, "%s/snap/email-Eu-core.txt", FF_SHARED_DATA);
    t = read_ok(real, "csr", 2);
    assert_int_equal(t->dims[0], 1005);
    assert_int_equal(ff_tensor_nnz(t), 25571);
    size_t both = 0;
    for (uint32_t r = 0; r < 1005; r++)
        for (uint32_t k = (uint32_t)t->lvl[1].seg[r]; k < t->lvl[1].seg[r + 1]; k++) {
            uint32_t back[2] = {t->lvl[1].crd[k], r};
            both += ff_tensor_stored(t, back);
        }
    ff_tensor *s = edges_ok(real, 0, 1);
    /* every edge gains its reverse, but one already listed (or a loop, its
     * own reverse) is not added twice: 32,770 */
    assert_int_equal(ff_tensor_nnz(s), 2 * 25571 - both);
    ff_tensor_free(s);
    ff_tensor_free(t);
}

static void edges_errors_name_path_and_line(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int base;
        const char *msg;
    } cases[] = {
        {"0 1\n2\n", 0, "2: expected SRC DST [WEIGHT], got 1 fields"},
        {"0 1\n2 3 4 5\n", 0, "2: expected SRC DST [WEIGHT], got 4 fields"},
        {"0 1\n2 3 1.5\n", 0, "2: expected no weight like the first edge"},
        {"0 1 1\n2 3\n", 0, "2: expected a weight like the first edge"},
        {"0 1\n2 x\n", 0, "2: expected a 0-based node id below 2^32, got \"x\""},
        {"1 2\n0 1\n", 1, "2: expected a 1-based node id below 2^32, got \"0\""},
        {"0 4294967296\n", 0, "1: expected a 0-based node id below 2^32, got \"4294967296\""},
        {"0 1 2\n0 1 3\n", 0, "2: edge 0 -> 1 again, with another weight than on line 1"},
        {"0 1 two\n", 0, "1: expected a number as the weight, got \"two\""},
    };
    for (size_t i = 0; i < NELEM(cases); i++) {
        char name[32];
        snprintf(name, sizeof name, "edges%zu.txt", i);
        const char *path = put_file(name, cases[i].text);
        ff_edges_opts o = {.base = cases[i].base};
        ff_tensor *t = NULL;
        ff_err err = {0};
        int rc = ff_tensor_load_with(path, NULL, F16, &o, &t, &err);
        char want[600];
        snprintf(want, sizeof want, "%s:%s", path, cases[i].msg);
        if (rc != FF_EINVAL || strcmp(err.msg, want) != 0)
            fail_msg("case %zu: rc %d\n  got:  %s\n  want: %s", i, rc, err.msg, want);
        assert_null(t);
    }
    /* a matrix only */
    ff_format f = fmt_of("dense", 1);
    ff_tensor *t = NULL;
    ff_err err = {0};
    assert_int_equal(ff_tensor_load(put_file("v.txt", "0 1\n"), &f, F16, &t, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "an edge list is a matrix (order 2), the tensor has order 1"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_files_match_their_headers),
        cmocka_unit_test(mtx_reads_every_kind),
        cmocka_unit_test(mtx_errors_name_path_and_line),
        cmocka_unit_test(mtx_write_is_exact_and_round_trips),
        cmocka_unit_test(mtx_write_failure_leaves_no_file),
        cmocka_unit_test(text_reads_writes_and_round_trips),
        cmocka_unit_test(text_errors_name_path_and_line),
        cmocka_unit_test(edges_read_as_snap_writes_them),
        cmocka_unit_test(edges_errors_name_path_and_line),
    };
    return cmocka_run_group_tests_name("mtx", tests, make_tmpdir, remove_tmpdir);
}
