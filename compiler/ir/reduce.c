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
