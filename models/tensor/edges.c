/*
 * edges.c -- graphs as SNAP and most graph datasets ship them: one edge per
 * line,
 *
 *   line := SRC DST [WEIGHT]     (blanks between; '#' or '%' starts a comment)
 *
 * read into an N x N matrix A with A(src, dst) = weight (1 without one).
 * Ids are 0-based (SNAP) or 1-based; N is the largest id + 1 unless given.
 * --symmetrize adds (dst, src) for every (src, dst): an undirected graph
 * listed once per edge. An edge listed twice (or listed both ways and
 * symmetrized) is one entry; with weights, the two weights must agree.
 */
#include <stdlib.h>
#include <string.h>

#include "tensor_int.h"

typedef struct edge {
    uint32_t src, dst;
    ff_fx w;
    long line; /* where it was read, for a disagreement */
} edge;

static int edge_cmp(const void *a, const void *b)
{
    const edge *x = a, *y = b;
    if (x->src != y->src) return x->src < y->src ? -1 : 1;
    if (x->dst != y->dst) return x->dst < y->dst ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* Whether line s (comments cut) has the shape of an edge: 2 or 3 tokens,
 * the first two whole numbers; -1 for a blank line. */
static int looks_like_edge(char *s)
{
    char *tok[4];
    int n = fft_split(s, tok, 4);
    uint64_t v;
    if (n == 0) return -1;
    return (n == 2 || n == 3) && !fft_parse_uint(tok[0], UINT64_MAX, &v) && !fft_parse_uint(tok[1], UINT64_MAX, &v);
}

int fft_is_edge_list(const char *path, ff_err *err)
{
    fft_lines r;
    int rc = fft_lines_open(&r, path, err);
    if (rc) return rc;
    int is = 0;
    while ((rc = fft_lines_next(&r, err)) > 0) {
        char *c = strpbrk(r.buf, "#%");
        if (c) *c = '\0';
        if ((is = looks_like_edge(r.buf)) >= 0) break; /* the first line with anything on it */
    }
    fft_lines_close(&r);
    return rc < 0 ? rc : is > 0;
}

int ff_tensor_read_edges(const char *path, const ff_format *fmt, int frac_bits, const ff_edges_opts *opts,
                         ff_tensor **out, ff_err *err)
{
    static const ff_edges_opts none;
    if (!opts) opts = &none;
    if (frac_bits < 0 || frac_bits > 30)
        return ff_err_set(err, FF_EINVAL, "%s: %d fraction bits is outside 0..30", path, frac_bits);
    if (opts->base != 0 && opts->base != 1)
        return ff_err_set(err, FF_EINVAL, "%s: ids are 0- or 1-based, not %d-based", path, opts->base);
    if (fmt && fmt->order != 2)
        return ff_err_set(err, FF_EINVAL, "%s: an edge list is a matrix (order 2), the tensor has order %d", path,
                          fmt->order);
    fft_lines r;
    int rc = fft_lines_open(&r, path, err);
    if (rc) return rc;
    FF_VEC(edge) es = {0};
    uint64_t top = 0; /* largest id + 1 */
    int weighted = -1; /* fixed by the first edge */
    char *tok[4];
    int more;
    while (!rc && (more = fft_lines_next(&r, err)) != 0) {
        if (more < 0) {
            rc = more;
            break;
        }
        char *c = strpbrk(r.buf, "#%");
        if (c) *c = '\0';
        int n = fft_split(r.buf, tok, 4);
        if (n == 0) continue;
        if (n != 2 && n != 3) {
            rc = ff_err_set(err, FF_EINVAL, "%s:%ld: expected SRC DST [WEIGHT], got %d fields", path, r.lineno, n);
            break;
        }
        if (weighted < 0) weighted = n == 3;
        if ((n == 3) != weighted) {
            rc = ff_err_set(err, FF_EINVAL, "%s:%ld: expected %s like the first edge", path, r.lineno,
                            weighted ? "a weight" : "no weight");
            break;
        }
        uint64_t id[2];
        for (int k = 0; k < 2 && !rc; k++)
            if (fft_parse_uint(tok[k], (uint64_t)UINT32_MAX + (uint64_t)opts->base - 1, &id[k]) ||
                id[k] < (uint64_t)opts->base)
                rc = ff_err_set(err, FF_EINVAL, "%s:%ld: expected a %d-based node id below 2^32, got \"%s\"", path,
                                r.lineno, opts->base, tok[k]);
        if (rc) break;
        edge e = {(uint32_t)(id[0] - (uint64_t)opts->base), (uint32_t)(id[1] - (uint64_t)opts->base), 0, r.lineno};
        e.w = ff_fx_from_int(1, frac_bits);
        if (n == 3 && fft_parse_value(&r, tok[2], frac_bits, &e.w)) {
            rc = ff_err_set(err, FF_EINVAL, "%s:%ld: expected a number as the weight, got \"%s\"", path, r.lineno,
                            tok[2]);
            break;
        }
        for (int k = 0; k < 1 + !!opts->symmetric; k++) {
            FF_VEC_PUSH(es, e);
            uint32_t t = e.src;
            e.src = e.dst;
            e.dst = t;
        }
        if ((uint64_t)e.src + 1 > top) top = (uint64_t)e.src + 1;
        if ((uint64_t)e.dst + 1 > top) top = (uint64_t)e.dst + 1;
    }
    ff_tensor_loss loss = r.loss;
    long lines = r.lineno;
    fft_lines_close(&r);
    if (!rc && opts->nodes) {
        if (top > opts->nodes)
            rc = ff_err_set(err, FF_EINVAL, "%s: node id %llu is beyond the %u nodes asked for", path,
                            (unsigned long long)(top - 1 + (uint64_t)opts->base), opts->nodes);
        top = opts->nodes;
    }
    if (!rc && top == 0) rc = ff_err_set(err, FF_EINVAL, "%s:%ld: expected SRC DST [WEIGHT] lines, found none", path, lines);
    /* one entry per (src, dst): repeats must agree */
    if (!rc && es.len) qsort(es.data, es.len, sizeof *es.data, edge_cmp);
    size_t kept = 0;
    for (size_t i = 0; !rc && i < es.len; i++) {
        if (kept && es.data[kept - 1].src == es.data[i].src && es.data[kept - 1].dst == es.data[i].dst) {
            if (es.data[kept - 1].w != es.data[i].w)
                rc = ff_err_set(err, FF_EINVAL, "%s:%ld: edge %u -> %u again, with another weight than on line %ld",
                                path, es.data[i].line, es.data[i].src + (uint32_t)opts->base,
                                es.data[i].dst + (uint32_t)opts->base, es.data[kept - 1].line);
            continue;
        }
        es.data[kept++] = es.data[i];
    }
    uint32_t *crd = NULL;
    ff_fx *val = NULL;
    if (!rc) {
        crd = ff_xcalloc(2 * kept + 1, sizeof *crd);
        val = ff_xcalloc(kept + 1, sizeof *val);
        for (size_t i = 0; i < kept; i++) {
            crd[2 * i] = es.data[i].src;
            crd[2 * i + 1] = es.data[i].dst;
            val[i] = es.data[i].w;
        }
        uint32_t dims[2] = {(uint32_t)top, (uint32_t)top};
        ff_format deflt;
        if (!fmt) {
            fft_format_default(2, &deflt);
            fmt = &deflt;
        }
        char name[64];
        rc = ff_tensor_from_coo(fft_stem(path, name, sizeof name), 2, dims, fmt, frac_bits, kept, crd, val, out, err);
        if (rc) ff_err_wrap(err, "%s: ", path);
        else (*out)->loss = loss;
    }
    free(crd);
    free(val);
    free(es.data);
    return rc;
}
