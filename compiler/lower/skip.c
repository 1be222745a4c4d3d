/*
 * skip.c -- coordinate skipping (docs/timing.md "scan" and "intersect"):
 * every side of an intersect that a scanner feeds alone gets the skip
 * stream back to that scanner, so the scanner jumps over the coordinates
 * the intersection would pop one per cycle.
 */
#include <stdio.h>
#include <stdlib.h>

#include "lower_int.h"

/* The scanner that feeds side i of intersect j alone, or -1: crd and ref
 * straight from its crd and ref outputs, neither read by anyone else, and
 * its skip input free. */
static int side_scanner(const ff_graph *g, const ff_node *j, int i)
{
    char crd[16], ref[16];
    snprintf(crd, sizeof crd, "crd%d", i);
    snprintf(ref, sizeof ref, "ref%d", i);
    int ec = j->in[ff_node_in_port(j, crd)].edge, er = j->in[ff_node_in_port(j, ref)].edge;
    if (ec < 0 || er < 0) return -1;
    int s = g->edges[ec].from_node;
    const ff_node *sn = &g->nodes[s];
    if (sn->kind != FF_PRIM_SCAN || g->edges[er].from_node != s) return -1;
    int pc = ff_node_out_port(sn, "crd"), pr = ff_node_out_port(sn, "ref"), pk = ff_node_in_port(sn, "skip");
    if (g->edges[ec].from_port != pc || g->edges[er].from_port != pr) return -1;
    if (sn->out[pc].nout_edges != 1 || sn->out[pr].nout_edges != 1 || sn->in[pk].edge >= 0) return -1;
    return s;
}

int lw_link_skips(ff_graph *g, ff_err *err)
{
    int rc = ff_graph_validate(g, err);
    if (rc) return rc;
    /* Found on the validated graph, then connected: a scanner feeds one
     * side at most (its outputs have one reader each), so no two links
     * share a scanner. */
    int (*link)[3] = ff_xmalloc(sizeof *link * (size_t)(g->nnodes * 4 + 1));
    int nlink = 0;
    for (int j = 0; j < g->nnodes; j++) {
        if (g->nodes[j].kind != FF_PRIM_INTERSECT) continue;
        for (int i = 0, n = (int)ff_node_int(&g->nodes[j], "n"); i < n; i++) {
            int s = side_scanner(g, &g->nodes[j], i);
            if (s >= 0) {
                link[nlink][0] = j;
                link[nlink][1] = i;
                link[nlink++][2] = s;
            }
        }
    }
    for (int l = 0; l < nlink && !rc; l++) {
        char port[16];
        snprintf(port, sizeof port, "skip%d", link[l][1]);
        rc = ff_graph_connect(g, link[l][0], port, link[l][2], "skip", 0, err) < 0 ? FF_EINVAL : 0;
    }
    free(link);
    return rc ? rc : ff_graph_validate(g, err);
}
