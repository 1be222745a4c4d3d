/*
 * run.c -- the loader and runner of ff_rtl_run.h: bitstream in, tensors in,
 * cycles, tensors and sink streams out.
 *
 * The order of one run: reset; the bitstream's words; per bind, the data
 * the words cannot hold (SRAM contents, bases, sizes, dims); run; readback.
 * Every check that depends on data (a level larger than its tile's SRAM, a
 * dim beyond an accumulator) is made here, before the run, and named.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ff_rtl_run.h"

#define REG_ADDR(slot, reg) ((uint32_t)(slot) * FF_RTL_REGS_PER_SLOT + (uint32_t)(reg))

int ff_rtl_read_array(ff_rtl *r, ff_array_desc *out, ff_err *err)
{
    memset(out, 0, sizeof *out);
    uint32_t magic = ff_rtl_cfg_read(r, FF_RTL_GEO_MAGIC);
    if (magic != FF_RTL_MAGIC)
        return ff_err_set(err, FF_EINVAL, "array '%s': magic word 0x%08x, the schema's is 0x%08x (built from another "
                          "schema?)", ff_rtl_config_name(), magic, FF_RTL_MAGIC);
    snprintf(out->name, sizeof out->name, "%s", ff_rtl_config_name());
    for (int k = 0; k < FF_RTL_NKINDS; k++) {
        out->tiles[k] = (int)ff_rtl_cfg_read(r, (uint32_t)k);
        out->mem_words[k] = ff_rtl_cfg_read(r, FF_RTL_REGS_PER_SLOT + (uint32_t)k);
    }
    out->nhin = (int)ff_rtl_cfg_read(r, FF_RTL_GEO_NHIN);
    out->nhout = (int)ff_rtl_cfg_read(r, FF_RTL_GEO_NHOUT);
    out->max_depth = (int)ff_rtl_cfg_read(r, FF_RTL_GEO_MAX_DEPTH);
    out->max_latency = (int)ff_rtl_cfg_read(r, FF_RTL_GEO_MAX_LATENCY);
    return 0;
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
    ff_array_desc geo;
    const ff_tensor **in;     /* per graph tensor, in the declared format */
    ff_tensor **owned;        /* converted copies */
    FF_VEC(source) sources;
    FF_VEC(sink) sinks;
    ff_err *err;
} runner;

static const char *kname(int k) { return ff_hw_kind_get(k)->name; }

/* "scan[1] 'A_k'" for messages. */
static const char *tile_text(const runner *u, int slot, char *buf, size_t n)
{
    int kind, index;
    if (ff_array_slot_what(&u->geo, slot, &kind, &index) != 1) {
        snprintf(buf, n, "slot %d", slot);
        return buf;
    }
    const ff_bs_tile *t = ff_bitstream_tile(u->bs, slot);
    snprintf(buf, n, "%s[%d] '%s'", kname(kind), index, t ? t->node : "?");
    return buf;
}

static void cfg_set(runner *u, int slot, int reg, int lsb, int width, uint32_t v)
{
    uint32_t addr = REG_ADDR(slot, reg);
    uint32_t m = (width >= 32 ? 0xffffffffu : (1u << width) - 1u) << lsb;
    uint32_t w = (ff_rtl_cfg_read(u->r, addr) & ~m) | ((v << lsb) & m);
    ff_rtl_cfg_write(u->r, addr, w);
}

#define SET(u, slot, KIND, FIELD, v) \
    cfg_set(u, slot, FF_RTL_##KIND##_##FIELD##_REG, FF_RTL_##KIND##_##FIELD##_LSB, FF_RTL_##KIND##_##FIELD##_WIDTH, v)

static const ff_tensor *input(runner *u, const char *name, int slot)
{
    char tt[96];
    int ti = ff_graph_find_tensor(u->g, name);
    if (ti < 0 || u->g->tensors[ti].is_output || !u->in[ti]) {
        ff_err_set(u->err, FF_EINVAL, "%s: binds input tensor '%s', which graph '%s' has no data for",
                   tile_text(u, slot, tt, sizeof tt), name, u->g->name);
        return NULL;
    }
    return u->in[ti];
}

static int fits(runner *u, int slot, int kind, size_t words, const char *what)
{
    char tt[96];
    if (words <= u->geo.mem_words[kind]) return 0;
    return ff_err_set(u->err, FF_EINVAL, "%s: %s needs %zu SRAM words, the tile has %u (array '%s')",
                      tile_text(u, slot, tt, sizeof tt), what, words, u->geo.mem_words[kind], u->geo.name);
}

static void mem_load(runner *u, int slot, uint32_t base, const uint32_t *w, size_t n)
{
    for (size_t i = 0; i < n; i++) ff_rtl_mem_write(u->r, (uint32_t)slot, base + (uint32_t)i, w[i]);
}

/* A compressed level (seg at 0, crd at nseg) or a dense one (dim). */
static int load_level(runner *u, int slot, int kind, int compressed, const uint32_t *seg, size_t nseg,
                      const uint32_t *crd, size_t ncrd, uint32_t dim, const char *what)
{
    if (!compressed) {
        SET(u, slot, SCAN, DIM, dim);
        return 0;
    }
    if (fits(u, slot, kind, nseg + ncrd, what)) return FF_EINVAL;
    mem_load(u, slot, 0, seg, nseg);
    mem_load(u, slot, (uint32_t)nseg, crd, ncrd);
    SET(u, slot, SCAN, CRD_BASE, (uint32_t)nseg);
    SET(u, slot, SCAN, NSEG, (uint32_t)nseg);
    SET(u, slot, SCAN, NCRD, (uint32_t)ncrd);
    return 0;
}

static uint32_t *u32_of(const ff_param *p)
{
    uint32_t *a = ff_xmalloc((p ? p->nints : 0) * sizeof *a + 1);
    for (size_t i = 0; p && i < p->nints; i++) a[i] = (uint32_t)p->ints[i];
    return a;
}

static int ceil_log2(uint32_t x)
{
    int s = 0;
    while (s < 32 && (1ull << s) < x) s++;
    return s;
}

static int load_bind(runner *u, const ff_bind *d)
{
    char tt[96], what[160];
    int kind, index;
    ff_array_slot_what(&u->geo, d->slot, &kind, &index);
    const ff_bs_tile *tile = ff_bitstream_tile(u->bs, d->slot);
    int node = tile ? ff_graph_find_node(u->g, tile->node) : -1;
    _Static_assert(FF_RTL_SCAN_FORMAT_REG == FF_RTL_LOCATE_FORMAT_REG && FF_RTL_SCAN_DIM_REG == FF_RTL_LOCATE_DIM_REG &&
                   FF_RTL_SCAN_CRD_BASE_REG == FF_RTL_LOCATE_CRD_BASE_REG &&
                   FF_RTL_SCAN_NSEG_REG == FF_RTL_LOCATE_NSEG_REG && FF_RTL_SCAN_NCRD_REG == FF_RTL_LOCATE_NCRD_REG,
                   "scan and locate share their parameter layout (rtl/schema/config.json)");
    int compressed = (int)((ff_bitstream_reg(u->bs, d->slot, FF_RTL_SCAN_FORMAT_REG, NULL) >> FF_RTL_SCAN_FORMAT_LSB) & 1u);
    switch (d->kind) {
    case FF_BIND_LEVEL: {
        const ff_tensor *t = input(u, d->tensor, d->slot);
        if (!t) return FF_EINVAL;
        if (d->level < 0 || d->level >= t->fmt.nlevels)
            return ff_err_set(u->err, FF_EINVAL, "%s: level %d of '%s' does not exist (%d levels)",
                              tile_text(u, d->slot, tt, sizeof tt), d->level, d->tensor, t->fmt.nlevels);
        int is_c = t->fmt.lv[d->level].fmt == FF_LVL_COMPRESSED;
        if (is_c != compressed)
            return ff_err_set(u->err, FF_EINVAL, "%s: reads level %d of '%s' as %s, but it is %s",
                              tile_text(u, d->slot, tt, sizeof tt), d->level, d->tensor,
                              compressed ? "compressed" : "dense", is_c ? "compressed" : "dense");
        const ff_level *L = &t->lvl[d->level];
        snprintf(what, sizeof what, "level %d of '%s' (%zu seg + %zu crd)", d->level, d->tensor, L->nseg, L->ncrd);
        return load_level(u, d->slot, kind, compressed, L->seg, L->nseg, L->crd, L->ncrd, L->dim, what);
    }
    case FF_BIND_VALS: {
        const ff_tensor *t = input(u, d->tensor, d->slot);
        if (!t) return FF_EINVAL;
        snprintf(what, sizeof what, "the values of '%s'", d->tensor);
        if (fits(u, d->slot, kind, t->nvals, what)) return FF_EINVAL;
        mem_load(u, d->slot, 0, (const uint32_t *)t->vals, t->nvals);
        SET(u, d->slot, ARRAY, NVALS, (uint32_t)t->nvals);
        return 0;
    }
    case FF_BIND_INLINE: {
        if (node < 0)
            return ff_err_set(u->err, FF_EINVAL, "%s: its node is not in graph '%s'", tile_text(u, d->slot, tt, sizeof tt),
                              u->g->name);
        const ff_node *n = &u->g->nodes[node];
        if (kind == FF_PRIM_ARRAY) {
            const ff_param *p = ff_node_param(n, "vals");
            uint32_t *v = u32_of(p);
            size_t nv = p ? p->nints : 0;
            int rc = fits(u, d->slot, kind, nv, "its vals param");
            if (!rc) {
                mem_load(u, d->slot, 0, v, nv);
                SET(u, d->slot, ARRAY, NVALS, (uint32_t)nv);
            }
            free(v);
            return rc;
        }
        const ff_param *ps = ff_node_param(n, "seg"), *pc = ff_node_param(n, "crd");
        uint32_t *seg = u32_of(ps), *crd = u32_of(pc);
        int rc = load_level(u, d->slot, kind, compressed, seg, ps ? ps->nints : 0, crd, pc ? pc->nints : 0, 0,
                            "its seg and crd params");
        free(seg);
        free(crd);
        return rc;
    }
    case FF_BIND_OUT_LEVEL:
        /* crd from word 0, seg from the middle: a level has at most one
         * segment entry per coordinate of its parent, plus one */
        SET(u, d->slot, WRITE_CRD, SEG_BASE, u->geo.mem_words[kind] / 2);
        return 0;
    case FF_BIND_OUT_VALS: return 0;
    case FF_BIND_DIM: {
        const ff_tensor *t = input(u, d->tensor, d->slot);
        if (!t) return FF_EINVAL;
        if (d->level < 0 || d->level >= t->order)
            return ff_err_set(u->err, FF_EINVAL, "%s: mode %d of '%s' does not exist", tile_text(u, d->slot, tt, sizeof tt),
                              d->level, d->tensor);
        uint32_t v = t->dims[d->level];
        if (kind == FF_PRIM_SCAN || kind == FF_PRIM_LOCATE) {
            SET(u, d->slot, SCAN, DIM, v);
        } else if (kind == FF_PRIM_SPACC1) {
            snprintf(what, sizeof what, "an accumulator of dim %u (mode %d of '%s')", v, d->level, d->tensor);
            if (fits(u, d->slot, kind, v, what)) return FF_EINVAL;
            SET(u, d->slot, SPACC1, DIM, v);
        } else if (kind == FF_PRIM_SPACC2 && !strcmp(d->field, "dim_outer")) {
            SET(u, d->slot, SPACC2, DIM_OUTER, v);
        } else if (kind == FF_PRIM_SPACC2 && !strcmp(d->field, "dim_inner")) {
            SET(u, d->slot, SPACC2, DIM_INNER, v);
            SET(u, d->slot, SPACC2, INNER_SHIFT, (uint32_t)ceil_log2(v));
        } else {
            return ff_err_set(u->err, FF_EINVAL, "%s: no run-time dim '%s' on a %s tile",
                              tile_text(u, d->slot, tt, sizeof tt), d->field, kname(kind));
        }
        return 0;
    }
    default: return ff_err_set(u->err, FF_EINVAL, "%s: unknown bind", tile_text(u, d->slot, tt, sizeof tt));
    }
}

/* spacc2's accumulator must fit once both dims are known. */
static int check_spacc2(runner *u)
{
    char tt[96];
    for (size_t i = 0; i < u->bs->tiles.len; i++) {
        const ff_bs_tile *t = &u->bs->tiles.data[i];
        if (t->kind != FF_PRIM_SPACC2) continue;
        uint32_t base = REG_ADDR(t->slot, 0);
        uint32_t outer = ff_rtl_cfg_read(u->r, base + FF_RTL_SPACC2_DIM_OUTER_REG);
        uint32_t shift = ff_rtl_cfg_read(u->r, base + FF_RTL_SPACC2_INNER_SHIFT_REG) & 31u;
        if (((uint64_t)outer << shift) > u->geo.mem_words[FF_PRIM_SPACC2])
            return ff_err_set(u->err, FF_EINVAL, "%s: the accumulator needs %u x %u words, the tile has %u",
                              tile_text(u, t->slot, tt, sizeof tt), outer, 1u << shift,
                              u->geo.mem_words[FF_PRIM_SPACC2]);
    }
    return 0;
}

/* The harness side of source and sink nodes. */
static int setup_ports(runner *u, ff_rtl_result *res)
{
    for (size_t i = 0; i < u->bs->ports.len; i++) {
        const ff_bs_port *bp = &u->bs->ports.data[i];
        int id = ff_graph_find_node(u->g, bp->node);
        const ff_node *n = id >= 0 ? &u->g->nodes[id] : NULL;
        if (!n || n->kind != (bp->is_output ? FF_PRIM_SINK : FF_PRIM_SOURCE))
            return ff_err_set(u->err, FF_EINVAL, "harness %s port %d: graph '%s' has no %s node '%s'",
                              bp->is_output ? "output" : "input", bp->port, u->g->name,
                              bp->is_output ? "sink" : "source", bp->node);
        if (!bp->is_output) {
            source s = {.port = bp->port};
            ff_stream_type type = (ff_stream_type)ff_node_int(n, "type");
            if (ff_tok_parse(ff_node_str(n, "tokens"), type, u->g->frac_bits, 1, &s.toks, u->err)) {
                free(s.toks.data);
                return ff_err_wrap(u->err, "node '%s': ", n->name);
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
                return ff_err_set(u->err, FF_EINVAL, "node '%s': ready '%s': expected rand:SEED:PERCENT", n->name, rd);
        } else if (rd[0]) {
            size_t len = strlen(rd);
            if (strspn(rd, "01") != len || !strchr(rd, '1'))
                return ff_err_set(u->err, FF_EINVAL, "node '%s': ready '%s': expected a 0/1 pattern", n->name, rd);
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

/* One line per unfinished tile: node, kind, each connected input's FIFO. */
static void stuck_report(runner *u, char *buf, size_t cap)
{
    size_t len = strlen(buf);
    int shown = 0;
    for (size_t i = 0; i < u->bs->tiles.len && len + 80 < cap; i++) {
        const ff_bs_tile *t = &u->bs->tiles.data[i];
        uint32_t base = REG_ADDR(t->slot, 0);
        uint32_t status = ff_rtl_cfg_read(u->r, base + FF_RTL_REG_STATUS);
        if (FF_RTL_GET(status, FF_RTL_STATUS_DONE)) continue;
        if (shown++ == 12) {
            len += (size_t)snprintf(buf + len, cap - len, " ...");
            break;
        }
        char tt[96];
        len += (size_t)snprintf(buf + len, cap - len, " %s%s:", tile_text(u, t->slot, tt, sizeof tt),
                                FF_RTL_GET(status, FF_RTL_STATUS_STARTED) ? "" : " (never fired)");
        const ff_hw_kind *hk = ff_hw_kind_get(t->kind);
        uint32_t occ_lo = ff_rtl_cfg_read(u->r, base + FF_RTL_REG_OCC_LO);
        uint32_t occ_hi = ff_rtl_cfg_read(u->r, base + FF_RTL_REG_OCC_HI);
        for (int p = 0; p < hk->nin && len + 40 < cap; p++) {
            uint32_t in = ff_rtl_cfg_read(u->r, base + (uint32_t)FF_RTL_REG_IN(p));
            if (FF_RTL_GET(in, FF_RTL_IN_SRC) == 0) continue;
            uint32_t occ = ((p < 4 ? occ_lo : occ_hi) >> (8 * (p % 4))) & 0xffu;
            uint32_t depth = FF_RTL_GET(in, FF_RTL_IN_DEPTH);
            len += (size_t)snprintf(buf + len, cap - len, " %s %u/%u", hk->in[p], occ, depth ? depth : 1);
        }
        len += (size_t)snprintf(buf + len, cap - len, ";");
    }
}

/* Tiles whose sticky error flag is set. */
static void error_report(runner *u, char *buf, size_t cap)
{
    size_t len = strlen(buf);
    for (size_t i = 0; i < u->bs->tiles.len && len + 80 < cap; i++) {
        const ff_bs_tile *t = &u->bs->tiles.data[i];
        uint32_t status = ff_rtl_cfg_read(u->r, REG_ADDR(t->slot, FF_RTL_REG_STATUS));
        if (!FF_RTL_GET(status, FF_RTL_STATUS_ERROR)) continue;
        char tt[96];
        len += (size_t)snprintf(buf + len, cap - len, " %s%s;", tile_text(u, t->slot, tt, sizeof tt),
                                FF_RTL_GET(status, FF_RTL_STATUS_OVERFLOW)
                                    ? " ran out of SRAM"
                                    : " met streams that break the token contract");
    }
}

static int run_loop(runner *u, const ff_rtl_run_opts *o, ff_rtl_result *res)
{
    uint64_t limit = o && o->max_cycles ? o->max_cycles : 20000000u;
    uint64_t watchdog = o && o->watchdog ? o->watchdog : 4096u;
    uint64_t last = 0, idle = 0;
    int tiles_done = 0;
    char msg[sizeof u->err->msg];
    ff_rtl_run(u->r, 1);
    for (uint64_t t = 0;; t++) {
        int all = tiles_done;
        for (size_t i = 0; i < u->sources.len; i++) all &= u->sources.data[i].done;
        for (size_t i = 0; i < u->sinks.len; i++) all &= u->sinks.data[i].done;
        if (all) break;
        if (t == limit) {
            snprintf(msg, sizeof msg, "graph '%s' on array '%s': cycle limit %" PRIu64 " reached; unfinished:",
                     u->g->name, u->geo.name, limit);
            stuck_report(u, msg, sizeof msg);
            ff_rtl_run(u->r, 0);
            return ff_err_set(u->err, FF_ELIMIT, "%s", msg);
        }
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
                        if (t > last) last = t;
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
                    if (t > last) last = t;
                }
            }
            ff_rtl_hout_pop(u->r, k->port, pop);
        }
        if (ff_rtl_active(u->r)) moved = 1;
        ff_rtl_step(u->r);
        if (ff_rtl_error(u->r)) {
            snprintf(msg, sizeof msg, "graph '%s' on array '%s', cycle %" PRIu64 ":", u->g->name, u->geo.name, t);
            error_report(u, msg, sizeof msg);
            ff_rtl_run(u->r, 0);
            return ff_err_set(u->err, FF_ERUNTIME, "%s", msg);
        }
        if (!tiles_done && ff_rtl_done(u->r)) {
            tiles_done = 1;
            if (t > last) last = t;
        }
        idle = moved ? 0 : idle + 1;
        if (idle >= watchdog) {
            snprintf(msg, sizeof msg, "graph '%s' on array '%s': no token moved for %" PRIu64 " cycles (cycle %" PRIu64
                     "); unfinished:", u->g->name, u->geo.name, watchdog, t);
            stuck_report(u, msg, sizeof msg);
            ff_rtl_run(u->r, 0);
            return ff_err_set(u->err, FF_EDEADLOCK, "%s", msg);
        }
    }
    for (size_t i = 0; i < u->sources.len; i++) ff_rtl_hin_drive(u->r, u->sources.data[i].port, 0, 0);
    for (size_t i = 0; i < u->sinks.len; i++) ff_rtl_hout_pop(u->r, u->sinks.data[i].port, 0);
    ff_rtl_run(u->r, 0);
    res->cycles = last + 1;
    return 0;
}

/* Reads back every writer of every output tensor and assembles them. */
static int read_outputs(runner *u, ff_rtl_result *res)
{
    const ff_graph *g = u->g;
    char tt[96];
    for (int ti = 0; ti < g->ntensors; ti++) {
        if (!g->tensors[ti].is_output) continue;
        ff_written w;
        memset(&w, 0, sizeof w);
        uint32_t *bufs[2 * FF_MAX_LEVELS + 1] = {0};
        int nbufs = 0, rc = 0;
        for (size_t i = 0; i < u->bs->binds.len && !rc; i++) {
            const ff_bind *d = &u->bs->binds.data[i];
            if ((d->kind != FF_BIND_OUT_LEVEL && d->kind != FF_BIND_OUT_VALS) || strcmp(d->tensor, g->tensors[ti].name))
                continue;
            uint32_t base = REG_ADDR(d->slot, 0);
            uint32_t status = ff_rtl_cfg_read(u->r, base + FF_RTL_REG_STATUS);
            uint32_t n0 = ff_rtl_cfg_read(u->r, base + FF_RTL_REG_COUNT0);
            uint32_t n1 = ff_rtl_cfg_read(u->r, base + FF_RTL_REG_COUNT1);
            int kind = d->kind == FF_BIND_OUT_LEVEL ? FF_PRIM_WRITE_CRD : FF_PRIM_WRITE_VAL;
            uint32_t words = u->geo.mem_words[kind];
            uint32_t seg_base = kind == FF_PRIM_WRITE_CRD ? ff_rtl_cfg_read(u->r, base + FF_RTL_WRITE_CRD_SEG_BASE_REG) : 0;
            if (FF_RTL_GET(status, FF_RTL_STATUS_OVERFLOW) || n0 > (kind == FF_PRIM_WRITE_CRD ? seg_base : words) ||
                n1 > words - seg_base) {
                rc = ff_err_set(u->err, FF_EINVAL, "%s: output '%s' needs more SRAM than the tile's %u words (%u %s%s)",
                                tile_text(u, d->slot, tt, sizeof tt), d->tensor, words, n0,
                                kind == FF_PRIM_WRITE_CRD ? "coordinates" : "values",
                                kind == FF_PRIM_WRITE_CRD ? " and their segments" : "");
                break;
            }
            uint32_t *a = ff_xmalloc(((size_t)n0 + 1) * sizeof *a);
            bufs[nbufs++] = a;
            for (uint32_t k = 0; k < n0; k++) a[k] = ff_rtl_mem_read(u->r, (uint32_t)d->slot, k);
            if (kind == FF_PRIM_WRITE_VAL) {
                w.vals = (const ff_fx *)a;
                w.nvals = n0;
                w.have_vals = 1;
                continue;
            }
            if (d->level < 0 || d->level >= FF_MAX_LEVELS) continue;
            uint32_t *s = ff_xmalloc(((size_t)n1 + 1) * sizeof *s);
            bufs[nbufs++] = s;
            for (uint32_t k = 0; k < n1; k++) s[k] = ff_rtl_mem_read(u->r, (uint32_t)d->slot, seg_base + k);
            w.crd[d->level] = a;
            w.ncrd[d->level] = n0;
            w.seg[d->level] = s;
            w.nseg[d->level] = n1;
            w.have_level[d->level] = 1;
        }
        if (!rc) rc = ff_sim_assemble_output(g, u->in, g->tensors[ti].name, &w, &res->outputs[ti], u->err);
        for (int i = 0; i < nbufs; i++) free(bufs[i]);
        if (rc) return rc;
    }
    return 0;
}

int ff_rtl_run_graph(ff_rtl *r, const ff_graph *g, const ff_bitstream *bs, const ff_tensor *const *inputs,
                     const ff_rtl_run_opts *opts, ff_rtl_result *res, ff_err *err)
{
    memset(res, 0, sizeof *res);
    runner u = {.r = r, .g = g, .bs = bs, .err = err};
    int rc = ff_rtl_read_array(r, &u.geo, err);
    if (rc || (rc = ff_bitstream_check_array(bs, &u.geo, err))) return rc;
    if (!g->validated) return ff_err_set(err, FF_EINVAL, "graph '%s' must be validated before it is run", g->name);
    /* the bitstream must have been built from this graph */
    for (size_t i = 0; i < bs->tiles.len; i++) {
        const ff_bs_tile *t = &bs->tiles.data[i];
        int id = ff_graph_find_node(g, t->node);
        if (id < 0 || (int)g->nodes[id].kind != t->kind)
            return ff_err_set(err, FF_EINVAL, "the bitstream puts node '%s' on tile %s[%d], but graph '%s' has no %s "
                              "node of that name", t->node, kname(t->kind), t->index, g->name, kname(t->kind));
    }
    u.in = ff_xcalloc((size_t)g->ntensors + 1, sizeof *u.in);
    u.owned = ff_xcalloc((size_t)g->ntensors + 1, sizeof *u.owned);
    res->ntensors = g->ntensors;
    res->outputs = ff_xcalloc((size_t)g->ntensors + 1, sizeof *res->outputs);
    for (int t = 0; t < g->ntensors && !rc; t++) {
        const ff_gtensor *gt = &g->tensors[t];
        if (gt->is_output) continue;
        const ff_tensor *x = inputs ? inputs[t] : NULL;
        if (!x) {
            rc = ff_err_set(err, FF_EINVAL, "graph '%s': input tensor '%s' has no data", g->name, gt->name);
            break;
        }
        if (x->order != gt->order || x->frac_bits != g->frac_bits) {
            rc = ff_err_set(err, FF_EINVAL, "tensor '%s': the graph expects order %d with %d fractional bits, the data "
                            "has order %d with %d", gt->name, gt->order, g->frac_bits, x->order, x->frac_bits);
            break;
        }
        ff_format want;
        if ((rc = ff_format_parse(gt->format, gt->order, &want, err))) break;
        if ((rc = ff_tensor_convert(x, &want, &u.owned[t], err))) {
            ff_err_wrap(err, "tensor '%s': ", gt->name);
            break;
        }
        u.in[t] = u.owned[t];
    }
    if (!rc) {
        ff_rtl_reset(r);
        if (opts && opts->trace && ff_rtl_trace(r, opts->trace))
            rc = ff_err_set(err, FF_EIO, "%s: cannot write the waveform", opts->trace);
    }
    for (size_t i = 0; i < bs->words.len && !rc; i++) ff_rtl_cfg_write(r, bs->words.data[i].addr, bs->words.data[i].data);
    for (size_t i = 0; i < bs->binds.len && !rc; i++) rc = load_bind(&u, &bs->binds.data[i]);
    if (!rc) rc = check_spacc2(&u);
    if (!rc) rc = setup_ports(&u, res);
    if (!rc) rc = run_loop(&u, opts, res);
    if (!rc) rc = read_outputs(&u, res);
    if (opts && opts->trace) ff_rtl_trace(r, NULL);
    for (size_t i = 0; i < u.sources.len; i++) free(u.sources.data[i].toks.data);
    for (size_t i = 0; i < u.sinks.len; i++) free(u.sinks.data[i].pattern);
    free(u.sources.data);
    free(u.sinks.data);
    for (int t = 0; t < g->ntensors; t++) ff_tensor_free(u.owned[t]);
    free(u.owned);
    free(u.in);
    if (rc) ff_rtl_result_free(res);
    return rc;
}
