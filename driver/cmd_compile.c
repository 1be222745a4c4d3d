/*
 * cmd_compile.c -- `fuseflow compile`: a model file to dataflow graphs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "driver.h"
#include "ff_backend.h"
#include "ff_graph.h"
#include "ff_ir.h"
#include "ff_lower.h"

static const char help[] =
    "usage: fuseflow compile MODEL.ff [--fuse SPEC] [--order [N:]i,k,j ...] [--par INDEX:P] [--block B] [-o GRAPH.json]\n"
    "                        [--dot GRAPH.dot] [-d]\n"
    "                        [--bitstream OUT.bit --array ARRAY.json [--arch ARCH.json]]\n"
    "\n"
    "Compiles MODEL.ff (docs/language.md) into dataflow graphs (docs/graph-format.md),\n"
    "one per kernel. With one kernel, -o names the graph file; with several, the\n"
    "kernel starting at statement N goes to GRAPH.kN.json (and GRAPH.kN.dot).\n"
    "\n"
    "  --fuse SPEC       none (default: a kernel per statement), all, or ranges of\n"
    "                    statements such as 1-3,4,5-8; within a kernel, results\n"
    "                    stream from producer to consumer instead of going to memory\n"
    "  --order i,k,j     loop order for the statements with exactly these indices;\n"
    "                    N:i,k,j for statement N only (default: the best legal order)\n"
    "  --par INDEX:P     replicate the work under output loop INDEX P ways (2..7):\n"
    "                    forks deal its coordinates round robin to P lanes and\n"
    "                    serializes put the results back in order (same outputs)\n"
    "  --block B         stream B x B dense blocks (1..64): every index over a mode of a\n"
    "                    tensor stored bcsr(B) iterates blocks, values are blocks and\n"
    "                    ALUs/reducers take the arch's block timing (same outputs)\n"
    "  -o GRAPH.json     write the graph(s)\n"
    "  --dot GRAPH.dot   write Graphviz drawings\n"
    "  --bitstream OUT.bit  place and route each graph on the RDA array given by\n"
    "                    --array (rtl/arrays/NAME.json) and write its bitstream\n"
    "                    (docs/bitstream.md; several kernels: OUT.kN.bit);\n"
    "                    --arch ARCH.json gives latency, II and FIFO depth\n"
    "  -d                print the tensor IR after each pass (it parses back) and\n"
    "                    each statement's graph summary\n";

/* Applies the --order options to statement s; 0 if none applies. */
int driver_stmt_order(const ff_ir_program *p, int s, char **orders, int norders, ff_lower_opts *o, ff_err *err)
{
    o->norder = 0;
    for (int i = 0; i < norders; i++) {
        const char *text = orders[i];
        if (!strcmp(text, "auto")) continue; /* handled by the caller */
        const char *colon = strchr(text, ':');
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

static int parse_par(const char *text, driver_sched *out, ff_err *err)
{
    const char *colon = strrchr(text, ':');
    char *end = NULL;
    long lanes = colon ? strtol(colon + 1, &end, 10) : 0;
    size_t len = colon ? (size_t)(colon - text) : 0;
    if (!colon || !len || len >= sizeof out->index || !colon[1] || *end || lanes < 2 || lanes > 7)
        return ff_err_set(err, FF_EINVAL, "--par %s: expected INDEX:P with P in 2..7 (e.g. i:4)", text);
    memcpy(out->index, text, len);
    out->index[len] = '\0';
    out->lanes = (int)lanes;
    return 0;
}

static int parse_block(const char *text, driver_sched *out, ff_err *err)
{
    char *end;
    long b = strtol(text, &end, 10);
    if (!*text || *end || b < 1 || b > 64)
        return ff_err_set(err, FF_EINVAL, "--block %s: expected the block size B, 1..64 (16, 32 or 64 for an RDA)", text);
    out->block = (int)b;
    return 0;
}

int driver_sched_opt(const char *cmd, int argc, char **argv, int *i, driver_sched *s, int *bad)
{
    const char *v;
    int block = driver_opt(argc, argv, i, "--block", &v, bad);
    if (!block && !driver_opt(argc, argv, i, "--par", &v, bad)) return 0;
    ff_err err = {0};
    if (!*bad && (block ? parse_block(v, s, &err) : parse_par(v, s, &err))) {
        driver_usage(cmd, "%s", err.msg);
        *bad = 1;
    }
    return 1;
}

int driver_check_par(const ff_ir_program *p, const ff_kernel *ks, int nk, const driver_sched *par, ff_err *err)
{
    if (!par || par->lanes < 2) return 0;
    char seen[512] = "";
    size_t len = 0;
    unsigned char *fuse = calloc((size_t)p->nstmts + 1, 1);
    for (int k = 0; k < nk; k++)
        for (int r = 0; r < ks[k].nroots; r++) {
            ff_lower_opts o;
            memset(&o, 0, sizeof o);
            ff_kernel_fuse_flags(p, &ks[k], ks[k].roots[r], fuse);
            o.fuse = fuse;
            char names[FF_LOWER_MAX_INDICES][FF_LOWER_NAME];
            ff_err e2 = {0};
            int n = ff_lower_indices(p, ks[k].roots[r], &o, names, &e2);
            for (int i = 0; i < n; i++) {
                if (!strcmp(names[i], par->index)) {
                    free(fuse);
                    return 0;
                }
                if (!strstr(seen, names[i]) && len + strlen(names[i]) + 3 < sizeof seen)
                    len += (size_t)snprintf(seen + len, sizeof seen - len, "%s%s", len ? ", " : "", names[i]);
            }
        }
    free(fuse);
    return ff_err_set(err, FF_EINVAL, "--par %s:%d: no statement has a loop '%s' (loops: %s)", par->index, par->lanes,
                      par->index, seen);
}

int driver_kernel_orders(const ff_ir_program *p, const ff_kernel *k, char **orders, int norders, const driver_sched *par,
                         ff_lower_opts *out, unsigned char *fuse_buf, ff_err *err)
{
    for (int r = 0; r < k->nroots; r++) {
        memset(&out[r], 0, sizeof out[r]);
        unsigned char *fuse = fuse_buf + (size_t)r * (size_t)p->nstmts;
        ff_kernel_fuse_flags(p, k, k->roots[r], fuse);
        out[r].fuse = fuse;
        if (par) out[r].block = par->block;
        if (par && par->lanes > 1) {
            snprintf(out[r].par_index, sizeof out[r].par_index, "%s", par->index);
            out[r].par = par->lanes;
        }
        int rc = driver_stmt_order(p, k->roots[r], orders, norders, &out[r], err);
        if (!rc && !out[r].norder) rc = ff_lower_default_order(p, k->roots[r], &out[r], err);
        if (rc) return rc;
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

void driver_order_text(const ff_lower_opts *o, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int k = 0; k < o->norder && len < n - 1; k++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s", k ? "," : "", o->order[k]);
}

int cmd_compile(int argc, char **argv)
{
    const char *model = NULL, *out = NULL, *dot = NULL, *fuse_spec = "none", *v;
    const char *bit = NULL, *array_path = NULL, *arch_path = NULL; /* --bitstream, --array, --arch */
    ff_kernel kernels[256];
    ff_lower_opts ropts[FF_LOWER_MAX_ROOTS];
    unsigned char *fuse_buf = NULL;
    char **orders = calloc((size_t)argc + 1, sizeof *orders);
    int norders = 0, dump = 0, bad = 0, rc = 0;
    driver_sched par = {"", 0, 0};
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
        } else if (driver_sched_opt("compile", argc, argv, &i, &par, &bad)) {
            /* --par, --block */
        } else if (driver_opt(argc, argv, &i, "-o", &v, &bad)) {
            out = v;
        } else if (driver_opt(argc, argv, &i, "--fuse", &v, &bad)) {
            fuse_spec = v;
        } else if (driver_opt(argc, argv, &i, "--dot", &v, &bad)) {
            dot = v;
        } else if (driver_opt(argc, argv, &i, "--bitstream", &v, &bad)) {
            bit = v;
        } else if (driver_opt(argc, argv, &i, "--array", &v, &bad)) {
            array_path = v;
        } else if (driver_opt(argc, argv, &i, "--arch", &v, &bad)) {
            arch_path = v;
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
    if (bit && !array_path) {
        rc = driver_usage("compile", "--bitstream needs --array ARRAY.json (the array to place on)");
        goto done;
    }
    if (!bit && (array_path || arch_path)) {
        rc = driver_usage("compile", "--array and --arch go with --bitstream");
        goto done;
    }
    ff_array_desc array = {0};
    ff_arch arch;
    ff_arch_default(&arch);
    if (array_path && ff_array_load(array_path, &array, &err)) goto fail;
    if (arch_path && ff_arch_load(arch_path, &arch, &err)) goto fail;
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
    int nk = ff_fuse_parse(p, fuse_spec, kernels, 256, &err);
    if (nk >= 0 && driver_check_par(p, kernels, nk, &par, &err)) {
        rc = driver_usage("compile", "%s", err.msg);
        goto done;
    }
    if (nk < 0) goto fail;
    fuse_buf = calloc((size_t)FF_LOWER_MAX_ROOTS * (size_t)p->nstmts + 1, 1);
    for (int k = 0; k < nk; k++) {
        const ff_kernel *ker = &kernels[k];
        if (driver_kernel_orders(p, ker, orders, norders, &par, ropts, fuse_buf, &err)) goto fail;
        ff_graph *g = NULL;
        if (ff_lower_kernel(p, ker, ropts, &g, &err)) goto fail;
        char path[4096];
        printf("%s:%d: kernel %d (statement%s %d", model, p->stmts[ker->first].pos.line, k + 1,
               ker->first == ker->last ? "" : "s", ker->first + 1);
        if (ker->last > ker->first) printf("-%d", ker->last + 1);
        printf("):");
        for (int r = 0; r < ker->nroots; r++) {
            char ord[512];
            driver_order_text(&ropts[r], ord, sizeof ord);
            printf("%s %s in order %s", r ? ";" : "", p->tensors[p->stmts[ker->roots[r]].lhs].name, ord);
        }
        printf(", %d primitives, %d streams", g->nnodes, g->nedges);
        if (out) {
            driver_kernel_path(out, nk, ker->first, ".json", path, sizeof path);
            if (ff_graph_save_json(g, path, &err)) {
                ff_graph_free(g);
                goto fail;
            }
            printf(" -> %s", path);
        }
        if (bit) {
            ff_bitstream *b = NULL;
            driver_kernel_path(bit, nk, ker->first, ".bit", path, sizeof path);
            if (ff_backend_compile(g, &array, &arch, &b, &err) || ff_bitstream_save(b, path, &err)) {
                printf("\n");
                ff_bitstream_free(b);
                ff_graph_free(g);
                goto fail;
            }
            printf(" -> %s (%zu tiles of array '%s')", path, b->tiles.len, array.name);
            ff_bitstream_free(b);
        }
        printf("\n");
        if (dot) {
            driver_kernel_path(dot, nk, ker->first, ".dot", path, sizeof path);
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
    free(fuse_buf);
    ff_ir_free(p);
    free(orders);
    return rc;
}
