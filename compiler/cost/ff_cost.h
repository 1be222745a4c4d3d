/*
 * ff_cost.h -- what a schedule costs: estimated without simulating (the cost
 * model), measured on the cycle model, and the design-space exploration that
 * uses the first to skip simulating the second (docs/cost-model.md).
 *
 * A *schedule* is a fusion partition of the statements into contiguous
 * kernels (ff_fuse_parse) plus a loop order for every kernel root
 * (ff_lower_opts). Its cost has two axes:
 *   FLOPs  the ALU operations the lowered graphs perform, counting a fused
 *          producer once per point of every consumer loop that encloses it
 *          (the lowering recomputes inlined expressions, ff_lower.h);
 *   bytes  the off-chip traffic: every tensor a kernel reads from memory
 *          and every result it writes, values and coordinate/segment words
 *          at 4 bytes each -- so an unfused intermediate is paid twice.
 * Both are estimated from the bound sizes and the densities of the inputs
 * (their actual level occupancy when data is given, else a uniform density),
 * assuming uniformly random sparsity.
 *
 * A schedule is *dominated* when another has no more FLOPs and no more bytes
 * and fewer of one; the exploration simulates only the rest (unless told to
 * simulate everything, which is how the heuristic's hit rate is measured).
 *
 * Ownership: an ff_cost_model borrows the program (and nothing else); an
 * ff_cost_exploration owns its configurations. Neither prints.
 */
#ifndef FF_COST_H
#define FF_COST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ff_base.h"
#include "ff_ir.h"
#include "ff_lower.h"
#include "ff_sim.h"
#include "ff_tensor.h"

struct ff_run_sched; /* ff_run.h */

/* ------------------------------------------------------------------ */
/* The cost model                                                      */
/* ------------------------------------------------------------------ */

typedef struct ff_cost_model ff_cost_model;

/* Builds the model of program p (reductions placed) for sizes[nsizes]
 * (every size symbol bound, as ff_ir_bind_sizes leaves them). inputs[t]
 * (NULL, or NULL entries) gives an input tensor's data: its per-level
 * occupancy and stored words are used exactly. An input without data is
 * assumed uniformly random with `density` when its format has a compressed
 * level (1 when all dense), as ff_ir_random_inputs makes it. Intermediates
 * get the density their statement's support rules predict (docs/cost-model.md
 * "Densities"). p must outlive the model; sizes and inputs are not kept. */
int ff_cost_model_new(const ff_ir_program *p, const uint32_t *sizes, const ff_tensor *const *inputs, double density,
                      ff_cost_model **out, ff_err *err);
void ff_cost_model_free(ff_cost_model *m);

/* The fraction of tensor t's coordinates that are stored (1 for a dense
 * format), as the model assumes it. */
double ff_cost_tensor_density(const ff_cost_model *m, int t);

/* The 32-bit words tensor t occupies in memory in the format a graph reads it
 * in (values, plus segment and coordinate words of compressed levels). */
double ff_cost_tensor_words(const ff_cost_model *m, int t);

/* An estimate. bytes = bytes_read + bytes_written. */
typedef struct ff_cost_est {
    double flops;         /* ALU operations (reductions and accumulations count one per term) */
    double bytes_read;    /* tensors loaded from memory, 4 bytes a word */
    double bytes_written; /* results written back, 4 bytes a word */
    double points;        /* iteration points summed over every loop level (informational) */
    /* Graphs that run one after the other: kernels, and the phases of a
     * kernel with producers held on chip. Fused statements overlap as one
     * pipeline; a phase boundary drains it, which neither FLOPs nor bytes
     * see: a schedule dominates one with fewer phases only by doing at
     * most a quarter of its FLOPs. */
    double phases;
} ff_cost_est;

/* One loop level of a lowered root, as the model sees it. */
#define FF_COST_MAX_LEVELS 1024 /* as the lowering (LW_MAX_LEVELS): fused GPT blocks have hundreds */
typedef struct ff_cost_level {
    char index[FF_LOWER_NAME]; /* the index it iterates ("k_XW", "j2" for a softmax walk) */
    int parent;                /* level above (-1 = the root) */
    double prob;               /* fraction of the index's coordinates the merge keeps */
    double points;             /* coordinates over all parent points: points(parent) * size * prob */
} ff_cost_level;

typedef struct ff_cost_detail {
    int nlevels;
    ff_cost_level levels[FF_COST_MAX_LEVELS]; /* parents before children */
    int accumulated;                          /* the top reduction goes to a sparse accumulator */
    /* Value nodes of the lowered (scalar, serial) graph the operations are
     * counted on: a check that the model counts the graph's work. */
    int alus;                                 /* ALU nodes */
    int reducers;                             /* reducer nodes */
    int arrays;                               /* value arrays (tensor values read) */
} ff_cost_detail;

/* Estimates root `root` (a statement) of kernel k in loop order `order`
 * (order->norder == 0 or order NULL: the lowering's default order; the fuse
 * field is ignored -- the kernel decides what is fused). bytes_read counts
 * the tensors this root reads alone. detail, if not NULL, receives the
 * levels. The estimate walks the lowering's plan of the root, so errors
 * are the lowering's planning errors (an order naming indices the root does
 * not have, or one the root cannot be lowered in: a tensor's levels out of
 * order, a sum ordered above an index it is inside of), a root outside the
 * kernel, the default order failing. */
int ff_cost_root(const ff_cost_model *m, const ff_kernel *k, int root, const ff_lower_opts *order, ff_cost_est *out,
                 ff_cost_detail *detail, ff_err *err);

/* Estimates kernel k with orders[r] for k->roots[r] (NULL: defaults): the
 * roots' FLOPs and writes, and each tensor read once however many roots read
 * it (a kernel is one graph; ff_lower_kernel merges shared inputs). */
int ff_cost_kernel(const ff_cost_model *m, const ff_kernel *k, const ff_lower_opts *orders, ff_cost_est *out,
                   ff_err *err);

/* ------------------------------------------------------------------ */
/* Pruning                                                             */
/* ------------------------------------------------------------------ */

/* Marks dominated[i] = 1 when some j has flops_j <= flops_i,
 * bytes_j <= bytes_i and phases_j <= phases_i (or, with more phases, at
 * most a quarter of i's FLOPs), flops or bytes strictly -- by more than the relative
 * margin tol: x_j < x_i * (1 - tol) (others 0). tol 0 is the exact rule; the
 * estimates are sums of doubles, so a tiny tol (1e-9) keeps schedules that
 * are equal on paper from dominating each other by rounding, and a larger
 * one prunes only on differences the model can resolve (docs/cost-model.md
 * "How good is it"). A larger tol never prunes more. Returns how many are
 * marked. O(n^2). */
size_t ff_cost_prune(const ff_cost_est *est, size_t n, double tol, unsigned char *dominated);

/* Whether the configurations kept (dominated[i] == 0) include one with the
 * fewest cycles among all simulated ones. cycles[i] == UINT64_MAX: not
 * simulated; give a failed simulation a count above every real one
 * (UINT64_MAX - 1). Returns 1 (a hit), 0 (a miss), or -1 when nothing was
 * simulated or some dominated configuration was not simulated (so the answer
 * is unknown). */
int ff_cost_hit(const uint64_t *cycles, const unsigned char *dominated, size_t n);

/* ------------------------------------------------------------------ */
/* Measured cost                                                       */
/* ------------------------------------------------------------------ */

typedef struct ff_cost_measured {
    uint64_t cycles;                 /* ff_sim_cycles */
    uint64_t stall_mem, requests;     /* off-chip (ff_sim_timing) */
    uint64_t bytes_in, bytes_out;    /* moved by the off-chip model (0 when it is off) */
    uint64_t ops;                    /* arithmetic operations the primitives performed (ff_node_stats.ops) */
    int nprims;                      /* primitives in the kernel's graph */
} ff_cost_measured;

/* Lowers kernel k (orders as for ff_lower_kernel) and runs it on the cycle
 * model. data[t] per program tensor holds the inputs and the results of
 * earlier kernels; the graph's inputs are bound from it (an error names a
 * tensor without data). With store, each root's result, converted to its
 * declared format, replaces data[t] (the caller owns data[] and frees its
 * tensors) -- what `fuseflow run` does between kernels. With tiling (NULL:
 * none) it runs tile by tile (ff_run_one_kernel); the measures are the
 * tiles' sums. */
int ff_cost_simulate_kernel(const ff_ir_program *p, const ff_kernel *k, const ff_lower_opts *orders,
                            const ff_sim_opts *opts, const struct ff_run_sched *tiling, ff_tensor **data, int store,
                            ff_cost_measured *out, ff_err *err);

/* ------------------------------------------------------------------ */
/* The design space                                                    */
/* ------------------------------------------------------------------ */

/* The fusion spec ("1-2,3") of partition `mask` of n statements: bit s set
 * (0 <= s < n - 1) puts statements s+1 and s+2 (1-based) in one kernel. So
 * mask 0 is every statement alone and 2^(n-1) - 1 is one kernel. */
void ff_cost_partition_spec(int nstmts, uint64_t mask, char *buf, size_t n);

typedef struct ff_cost_explore_opts {
    const char *const *fuse; /* partitions to explore (fusion specs); NULL / nfuse 0: all 2^(n-1) */
    int nfuse;
    const char *const *orders; /* loop orders as for --order: "i,k,j" applies to roots with exactly
                                  these indices, "N:i,k,j" to statement N; others take the default */
    int norders;
    int order_auto;          /* every legal order of every root instead (up to max_orders each) */
    int max_orders;          /* cap per root with order_auto (0: 32) */
    size_t max_configs;      /* cap on configurations, in enumeration order (0: 4096) */
    int no_prune;            /* simulate dominated configurations too */
    const char *par_index;   /* --par par_index:par on every root of every configuration, the
                                baseline included (NULL or par < 2: serial); the estimates do not
                                change (the same work), the simulated cycles do */
    int par;
    int block;               /* --block B on every simulated kernel (0: scalar) */
    int no_skip;             /* --skip off on every simulated kernel */
    int no_balance;          /* --balance off on every simulated kernel */
    ff_reuse reuse;          /* --reuse on every kernel, estimated and simulated, unless */
    int search_reuse;        /* every root with stream buffers or held producers is tried both
                                with them (auto) and recomputing (its orders text says
                                "/recompute"), and holding every revisited producer
                                ("/hold") where that holds more than auto */
    double prune_tol;        /* ff_cost_prune's tol (default 1e-9: the exact rule) */
    ff_sim_opts sim;         /* the cycle model */
    const struct ff_run_sched *tiling; /* --tile: every kernel measured tile by tile (NULL: untiled) */
    double density;          /* for the cost model's inputs without data (ff_cost_model_new) */
    /* Called after each kernel simulation: done of total (an upper bound). */
    void (*progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
} ff_cost_explore_opts;

void ff_cost_explore_opts_default(ff_cost_explore_opts *o);

/* One configuration of the space. */
typedef struct ff_cost_config {
    char fuse[256];          /* the fusion spec, ranges form */
    char *orders;            /* "XW=i,j,k;H=i,k,j": every root's order, in statement order (owned) */
    int nkernels;
    ff_cost_est est;         /* estimated over the whole schedule */
    int dominated;           /* the pruning marks it */
    int simulated;           /* it was simulated (and did not fail) */
    int failed;              /* simulating it failed (deadlock, ...); message in error */
    char *error;             /* owned; NULL unless failed */
    uint64_t cycles;         /* total when simulated */
    uint64_t *kernel_cycles; /* nkernels entries when simulated (owned) */
    int is_baseline;         /* the unfused schedule with default (or given) orders */
} ff_cost_config;

typedef struct ff_cost_exploration {
    ff_cost_config *configs; /* in enumeration order: partitions by mask (or as given), then orders */
    size_t nconfigs;
    uint64_t npartitions;    /* in the space (2^(n-1), or as given) */
    uint64_t npartitions_explored; /* feasible partitions enumerated before the cap */
    size_t ninfeasible;      /* partitions with a root no legal order lowers */
    char infeasible_example[512]; /* one such partition's reason */
    int capped;              /* the configuration cap cut the enumeration */
    int orders_capped;       /* some root had more legal orders than max_orders */
    size_t npruned;          /* marked dominated */
    size_t nsimulated;       /* configurations simulated without failure */
    size_t kernel_sims;      /* kernel simulations run, the baseline's included (a kernel shared by
                                schedules runs once) */
    uint64_t baseline_cycles;/* the unfused schedule */
    char baseline_orders[1024];
    int hit;                 /* ff_cost_hit over the configurations (-1 unknown) */
    size_t best;             /* the configuration with the fewest cycles (nconfigs if none) */
    size_t best_kept;        /* the same among those not dominated (nconfigs if none ran) */
} ff_cost_exploration;

/* Explores the design space of program p (reductions placed) on inputs[t]
 * (every input tensor's data; the pieces not given are not generated here):
 * enumerates partitions and orders, estimates each configuration, prunes,
 * runs the unfused baseline (storing its results as the data later kernels
 * read -- a result is the same in every schedule), and simulates each
 * kernel of the surviving configurations once (schedules share kernels).
 * sizes: every size symbol bound (ff_ir_bind_sizes). o NULL: the defaults
 * (ff_cost_explore_opts_default). Deterministic: the same inputs give the
 * same exploration. *out is the caller's (ff_cost_exploration_free); on
 * error nothing is returned. */
int ff_cost_explore(const ff_ir_program *p, const ff_tensor *const *inputs, const uint32_t *sizes,
                    const ff_cost_explore_opts *o, ff_cost_exploration **out, ff_err *err);
void ff_cost_exploration_free(ff_cost_exploration *x);

/* The exploration as CSV (docs/cost-model.md "CSV"): a header, then one row
 * per configuration in enumeration order. Same exploration, same bytes. */
int ff_cost_write_csv(const ff_cost_exploration *x, FILE *f, ff_err *err);

#endif
