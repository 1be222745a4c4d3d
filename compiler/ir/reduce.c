/*
 * reduce.c -- makes implicit reductions explicit (ff_ir_place_reductions).
 *
 * Needs: a checked program (ff_ir_parse or ff_ir_verify). Changes: the
 * right sides only -- new REDUCE nodes are inserted; tensors, sizes, indices
 * and every existing node are kept. Afterwards no statement has an index
 * that is free on the right and absent on the left.
 *
 * The rule (docs/language.md "Reductions"): an index k that is on the right
 * but not on the left is summed at the lowest common ancestor of its uses --
 * the smallest subexpression containing every access indexed by k and every
 * softmax/layernorm over k. Where several indices meet at the same node, the
 * one that appears first in the text is the outer sum. Since the lowest
 * common ancestor of the uses of an index in a mask's first argument may be
 * that access itself, which must stay an access, the sum then goes around
 * the mask.
 */
#include <stdlib.h>
#include <string.h>

#include "ir_int.h"

/* The uses of index k in e. */
static int uses(const ff_ir_expr *e, int k)
{
    if (!e) return 0;
    int n = 0;
    if (e->kind == FF_IR_ACCESS)
        for (int m = 0; m < e->nidx; m++) n += e->idx[m] == k;
    if ((e->kind == FF_IR_SOFTMAX || e->kind == FF_IR_LAYERNORM) && e->index == k) n++;
    return n + uses(e->a, k) + uses(e->b, k);
}

void ir_place_stmt(ir_arena *a, ff_ir_stmt *s, int nindices)
{
    int *set = ff_xmalloc(sizeof(int) * (size_t)(nindices + 1)), n = 0;
    ir_free_indices(s->rhs, set, &n);
    for (int i = 0; i < n; i++) {
        int k = set[i];
        if (ir_set_find(s->lhs_idx, s->nlhs, k) >= 0) continue;
        int total = uses(s->rhs, k);
        ff_ir_expr **slot = &s->rhs;
        for (;;) { /* descend while one child holds every use */
            ff_ir_expr *e = *slot;
            if (e->kind == FF_IR_MASK && uses(e->a, k) == total) break;
            if (e->a && uses(e->a, k) == total) slot = &e->a;
            else if (e->b && uses(e->b, k) == total) slot = &e->b;
            else break;
        }
        ff_ir_expr *r = ir_expr_new(a, FF_IR_REDUCE, (*slot)->pos);
        r->op = FF_IR_RED_SUM;
        r->index = k;
        r->a = *slot;
        *slot = r;
    }
    free(set);
}

int ff_ir_place_reductions(ff_ir_program *p, ff_err *err)
{
    (void)err; /* a checked program always has a placement */
    for (int s = 0; s < p->nstmts; s++) ir_place_stmt(p->arena, &p->stmts[s], p->nindices);
    return 0;
}

/* ---- indices summed over one factor alone (likely typos) ---- */

typedef struct lonely_walk {
    const ff_ir_program *p;
    int stmt;
    unsigned char *bound; /* per index: the left side has it, or an enclosing explicit reduction */
    int *set;             /* scratch for ff_ir_expr_indices, p->nindices long */
    int *uses;            /* per index: the factors of the product at hand that use it */
    ff_ir_lonely_fn fn;
    void *user;
    int count;
} lonely_walk;

static void lonely_factors(const ff_ir_expr *e, const ff_ir_expr **f, int *nf, int max)
{
    if (e->kind == FF_IR_BINARY && e->op == FF_ALU_MUL) {
        lonely_factors(e->a, f, nf, max);
        lonely_factors(e->b, f, nf, max);
    } else if (*nf < max) {
        f[(*nf)++] = e;
    }
}

static void lonely_expr(lonely_walk *w, const ff_ir_expr *e)
{
    if (!e) return;
    if (e->kind == FF_IR_BINARY && e->op == FF_ALU_MUL) {
        enum { MAXF = 64 };
        const ff_ir_expr *f[MAXF];
        int nf = 0, indexed = 0;
        lonely_factors(e, f, &nf, MAXF);
        for (int i = 0; i < nf; i++) indexed += ff_ir_expr_indices(f[i], w->set) > 0;
        if (indexed >= 2) {
            /* how many factors use each index, each factor's set taken once */
            memset(w->uses, 0, (size_t)w->p->nindices * sizeof *w->uses);
            for (int i = 0; i < nf; i++) {
                int n = ff_ir_expr_indices(f[i], w->set);
                for (int k = 0; k < n; k++) w->uses[w->set[k]]++;
            }
            for (int i = 0; i < nf; i++) {
                int n = ff_ir_expr_indices(f[i], w->set);
                for (int k = 0; k < n; k++) {
                    int v = w->set[k];
                    if (w->bound[v] || w->uses[v] != 1) continue;
                    w->count++;
                    w->fn(w->user, w->stmt, v, f[i]);
                }
            }
        }
        for (int i = 0; i < nf; i++) lonely_expr(w, f[i]);
        return;
    }
    if (e->kind == FF_IR_REDUCE) {
        /* an explicit sum over the index says it is meant */
        unsigned char was = w->bound[e->index];
        w->bound[e->index] = 1;
        lonely_expr(w, e->a);
        w->bound[e->index] = was;
        return;
    }
    if (e->kind == FF_IR_MASK) {
        lonely_expr(w, e->b); /* a is the mask's access */
        return;
    }
    lonely_expr(w, e->a);
    lonely_expr(w, e->b);
}

int ff_ir_lonely_indices(const ff_ir_program *p, ff_ir_lonely_fn fn, void *user)
{
    lonely_walk w = {.p = p, .fn = fn, .user = user};
    w.bound = calloc((size_t)p->nindices + 1, 1);
    w.set = calloc((size_t)p->nindices + 1, sizeof *w.set);
    w.uses = calloc((size_t)p->nindices + 1, sizeof *w.uses);
    for (int s = 0; s < p->nstmts; s++) {
        const ff_ir_stmt *st = &p->stmts[s];
        memset(w.bound, 0, (size_t)p->nindices + 1);
        for (int m = 0; m < st->nlhs; m++) w.bound[st->lhs_idx[m]] = 1;
        w.stmt = s;
        lonely_expr(&w, st->rhs);
    }
    free(w.bound);
    free(w.set);
    free(w.uses);
    return w.count;
}
