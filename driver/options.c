/*
 * options.c -- the driver's one option layer (driver.h): the shared groups,
 * each command's own options, one usage line per error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver.h"

int driver_fail(const char *cmd, const ff_err *err)
{
    fprintf(stderr, "fuseflow %s: %s\n", cmd, err->msg);
    return 1;
}

int driver_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fuseflow %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see fuseflow %s --help)\n", cmd);
    va_end(ap);
    return 2;
}

/* The shared groups' options (ORDER GROUPS: parse_group reads them by index). */
enum {
    G_TENSOR,
    G_DIM,
    G_RANDOM,
    G_DENSITY,
    G_ALLOW_ROUNDING,
    G_EDGE_BASE,
    G_SYMMETRIZE,
    G_FUSE,
    G_ORDER,
    G_PAR,
    G_BLOCK,
    G_REUSE,
    G_TILE,
    G_SKIP,
    G_BALANCE,
    G_RELAYOUT,
    G_ARCH,
    G__COUNT
};
static const struct group_option {
    const char *name;
    unsigned group;
    int flag; /* takes no value */
} group_options[G__COUNT] = {
    {"--tensor", DRIVER_INPUTS},
    {"--dim", DRIVER_INPUTS},
    {"--random", DRIVER_INPUTS},
    {"--density", DRIVER_INPUTS},
    {"--allow-rounding", DRIVER_INPUTS, 1},
    {"--edge-base", DRIVER_INPUTS},
    {"--symmetrize", DRIVER_INPUTS, 1},
    {"--fuse", DRIVER_SCHED},
    {"--order", DRIVER_SCHED},
    {"--par", DRIVER_SCHED},
    {"--block", DRIVER_SCHED},
    {"--reuse", DRIVER_SCHED},
    {"--tile", DRIVER_SCHED},
    {"--skip", DRIVER_SCHED},
    {"--balance", DRIVER_SCHED},
    {"--relayout", DRIVER_SCHED},
    {"--arch", DRIVER_TARGET},
};

/* Whether argv[*i] is option `name`; its value (--name VALUE or
 * --name=VALUE) in *val (NULL for a flag match). A missing value is a usage
 * error: *bad = 2. */
static int match(const char *cmd, int argc, char **argv, int *i, const char *name, int takes_value, const char **val,
                 int *bad)
{
    size_t n = strlen(name);
    *val = NULL;
    if (strncmp(argv[*i], name, n) != 0) return 0;
    if (!takes_value) return argv[*i][n] == '\0';
    if (argv[*i][n] == '=') { /* --opt=value */
        *val = argv[*i] + n + 1;
        return 1;
    }
    if (argv[*i][n] != '\0') return 0;
    if (*i + 1 >= argc) {
        *bad = driver_usage(cmd, "%s needs a value", name);
        return 1;
    }
    *val = argv[++*i];
    return 1;
}

static void list_add(driver_list *l, const char *v, int cap)
{
    if (!l->v) l->v = ff_xcalloc((size_t)cap + 1, sizeof *l->v);
    l->v[l->n++] = v;
}

static int parse_par(const char *text, ff_run_sched *out, ff_err *err)
{
    const char *colon = strrchr(text, ':');
    char *end = NULL;
    long lanes = colon ? strtol(colon + 1, &end, 10) : 0;
    size_t len = colon ? (size_t)(colon - text) : 0;
    if (!colon || !len || len >= sizeof out->par_index || !colon[1] || *end || lanes < 2 || lanes > 7)
        return ff_err_set(err, FF_EINVAL, "--par %s: expected INDEX:P with P in 2..7 (e.g. i:4)", text);
    memcpy(out->par_index, text, len);
    out->par_index[len] = '\0';
    out->par = (int)lanes;
    return 0;
}

static int parse_block(const char *text, ff_run_sched *out, ff_err *err)
{
    char *end;
    long b = strtol(text, &end, 10);
    if (!*text || *end || b < 1 || b > 64)
        return ff_err_set(err, FF_EINVAL, "--block %s: expected the block size B, 1..64 (16, 32 or 64 for an RDA)", text);
    out->block = (int)b;
    return 0;
}

/* --tile INDEX:T,INDEX:T... or auto (ff_run_sched.tiles). */
static int parse_tile(const char *text, ff_run_sched *out, ff_err *err)
{
    out->ntiles = 0;
    out->tile_auto = !strcmp(text, "auto");
    if (out->tile_auto) return 0;
    const char *at = text;
    while (*at) {
        const char *comma = strchr(at, ','), *stop = comma ? comma : at + strlen(at);
        const char *colon = memchr(at, ':', (size_t)(stop - at));
        char *end = NULL;
        long size = colon && colon + 1 < stop && colon[1] >= '0' && colon[1] <= '9' ? strtol(colon + 1, &end, 10) : 0;
        size_t len = colon ? (size_t)(colon - at) : 0;
        if (!colon || !len || len >= sizeof out->tiles[0].index || end != stop || size < 1 || size > INT32_MAX ||
            (comma && !comma[1]))
            return ff_err_set(err, FF_EINVAL, "--tile %s: expected auto or INDEX:T,... with T >= 1 (e.g. i:64,k:128)",
                              text);
        if (out->ntiles == FF_RUN_MAX_TILES)
            return ff_err_set(err, FF_EINVAL, "--tile %s: at most %d loops", text, FF_RUN_MAX_TILES);
        ff_run_tile *t = &out->tiles[out->ntiles++];
        memcpy(t->index, at, len);
        t->index[len] = '\0';
        t->size = (uint32_t)size;
        at = comma ? comma + 1 : stop;
    }
    if (!out->ntiles) return ff_err_set(err, FF_EINVAL, "--tile: expected auto or INDEX:T,... (e.g. i:64,k:128)");
    return 0;
}

/* A number in [lo, hi] (hi open with open_hi); digits only for unsigned. */
static int parse_number(const driver_option *d, const char *v)
{
    char *end;
    errno = 0;
    if (d->kind == DRIVER_REAL) {
        double x = strtod(v, &end);
        if (!*v || *end || !(x >= d->lo && (d->open_hi ? x < d->hi : x <= d->hi))) return -1;
        *(double *)d->dest = x;
        return 0;
    }
    if (!*v || *v == '-' || *v == '+') return -1;
    unsigned long long x = strtoull(v, &end, 10);
    if (*end || errno || (double)x < d->lo || (double)x > d->hi) return -1;
    if (d->kind == DRIVER_UINT) *(uint64_t *)d->dest = x;
    else *(int *)d->dest = (int)x;
    return 0;
}

/* A pass the schedule turns off: option `name` takes `on` (the default's
 * word) or "off"; *off says which. */
static void switch_off(const char *name, const char *v, const char *on, int *off, ff_err *err)
{
    if (strcmp(v, on) && strcmp(v, "off")) ff_err_set(err, FF_EINVAL, "%s %s: expected %s or off", name, v, on);
    else *off = !strcmp(v, "off");
}

/* One shared-group option at argv[*i]: 1 when it was one (*bad = 2 when its
 * value was missing or malformed, reported), else 0. */
static int parse_group(const driver_cmd *c, int argc, char **argv, int *i, driver_opts *o, int *bad)
{
    const char *v;
    int g;
    for (g = 0; g < G__COUNT; g++)
        if ((c->groups & group_options[g].group) && match(c->name, argc, argv, i, group_options[g].name, !group_options[g].flag, &v, bad))
            break;
    if (g == G__COUNT) return 0;
    if (*bad) return 1;
    ff_err err = {0};
    char *end;
    switch (g) {
    case G_TENSOR: list_add(&o->in.tensor, v, argc); break;
    case G_DIM: list_add(&o->in.dim, v, argc); break;
    case G_RANDOM:
        errno = 0;
        o->in.seed = strtoull(v, &end, 10);
        if (*end || !*v || *v == '-' || *v == '+' || errno) ff_err_set(&err, FF_EINVAL, "--random %s: expected an integer seed", v);
        o->in.have_seed = 1;
        break;
    case G_DENSITY:
        o->in.density = strtod(v, &end);
        if (*end || !*v || !(o->in.density >= 0 && o->in.density <= 1))
            ff_err_set(&err, FF_EINVAL, "--density %s: expected a number in [0, 1]", v);
        break;
    case G_ALLOW_ROUNDING: o->in.allow_rounding = 1; break;
    case G_EDGE_BASE:
        if (strcmp(v, "0") && strcmp(v, "1")) ff_err_set(&err, FF_EINVAL, "--edge-base %s: expected 0 or 1", v);
        else o->in.edges.base = *v - '0';
        break;
    case G_SYMMETRIZE: o->in.edges.symmetric = 1; break;
    case G_FUSE:
        list_add(&o->fuse, v, argc);
        o->sched.fuse = v;
        break;
    case G_ORDER:
        if (!strcmp(v, "auto")) o->order_auto = 1;
        else list_add(&o->orders, v, argc);
        break;
    case G_PAR: parse_par(v, &o->sched, &err); break;
    case G_BLOCK: parse_block(v, &o->sched, &err); break;
    case G_TILE: parse_tile(v, &o->sched, &err); break;
    case G_REUSE: {
        int r = ff_reuse_parse(v);
        if (r < 0) ff_err_set(&err, FF_EINVAL, "--reuse %s: expected %s", v, ff_reuse_choices());
        else o->sched.reuse = (ff_reuse)r;
        o->reuse_given = 1;
        break;
    }
    case G_SKIP: switch_off(group_options[g].name, v, "on", &o->sched.no_skip, &err); break;
    case G_BALANCE: switch_off(group_options[g].name, v, "on", &o->sched.no_balance, &err); break;
    case G_RELAYOUT: switch_off(group_options[g].name, v, "auto", &o->sched.no_relayout, &err); break;
    case G_ARCH: o->arch = v; break;
    }
    if (err.code) *bad = driver_usage(c->name, "%s", err.msg);
    return 1;
}

/* One of the command's own options at argv[*i], as parse_group. */
static int parse_own(const driver_cmd *c, int argc, char **argv, int *i, int *bad)
{
    const char *v;
    for (int k = 0; k < c->nown; k++) {
        const driver_option *d = &c->own[k];
        if (!match(c->name, argc, argv, i, d->name, d->kind != DRIVER_FLAG, &v, bad)) continue;
        if (*bad) return 1;
        switch (d->kind) {
        case DRIVER_FLAG: *(int *)d->dest = 1; break;
        case DRIVER_STR: *(const char **)d->dest = v; break;
        case DRIVER_LIST: list_add(d->dest, v, argc); break;
        default:
            if (parse_number(d, v)) *bad = driver_usage(c->name, "%s %s: expected %s", d->name, v, d->expected);
        }
        return 1;
    }
    return 0;
}

int driver_parse(const driver_cmd *c, int argc, char **argv, driver_opts *o, int *exit_code)
{
    memset(o, 0, sizeof *o);
    o->in.density = 0.1;
    o->sched.fuse = "none";
    int npos = 0, bad = 0;
    for (int i = 1; i < argc && !bad; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(c->help, stdout);
            *exit_code = 0;
            return 1;
        }
        if (parse_group(c, argc, argv, &i, o, &bad) || parse_own(c, argc, argv, &i, &bad)) continue;
        if (argv[i][0] == '-') bad = driver_usage(c->name, "unknown option '%s'", argv[i]);
        else if (npos < c->npos) c->pos[npos++] = argv[i];
        else bad = driver_usage(c->name, "unexpected argument '%s'", argv[i]);
    }
    o->sched.orders = o->orders.v;
    o->sched.norders = o->orders.n;
    if (!bad && npos < c->npos && c->need) bad = driver_usage(c->name, "%s", c->need);
    *exit_code = bad;
    return bad != 0;
}

void driver_opts_free(driver_opts *o)
{
    free(o->in.tensor.v);
    free(o->in.dim.v);
    free(o->fuse.v);
    free(o->orders.v);
    memset(o, 0, sizeof *o);
}

int driver_check_sched(const char *cmd, const ff_ir_program *p, const char *fuse, const ff_run_sched *s, ff_err *err)
{
    /* "N:ORDER" names statement N: one the model has not would apply to
     * nothing, silently */
    for (int i = 0; s && i < s->norders; i++) {
        const char *text = s->orders[i], *colon = strchr(text, ':');
        if (!colon) continue;
        char *end = NULL;
        long n = text[0] >= '0' && text[0] <= '9' ? strtol(text, &end, 10) : 0;
        if (end != colon || n < 1 || n > p->nstmts)
            return driver_usage(cmd, "--order %s: expected [N:]ORDER with N a statement, 1..%d", text, p->nstmts);
    }
    ff_kernel *ks = ff_xcalloc(256, sizeof *ks);
    int nk = ff_fuse_parse(p, fuse, ks, 256, err), rc = 0;
    if (nk >= 0 && (ff_run_check_par(p, ks, nk, s, err) || ff_run_check_tiles(p, ks, nk, s, err)))
        rc = driver_usage(cmd, "%s", err->msg);
    else if (nk < 0) rc = -1;
    free(ks);
    return rc;
}

int driver_make_dir(const char *dir, ff_err *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", dir);
    for (char *c = path + 1; *c; c++) {
        if (*c != '/') continue;
        *c = '\0';
        if (mkdir(path, 0777) && errno != EEXIST) return ff_err_set(err, FF_EIO, "%s: %s", path, strerror(errno));
        *c = '/';
    }
    if (mkdir(path, 0777) && errno != EEXIST) return ff_err_set(err, FF_EIO, "%s: %s", path, strerror(errno));
    return 0;
}

/* "out.json" -> "out.k2.json" for statement 2 of several. */
void driver_kernel_path(const char *path, int nstmts, int s, const char *ext, char *buf, size_t n)
{
    if (nstmts == 1) {
        snprintf(buf, n, "%s", path);
        return;
    }
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash)) dot = path + strlen(path);
    snprintf(buf, n, "%.*s.k%d%s", (int)(dot - path), path, s + 1, *dot ? dot : ext);
}

void driver_outputs_add(driver_outputs *w, const char *path)
{
    if (w->n == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 8;
        w->path = ff_xrealloc(w->path, sizeof *w->path * (size_t)w->cap);
    }
    w->path[w->n++] = ff_xstrdup(path);
}

void driver_outputs_end(driver_outputs *w, int failed)
{
    for (int i = 0; i < w->n; i++) {
        if (failed) unlink(w->path[i]); /* never a directory */
        free(w->path[i]);
    }
    free(w->path);
    memset(w, 0, sizeof *w);
}

int driver_write_tensor(const ff_tensor *t, const char *dir, const char *name, driver_outputs *w, ff_err *err)
{
    char path[4096];
    size_t dlen = strlen(dir);
    const char *sep = dlen && dir[dlen - 1] == '/' ? "" : "/"; /* --out out/ names out/y.mtx, not out//y.mtx */
    snprintf(path, sizeof path, "%s%s%s.%s", dir, sep, name, t->order ? "mtx" : "txt");
    int rc = t->order ? ff_tensor_write_mtx(t, path, err) : ff_tensor_write_text(t, path, err);
    if (!rc && w) driver_outputs_add(w, path);
    if (!rc) printf("wrote %s (%zu nonzeros)\n", path, ff_tensor_nnz(t));
    return rc;
}

void driver_print_kernel_stmts(const ff_ir_program *p, const ff_kernel *k, FILE *f)
{
    const ff_ir_stmt *st = &p->stmts[k->first];
    if (st->copy_of) { /* the relayout pass's: a kernel of its own */
        fprintf(f, " (relayout: %s = %s as %s)", p->tensors[st->lhs].name, p->tensors[st->copy_of - 1].name,
                p->tensors[st->lhs].format_text);
        return;
    }
    /* a copy inside a kernel (a held producer's) has no number of its own */
    int a = ff_ir_stmt_number(p, k->first), b = a;
    for (int s = k->first; s <= k->last; s++)
        if (ff_ir_stmt_number(p, s) > b) b = ff_ir_stmt_number(p, s);
    fprintf(f, " (statement%s %d", a == b ? "" : "s", a);
    if (b > a) fprintf(f, "-%d", b);
    fprintf(f, ")");
}

int driver_layout_changed(const ff_ir_program *written, const ff_ir_program *p, int t)
{
    return written && written != p && t < written->ntensors &&
           strcmp(written->tensors[t].format_text, p->tensors[t].format_text) != 0;
}
