/*
 * balance.c -- FIFO balancing (docs/timing.md "Buffering"). A stream that
 * fans out to paths of different length which meet again (a scanner's
 * coordinates to a crd_hold, its references through a value array and an
 * ALU, both into one accumulator) stalls the fan-out whenever the short
 * path's channels are full while the long path is still filling: with
 * channels of the architecture's depth, such a graph runs at a fraction of
 * one token per cycle. Each channel gets, on top of that depth, the slack
 * between the cycle its tokens arrive and the cycle its consumer's latest
 * input can: the longest path to the consumer minus the longest path
 * through this channel.
 */
#include <stdlib.h>
#include <string.h>

#include "lower_int.h"

/* The feedback edges (a skip stream into its scanner) carry no data the
 * consumer waits for in step with its other inputs: not part of a path. */
static int feedback(const ff_graph *g, const ff_edge *e)
{
    const ff_node *to = &g->nodes[e->to_node];
    return to->kind == FF_PRIM_SCAN && strcmp(to->in[e->to_port].name, "skip") == 0;
}

/* A scanner that jumps where its intersect asks (a skip stream in) stays as
 * close to that intersect as the arch's depth keeps it: a deeper channel
 * lets it stream coordinates ahead that a jump would have passed over, and
 * makes more of the skips arrive for a fiber it has already left. */
static int skipping_side(const ff_graph *g, const ff_edge *e)
{
    const ff_node *from = &g->nodes[e->from_node];
    if (from->kind != FF_PRIM_SCAN) return 0;
    int pk = ff_node_in_port(from, "skip");
    return pk >= 0 && from->in[pk].edge >= 0;
}

void lw_balance_fifos(ff_graph *g, const ff_lower_opts *o)
{
    if (!o || o->no_balance || o->fifo_depth < 1 || !g->validated) return;
    int cap = o->fifo_max > 0 ? o->fifo_max : 16, n = g->nnodes;
    if (cap <= o->fifo_depth) return;
    long *arrive = ff_xcalloc((size_t)n, sizeof *arrive); /* longest path to each node */
    int *hop = ff_xmalloc(sizeof *hop * (size_t)n), *indeg = ff_xcalloc((size_t)n, sizeof *indeg);
    int *order = ff_xmalloc(sizeof *order * (size_t)n), head = 0, tail = 0;
    unsigned char *back = ff_xmalloc((size_t)g->nedges + 1); /* feedback edges, once */
    for (int i = 0; i < n; i++) hop[i] = 1 + (o->node_latency ? o->node_latency(&g->nodes[i], o->latency_ctx) : 0);
    for (int e = 0; e < g->nedges; e++)
        if (!(back[e] = (unsigned char)feedback(g, &g->edges[e]))) indeg[g->edges[e].to_node]++;
    for (int i = 0; i < n; i++)
        if (!indeg[i]) order[tail++] = i;
    /* Kahn's order over the forward edges, each node's out-edges from its
     * ports (a graph's forward part is a DAG; if not, it is left as it is) */
    while (head < tail) {
        int u = order[head++];
        const ff_node *un = &g->nodes[u];
        for (int p = 0; p < un->nout; p++)
            for (int k = 0; k < un->out[p].nout_edges; k++) {
                int e = un->out[p].out_edges[k], v = g->edges[e].to_node;
                if (back[e]) continue;
                if (arrive[u] + hop[u] > arrive[v]) arrive[v] = arrive[u] + hop[u];
                if (--indeg[v] == 0) order[tail++] = v;
            }
    }
    if (tail == n)
        for (int e = 0; e < g->nedges; e++) {
            ff_edge *ed = &g->edges[e];
            if (ed->depth || back[e] || skipping_side(g, ed)) continue; /* a depth the lowering chose stays */
            long slack = arrive[ed->to_node] - arrive[ed->from_node] - hop[ed->from_node];
            if (slack > 0) ed->depth = (int)(o->fifo_depth + slack < cap ? o->fifo_depth + slack : cap);
        }
    free(back);
    free(arrive);
    free(hop);
    free(indeg);
    free(order);
}
