/*
 * graph_int.h -- what the files of the graph component share and callers do
 * not see: the hidden part of an ff_graph, the parsed defaults of the
 * primitive table, and the small parsers both prims.c and graph.c need.
 *
 * An ff_graph is always allocated by ff_graph_new as the first member of an
 * ff_graph_int, so a graph pointer converts to its container and back (C11
 * 6.7.2.1p15). The hidden part holds the port names of each edge: ports are
 * only resolved to indices by ff_graph_validate (families depend on params),
 * but an unvalidated graph must still save, print and re-validate.
 */
#ifndef FF_GRAPH_INT_H
#define FF_GRAPH_INT_H

#include "ff_graph.h"

/* Port names of one edge, as given to ff_graph_connect. */
typedef struct ff_edge_names {
    char *from; /* output port name on edges[i].from_node */
    char *to;   /* input port name on edges[i].to_node */
} ff_edge_names;

/* Names -> indices, open addressing with linear probing: slot[h] is an
 * index + 1, 0 when free; cap is 0 or a power of two at least twice the
 * entries. Nodes and tensors are never removed or renamed, so an entry
 * added by ff_graph_add_node/_tensor stays right. */
typedef struct ff_name_index {
    int *slot;
    size_t cap;
} ff_name_index;

typedef struct ff_graph_int {
    ff_graph g;          /* first: ff_graph * <-> ff_graph_int * */
    ff_edge_names *en;   /* parallel to g.edges; capacity g.cap_edges */
    ff_name_index nodes; /* g.nodes[i].name -> i (a loop over 100k names made loading quadratic) */
    ff_name_index tensors; /* g.tensors[i].name -> i */
} ff_graph_int;

#define FF_GI(gp) ((ff_graph_int *)(void *)(gp))
#define FF_GIC(gp) ((const ff_graph_int *)(const void *)(gp))

/* Index of `key` among info->params, or -1. */
int ff_prim_param_index(const ff_prim_info *info, const char *key);

/* The parsed default of param `pi` of `kind`, or NULL when the table gives
 * none (required, or an empty default). Lives for the whole process. */
const ff_param *ff_prim_default(ff_prim_kind kind, int pi);

/* The spec of param `key` on node `node` (by its kind), or an error naming
 * the node: bad node index, or "unknown param 'lvl' (params: ...)". */
int ff_node_param_spec(const ff_graph *g, int node, const char *key, const ff_param_spec **ps,
                       ff_err *err);

/* What a param of this spec accepts, for "takes X, got Y" messages. */
const char *ff_param_wants(const ff_param_spec *ps);

/* Name of a param type as the table spells it ("int", "enum" ...). */
const char *ff_param_type_name(ff_param_type t);


/* Is s a name the graph accepts for a node (letters, digits, '_', '-'; not
 * empty; no '.', which separates node and port in "node.port")? */
int ff_name_ok(const char *s);

/* The input (inputs != 0) or output ports of node n as validation resolves
 * them, families expanded with the node's `n`, computed without changing the
 * graph (so the DOT writer can draw unvalidated graphs). Fills *names (the
 * caller frees each and the array) and, if specs is non-NULL, *specs (the
 * table entry of each port; the caller frees the array). Returns the count. */
int ff_node_expand_ports(const ff_node *n, int inputs, char ***names,
                         const ff_port_spec ***specs);

/* Text of one fx value that loads back to exactly v: ff_fx_format's shortest
 * form when the JSON loader's conversion gives v back, else the exact
 * decimal expansion of v / 2^frac_bits. buf holds >= 48 bytes. */
void ff_fx_json_text(ff_fx v, int frac_bits, char *buf, size_t n);

/* The JSON loader's conversion of a number's text to fx: integer syntax goes
 * through ff_fx_from_int, anything else through strtod and ff_fx_from_double
 * (what jansson does with integers and reals). */
ff_fx ff_fx_from_json_text(const char *text, int frac_bits);

#endif
