/*
 * program.c -- a program co-simulated kernel by kernel (ff_cosim_program.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ff_cosim_program.h"

static int find_tensor(const ff_ir_program *p, const char *name)
{
    for (int k = 0; k < p->ntensors; k++)
        if (!strcmp(p->tensors[k].name, name)) return k;
    return -1;
}

/* The error and, when one was searched for, the divergence report. */
static char *failure_text(const char *msg, const ff_cosim_result *res)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return ff_xstrdup(msg);
    fprintf(f, "%s\n", msg);
    if (res->div.channels) ff_cosim_print_divergence(&res->div, f);
    fclose(f);
    while (len && buf[len - 1] == '\n') buf[--len] = '\0';
    return buf;
}

/* Without an orders callback: each root in the default order (ff_lower_stmt
 * picks it), with opts->par. */
static void default_opts(const ff_kernel *k, const ff_cosim_program_opts *o, ff_lower_opts *out)
{
    for (int r = 0; r < k->nroots; r++) {
        memset(&out[r], 0, sizeof out[r]);
        out[r].block = o->block;
        if (o->par_index && o->par > 1) {
            snprintf(out[r].par_index, sizeof out[r].par_index, "%s", o->par_index);
            out[r].par = o->par;
        }
    }
}

/* Stores the C model's outputs of kernel graph g for later kernels (in the
 * program's formats) and holds them against the reference. */
static int keep_results(const ff_ir_program *p, const ff_graph *g, ff_tensor **data, ff_tensor *const *ref,
                        ff_cosim_result *res, ff_err *err)
{
    for (int t = 0; t < g->ntensors; t++) {
        if (!g->tensors[t].is_output || !res->c_out[t]) continue;
        int pt = find_tensor(p, g->tensors[t].name);
        if (pt < 0) continue;
        ff_tensor *conv = NULL;
        int rc = ff_tensor_convert(res->c_out[t], &p->tensors[pt].fmt, &conv, err);
        if (rc) return rc;
        snprintf(conv->name, sizeof conv->name, "%s", p->tensors[pt].name);
        ff_tensor_free(data[pt]);
        data[pt] = conv;
        if (ref && ref[pt] && (rc = ff_tensor_compare(conv, ref[pt], err))) {
            ff_err_wrap(err, "C model vs reference interpreter: ");
            return rc;
        }
    }
    return 0;
}

int ff_cosim_program(ff_cosim *c, const ff_ir_program *p, ff_tensor **data, ff_tensor *const *ref,
                     const ff_cosim_program_opts *opts, ff_cosim_kernel **kernels, int *nkernels, ff_err *err)
{
    ff_kernel ks[256];
    *kernels = NULL;
    *nkernels = 0;
    int nk = ff_fuse_parse(p, opts->fuse ? opts->fuse : "none", ks, 256, err);
    if (nk < 0) return err->code;
    ff_cosim_kernel *out = ff_xcalloc((size_t)nk + 1, sizeof *out);
    unsigned char *fuse_buf = ff_xcalloc((size_t)FF_LOWER_MAX_ROOTS * (size_t)p->nstmts + 1, 1);
    ff_lower_opts ropts[FF_LOWER_MAX_ROOTS];
    int traced = 0, stop = 0;
    for (int k = 0; k < nk; k++) {
        const ff_kernel *ker = &ks[k];
        ff_cosim_kernel *kc = &out[k];
        int n = snprintf(kc->name, sizeof kc->name, "%s:%d kernel %d ->", opts->model ? opts->model : "program",
                         p->stmts[ker->first].pos.line, k + 1);
        for (int q = 0; q < ker->nroots && n < (int)sizeof kc->name; q++)
            n += snprintf(kc->name + n, sizeof kc->name - (size_t)n, " %s",
                          p->tensors[p->stmts[ker->roots[q]].lhs].name);
        if (stop) {
            kc->failure = ff_xstrdup("not run: an earlier kernel produced no results");
            if (opts->done) opts->done(kc, opts->done_user);
            continue;
        }
        ff_graph *g = NULL;
        const ff_tensor **in = NULL;
        ff_cosim_result res = {0};
        ff_err kerr = {0};
        clock_t t0 = clock();
        int krc = 0;
        if (opts->orders) krc = opts->orders(p, ker, ropts, fuse_buf, opts->orders_user, &kerr);
        else default_opts(ker, opts, ropts);
        if (!krc) krc = ff_lower_kernel(p, ker, ropts, &g, &kerr);
        if (!krc) {
            in = ff_xcalloc((size_t)g->ntensors + 1, sizeof *in);
            for (int t = 0; t < g->ntensors && !krc; t++) {
                if (g->tensors[t].is_output) continue;
                int pt = find_tensor(p, g->tensors[t].name);
                if (pt < 0 || !(in[t] = data[pt]))
                    krc = ff_err_set(&kerr, FF_EINVAL, "kernel reads '%s', which has no data", g->tensors[t].name);
            }
        }
        if (!krc) {
            ff_cosim_opts co = opts->graph;
            if (traced) co.trace = NULL;
            krc = ff_cosim_graph(c, g, in, &co, &res, &kerr);
            kc->c_cycles = res.c_cycles;
            kc->rtl_cycles = res.rtl_cycles;
            kc->tiles = res.tiles;
            kc->traced = res.traced;
            kc->trace_from = res.trace_from;
            kc->trace_to = res.trace_to;
            traced |= res.traced;
            int ran = res.c_out && res.c_cycles;
            kc->compared = ran && res.rtl_cycles;
            if (ran) {
                ff_err e2 = {0};
                int crc = keep_results(p, g, data, ref, &res, &e2);
                if (crc && !krc) {
                    krc = crc;
                    kerr = e2;
                }
            } else {
                stop = 1;
            }
        } else {
            stop = 1;
        }
        kc->seconds = (double)(clock() - t0) / CLOCKS_PER_SEC;
        if (krc) kc->failure = failure_text(kerr.msg, &res);
        ff_cosim_result_free(&res);
        free(in);
        ff_graph_free(g);
        if (opts->done) opts->done(kc, opts->done_user);
    }
    free(fuse_buf);
    *kernels = out;
    *nkernels = nk;
    return 0;
}

void ff_cosim_kernels_free(ff_cosim_kernel *kernels, int n)
{
    for (int i = 0; kernels && i < n; i++) free(kernels[i].failure);
    free(kernels);
}
