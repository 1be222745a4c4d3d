/*
 * prims.c -- the primitive table (ff_prims.def) as data: each kind's spec
 * strings are parsed once, on first use, into ff_prim_info records with port
 * and param specs and parsed defaults. A malformed table is a build bug, not
 * a user error, so parsing aborts with a message naming the kind.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph_int.h"

typedef struct raw_prim {
    const char *name;
    int hw, blk;
    const char *ports, *params, *summary;
} raw_prim;

/* ORDER FF_PRIM: indexed by kind, straight from the table. */
static const raw_prim raw_table[FF_PRIM__COUNT] = {
#define FF_PRIM(e, name, hw, blk, ports, params, summary) \
    [FF_PRIM_##e] = {name, hw, blk, ports, params, summary},
#include "ff_prims.def"
#undef FF_PRIM
};

static ff_prim_info infos[FF_PRIM__COUNT];
static ff_param *defaults[FF_PRIM__COUNT]; /* per kind, parallel to params */
static int has_default[FF_PRIM__COUNT][32];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static const char *const type_names[] = {"int", "str", "fx", "ints", "fxs", "dim", "enum"};

const char *ff_param_type_name(ff_param_type t)
{
    return (unsigned)t < sizeof type_names / sizeof *type_names ? type_names[t] : "?";
}

static _Noreturn void die(const char *kind, const char *fmt, const char *arg)
{
    fprintf(stderr, "fuseflow: ff_prims.def: kind '%s': ", kind);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    abort();
}

/* Trims spaces in place; returns the start. */
static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
    return s;
}

/* Splits s at each `sep` (in place); returns the pieces (trimmed) in a new
 * array that the caller frees, and their count. An empty s has no pieces. */
static char **split(char *s, char sep, int *count)
{
    int cap = 4, n = 0;
    char **v = ff_xmalloc(sizeof *v * (size_t)cap);
    if (*trim(s) == '\0') {
        *count = 0;
        return v;
    }
    for (;;) {
        char *e = strchr(s, sep);
        if (e) *e = '\0';
        if (n == cap) v = ff_xrealloc(v, sizeof *v * (size_t)(cap *= 2));
        v[n++] = trim(s);
        if (!e) break;
        s = e + 1;
    }
    *count = n;
    return v;
}

int ff_dim_parse(const char *s, int64_t *num, size_t *tlen, int *mode, int *block)
{
    const char *colon = strchr(s, ':');
    if (!colon) {
        /* a number; negative only for a window's offset (the users of other
         * dims reject it as out of range) */
        if (!isdigit((unsigned char)s[0]) && !(s[0] == '-' && isdigit((unsigned char)s[1]))) return 0;
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (*end || errno) return 0;
        if (num) *num = v;
        return 1;
    }
    if (colon == s || !isdigit((unsigned char)colon[1])) return 0;
    for (const char *p = s; p < colon; p++)
        if (!isalnum((unsigned char)*p) && *p != '_') return 0;
    char *end;
    errno = 0;
    long m = strtol(colon + 1, &end, 10), blk = 0;
    if (*end == '/') { /* "T:m/B": the number of B-blocks along the mode */
        const char *b = end + 1;
        blk = isdigit((unsigned char)*b) ? strtol(b, &end, 10) : 0;
        if (blk < 1 || blk > 64) return 0;
    }
    if (*end || errno || m > 64) return 0;
    if (tlen) *tlen = (size_t)(colon - s);
    if (mode) *mode = (int)m;
    if (block) *block = (int)blk;
    return 2;
}

int ff_name_ok(const char *s)
{
    if (!s || !*s || *s == '-') return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-') return 0;
    return 1;
}

/* "in a:crd, b?:val, crd#:crd; out crd:crd" */
static void parse_ports(ff_prim_info *info, const char *text)
{
    char *buf = ff_xstrdup(text);
    int nsec, cap = 8, n = 0, seen_out = 0;
    ff_port_spec *ports = ff_xmalloc(sizeof *ports * (size_t)cap);
    char **secs = split(buf, ';', &nsec);
    for (int s = 0; s < nsec; s++) {
        char *sec = secs[s];
        int is_input;
        if (strncmp(sec, "in ", 3) == 0) is_input = 1;
        else if (strncmp(sec, "out ", 4) == 0) is_input = 0;
        else die(info->name, "port section '%s' must start with 'in ' or 'out '", sec);
        if (is_input && seen_out) die(info->name, "%s", "inputs must come before outputs");
        if (!is_input) seen_out = 1;
        int nitems;
        char **items = split(sec + (is_input ? 3 : 4), ',', &nitems);
        for (int i = 0; i < nitems; i++) {
            char *colon = strchr(items[i], ':');
            if (!colon) die(info->name, "port '%s' has no ':type'", items[i]);
            *colon = '\0';
            char *name = trim(items[i]), *type = trim(colon + 1);
            size_t len = strlen(name);
            ff_port_spec p = {0};
            p.is_input = is_input;
            if (len && name[len - 1] == '?') {
                p.optional = 1;
                name[--len] = '\0';
            }
            if (len && name[len - 1] == '#') {
                p.is_family = 1;
                name[--len] = '\0';
            }
            if (!ff_name_ok(name) || strchr(name, '-'))
                die(info->name, "bad port name '%s'", name);
            int t = strcmp(type, "lane") == 0 ? (int)FF_ST_ANY : ff_stream_type_parse(type);
            if (t < 0) die(info->name, "unknown stream type '%s'", type);
            if (strcmp(type, "lane") == 0 && !p.is_family) die(info->name, "port '%s' is typed lane but is not a family", name);
            p.type = (ff_stream_type)t;
            p.per_lane = strcmp(type, "lane") == 0;
            p.name = ff_xstrdup(name);
            for (int k = 0; k < n; k++)
                if (ports[k].is_input == p.is_input && strcmp(ports[k].name, p.name) == 0)
                    die(info->name, "port '%s' declared twice", p.name);
            if (n == cap) ports = ff_xrealloc(ports, sizeof *ports * (size_t)(cap *= 2));
            ports[n++] = p;
        }
        free(items);
    }
    free(secs);
    free(buf);
    info->ports = ports;
    info->nports = n;
}

/* Fills p (whose key and type are set) from the default text d; dies when d
 * does not fit the type. */
static void parse_default(const ff_prim_info *info, const ff_param_spec *ps, ff_param *p,
                          const char *d)
{
    char *end;
    switch (ps->type) {
    case FF_PT_INT:
        errno = 0;
        p->i = strtoll(d, &end, 10);
        if (*end || errno || end == d) die(info->name, "default '%s' is not an int", d);
        break;
    case FF_PT_STR:
        p->s = ff_xstrdup(d);
        break;
    case FF_PT_FX:
    case FF_PT_FXS:
        /* An fx default would depend on each graph's frac_bits, but the
         * accessors see only the node; no kind needs one yet. */
        die(info->name, "fx/fxs default '%s': only empty fx defaults are supported", d);
    case FF_PT_INTS: {
        char *copy = ff_xstrdup(d);
        int nw;
        char **w = split(copy, ',', &nw);
        p->ints = ff_xmalloc(sizeof *p->ints * (size_t)(nw ? nw : 1));
        for (int k = 0; k < nw; k++) {
            errno = 0;
            p->ints[k] = strtoll(w[k], &end, 10);
            if (*end || errno || end == w[k]) die(info->name, "default '%s' is not a list of ints", d);
        }
        p->nints = (size_t)nw;
        free(w);
        free(copy);
        break;
    }
    case FF_PT_DIM: {
        int64_t num = 0;
        int r = ff_dim_parse(d, &num, NULL, NULL, NULL);
        if (r == 0) die(info->name, "default '%s' is not a dim", d);
        if (r == 1) p->i = num;
        else { p->i = -1; p->s = ff_xstrdup(d); }
        break;
    }
    case FF_PT_ENUM: {
        int k = 0;
        while (ps->enum_words[k] && strcmp(ps->enum_words[k], d) != 0) k++;
        if (!ps->enum_words[k]) die(info->name, "default '%s' is not one of the enum words", d);
        p->i = k;
        p->s = ff_xstrdup(d);
        break;
    }
    }
}

/* "key:type=default; ..." */
static void parse_params(ff_prim_info *info, const char *text)
{
    char *buf = ff_xstrdup(text);
    int n;
    char **items = split(buf, ';', &n);
    if (n > 32) die(info->name, "%s", "more than 32 params");
    ff_param_spec *ps = ff_xcalloc((size_t)(n ? n : 1), sizeof *ps);
    ff_param *defs = ff_xcalloc((size_t)(n ? n : 1), sizeof *defs);
    for (int i = 0; i < n; i++) {
        char *item = items[i], *colon = strchr(item, ':');
        if (!colon) die(info->name, "param '%s' has no ':type'", item);
        *colon = '\0';
        char *key = trim(item), *type = colon + 1, *eq = strchr(type, '=');
        const char *def = "";
        if (eq) {
            *eq = '\0';
            def = trim(eq + 1);
        } else {
            ps[i].required = 1;
        }
        type = trim(type);
        if (!ff_name_ok(key) || strchr(key, '-')) die(info->name, "bad param key '%s'", key);
        for (int k = 0; k < i; k++)
            if (strcmp(ps[k].key, key) == 0) die(info->name, "param '%s' declared twice", key);
        ps[i].key = ff_xstrdup(key);
        if (strncmp(type, "enum(", 5) == 0) {
            size_t len = strlen(type);
            if (type[len - 1] != ')') die(info->name, "enum '%s' lacks ')'", type);
            type[len - 1] = '\0';
            int nw;
            char **w = split(type + 5, '|', &nw);
            if (nw == 0) die(info->name, "enum of param '%s' has no words", key);
            const char **words = ff_xcalloc((size_t)nw + 1, sizeof *words);
            for (int k = 0; k < nw; k++) {
                if (!ff_name_ok(w[k])) die(info->name, "bad enum word '%s'", w[k]);
                words[k] = ff_xstrdup(w[k]);
            }
            free(w);
            ps[i].type = FF_PT_ENUM;
            ps[i].enum_words = (const char *const *)words;
        } else if (strncmp(type, "int(", 4) == 0 || strncmp(type, "dim(", 4) == 0) {
            /* int(lo..hi), dim(lo..hi): a number with an allowed range (a
             * dim's "T:m" is a size, never out of it) */
            long long lo, hi;
            char tail;
            if (sscanf(type + 4, "%lld..%lld%c", &lo, &hi, &tail) != 3 || tail != ')' || lo > hi)
                die(info->name, "range of param '%s' is not int(lo..hi) or dim(lo..hi)", key);
            ps[i].type = type[0] == 'i' ? FF_PT_INT : FF_PT_DIM;
            ps[i].has_range = 1;
            ps[i].lo = lo;
            ps[i].hi = hi;
        } else {
            int t = -1;
            for (int k = 0; k < (int)(sizeof type_names / sizeof *type_names); k++)
                if (k != FF_PT_ENUM && strcmp(type, type_names[k]) == 0) t = k;
            if (t < 0) die(info->name, "unknown param type '%s'", type);
            ps[i].type = (ff_param_type)t;
        }
        ps[i].default_text = ff_xstrdup(def);
        defs[i].key = (char *)ps[i].key;
        defs[i].type = ps[i].type;
        if (*def) {
            parse_default(info, &ps[i], &defs[i], def);
            has_default[info->kind][i] = 1;
        }
    }
    free(items);
    free(buf);
    info->params = ps;
    info->nparams = n;
    defaults[info->kind] = defs;
}

/* Rules that tie ports to params: a family needs an int param `n` whose
 * default is in range. */
static void check_kind(const ff_prim_info *info)
{
    int families = 0;
    for (int i = 0; i < info->nports; i++) families += info->ports[i].is_family;
    int ni = ff_prim_param_index(info, "n");
    if (families) {
        if (ni < 0 || info->params[ni].type != FF_PT_INT || !has_default[info->kind][ni])
            die(info->name, "%s", "a port family needs an int param 'n' with a default");
        int64_t d = defaults[info->kind][ni].i;
        if (!info->params[ni].has_range || info->params[ni].lo < 1 || d < info->params[ni].lo || d > info->params[ni].hi)
            die(info->name, "a port family's n needs a range int(lo..hi) holding its default, not %s",
                info->params[ni].default_text);
    }
    if (info->nports == 0) die(info->name, "%s", "a kind without ports");
    for (int k = 0; k < FF_PRIM__COUNT; k++)
        if (k != (int)info->kind && infos[k].name && strcmp(infos[k].name, info->name) == 0)
            die(info->name, "%s", "name used twice");
}

static void init_table(void)
{
    for (int k = 0; k < FF_PRIM__COUNT; k++) {
        ff_prim_info *info = &infos[k];
        const raw_prim *r = &raw_table[k];
        info->kind = (ff_prim_kind)k;
        info->name = r->name;
        info->hardware = r->hw;
        info->block_port = r->blk;
        info->summary = r->summary;
        if (!ff_name_ok(r->name)) die(r->name, "%s", "bad kind name");
        parse_ports(info, r->ports);
        parse_params(info, r->params);
        if (r->blk && (!r->hw || ff_prim_param_index(info, "blk") < 0))
            die(r->name, "%s", "blk = 1 needs a hardware kind with a 'blk' param");
    }
    for (int k = 0; k < FF_PRIM__COUNT; k++) check_kind(&infos[k]);
}

const ff_prim_info *ff_prim_get(ff_prim_kind kind)
{
    if ((unsigned)kind >= FF_PRIM__COUNT) return NULL;
    pthread_once(&table_once, init_table);
    return &infos[kind];
}

int ff_prim_lookup(const char *name)
{
    if (!name) return -1;
    pthread_once(&table_once, init_table);
    for (int k = 0; k < FF_PRIM__COUNT; k++)
        if (strcmp(infos[k].name, name) == 0) return k;
    return -1;
}

int ff_prim_param_index(const ff_prim_info *info, const char *key)
{
    for (int i = 0; i < info->nparams; i++)
        if (strcmp(info->params[i].key, key) == 0) return i;
    return -1;
}

const ff_param *ff_prim_default(ff_prim_kind kind, int pi)
{
    const ff_prim_info *info = ff_prim_get(kind);
    if (!info || pi < 0 || pi >= info->nparams || !has_default[kind][pi]) return NULL;
    return &defaults[kind][pi];
}
