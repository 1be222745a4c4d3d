/*
 * ff_rtl_run.h -- the loader and runner: a whole dataflow graph on a
 * Verilated array, through ff_rtl.h, with the results assembled exactly as
 * the C model assembles them (docs/rtl.md "Running a graph").
 *
 * The loading, the read-back and the run's bookkeeping are ff_rtl_load.h's,
 * over a bus; here that bus is ff_rtl.h's direct calls, and the runner
 * clocks the array itself and drives its harness ports.
 *
 * ff_rtl_run_graph writes a bitstream (ff_backend.h) over the configuration
 * bus, loads every input tensor level and value array into the SRAM of the
 * tile the bitstream binds it to (with the run-time fields: bases, sizes,
 * dims), runs to done under a cycle limit and a liveness watchdog, reads
 * every writer's SRAM back and assembles the output tensors with
 * ff_sim_assemble_output -- the same fibertree walk as ff_sim_take_output.
 * Source and sink nodes (harness ports) are driven and recorded under the
 * rules of docs/timing.md "source, sink".
 *
 * C only; link one ff_rtl_NAME library for the array.
 */
#ifndef FF_RTL_RUN_H
#define FF_RTL_RUN_H

#include <stdint.h>

#include "ff_backend.h"
#include "ff_rtl.h"
#include "ff_rtl_load.h"
#include "ff_sim.h"

/* The geometry block of the linked array as an array description (name =
 * ff_rtl_config_name()). Fails when the magic word is not the schema's. */
int ff_rtl_read_array(ff_rtl *r, ff_array_desc *out, ff_err *err);

typedef struct ff_rtl_run_opts {
    uint64_t max_cycles;  /* 0: 20,000,000 */
    uint64_t watchdog;    /* cycles in which nothing moves before the run fails; 0: 4096 */
    const char *trace;    /* an FST file of the run, or NULL */
    /* The off-chip memory (docs/timing.md section 4): when offchip->enabled,
     * the tiles that read or write a tensor not held on chip (on_chip[t],
     * per graph tensor; NULL: none) get their port, served from ff_mem as
     * the C model serves its own. NULL: every tensor on chip. */
    const ff_offchip *offchip;
    const unsigned char *on_chip;
} ff_rtl_run_opts;

/* What one tile's off-chip port did (ff_node_stats' stall_mem,
 * mem_requests, mem_bytes of the same node in the C model). */
typedef struct ff_rtl_mport_stats {
    char *node;
    int write;
    uint64_t requests, bytes, stall;
} ff_rtl_mport_stats;

/* What one sink node recorded. */
typedef struct ff_rtl_sink {
    char *node;
    FF_VEC(ff_tok) toks;
    FF_VEC(uint64_t) cycles;   /* the cycle each token was popped */
} ff_rtl_sink;

typedef struct ff_rtl_result {
    uint64_t cycles;           /* as ff_sim_cycles counts them */
    int ntensors;
    ff_tensor **outputs;       /* per graph tensor: the output tensors, NULL for inputs */
    FF_VEC(ff_rtl_sink) sinks;
    FF_VEC(ff_rtl_mport_stats) ports; /* the open ports, in graph node order */
} ff_rtl_result;

/* Runs graph g, configured by bs (built for this array, from g), on the
 * input tensors inputs[t] (per graph tensor index, NULL for outputs; any
 * format: converted to the one the graph declares, as ff_sim_bind does).
 * On success fills *res (free it with ff_rtl_result_free). Errors name what
 * to look at: a bitstream for another array (both names), a tensor that does
 * not fit its tile's SRAM (tile, tensor, sizes), a tile that raised its
 * error flag (tile, node, cycle; FF_ERUNTIME), a writer that overflowed its
 * SRAM, no token moving for opts->watchdog cycles (FF_EDEADLOCK, every
 * unfinished tile with its node and each input's FIFO occupancy), the cycle
 * limit (FF_ELIMIT). The array is reset first; it is left stopped. */
int ff_rtl_run_graph(ff_rtl *r, const ff_graph *g, const ff_bitstream *bs, const ff_tensor *const *inputs,
                     const ff_rtl_run_opts *opts, ff_rtl_result *res, ff_err *err);

void ff_rtl_result_free(ff_rtl_result *res);

#endif
