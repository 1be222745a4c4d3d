/*
 * ff_sim.h -- runs a validated dataflow graph on tensors: the cycle model
 * (docs/timing.md) and, with unbounded channels and no latency, the
 * functional model.
 *
 * One engine serves both. Every cycle each primitive that can fire fires at
 * most once, reading only what was visible at the start of the cycle (tokens
 * pushed in earlier cycles, channel occupancy at the start of the cycle), so
 * the result does not depend on the order in which nodes are visited -- the
 * property that lets a Verilog array match it cycle for cycle. Only nodes
 * that something happened to are visited (event driven), and nothing is
 * allocated per token.
 *
 * Use:
 *     ff_sim *s;
 *     ff_sim_new(graph, &opts, &s, &err);
 *     ff_sim_bind(s, "A", tensorA, &err);     (every input tensor)
 *     ff_sim_run(s, &err);
 *     ff_tensor *y; ff_sim_take_output(s, "y", &y, &err);
 *     ff_sim_free(s);
 * An ff_sim borrows the graph and the bound tensors: they must outlive it.
 * No global state: independent ff_sim objects may run in different threads.
 */
#ifndef FF_SIM_H
#define FF_SIM_H

#include <stdint.h>
#include <stdio.h>

#include "ff_base.h"
#include "ff_graph.h"
#include "ff_tensor.h"
#include "ff_token.h"

/* Architecture parameters the cycle model charges (docs/timing.md). */
typedef struct ff_arch {
    int fifo_depth;                 /* default channel depth (>= 1) */
    int latency[FF_PRIM__COUNT];    /* extra pipeline cycles per primitive kind */
    int ii[FF_PRIM__COUNT];         /* initiation interval per kind (>= 1) */
    int alu_latency[FF_ALU__COUNT]; /* extra pipeline cycles per ALU op */
    int alu_ii[FF_ALU__COUNT];      /* initiation interval per ALU op */
    double clock_ghz;               /* for converting cycles to time */
} ff_arch;

/* Defaults: depth 2, no extra latency, II 1, 1 GHz. */
void ff_arch_default(ff_arch *a);

typedef struct ff_sim_opts {
    int functional;       /* unbounded channels, latency 0, II 1 */
    ff_arch arch;         /* ignored when functional */
    uint64_t max_cycles;  /* 0 = no limit */
    FILE *trace;          /* if set, one line per token pushed (docs/timing.md) */
} ff_sim_opts;

void ff_sim_opts_default(ff_sim_opts *o);

typedef struct ff_sim ff_sim;

/* Prepares a simulation of g, which must have passed ff_graph_validate. */
int ff_sim_new(const ff_graph *g, const ff_sim_opts *opts, ff_sim **out, ff_err *err);
void ff_sim_free(ff_sim *s);

/* Binds an input tensor by name. When its format is not the one the graph
 * declares, the simulation keeps a converted copy of its own; otherwise it
 * borrows t, which must then outlive the simulation. Dims must fit the
 * graph's tensor order. */
int ff_sim_bind(ff_sim *s, const char *name, const ff_tensor *t, ff_err *err);

/* Runs to completion: every node has seen DONE. Returns FF_EDEADLOCK with a
 * report naming the blocked nodes and their channels, FF_ELIMIT at
 * max_cycles, FF_ERUNTIME when a primitive meets streams that break the token
 * contract (misaligned stop tokens, ...), naming node, cycle and tokens. */
int ff_sim_run(ff_sim *s, ff_err *err);

/* Cycles the run took: the number of cycles up to and including the last one
 * in which any token moved. */
uint64_t ff_sim_cycles(const ff_sim *s);

/* An output tensor assembled from what the writers wrote, in the format the
 * graph declares; ownership passes to the caller. */
int ff_sim_take_output(ff_sim *s, const char *name, ff_tensor **out, ff_err *err);

/* What a sink node recorded: tokens and the cycle each was accepted. The
 * arrays belong to the simulation. */
int ff_sim_sink(const ff_sim *s, const char *node, const ff_tok **toks,
                const uint64_t **cycles, size_t *n, ff_err *err);

/* Per-node statistics. */
typedef struct ff_node_stats {
    uint64_t fired;          /* cycles in which the node fired */
    uint64_t stall_in;       /* cycles it could not fire for want of input */
    uint64_t stall_out;      /* cycles it could not fire for want of output space */
    uint64_t tokens_in;      /* tokens popped, all inputs */
    uint64_t tokens_out;     /* tokens pushed, all outputs (fan-out counts once) */
    uint64_t done_cycle;     /* cycle in which it finished */
} ff_node_stats;

typedef struct ff_chan_stats {
    uint64_t tokens;         /* tokens that passed */
    uint32_t high_water;     /* largest occupancy */
    uint32_t depth;          /* configured depth (0 = unbounded) */
} ff_chan_stats;

void ff_sim_node_stats(const ff_sim *s, int node, ff_node_stats *out);
void ff_sim_edge_stats(const ff_sim *s, int edge, ff_chan_stats *out);

/* Runs one primitive on text token streams, for `fuseflow prim` and the unit
 * tests: builds a graph of a node of `kind` with the given params
 * ("key=value" strings), a timed source per input ("port=tokens") and a sink
 * per output (ready pattern from sink_ready, "" = always ready). On success
 * *report is a malloc'd text of one line per output port, "port: tokens", in
 * port order, and for writers the memory they wrote ("seg: ..."/"crd: ..."/
 * "vals: ..."); with show_cycles each token is followed by @cycle. */
int ff_prim_run(const char *kind, const char *const *params, int nparams,
                const char *const *inputs, int ninputs, const char *sink_ready,
                const ff_sim_opts *opts, int show_cycles, char **report, ff_err *err);

#endif
