/*
 * ir.c -- the program's arena, structural equality, the IR verifier, and
 * index sets of expressions.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir_int.h"

_Noreturn void ir_die(const char *file, int line, const char *what)
{
    fprintf(stderr, "fuseflow: internal error at %s:%d: %s\n", file, line, what);
    abort();
}

/* ---- arena ---- */

/* Chunks are chained newest first; a request larger than a quarter chunk
 * gets a chunk of its own so the bump space of the current one is not
 * wasted. */
#define CHUNK_SIZE 65536

typedef struct chunk {
    struct chunk *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
} chunk;

struct ir_arena {
    chunk *head;
};

ir_arena *ir_arena_new(void)
{
    return ff_xcalloc(1, sizeof(ir_arena));
}

void ir_arena_free(ir_arena *a)
{
    if (!a) return;
    for (chunk *c = a->head, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(a);
}

void *ir_arena_alloc(ir_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n == 0) n = 16;
    chunk *c = a->head;
    if (!c || c->size - c->used < n) {
        if (n > CHUNK_SIZE / 4) { /* own chunk, linked behind the current one */
            chunk *big = ff_xmalloc(sizeof(chunk) + n);
            big->size = big->used = n;
            if (c) {
                big->next = c->next;
                c->next = big;
            } else {
                big->next = NULL;
                a->head = big;
            }
            memset(big->data, 0, n);
            return big->data;
        }
        c = ff_xmalloc(sizeof(chunk) + CHUNK_SIZE);
        c->size = CHUNK_SIZE;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

char *ir_arena_strndup(ir_arena *a, const char *s, size_t n)
{
    char *d = ir_arena_alloc(a, n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void *ff_ir_alloc(ff_ir_program *p, size_t n)
{
    return ir_arena_alloc(p->arena, n);
}

void ff_ir_free(ff_ir_program *p)
{
    if (!p) return;
    ir_arena_free(p->arena);
    free(p);
}

/* ---- expressions ---- */

ff_ir_expr *ir_expr_new(ir_arena *a, ff_ir_kind kind, ff_srcpos pos)
{
    ff_ir_expr *e = ir_arena_alloc(a, sizeof *e);
    e->kind = kind;
    e->pos = pos;
    e->tensor = -1;
    e->index = -1;
    return e;
}

ff_ir_expr *ir_expr_copy(ir_arena *a, const ff_ir_expr *e)
{
    if (!e) return NULL;
    ff_ir_expr *c = ir_arena_alloc(a, sizeof *c);
    *c = *e;
    c->a = ir_expr_copy(a, e->a);
    c->b = ir_expr_copy(a, e->b);
    return c;
}

/* ---- copies and edits of whole programs ---- */

static char *arena_str(ir_arena *a, const char *s) { return s ? ir_arena_strndup(a, s, strlen(s)) : NULL; }

ff_ir_program *ff_ir_clone(const ff_ir_program *p)
{
    ir_arena *a = ir_arena_new();
    ff_ir_program *c = ff_xcalloc(1, sizeof *c);
    *c = *p;
    c->arena = a;
    c->path = arena_str(a, p->path);
    c->tensors = ir_arena_alloc(a, (size_t)p->ntensors * sizeof *c->tensors);
    for (int t = 0; t < p->ntensors; t++) {
        c->tensors[t] = p->tensors[t];
        c->tensors[t].name = arena_str(a, p->tensors[t].name);
        c->tensors[t].format_text = arena_str(a, p->tensors[t].format_text);
    }
    c->sizes = ir_arena_alloc(a, (size_t)p->nsizes * sizeof *c->sizes);
    for (int s = 0; s < p->nsizes; s++) {
        c->sizes[s] = p->sizes[s];
        c->sizes[s].name = arena_str(a, p->sizes[s].name);
    }
    c->indices = ir_arena_alloc(a, (size_t)p->nindices * sizeof *c->indices);
    for (int i = 0; i < p->nindices; i++) {
        c->indices[i] = p->indices[i];
        c->indices[i].name = arena_str(a, p->indices[i].name);
    }
    c->stmts = ir_arena_alloc(a, (size_t)p->nstmts * sizeof *c->stmts);
    for (int s = 0; s < p->nstmts; s++) {
        c->stmts[s] = p->stmts[s];
        c->stmts[s].rhs = ir_expr_copy(a, p->stmts[s].rhs);
    }
    return c;
}

/* The arrays live in the arena: growing one leaves the old copy there
 * until the program is freed (programs gain a handful of entries). */
int ff_ir_add_index(ff_ir_program *p, const char *name, int size)
{
    for (int i = 0; i < p->nindices; i++)
        if (p->indices[i].size == size && strcmp(p->indices[i].name, name) == 0) return i;
    ff_ir_index *grown = ir_arena_alloc(p->arena, (size_t)(p->nindices + 1) * sizeof *grown);
    if (p->nindices) memcpy(grown, p->indices, (size_t)p->nindices * sizeof *grown);
    grown[p->nindices].name = arena_str(p->arena, name);
    grown[p->nindices].size = size;
    p->indices = grown;
    return p->nindices++;
}

int ff_ir_add_tensor(ff_ir_program *p, const ff_ir_tensor *t)
{
    ff_ir_tensor *grown = ir_arena_alloc(p->arena, (size_t)(p->ntensors + 1) * sizeof *grown);
    if (p->ntensors) memcpy(grown, p->tensors, (size_t)p->ntensors * sizeof *grown);
    grown[p->ntensors] = *t;
    grown[p->ntensors].name = arena_str(p->arena, t->name);
    grown[p->ntensors].format_text = arena_str(p->arena, t->format_text);
    p->tensors = grown;
    return p->ntensors++;
}

void ff_ir_set_mode_order(ff_ir_program *p, int t, const int *modes)
{
    ff_ir_tensor *x = &p->tensors[t];
    for (int l = 0; l < x->fmt.nlevels; l++) x->fmt.lv[l].mode = modes[l];
    char text[64];
    ff_format_str(&x->fmt, text, sizeof text);
    x->format_text = arena_str(p->arena, text);
}

void ff_ir_insert_stmt(ff_ir_program *p, int at, const ff_ir_stmt *s)
{
    ff_ir_stmt *grown = ir_arena_alloc(p->arena, (size_t)(p->nstmts + 1) * sizeof *grown);
    if (at) memcpy(grown, p->stmts, (size_t)at * sizeof *grown);
    grown[at] = *s;
    grown[at].rhs = ir_expr_copy(p->arena, s->rhs);
    if (p->nstmts > at) memcpy(grown + at + 1, p->stmts + at, (size_t)(p->nstmts - at) * sizeof *grown);
    p->stmts = grown;
    p->nstmts++;
}

int ff_ir_stmt_number(const ff_ir_program *p, int s)
{
    if (p->stmts[s].copy_of) return 0;
    int n = 0;
    for (int u = 0; u <= s; u++) n += !p->stmts[u].copy_of;
    return n;
}

int ir_set_find(const int *set, int n, int v)
{
    for (int i = 0; i < n; i++)
        if (set[i] == v) return i;
    return -1;
}

static void set_add(int *set, int *n, int v)
{
    if (ir_set_find(set, *n, v) < 0) set[(*n)++] = v;
}

void ir_free_indices(const ff_ir_expr *e, int *set, int *n)
{
    switch (e->kind) {
    case FF_IR_ACCESS:
        for (int m = 0; m < e->nidx; m++) set_add(set, n, e->idx[m]);
        return;
    case FF_IR_CONST: return;
    case FF_IR_UNARY: ir_free_indices(e->a, set, n); return;
    case FF_IR_BINARY:
    case FF_IR_MASK:
        ir_free_indices(e->a, set, n);
        ir_free_indices(e->b, set, n);
        return;
    case FF_IR_SOFTMAX:
    case FF_IR_LAYERNORM:
        set_add(set, n, e->index);
        ir_free_indices(e->a, set, n);
        return;
    case FF_IR_REDUCE: {
        /* The reduced index is bound inside: it is free outside only if it
         * was already in the set from an earlier part of the tree. */
        int had = ir_set_find(set, *n, e->index) >= 0;
        ir_free_indices(e->a, set, n);
        int at = ir_set_find(set, *n, e->index);
        if (!had && at >= 0) {
            memmove(set + at, set + at + 1, (size_t)(*n - at - 1) * sizeof *set);
            (*n)--;
        }
        return;
    }
    }
    IR_UNREACHABLE();
}

int ff_ir_expr_indices(const ff_ir_expr *e, int *out)
{
    int n = 0;
    ir_free_indices(e, out, &n);
    return n;
}

/* ---- built-in functions ---- */

ff_fx ff_ir_gelu_scale(int frac_bits)
{
    return ff_fx_from_double(0.70710678118654752440, frac_bits);
}

const ir_func ir_funcs[] = {
    {"relu", FF_IR_UNARY, FF_ALU_RELU},
    {"exp", FF_IR_UNARY, FF_ALU_EXP},
    {"sqrt", FF_IR_UNARY, FF_IR_FN_SQRT},
    {"rsqrt", FF_IR_UNARY, FF_ALU_RSQRT},
    {"log", FF_IR_UNARY, FF_ALU_LOG},
    {"tanh", FF_IR_UNARY, FF_ALU_TANH},
    {"sigmoid", FF_IR_UNARY, FF_ALU_SIGMOID},
    {"erf", FF_IR_UNARY, FF_ALU_ERF},
    {"gelu", FF_IR_UNARY, FF_IR_FN_GELU},
    {"max", FF_IR_BINARY, FF_ALU_MAX},
    {"min", FF_IR_BINARY, FF_ALU_MIN},
    {"mask", FF_IR_MASK, 0},
    {"sum", FF_IR_REDUCE, FF_IR_RED_SUM},
    {"max", FF_IR_REDUCE, FF_IR_RED_MAX},
    {"softmax", FF_IR_SOFTMAX, FF_IR_SOFTMAX_PLAIN},
    {"log_softmax", FF_IR_SOFTMAX, FF_IR_SOFTMAX_LOG},
    {"layernorm", FF_IR_LAYERNORM, 0},
};
const int ir_nfuncs = (int)(sizeof ir_funcs / sizeof ir_funcs[0]);

const ir_func *ir_func_of(ff_ir_kind kind, int op)
{
    for (int i = 0; i < ir_nfuncs; i++)
        if (ir_funcs[i].kind == kind &&
            (kind == FF_IR_MASK || kind == FF_IR_LAYERNORM || ir_funcs[i].op == op))
            return &ir_funcs[i];
    return NULL;
}

/* ---- equality ---- */

static int index_eq(const ff_ir_program *a, int ia, const ff_ir_program *b, int ib)
{
    const ff_ir_index *x = &a->indices[ia], *y = &b->indices[ib];
    return strcmp(x->name, y->name) == 0 &&
           strcmp(a->sizes[x->size].name, b->sizes[y->size].name) == 0;
}

static int format_eq(const ff_format *x, const ff_format *y)
{
    if (x->order != y->order || x->nlevels != y->nlevels) return 0;
    for (int k = 0; k < x->nlevels; k++) {
        const ff_level_desc *u = &x->lv[k], *v = &y->lv[k];
        if (u->fmt != v->fmt || u->mode != v->mode || u->split != v->split ||
            u->block != v->block)
            return 0;
    }
    return 1;
}

static int expr_eq(const ff_ir_program *pa, const ff_ir_expr *a, const ff_ir_program *pb,
                   const ff_ir_expr *b)
{
    if (!a || !b) return a == b;
    if (a->kind != b->kind) return 0;
    switch (a->kind) {
    case FF_IR_ACCESS:
        if (a->nidx != b->nidx) return 0;
        if (strcmp(pa->tensors[a->tensor].name, pb->tensors[b->tensor].name) != 0) return 0;
        for (int m = 0; m < a->nidx; m++) {
            const ff_ir_off *u = &a->off[m], *w = &b->off[m];
            if (!index_eq(pa, a->idx[m], pb, b->idx[m])) return 0;
            if (u->on != w->on || u->lit != w->lit || (u->size >= 0) != (w->size >= 0)) return 0;
            if (u->size >= 0 && (u->coef != w->coef || strcmp(pa->sizes[u->size].name, pb->sizes[w->size].name) != 0))
                return 0;
        }
        return 1;
    case FF_IR_CONST: return a->value == b->value;
    case FF_IR_UNARY:
    case FF_IR_BINARY:
        if (a->op != b->op) return 0;
        break;
    case FF_IR_REDUCE:
        if (a->op != b->op) return 0;
        /* fall through */
    case FF_IR_SOFTMAX:
    case FF_IR_LAYERNORM:
        if (!index_eq(pa, a->index, pb, b->index)) return 0;
        break;
    case FF_IR_MASK: break;
    }
    return expr_eq(pa, a->a, pb, b->a) && expr_eq(pa, a->b, pb, b->b);
}

int ff_ir_equal(const ff_ir_program *a, const ff_ir_program *b)
{
    if (a->frac_bits != b->frac_bits || a->ntensors != b->ntensors || a->nstmts != b->nstmts)
        return 0;
    for (int t = 0; t < a->ntensors; t++) {
        const ff_ir_tensor *x = &a->tensors[t], *y = &b->tensors[t];
        if (strcmp(x->name, y->name) != 0 || x->order != y->order || x->role != y->role ||
            !format_eq(&x->fmt, &y->fmt))
            return 0;
        for (int m = 0; m < x->order; m++) {
            const ff_ir_size *u = &a->sizes[x->dims[m]], *v = &b->sizes[y->dims[m]];
            if (strcmp(u->name, v->name) != 0 || u->literal != v->literal) return 0;
        }
    }
    for (int s = 0; s < a->nstmts; s++) {
        const ff_ir_stmt *x = &a->stmts[s], *y = &b->stmts[s];
        if (x->lhs != y->lhs || x->nlhs != y->nlhs) return 0;
        for (int m = 0; m < x->nlhs; m++)
            if (!index_eq(a, x->lhs_idx[m], b, y->lhs_idx[m])) return 0;
        if (!expr_eq(a, x->rhs, b, y->rhs)) return 0;
    }
    return 1;
}

/* ---- the verifier ---- */

typedef struct verifier {
    const ff_ir_program *p;
    const ff_ir_stmt *st;
    ff_err *err;
    int *reduced; /* per index: bound by a REDUCE somewhere in the statement */
} verifier;

static int vfail(verifier *v, const ff_ir_expr *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int vfail(verifier *v, const ff_ir_expr *e, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ff_srcpos pos = e && e->pos.line ? e->pos : v->st ? v->st->pos : (ff_srcpos){0, 0};
    return ff_err_set(v->err, FF_EINVAL, "%s:%d:%d: IR check: %s", v->p->path ? v->p->path : "?",
                      pos.line, pos.col, msg);
}

static int valid_index(const ff_ir_program *p, int i)
{
    return i >= 0 && i < p->nindices;
}

/* Checks one node and its subtree; `bound` lists the REDUCE indices of the
 * enclosing nodes (nbound of them). */
static int verify_expr(verifier *v, const ff_ir_expr *e, int *bound, int nbound)
{
    const ff_ir_program *p = v->p;
    if (!e) return vfail(v, NULL, "missing operand");
    int rc;
    switch (e->kind) {
    case FF_IR_ACCESS: {
        if (e->tensor < 0 || e->tensor >= p->ntensors)
            return vfail(v, e, "access to tensor %d of %d", e->tensor, p->ntensors);
        const ff_ir_tensor *t = &p->tensors[e->tensor];
        if (e->nidx != t->order)
            return vfail(v, e, "%s has order %d but the access has %d indices", t->name, t->order,
                         e->nidx);
        for (int m = 0; m < e->nidx; m++) {
            if (!valid_index(p, e->idx[m]))
                return vfail(v, e, "%s: index id %d out of range", t->name, e->idx[m]);
            const ff_ir_off *o = &e->off[m];
            if (o->on && o->size >= 0 && (o->size >= p->nsizes || o->coef == 0))
                return vfail(v, e, "%s: mode %d has a malformed offset", t->name, m);
            if (!o->on && p->indices[e->idx[m]].size != t->dims[m])
                return vfail(v, e, "%s: index %s has size %s but mode %d has size %s", t->name,
                             p->indices[e->idx[m]].name, p->sizes[p->indices[e->idx[m]].size].name,
                             m, p->sizes[t->dims[m]].name);
            for (int q = 0; q < m; q++)
                if (e->idx[q] == e->idx[m])
                    return vfail(v, e, "%s: index %s repeated", t->name,
                                 p->indices[e->idx[m]].name);
        }
        if (e->a || e->b) return vfail(v, e, "an access has operands");
        return 0;
    }
    case FF_IR_CONST:
        if (e->a || e->b) return vfail(v, e, "a constant has operands");
        return 0;
    case FF_IR_UNARY:
        if (e->op != FF_ALU_NEG && e->op != FF_ALU_RELU && e->op != FF_ALU_EXP && e->op != FF_ALU_RSQRT &&
            e->op != FF_ALU_LOG && e->op != FF_ALU_TANH && e->op != FF_ALU_SIGMOID && e->op != FF_ALU_ERF &&
            e->op != FF_IR_FN_SQRT && e->op != FF_IR_FN_GELU)
            return vfail(v, e, "unary op %d is not neg, relu, exp, rsqrt, log, tanh, sigmoid, erf, sqrt or gelu",
                         e->op);
        if (e->b) return vfail(v, e, "a unary op has two operands");
        return verify_expr(v, e->a, bound, nbound);
    case FF_IR_BINARY:
        if (e->op < FF_ALU_ADD || e->op > FF_ALU_MIN)
            return vfail(v, e, "binary op %d is not add, sub, mul, div, max or min", e->op);
        if ((rc = verify_expr(v, e->a, bound, nbound))) return rc;
        return verify_expr(v, e->b, bound, nbound);
    case FF_IR_MASK:
        if (!e->a || e->a->kind != FF_IR_ACCESS)
            return vfail(v, e, "the mask of mask() is not a tensor access");
        if ((rc = verify_expr(v, e->a, bound, nbound))) return rc;
        return verify_expr(v, e->b, bound, nbound);
    case FF_IR_REDUCE:
    case FF_IR_SOFTMAX:
    case FF_IR_LAYERNORM: {
        const char *what = e->kind == FF_IR_SOFTMAX     ? "softmax"
                           : e->kind == FF_IR_LAYERNORM ? "layernorm"
                           : e->op == FF_IR_RED_MAX     ? "max"
                                                        : "sum";
        if (e->kind == FF_IR_REDUCE && e->op != FF_IR_RED_SUM && e->op != FF_IR_RED_MAX)
            return vfail(v, e, "reduction op %d is not sum or max", e->op);
        if (e->kind == FF_IR_SOFTMAX && e->op != FF_IR_SOFTMAX_PLAIN && e->op != FF_IR_SOFTMAX_LOG)
            return vfail(v, e, "softmax op %d is not softmax or log_softmax", e->op);
        if (!valid_index(p, e->index)) return vfail(v, e, "%s over index id %d", what, e->index);
        if (e->b) return vfail(v, e, "%s has two operands", what);
        if (!e->a) return vfail(v, e, "%s has no operand", what);
        int *set = ff_xmalloc(sizeof(int) * (size_t)(p->nindices + 1)), n = 0;
        ir_free_indices(e->a, set, &n);
        int found = ir_set_find(set, n, e->index) >= 0;
        free(set);
        if (!found)
            return vfail(v, e, "%s[%s]: the index is not free in its operand", what,
                         p->indices[e->index].name);
        if (e->kind != FF_IR_REDUCE) return verify_expr(v, e->a, bound, nbound);
        if (ir_set_find(bound, nbound, e->index) >= 0)
            return vfail(v, e, "%s[%s] inside another reduction over %s", what,
                         p->indices[e->index].name, p->indices[e->index].name);
        v->reduced[e->index] = 1;
        bound[nbound] = e->index;
        return verify_expr(v, e->a, bound, nbound + 1);
    }
    }
    return vfail(v, e, "node kind %d", (int)e->kind);
}

/* Marks the tensors e reads as read by statement s (read[t] = first reader
 * + 1); a statement may not read what it assigns. */
static int verify_reads(verifier *v, const ff_ir_expr *e, int *read, int s)
{
    if (!e) return 0;
    if (e->kind == FF_IR_ACCESS) {
        if (e->tensor == v->st->lhs)
            return vfail(v, e, "statement reads %s, which it assigns", v->p->tensors[e->tensor].name);
        if (!read[e->tensor]) read[e->tensor] = s + 1;
    }
    int rc = verify_reads(v, e->a, read, s);
    return rc ? rc : verify_reads(v, e->b, read, s);
}

int ff_ir_find_tensor(const ff_ir_program *p, const char *name)
{
    for (int t = 0; t < p->ntensors; t++)
        if (!strcmp(p->tensors[t].name, name)) return t;
    return -1;
}

static int expr_reads(const ff_ir_expr *e, int tensor)
{
    if (!e) return 0;
    if (e->kind == FF_IR_ACCESS && e->tensor == tensor) return 1;
    return expr_reads(e->a, tensor) || expr_reads(e->b, tensor);
}

int ff_ir_stmt_reads(const ff_ir_program *p, int stmt, int tensor) { return expr_reads(p->stmts[stmt].rhs, tensor); }

int ff_ir_verify(const ff_ir_program *p, ff_err *err)
{
    verifier v = {.p = p, .err = err};
    if (p->frac_bits < 0 || p->frac_bits > 30)
        return vfail(&v, NULL, "frac_bits %d outside 0..30", p->frac_bits);
    for (int s = 0; s < p->nsizes; s++) {
        const ff_ir_size *z = &p->sizes[s];
        if (!z->name) return vfail(&v, NULL, "size %d has no name", s);
        if (z->from_tensor < -1 || z->from_tensor >= p->ntensors)
            return vfail(&v, NULL, "size %s: from_tensor %d", z->name, z->from_tensor);
        if (z->from_tensor >= 0 &&
            (z->from_mode < 0 || z->from_mode >= p->tensors[z->from_tensor].order ||
             p->tensors[z->from_tensor].dims[z->from_mode] != s))
            return vfail(&v, NULL, "size %s: from_mode %d of %s does not have it", z->name,
                         z->from_mode, p->tensors[z->from_tensor].name);
    }
    for (int i = 0; i < p->nindices; i++)
        if (p->indices[i].size < 0 || p->indices[i].size >= p->nsizes)
            return vfail(&v, NULL, "index %s has size id %d", p->indices[i].name,
                         p->indices[i].size);
    int *assigned = ff_xcalloc((size_t)p->ntensors + 1, sizeof(int)); /* stmt + 1, or 0 */
    int *read = ff_xcalloc((size_t)p->ntensors + 1, sizeof(int));
    int *set = ff_xmalloc(sizeof(int) * (size_t)(p->nindices + 1));
    int *bound = ff_xmalloc(sizeof(int) * (size_t)(p->nindices + 1));
    v.reduced = ff_xcalloc((size_t)p->nindices + 1, sizeof(int));
    int rc = 0;
    for (int t = 0; t < p->ntensors && !rc; t++) {
        const ff_ir_tensor *x = &p->tensors[t];
        if (!x->name) rc = vfail(&v, NULL, "tensor %d has no name", t);
        else if (x->order < 0 || x->order > FF_IR_MAX_ORDER || x->fmt.order != x->order)
            rc = vfail(&v, NULL, "tensor %s: order %d, format order %d", x->name, x->order,
                       x->fmt.order);
        for (int m = 0; m < x->order && !rc; m++)
            if (x->dims[m] < 0 || x->dims[m] >= p->nsizes)
                rc = vfail(&v, NULL, "tensor %s: mode %d has size id %d", x->name, m, x->dims[m]);
        for (int u = 0; u < t && !rc; u++)
            if (strcmp(p->tensors[u].name, x->name) == 0)
                rc = vfail(&v, NULL, "two tensors are named %s", x->name);
    }
    for (int s = 0; s < p->nstmts && !rc; s++) {
        const ff_ir_stmt *st = &p->stmts[s];
        v.st = st;
        memset(v.reduced, 0, sizeof(int) * (size_t)p->nindices);
        if (st->lhs < 0 || st->lhs >= p->ntensors) {
            rc = vfail(&v, NULL, "statement %d assigns tensor id %d", s, st->lhs);
            break;
        }
        const ff_ir_tensor *t = &p->tensors[st->lhs];
        if (assigned[st->lhs]) {
            rc = vfail(&v, NULL, "%s is assigned by statements %d and %d", t->name,
                       assigned[st->lhs] - 1, s);
            break;
        }
        if (read[st->lhs]) {
            rc = vfail(&v, NULL, "%s is read by statement %d before it is assigned", t->name,
                       read[st->lhs] - 1);
            break;
        }
        assigned[st->lhs] = s + 1;
        if (st->nlhs != t->order) {
            rc = vfail(&v, NULL, "%s has order %d but the left side has %d indices", t->name,
                       t->order, st->nlhs);
            break;
        }
        for (int m = 0; m < st->nlhs && !rc; m++) {
            if (!valid_index(p, st->lhs_idx[m]))
                rc = vfail(&v, NULL, "left index id %d", st->lhs_idx[m]);
            else if (p->indices[st->lhs_idx[m]].size != t->dims[m])
                rc = vfail(&v, NULL, "left index %s does not have the size of mode %d of %s",
                           p->indices[st->lhs_idx[m]].name, m, t->name);
            for (int q = 0; q < m && !rc; q++)
                if (st->lhs_idx[q] == st->lhs_idx[m])
                    rc = vfail(&v, NULL, "left index %s repeated", p->indices[st->lhs_idx[m]].name);
        }
        if (rc) break;
        if ((rc = verify_expr(&v, st->rhs, bound, 0))) break;
        if ((rc = verify_reads(&v, st->rhs, read, s))) break;
        int n = 0;
        ir_free_indices(st->rhs, set, &n);
        for (int k = 0; k < n && !rc; k++)
            if (v.reduced[set[k]])
                rc = vfail(&v, NULL, "index %s is reduced and also used outside its reduction",
                           p->indices[set[k]].name);
        for (int m = 0; m < st->nlhs && !rc; m++)
            if (ir_set_find(set, n, st->lhs_idx[m]) < 0)
                rc = vfail(&v, NULL, "left index %s is not free on the right",
                           p->indices[st->lhs_idx[m]].name);
    }
    v.st = NULL;
    for (int t = 0; t < p->ntensors && !rc; t++) {
        const ff_ir_tensor *x = &p->tensors[t];
        ff_ir_role want = !assigned[t] ? FF_IR_INPUT
                          : read[t]    ? FF_IR_INTERMEDIATE
                                       : FF_IR_OUTPUT;
        if (x->role != want)
            rc = vfail(&v, NULL, "tensor %s has role %d, its uses say %d", x->name, (int)x->role,
                       (int)want);
        else if (!assigned[t] && !x->declared)
            rc = vfail(&v, NULL, "input %s is not declared", x->name);
    }
    free(assigned);
    free(read);
    free(set);
    free(bound);
    free(v.reduced);
    return rc;
}

int64_t ff_ir_off_value(const ff_ir_program *p, const ff_ir_off *o, const uint32_t *sizes)
{
    if (!o->on) return 0;
    int64_t v = o->lit;
    if (o->size >= 0) v += o->coef * (int64_t)(p->sizes[o->size].literal ? p->sizes[o->size].literal : sizes[o->size]);
    return v;
}

int ff_ir_has_window(const ff_ir_expr *e)
{
    if (!e) return 0;
    if (e->kind == FF_IR_ACCESS)
        for (int m = 0; m < e->nidx; m++)
            if (e->off[m].on) return 1;
    return ff_ir_has_window(e->a) || ff_ir_has_window(e->b);
}
