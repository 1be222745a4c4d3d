/*
 * lower_int.h -- the lowering's working data: a copy of the statement's
 * expression as a DAG with annotations (lx), the level trie (one node per
 * index level of an iteration chain), accesses with their current
 * reference streams, and the graph under construction.
 */
#ifndef FF_LOWER_INT_H
#define FF_LOWER_INT_H

#include <setjmp.h>

#include "ff_lower.h"

#define LW_MAX_IDX 64
#define LW_MAX_LEVELS 1024
#define LW_MAX_ACCESS 2048

/* A stream in the graph: an output port of a node. */
typedef struct pref {
    int node;
    char port[16];
} pref;

typedef struct lx lx;
struct lx {
    ff_ir_kind kind;
    int op;              /* ALU op / FF_IR_FN_* / ff_ir_red; LW_FN_ONE (internal) */
    int index;           /* REDUCE: local index id */
    ff_fx value;         /* CONST */
    int tensor;          /* ACCESS / MASK's M (via a) */
    int nidx, idx[FF_IR_MAX_ORDER]; /* ACCESS: local index ids per mode */
    lx *a, *b;
    int bcast_b;         /* BINARY: b is a broadcast value; support is a's */
    ff_srcpos pos;
    /* analysis */
    uint64_t free;       /* free indices (bitmask of local ids) */
    int chain;           /* REDUCE: level-trie node of its own index level;
                            ACCESS: level-trie node at the end of its chain */
    int prefix;          /* REDUCE: level-trie node its value lives at (-1 = root) */
    int acc;             /* ACCESS: access id */
    int placed_under;    /* the enclosing level it was placed under (-2: not yet) */
    int nuses;           /* parents in the expression DAG */
    int contract;        /* block mode: the blocked index this product's ALU
                            contracts (its only parent sums it), else -1 */
    /* lowering memo */
    int have_val;
    pref val;
    int val_level;       /* level-trie node the value lives at (-1 = root) */
};

/* Internal unary function: 1 wherever the operand is stored (layernorm's count). */
enum { LW_FN_ONE = FF_IR_FN__END };

/* One level of an iteration chain. */
typedef struct level {
    int index;           /* local index id */
    int parent;          /* level-trie node above (-1 = root) */
    lx *owner;           /* the reduction that iterates it; NULL on the top chain */
    pref crd;            /* the merged coordinate stream of this level */
    int have_crd;
    pref rep;            /* repeat signal generated from crd (made on demand) */
    int have_rep;
} level;

typedef struct access {
    lx *node;
    int tensor;
    int next;            /* next tensor level to iterate */
    pref ref;            /* reference stream at the current depth */
    int chain_end;       /* level-trie node its chain ends at */
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
    const char *tag;     /* the producer's tensor, for readable names */
} idxmap;

typedef struct lw {
    const ff_ir_program *p;
    const ff_ir_stmt *st;
    const unsigned char *fuse; /* per statement: streamed into this one */
    ff_graph *g;
    ff_err *err;
    jmp_buf fail;        /* user errors unwind here */
    /* indices */
    lw_index idx[LW_MAX_IDX];
    int nidx;
    int pos_of[LW_MAX_IDX]; /* position of each local index in the loop order */
    /* expression */
    lx *root;
    lx **nodes;          /* every lx allocated, for freeing */
    int nnodes, cap_nodes;
    /* levels and accesses */
    level levels[LW_MAX_LEVELS];
    int nlevels;
    access acc[LW_MAX_ACCESS];
    int nacc;
    int root_node;       /* graph node of the root */
    int name_seq;
    int top_chain;       /* last level of the top chain (-1 = scalar) */
    ff_format *fmt;      /* per program tensor: the format the graph reads it in
                            (a blocked format's unblocked equivalent) */
    int spacc;           /* the top reduction is accumulated (a reduction above an output) */
    /* Per graph node: the level-trie node its output streams live at (-1:
     * the root; LW_TAIL: the output tail -- drops, holds, accumulators,
     * writers), and whether it generates that level's coordinates (made
     * while the level was processed) rather than computing on them. --par
     * cuts the graph by these (parallelize). */
    int *node_lvl;
    unsigned char *node_gen;
    int node_cap;
    int ctx_lvl, ctx_gen; /* what gnode records, until a site says otherwise */
    /* Block mode (--block B, docs/language.md "Block sparsity"): the
     * blocked indices, and per graph node the blocked indices of the value
     * it outputs, in the order of its block's dims (bax_n of them). */
    int B;
    uint64_t blocked;
    unsigned char *bax_n;
    signed char (*bax)[2];
    int contract;         /* the index the next ALU contracts (-1: none) */
    unsigned char *bmodes; /* per program tensor: the modes read in blocks */
    /* parallelize's work in progress (freed with the lw on any error) */
    struct {
        ff_graph *g;
        int *id, *fork_of, *ser_of;
    } par;
} lw;

#define LW_TAIL (-3)

/* Sets param p (as another node holds it) on node `node` of dst (merge.c). */
int ff_graph_copy_param(ff_graph *dst, int node, const ff_param *p, ff_err *err);

/* Reports a user error at pos and unwinds to lw->fail. */
_Noreturn void lw_fail(lw *L, ff_srcpos pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
