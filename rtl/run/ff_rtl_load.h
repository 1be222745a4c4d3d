/*
 * ff_rtl_load.h -- the loader, the read-back and the run discipline of a
 * whole graph on an RDA array, over a bus of four accesses (docs/rtl.md
 * "Running a graph", docs/cosim.md "SystemC testbench").
 *
 * Everything here reaches the array only through an ff_rtl_bus: reset,
 * configuration register writes and reads, SRAM block writes and reads. The
 * direct path (ff_rtl_run.h) implements the bus with ff_rtl.h calls; the
 * SystemC testbench (cosim/systemc) implements it with TLM-2.0 transactions,
 * so both issue exactly the same accesses in the same order. Pure C: no
 * Verilator, no SystemC; library ff_rtl_load.
 *
 * The order of one run: ff_rtl_load_graph (checks, reset, the bitstream's
 * words, the binds), then whoever owns the clock runs the array under an
 * ff_rtl_watch, then ff_rtl_load_read_outputs -- or, when the watch
 * stopped the run, ff_rtl_load_explain for the message.
 */
#ifndef FF_RTL_LOAD_H
#define FF_RTL_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "ff_backend.h"
#include "ff_sim.h"

/* The array's configuration and SRAM buses, as callbacks. Every access
 * returns 0 or an FF_E* code with err filled (a bus that can fail, like a
 * TLM socket, says which access and why); the loader stops at the first
 * failure and returns it. Accesses are made with the array's run off. */
typedef struct ff_rtl_bus {
    const char *name; /* the array configuration's name (rtl/arrays/NAME.json), for messages */
    /* reset the array (configuration, FIFOs, tile state; SRAM is kept), run off */
    int (*reset)(void *user, ff_err *err);
    /* one configuration register: address = slot * FF_RTL_REGS_PER_SLOT + reg */
    int (*cfg_write)(void *user, uint32_t addr, uint32_t data, ff_err *err);
    int (*cfg_read)(void *user, uint32_t addr, uint32_t *data, ff_err *err);
    /* n consecutive SRAM words from word `addr` of the tile in configuration slot `slot` */
    int (*mem_write)(void *user, uint32_t slot, uint32_t addr, const uint32_t *words, size_t n, ff_err *err);
    int (*mem_read)(void *user, uint32_t slot, uint32_t addr, uint32_t *words, size_t n, ff_err *err);
    void *user;       /* passed to every callback */
} ff_rtl_bus;

/* The geometry block of the array behind bus (slots 0 and 1) as an array
 * description named bus->name. Fails when the magic word is not the
 * schema's. */
int ff_rtl_bus_read_array(const ff_rtl_bus *bus, ff_array_desc *out, ff_err *err);

/* A graph loaded into an array: what the read-back and the messages need. */
typedef struct ff_rtl_load ff_rtl_load;

/* Loads graph g, configured by bs (built for this array, from g), with the
 * input tensors inputs[t] (per graph tensor index, NULL for outputs; any
 * format: converted to the one the graph declares, as ff_sim_bind does):
 * reads the array's geometry and checks the bitstream's hash against it,
 * checks that bs was built from g and every input's order and fixed-point
 * format, converts the inputs, resets the array, writes every word of bs,
 * then per bind the SRAM contents and run-time fields (checking every size
 * against the tile's SRAM). Errors name what to look at (docs/rtl.md). On
 * success *out is new (free it with ff_rtl_load_free); it borrows g, bs and
 * bus, which must outlive it. On failure nothing is allocated; the array may
 * have been reset and partly written. */
int ff_rtl_load_graph(const ff_rtl_bus *bus, const ff_graph *g, const ff_bitstream *bs,
                      const ff_tensor *const *inputs, ff_rtl_load **out, ff_err *err);
void ff_rtl_load_free(ff_rtl_load *ld);

/* What the load knows: the array it read, the graph, the bitstream, and the
 * inputs in the graph's formats (per graph tensor index, NULL for outputs;
 * owned by ld). */
const ff_array_desc *ff_rtl_load_array(const ff_rtl_load *ld);
const ff_graph *ff_rtl_load_graph_of(const ff_rtl_load *ld);
const ff_bitstream *ff_rtl_load_bitstream(const ff_rtl_load *ld);
const ff_tensor *const *ff_rtl_load_inputs(const ff_rtl_load *ld);

/* After a finished run: reads every writer of every output tensor back
 * through the bus and assembles the outputs with ff_sim_assemble_output.
 * outputs has g->ntensors entries, NULL on entry; on return each output
 * tensor's entry is new (the caller frees them, also on failure). A writer
 * that ran out of its SRAM is an error naming the tile. */
int ff_rtl_load_read_outputs(ff_rtl_load *ld, ff_tensor **outputs, ff_err *err);

/* ---- the run discipline ----------------------------------------------- */

/* When a run ends, counted as the C model counts (docs/rtl.md "Running a
 * graph"): every cycle, before the clock edge the harness knows whether
 * something moved (a tile fired or pushed -- the array's active_o -- or a
 * harness port moved); after the edge, done_o and error_o. The run has
 * taken `last + 1` cycles, last being the last cycle in which something
 * finished. One watch serves the direct runner (ff_rtl_run.h) and clocked
 * harnesses that step the array themselves (the SystemC target). */
typedef struct ff_rtl_watch {
    uint64_t limit;      /* cycle limit */
    uint64_t watchdog;   /* cycles in a row without movement that make a deadlock */
    uint64_t cycle;      /* the cycle about to be stepped */
    uint64_t last;       /* the last cycle in which something finished */
    uint64_t idle;       /* cycles in a row in which nothing moved */
    int tiles_done;      /* done_o was seen after an edge */
    int stop;            /* 0, or why the run stopped: FF_ELIMIT, FF_ERUNTIME, FF_EDEADLOCK */
    uint64_t stop_cycle; /* the cycle in which it stopped */
} ff_rtl_watch;

/* max_cycles 0: 20,000,000; watchdog 0: 4096 (ff_rtl_run_opts). */
void ff_rtl_watch_init(ff_rtl_watch *w, uint64_t max_cycles, uint64_t watchdog);

/* Before stepping w->cycle: FF_ELIMIT (and w->stop) when it is the limit. */
int ff_rtl_watch_begin(ff_rtl_watch *w);

/* A harness port finished (a source pushed D, a sink popped D) in w->cycle. */
void ff_rtl_watch_finish(ff_rtl_watch *w);

/* After the clock edge of w->cycle: moved = something moved in it; done and
 * error = done_o and error_o after the edge. Returns FF_ERUNTIME (a tile's
 * error flag) or FF_EDEADLOCK (nothing moved for `watchdog` cycles), with
 * w->stop set, else 0; then w->cycle is the next cycle. The tiles have
 * finished once w->tiles_done is set. */
int ff_rtl_watch_end(ff_rtl_watch *w, int moved, int done, int error);

/* Cycles of a finished run. */
uint64_t ff_rtl_watch_cycles(const ff_rtl_watch *w);

/* The message of a stopped run (w->stop), reading the tiles' status through
 * the bus: the cycle limit or no token moving (FF_ELIMIT, FF_EDEADLOCK:
 * every unfinished tile with its node and each connected input's FIFO
 * occupancy), a tile's error flag (FF_ERUNTIME: the tiles and what they
 * met). Returns w->stop with err filled (or the bus's error). */
int ff_rtl_load_explain(const ff_rtl_load *ld, const ff_rtl_watch *w, ff_err *err);

#endif
