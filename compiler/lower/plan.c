/*
 * plan.c -- the lowering plan of one statement (lower_plan.h): what gets
 * lowered, built without emitting a graph node.
 *
 * Needs: a checked program with reductions placed, the statement, a
 * complete loop order, the fuse flags and the block size.
 * Produces: an lw whose indices, expression tree, level trie, accesses and
 * top (output levels, accumulated sums) are filled, and which has passed
 * order legality -- what emit.c turns into nodes and the cost model counts.
 *
 * The passes, in order (lw_plan):
 *   copy     the statement's expression into a DAG of lx nodes over local
 *            index ids, fused producers inlined with their indices renamed
 *            apart, softmax and layernorm expanded into reductions over
 *            fresh indices whose results are shared (computed once,
 *            broadcast where used)
 *   blocks   --block: the indices that iterate blocks
 *   free     free-index sets of every node
 *   top      the top chain (output indices in loop order, plus the
 *            accumulated sums when a sum is ordered above an output)
 *   chains   the level trie: for every reduction its own level below the
 *            shortest prefix holding its free indices -- so a row maximum is
 *            computed once per row, not once per element of the row; a
 *            subtree needed under two different levels is cloned
 *   legal    every tensor access can follow the order: the levels it walks
 *            come in its format's level order
 * A user error anywhere unwinds through L->fail with err filled.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lower_int.h"

_Noreturn void lw_fail(lw *L, ff_srcpos pos, const char *fmt, ...)
{
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (pos.line > 0) ff_err_set(L->err, FF_EINVAL, "%s:%d:%d: %s", L->p->path, pos.line, pos.col, what);
    else ff_err_set(L->err, FF_EINVAL, "%s: %s", L->p->path, what);
    longjmp(L->fail, 1);
}

ff_format lw_scalar_format(const ff_format *f)
{
    ff_format u;
    memset(&u, 0, sizeof u);
    u.order = f->order;
    int blocked = 0;
    for (int l = 0; l < f->nlevels; l++) blocked |= f->lv[l].split != FF_SPLIT_NONE;
    if (!blocked) return *f;
    for (int l = 0; l < f->nlevels; l++) {
        if (f->lv[l].split == FF_SPLIT_INNER) continue;
        ff_level_desc d = {FF_LVL_DENSE, f->lv[l].mode, FF_SPLIT_NONE, 0};
        for (int k = 0; k < f->nlevels; k++)
            if (f->lv[k].mode == d.mode && f->lv[k].fmt == FF_LVL_COMPRESSED) d.fmt = FF_LVL_COMPRESSED;
        u.lv[u.nlevels++] = d;
    }
    return u;
}

/* ------------------------------------------------------------------ */
/* copy: IR expression -> lx DAG, with softmax/layernorm expanded      */
/* ------------------------------------------------------------------ */

static lx *new_lx(lw *L, int kind, ff_srcpos pos)
{
    if (L->nnodes == L->cap_nodes) {
        L->cap_nodes = L->cap_nodes ? 2 * L->cap_nodes : 64;
        L->nodes = ff_xrealloc(L->nodes, (size_t)L->cap_nodes * sizeof *L->nodes);
    }
    lx *x = ff_xcalloc(1, sizeof *x);
    x->kind = kind;
    x->pos = pos;
    x->chain = x->prefix = x->val_level = -1;
    x->acc = -1;
    x->placed_under = -2;
    x->contract = -1;
    x->id = L->nnodes;
    L->nodes[L->nnodes++] = x;
    return x;
}

static int add_index(lw *L, const char *name, int size, int prog_index, int kind)
{
    if (L->nidx == LW_MAX_IDX) lw_fail(L, L->st->pos, "too many indices in one statement");
    lw_index *li = &L->idx[L->nidx];
    snprintf(li->name, sizeof li->name, "%s", name);
    li->size = size;
    li->prog_index = prog_index;
    li->kind = kind;
    return L->nidx++;
}

int lw_find_index(const lw *L, const char *name)
{
    for (int i = 0; i < L->nidx; i++)
        if (strcmp(L->idx[i].name, name) == 0) return i;
    return -1;
}

/* A name not taken yet: base, base2, base3, ... */
static void unique_name(lw *L, const char *base, char *out, size_t n)
{
    snprintf(out, n, "%.24s", base);
    for (int k = 2; lw_find_index(L, out) >= 0 && k < 1000; k++) snprintf(out, n, "%.24s%d", base, k % 1000);
}

/* The lowered statement's own index. */
int lw_local_index(lw *L, int prog_index)
{
    for (int i = 0; i < L->nidx; i++)
        if (L->idx[i].prog_index == prog_index && L->idx[i].kind == LW_IDX_OWN) return i;
    return add_index(L, L->p->indices[prog_index].name, L->p->indices[prog_index].size, prog_index, LW_IDX_OWN);
}

/* A program index while copying under `map` (a fused producer): mapped, or
 * renamed apart as "k_XW". */
static int mapped_index(lw *L, idxmap *map, int prog_index)
{
    if (!map) return lw_local_index(L, prog_index);
    for (int i = 0; i < map->n; i++)
        if (map->prog[i] == prog_index) return map->local[i];
    if (map->n == LW_MAX_IDX) lw_fail(L, L->st->pos, "too many indices in one statement");
    char base[64], name[FF_LOWER_NAME];
    snprintf(base, sizeof base, "%s_%s", L->p->indices[prog_index].name, map->tag);
    unique_name(L, base, name, sizeof name);
    int id = add_index(L, name, L->p->indices[prog_index].size, -1, LW_IDX_INLINED);
    map->prog[map->n] = prog_index;
    map->local[map->n++] = id;
    return id;
}

/* The offset a producer's index takes from the window its consumer reads
 * it through (none outside a producer's copy, or for its own indices). */
static ff_ir_off mapped_off(const idxmap *map, int prog_index)
{
    ff_ir_off none = {.size = -1};
    if (map)
        for (int i = 0; i < map->n; i++)
            if (map->prog[i] == prog_index) return map->off[i];
    return none;
}

/* a + b: windows compose by adding their offsets (one size symbol at most). */
static ff_ir_off add_off(lw *L, ff_srcpos pos, ff_ir_off a, ff_ir_off b)
{
    if (!b.on) return a;
    if (!a.on) return b;
    ff_ir_off r = {.on = 1, .size = a.size >= 0 ? a.size : b.size, .lit = a.lit + b.lit};
    if (a.size >= 0 && b.size >= 0 && a.size != b.size)
        lw_fail(L, pos, "fusing windows whose offsets name two sizes (%s and %s): write one as a number",
                L->p->sizes[a.size].name, L->p->sizes[b.size].name);
    r.coef = (a.size >= 0 ? a.coef : 0) + (b.size >= 0 ? b.coef : 0);
    if (r.size >= 0 && r.coef == 0) r.size = -1;
    return r;
}

int lw_window_within(const ff_ir_program *p, ff_ir_off o, int len, int dim)
{
    if (!o.on || (o.size < 0 && o.lit == 0 && len == dim)) return 1;
    const ff_ir_size *zl = &p->sizes[len], *zd = &p->sizes[dim], *zo = o.size >= 0 ? &p->sizes[o.size] : NULL;
    if (!zl->literal || !zd->literal || (zo && !zo->literal)) return 0;
    int64_t off = o.lit + (zo ? o.coef * zo->literal : 0);
    return off >= 0 && off + zl->literal <= zd->literal;
}

static int fresh_index(lw *L, int like)
{
    char name[FF_LOWER_NAME];
    unique_name(L, L->idx[like].name, name, sizeof name);
    return add_index(L, name, L->idx[like].size, -1, LW_IDX_EXPANSION);
}

/* Whether index v occurs anywhere in x. */
static int uses_index(const lx *x, int v)
{
    if (!x) return 0;
    if ((x->kind == FF_IR_REDUCE || x->kind == LW_REPLAY) && x->index == v) return 1;
    if (x->kind == LW_REPLAY) return 0; /* its operand is the capture's */
    for (int m = 0; x->kind == FF_IR_ACCESS && m < x->nidx; m++)
        if (x->idx[m] == v) return 1;
    return uses_index(x->a, v) || uses_index(x->b, v);
}

/* A copy of x with local index `from` renamed `to` (accesses and reductions
 * are fresh nodes; shared subtrees stay shared only if untouched). */
static lx *rename_copy(lw *L, lx *x, int from, int to)
{
    if (!x) return NULL;
    lx *y = new_lx(L, x->kind, x->pos);
    y->op = x->op;
    y->index = x->index == from ? to : x->index;
    y->value = x->value;
    y->tensor = x->tensor;
    y->src = x->src;
    y->nidx = x->nidx;
    memcpy(y->off, x->off, sizeof y->off);
    for (int m = 0; m < x->nidx; m++) y->idx[m] = x->idx[m] == from ? to : x->idx[m];
    y->bcast_b = x->bcast_b;
    y->cap = x->cap;
    y->inlined = x->inlined;
    y->a = rename_copy(L, x->a, from, to);
    /* A broadcast value (a row's maximum) is shared by the copies unless it
     * depends on `from` itself (a layernorm's row mean, inside a softmax
     * over that row index). */
    y->b = x->b && x->bcast_b && !uses_index(x->b, from) ? x->b : rename_copy(L, x->b, from, to);
    return y;
}

static lx *mk_const(lw *L, ff_fx v, ff_srcpos pos)
{
    lx *c = new_lx(L, FF_IR_CONST, pos);
    c->value = v;
    return c;
}

static lx *mk_un(lw *L, int op, lx *a)
{
    lx *u = new_lx(L, FF_IR_UNARY, a->pos);
    u->op = op;
    u->a = a;
    return u;
}

static lx *mk_bin(lw *L, int op, lx *a, lx *b, int bcast)
{
    lx *u = new_lx(L, FF_IR_BINARY, a->pos);
    u->op = op;
    u->a = a;
    u->b = b;
    u->bcast_b = bcast;
    return u;
}

static lx *mk_red(lw *L, int op, int index, lx *a)
{
    lx *r = new_lx(L, FF_IR_REDUCE, a->pos);
    r->op = op;
    r->index = index;
    r->a = a;
    return r;
}

/* A replay of capture reduction cap's operand along index `index`. */
static lx *mk_replay(lw *L, lx *cap, int index)
{
    lx *r = new_lx(L, LW_REPLAY, cap->pos);
    r->cap = cap;
    r->index = index;
    return r;
}

/* The operand of a walk after the first: recomputed (a copy of the
 * expression, renamed to the walk's own index), or with buffers read back
 * from the first walk's reduction `cap`. */
static lx *walk_operand(lw *L, lx *a, int j, int jk, lx *cap)
{
    if (cap) return mk_replay(L, cap, jk);
    return jk == j ? a : rename_copy(L, a, j, jk);
}

/* The next buffer site, and whether it is buffered. */
static int next_site(lw *L, int *site)
{
    *site = L->nsites++;
    return L->buffer && !(*site < 64 && ((L->sites_off >> *site) & 1));
}

/* softmax[j](a): m = max[j1](a'), s = sum[j2](exp(a'' - m)),
 * result exp(a - m) / s -- exactly the interpreter's sequence of ops;
 * log_softmax: (a - m) - log(max(s, 1)). Buffered, a' is computed once (the
 * maximum's walk) and a'', a are its replays. */
static lx *expand_softmax(lw *L, lx *a, int j, int op, ff_srcpos pos)
{
    int j1 = fresh_index(L, j), j2 = fresh_index(L, j), site;
    int buffered = next_site(L, &site);
    lx *m = mk_red(L, FF_IR_RED_MAX, j1, rename_copy(L, a, j, j1));
    m->site = site;
    m->pos = pos; /* a capture is reported at the softmax itself */
    lx *cap = buffered ? m : NULL;
    lx *e2 = mk_un(L, FF_ALU_EXP, mk_bin(L, FF_ALU_SUB, walk_operand(L, a, j, j2, cap), m, 1));
    lx *s = mk_red(L, FF_IR_RED_SUM, j2, e2);
    lx *d = mk_bin(L, FF_ALU_SUB, walk_operand(L, a, j, j, cap), m, 1);
    if (op == FF_IR_SOFTMAX_LOG) {
        /* max(s, 1): s >= 1 for every fiber with an entry; an empty one
         * sums to 0, whose log nothing reads but would count as saturated */
        lx *one = mk_const(L, ff_fx_from_int(1, L->p->frac_bits), pos);
        return mk_bin(L, FF_ALU_SUB, d, mk_un(L, FF_ALU_LOG, mk_bin(L, FF_ALU_MAX, s, one, 1)), 1);
    }
    return mk_bin(L, FF_ALU_DIV, mk_un(L, FF_ALU_EXP, d), s, 1);
}

/* layernorm[j](a): n = count, mean = sum/n, d = a - mean,
 * var = sum(d*d)/n, result d * rsqrt(var + eps). Buffered, the sum's walk
 * computes a once and the count and the others replay it. */
static lx *expand_layernorm(lw *L, lx *a, int j, ff_srcpos pos)
{
    int j1 = fresh_index(L, j), j2 = fresh_index(L, j), j3 = fresh_index(L, j), site;
    int buffered = next_site(L, &site);
    lx *n, *sum;
    if (buffered) {
        sum = mk_red(L, FF_IR_RED_SUM, j1, rename_copy(L, a, j, j1));
        sum->site = site;
        sum->pos = pos;
        n = mk_red(L, FF_IR_RED_SUM, j2, mk_un(L, LW_FN_ONE, mk_replay(L, sum, j2)));
    } else {
        n = mk_red(L, FF_IR_RED_SUM, j1, mk_un(L, LW_FN_ONE, rename_copy(L, a, j, j1)));
        sum = mk_red(L, FF_IR_RED_SUM, j2, rename_copy(L, a, j, j2));
    }
    lx *mean = mk_bin(L, FF_ALU_DIV, sum, n, 0);
    lx *cap = buffered ? sum : NULL;
    lx *d3 = mk_bin(L, FF_ALU_SUB, walk_operand(L, a, j, j3, cap), mean, 1);
    lx *var = mk_bin(L, FF_ALU_DIV, mk_red(L, FF_IR_RED_SUM, j3, mk_bin(L, FF_ALU_MUL, d3, d3, 0)), n, 0);
    /* eps = one unit in the last place: the word 1 */
    lx *inv = mk_un(L, FF_ALU_RSQRT, mk_bin(L, FF_ALU_ADD, var, mk_const(L, 1, a->pos), 0));
    lx *d = mk_bin(L, FF_ALU_SUB, walk_operand(L, a, j, j, cap), mean, 1);
    return mk_bin(L, FF_ALU_MUL, d, inv, 1);
}

/* The statement that assigns tensor t, if it is fused into this lowering. */
static const ff_ir_stmt *fused_producer(lw *L, int t)
{
    if (!L->fuse) return NULL;
    for (int s = 0; s < L->p->nstmts; s++) {
        const ff_ir_stmt *st = &L->p->stmts[s];
        if (st->lhs == t && L->fuse[s] && st < L->st) return st;
    }
    return NULL;
}

static lx *copy_ir(lw *L, const ff_ir_expr *e, idxmap *map, int depth)
{
    if (depth > 64) lw_fail(L, e->pos, "fusing this deep nests more than 64 statements");
    if (e->kind == FF_IR_ACCESS) {
        const ff_ir_stmt *prod = fused_producer(L, e->tensor);
        if (prod) {
            /* Cross-expression fusion: the producer's expression, its output
             * indices bound to this access's indices, its own renamed apart.
             * A window the access reads moves into the producer's accesses:
             * its index is the consumer's plus the offset. */
            idxmap sub = {.tag = L->p->tensors[e->tensor].name};
            for (int m = 0; m < prod->nlhs; m++) {
                sub.prog[sub.n] = prod->lhs_idx[m];
                sub.off[sub.n] = add_off(L, e->pos, e->off[m], mapped_off(map, e->idx[m]));
                sub.local[sub.n] = mapped_index(L, map, e->idx[m]);
                /* the producer's expression has values past its own extent
                 * (its inputs may be larger): a window reaching past the
                 * result must stay a read of the stored result */
                if (!lw_window_within(L->p, sub.off[sub.n], L->idx[sub.local[sub.n]].size,
                                   L->p->tensors[e->tensor].dims[m]))
                    lw_fail(L, e->pos,
                            "%s is read through a window that may reach past its mode %d: fused, its producer would "
                            "compute entries %s does not have; leave %s unfused",
                            L->p->tensors[e->tensor].name, m, L->p->tensors[e->tensor].name,
                            L->p->tensors[e->tensor].name);
                sub.n++;
            }
            lx *r = copy_ir(L, prod->rhs, &sub, depth + 1);
            r->inlined = e->tensor + 1;
            return r;
        }
    }
    lx *x = new_lx(L, e->kind, e->pos);
    x->op = e->op;
    x->value = e->value;
    switch (e->kind) {
    case FF_IR_ACCESS:
        x->tensor = e->tensor;
        x->src = e;
        x->nidx = e->nidx;
        for (int m = 0; m < e->nidx; m++) {
            x->off[m] = add_off(L, e->pos, e->off[m], mapped_off(map, e->idx[m]));
            x->idx[m] = mapped_index(L, map, e->idx[m]);
        }
        return x;
    case FF_IR_CONST:
        return x;
    case FF_IR_UNARY:
        x->a = copy_ir(L, e->a, map, depth);
        return x;
    case FF_IR_BINARY:
        x->a = copy_ir(L, e->a, map, depth);
        x->b = copy_ir(L, e->b, map, depth);
        return x;
    case FF_IR_REDUCE:
        x->index = mapped_index(L, map, e->index);
        x->a = copy_ir(L, e->a, map, depth);
        return x;
    case FF_IR_MASK:
        x->a = copy_ir(L, e->a, map, depth);
        x->b = copy_ir(L, e->b, map, depth);
        if (x->a->kind != FF_IR_ACCESS)
            lw_fail(L, e->pos, "mask() needs a stored tensor as its first argument, not a fused result");
        return x;
    case FF_IR_SOFTMAX:
    case FF_IR_LAYERNORM: {
        if (mapped_off(map, e->index).on)
            lw_fail(L, e->pos,
                    "a window of %s's index %s: fused, the %s would run over the window only; leave its result "
                    "unfused",
                    map->tag, L->p->indices[e->index].name, e->kind == FF_IR_SOFTMAX ? "softmax" : "layernorm");
        int j = mapped_index(L, map, e->index);
        lx *a = copy_ir(L, e->a, map, depth);
        return e->kind == FF_IR_SOFTMAX ? expand_softmax(L, a, j, e->op, e->pos) : expand_layernorm(L, a, j, e->pos);
    }
    }
    lw_fail(L, e->pos, "unsupported expression");
}

/* ------------------------------------------------------------------ */
/* free indices                                                        */
/* ------------------------------------------------------------------ */

uint64_t lw_compute_free(lx *x)
{
    if (!x) return 0;
    switch (x->kind) {
    case FF_IR_ACCESS:
        x->free = 0;
        for (int m = 0; m < x->nidx; m++) x->free |= 1ull << x->idx[m];
        break;
    case FF_IR_CONST:
        x->free = 0;
        break;
    case FF_IR_REDUCE:
        x->free = lw_compute_free(x->a) & ~(1ull << x->index);
        break;
    case LW_REPLAY: /* the capture's row, along this walk's own index */
        x->free = (lw_compute_free(x->cap) & ~(1ull << x->cap->index)) | 1ull << x->index;
        break;
    default:
        x->free = lw_compute_free(x->a) | lw_compute_free(x->b);
        break;
    }
    return x->free;
}

/* ------------------------------------------------------------------ */
/* chains: the level trie                                              */
/* ------------------------------------------------------------------ */

/* The level below `parent` for `index`, iterated by `owner` (a reduction,
 * or NULL for the top chain). Two reductions never share a level, even over
 * the same index: each iterates its own operand's coordinates. */
static int get_level(lw *L, int parent, int index, lx *owner)
{
    for (int i = 0; i < L->nlevels; i++)
        if (L->levels[i].parent == parent && L->levels[i].index == index && L->levels[i].owner == owner) return i;
    if (L->nlevels == LW_MAX_LEVELS) lw_fail(L, L->st->pos, "statement too large: more than %d levels", LW_MAX_LEVELS);
    level *lv = &L->levels[L->nlevels];
    memset(lv, 0, sizeof *lv);
    lv->index = index;
    lv->parent = parent;
    lv->owner = owner;
    return L->nlevels++;
}

static uint64_t chain_set(lw *L, int lvl)
{
    uint64_t s = 0;
    for (; lvl >= 0; lvl = L->levels[lvl].parent) s |= 1ull << L->levels[lvl].index;
    return s;
}

int lw_is_ancestor(const lw *L, int anc, int lvl)
{
    for (; lvl >= 0; lvl = L->levels[lvl].parent)
        if (lvl == anc) return 1;
    return anc == -1;
}

static int new_access(lw *L, lx *x, int chain_end)
{
    if (L->nacc == LW_MAX_ACCESS) lw_fail(L, x->pos, "statement too large: more than %d tensor accesses", LW_MAX_ACCESS);
    access *a = &L->acc[L->nacc];
    memset(a, 0, sizeof *a);
    a->node = x;
    a->tensor = x->tensor;
    a->chain_end = chain_end;
    x->acc = L->nacc;
    x->chain = chain_end;
    return L->nacc++;
}

/* A deep copy of x with nothing shared (accesses and reductions are new,
 * to be placed afresh). */
static lx *clone(lw *L, lx *x)
{
    if (!x) return NULL;
    lx *y = new_lx(L, x->kind, x->pos);
    y->op = x->op;
    y->index = x->index;
    y->value = x->value;
    y->tensor = x->tensor;
    y->nidx = x->nidx;
    memcpy(y->idx, x->idx, sizeof y->idx);
    y->bcast_b = x->bcast_b;
    y->cap = x->cap;
    y->inlined = x->inlined;
    y->free = x->free;
    y->a = clone(L, x->a);
    y->b = clone(L, x->b);
    return y;
}

/* Assigns chains below `enclosing` (the level the enclosing scope's chain
 * ends at) and returns x, or a copy of it: a reduction's value lives at the
 * shortest prefix of the enclosing chain that holds its free indices, its
 * own index one level below. A subtree shared by two contexts (a softmax's
 * row maximum used by several walks) is computed once where the contexts
 * agree on that prefix, and copied where they do not. */
static lx *assign_chains(lw *L, lx *x, int enclosing)
{
    if (!x) return NULL;
    switch (x->kind) {
    case FF_IR_ACCESS:
        if (x->acc >= 0 && L->acc[x->acc].chain_end != enclosing) x = clone(L, x);
        if (x->acc < 0) new_access(L, x, enclosing);
        return x;
    case FF_IR_CONST:
        return x;
    case LW_REPLAY: /* a leaf, like an access: its value lives where it is used */
        if (x->chain >= 0 && x->chain != enclosing) x = clone(L, x);
        x->chain = enclosing;
        /* a producer's capture is in no expression: placed from its use */
        if (x->cap->chain < 0) x->cap = assign_chains(L, x->cap, enclosing);
        return x;
    case FF_IR_REDUCE: {
        if (x->chain == -2) { /* an accumulated sum: part of the top chain */
            x->a = assign_chains(L, x->a, enclosing);
            return x;
        }
        if (x->free & ~chain_set(L, enclosing))
            lw_fail(L, x->pos, "internal: reduction over %s uses indices outside its scope", L->idx[x->index].name);
        int pre = enclosing;
        /* walk up while the parent still holds every free index */
        while (pre >= 0) {
            int up = L->levels[pre].parent;
            if ((x->free & ~chain_set(L, up)) != 0) break;
            pre = up;
        }
        if (x->chain >= 0) {
            if (x->prefix == pre) return x; /* shared, and placed right for this context too */
            x = clone(L, x);
        }
        /* In the loop order the reduction index must come after every
         * index of its prefix: a reducer reduces the innermost level. */
        for (int l = pre; l >= 0; l = L->levels[l].parent)
            if (L->pos_of[L->levels[l].index] > L->pos_of[x->index] && L->idx[x->index].kind != LW_IDX_EXPANSION &&
                L->idx[L->levels[l].index].kind != LW_IDX_EXPANSION)
                lw_fail(L, x->pos, "the order puts %s before %s, but the sum over %s is inside the loop over %s "
                        "(only a reduction at the top of a statement can be accumulated out of order)",
                        L->idx[x->index].name, L->idx[L->levels[l].index].name, L->idx[x->index].name,
                        L->idx[L->levels[l].index].name);
        x->prefix = pre;
        x->chain = get_level(L, pre, x->index, x);
        x->a = assign_chains(L, x->a, x->chain);
        return x;
    }
    default:
        /* A node reached again from another loop nest is that nest's own
         * copy: its value has to live on that nest's levels. */
        if (x->placed_under == enclosing) return x;
        if (x->placed_under != -2) x = clone(L, x);
        x->placed_under = enclosing;
        x->a = assign_chains(L, x->a, enclosing);
        x->b = assign_chains(L, x->b, enclosing);
        return x;
    }
}


/* ------------------------------------------------------------------ */
/* legal: every access follows its tensor's level order                */
/* ------------------------------------------------------------------ */

int lw_iterates(lw *L, const access *a, int next, int lvl)
{
    if (!lw_is_ancestor(L, lvl, a->chain_end)) return 0;
    const ff_ir_tensor *t = &L->p->tensors[a->tensor];
    const ff_format *f = lw_tfmt(L, a->tensor);
    int v = L->levels[lvl].index;
    if (next >= f->nlevels) return 0;
    int mode = f->lv[next].mode;
    if (a->node->idx[mode] == v) return 1;
    /* v is indexed by a later level of this tensor: the order is illegal */
    for (int l = next + 1; l < f->nlevels; l++)
        if (a->node->idx[f->lv[l].mode] == v)
            lw_fail(L, a->node->pos, "tensor %s (%s) cannot be iterated in this order: its levels go %s before %s; "
                    "store it in another format or choose another order",
                    t->name, t->format_text, L->idx[a->node->idx[mode]].name, L->idx[v].name);
    return 0;
}

void lw_level_order(const lw *L, int *order)
{
    unsigned char done[LW_MAX_LEVELS] = {0};
    int ndone = 0;
    while (ndone < L->nlevels) {
        for (int l = 0; l < L->nlevels; l++) {
            if (done[l]) continue;
            int parent = L->levels[l].parent;
            if (parent >= 0 && !done[parent]) continue;
            order[ndone++] = l;
            done[l] = 1;
        }
    }
}

/* What takes part in the merge at one level (check_merge). */
typedef struct merge_parts {
    const lx *replay;    /* a replay that drives the level */
    int sparse;          /* an access iterates a compressed level here */
} merge_parts;

_Noreturn void lw_refuse_replay_site(lw *L, const lx *cap, const char *why)
{
    L->refused_site = cap->site;
    lw_fail(L, L->st->pos, "%s", why);
}

_Noreturn void lw_refuse_replay(lw *L, int lvl, const lx *replay, const char *why)
{
    L->refused_site = replay->cap->site;
    lw_fail(L, L->st->pos, "--reuse buffer: the walk over %s cannot read its operand back from a stream buffer: %s",
            L->idx[L->levels[lvl].index].name, why);
}

/* The accesses of x that take part in the merge at level lvl, checked in
 * the order emit.c's merge tree meets them (build_mt): a broadcast operand
 * and a reduction whose chain misses lvl take no part. A replay intersects
 * with the other operands (its values ride a joiner's lane), but a sum
 * (a union, which may cover the level and locate it) or a mask's value
 * (located) cannot be a replay: refused here, where the plan is made, so
 * the cost model plans what the lowering emits. */
static merge_parts check_merge(lw *L, const lx *x, int lvl, const int *next)
{
    merge_parts r = {NULL, 0}, a, b;
    if (!x) return r;
    switch (x->kind) {
    case FF_IR_ACCESS:
        if (lw_iterates(L, &L->acc[x->acc], next[x->acc], lvl))
            r.sparse = lw_tfmt(L, x->tensor)->lv[next[x->acc]].fmt != FF_LVL_DENSE;
        return r;
    case FF_IR_CONST:
        return r;
    case LW_REPLAY:
        if (L->levels[lvl].index != x->index) return check_merge(L, x->cap->a, lvl, next);
        r.replay = lw_is_ancestor(L, lvl, x->chain) ? x : NULL;
        return r;
    case FF_IR_REDUCE:
        if (x->chain != -2 && !lw_is_ancestor(L, lvl, x->chain)) return r;
        return check_merge(L, x->a, lvl, next);
    case FF_IR_MASK:
        a = check_merge(L, x->a, lvl, next);
        b = check_merge(L, x->b, lvl, next);
        if (b.replay) lw_refuse_replay(L, lvl, b.replay, "a mask would locate it");
        r.replay = a.replay;
        r.sparse = a.sparse | b.sparse;
        return r;
    case FF_IR_BINARY:
        a = check_merge(L, x->a, lvl, next);
        if (x->bcast_b) return a;
        b = check_merge(L, x->b, lvl, next);
        r.replay = a.replay ? a.replay : b.replay;
        if (r.replay && (x->op == FF_ALU_ADD || x->op == FF_ALU_SUB))
            lw_refuse_replay(L, lvl, r.replay, "a sum walks the union of its operands' coordinates");
        r.sparse = a.sparse | b.sparse;
        return r;
    default:
        a = check_merge(L, x->a, lvl, next);
        b = check_merge(L, x->b, lvl, next);
        r.replay = a.replay ? a.replay : b.replay;
        r.sparse = a.sparse | b.sparse;
        return r;
    }
}

/* Walks every access down its chain as emission will, level by level in
 * emission's order: an access moves to its tensor's next level where it
 * iterates one. Meets an illegal order where emission would first meet it,
 * with the same message -- but before any node is made, so the cost model
 * rejects what the lowering rejects. */
static void check_levels(lw *L)
{
    int order[LW_MAX_LEVELS], next[LW_MAX_ACCESS] = {0}, step[LW_MAX_ACCESS];
    lw_level_order(L, order);
    for (int i = 0; i < L->nlevels; i++) {
        int lvl = order[i];
        check_merge(L, L->levels[lvl].owner ? L->levels[lvl].owner->a : L->root, lvl, next);
        for (int k = 0; k < L->nacc; k++) step[k] = lw_iterates(L, &L->acc[k], next[k], lvl);
        for (int k = 0; k < L->nacc; k++) next[k] += step[k];
    }
}

/* ------------------------------------------------------------------ */
/* the statement                                                       */
/* ------------------------------------------------------------------ */

/* Copies the statement (fusing producers in) and numbers the indices. */
void lw_copy_stmt(lw *L)
{
    for (int m = 0; m < L->st->nlhs; m++) lw_local_index(L, L->st->lhs_idx[m]);
    L->root = copy_ir(L, L->st->rhs, NULL, 0);
}

/* Counts each node's parents in the expression DAG (each node once). */
static void count_uses(lx *x)
{
    if (!x || x->nuses++) return;
    if (x->kind == LW_REPLAY) { /* a softmax's capture is used elsewhere too; a producer's only here */
        if (!x->cap->nuses) count_uses(x->cap);
        return;
    }
    count_uses(x->a);
    count_uses(x->b);
}

/* Block mode: the blocked indices are those that walk a mode of a tensor
 * stored in B x B blocks; every tensor is then read in blocks along them,
 * and iterated by its block levels (the offset levels are the blocks). */
static void plan_blocks(lw *L)
{
    if (!L->B) return;
    const ff_ir_program *p = L->p;
    for (int i = 0; i < L->nnodes; i++) {
        lx *x = L->nodes[i];
        if (x->kind != FF_IR_ACCESS) continue;
        const ff_format *f = &p->tensors[x->tensor].fmt;
        for (int l = 0; l < f->nlevels; l++) {
            if (f->lv[l].split == FF_SPLIT_NONE) continue;
            if ((int)f->lv[l].block != L->B)
                lw_fail(L, x->pos, "--block %d: tensor %s is stored in blocks of %u; a graph has one block size", L->B,
                        lw_tname(L, x->tensor), f->lv[l].block);
            L->blocked |= 1ull << x->idx[f->lv[l].mode];
        }
    }
    if (!L->blocked) {
        L->B = 0; /* nothing here is stored in blocks: the statement stays scalar */
        return;
    }
    unsigned char *seen = L->tseen;
    memset(seen, 0, (size_t)L->p->ntensors);
    for (int i = 0; i < L->nnodes; i++) {
        lx *x = L->nodes[i];
        if (x->kind != FF_IR_ACCESS) continue;
        unsigned bm = 0;
        int nb = 0;
        for (int m = 0; m < x->nidx; m++)
            if (lw_is_blocked(L, x->idx[m])) {
                bm |= 1u << m;
                nb++;
            }
        if (seen[x->tensor] && L->bmodes[x->tensor] != bm)
            lw_fail(L, x->pos, "--block %d: tensor %s is read in blocks along different modes in different places",
                    L->B, lw_tname(L, x->tensor));
        if (nb > 2)
            lw_fail(L, x->pos, "--block %d: tensor %s would be read in blocks of %d dims; a block has at most two", L->B,
                    lw_tname(L, x->tensor), nb);
        seen[x->tensor] = 1;
        L->bmodes[x->tensor] = (unsigned char)bm;
        ff_format f = lw_scalar_format(&p->tensors[x->tensor].fmt);
        for (int l = 0; l < f.nlevels; l++)
            if ((bm >> f.lv[l].mode) & 1) {
                f.lv[l].split = FF_SPLIT_OUTER;
                f.lv[l].block = (uint32_t)L->B;
            }
        L->fmt[x->tensor] = f;
    }
}


/* Every replay must read its buffer inside the loops that filled it: the
 * level it walks lies below its capture's prefix (an order that puts the
 * walk's own index above the capture's rows cannot buffer it). */
static void check_replays(lw *L)
{
    for (int i = 0; i < L->nnodes; i++) {
        const lx *x = L->nodes[i];
        if (x->kind != LW_REPLAY || x->chain < 0) continue;
        int lvl = x->chain;
        while (lvl >= 0 && L->levels[lvl].index != x->index) lvl = L->levels[lvl].parent;
        if (lvl < 0 || x->cap->chain < 0 || !lw_is_ancestor(L, x->cap->prefix, L->levels[lvl].parent)) {
            L->refused_site = x->cap->site;
            lw_fail(L, x->pos, "--reuse buffer: the order walks %s outside the loops that compute it once; "
                    "it cannot be read back from a stream buffer", L->idx[x->index].name);
        }
    }
}

/* Buffered producers: a fused producer's expression x, used inside the
 * loops ctx[0..nctx) (outermost first), is recomputed once per iteration of
 * every loop that lies between the loops it depends on and its innermost
 * index v -- F1[s,f] inside Y's loops s, m, f is recomputed for every m.
 * Such a use becomes a replay of a capture that computes x's fiber along v
 * once, under the loops holding its other indices. The capture's own
 * operand is searched the same way in its own loops. memo: per original
 * node id (< nmemo), what it became (a node shared by two parents is
 * replaced once). */
typedef struct revisit_memo {
    lx **to;
    int n;
    int site;            /* the site being made */
} revisit_memo;

/* Whether x does work per element of its fiber along v beyond a fixed
 * number of ALU ops: a reduction that depends on v (a dot product per
 * element). Reductions that do not are computed once per fiber wherever x
 * is used, and a replay costs what recomputing the rest does. */
static int work_per_element(const lx *x, int v)
{
    if (!x || x->kind == LW_REPLAY) return 0;
    if (x->kind == FF_IR_REDUCE && ((x->free >> v) & 1)) return 1;
    return work_per_element(x->a, v) || work_per_element(x->b, v);
}

/* Whether x holds an accumulated top sum: its loop is the top chain's, so
 * the top chain's loops between x's indices are x's own, not revisits. */
static int holds_top_sum(const lx *x)
{
    if (!x || x->kind == LW_REPLAY) return 0;
    if (x->kind == FF_IR_REDUCE && x->chain == -2) return 1;
    return holds_top_sum(x->a) || holds_top_sum(x->b);
}

/* Whether --reuse auto may hold x's tensor whole on chip: its dense size
 * fits the on-chip memory (unchecked without sizes or a capacity). */
static int hold_fits(const lw *L, const lx *x)
{
    if (!L->hold_words || !L->sizes) return 1;
    const ff_ir_tensor *t = &L->p->tensors[x->inlined - 1];
    double words = 1;
    for (int m = 0; m < t->order; m++) words *= (double)L->sizes[t->dims[m]];
    return words <= (double)L->hold_words;
}

static lx *buffer_revisits(lw *L, lx *x, const int *ctx, int nctx, revisit_memo *memo)
{
    if (!x) return NULL;
    if (x->id < memo->n && memo->to[x->id]) return memo->to[x->id];
    lx *out = x;
    int vpos = -1;
    for (int k = 0; k < nctx; k++)
        if ((x->free >> ctx[k]) & 1) vpos = k;
    int revisit = 0, pend = -1;
    if (x->inlined && vpos >= 0 && x->kind != FF_IR_ACCESS && !holds_top_sum(x)) {
        int v = ctx[vpos];
        uint64_t rest = x->free & ~(1ull << v), seen = 0;
        for (int k = 0; k < vpos; k++) {
            if ((rest >> ctx[k]) & 1) pend = k;
            seen |= 1ull << ctx[k];
        }
        for (int k = pend + 1; k < vpos; k++)
            if (!((x->free >> ctx[k]) & 1)) revisit = 1;
        /* a loop above its own that it does not depend on: it comes back
         * to a fiber it computed, after others -- revisited whole; so is a
         * vector revisited (its one fiber is all of it: a buffer would
         * replay it in full where the consumer may locate a few entries) */
        int whole = revisit && pend < 0;
        for (int k = 0; k <= pend; k++)
            if (!((x->free >> ctx[k]) & 1)) whole = 1;
        if ((rest & ~seen) != 0) revisit = whole = 0; /* not all of its loops enclose it here */
        int work = work_per_element(x, v);
        if (L->held && (L->reuse == FF_REUSE_HOLD ? revisit || whole
                                                  : L->reuse == FF_REUSE_AUTO && whole && work && hold_fits(L, x))) {
            /* held: computed in a phase of its own (ff_kernel_root_held) */
            L->held[x->inlined - 1] = 1;
            if (x->id < memo->n) memo->to[x->id] = x;
            return x;
        }
        /* --reuse auto buffers what recomputing would cost more than a
         * replay; --reuse buffer everything revisited */
        if (L->reuse == FF_REUSE_AUTO && !work) revisit = 0;
        int site = -1;
        if (revisit && !next_site(L, &site)) revisit = 0;
        memo->site = site;
    }
    if (revisit) {
        int v = ctx[vpos];
        int v2 = fresh_index(L, v);
        L->pos_of[v2] = 1000 + v2;
        if (lw_is_blocked(L, v)) L->blocked |= 1ull << v2;
        lx *body = rename_copy(L, x, v, v2);
        body->inlined = 0; /* computed in place, inside its capture */
        lx *cap = mk_red(L, LW_RED_CAPTURE, v2, body);
        cap->inlined = x->inlined; /* what it captures, for messages */
        cap->site = memo->site;
        lw_compute_free(cap);
        int cctx[LW_MAX_IDX], n = 0;
        for (int k = 0; k <= pend; k++) cctx[n++] = ctx[k];
        cctx[n++] = v2;
        cap->a = buffer_revisits(L, cap->a, cctx, n, memo);
        out = mk_replay(L, cap, v);
    } else {
        switch (x->kind) {
        case FF_IR_ACCESS:
        case FF_IR_CONST:
        case LW_REPLAY:
            break;
        case FF_IR_REDUCE: {
            if (x->chain == -2) { /* an accumulated top sum: iterated by the top chain */
                x->a = buffer_revisits(L, x->a, ctx, nctx, memo);
                break;
            }
            /* its loops: the shortest prefix of ctx holding its free
             * indices (assign_chains' rule), then its own index */
            int inner[LW_MAX_IDX], n = 0, k = 0;
            uint64_t need = x->free, have = 0;
            while ((need & ~have) && k < nctx) {
                have |= 1ull << ctx[k];
                inner[n++] = ctx[k++];
            }
            inner[n++] = x->index;
            x->a = buffer_revisits(L, x->a, inner, n, memo);
            break;
        }
        default:
            x->a = buffer_revisits(L, x->a, ctx, nctx, memo);
            x->b = buffer_revisits(L, x->b, ctx, nctx, memo);
            break;
        }
    }
    if (x->id < memo->n) memo->to[x->id] = out;
    return out;
}

/* Peels unary ops and directly nested sums off the top of the expression:
 * the shape an accumulator can compute. */
static lx *peel_top_sums(lw *L, lx *x)
{
    while (x->kind == FF_IR_UNARY) {
        if (L->nun == LW_MAX_TOP_OPS) lw_fail(L, x->pos, "more than %d functions applied at the top of a statement", LW_MAX_TOP_OPS);
        L->unary_ops[L->nun++] = x->op;
        x = x->a;
    }
    while (x->kind == FF_IR_REDUCE && x->op == FF_IR_RED_SUM) {
        if (L->nsums == LW_MAX_TOP_OPS) lw_fail(L, x->pos, "more than %d sums nested at the top of a statement", LW_MAX_TOP_OPS);
        L->sums[L->nsums++] = x;
        x = x->a;
    }
    return x;
}

void lw_plan(lw *L, char (*order)[FF_LOWER_NAME], int norder)
{
    lw_copy_stmt(L);
    plan_blocks(L);
    /* Indices the order does not name (softmax/layernorm walks) come after
     * everything: each is innermost in its own scope. */
    for (int i = 0; i < L->nidx; i++) L->pos_of[i] = 1000 + i;
    for (int k = 0; k < norder; k++) {
        int v = lw_find_index(L, order[k]);
        if (v < 0) lw_fail(L, L->st->pos, "the order names '%s', which this statement does not have", order[k]);
        L->pos_of[v] = k;
    }
    for (int i = 0; i < L->nidx; i++)
        if (L->pos_of[i] >= 1000 && L->idx[i].kind != LW_IDX_EXPANSION)
            lw_fail(L, L->st->pos, "the order does not place index %s", L->idx[i].name);
    lw_compute_free(L->root);

    int nlhs = L->nlhs = L->st->nlhs;
    for (int m = 0; m < nlhs; m++) L->lhs[m] = lw_local_index(L, L->st->lhs_idx[m]);

    /* Is the top a reduction that the order puts above an output index? */
    L->core = peel_top_sums(L, L->root);
    int spacc = 0;
    for (int s = 0; s < L->nsums; s++)
        for (int m = 0; m < nlhs; m++)
            if (L->pos_of[L->sums[s]->index] < L->pos_of[L->lhs[m]]) spacc = 1;
    /* Reductions inside the accumulated sum (a softmax's row maximum, a
     * dot product) get levels along the top chain and broadcast their
     * values into the points; only the accumulated sums themselves must be
     * at the top. */
    if (spacc && nlhs > 2)
        lw_fail(L, L->st->pos, "a reduction above output indices accumulates at most two output indices");
    L->spacc = spacc;

    /* the top chain: output indices (and accumulated sums) in loop order */
    L->ntop = 0;
    for (int k = 0; k < L->nidx; k++) {
        int v = -1;
        for (int i = 0; i < L->nidx; i++)
            if (L->pos_of[i] == k) v = i;
        if (v < 0) continue;
        int on_top = 0;
        for (int m = 0; m < nlhs; m++)
            if (L->lhs[m] == v) on_top = 1;
        for (int s = 0; spacc && s < L->nsums; s++)
            if (L->sums[s]->index == v) on_top = 1;
        if (on_top) L->top[L->ntop++] = v;
    }
    int parent = -1;
    for (int k = 0; k < L->ntop; k++) L->chain[k] = parent = get_level(L, parent, L->top[k], NULL);
    L->top_chain = parent;
    if (spacc) /* the sums are iterated as part of the top chain */
        for (int s = 0; s < L->nsums; s++) L->sums[s]->chain = L->sums[s]->prefix = -2;
    if (L->buffer && L->fuse) {
        revisit_memo memo = {ff_xcalloc((size_t)L->nnodes + 1, sizeof *memo.to), L->nnodes};
        L->root = buffer_revisits(L, L->root, L->top, L->ntop, &memo);
        free(memo.to);
        lw_compute_free(L->root);
    }
    L->root = assign_chains(L, L->root, parent);
    if (spacc) L->core = L->sums[L->nsums - 1]->a;
    for (int i = 0; i < L->nnodes; i++) L->nodes[i]->nuses = 0;
    count_uses(L->root);

    /* output levels: the LHS indices' levels of the top chain */
    L->nout = 0;
    for (int k = 0; k < L->ntop; k++)
        for (int m = 0; m < nlhs; m++)
            if (L->lhs[m] == L->top[k]) {
                L->out_chain[L->nout] = L->chain[k];
                L->out_modes[L->nout++] = m;
            }
    check_replays(L);
    check_levels(L);
}

/* ------------------------------------------------------------------ */
/* the plan's life                                                     */
/* ------------------------------------------------------------------ */

lw *lw_new(const ff_ir_program *p, int stmt, const ff_lower_opts *opts, ff_err *err)
{
    lw *L = ff_xcalloc(1, sizeof *L);
    L->p = p;
    L->st = &p->stmts[stmt];
    L->err = err;
    L->fuse = opts ? opts->fuse : NULL;
    L->fmt = ff_xcalloc((size_t)p->ntensors + 1, sizeof *L->fmt);
    L->bmodes = ff_xcalloc((size_t)p->ntensors + 1, 1);
    L->tseen = ff_xcalloc((size_t)p->ntensors + 1, 1);
    L->B = opts ? opts->block : 0;
    L->buffer = !opts || opts->reuse != FF_REUSE_RECOMPUTE;
    L->reuse = opts ? opts->reuse : FF_REUSE_AUTO;
    L->refused_site = -1;
    L->buffer_words = opts ? opts->buffer_words : 0;
    L->hold_words = opts ? opts->hold_words : 0;
    L->sizes = opts ? opts->sizes : NULL;
    L->bound = opts ? opts->bound_sizes : NULL;
    L->held = ff_xcalloc((size_t)p->ntensors + 1, 1);
    L->contract = -1;
    L->top_chain = -1;
    for (int t = 0; t < p->ntensors; t++) L->fmt[t] = lw_scalar_format(&p->tensors[t].fmt);
    return L;
}

void lw_delete(lw *L)
{
    if (!L) return;
    ff_graph_free(L->par.g);
    free(L->par.id);
    free(L->par.fork_of);
    free(L->par.ser_of);
    free(L->node_lvl);
    free(L->node_gen);
    free(L->bax_n);
    free(L->bax);
    free(L->bmodes);
    free(L->tseen);
    free(L->held);
    lw_merge_pool_free(L->merge_pool);
    for (int i = 0; i < L->nnodes; i++) free(L->nodes[i]);
    free(L->nodes);
    free(L->fmt);
    free(L);
}

int lw_plan_new(const ff_ir_program *p, int stmt, const ff_lower_opts *opts, lw **out, ff_err *err)
{
    ff_lower_opts o;
    int rc = lw_complete_opts(p, stmt, opts, &o, err);
    if (rc) return rc;
    uint64_t off = 0;
    for (;;) {
        lw *L = lw_new(p, stmt, &o, err);
        L->sites_off = off;
        if (setjmp(L->fail)) {
            /* as lowering does: a site that cannot be buffered is recomputed */
            int site = L->refused_site;
            lw_delete(L);
            if (lw_retry_site(&off, site, err)) continue;
            return err ? err->code : FF_EINVAL;
        }
        lw_plan(L, o.order, o.norder);
        *out = L;
        return 0;
    }
}

int lw_buffer_sites(const ff_ir_program *p, int stmt, const ff_lower_opts *opts, ff_err *err)
{
    lw *L = NULL;
    int rc = lw_plan_new(p, stmt, opts, &L, err);
    if (rc) return rc < 0 ? rc : -rc;
    int n = 0;
    for (int i = 0; i < L->nnodes; i++) {
        const lx *x = L->nodes[i];
        if (x->kind != LW_REPLAY) continue;
        int first = 1; /* count each capture once */
        for (int k = 0; k < i; k++)
            if (L->nodes[k]->kind == LW_REPLAY && L->nodes[k]->cap == x->cap) first = 0;
        n += first;
    }
    lw_delete(L);
    return n;
}

int lw_held_stmts(const ff_ir_program *p, int stmt, const ff_lower_opts *opts, unsigned char *held, ff_err *err)
{
    lw *L = NULL;
    int rc = lw_plan_new(p, stmt, opts, &L, err);
    if (rc) return rc < 0 ? rc : -rc;
    int n = 0;
    for (int s = 0; s < p->nstmts; s++)
        if (L->held[p->stmts[s].lhs] && !held[s]) {
            held[s] = 1;
            n++;
        }
    lw_delete(L);
    return n;
}

int ff_lower_indices(const ff_ir_program *p, int stmt, const ff_lower_opts *opts, char names[][FF_LOWER_NAME],
                     ff_err *err)
{
    if (stmt < 0 || stmt >= p->nstmts) return ff_err_set(err, FF_EINVAL, "no statement %d", stmt);
    lw *L = lw_new(p, stmt, opts, err);
    if (setjmp(L->fail)) {
        lw_delete(L);
        return err ? err->code : FF_EINVAL;
    }
    lw_copy_stmt(L);
    /* first-appearance order: own indices, then the rest as copied */
    int n = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < L->nidx; i++) {
            int want = pass == 0 ? LW_IDX_OWN : LW_IDX_INLINED;
            if (L->idx[i].kind == want) snprintf(names[n++], FF_LOWER_NAME, "%s", L->idx[i].name);
        }
    lw_delete(L);
    return n;
}
