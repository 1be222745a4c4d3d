/*
 * ff_run_cosim.h -- a whole program co-simulated kernel by kernel
 * (docs/cosim.md): the program runner (ff_run.h) with a kernel callback that
 * runs each kernel's graph on the C cycle model and on the linked array
 * (ff_cosim_graph). The C model's results become the inputs of the kernels
 * after it, exactly as `fuseflow run` chains them; every result is also held
 * against the reference interpreter's.
 *
 * Library ff_run_cosim (built with FUSEFLOW_RTL). It calls ff_cosim_graph but
 * links no array: the program links it with one ff_cosim library (ff_cosim
 * for `kernels`, ff_cosim_apps for `apps`, ...).
 */
#ifndef FF_RUN_COSIM_H
#define FF_RUN_COSIM_H

#include "ff_cosim.h"
#include "ff_run.h"

/* What happened to one kernel. */
typedef struct ff_run_cosim_kernel {
    char name[160];        /* "MODEL:LINE kernel K -> OUT ..." */
    uint64_t c_cycles;     /* 0: the C model did not finish */
    uint64_t rtl_cycles;   /* 0: the RTL did not finish */
    size_t tiles;          /* tiles its bitstream used */
    int coord_tiles;       /* --tile: the coordinate-space tiles it ran as (cycles are their sum) */
    uint64_t coord_skipped; /* --tile: the plan's further tiles, empty and not run */
    ff_sim_timing timing;  /* off-chip (docs/timing.md section 4), the C model's (tiles summed) -- the
                              RTL's port by port equal, or the kernel failed */
    double seconds;        /* CPU time of both models */
    int compared;          /* both models finished and were compared */
    char *failure;         /* NULL: passed; else the error, then the divergence report */
    int traced;            /* a waveform was written (opts->graph.trace) */
    uint64_t trace_from, trace_to;
} ff_run_cosim_kernel;

typedef struct ff_run_cosim_opts {
    const char *model;          /* the model's name in kernel names (NULL: "program") */
    ff_cosim_opts graph;        /* per kernel; graph.trace goes to the first failing kernel only */
    /* called after each kernel (progress lines); may be NULL */
    void (*done)(const ff_run_cosim_kernel *k, void *user);
    void *done_user;
} ff_run_cosim_opts;

/* Runs program p (reductions placed) with schedule s (NULL: the default) on
 * co-simulation c: data[t] per program tensor holds the inputs; the rest,
 * NULL, are filled with the C model's results as they come (the caller
 * frees them). ref[t] holds the reference interpreter's results (NULL where
 * none). *kernels is a new array of *nkernels records (free with
 * ff_run_cosim_kernels_free), one per kernel of the schedule; a kernel that
 * fails is recorded and the run goes on; one after a kernel that produced
 * nothing is recorded as not run. Returns 0 when the schedule could be
 * parsed (whatever the kernels did: count their failures), or its error. */
int ff_run_cosim_program(ff_cosim *c, const ff_ir_program *p, ff_tensor **data, ff_tensor *const *ref,
                         const ff_run_sched *s, const ff_run_cosim_opts *opts, ff_run_cosim_kernel **kernels,
                         int *nkernels, ff_err *err);

/* Frees the records of ff_run_cosim_program (kernels may be NULL). */
void ff_run_cosim_kernels_free(ff_run_cosim_kernel *kernels, int n);

#endif
