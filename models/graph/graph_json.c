/*
 * graph_json.c -- the JSON form of a graph (docs/graph-format.md).
 *
 * Loading goes through jansson: syntax errors carry jansson's line:column;
 * after parsing, structure errors name the JSON path ("nodes[3] ('A_j')") and
 * everything else is built through the public API and checked by
 * ff_graph_validate, so a loaded graph and a built one obey the same rules.
 *
 * Saving does not go through jansson: the text is written here, in one fixed
 * layout (key order fixed, indent 2, one tensor/node/edge per line, params in
 * the order they were set), so that saving is byte-stable and diffs stay
 * small. fx values are written as the shortest decimal that loads back to
 * the same value (see ff_fx_json_text).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "graph_int.h"

/* ---- fx text ----------------------------------------------------------- */

/* Does text spell a JSON number with integer syntax (no '.', 'e')? */
static int int_syntax(const char *text)
{
    const char *p = text + (*text == '-');
    if (!*p) return 0;
    for (; *p; p++)
        if (*p < '0' || *p > '9') return 0;
    return 1;
}

/* Is text a JSON number: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)? */
static int json_number_syntax(const char *p)
{
    if (*p == '-') p++;
    if (*p == '0') p++;
    else if (*p >= '1' && *p <= '9') while (*p >= '0' && *p <= '9') p++;
    else return 0;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9') return 0;
        while (*p >= '0' && *p <= '9') p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (*p < '0' || *p > '9') return 0;
        while (*p >= '0' && *p <= '9') p++;
    }
    return *p == '\0';
}

ff_fx ff_fx_from_json_text(const char *text, int frac_bits)
{
    if (int_syntax(text)) {
        errno = 0;
        long long v = strtoll(text, NULL, 10);
        if (errno == 0) return ff_fx_from_int(v, frac_bits);
    }
    return ff_fx_from_double(strtod(text, NULL), frac_bits);
}

void ff_fx_json_text(ff_fx v, int frac_bits, char *buf, size_t n)
{
    char tmp[64];
    int w = ff_fx_format(v, frac_bits, tmp, (int)sizeof tmp);
    if (w > 0 && w < (int)sizeof tmp && json_number_syntax(tmp) &&
        ff_fx_from_json_text(tmp, frac_bits) == v) {
        snprintf(buf, n, "%s", tmp);
        return;
    }
    /* The exact expansion: v / 2^F has at most F decimals, and a double
     * holds it exactly, so strtod and ff_fx_from_double give v back. */
    int64_t mag = v < 0 ? -(int64_t)v : (int64_t)v;
    int64_t mask = ((int64_t)1 << frac_bits) - 1, frac = mag & mask;
    int len = snprintf(tmp, sizeof tmp, "%s%lld", v < 0 ? "-" : "", (long long)(mag >> frac_bits));
    if (frac) tmp[len++] = '.';
    while (frac && len < (int)sizeof tmp - 1) {
        frac *= 10;
        tmp[len++] = (char)('0' + (frac >> frac_bits));
        frac &= mask;
    }
    tmp[len] = '\0';
    snprintf(buf, n, "%s", tmp);
}

/* ---- loading ----------------------------------------------------------- */

static const char *json_what(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "a list";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a real number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "?";
}

/* Rejects keys of obj that are not in `keys` (NULL-terminated). */
static int check_keys(const json_t *obj, const char *const *keys, const char *origin,
                      const char *where, ff_err *err)
{
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)obj, key, val) {
        int k = 0;
        while (keys[k] && strcmp(keys[k], key) != 0) k++;
        if (keys[k]) continue;
        char list[300] = "";
        for (k = 0; keys[k]; k++) {
            size_t len = strlen(list);
            snprintf(list + len, sizeof list - len, "%s%s", k ? ", " : "", keys[k]);
        }
        return ff_err_set(err, FF_EINVAL, "%s: %sunknown key '%s' (expected: %s)", origin, where,
                          key, list);
    }
    return 0;
}

/* obj[key] as a string; required or optional (*out NULL when absent). */
static int get_str(const json_t *obj, const char *key, int required, const char **out,
                   const char *origin, const char *where, ff_err *err)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v) {
        if (!required) return 0;
        return ff_err_set(err, FF_EINVAL, "%s: %smissing field '%s'", origin, where, key);
    }
    if (!json_is_string(v))
        return ff_err_set(err, FF_EINVAL, "%s: %s'%s' must be a string, got %s", origin, where, key,
                          json_what(v));
    *out = json_string_value(v);
    return 0;
}

/* obj[key] as an integer in lo..hi; *present says whether it was given. */
static int get_int(const json_t *obj, const char *key, int required, long long lo, long long hi,
                   long long *out, int *present, const char *origin, const char *where, ff_err *err)
{
    json_t *v = json_object_get(obj, key);
    if (present) *present = v != NULL;
    if (!v) {
        if (!required) return 0;
        return ff_err_set(err, FF_EINVAL, "%s: %smissing field '%s'", origin, where, key);
    }
    if (!json_is_integer(v))
        return ff_err_set(err, FF_EINVAL, "%s: %s'%s' must be an integer, got %s", origin, where,
                          key, json_what(v));
    long long x = json_integer_value(v);
    if (x < lo || x > hi)
        return ff_err_set(err, FF_EINVAL, "%s: %s'%s' = %lld out of range %lld..%lld", origin, where,
                          key, x, lo, hi);
    *out = x;
    return 0;
}

static int get_array(const json_t *obj, const char *key, int required, json_t **out,
                     const char *origin, const char *where, ff_err *err)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v) {
        if (!required) return 0;
        return ff_err_set(err, FF_EINVAL, "%s: %smissing field '%s'", origin, where, key);
    }
    if (!json_is_array(v))
        return ff_err_set(err, FF_EINVAL, "%s: %s'%s' must be a list, got %s", origin, where, key,
                          json_what(v));
    *out = v;
    return 0;
}

static ff_fx json_fx(const json_t *v, int frac_bits)
{
    if (json_is_integer(v)) return ff_fx_from_int(json_integer_value(v), frac_bits);
    return ff_fx_from_double(json_real_value(v), frac_bits);
}

/* tensors[i] */
static int load_tensor(ff_graph *g, const json_t *t, size_t i, const char *origin, ff_err *err)
{
    static const char *const keys[] = {"name", "role", "order", "format", "shape", NULL};
    char where[300];
    snprintf(where, sizeof where, "tensors[%zu]: ", i);
    if (!json_is_object(t))
        return ff_err_set(err, FF_EINVAL, "%s: %smust be an object, got %s", origin, where, json_what(t));
    const char *name, *role, *format;
    int rc = get_str(t, "name", 1, &name, origin, where, err);
    if (rc) return rc;
    snprintf(where, sizeof where, "tensors[%zu] ('%s'): ", i, name);
    long long order = 0;
    json_t *shape;
    if ((rc = check_keys(t, keys, origin, where, err)) ||
        (rc = get_str(t, "role", 1, &role, origin, where, err)) ||
        (rc = get_int(t, "order", 1, 0, 6, &order, NULL, origin, where, err)) ||
        (rc = get_str(t, "format", 1, &format, origin, where, err)) ||
        (rc = get_array(t, "shape", 0, &shape, origin, where, err)))
        return rc;
    if (strcmp(role, "input") != 0 && strcmp(role, "output") != 0)
        return ff_err_set(err, FF_EINVAL, "%s: %srole '%s' must be \"input\" or \"output\"", origin,
                          where, role);
    char texts[6][32];
    const char *dims[6] = {0};
    if (shape) {
        if (json_array_size(shape) != (size_t)order)
            return ff_err_set(err, FF_EINVAL, "%s: %sshape has %zu entries, order is %lld", origin,
                              where, json_array_size(shape), order);
        for (size_t m = 0; m < (size_t)order; m++) {
            json_t *d = json_array_get(shape, m);
            if (json_is_integer(d)) {
                snprintf(texts[m], sizeof texts[m], "%lld", (long long)json_integer_value(d));
                dims[m] = texts[m];
            } else if (json_is_string(d)) {
                dims[m] = json_string_value(d);
            } else {
                return ff_err_set(err, FF_EINVAL,
                                  "%s: %sshape[%zu] must be an integer or a string \"T:m\", got %s",
                                  origin, where, m, json_what(d));
            }
        }
    }
    rc = ff_graph_add_tensor(g, name, strcmp(role, "output") == 0, (int)order, format,
                             shape ? dims : NULL, err);
    return rc < 0 ? ff_err_wrap(err, "%s: ", origin) : 0;
}

/* One param value, converted by the type the table gives the key. */
static int load_param(ff_graph *g, int ni, const char *key, const json_t *v, const char *origin,
                      ff_err *err)
{
    const ff_param_spec *ps = NULL;
    int rc = ff_node_param_spec(g, ni, key, &ps, err);
    if (rc) return ff_err_wrap(err, "%s: ", origin);
    const ff_node *n = &g->nodes[ni];
    int ok = 0;
    switch (ps->type) {
    case FF_PT_INT:
        if ((ok = json_is_integer(v))) rc = ff_node_set_int(g, ni, key, json_integer_value(v), err);
        break;
    case FF_PT_STR:
    case FF_PT_ENUM:
        if ((ok = json_is_string(v))) rc = ff_node_set_str(g, ni, key, json_string_value(v), err);
        break;
    case FF_PT_DIM:
        if (json_is_integer(v)) ok = 1, rc = ff_node_set_int(g, ni, key, json_integer_value(v), err);
        else if (json_is_string(v)) ok = 1, rc = ff_node_set_str(g, ni, key, json_string_value(v), err);
        break;
    case FF_PT_FX:
        if ((ok = json_is_number(v))) rc = ff_node_set_fx(g, ni, key, json_fx(v, g->frac_bits), err);
        break;
    case FF_PT_INTS:
    case FF_PT_FXS: {
        if (!json_is_array(v)) break;
        size_t cnt = json_array_size(v);
        int64_t *vals = ff_xmalloc(sizeof *vals * (cnt ? cnt : 1));
        ok = 1;
        for (size_t k = 0; k < cnt && ok; k++) {
            json_t *x = json_array_get(v, k);
            if (ps->type == FF_PT_INTS ? !json_is_integer(x) : !json_is_number(x)) {
                rc = ff_err_set(err, FF_EINVAL, "node '%s' (%s): param '%s'[%zu]: takes %s, got %s",
                                n->name, ff_prim_get(n->kind)->name, key, k,
                                ps->type == FF_PT_INTS ? "an integer" : "a number", json_what(x));
                break;
            }
            vals[k] = ps->type == FF_PT_INTS ? json_integer_value(x) : json_fx(x, g->frac_bits);
        }
        if (!rc) rc = ff_node_set_ints(g, ni, key, vals, cnt, err);
        free(vals);
        break;
    }
    }
    if (!ok)
        rc = ff_err_set(err, FF_EINVAL, "node '%s' (%s): param '%s' takes %s, got %s", n->name,
                        ff_prim_get(n->kind)->name, key, ff_param_wants(ps), json_what(v));
    return rc ? ff_err_wrap(err, "%s: ", origin) : 0;
}

/* nodes[i] */
static int load_node(ff_graph *g, const json_t *nd, size_t i, const char *origin, ff_err *err)
{
    static const char *const keys[] = {"name", "prim", "params", NULL};
    char where[300];
    snprintf(where, sizeof where, "nodes[%zu]: ", i);
    if (!json_is_object(nd))
        return ff_err_set(err, FF_EINVAL, "%s: %smust be an object, got %s", origin, where, json_what(nd));
    const char *name, *prim;
    int rc = get_str(nd, "name", 1, &name, origin, where, err);
    if (rc) return rc;
    snprintf(where, sizeof where, "nodes[%zu] ('%s'): ", i, name);
    if ((rc = check_keys(nd, keys, origin, where, err)) ||
        (rc = get_str(nd, "prim", 1, &prim, origin, where, err)))
        return rc;
    int kind = ff_prim_lookup(prim);
    if (kind < 0) {
        char list[600] = "";
        for (int k = 0; k < FF_PRIM__COUNT; k++) {
            size_t len = strlen(list);
            snprintf(list + len, sizeof list - len, "%s%s", k ? ", " : "",
                     ff_prim_get((ff_prim_kind)k)->name);
        }
        return ff_err_set(err, FF_EINVAL, "%s: %sunknown prim '%s' (prims: %s)", origin, where, prim,
                          list);
    }
    json_t *params = json_object_get(nd, "params");
    if (params && !json_is_object(params))
        return ff_err_set(err, FF_EINVAL, "%s: %s'params' must be an object, got %s", origin, where,
                          json_what(params));
    int ni = ff_graph_add_node(g, name, (ff_prim_kind)kind, err);
    if (ni < 0) return ff_err_wrap(err, "%s: ", origin);
    const char *key;
    json_t *v;
    /* jansson keeps an object's keys in document order: params stay in the
     * order the file gives them. */
    json_object_foreach(params, key, v)
        if ((rc = load_param(g, ni, key, v, origin, err))) return rc;
    return 0;
}

/* "node.port" -> node index and port name (points into s). */
static int split_end(const ff_graph *g, const char *s, const char *field, int *node,
                     const char **port, char *nodebuf, size_t nb, const char *origin,
                     const char *where, ff_err *err)
{
    const char *dot = strchr(s, '.');
    if (!dot || dot == s || !dot[1] || strchr(dot + 1, '.'))
        return ff_err_set(err, FF_EINVAL, "%s: %s'%s' must be \"node.port\", got '%s'", origin, where,
                          field, s);
    snprintf(nodebuf, nb, "%.*s", (int)(dot - s), s);
    *node = ff_graph_find_node(g, nodebuf);
    *port = dot + 1;
    if (*node < 0)
        return ff_err_set(err, FF_EINVAL, "%s: %sunknown node '%s'", origin, where, nodebuf);
    return 0;
}

/* edges[i] */
static int load_edge(ff_graph *g, const json_t *ed, size_t i, const char *origin, ff_err *err)
{
    static const char *const keys[] = {"from", "to", "depth", NULL};
    char where[600];
    snprintf(where, sizeof where, "edges[%zu]: ", i);
    if (!json_is_object(ed))
        return ff_err_set(err, FF_EINVAL, "%s: %smust be an object, got %s", origin, where, json_what(ed));
    const char *from, *to, *fport, *tport;
    int rc;
    if ((rc = get_str(ed, "from", 1, &from, origin, where, err)) ||
        (rc = get_str(ed, "to", 1, &to, origin, where, err)))
        return rc;
    snprintf(where, sizeof where, "edges[%zu] (%.200s -> %.200s): ", i, from, to);
    long long depth = 0;
    int fn, tn;
    char fb[256], tb[256];
    if ((rc = check_keys(ed, keys, origin, where, err)) ||
        (rc = get_int(ed, "depth", 0, 0, 1 << 20, &depth, NULL, origin, where, err)) ||
        (rc = split_end(g, from, "from", &fn, &fport, fb, sizeof fb, origin, where, err)) ||
        (rc = split_end(g, to, "to", &tn, &tport, tb, sizeof tb, origin, where, err)))
        return rc;
    rc = ff_graph_connect(g, fn, fport, tn, tport, (int)depth, err);
    return rc < 0 ? ff_err_wrap(err, "%s: ", origin) : 0;
}

static int from_json(const json_t *root, const char *origin, ff_graph **out, ff_err *err)
{
    static const char *const keys[] = {"fuseflow", "version", "name", "frac_bits", "reference",
                                       "tensors", "nodes", "edges", NULL};
    if (!json_is_object(root))
        return ff_err_set(err, FF_EINVAL, "%s: the top level must be an object, got %s", origin,
                          json_what(root));
    const char *magic, *name, *ref;
    long long version = 0, frac = FF_FX_DEFAULT_FRAC;
    json_t *tensors, *nodes, *edges;
    int rc;
    if ((rc = check_keys(root, keys, origin, "top level: ", err)) ||
        (rc = get_str(root, "fuseflow", 1, &magic, origin, "", err)))
        return rc;
    if (strcmp(magic, "graph") != 0)
        return ff_err_set(err, FF_EINVAL, "%s: \"fuseflow\" is \"%s\", not \"graph\"", origin, magic);
    if ((rc = get_int(root, "version", 1, LLONG_MIN, LLONG_MAX, &version, NULL, origin, "", err)))
        return rc;
    if (version != 1)
        return ff_err_set(err, FF_EINVAL, "%s: unsupported version %lld (this build reads version 1)",
                          origin, version);
    if ((rc = get_str(root, "name", 1, &name, origin, "", err)) ||
        (rc = get_int(root, "frac_bits", 0, 0, 30, &frac, NULL, origin, "", err)) ||
        (rc = get_str(root, "reference", 0, &ref, origin, "", err)) ||
        (rc = get_array(root, "tensors", 0, &tensors, origin, "", err)) ||
        (rc = get_array(root, "nodes", 1, &nodes, origin, "", err)) ||
        (rc = get_array(root, "edges", 1, &edges, origin, "", err)))
        return rc;
    ff_graph *g = ff_graph_new(name);
    g->frac_bits = (int)frac;
    if (ref) g->reference = ff_xstrdup(ref);
    size_t i;
    json_t *v;
    json_array_foreach(tensors, i, v)
        if ((rc = load_tensor(g, v, i, origin, err))) goto fail;
    json_array_foreach(nodes, i, v)
        if ((rc = load_node(g, v, i, origin, err))) goto fail;
    json_array_foreach(edges, i, v)
        if ((rc = load_edge(g, v, i, origin, err))) goto fail;
    *out = g;
    return 0;
fail:
    ff_graph_free(g);
    return rc;
}

static int load_buffer(const char *text, size_t len, const char *origin, ff_graph **out,
                       ff_err *err)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) return ff_err_set(err, FF_EINVAL, "%s:%d:%d: %s", origin, je.line, je.column, je.text);
    ff_graph *g = NULL;
    int rc = from_json(root, origin, &g, err);
    json_decref(root);
    if (rc) return rc;
    if ((rc = ff_graph_validate(g, err))) {
        ff_err_wrap(err, "%s: ", origin);
        ff_graph_free(g);
        return rc;
    }
    *out = g;
    return 0;
}

int ff_graph_load_json_string(const char *text, const char *origin, ff_graph **out, ff_err *err)
{
    if (!origin) origin = "<string>";
    if (!text) return ff_err_set(err, FF_EINVAL, "%s: no text", origin);
    return load_buffer(text, strlen(text), origin, out, err);
}

int ff_graph_load_json(const char *path, ff_graph **out, ff_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return ff_err_set(err, FF_EIO, "%s: cannot open: %s", path, strerror(errno));
    FF_VEC(char) buf = {0};
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        FF_VEC_RESERVE(buf, buf.len + got);
        memcpy(buf.data + buf.len, chunk, got);
        buf.len += got;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf.data);
        return ff_err_set(err, FF_EIO, "%s: read error", path);
    }
    int rc = load_buffer(buf.data ? buf.data : "", buf.len, path, out, err);
    free(buf.data);
    return rc;
}

/* ---- saving ------------------------------------------------------------ */

typedef FF_VEC(char) sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
    FF_VEC_RESERVE(*b, b->len + n + 1);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void sb_cat(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

static void sb_int(sbuf *b, long long v)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%lld", v);
    sb_cat(b, tmp);
}

/* A JSON string literal. Bytes >= 0x80 pass through: strings are UTF-8. */
static void sb_str(sbuf *b, const char *s)
{
    sb_cat(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': sb_cat(b, "\\\""); break;
        case '\\': sb_cat(b, "\\\\"); break;
        case '\n': sb_cat(b, "\\n"); break;
        case '\r': sb_cat(b, "\\r"); break;
        case '\t': sb_cat(b, "\\t"); break;
        case '\b': sb_cat(b, "\\b"); break;
        case '\f': sb_cat(b, "\\f"); break;
        default:
            if (*p < 0x20) {
                char u[8];
                snprintf(u, sizeof u, "\\u%04x", *p);
                sb_cat(b, u);
            } else {
                sb_put(b, (const char *)p, 1);
            }
        }
    }
    sb_cat(b, "\"");
}

static void sb_fx(sbuf *b, ff_fx v, int frac_bits)
{
    char t[64];
    ff_fx_json_text(v, frac_bits, t, sizeof t);
    sb_cat(b, t);
}

static void sb_dim(sbuf *b, const char *text)
{
    int64_t num;
    if (ff_dim_parse(text, &num, NULL, NULL, NULL) == 1) sb_int(b, num);
    else sb_str(b, text);
}

static void sb_param(sbuf *b, const ff_param *p, int frac_bits)
{
    switch (p->type) {
    case FF_PT_INT: sb_int(b, p->i); break;
    case FF_PT_STR:
    case FF_PT_ENUM: sb_str(b, p->s ? p->s : ""); break;
    case FF_PT_FX: sb_fx(b, p->fx, frac_bits); break;
    case FF_PT_DIM:
        if (p->s) sb_str(b, p->s);
        else sb_int(b, p->i);
        break;
    case FF_PT_INTS:
    case FF_PT_FXS:
        sb_cat(b, "[");
        for (size_t k = 0; k < p->nints; k++) {
            if (k) sb_cat(b, ", ");
            if (p->type == FF_PT_INTS) sb_int(b, p->ints[k]);
            else sb_fx(b, (ff_fx)p->ints[k], frac_bits);
        }
        sb_cat(b, "]");
        break;
    }
}

char *ff_graph_to_json_string(const ff_graph *g)
{
    const ff_graph_int *gi = FF_GIC(g);
    sbuf b = {0};
    sb_cat(&b, "{\n  \"fuseflow\": \"graph\",\n  \"version\": 1,\n  \"name\": ");
    sb_str(&b, g->name ? g->name : "");
    sb_cat(&b, ",\n  \"frac_bits\": ");
    sb_int(&b, g->frac_bits);
    sb_cat(&b, ",\n");
    if (g->reference) {
        sb_cat(&b, "  \"reference\": ");
        sb_str(&b, g->reference);
        sb_cat(&b, ",\n");
    }
    sb_cat(&b, "  \"tensors\": [");
    for (int t = 0; t < g->ntensors; t++) {
        const ff_gtensor *gt = &g->tensors[t];
        sb_cat(&b, t ? ",\n    {\"name\": " : "\n    {\"name\": ");
        sb_str(&b, gt->name);
        sb_cat(&b, gt->is_output ? ", \"role\": \"output\", \"order\": " : ", \"role\": \"input\", \"order\": ");
        sb_int(&b, gt->order);
        sb_cat(&b, ", \"format\": ");
        sb_str(&b, gt->format ? gt->format : "");
        if (gt->order > 0 && gt->order <= 6 && gt->shape[0]) {
            sb_cat(&b, ", \"shape\": [");
            for (int m = 0; m < gt->order; m++) {
                if (m) sb_cat(&b, ", ");
                sb_dim(&b, gt->shape[m] ? gt->shape[m] : "0");
            }
            sb_cat(&b, "]");
        }
        sb_cat(&b, "}");
    }
    sb_cat(&b, g->ntensors ? "\n  ],\n" : "],\n");
    sb_cat(&b, "  \"nodes\": [");
    for (int i = 0; i < g->nnodes; i++) {
        const ff_node *n = &g->nodes[i];
        const ff_prim_info *info = ff_prim_get(n->kind);
        sb_cat(&b, i ? ",\n    {\"name\": " : "\n    {\"name\": ");
        sb_str(&b, n->name);
        sb_cat(&b, ", \"prim\": ");
        sb_str(&b, info ? info->name : "?");
        if (n->nparams) {
            sb_cat(&b, ", \"params\": {");
            for (int k = 0; k < n->nparams; k++) {
                if (k) sb_cat(&b, ", ");
                sb_str(&b, n->params[k].key);
                sb_cat(&b, ": ");
                sb_param(&b, &n->params[k], g->frac_bits);
            }
            sb_cat(&b, "}");
        }
        sb_cat(&b, "}");
    }
    sb_cat(&b, g->nnodes ? "\n  ],\n" : "],\n");
    sb_cat(&b, "  \"edges\": [");
    for (int e = 0; e < g->nedges; e++) {
        const ff_edge *ed = &g->edges[e];
        sb_cat(&b, e ? ",\n    {\"from\": \"" : "\n    {\"from\": \"");
        /* Node and port names are restricted to characters that need no
         * escaping, so they are written as they are. */
        const char *parts[] = {g->nodes[ed->from_node].name, ".", gi->en[e].from, "\", \"to\": \"",
                               g->nodes[ed->to_node].name, ".", gi->en[e].to, "\""};
        for (size_t k = 0; k < sizeof parts / sizeof *parts; k++) sb_cat(&b, parts[k]);
        if (ed->depth) {
            sb_cat(&b, ", \"depth\": ");
            sb_int(&b, ed->depth);
        }
        sb_cat(&b, "}");
    }
    sb_cat(&b, g->nedges ? "\n  ]\n}\n" : "]\n}\n");
    return b.data;
}

int ff_graph_save_json(const ff_graph *g, const char *path, ff_err *err)
{
    char *text = ff_graph_to_json_string(g);
    size_t len = strlen(text);
    char *tmp = ff_xmalloc(strlen(path) + 5);
    sprintf(tmp, "%s.tmp", path);
    int rc = 0;
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        rc = ff_err_set(err, FF_EIO, "%s: cannot write: %s", tmp, strerror(errno));
    } else {
        int bad = fwrite(text, 1, len, f) != len;
        bad |= fflush(f) != 0;
        int saved = errno;
        bad |= fclose(f) != 0;
        if (bad) {
            rc = ff_err_set(err, FF_EIO, "%s: write failed: %s", tmp, strerror(saved ? saved : errno));
            remove(tmp);
        } else if (rename(tmp, path) != 0) {
            rc = ff_err_set(err, FF_EIO, "%s: cannot rename to %s: %s", tmp, path, strerror(errno));
            remove(tmp);
        }
    }
    free(tmp);
    free(text);
    return rc;
}
