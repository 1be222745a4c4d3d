/*
 * ff_graph.h -- the dataflow graph: primitives (nodes) with typed ports and
 * parameters, connected by typed streams (edges). The compiler builds it, the
 * simulators run it, the RTL back end places it. docs/graph-format.md is the
 * JSON contract.
 *
 * The primitive kinds, their ports and parameters come from one table,
 * ff_prims.def. A graph is built (by hand or by loading JSON), then
 * ff_graph_validate resolves every node's ports against that table; the
 * simulator and the emitters only accept validated graphs.
 *
 * Ownership: an ff_graph owns every string and array reachable from it;
 * ff_graph_free releases all of it. Indices (node, port, edge) stay valid
 * until the graph is freed; nothing is ever removed.
 */
#ifndef FF_GRAPH_H
#define FF_GRAPH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ff_base.h"
#include "ff_fixed.h"
#include "ff_token.h"

typedef enum ff_prim_kind {
#define FF_PRIM(e, name, hw, blk, ports, params, summary) FF_PRIM_##e,
#include "ff_prims.def"
#undef FF_PRIM
    FF_PRIM__COUNT
} ff_prim_kind;

typedef enum ff_param_type {
    FF_PT_INT,  /* int64 */
    FF_PT_STR,  /* string */
    FF_PT_FX,   /* fixed-point value (graph frac_bits) */
    FF_PT_INTS, /* list of int64 */
    FF_PT_FXS,  /* list of fixed-point values */
    FF_PT_DIM,  /* an int, or "T:m" naming mode m of tensor T */
    FF_PT_ENUM  /* one of a fixed set of words; stored as string + index */
} ff_param_type;

/* One parameter as the table declares it. */
typedef struct ff_param_spec {
    const char *key;
    ff_param_type type;
    const char *const *enum_words; /* FF_PT_ENUM: NULL-terminated words */
    int required;                  /* no default */
    const char *default_text;      /* text of the default, "" = absent */
    int has_range;                 /* FF_PT_INT written "int(lo..hi)" */
    int64_t lo, hi;                /* the allowed values, inclusive */
} ff_param_spec;

/* One port family as the table declares it ("crd#" is a family of n ports). */
typedef struct ff_port_spec {
    const char *name;     /* without '#' */
    int is_input;
    int is_family;        /* expands to name0..name{n-1} */
    int optional;         /* `?`: an input that may stay unconnected, or an
                             output only some graphs use */
    ff_stream_type type;  /* FF_ST_ANY: takes the node's common type */
    int per_lane;         /* written "lane": an `any` family whose member k
                             carries the type of the other family's member k
                             (a joiner's ref lanes: references, or the values
                             a stream buffer replays), not the node's common type */
} ff_port_spec;

/* Everything the table says about one kind. */
typedef struct ff_prim_info {
    ff_prim_kind kind;
    const char *name;
    int hardware;                 /* has an RTL tile */
    int block_port;               /* its tile has a block-mode datapath on the block store (ff_prims.def blk) */
    const char *summary;
    const ff_port_spec *ports;    /* inputs first, then outputs, in table order */
    int nports;
    const ff_param_spec *params;
    int nparams;
} ff_prim_info;

/* Table access; the info lives for the whole process. */
const ff_prim_info *ff_prim_get(ff_prim_kind kind);
/* Kind by name, or -1. */
int ff_prim_lookup(const char *name);

/* A parameter set on a node. */
typedef struct ff_param {
    char *key;
    ff_param_type type;
    int64_t i;       /* INT, DIM given as a number, ENUM index */
    ff_fx fx;        /* FX */
    char *s;         /* STR, ENUM word, DIM as "T:m" (NULL when a number) */
    int64_t *ints;   /* INTS; FXS stores ff_fx values widened to int64 */
    size_t nints;
} ff_param;

/* A resolved port of a node (after validation). */
typedef struct ff_port {
    char *name;          /* e.g. "crd1" */
    int is_input;
    int optional;
    ff_stream_type type; /* resolved: never FF_ST_ANY after validation unless unconnected */
    int per_lane;        /* its spec's per_lane; lane = its index in its family */
    int lane;
    int edge;            /* input: the one edge feeding it, or -1 */
    int *out_edges;      /* output: the edges it feeds (fan-out), owned */
    int nout_edges;
} ff_port;

typedef struct ff_node {
    char *name;          /* unique in the graph */
    ff_prim_kind kind;
    ff_param *params;    /* as given (defaults are applied by accessors) */
    int nparams;
    /* Filled by ff_graph_validate: */
    ff_port *in, *out;
    int nin, nout;
} ff_node;

typedef struct ff_edge {
    int from_node, from_port; /* output port index of from_node */
    int to_node, to_port;     /* input port index of to_node */
    int depth;                /* FIFO depth override; 0 = the architecture's */
    ff_stream_type type;      /* resolved by validation */
} ff_edge;

/* A tensor the graph reads or writes. */
typedef struct ff_gtensor {
    char *name;
    int is_output;
    int order;
    char *format;             /* ff_format text, e.g. "csr" */
    char *shape[6];           /* outputs: each mode's size as a dim ("A:0" or "16") */
} ff_gtensor;

typedef struct ff_graph {
    char *name;
    int frac_bits;            /* fixed-point format of every value in the graph */
    char *reference;          /* optional index expression (ff_einsum_ref) */
    ff_node *nodes; int nnodes, cap_nodes;
    ff_edge *edges; int nedges, cap_edges;
    ff_gtensor *tensors; int ntensors, cap_tensors;
    int validated;
} ff_graph;

/* Building. Names are copied. Functions returning an index return it (>= 0)
 * or a negative FF_E* code with err filled (e.g. a duplicate node name). */
ff_graph *ff_graph_new(const char *name);
void ff_graph_free(ff_graph *g);
int ff_graph_add_node(ff_graph *g, const char *name, ff_prim_kind kind, ff_err *err);
int ff_graph_find_node(const ff_graph *g, const char *name);
int ff_graph_add_tensor(ff_graph *g, const char *name, int is_output, int order,
                        const char *format, const char *const *shape, ff_err *err);
int ff_graph_find_tensor(const ff_graph *g, const char *name);

/* A dim param's text: a decimal integer ("16"; negative only where a dim
 * may be, a window's offset -- "-16"), "T:m" (tensor T, mode
 * m) or "T:m/B" (the number of B-blocks along it, B 1..64: ceil(size / B)).
 * Returns 1 for a number (*num set), 2 for "T:m" (*tlen = length of T, *mode
 * = m, *block = B or 0), 0 when malformed. Any output may be NULL. The one
 * reading of the form: the graph checks, the C model and the RTL loader
 * resolve with it. */
int ff_dim_parse(const char *s, int64_t *num, size_t *tlen, int *mode, int *block);

/* Parameters: set by key (replacing an earlier value). The key and the
 * value's type are checked against the table at once. */
int ff_node_set_int(ff_graph *g, int node, const char *key, int64_t v, ff_err *err);
int ff_node_set_str(ff_graph *g, int node, const char *key, const char *v, ff_err *err);
int ff_node_set_fx(ff_graph *g, int node, const char *key, ff_fx v, ff_err *err);
int ff_node_set_ints(ff_graph *g, int node, const char *key, const int64_t *v,
                     size_t n, ff_err *err);

/* Connects output port `from_port` of node `from` to input `to_port` of node
 * `to`, by port name ("crd1"). Port names are checked when the graph is
 * validated (ports of families depend on params), so this only records. */
int ff_graph_connect(ff_graph *g, int from, const char *from_port, int to,
                     const char *to_port, int depth, ff_err *err);

/* Resolves ports, checks everything, and resolves stream types. Errors name
 * the node (and port): unknown kind or param, bad param value or type,
 * missing required param, unknown port, an input fed twice, a required input
 * left unconnected, an output with no consumer, a type mismatch (crd into a
 * val port ...), a reference to an undeclared tensor, n out of range (2..4).
 * Idempotent. */
int ff_graph_validate(ff_graph *g, ff_err *err);

/* Parameter accessors for validated graphs (defaults applied). ff_node_int
 * gives an INT, an ENUM's index (its position in the table's word list), a
 * DIM given as a number (-1 when it is "T:m": read that with ff_node_str),
 * or an FX's raw fixed-point word. */
const ff_param *ff_node_param(const ff_node *n, const char *key); /* NULL if unset and no default */
int64_t ff_node_int(const ff_node *n, const char *key);
const char *ff_node_str(const ff_node *n, const char *key);  /* STR/ENUM word/DIM text; "" if absent */
int ff_node_has(const ff_node *n, const char *key);           /* set explicitly or non-empty default */

/* Port index by name on a validated node; -1 if none. */
int ff_node_in_port(const ff_node *n, const char *name);
int ff_node_out_port(const ff_node *n, const char *name);

/* Coordinate skipping's one structural rule, for the lowering that makes
 * skip links and the validation that checks them: the scanner whose crd
 * and ref outputs feed side `side` of intersect node j straight (crd into
 * crd<side>, ref into ref<side>), or -1; *alone (may be NULL) says nothing
 * else reads those two outputs. Needs resolved ports. */
int ff_graph_side_scanner(const ff_graph *g, int j, int side, int *alone);

/* JSON (docs/graph-format.md). Load validates; errors name the file and the
 * node/edge ("spmv.json: node 'A_j': unknown param 'lvl'"). Save writes via a
 * temporary file and rename. */
int ff_graph_load_json(const char *path, ff_graph **out, ff_err *err);
int ff_graph_load_json_string(const char *text, const char *origin, ff_graph **out,
                              ff_err *err);
int ff_graph_save_json(const ff_graph *g, const char *path, ff_err *err);
/* The JSON text (caller frees). */
char *ff_graph_to_json_string(const ff_graph *g);

/* Graphviz DOT: one record node per primitive with its ports, edges labelled
 * with their stream type, colours by stream type. */
int ff_graph_write_dot(const ff_graph *g, FILE *f, ff_err *err);

#endif
