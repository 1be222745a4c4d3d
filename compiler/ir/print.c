/*
 * print.c -- a program as model-language text (the -d dumps): declarations
 * of every tensor first (intermediates with the format chosen for them),
 * then the statements. Named scalars were inlined by the parser, so
 * constants print as literals in the shortest decimal that reads back to the
 * same fixed-point word. ff_ir_parse(ff_ir_print(p)) is ff_ir_equal to p.
 *
 * Parentheses: a child is parenthesised when its operator binds less tightly
 * than its parent's (for the right operand of + - * /, also when equally
 * tightly), so the text parses back to the same tree, not just to the same
 * value. A minus applied to a constant prints as -(c), since -c would read
 * back as the single constant -c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir_int.h"

typedef FF_VEC(char) sbuf;

static void put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    FF_VEC_RESERVE(*b, b->len + (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Binding strength: 1 + -, 2 * /, 3 unary minus, 4 everything else. */
static int prec(const ff_ir_expr *e)
{
    if (e->kind == FF_IR_BINARY) {
        if (e->op == FF_ALU_ADD || e->op == FF_ALU_SUB) return 1;
        if (e->op == FF_ALU_MUL || e->op == FF_ALU_DIV) return 2;
    }
    if (e->kind == FF_IR_UNARY && e->op == FF_ALU_NEG) return 3;
    return 4;
}

static void expr(sbuf *b, const ff_ir_program *p, const ff_ir_expr *e, int ctx);

/* Whether index k indexes some mode of e read whole (not through a window). */
static int plain_use(const ff_ir_expr *e, int k)
{
    if (!e) return 0;
    if (e->kind == FF_IR_ACCESS)
        for (int m = 0; m < e->nidx; m++)
            if (e->idx[m] == k && !e->off[m].on) return 1;
    return plain_use(e->a, k) || plain_use(e->b, k);
}

static void access(sbuf *b, const ff_ir_program *p, const ff_ir_expr *e)
{
    put(b, "%s", p->tensors[e->tensor].name);
    if (e->nidx == 0) return;
    put(b, "[");
    for (int m = 0; m < e->nidx; m++) {
        const ff_ir_off *o = &e->off[m];
        put(b, "%s", m ? ", " : "");
        /* "2*D + 8 + d", "d - 16", "0 + d": the offset, then the index */
        if (o->on && o->size >= 0) {
            if (o->coef < 0) put(b, "-");
            if (o->coef != 1 && o->coef != -1) put(b, "%lld*", (long long)(o->coef < 0 ? -o->coef : o->coef));
            put(b, "%s + ", p->sizes[o->size].name);
        }
        if (o->on && (o->lit > 0 || (o->lit == 0 && o->size < 0))) put(b, "%lld + ", (long long)o->lit);
        put(b, "%s", p->indices[e->idx[m]].name);
        if (o->on && o->lit < 0) put(b, " - %lld", (long long)-o->lit);
    }
    put(b, "]");
}

static void expr(sbuf *b, const ff_ir_program *p, const ff_ir_expr *e, int ctx)
{
    int my = prec(e);
    int paren = my < ctx;
    if (paren) put(b, "(");
    switch (e->kind) {
    case FF_IR_ACCESS: access(b, p, e); break;
    case FF_IR_CONST: {
        char num[48];
        ff_fx_format(e->value, p->frac_bits, num, sizeof num);
        put(b, "%s", num);
        break;
    }
    case FF_IR_BINARY:
        if (my < 4) {
            static const char sym[] = {[FF_ALU_ADD] = '+', [FF_ALU_SUB] = '-',
                                       [FF_ALU_MUL] = '*', [FF_ALU_DIV] = '/'};
            expr(b, p, e->a, my);
            put(b, " %c ", sym[e->op]);
            expr(b, p, e->b, my + 1);
            break;
        }
        /* max(a, b) and min(a, b) print as calls */
        /* fall through */
    case FF_IR_UNARY:
    case FF_IR_MASK:
        if (e->kind == FF_IR_UNARY && e->op == FF_ALU_NEG) {
            put(b, "-");
            expr(b, p, e->a, e->a->kind == FF_IR_CONST ? 5 : 3);
            break;
        }
        put(b, "%s(", ir_func_of(e->kind, e->op)->name);
        expr(b, p, e->a, 0);
        if (e->b) {
            put(b, ", ");
            expr(b, p, e->b, 0);
        }
        put(b, ")");
        break;
    case FF_IR_REDUCE:
    case FF_IR_SOFTMAX:
    case FF_IR_LAYERNORM:
        put(b, "%s[%s", ir_func_of(e->kind, e->op)->name, p->indices[e->index].name);
        /* an index only windows use states its range (docs/language.md
         * "Offsets") */
        if (!plain_use(e->a, e->index)) put(b, " < %s", p->sizes[p->indices[e->index].size].name);
        put(b, "](");
        expr(b, p, e->a, 0);
        put(b, ")");
        break;
    }
    if (paren) put(b, ")");
}

char *ff_ir_print_string(const ff_ir_program *p)
{
    sbuf b = {0};
    put(&b, "%s", ""); /* an empty program is "" */
    for (int t = 0; t < p->ntensors; t++) {
        const ff_ir_tensor *x = &p->tensors[t];
        char fmt[128];
        ff_format_str(&x->fmt, fmt, sizeof fmt);
        put(&b, "tensor %s", x->name);
        if (x->order > 0) {
            put(&b, "[");
            for (int m = 0; m < x->order; m++)
                put(&b, "%s%s", m ? ", " : "", p->sizes[x->dims[m]].name);
            put(&b, "]");
        }
        put(&b, " : %s\n", fmt);
    }
    if (p->ntensors && p->nstmts) put(&b, "\n");
    for (int s = 0; s < p->nstmts; s++) {
        const ff_ir_stmt *st = &p->stmts[s];
        put(&b, "%s", p->tensors[st->lhs].name);
        if (st->nlhs > 0) {
            put(&b, "[");
            for (int m = 0; m < st->nlhs; m++)
                put(&b, "%s%s", m ? ", " : "", p->indices[st->lhs_idx[m]].name);
            put(&b, "]");
        }
        put(&b, " = ");
        expr(&b, p, st->rhs, 0);
        put(&b, "\n");
    }
    return b.data;
}

void ff_ir_print(const ff_ir_program *p, FILE *f)
{
    char *s = ff_ir_print_string(p);
    fputs(s, f);
    free(s);
}
