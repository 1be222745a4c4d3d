/*
 * load.c -- the loader and read-back of ff_rtl_load.h: bitstream and tensors
 * in through a bus, tensors out through it, and the run discipline's
 * bookkeeping and messages.
 *
 * The order of one load: checks; the inputs converted; reset; the
 * bitstream's words; per bind, the data the words cannot hold (SRAM
 * contents, bases, sizes, dims). Every check that depends on data (a level
 * larger than its tile's SRAM, a dim beyond an accumulator) is made here,
 * before the run, and named.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ff_rtl_load.h"

#define REG_ADDR(slot, reg) ((uint32_t)(slot) * FF_RTL_REGS_PER_SLOT + (uint32_t)(reg))

struct ff_rtl_load {
    const ff_rtl_bus *bus;
    const ff_graph *g;
    const ff_bitstream *bs;
    ff_array_desc geo;
    uint32_t *block_base;     /* per configuration slot: a blocked array's first handle, 0 if none */
    uint32_t block_next;      /* the allocator's first handle after the arrays' blocks */
    const ff_tensor **in;     /* per graph tensor, in the declared format */
    ff_tensor **owned;        /* the converted copies behind in */
    ff_err *err;              /* of the call in progress */
};

/* ---- bus access ---- */

static int rd(const ff_rtl_bus *bus, uint32_t addr, uint32_t *v, ff_err *err)
{
    *v = 0;
    return bus->cfg_read(bus->user, addr, v, err);
}

int ff_rtl_bus_read_array(const ff_rtl_bus *bus, ff_array_desc *out, ff_err *err)
{
    memset(out, 0, sizeof *out);
    uint32_t magic, v;
    int rc = rd(bus, FF_RTL_GEO_MAGIC, &magic, err);
    if (rc) return rc;
    if (magic != FF_RTL_MAGIC)
        return ff_err_set(err, FF_EINVAL, "array '%s': magic word 0x%08x, the schema's is 0x%08x (built from another "
                          "schema?)", bus->name, magic, FF_RTL_MAGIC);
    snprintf(out->name, sizeof out->name, "%s", bus->name);
    for (int k = 0; k < FF_RTL_NKINDS && !rc; k++) {
        if (!(rc = rd(bus, (uint32_t)k, &v, err))) out->tiles[k] = (int)v;
        if (!rc) rc = rd(bus, FF_RTL_REGS_PER_SLOT + (uint32_t)k, &out->mem_words[k], err);
    }
    if (!rc && !(rc = rd(bus, FF_RTL_GEO_NHIN, &v, err))) out->nhin = (int)v;
    if (!rc && !(rc = rd(bus, FF_RTL_GEO_NHOUT, &v, err))) out->nhout = (int)v;
    if (!rc && !(rc = rd(bus, FF_RTL_GEO_MAX_DEPTH, &v, err))) out->max_depth = (int)v;
    if (!rc && !(rc = rd(bus, FF_RTL_GEO_MAX_LATENCY, &v, err))) out->max_latency = (int)v;
    if (!rc && !(rc = rd(bus, FF_RTL_GEO_MAX_BLOCK, &v, err))) out->max_block = (int)v;
    if (!rc) rc = rd(bus, FF_RTL_GEO_BLOCK_WORDS, &out->block_words, err);
    return rc;
}

static const char *kname(int k) { return ff_hw_kind_get(k)->name; }

/* "scan[1] 'A_k'" for messages. */
static const char *tile_text(const ff_rtl_load *u, int slot, char *buf, size_t n)
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

/* Read-modify-write of one field. */
static int cfg_set(ff_rtl_load *u, int slot, int reg, int lsb, int width, uint32_t v)
{
    uint32_t addr = REG_ADDR(slot, reg), w;
    uint32_t m = (width >= 32 ? 0xffffffffu : (1u << width) - 1u) << lsb;
    int rc = rd(u->bus, addr, &w, u->err);
    if (rc) return rc;
    return u->bus->cfg_write(u->bus->user, addr, (w & ~m) | ((v << lsb) & m), u->err);
}

#define SET(u, slot, KIND, FIELD, v) \
    cfg_set(u, slot, FF_RTL_##KIND##_##FIELD##_REG, FF_RTL_##KIND##_##FIELD##_LSB, FF_RTL_##KIND##_##FIELD##_WIDTH, v)

/* A field of the kind's params as the bitstream writes it. */
#define BS_FIELD(u, slot, KIND, FIELD)                                                                         \
    ((ff_bitstream_reg((u)->bs, slot, FF_RTL_##KIND##_##FIELD##_REG, NULL) >> FF_RTL_##KIND##_##FIELD##_LSB) & \
     FF_RTL_MASK_(FF_RTL_##KIND##_##FIELD##_WIDTH))

/* Words of one block of a block-mode array or writer tile, 0 for a scalar one. */
static uint32_t block_words_of(const ff_rtl_load *u, int slot, int kind)
{
    _Static_assert(FF_RTL_BLOCK_ZERO_WORDS == FF_SIM_BLOCK_ZERO_WORDS,
                   "the RTL's zero block is the C model's (rtl/schema/config.json block_zero_words)");
    uint32_t B = kind == FF_PRIM_ARRAY ? BS_FIELD(u, slot, ARRAY, BLK) : BS_FIELD(u, slot, WRITE_VAL, BLK);
    uint32_t dims = kind == FF_PRIM_ARRAY ? BS_FIELD(u, slot, ARRAY, BDIMS) : BS_FIELD(u, slot, WRITE_VAL, BDIMS);
    return B ? (dims == 0 ? 1 : dims == 1 ? B : B * B) : 0;
}

static int mem_load(ff_rtl_load *u, int slot, uint32_t base, const uint32_t *w, size_t n)
{
    return n ? u->bus->mem_write(u->bus->user, (uint32_t)slot, base, w, n, u->err) : 0;
}

/* ---- binds ---- */

static const ff_tensor *input(ff_rtl_load *u, const char *name, int slot)
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

static int fits(ff_rtl_load *u, int slot, int kind, size_t words, const char *what)
{
    char tt[96];
    if (words <= u->geo.mem_words[kind]) return 0;
    return ff_err_set(u->err, FF_EINVAL, "%s: %s needs %zu SRAM words, the tile has %u (array '%s')",
                      tile_text(u, slot, tt, sizeof tt), what, words, u->geo.mem_words[kind], u->geo.name);
}

/* A compressed level (seg at 0, crd at nseg) or a dense one (dim). */
static int load_level(ff_rtl_load *u, int slot, int kind, int compressed, const uint32_t *seg, size_t nseg,
                      const uint32_t *crd, size_t ncrd, uint32_t dim, const char *what)
{
    if (!compressed) return SET(u, slot, SCAN, DIM, dim);
    if (fits(u, slot, kind, nseg + ncrd, what)) return FF_EINVAL;
    int rc = mem_load(u, slot, 0, seg, nseg);
    if (!rc) rc = mem_load(u, slot, (uint32_t)nseg, crd, ncrd);
    if (!rc) rc = SET(u, slot, SCAN, CRD_BASE, (uint32_t)nseg);
    if (!rc) rc = SET(u, slot, SCAN, NSEG, (uint32_t)nseg);
    if (!rc) rc = SET(u, slot, SCAN, NCRD, (uint32_t)ncrd);
    return rc;
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

/* A value array: into the tile's SRAM, or in block mode into the block
 * store from the handle the array's blocks were given (assign_blocks). */
static int load_vals(ff_rtl_load *u, int slot, int kind, const uint32_t *vals, size_t n, const char *what)
{
    char tt[96];
    uint32_t bw = block_words_of(u, slot, kind);
    if (!bw) {
        if (fits(u, slot, kind, n, what)) return FF_EINVAL;
        int rc = mem_load(u, slot, 0, vals, n);
        return rc ? rc : SET(u, slot, ARRAY, NVALS, (uint32_t)n);
    }
    if (n % bw)
        return ff_err_set(u->err, FF_EINVAL, "%s: %s: %zu values are not whole blocks of %u",
                          tile_text(u, slot, tt, sizeof tt), what, n, bw);
    int rc = mem_load(u, 1, u->block_base[slot] - FF_RTL_BLOCK_ZERO_WORDS, vals, n);
    if (!rc) rc = SET(u, slot, ARRAY, BASE, u->block_base[slot]);
    return rc ? rc : SET(u, slot, ARRAY, NVALS, (uint32_t)(n / bw));
}

/* Values a value-array bind loads (0 for other binds). */
static size_t bind_nvals(ff_rtl_load *u, const ff_bind *d)
{
    if (d->kind == FF_BIND_VALS) {
        int ti = ff_graph_find_tensor(u->g, d->tensor);
        return ti >= 0 && u->in[ti] ? u->in[ti]->nvals : 0;
    }
    const ff_bs_tile *t = ff_bitstream_tile(u->bs, d->slot);
    int node = t && t->kind == FF_PRIM_ARRAY ? ff_graph_find_node(u->g, t->node) : -1;
    const ff_param *p = node >= 0 ? ff_node_param(&u->g->nodes[node], "vals") : NULL;
    return p ? p->nints : 0;
}

/* Block mode: the blocked value arrays' places in the block store, in node
 * order after the zero block -- where the C model's arrays put them
 * (docs/tokens.md "Block values") -- and the allocator's start after them. */
static int assign_blocks(ff_rtl_load *u)
{
    u->block_next = FF_RTL_BLOCK_ZERO_WORDS;
    for (int i = 0; i < u->g->nnodes; i++) {
        if (u->g->nodes[i].kind != FF_PRIM_ARRAY) continue;
        for (size_t b = 0; b < u->bs->binds.len; b++) {
            const ff_bind *d = &u->bs->binds.data[b];
            const ff_bs_tile *t = ff_bitstream_tile(u->bs, d->slot);
            if ((d->kind != FF_BIND_VALS && d->kind != FF_BIND_INLINE) || !t || t->kind != FF_PRIM_ARRAY ||
                strcmp(t->node, u->g->nodes[i].name) || !block_words_of(u, d->slot, FF_PRIM_ARRAY))
                continue;
            size_t n = bind_nvals(u, d);
            if (u->block_next + (uint64_t)n > FF_RTL_BLOCK_ZERO_WORDS + (uint64_t)u->geo.block_words)
                return ff_err_set(u->err, FF_EINVAL, "graph '%s': the blocked value arrays need %llu words of block "
                                  "store from node '%s' on, array '%s' has %u", u->g->name,
                                  (unsigned long long)(u->block_next - FF_RTL_BLOCK_ZERO_WORDS + n),
                                  u->g->nodes[i].name, u->geo.name, u->geo.block_words);
            u->block_base[d->slot] = u->block_next;
            u->block_next += (uint32_t)n;
        }
    }
    return 0;
}

static int load_bind(ff_rtl_load *u, const ff_bind *d)
{
    char tt[96], what[160];
    int kind, index, rc;
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
        return load_vals(u, d->slot, kind, (const uint32_t *)t->vals, t->nvals, what);
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
            rc = load_vals(u, d->slot, kind, v, nv, "its vals param");
            free(v);
            return rc;
        }
        const ff_param *ps = ff_node_param(n, "seg"), *pc = ff_node_param(n, "crd");
        uint32_t *seg = u32_of(ps), *crd = u32_of(pc);
        rc = load_level(u, d->slot, kind, compressed, seg, ps ? ps->nints : 0, crd, pc ? pc->nints : 0, 0,
                        "its seg and crd params");
        free(seg);
        free(crd);
        return rc;
    }
    case FF_BIND_OUT_LEVEL:
        /* crd from word 0, seg from the middle: a level has at most one
         * segment entry per coordinate of its parent, plus one */
        return SET(u, d->slot, WRITE_CRD, SEG_BASE, u->geo.mem_words[kind] / 2);
    case FF_BIND_OUT_VALS: return 0;
    case FF_BIND_DIM: {
        const ff_tensor *t = input(u, d->tensor, d->slot);
        if (!t) return FF_EINVAL;
        if (d->level < 0 || d->level >= t->order)
            return ff_err_set(u->err, FF_EINVAL, "%s: mode %d of '%s' does not exist", tile_text(u, d->slot, tt, sizeof tt),
                              d->level, d->tensor);
        /* a "T:m/B" dim counts blocks of B along the mode */
        uint32_t v = d->block ? (t->dims[d->level] + (uint32_t)d->block - 1) / (uint32_t)d->block : t->dims[d->level];
        /* scan and locate share their register layout (the schema's "as scan") */
        if ((kind == FF_PRIM_SCAN || kind == FF_PRIM_LOCATE) && !strcmp(d->field, "off")) return SET(u, d->slot, SCAN, OFF, v);
        if ((kind == FF_PRIM_SCAN || kind == FF_PRIM_LOCATE) && !strcmp(d->field, "len")) return SET(u, d->slot, SCAN, LEN, v);
        if (kind == FF_PRIM_SCAN || kind == FF_PRIM_LOCATE) return SET(u, d->slot, SCAN, DIM, v);
        if (kind == FF_PRIM_SPACC1) {
            snprintf(what, sizeof what, "an accumulator of dim %u (mode %d of '%s')", v, d->level, d->tensor);
            if (fits(u, d->slot, kind, v, what)) return FF_EINVAL;
            return SET(u, d->slot, SPACC1, DIM, v);
        }
        if (kind == FF_PRIM_SPACC2 && !strcmp(d->field, "dim_outer")) return SET(u, d->slot, SPACC2, DIM_OUTER, v);
        if (kind == FF_PRIM_SPACC2 && !strcmp(d->field, "dim_inner")) {
            rc = SET(u, d->slot, SPACC2, DIM_INNER, v);
            return rc ? rc : SET(u, d->slot, SPACC2, INNER_SHIFT, (uint32_t)ceil_log2(v));
        }
        return ff_err_set(u->err, FF_EINVAL, "%s: no run-time dim '%s' on a %s tile", tile_text(u, d->slot, tt, sizeof tt),
                          d->field, kname(kind));
    }
    default: return ff_err_set(u->err, FF_EINVAL, "%s: unknown bind", tile_text(u, d->slot, tt, sizeof tt));
    }
}

/* spacc2's accumulator must fit once both dims are known. */
static int check_spacc2(ff_rtl_load *u)
{
    char tt[96];
    for (size_t i = 0; i < u->bs->tiles.len; i++) {
        const ff_bs_tile *t = &u->bs->tiles.data[i];
        if (t->kind != FF_PRIM_SPACC2) continue;
        uint32_t base = REG_ADDR(t->slot, 0), outer, shift;
        int rc = rd(u->bus, base + FF_RTL_SPACC2_DIM_OUTER_REG, &outer, u->err);
        if (!rc) rc = rd(u->bus, base + FF_RTL_SPACC2_INNER_SHIFT_REG, &shift, u->err);
        if (rc) return rc;
        shift &= 31u;
        if (((uint64_t)outer << shift) > u->geo.mem_words[FF_PRIM_SPACC2])
            return ff_err_set(u->err, FF_EINVAL, "%s: the accumulator needs %u x %u words, the tile has %u",
                              tile_text(u, t->slot, tt, sizeof tt), outer, 1u << shift,
                              u->geo.mem_words[FF_PRIM_SPACC2]);
    }
    return 0;
}

void ff_rtl_load_free(ff_rtl_load *ld)
{
    if (!ld) return;
    for (int t = 0; ld->owned && t < ld->g->ntensors; t++) ff_tensor_free(ld->owned[t]);
    free(ld->owned);
    free(ld->in);
    free(ld->block_base);
    free(ld);
}

int ff_rtl_load_graph(const ff_rtl_bus *bus, const ff_graph *g, const ff_bitstream *bs,
                      const ff_tensor *const *inputs, ff_rtl_load **out, ff_err *err)
{
    *out = NULL;
    ff_rtl_load *u = ff_xcalloc(1, sizeof *u);
    u->bus = bus;
    u->g = g;
    u->bs = bs;
    u->err = err;
    int rc = ff_rtl_bus_read_array(bus, &u->geo, err);
    if (!rc) rc = ff_bitstream_check_array(bs, &u->geo, err);
    if (!rc && !g->validated) rc = ff_err_set(err, FF_EINVAL, "graph '%s' must be validated before it is run", g->name);
    /* the bitstream must have been built from this graph */
    for (size_t i = 0; i < bs->tiles.len && !rc; i++) {
        const ff_bs_tile *t = &bs->tiles.data[i];
        int id = ff_graph_find_node(g, t->node);
        if (id < 0 || (int)g->nodes[id].kind != t->kind)
            rc = ff_err_set(err, FF_EINVAL, "the bitstream puts node '%s' on tile %s[%d], but graph '%s' has no %s "
                            "node of that name", t->node, kname(t->kind), t->index, g->name, kname(t->kind));
    }
    if (rc) {
        free(u);
        return rc;
    }
    u->in = ff_xcalloc((size_t)g->ntensors + 1, sizeof *u->in);
    u->owned = ff_xcalloc((size_t)g->ntensors + 1, sizeof *u->owned);
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
        if ((rc = ff_tensor_convert_blocks(x, &want, &u->owned[t], err))) {
            ff_err_wrap(err, "tensor '%s': ", gt->name);
            break;
        }
        u->in[t] = u->owned[t];
    }
    u->block_base = ff_xcalloc((size_t)1 << FF_RTL_SLOT_BITS, sizeof *u->block_base);
    if (!rc) rc = assign_blocks(u);
    if (!rc) rc = bus->reset(bus->user, err);
    for (size_t i = 0; i < bs->words.len && !rc; i++)
        rc = bus->cfg_write(bus->user, bs->words.data[i].addr, bs->words.data[i].data, err);
    for (size_t i = 0; i < bs->binds.len && !rc; i++) rc = load_bind(u, &bs->binds.data[i]);
    if (!rc && u->geo.max_block)
        rc = bus->cfg_write(bus->user, REG_ADDR(FF_RTL_GEO_BLOCK_NEXT_SLOT, FF_RTL_GEO_BLOCK_NEXT), u->block_next, err);
    if (!rc) rc = check_spacc2(u);
    if (rc) {
        ff_rtl_load_free(u);
        return rc;
    }
    u->err = NULL;
    *out = u;
    return 0;
}

const ff_array_desc *ff_rtl_load_array(const ff_rtl_load *ld) { return &ld->geo; }
const ff_graph *ff_rtl_load_graph_of(const ff_rtl_load *ld) { return ld->g; }
const ff_bitstream *ff_rtl_load_bitstream(const ff_rtl_load *ld) { return ld->bs; }
const ff_tensor *const *ff_rtl_load_inputs(const ff_rtl_load *ld) { return ld->in; }

/* ---- read-back ---- */

/* The bw words of each of n blocks, by handle, from the block store. */
static int read_blocks(ff_rtl_load *u, const uint32_t *handles, uint32_t n, uint32_t bw, uint32_t *out, ff_err *err)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t h = handles[i];
        if (h < FF_RTL_BLOCK_ZERO_WORDS) {
            if (h + bw > FF_RTL_BLOCK_ZERO_WORDS)
                return ff_err_set(err, FF_EINVAL, "array '%s': handle %u straddles the zero block", u->geo.name, h);
            memset(out + (size_t)i * bw, 0, bw * sizeof *out);
            continue;
        }
        if ((uint64_t)h - FF_RTL_BLOCK_ZERO_WORDS + bw > u->geo.block_words)
            return ff_err_set(err, FF_EINVAL, "array '%s': block handle %u lies past the %u-word block store", u->geo.name,
                              h, u->geo.block_words);
        int rc = u->bus->mem_read(u->bus->user, 1, h - FF_RTL_BLOCK_ZERO_WORDS, out + (size_t)i * bw, bw, err);
        if (rc) return rc;
    }
    return 0;
}

int ff_rtl_load_read_outputs(ff_rtl_load *u, ff_tensor **outputs, ff_err *err)
{
    const ff_graph *g = u->g;
    const ff_rtl_bus *bus = u->bus;
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
            uint32_t base = REG_ADDR(d->slot, 0), status, n0, n1, seg_base = 0;
            int kind = d->kind == FF_BIND_OUT_LEVEL ? FF_PRIM_WRITE_CRD : FF_PRIM_WRITE_VAL;
            rc = rd(bus, base + FF_RTL_REG_STATUS, &status, err);
            if (!rc) rc = rd(bus, base + FF_RTL_REG_COUNT0, &n0, err);
            if (!rc) rc = rd(bus, base + FF_RTL_REG_COUNT1, &n1, err);
            if (!rc && kind == FF_PRIM_WRITE_CRD) rc = rd(bus, base + FF_RTL_WRITE_CRD_SEG_BASE_REG, &seg_base, err);
            if (rc) break;
            uint32_t words = u->geo.mem_words[kind];
            if (FF_RTL_GET(status, FF_RTL_STATUS_OVERFLOW) || n0 > (kind == FF_PRIM_WRITE_CRD ? seg_base : words) ||
                n1 > words - seg_base) {
                rc = ff_err_set(err, FF_EINVAL, "%s: output '%s' needs more SRAM than the tile's %u words (%u %s%s)",
                                tile_text(u, d->slot, tt, sizeof tt), d->tensor, words, n0,
                                kind == FF_PRIM_WRITE_CRD ? "coordinates" : "values",
                                kind == FF_PRIM_WRITE_CRD ? " and their segments" : "");
                break;
            }
            uint32_t *a = ff_xmalloc(((size_t)n0 + 1) * sizeof *a);
            bufs[nbufs++] = a;
            if (n0 && (rc = bus->mem_read(bus->user, (uint32_t)d->slot, 0, a, n0, err))) break;
            if (kind == FF_PRIM_WRITE_VAL) {
                uint32_t bw = block_words_of(u, d->slot, FF_PRIM_WRITE_VAL);
                if (bw) {
                    /* block mode: the writer kept handles; gather their blocks */
                    uint32_t *vals = ff_xmalloc(((size_t)n0 * bw + 1) * sizeof *vals);
                    bufs[nbufs++] = vals;
                    if ((rc = read_blocks(u, a, n0, bw, vals, err))) break;
                    a = vals;
                    n0 *= bw;
                }
                w.vals = (const ff_fx *)a;
                w.nvals = n0;
                w.have_vals = 1;
                continue;
            }
            if (d->level < 0 || d->level >= FF_MAX_LEVELS) continue;
            uint32_t *s = ff_xmalloc(((size_t)n1 + 1) * sizeof *s);
            bufs[nbufs++] = s;
            if (n1 && (rc = bus->mem_read(bus->user, (uint32_t)d->slot, seg_base, s, n1, err))) break;
            w.crd[d->level] = a;
            w.ncrd[d->level] = n0;
            w.seg[d->level] = s;
            w.nseg[d->level] = n1;
            w.have_level[d->level] = 1;
        }
        if (!rc) rc = ff_sim_assemble_output(g, u->in, g->tensors[ti].name, &w, &outputs[ti], err);
        for (int i = 0; i < nbufs; i++) free(bufs[i]);
        if (rc) return rc;
    }
    return 0;
}

/* ---- the run discipline ---- */

void ff_rtl_watch_init(ff_rtl_watch *w, uint64_t max_cycles, uint64_t watchdog)
{
    memset(w, 0, sizeof *w);
    w->limit = max_cycles ? max_cycles : 20000000u;
    w->watchdog = watchdog ? watchdog : 4096u;
}

int ff_rtl_watch_begin(ff_rtl_watch *w)
{
    if (w->cycle != w->limit) return 0;
    w->stop = FF_ELIMIT;
    w->stop_cycle = w->cycle;
    return FF_ELIMIT;
}

void ff_rtl_watch_finish(ff_rtl_watch *w)
{
    if (w->cycle > w->last) w->last = w->cycle;
}

int ff_rtl_watch_end(ff_rtl_watch *w, int moved, int done, int error)
{
    uint64_t t = w->cycle++;
    if (error) {
        w->stop = FF_ERUNTIME;
        w->stop_cycle = t;
        return FF_ERUNTIME;
    }
    if (!w->tiles_done && done) {
        w->tiles_done = 1;
        if (t > w->last) w->last = t;
    }
    w->idle = moved ? 0 : w->idle + 1;
    if (w->idle >= w->watchdog) {
        w->stop = FF_EDEADLOCK;
        w->stop_cycle = t;
        return FF_EDEADLOCK;
    }
    return 0;
}

uint64_t ff_rtl_watch_cycles(const ff_rtl_watch *w) { return w->last + 1; }

/* One entry per unfinished tile: node, kind, each connected input's FIFO. */
static int stuck_report(const ff_rtl_load *u, char *buf, size_t cap, ff_err *err)
{
    size_t len = strlen(buf);
    int shown = 0, rc = 0;
    for (size_t i = 0; i < u->bs->tiles.len && len + 80 < cap && !rc; i++) {
        const ff_bs_tile *t = &u->bs->tiles.data[i];
        uint32_t base = REG_ADDR(t->slot, 0), status, occ_lo, occ_hi;
        if ((rc = rd(u->bus, base + FF_RTL_REG_STATUS, &status, err))) break;
        if (FF_RTL_GET(status, FF_RTL_STATUS_DONE)) continue;
        if (shown++ == 12) {
            len += (size_t)snprintf(buf + len, cap - len, " ...");
            break;
        }
        char tt[96];
        len += (size_t)snprintf(buf + len, cap - len, " %s%s:", tile_text(u, t->slot, tt, sizeof tt),
                                FF_RTL_GET(status, FF_RTL_STATUS_STARTED) ? "" : " (never fired)");
        const ff_hw_kind *hk = ff_hw_kind_get(t->kind);
        if ((rc = rd(u->bus, base + FF_RTL_REG_OCC_LO, &occ_lo, err)) ||
            (rc = rd(u->bus, base + FF_RTL_REG_OCC_HI, &occ_hi, err)))
            break;
        for (int p = 0; p < hk->nin && len + 40 < cap; p++) {
            uint32_t in;
            if ((rc = rd(u->bus, base + (uint32_t)FF_RTL_REG_IN(p), &in, err))) break;
            if (FF_RTL_GET(in, FF_RTL_IN_SRC) == 0) continue;
            uint32_t occ = ((p < 4 ? occ_lo : occ_hi) >> (8 * (p % 4))) & 0xffu;
            uint32_t depth = FF_RTL_GET(in, FF_RTL_IN_DEPTH);
            len += (size_t)snprintf(buf + len, cap - len, " %s %u/%u", hk->in[p], occ, depth ? depth : 1);
        }
        len += (size_t)snprintf(buf + len, cap - len, ";");
    }
    return rc;
}

/* Tiles whose sticky error flag is set, and a full block store. */
static int error_report(const ff_rtl_load *u, char *buf, size_t cap, ff_err *err)
{
    size_t len = strlen(buf);
    if (u->geo.max_block) {
        uint32_t st;
        int rc = rd(u->bus, REG_ADDR(FF_RTL_GEO_BLOCK_STATUS_SLOT, FF_RTL_GEO_BLOCK_STATUS), &st, err);
        if (rc) return rc;
        if (st & 1u)
            len += (size_t)snprintf(buf + len, cap - len, " the block store ran out of its %u words;",
                                    u->geo.block_words);
    }
    for (size_t i = 0; i < u->bs->tiles.len && len + 80 < cap; i++) {
        const ff_bs_tile *t = &u->bs->tiles.data[i];
        uint32_t status;
        int rc = rd(u->bus, REG_ADDR(t->slot, FF_RTL_REG_STATUS), &status, err);
        if (rc) return rc;
        if (!FF_RTL_GET(status, FF_RTL_STATUS_ERROR)) continue;
        char tt[96];
        len += (size_t)snprintf(buf + len, cap - len, " %s%s;", tile_text(u, t->slot, tt, sizeof tt),
                                FF_RTL_GET(status, FF_RTL_STATUS_OVERFLOW)
                                    ? " ran out of SRAM"
                                    : " met streams that break the token contract");
    }
    return 0;
}

int ff_rtl_load_explain(const ff_rtl_load *u, const ff_rtl_watch *w, ff_err *err)
{
    char msg[sizeof err->msg];
    int rc;
    switch (w->stop) {
    case FF_ELIMIT:
        snprintf(msg, sizeof msg, "graph '%s' on array '%s': cycle limit %" PRIu64 " reached; unfinished:", u->g->name,
                 u->geo.name, w->limit);
        rc = stuck_report(u, msg, sizeof msg, err);
        break;
    case FF_ERUNTIME:
        snprintf(msg, sizeof msg, "graph '%s' on array '%s', cycle %" PRIu64 ":", u->g->name, u->geo.name,
                 w->stop_cycle);
        rc = error_report(u, msg, sizeof msg, err);
        break;
    case FF_EDEADLOCK:
        snprintf(msg, sizeof msg,
                 "graph '%s' on array '%s': no token moved for %" PRIu64 " cycles (cycle %" PRIu64 "); unfinished:",
                 u->g->name, u->geo.name, w->watchdog, w->stop_cycle);
        rc = stuck_report(u, msg, sizeof msg, err);
        break;
    default:
        return ff_err_set(err, FF_EINVAL, "graph '%s' on array '%s': the run did not stop (%d)", u->g->name,
                          u->geo.name, w->stop);
    }
    if (rc) return rc;
    return ff_err_set(err, w->stop, "%s", msg);
}
