/*
 * cosim.c -- one graph on the C cycle model and on the Verilated array,
 * compared (ff_cosim.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ff_cosim.h"

struct ff_cosim {
    ff_rtl *rtl;        /* the linked Verilated array */
    ff_array_desc array; /* its geometry, read back from it */
};

int ff_cosim_new(ff_cosim **out, ff_err *err)
{
    ff_cosim *c = calloc(1, sizeof *c);
    if (!c || !(c->rtl = ff_rtl_new())) {
        free(c);
        return ff_err_set(err, FF_ENOMEM, "cannot create the Verilated array");
    }
    int rc = ff_rtl_read_array(c->rtl, &c->array, err);
    if (rc) {
        ff_cosim_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void ff_cosim_free(ff_cosim *c)
{
    if (!c) return;
    ff_rtl_free(c->rtl);
    free(c);
}

const ff_array_desc *ff_cosim_array(const ff_cosim *c) { return &c->array; }
ff_rtl *ff_cosim_rtl(ff_cosim *c) { return c->rtl; }

void ff_cosim_result_free(ff_cosim_result *res)
{
    if (!res) return;
    for (int t = 0; res->c_out && t < res->ntensors; t++) ff_tensor_free(res->c_out[t]);
    free(res->c_out);
    res->c_out = NULL;
}

/* Applies the fault to b; describes it in desc ("alu[0] 'node' register 1
 * 0x... -> 0x..."). */
static int inject(const ff_cosim *c, ff_bitstream *b, const ff_cosim_fault *f, char *desc, size_t n, ff_err *err)
{
    const ff_hw_kind *hk = f->kind >= 0 && f->kind < FF_RTL_NKINDS ? ff_hw_kind_get(f->kind) : NULL;
    int slot = hk && hk->name ? ff_array_tile_slot(&c->array, f->kind, f->index) : -1;
    if (slot < 0) return ff_err_set(err, FF_EINVAL, "fault: array '%s' has no such tile", c->array.name);
    const ff_bs_tile *t = ff_bitstream_tile(b, slot);
    uint32_t addr = (uint32_t)slot * FF_RTL_REGS_PER_SLOT + (uint32_t)f->reg;
    for (size_t i = b->words.len; i-- > 0;) {
        if (b->words.data[i].addr != addr) continue;
        uint32_t old = b->words.data[i].data;
        b->words.data[i].data ^= f->xor_mask;
        snprintf(desc, n, "%s[%d] '%s' register %d 0x%08" PRIx32 " -> 0x%08" PRIx32, hk->name, f->index,
                 t ? t->node : "(unused)", f->reg, old, b->words.data[i].data);
        return 0;
    }
    return ff_err_set(err, FF_EINVAL, "fault: the bitstream writes no register %d of %s[%d]", f->reg, hk->name,
                      f->index);
}

/* ---- first divergence ---------------------------------------------------- */

/* The tile record of graph node `name` in b, or NULL (source/sink nodes sit
 * on harness ports, not tiles). */
static const ff_bs_tile *tile_of(const ff_bitstream *b, const char *name)
{
    for (size_t i = 0; i < b->tiles.len; i++)
        if (!strcmp(b->tiles.data[i].node, name)) return &b->tiles.data[i];
    return NULL;
}

static int port_of(const ff_bitstream *b, const char *name, int is_output)
{
    for (size_t i = 0; i < b->ports.len; i++)
        if (b->ports.data[i].is_output == is_output && !strcmp(b->ports.data[i].node, name))
            return b->ports.data[i].port;
    return -1;
}

/* Consumers before tile slot `slot` (ff_array.sv: tile inputs in slot
 * order, then the harness outputs). */
static int inputs_before(const ff_array_desc *a, int slot)
{
    int n = 0, kind, index;
    for (int s = FF_RTL_FIRST_TILE_SLOT; s < slot; s++)
        if (ff_array_slot_what(a, s, &kind, &index) == 1) n += ff_hw_kind_get(kind)->nin;
    return n;
}

/* The RTL consumer (tap) of edge e, with text naming both ends' tiles; -1
 * when the edge has no consumer on the array. */
static int edge_consumer(const ff_array_desc *a, const ff_graph *g, const ff_bitstream *b, int e,
                         ff_cosim_divergence *d)
{
    const ff_edge *ed = &g->edges[e];
    const ff_node *from = &g->nodes[ed->from_node], *to = &g->nodes[ed->to_node];
    snprintf(d->channel, sizeof d->channel, "%s.%s -> %s.%s", from->name, from->out[ed->from_port].name, to->name,
             to->in[ed->to_port].name);
    const ff_bs_tile *ft = tile_of(b, from->name), *tt = tile_of(b, to->name);
    if (ft) snprintf(d->producer, sizeof d->producer, "%s[%d] (slot %d)", ff_hw_kind_get(ft->kind)->name, ft->index, ft->slot);
    else snprintf(d->producer, sizeof d->producer, "harness input %d", port_of(b, from->name, 0));
    if (!tt) {
        int q = port_of(b, to->name, 1);
        snprintf(d->consumer, sizeof d->consumer, "harness output %d", q);
        return q < 0 ? -1 : inputs_before(a, FF_RTL_FIRST_TILE_SLOT + ff_array_ntiles(a)) + q;
    }
    const ff_hw_kind *hk = ff_hw_kind_get(tt->kind);
    int hp = -1;
    for (int i = 0; i < hk->nin; i++)
        if (!strcmp(hk->in[i], to->in[ed->to_port].name)) hp = i;
    snprintf(d->consumer, sizeof d->consumer, "%s[%d] input %s (slot %d)", hk->name, tt->index,
             to->in[ed->to_port].name, tt->slot);
    return hp < 0 ? -1 : inputs_before(a, tt->slot) + hp;
}

/* Edge e carries block handles: a value stream whose values come from a
 * node in block mode (a kind with a `blk` param), through the nodes that
 * only pass values on -- traced back through the input that carries a
 * value stream (for a per-lane port, the input of the same lane: a
 * joiner's value lane), whatever the kind. */
static int carries_blocks(const ff_graph *g, int e)
{
    for (int hops = 0; hops < g->nnodes && e >= 0; hops++) {
        if (g->edges[e].type != FF_ST_VAL) return 0;
        const ff_node *u = &g->nodes[g->edges[e].from_node];
        if (ff_node_param(u, "blk")) return ff_sim_node_block(u) > 0; /* a kind that makes values */
        const ff_port *op = &u->out[g->edges[e].from_port];
        int in = -1;
        for (int p = 0; p < u->nin && in < 0; p++)
            if (u->in[p].type == FF_ST_VAL && u->in[p].edge >= 0 && (!op->per_lane || u->in[p].lane == op->lane))
                in = p;
        if (in < 0) return 0;
        e = u->in[in].edge;
    }
    return 0;
}

/* Compares the recorded channels of both models; fills d with the earliest
 * divergence. */
static void find_divergence(const ff_array_desc *a, const ff_graph *g, const ff_bitstream *b, const ff_sim *s,
                            const ff_rtl_tap *taps, size_t ntaps, int nconsumers, uint64_t rtl_end,
                            ff_cosim_divergence *d)
{
    /* the RTL's records, grouped by consumer (stable: cycle order kept) */
    size_t *start = calloc((size_t)nconsumers + 2, sizeof *start);
    ff_cosim_tok *by = malloc((ntaps + 1) * sizeof *by);
    if (!start || !by) {
        free(start);
        free(by);
        return;
    }
    for (size_t i = 0; i < ntaps; i++)
        if ((int)taps[i].consumer < nconsumers) start[taps[i].consumer + 1]++;
    for (int k = 0; k < nconsumers; k++) start[k + 1] += start[k];
    size_t *fill = calloc((size_t)nconsumers + 1, sizeof *fill);
    for (size_t i = 0; fill && i < ntaps; i++) {
        uint32_t k = taps[i].consumer;
        if ((int)k >= nconsumers) continue;
        by[start[k] + fill[k]++] = (ff_cosim_tok){taps[i].tok, taps[i].cycle};
    }
    free(fill);

    ff_cosim_divergence best = {0}, cur;
    for (int e = 0; e < g->nedges; e++) {
        memset(&cur, 0, sizeof cur);
        int k = edge_consumer(a, g, b, e, &cur);
        if (k < 0 || k >= nconsumers) continue;
        const ff_tok *ct;
        const uint64_t *cc;
        size_t nc = ff_sim_edge_tokens(s, e, &ct, &cc);
        const ff_cosim_tok *rt = by + start[k];
        size_t nr = start[k + 1] - start[k];
        d->channels++;
        d->tokens += nc + nr;
        size_t i = 0;
        while (i < nc && i < nr && ct[i] == rt[i].tok && cc[i] == rt[i].cycle) i++;
        if (i == nc && i == nr) continue;
        /* a run cut short by its cycle limit ends its streams there */
        if (i == nr && cc[i] >= rtl_end) continue;
        cur.found = 1;
        cur.edge = e;
        cur.index = i;
        cur.have_c = i < nc;
        cur.have_rtl = i < nr;
        if (cur.have_c) cur.c = (ff_cosim_tok){ct[i], cc[i]};
        if (cur.have_rtl) cur.rtl = rt[i];
        cur.cycle = !cur.have_c ? cur.rtl.cycle
                    : !cur.have_rtl ? cur.c.cycle
                    : cur.c.cycle < cur.rtl.cycle ? cur.c.cycle : cur.rtl.cycle;
        size_t h = i < FF_COSIM_HISTORY ? i : FF_COSIM_HISTORY;
        cur.nhistory = (int)h;
        for (size_t j = 0; j < h; j++) cur.history[j] = rt[i - h + j];
        cur.type = g->edges[e].type;
        cur.block_handles = carries_blocks(g, e);
        if (!best.found || cur.cycle < best.cycle) best = cur;
    }
    free(start);
    free(by);
    uint64_t channels = d->channels, tokens = d->tokens;
    if (best.found) *d = best;
    d->channels = channels;
    d->tokens = tokens;
    d->rtl_end = rtl_end;
    d->frac_bits = g->frac_bits;
}

static const char *tok_text(const ff_cosim_divergence *d, ff_tok t, char *buf, size_t n)
{
    if (d->block_handles && ff_tok_is_data(t)) snprintf(buf, n, "block @%u", ff_tok_payload(t));
    else ff_tok_format(t, d->type, d->frac_bits, buf, n);
    return buf;
}

void ff_cosim_print_divergence(const ff_cosim_divergence *d, FILE *f)
{
    char a[48], b[48];
    if (!d->channels) {
        fprintf(f, "first divergence: not searched (no run to compare channels with)\n");
        return;
    }
    if (!d->found) {
        fprintf(f, "first divergence: none -- all %" PRIu64 " channels carried the same tokens at the same cycles in both models",
                d->channels);
        if (d->rtl_end != UINT64_MAX) fprintf(f, " up to cycle %" PRIu64 ", where the RTL's cycle limit stopped it", d->rtl_end);
        fprintf(f, "\n");
        return;
    }
    fprintf(f, "first divergence: cycle %" PRIu64 ", channel %s, token %" PRIu64 ", from %s into %s\n", d->cycle,
            d->channel, d->index, d->producer, d->consumer);
    if (d->have_rtl) fprintf(f, "  RTL:     %-14s at cycle %" PRIu64 "\n", tok_text(d, d->rtl.tok, a, sizeof a), d->rtl.cycle);
    else fprintf(f, "  RTL:     (no token: the stream ended after %" PRIu64 ")\n", d->index);
    if (d->have_c) fprintf(f, "  C model: %-14s at cycle %" PRIu64 "\n", tok_text(d, d->c.tok, b, sizeof b), d->c.cycle);
    else fprintf(f, "  C model: (no token: the stream ended after %" PRIu64 ")\n", d->index);
    if (d->nhistory) {
        fprintf(f, "  before it, both:");
        for (int i = 0; i < d->nhistory; i++)
            fprintf(f, " %s@%" PRIu64, tok_text(d, d->history[i].tok, a, sizeof a), d->history[i].cycle);
        fprintf(f, "\n");
    } else {
        fprintf(f, "  (the first token on the channel)\n");
    }
}

/* Compares what s recorded (ff_sim_opts.record) with what the array's taps
 * recorded, and stops the recording. rtl_end: the cycle the RTL's limit cut
 * its run at, or UINT64_MAX. */
static void compare_channels(ff_cosim *c, const ff_graph *g, const ff_bitstream *b, const ff_sim *s, uint64_t rtl_end,
                             ff_cosim_divergence *d)
{
    const ff_rtl_tap *taps;
    size_t n = ff_rtl_taps(c->rtl, &taps);
    find_divergence(&c->array, g, b, s, taps, n, ff_rtl_ntaps(c->rtl), rtl_end, d);
    ff_rtl_record_taps(c->rtl, 0);
}

/* The cut an RTL run's result code implies (see compare_channels). */
static uint64_t rtl_end_of(ff_cosim *c, int rtl_rc) { return rtl_rc == FF_ELIMIT ? ff_rtl_cycle(c->rtl) : UINT64_MAX; }

/* The C model of g on inputs, set up as cosim runs it: bound, with the
 * tensors held on chip marked. */
static int sim_setup(const ff_graph *g, const ff_sim_opts *so, const ff_tensor *const *inputs,
                     const unsigned char *on_chip, ff_sim **out, ff_err *err)
{
    int rc = ff_sim_new(g, so, out, err);
    for (int t = 0; !rc && t < g->ntensors; t++) {
        if (!g->tensors[t].is_output) rc = ff_sim_bind(*out, g->tensors[t].name, inputs[t], err);
        if (!rc && on_chip && on_chip[t]) rc = ff_sim_on_chip(*out, g->tensors[t].name, err);
    }
    return rc;
}

/* The RTL's off-chip ports against the C model's, port by port: requests,
 * bytes and the cycles each tile waited for memory. */
static int compare_ports(const ff_graph *g, const ff_sim *s, const ff_rtl_result *rr, ff_err *err)
{
    size_t k = 0;
    for (int i = 0; i < g->nnodes; i++) {
        ff_node_stats st;
        ff_sim_node_stats(s, i, &st);
        int c_port = st.mem_requests || st.stall_mem;
        int r_port = k < rr->ports.len && !strcmp(rr->ports.data[k].node, g->nodes[i].name);
        if (!c_port && !r_port) continue;
        const ff_rtl_mport_stats *p = r_port ? &rr->ports.data[k++] : NULL;
        uint64_t rq = p ? p->requests : 0, by = p ? p->bytes : 0, wt = p ? p->stall : 0;
        if (rq != st.mem_requests || by != st.mem_bytes || wt != st.stall_mem)
            return ff_err_set(err, FF_EMISMATCH,
                              "outputs and cycles equal, but the off-chip port of '%s' differs: RTL %" PRIu64
                              " requests, %" PRIu64 " bytes, %" PRIu64 " cycles waiting; C model %" PRIu64 ", %" PRIu64
                              ", %" PRIu64, g->nodes[i].name, rq, by, wt, st.mem_requests, st.mem_bytes, st.stall_mem);
    }
    if (k < rr->ports.len)
        return ff_err_set(err, FF_EMISMATCH, "the RTL opened an off-chip port on '%s', the C model none",
                          rr->ports.data[k].node);
    return 0;
}

/* Runs both models again, recording every channel, and locates the first
 * divergence; d->channels stays 0 when the C model could not be set up. */
static void locate_divergence(ff_cosim *c, const ff_graph *g, const ff_bitstream *b, const ff_tensor *const *inputs,
                              const ff_sim_opts *so, const ff_rtl_run_opts *ro, ff_cosim_divergence *d)
{
    ff_sim_opts rec = *so;
    rec.record = 1;
    rec.trace = NULL;
    ff_sim *s = NULL;
    ff_err e = {0};
    int rc = sim_setup(g, &rec, inputs, ro->on_chip, &s, &e);
    if (!rc) {
        ff_sim_run(s, &e); /* a failed run still recorded what moved */
        ff_rtl_result rr = {0};
        ff_rtl_record_taps(c->rtl, 1);
        uint64_t end = rtl_end_of(c, ff_rtl_run_graph(c->rtl, g, b, inputs, ro, &rr, &e));
        ff_rtl_result_free(&rr);
        compare_channels(c, g, b, s, end, d);
    }
    ff_sim_free(s);
}

/* For --fst-all: DIR/GRAPH.tiles, one line per placed tile -- its index in
 * the array (ff_array.sv g_tile[i]), kind, node and, for an ALU, the op --
 * and the FST's path DIR/GRAPH.fst into path. */
static int write_tiles(const char *dir, const ff_graph *g, const ff_bitstream *b, char *path, size_t cap, ff_err *err)
{
    char tiles[4096];
    snprintf(tiles, sizeof tiles, "%s/%s.tiles", dir, g->name);
    if ((size_t)snprintf(path, cap, "%s/%s.fst", dir, g->name) >= cap)
        return ff_err_set(err, FF_EINVAL, "%s: path too long", dir);
    FILE *f = fopen(tiles, "w");
    if (!f) return ff_err_set(err, FF_EIO, "%s: cannot write", tiles);
    fprintf(f, "# fuseflow tiles %s: tile kind node [op]\n", g->name);
    for (size_t i = 0; i < b->tiles.len; i++) {
        const ff_bs_tile *t = &b->tiles.data[i];
        int n = ff_graph_find_node(g, t->node);
        const char *op = n >= 0 && ff_node_has(&g->nodes[n], "op") ? ff_node_str(&g->nodes[n], "op") : "";
        fprintf(f, "%d %s %s%s%s\n", t->slot - FF_RTL_FIRST_TILE_SLOT, ff_prim_get(t->kind)->name, t->node,
                op[0] ? " " : "", op);
    }
    if (fclose(f)) return ff_err_set(err, FF_EIO, "%s: cannot write", tiles);
    return 0;
}

int ff_cosim_graph(ff_cosim *c, const ff_graph *g, const ff_tensor *const *inputs, const ff_cosim_opts *opts,
                   ff_cosim_result *res, ff_err *err)
{
    static const ff_cosim_opts none;
    if (!opts) opts = &none;
    memset(res, 0, sizeof *res);
    res->ntensors = g->ntensors;
    res->c_out = calloc((size_t)g->ntensors + 1, sizeof *res->c_out);
    ff_sim *s = NULL;
    ff_bitstream *b = NULL;
    ff_rtl_result rr = {0};
    char fault[256] = "";
    int rc;

    /* the C model, on the arch as this array runs it */
    ff_sim_opts so;
    ff_sim_opts_default(&so);
    if (opts->arch) so.arch = *opts->arch;
    ff_array_fit_arch(&c->array, &so.arch);
    so.max_cycles = 50000000;
    so.record = opts->channels; /* --channels compares these runs' channels: no second run */
    rc = sim_setup(g, &so, inputs, opts->on_chip, &s, err);
    if (!rc) rc = ff_sim_run(s, err);
    if (!rc) {
        res->c_cycles = ff_sim_cycles(s);
        ff_sim_timing_of(s, &res->c_timing);
    }
    for (int t = 0; !rc && t < g->ntensors; t++)
        if (g->tensors[t].is_output) rc = ff_sim_take_output(s, g->tensors[t].name, &res->c_out[t], err);
    if (rc) {
        ff_err_wrap(err, "C model: ");
        goto out;
    }

    /* the back end, optionally through the bitstream's text form */
    if ((rc = ff_backend_compile(g, &c->array, &so.arch, &b, err))) {
        ff_err_wrap(err, "back end: ");
        goto out;
    }
    res->tiles = b->tiles.len;
    if (opts->roundtrip) {
        char *text = ff_bitstream_to_string(b);
        ff_bitstream *back = NULL;
        rc = text ? ff_bitstream_parse(text, g->name, &back, err)
                  : ff_err_set(err, FF_EINVAL, "the bitstream has no text form");
        if (!rc && !ff_bitstream_equal(b, back))
            rc = ff_err_set(err, FF_EMISMATCH, "the bitstream does not survive its text form");
        free(text);
        if (!rc) {
            ff_bitstream_free(b);
            b = back;
        } else {
            ff_bitstream_free(back);
            ff_err_wrap(err, "back end: ");
            goto out;
        }
    }
    if (opts->fault.xor_mask && (rc = inject(c, b, &opts->fault, fault, sizeof fault, err))) goto out;

    /* the RTL */
    ff_rtl_run_opts ro = {.max_cycles = opts->max_cycles, .watchdog = opts->watchdog,
                          .offchip = &so.arch.offchip, .on_chip = opts->on_chip};
    char all_path[4096];
    if (opts->trace_all) {
        if ((rc = write_tiles(opts->trace_all, g, b, all_path, sizeof all_path, err))) goto out;
        ro.trace = all_path;
    }
    if (opts->channels) ff_rtl_record_taps(c->rtl, 1);
    rc = ff_rtl_run_graph(c->rtl, g, b, inputs, &ro, &rr, err);
    ro.trace = NULL;
    uint64_t rtl_end = rtl_end_of(c, rc);
    /* a refusal to load (data the tiles cannot hold, a bitstream for
     * another array) is no run: there are no channels to compare */
    int rtl_ran = rc == 0 || rc == FF_EDEADLOCK || rc == FF_ELIMIT || rc == FF_ERUNTIME;
    if (rc) {
        ff_err_wrap(err, "RTL: ");
    } else {
        res->rtl_cycles = rr.cycles;
        for (int t = 0; !rc && t < g->ntensors; t++) {
            if (!g->tensors[t].is_output) continue;
            if ((rc = ff_tensor_compare(rr.outputs[t], res->c_out[t], err)))
                ff_err_wrap(err, "output '%s' differs (got = RTL, expected = C model): ", g->tensors[t].name);
        }
        if (!rc && rr.cycles != res->c_cycles)
            rc = ff_err_set(err, FF_EMISMATCH,
                            "outputs equal, but the RTL took %" PRIu64 " cycles and the C model %" PRIu64 " (%+" PRId64
                            ")",
                            rr.cycles, res->c_cycles, (int64_t)(rr.cycles - res->c_cycles));
        if (!rc) rc = compare_ports(g, s, &rr, err);
    }
    if (rtl_ran && (opts->channels || (rc && !opts->no_divergence))) {
        if (opts->channels) compare_channels(c, g, b, s, rtl_end, &res->div);
        else locate_divergence(c, g, b, inputs, &so, &ro, &res->div);
        if (!rc && res->div.found)
            rc = ff_err_set(err, FF_EMISMATCH,
                            "outputs and cycles equal, but channel %s differs at token %" PRIu64 " (cycle %" PRIu64 ")",
                            res->div.channel, res->div.index, res->div.cycle);
        else if (!rc && !res->div.channels)
            rc = ff_err_set(err, FF_EMISMATCH, "no channel of graph '%s' could be compared", g->name);
    }
    if (rc && rtl_ran && opts->trace) {
        /* again, with a waveform around the first divergence (or all of it) */
        ff_rtl_result again = {0};
        ff_err e2 = {0};
        uint64_t w = opts->trace_window ? opts->trace_window : 200;
        if (res->div.found) {
            res->trace_from = res->div.cycle > w ? res->div.cycle - w : 0;
            res->trace_to = res->div.cycle + w + 1;
            if (ff_rtl_trace_window(c->rtl, opts->trace, res->trace_from, res->trace_to) == 0) {
                ff_rtl_run_graph(c->rtl, g, b, inputs, &ro, &again, &e2);
                res->traced = !ff_rtl_trace_window_failed(c->rtl);
            }
            ff_rtl_trace_window(c->rtl, NULL, 0, 0);
        } else {
            ro.trace = opts->trace;
            ff_rtl_run_graph(c->rtl, g, b, inputs, &ro, &again, &e2);
            res->trace_from = 0;
            res->trace_to = again.cycles ? again.cycles : ff_rtl_cycle(c->rtl);
            res->traced = 1;
        }
        ff_rtl_result_free(&again);
    }
out:
    ff_rtl_record_taps(c->rtl, 0);
    if (rc && fault[0]) ff_err_wrap(err, "[fault injected: %s] ", fault);
    ff_rtl_result_free(&rr);
    ff_bitstream_free(b);
    ff_sim_free(s);
    return rc;
}
