/*
 * ff_cosim.h -- co-simulation: one dataflow graph on the C cycle model
 * (models/sim/ff_sim.h) and on the Verilated array (rtl/run/ff_rtl_run.h)
 * with the same inputs, and the two compared (docs/cosim.md).
 *
 * Compared: every output tensor, bit for bit (C model = expected, RTL =
 * got), then the total cycle count, exactly. The bitstream is built by the
 * back end (ff_backend_compile) for the linked array (ff_rtl_kernels).
 *
 * The C model never sees Verilator; the RTL side is the runner of
 * ff_rtl_run.h. A fault hook (ff_cosim_fault) perturbs one configuration
 * register of one tile before the RTL run, so that tests can check that a
 * broken array is caught.
 */
#ifndef FF_COSIM_H
#define FF_COSIM_H

#include <stdint.h>

#include "ff_backend.h"
#include "ff_rtl_run.h"
#include "ff_sim.h"

typedef struct ff_cosim ff_cosim;

/* Opens the linked Verilated array and reads its geometry. *out is new;
 * free it with ff_cosim_free. */
int ff_cosim_new(ff_cosim **out, ff_err *err);
void ff_cosim_free(ff_cosim *c);

/* The linked array: its description (name = ff_rtl_config_name()) and the
 * model handle (for callers that also drive ff_rtl_run directly). */
const ff_array_desc *ff_cosim_array(const ff_cosim *c);
ff_rtl *ff_cosim_rtl(ff_cosim *c);

/* Fault injection: XOR `xor_mask` into the last bitstream write of
 * register `reg` of tile `index` of `kind` (FF_PRIM_*). xor_mask 0: none. */
typedef struct ff_cosim_fault {
    int kind;          /* FF_PRIM_* of the tile */
    int index;         /* tile index within its kind */
    int reg;           /* register within the tile's slot (ff_config.h *_REG) */
    uint32_t xor_mask; /* bits to flip; 0 = no fault */
} ff_cosim_fault;

typedef struct ff_cosim_opts {
    const ff_arch *arch;   /* C model timing and back-end latencies; NULL: ff_arch_default */
    uint64_t max_cycles;   /* the RTL's cycle limit; 0: the runner's default (the C model's is 50,000,000) */
    uint64_t watchdog;     /* RTL liveness watchdog; 0: the runner's default */
    const char *trace;     /* when set, a failing RTL run is run again with an FST waveform here */
    int roundtrip;         /* send the bitstream through its text form (and check it survives) */
    ff_cosim_fault fault;  /* perturb the RTL's configuration (tests) */
} ff_cosim_opts;

typedef struct ff_cosim_result {
    uint64_t c_cycles;     /* 0 when the C model did not finish */
    uint64_t rtl_cycles;   /* 0 when the RTL did not finish */
    size_t tiles;          /* tiles the bitstream uses */
    int traced;            /* a waveform of the failing run was written to opts->trace */
    int ntensors;          /* g->ntensors */
    ff_tensor **c_out;     /* per graph tensor: the C model's outputs (graph formats), NULL for inputs */
} ff_cosim_result;

/* Runs graph g on inputs[t] (per graph tensor, NULL for outputs) on both
 * models and compares them. Returns 0 when outputs and cycles are equal;
 * FF_EMISMATCH when they differ (err names the output tensor and the first
 * differing coordinate with both values, or both cycle counts); another
 * FF_E* when a model could not run (err says which: "C model: ...",
 * "back end: ...", "RTL: ..." -- the runner's watchdog and cycle-limit
 * reports included). With an injected fault, err ends with the tile it went
 * into. *res is filled as far as the run got, in every case (c_out as soon
 * as the C model finished); free it with ff_cosim_result_free. */
int ff_cosim_graph(ff_cosim *c, const ff_graph *g, const ff_tensor *const *inputs, const ff_cosim_opts *opts,
                   ff_cosim_result *res, ff_err *err);

void ff_cosim_result_free(ff_cosim_result *res);

#endif
