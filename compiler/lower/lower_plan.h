/*
 * lower_plan.h -- the lowering plan: what a statement lowers to, before any
 * graph node exists. Built by plan.c, read by emit.c (which turns it into
 * graph nodes) and by the cost model (compiler/cost/model.c, which counts
 * points and operations on it), so an estimate walks exactly the structure
 * the graph is emitted from.
 *
 * A plan holds:
 *   indices  the statement's own indices, those of fused producers (renamed
 *            apart, "k_XW") and the fresh walks of softmax/layernorm ("j2"),
 *            with their place in the loop order (lw.idx, lw.pos_of)
 *   tree     the expression with fused producers inlined and softmax/
 *            layernorm expanded into reductions (lw.root, a DAG of lx; a
 *            subtree the level trie needs in two places is cloned)
 *   trie     the level trie: the top chain (output indices in loop order,
 *            plus accumulated sums) and, per reduction, its own level below
 *            the shortest prefix holding its free indices (lw.levels)
 *   accesses every tensor access with the level its chain ends at (lw.acc)
 *   top      the output levels, the sums an accumulator takes (lw.spacc)
 * and it has passed order legality: a reduction ordered above an index it is
 * inside of, and a tensor whose levels the order cannot follow, are user
 * errors of planning, as they are of lowering.
 *
 * The structs also carry emit.c's working fields (marked "emit:"); a plan
 * leaves them zero and nothing but emit.c writes them.
 */
#ifndef FF_LOWER_PLAN_H
#define FF_LOWER_PLAN_H

#include <setjmp.h>
#include <string.h>

#include "ff_lower.h"

#define LW_MAX_IDX 64
#define LW_MAX_LEVELS 1024
#define LW_MAX_ACCESS 2048
#define LW_MAX_TOP_OPS 16 /* unary ops and sums peeled off the top of a statement */

/* A stream in the graph: an output port of a node (emit's). */
typedef struct pref {
    int node;
    char port[16];
} pref;

typedef struct lx lx;
struct lx {
    int kind;            /* ff_ir_kind, or LW_REPLAY (internal) */
    int op;              /* ALU op / FF_IR_FN_* / ff_ir_red; LW_FN_ONE (internal) */
    int index;           /* REDUCE: local index id */
    ff_fx value;         /* CONST */
    int tensor;          /* ACCESS / MASK's M (via a) */
    int nidx, idx[FF_IR_MAX_ORDER]; /* ACCESS: local index ids per mode */
    ff_ir_off off[FF_IR_MAX_ORDER]; /* ACCESS: per mode, its window: the
                              access's own offset plus those a fused
                              producer's index took from the window its
                              consumer reads it through */
    const ff_ir_expr *src; /* ACCESS: the program's node it copies (relayout.c
                              moves that node to a copy of the tensor) */
    lx *a, *b;
    int bcast_b;         /* BINARY: b is a broadcast value; support is a's */
    ff_srcpos pos;
    int id;              /* its index in lw.nodes (a key for per-node tables) */
    /* analysis */
    uint64_t free;       /* free indices (bitmask of local ids) */
    int chain;           /* REDUCE: level-trie node of its own index level
                            (-2: an accumulated top sum, iterated by the top
                            chain); ACCESS: level-trie node at the end of its chain */
    int prefix;          /* REDUCE: level-trie node its value lives at (-1 = root) */
    int acc;             /* ACCESS: access id */
    int placed_under;    /* the enclosing level it was placed under (-2: not yet) */
    int nuses;           /* parents in the expression DAG */
    lx *cap;             /* LW_REPLAY: the reduction whose walk is buffered */
    int inlined;         /* the root of a fused producer's expression: its tensor + 1 */
    int site;            /* a capture: its buffer site (lw.sites_off) */
    pref rcrd;           /* emit: LW_REPLAY: its coordinate stream (once made) */
    int buf[4];          /* emit: REDUCE that captures: the stream buffer node of
                            each reader (one node for all of them; in block
                            mode one per reader, whose blocks span its own index) */
    int nreaders;        /* emit: the buffer's readers so far */
    int contract;        /* emit: block mode: the blocked index this product's ALU
                            contracts (its only parent sums it), else -1 */
    /* emit: the value memo */
    int have_val;
    pref val;
    int val_level;       /* level-trie node the value lives at (-1 = root) */
};

/* Internal unary function: 1 wherever the operand is stored (layernorm's count). */
enum { LW_FN_ONE = FF_IR_FN__END };

/* Internal expression kind: a replay (plan.c, "buffered walks"). A softmax
 * or layernorm walks its operand several times; buffered, the operand is
 * computed once, by the first walk's reduction `cap` (a row maximum or sum,
 * whose operand `cap->a` streams along `cap->index`), kept in a stream
 * buffer, and every later walk reads it back along its own `index` instead
 * of recomputing it. A replay is a leaf: it drives its level's coordinates
 * the way a scanned access does, and its value is the buffer's. */
#define LW_REPLAY (FF_IR_MASK + 1)

/* Internal reduction op: a capture, a walk that computes its operand once
 * for replays and reduces nothing (no reducer is emitted). A fused
 * producer whose consumer revisits it (a row F1[s,:] read once per output
 * column m) is computed by a capture under the loops it depends on and
 * replayed where it is used. */
enum { LW_RED_CAPTURE = FF_IR_RED_MAX + 1 };

/* One level of an iteration chain. */
typedef struct level {
    int index;           /* local index id */
    int parent;          /* level-trie node above (-1 = root) */
    lx *owner;           /* the reduction that iterates it; NULL on the top chain */
    pref crd;            /* emit: the merged coordinate stream of this level */
    int have_crd;
    pref rep;            /* emit: repeat signal generated from crd (made on demand) */
    int have_rep;
} level;

typedef struct access {
    lx *node;
    int tensor;
    int chain_end;       /* level-trie node its chain ends at */
    int next;            /* emit: next tensor level to iterate */
    pref ref;            /* emit: reference stream at the current depth */
    int maybe_n;         /* emit: that stream may carry N (an absent fiber):
                            the access went through a union, or was located
                            in a level that may lack the coordinate */
} access;

enum { LW_IDX_OWN, LW_IDX_INLINED, LW_IDX_EXPANSION };

typedef struct lw_index {
    char name[FF_LOWER_NAME];
    int size;            /* program size symbol */
    int prog_index;      /* program index id of the lowered statement's own, else -1 */
    int kind;            /* LW_IDX_*: own, from a fused producer, or from softmax/layernorm */
} lw_index;

/* Program index ids -> local ids while copying one fused producer's
 * expression (its own indices are renamed apart from the consumer's). */
typedef struct idxmap {
    int prog[LW_MAX_IDX], local[LW_MAX_IDX], n;
    ff_ir_off off[LW_MAX_IDX]; /* program index prog[i] = local[i] + off[i] */
    const char *tag;     /* the producer's tensor, for readable names */
} idxmap;

typedef struct lw {
    const ff_ir_program *p;
    const ff_ir_stmt *st;
    const unsigned char *fuse; /* per statement: streamed into this one */
    ff_err *err;
    jmp_buf fail;        /* user errors unwind here */
    /* indices */
    lw_index idx[LW_MAX_IDX];
    int nidx;
    int pos_of[LW_MAX_IDX]; /* position of each local index in the loop order
                               (1000 + id: a walk the order does not name) */
    /* expression */
    lx *root;
    lx **nodes;          /* every lx allocated (clones included), for freeing */
    int nnodes, cap_nodes;
    /* levels and accesses */
    level levels[LW_MAX_LEVELS]; /* parents before children */
    int nlevels;
    access acc[LW_MAX_ACCESS];
    int nacc;
    ff_format *fmt;      /* per program tensor: the format the graph reads it in
                            (a blocked format's unblocked equivalent; in block
                            mode its block levels) */
    /* the top of the statement */
    int lhs[FF_MAX_ORDER], nlhs; /* local ids of the result's indices, by mode */
    int top[LW_MAX_IDX], chain[LW_MAX_IDX], ntop; /* the top chain: indices and levels, outermost first */
    int top_chain;       /* last level of the top chain (-1 = scalar) */
    int out_chain[FF_MAX_ORDER], out_modes[FF_MAX_ORDER], nout; /* output levels of the top chain and
                                                                   the result modes they write */
    int unary_ops[LW_MAX_TOP_OPS], nun; /* unary ops above the top sums, outermost first */
    lx *sums[LW_MAX_TOP_OPS];           /* the sums directly under them, outermost first */
    int nsums;
    int spacc;           /* the top sums are accumulated (one is above an output index) */
    lx *core;            /* with spacc: what the innermost accumulated sum adds up */
    /* Block mode (--block B, docs/language.md "Block sparsity"): the
     * blocked indices, and per program tensor the modes read in blocks. */
    int B;
    uint64_t blocked;
    /* Buffered walks (ff_lower_opts.reuse): softmax/layernorm read their
     * operand back from a stream buffer instead of recomputing it, and so
     * do fused producers their consumer revisits. */
    int buffer;
    ff_reuse reuse;
    /* Buffer sites: each softmax/layernorm expansion and each revisited
     * producer is numbered as the plan meets it (the same numbers every
     * time a statement is planned with the same options). A site in
     * sites_off is recomputed; a plan or emission that finds a site it
     * cannot buffer unwinds with refused_site set, and the statement is
     * lowered again with that site off. */
    int nsites;
    uint64_t sites_off;
    int refused_site;    /* -1: none */
    int nbuffers;        /* emit: stream buffers in the graph (--par cannot cut
                            through one: the statement is lowered unbuffered) */
    int parallelizing;   /* lw_parallelize is running */
    int buffer_words;    /* capacity of one buffer (0: unchecked) */
    int hold_words;      /* on-chip memory for held producers (0: unchecked) */
    /* per program tensor: a fused producer the plan holds whole on chip
     * (ff_lower_opts.reuse) instead of inlining a capture or recomputing it */
    unsigned char *held;
    const uint32_t *sizes; /* bound program sizes, or NULL */
    const uint32_t *bound; /* ff_lower_opts.bound_sizes: a run's sizes, or NULL */
    unsigned char *bmodes;
    /* per program tensor, scratch for one walk over the accesses ("seen");
     * zero it before use */
    unsigned char *tseen;
    /* ---- emit: the graph under construction ---- */
    ff_graph *g;
    int root_node;       /* graph node of the root */
    void *merge_pool;    /* merge tree nodes, reused by each level (emit.c; freed by lw_delete) */
    /* Per graph node: the level-trie node its output streams live at (-1:
     * the root; LW_TAIL: the output tail -- drops, holds, accumulators,
     * writers), and whether it generates that level's coordinates (made
     * while the level was processed) rather than computing on them. --par
     * cuts the graph by these (parallelize). */
    int *node_lvl;
    unsigned char *node_gen;
    int node_cap;
    int ctx_lvl, ctx_gen; /* what gnode records, until a site says otherwise */
    int in_union;        /* emit: realizing a level inside a union's operand */
    /* per graph node the blocked indices of the value it outputs, in the
     * order of its block's dims (bax_n of them) */
    unsigned char *bax_n;
    signed char (*bax)[2];
    int contract;         /* the index the next ALU contracts (-1: none) */
    /* parallelize's work in progress (freed with the lw on any error) */
    struct {
        ff_graph *g;
        int *id, *fork_of, *ser_of;
    } par;
} lw;

#define LW_TAIL (-3)

/* Plans statement `stmt` of p (reductions placed) for lowering in opts'
 * order (norder == 0: ff_lower_default_order's), with opts->fuse and
 * opts->block. No graph is built. On success *out is the caller's
 * (lw_delete); on a user error (an order naming unknown indices or leaving
 * one out, an order a reduction or a tensor's levels cannot follow) err is
 * set and nothing is returned. opts->fuse must outlive the plan. */
int lw_plan_new(const ff_ir_program *p, int stmt, const ff_lower_opts *opts, lw **out, ff_err *err);

/* A fresh lw for statement stmt (nothing planned yet); lw_delete frees it
 * and everything it holds, the graph under construction excepted. */
lw *lw_new(const ff_ir_program *p, int stmt, const ff_lower_opts *opts, ff_err *err);
void lw_delete(lw *L);

/* The planning passes, for callers that unwind errors through L->fail:
 * lw_plan runs all of them with a complete order; lw_copy_stmt only names
 * the indices and copies the expression (with fused producers inlined and
 * softmax/layernorm expanded), which is what order enumeration needs. */
void lw_plan(lw *L, char (*order)[FF_LOWER_NAME], int norder);
void lw_copy_stmt(lw *L);

/* A buffer site that cannot be buffered for the reason `why`: unwinds
 * with L->refused_site set (plan.c and emit.c). */
_Noreturn void lw_refuse_replay(lw *L, int lvl, const lx *replay, const char *why);
_Noreturn void lw_refuse_replay_site(lw *L, const lx *cap, const char *why);

/* After a plan or lowering failed: if `site` (its refused_site) can be
 * turned off and was not yet, adds it to *off, clears err and returns 1
 * (plan again); else 0. */
static inline int lw_retry_site(uint64_t *off, int site, ff_err *err)
{
    if (site < 0 || site >= 64 || ((*off >> site) & 1)) return 0;
    *off |= 1ull << site;
    if (err) memset(err, 0, sizeof *err);
    return 1;
}

/* Reports a user error at pos and unwinds to L->fail. */
_Noreturn void lw_fail(lw *L, ff_srcpos pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Local ids: the lowered statement's own index for a program index
 * (created on first use), and the index named `name` (-1: none). */
int lw_local_index(lw *L, int prog_index);
int lw_find_index(const lw *L, const char *name);

/* Free-index sets of x and everything below it; returns x's. */
uint64_t lw_compute_free(lx *x);

/* Whether level anc is lvl or above it (anc -1: the root, above all). */
int lw_is_ancestor(const lw *L, int anc, int lvl);

/* Does access a, next to iterate tensor level `next`, iterate level lvl
 * (its chain passes through lvl and that tensor level's index is lvl's)?
 * Fails (L->fail) when a later level of the tensor is lvl's: the order
 * visits the tensor's levels out of their order. */
int lw_iterates(lw *L, const access *a, int next, int lvl);

/* The levels in processing order, every parent before its children: the
 * order emit.c builds them in and the order-legality check walks them in,
 * so both meet the same first error. Fills order[L->nlevels]. */
void lw_level_order(const lw *L, int *order);

/* The format a graph reads a tensor in: as declared, or for a blocked
 * format its unblocked equivalent -- each mode once, in the order its block
 * index is iterated, compressed if any of its levels is (bcsr(B) reads as
 * csr). The cost model reads tensors in the same format. */
ff_format lw_scalar_format(const ff_format *f);

/* Whether a window at offset o of `len` coordinates lies inside a mode of
 * size `dim` (size symbols of p), as far as p's sizes prove: offset 0 over
 * the mode's own size, or literal sizes that fit. */
int lw_window_within(const ff_ir_program *p, ff_ir_off o, int len, int dim);

static inline const char *lw_tname(const lw *L, int t) { return L->p->tensors[t].name; }
static inline const ff_format *lw_tfmt(const lw *L, int t) { return &L->fmt[t]; }
/* Whether local index v iterates blocks (--block). */
static inline int lw_is_blocked(const lw *L, int v) { return L->B && ((L->blocked >> v) & 1); }

#endif
