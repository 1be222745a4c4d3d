/*
 * measure.c -- what a kernel costs on the cycle model: the runner's one
 * kernel (ff_run_one_kernel) with its stock simulate callback, whose
 * measurements are the exploration's.
 */
#include <string.h>

#include "cost_int.h"
#include "ff_run.h"

int ff_cost_simulate_kernel(const ff_ir_program *p, const ff_kernel *k, const ff_lower_opts *orders,
                            const ff_sim_opts *opts, const ff_run_sched *tiling, ff_tensor **data, int store,
                            ff_cost_measured *out, ff_err *err)
{
    ff_run_sim sim = {.opts = *opts};
    ff_run_ops ops = {.kernel = ff_run_simulate, .user = &sim};
    int rc = ff_run_one_kernel(p, k, orders, data, store, tiling, &ops, err);
    if (rc) return rc;
    memset(out, 0, sizeof *out);
    /* summed over the kernel's phases (held producers) */
    out->cycles = sim.total_cycles;
    out->stall_mem = sim.total_timing.stall_mem;
    out->requests = sim.total_timing.requests;
    out->bytes_in = sim.total_timing.bytes_in;
    out->bytes_out = sim.total_timing.bytes_out;
    out->ops = sim.total_ops;
    out->nprims = sim.nprims;
    return 0;
}
