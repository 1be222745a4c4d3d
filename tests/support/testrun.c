#include "testrun.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ff_run.h"
#include "ff_sim.h"

/* Runs every statement of p in order (functional or cycle model), storing
 * each result in its declared format, and compares all results with the
 * reference interpreter. */
int run_program_fused(ff_ir_program *p, ff_tensor **data, const char *order, const char *fuse, int functional,
                      const char *what, uint64_t *cycles)
{
    return run_program_par(p, data, order, fuse, NULL, 0, functional, what, cycles);
}

int run_program_par(ff_ir_program *p, ff_tensor **data, const char *order, const char *fuse, const char *par_index,
                    int lanes, int functional, const char *what, uint64_t *cycles)
{
    return run_program_sched(p, data, order, fuse, par_index, lanes, 0, functional, what, cycles);
}

int run_program_sched(ff_ir_program *p, ff_tensor **data, const char *order, const char *fuse, const char *par_index,
                      int lanes, int block, int functional, const char *what, uint64_t *cycles)
{
    ff_run_sched s = {.fuse = fuse, .orders = &order, .norders = order != NULL, .block = block};
    if (par_index) {
        snprintf(s.par_index, sizeof s.par_index, "%s", par_index);
        s.par = lanes;
    }
    return run_program_with(p, data, &s, functional, what, cycles);
}

int run_program_with(ff_ir_program *p, ff_tensor **data, const ff_run_sched *sched, int functional, const char *what,
                     uint64_t *cycles)
{
    ff_err err = {0};
    int bad = 0;
    *cycles = 0;
    const ff_run_sched s = *sched;
    const char *fuse = s.fuse;
    ff_run_sim sim;
    memset(&sim, 0, sizeof sim);
    ff_sim_opts_default(&sim.opts);
    sim.opts.functional = functional;
    sim.opts.max_cycles = 500000000; /* the fully fused GPT block takes 77 million */
    ff_run_ops ops = {.kernel = ff_run_simulate, .user = &sim};
    int rc = ff_run_program(p, data, &s, &ops, &err);
    *cycles = sim.total_cycles;
    if (rc) goto fail;
    ff_tensor **ref = calloc((size_t)p->ntensors, sizeof *ref);
    if (ff_ir_interpret(p, (const ff_tensor *const *)data, ref, &err)) {
        free(ref);
        goto fail;
    }
    /* results a fused kernel never wrote are compared only where they exist */
    for (int t = 0; t < p->ntensors; t++) {
        if (p->tensors[t].role != FF_IR_INPUT && data[t] && !bad && ff_tensor_compare(data[t], ref[t], &err)) bad = 1;
        ff_tensor_free(ref[t]);
    }
    free(ref);
    if (bad) goto fail;
    return 0;
fail:
    printf("FAIL %s (%s, fuse %s): %s\n", what, functional ? "functional" : "cycle", fuse, err.msg);
    return 1;
}

