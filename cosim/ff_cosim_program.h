/*
 * ff_cosim_program.h -- a whole program co-simulated kernel by kernel
 * (docs/cosim.md): each kernel of a fusion schedule is lowered, run on the C
 * cycle model and on the linked array (ff_cosim_graph), and its C-model
 * results become the inputs of the kernels after it, exactly as `fuseflow
 * run` chains them; every result is also held against the reference
 * interpreter's.
 *
 * Library ff_cosim_prog. It calls ff_cosim_graph but links no array: the
 * program links it with one ff_cosim library (ff_cosim for `kernels`,
 * ff_cosim_apps for `apps`, ...).
 */
#ifndef FF_COSIM_PROGRAM_H
#define FF_COSIM_PROGRAM_H

#include "ff_cosim.h"
#include "ff_ir.h"
#include "ff_lower.h"

/* What happened to one kernel. */
typedef struct ff_cosim_kernel {
    char name[160];        /* "MODEL:LINE kernel K -> OUT ..." */
    uint64_t c_cycles;     /* 0: the C model did not finish */
    uint64_t rtl_cycles;   /* 0: the RTL did not finish */
    size_t tiles;          /* tiles its bitstream used */
    double seconds;        /* CPU time of both models */
    int compared;          /* both models finished and were compared */
    char *failure;         /* NULL: passed; else the error, then the divergence report */
    int traced;            /* a waveform was written (opts->graph.trace) */
    uint64_t trace_from, trace_to;
} ff_cosim_kernel;

/* Orders for the roots of kernel k into out[] (fuse flags in fuse_buf, one
 * row of p->nstmts per root), as driver_kernel_orders does. */
typedef int (*ff_cosim_order_fn)(const ff_ir_program *p, const ff_kernel *k, ff_lower_opts *out,
                                 unsigned char *fuse_buf, void *user, ff_err *err);

typedef struct ff_cosim_program_opts {
    const char *model;          /* the model's name in kernel names */
    const char *fuse;           /* ff_fuse_parse spec; NULL: "none" */
    ff_cosim_order_fn orders;   /* NULL: each root's default order, with par below */
    void *orders_user;
    const char *par_index;      /* with orders NULL: --par par_index:par on every root (NULL: serial) */
    int par;
    int block;                  /* with orders NULL: --block B on every root (0: scalar) */
    ff_cosim_opts graph;        /* per kernel; graph.trace goes to the first failing kernel only */
    /* called after each kernel (progress lines); may be NULL */
    void (*done)(const ff_cosim_kernel *k, void *user);
    void *done_user;
} ff_cosim_program_opts;

/* Runs program p (reductions placed) on data[t] (per program tensor: the
 * inputs; the rest NULL, filled with the C model's results as they come)
 * against ref[t] (the reference interpreter's results, NULL where none).
 * *kernels is a new array of *nkernels records (free with
 * ff_cosim_kernels_free), one per kernel of the schedule; a kernel after one
 * that produced nothing is recorded as not run. Returns 0 when the schedule
 * could be parsed (whatever the kernels did: count their failures), or the
 * error of the schedule. */
int ff_cosim_program(ff_cosim *c, const ff_ir_program *p, ff_tensor **data, ff_tensor *const *ref,
                     const ff_cosim_program_opts *opts, ff_cosim_kernel **kernels, int *nkernels, ff_err *err);

void ff_cosim_kernels_free(ff_cosim_kernel *kernels, int n);

#endif
