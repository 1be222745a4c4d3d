/*
 * hw.c -- the area table and the area of an array (ff_hw.h,
 * docs/synthesis.md "The area model").
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ff_hw.h"
#include "hw_int.h"
#include "ff_token.h"

#define FIFO_UNITS 16

struct ff_hw_cost {
    double tile_ge[FF_PRIM__COUNT]; /* at the reference depth; < 0: not in the table */
    int tile_nin[FF_PRIM__COUNT], tile_nout[FF_PRIM__COUNT]; /* the tile's stream ports (the RTL's kind_nin/nout) */
    int ref_depth;
    int nfifo;
    int fifo_depth[FIFO_UNITS]; /* ascending */
    double fifo_ge[FIFO_UNITS];
    double mux_ge;
    double sram_ge_per_bit;
};

const char *ff_hw_cost_default_path(void) { return FF_HW_COST_DEFAULT; }

int ff_hw_json_number(json_t *o, const char *key, const char *path, const char *where, double *out, ff_err *err)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v) || json_number_value(v) < 0)
        return ff_err_set(err, FF_EINVAL, "%s: %s%s: expected a number >= 0", path, where, key);
    *out = json_number_value(v);
    return 0;
}

int ff_hw_cost_load(const char *path, ff_hw_cost **out, ff_err *err)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root) return ff_err_set(err, FF_EIO, "%s:%d: %s", path, je.line, je.text);
    ff_hw_cost *c = ff_xcalloc(1, sizeof *c);
    int rc = 0;
    json_t *units = json_object_get(root, "units"), *gates = json_object_get(root, "gate_ge");
    json_t *prov = json_object_get(root, "provenance");
    json_t *ref = prov ? json_object_get(prov, "reference") : NULL;
    const char *kind = json_string_value(json_object_get(root, "fuseflow"));
    if (!kind || strcmp(kind, "hw-cost") || json_integer_value(json_object_get(root, "version")) != 1)
        rc = ff_err_set(err, FF_EINVAL, "%s: not a version 1 hw-cost table (\"fuseflow\": \"hw-cost\")", path);
    else if (!json_is_object(units) || !json_is_object(gates) || !json_is_object(ref))
        rc = ff_err_set(err, FF_EINVAL, "%s: expected objects units, gate_ge and provenance.reference", path);
    double d = 0;
    if (!rc) rc = ff_hw_json_number(gates, "$_MUX_", path, "gate_ge.", &c->mux_ge, err);
    if (!rc) rc = ff_hw_json_number(root, "sram_ge_per_bit", path, "", &c->sram_ge_per_bit, err);
    if (!rc && !(rc = ff_hw_json_number(ref, "MaxDepth", path, "provenance.reference.", &d, err))) c->ref_depth = (int)d;
    for (int k = 0; k < FF_PRIM__COUNT; k++) c->tile_ge[k] = -1;
    const char *name;
    json_t *u;
    json_object_foreach(units, name, u) {
        if (rc) break;
        char where[96];
        snprintf(where, sizeof where, "units.%s.", name);
        double ge = 0;
        if ((rc = ff_hw_json_number(u, "ge", path, where, &ge, err))) break;
        if (!strncmp(name, "tile_", 5)) {
            int k = ff_prim_lookup(name + 5);
            if (k < 0) {
                rc = ff_err_set(err, FF_EINVAL, "%s: units.%s: no primitive kind '%s'", path, name, name + 5);
                break;
            }
            double nin = 0, nout = 0;
            if ((rc = ff_hw_json_number(u, "nin", path, where, &nin, err)) || (rc = ff_hw_json_number(u, "nout", path, where, &nout, err))) break;
            c->tile_ge[k] = ge;
            c->tile_nin[k] = (int)nin;
            c->tile_nout[k] = (int)nout;
        } else if (!strncmp(name, "fifo_d", 6)) {
            if (c->nfifo == FIFO_UNITS) {
                rc = ff_err_set(err, FF_EINVAL, "%s: more than %d fifo units", path, FIFO_UNITS);
                break;
            }
            c->fifo_depth[c->nfifo] = atoi(name + 6);
            c->fifo_ge[c->nfifo++] = ge;
        }
    }
    /* sort the FIFO units by depth (they are few: insertion) */
    for (int i = 1; i < c->nfifo; i++)
        for (int j = i; j > 0 && c->fifo_depth[j - 1] > c->fifo_depth[j]; j--) {
            int t = c->fifo_depth[j];
            c->fifo_depth[j] = c->fifo_depth[j - 1], c->fifo_depth[j - 1] = t;
            double g = c->fifo_ge[j];
            c->fifo_ge[j] = c->fifo_ge[j - 1], c->fifo_ge[j - 1] = g;
        }
    if (!rc && c->nfifo < 2) rc = ff_err_set(err, FF_EINVAL, "%s: needs fifo units at two depths at least", path);
    for (int k = 0; !rc && k < FF_PRIM__COUNT; k++)
        if (ff_prim_get((ff_prim_kind)k)->hardware && c->tile_ge[k] < 0)
            rc = ff_err_set(err, FF_EINVAL, "%s: units: no tile_%s (regenerate the table: docs/synthesis.md)", path,
                            ff_prim_get((ff_prim_kind)k)->name);
    json_decref(root);
    if (rc) {
        free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void ff_hw_cost_free(ff_hw_cost *c) { free(c); }

void ff_hw_tile_ports(const ff_hw_cost *c, ff_prim_kind k, int *nin, int *nout)
{
    *nin = c->tile_nin[k];
    *nout = c->tile_nout[k];
}

void ff_hw_array_need(ff_hw_array *a, const ff_graph *g)
{
    int count[FF_PRIM__COUNT] = {0};
    for (int i = 0; i < g->nnodes; i++) count[g->nodes[i].kind]++;
    for (int k = 0; k < FF_PRIM__COUNT; k++)
        if (ff_prim_get((ff_prim_kind)k)->hardware && count[k] > a->tiles[k]) a->tiles[k] = count[k];
    if (count[FF_PRIM_SOURCE] > a->harness_in) a->harness_in = count[FF_PRIM_SOURCE];
    if (count[FF_PRIM_SINK] > a->harness_out) a->harness_out = count[FF_PRIM_SINK];
    /* an array's FIFOs are alike: as deep as the deepest channel (FIFO
     * balancing gives some more than the arch's fifo_depth) */
    for (int e = 0; e < g->nedges; e++)
        if (g->edges[e].depth > a->fifo_depth) a->fifo_depth = g->edges[e].depth;
}

double ff_hw_interp(const int *x, const double *y, int n, int d)
{
    int i = 0;
    while (i + 2 < n && d > x[i + 1]) i++;
    double slope = (y[i + 1] - y[i]) / (x[i + 1] - x[i]);
    return y[i] + slope * (d - x[i]);
}

/* The FIFO's area at depth d, between the synthesized depths. */
static double fifo_ge(const ff_hw_cost *c, int d) { return ff_hw_interp(c->fifo_depth, c->fifo_ge, c->nfifo, d); }

int ff_hw_area_of(const ff_hw_cost *c, const ff_hw_array *a, ff_hw_area *out, ff_err *err)
{
    memset(out, 0, sizeof *out);
    if (a->fifo_depth < 1) return ff_err_set(err, FF_EINVAL, "FIFO depth %d: expected at least 1", a->fifo_depth);
    double dfifo = fifo_ge(c, a->fifo_depth) - fifo_ge(c, c->ref_depth);
    double sources = a->harness_in, consumers = a->harness_out;
    for (int k = 0; k < FF_PRIM__COUNT; k++) {
        if (!a->tiles[k]) continue;
        const ff_prim_info *p = ff_prim_get((ff_prim_kind)k);
        if (!p->hardware || c->tile_ge[k] < 0)
            return ff_err_set(err, FF_EINVAL, "kind '%s' has no tile in the area table", p->name);
        out->tiles += a->tiles[k] * c->tile_ge[k];
        out->fifos += a->tiles[k] * c->tile_nin[k] * dfifo;
        sources += (double)a->tiles[k] * c->tile_nout[k];
        consumers += (double)a->tiles[k] * c->tile_nin[k];
    }
    /* a full crossbar: each consumer picks one of the sources through a
     * (sources - 1)-mux tree of 2:1 muxes as wide as the token word */
    if (sources > 1) out->crossbar = consumers * (sources - 1) * FF_TOK_BITS * c->mux_ge;
    out->sram = (double)a->sram_words * 32 * c->sram_ge_per_bit;
    out->total = out->tiles + out->fifos + out->crossbar + out->sram;
    return 0;
}
