/*
 * bind.c -- connects a graph to data: input tensors, the level views that
 * scanners read, the buffers writers fill, output assembly, and the
 * one-primitive runner behind `fuseflow prim`.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prims.h"

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

const ff_tensor *sim_input(ff_sim *s, const node *n, const char *name, ff_err *err)
{
    int ti = ff_graph_find_tensor(s->g, name);
    if (ti < 0 || s->g->tensors[ti].is_output || !s->inputs[ti]) {
        ff_err_set(err, FF_EINVAL, "node '%s': tensor '%s' is not a bound input", n->g->name, name);
        return NULL;
    }
    return s->inputs[ti];
}

/* A dim written as a number or "T:m" (mode m of input tensor T), against
 * the input tensors of g (inputs[t] per graph tensor, NULL if unbound). */
static int resolve_dim_text(const ff_graph *g, const ff_tensor *const *inputs, const char *text, uint32_t *out,
                            ff_err *err)
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
    int rc = resolve_dim_text(s->g, s->inputs, p->s, out, err);
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

int sim_level_view(ff_sim *s, const node *n, level_view *lv, ff_err *err)
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

outbuf *sim_outbuf(ff_sim *s, const char *tensor)
{
    int ti = ff_graph_find_tensor(s->g, tensor);
    return ti < 0 ? NULL : &s->outputs[ti];
}

/* ---- output assembly ---- */

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
        rc = resolve_dim_text(g, inputs, gt->shape[m] ? gt->shape[m] : "", &dims[m], err);
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

/* ---- one primitive on text streams ---- */

/* Sets "key=value" on node `id`, typed by the primitive's table. */
static int set_param_text(ff_graph *g, int id, const char *kv, ff_err *err)
{
    const char *eq = strchr(kv, '=');
    if (!eq) return ff_err_set(err, FF_EINVAL, "param '%s': expected key=value", kv);
    char key[64];
    size_t klen = (size_t)(eq - kv);
    if (klen == 0 || klen >= sizeof key) return ff_err_set(err, FF_EINVAL, "param '%s': bad key", kv);
    memcpy(key, kv, klen);
    key[klen] = '\0';
    const char *val = eq + 1;
    const ff_prim_info *info = ff_prim_get(g->nodes[id].kind);
    const ff_param_spec *spec = NULL;
    for (int i = 0; i < info->nparams; i++)
        if (strcmp(info->params[i].key, key) == 0) spec = &info->params[i];
    if (!spec) return ff_err_set(err, FF_EINVAL, "%s has no param '%s'", info->name, key);
    char *end;
    switch (spec->type) {
    case FF_PT_INT: {
        long long v = strtoll(val, &end, 10);
        if (!*val || *end) return ff_err_set(err, FF_EINVAL, "param %s: '%s' is not an integer", key, val);
        return ff_node_set_int(g, id, key, v, err);
    }
    case FF_PT_DIM: {
        long long v = strtoll(val, &end, 10);
        if (*val && !*end) return ff_node_set_int(g, id, key, v, err);
        return ff_node_set_str(g, id, key, val, err);
    }
    case FF_PT_FX: {
        ff_fx v;
        if (ff_fx_parse(val, g->frac_bits, &v)) return ff_err_set(err, FF_EINVAL, "param %s: '%s' is not a number", key, val);
        return ff_node_set_fx(g, id, key, v, err);
    }
    case FF_PT_INTS:
    case FF_PT_FXS: {
        FF_VEC(int64_t) v = {0};
        const char *p = val;
        while (*p) {
            char word[64];
            size_t wl = strcspn(p, ",");
            if (wl == 0 || wl >= sizeof word) {
                free(v.data);
                return ff_err_set(err, FF_EINVAL, "param %s: '%s' is not a comma-separated list", key, val);
            }
            memcpy(word, p, wl);
            word[wl] = '\0';
            int64_t x;
            if (spec->type == FF_PT_INTS) {
                x = strtoll(word, &end, 10);
                if (*end) {
                    free(v.data);
                    return ff_err_set(err, FF_EINVAL, "param %s: '%s' is not an integer", key, word);
                }
            } else {
                ff_fx f;
                if (ff_fx_parse(word, g->frac_bits, &f)) {
                    free(v.data);
                    return ff_err_set(err, FF_EINVAL, "param %s: '%s' is not a number", key, word);
                }
                x = f;
            }
            FF_VEC_PUSH(v, x);
            p += wl;
            if (*p == ',') p++;
        }
        int rc = ff_node_set_ints(g, id, key, v.data, v.len, err);
        free(v.data);
        return rc;
    }
    default:
        return ff_node_set_str(g, id, key, val, err);
    }
}

/* The port spec a port name belongs to ("crd1" -> family "crd"). */
static const ff_port_spec *port_spec(const ff_prim_info *info, const char *name, int is_input)
{
    for (int i = 0; i < info->nports; i++) {
        const ff_port_spec *p = &info->ports[i];
        if (p->is_input != is_input) continue;
        size_t len = strlen(p->name);
        if (strncmp(name, p->name, len) != 0) continue;
        if (!p->is_family && name[len] == '\0') return p;
        if (p->is_family && name[len] && strspn(name + len, "0123456789") == strlen(name + len)) return p;
    }
    return NULL;
}

static void append(char **buf, size_t *len, size_t *cap, const char *text)
{
    size_t n = strlen(text);
    if (*len + n + 1 > *cap) {
        *cap = 2 * (*len + n + 1);
        *buf = ff_xrealloc(*buf, *cap);
    }
    memcpy(*buf + *len, text, n + 1);
    *len += n;
}

static void append_u32s(char **buf, size_t *len, size_t *cap, const char *label, const uint32_t *a, size_t n)
{
    append(buf, len, cap, label);
    for (size_t i = 0; i < n; i++) {
        char w[16];
        snprintf(w, sizeof w, "%s%u", i ? " " : "", a[i]);
        append(buf, len, cap, w);
    }
    append(buf, len, cap, "\n");
}

int ff_prim_run(const char *kind, const char *const *params, int nparams, const char *const *inputs, int ninputs,
                const char *sink_ready, const ff_sim_opts *opts, int show_cycles, char **report, ff_err *err)
{
    int k = ff_prim_lookup(kind);
    if (k < 0) return ff_err_set(err, FF_EINVAL, "unknown primitive '%s' (see `fuseflow prim --list`)", kind);
    const ff_prim_info *info = ff_prim_get((ff_prim_kind)k);
    if (!info->hardware) return ff_err_set(err, FF_EINVAL, "'%s' is a harness node, not a primitive", kind);
    ff_graph *g = ff_graph_new(kind);
    ff_sim *s = NULL;
    int rc;
    int dut = ff_graph_add_node(g, "dut", (ff_prim_kind)k, err);
    if (dut < 0) goto out_rc_dut;
    int is_writer = k == FF_PRIM_WRITE_CRD || k == FF_PRIM_WRITE_VAL;
    if (is_writer) {
        const char *shape[1] = {"0"};
        if ((rc = ff_graph_add_tensor(g, "T", 1, 1, "sparse", shape, err)) < 0) goto out;
        if ((rc = ff_node_set_str(g, dut, "tensor", "T", err)) < 0) goto out;
        if (k == FF_PRIM_WRITE_CRD && (rc = ff_node_set_int(g, dut, "level", 0, err)) < 0) goto out;
    }
    for (int i = 0; i < nparams; i++)
        if ((rc = set_param_text(g, dut, params[i], err)) < 0) goto out;

    /* One source per given input: "port=tokens" or "port:type=tokens". */
    for (int i = 0; i < ninputs; i++) {
        const char *eq = strchr(inputs[i], '=');
        char port[64], type[16] = "";
        size_t plen = eq ? (size_t)(eq - inputs[i]) : 0;
        if (!eq || plen == 0 || plen >= sizeof port) {
            rc = ff_err_set(err, FF_EINVAL, "input '%s': expected PORT='tokens'", inputs[i]);
            goto out;
        }
        memcpy(port, inputs[i], plen);
        port[plen] = '\0';
        char *colon = strchr(port, ':');
        if (colon) {
            *colon = '\0';
            snprintf(type, sizeof type, "%s", colon + 1);
        }
        const ff_port_spec *ps = port_spec(info, port, 1);
        if (!ps) {
            rc = ff_err_set(err, FF_EINVAL, "%s has no input port '%s'", kind, port);
            goto out;
        }
        if (!type[0]) snprintf(type, sizeof type, "%s", ff_stream_type_name(ps->type == FF_ST_ANY ? FF_ST_CRD : ps->type));
        char src[80];
        snprintf(src, sizeof src, "in_%s", port);
        int id = ff_graph_add_node(g, src, FF_PRIM_SOURCE, err);
        if (id < 0 || (rc = ff_node_set_str(g, id, "type", type, err)) < 0 ||
            (rc = ff_node_set_str(g, id, "tokens", eq + 1, err)) < 0 ||
            (rc = ff_graph_connect(g, id, "out", dut, port, 0, err)) < 0) {
            rc = id < 0 ? id : rc;
            goto out;
        }
    }
    /* One sink per output port, expanding families with param n. */
    int64_t fam_n = 2;
    for (int i = 0; i < g->nodes[dut].nparams; i++)
        if (strcmp(g->nodes[dut].params[i].key, "n") == 0) fam_n = g->nodes[dut].params[i].i;
    if (fam_n < 1 || fam_n > 8) {
        rc = ff_err_set(err, FF_EINVAL, "n = %lld out of range", (long long)fam_n);
        goto out;
    }
    for (int i = 0; i < info->nports; i++) {
        const ff_port_spec *ps = &info->ports[i];
        if (ps->is_input) continue;
        for (int j = 0; j < (ps->is_family ? fam_n : 1); j++) {
            char port[64], snk[80];
            if (ps->is_family) snprintf(port, sizeof port, "%s%d", ps->name, j);
            else snprintf(port, sizeof port, "%s", ps->name);
            snprintf(snk, sizeof snk, "out_%s", port);
            int id = ff_graph_add_node(g, snk, FF_PRIM_SINK, err);
            if (id < 0) {
                rc = id;
                goto out;
            }
            if (sink_ready && sink_ready[0] && (rc = ff_node_set_str(g, id, "ready", sink_ready, err)) < 0) goto out;
            if ((rc = ff_graph_connect(g, dut, port, id, "in", 0, err)) < 0) goto out;
        }
    }
    if ((rc = ff_graph_validate(g, err)) < 0) goto out;
    if ((rc = ff_sim_new(g, opts, &s, err)) < 0) goto out;
    if ((rc = ff_sim_run(s, err)) < 0) goto out;

    char *buf = NULL;
    size_t len = 0, cap = 0;
    append(&buf, &len, &cap, "");
    const ff_node *dn = &g->nodes[dut];
    for (int p = 0; p < dn->nout; p++) {
        char snk[80];
        snprintf(snk, sizeof snk, "out_%s", dn->out[p].name);
        const ff_tok *toks;
        const uint64_t *cyc;
        size_t nt;
        ff_sim_sink(s, snk, &toks, &cyc, &nt, NULL);
        append(&buf, &len, &cap, dn->out[p].name);
        append(&buf, &len, &cap, ":");
        for (size_t t = 0; t < nt; t++) {
            char w[80], word[48];
            ff_tok_format(toks[t], dn->out[p].type, g->frac_bits, word, sizeof word);
            if (show_cycles) snprintf(w, sizeof w, " %s@%" PRIu64, word, cyc[t]);
            else snprintf(w, sizeof w, " %s", word);
            append(&buf, &len, &cap, w);
        }
        append(&buf, &len, &cap, "\n");
    }
    if (is_writer) {
        const outbuf *ob = &s->outputs[0];
        if (k == FF_PRIM_WRITE_CRD) {
            int l = (int)ff_node_int(dn, "level");
            append_u32s(&buf, &len, &cap, "seg: ", ob->seg[l].data, ob->seg[l].len);
            append_u32s(&buf, &len, &cap, "crd: ", ob->crd[l].data, ob->crd[l].len);
        } else {
            append(&buf, &len, &cap, "vals:");
            for (size_t i = 0; i < ob->vals.len; i++) {
                char w[48];
                ff_fx_format(ob->vals.data[i], g->frac_bits, w, sizeof w);
                append(&buf, &len, &cap, " ");
                append(&buf, &len, &cap, w);
            }
            append(&buf, &len, &cap, "\n");
        }
    }
    if (show_cycles) {
        char w[64];
        snprintf(w, sizeof w, "cycles: %" PRIu64 "\n", ff_sim_cycles(s));
        append(&buf, &len, &cap, w);
    }
    *report = buf;
    rc = 0;
    goto out;
out_rc_dut:
    rc = dut;
out:
    ff_sim_free(s);
    ff_graph_free(g);
    return rc;
}
