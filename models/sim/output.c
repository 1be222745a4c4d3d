/*
 * output.c -- output assembly: turns what a run's writers wrote into tensors
 * in the graph's formats (the RTL co-simulation assembles the arrays it
 * reads back from SRAM the same way), and hands out what sinks recorded.
 * Needs input binding for output shapes (bind.h) and the sinks' records
 * (prims.h); nothing below calls it.
 */
#include <stdlib.h>

#include "prims.h"

typedef struct assembly {
    const ff_written *w;
    const ff_format *fmt;
    int order;
    FF_VEC(uint32_t) coords;
    FF_VEC(ff_fx) vals;
    uint32_t cur[FF_MAX_ORDER];
    int nwritten;  /* levels with writers; the rest are dense offset levels */
    size_t bw;     /* entries per written value */
} assembly;

/* The entries of one written value: itself, or in a blocked output (dense
 * offset levels after the written ones) every entry of its block. */
static void emit_block(assembly *a, int l, size_t base, size_t off)
{
    if (l == a->fmt->nlevels) {
        for (int m = 0; m < a->order; m++) FF_VEC_PUSH(a->coords, a->cur[m]);
        FF_VEC_PUSH(a->vals, a->w->vals[base + off]);
        return;
    }
    const ff_level_desc *d = &a->fmt->lv[l];
    uint32_t saved = a->cur[d->mode];
    for (uint32_t c = 0; c < (uint32_t)d->block; c++) {
        a->cur[d->mode] = saved + c;
        emit_block(a, l + 1, base, off * (size_t)d->block + (size_t)c);
    }
    a->cur[d->mode] = saved;
}

/* Walks fiber f of level l of the written (all-compressed) fibertree. */
static void walk(assembly *a, int l, size_t f)
{
    const ff_written *w = a->w;
    const ff_level_desc *d = &a->fmt->lv[l];
    uint32_t lo = w->seg[l][f], hi = w->seg[l][f + 1];
    for (uint32_t p = lo; p < hi; p++) {
        uint32_t c = w->crd[l][p];
        uint32_t saved = a->cur[d->mode];
        if (d->split == FF_SPLIT_OUTER) a->cur[d->mode] = c * d->block;
        else if (d->split == FF_SPLIT_INNER) a->cur[d->mode] += c;
        else a->cur[d->mode] = c;
        if (l + 1 == a->nwritten) {
            emit_block(a, l + 1, (size_t)p * a->bw, 0);
        } else {
            walk(a, l + 1, p);
        }
        a->cur[d->mode] = saved;
    }
}

int ff_sim_assemble_output(const ff_graph *g, const ff_tensor *const *inputs, const char *name, const ff_written *w,
                           ff_tensor **out, ff_err *err)
{
    int ti = ff_graph_find_tensor(g, name);
    if (ti < 0 || !g->tensors[ti].is_output)
        return ff_err_set(err, FF_EINVAL, "graph '%s' has no output tensor '%s'", g->name, name);
    const ff_gtensor *gt = &g->tensors[ti];
    ff_format fmt;
    int rc = ff_format_parse(gt->format, gt->order, &fmt, err);
    if (rc) return ff_err_wrap(err, "output '%s': ", name);
    uint32_t dims[FF_MAX_ORDER];
    for (int m = 0; m < gt->order; m++) {
        rc = sim_dim_text(g, inputs, gt->shape[m] ? gt->shape[m] : "", &dims[m], err);
        if (rc) return ff_err_wrap(err, "output '%s' mode %d: ", name, m);
    }
    if (!w->have_vals) return ff_err_set(err, FF_EINVAL, "output '%s': no value writer", name);
    /* A blocked output ends in the offset levels of its blocks: written as
     * whole blocks by the value writer, not by level writers. */
    int nwritten = fmt.nlevels;
    size_t bw = 1;
    while (nwritten > 0 && fmt.lv[nwritten - 1].split == FF_SPLIT_INNER && fmt.lv[nwritten - 1].fmt == FF_LVL_DENSE &&
           !w->have_level[nwritten - 1]) {
        nwritten--;
        bw *= (size_t)fmt.lv[nwritten].block;
    }
    size_t parent_positions = 1;
    for (int l = 0; l < nwritten; l++) {
        if (!w->have_level[l])
            return ff_err_set(err, FF_EINVAL, "output '%s': level %d (of %d) has no writer", name, l, fmt.nlevels);
        if (w->nseg[l] == 0)
            return ff_err_set(err, FF_ERUNTIME, "output '%s': level %d has no segment array (not even its leading 0)",
                              name, l);
        size_t fibers = w->nseg[l] - 1;
        if (!(fibers == parent_positions || (l == 0 && fibers == 0 && w->ncrd[0] == 0)))
            return ff_err_set(err, FF_ERUNTIME,
                              "output '%s': level %d holds %zu fibers but level %d has %zu coordinates (an empty fiber "
                              "whose coordinate was not dropped?)",
                              name, l, fibers, l - 1, parent_positions);
        for (size_t f = 0; f < w->nseg[l]; f++)
            if (w->seg[l][f] > w->ncrd[l] || (f && w->seg[l][f] < w->seg[l][f - 1]))
                return ff_err_set(err, FF_ERUNTIME, "output '%s': level %d: segment entry %zu (%u) is out of order or "
                                  "beyond the %zu coordinates", name, l, f, w->seg[l][f], w->ncrd[l]);
        parent_positions = w->ncrd[l];
    }
    if (w->nvals != parent_positions * bw)
        return ff_err_set(err, FF_ERUNTIME, "output '%s': %zu values written for %zu coordinates%s", name, w->nvals,
                          parent_positions, bw > 1 ? " (of whole blocks)" : "");
    /* the writers' arrays as they stand, when they are the tensor's */
    if (nwritten == fmt.nlevels && bw == 1) {
        rc = ff_tensor_from_levels(name, gt->order, dims, &fmt, g->frac_bits, w->seg, w->nseg, w->crd, w->ncrd, w->vals,
                                   w->nvals, out, err);
        if (rc) return ff_err_wrap(err, "output '%s': ", name);
        if (*out) return 0;
    }
    assembly a = {.w = w, .fmt = &fmt, .order = gt->order, .nwritten = nwritten, .bw = bw};
    if (fmt.nlevels == 0) {
        if (w->nvals > 1)
            return ff_err_set(err, FF_ERUNTIME, "output '%s' is a scalar but %zu values were written", name, w->nvals);
        if (w->nvals) FF_VEC_PUSH(a.vals, w->vals[0]);
    } else if (w->nseg[0] > 1) {
        walk(&a, 0, 0);
    }
    rc = ff_tensor_from_coo(name, gt->order, dims, &fmt, g->frac_bits, a.vals.len, a.coords.data, a.vals.data, out, err);
    free(a.coords.data);
    free(a.vals.data);
    return rc ? ff_err_wrap(err, "output '%s': ", name) : 0;
}

int ff_sim_take_output(ff_sim *s, const char *name, ff_tensor **out, ff_err *err)
{
    int ti = ff_graph_find_tensor(s->g, name);
    if (ti < 0 || !s->g->tensors[ti].is_output)
        return ff_err_set(err, FF_EINVAL, "graph '%s' has no output tensor '%s'", s->g->name, name);
    const outbuf *ob = &s->outputs[ti];
    ff_written w = {.vals = ob->vals.data, .nvals = ob->vals.len, .have_vals = ob->have_vals};
    for (int l = 0; l < FF_MAX_LEVELS; l++) {
        w.crd[l] = ob->crd[l].data;
        w.ncrd[l] = ob->crd[l].len;
        w.seg[l] = ob->seg[l].data;
        w.nseg[l] = ob->seg[l].len;
        w.have_level[l] = ob->have_level[l];
    }
    return ff_sim_assemble_output(s->g, s->inputs, name, &w, out, err);
}

int ff_sim_sink(const ff_sim *s, const char *name, const ff_tok **toks, const uint64_t **cycles, size_t *n,
                ff_err *err)
{
    int i = ff_graph_find_node(s->g, name);
    if (i < 0 || s->nodes[i].kind != FF_PRIM_SINK || !s->nodes[i].state)
        return ff_err_set(err, FF_EINVAL, "no sink node '%s' in a simulation that ran", name);
    sink_records(&s->nodes[i], toks, cycles, n);
    return 0;
}
