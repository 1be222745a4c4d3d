/*
 * cmd_compile.c -- `fuseflow compile`: a model file to dataflow graphs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "driver.h"
#include "ff_graph.h"
#include "ff_ir.h"
#include "ff_lower.h"

static const char help[] =
    "usage: fuseflow compile MODEL.ff [--order [N:]i,k,j ...] [-o GRAPH.json] [--dot GRAPH.dot] [-d]\n"
    "\n"
    "Compiles each statement of MODEL.ff (docs/language.md) into a dataflow graph\n"
    "(docs/graph-format.md). With one statement, -o names the graph file; with\n"
    "several, statement N goes to GRAPH.kN.json (and GRAPH.kN.dot).\n"
    "\n"
    "  --order i,k,j     loop order for the statements with exactly these indices;\n"
    "                    N:i,k,j for statement N only (default: the best legal order)\n"
    "  -o GRAPH.json     write the graph(s)\n"
    "  --dot GRAPH.dot   write Graphviz drawings\n"
    "  -d                print the tensor IR after each pass (it parses back) and\n"
    "                    each statement's graph summary\n";

/* Applies the --order options to statement s; 0 if none applies. */
int driver_stmt_order(const ff_ir_program *p, int s, char **orders, int norders, ff_lower_opts *o, ff_err *err)
{
    o->norder = 0;
    for (int i = 0; i < norders; i++) {
        const char *text = orders[i];
        char *colon = strchr(text, ':');
        if (colon) {
            int which = atoi(text);
            if (which != s + 1) continue;
            return ff_lower_parse_order(p, s, colon + 1, o, err);
        }
        ff_err tmp;
        if (ff_lower_parse_order(p, s, text, o, &tmp) == 0) return 0;
        if (p->nstmts == 1) {
            *err = tmp;
            return tmp.code;
        }
        o->norder = 0;
    }
    return 0;
}

/* "out.json" -> "out.k2.json" for statement 2 of several. */
void driver_kernel_path(const char *path, int nstmts, int s, const char *ext, char *buf, size_t n)
{
    if (nstmts == 1) {
        snprintf(buf, n, "%s", path);
        return;
    }
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash)) dot = path + strlen(path);
    snprintf(buf, n, "%.*s.k%d%s", (int)(dot - path), path, s + 1, *dot ? dot : ext);
}

static void order_text(const ff_ir_program *p, const ff_lower_opts *o, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int k = 0; k < o->norder && len < n - 1; k++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s", k ? "," : "", p->indices[o->order[k]].name);
}

int cmd_compile(int argc, char **argv)
{
    const char *model = NULL, *out = NULL, *dot = NULL, *v;
    char **orders = calloc((size_t)argc + 1, sizeof *orders);
    int norders = 0, dump = 0, bad = 0, rc = 0;
    ff_ir_program *p = NULL;
    ff_err err = {0};
    for (int i = 1; i < argc && !bad; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(help, stdout);
            goto done;
        } else if (!strcmp(argv[i], "-d")) {
            dump = 1;
        } else if (driver_opt(argc, argv, &i, "--order", &v, &bad)) {
            if (!bad) orders[norders++] = (char *)v;
        } else if (driver_opt(argc, argv, &i, "-o", &v, &bad)) {
            out = v;
        } else if (driver_opt(argc, argv, &i, "--dot", &v, &bad)) {
            dot = v;
        } else if (argv[i][0] == '-') {
            rc = driver_usage("compile", "unknown option '%s'", argv[i]);
            goto done;
        } else if (!model) {
            model = argv[i];
        } else {
            rc = driver_usage("compile", "unexpected argument '%s'", argv[i]);
            goto done;
        }
    }
    if (bad) {
        rc = 2;
        goto done;
    }
    if (!model) {
        rc = driver_usage("compile", "which model file?");
        goto done;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (ff_ir_parse(model, NULL, &p, &err)) goto fail;
    if (dump) {
        printf("# %s after parse\n", model);
        ff_ir_print(p, stdout);
    }
    if (ff_ir_place_reductions(p, &err)) goto fail;
    if (dump) {
        printf("# %s after place-reductions\n", model);
        ff_ir_print(p, stdout);
    }
    for (int s = 0; s < p->nstmts; s++) {
        ff_lower_opts o;
        if (driver_stmt_order(p, s, orders, norders, &o, &err)) goto fail;
        if (!o.norder && ff_lower_default_order(p, s, o.order, &o.norder, &err)) goto fail;
        ff_graph *g = NULL;
        if (ff_lower_stmt(p, s, &o, &g, &err)) goto fail;
        char ord[256], path[4096];
        order_text(p, &o, ord, sizeof ord);
        printf("%s:%d: %s: order %s, %d primitives, %d streams", model, p->stmts[s].pos.line,
               p->tensors[p->stmts[s].lhs].name, ord, g->nnodes, g->nedges);
        if (out) {
            driver_kernel_path(out, p->nstmts, s, ".json", path, sizeof path);
            if (ff_graph_save_json(g, path, &err)) {
                ff_graph_free(g);
                goto fail;
            }
            printf(" -> %s", path);
        }
        printf("\n");
        if (dot) {
            driver_kernel_path(dot, p->nstmts, s, ".dot", path, sizeof path);
            FILE *f = fopen(path, "w");
            if (!f || ff_graph_write_dot(g, f, &err)) {
                if (f) fclose(f);
                else ff_err_set(&err, FF_EIO, "%s: cannot write", path);
                ff_graph_free(g);
                goto fail;
            }
            fclose(f);
        }
        ff_graph_free(g);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (dump)
        printf("# compiled in %.2f ms\n", 1e3 * (double)(t1.tv_sec - t0.tv_sec) + 1e-6 * (double)(t1.tv_nsec - t0.tv_nsec));
    goto done;
fail:
    rc = driver_fail("compile", &err);
done:
    ff_ir_free(p);
    free(orders);
    return rc;
}
