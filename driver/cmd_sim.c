/*
 * cmd_sim.c -- `fuseflow sim`: a graph file plus tensors in, output tensors
 * (and a result check, and cycles) out.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "ff_graph.h"
#include "ff_sim.h"
#include "ff_tensor.h"

static const char help[] =
    "usage: fuseflow sim GRAPH.json --tensor NAME=FILE ... [--out DIR] [--check]\n"
    "                    [--arch ARCH.json | --functional] [--depth N] [--max-cycles N]\n"
    "                    [--trace FILE] [--stats FILE.json] [--table] [--allow-rounding]\n"
    "\n"
    "Runs a dataflow graph (docs/graph-format.md) on input tensors (.mtx, or the\n"
    "dense text form) and writes every output tensor as DIR/NAME.mtx.\n"
    "\n"
    "  --tensor NAME=FILE  bind input tensor NAME (converted to the graph's format)\n"
    "  --allow-rounding    go on (with a warning) when a file's values saturate or\n"
    "                      nonzeros round to 0 in the number format (else exit 1)\n"
    "  --out DIR           write outputs there (created if missing)\n"
    "  --check             compare each output with the graph's \"reference\" index\n"
    "                      expression evaluated densely; exit 1 on a difference\n"
    "  --arch ARCH.json    architecture parameters (docs/timing.md; arch/default.json)\n"
    "  --functional        unbounded channels, no timing: results only\n"
    "  --depth N           channel depth, overriding the architecture's\n"
    "  --max-cycles N      stop with an error after N cycles\n"
    "  --trace FILE        one line per token pushed: cycle edge token\n"
    "  --stats FILE.json   cycles, per-node/channel activity, traffic per tensor, ALU ops\n"
    "  --table             the same statistics as a readable table on stdout\n";

typedef struct binding {
    const char *name;
    const char *path; /* argv's FILE */
    ff_tensor *t;     /* loaded from path; NULL until then */
} binding;

typedef struct lookup_ctx {
    binding *b;
    int n;
} lookup_ctx;

static const ff_tensor *lookup(void *ctx, const char *name)
{
    lookup_ctx *l = ctx;
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->b[i].name, name) == 0) return l->b[i].t;
    return NULL;
}

int cmd_sim(int argc, char **argv)
{
    const char *graph_path = NULL, *out_dir = NULL, *trace_path = NULL, *stats_path = NULL;
    driver_list tensors = {0};
    int nbinds = 0, check = 0, table = 0, rc = 0, depth = 0, allow_rounding = 0;
    ff_sim_opts opts;
    ff_sim_opts_default(&opts);
    const driver_option own[] = {
        {"--tensor", DRIVER_LIST, &tensors},
        {"--out", DRIVER_STR, &out_dir},
        {"--trace", DRIVER_STR, &trace_path},
        {"--stats", DRIVER_STR, &stats_path},
        {"--depth", DRIVER_INT, &depth, "a positive integer", 1, 1e9},
        {"--max-cycles", DRIVER_UINT, &opts.max_cycles, "an integer (0: no limit)", 0, (double)UINT64_MAX},
        {"--check", DRIVER_FLAG, &check},
        {"--functional", DRIVER_FLAG, &opts.functional},
        {"--table", DRIVER_FLAG, &table},
        {"--allow-rounding", DRIVER_FLAG, &allow_rounding},
    };
    const driver_cmd cmd = {"sim", DRIVER_TARGET, own, 10, help, &graph_path, 1, "which graph?"};
    driver_opts o;
    binding *binds = calloc((size_t)argc + 1, sizeof *binds);
    ff_graph *g = NULL;
    ff_sim *s = NULL;
    FILE *trace = NULL;
    ff_err err = {0};
    driver_outputs w = {0}; /* removed when the run fails (a failed check keeps them: they are whole) */
    int failed = 0;
    if (driver_parse(&cmd, argc, argv, &o, &rc)) goto done;
    const char *arch_path = o.arch;
    for (int i = 0; i < tensors.n; i++) {
        const char *v = tensors.v[i], *eq = strchr(v, '=');
        if (!eq || eq == v || !eq[1]) {
            rc = driver_usage("sim", "--tensor '%s': expected NAME=FILE", v);
            goto done;
        }
        binds[nbinds].name = strndup(v, (size_t)(eq - v));
        binds[nbinds++].path = eq + 1;
    }
    if (arch_path && opts.functional) {
        rc = driver_usage("sim", "--arch and --functional exclude each other");
        goto done;
    }
    if (arch_path && ff_arch_load(arch_path, &opts.arch, &err)) goto fail;
    if (depth) opts.arch.fifo_depth = depth;
    if (ff_graph_load_json(graph_path, &g, &err)) goto fail;
    if (check && !g->reference) {
        ff_err_set(&err, FF_EINVAL, "%s: --check needs the graph's \"reference\" expression", graph_path);
        goto fail;
    }
    /* Load every bound tensor in the format the graph declares for it. */
    for (int i = 0; i < nbinds; i++) {
        const char *path = binds[i].path;
        int ti = ff_graph_find_tensor(g, binds[i].name);
        if (ti < 0 || g->tensors[ti].is_output) {
            ff_err_set(&err, FF_EINVAL, "--tensor %s: %s has no input tensor '%s'", binds[i].name, graph_path,
                       binds[i].name);
            goto fail;
        }
        ff_format fmt;
        if (ff_format_parse(g->tensors[ti].format, g->tensors[ti].order, &fmt, &err)) goto fail;
        if (ff_tensor_load(path, &fmt, g->frac_bits, &binds[i].t, &err)) goto fail;
        if (driver_check_loss("sim", path, binds[i].t, allow_rounding, &err)) goto fail;
        snprintf(binds[i].t->name, sizeof binds[i].t->name, "%s", binds[i].name);
    }
    if (trace_path && (trace = fopen(trace_path, "w"))) driver_outputs_add(&w, trace_path);
    if (trace_path && !trace) {
        ff_err_set(&err, FF_EIO, "%s: %s", trace_path, strerror(errno));
        goto fail;
    }
    opts.trace = trace;
    if (ff_sim_new(g, &opts, &s, &err)) goto fail;
    for (int i = 0; i < nbinds; i++)
        if (ff_sim_bind(s, binds[i].name, binds[i].t, &err)) goto fail;
    if (ff_sim_run(s, &err)) {
        if (err.code == FF_EDEADLOCK || err.code == FF_ELIMIT) {
            fprintf(stderr, "fuseflow sim: %s\nunfinished primitives:\n", err.msg);
            ff_sim_print_blocked(s, stderr);
            rc = 1;
            goto done;
        }
        goto fail;
    }
    const char *most;
    uint64_t nsat = ff_sim_saturated(s, &most);
    if (nsat)
        fprintf(stderr, "fuseflow sim: warning: %s: %" PRIu64 " result%s saturated in ALUs or sums (most at node %s)\n", graph_path,
                nsat, nsat == 1 ? "" : "s", most);
    if (opts.functional) printf("%s: functional run complete\n", g->name);
    else printf("%s: %" PRIu64 " cycles on '%s'\n", g->name, ff_sim_cycles(s), opts.arch.name);
    if (table) ff_sim_print_stats(s, stdout);
    if (stats_path) {
        if (ff_sim_write_stats(s, stats_path, &err)) goto fail;
        driver_outputs_add(&w, stats_path);
        printf("wrote %s\n", stats_path);
    }
    if (out_dir && driver_make_dir(out_dir, &err)) goto fail;
    lookup_ctx lctx = {binds, nbinds};
    for (int t = 0; t < g->ntensors; t++) {
        if (!g->tensors[t].is_output) continue;
        ff_tensor *out = NULL;
        if (ff_sim_take_output(s, g->tensors[t].name, &out, &err)) goto fail;
        if (out_dir && driver_write_tensor(out, out_dir, g->tensors[t].name, &w, &err)) {
            ff_tensor_free(out);
            goto fail;
        }
        if (check) {
            ff_tensor *ref = NULL;
            if (ff_einsum_ref(g->reference, lookup, &lctx, &out->fmt, g->frac_bits, &ref, &err)) {
                ff_tensor_free(out);
                goto fail;
            }
            int cmp = ff_tensor_compare(out, ref, &err);
            ff_tensor_free(ref);
            if (cmp) {
                ff_tensor_free(out);
                fprintf(stderr, "fuseflow sim: check failed: %s\n", err.msg);
                rc = 1;
                goto done;
            }
            printf("check %s: matches the reference \"%s\" bit-exactly (%zu nonzeros)\n", g->tensors[t].name,
                   g->reference, ff_tensor_nnz(out));
        }
        ff_tensor_free(out);
    }
    goto done;
fail:
    rc = driver_fail("sim", &err);
    failed = 1;
done:
    if (trace) fclose(trace);
    driver_outputs_end(&w, failed);
    ff_sim_free(s);
    for (int i = 0; i < nbinds; i++) {
        free((char *)binds[i].name);
        ff_tensor_free(binds[i].t);
    }
    free(binds);
    free(tensors.v);
    driver_opts_free(&o);
    ff_graph_free(g);
    return rc;
}
