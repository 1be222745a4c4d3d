/*
 * testrun.h -- test support: run a program the way `fuseflow run` does
 * (kernels from a fusion spec, each simulated, results stored in their
 * declared formats) and compare every result with the reference
 * interpreter. Shared by the compiler and application tests.
 */
#ifndef FF_TESTRUN_H
#define FF_TESTRUN_H

#include <stdint.h>

#include "ff_ir.h"
#include "ff_lower.h"
#include "ff_tensor.h"

/* data[t] holds every input tensor; results are added (and freed by the
 * caller). order: an order for every kernel root, or NULL for the defaults.
 * Returns 0, or 1 after printing "FAIL what ...: reason". *cycles gets the
 * sum over kernels. */
int run_program_fused(ff_ir_program *p, ff_tensor **data, const char *order, const char *fuse, int functional,
                      const char *what, uint64_t *cycles);

/* The same with --par par_index:lanes on every kernel root (par_index NULL:
 * serial). A root that cannot be parallelized there fails the run. */
int run_program_par(ff_ir_program *p, ff_tensor **data, const char *order, const char *fuse, const char *par_index,
                    int lanes, int functional, const char *what, uint64_t *cycles);

/* The same with --block B as well (0: scalar). */
int run_program_sched(ff_ir_program *p, ff_tensor **data, const char *order, const char *fuse, const char *par_index,
                      int lanes, int block, int functional, const char *what, uint64_t *cycles);

/* The same with a whole schedule (s: fuse, orders, --par, --block, --reuse). */
struct ff_run_sched;
int run_program_with(ff_ir_program *p, ff_tensor **data, const struct ff_run_sched *s, int functional, const char *what,
                     uint64_t *cycles);

#endif
