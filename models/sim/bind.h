/*
 * bind.h -- input binding (bind.c): what a primitive's setup reads from the
 * data a simulation was given. Needs the graph and the tensors bound with
 * ff_sim_bind; produces the bound tensor of a node's param `tensor`, sizes
 * from `dim` params, the level arrays scanners read and the buffer a writer
 * fills. Calls nothing in the engine or the primitives.
 */
#ifndef FF_SIM_BIND_H
#define FF_SIM_BIND_H

#include "sim_int.h"

/* The bound input tensor `name`, for node n's messages; NULL with err set
 * when the graph has no such input or it is not bound. Borrowed from the
 * simulation. */
const ff_tensor *sim_input(struct ff_sim *s, const node *n, const char *name, ff_err *err);

/* Resolves node n's param `key` -- a number, or "T:m" / "T:m/B" (mode m of
 * bound input T, in blocks of B) -- into *out. 0, or FF_EINVAL with err
 * naming the node and the key. */
int sim_resolve_dim(struct ff_sim *s, const node *n, const char *key, uint32_t *out, ff_err *err);

/* The same for dimension text against input tensors by graph tensor index
 * (inputs[t] NULL when t is an output or unbound): shared with output
 * assembly, which resolves an output's shape with no simulation at hand. */
int sim_dim_text(const ff_graph *g, const ff_tensor *const *inputs, const char *text, uint32_t *out, ff_err *err);

/* The level arrays a scanner or locate reads: from the bound tensor named by
 * params tensor/level, or inline from params seg/crd/dim. */
typedef struct level_view {
    int compressed;
    uint32_t dim;
    const uint32_t *seg, *crd;
    size_t nseg, ncrd;
    uint32_t *inl_seg, *inl_crd; /* owned copies of inline arrays */
    /* The window the node reads (params off, len; docs/tokens.md "scan"):
     * the coordinates c of each fiber with 0 <= c - off < len, at c - off
     * (off < 0: a shift). len = 0: none (off is then 0). */
    int64_t off;
    uint32_t len;
} level_view;

/* Fills *lv for node n (a scan or locate). On error *lv may hold inline
 * copies already: sim_level_view_free frees them either way. */
int sim_level_view(struct ff_sim *s, const node *n, level_view *lv, ff_err *err);
void sim_level_view_free(level_view *lv);

/* The buffer writers of output tensor `tensor` fill (owned by the
 * simulation); NULL when the graph has no tensor of that name. */
outbuf *sim_outbuf(struct ff_sim *s, const char *tensor);

#endif
