/*
 * bind.c -- input binding: connects a graph to the data it runs on. Input
 * tensors (converted to the graph's formats), the sizes `dim` params name,
 * the level views scanners read and the buffers writers fill. Needs only
 * the simulation's data (sim_int.h); the primitives' setup calls it
 * (bind.h), it calls nothing back.
 */
#include <stdlib.h>
#include <string.h>

#include "bind.h"

static int formats_equal(const ff_format *a, const ff_format *b)
{
    if (a->order != b->order || a->nlevels != b->nlevels) return 0;
    for (int k = 0; k < a->nlevels; k++) {
        const ff_level_desc *x = &a->lv[k], *y = &b->lv[k];
        if (x->fmt != y->fmt || x->mode != y->mode || x->split != y->split || x->block != y->block) return 0;
    }
    return 1;
}

int ff_sim_bind(ff_sim *s, const char *name, const ff_tensor *t, ff_err *err)
{
    int ti = ff_graph_find_tensor(s->g, name);
    if (ti < 0) return ff_err_set(err, FF_EINVAL, "graph '%s' has no tensor '%s'", s->g->name, name);
    const ff_gtensor *gt = &s->g->tensors[ti];
    if (gt->is_output) return ff_err_set(err, FF_EINVAL, "tensor '%s' is an output of graph '%s', not an input", name, s->g->name);
    if (t->order != gt->order)
        return ff_err_set(err, FF_EINVAL, "tensor '%s': the graph expects order %d, the data has order %d", name,
                          gt->order, t->order);
    if (t->frac_bits != s->frac_bits)
        return ff_err_set(err, FF_EINVAL, "tensor '%s': %d fractional bits, the graph uses %d", name, t->frac_bits,
                          s->frac_bits);
    ff_format want;
    int rc = ff_format_parse(gt->format, gt->order, &want, err);
    if (rc) return ff_err_wrap(err, "tensor '%s': ", name);
    ff_tensor_free(s->owned_inputs[ti]);
    s->owned_inputs[ti] = NULL;
    if (formats_equal(&want, &t->fmt)) {
        s->inputs[ti] = t;
        return 0;
    }
    rc = ff_tensor_convert_blocks(t, &want, &s->owned_inputs[ti], err);
    if (rc) return ff_err_wrap(err, "tensor '%s': ", name);
    s->inputs[ti] = s->owned_inputs[ti];
    return 0;
}

int ff_sim_on_chip(ff_sim *s, const char *name, ff_err *err)
{
    int ti = ff_graph_find_tensor(s->g, name);
    if (ti < 0) return ff_err_set(err, FF_EINVAL, "graph '%s' has no tensor '%s'", s->g->name, name);
    s->on_chip[ti] = 1;
    return 0;
}

const ff_tensor *sim_input(ff_sim *s, const node *n, const char *name, ff_err *err)
{
    int ti = ff_graph_find_tensor(s->g, name);
    if (ti < 0 || s->g->tensors[ti].is_output || !s->inputs[ti]) {
        ff_err_set(err, FF_EINVAL, "node '%s': tensor '%s' is not a bound input", n->g->name, name);
        return NULL;
    }
    return s->inputs[ti];
}

int sim_dim_text(const ff_graph *g, const ff_tensor *const *inputs, const char *text, uint32_t *out, ff_err *err)
{
    int64_t num = 0;
    size_t tlen = 0;
    int m = 0, block = 0;
    int r = ff_dim_parse(text, &num, &tlen, &m, &block);
    if (r == 1 && num <= UINT32_MAX) {
        *out = (uint32_t)num;
        return 0;
    }
    char tname[128];
    int ti = -1;
    if (r == 2 && tlen < sizeof tname) {
        memcpy(tname, text, tlen);
        tname[tlen] = '\0';
        ti = ff_graph_find_tensor(g, tname);
    }
    if (ti < 0 || g->tensors[ti].is_output || !inputs[ti] || m >= inputs[ti]->order)
        return ff_err_set(err, FF_EINVAL, "dimension '%s': expected a number, or MODE or MODE/BLOCK of a bound input "
                          "tensor", text);
    uint32_t B = block ? (uint32_t)block : 1u;
    *out = (inputs[ti]->dims[m] + B - 1) / B;
    return 0;
}

int sim_resolve_dim(ff_sim *s, const node *n, const char *key, uint32_t *out, ff_err *err)
{
    const ff_param *p = ff_node_param(n->g, key);
    if (!p) return ff_err_set(err, FF_EINVAL, "node '%s': needs param %s", n->g->name, key);
    if (!p->s) {
        if (p->i < 0 || p->i > UINT32_MAX)
            return ff_err_set(err, FF_EINVAL, "node '%s': %s = %lld out of range", n->g->name, key, (long long)p->i);
        *out = (uint32_t)p->i;
        return 0;
    }
    int rc = sim_dim_text(s->g, s->inputs, p->s, out, err);
    return rc ? ff_err_wrap(err, "node '%s': %s: ", n->g->name, key) : 0;
}

static uint32_t *copy_u32(const ff_param *p, const char *node_name, const char *key, ff_err *err, int *rc)
{
    uint32_t *a = ff_xmalloc((p->nints + 1) * sizeof *a);
    for (size_t i = 0; i < p->nints; i++) {
        if (p->ints[i] < 0 || p->ints[i] > UINT32_MAX) {
            *rc = ff_err_set(err, FF_EINVAL, "node '%s': %s[%zu] = %lld out of range", node_name, key, i,
                             (long long)p->ints[i]);
            free(a);
            return NULL;
        }
        a[i] = (uint32_t)p->ints[i];
    }
    return a;
}

static int level_source(ff_sim *s, const node *n, level_view *lv, ff_err *err);

int sim_level_view(ff_sim *s, const node *n, level_view *lv, ff_err *err)
{
    int rc = level_source(s, n, lv, err);
    if (rc) return rc;
    /* the offset: a size (>= 0) or a number of either sign */
    const ff_param *po = ff_node_param(n->g, "off");
    if (po && !po->s) {
        if (po->i < -(int64_t)INT32_MAX || po->i > INT32_MAX)
            return ff_err_set(err, FF_EINVAL, "node '%s': off = %lld out of range", n->g->name, (long long)po->i);
        lv->off = po->i;
    } else {
        uint32_t off = 0;
        if ((rc = sim_resolve_dim(s, n, "off", &off, err))) return rc;
        lv->off = off;
    }
    if ((rc = sim_resolve_dim(s, n, "len", &lv->len, err))) return rc;
    if (!lv->len && lv->off)
        return ff_err_set(err, FF_EINVAL, "node '%s': a window with offset %lld needs its length (len)", n->g->name,
                          (long long)lv->off);
    return 0;
}

static int level_source(ff_sim *s, const node *n, level_view *lv, ff_err *err)
{
    memset(lv, 0, sizeof *lv);
    const char *want = ff_node_str(n->g, "format");
    lv->compressed = strcmp(want, "compressed") == 0;
    const char *tname = ff_node_str(n->g, "tensor");
    if (tname[0]) {
        const ff_tensor *t = sim_input(s, n, tname, err);
        if (!t) return err ? err->code : FF_EINVAL;
        int64_t l = ff_node_int(n->g, "level");
        if (l < 0 || l >= t->fmt.nlevels)
            return ff_err_set(err, FF_EINVAL, "node '%s': level %lld of '%s' does not exist (%d levels)", n->g->name,
                              (long long)l, tname, t->fmt.nlevels);
        int is_c = t->fmt.lv[l].fmt == FF_LVL_COMPRESSED;
        if (is_c != lv->compressed)
            return ff_err_set(err, FF_EINVAL, "node '%s': reads level %lld of '%s' as %s, but it is %s", n->g->name,
                              (long long)l, tname, want, is_c ? "compressed" : "dense");
        const ff_level *L = &t->lvl[l];
        lv->dim = L->dim;
        lv->seg = L->seg;
        lv->crd = L->crd;
        lv->nseg = L->nseg;
        lv->ncrd = L->ncrd;
        return 0;
    }
    if (!lv->compressed) return sim_resolve_dim(s, n, "dim", &lv->dim, err);
    const ff_param *seg = ff_node_param(n->g, "seg"), *crd = ff_node_param(n->g, "crd");
    if (!seg || !crd || seg->nints == 0)
        return ff_err_set(err, FF_EINVAL, "node '%s': a compressed level needs param tensor, or seg and crd", n->g->name);
    int rc = 0;
    lv->inl_seg = copy_u32(seg, n->g->name, "seg", err, &rc);
    if (rc) return rc;
    lv->inl_crd = copy_u32(crd, n->g->name, "crd", err, &rc);
    if (rc) return rc;
    lv->seg = lv->inl_seg;
    lv->crd = lv->inl_crd;
    lv->nseg = seg->nints;
    lv->ncrd = crd->nints;
    for (size_t i = 1; i < lv->nseg; i++)
        if (lv->seg[i] < lv->seg[i - 1] || lv->seg[i] > lv->ncrd)
            return ff_err_set(err, FF_EINVAL, "node '%s': seg must be non-decreasing and at most %zu (the crd count)",
                              n->g->name, lv->ncrd);
    return 0;
}

void sim_level_view_free(level_view *lv)
{
    free(lv->inl_seg);
    free(lv->inl_crd);
}

/* Binding, not output assembly: a writer is handed its buffer at setup. */
outbuf *sim_outbuf(ff_sim *s, const char *tensor)
{
    int ti = ff_graph_find_tensor(s->g, tensor);
    return ti < 0 ? NULL : &s->outputs[ti];
}
