/*
 * par.c -- --par: the emitted graph's region under an output loop,
 * replicated (docs/language.md "Parallelization").
 *
 * Needs: an emitted, validated serial graph in L->g with every node's level
 * (L->node_lvl, L->node_gen) and the plan's level trie.
 * Produces: a new L->g (the old one freed) whose streams and outputs are the
 * serial graph's, token for token.
 */
#include <stdio.h>
#include <string.h>

#include "lower_int.h"

static int level_depth(lw *L, int lvl)
{
    int d = 0;
    for (; lvl >= 0; lvl = L->levels[lvl].parent) d++;
    return d;
}

/* Node i computes on the coordinates of `par` (or below): it is replicated.
 * The level's own generators (its scanners, merges, locates, repeaters)
 * stay single: their streams are what the lanes share out. */
static int in_region(lw *L, int i, int par)
{
    int l = L->node_lvl[i];
    if (l < 0 || !lw_is_ancestor(L, par, l)) return 0;
    return !(l == par && L->node_gen[i]);
}

static void copy_node(lw *L, ff_graph *h, const ff_node *n, const char *name)
{
    if (ff_graph_find_node(h, name) >= 0)
        lw_fail(L, L->st->pos, "--par: node name '%s' is taken; cannot replicate '%s'", name, n->name);
    int id = ff_graph_add_node(h, name, n->kind, L->err);
    if (id < 0) longjmp(L->fail, 1);
    for (int k = 0; k < n->nparams; k++)
        if (ff_graph_copy_param(h, id, &n->params[k], L->err) < 0) longjmp(L->fail, 1);
}

static void hconn(lw *L, ff_graph *h, int from, const char *fport, int to, const char *tport, int depth)
{
    if (ff_graph_connect(h, from, fport, to, tport, depth, L->err) < 0) longjmp(L->fail, 1);
}

/* Replicates the region under top-chain level `par` `lanes` ways (docs/
 * language.md "Parallelization"). Streams of the level itself enter the
 * lanes through forks (coordinates round robin, control tokens to every
 * lane, so lane k gets the units k, k+n, .. of every fiber); streams of
 * levels above it are fanned out to every lane unchanged; every stream that
 * leaves the lanes goes through a serialize, which reads the level's
 * coordinates to put the units back in order. The result is the serial
 * graph's streams, token for token. */
void lw_parallelize(lw *L, int par, int lanes)
{
    const ff_graph *g = L->g;
    ff_graph *h = L->par.g = ff_graph_new(g->name);
    h->frac_bits = g->frac_bits;
    /* node i, lane k -> id[i * lanes + k]; per (node, output port): the fork
     * or serialize made for it, or -1 */
    int *id = L->par.id = ff_xcalloc((size_t)g->nnodes * (size_t)lanes + 1, sizeof *id);
    size_t nports = (size_t)g->nnodes * 8;
    int *fork_of = L->par.fork_of = ff_xmalloc(nports * sizeof *fork_of);
    int *ser_of = L->par.ser_of = ff_xmalloc(nports * sizeof *ser_of);
    for (size_t i = 0; i < nports; i++) fork_of[i] = ser_of[i] = -1;

    for (int t = 0; t < g->ntensors; t++) {
        const ff_gtensor *gt = &g->tensors[t];
        if (ff_graph_add_tensor(h, gt->name, gt->is_output, gt->order, gt->format,
                                gt->is_output ? (const char *const *)gt->shape : NULL, L->err) < 0)
            longjmp(L->fail, 1);
    }
    int nin = 0;
    for (int i = 0; i < g->nnodes; i++) {
        const ff_node *n = &g->nodes[i];
        if (!in_region(L, i, par)) {
            copy_node(L, h, n, n->name);
            id[i * lanes] = h->nnodes - 1;
            continue;
        }
        nin++;
        for (int k = 0; k < lanes; k++) {
            char name[160];
            snprintf(name, sizeof name, "%s_p%d", n->name, k);
            copy_node(L, h, n, name);
            id[i * lanes + k] = h->nnodes - 1;
        }
    }
    if (!nin) lw_fail(L, L->st->pos, "--par %s: nothing computes under that loop", L->idx[L->levels[par].index].name);
    const pref ctrl = L->levels[par].crd;
    int pd = level_depth(L, par);
    for (int e = 0; e < g->nedges; e++) {
        const ff_edge *ed = &g->edges[e];
        int u = ed->from_node, v = ed->to_node;
        const char *fport = g->nodes[u].out[ed->from_port].name, *tport = g->nodes[v].in[ed->to_port].name;
        int ui = in_region(L, u, par), vi = in_region(L, v, par);
        size_t slot = (size_t)u * 8 + (size_t)ed->from_port;
        if (ui == vi) {
            /* Outside the lanes, a consumer of the level's own streams (a
             * coordinate drop, a writer) waits for serialized results while
             * the level runs ahead by a unit per lane: its FIFO holds them. */
            int depth = ed->depth;
            if (!ui && L->node_lvl[u] == par && depth < 2 * lanes + 2) depth = 2 * lanes + 2;
            for (int k = 0; k < (ui ? lanes : 1); k++)
                hconn(L, h, id[u * lanes + k], fport, id[v * lanes + k], tport, depth);
        } else if (vi) {
            int lu = L->node_lvl[u];
            if (lu == par) {
                /* the level's own stream: one unit per lane in turn */
                if (fork_of[slot] < 0) {
                    char name[160];
                    snprintf(name, sizeof name, "fork_%s_%s", g->nodes[u].name, fport);
                    int f = ff_graph_add_node(h, name, FF_PRIM_FORK, L->err);
                    if (f < 0 || ff_node_set_int(h, f, "n", lanes, L->err) < 0) longjmp(L->fail, 1);
                    hconn(L, h, id[u * lanes], fport, f, "in", ed->depth);
                    fork_of[slot] = f;
                }
                for (int k = 0; k < lanes; k++) {
                    char op[16];
                    snprintf(op, sizeof op, "out%d", k);
                    hconn(L, h, fork_of[slot], op, id[v * lanes + k], tport, 0);
                }
            } else if (lu == -1 || (lu >= 0 && lw_is_ancestor(L, lu, par))) {
                /* a stream of an enclosing level: every lane reads all of it */
                for (int k = 0; k < lanes; k++) hconn(L, h, id[u * lanes], fport, id[v * lanes + k], tport, ed->depth);
            } else {
                lw_fail(L, L->st->pos, "--par %s: '%s' feeds the parallel region from below the loop; parallelize "
                        "an outer loop", L->idx[L->levels[par].index].name, g->nodes[u].name);
            }
        } else {
            if (ser_of[slot] < 0) {
                int unit = level_depth(L, L->node_lvl[u]) - pd - 1;
                if (unit > 6)
                    lw_fail(L, L->st->pos, "--par %s: a stream %d levels below the loop leaves the region (at most 7)",
                            L->idx[L->levels[par].index].name, unit + 1);
                char name[160];
                snprintf(name, sizeof name, "ser_%s_%s", g->nodes[u].name, fport);
                int sz = ff_graph_add_node(h, name, FF_PRIM_SERIALIZE, L->err);
                if (sz < 0 || ff_node_set_int(h, sz, "n", lanes, L->err) < 0 ||
                    ff_node_set_int(h, sz, "unit", unit, L->err) < 0)
                    longjmp(L->fail, 1);
                /* a lane closes a unit only when it sees its next one, `lanes`
                 * units later: ctrl holds the coordinates in between */
                hconn(L, h, id[ctrl.node * lanes], ctrl.port, sz, "ctrl", 2 * lanes + 2);
                for (int k = 0; k < lanes; k++) {
                    char ip[16];
                    snprintf(ip, sizeof ip, "in%d", k);
                    hconn(L, h, id[u * lanes + k], fport, sz, ip, 0);
                }
                ser_of[slot] = sz;
            }
            hconn(L, h, ser_of[slot], "out", id[v * lanes], tport, ed->depth);
        }
    }
    ff_graph_free(L->g);
    L->g = h;
    L->par.g = NULL;
}

int lw_top_level_named(const lw *L, const char *name)
{
    for (int l = L->top_chain; l >= 0; l = L->levels[l].parent)
        if (!strcmp(L->idx[L->levels[l].index].name, name)) return l;
    return -1;
}

