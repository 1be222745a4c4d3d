/*
 * ff_lower.h -- lowering a statement of the tensor IR to a SAM-style dataflow
 * graph (docs/language.md "Lowering: orders, formats and the graph").
 *
 * What goes in: a checked program (ff_ir.h) whose reductions are placed
 * (ff_ir_place_reductions), the statement to lower, and a loop order.
 * What comes out: a validated ff_graph that reads the statement's input
 * tensors in their declared formats and writes its result tensor level by
 * level in loop order (the graph's output format says which mode each level
 * holds; ff_tensor_convert gives the declared format).
 *
 * The algorithm, per index level in loop order: a merge of the accesses that
 * iterate the level (intersect for products, union for sums, the mask's
 * coordinates for mask(), iterate-locate for dense operands, a dense range
 * where the support is full), repeaters for the accesses that do not, then
 * value arrays and ALUs, reducers for innermost reductions and sparse
 * accumulators for reductions above an output index, coordinate drops and
 * level writers. softmax and layernorm expand into the same reductions.
 */
#ifndef FF_LOWER_H
#define FF_LOWER_H

#include "ff_base.h"
#include "ff_graph.h"
#include "ff_ir.h"

#define FF_LOWER_MAX_INDICES 32
#define FF_LOWER_NAME 32

typedef enum ff_reuse { FF_REUSE_AUTO, FF_REUSE_BUFFER, FF_REUSE_RECOMPUTE, FF_REUSE_HOLD } ff_reuse;

/* "auto", "buffer", "recompute", "hold" -> the mode, or -1. */
int ff_reuse_parse(const char *text);
const char *ff_reuse_name(ff_reuse r);
/* "auto, buffer, recompute or hold": the modes, for messages. */
const char *ff_reuse_choices(void);

typedef struct ff_lower_opts {
    /* Loop order, outermost first, by index name as `fuseflow compile -d`
     * prints them: the statement's own indices and, when producers are
     * fused in, theirs (renamed "k_XW" after the tensor they compute).
     * norder == 0: the default order (ff_lower_default_order). */
    char order[FF_LOWER_MAX_INDICES][FF_LOWER_NAME];
    int norder;
    /* Fusion: fuse[s] != 0 streams statement s's result into the statement
     * being lowered wherever it reads it -- the producer's expression is
     * computed in place (and recomputed where the consumer's loops require)
     * instead of being read from memory. NULL: every tensor comes from
     * memory. Only statements before the one lowered may be fused.
     * Owned by the lowering: ff_lower_kernel and the ff_kernel_root_*
     * queries set it from the kernel (ff_kernel_fuse_flags) for each root;
     * callers of those leave it NULL. */
    const unsigned char *fuse;
    /* Parallelization (--par INDEX:P): the region under the output loop
     * par_index is replicated par ways (2..7) with forks and serializes;
     * the graph's streams and outputs are the serial graph's. A statement
     * without that index is lowered serially; one where it is not an output
     * loop is an error. par < 2: serial. */
    char par_index[FF_LOWER_NAME];
    int par;
    /* Block sparsity (--block B, 1..64): every index that iterates a mode
     * of a tensor stored in a blocked format (bcsr(B)) iterates blocks;
     * every tensor read along such an index is read in B x B (or B) dense
     * blocks, and values are blocks: ALUs, reducers and accumulators work
     * on whole blocks with the architecture's block timing. A statement
     * with no blocked tensor is lowered as usual. 0: scalar. */
    int block;
    /* Coordinate skipping (--skip off sets it): 0 links every intersect
     * side a scanner feeds alone back to that scanner (docs/timing.md
     * "scan"), so it jumps over coordinates the intersection cannot use;
     * 1 leaves the intersects streaming every coordinate. */
    int no_skip;
    /* Reuse of a value a statement walks more than once (--reuse): a
     * softmax's or layernorm's operand is computed once and replayed from a
     * stream buffer (FF_REUSE_BUFFER: wherever a walk can be buffered, an
     * error where it cannot), recomputed by every walk (FF_REUSE_RECOMPUTE),
     * or buffered where it can be and recomputed elsewhere (FF_REUSE_AUTO,
     * the default). A fused producer revisited whole -- at a fiber it
     * already computed, after others (XW[k,:] once per neighbour k of each
     * row i) -- no fiber buffer can serve: it is held whole on chip
     * (FF_REUSE_HOLD: every revisited producer; FF_REUSE_AUTO: those that
     * do work per element and fit hold_words). A held producer is not
     * computed in the root's graph: the plan reports it
     * (ff_kernel_root_held) and the runner computes it in a phase of its
     * own before the root (ff_run_phases); lowered anyway, it is
     * recomputed. */
    ff_reuse reuse;
    /* The capacity of one stream buffer, in words (the arch's buffer_words;
     * 0: not checked), and the program's bound sizes (indexed like
     * ff_ir_program.sizes; NULL: unknown): a buffer whose longest fiber
     * needs more words than that is refused at compile time. */
    int buffer_words;
    const uint32_t *sizes;
    /* The program's sizes as a run binds them (indexed like
     * ff_ir_program.sizes; NULL: compiling, with no data): a window's
     * offset or length the graph could not bind from its own tensors
     * (docs/language.md "Offsets") is then written as its number. */
    const uint32_t *bound_sizes;
    /* The on-chip memory that holds whole intermediates, in words (the
     * arch's glb_words): --reuse auto holds a producer only when its
     * dense size (from sizes) fits. 0: unchecked. */
    int hold_words;
    /* FIFO balancing (docs/timing.md "Buffering"): where two paths of
     * different length meet, the channels of the shorter one are made
     * deeper by the difference, so a fan-out never waits for the slower
     * branch to drain. fifo_depth is the architecture's channel depth (the
     * base), fifo_max the deepest channel allowed (0: 16; an RDA array's
     * max_depth for co-simulation), node_latency (NULL: 0) a node's output
     * latency L from the architecture: a hop costs 1 + L cycles.
     * no_balance (--balance off) or fifo_depth 0 leaves every channel at
     * the architecture's depth. */
    int no_balance;
    int fifo_depth, fifo_max;
    int (*node_latency)(const ff_node *n, const void *ctx);
    const void *latency_ctx;
} ff_lower_opts;

/* Lowers statement `stmt` of p into a new graph (*out, caller frees). Errors
 * name the statement's position: an order that breaks a tensor's level order
 * ("model.ff:3:1: tensor B (csr) cannot be iterated in this order: its levels
 * go k before j; store it as csc or choose another order"), an order that
 * puts a reduction above an output index where only an accumulator could
 * hold the result and the statement is not a plain reduction, and constructs
 * the primitives cannot express (more than 4 operands merged at one level). */
int ff_lower_stmt(const ff_ir_program *p, int stmt, const ff_lower_opts *opts, ff_graph **out,
                  ff_err *err);

/* The indices a loop order names for statement `stmt` with opts->fuse (the
 * order in opts is ignored): the statement's own, then those of fused
 * producers, in first-appearance order. Returns how many, or a negative
 * FF_E* code. */
int ff_lower_indices(const ff_ir_program *p, int stmt, const ff_lower_opts *opts,
                     char names[][FF_LOWER_NAME], ff_err *err);

/* The default loop order (into opts->order): among the orders every tensor
 * can be iterated in, the one with the fewest output indices below a
 * reduction (reducers beat accumulators), then the closest to "output
 * indices in the order written, then reduction indices". */
int ff_lower_default_order(const ff_ir_program *p, int stmt, ff_lower_opts *opts, ff_err *err);

/* Every legal loop order of a statement (for --order auto): up to max
 * orders, each FF_LOWER_MAX_INDICES names of FF_LOWER_NAME bytes, into
 * orders; *norder gets the number of indices. Returns how many legal orders
 * there are (may exceed max; enumeration stops at `limit` candidates tried,
 * reported through *truncated), or a negative FF_E* code. */
int ff_lower_legal_orders(const ff_ir_program *p, int stmt, const ff_lower_opts *opts,
                          char (*orders)[FF_LOWER_MAX_INDICES][FF_LOWER_NAME], int max, int limit,
                          int *norder, int *truncated, ff_err *err);

/* Parses "i,k,j" into opts->order, checking every name against
 * ff_lower_indices and that each is given once. */
int ff_lower_parse_order(const ff_ir_program *p, int stmt, const char *text, ff_lower_opts *opts,
                         ff_err *err);

/* A kernel: statements first..last (0-based, inclusive) fused into one
 * graph. Its roots are the statements whose results leave it -- read by a
 * later kernel, or program outputs; every other statement of the kernel
 * streams into the roots that read it (recomputed where they need it). */
#define FF_LOWER_MAX_ROOTS 16
typedef struct ff_kernel {
    int first, last;
    int roots[FF_LOWER_MAX_ROOTS];
    int nroots;
} ff_kernel;

/* Parses a fusion spec into a partition of the statements into kernels:
 * "none" (one kernel per statement), "all" (one kernel), or ranges of
 * 1-based statement numbers covering every statement once, in order:
 * "1-3,4,5-8". Fills roots. Returns the number of kernels (<= max) or a
 * negative FF_E* code naming the problem. */
int ff_fuse_parse(const ff_ir_program *p, const char *spec, ff_kernel *kernels, int max, ff_err *err);

/* The fuse flags for lowering root `root` of kernel k into fuse[] (one per
 * program statement): the kernel's statements before the root. */
void ff_kernel_fuse_flags(const ff_ir_program *p, const ff_kernel *k, int root, unsigned char *fuse);

/* The order queries for root r of kernel k (k->roots[r]), with the root's
 * fuse flags (ff_kernel_fuse_flags) set for the call and cleared after it, so
 * callers never fill ff_lower_opts.fuse themselves: ff_lower_kernel sets it
 * when lowering. ff_kernel_root_order parses `text` ("i,k,j") into o, or
 * takes the default order when text is NULL (ff_lower_parse_order,
 * ff_lower_default_order); ff_kernel_root_indices and
 * ff_kernel_root_legal_orders are ff_lower_indices and ff_lower_legal_orders
 * for the root. o's order, par and block are the caller's; o->fuse is NULL on
 * return. Errors and returns as those functions'. */
/* How many softmax/layernorm walks and revisited producers root r of
 * kernel k reads back from stream buffers in o's order (o->reuse as
 * given): 0 when --reuse makes no difference to it. Negative: an error. */
int ff_kernel_root_buffer_sites(const ff_ir_program *p, const ff_kernel *k, int r, const ff_lower_opts *o, ff_err *err);

/* The fused producers root r of kernel k holds whole on chip in o's order
 * (ff_lower_opts.reuse): held[s] set for each such statement s (held has
 * p->nstmts entries; entries already set stay). Returns how many it set, or
 * a negative FF_E* code. */
int ff_kernel_root_held(const ff_ir_program *p, const ff_kernel *k, int r, const ff_lower_opts *o,
                        unsigned char *held, ff_err *err);

/* Kernel [first, last] with its roots (the results leaving it, as
 * ff_fuse_parse fills them). */
int ff_kernel_make(const ff_ir_program *p, int first, int last, ff_kernel *out, ff_err *err);

int ff_kernel_root_order(const ff_ir_program *p, const ff_kernel *k, int r, const char *text, ff_lower_opts *o,
                         ff_err *err);
int ff_kernel_root_indices(const ff_ir_program *p, const ff_kernel *k, int r, char names[][FF_LOWER_NAME],
                           ff_err *err);
int ff_kernel_root_legal_orders(const ff_ir_program *p, const ff_kernel *k, int r, ff_lower_opts *o,
                                char (*orders)[FF_LOWER_MAX_INDICES][FF_LOWER_NAME], int max, int limit,
                                int *norder, int *truncated, ff_err *err);

/* Lowers kernel k: each root with its order (orders[r] for k->roots[r]; an
 * entry with norder == 0, or orders == NULL, takes the default), merged
 * into one validated graph named "k<first+1>". */
int ff_lower_kernel(const ff_ir_program *p, const ff_kernel *k, const ff_lower_opts *orders, ff_graph **out,
                    ff_err *err);

/* Relayout (docs/language.md "Relayout"): for every root of the nk kernels
 * ks of p that has no legal loop order as its tensors are stored, copies
 * of the tensors it reads from memory in the mode orders the cheapest
 * order needs (the level kinds kept, the modes permuted: csr -> csc,
 * dense -> dd:1,0), each named after its source ("X__t"), made by a
 * statement `X__t[j,f] = X[j,f]` (ff_ir_stmt.copy_of set) that runs as a
 * kernel of its own before the first kernel reading it; the accesses read
 * the copies. One copy per (tensor, mode order) serves every access that
 * needs it. opts: the options the roots are lowered with (order and fuse
 * ignored). On success returns the number of kernels written to out_ks (at
 * most max) over *out: a new program the caller frees (ff_ir_free) -- the
 * original's tensors keep their ids, the copies come after them -- or NULL
 * when nothing needed a copy (out_ks then are ks over p). On failure
 * returns a negative FF_E* code: when copies cannot help either, the
 * root's own one-line error ("file:line: no loop order visits every
 * tensor's levels in their order; change a format"). */
int ff_relayout_kernels(const ff_ir_program *p, const ff_kernel *ks, int nk, const ff_lower_opts *opts,
                        ff_ir_program **out, ff_kernel *out_ks, int max, ff_err *err);

/* p with one copy of tensor `tensor` laid out with level l walking mode
 * perm[l] (the level kinds kept), made by a copy statement inserted at
 * position `at`, and every read of the tensor in statement `stmt` (an
 * index of p) rewritten to read the copy. A new program the caller frees,
 * or NULL when stmt does not read the tensor. For the layouts of held
 * producers (ff_run_relayout), where the copy is one more statement of
 * the kernel. */
ff_ir_program *ff_relayout_copy(const ff_ir_program *p, int at, int stmt, int tensor, const int *perm);

/* Merges graph src into dst: nodes and edges copied with `prefix` before
 * their names, tensors added unless dst has them (an input may be shared;
 * two graphs writing one tensor is an error). dst is not validated. */
int ff_graph_merge_into(ff_graph *dst, const ff_graph *src, const char *prefix, ff_err *err);

#endif
