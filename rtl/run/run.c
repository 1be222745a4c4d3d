/*
 * run.c -- the direct runner of ff_rtl_run.h: the loader of ff_rtl_load.h
 * over ff_rtl.h's calls, then the clock, the harness ports and the
 * read-back.
 *
 * The order of one run: the load (checks, reset, the bitstream's words, the
 * binds); the harness ports; run to done under the watch; read-back.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ff_rtl_run.h"

/* ---- the bus: ff_rtl.h, directly ---- */

typedef struct direct {
    ff_rtl *r;
    const char *trace;    /* an FST from the reset on, or NULL */
} direct;

static int d_reset(void *user, ff_err *err)
{
    direct *d = user;
    ff_rtl_reset(d->r);
    if (d->trace && ff_rtl_trace(d->r, d->trace))
        return ff_err_set(err, FF_EIO, "%s: cannot write the waveform", d->trace);
    return 0;
}

static int d_cfg_write(void *user, uint32_t addr, uint32_t data, ff_err *err)
{
    (void)err;
    ff_rtl_cfg_write(((direct *)user)->r, addr, data);
    return 0;
}

static int d_cfg_read(void *user, uint32_t addr, uint32_t *data, ff_err *err)
{
    (void)err;
    *data = ff_rtl_cfg_read(((direct *)user)->r, addr);
    return 0;
}

static int d_mem_write(void *user, uint32_t slot, uint32_t addr, const uint32_t *w, size_t n, ff_err *err)
{
    (void)err;
    for (size_t i = 0; i < n; i++) ff_rtl_mem_write(((direct *)user)->r, slot, addr + (uint32_t)i, w[i]);
    return 0;
}

static int d_mem_read(void *user, uint32_t slot, uint32_t addr, uint32_t *w, size_t n, ff_err *err)
{
    (void)err;
    for (size_t i = 0; i < n; i++) w[i] = ff_rtl_mem_read(((direct *)user)->r, slot, addr + (uint32_t)i);
    return 0;
}

static ff_rtl_bus direct_bus(direct *d)
{
    ff_rtl_bus b = {ff_rtl_config_name(), d_reset, d_cfg_write, d_cfg_read, d_mem_write, d_mem_read, d};
    return b;
}

int ff_rtl_read_array(ff_rtl *r, ff_array_desc *out, ff_err *err)
{
    direct d = {r, NULL};
    ff_rtl_bus bus = direct_bus(&d);
    return ff_rtl_bus_read_array(&bus, out, err);
}

void ff_rtl_result_free(ff_rtl_result *res)
{
    if (!res) return;
    for (int t = 0; t < res->ntensors; t++) ff_tensor_free(res->outputs[t]);
    free(res->outputs);
    for (size_t i = 0; i < res->sinks.len; i++) {
        free(res->sinks.data[i].node);
        free(res->sinks.data[i].toks.data);
        free(res->sinks.data[i].cycles.data);
    }
    free(res->sinks.data);
    memset(res, 0, sizeof *res);
}

/* ---- one run ---- */

typedef struct source {
    int port;
    ff_tokvec toks;       /* timed: FF_TOK_IDLE = `_` */
    size_t next;
    int done;
} source;

typedef struct sink {
    int port;
    int sink_index;       /* into res->sinks */
    char *pattern;        /* 0/1 per cycle; NULL = always or random */
    size_t plen;
    uint64_t seed;
    int percent;          /* >= 0: rand:SEED:PERCENT */
    int done;
} sink;

typedef struct runner {
    ff_rtl *r;
    const ff_graph *g;
    const ff_bitstream *bs;
    ff_rtl_load *ld;
    FF_VEC(source) sources;
    FF_VEC(sink) sinks;
} runner;

/* The harness side of source and sink nodes. */
static int setup_ports(runner *u, ff_rtl_result *res, ff_err *err)
{
    for (size_t i = 0; i < u->bs->ports.len; i++) {
        const ff_bs_port *bp = &u->bs->ports.data[i];
        int id = ff_graph_find_node(u->g, bp->node);
        const ff_node *n = id >= 0 ? &u->g->nodes[id] : NULL;
        if (!n || n->kind != (bp->is_output ? FF_PRIM_SINK : FF_PRIM_SOURCE))
            return ff_err_set(err, FF_EINVAL, "harness %s port %d: graph '%s' has no %s node '%s'",
                              bp->is_output ? "output" : "input", bp->port, u->g->name,
                              bp->is_output ? "sink" : "source", bp->node);
        if (!bp->is_output) {
            source s = {.port = bp->port};
            ff_stream_type type = (ff_stream_type)ff_node_int(n, "type");
            if (ff_tok_parse(ff_node_str(n, "tokens"), type, u->g->frac_bits, 1, &s.toks, err)) {
                free(s.toks.data);
                return ff_err_wrap(err, "node '%s': ", n->name);
            }
            FF_VEC_PUSH(u->sources, s);
            continue;
        }
        sink k = {.port = bp->port, .percent = -1, .sink_index = (int)res->sinks.len};
        ff_rtl_sink rec = {0};
        rec.node = ff_xstrdup(n->name);
        FF_VEC_PUSH(res->sinks, rec);
        const char *rd = ff_node_str(n, "ready");
        if (!strncmp(rd, "rand:", 5)) {
            char *end;
            k.seed = strtoull(rd + 5, &end, 10);
            k.percent = *end == ':' ? (int)strtol(end + 1, &end, 10) : -1;
            if (*end || k.percent < 1 || k.percent > 100)
                return ff_err_set(err, FF_EINVAL, "node '%s': ready '%s': expected rand:SEED:PERCENT", n->name, rd);
        } else if (rd[0]) {
            size_t len = strlen(rd);
            if (strspn(rd, "01") != len || !strchr(rd, '1'))
                return ff_err_set(err, FF_EINVAL, "node '%s': ready '%s': expected a 0/1 pattern", n->name, rd);
            k.pattern = ff_xstrdup(rd);
            k.plen = len;
        }
        FF_VEC_PUSH(u->sinks, k);
    }
    return 0;
}

/* docs/timing.md "sink": the same stateless hash as the C model's sink. */
static int sink_ready(const sink *k, uint64_t cycle)
{
    if (k->percent >= 0) {
        uint64_t z = k->seed ^ (cycle * 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        return (int)(z % 100) < k->percent;
    }
    return !k->pattern || k->pattern[cycle % k->plen] == '1';
}

static int run_loop(runner *u, const ff_rtl_run_opts *o, ff_rtl_result *res, ff_err *err)
{
    ff_rtl_watch w;
    ff_rtl_watch_init(&w, o ? o->max_cycles : 0, o ? o->watchdog : 0);
    ff_rtl_run(u->r, 1);
    for (;;) {
        uint64_t t = w.cycle;
        int all = w.tiles_done;
        for (size_t i = 0; i < u->sources.len; i++) all &= u->sources.data[i].done;
        for (size_t i = 0; i < u->sinks.len; i++) all &= u->sinks.data[i].done;
        if (all) break;
        if (ff_rtl_watch_begin(&w)) break;
        int moved = 0;
        for (size_t i = 0; i < u->sources.len; i++) {
            source *s = &u->sources.data[i];
            int valid = 0;
            ff_tok tok = 0;
            if (s->next < s->toks.len) {
                tok = s->toks.data[s->next];
                if (tok == FF_TOK_IDLE) {
                    s->next++;
                    moved = 1;
                } else if (ff_rtl_hin_ready(u->r, s->port)) {
                    valid = moved = 1;
                    s->next++;
                    if (tok == FF_TOK_D) {
                        s->done = 1;
                        ff_rtl_watch_finish(&w);
                    }
                }
            }
            ff_rtl_hin_drive(u->r, s->port, valid, valid ? tok : 0);
        }
        for (size_t i = 0; i < u->sinks.len; i++) {
            sink *k = &u->sinks.data[i];
            int pop = !k->done && sink_ready(k, t) && ff_rtl_hout_valid(u->r, k->port);
            if (pop) {
                ff_tok tok = ff_rtl_hout_data(u->r, k->port);
                ff_rtl_sink *rec = &res->sinks.data[k->sink_index];
                FF_VEC_PUSH(rec->toks, tok);
                FF_VEC_PUSH(rec->cycles, t);
                moved = 1;
                if (tok == FF_TOK_D) {
                    k->done = 1;
                    ff_rtl_watch_finish(&w);
                }
            }
            ff_rtl_hout_pop(u->r, k->port, pop);
        }
        if (ff_rtl_active(u->r)) moved = 1;
        ff_rtl_step(u->r);
        if (ff_rtl_watch_end(&w, moved, ff_rtl_done(u->r), ff_rtl_error(u->r))) break;
    }
    for (size_t i = 0; i < u->sources.len; i++) ff_rtl_hin_drive(u->r, u->sources.data[i].port, 0, 0);
    for (size_t i = 0; i < u->sinks.len; i++) ff_rtl_hout_pop(u->r, u->sinks.data[i].port, 0);
    ff_rtl_run(u->r, 0);
    if (w.stop) return ff_rtl_load_explain(u->ld, &w, err);
    res->cycles = ff_rtl_watch_cycles(&w);
    return 0;
}

int ff_rtl_run_graph(ff_rtl *r, const ff_graph *g, const ff_bitstream *bs, const ff_tensor *const *inputs,
                     const ff_rtl_run_opts *opts, ff_rtl_result *res, ff_err *err)
{
    memset(res, 0, sizeof *res);
    direct d = {r, opts ? opts->trace : NULL};
    ff_rtl_bus bus = direct_bus(&d);
    runner u = {.r = r, .g = g, .bs = bs};
    int rc = ff_rtl_load_graph(&bus, g, bs, inputs, &u.ld, err);
    if (rc) {
        if (d.trace) ff_rtl_trace(r, NULL);
        return rc;
    }
    res->ntensors = g->ntensors;
    res->outputs = ff_xcalloc((size_t)g->ntensors + 1, sizeof *res->outputs);
    rc = setup_ports(&u, res, err);
    if (!rc) rc = run_loop(&u, opts, res, err);
    if (!rc) rc = ff_rtl_load_read_outputs(u.ld, res->outputs, err);
    if (d.trace) ff_rtl_trace(r, NULL);
    for (size_t i = 0; i < u.sources.len; i++) free(u.sources.data[i].toks.data);
    for (size_t i = 0; i < u.sinks.len; i++) free(u.sinks.data[i].pattern);
    free(u.sources.data);
    free(u.sinks.data);
    ff_rtl_load_free(u.ld);
    if (rc) ff_rtl_result_free(res);
    return rc;
}
