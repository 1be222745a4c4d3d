/*
 * cmd_graph.c -- `fuseflow graph check|dot FILE`.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "driver.h"
#include "ff_graph.h"

static const char help[] =
    "usage: fuseflow graph check GRAPH.json\n"
    "       fuseflow graph dot GRAPH.json [-o FILE.dot]\n"
    "\n"
    "check validates the graph (docs/graph-format.md) and prints a summary;\n"
    "dot draws it for Graphviz (dot -Tsvg FILE.dot > FILE.svg).\n";

int cmd_graph(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *pos[2] = {NULL, NULL}, *out = NULL; /* action, path */
    const driver_option own[] = {{"-o", DRIVER_STR, &out}};
    const driver_cmd cmd = {"graph", 0, own, 1, help, pos, 2, "which graph file?"};
    driver_opts o;
    int rc = 0, stop = driver_parse(&cmd, argc, argv, &o, &rc);
    driver_opts_free(&o);
    if (stop) return rc;
    const char *action = pos[0], *path = pos[1];
    ff_err err = {0};
    ff_graph *g = NULL;
    if (ff_graph_load_json(path, &g, &err)) return driver_fail("graph", &err);
    if (strcmp(action, "check") == 0) {
        int hw = 0;
        for (int i = 0; i < g->nnodes; i++) hw += ff_prim_get(g->nodes[i].kind)->hardware;
        printf("%s: graph '%s' is valid: %d nodes (%d primitives), %d streams, %d tensors\n", path, g->name,
               g->nnodes, hw, g->nedges, g->ntensors);
    } else if (strcmp(action, "dot") == 0) {
        FILE *f = out ? fopen(out, "w") : stdout;
        if (!f) {
            ff_err_set(&err, FF_EIO, "%s: %s", out, strerror(errno));
            rc = driver_fail("graph", &err);
        } else {
            if (ff_graph_write_dot(g, f, &err)) rc = driver_fail("graph", &err);
            if (out) fclose(f);
        }
    } else {
        rc = driver_usage("graph", "unknown action '%s' (check or dot)", action);
    }
    ff_graph_free(g);
    return rc;
}
