/*
 * kernel.c -- fusion schedules: which statements form a kernel, which of
 * their results leave it, and one graph per kernel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ff_lower.h"
#include "lower_int.h"

/* Whether statement s's result must leave kernel [first, last]. */
static int leaves(const ff_ir_program *p, int s, int last)
{
    int t = p->stmts[s].lhs;
    if (p->tensors[t].role == FF_IR_OUTPUT) return 1;
    for (int u = last + 1; u < p->nstmts; u++)
        if (ff_ir_stmt_reads(p, u, t)) return 1;
    return 0;
}

static int set_roots(const ff_ir_program *p, ff_kernel *k, ff_err *err)
{
    k->nroots = 0;
    for (int s = k->first; s <= k->last; s++)
        if (leaves(p, s, k->last)) {
            if (k->nroots == FF_LOWER_MAX_ROOTS)
                return ff_err_set(err, FF_EINVAL, "kernel %d-%d has more than %d results", k->first + 1, k->last + 1,
                                  FF_LOWER_MAX_ROOTS);
            k->roots[k->nroots++] = s;
        }
    return 0;
}

int ff_kernel_make(const ff_ir_program *p, int first, int last, ff_kernel *out, ff_err *err)
{
    memset(out, 0, sizeof *out);
    out->first = first;
    out->last = last;
    return set_roots(p, out, err);
}

int ff_fuse_parse(const ff_ir_program *p, const char *spec, ff_kernel *kernels, int max, ff_err *err)
{
    int n = 0;
    if (!strcmp(spec, "none") || !strcmp(spec, "all")) {
        int all = !strcmp(spec, "all");
        for (int s = 0; s < p->nstmts; s++) {
            if (all && s > 0) break;
            if (n == max) return ff_err_set(err, FF_EINVAL, "--fuse %s: more than %d kernels", spec, max);
            kernels[n].first = s;
            kernels[n].last = all ? p->nstmts - 1 : s;
            n++;
        }
    } else {
        int next = 1;
        const char *c = spec;
        while (*c) {
            char *end;
            long a = strtol(c, &end, 10), b = a;
            if (end == c) return ff_err_set(err, FF_EINVAL, "--fuse '%s': expected all, none, or ranges like 1-3,4,5-8", spec);
            c = end;
            if (*c == '-') {
                b = strtol(c + 1, &end, 10);
                if (end == c + 1) return ff_err_set(err, FF_EINVAL, "--fuse '%s': a range needs an end", spec);
                c = end;
            }
            if (a != next || b < a || b > p->nstmts)
                return ff_err_set(err, FF_EINVAL,
                                  "--fuse '%s': the kernels must cover statements 1..%d once, in order; expected %d%s here",
                                  spec, p->nstmts, next, next <= p->nstmts ? "" : " (none left)");
            if (n == max) return ff_err_set(err, FF_EINVAL, "--fuse %s: more than %d kernels", spec, max);
            kernels[n].first = (int)a - 1;
            kernels[n].last = (int)b - 1;
            n++;
            next = (int)b + 1;
            if (*c == ',') c++;
            else if (*c) return ff_err_set(err, FF_EINVAL, "--fuse '%s': unexpected '%c'", spec, *c);
        }
        if (next != p->nstmts + 1)
            return ff_err_set(err, FF_EINVAL, "--fuse '%s': statements %d..%d are in no kernel", spec, next, p->nstmts);
    }
    for (int k = 0; k < n; k++) {
        int rc = set_roots(p, &kernels[k], err);
        if (rc) return rc;
    }
    return n;
}

void ff_kernel_fuse_flags(const ff_ir_program *p, const ff_kernel *k, int root, unsigned char *fuse)
{
    memset(fuse, 0, (size_t)p->nstmts);
    for (int s = k->first; s < root; s++) fuse[s] = 1;
}

/* o with the fuse flags of root r of kernel k in a new buffer (the caller
 * frees it and clears o->fuse). */
static unsigned char *root_fuse(const ff_ir_program *p, const ff_kernel *k, int r, ff_lower_opts *o)
{
    unsigned char *fuse = calloc((size_t)p->nstmts + 1, 1);
    ff_kernel_fuse_flags(p, k, k->roots[r], fuse);
    o->fuse = fuse;
    return fuse;
}

int ff_kernel_root_order(const ff_ir_program *p, const ff_kernel *k, int r, const char *text, ff_lower_opts *o,
                         ff_err *err)
{
    unsigned char *fuse = root_fuse(p, k, r, o);
    int rc = text ? ff_lower_parse_order(p, k->roots[r], text, o, err) : ff_lower_default_order(p, k->roots[r], o, err);
    o->fuse = NULL;
    free(fuse);
    return rc;
}

int ff_kernel_root_indices(const ff_ir_program *p, const ff_kernel *k, int r, char names[][FF_LOWER_NAME],
                           ff_err *err)
{
    ff_lower_opts o;
    memset(&o, 0, sizeof o);
    unsigned char *fuse = root_fuse(p, k, r, &o);
    int n = ff_lower_indices(p, k->roots[r], &o, names, err);
    free(fuse);
    return n;
}

int ff_kernel_root_legal_orders(const ff_ir_program *p, const ff_kernel *k, int r, ff_lower_opts *o,
                                char (*orders)[FF_LOWER_MAX_INDICES][FF_LOWER_NAME], int max, int limit,
                                int *norder, int *truncated, ff_err *err)
{
    unsigned char *fuse = root_fuse(p, k, r, o);
    int n = ff_lower_legal_orders(p, k->roots[r], o, orders, max, limit, norder, truncated, err);
    o->fuse = NULL;
    free(fuse);
    return n;
}

int ff_kernel_root_buffer_sites(const ff_ir_program *p, const ff_kernel *k, int r, const ff_lower_opts *o, ff_err *err)
{
    ff_lower_opts q = *o;
    unsigned char *fuse = root_fuse(p, k, r, &q);
    int n = lw_buffer_sites(p, k->roots[r], &q, err);
    free(fuse);
    return n;
}

int ff_kernel_root_held(const ff_ir_program *p, const ff_kernel *k, int r, const ff_lower_opts *o,
                        unsigned char *held, ff_err *err)
{
    ff_lower_opts q = *o;
    unsigned char *fuse = root_fuse(p, k, r, &q);
    int n = lw_held_stmts(p, k->roots[r], &q, held, err);
    free(fuse);
    return n;
}

int ff_lower_kernel(const ff_ir_program *p, const ff_kernel *k, const ff_lower_opts *orders, ff_graph **out,
                    ff_err *err)
{
    unsigned char *fuse = calloc((size_t)p->nstmts + 1, 1);
    char name[32];
    snprintf(name, sizeof name, "k%d", k->first + 1);
    ff_graph *g = NULL;
    int rc = 0;
    for (int r = 0; r < k->nroots && !rc; r++) {
        ff_lower_opts o;
        memset(&o, 0, sizeof o);
        if (orders) o = orders[r];
        ff_kernel_fuse_flags(p, k, k->roots[r], fuse);
        o.fuse = fuse;
        ff_graph *part = NULL;
        rc = ff_lower_stmt(p, k->roots[r], &o, &part, err);
        if (rc) break;
        if (k->nroots == 1) {
            g = part;
            break;
        }
        if (!g) {
            g = ff_graph_new(name);
            g->frac_bits = p->frac_bits;
        }
        char prefix[80];
        snprintf(prefix, sizeof prefix, "%s-", p->tensors[p->stmts[k->roots[r]].lhs].name);
        rc = ff_graph_merge_into(g, part, prefix, err);
        ff_graph_free(part);
    }
    free(fuse);
    if (!rc && k->nroots > 1) rc = ff_graph_validate(g, err);
    if (rc) {
        ff_graph_free(g);
        return rc;
    }
    *out = g;
    return 0;
}
