#include "testrun.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ff_sim.h"

/* Runs every statement of p in order (functional or cycle model), storing
 * each result in its declared format, and compares all results with the
 * reference interpreter. */
int run_program_fused(ff_ir_program *p, ff_tensor **data, const char *order, const char *fuse, int functional,
                      const char *what, uint64_t *cycles)
{
    return run_program_par(p, data, order, fuse, NULL, 0, functional, what, cycles);
}

int run_program_par(ff_ir_program *p, ff_tensor **data, const char *order, const char *fuse, const char *par_index,
                    int lanes, int functional, const char *what, uint64_t *cycles)
{
    return run_program_sched(p, data, order, fuse, par_index, lanes, 0, functional, what, cycles);
}

int run_program_sched(ff_ir_program *p, ff_tensor **data, const char *order, const char *fuse, const char *par_index,
                      int lanes, int block, int functional, const char *what, uint64_t *cycles)
{
    ff_err err = {0};
    int bad = 0;
    *cycles = 0;
    ff_kernel ks[64];
    int nk = ff_fuse_parse(p, fuse, ks, 64, &err);
    if (nk < 0) goto fail;
    for (int kk = 0; kk < nk && !bad; kk++) {
        const ff_kernel *ker = &ks[kk];
        ff_lower_opts o[FF_LOWER_MAX_ROOTS];
        unsigned char fuse_flags[FF_LOWER_MAX_ROOTS][64];
        memset(o, 0, sizeof o);
        for (int r = 0; r < ker->nroots; r++) {
            ff_kernel_fuse_flags(p, ker, ker->roots[r], fuse_flags[r]);
            o[r].fuse = fuse_flags[r];
            o[r].block = block;
            if (order && ff_lower_parse_order(p, ker->roots[r], order, &o[r], &err)) goto fail;
            if (par_index) {
                snprintf(o[r].par_index, sizeof o[r].par_index, "%s", par_index);
                o[r].par = lanes;
            }
        }
        ff_graph *g = NULL;
        if (ff_lower_kernel(p, ker, o, &g, &err)) goto fail;
        ff_sim_opts so;
        ff_sim_opts_default(&so);
        so.functional = functional;
        so.max_cycles = 500000000; /* the fully fused GPT block takes 77 million */
        ff_sim *sim = NULL;
        int rc = ff_sim_new(g, &so, &sim, &err);
        for (int t = 0; !rc && t < g->ntensors; t++) {
            if (g->tensors[t].is_output) continue;
            for (int k = 0; k < p->ntensors; k++)
                if (!strcmp(p->tensors[k].name, g->tensors[t].name)) rc = ff_sim_bind(sim, p->tensors[k].name, data[k], &err);
        }
        if (!rc) rc = ff_sim_run(sim, &err);
        if (!rc) *cycles += ff_sim_cycles(sim);
        for (int r = 0; !rc && r < ker->nroots; r++) {
            ff_tensor *out = NULL, *conv = NULL;
            int t = p->stmts[ker->roots[r]].lhs;
            const ff_ir_tensor *lhs = &p->tensors[t];
            rc = ff_sim_take_output(sim, lhs->name, &out, &err);
            if (!rc) rc = ff_tensor_convert(out, &lhs->fmt, &conv, &err);
            if (!rc) {
                ff_tensor_free(data[t]);
                data[t] = conv;
            }
            ff_tensor_free(out);
        }
        ff_sim_free(sim);
        ff_graph_free(g);
        if (rc) goto fail;
    }
    ff_tensor **ref = calloc((size_t)p->ntensors, sizeof *ref);
    const ff_tensor **in = calloc((size_t)p->ntensors, sizeof *in);
    /* results a fused kernel never wrote are compared only where they exist */
    for (int t = 0; t < p->ntensors; t++)
        if (p->tensors[t].role == FF_IR_INPUT) in[t] = data[t];
    if (ff_ir_interpret(p, in, ref, &err)) {
        free(ref);
        free(in);
        goto fail;
    }
    for (int t = 0; t < p->ntensors; t++) {
        if (p->tensors[t].role != FF_IR_INPUT && data[t] && !bad && ff_tensor_compare(data[t], ref[t], &err)) bad = 1;
        ff_tensor_free(ref[t]);
    }
    free(ref);
    free(in);
    if (bad) goto fail;
    return 0;
fail:
    printf("FAIL %s (%s, fuse %s): %s\n", what, functional ? "functional" : "cycle", fuse, err.msg);
    return 1;
}

