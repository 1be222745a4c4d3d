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
#include <stdio.h>

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

/* ---- first divergence --------------------------------------------------- */

/* One token on a channel: its value and the cycle it was pushed in. */
typedef struct ff_cosim_tok {
    ff_tok tok;
    uint64_t cycle;
} ff_cosim_tok;

#define FF_COSIM_HISTORY 4

/* Where the RTL and the C model first disagree, found by recording every
 * token on every channel of both runs: the graph edge whose streams differ
 * earliest (by cycle; ties go to the lower edge index), the index of the
 * first token that differs in value or cycle (or exists on one side only),
 * the two tokens, and the tokens before it, on which the two agree. */
typedef struct ff_cosim_divergence {
    int found;              /* 0: every channel carried the same tokens at the same cycles */
    int edge;               /* graph edge */
    char channel[192];      /* "scan_i.crd_out -> repeat_j.crd_in" */
    char producer[96];      /* "scan[1] (slot 12)", "harness input 0" */
    char consumer[96];      /* "repeat[0] input 1 (slot 30)", "harness output 2" */
    uint64_t index;         /* token index on the channel */
    uint64_t cycle;         /* the earlier of the two tokens' cycles */
    int have_rtl, have_c;   /* 0: that side has no token at this index */
    ff_cosim_tok rtl, c;
    int nhistory;           /* agreed tokens before it, oldest first */
    ff_cosim_tok history[FF_COSIM_HISTORY];
    ff_stream_type type;    /* for printing the tokens */
    int block_handles;      /* the channel's values are block handles (block mode) */
    int frac_bits;
    uint64_t channels;      /* channels compared */
    uint64_t tokens;        /* tokens compared, both sides */
    uint64_t rtl_end;       /* the RTL run was cut at this cycle by its limit; UINT64_MAX: it was not */
} ff_cosim_divergence;

/* Prints the report: one headline line naming channel, tiles, token index
 * and cycle, the RTL and model tokens, the agreed tokens before it. */
void ff_cosim_print_divergence(const ff_cosim_divergence *d, FILE *f);

typedef struct ff_cosim_opts {
    const ff_arch *arch;   /* C model timing and back-end latencies; NULL: ff_arch_default */
    uint64_t max_cycles;   /* the RTL's cycle limit; 0: the runner's default (the C model's is 50,000,000) */
    uint64_t watchdog;     /* RTL liveness watchdog; 0: the runner's default */
    const char *trace;     /* when set, a failing RTL run is run again with an FST waveform here:
                              a window of trace_window cycles each side of the first divergence
                              (the whole run when none was found) */
    uint64_t trace_window; /* 0: 200 */
    const char *trace_all; /* when set, a directory: every RTL run is written whole as DIR/GRAPH.fst,
                              with DIR/GRAPH.tiles naming the node on each tile (the gate-level
                              replay's input, docs/synthesis.md "Energy") */
    int no_divergence;     /* skip the search for the first divergence (it re-runs both models) */
    int channels;          /* also when outputs and cycles match: compare every channel's tokens
                              and cycles, and fail (FF_EMISMATCH) on the first divergence; both
                              runs record as they go (no second run) */
    int roundtrip;         /* send the bitstream through its text form (and check it survives) */
    ff_cosim_fault fault;  /* perturb the RTL's configuration (tests) */
    const unsigned char *on_chip; /* per graph tensor: held on chip (no off-chip port); NULL: none */
} ff_cosim_opts;

typedef struct ff_cosim_result {
    uint64_t c_cycles;     /* 0 when the C model did not finish */
    uint64_t rtl_cycles;   /* 0 when the RTL did not finish */
    size_t tiles;          /* tiles the bitstream uses */
    int traced;            /* a waveform of the failing run was written to opts->trace */
    uint64_t trace_from, trace_to; /* the cycles it covers [from, to) */
    ff_cosim_divergence div; /* after a mismatch or an RTL failure (div.found: one was located) */
    ff_sim_timing c_timing; /* the C model's off-chip figures (docs/timing.md section 4); the RTL's
                               ports are compared with it port by port */
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
 * into. After any failure once the C model has finished, both models run
 * again recording every channel, and res->div says where they first
 * differ (unless opts->no_divergence). *res is filled as far as the run got, in every case (c_out as soon
 * as the C model finished); free it with ff_cosim_result_free. */
int ff_cosim_graph(ff_cosim *c, const ff_graph *g, const ff_tensor *const *inputs, const ff_cosim_opts *opts,
                   ff_cosim_result *res, ff_err *err);

void ff_cosim_result_free(ff_cosim_result *res);

#endif
