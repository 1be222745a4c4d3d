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
    for (size_t i = 0; i < res->ports.len; i++) free(res->ports.data[i].node);
    free(res->ports.data);
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

/* A tile whose off-chip port is on. */
typedef struct mlane {
    int lane;             /* slot - FF_RTL_FIRST_TILE_SLOT */
    int slot, node;       /* configuration slot, graph node index */
    int write;
    uint32_t words[2];    /* stream-in: words of each region */
    uint32_t issued[2];   /* lines granted, for the bytes of the last one */
    int stats;            /* index into res->ports */
    int grant, resp, resp_region; /* this cycle's drive */
} mlane;

typedef struct runner {
    ff_rtl *r;
    const ff_graph *g;
    const ff_bitstream *bs;
    ff_rtl_load *ld;
    FF_VEC(source) sources;
    FF_VEC(sink) sinks;
    /* the off-chip memory and the ports it serves, in node order */
    ff_mem *mem;
    int shift;
    FF_VEC(mlane) lanes;
    int *lane_of_node;
    ff_mem_req *req;
    unsigned char *granted;
    ff_mem_resp *resp;
} runner;

static uint32_t cfg_get(runner *u, int slot, int reg)
{
    return ff_rtl_cfg_read(u->r, (uint32_t)slot * FF_RTL_REGS_PER_SLOT + (uint32_t)reg);
}

static int by_node(const void *a, const void *b)
{
    return ((const mlane *)a)->node - ((const mlane *)b)->node;
}

/* Turns on the port of every tile that reads or writes a tensor not held on
 * chip -- exactly the tiles models/sim/mport.c gives one -- with its regions'
 * sizes from what the loader configured. */
static int setup_mports(runner *u, const ff_rtl_run_opts *o, ff_rtl_result *res, ff_err *err)
{
    if (!o || !o->offchip || !o->offchip->enabled) return 0;
    u->shift = ff_mem_line_shift(o->offchip);
    for (size_t i = 0; i < u->bs->binds.len; i++) {
        const ff_bind *b = &u->bs->binds.data[i];
        int ti = b->tensor ? ff_graph_find_tensor(u->g, b->tensor) : -1;
        if (ti < 0 || (o->on_chip && o->on_chip[ti])) continue;
        mlane m = {.lane = b->slot - FF_RTL_FIRST_TILE_SLOT, .slot = b->slot};
        const ff_bs_tile *t = ff_bitstream_tile(u->bs, b->slot);
        m.node = t ? ff_graph_find_node(u->g, t->node) : -1;
        if (m.node < 0) return ff_err_set(err, FF_EINVAL, "slot %d: no graph node placed there", b->slot);
        switch (b->kind) {
        case FF_BIND_LEVEL:
            if (!FF_RTL_GET(cfg_get(u, b->slot, FF_RTL_SCAN_FORMAT_REG), FF_RTL_SCAN_FORMAT)) continue;
            m.words[0] = cfg_get(u, b->slot, FF_RTL_SCAN_NSEG_REG);
            m.words[1] = cfg_get(u, b->slot, FF_RTL_SCAN_NCRD_REG);
            break;
        case FF_BIND_VALS:
            if (FF_RTL_GET(cfg_get(u, b->slot, FF_RTL_ARRAY_BLK_REG), FF_RTL_ARRAY_BLK)) continue;
            m.words[0] = cfg_get(u, b->slot, FF_RTL_ARRAY_NVALS_REG);
            break;
        case FF_BIND_OUT_VALS:
            if (FF_RTL_GET(cfg_get(u, b->slot, FF_RTL_WRITE_VAL_BLK_REG), FF_RTL_WRITE_VAL_BLK)) continue;
            m.write = 1;
            break;
        case FF_BIND_OUT_LEVEL:
            m.write = 1;
            break;
        default:
            continue;
        }
        uint32_t ctl = (1u << FF_RTL_MPORT_ON_LSB) | ((uint32_t)u->shift << FF_RTL_MPORT_SHIFT_LSB);
        ff_rtl_cfg_write(u->r, (uint32_t)b->slot * FF_RTL_REGS_PER_SLOT + FF_RTL_REG_MPORT, ctl);
        for (int r = 0; r < 2; r++)
            ff_rtl_cfg_write(u->r, (uint32_t)b->slot * FF_RTL_REGS_PER_SLOT + FF_RTL_REG_MPORT_WORDS(r), m.words[r]);
        FF_VEC_PUSH(u->lanes, m);
    }
    if (!u->lanes.len) return 0;
    qsort(u->lanes.data, u->lanes.len, sizeof *u->lanes.data, by_node);
    u->lane_of_node = ff_xcalloc((size_t)u->g->nnodes + 1, sizeof *u->lane_of_node);
    for (size_t i = 0; i < u->lanes.len; i++) {
        mlane *m = &u->lanes.data[i];
        u->lane_of_node[m->node] = (int)i;
        m->stats = (int)res->ports.len;
        ff_rtl_mport_stats st = {ff_xstrdup(u->g->nodes[m->node].name), m->write, 0, 0, 0};
        FF_VEC_PUSH(res->ports, st);
    }
    u->mem = ff_mem_new(o->offchip);
    u->req = ff_xcalloc(u->lanes.len, sizeof *u->req);
    u->granted = ff_xcalloc(u->lanes.len, 1);
    u->resp = ff_xcalloc(u->lanes.len, sizeof *u->resp);
    return 0;
}

/* The memory's part of cycle t: the ports' requests as the array shows them,
 * the grants and responses ff_mem gives, driven for this cycle. Returns 1
 * when memory is busy (a request shown or in flight: the run is live). */
static int serve_memory(runner *u, uint64_t t, ff_rtl_result *res)
{
    int n = 0, region;
    for (size_t i = 0; i < u->lanes.len; i++) {
        mlane *m = &u->lanes.data[i];
        if (ff_rtl_mp_wait(u->r, m->lane)) res->ports.data[m->stats].stall++;
        if (ff_rtl_mp_req(u->r, m->lane, &region)) u->req[n++] = (ff_mem_req){m->node, region};
        m->grant = m->resp = 0;
    }
    int nresp = 0;
    ff_mem_cycle(u->mem, t, u->req, n, u->granted, u->resp, &nresp);
    for (int i = 0; i < n; i++) {
        if (!u->granted[i]) continue;
        mlane *m = &u->lanes.data[u->lane_of_node[u->req[i].port]];
        int r = u->req[i].tag;
        uint64_t words = m->write ? cfg_get(u, m->slot, r ? FF_RTL_REG_COUNT1 : FF_RTL_REG_COUNT0) : m->words[r];
        ff_rtl_mport_stats *st = &res->ports.data[m->stats];
        st->requests++;
        st->bytes += ff_mem_line_bytes(words, m->issued[r], u->shift);
        m->issued[r]++;
        m->grant = 1;
    }
    for (int i = 0; i < nresp; i++) {
        mlane *m = &u->lanes.data[u->lane_of_node[u->resp[i].port]];
        m->resp = 1;
        m->resp_region = u->resp[i].tag;
    }
    for (size_t i = 0; i < u->lanes.len; i++) {
        const mlane *m = &u->lanes.data[i];
        ff_rtl_mp_drive(u->r, m->lane, m->grant, m->resp, m->resp_region);
    }
    return n > 0 || ff_mem_in_flight(u->mem) > 0;
}

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
        if (u->mem && serve_memory(u, t, res)) moved = 1;
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
    if (!rc) rc = setup_mports(&u, opts, res, err);
    if (!rc) rc = run_loop(&u, opts, res, err);
    if (!rc) rc = ff_rtl_load_read_outputs(u.ld, res->outputs, err);
    if (d.trace) ff_rtl_trace(r, NULL);
    for (size_t i = 0; i < u.sources.len; i++) free(u.sources.data[i].toks.data);
    for (size_t i = 0; i < u.sinks.len; i++) free(u.sinks.data[i].pattern);
    free(u.sources.data);
    free(u.sinks.data);
    ff_mem_free(u.mem);
    free(u.lanes.data);
    free(u.lane_of_node);
    free(u.req);
    free(u.granted);
    free(u.resp);
    ff_rtl_load_free(u.ld);
    if (rc) ff_rtl_result_free(res);
    return rc;
}
