/*
 * energy.c -- the energy table and the energy of a run on an array (ff_hw.h,
 * docs/synthesis.md "Energy").
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ff_hw.h"
#include "hw_int.h"

#define FIFO_UNITS 16

struct ff_hw_energy_table {
    double fire[FF_PRIM__COUNT]; /* per firing; < 0: not in the table */
    double idle[FF_PRIM__COUNT]; /* per idle cycle of a tile */
    double alu_op[FF_ALU__COUNT]; /* per ALU firing of the op; < 0: the kind's pooled figure */
    int nfifo;
    int fifo_depth[FIFO_UNITS]; /* ascending */
    double fifo_token[FIFO_UNITS], fifo_idle[FIFO_UNITS];
    int fifo_ref;               /* the depth the tiles were replayed with */
    double xbar_level;          /* per token and mux level */
    double sram_word;           /* per word at the bank size */
    double offchip_byte;
    double leak_ge_cycle;
    double fj_per_eu;
};

const char *ff_hw_energy_default_path(void) { return FF_HW_ENERGY_DEFAULT; }
double ff_hw_energy_fj_per_eu(const ff_hw_energy_table *t) { return t->fj_per_eu; }

static int load(json_t *root, const char *path, ff_hw_energy_table *t, ff_err *err)
{
    const char *kind = json_string_value(json_object_get(root, "fuseflow"));
    if (!kind || strcmp(kind, "hw-energy") || json_integer_value(json_object_get(root, "version")) != 1)
        return ff_err_set(err, FF_EINVAL, "%s: not a version 1 hw-energy table (\"fuseflow\": \"hw-energy\")", path);
    json_t *kinds = json_object_get(root, "kinds"), *ops = json_object_get(root, "alu_ops");
    json_t *fifo = json_object_get(root, "fifo"), *node = json_object_get(root, "node");
    json_t *xbar = json_object_get(root, "crossbar"), *sram = json_object_get(root, "sram");
    json_t *off = json_object_get(root, "offchip"), *leak = json_object_get(root, "leakage");
    if (!json_is_object(kinds) || !json_is_object(ops) || !json_is_object(fifo) || !json_is_object(node) ||
        !json_is_object(xbar) || !json_is_object(sram) || !json_is_object(off) || !json_is_object(leak))
        return ff_err_set(err, FF_EINVAL,
                          "%s: expected objects kinds, alu_ops, fifo, node, crossbar, sram, offchip and leakage", path);
    int rc;
    double words = 0, at = 0, ref = 0;
    if ((rc = ff_hw_json_number(node, "fj_per_eu", path, "node.", &t->fj_per_eu, err)) ||
        (rc = ff_hw_json_number(xbar, "eu_per_token_per_level", path, "crossbar.", &t->xbar_level, err)) ||
        (rc = ff_hw_json_number(sram, "eu_per_word", path, "sram.", &t->sram_word, err)) ||
        (rc = ff_hw_json_number(sram, "at_words", path, "sram.", &at, err)) || (rc = ff_hw_json_number(sram, "bank_words", path, "sram.", &words, err)) ||
        (rc = ff_hw_json_number(off, "eu_per_byte", path, "offchip.", &t->offchip_byte, err)) ||
        (rc = ff_hw_json_number(leak, "eu_per_ge_cycle", path, "leakage.", &t->leak_ge_cycle, err)) ||
        (rc = ff_hw_json_number(fifo, "reference_depth", path, "fifo.", &ref, err)))
        return rc;
    const char *scaling = json_string_value(json_object_get(sram, "scaling"));
    if (!scaling || strcmp(scaling, "sqrt") || at <= 0)
        return ff_err_set(err, FF_EINVAL, "%s: sram: expected \"scaling\": \"sqrt\" and at_words > 0", path);
    t->sram_word *= sqrt(words / at);
    t->fifo_ref = (int)ref;

    for (int k = 0; k < FF_PRIM__COUNT; k++) t->fire[k] = t->idle[k] = -1;
    const char *name;
    json_t *v;
    json_object_foreach(kinds, name, v) {
        int k = ff_prim_lookup(name);
        if (k < 0) return ff_err_set(err, FF_EINVAL, "%s: kinds.%s: no primitive kind '%s'", path, name, name);
        char where[96];
        snprintf(where, sizeof where, "kinds.%s.", name);
        if ((rc = ff_hw_json_number(v, "per_firing", path, where, &t->fire[k], err)) ||
            (rc = ff_hw_json_number(v, "idle_per_cycle", path, where, &t->idle[k], err)))
            return rc;
    }
    for (int o = 0; o < FF_ALU__COUNT; o++) t->alu_op[o] = -1;
    json_object_foreach(ops, name, v) {
        int o = ff_alu_op_parse(name);
        if (o < 0) return ff_err_set(err, FF_EINVAL, "%s: alu_ops.%s: no ALU op '%s'", path, name, name);
        char where[96];
        snprintf(where, sizeof where, "alu_ops.%s.", name);
        if ((rc = ff_hw_json_number(v, "per_firing", path, where, &t->alu_op[o], err))) return rc;
    }
    json_t *depths = json_object_get(fifo, "depths"), *tok = json_object_get(fifo, "per_token");
    json_t *idle = json_object_get(fifo, "idle_per_cycle");
    size_t n = json_array_size(depths);
    if (n < 2 || n > FIFO_UNITS || json_array_size(tok) != n || json_array_size(idle) != n)
        return ff_err_set(err, FF_EINVAL, "%s: fifo: expected depths, per_token and idle_per_cycle, 2 to %d of each",
                          path, FIFO_UNITS);
    for (size_t i = 0; i < n; i++) {
        json_t *d = json_array_get(depths, i), *e = json_array_get(tok, i), *z = json_array_get(idle, i);
        if (!json_is_integer(d) || json_integer_value(d) < 1 || (i && json_integer_value(d) <= t->fifo_depth[i - 1]) ||
            !json_is_number(e) || !json_is_number(z))
            return ff_err_set(err, FF_EINVAL, "%s: fifo: entry %zu: expected ascending depths and numbers", path, i);
        t->fifo_depth[i] = (int)json_integer_value(d);
        t->fifo_token[i] = json_number_value(e);
        t->fifo_idle[i] = json_number_value(z);
    }
    t->nfifo = (int)n;
    for (int k = 0; k < FF_PRIM__COUNT; k++)
        if (ff_prim_get((ff_prim_kind)k)->hardware && t->fire[k] < 0)
            return ff_err_set(err, FF_EINVAL, "%s: kinds: no %s (regenerate the table: docs/synthesis.md)", path,
                              ff_prim_get((ff_prim_kind)k)->name);
    return 0;
}

int ff_hw_energy_load(const char *path, ff_hw_energy_table **out, ff_err *err)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root) return ff_err_set(err, FF_EIO, "%s:%d: %s", path, je.line, je.text);
    ff_hw_energy_table *t = ff_xcalloc(1, sizeof *t);
    int rc = load(root, path, t, err);
    json_decref(root);
    if (rc) {
        free(t);
        return rc;
    }
    *out = t;
    return 0;
}

void ff_hw_energy_free(ff_hw_energy_table *t) { free(t); }

void ff_hw_events_add(ff_hw_events *ev, const ff_graph *g, const ff_sim *s)
{
    for (int i = 0; i < g->nnodes; i++) {
        const ff_node *n = &g->nodes[i];
        ff_node_stats ns;
        ff_sim_node_stats(s, i, &ns);
        if (n->kind == FF_PRIM_ALU) {
            int op = ff_alu_op_parse(ff_node_str(n, "op"));
            /* a block-mode firing applies the op on every lane: its ops */
            if (op >= 0) ev->alu_ops[op] += ns.ops > ns.fired ? ns.ops : ns.fired;
        } else {
            ev->firings[n->kind] += ns.fired;
        }
        ev->sram_words += ns.mem_reads + ns.mem_writes;
    }
    for (int e = 0; e < g->nedges; e++) {
        ff_chan_stats cs;
        ff_sim_edge_stats(s, e, &cs);
        ev->tokens += cs.tokens;
    }
    ff_sim_timing tm;
    ff_sim_timing_of(s, &tm);
    ev->offchip_bytes += tm.bytes_in + tm.bytes_out;
    ev->cycles += tm.total;
}

/* A FIFO figure at depth d, between the replayed depths. */
static double fifo_at(const ff_hw_energy_table *t, const double *y, int d)
{
    return ff_hw_interp(t->fifo_depth, y, t->nfifo, d);
}

int ff_hw_energy_of(const ff_hw_cost *c, const ff_hw_energy_table *t, const ff_hw_array *a, const ff_hw_events *ev,
                    ff_hw_energy *out, ff_err *err)
{
    memset(out, 0, sizeof *out);
    ff_hw_area area;
    int rc = ff_hw_area_of(c, a, &area, err);
    if (rc) return rc;
    double cycles = (double)ev->cycles, sources = a->harness_in, inputs = 0;
    for (int k = 0; k < FF_PRIM__COUNT; k++) {
        if (!ev->firings[k] && !a->tiles[k]) continue;
        if (t->fire[k] < 0)
            return ff_err_set(err, FF_EINVAL, "kind '%s' has no entry in the energy table",
                              ff_prim_get((ff_prim_kind)k)->name);
        out->logic += (double)ev->firings[k] * t->fire[k] + (double)a->tiles[k] * cycles * t->idle[k];
        int nin = 0, nout = 0;
        ff_hw_tile_ports(c, (ff_prim_kind)k, &nin, &nout);
        sources += (double)a->tiles[k] * nout;
        inputs += (double)a->tiles[k] * nin;
    }
    for (int o = 0; o < FF_ALU__COUNT; o++)
        out->logic += (double)ev->alu_ops[o] * (t->alu_op[o] >= 0 ? t->alu_op[o] : t->fire[FF_PRIM_ALU]);
    /* every token crosses the crossbar's mux tree and lands in a FIFO; the
     * tiles were replayed with FIFOs of the reference depth */
    double levels = sources > 1 ? ceil(log2(sources)) : 0;
    out->channels = (double)ev->tokens * (t->xbar_level * levels + fifo_at(t, t->fifo_token, a->fifo_depth) -
                                          fifo_at(t, t->fifo_token, t->fifo_ref)) +
                    inputs * cycles * (fifo_at(t, t->fifo_idle, a->fifo_depth) - fifo_at(t, t->fifo_idle, t->fifo_ref));
    out->sram = (double)ev->sram_words * t->sram_word;
    out->offchip = (double)ev->offchip_bytes * t->offchip_byte;
    out->leakage = area.total * cycles * t->leak_ge_cycle;
    out->total = out->logic + out->channels + out->sram + out->offchip + out->leakage;
    return 0;
}
