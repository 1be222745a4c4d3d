/*
 * lower.c -- a statement of the tensor IR to a dataflow graph: the
 * pipeline. Every pass says in its file what it needs and produces.
 *
 *   lw_plan         plan.c   indices, inlined/expanded expression, level
 *                            trie, order legality (no graph)
 *   lw_emit         emit.c   the plan -> graph nodes
 *   ff_graph_validate        the serial graph (ports resolved)
 *   lw_parallelize  par.c    --par: the region under a loop, replicated
 *   ff_graph_validate        the graph returned
 * A user error anywhere unwinds through L->fail with err filled; a graph
 * that fails validation is the lowering's bug, reported as internal.
 */
#include <stdio.h>
#include <string.h>

#include "lower_int.h"

/* A graph the table rejects: a bug of the lowering, not the user's. */
static int internal_error(lw *L, ff_err *err)
{
    ff_err_wrap(err, "internal error lowering line %d: ", L->st->pos.line);
    ff_graph_free(L->g);
    lw_delete(L);
    return FF_EINVAL;
}

/* One lowering with the buffer sites in `off` recomputed; on a failure
 * *refused is the site to turn off before trying again (-1: none). */
static int lower_once(const ff_ir_program *p, int stmt, const ff_lower_opts *opts, uint64_t off,
                      char (*order)[FF_LOWER_NAME], int norder, ff_graph **out, int *refused, ff_err *err)
{
    lw *L = lw_new(p, stmt, opts, err);
    L->sites_off = off;
    *refused = -1;
    char gname[96];
    snprintf(gname, sizeof gname, "%s", p->tensors[L->st->lhs].name);
    L->g = ff_graph_new(gname);
    L->g->frac_bits = p->frac_bits;
    if (setjmp(L->fail)) {
        *refused = L->refused_site;
        /* --par needs every node of its region on the region's levels; a
         * buffer feeds several walks, so a region that cuts through its
         * readers is lowered again with the buffers off, one at a time */
        if (*refused < 0 && L->parallelizing && L->nbuffers)
            for (int site = 0; site < L->nsites && site < 64; site++)
                if (!((off >> site) & 1)) {
                    *refused = site;
                    break;
                }
        ff_graph_free(L->g);
        lw_delete(L);
        return err ? err->code : FF_EINVAL;
    }
    lw_plan(L, order, norder);
    lw_emit(L);
    if (opts && opts->par > 1) {
        int lvl = lw_top_level_named(L, opts->par_index);
        if (lvl < 0) {
            if (lw_find_index(L, opts->par_index) >= 0)
                lw_fail(L, L->st->pos, "--par %s: %s is not an output loop of %s here (a reduction or a walk); "
                        "parallelize a loop of the result", opts->par_index, opts->par_index, p->tensors[L->st->lhs].name);
        } else {
            /* A buffer whose capture runs above the parallel loop would feed
             * every lane from one walk: its site is recomputed instead (a
             * buffer inside the region is replicated with it). */
            for (int i = 0; i < L->nnodes; i++) {
                const lx *cap = L->nodes[i];
                if (cap->kind == FF_IR_REDUCE && cap->nreaders && !lw_is_ancestor(L, lvl, cap->prefix))
                    lw_refuse_replay_site(L, cap, "--par: the stream buffer would be filled above the parallel loop");
            }
            /* ports are resolved by validation; the serial graph must pass it anyway */
            if (ff_graph_validate(L->g, err)) return internal_error(L, err);
            L->parallelizing = 1;
            lw_parallelize(L, lvl, opts->par);
            L->parallelizing = 0;
        }
    }
    if (ff_graph_validate(L->g, err)) return internal_error(L, err);
    if (!(opts && opts->no_skip) && lw_link_skips(L->g, err)) return internal_error(L, err);
    lw_balance_fifos(L->g, opts);
    *out = L->g;
    lw_delete(L);
    return 0;
}

int lw_lower_with(const ff_ir_program *p, int stmt, const ff_lower_opts *opts, char (*order)[FF_LOWER_NAME],
                  int norder, ff_graph **out, ff_err *err)
{
    uint64_t off = 0;
    for (;;) {
        int refused;
        int rc = lower_once(p, stmt, opts, off, order, norder, out, &refused, err);
        if (rc && lw_retry_site(&off, refused, err)) continue;
        return rc;
    }
}

/* ORDER ff_reuse */
static const char *const reuse_names[] = {"auto", "buffer", "recompute", "hold"};
enum { NREUSE = sizeof reuse_names / sizeof reuse_names[0] };

int ff_reuse_parse(const char *text)
{
    for (int i = 0; i < NREUSE; i++)
        if (strcmp(text, reuse_names[i]) == 0) return i;
    return -1;
}

const char *ff_reuse_name(ff_reuse r) { return (unsigned)r < NREUSE ? reuse_names[r] : "?"; }

const char *ff_reuse_choices(void)
{
    static char text[64];
    if (!text[0]) {
        size_t len = 0;
        for (int i = 0; i < NREUSE; i++)
            len += (size_t)snprintf(text + len, sizeof text - len, "%s%s", i == 0 ? "" : i == NREUSE - 1 ? " or " : ", ",
                                    reuse_names[i]);
    }
    return text;
}

int ff_lower_stmt(const ff_ir_program *p, int stmt, const ff_lower_opts *opts, ff_graph **out, ff_err *err)
{
    ff_lower_opts o;
    int rc = lw_complete_opts(p, stmt, opts, &o, err);
    if (rc) return rc;
    return lw_lower_with(p, stmt, &o, o.order, o.norder, out, err);
}
