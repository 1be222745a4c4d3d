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
#include "ff_mem.h"
#include "ff_tensor.h"
#include "ff_token.h"

/* Timing of an op on a BxB dense block (block mode, docs/timing.md): latency
 * and II are linear in B, e.g. a block matrix product with latency 2B-1 and
 * II B. A vector or scalar block counts as B = 1. */
typedef struct ff_block_timing {
    int lat_per_b, lat_const; /* latency = lat_per_b*B + lat_const */
    int ii_per_b, ii_const;   /* II      = ii_per_b*B + ii_const   */
} ff_block_timing;

/* Architecture parameters the cycle model charges (docs/timing.md), loaded
 * from an architecture file (ff_arch_load; arch/default.json ships). */
typedef struct ff_arch {
    char name[64];
    int fifo_depth;                 /* default channel depth (>= 1) */
    int max_fifo_depth;             /* the deepest channel the hardware has:
                                       FIFO balancing deepens channels up to it
                                       (<= fifo_depth: no balancing) */
    int buffer_words;               /* capacity of one stream buffer (buffer
                                       primitive): words, two per entry */
    int glb_words;                  /* on-chip global memory that holds whole
                                       intermediates between phases (--reuse hold) */
    int latency[FF_PRIM__COUNT];    /* extra pipeline cycles per primitive kind */
    int ii[FF_PRIM__COUNT];         /* initiation interval per kind (>= 1) */
    int alu_latency[FF_ALU__COUNT]; /* extra pipeline cycles per ALU op */
    int alu_ii[FF_ALU__COUNT];      /* initiation interval per ALU op */
    ff_block_timing block[FF_ALU__COUNT]; /* per ALU op, entry by entry on dense blocks */
    ff_block_timing block_matmul;   /* a block product contracting an index */
    ff_offchip offchip;
    double clock_ghz;               /* for converting cycles to time */
} ff_arch;

/* Defaults: depth 2, buffers of 8192 words, a global memory of 2^20 words, no extra latency, II 1, off-chip model off, 1 GHz;
 * block ops: latency 1, II B; a block matrix product latency 2B-1, II B. */
void ff_arch_default(ff_arch *a);

/* Loads an architecture file over the defaults: keys that are present
 * override, absent keys keep their defaults. An unknown key, a value of the
 * wrong type or out of range is an error naming the file and the key path
 * ("arch.json: alu.mul.latency: 99 is out of range 0..64"). */
int ff_arch_load(const char *path, ff_arch *out, ff_err *err);
int ff_arch_load_string(const char *text, const char *origin, ff_arch *out, ff_err *err);

typedef struct ff_sim_opts {
    int functional;       /* unbounded channels, latency 0, II 1 */
    ff_arch arch;         /* ignored when functional */
    uint64_t max_cycles;  /* 0 = no limit */
    FILE *trace;          /* if set, one line per token pushed (docs/timing.md) */
    int record;           /* keep every token pushed, per edge (ff_sim_edge_tokens) */
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

/* Marks a graph tensor (input or output) as held in on-chip memory from an
 * earlier phase or for a later one (--reuse hold): its tiles get no
 * off-chip port, it is neither read nor written back (docs/timing.md
 * section 4). Call before ff_sim_start. */
int ff_sim_on_chip(ff_sim *s, const char *name, ff_err *err);

/* Runs to completion: every node has seen DONE. Returns FF_EDEADLOCK with a
 * report naming the blocked nodes and their channels, FF_ELIMIT at
 * max_cycles, FF_ERUNTIME when a primitive meets streams that break the token
 * contract (misaligned stop tokens, ...), naming node, cycle and tokens. */
int ff_sim_run(ff_sim *s, ff_err *err);

/* ff_sim_run one cycle at a time, for harnesses that clock the model
 * themselves (a SystemC module steps it once per clock edge, cosim/systemc).
 * ff_sim_start makes the checks and initialisation of ff_sim_run (every
 * input bound; a simulation starts once); each ff_sim_step then runs one
 * cycle and returns FF_SIM_RUNNING while nodes are unfinished, 0 once every
 * node has finished (in the cycle just run; 0 again on later calls, which
 * do nothing), or the error ff_sim_run would return (deadlock, cycle limit,
 * a broken token contract) -- the run is over then. start + step until it
 * returns <= 0 is ff_sim_run: same cycles, same results, same errors. */
#define FF_SIM_RUNNING 1
int ff_sim_start(ff_sim *s, ff_err *err);
int ff_sim_step(ff_sim *s, ff_err *err);

/* After a run that stopped (deadlock, cycle limit, error): one line per
 * unfinished node -- what it waits for, with every input and output
 * channel's occupancy -- for the person debugging the graph. */
void ff_sim_print_blocked(const ff_sim *s, FILE *f);

/* The latency and II the cycle model gives node gn under arch a: the kind's,
 * an ALU's op added (docs/timing.md), or block mode's (timing.md "Block
 * mode"). The back end configures tiles with exactly these. */
void ff_sim_node_timing(const ff_arch *a, const ff_node *gn, int *latency, int *ii);

/* The block edge B node gn works on in block mode (its param blk), 0 for a
 * scalar node or a kind without blocks. */
int ff_sim_node_block(const ff_node *gn);
/* An ALU in block mode whose operand layouts have the contracted axis (a
 * block product, or a sum along the axis). */
int ff_sim_node_contracts(const ff_node *gn);

/* Block values (docs/tokens.md "Block values"): a handle is a word offset
 * in the run's block store; the first FF_SIM_BLOCK_ZERO_WORDS words are the
 * zero block, then each blocked value array's values in node order, then
 * every block made while running, in allocation order. */
#define FF_SIM_BLOCK_MAX 64
#define FF_SIM_BLOCK_ZERO_WORDS (FF_SIM_BLOCK_MAX * FF_SIM_BLOCK_MAX)
/* Words the block store holds (the zero block included). */
size_t ff_sim_block_words(const ff_sim *s);

/* Cycles the run took: the number of cycles up to and including the last one
 * in which a primitive finished (a writer with an off-chip port finishes
 * when its last write is answered: docs/timing.md section 4). */
uint64_t ff_sim_cycles(const ff_sim *s);

/* The parts of ff_sim_cycles. */
typedef struct ff_sim_timing {
    uint64_t total;      /* ff_sim_cycles */
    uint64_t stall_mem;  /* summed over the memory ports: cycles their tiles waited for memory */
    uint64_t requests;   /* off-chip requests accepted, reads and writes */
    uint64_t ports;      /* memory ports (tiles with one) */
    uint64_t bytes_in, bytes_out; /* moved by the memory ports: read, written back */
} ff_sim_timing;

void ff_sim_timing_of(const ff_sim *s, ff_sim_timing *out);

/* to += t, for runs one after another (tiles, phases, kernels): the sums,
 * and the most ports any of them had. */
void ff_sim_timing_add(ff_sim_timing *to, const ff_sim_timing *t);

/* One line for people: "off-chip: R requests, ... (P% of cycles x N ports)"
 * over `cycles`; nothing when no port made a request. */
void ff_sim_timing_print(const ff_sim_timing *t, uint64_t cycles, FILE *f);

/* An output tensor assembled from what the writers wrote, in the format the
 * graph declares; ownership passes to the caller. */
int ff_sim_take_output(ff_sim *s, const char *name, ff_tensor **out, ff_err *err);

/* What the level and value writers of one output tensor wrote: per level
 * the coordinates and the segment array (with its leading 0), and the
 * values -- the all-compressed fibertree of docs/tokens.md "write_crd,
 * write_val". The arrays are borrowed. */
typedef struct ff_written {
    const uint32_t *crd[FF_MAX_LEVELS];
    size_t ncrd[FF_MAX_LEVELS];
    const uint32_t *seg[FF_MAX_LEVELS];
    size_t nseg[FF_MAX_LEVELS];
    int have_level[FF_MAX_LEVELS];  /* the level had a writer */
    const ff_fx *vals;
    size_t nvals;
    int have_vals;                  /* the values had a writer */
} ff_written;

/* Assembles output tensor `name` of g from what its writers wrote, exactly
 * as ff_sim_take_output does for a simulation (the RTL co-simulation reads
 * the same arrays back from the tiles' SRAM): in the format the graph
 * declares, with each mode's size resolved from the graph's shape ("A:0"
 * against inputs[t], the input tensors by graph tensor index, NULL for
 * outputs; or a number). Errors as ff_sim_take_output's: a level without a
 * writer, fiber counts that do not match the level above (a missing
 * crd_drop), a malformed segment array. *out is new; the caller frees it. */
int ff_sim_assemble_output(const ff_graph *g, const ff_tensor *const *inputs, const char *name,
                           const ff_written *w, ff_tensor **out, ff_err *err);

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
    uint64_t mem_reads;      /* 32-bit words read from its SRAM */
    uint64_t mem_writes;     /* 32-bit words written to its SRAM */
    uint64_t ops;            /* arithmetic operations (ALU results, reductions, accumulations) */
    uint64_t saturated;      /* scalar ALU results that saturated (ff_alu_apply_sat) */
    uint64_t skips;          /* scan: jumps asked by a joiner's skip stream (coordinate skipping) */
    uint64_t skipped;        /* scan: coordinates those jumps passed over, never emitted */
    /* its off-chip memory port (docs/timing.md section 4; 0 without one) */
    uint64_t stall_mem;      /* cycles it waited for words to arrive, or a writer for its last write */
    uint64_t mem_requests;   /* requests the memory accepted (one line each) */
    uint64_t mem_bytes;      /* bytes they moved (a tensor's last line may be partial) */
} ff_node_stats;

typedef struct ff_chan_stats {
    uint64_t tokens;         /* tokens that passed */
    uint32_t high_water;     /* most tokens held at the end of a cycle */
    uint32_t depth;          /* configured depth (0 = unbounded) */
} ff_chan_stats;

void ff_sim_node_stats(const ff_sim *s, int node, ff_node_stats *out);

/* ALU results that saturated so far, summed over the nodes; *most (may be
 * NULL) is the name of the node with the most of them (the simulation's;
 * NULL when there are none). */
uint64_t ff_sim_saturated(const ff_sim *s, const char **most);
void ff_sim_edge_stats(const ff_sim *s, int edge, ff_chan_stats *out);

/* With opts.record: every token pushed into the channel of graph edge
 * `edge`, in order, and the cycle of each push (the cycle the producer fired
 * in, as the trace prints it). Returns the count; 0 without opts.record. */
size_t ff_sim_edge_tokens(const ff_sim *s, int edge, const ff_tok **toks, const uint64_t **cycles);

/* Everything above as JSON (docs/timing.md "Statistics" gives the schema):
 * cycles and their parts, time at the architecture's clock, per node, per
 * channel, per tensor bytes read and written, per ALU op counts. Written via
 * a temporary file and rename. */
int ff_sim_write_stats(const ff_sim *s, const char *path, ff_err *err);

/* The same as a readable table (nodes, channels that filled, tensors). */
void ff_sim_print_stats(const ff_sim *s, FILE *f);

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
