/*
 * graph.c -- building a graph, setting params, connecting ports, and
 * ff_graph_validate, which resolves every node against ff_prims.def.
 *
 * Building only records: edges keep the port names they were given (in the
 * hidden part, graph_int.h), because a family's ports ("crd#") exist only once
 * the node's `n` is known. Validation then runs, in this order, stopping at
 * the first error so that the message is one line about one place:
 *   1. graph: frac_bits, tensors and their shapes;
 *   2. each node's params against the table (types, enums, dims, tensors, n);
 *   3. each node's ports expanded, each edge's names resolved to indices;
 *   4. each node's connections (fed twice, unconnected, unconsumed) and the
 *      rules particular to a kind (alu operands, writers, harness params);
 *   5. stream types: every `any` port of a node shares one type, propagated
 *      along edges to a fixed point; then every edge must agree.
 * Validation may run again after changes: it rebuilds ports each time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph_int.h"

#define NODE_FMT "node '%s' (%s)"

static const char *kind_name(ff_prim_kind k)
{
    const ff_prim_info *info = ff_prim_get(k);
    return info ? info->name : "?";
}

/* ---- building ---------------------------------------------------------- */

ff_graph *ff_graph_new(const char *name)
{
    ff_graph_int *gi = ff_xcalloc(1, sizeof *gi);
    gi->g.name = ff_xstrdup(name ? name : "");
    gi->g.frac_bits = FF_FX_DEFAULT_FRAC;
    return &gi->g;
}

static void clear_param_value(ff_param *p)
{
    free(p->s);
    free(p->ints);
    p->s = NULL;
    p->ints = NULL;
    p->nints = 0;
    p->i = 0;
    p->fx = 0;
}

static void free_ports(ff_node *n)
{
    for (int i = 0; i < n->nin; i++) free(n->in[i].name);
    for (int i = 0; i < n->nout; i++) {
        free(n->out[i].name);
        free(n->out[i].out_edges);
    }
    free(n->in);
    free(n->out);
    n->in = n->out = NULL;
    n->nin = n->nout = 0;
}

void ff_graph_free(ff_graph *g)
{
    if (!g) return;
    ff_graph_int *gi = FF_GI(g);
    for (int i = 0; i < g->nnodes; i++) {
        ff_node *n = &g->nodes[i];
        for (int k = 0; k < n->nparams; k++) {
            clear_param_value(&n->params[k]);
            free(n->params[k].key);
        }
        free(n->params);
        free_ports(n);
        free(n->name);
    }
    for (int e = 0; e < g->nedges; e++) {
        free(gi->en[e].from);
        free(gi->en[e].to);
    }
    for (int t = 0; t < g->ntensors; t++) {
        ff_gtensor *gt = &g->tensors[t];
        free(gt->name);
        free(gt->format);
        for (int m = 0; m < (int)(sizeof gt->shape / sizeof *gt->shape); m++) free(gt->shape[m]);
    }
    free(g->nodes);
    free(g->edges);
    free(gi->en);
    free(gi->nodes.slot);
    free(gi->tensors.slot);
    free(g->tensors);
    free(g->name);
    free(g->reference);
    free(gi);
}

/* ---- name index (graph_int.h) ---- */

typedef const char *(*name_of_fn)(const ff_graph *g, int i);
static const char *node_name(const ff_graph *g, int i) { return g->nodes[i].name; }
static const char *tensor_name(const ff_graph *g, int i) { return g->tensors[i].name; }

static size_t name_hash(const char *s)
{
    uint64_t h = 14695981039346656037u; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return (size_t)h;
}

/* The slot of name: where it is, or the free slot that ends its probe. */
static size_t ix_slot(const ff_name_index *ix, const ff_graph *g, name_of_fn name_of, const char *name)
{
    size_t h = name_hash(name) & (ix->cap - 1);
    while (ix->slot[h] && strcmp(name_of(g, ix->slot[h] - 1), name) != 0) h = (h + 1) & (ix->cap - 1);
    return h;
}

static int ix_find(const ff_name_index *ix, const ff_graph *g, name_of_fn name_of, const char *name)
{
    if (!name || !ix->cap) return -1;
    return ix->slot[ix_slot(ix, g, name_of, name)] - 1;
}

/* Adds entry i (entries 0..i-1 are in already), growing to keep the table
 * at most half full. */
static void ix_add(ff_name_index *ix, const ff_graph *g, name_of_fn name_of, int i)
{
    if (2 * ((size_t)i + 1) > ix->cap) {
        free(ix->slot);
        ix->cap = ix->cap ? 2 * ix->cap : 64;
        ix->slot = ff_xcalloc(ix->cap, sizeof *ix->slot);
        for (int k = 0; k < i; k++) ix->slot[ix_slot(ix, g, name_of, name_of(g, k))] = k + 1;
    }
    ix->slot[ix_slot(ix, g, name_of, name_of(g, i))] = i + 1;
}

int ff_graph_find_node(const ff_graph *g, const char *name)
{
    return ix_find(&FF_GIC(g)->nodes, g, node_name, name);
}

int ff_graph_add_node(ff_graph *g, const char *name, ff_prim_kind kind, ff_err *err)
{
    if (!ff_name_ok(name))
        return ff_err_set(err, FF_EINVAL,
                          "node '%s': bad name (use letters, digits, '_' and '-')",
                          name ? name : "(null)");
    if (!ff_prim_get(kind))
        return ff_err_set(err, FF_EINVAL, "node '%s': unknown prim kind %d", name, (int)kind);
    if (ff_graph_find_node(g, name) >= 0)
        return ff_err_set(err, FF_EINVAL, "node '%s': name used twice", name);
    if (g->nnodes == g->cap_nodes) {
        g->cap_nodes = g->cap_nodes ? 2 * g->cap_nodes : 16;
        g->nodes = ff_xrealloc(g->nodes, sizeof *g->nodes * (size_t)g->cap_nodes);
    }
    ff_node *n = &g->nodes[g->nnodes];
    memset(n, 0, sizeof *n);
    n->name = ff_xstrdup(name);
    n->kind = kind;
    g->validated = 0;
    ix_add(&FF_GI(g)->nodes, g, node_name, g->nnodes);
    return g->nnodes++;
}

enum { MAX_SHAPE = (int)(sizeof ((ff_gtensor *)0)->shape / sizeof(char *)) };

static int tensor_name_ok(const char *s)
{
    int64_t num;
    size_t tlen = 0;
    int mode;
    if (!s || !*s || strlen(s) > 200) return 0;
    /* A tensor name must read back out of "T:m". */
    char buf[256];
    snprintf(buf, sizeof buf, "%s:0", s);
    return ff_dim_parse(buf, &num, &tlen, &mode, NULL) == 2 && tlen == strlen(s) &&
           !(s[0] >= '0' && s[0] <= '9');
}

int ff_graph_find_tensor(const ff_graph *g, const char *name)
{
    return ix_find(&FF_GIC(g)->tensors, g, tensor_name, name);
}

int ff_graph_add_tensor(ff_graph *g, const char *name, int is_output, int order,
                        const char *format, const char *const *shape, ff_err *err)
{
    if (!tensor_name_ok(name))
        return ff_err_set(err, FF_EINVAL,
                          "tensor '%s': bad name (a letter or '_', then letters, digits, '_')",
                          name ? name : "(null)");
    if (ff_graph_find_tensor(g, name) >= 0)
        return ff_err_set(err, FF_EINVAL, "tensor '%s': declared twice", name);
    /* order 0: a scalar, e.g. a dot product's result */
    if (order < 0 || order > MAX_SHAPE)
        return ff_err_set(err, FF_EINVAL, "tensor '%s': order %d out of range 0..%d", name,
                          order, MAX_SHAPE);
    if (!format || !*format)
        return ff_err_set(err, FF_EINVAL, "tensor '%s': format is empty", name);
    if (shape)
        for (int m = 0; m < order; m++)
            if (!shape[m] || !ff_dim_parse(shape[m], NULL, NULL, NULL, NULL))
                return ff_err_set(err, FF_EINVAL,
                                  "tensor '%s': shape[%d] '%s' is not a dim (an integer, \"T:m\" or \"T:m/B\")",
                                  name, m, shape[m] ? shape[m] : "(null)");
    if (g->ntensors == g->cap_tensors) {
        g->cap_tensors = g->cap_tensors ? 2 * g->cap_tensors : 8;
        g->tensors = ff_xrealloc(g->tensors, sizeof *g->tensors * (size_t)g->cap_tensors);
    }
    ff_gtensor *t = &g->tensors[g->ntensors];
    memset(t, 0, sizeof *t);
    t->name = ff_xstrdup(name);
    t->is_output = is_output != 0;
    t->order = order;
    t->format = ff_xstrdup(format);
    for (int m = 0; shape && m < order; m++) {
        /* Numbers in canonical form, so that a saved graph reads back equal. */
        int64_t num;
        char buf[32];
        if (ff_dim_parse(shape[m], &num, NULL, NULL, NULL) == 1) {
            snprintf(buf, sizeof buf, "%lld", (long long)num);
            t->shape[m] = ff_xstrdup(buf);
        } else {
            t->shape[m] = ff_xstrdup(shape[m]);
        }
    }
    g->validated = 0;
    ix_add(&FF_GI(g)->tensors, g, tensor_name, g->ntensors);
    return g->ntensors++;
}

/* ---- params ------------------------------------------------------------ */

/* Appends "a, b, c" (the words) to buf. */
static void list_words(char *buf, size_t n, const char *const *words)
{
    size_t len = strlen(buf);
    for (int k = 0; words[k] && len < n; k++) {
        snprintf(buf + len, n - len, "%s%s", k ? ", " : "", words[k]);
        len = strlen(buf);
    }
}

static int err_unknown_param(const ff_node *n, const char *key, ff_err *err)
{
    const ff_prim_info *info = ff_prim_get(n->kind);
    char list[400] = "";
    if (info->nparams == 0) {
        snprintf(list, sizeof list, "%s takes no params", info->name);
    } else {
        snprintf(list, sizeof list, "params: ");
        for (int i = 0; i < info->nparams; i++) {
            size_t len = strlen(list);
            snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", info->params[i].key);
        }
    }
    return ff_err_set(err, FF_EINVAL, NODE_FMT ": unknown param '%s' (%s)", n->name, info->name,
                      key, list);
}

static int err_enum_word(const ff_node *n, const ff_param_spec *ps, const char *word,
                         ff_err *err)
{
    char list[400] = "";
    list_words(list, sizeof list, ps->enum_words);
    return ff_err_set(err, FF_EINVAL, NODE_FMT ": param '%s' = '%s' not allowed (one of: %s)",
                      n->name, kind_name(n->kind), ps->key, word, list);
}

const char *ff_param_wants(const ff_param_spec *ps)
{
    switch (ps->type) {
    case FF_PT_INT: return "an integer";
    case FF_PT_STR: return "a string";
    case FF_PT_FX: return "a number";
    case FF_PT_INTS: return "a list of integers";
    case FF_PT_FXS: return "a list of numbers";
    case FF_PT_DIM: return "an integer or a string \"T:m\"";
    case FF_PT_ENUM: return "a string (an enum word)";
    }
    return "?";
}

int ff_node_param_spec(const ff_graph *g, int node, const char *key, const ff_param_spec **ps,
                       ff_err *err)
{
    if (node < 0 || node >= g->nnodes)
        return ff_err_set(err, FF_EINVAL, "node index %d out of range", node);
    const ff_node *n = &g->nodes[node];
    const ff_prim_info *info = ff_prim_get(n->kind);
    if (!info) return ff_err_set(err, FF_EINVAL, "node '%s': unknown prim kind %d", n->name, (int)n->kind);
    int i = ff_prim_param_index(info, key ? key : "");
    if (i < 0) return err_unknown_param(n, key ? key : "", err);
    *ps = &info->params[i];
    return 0;
}

static int err_type(const ff_graph *g, int node, const ff_param_spec *ps, const char *got,
                    ff_err *err)
{
    const ff_node *n = &g->nodes[node];
    return ff_err_set(err, FF_EINVAL, NODE_FMT ": param '%s' takes %s, got %s", n->name,
                      kind_name(n->kind), ps->key, ff_param_wants(ps), got);
}

/* The slot for key on node (existing, cleared; or appended). Params keep the
 * order in which they were first set: the JSON writer relies on it. */
static ff_param *param_slot(ff_graph *g, int node, const ff_param_spec *ps)
{
    ff_node *n = &g->nodes[node];
    g->validated = 0;
    for (int k = 0; k < n->nparams; k++)
        if (strcmp(n->params[k].key, ps->key) == 0) {
            clear_param_value(&n->params[k]);
            n->params[k].type = ps->type;
            return &n->params[k];
        }
    n->params = ff_xrealloc(n->params, sizeof *n->params * (size_t)(n->nparams + 1));
    ff_param *p = &n->params[n->nparams++];
    memset(p, 0, sizeof *p);
    p->key = ff_xstrdup(ps->key);
    p->type = ps->type;
    return p;
}

int ff_node_set_int(ff_graph *g, int node, const char *key, int64_t v, ff_err *err)
{
    const ff_param_spec *ps = NULL;
    int rc = ff_node_param_spec(g, node, key, &ps, err);
    if (rc) return rc;
    if (ps->type == FF_PT_ENUM) {
        int nw = 0;
        while (ps->enum_words[nw]) nw++;
        if (v < 0 || v >= nw) {
            char word[32];
            snprintf(word, sizeof word, "#%lld", (long long)v);
            return err_enum_word(&g->nodes[node], ps, word, err);
        }
        ff_param *p = param_slot(g, node, ps);
        p->i = v;
        p->s = ff_xstrdup(ps->enum_words[v]);
        return 0;
    }
    if (ps->type != FF_PT_INT && ps->type != FF_PT_DIM) return err_type(g, node, ps, "an integer", err);
    ff_param *p = param_slot(g, node, ps);
    p->i = v;
    return 0;
}

int ff_node_set_str(ff_graph *g, int node, const char *key, const char *v, ff_err *err)
{
    const ff_param_spec *ps = NULL;
    int rc = ff_node_param_spec(g, node, key, &ps, err);
    if (rc) return rc;
    if (!v) v = "";
    switch (ps->type) {
    case FF_PT_STR: {
        ff_param *p = param_slot(g, node, ps);
        p->s = ff_xstrdup(v);
        return 0;
    }
    case FF_PT_ENUM: {
        int k = 0;
        while (ps->enum_words[k] && strcmp(ps->enum_words[k], v) != 0) k++;
        if (!ps->enum_words[k]) return err_enum_word(&g->nodes[node], ps, v, err);
        ff_param *p = param_slot(g, node, ps);
        p->i = k;
        p->s = ff_xstrdup(v);
        return 0;
    }
    case FF_PT_DIM: {
        int64_t num = 0;
        int r = ff_dim_parse(v, &num, NULL, NULL, NULL);
        if (r == 0) {
            const ff_node *n = &g->nodes[node];
            return ff_err_set(err, FF_EINVAL,
                              NODE_FMT ": param '%s' = '%s' is not a dim (an integer, \"T:m\" or \"T:m/B\")",
                              n->name, kind_name(n->kind), ps->key, v);
        }
        ff_param *p = param_slot(g, node, ps);
        if (r == 1) {
            p->i = num;
        } else {
            p->i = -1;
            p->s = ff_xstrdup(v);
        }
        return 0;
    }
    default:
        return err_type(g, node, ps, "a string", err);
    }
}

int ff_node_set_fx(ff_graph *g, int node, const char *key, ff_fx v, ff_err *err)
{
    const ff_param_spec *ps = NULL;
    int rc = ff_node_param_spec(g, node, key, &ps, err);
    if (rc) return rc;
    if (ps->type != FF_PT_FX) return err_type(g, node, ps, "a number", err);
    param_slot(g, node, ps)->fx = v;
    return 0;
}

int ff_node_set_ints(ff_graph *g, int node, const char *key, const int64_t *v, size_t n,
                     ff_err *err)
{
    const ff_param_spec *ps = NULL;
    int rc = ff_node_param_spec(g, node, key, &ps, err);
    if (rc) return rc;
    if (ps->type != FF_PT_INTS && ps->type != FF_PT_FXS) return err_type(g, node, ps, "a list", err);
    if (ps->type == FF_PT_FXS)
        for (size_t k = 0; k < n; k++)
            if (v[k] < FF_FX_MIN || v[k] > FF_FX_MAX) {
                const ff_node *nd = &g->nodes[node];
                return ff_err_set(err, FF_EINVAL,
                                  NODE_FMT ": param '%s'[%zu] = %lld is not an fx value (32 bits)",
                                  nd->name, kind_name(nd->kind), ps->key, k, (long long)v[k]);
            }
    ff_param *p = param_slot(g, node, ps);
    p->ints = ff_xmalloc(sizeof *p->ints * (n ? n : 1));
    if (n) memcpy(p->ints, v, sizeof *p->ints * n);
    p->nints = n;
    return 0;
}

/* ---- connecting -------------------------------------------------------- */

int ff_graph_connect(ff_graph *g, int from, const char *from_port, int to, const char *to_port,
                     int depth, ff_err *err)
{
    if (from < 0 || from >= g->nnodes || to < 0 || to >= g->nnodes)
        return ff_err_set(err, FF_EINVAL, "connect: node index %d or %d out of range", from, to);
    const char *fn = g->nodes[from].name, *tn = g->nodes[to].name;
    if (!from_port || !*from_port || !to_port || !*to_port)
        return ff_err_set(err, FF_EINVAL, "edge %s.%s -> %s.%s: empty port name", fn,
                          from_port ? from_port : "", tn, to_port ? to_port : "");
    if (!ff_name_ok(from_port) || !ff_name_ok(to_port) || strchr(from_port, '-') ||
        strchr(to_port, '-'))
        return ff_err_set(err, FF_EINVAL,
                          "edge %s.%.100s -> %s.%.100s: bad port name (letters, digits and '_')",
                          fn, from_port, tn, to_port);
    if (depth < 0)
        return ff_err_set(err, FF_EINVAL, "edge %s.%s -> %s.%s: depth %d is negative", fn,
                          from_port, tn, to_port, depth);
    ff_graph_int *gi = FF_GI(g);
    if (g->nedges == g->cap_edges) {
        g->cap_edges = g->cap_edges ? 2 * g->cap_edges : 16;
        g->edges = ff_xrealloc(g->edges, sizeof *g->edges * (size_t)g->cap_edges);
        gi->en = ff_xrealloc(gi->en, sizeof *gi->en * (size_t)g->cap_edges);
    }
    ff_edge *e = &g->edges[g->nedges];
    e->from_node = from;
    e->from_port = -1;
    e->to_node = to;
    e->to_port = -1;
    e->depth = depth;
    e->type = FF_ST_ANY;
    gi->en[g->nedges].from = ff_xstrdup(from_port);
    gi->en[g->nedges].to = ff_xstrdup(to_port);
    g->validated = 0;
    return g->nedges++;
}

/* ---- accessors --------------------------------------------------------- */

const ff_param *ff_node_param(const ff_node *n, const char *key)
{
    if (!n || !key) return NULL;
    for (int k = 0; k < n->nparams; k++)
        if (strcmp(n->params[k].key, key) == 0) return &n->params[k];
    const ff_prim_info *info = ff_prim_get(n->kind);
    return info ? ff_prim_default(n->kind, ff_prim_param_index(info, key)) : NULL;
}

int64_t ff_node_int(const ff_node *n, const char *key)
{
    const ff_param *p = ff_node_param(n, key);
    if (!p) return 0;
    switch (p->type) {
    case FF_PT_INT:
    case FF_PT_ENUM:
    case FF_PT_DIM: return p->i;
    case FF_PT_FX: return p->fx;
    default: return 0;
    }
}

const char *ff_node_str(const ff_node *n, const char *key)
{
    const ff_param *p = ff_node_param(n, key);
    if (!p || !p->s) return "";
    return p->s;
}

int ff_node_has(const ff_node *n, const char *key) { return ff_node_param(n, key) != NULL; }

int ff_node_in_port(const ff_node *n, const char *name)
{
    for (int i = 0; n && name && i < n->nin; i++)
        if (strcmp(n->in[i].name, name) == 0) return i;
    return -1;
}

int ff_node_out_port(const ff_node *n, const char *name)
{
    for (int i = 0; n && name && i < n->nout; i++)
        if (strcmp(n->out[i].name, name) == 0) return i;
    return -1;
}

/* ---- ports ------------------------------------------------------------- */

/* Members of a family on this node; validation has checked the range, the
 * clamp only protects printing an unvalidated graph. */
static int family_size(const ff_node *n)
{
    int64_t v = ff_node_int(n, "n");
    return v < 0 ? 0 : v > 64 ? 64 : (int)v;
}

int ff_node_expand_ports(const ff_node *n, int inputs, char ***names,
                         const ff_port_spec ***specs)
{
    const ff_prim_info *info = ff_prim_get(n->kind);
    int count = 0, fam = family_size(n);
    *names = NULL;
    if (specs) *specs = NULL;
    if (!info) return 0;
    for (int i = 0; i < info->nports; i++)
        if (info->ports[i].is_input == (inputs != 0)) count += info->ports[i].is_family ? fam : 1;
    char **nm = ff_xmalloc(sizeof *nm * (size_t)(count ? count : 1));
    const ff_port_spec **sp = ff_xmalloc(sizeof *sp * (size_t)(count ? count : 1));
    int k = 0;
    for (int i = 0; i < info->nports; i++) {
        const ff_port_spec *ps = &info->ports[i];
        if (ps->is_input != (inputs != 0)) continue;
        int m = ps->is_family ? fam : 1;
        for (int j = 0; j < m; j++) {
            char buf[80];
            if (ps->is_family) snprintf(buf, sizeof buf, "%s%d", ps->name, j);
            else snprintf(buf, sizeof buf, "%s", ps->name);
            nm[k] = ff_xstrdup(buf);
            sp[k] = ps;
            k++;
        }
    }
    *names = nm;
    if (specs) *specs = sp;
    else free(sp);
    return count;
}

static void build_ports(ff_node *n)
{
    free_ports(n);
    for (int side = 1; side >= 0; side--) {
        char **names;
        const ff_port_spec **specs;
        int cnt = ff_node_expand_ports(n, side, &names, &specs);
        ff_port *ports = ff_xcalloc((size_t)(cnt ? cnt : 1), sizeof *ports);
        for (int i = 0; i < cnt; i++) {
            ports[i].name = names[i];
            ports[i].is_input = side;
            ports[i].optional = specs[i]->optional;
            ports[i].type = specs[i]->type;
            ports[i].per_lane = specs[i]->per_lane;
            ports[i].lane = 0;
            for (int k = 0; k < i; k++) ports[i].lane += specs[k] == specs[i];
            ports[i].edge = -1;
        }
        free(names);
        free(specs);
        if (side) {
            n->in = ports;
            n->nin = cnt;
        } else {
            n->out = ports;
            n->nout = cnt;
        }
    }
}

/* ---- validation -------------------------------------------------------- */

/* "A_j.crd -> arr.ref" for messages. */
static const char *edge_label(const ff_graph *g, int e, char *buf, size_t n)
{
    const ff_edge *ed = &g->edges[e];
    const ff_edge_names *en = &FF_GIC(g)->en[e];
    snprintf(buf, n, "%s.%s -> %s.%s", g->nodes[ed->from_node].name, en->from,
             g->nodes[ed->to_node].name, en->to);
    return buf;
}

/* Checks a dim against the declared tensors; `what` names it in messages. */
static int check_dim(const ff_graph *g, const char *what, const char *text, int64_t num,
                     int min, ff_err *err)
{
    if (!text) {
        if (num < min)
            return ff_err_set(err, FF_EINVAL, "%s = %lld is out of range (>= %d)", what,
                              (long long)num, min);
        return 0;
    }
    size_t tlen = 0;
    int mode = 0;
    int64_t v = 0;
    int r = ff_dim_parse(text, &v, &tlen, &mode, NULL);
    if (r == 0)
        return ff_err_set(err, FF_EINVAL, "%s = '%s' is not a dim (an integer, \"T:m\" or \"T:m/B\")", what, text);
    if (r == 1) return check_dim(g, what, NULL, v, min, err);
    char tname[256];
    snprintf(tname, sizeof tname, "%.*s", (int)tlen, text);
    int t = ff_graph_find_tensor(g, tname);
    if (t < 0)
        return ff_err_set(err, FF_EINVAL, "%s = '%s': tensor '%s' is not declared", what, text, tname);
    if (mode >= g->tensors[t].order)
        return ff_err_set(err, FF_EINVAL, "%s = '%s': tensor '%s' has order %d (modes 0..%d)", what,
                          text, tname, g->tensors[t].order, g->tensors[t].order - 1);
    return 0;
}

static int check_tensors(const ff_graph *g, ff_err *err)
{
    for (int t = 0; t < g->ntensors; t++) {
        const ff_gtensor *gt = &g->tensors[t];
        if (gt->order < 0 || gt->order > MAX_SHAPE)
            return ff_err_set(err, FF_EINVAL, "tensor '%s': order %d out of range 0..%d", gt->name,
                              gt->order, MAX_SHAPE);
        if (!gt->format || !*gt->format)
            return ff_err_set(err, FF_EINVAL, "tensor '%s': format is empty", gt->name);
        int given = 0;
        for (int m = 0; m < gt->order; m++) given += gt->shape[m] != NULL;
        if (given && given != gt->order)
            return ff_err_set(err, FF_EINVAL, "tensor '%s': shape gives %d of %d modes", gt->name,
                              given, gt->order);
        if (gt->is_output && gt->order > 0 && !given)
            return ff_err_set(err, FF_EINVAL,
                              "tensor '%s': an output needs a shape (one dim per mode, e.g. \"A:0\")",
                              gt->name);
        for (int m = 0; m < gt->order && given; m++) {
            char what[300];
            snprintf(what, sizeof what, "tensor '%s': shape[%d]", gt->name, m);
            /* 0 is allowed: a size not known in advance (a writer's harness). */
            int rc = check_dim(g, what, gt->shape[m], 0, 0, err);
            if (rc) return rc;
            size_t tlen = 0;
            if (ff_dim_parse(gt->shape[m], NULL, &tlen, NULL, NULL) == 2 &&
                strncmp(gt->shape[m], gt->name, tlen) == 0 && gt->name[tlen] == '\0')
                return ff_err_set(err, FF_EINVAL, "%s = '%s' refers to the tensor itself", what,
                                  gt->shape[m]);
        }
    }
    return 0;
}

/* Step 2: one node's params against its table entry. */
static int check_params(const ff_graph *g, ff_node *n, ff_err *err)
{
    const ff_prim_info *info = ff_prim_get(n->kind);
    if (!info) return ff_err_set(err, FF_EINVAL, "node '%s': unknown prim kind %d", n->name, (int)n->kind);
    char what[300];
    for (int k = 0; k < n->nparams; k++) {
        ff_param *p = &n->params[k];
        int si = ff_prim_param_index(info, p->key);
        if (si < 0) return err_unknown_param(n, p->key, err);
        const ff_param_spec *ps = &info->params[si];
        for (int j = 0; j < k; j++)
            if (strcmp(n->params[j].key, p->key) == 0)
                return ff_err_set(err, FF_EINVAL, NODE_FMT ": param '%s' is set twice", n->name,
                                  info->name, p->key);
        if (p->type != ps->type)
            return ff_err_set(err, FF_EINVAL, NODE_FMT ": param '%s' holds a %s, the table says %s",
                              n->name, info->name, p->key, ff_param_type_name(p->type),
                              ff_param_type_name(ps->type));
        snprintf(what, sizeof what, NODE_FMT ": param '%s'", n->name, info->name, p->key);
        int rc;
        switch (ps->type) {
        case FF_PT_ENUM: {
            int w = 0;
            while (p->s && ps->enum_words[w] && strcmp(ps->enum_words[w], p->s) != 0) w++;
            if (!p->s || !ps->enum_words[w]) return err_enum_word(n, ps, p->s ? p->s : "", err);
            p->i = w;
            break;
        }
        case FF_PT_DIM: {
            const ff_param_spec *spec = &info->params[ff_prim_param_index(info, p->key)];
            if ((rc = check_dim(g, what, p->s, p->i, spec->has_range ? (int)spec->lo : 0, err))) return rc;
            break;
        }
        case FF_PT_STR:
            if (strcmp(p->key, "tensor") == 0 && p->s && *p->s && ff_graph_find_tensor(g, p->s) < 0)
                return ff_err_set(err, FF_EINVAL, NODE_FMT ": tensor '%s' is not declared", n->name,
                                  info->name, p->s);
            break;
        case FF_PT_INT: {
            const ff_param_spec *spec = &info->params[ff_prim_param_index(info, p->key)];
            if (spec->has_range && (p->i < spec->lo || p->i > spec->hi))
                return ff_err_set(err, FF_EINVAL, NODE_FMT ": %s = %lld out of range %lld..%lld", n->name,
                                  info->name, p->key, (long long)p->i, (long long)spec->lo, (long long)spec->hi);
            if (strcmp(p->key, "level") == 0 && p->i < 0)
                return ff_err_set(err, FF_EINVAL, "%s = %lld is negative", what, (long long)p->i);
            break;
        }
        case FF_PT_FXS:
            for (size_t j = 0; j < p->nints; j++)
                if (p->ints[j] < FF_FX_MIN || p->ints[j] > FF_FX_MAX)
                    return ff_err_set(err, FF_EINVAL, "%s[%zu] = %lld is not an fx value (32 bits)",
                                      what, j, (long long)p->ints[j]);
            break;
        case FF_PT_INTS:
        case FF_PT_FX:
            break;
        }
    }
    for (int i = 0; i < info->nparams; i++)
        if (info->params[i].required && !ff_node_param(n, info->params[i].key))
            return ff_err_set(err, FF_EINVAL, NODE_FMT ": missing required param '%s'", n->name,
                              info->name, info->params[i].key);
    return 0;
}

/* "(outputs: crd, ref; 'ref_in' is an input)" */
static void port_list(const ff_node *n, int inputs, const char *asked, char *buf, size_t sz)
{
    const ff_port *ps = inputs ? n->in : n->out;
    int np = inputs ? n->nin : n->nout;
    snprintf(buf, sz, "%s: ", inputs ? "inputs" : "outputs");
    if (np == 0) snprintf(buf, sz, "it has no %s", inputs ? "inputs" : "outputs");
    for (int i = 0; i < np; i++) {
        size_t len = strlen(buf);
        snprintf(buf + len, sz - len, "%s%s", i ? ", " : "", ps[i].name);
    }
    if ((inputs ? ff_node_out_port(n, asked) : ff_node_in_port(n, asked)) >= 0) {
        size_t len = strlen(buf);
        snprintf(buf + len, sz - len, "; '%s' is an %s", asked, inputs ? "output" : "input");
    }
}

/* Step 3: edge port names to indices; fan-in and fan-out lists. */
static int link_edges(ff_graph *g, ff_err *err)
{
    const ff_graph_int *gi = FF_GIC(g);
    char lab[300], list[400];
    for (int e = 0; e < g->nedges; e++) {
        ff_edge *ed = &g->edges[e];
        if (ed->from_node < 0 || ed->from_node >= g->nnodes || ed->to_node < 0 ||
            ed->to_node >= g->nnodes)
            return ff_err_set(err, FF_EINVAL, "edge %d: node index out of range", e);
        ff_node *from = &g->nodes[ed->from_node], *to = &g->nodes[ed->to_node];
        edge_label(g, e, lab, sizeof lab);
        if (ed->depth < 0)
            return ff_err_set(err, FF_EINVAL, "edge %s: depth %d is negative", lab, ed->depth);
        int fp = ff_node_out_port(from, gi->en[e].from);
        if (fp < 0) {
            port_list(from, 0, gi->en[e].from, list, sizeof list);
            return ff_err_set(err, FF_EINVAL, "edge %s: " NODE_FMT " has no output '%s' (%s)", lab,
                              from->name, kind_name(from->kind), gi->en[e].from, list);
        }
        int tp = ff_node_in_port(to, gi->en[e].to);
        if (tp < 0) {
            port_list(to, 1, gi->en[e].to, list, sizeof list);
            return ff_err_set(err, FF_EINVAL, "edge %s: " NODE_FMT " has no input '%s' (%s)", lab,
                              to->name, kind_name(to->kind), gi->en[e].to, list);
        }
        ed->from_port = fp;
        ed->to_port = tp;
        ff_port *in = &to->in[tp];
        if (in->edge >= 0) {
            const ff_edge *prev = &g->edges[in->edge];
            return ff_err_set(err, FF_EINVAL, NODE_FMT ": input '%s' is fed twice (by %s.%s and %s.%s)",
                              to->name, kind_name(to->kind), in->name,
                              g->nodes[prev->from_node].name, gi->en[in->edge].from, from->name,
                              gi->en[e].from);
        }
        in->edge = e;
        ff_port *out = &from->out[fp];
        out->out_edges = ff_xrealloc(out->out_edges, sizeof *out->out_edges * (size_t)(out->nout_edges + 1));
        out->out_edges[out->nout_edges++] = e;
    }
    return 0;
}

/* A sink's ready pattern: "", a 0/1 string, or rand:SEED:PERCENT. */
static int ready_ok(const char *s)
{
    if (strncmp(s, "rand:", 5) == 0) {
        const char *p = s + 5;
        char *end;
        if (*p < '0' || *p > '9') return 0;
        strtoull(p, &end, 10);
        if (*end != ':' || end[1] < '0' || end[1] > '9') return 0;
        long pct = strtol(end + 1, &end, 10);
        return *end == '\0' && pct >= 0 && pct <= 100;
    }
    for (; *s; s++)
        if (*s != '0' && *s != '1') return 0;
    return 1;
}

/* Rules particular to one kind, beyond what the table can say. */
int ff_graph_side_scanner(const ff_graph *g, int j, int side, int *alone)
{
    const ff_node *jn = &g->nodes[j];
    char crd[16], ref[16];
    snprintf(crd, sizeof crd, "crd%d", side);
    snprintf(ref, sizeof ref, "ref%d", side);
    int pcrd = ff_node_in_port(jn, crd), pref = ff_node_in_port(jn, ref);
    if (alone) *alone = 0;
    if (jn->kind != FF_PRIM_INTERSECT || pcrd < 0 || pref < 0) return -1;
    int ec = jn->in[pcrd].edge, er = jn->in[pref].edge;
    if (ec < 0 || er < 0) return -1;
    int s = g->edges[ec].from_node;
    const ff_node *sn = &g->nodes[s];
    if (sn->kind != FF_PRIM_SCAN || g->edges[er].from_node != s) return -1;
    int pc = ff_node_out_port(sn, "crd"), pr = ff_node_out_port(sn, "ref");
    if (g->edges[ec].from_port != pc || g->edges[er].from_port != pr) return -1;
    if (alone) *alone = sn->out[pc].nout_edges == 1 && sn->out[pr].nout_edges == 1;
    return s;
}

/* A scanner's skip input comes from the skip output of the intersect side
 * it feeds alone (crd and ref straight in, nothing else reading them):
 * skips from anywhere else would make it jump over coordinates another
 * reader needs, silently. */
static int check_skip_link(const ff_graph *g, const ff_node *n, ff_err *err)
{
    int pk = ff_node_in_port(n, "skip");
    if (pk < 0 || n->in[pk].edge < 0) return 0;
    const ff_edge *e = &g->edges[n->in[pk].edge];
    const ff_node *j = &g->nodes[e->from_node];
    const char *why = NULL;
    int side = -1;
    if (j->kind == FF_PRIM_SOURCE) return 0; /* a harness drives it (fuseflow prim, tests) */
    if (j->kind != FF_PRIM_INTERSECT || sscanf(j->out[e->from_port].name, "skip%d", &side) != 1) {
        why = "is not an intersect's skip output";
    } else {
        int alone;
        if (ff_graph_side_scanner(g, e->from_node, side, &alone) != (int)(n - g->nodes))
            why = "comes from an intersect side this scanner does not feed (crd and ref)";
        else if (!alone)
            why = "comes back to a scanner whose crd or ref another node reads too (a jump would skip their tokens)";
    }
    if (!why) return 0;
    return ff_err_set(err, FF_EINVAL, NODE_FMT ": skip input from '%s.%s' %s", n->name, kind_name(n->kind), j->name,
                      j->out[e->from_port].name, why);
}

static int check_kind_rules(const ff_graph *g, const ff_node *n, ff_err *err)
{
    const char *kn = kind_name(n->kind);
    switch (n->kind) {
    case FF_PRIM_SCAN:
        return check_skip_link(g, n, err);
    case FF_PRIM_ALU: {
        const char *word = ff_node_str(n, "op");
        int op = ff_alu_op_parse(word);
        if (op < 0)
            return ff_err_set(err, FF_EINVAL, NODE_FMT ": op '%s' is not an ALU op of ff_fixed",
                              n->name, kn, word);
        int arity = ff_alu_op_arity((ff_alu_op)op);
        int imm = ff_node_has(n, "imm");
        int bi = ff_node_in_port(n, "b");
        int b = bi >= 0 && n->in[bi].edge >= 0;
        if (arity == 2 && !imm && !b)
            return ff_err_set(err, FF_EINVAL,
                              NODE_FMT ": input 'b' is not connected (op '%s' takes two operands; connect b or give imm)",
                              n->name, kn, word);
        if (b && imm)
            return ff_err_set(err, FF_EINVAL,
                              NODE_FMT ": input 'b' is connected but unused (imm is given)", n->name, kn);
        if (b && arity == 1)
            return ff_err_set(err, FF_EINVAL,
                              NODE_FMT ": input 'b' is connected but unused (op '%s' takes one operand)",
                              n->name, kn, word);
        if (imm && arity == 1)
            return ff_err_set(err, FF_EINVAL, NODE_FMT ": imm is given but op '%s' takes one operand",
                              n->name, kn, word);
        return 0;
    }
    case FF_PRIM_WRITE_CRD:
    case FF_PRIM_WRITE_VAL: {
        const char *t = ff_node_str(n, "tensor");
        int ti = ff_graph_find_tensor(g, t);
        if (!*t)
            return ff_err_set(err, FF_EINVAL, NODE_FMT ": param 'tensor' is empty (a writer needs an output tensor)",
                              n->name, kn);
        if (ti >= 0 && !g->tensors[ti].is_output)
            return ff_err_set(err, FF_EINVAL, NODE_FMT ": tensor '%s' is an input (a writer needs an output tensor)",
                              n->name, kn, t);
        return 0;
    }
    case FF_PRIM_SOURCE: {
        ff_tokvec toks = {0};
        ff_err e2;
        int rc = ff_tok_parse(ff_node_str(n, "tokens"),
                              (ff_stream_type)ff_stream_type_parse(ff_node_str(n, "type")),
                              g->frac_bits, 1, &toks, &e2);
        free(toks.data);
        if (rc) return ff_err_set(err, FF_EINVAL, NODE_FMT ": tokens: %s", n->name, kn, e2.msg);
        return 0;
    }
    case FF_PRIM_SINK:
        if (!ready_ok(ff_node_str(n, "ready")))
            return ff_err_set(err, FF_EINVAL,
                              NODE_FMT ": ready '%s' is not a 0/1 pattern or rand:SEED:PERCENT",
                              n->name, kn, ff_node_str(n, "ready"));
        return 0;
    default:
        return 0;
    }
}

/* Step 4: connections and kind rules, node by node. */
static int check_nodes(const ff_graph *g, ff_err *err)
{
    for (int i = 0; i < g->nnodes; i++) {
        const ff_node *n = &g->nodes[i];
        for (int p = 0; p < n->nin; p++)
            if (n->in[p].edge < 0 && !n->in[p].optional)
                return ff_err_set(err, FF_EINVAL, NODE_FMT ": input '%s' is not connected", n->name,
                                  kind_name(n->kind), n->in[p].name);
        /* An output with no consumer is legal: its tokens are dropped
         * (in the RTL its ready is tied high). SAM graphs leave many
         * pass-through outputs unused. */
        int rc = check_kind_rules(g, n, err);
        if (rc) return rc;
    }
    return 0;
}

/* Type of a port: its table type, or the node's shared `any` type (-1 while
 * unknown). */
/* Type variables: per node one for its `any` ports, and one per lane of a
 * per-lane family (ff_port_spec.per_lane; families have at most 8). */
enum { TYPE_VARS = 9 };

static int type_var(const ff_port *p, int node) { return node * TYPE_VARS + (p->per_lane ? 1 + p->lane % 8 : 0); }

static int port_type(const ff_port *p, const int *var, int node)
{
    return p->type != FF_ST_ANY ? (int)p->type : var[type_var(p, node)];
}

/* Step 5: stream types. */
static int resolve_types(ff_graph *g, ff_err *err)
{
    int rc = 0;
    int *var = ff_xmalloc(sizeof *var * (size_t)(g->nnodes ? g->nnodes : 1) * TYPE_VARS);
    for (int i = 0; i < g->nnodes; i++)
        for (int v = 0; v < TYPE_VARS; v++)
            var[i * TYPE_VARS + v] = g->nodes[i].kind == FF_PRIM_SOURCE && v == 0
                                         ? ff_stream_type_parse(ff_node_str(&g->nodes[i], "type"))
                                         : -1;
    /* Each round fixes at least one node's type or ends: at most nnodes+1. */
    for (int changed = 1; changed;) {
        changed = 0;
        for (int e = 0; e < g->nedges; e++) {
            const ff_edge *ed = &g->edges[e];
            const ff_port *fp = &g->nodes[ed->from_node].out[ed->from_port];
            const ff_port *tp = &g->nodes[ed->to_node].in[ed->to_port];
            int tf = port_type(fp, var, ed->from_node), tt = port_type(tp, var, ed->to_node);
            if (tf >= 0 && tt < 0) var[type_var(tp, ed->to_node)] = tf, changed = 1;
            else if (tt >= 0 && tf < 0) var[type_var(fp, ed->from_node)] = tt, changed = 1;
        }
    }
    char lab[300];
    for (int e = 0; e < g->nedges && !rc; e++) {
        ff_edge *ed = &g->edges[e];
        const ff_node *from = &g->nodes[ed->from_node], *to = &g->nodes[ed->to_node];
        const ff_port *fp = &from->out[ed->from_port], *tp = &to->in[ed->to_port];
        int tf = port_type(fp, var, ed->from_node), tt = port_type(tp, var, ed->to_node);
        edge_label(g, e, lab, sizeof lab);
        if (tf >= 0 && tt >= 0 && tf != tt) {
            /* Say where a shared type came from when it was not the port's own. */
            char why[300] = "";
            const ff_node *shared = tp->type == FF_ST_ANY ? to : fp->type == FF_ST_ANY ? from : NULL;
            if (shared)
                snprintf(why, sizeof why, " ('%s' (%s) carries %s on all its any ports)", shared->name,
                         kind_name(shared->kind),
                         ff_stream_type_name((ff_stream_type)(shared == to ? tt : tf)));
            rc = ff_err_set(err, FF_EINVAL, "edge %s: %s stream into a %s port%s", lab,
                            ff_stream_type_name((ff_stream_type)tf),
                            ff_stream_type_name((ff_stream_type)tt), why);
        } else if (tf < 0 && tt < 0) {
            if (ff_prim_get(from->kind)->hardware || ff_prim_get(to->kind)->hardware)
                rc = ff_err_set(err, FF_EINVAL,
                                "edge %s: cannot infer the stream type (no typed port reaches it)", lab);
            else
                ed->type = FF_ST_ANY;
        } else {
            ed->type = (ff_stream_type)(tf >= 0 ? tf : tt);
        }
    }
    for (int i = 0; i < g->nnodes && !rc; i++) {
        ff_node *n = &g->nodes[i];
        for (int p = 0; p < n->nin; p++)
            if (n->in[p].type == FF_ST_ANY && var[type_var(&n->in[p], i)] >= 0)
                n->in[p].type = (ff_stream_type)var[type_var(&n->in[p], i)];
        for (int p = 0; p < n->nout; p++)
            if (n->out[p].type == FF_ST_ANY && var[type_var(&n->out[p], i)] >= 0)
                n->out[p].type = (ff_stream_type)var[type_var(&n->out[p], i)];
    }
    free(var);
    return rc;
}

int ff_graph_validate(ff_graph *g, ff_err *err)
{
    int rc;
    g->validated = 0;
    if (g->frac_bits < 0 || g->frac_bits > 30)
        return ff_err_set(err, FF_EINVAL, "graph '%s': frac_bits %d out of range 0..30", g->name,
                          g->frac_bits);
    if ((rc = check_tensors(g, err))) return rc;
    for (int i = 0; i < g->nnodes; i++)
        if ((rc = check_params(g, &g->nodes[i], err))) return rc;
    for (int i = 0; i < g->nnodes; i++) build_ports(&g->nodes[i]);
    if ((rc = link_edges(g, err))) return rc;
    if ((rc = check_nodes(g, err))) return rc;
    if ((rc = resolve_types(g, err))) return rc;
    g->validated = 1;
    return 0;
}
