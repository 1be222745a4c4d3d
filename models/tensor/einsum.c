/*
 * einsum.c -- the reference evaluator of index expressions, the oracle the
 * dataflow graphs are checked against.
 *
 *   expr   := access "=" ["+" | "-"] term (("+" | "-") term)*
 *   term   := factor ("*" factor)*
 *   factor := access | number
 *   access := name ["(" [name ("," name)*] ")"]     tensor(indices); a bare name is order 0
 *   number := digits ["." digits] [("e" | "E") ["+" | "-"] digits] | "." digits ...
 *
 * Semantics (ff_tensor.h): the output starts at 0 and each term is added or
 * subtracted in turn, saturating. A term, at one output point, is the sum
 * over its own non-output indices -- in lexicographic order, the index that
 * appears first in the term varying slowest -- of the product of its factors
 * taken left to right with ff_fx_mul.
 *
 * How it stays cheap without changing that arithmetic: a term is evaluated
 * by one loop per index in order of first appearance in the term (output
 * indices it lacks come last, as broadcasts), accumulating into a dense
 * output-sized array. For any one output point this visits its reduction
 * points in the order above, so every saturating sum is formed in the same
 * order as the naive loop nest. A tensor factor is read through a copy of it
 * in an all-compressed format whose levels follow the loop order (a trie),
 * so a loop whose index is the next level of some factor runs only over that
 * factor's stored coordinates, looking them up in the other factors' fibers:
 * the points it skips are exactly those where some factor is zero, whose
 * product is 0 and whose addition changes nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "tensor_int.h"

#define MAX_TERMS 32
#define MAX_FACTORS 16
#define MAX_INDICES 16
#define NAME_MAX_LEN 63

typedef struct factor {
    int col;                    /* column of the factor, for messages */
    const ff_tensor *t;         /* the tensor, or NULL for a constant */
    ff_fx c;                    /* the constant */
    char name[NAME_MAX_LEN + 1];
    int nidx;                   /* indices written */
    int idx[FF_MAX_ORDER];      /* their ids */
    int idx_col[FF_MAX_ORDER];  /* their columns */
    ff_tensor *trie;            /* evaluation copy, levels in loop order */
    int lv_index[FF_MAX_ORDER]; /* index id each trie level iterates */
} factor;

typedef struct term {
    int neg;                    /* subtracted rather than added */
    int nf;
    factor f[MAX_FACTORS];
} term;

typedef struct einsum {
    const char *src, *p;        /* the expression and the parse position */
    ff_err *err;
    int frac_bits;
    char out_name[NAME_MAX_LEN + 1];
    int out_n;
    int out_idx[FF_MAX_ORDER];
    int nterms;
    term terms[MAX_TERMS];
    int nidx;
    char idx_name[MAX_INDICES][NAME_MAX_LEN + 1];
    uint32_t idx_size[MAX_INDICES];
    int idx_sized[MAX_INDICES];  /* size known */
    int idx_where[MAX_INDICES];  /* column that gave the size */
} einsum;

static int fail(einsum *e, const char *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* "einsum "EXPR":COL: message" */
static int fail(einsum *e, const char *at, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ff_err_set(e->err, FF_EINVAL, "einsum \"%s\":%d: %s", e->src, (int)(at - e->src) + 1,
                      msg);
}

/* ---- parsing ---- */

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static void skip_ws(einsum *e)
{
    while (*e->p == ' ' || *e->p == '\t' || *e->p == '\n' || *e->p == '\r') e->p++;
}

/* Consumes c (after blanks) if it is next. */
static int accept(einsum *e, char c)
{
    skip_ws(e);
    if (*e->p != c) return 0;
    e->p++;
    return 1;
}

static int name(einsum *e, char *buf, const char *what)
{
    skip_ws(e);
    const char *s = e->p;
    if (!is_alpha(*s)) return fail(e, s, "expected %s", what);
    while (is_alpha(*e->p) || is_digit(*e->p)) e->p++;
    if (e->p - s > NAME_MAX_LEN) return fail(e, s, "name longer than %d characters", NAME_MAX_LEN);
    memcpy(buf, s, (size_t)(e->p - s));
    buf[e->p - s] = '\0';
    return 0;
}

static int index_id(einsum *e, const char *nm, const char *at, int *id)
{
    for (int i = 0; i < e->nidx; i++)
        if (strcmp(e->idx_name[i], nm) == 0) return *id = i, 0;
    if (e->nidx == MAX_INDICES) return fail(e, at, "more than %d distinct indices", MAX_INDICES);
    strcpy(e->idx_name[e->nidx], nm);
    *id = e->nidx++;
    return 0;
}

/* ["(" [name ("," name)*] ")"] after an access's name */
static int index_list(einsum *e, int *n, int *ids, int *cols)
{
    *n = 0;
    if (!accept(e, '(')) return 0;
    if (accept(e, ')')) return 0;
    do {
        char nm[NAME_MAX_LEN + 1];
        skip_ws(e);
        const char *at = e->p;
        int rc = name(e, nm, "an index name");
        if (rc) return rc;
        if (*n == FF_MAX_ORDER) return fail(e, at, "more than %d indices", FF_MAX_ORDER);
        if ((rc = index_id(e, nm, at, &ids[*n]))) return rc;
        cols[(*n)++] = (int)(at - e->src) + 1;
    } while (accept(e, ','));
    skip_ws(e);
    if (!accept(e, ')')) return fail(e, e->p, "expected \",\" or \")\"");
    return 0;
}

/* factor := access | number */
static int factor_rule(einsum *e, factor *f, ff_tensor_lookup_fn lookup, void *ctx)
{
    skip_ws(e);
    const char *at = e->p;
    f->col = (int)(at - e->src) + 1;
    if (is_digit(*at) || (*at == '.' && is_digit(at[1]))) {
        const char *s = at;
        while (is_digit(*s) || *s == '.') s++;
        if ((*s == 'e' || *s == 'E') &&
            (is_digit(s[1]) || ((s[1] == '+' || s[1] == '-') && is_digit(s[2])))) {
            s += 2;
            while (is_digit(*s)) s++;
        }
        char num[64];
        if (s - at >= (long)sizeof num) return fail(e, at, "number too long");
        memcpy(num, at, (size_t)(s - at));
        num[s - at] = '\0';
        if (ff_fx_parse(num, e->frac_bits, &f->c) != 0)
            return fail(e, at, "expected a number, got \"%s\"", num);
        e->p = s;
        return 0;
    }
    if (!is_alpha(*at)) return fail(e, at, "expected a tensor or a number");
    int rc = name(e, f->name, "a tensor name");
    if (rc) return rc;
    if ((rc = index_list(e, &f->nidx, f->idx, f->idx_col))) return rc;
    f->t = lookup(ctx, f->name);
    if (!f->t) return fail(e, at, "unknown tensor \"%s\"", f->name);
    if (f->t->order != f->nidx)
        return fail(e, at, "%s has order %d but is written with %d indices", f->name, f->t->order,
                    f->nidx);
    if (f->t->frac_bits != e->frac_bits)
        return fail(e, at, "%s has %d fraction bits, the expression uses %d", f->name,
                    f->t->frac_bits, e->frac_bits);
    for (int m = 0; m < f->nidx; m++) {
        int id = f->idx[m];
        uint32_t size = f->t->dims[m];
        if (!e->idx_sized[id]) {
            e->idx_sized[id] = 1;
            e->idx_size[id] = size;
            e->idx_where[id] = f->idx_col[m];
        } else if (e->idx_size[id] != size) {
            return fail(e, e->src + f->idx_col[m] - 1,
                        "index %s has size %u here (mode %d of %s) but %u at column %d",
                        e->idx_name[id], (unsigned)size, m, f->name, (unsigned)e->idx_size[id],
                        e->idx_where[id]);
        }
    }
    return 0;
}

/* term := factor ("*" factor)* */
static int term_rule(einsum *e, term *tm, ff_tensor_lookup_fn lookup, void *ctx)
{
    do {
        skip_ws(e);
        if (tm->nf == MAX_FACTORS) return fail(e, e->p, "more than %d factors in a term", MAX_FACTORS);
        int rc = factor_rule(e, &tm->f[tm->nf++], lookup, ctx);
        if (rc) return rc;
    } while (accept(e, '*'));
    return 0;
}

/* expr := access "=" ["+" | "-"] term (("+" | "-") term)* */
static int expr_rule(einsum *e, ff_tensor_lookup_fn lookup, void *ctx)
{
    int cols[FF_MAX_ORDER];
    int rc = name(e, e->out_name, "the output tensor name");
    if (rc) return rc;
    if ((rc = index_list(e, &e->out_n, e->out_idx, cols))) return rc;
    for (int a = 0; a < e->out_n; a++)
        for (int b = 0; b < a; b++)
            if (e->out_idx[a] == e->out_idx[b])
                return fail(e, e->src + cols[a] - 1, "index %s appears twice in the output",
                            e->idx_name[e->out_idx[a]]);
    skip_ws(e);
    if (!accept(e, '=')) return fail(e, e->p, "expected \"=\"");
    int neg = 0;
    skip_ws(e);
    if (accept(e, '-')) neg = 1;
    else accept(e, '+');
    for (;;) {
        skip_ws(e);
        if (e->nterms == MAX_TERMS) return fail(e, e->p, "more than %d terms", MAX_TERMS);
        term *tm = &e->terms[e->nterms++];
        tm->neg = neg;
        if ((rc = term_rule(e, tm, lookup, ctx))) return rc;
        skip_ws(e);
        if (accept(e, '+')) neg = 0;
        else if (accept(e, '-')) neg = 1;
        else break;
    }
    skip_ws(e);
    if (*e->p != '\0') return fail(e, e->p, "expected \"+\", \"-\", \"*\" or the end");
    for (int a = 0; a < e->out_n; a++)
        if (!e->idx_sized[e->out_idx[a]])
            return fail(e, e->src + cols[a] - 1,
                        "output index %s appears in no tensor on the right, so it has no size",
                        e->idx_name[e->out_idx[a]]);
    return 0;
}

/* ---- evaluation ---- */

typedef struct loopnest {
    einsum *e;
    term *tm;
    int D;                        /* loops */
    int loop_idx[MAX_INDICES];    /* index id of each loop, outermost first */
    size_t ostride[MAX_INDICES];  /* per index id: output stride, 0 if not an output index */
    size_t pos[MAX_FACTORS];      /* each factor's trie position so far */
    int depth[MAX_FACTORS];       /* each factor's trie levels bound so far */
    ff_fx *acc;                   /* the term, output-sized, row-major */
} loopnest;

/* Position of coordinate c in the fiber below parent at trie level k, or -1. */
static long long fiber_find(const ff_level *lv, size_t parent, uint32_t c)
{
    size_t pos;
    return ff_level_find(lv, parent, c, &pos) ? (long long)pos : -1;
}

static void loop(loopnest *ln, int d, size_t out_off)
{
    term *tm = ln->tm;
    int F = ln->e->frac_bits;
    if (d == ln->D) {
        ff_fx prod = 0;
        for (int k = 0; k < tm->nf; k++) {
            const factor *f = &tm->f[k];
            ff_fx v = f->t ? f->trie->vals[ln->pos[k]] : f->c;
            prod = k == 0 ? v : ff_fx_mul(prod, v, F);
        }
        ln->acc[out_off] = ff_fx_add(ln->acc[out_off], prod);
        return;
    }
    int x = ln->loop_idx[d];
    size_t stride = ln->ostride[x];
    int cons[MAX_FACTORS], nc = 0; /* factors whose next trie level is index x */
    for (int k = 0; k < tm->nf; k++) {
        const factor *f = &tm->f[k];
        if (f->t && ln->depth[k] < f->trie->fmt.nlevels && f->lv_index[ln->depth[k]] == x)
            cons[nc++] = k;
    }
    if (nc == 0) {
        for (uint32_t v = 0; v < ln->e->idx_size[x]; v++) loop(ln, d + 1, out_off + v * stride);
        return;
    }
    size_t saved[MAX_FACTORS];
    for (int i = 0; i < nc; i++) saved[i] = ln->pos[cons[i]];
    const factor *lead = &tm->f[cons[0]];
    const ff_level *llv = &lead->trie->lvl[ln->depth[cons[0]]];
    for (size_t p = llv->seg[saved[0]]; p < llv->seg[saved[0] + 1]; p++) {
        uint32_t v = llv->crd[p];
        int ok = 1;
        ln->pos[cons[0]] = p;
        for (int i = 1; i < nc && ok; i++) {
            const factor *g = &tm->f[cons[i]];
            long long q = fiber_find(&g->trie->lvl[ln->depth[cons[i]]], saved[i], v);
            if (q < 0) ok = 0; /* g is 0 here: the product is 0 */
            else ln->pos[cons[i]] = (size_t)q;
        }
        if (!ok) continue;
        for (int i = 0; i < nc; i++) ln->depth[cons[i]]++;
        loop(ln, d + 1, out_off + v * stride);
        for (int i = 0; i < nc; i++) ln->depth[cons[i]]--;
    }
    for (int i = 0; i < nc; i++) ln->pos[cons[i]] = saved[i];
}

/* The trie of factor f: its non-zero entries (on the diagonal of repeated
 * indices, as in A(i,i)) over its distinct indices, all levels compressed,
 * levels in the order the loops bind the indices. */
static int build_trie(einsum *e, factor *f, const int *loop_level)
{
    int dl[FF_MAX_ORDER], nd = 0, map[FF_MAX_ORDER], first[FF_MAX_ORDER];
    for (int m = 0; m < f->nidx; m++) {
        int j = 0;
        while (j < nd && dl[j] != f->idx[m]) j++;
        if (j == nd) first[nd] = m, dl[nd++] = f->idx[m];
        map[m] = j; /* mode m of the tensor is distinct index j */
    }
    fft_coo all = {0}, red = {.order = nd};
    fft_entries(f->t, FFT_NONZERO, &all);
    for (size_t i = 0; i < all.val.len; i++) {
        const uint32_t *c = all.crd.data + i * f->nidx;
        uint32_t rc[FF_MAX_ORDER];
        int on_diag = 1;
        for (int m = 0; m < f->nidx; m++) {
            if (first[map[m]] == m) rc[map[m]] = c[m];
            else if (rc[map[m]] != c[m]) on_diag = 0; /* a repeat of an earlier index */
        }
        if (on_diag) fft_coo_push(&red, rc, all.val.data[i]);
    }
    fft_coo_free(&all);
    ff_format fmt;
    fft_format_uniform(nd, FF_LVL_COMPRESSED, &fmt);
    for (int a = 0; a < nd; a++) /* sort the modes by loop level */
        for (int b = a; b > 0 && loop_level[dl[fmt.lv[b].mode]] < loop_level[dl[fmt.lv[b - 1].mode]]; b--) {
            int t = fmt.lv[b].mode;
            fmt.lv[b].mode = fmt.lv[b - 1].mode;
            fmt.lv[b - 1].mode = t;
        }
    uint32_t dims[FF_MAX_ORDER];
    for (int j = 0; j < nd; j++) dims[j] = e->idx_size[dl[j]];
    for (int k = 0; k < nd; k++) f->lv_index[k] = dl[fmt.lv[k].mode];
    int rc = ff_tensor_from_coo(f->name, nd, dims, &fmt, e->frac_bits, red.val.len, red.crd.data,
                                red.val.data, &f->trie, e->err);
    fft_coo_free(&red);
    return rc;
}

static int eval_term(einsum *e, term *tm, ff_fx *acc, const size_t *ostride)
{
    loopnest ln = {.e = e, .tm = tm, .acc = acc};
    int seen[MAX_INDICES] = {0}, loop_level[MAX_INDICES];
    for (int k = 0; k < tm->nf; k++)
        for (int m = 0; m < tm->f[k].nidx; m++) {
            int id = tm->f[k].idx[m];
            if (!seen[id]) seen[id] = 1, ln.loop_idx[ln.D++] = id;
        }
    for (int a = 0; a < e->out_n; a++) /* broadcast: output indices the term lacks */
        if (!seen[e->out_idx[a]]) seen[e->out_idx[a]] = 1, ln.loop_idx[ln.D++] = e->out_idx[a];
    for (int d = 0; d < ln.D; d++) loop_level[ln.loop_idx[d]] = d;
    memcpy(ln.ostride, ostride, sizeof ln.ostride);
    for (int k = 0; k < tm->nf; k++) {
        if (!tm->f[k].t) continue;
        int rc = build_trie(e, &tm->f[k], loop_level);
        if (rc) {
            ff_err_wrap(e->err, "einsum \"%s\": ", e->src);
            return rc;
        }
    }
    loop(&ln, 0, 0);
    return 0;
}

int ff_einsum_ref(const char *expr, ff_tensor_lookup_fn lookup, void *ctx,
                  const ff_format *out_fmt, int frac_bits, ff_tensor **out, ff_err *err)
{
    if (frac_bits < 0 || frac_bits > 30)
        return ff_err_set(err, FF_EINVAL, "einsum \"%s\": %d fraction bits is outside 0..30", expr,
                          frac_bits);
    einsum *e = ff_xcalloc(1, sizeof *e);
    e->src = e->p = expr;
    e->err = err;
    e->frac_bits = frac_bits;
    ff_fx *res = NULL, *acc = NULL;
    int rc = expr_rule(e, lookup, ctx);
    if (rc) goto done;

    uint32_t dims[FF_MAX_ORDER];
    size_t ostride[MAX_INDICES] = {0};
    for (int a = 0; a < e->out_n; a++) dims[a] = e->idx_size[e->out_idx[a]];
    int too_big;
    uint64_t n = fft_dims_product(e->out_n, dims, FFT_POS_LIMIT, &too_big);
    if (too_big) {
        char ds[96];
        rc = ff_err_set(err, FF_EINVAL, "einsum \"%s\": the output (%s) has more than 2^31 points",
                        expr, fft_dims_str(e->out_n, dims, ds, sizeof ds));
        goto done;
    }
    size_t stride = 1;
    for (int a = e->out_n - 1; a >= 0; a--) {
        ostride[e->out_idx[a]] = stride;
        stride *= dims[a];
    }
    res = calloc(n ? n : 1, sizeof *res);
    acc = malloc((n ? n : 1) * sizeof *acc);
    if (!res || !acc) {
        rc = ff_err_set(err, FF_ENOMEM, "einsum \"%s\": out of memory for %llu points", expr,
                        (unsigned long long)n);
        goto done;
    }
    for (int k = 0; k < e->nterms; k++) {
        memset(acc, 0, (n ? n : 1) * sizeof *acc);
        if ((rc = eval_term(e, &e->terms[k], acc, ostride))) goto done;
        for (uint64_t i = 0; i < n; i++)
            res[i] = e->terms[k].neg ? ff_fx_sub(res[i], acc[i]) : ff_fx_add(res[i], acc[i]);
    }
    ff_format deflt;
    if (!out_fmt) {
        fft_format_uniform(e->out_n, FF_LVL_DENSE, &deflt);
        out_fmt = &deflt;
    }
    rc = ff_tensor_from_dense(e->out_name, e->out_n, dims, out_fmt, frac_bits, res, out, err);
    if (rc) ff_err_wrap(err, "einsum \"%s\": ", expr);

done:
    for (int k = 0; k < e->nterms; k++)
        for (int j = 0; j < e->terms[k].nf; j++) ff_tensor_free(e->terms[k].f[j].trie);
    free(e);
    free(res);
    free(acc);
    return rc;
}
