/*
 * measure.c -- what a kernel costs on the cycle model: lower it, bind its
 * inputs from the data so far, run, and (optionally) store its results the
 * way `fuseflow run` does between kernels.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cost_int.h"

static int program_tensor(const ff_ir_program *p, const char *name)
{
    for (int t = 0; t < p->ntensors; t++)
        if (!strcmp(p->tensors[t].name, name)) return t;
    return -1;
}

int ff_cost_simulate_kernel(const ff_ir_program *p, const ff_kernel *k, const ff_lower_opts *orders,
                            const ff_sim_opts *opts, ff_tensor **data, int store, ff_cost_measured *out, ff_err *err)
{
    ff_graph *g = NULL;
    int rc = ff_lower_kernel(p, k, orders, &g, err);
    if (rc) return rc;
    ff_sim *sim = NULL;
    rc = ff_sim_new(g, opts, &sim, err);
    for (int t = 0; !rc && t < g->ntensors; t++) {
        if (g->tensors[t].is_output) continue;
        int pt = program_tensor(p, g->tensors[t].name);
        if (pt < 0 || !data[pt])
            rc = ff_err_set(err, FF_EINVAL, "kernel %s reads '%s', which has no data", g->name, g->tensors[t].name);
        else
            rc = ff_sim_bind(sim, g->tensors[t].name, data[pt], err);
    }
    if (!rc) rc = ff_sim_run(sim, err);
    if (!rc) {
        ff_sim_timing tm;
        ff_sim_timing_of(sim, &tm);
        memset(out, 0, sizeof *out);
        out->cycles = ff_sim_cycles(sim);
        out->load = tm.load;
        out->compute = tm.compute;
        out->writeback = tm.writeback;
        out->bytes_in = tm.bytes_in;
        out->bytes_out = tm.bytes_out;
        out->nprims = g->nnodes;
        for (int i = 0; i < g->nnodes; i++) {
            ff_node_stats ns;
            ff_sim_node_stats(sim, i, &ns);
            out->ops += ns.ops;
        }
    }
    for (int t = 0; !rc && store && t < g->ntensors; t++) {
        if (!g->tensors[t].is_output) continue;
        int pt = program_tensor(p, g->tensors[t].name);
        if (pt < 0) {
            rc = ff_err_set(err, FF_EINVAL, "kernel %s writes '%s', which the program does not have", g->name,
                            g->tensors[t].name);
            break;
        }
        ff_tensor *res = NULL, *conv = NULL;
        rc = ff_sim_take_output(sim, g->tensors[t].name, &res, err);
        if (!rc) rc = ff_tensor_convert(res, &p->tensors[pt].fmt, &conv, err);
        if (!rc) {
            snprintf(conv->name, sizeof conv->name, "%s", p->tensors[pt].name);
            ff_tensor_free(data[pt]);
            data[pt] = conv;
        }
        ff_tensor_free(res);
    }
    ff_sim_free(sim);
    ff_graph_free(g);
    return rc;
}
