/*
 * test_graph.c -- the dataflow graph: the primitive table, building by API,
 * validation errors (each asserted on its message), the JSON form (round
 * trip, byte stability, malformed input) and the DOT view.
 *
 * The canonical SpMV graph is the example in docs/graph-format.md; the test
 * loads it from there, so the document cannot drift from the code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ff_graph.h"

/* ---- helpers ----------------------------------------------------------- */

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    FF_VEC(char) b = {0};
    int c;
    while ((c = fgetc(f)) != EOF) FF_VEC_PUSH(b, (char)c);
    FF_VEC_PUSH(b, '\0');
    fclose(f);
    return b.data;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* The ```json block of docs/graph-format.md that holds a whole graph. */
static char *doc_example(void)
{
    char *doc = read_text(FF_SOURCE_DIR "/docs/graph-format.md");
    assert_non_null(doc);
    char *start = strstr(doc, "```json\n{\n  \"fuseflow\": \"graph\"");
    assert_non_null(start);
    start += strlen("```json\n");
    char *end = strstr(start, "\n```");
    assert_non_null(end);
    size_t n = (size_t)(end - start) + 1; /* keep the final newline */
    char *text = malloc(n + 1);
    memcpy(text, start, n);
    text[n] = '\0';
    free(doc);
    return text;
}

/* s with the single occurrence of old replaced by new_ (caller frees). */
static char *replace(const char *s, const char *old, const char *new_)
{
    const char *at = strstr(s, old);
    if (!at) fail_msg("'%s' not found", old);
    if (strstr(at + 1, old)) fail_msg("'%s' found twice", old);
    size_t n = strlen(s) - strlen(old) + strlen(new_);
    char *r = malloc(n + 1);
    size_t pre = (size_t)(at - s);
    memcpy(r, s, pre);
    strcpy(r + pre, new_);
    strcat(r, at + strlen(old));
    return r;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle)) fail_msg("expected '%s' in: %s", needle, hay);
}

/* Loading `text` must fail with a message containing each needle. */
static void expect_load_error(const char *text, const char *needle, const char *needle2)
{
    ff_graph *g = NULL;
    ff_err err = {0};
    int rc = ff_graph_load_json_string(text, "t.json", &g, &err);
    if (rc == 0) {
        ff_graph_free(g);
        fail_msg("loaded, but expected an error with '%s'", needle);
    }
    assert_int_equal(rc, FF_EINVAL);
    assert_int_equal(err.code, FF_EINVAL);
    assert_null(g);
    assert_null(strchr(err.msg, '\n'));
    assert_contains(err.msg, needle);
    if (needle2) assert_contains(err.msg, needle2);
}

/* The SpMV example with `old` replaced by `new_` must fail so. */
static void expect_spmv_error(const char *old, const char *new_, const char *needle,
                              const char *needle2)
{
    char *spmv = doc_example();
    char *bad = replace(spmv, old, new_);
    expect_load_error(bad, needle, needle2);
    free(bad);
    free(spmv);
}

/* A whole graph document around the given tensors, nodes and edges. */
static char *doc(const char *tensors, const char *nodes, const char *edges)
{
    const char *fmt = "{\"fuseflow\": \"graph\", \"version\": 1, \"name\": \"t\", \"tensors\": [%s],"
                      " \"nodes\": [%s], \"edges\": [%s]}";
    size_t n = strlen(fmt) + strlen(tensors) + strlen(nodes) + strlen(edges);
    char *s = malloc(n);
    snprintf(s, n, fmt, tensors, nodes, edges);
    return s;
}

static void expect_doc_error(const char *tensors, const char *nodes, const char *edges,
                             const char *needle, const char *needle2)
{
    char *d = doc(tensors, nodes, edges);
    expect_load_error(d, needle, needle2);
    free(d);
}

static ff_graph *load_ok(const char *text)
{
    ff_graph *g = NULL;
    ff_err err = {0};
    int rc = ff_graph_load_json_string(text, "t.json", &g, &err);
    if (rc) fail_msg("load failed: %s", err.msg);
    assert_non_null(g);
    assert_true(g->validated);
    return g;
}

static int node(const ff_graph *g, const char *name)
{
    int i = ff_graph_find_node(g, name);
    if (i < 0) fail_msg("no node '%s'", name);
    return i;
}

/* The edge from "a.p" to "b.q", resolved. */
static const ff_edge *edge(const ff_graph *g, const char *a, const char *p, const char *b,
                           const char *q)
{
    const ff_node *na = &g->nodes[node(g, a)], *nb = &g->nodes[node(g, b)];
    int op = ff_node_out_port(na, p), iq = ff_node_in_port(nb, q);
    assert_true(op >= 0 && iq >= 0);
    int e = nb->in[iq].edge;
    assert_true(e >= 0);
    assert_int_equal(g->edges[e].from_node, node(g, a));
    assert_int_equal(g->edges[e].from_port, op);
    return &g->edges[e];
}

static void assert_graph_equal(const ff_graph *a, const ff_graph *b)
{
    assert_string_equal(a->name, b->name);
    assert_int_equal(a->frac_bits, b->frac_bits);
    assert_true((a->reference == NULL) == (b->reference == NULL));
    if (a->reference) assert_string_equal(a->reference, b->reference);
    assert_int_equal(a->ntensors, b->ntensors);
    for (int t = 0; t < a->ntensors; t++) {
        const ff_gtensor *x = &a->tensors[t], *y = &b->tensors[t];
        assert_string_equal(x->name, y->name);
        assert_int_equal(x->is_output, y->is_output);
        assert_int_equal(x->order, y->order);
        assert_string_equal(x->format, y->format);
        for (int m = 0; m < 6; m++) {
            assert_true((x->shape[m] == NULL) == (y->shape[m] == NULL));
            if (x->shape[m]) assert_string_equal(x->shape[m], y->shape[m]);
        }
    }
    assert_int_equal(a->nnodes, b->nnodes);
    for (int i = 0; i < a->nnodes; i++) {
        const ff_node *x = &a->nodes[i], *y = &b->nodes[i];
        assert_string_equal(x->name, y->name);
        assert_int_equal(x->kind, y->kind);
        assert_int_equal(x->nparams, y->nparams);
        for (int k = 0; k < x->nparams; k++) {
            const ff_param *p = &x->params[k], *q = &y->params[k];
            assert_string_equal(p->key, q->key);
            assert_int_equal(p->type, q->type);
            assert_int_equal(p->i, q->i);
            assert_int_equal(p->fx, q->fx);
            assert_true((p->s == NULL) == (q->s == NULL));
            if (p->s) assert_string_equal(p->s, q->s);
            assert_int_equal(p->nints, q->nints);
            for (size_t j = 0; j < p->nints; j++) assert_int_equal(p->ints[j], q->ints[j]);
        }
        assert_int_equal(x->nin, y->nin);
        assert_int_equal(x->nout, y->nout);
    }
    assert_int_equal(a->nedges, b->nedges);
    for (int e = 0; e < a->nedges; e++) {
        const ff_edge *x = &a->edges[e], *y = &b->edges[e];
        assert_int_equal(x->from_node, y->from_node);
        assert_int_equal(x->from_port, y->from_port);
        assert_int_equal(x->to_node, y->to_node);
        assert_int_equal(x->to_port, y->to_port);
        assert_int_equal(x->depth, y->depth);
        assert_int_equal(x->type, y->type);
    }
}

static char *make_tmpdir(void)
{
    char tmpl[] = "/tmp/ff_test_graph_XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

static void rm_tmpdir(char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

/* ---- the primitive table ----------------------------------------------- */

static void prims_table_is_sane(void **state)
{
    (void)state;
    assert_null(ff_prim_get(FF_PRIM__COUNT));
    assert_int_equal(ff_prim_lookup("no_such_prim"), -1);
    for (int k = 0; k < FF_PRIM__COUNT; k++) {
        const ff_prim_info *info = ff_prim_get((ff_prim_kind)k);
        assert_non_null(info);
        assert_int_equal(info->kind, k);
        assert_non_null(info->name);
        assert_int_equal(ff_prim_lookup(info->name), k);
        assert_true(info->summary && *info->summary);
        assert_true(info->hardware == 0 || info->hardware == 1);
        assert_true(info->nports >= 1);
        int seen_out = 0, family = 0;
        for (int p = 0; p < info->nports; p++) {
            const ff_port_spec *ps = &info->ports[p];
            assert_true(ps->name && *ps->name);
            assert_null(strpbrk(ps->name, "#?:, "));
            if (!ps->is_input) seen_out = 1;
            else assert_false(seen_out); /* inputs first */
            /* an optional output is only the skip family: what dot and
             * `fuseflow prim` leave out */
            if (ps->optional && !ps->is_input) assert_string_equal(ps->name, "skip");
            assert_true(ps->type >= FF_ST_CRD && ps->type <= FF_ST_ANY);
            family |= ps->is_family;
            for (int q = 0; q < p; q++)
                if (info->ports[q].is_input == ps->is_input)
                    assert_string_not_equal(ps->name, info->ports[q].name);
        }
        for (int i = 0; i < info->nparams; i++) {
            const ff_param_spec *ps = &info->params[i];
            assert_true(ps->key && *ps->key);
            assert_non_null(ps->default_text);
            if (ps->required) assert_string_equal(ps->default_text, "");
            if (ps->type == FF_PT_ENUM) {
                assert_non_null(ps->enum_words);
                assert_non_null(ps->enum_words[0]);
            } else {
                assert_null(ps->enum_words);
            }
            /* A node with nothing set reads the default. */
            ff_node n = {.name = "x", .kind = (ff_prim_kind)k};
            const ff_param *d = ff_node_param(&n, ps->key);
            assert_int_equal(d != NULL, *ps->default_text != '\0');
            assert_int_equal(ff_node_has(&n, ps->key), *ps->default_text != '\0');
            if (d) {
                assert_string_equal(d->key, ps->key);
                assert_int_equal(d->type, ps->type);
            }
            if (d && ps->type == FF_PT_ENUM) {
                assert_string_equal(ff_node_str(&n, ps->key), ps->default_text);
                assert_string_equal(ps->enum_words[ff_node_int(&n, ps->key)], ps->default_text);
            }
        }
        if (family) {
            ff_node n = {.name = "x", .kind = (ff_prim_kind)k};
            assert_true(ff_node_int(&n, "n") >= 1 && ff_node_int(&n, "n") <= 4);
        }
    }
    /* Specific entries the rest of the system relies on. */
    const ff_prim_info *scan = ff_prim_get(FF_PRIM_SCAN);
    assert_string_equal(scan->name, "scan");
    assert_int_equal(scan->nports, 4);
    assert_string_equal(scan->ports[0].name, "ref_in");
    assert_int_equal(scan->ports[0].type, FF_ST_REF);
    assert_true(scan->ports[0].is_input);
    assert_string_equal(scan->ports[1].name, "skip");
    assert_true(scan->ports[1].is_input && scan->ports[1].optional);
    assert_string_equal(scan->ports[2].name, "crd");
    assert_int_equal(scan->ports[2].type, FF_ST_CRD);
    const ff_prim_info *isect = ff_prim_get(FF_PRIM_INTERSECT);
    assert_true(isect->ports[0].is_family);
    assert_string_equal(isect->ports[0].name, "crd");
    assert_string_equal(isect->ports[4].name, "skip");
    assert_true(isect->ports[4].is_family && isect->ports[4].optional && !isect->ports[4].is_input);
    const ff_prim_info *alu = ff_prim_get(FF_PRIM_ALU);
    assert_string_equal(alu->ports[1].name, "b");
    assert_true(alu->ports[1].optional);
    /* The alu's op words are the ff_alu_op list, in its order (ORDER FF_ALU_OP). */
    const ff_param_spec *op = &alu->params[0];
    assert_string_equal(op->key, "op");
    assert_true(op->required);
    int nw = 0;
    for (; op->enum_words[nw]; nw++) assert_int_equal(ff_alu_op_parse(op->enum_words[nw]), nw);
    assert_int_equal(nw, FF_ALU__COUNT);
    /* A source's type words are the ff_stream_type list, in its order. */
    const ff_prim_info *src = ff_prim_get(FF_PRIM_SOURCE);
    assert_string_equal(src->params[0].key, "type");
    for (int i = 0; src->params[0].enum_words[i]; i++)
        assert_int_equal(ff_stream_type_parse(src->params[0].enum_words[i]), i);
    assert_int_equal(ff_prim_lookup("source"), FF_PRIM_SOURCE);
    assert_false(ff_prim_get(FF_PRIM_SOURCE)->hardware);
    assert_false(ff_prim_get(FF_PRIM_SINK)->hardware);
}

/* ---- building by API --------------------------------------------------- */

static int add(ff_graph *g, const char *name, ff_prim_kind k)
{
    ff_err err = {0};
    int i = ff_graph_add_node(g, name, k, &err);
    if (i < 0) fail_msg("%s", err.msg);
    return i;
}

static void conn(ff_graph *g, int a, const char *p, int b, const char *q, int depth)
{
    ff_err err = {0};
    if (ff_graph_connect(g, a, p, b, q, depth, &err) < 0) fail_msg("%s", err.msg);
}

#define OK(call)                                                               \
    do {                                                                       \
        ff_err e_ = {0};                                                       \
        if ((call) != 0) fail_msg("%s: %s", #call, e_.msg);                    \
    } while (0)
#define E (&e_)

/* The graph of docs/graph-format.md, built by API. */
static ff_graph *build_spmv(void)
{
    ff_graph *g = ff_graph_new("spmv");
    ff_err err = {0};
    g->reference = strdup("y(i) = A(i,j) * x(j)");
    const char *shape[] = {"A:0"};
    assert_int_equal(ff_graph_add_tensor(g, "A", 0, 2, "csr", NULL, &err), 0);
    assert_int_equal(ff_graph_add_tensor(g, "x", 0, 1, "sparse", NULL, &err), 1);
    assert_int_equal(ff_graph_add_tensor(g, "y", 1, 1, "sparse", shape, &err), 2);
    int root = add(g, "root", FF_PRIM_ROOT);
    int ai = add(g, "A_i", FF_PRIM_SCAN);
    OK(ff_node_set_str(g, ai, "tensor", "A", E));
    OK(ff_node_set_int(g, ai, "level", 0, E));
    OK(ff_node_set_str(g, ai, "format", "dense", E));
    int aj = add(g, "A_j", FF_PRIM_SCAN);
    OK(ff_node_set_str(g, aj, "tensor", "A", E));
    OK(ff_node_set_int(g, aj, "level", 1, E));
    int irep = add(g, "i_rep", FF_PRIM_REPSIGGEN);
    int xroot = add(g, "x_root", FF_PRIM_REPEAT);
    int xj = add(g, "x_j", FF_PRIM_SCAN);
    OK(ff_node_set_str(g, xj, "tensor", "x", E));
    OK(ff_node_set_int(g, xj, "level", 0, E));
    int jand = add(g, "j_and", FF_PRIM_INTERSECT);
    OK(ff_node_set_int(g, jand, "n", 2, E));
    int aval = add(g, "A_val", FF_PRIM_ARRAY);
    OK(ff_node_set_str(g, aval, "tensor", "A", E));
    int xval = add(g, "x_val", FF_PRIM_ARRAY);
    OK(ff_node_set_str(g, xval, "tensor", "x", E));
    int mul = add(g, "mul", FF_PRIM_ALU);
    OK(ff_node_set_str(g, mul, "op", "mul", E));
    int sum = add(g, "sum_j", FF_PRIM_REDUCE);
    int yi = add(g, "y_i", FF_PRIM_WRITE_CRD);
    OK(ff_node_set_str(g, yi, "tensor", "y", E));
    OK(ff_node_set_int(g, yi, "level", 0, E));
    int yv = add(g, "y_vals", FF_PRIM_WRITE_VAL);
    OK(ff_node_set_str(g, yv, "tensor", "y", E));
    int jcrd = add(g, "j_crd", FF_PRIM_SINK);
    conn(g, root, "ref", ai, "ref_in", 0);
    conn(g, ai, "ref", aj, "ref_in", 4);
    conn(g, ai, "crd", irep, "in", 0);
    conn(g, ai, "crd", yi, "crd", 0);
    conn(g, root, "ref", xroot, "ref_in", 0);
    conn(g, irep, "rep", xroot, "rep", 0);
    conn(g, xroot, "ref", xj, "ref_in", 0);
    conn(g, aj, "crd", jand, "crd0", 0);
    conn(g, aj, "ref", jand, "ref0", 0);
    conn(g, xj, "crd", jand, "crd1", 0);
    conn(g, xj, "ref", jand, "ref1", 0);
    conn(g, jand, "crd", jcrd, "in", 0);
    conn(g, jand, "ref0", aval, "ref", 0);
    conn(g, jand, "ref1", xval, "ref", 0);
    conn(g, aval, "val", mul, "a", 0);
    conn(g, xval, "val", mul, "b", 0);
    conn(g, mul, "val", sum, "val_in", 0);
    conn(g, sum, "val", yv, "val", 0);
    return g;
}

static void graph_build_spmv_validates(void **state)
{
    (void)state;
    ff_graph *g = build_spmv();
    ff_err err = {0};
    assert_false(g->validated);
    if (ff_graph_validate(g, &err)) fail_msg("%s", err.msg);
    assert_true(g->validated);
    assert_int_equal(g->nnodes, 14);
    assert_int_equal(g->nedges, 18);

    /* Ports resolved from the table, families expanded. */
    const ff_node *jand = &g->nodes[node(g, "j_and")];
    assert_int_equal(jand->nin, 4);
    assert_string_equal(jand->in[0].name, "crd0");
    assert_string_equal(jand->in[1].name, "crd1");
    assert_string_equal(jand->in[2].name, "ref0");
    assert_string_equal(jand->in[3].name, "ref1");
    assert_int_equal(jand->nout, 5);
    assert_string_equal(jand->out[0].name, "crd");
    assert_string_equal(jand->out[2].name, "ref1");
    assert_string_equal(jand->out[4].name, "skip1");
    assert_true(jand->out[4].optional && !jand->out[2].optional);
    assert_int_equal(ff_node_in_port(jand, "ref1"), 3);
    assert_int_equal(ff_node_in_port(jand, "ref2"), -1);
    assert_int_equal(ff_node_out_port(jand, "ref0"), 1);

    /* Types: the repsiggen's any input took crd from the scanner. */
    assert_int_equal(edge(g, "A_i", "crd", "i_rep", "in")->type, FF_ST_CRD);
    assert_int_equal(edge(g, "i_rep", "rep", "x_root", "rep")->type, FF_ST_REP);
    assert_int_equal(edge(g, "mul", "val", "sum_j", "val_in")->type, FF_ST_VAL);
    assert_int_equal(edge(g, "j_and", "crd", "j_crd", "in")->type, FF_ST_CRD);
    const ff_node *irep = &g->nodes[node(g, "i_rep")];
    assert_int_equal(irep->in[0].type, FF_ST_CRD);
    const ff_node *sink = &g->nodes[node(g, "j_crd")];
    assert_int_equal(sink->in[0].type, FF_ST_CRD);
    assert_int_equal(edge(g, "A_i", "ref", "A_j", "ref_in")->depth, 4);

    /* Fan-out: one output port, two edges. */
    const ff_node *ai = &g->nodes[node(g, "A_i")];
    assert_int_equal(ai->out[ff_node_out_port(ai, "crd")].nout_edges, 2);
    const ff_node *mul = &g->nodes[node(g, "mul")];
    assert_int_equal(mul->in[ff_node_in_port(mul, "b")].edge >= 0, 1);

    /* Accessors apply defaults. */
    const ff_node *aj = &g->nodes[node(g, "A_j")];
    assert_string_equal(ff_node_str(aj, "format"), "compressed");
    assert_int_equal(ff_node_int(aj, "format"), 0);
    assert_true(ff_node_has(aj, "format"));
    assert_string_equal(ff_node_str(ai, "format"), "dense");
    assert_int_equal(ff_node_int(ai, "format"), 1);
    assert_int_equal(ff_node_int(aj, "level"), 1);
    assert_false(ff_node_has(aj, "seg"));   /* empty default */
    assert_null(ff_node_param(aj, "seg"));
    assert_string_equal(ff_node_str(aj, "tensor"), "A");
    assert_int_equal(ff_node_int(aj, "dim"), 0);
    assert_true(ff_node_has(aj, "dim"));     /* default "0" */
    assert_false(ff_node_has(mul, "imm"));
    assert_int_equal(ff_node_int(mul, "op"), FF_ALU_MUL);
    assert_string_equal(ff_node_str(&g->nodes[node(g, "sum_j")], "op"), "sum");
    assert_string_equal(ff_node_str(sink, "ready"), "");
    assert_null(ff_node_param(aj, "no_such_key"));

    /* Idempotent, and again after a change. */
    assert_int_equal(ff_graph_validate(g, &err), 0);
    assert_int_equal(jand->nin, 4);
    assert_int_equal(ff_node_set_int(g, node(g, "A_j"), "level", 1, &err), 0);
    assert_false(g->validated);
    assert_int_equal(ff_graph_validate(g, &err), 0);
    assert_int_equal(ai->out[ff_node_out_port(ai, "crd")].nout_edges, 2);
    ff_graph_free(g);
}

static void graph_build_rejects_bad_calls(void **state)
{
    (void)state;
    ff_graph *g = ff_graph_new("t");
    ff_err err = {0};
    int a = add(g, "a", FF_PRIM_SCAN);
    assert_int_equal(ff_graph_add_node(g, "a", FF_PRIM_ROOT, &err), FF_EINVAL);
    assert_string_equal(err.msg, "node 'a': name used twice");
    assert_int_equal(ff_graph_add_node(g, "a.b", FF_PRIM_ROOT, &err), FF_EINVAL);
    assert_contains(err.msg, "bad name");
    assert_int_equal(ff_graph_add_node(g, "", FF_PRIM_ROOT, &err), FF_EINVAL);
    assert_int_equal(ff_graph_add_node(g, "z", FF_PRIM__COUNT, &err), FF_EINVAL);
    assert_contains(err.msg, "unknown prim kind");
    assert_int_equal(ff_graph_find_node(g, "a"), a);
    assert_int_equal(ff_graph_find_node(g, "b"), -1);

    /* Params are checked against the table as they are set. */
    assert_int_equal(ff_node_set_int(g, a, "lvl", 1, &err), FF_EINVAL);
    assert_string_equal(err.msg,
                        "node 'a' (scan): unknown param 'lvl' (params: format, tensor, level, dim, seg, crd, off, len)");
    assert_int_equal(ff_node_set_str(g, a, "level", "1", &err), FF_EINVAL);
    assert_string_equal(err.msg, "node 'a' (scan): param 'level' takes an integer, got a string");
    assert_int_equal(ff_node_set_str(g, a, "format", "csr", &err), FF_EINVAL);
    assert_string_equal(err.msg,
                        "node 'a' (scan): param 'format' = 'csr' not allowed (one of: compressed, dense)");
    assert_int_equal(ff_node_set_int(g, a, "format", 5, &err), FF_EINVAL);
    assert_contains(err.msg, "not allowed (one of: compressed, dense)");
    assert_int_equal(ff_node_set_str(g, a, "dim", "A:x", &err), FF_EINVAL);
    assert_contains(err.msg, "param 'dim' = 'A:x' is not a dim");
    assert_int_equal(ff_node_set_fx(g, a, "level", 3, &err), FF_EINVAL);
    assert_int_equal(ff_node_set_ints(g, a, "tensor", NULL, 0, &err), FF_EINVAL);
    assert_int_equal(ff_node_set_int(g, 99, "level", 1, &err), FF_EINVAL);
    assert_contains(err.msg, "node index 99");
    int r = add(g, "r", FF_PRIM_ROOT);
    assert_int_equal(ff_node_set_int(g, r, "n", 1, &err), FF_EINVAL);
    assert_contains(err.msg, "root takes no params");

    /* An enum by index; a dim by text; replacing keeps the order. */
    assert_int_equal(ff_node_set_int(g, a, "format", 1, &err), 0);
    assert_string_equal(ff_node_str(&g->nodes[a], "format"), "dense");
    assert_int_equal(ff_node_set_str(g, a, "dim", "A:1", &err), 0);
    assert_int_equal(ff_node_set_str(g, a, "format", "compressed", &err), 0);
    assert_int_equal(g->nodes[a].nparams, 2);
    assert_string_equal(g->nodes[a].params[0].key, "format");
    assert_string_equal(ff_node_str(&g->nodes[a], "dim"), "A:1");
    assert_int_equal(ff_node_int(&g->nodes[a], "dim"), -1);
    assert_int_equal(ff_node_set_str(g, a, "dim", "16", &err), 0);
    assert_int_equal(ff_node_int(&g->nodes[a], "dim"), 16);
    assert_string_equal(ff_node_str(&g->nodes[a], "dim"), "");

    /* fxs take ff_fx values through set_ints, so they must fit 32 bits. */
    int arr = add(g, "arr", FF_PRIM_ARRAY);
    int64_t big[] = {(int64_t)1 << 40};
    assert_int_equal(ff_node_set_ints(g, arr, "vals", big, 1, &err), FF_EINVAL);
    assert_contains(err.msg, "not an fx value");

    /* Connections record names; bad ones are caught at once or by validation. */
    assert_int_equal(ff_graph_connect(g, r, "ref", a, "ref_in", -1, &err), FF_EINVAL);
    assert_contains(err.msg, "edge r.ref -> a.ref_in: depth -1 is negative");
    assert_int_equal(ff_graph_connect(g, r, "ref", 42, "ref_in", 0, &err), FF_EINVAL);
    assert_int_equal(ff_graph_connect(g, r, "re\"f", a, "ref_in", 0, &err), FF_EINVAL);
    assert_contains(err.msg, "bad port name");
    assert_int_equal(ff_graph_connect(g, r, "ref", a, "ref_in", 0, &err), 0);

    /* Tensors. */
    assert_int_equal(ff_graph_add_tensor(g, "A", 0, 2, "csr", NULL, &err), 0);
    assert_int_equal(ff_graph_add_tensor(g, "A", 0, 2, "csr", NULL, &err), FF_EINVAL);
    assert_contains(err.msg, "tensor 'A': declared twice");
    assert_int_equal(ff_graph_add_tensor(g, "B", 0, 7, "csr", NULL, &err), FF_EINVAL);
    assert_contains(err.msg, "order 7 out of range 0..6");
    assert_int_equal(ff_graph_add_tensor(g, "1B", 0, 1, "csr", NULL, &err), FF_EINVAL);
    assert_int_equal(ff_graph_add_tensor(g, "B", 0, 1, "", NULL, &err), FF_EINVAL);
    const char *bad_shape[] = {"x y"};
    assert_int_equal(ff_graph_add_tensor(g, "B", 1, 1, "dense", bad_shape, &err), FF_EINVAL);
    assert_contains(err.msg, "shape[0] 'x y' is not a dim");
    const char *shape[] = {"007"};
    assert_int_equal(ff_graph_add_tensor(g, "B", 1, 1, "dense", shape, &err), 1);
    assert_string_equal(g->tensors[1].shape[0], "7");
    assert_int_equal(ff_graph_find_tensor(g, "B"), 1);
    assert_int_equal(ff_graph_find_tensor(g, "C"), -1);
    ff_graph_free(g);
    ff_graph_free(NULL);
}

/* ---- validation errors ------------------------------------------------- */

static void validate_unknown_param(void **state)
{
    (void)state;
    expect_spmv_error("\"params\": {\"tensor\": \"A\", \"level\": 1}",
                      "\"params\": {\"tensor\": \"A\", \"lvl\": 1}",
                      "t.json: node 'A_j' (scan): unknown param 'lvl'", "(params: format, tensor");
}

static void validate_unconnected_input(void **state)
{
    (void)state;
    expect_doc_error("",
                     "{\"name\": \"s\", \"prim\": \"source\", \"params\": {\"type\": \"val\", \"tokens\": \"1 D\"}},"
                     "{\"name\": \"k\", \"prim\": \"sink\"},"
                     "{\"name\": \"mul\", \"prim\": \"alu\", \"params\": {\"op\": \"mul\", \"imm\": 2}},"
                     "{\"name\": \"k2\", \"prim\": \"sink\"}",
                     "{\"from\": \"s.out\", \"to\": \"k.in\"}, {\"from\": \"mul.val\", \"to\": \"k2.in\"}",
                     "t.json: node 'mul' (alu): input 'a' is not connected", NULL);
}

static void validate_type_mismatch(void **state)
{
    (void)state;
    char *spmv = doc_example();
    char *a = replace(spmv, "{\"from\": \"j_and.ref0\", \"to\": \"A_val.ref\"}",
                      "{\"from\": \"j_and.crd\", \"to\": \"A_val.ref\"}");
    char *b = replace(a, "{\"from\": \"j_and.crd\", \"to\": \"j_crd.in\"}",
                      "{\"from\": \"j_and.ref0\", \"to\": \"j_crd.in\"}");
    expect_load_error(b, "t.json: edge j_and.crd -> A_val.ref: crd stream into a ref port", NULL);
    free(a);
    free(b);
    free(spmv);

    /* The type of a source, carried through a broadcast's any ports. */
    expect_doc_error("",
                     "{\"name\": \"s\", \"prim\": \"source\", \"params\": {\"type\": \"crd\", \"tokens\": \"0 1 S0 D\"}},"
                     "{\"name\": \"b\", \"prim\": \"broadcast\"},"
                     "{\"name\": \"arr\", \"prim\": \"array\", \"params\": {\"vals\": [1, 2]}},"
                     "{\"name\": \"k\", \"prim\": \"sink\"}, {\"name\": \"k2\", \"prim\": \"sink\"}",
                     "{\"from\": \"s.out\", \"to\": \"b.in\"}, {\"from\": \"b.out0\", \"to\": \"k.in\"},"
                     "{\"from\": \"b.out1\", \"to\": \"arr.ref\"}, {\"from\": \"arr.val\", \"to\": \"k2.in\"}",
                     "edge b.out1 -> arr.ref: crd stream into a ref port",
                     "('b' (broadcast) carries crd on all its any ports)");
    /* A val source straight into a coordinate input. */
    expect_doc_error("",
                     "{\"name\": \"s\", \"prim\": \"source\", \"params\": {\"type\": \"val\", \"tokens\": \"D\"}},"
                     "{\"name\": \"s2\", \"prim\": \"source\", \"params\": {\"type\": \"crd\", \"tokens\": \"D\"}},"
                     "{\"name\": \"d\", \"prim\": \"crd_drop\"},"
                     "{\"name\": \"k\", \"prim\": \"sink\"}, {\"name\": \"k2\", \"prim\": \"sink\"}",
                     "{\"from\": \"s.out\", \"to\": \"d.outer_in\"}, {\"from\": \"s2.out\", \"to\": \"d.inner_in\"},"
                     "{\"from\": \"d.outer\", \"to\": \"k.in\"}, {\"from\": \"d.inner\", \"to\": \"k2.in\"}",
                     "edge s.out -> d.outer_in: val stream into a crd port", NULL);
}

static void validate_untyped_cycle(void **state)
{
    (void)state;
    /* Only any ports: nothing fixes the type. */
    expect_doc_error("",
                     "{\"name\": \"j\", \"prim\": \"join\"}, {\"name\": \"b\", \"prim\": \"broadcast\"}",
                     "{\"from\": \"j.out\", \"to\": \"b.in\"}, {\"from\": \"b.out0\", \"to\": \"j.in0\"},"
                     "{\"from\": \"b.out1\", \"to\": \"j.in1\"}",
                     "edge j.out -> b.in: cannot infer the stream type", NULL);
}

static void validate_family_size(void **state)
{
    (void)state;
    expect_spmv_error("\"params\": {\"n\": 2}", "\"params\": {\"n\": 7}",
                      "t.json: node 'j_and' (intersect): n = 7 out of range 2..4", NULL);
    expect_spmv_error("\"params\": {\"n\": 2}", "\"params\": {\"n\": 1}",
                      "n = 1 out of range 2..4", NULL);
    /* n = 3 makes a third pair of inputs, which must be fed. */
    expect_spmv_error("\"params\": {\"n\": 2}", "\"params\": {\"n\": 3}",
                      "node 'j_and' (intersect): input 'crd2' is not connected", NULL);
}

static void validate_undeclared_tensor(void **state)
{
    (void)state;
    expect_spmv_error("\"params\": {\"tensor\": \"y\", \"level\": 0}",
                      "\"params\": {\"tensor\": \"Z\", \"level\": 0}",
                      "t.json: node 'y_i' (write_crd): tensor 'Z' is not declared", NULL);
    expect_spmv_error("{\"name\": \"x_val\", \"prim\": \"array\", \"params\": {\"tensor\": \"x\"}}",
                      "{\"name\": \"x_val\", \"prim\": \"array\", \"params\": {\"tensor\": \"q\"}}",
                      "node 'x_val' (array): tensor 'q' is not declared", NULL);
    /* Empty = inline data: fine for an array. */
    char *spmv = doc_example();
    char *ok = replace(spmv, "{\"name\": \"x_val\", \"prim\": \"array\", \"params\": {\"tensor\": \"x\"}}",
                       "{\"name\": \"x_val\", \"prim\": \"array\", \"params\": {\"tensor\": \"\", \"vals\": [1.5, 2]}}");
    ff_graph *g = load_ok(ok);
    ff_graph_free(g);
    free(ok);
    free(spmv);
    /* A writer needs an output tensor. */
    expect_spmv_error("\"params\": {\"tensor\": \"y\", \"level\": 0}",
                      "\"params\": {\"tensor\": \"A\", \"level\": 0}",
                      "node 'y_i' (write_crd): tensor 'A' is an input", NULL);
    expect_spmv_error("\"params\": {\"tensor\": \"y\", \"level\": 0}",
                      "\"params\": {\"tensor\": \"\", \"level\": 0}",
                      "node 'y_i' (write_crd): param 'tensor' is empty", NULL);
    /* Dims name declared tensors and existing modes. */
    expect_spmv_error("\"params\": {\"tensor\": \"A\", \"level\": 1}",
                      "\"params\": {\"tensor\": \"A\", \"level\": 1, \"dim\": \"B:0\"}",
                      "node 'A_j' (scan): param 'dim' = 'B:0': tensor 'B' is not declared", NULL);
    expect_spmv_error("\"params\": {\"tensor\": \"A\", \"level\": 1}",
                      "\"params\": {\"tensor\": \"A\", \"level\": 1, \"dim\": \"A:2\"}",
                      "param 'dim' = 'A:2': tensor 'A' has order 2 (modes 0..1)", NULL);
    expect_spmv_error("\"params\": {\"tensor\": \"A\", \"level\": 1}",
                      "\"params\": {\"tensor\": \"A\", \"level\": 1, \"dim\": -2}",
                      "param 'dim' = -2 is out of range", NULL);
    expect_spmv_error("\"shape\": [\"A:0\"]", "\"shape\": [\"Q:0\"]",
                      "tensor 'y': shape[0] = 'Q:0': tensor 'Q' is not declared", NULL);
    expect_spmv_error("\"shape\": [\"A:0\"]", "\"shape\": [\"y:0\"]",
                      "refers to the tensor itself", NULL);
    expect_spmv_error(", \"shape\": [\"A:0\"]", "", "tensor 'y': an output needs a shape", NULL);
}

static void validate_fed_twice(void **state)
{
    (void)state;
    expect_spmv_error("{\"from\": \"x_val.val\", \"to\": \"mul.b\"}",
                      "{\"from\": \"x_val.val\", \"to\": \"mul.b\"}, {\"from\": \"x_val.val\", \"to\": \"mul.a\"}",
                      "t.json: node 'mul' (alu): input 'a' is fed twice (by A_val.val and x_val.val)", NULL);
}

static void validate_output_without_consumer_is_allowed(void **state)
{
    (void)state;
    char *spmv = doc_example();
    char *a = replace(spmv, "    {\"from\": \"j_and.crd\", \"to\": \"j_crd.in\"},\n", "");
    char *b = replace(a, ",\n    {\"name\": \"j_crd\", \"prim\": \"sink\"}", "");
    ff_graph *g = NULL;
    ff_err err = {0};
    assert_int_equal(ff_graph_load_json_string(b, "t.json", &g, &err), 0);
    int j = ff_graph_find_node(g, "j_and");
    assert_true(j >= 0);
    int p = ff_node_out_port(&g->nodes[j], "crd");
    assert_true(p >= 0);
    assert_int_equal(g->nodes[j].out[p].nout_edges, 0);
    ff_graph_free(g);
    free(a);
    free(b);
    free(spmv);
}

static void validate_unknown_port(void **state)
{
    (void)state;
    expect_spmv_error("{\"from\": \"A_j.crd\", \"to\": \"j_and.crd0\"}",
                      "{\"from\": \"A_j.crdx\", \"to\": \"j_and.crd0\"}",
                      "t.json: edge A_j.crdx -> j_and.crd0: node 'A_j' (scan) has no output 'crdx' (outputs: crd, ref)",
                      NULL);
    expect_spmv_error("{\"from\": \"A_j.crd\", \"to\": \"j_and.crd0\"}",
                      "{\"from\": \"A_j.crd\", \"to\": \"j_and.crd2\"}",
                      "has no input 'crd2' (inputs: crd0, crd1, ref0, ref1)", NULL);
    expect_spmv_error("{\"from\": \"A_j.crd\", \"to\": \"j_and.crd0\"}",
                      "{\"from\": \"A_j.ref_in\", \"to\": \"j_and.crd0\"}",
                      "(outputs: crd, ref; 'ref_in' is an input)", NULL);
}

static void validate_enum_and_required(void **state)
{
    (void)state;
    expect_spmv_error("\"format\": \"dense\"", "\"format\": \"csr\"",
                      "t.json: node 'A_i' (scan): param 'format' = 'csr' not allowed (one of: compressed, dense)",
                      NULL);
    expect_spmv_error("{\"name\": \"mul\", \"prim\": \"alu\", \"params\": {\"op\": \"mul\"}}",
                      "{\"name\": \"mul\", \"prim\": \"alu\"}",
                      "t.json: node 'mul' (alu): missing required param 'op'", NULL);
    expect_spmv_error("{\"op\": \"mul\"}", "{\"op\": \"fma\"}",
                      "param 'op' = 'fma' not allowed (one of: add, sub, mul, div, max, min, neg, relu, exp, rsqrt, pass, log, tanh, sigmoid, erf)",
                      NULL);
    expect_spmv_error("\"level\": 0, \"format\": \"dense\"", "\"level\": \"0\", \"format\": \"dense\"",
                      "node 'A_i' (scan): param 'level' takes an integer, got a string", NULL);
    expect_spmv_error("\"level\": 0, \"format\": \"dense\"", "\"level\": -1, \"format\": \"dense\"",
                      "node 'A_i' (scan): param 'level' = -1 is negative", NULL);
    expect_spmv_error("{\"name\": \"j_crd\", \"prim\": \"sink\"}",
                      "{\"name\": \"j_crd\", \"prim\": \"sink\", \"params\": {\"ready\": \"10x\"}}",
                      "node 'j_crd' (sink): ready '10x' is not a 0/1 pattern", NULL);
    expect_spmv_error("{\"name\": \"j_crd\", \"prim\": \"sink\"}",
                      "{\"name\": \"j_crd\", \"prim\": \"sink\", \"params\": {\"ready\": \"rand:7:101\"}}",
                      "ready 'rand:7:101'", NULL);
    char *spmv = doc_example();
    char *ok = replace(spmv, "{\"name\": \"j_crd\", \"prim\": \"sink\"}",
                       "{\"name\": \"j_crd\", \"prim\": \"sink\", \"params\": {\"ready\": \"rand:7:50\"}}");
    ff_graph_free(load_ok(ok));
    free(ok);
    free(spmv);
}

static void validate_alu_operands(void **state)
{
    (void)state;
    const char *src = "{\"name\": \"s\", \"prim\": \"source\", \"params\": {\"type\": \"val\", \"tokens\": \"1 2.5 S0 D\"}},"
                      "{\"name\": \"s2\", \"prim\": \"source\", \"params\": {\"type\": \"val\", \"tokens\": \"1 2 S0 D\"}},"
                      "{\"name\": \"k\", \"prim\": \"sink\"},";
    const char *edges_ab = "{\"from\": \"s.out\", \"to\": \"op.a\"}, {\"from\": \"s2.out\", \"to\": \"op.b\"},"
                           "{\"from\": \"op.val\", \"to\": \"k.in\"}";
    const char *edges_a = "{\"from\": \"s.out\", \"to\": \"op.a\"}, {\"from\": \"s2.out\", \"to\": \"k2.in\"},"
                          "{\"from\": \"op.val\", \"to\": \"k.in\"}";
    char nodes[1024];
    snprintf(nodes, sizeof nodes, "%s{\"name\": \"op\", \"prim\": \"alu\", \"params\": {\"op\": \"mul\"}},"
             "{\"name\": \"k2\", \"prim\": \"sink\"}", src);
    expect_doc_error("", nodes, edges_a,
                     "node 'op' (alu): input 'b' is not connected (op 'mul' takes two operands", NULL);
    snprintf(nodes, sizeof nodes, "%s{\"name\": \"op\", \"prim\": \"alu\", \"params\": {\"op\": \"mul\", \"imm\": 0.5}}", src);
    expect_doc_error("", nodes, edges_ab, "node 'op' (alu): input 'b' is connected but unused (imm is given)", NULL);
    snprintf(nodes, sizeof nodes, "%s{\"name\": \"op\", \"prim\": \"alu\", \"params\": {\"op\": \"relu\"}}", src);
    expect_doc_error("", nodes, edges_ab,
                     "node 'op' (alu): input 'b' is connected but unused (op 'relu' takes one operand)", NULL);
    snprintf(nodes, sizeof nodes, "%s{\"name\": \"op\", \"prim\": \"alu\", \"params\": {\"op\": \"relu\", \"imm\": 1}},"
             "{\"name\": \"k2\", \"prim\": \"sink\"}", src);
    expect_doc_error("", nodes, edges_a, "node 'op' (alu): imm is given but op 'relu' takes one operand", NULL);
    /* The good forms: mul with b, mul with imm, relu alone. */
    const char *good[][2] = {
        {"{\"op\": \"mul\"}", "ab"}, {"{\"op\": \"mul\", \"imm\": -1.25}", "a"}, {"{\"op\": \"relu\"}", "a"}};
    for (int i = 0; i < 3; i++) {
        snprintf(nodes, sizeof nodes, "%s{\"name\": \"op\", \"prim\": \"alu\", \"params\": %s}%s", src,
                 good[i][0], strcmp(good[i][1], "a") == 0 ? ",{\"name\": \"k2\", \"prim\": \"sink\"}" : "");
        char *d = doc("", nodes, strcmp(good[i][1], "a") == 0 ? edges_a : edges_ab);
        ff_graph *g = load_ok(d);
        const ff_node *op = &g->nodes[node(g, "op")];
        assert_int_equal(op->in[0].type, FF_ST_VAL);
        if (i == 1) assert_int_equal(ff_node_param(op, "imm")->fx, -5 * (1 << 14));
        ff_graph_free(g);
        free(d);
    }
}

static void validate_source_tokens(void **state)
{
    (void)state;
    expect_doc_error("",
                     "{\"name\": \"s\", \"prim\": \"source\", \"params\": {\"type\": \"rep\", \"tokens\": \"R R 3 D\"}},"
                     "{\"name\": \"k\", \"prim\": \"sink\"}",
                     "{\"from\": \"s.out\", \"to\": \"k.in\"}",
                     "node 's' (source): tokens: token 2 '3'", NULL);
    expect_doc_error("",
                     "{\"name\": \"s\", \"prim\": \"source\", \"params\": {\"tokens\": \"D\"}},"
                     "{\"name\": \"k\", \"prim\": \"sink\"}",
                     "{\"from\": \"s.out\", \"to\": \"k.in\"}",
                     "node 's' (source): missing required param 'type'", NULL);
    /* Timed input with idle cycles is fine; the sink takes the source's type. */
    char *d = doc("",
                  "{\"name\": \"s\", \"prim\": \"source\", \"params\": {\"type\": \"rep\", \"tokens\": \"R _ S D\"}},"
                  "{\"name\": \"k\", \"prim\": \"sink\", \"params\": {\"ready\": \"0110\"}}",
                  "{\"from\": \"s.out\", \"to\": \"k.in\"}");
    ff_graph *g = load_ok(d);
    assert_int_equal(g->edges[0].type, FF_ST_REP);
    assert_int_equal(g->nodes[1].in[0].type, FF_ST_REP);
    assert_int_equal(g->nodes[0].out[0].type, FF_ST_REP);
    ff_graph_free(g);
    free(d);
}

/* ---- JSON -------------------------------------------------------------- */

static void json_doc_example_round_trips(void **state)
{
    (void)state;
    char *text = doc_example();
    ff_graph *g = load_ok(text);
    char *saved = ff_graph_to_json_string(g);
    assert_string_equal(saved, text); /* the document is in canonical form */

    /* The same graph built by API is equal and saves the same bytes. */
    ff_graph *b = build_spmv();
    ff_err err = {0};
    assert_int_equal(ff_graph_validate(b, &err), 0);
    assert_graph_equal(g, b);
    char *saved_b = ff_graph_to_json_string(b);
    assert_string_equal(saved_b, text);

    /* Through a file: save, load, save again: same bytes, equal graphs. */
    char *dir = make_tmpdir();
    char path[512], tmp[520];
    snprintf(path, sizeof path, "%s/spmv.json", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_equal(ff_graph_save_json(g, path, &err), 0);
    assert_int_equal(access(tmp, F_OK), -1);
    char *file = read_text(path);
    assert_string_equal(file, text);
    ff_graph *c = NULL;
    if (ff_graph_load_json(path, &c, &err)) fail_msg("%s", err.msg);
    assert_graph_equal(g, c);
    assert_int_equal(ff_graph_save_json(c, path, &err), 0);
    char *file2 = read_text(path);
    assert_string_equal(file2, text);

    /* Errors of the file layer. */
    snprintf(tmp, sizeof tmp, "%s/missing.json", dir);
    ff_graph *none = NULL;
    assert_int_equal(ff_graph_load_json(tmp, &none, &err), FF_EIO);
    assert_contains(err.msg, "missing.json: cannot open");
    assert_null(none);
    snprintf(tmp, sizeof tmp, "%s/no/such/dir/x.json", dir);
    assert_int_equal(ff_graph_save_json(g, tmp, &err), FF_EIO);
    assert_contains(err.msg, "cannot write");

    free(file);
    free(file2);
    free(saved);
    free(saved_b);
    free(text);
    ff_graph_free(g);
    ff_graph_free(b);
    ff_graph_free(c);
    rm_tmpdir(dir);
}

/* Every kind of param value, including fx values that no short decimal
 * spells exactly, survives save and load. */
static void json_params_round_trip(void **state)
{
    (void)state;
    for (int fb = 0; fb <= 30; fb += 2) {
        ff_graph *g = ff_graph_new("all \"params\"\n");
        g->frac_bits = fb;
        ff_err err = {0};
        ff_rng rng;
        ff_rng_seed(&rng, 42 + (uint64_t)fb);
        int s = add(g, "s", FF_PRIM_SCAN);
        int64_t seg[] = {0, 2, 5}, crd[] = {1, 3, 0, 2, 4};
        OK(ff_node_set_ints(g, s, "crd", crd, 5, E));
        OK(ff_node_set_ints(g, s, "seg", seg, 3, E));
        OK(ff_node_set_str(g, s, "tensor", "", E));
        OK(ff_node_set_int(g, s, "dim", 5, E));
        int a = add(g, "a", FF_PRIM_ARRAY);
        int64_t vals[40];
        vals[0] = FF_FX_MAX;
        vals[1] = FF_FX_MIN;
        vals[2] = 0;
        vals[3] = 1;
        vals[4] = -1;
        for (int k = 5; k < 40; k++) vals[k] = (int32_t)(uint32_t)ff_rng_next(&rng);
        OK(ff_node_set_ints(g, a, "vals", vals, 40, E));
        int m = add(g, "m", FF_PRIM_ALU);
        OK(ff_node_set_str(g, m, "op", "add", E));
        OK(ff_node_set_fx(g, m, "imm", ff_fx_from_double(0.1, fb), E));
        int r = add(g, "r", FF_PRIM_ROOT);
        int k = add(g, "k", FF_PRIM_SINK);
        int k2 = add(g, "k2", FF_PRIM_SINK);
        int acc = add(g, "acc", FF_PRIM_SPACC2);
        OK(ff_node_set_str(g, acc, "dim_inner", "T:1", E));
        OK(ff_node_set_int(g, acc, "dim_outer", 12, E));
        const char *shape[] = {"16", "U:1"};
        assert_int_equal(ff_graph_add_tensor(g, "T", 1, 2, "bcsr(4)", shape, &err), 0);
        assert_int_equal(ff_graph_add_tensor(g, "U", 0, 2, "cdc:1,0", NULL, &err), 1);
        conn(g, r, "ref", s, "ref_in", 0);
        conn(g, s, "ref", a, "ref", 7);
        conn(g, a, "val", m, "a", 0);
        conn(g, m, "val", k, "in", 0);
        conn(g, s, "crd", k2, "in", 0);
        /* spacc2 left unconnected: saving does not need a valid graph. */
        char *t1 = ff_graph_to_json_string(g);
        ff_graph *h = NULL;
        int rc = ff_graph_load_json_string(t1, "p.json", &h, &err);
        assert_int_equal(rc, FF_EINVAL);
        assert_contains(err.msg, "p.json: node 'acc' (spacc2): input 'crd_outer_in' is not connected");
        /* Drop the spacc2 and it loads; the values are bit-exact. */
        char *cut = strstr(t1, ",\n    {\"name\": \"acc\"");
        assert_non_null(cut);
        char *end = strstr(cut + 2, "\n");
        memmove(cut, end, strlen(end) + 1);
        h = load_ok(t1);
        const ff_param *hv = ff_node_param(&h->nodes[1], "vals");
        assert_int_equal(hv->nints, 40);
        for (int j = 0; j < 40; j++) assert_int_equal(hv->ints[j], vals[j]);
        assert_int_equal(ff_node_param(&h->nodes[2], "imm")->fx, ff_fx_from_double(0.1, fb));
        assert_int_equal(ff_node_int(&h->nodes[0], "dim"), 5);
        assert_string_equal(h->name, "all \"params\"\n");
        assert_string_equal(h->tensors[0].shape[0], "16");
        assert_string_equal(h->tensors[0].shape[1], "U:1");
        assert_int_equal(h->edges[1].depth, 7);
        char *t2 = ff_graph_to_json_string(h);
        assert_string_equal(t1, t2);
        ff_graph *h2 = load_ok(t2);
        assert_graph_equal(h, h2);
        free(t1);
        free(t2);
        ff_graph_free(g);
        ff_graph_free(h);
        ff_graph_free(h2);
    }
}

static void json_short_decimals(void **state)
{
    (void)state;
    /* A hand-written 0.1 stays 0.1 when saved; integers stay integers. */
    char *d = doc("",
                  "{\"name\": \"a\", \"prim\": \"array\", \"params\": {\"vals\": [0.1, 3, -2.5, 1e-3]}},"
                  "{\"name\": \"r\", \"prim\": \"root\"}, {\"name\": \"k\", \"prim\": \"sink\"}",
                  "{\"from\": \"r.ref\", \"to\": \"a.ref\"}, {\"from\": \"a.val\", \"to\": \"k.in\"}");
    ff_graph *g = load_ok(d);
    char *t = ff_graph_to_json_string(g);
    assert_contains(t, "\"vals\": [0.1, 3, -2.5, 0.001]");
    assert_int_equal(ff_node_param(&g->nodes[0], "vals")->ints[1], 3 << 16);
    free(t);
    free(d);
    ff_graph_free(g);
}

static void json_malformed_has_line_col(void **state)
{
    (void)state;
    const char *bad = "{\n  \"fuseflow\": \"graph\",\n  \"version\": 1\n  \"name\": \"x\"\n}\n";
    expect_load_error(bad, "t.json:4:", NULL);
    ff_graph *g = NULL;
    ff_err err = {0};
    assert_int_equal(ff_graph_load_json_string(bad, "t.json", &g, &err), FF_EINVAL);
    /* jansson: line 4, column at the end of the offending token. */
    assert_true(strncmp(err.msg, "t.json:4:8: ", 12) == 0 || strncmp(err.msg, "t.json:4:", 9) == 0);
    char *dir = make_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/bad.json", dir);
    write_text(path, bad);
    assert_int_equal(ff_graph_load_json(path, &g, &err), FF_EINVAL);
    char want[600];
    snprintf(want, sizeof want, "%s:4:", path);
    assert_true(strncmp(err.msg, want, strlen(want)) == 0);
    assert_null(g);
    rm_tmpdir(dir);

    expect_load_error("{\"a\": 1, \"a\": 2}", "t.json:1:", "duplicate");
    expect_load_error("", "t.json:", NULL);
    expect_load_error("[1, 2]", "t.json: the top level must be an object, got a list", NULL);
}

static void json_rejects_bad_structure(void **state)
{
    (void)state;
    char *spmv = doc_example();
    struct {
        const char *old, *new_, *needle;
    } cases[] = {
        {"\"version\": 1,", "\"version\": 1, \"extra\": 0,", "t.json: top level: unknown key 'extra' (expected: fuseflow, version"},
        {"\"version\": 1,", "\"version\": 2,", "t.json: unsupported version 2 (this build reads version 1)"},
        {"\"version\": 1,", "\"version\": \"1\",", "t.json: 'version' must be an integer, got a string"},
        {"\"version\": 1,", "", "t.json: missing field 'version'"},
        {"\"fuseflow\": \"graph\"", "\"fuseflow\": \"tensor\"", "t.json: \"fuseflow\" is \"tensor\", not \"graph\""},
        {"\"frac_bits\": 16", "\"frac_bits\": 31", "t.json: 'frac_bits' = 31 out of range 0..30"},
        {"\"name\": \"spmv\",", "", "t.json: missing field 'name'"},
        {"\"role\": \"input\", \"order\": 2", "\"role\": \"in\", \"order\": 2", "t.json: tensors[0] ('A'): role 'in' must be \"input\" or \"output\""},
        {"\"role\": \"input\", \"order\": 2", "\"role\": \"input\"", "t.json: tensors[0] ('A'): missing field 'order'"},
        {"\"format\": \"csr\"}", "\"format\": \"csr\", \"fmt\": 1}", "t.json: tensors[0] ('A'): unknown key 'fmt'"},
        {"\"shape\": [\"A:0\"]", "\"shape\": [\"A:0\", 3]", "t.json: tensors[2] ('y'): shape has 2 entries, order is 1"},
        {"\"shape\": [\"A:0\"]", "\"shape\": [true]", "shape[0] must be an integer or a string"},
        {"{\"name\": \"sum_j\", \"prim\": \"reduce\"}", "{\"name\": \"sum_j\"}", "t.json: nodes[10] ('sum_j'): missing field 'prim'"},
        {"{\"name\": \"sum_j\", \"prim\": \"reduce\"}", "{\"name\": \"sum_j\", \"prim\": \"reducer\"}", "t.json: nodes[10] ('sum_j'): unknown prim 'reducer' (prims: root, scan,"},
        {"{\"name\": \"sum_j\", \"prim\": \"reduce\"}", "{\"name\": \"sum_j\", \"prim\": \"reduce\", \"parms\": {}}", "nodes[10] ('sum_j'): unknown key 'parms' (expected: name, prim, params)"},
        {"{\"name\": \"sum_j\", \"prim\": \"reduce\"}", "{\"name\": \"sum_j\", \"prim\": \"reduce\", \"params\": []}", "'params' must be an object, got a list"},
        {"{\"name\": \"sum_j\", \"prim\": \"reduce\"}", "{\"name\": \"mul\", \"prim\": \"reduce\"}", "t.json: node 'mul': name used twice"},
        {"{\"name\": \"sum_j\", \"prim\": \"reduce\"}", "{\"name\": \"sum.j\", \"prim\": \"reduce\"}", "bad name"},
        {"{\"from\": \"sum_j.val\", \"to\": \"y_vals.val\"}", "{\"from\": \"sum_j\", \"to\": \"y_vals.val\"}", "t.json: edges[17] (sum_j -> y_vals.val): 'from' must be \"node.port\", got 'sum_j'"},
        {"{\"from\": \"sum_j.val\", \"to\": \"y_vals.val\"}", "{\"from\": \"sum_j.val\", \"to\": \"y.val\"}", "t.json: edges[17] (sum_j.val -> y.val): unknown node 'y'"},
        {"{\"from\": \"sum_j.val\", \"to\": \"y_vals.val\"}", "{\"from\": \"sum_j.val\"}", "t.json: edges[17]: missing field 'to'"},
        {"{\"from\": \"sum_j.val\", \"to\": \"y_vals.val\"}", "{\"from\": \"sum_j.val\", \"to\": \"y_vals.val\", \"depth\": -1}", "'depth' = -1 out of range"},
        {"{\"from\": \"sum_j.val\", \"to\": \"y_vals.val\"}", "{\"from\": \"sum_j.val\", \"to\": \"y_vals.val\", \"fifo\": 2}", "edges[17] (sum_j.val -> y_vals.val): unknown key 'fifo'"},
        {"{\"from\": \"sum_j.val\", \"to\": \"y_vals.val\"}", "7", "t.json: edges[17]: must be an object, got an integer"},
        {"\"params\": {\"tensor\": \"A\", \"level\": 1}", "\"params\": {\"tensor\": 3, \"level\": 1}", "node 'A_j' (scan): param 'tensor' takes a string, got an integer"},
        {"\"params\": {\"tensor\": \"A\", \"level\": 1}", "\"params\": {\"tensor\": \"A\", \"level\": 1.0}", "param 'level' takes an integer, got a real number"},
        {"\"params\": {\"tensor\": \"A\", \"level\": 1}", "\"params\": {\"tensor\": \"A\", \"level\": 1, \"seg\": [0, \"2\"]}", "node 'A_j' (scan): param 'seg'[1]: takes an integer, got a string"},
        {"\"params\": {\"tensor\": \"A\", \"level\": 1}", "\"params\": {\"tensor\": \"A\", \"level\": 1, \"seg\": 3}", "param 'seg' takes a list of integers, got an integer"},
        {"\"params\": {\"tensor\": \"A\", \"level\": 1}", "\"params\": {\"tensor\": \"A\", \"level\": 1, \"dim\": true}", "param 'dim' takes an integer or a string \"T:m\", got a boolean"},
        {"{\"op\": \"mul\"}", "{\"op\": \"mul\", \"imm\": \"2\"}", "param 'imm' takes a number, got a string"},
        {"{\"tensor\": \"x\"}}", "{\"tensor\": \"x\", \"vals\": [1, null]}}", "param 'vals'[1]: takes a number, got null"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *bad = replace(spmv, cases[i].old, cases[i].new_);
        expect_load_error(bad, cases[i].needle, NULL);
        free(bad);
    }
    free(spmv);
}

/* ---- DOT --------------------------------------------------------------- */

static char *dot_text(const ff_graph *g)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    assert_non_null(f);
    ff_err err = {0};
    assert_int_equal(ff_graph_write_dot(g, f, &err), 0);
    fclose(f);
    return buf;
}

/* If the dot binary exists, it must accept the text without a word. */
static void check_with_graphviz(const char *text)
{
    if (system("command -v dot >/dev/null 2>&1") != 0) return;
    char *dir = make_tmpdir();
    char path[512], cmd[2048], errpath[600], svg[600];
    snprintf(path, sizeof path, "%s/g.dot", dir);
    snprintf(errpath, sizeof errpath, "%s/err.txt", dir);
    snprintf(svg, sizeof svg, "%s/g.svg", dir);
    write_text(path, text);
    snprintf(cmd, sizeof cmd, "dot -Tsvg '%s' -o '%s' 2>'%s'", path, svg, errpath);
    int rc = system(cmd);
    char *msgs = read_text(errpath);
    if (rc != 0 || (msgs && *msgs)) fail_msg("dot rejected the graph (rc %d): %s", rc, msgs ? msgs : "");
    struct stat st;
    assert_int_equal(stat(svg, &st), 0);
    assert_true(st.st_size > 100);
    free(msgs);
    rm_tmpdir(dir);
}

static void dot_lists_ports_and_colours(void **state)
{
    (void)state;
    char *text = doc_example();
    ff_graph *g = load_ok(text);
    char *dot = dot_text(g);
    assert_contains(dot, "digraph \"spmv\" {");
    assert_contains(dot, "\"j_and\" [label=\"{{<i_crd0> crd0|<i_crd1> crd1|<i_ref0> ref0|<i_ref1> ref1}|"
                         "j_and\\nintersect n=2|{<o_crd> crd|<o_ref0> ref0|<o_ref1> ref1}}\"];");
    assert_contains(dot, "\"A_i\" [label=\"{{<i_ref_in> ref_in}|A_i\\nscan tensor=A level=0 format=dense|"
                         "{<o_crd> crd|<o_ref> ref}}\"];");
    assert_contains(dot, "\"root\" [label=\"{root\\nroot|{<o_ref> ref}}\"];");
    assert_contains(dot, "\"j_crd\" [label=\"{{<i_in> in}|j_crd\\nsink}\", style=dashed];");
    assert_contains(dot, "\"A_i\":\"o_ref\":s -> \"A_j\":\"i_ref_in\":n [color=\"green4\", fontcolor=\"green4\", label=\"ref depth=4\"];");
    assert_contains(dot, "\"A_j\":\"o_crd\":s -> \"j_and\":\"i_crd0\":n [color=\"blue\", fontcolor=\"blue\", label=\"crd\"];");
    assert_contains(dot, "\"A_val\":\"o_val\":s -> \"mul\":\"i_a\":n [color=\"red\", fontcolor=\"red\", label=\"val\"];");
    assert_contains(dot, "\"i_rep\":\"o_rep\":s -> \"x_root\":\"i_rep\":n [color=\"orange\"");
    assert_contains(dot, "\"A_i\":\"o_crd\":s -> \"i_rep\":\"i_in\":n [color=\"blue\"");
    check_with_graphviz(dot);
    free(dot);
    ff_graph_free(g);
    free(text);
}

static void dot_draws_invalid_graphs(void **state)
{
    (void)state;
    /* Unvalidated, with a bad port, odd names and long inline data. */
    ff_graph *g = ff_graph_new("we\"ird {name}");
    ff_err err = {0};
    int s = add(g, "s-1", FF_PRIM_SCAN);
    int64_t crd[64];
    for (int i = 0; i < 64; i++) crd[i] = i * 1000;
    OK(ff_node_set_ints(g, s, "crd", crd, 64, E));
    int a = add(g, "a", FF_PRIM_ARRAY);
    int u = add(g, "u", FF_PRIM_UNION);
    OK(ff_node_set_int(g, u, "n", 3, E));
    int src = add(g, "src", FF_PRIM_SOURCE);
    OK(ff_node_set_str(g, src, "tokens", "0 | 1 D", E));
    conn(g, s, "ref", a, "ref", 0);
    conn(g, s, "crdx", a, "ref", 2);
    conn(g, src, "out", u, "crd2", 0);
    assert_int_equal(ff_graph_validate(g, &err), FF_EINVAL);
    char *dot = dot_text(g);
    assert_contains(dot, "digraph \"we\\\"ird {name}\" {");
    assert_contains(dot, "<i_crd2> crd2");
    assert_contains(dot, "<o_ref2> ref2");
    assert_contains(dot, "\"s-1\" -> \"a\":\"i_ref\":n"); /* no port 'crdx' */
    assert_contains(dot, "\"s-1\":\"o_ref\":s -> \"a\":\"i_ref\":n [color=\"green4\"");
    assert_contains(dot, "tokens=0 \\| 1 D");
    assert_contains(dot, "...");
    check_with_graphviz(dot);
    free(dot);
    ff_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prims_table_is_sane),
        cmocka_unit_test(graph_build_spmv_validates),
        cmocka_unit_test(graph_build_rejects_bad_calls),
        cmocka_unit_test(validate_unknown_param),
        cmocka_unit_test(validate_unconnected_input),
        cmocka_unit_test(validate_type_mismatch),
        cmocka_unit_test(validate_untyped_cycle),
        cmocka_unit_test(validate_family_size),
        cmocka_unit_test(validate_undeclared_tensor),
        cmocka_unit_test(validate_fed_twice),
        cmocka_unit_test(validate_output_without_consumer_is_allowed),
        cmocka_unit_test(validate_unknown_port),
        cmocka_unit_test(validate_enum_and_required),
        cmocka_unit_test(validate_alu_operands),
        cmocka_unit_test(validate_source_tokens),
        cmocka_unit_test(json_doc_example_round_trips),
        cmocka_unit_test(json_params_round_trip),
        cmocka_unit_test(json_short_decimals),
        cmocka_unit_test(json_malformed_has_line_col),
        cmocka_unit_test(json_rejects_bad_structure),
        cmocka_unit_test(dot_lists_ports_and_colours),
        cmocka_unit_test(dot_draws_invalid_graphs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
