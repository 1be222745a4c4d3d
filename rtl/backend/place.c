/*
 * place.c -- placement and routing of a dataflow graph onto an array, and
 * the translation of node params into configuration fields.
 *
 * Needs: a validated graph (ports resolved, edge types known). Produces: a
 * bitstream whose words configure every used tile (ctrl, one routing
 * register per connected input, the kind's static params) and every used
 * harness output port, with the binds the loader needs for everything that
 * depends on the data.
 *
 * Placement is first fit: the nodes of a kind, in graph order, take that
 * kind's tiles in index order. With a full crossbar every placement routes,
 * and the cycle behaviour does not depend on where a node sits (every
 * channel is a FIFO at its consumer, whatever the distance), so there is
 * nothing to optimise until the interconnect stops being full
 * (docs/rtl.md "Interconnect").
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "backend_int.h"

typedef struct placer {
    const ff_graph *g;
    const ff_array_desc *a;
    const ff_arch *arch;
    ff_bitstream *b;
    int *slot;           /* per node: its tile's slot, or the harness port for source/sink */
    int *index;          /* per node: tile index within its kind */
    uint32_t img[FF_RTL_REGS_PER_SLOT];
    uint32_t written;    /* bit r: register r of the current slot is written */
    ff_err *err;
} placer;

static void put(placer *p, int reg, uint32_t v)
{
    p->img[reg] = v;
    p->written |= 1u << reg;
}

/* SET(p, kind_field, v): a kind parameter field of the current slot, through
 * the setter schemagen generates for it (ff_config.h), which returns the
 * register it changed. */
static void wrote(placer *p, int reg) { p->written |= 1u << reg; }
#define SET(p, kind_field, v) wrote((p), ff_cfg_set_##kind_field((p)->img, (uint32_t)(v)))

static void flush(placer *p, int slot)
{
    for (int r = 0; r < FF_RTL_REGS_PER_SLOT; r++)
        if (p->written >> r & 1) {
            ff_bs_word w = {(uint32_t)slot * FF_RTL_REGS_PER_SLOT + (uint32_t)r, p->img[r]};
            FF_VEC_PUSH(p->b->words, w);
        }
    memset(p->img, 0, sizeof p->img);
    p->written = 0;
}

static void bind(placer *p, ff_bind_kind kind, int slot, const char *tensor, int level, const char *field)
{
    ff_bind d = {kind, slot, tensor ? ff_xstrdup(tensor) : NULL, level, field ? ff_xstrdup(field) : NULL, 0};
    FF_VEC_PUSH(p->b->binds, d);
}

/* A dim param: a number (*v), or "T:m" / "T:m/B" -> a DIM bind of `field`
 * (ff_dim_parse reads the text, as the C model does). */
/* A dim param: a number into *v, or (*bound) a size the loader writes.
 * `signed_ok`: a number may be negative (a window's offset), stored as its
 * 32-bit two's complement. */
static int dim_param_any(placer *p, const ff_node *n, int slot, const char *key, const char *field, int signed_ok,
                         uint32_t *v, int *bound)
{
    const ff_param *pr = ff_node_param(n, key);
    *bound = 0;
    *v = 0;
    if (!pr) return ff_err_set(p->err, FF_EINVAL, "node '%s': needs param %s", n->name, key);
    if (!pr->s && signed_ok && pr->i < 0 && pr->i >= -(int64_t)INT32_MAX) {
        *v = (uint32_t)(int32_t)pr->i;
        return 0;
    }
    if (!pr->s) {
        if (pr->i < 0 || pr->i > UINT32_MAX)
            return ff_err_set(p->err, FF_EINVAL, "node '%s': %s = %lld out of range", n->name, key, (long long)pr->i);
        *v = (uint32_t)pr->i;
        return 0;
    }
    char tname[128];
    size_t len = 0;
    int m = 0, block = 0;
    if (ff_dim_parse(pr->s, NULL, &len, &m, &block) != 2 || len >= sizeof tname)
        return ff_err_set(p->err, FF_EINVAL, "node '%s': %s '%s': expected a number, TENSOR:MODE or TENSOR:MODE/B",
                          n->name, key, pr->s);
    memcpy(tname, pr->s, len);
    tname[len] = '\0';
    int ti = ff_graph_find_tensor(p->g, tname);
    if (ti < 0 || p->g->tensors[ti].is_output || m >= p->g->tensors[ti].order)
        return ff_err_set(p->err, FF_EINVAL, "node '%s': %s '%s' does not name a mode of an input tensor", n->name, key,
                          pr->s);
    if (!be_word_ok(tname))
        return ff_err_set(p->err, FF_EINVAL, "node '%s': tensor name '%s' cannot be written in a bitstream", n->name,
                          tname);
    bind(p, FF_BIND_DIM, slot, tname, m, field);
    p->b->binds.data[p->b->binds.len - 1].block = block;
    *bound = 1;
    return 0;
}

static int dim_param(placer *p, const ff_node *n, int slot, const char *key, const char *field, uint32_t *v, int *bound)
{
    return dim_param_any(p, n, slot, key, field, 0, v, bound);
}

static int ceil_log2(uint32_t x)
{
    int s = 0;
    while (s < 32 && (1ull << s) < x) s++;
    return s;
}

/* Block mode's fields (docs/rtl.md "Block mode"): the block edge, layouts,
 * and, for a kind with a block datapath (ff_prims.def blk), the rank that
 * orders the node's block allocations among same-cycle ones -- its node
 * index, the order the C model evaluates in. */
static int block_params(placer *p, const ff_node *n)
{
    int k = n->kind, B = ff_sim_node_block(n), id = (int)(n - p->g->nodes);
    if (!B) return 0;
    const char *kn = ff_prim_get(k)->name;
    if (!p->a->max_block)
        return ff_err_set(p->err, FF_EINVAL, "node '%s' (%s): block mode (--block %d) needs an array with a block "
                          "store; array '%s' has none (rtl/arrays/kernels.json has one)", n->name, kn, B, p->a->name);
    if (B > p->a->max_block)
        return ff_err_set(p->err, FF_EINVAL, "node '%s' (%s): blocks of %dx%d, array '%s' takes up to %dx%d", n->name,
                          kn, B, B, p->a->name, p->a->max_block, p->a->max_block);
    if (id >= 1 << 16)
        return ff_err_set(p->err, FF_EINVAL, "node '%s' (%s): node index %d, block allocation ranks are 16 bits",
                          n->name, kn, id);
    switch (k) {
    case FF_PRIM_ALU: {
        int op = (int)ff_node_int(n, "op");
        if (ff_sim_node_contracts(n) && op != FF_ALU_MUL && op != FF_ALU_PASS)
            return ff_err_set(p->err, FF_EINVAL, "node '%s' (alu): contracts a block index with op %s; the block ALU "
                              "contracts products and sums (mul, pass) only", n->name, ff_alu_op_name((ff_alu_op)op));
        SET(p, alu_blk, B);
        SET(p, alu_bla, ff_node_int(n, "bla"));
        SET(p, alu_blb, ff_node_int(n, "blb"));
        SET(p, alu_bno, ff_node_int(n, "bno"));
        SET(p, alu_rank, id);
        return 0;
    }
    case FF_PRIM_REDUCE:
        SET(p, reduce_blk, B);
        SET(p, reduce_bla, ff_node_int(n, "bla"));
        SET(p, reduce_bno, ff_node_int(n, "bno"));
        SET(p, reduce_rank, id);
        return 0;
    case FF_PRIM_SPACC1:
        SET(p, spacc1_blk, B);
        SET(p, spacc1_bdims, ff_node_int(n, "bdims"));
        SET(p, spacc1_rank, id);
        return 0;
    case FF_PRIM_SPACC2:
        SET(p, spacc2_blk, B);
        SET(p, spacc2_bdims, ff_node_int(n, "bdims"));
        SET(p, spacc2_rank, id);
        return 0;
    case FF_PRIM_ARRAY:
        SET(p, array_blk, B);
        SET(p, array_bdims, ff_node_int(n, "bdims"));
        return 0;
    case FF_PRIM_WRITE_VAL:
        SET(p, write_val_blk, B);
        SET(p, write_val_bdims, ff_node_int(n, "bdims"));
        return 0;
    default: /* a kind with a blk param (ff_prims.def) needs its block fields here */
        abort();
    }
}

/* The kind's params as fields and binds (docs/bitstream.md "What the loader
 * binds"). */
static int params(placer *p, const ff_node *n, int slot)
{
    const ff_array_desc *a = p->a;
    int k = n->kind;
    uint32_t v;
    int bound;
    if (block_params(p, n)) return FF_EINVAL;
    switch (k) {
    case FF_PRIM_SCAN:
    case FF_PRIM_LOCATE: {
        int compressed = strcmp(ff_node_str(n, "format"), "compressed") == 0;
        if (k == FF_PRIM_SCAN) SET(p, scan_format, compressed);
        else SET(p, locate_format, compressed);
        const char *tensor = ff_node_str(n, "tensor");
        if (tensor[0]) {
            int ti = ff_graph_find_tensor(p->g, tensor);
            if (ti < 0 || p->g->tensors[ti].is_output)
                return ff_err_set(p->err, FF_EINVAL, "node '%s': '%s' is not an input tensor", n->name, tensor);
            bind(p, FF_BIND_LEVEL, slot, tensor, (int)ff_node_int(n, "level"), NULL);
        } else if (compressed) {
            bind(p, FF_BIND_INLINE, slot, NULL, 0, NULL);
        } else {
            if (dim_param(p, n, slot, "dim", "dim", &v, &bound)) return FF_EINVAL;
            if (!bound && k == FF_PRIM_SCAN) SET(p, scan_dim, v);
            else if (!bound) SET(p, locate_dim, v);
        }
        /* a window (docs/tokens.md "scan", "locate"): a number, or a size
         * the loader writes */
        uint32_t off, len;
        int off_bound, len_bound;
        if (dim_param_any(p, n, slot, "off", "off", 1, &off, &off_bound) ||
            dim_param(p, n, slot, "len", "len", &len, &len_bound))
            return FF_EINVAL;
        /* no window: the registers keep their reset value, 0 */
        if (!off_bound && off && k == FF_PRIM_SCAN) SET(p, scan_off, off);
        else if (!off_bound && off) SET(p, locate_off, off);
        if (!len_bound && len && k == FF_PRIM_SCAN) SET(p, scan_len, len);
        else if (!len_bound && len) SET(p, locate_len, len);
        return 0;
    }
    case FF_PRIM_ARRAY: {
        const char *tensor = ff_node_str(n, "tensor");
        if (tensor[0]) {
            int ti = ff_graph_find_tensor(p->g, tensor);
            if (ti < 0 || p->g->tensors[ti].is_output)
                return ff_err_set(p->err, FF_EINVAL, "node '%s': '%s' is not an input tensor", n->name, tensor);
            bind(p, FF_BIND_VALS, slot, tensor, 0, NULL);
        } else {
            bind(p, FF_BIND_INLINE, slot, NULL, 0, NULL);
        }
        return 0;
    }
    case FF_PRIM_WRITE_CRD:
        bind(p, FF_BIND_OUT_LEVEL, slot, ff_node_str(n, "tensor"), (int)ff_node_int(n, "level"), NULL);
        return 0;
    case FF_PRIM_WRITE_VAL: bind(p, FF_BIND_OUT_VALS, slot, ff_node_str(n, "tensor"), 0, NULL); return 0;
    case FF_PRIM_ALU:
        SET(p, alu_op, ff_node_int(n, "op"));
        SET(p, alu_has_imm, ff_node_has(n, "imm"));
        SET(p, alu_frac_bits, p->g->frac_bits);
        if (ff_node_has(n, "imm")) SET(p, alu_imm, ff_node_int(n, "imm"));
        return 0;
    case FF_PRIM_REDUCE: SET(p, reduce_op, ff_node_int(n, "op")); return 0;
    case FF_PRIM_SPACC1:
        if (dim_param(p, n, slot, "dim", "dim", &v, &bound)) return FF_EINVAL;
        if (!bound) {
            if (v > a->mem_words[k])
                return ff_err_set(p->err, FF_EINVAL, "node '%s': spacc1 dim %u exceeds the tile's %u SRAM words", n->name,
                                  v, a->mem_words[k]);
            SET(p, spacc1_dim, v);
        }
        return 0;
    case FF_PRIM_SPACC2: {
        uint32_t outer, inner;
        int bo, bi;
        if (dim_param(p, n, slot, "dim_outer", "dim_outer", &outer, &bo) ||
            dim_param(p, n, slot, "dim_inner", "dim_inner", &inner, &bi))
            return FF_EINVAL;
        if (!bo) SET(p, spacc2_dim_outer, outer);
        if (!bi) {
            SET(p, spacc2_dim_inner, inner);
            SET(p, spacc2_inner_shift, ceil_log2(inner));
        }
        if (!bo && !bi && ((uint64_t)outer << ceil_log2(inner)) > a->mem_words[k])
            return ff_err_set(p->err, FF_EINVAL, "node '%s': spacc2 needs %u x %u accumulator words, the tile has %u",
                              n->name, outer, 1u << ceil_log2(inner), a->mem_words[k]);
        return 0;
    }
    case FF_PRIM_INTERSECT: SET(p, intersect_n, ff_node_int(n, "n")); return 0;
    case FF_PRIM_UNION: SET(p, union_n, ff_node_int(n, "n")); return 0;
    case FF_PRIM_FORK: SET(p, fork_n, ff_node_int(n, "n")); return 0;
    case FF_PRIM_JOIN: SET(p, join_n, ff_node_int(n, "n")); return 0;
    case FF_PRIM_BROADCAST: SET(p, broadcast_n, ff_node_int(n, "n")); return 0;
    case FF_PRIM_SERIALIZE:
        SET(p, serialize_n, ff_node_int(n, "n"));
        SET(p, serialize_unit, ff_node_int(n, "unit") + 1);
        return 0;
    case FF_PRIM_BUFFER: {
        /* the capacity is the arch's (the C model's), never more than the
         * tile's ring of mem_words / 2 entries */
        uint32_t entries = (uint32_t)p->arch->buffer_words / 2, holds = a->mem_words[k] / 2;
        if (entries > holds)
            return ff_err_set(p->err, FF_EINVAL, "node '%s': buffer of %u entries (the arch's buffer_words / 2), the "
                              "tile holds %u", n->name, entries, holds);
        int lat, ii, replay = 0;
        ff_sim_node_timing(p->arch, n, &lat, &ii);
        if (lat)
            return ff_err_set(p->err, FF_EINVAL, "node '%s': a buffer's read ports have no pipeline (latency 0, not %d)",
                              n->name, lat);
        for (int q = 0; q < n->nin; q++)
            if (strcmp(n->in[q].name, "rep") == 0) replay = n->in[q].edge >= 0;
        SET(p, buffer_n, ff_node_int(n, "n"));
        SET(p, buffer_replay, replay);
        SET(p, buffer_entries, entries);
        return 0;
    }
    default: return 0;
    }
}

/* Routing value of the producer of edge e. */
static uint32_t src_of(placer *p, const ff_edge *e)
{
    const ff_node *u = &p->g->nodes[e->from_node];
    if (u->kind == FF_PRIM_SOURCE) return 1 + (uint32_t)p->slot[e->from_node];
    const ff_hw_kind *hk = ff_hw_kind_get(u->kind);
    const char *port = u->out[e->from_port].name;
    for (int q = 0; q < hk->nout; q++)
        if (strcmp(hk->out[q], port) == 0) return ff_array_tile_src(p->a, u->kind, p->index[e->from_node], q);
    abort(); /* validated graph: the port exists in the schema (checked in place_node) */
}

static int route(placer *p, const ff_edge *e, const ff_node *n, uint32_t *word)
{
    int depth = e->depth > 0 ? e->depth : p->arch->fifo_depth;
    if (depth < 1 || depth > p->a->max_depth) {
        const ff_node *u = &p->g->nodes[e->from_node];
        return ff_err_set(p->err, FF_EINVAL, "edge %s.%s -> %s.%s: depth %d, the array's FIFOs hold 1..%d", u->name,
                          u->out[e->from_port].name, n->name, n->in[e->to_port].name, depth, p->a->max_depth);
    }
    *word = FF_RTL_SET(FF_RTL_SET(0, FF_RTL_IN_SRC, src_of(p, e)), FF_RTL_IN_DEPTH, depth);
    return 0;
}

static int place_node(placer *p, int id)
{
    const ff_node *n = &p->g->nodes[id];
    const ff_hw_kind *hk = ff_hw_kind_get(n->kind);
    int slot = p->slot[id];
    /* ctrl: latency and II as the cycle model charges them (engine.c) */
    int lat, ii;
    ff_sim_node_timing(p->arch, n, &lat, &ii);
    if (lat < 0 || lat > p->a->max_latency)
        return ff_err_set(p->err, FF_EINVAL, "node '%s' (%s): latency %d, the array's tiles have 0..%d pipeline stages",
                          n->name, hk->name, lat, p->a->max_latency);
    if (ii < 1 || ii > 255)
        return ff_err_set(p->err, FF_EINVAL, "node '%s' (%s): II %d outside 1..255", n->name, hk->name, ii);
    put(p, FF_RTL_REG_CTRL,
        FF_RTL_SET(FF_RTL_SET(FF_RTL_SET(0, FF_RTL_CTRL_ENABLE, 1), FF_RTL_CTRL_LATENCY, lat), FF_RTL_CTRL_II, ii));
    /* one routing register per connected input, by hardware port name */
    for (int q = 0; q < n->nin; q++) {
        int hp = -1;
        for (int i = 0; i < hk->nin; i++)
            if (strcmp(hk->in[i], n->in[q].name) == 0) hp = i;
        if (hp < 0)
            return ff_err_set(p->err, FF_EINVAL, "node '%s': input '%s' has no port on the %s tile", n->name,
                              n->in[q].name, hk->name);
        if (n->in[q].edge < 0) continue; /* an optional input left unconnected: src 0 */
        uint32_t w;
        if (route(p, &p->g->edges[n->in[q].edge], n, &w)) return FF_EINVAL;
        put(p, FF_RTL_REG_IN(hp), w);
    }
    for (int q = 0; q < n->nout; q++) {
        int found = 0;
        for (int i = 0; i < hk->nout; i++) found |= strcmp(hk->out[i], n->out[q].name) == 0;
        if (!found)
            return ff_err_set(p->err, FF_EINVAL, "node '%s': output '%s' has no port on the %s tile", n->name,
                              n->out[q].name, hk->name);
    }
    if (params(p, n, slot)) return FF_EINVAL;
    flush(p, slot);
    ff_bs_tile t = {slot, n->kind, p->index[id], ff_xstrdup(n->name)};
    FF_VEC_PUSH(p->b->tiles, t);
    return 0;
}

static void app(char *buf, size_t cap, size_t *len, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void app(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
    if (*len >= cap) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n > 0) *len = *len + (size_t)n < cap ? *len + (size_t)n : cap;
}

/* Every kind the graph needs more of than the array has, in one message. */
static int check_fit(placer *p, const int *need, int nsrc, int nsnk)
{
    char msg[900] = "";
    size_t len = 0;
    int short_by = 0;
    for (int k = 0; k < FF_RTL_NKINDS; k++)
        if (need[k] > p->a->tiles[k])
            app(msg, sizeof msg, &len, "%sneeds %d %s tile%s, the array has %d", short_by++ ? "; " : "", need[k],
                ff_hw_kind_get(k)->name, need[k] > 1 ? "s" : "", p->a->tiles[k]);
    if (nsrc > p->a->nhin)
        app(msg, sizeof msg, &len, "%sneeds %d harness inputs (source nodes), the array has %d", short_by++ ? "; " : "",
            nsrc, p->a->nhin);
    if (nsnk > p->a->nhout)
        app(msg, sizeof msg, &len, "%sneeds %d harness outputs (sink nodes), the array has %d", short_by++ ? "; " : "",
            nsnk, p->a->nhout);
    if (!short_by) return 0;
    return ff_err_set(p->err, FF_EINVAL, "graph '%s' does not fit array '%s': %s", p->g->name, p->a->name, msg);
}

int ff_backend_compile(const ff_graph *g, const ff_array_desc *a, const ff_arch *arch, ff_bitstream **out,
                       ff_err *err)
{
    if (!g->validated)
        return ff_err_set(err, FF_EINVAL, "graph '%s' must be validated before it is placed", g->name);
    ff_arch def;
    if (!arch) {
        ff_arch_default(&def);
        arch = &def;
    }
    placer p = {.g = g, .a = a, .arch = arch, .err = err};
    p.slot = ff_xcalloc((size_t)g->nnodes + 1, sizeof *p.slot);
    p.index = ff_xcalloc((size_t)g->nnodes + 1, sizeof *p.index);
    p.b = ff_bitstream_new(a);
    int rc = 0, need[FF_RTL_NKINDS] = {0}, nsrc = 0, nsnk = 0;
    if (!be_word_ok(g->name)) {
        rc = ff_err_set(err, FF_EINVAL, "graph name '%s' cannot be written in a bitstream (a word without spaces or '#')",
                        g->name);
        goto out;
    }
    p.b->graph = ff_xstrdup(g->name);
    for (int i = 0; i < g->nnodes && !rc; i++) {
        const ff_node *n = &g->nodes[i];
        if (!be_word_ok(n->name))
            rc = ff_err_set(err, FF_EINVAL, "node name '%s' cannot be written in a bitstream (a word without spaces or "
                            "'#')", n->name);
        if (n->kind == FF_PRIM_SOURCE) p.slot[i] = nsrc++;
        else if (n->kind == FF_PRIM_SINK) p.slot[i] = nsnk++;
        else if ((int)n->kind < FF_RTL_NKINDS && ff_prim_get(n->kind)->hardware) p.index[i] = need[n->kind]++;
        else rc = ff_err_set(err, FF_EINVAL, "node '%s': '%s' has no tile", n->name, ff_prim_get(n->kind)->name);
    }
    for (int t = 0; t < g->ntensors && !rc; t++)
        if (!be_word_ok(g->tensors[t].name))
            rc = ff_err_set(err, FF_EINVAL, "tensor name '%s' cannot be written in a bitstream", g->tensors[t].name);
    if (rc || (rc = check_fit(&p, need, nsrc, nsnk))) goto out;
    for (int i = 0; i < g->nnodes; i++) {
        int k = g->nodes[i].kind;
        if (k != FF_PRIM_SOURCE && k != FF_PRIM_SINK) p.slot[i] = ff_array_tile_slot(a, k, p.index[i]);
    }
    /* tiles in slot order, so the words read in array order */
    for (int k = 0; k < FF_RTL_NKINDS && !rc; k++)
        for (int i = 0; i < g->nnodes && !rc; i++)
            if ((int)g->nodes[i].kind == k) rc = place_node(&p, i);
    for (int i = 0; i < g->nnodes && !rc; i++) {
        const ff_node *n = &g->nodes[i];
        if (n->kind == FF_PRIM_SINK) {
            uint32_t w;
            if (n->in[0].edge < 0) continue;
            if ((rc = route(&p, &g->edges[n->in[0].edge], n, &w))) break;
            put(&p, FF_RTL_REG_IN(0), w);
            flush(&p, ff_array_hout_slot(a, p.slot[i]));
        }
        if (n->kind == FF_PRIM_SOURCE || n->kind == FF_PRIM_SINK) {
            ff_bs_port port = {n->kind == FF_PRIM_SINK, p.slot[i], ff_xstrdup(n->name)};
            FF_VEC_PUSH(p.b->ports, port);
        }
    }
out:
    free(p.slot);
    free(p.index);
    if (rc) {
        ff_bitstream_free(p.b);
        return rc;
    }
    *out = p.b;
    return 0;
}
