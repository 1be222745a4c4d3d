/*
 * ff_sc.h -- the SystemC testbench behind a C API (docs/cosim.md "SystemC
 * testbench").
 *
 * One SystemC kernel holds, clocked side by side: the Verilated `kernels`
 * array (built with --sc, library ff_rtl_sc_kernels) and the C cycle model
 * (models/sim, as an sc_module stepped once per clock edge), both behind
 * one TLM-2.0 target (the "accelerator", address map in ff_sc_map.h); and
 * an initiator that plays the driver software: it loads a bitstream and the
 * input tensors through the target -- the loader of rtl/run/ff_rtl_load.h
 * over TLM, so exactly the writes of the direct path -- hands the C model
 * its graph and the same tensors, starts both, waits for the interrupt,
 * reads both results back and compares them.
 *
 * SystemC allows one elaboration per process and owns main(): a program
 * that links ff_sc defines ff_sc_main instead of main; ff_sc_new
 * elaborates, and every ff_sc_run_graph then runs the kernel (sc_start)
 * until the initiator has finished that job (sc_pause), so jobs run one
 * after another in one elaboration, from plain C.
 */
#ifndef FF_SC_H
#define FF_SC_H

/* C headers, C linkage also from the C++ modules */
#ifdef __cplusplus
extern "C" {
#endif

#include <stdint.h>

#include "ff_backend.h"
#include "ff_sim.h"

/* The program's entry: SystemC's sc_main (defined by ff_sc) calls it. */
int ff_sc_main(int argc, char **argv);

typedef struct ff_sc ff_sc;

/* Elaborates the testbench: a 1 GHz clock, the initiator, the target with
 * the Verilated array and the C model. Once per process (a second call
 * fails). *out is new; ff_sc_free ends the simulation and frees it. */
int ff_sc_new(ff_sc **out, ff_err *err);
void ff_sc_free(ff_sc *b);

/* The linked array's configuration name ("kernels"). */
const char *ff_sc_array_name(void);

typedef struct ff_sc_opts {
    const char *arch_json; /* the architecture file's text, for the C model; NULL: the defaults. The
                              bitstream must have been built with the same architecture */
    uint64_t max_cycles;   /* the array's cycle limit; 0: the runner's default */
    uint64_t watchdog;     /* the array's liveness watchdog; 0: the runner's default */
} ff_sc_opts;

typedef struct ff_sc_result {
    uint64_t array_cycles;   /* the Verilated array's cycles; 0 when it did not finish */
    uint64_t model_cycles;   /* the C model's; 0 when it did not finish */
    int compare;             /* the target's COMPARE register (FF_SC_CMP_* bits) */
    int ntensors;            /* g->ntensors */
    ff_tensor **array_out;   /* per graph tensor: read back from the array's writers over TLM, NULL for inputs */
    ff_tensor **model_out;   /* per graph tensor: the C model's, from the model mailbox over TLM */
    uint64_t transactions;   /* TLM transactions the initiator issued */
    uint64_t bytes;          /* bytes they carried */
    uint64_t edges;          /* clock cycles the job took, loading and read-back included */
    uint64_t run_edges;      /* of those, cycles from START to the interrupt */
} ff_sc_result;

/* Runs graph g, configured by bs (ff_backend_compile for the linked array,
 * from g, under the architecture of opts->arch_json), on inputs[t] (per
 * graph tensor, NULL for outputs) through the testbench: the array is
 * loaded over TLM, the C model gets g (its JSON) and the inputs (in the
 * graph's formats, as the array's SRAM gets them), both run clocked side
 * by side, both results are read back over TLM. Returns 0 when every
 * output is bit-identical and the cycle counts are equal; FF_EMISMATCH
 * when they differ (err names the output and the first differing
 * coordinate with both values, or both cycle counts -- the words of
 * ff_cosim_graph); another FF_E* when a side could not run ("RTL: ..." --
 * the loader's and the watch's messages, as the direct path gives them --
 * "C model: ...", "TLM: ..."). Must be called from ff_sc_main, outside the
 * simulation. *res is filled as far as the job got; free it with
 * ff_sc_result_free. */
int ff_sc_run_graph(ff_sc *b, const ff_graph *g, const ff_bitstream *bs, const ff_tensor *const *inputs,
                    const ff_sc_opts *opts, ff_sc_result *res, ff_err *err);

void ff_sc_result_free(ff_sc_result *res);

/* One raw transaction from the initiator, as a job of its own (for tests
 * of the address map and for poking at the target): write (non-zero) or
 * read `len` bytes at `addr` from/into data. Returns 0, or FF_EIO with the
 * TLM response named in err ("TLM: read of 4 bytes at 0x...:
 * TLM_ADDRESS_ERROR_RESPONSE"). */
int ff_sc_transact(ff_sc *b, int write, uint64_t addr, void *data, size_t len, ff_err *err);

#ifdef __cplusplus
}
#endif

#endif
