/*
 * skip.c -- coordinate skipping (docs/timing.md "scan" and "intersect"):
 * every side of an intersect that a scanner feeds alone gets the skip
 * stream back to that scanner, so the scanner jumps over the coordinates
 * the intersection would pop one per cycle.
 */
#include <stdio.h>
#include <stdlib.h>

#include "lower_int.h"

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
            /* a scanner read by anyone else, or already linked, stays as it is */
            int alone, s = ff_graph_side_scanner(g, j, i, &alone);
            if (s >= 0 && alone && g->nodes[s].in[ff_node_in_port(&g->nodes[s], "skip")].edge < 0) {
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
