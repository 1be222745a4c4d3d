/*
 * merge.c -- one graph from several: a fused kernel with more than one
 * result that leaves it is one configuration of the array, its parts
 * running side by side.
 */
#include <stdio.h>
#include <string.h>

#include "lower_int.h"

int ff_graph_copy_param(ff_graph *dst, int node, const ff_param *p, ff_err *err)
{
    switch (p->type) {
    case FF_PT_INT: return ff_node_set_int(dst, node, p->key, p->i, err);
    case FF_PT_FX: return ff_node_set_fx(dst, node, p->key, p->fx, err);
    case FF_PT_INTS:
    case FF_PT_FXS: return ff_node_set_ints(dst, node, p->key, p->ints, p->nints, err);
    case FF_PT_DIM: return p->s ? ff_node_set_str(dst, node, p->key, p->s, err) : ff_node_set_int(dst, node, p->key, p->i, err);
    case FF_PT_STR:
    case FF_PT_ENUM: return ff_node_set_str(dst, node, p->key, p->s ? p->s : "", err);
    }
    return ff_err_set(err, FF_EINVAL, "param '%s' of an unknown type", p->key);
}

int ff_graph_merge_into(ff_graph *dst, const ff_graph *src, const char *prefix, ff_err *err)
{
    if (!src->validated) return ff_err_set(err, FF_EINVAL, "graph '%s' must be validated before it is merged", src->name);
    for (int t = 0; t < src->ntensors; t++) {
        const ff_gtensor *st = &src->tensors[t];
        int d = ff_graph_find_tensor(dst, st->name);
        if (d >= 0) {
            const ff_gtensor *dt = &dst->tensors[d];
            if (dt->is_output || st->is_output)
                return ff_err_set(err, FF_EINVAL, "tensor '%s' is written by one part of the kernel and %s by another",
                                  st->name, dt->is_output && st->is_output ? "written" : "read");
            if (strcmp(dt->format, st->format) != 0)
                return ff_err_set(err, FF_EINVAL, "tensor '%s' is read as %s and as %s", st->name, dt->format, st->format);
            continue;
        }
        int rc = ff_graph_add_tensor(dst, st->name, st->is_output, st->order, st->format,
                                     st->is_output ? (const char *const *)st->shape : NULL, err);
        if (rc < 0) return rc;
    }
    int base = dst->nnodes;
    for (int i = 0; i < src->nnodes; i++) {
        const ff_node *n = &src->nodes[i];
        char name[256];
        snprintf(name, sizeof name, "%s%s", prefix, n->name);
        int id = ff_graph_add_node(dst, name, n->kind, err);
        if (id < 0) return id;
        for (int k = 0; k < n->nparams; k++) {
            int rc = ff_graph_copy_param(dst, id, &n->params[k], err);
            if (rc < 0) return rc;
        }
    }
    for (int e = 0; e < src->nedges; e++) {
        const ff_edge *ed = &src->edges[e];
        int rc = ff_graph_connect(dst, base + ed->from_node, src->nodes[ed->from_node].out[ed->from_port].name,
                                  base + ed->to_node, src->nodes[ed->to_node].in[ed->to_port].name, ed->depth, err);
        if (rc < 0) return rc;
    }
    return 0;
}
