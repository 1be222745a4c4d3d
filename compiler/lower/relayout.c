/*
 * relayout.c -- copies of stored tensors in the mode order a kernel needs.
 *
 * A kernel reads each tensor from memory in the tensor's level order. When
 * no loop order of a kernel root visits every tensor's levels in their
 * order (GraphSAGE's neighbour mean fused into the next layer reads X by
 * row for a node's own term and by column for the mean), this pass gives
 * the root a copy of the offending tensor in the mode order it needs (csr
 * -> csc, dense row-major -> dd:1,0: the level kinds kept, the modes
 * permuted), as if the model had declared `tensor X__t[N,F] : csc` and the
 * statement `X__t[j,f] = X[j,f]`, and rewrites the access to read it.
 *
 * Why here, in the lowering, and not a pass on the IR: whether a tensor
 * needs a copy depends on the fusion schedule (which statements stream
 * into which root) and on order legality, and legality is the lowering's
 * (order.c lowers every candidate); the IR knows neither. Why a pass over
 * the whole schedule and not inside one statement's lowering: a copy in
 * another mode order cannot be streamed into its reader -- its first entry
 * may be the source's last -- so it is a statement of its own, run as a
 * kernel of its own before the kernel that reads it, and the program and
 * the partition into kernels change together. One copy per (tensor, mode
 * order) serves every later access that needs that order.
 *
 * Needs: a checked program with reductions placed and its kernels
 * (ff_fuse_parse). Produces: a new program (copies appended to the
 * tensors, so every tensor id of the original keeps its meaning; copy
 * statements, marked copy_of, inserted before the kernel that first reads
 * them) and the kernels over it, each copy a kernel of one statement.
 * Invalidates: statement numbers (ff_ir_stmt_number gives the written
 * ones) and kernel roots (recomputed here).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ff_lower.h"
#include "lower_int.h"

/* A copy made so far: its layout and its tensor's name (ids move with
 * each new program, names do not). */
typedef struct copy {
    lw_layout lay;
    char name[FF_LOWER_NAME + 8];
} copy;

typedef struct copies {
    copy v[LW_MAX_MOVES];
    int n;
} copies;

/* Where node e is in p: statement and pre-order position among its
 * accesses (a clone of p has its node at the same place). */
static int access_ordinal(const ff_ir_expr *e, const ff_ir_expr *want, int *k)
{
    if (!e) return -1;
    if (e == want) return *k;
    if (e->kind == FF_IR_ACCESS) (*k)++;
    int r = access_ordinal(e->a, want, k);
    return r >= 0 ? r : access_ordinal(e->b, want, k);
}

static ff_ir_expr *nth_access(ff_ir_expr *e, int *k)
{
    if (!e) return NULL;
    if (e->kind == FF_IR_ACCESS && (*k)-- == 0) return e;
    ff_ir_expr *r = nth_access(e->a, k);
    return r ? r : nth_access(e->b, k);
}

/* The node of p at src's place in `from` (a program p was cloned from). */
static ff_ir_expr *same_node(const ff_ir_program *from, ff_ir_program *p, const ff_ir_expr *src)
{
    for (int s = 0; s < from->nstmts; s++) {
        int k = 0;
        int ord = access_ordinal(from->stmts[s].rhs, src, &k);
        if (ord >= 0) {
            k = ord;
            return nth_access(p->stmts[s].rhs, &k);
        }
    }
    return NULL;
}

/* A fresh tensor name for a copy of `base`: base__t, then base__t2, ... */
static void copy_name(const ff_ir_program *p, const char *base, char *out, size_t n)
{
    snprintf(out, n, "%s__t", base);
    for (int k = 2; ff_ir_find_tensor(p, out) >= 0; k++) snprintf(out, n, "%s__t%d", base, k);
}

/* cur with what moves need: each layout no copy has yet gets a copy tensor
 * and a copy statement inserted at `at` (added to *made), and each moved
 * access reads its layout's copy. Returns the new program (the caller's)
 * and, in *ninserted, the statements inserted. */
static ff_ir_program *with_copies(const ff_ir_program *cur, int at, const lw_move *mv, int nmv, copies *made,
                                  int *ninserted)
{
    ff_ir_program *np = ff_ir_clone(cur);
    ff_ir_expr *node[LW_MAX_MOVES];
    for (int i = 0; i < nmv; i++) node[i] = same_node(cur, np, mv[i].src); /* before statements move */
    *ninserted = 0;
    for (int i = 0; i < nmv; i++) {
        const lw_layout *lay = &mv[i].to;
        int c = -1;
        for (int k = 0; k < made->n; k++)
            if (!memcmp(&made->v[k].lay, lay, sizeof *lay)) c = k;
        if (c < 0 && made->n < LW_MAX_MOVES) {
            /* the tensor: the source's level kinds, modes permuted */
            const ff_ir_tensor *src = &np->tensors[lay->tensor];
            ff_ir_tensor t = *src;
            copy *cp = &made->v[made->n];
            cp->lay = *lay;
            copy_name(np, src->name, cp->name, sizeof cp->name);
            t.name = cp->name;
            t.role = FF_IR_INTERMEDIATE;
            t.declared = 1;
            t.pos = mv[i].src->pos;
            int tid = ff_ir_add_tensor(np, &t);
            ff_ir_set_mode_order(np, tid, lay->perm);
            /* the statement: copy[idx] = source[idx], with the access's own
             * indices -- the whole tensor: a mode the access reads through a
             * window is copied whole, with an index of the mode's size */
            ff_ir_expr rhs = *mv[i].src;
            rhs.tensor = lay->tensor;
            rhs.a = rhs.b = NULL;
            for (int m = 0; m < rhs.nidx; m++)
                if (rhs.off[m].on) {
                    rhs.idx[m] = ff_ir_add_index(np, np->indices[rhs.idx[m]].name, np->tensors[lay->tensor].dims[m]);
                    memset(&rhs.off[m], 0, sizeof rhs.off[m]);
                }
            ff_ir_stmt st = {
                .lhs = tid, .nlhs = rhs.nidx, .rhs = &rhs, .pos = mv[i].src->pos, .copy_of = lay->tensor + 1};
            memcpy(st.lhs_idx, rhs.idx, sizeof st.lhs_idx);
            ff_ir_insert_stmt(np, at + (*ninserted)++, &st);
            c = made->n++;
        }
        if (c >= 0 && node[i]) node[i]->tensor = ff_ir_find_tensor(np, made->v[c].name);
    }
    return np;
}

static void collect_reads(const ff_ir_expr *e, int tensor, const lw_layout *to, lw_move *mv, int *n)
{
    if (!e) return;
    if (e->kind == FF_IR_ACCESS && e->tensor == tensor && *n < LW_MAX_MOVES) {
        mv[*n].src = e;
        mv[(*n)++].to = *to;
    }
    collect_reads(e->a, tensor, to, mv, n);
    collect_reads(e->b, tensor, to, mv, n);
}

ff_ir_program *ff_relayout_copy(const ff_ir_program *p, int at, int stmt, int tensor, const int *perm)
{
    lw_layout to;
    memset(&to, 0, sizeof to);
    to.tensor = tensor;
    to.n = p->tensors[tensor].order;
    memcpy(to.perm, perm, (size_t)to.n * sizeof *perm);
    lw_move mv[LW_MAX_MOVES];
    int nmv = 0, nins;
    collect_reads(p->stmts[stmt].rhs, tensor, &to, mv, &nmv);
    if (!nmv) return NULL;
    copies made = {.n = 0};
    return with_copies(p, at, mv, nmv, &made, &nins);
}

/* What the relaxed search's candidates are lowered with. */
typedef struct trial {
    const ff_ir_program *cur;
    int at;   /* the kernel's first statement in cur */
    int root; /* the root being placed, in cur */
    const copies *made;
    const uint32_t *bound; /* ff_lower_opts.bound_sizes */
} trial;

static int trial_lower(void *ctx, const lw_move *mv, int nmv, char (*order)[FF_LOWER_NAME], int norder, ff_err *err)
{
    const trial *T = ctx;
    copies made = *T->made;
    int nins;
    ff_ir_program *np = with_copies(T->cur, T->at, mv, nmv, &made, &nins);
    unsigned char *fuse = ff_xcalloc((size_t)np->nstmts + 1, 1);
    for (int s = T->at + nins; s < T->root + nins; s++) fuse[s] = 1;
    ff_lower_opts o;
    memset(&o, 0, sizeof o);
    o.fuse = fuse;
    o.bound_sizes = T->bound;
    ff_graph *g = NULL;
    int rc = lw_lower_with(np, T->root + nins, &o, order, norder, &g, err);
    ff_graph_free(g);
    free(fuse);
    ff_ir_free(np);
    return rc;
}

int ff_relayout_kernels(const ff_ir_program *p, const ff_kernel *ks, int nk, const ff_lower_opts *opts,
                        ff_ir_program **out, ff_kernel *out_ks, int max, ff_err *err)
{
    const ff_ir_program *cur = p;
    ff_ir_program *owned = NULL;
    copies made = {.n = 0};
    /* kernels by statement range in cur: the copies first, as kernels of their own */
    int *first = ff_xcalloc((size_t)max + 1, sizeof *first), *last = ff_xcalloc((size_t)max + 1, sizeof *last);
    int n = 0, shift = 0, rc = 0;
    unsigned char *movable = NULL;
    for (int k = 0; k < nk && !rc; k++) {
        int f = ks[k].first + shift, l = ks[k].last + shift, before = f;
        for (int r = 0;; r++) {
            ff_kernel K;
            if ((rc = ff_kernel_make(cur, f, l, &K, err))) break;
            if (r >= K.nroots) break;
            ff_lower_opts o = opts ? *opts : (ff_lower_opts){0};
            o.fuse = NULL;
            o.norder = 0;
            ff_err strict = {0};
            if (!ff_kernel_root_order(cur, &K, r, NULL, &o, &strict)) continue;
            /* no legal order as the tensors are stored: may copies help?
             * Any tensor the kernel reads from memory may be copied, but
             * not a copy again (its source is) */
            free(movable);
            movable = ff_xcalloc((size_t)cur->ntensors + 1, 1);
            for (int t = 0; t < cur->ntensors; t++) movable[t] = 1;
            for (int s = 0; s < cur->nstmts; s++)
                if (s >= f || cur->stmts[s].copy_of) movable[cur->stmts[s].lhs] = 0;
            lw_layout have[LW_MAX_MOVES];
            for (int h = 0; h < made.n; h++) have[h] = made.v[h].lay;
            trial T = {.cur = cur, .at = f, .root = K.roots[r], .made = &made, .bound = opts ? opts->bound_sizes : NULL};
            lw_relax rx = {.movable = movable,
                           .have = have,
                           .nhave = made.n,
                           .copy_cost = 1L << 30,
                           .lower = trial_lower,
                           .ctx = &T};
            unsigned char *fuse = ff_xcalloc((size_t)cur->nstmts + 1, 1);
            ff_kernel_fuse_flags(cur, &K, K.roots[r], fuse);
            o.fuse = fuse;
            lw_move mv[LW_MAX_MOVES];
            int nmv = 0;
            ff_err relaxed = {0};
            int rrc = lw_relaxed_order(cur, K.roots[r], &o, &rx, &o, mv, &nmv, &relaxed);
            free(fuse);
            if (rrc || !nmv) {
                /* copies cannot help: the error as it was, one line */
                *err = strict;
                rc = strict.code ? strict.code : FF_EINVAL;
                break;
            }
            int nins;
            ff_ir_program *np = with_copies(cur, f, mv, nmv, &made, &nins);
            ff_ir_free(owned);
            cur = owned = np;
            f += nins;
            l += nins;
            shift += nins;
        }
        for (int c = before; c < f && !rc; c++) {
            if (n == max)
                rc = ff_err_set(err, FF_EINVAL, "relayout: more than %d kernels", max);
            else
                first[n] = last[n] = c, n++;
        }
        if (!rc && n == max) rc = ff_err_set(err, FF_EINVAL, "relayout: more than %d kernels", max);
        if (!rc) first[n] = f, last[n] = l, n++;
    }
    for (int k = 0; k < n && !rc; k++) rc = ff_kernel_make(cur, first[k], last[k], &out_ks[k], err);
    free(movable);
    free(first);
    free(last);
    if (rc) {
        ff_ir_free(owned);
        return rc;
    }
    *out = owned;
    return n;
}
