/*
 * excase.c -- an example model lowered on random inputs (excase.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "excase.h"
#include "ff_lower.h"

void excase_load(excase *x, const char *name, uint64_t seed, double density, uint32_t size)
{
    memset(x, 0, sizeof *x);
    char path[1024];
    snprintf(path, sizeof path, "%s/examples/%s.ff", FF_SOURCE_DIR, name);
    ff_err err = {0};
    if (ff_ir_parse(path, NULL, &x->p, &err) || ff_ir_place_reductions(x->p, &err)) fail_msg("%s", err.msg);
    x->data = calloc((size_t)x->p->ntensors + 1, sizeof *x->data);
    uint32_t *sizes = calloc((size_t)x->p->nsizes + 1, sizeof *sizes);
    for (int k = 0; k < x->p->nsizes; k++) sizes[k] = x->p->sizes[k].literal ? 0 : size;
    if (ff_ir_random_inputs(x->p, seed, density, sizes, x->data, &err)) fail_msg("%s: %s", name, err.msg);
    free(sizes);
    ff_lower_opts o;
    memset(&o, 0, sizeof o);
    if (ff_lower_default_order(x->p, 0, &o, &err) || ff_lower_stmt(x->p, 0, &o, &x->g, &err))
        fail_msg("%s: %s", name, err.msg);
    x->in = calloc((size_t)x->g->ntensors + 1, sizeof *x->in);
    for (int t = 0; t < x->g->ntensors; t++) {
        int k = x->g->tensors[t].is_output ? -1 : ff_ir_find_tensor(x->p, x->g->tensors[t].name);
        if (k >= 0) x->in[t] = x->data[k];
    }
}

void excase_free(excase *x)
{
    free(x->in);
    ff_graph_free(x->g);
    for (int t = 0; x->p && t < x->p->ntensors; t++) ff_tensor_free(x->data[t]);
    free(x->data);
    ff_ir_free(x->p);
    memset(x, 0, sizeof *x);
}
