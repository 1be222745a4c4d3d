/*
 * ff_run.h -- a program run kernel by kernel: the one loop behind `fuseflow
 * run`, the exploration's measurements, the co-simulation of a program and
 * the end-to-end tests.
 *
 * What goes in: a checked program (reductions placed), the data of its
 * inputs (data[t] per program tensor; the rest NULL), a schedule (fusion
 * spec, --order texts, --par, --block) and a kernel callback that executes
 * one lowered kernel graph. Per kernel of the schedule the runner picks each
 * root's order, lowers the kernel (ff_lower_kernel), binds the graph's
 * inputs from data by program-tensor name, calls the callback, converts the
 * outputs it left to the program's declared formats and stores them in data
 * for the kernels after it -- what `fuseflow run` has always done between
 * kernels.
 *
 * Library ff_run (compiler/run): needs ff_lower, ff_ir and ff_sim (the stock
 * simulate callback). The stock co-simulate callback is ff_run_cosim
 * (ff_run_cosim.h), built only with FUSEFLOW_RTL.
 */
#ifndef FF_RUN_H
#define FF_RUN_H

#include <stdint.h>
#include <stdio.h>

#include "ff_base.h"
#include "ff_graph.h"
#include "ff_ir.h"
#include "ff_lower.h"
#include "ff_sim.h"
#include "ff_tensor.h"

/* One --tile entry: loop `index` split into tiles of `size` coordinates. */
#define FF_RUN_MAX_TILES 8
typedef struct ff_run_tile {
    char index[FF_LOWER_NAME];
    uint32_t size;              /* >= 1 */
} ff_run_tile;

/* The schedule every kernel gets (the driver's --fuse, --order, --par and
 * --block). A zeroed ff_run_sched is the default: unfused, default orders,
 * serial, scalar. */
typedef struct ff_run_sched {
    const char *fuse;           /* ff_fuse_parse spec; NULL: "none" */
    const char *const *orders;  /* --order texts: "i,k,j" for every statement with exactly these
                                 * indices, "N:i,k,j" for statement N (1-based); "auto" is skipped
                                 * (an orders hook's job); none applies: the default order */
    int norders;
    char par_index[FF_LOWER_NAME]; /* --par INDEX:P on every root; par < 2: serial */
    int par;
    int block;                  /* --block B on every root; 0: scalar */
    ff_reuse reuse;             /* --reuse on every root (ff_lower_opts.reuse) */
    int no_skip;                /* --skip off on every root (ff_lower_opts.no_skip) */
    int no_balance;             /* --balance off on every root (ff_lower_opts.no_balance) */
    int no_relayout;            /* --relayout off: a root with no legal order as its tensors are
                                 * stored is an error, not given copies (ff_run_relayout) */
    const ff_arch *arch;        /* the architecture the kernels run on (ff_run_sched_arch):
                                 * FIFO balancing's depths and latencies; NULL: no balancing */
    int buffer_words;           /* the arch's buffer_words (0: capacities unchecked) */
    int glb_words;              /* the arch's glb_words: what held producers may take on chip
                                 * (0: unchecked) */
    /* --tile (docs/language.md "Tiling"): a kernel whose statements use a
     * tiled loop runs tile by tile on cropped inputs, its outputs merged. */
    ff_run_tile tiles[FF_RUN_MAX_TILES];
    int ntiles;
    int tile_auto;              /* --tile auto: sizes chosen per kernel so that every level of every
                                 * cropped input and of every output tile fits tile_words */
    uint64_t tile_words;        /* auto: the words one level (or the values) of a tensor may take */
    uint32_t tile_dim;          /* auto: the most coordinates a tile may span in any loop of a
                                 * kernel whose graph has a spacc1 (its words; 0: no bound) */
    uint32_t tile_spacc2;       /* auto: the words of a 2-D accumulator's SRAM, which holds a tile's
                                 * rows x its columns rounded up to a power of two, in a kernel
                                 * whose graph has a spacc2 (0: no bound) */
    uint64_t tile_block_words;  /* auto, with block > 1: the block store's words, which every tile's
                                 * blocked inputs share (0: no bound) */
    FILE *tile_report;          /* auto: where the chosen tiling is printed (NULL: nowhere) */
    const uint32_t *sizes;      /* the sizes the data binds (ff_lower_opts.bound_sizes); ff_run_program
                                 * fills it from its data when NULL */
} ff_run_sched;

/* One kernel as the callbacks see it. */
typedef struct ff_run_kernel {
    const ff_ir_program *p;
    const ff_kernel *k;         /* its statements and roots */
    int index;                  /* its number in the schedule, 0-based */
    int nkernels;               /* how many the schedule has */
    ff_lower_opts orders[FF_LOWER_MAX_ROOTS]; /* per root (k->roots[r]), as it is lowered */
    ff_graph *g;                /* the lowered graph; NULL before lowering (and if it failed) */
    const ff_tensor **in;       /* per graph tensor: its bound input, NULL for outputs */
    ff_tensor **out;            /* per graph tensor: the outputs the kernel callback leaves, in the
                                 * graph's formats (NULL where none); the runner stores and frees them */
    ff_tensor **data;           /* per program tensor: the data so far (the runner's to change) */
    /* Held producers (ff_run_phases): the schedule's kernel k runs as
     * nphases phases, this one number `phase` (0-based; nphases 1: no
     * phases). on_chip (per program tensor, NULL: none) marks what this
     * phase reads from or leaves in on-chip memory: never loaded or written
     * back off chip. */
    int phase, nphases;
    const unsigned char *on_chip;
    /* Tiling (ff_run_sched.tiles): this call is tile `tile` (0-based) of
     * the ntiles that run (1: untiled); rk->in are the tile's cropped
     * inputs, and the runner merges the outputs. The measurements of one
     * kernel are the sums over its tiles. tiles_skipped more tiles of the
     * plan were not run: no root of the kernel can have a point in them
     * (docs/language.md "Tiling"). */
    int tile, ntiles;
    uint64_t tiles_skipped;
} ff_run_kernel;

/* The callbacks of a run; user is passed to each. */
typedef struct ff_run_ops {
    /* Executes rk->g on rk->in and leaves its outputs in rk->out. Required. */
    int (*kernel)(ff_run_kernel *rk, void *user, ff_err *err);
    /* Called with the schedule's orders before lowering; may change
     * rk->orders (--order auto) or refuse the kernel. May be NULL. */
    int (*orders)(ff_run_kernel *rk, void *user, ff_err *err);
    /* Called after each kernel whatever happened, rc its result (0, or the
     * code of err from choosing orders, lowering, binding, the kernel
     * callback or storing); rk->g is still there. Returns 0 to go on to the
     * next kernel or a code (err set) to stop the run. May be NULL: a
     * failing kernel stops the run. */
    int (*done)(ff_run_kernel *rk, int rc, void *user, ff_err *err);
    void *user;
} ff_run_ops;

/* Runs program p with schedule s (NULL: the default), kernel by kernel, as
 * above. data holds p->ntensors entries: the inputs, and the results as they
 * are stored (each replacing what was there); the caller owns data and its
 * tensors, also on error. When the relayout pass adds copies
 * (ff_run_relayout), the kernels and the callbacks see the program with
 * them (rk->p, rk->data with its own tensors after p's); the copies' data
 * is freed at the end, and every tensor of p ends in data as without them. Returns 0, the fusion spec's error, or the first
 * kernel error ops->done did not swallow. */
int ff_run_program(const ff_ir_program *p, ff_tensor **data, const ff_run_sched *s, const ff_run_ops *ops,
                   ff_err *err);

/* One kernel k with the given orders (orders[r] for k->roots[r]; NULL or
 * norder 0: the default): lowered, bound from data, ops->kernel called and,
 * with store, its outputs stored in data as ff_run_program does (without,
 * they are dropped). ops->orders and ops->done are not called. With tiling
 * (NULL: none), the kernel runs tile by tile as ff_run_program runs it under
 * tiling's --tile fields (tiles, tile_auto, tile_words, tile_dim; the rest
 * of it is not read). For callers that choose orders themselves (the
 * exploration). */
int ff_run_one_kernel(const ff_ir_program *p, const ff_kernel *k, const ff_lower_opts *orders, ff_tensor **data,
                      int store, const ff_run_sched *tiling, const ff_run_ops *ops, ff_err *err);

/* The relayout pass of schedule s (ff_relayout_kernels; nothing with
 * s->no_relayout): the nk kernels ks of p, at most max, are replaced in
 * place by the kernels over *out, a new program with copies the caller
 * frees, or NULL when none was needed (ks then unchanged). Returns the
 * number of kernels, or a negative FF_E* code. ff_run_program calls it
 * itself; `fuseflow compile` calls it to print the kernels run would run. */
int ff_run_relayout(const ff_ir_program *p, const ff_run_sched *s, ff_kernel *ks, int nk, int max, ff_ir_program **out,
                    ff_err *err);

/* Schedule s runs on arch a: the stream buffers' and the global buffer's
 * capacities (buffer_words, glb_words) and FIFO balancing's depths and
 * latencies. a must outlive s's use. */
void ff_run_sched_arch(ff_run_sched *s, const ff_arch *a);

/* Lowering options o balance FIFOs for arch a (docs/timing.md
 * "Buffering"), or not at all with no_balance or without an arch. */
void ff_run_lower_arch(ff_lower_opts *o, const ff_arch *a, int no_balance);

/* The orders schedule s gives the roots of kernel k (out[r] for
 * k->roots[r]): --order text where one applies, else the default order;
 * --par and --block as s says. A malformed text is an error only for a
 * one-statement program (elsewhere it may be meant for another statement). */
int ff_run_kernel_orders(const ff_ir_program *p, const ff_kernel *k, const ff_run_sched *s, ff_lower_opts *out,
                         ff_err *err);

/* 0 when some root of the nk kernels has a loop named s->par_index (or s
 * asks for no --par), else an error listing the loops there are (a usage
 * error for the driver). */
int ff_run_check_par(const ff_ir_program *p, const ff_kernel *ks, int nk, const ff_run_sched *s, ff_err *err);

/* Producers held whole on chip (ff_lower_opts.reuse hold, or auto): kernel
 * k, whose roots have `orders`, runs in phases. Each held statement ends a
 * phase, which computes it (with what is fused into it) into on-chip
 * memory; the phases after it read it from there. A root of k keeps its
 * order in its phase, without the indices of what is no longer fused into
 * it; a held statement takes the order s gives it (s NULL: the default).
 * Fills phases (at most max) and returns how many: 1, with k and its
 * orders, when nothing is held. Under --reuse auto a hold whose consumer
 * could not read the held tensor in its order is dropped (recomputed);
 * under --reuse hold it is an error naming the statement. */
typedef struct ff_run_phase {
    ff_kernel k;
    ff_lower_opts orders[FF_LOWER_MAX_ROOTS];
} ff_run_phase;
int ff_run_phases(const ff_ir_program *p, const ff_kernel *k, const ff_lower_opts *orders, const ff_run_sched *s,
                  ff_run_phase *phases, int max, ff_err *err);

/* 0 when every --tile loop of s is a loop of some statement of p, appears
 * once, and the tiles of each of the nk kernels can be merged (not
 * normalised or max-reduced over, a summed loop only where the sum is the
 * whole right side of a statement that is not fused), else an error naming
 * the loop (a usage error for the driver). */
int ff_run_check_tiles(const ff_ir_program *p, const ff_kernel *ks, int nk, const ff_run_sched *s, ff_err *err);

/* "i,k,j": the order in o, into buf (n bytes, n >= 1). */
void ff_run_order_text(const ff_lower_opts *o, char *buf, size_t n);

/* The stock simulate callback, ff_run_simulate with user = an ff_run_sim:
 * the kernel on the C cycle model with opts, its measurements in the
 * record. With blocked set, a deadlock or a cycle limit prints the error and
 * every unfinished primitive there ("<who>: <error>\nunfinished
 * primitives:\n...") and the error becomes "graph 'G' did not finish: ...". */
typedef struct ff_run_sim {
    ff_sim_opts opts;           /* in: how to simulate */
    FILE *blocked;              /* in: where to report an unfinished run (NULL: nowhere) */
    const char *who;            /* in: its prefix ("fuseflow run") */
    /* in, may be NULL: called with each kernel's finished simulation, before
     * it is freed (to count what the run did: the sweep's energy) */
    void (*finished)(const ff_graph *g, const ff_sim *sim, void *user);
    void *finished_user;
    /* out, the last kernel's: */
    uint64_t cycles;            /* ff_sim_cycles */
    ff_sim_timing timing;       /* its off-chip figures (ff_sim_timing_of; a tiled kernel's tiles' sums) */
    uint64_t ops;               /* arithmetic operations of all primitives */
    int nprims;                 /* nodes of its graph */
    uint64_t saturated;         /* results that saturated, all nodes (ALUs, reducers, accumulators) */
    char sat_node[64];          /* the node with the most of them ("" if none) */
    /* out, summed over the kernels run: */
    uint64_t total_cycles;
    uint64_t total_ops;
    ff_sim_timing total_timing; /* off-chip requests, bytes and waiting */
} ff_run_sim;

int ff_run_simulate(ff_run_kernel *rk, void *user, ff_err *err);

#endif
