/*
 * lower.c -- a statement of the tensor IR to a dataflow graph.
 *
 * The passes, in order (ff_lower_stmt):
 *   copy     the statement's expression into a DAG of lx nodes over local
 *            index ids, expanding softmax and layernorm into reductions
 *            over fresh indices whose results are shared (computed once,
 *            broadcast where used)
 *   free     free-index sets of every node
 *   chains   the level trie: the top chain (output indices in loop order,
 *            plus accumulated reduction indices), and for every reduction
 *            its own level below the shortest prefix holding its free
 *            indices -- so a row maximum is computed once per row, not
 *            once per element of the row
 *   levels   per level, top-down: merge the accesses that iterate it,
 *            locate the rest that index it, repeat the ones that do not
 *   values   arrays, ALUs, reducers (value streams at their levels, repeated
 *            down to where they are used)
 *   outputs  coordinate drops and writers, or sparse accumulators
 * A user error anywhere unwinds through lw->fail with err filled.
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

/* ------------------------------------------------------------------ */
/* The graph under construction                                        */
/* ------------------------------------------------------------------ */

static pref P(int node, const char *port)
{
    pref r;
    r.node = node;
    snprintf(r.port, sizeof r.port, "%s", port);
    return r;
}

/* A node with a readable, unique name: "base", "base_2", ... */
static int gnode(lw *L, ff_prim_kind kind, const char *fmt, ...)
{
    char base[96], name[112];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(base, sizeof base, fmt, ap);
    va_end(ap);
    snprintf(name, sizeof name, "%s", base);
    for (int k = 2; ff_graph_find_node(L->g, name) >= 0; k++) snprintf(name, sizeof name, "%s_%d", base, k);
    int id = ff_graph_add_node(L->g, name, kind, L->err);
    if (id < 0) longjmp(L->fail, 1);
    if (id >= L->node_cap) {
        L->node_cap = L->node_cap ? 2 * L->node_cap : 256;
        L->node_lvl = ff_xrealloc(L->node_lvl, (size_t)L->node_cap * sizeof *L->node_lvl);
        L->node_gen = ff_xrealloc(L->node_gen, (size_t)L->node_cap);
        L->bax_n = ff_xrealloc(L->bax_n, (size_t)L->node_cap);
        L->bax = ff_xrealloc(L->bax, (size_t)L->node_cap * sizeof *L->bax);
    }
    L->bax_n[id] = 0;
    L->node_lvl[id] = L->ctx_lvl;
    L->node_gen[id] = (unsigned char)L->ctx_gen;
    return id;
}

/* The level node `id`'s streams live at (see lw.node_lvl). */
static void at_level(lw *L, int id, int lvl) { L->node_lvl[id] = lvl; }

static void gset_str(lw *L, int node, const char *key, const char *v)
{
    if (ff_node_set_str(L->g, node, key, v, L->err) < 0) longjmp(L->fail, 1);
}

static void gset_int(lw *L, int node, const char *key, int64_t v)
{
    if (ff_node_set_int(L->g, node, key, v, L->err) < 0) longjmp(L->fail, 1);
}

static void gconn(lw *L, pref from, int to, const char *port)
{
    if (ff_graph_connect(L->g, from.node, from.port, to, port, 0, L->err) < 0) longjmp(L->fail, 1);
}

static const char *tname(lw *L, int t) { return L->p->tensors[t].name; }

/* "T:m" for the size of local index v: a mode some access of the statement
 * indexes with v (so the tensor is bound whenever the graph runs). */
static int is_blocked(const lw *L, int v) { return L->B && ((L->blocked >> v) & 1); }

/* With `blocks`, a blocked index's size counts blocks ("T:m/B"). */
static void size_text(lw *L, int v, int blocks, char *buf, size_t n)
{
    for (int i = 0; i < L->nnodes; i++) {
        lx *x = L->nodes[i];
        if (x->kind != FF_IR_ACCESS) continue;
        for (int m = 0; m < x->nidx; m++)
            if (x->idx[m] == v) {
                if (blocks && is_blocked(L, v)) snprintf(buf, n, "%s:%d/%d", tname(L, x->tensor), m, L->B);
                else snprintf(buf, n, "%s:%d", tname(L, x->tensor), m);
                return;
            }
    }
    const ff_ir_size *sz = &L->p->sizes[L->idx[v].size];
    if (sz->literal > 0) {
        long long size = sz->literal;
        if (blocks && is_blocked(L, v)) size = (size + L->B - 1) / L->B;
        snprintf(buf, n, "%lld", size);
        return;
    }
    lw_fail(L, L->st->pos, "the size of index %s is not given by any tensor the statement reads", L->idx[v].name);
}

/* The format a tensor is read in: as declared, or for a blocked format its
 * unblocked equivalent -- each mode once, in the order its block index is
 * iterated, compressed if any of its levels is -- which the scalar lowering
 * walks element by element (bcsr(B) reads as csr). */
static ff_format scalar_format(const ff_format *f)
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

static const ff_format *tfmt(lw *L, int t) { return &L->fmt[t]; }

/* ------------------------------------------------------------------ */
/* copy: IR expression -> lx DAG, with softmax/layernorm expanded      */
/* ------------------------------------------------------------------ */

static lx *new_lx(lw *L, ff_ir_kind kind, ff_srcpos pos)
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

static int find_index(lw *L, const char *name)
{
    for (int i = 0; i < L->nidx; i++)
        if (strcmp(L->idx[i].name, name) == 0) return i;
    return -1;
}

/* A name not taken yet: base, base2, base3, ... */
static void unique_name(lw *L, const char *base, char *out, size_t n)
{
    snprintf(out, n, "%.24s", base);
    for (int k = 2; find_index(L, out) >= 0 && k < 1000; k++) snprintf(out, n, "%.24s%d", base, k % 1000);
}

/* The lowered statement's own index. */
static int local_index(lw *L, int prog_index)
{
    for (int i = 0; i < L->nidx; i++)
        if (L->idx[i].prog_index == prog_index && L->idx[i].kind == LW_IDX_OWN) return i;
    return add_index(L, L->p->indices[prog_index].name, L->p->indices[prog_index].size, prog_index, LW_IDX_OWN);
}

/* A program index while copying under `map` (a fused producer): mapped, or
 * renamed apart as "k_XW". */
static int mapped_index(lw *L, idxmap *map, int prog_index)
{
    if (!map) return local_index(L, prog_index);
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
    if (x->kind == FF_IR_REDUCE && x->index == v) return 1;
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
    y->nidx = x->nidx;
    for (int m = 0; m < x->nidx; m++) y->idx[m] = x->idx[m] == from ? to : x->idx[m];
    y->bcast_b = x->bcast_b;
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

/* softmax[j](a): m = max[j1](a'), s = sum[j2](exp(a'' - m)),
 * result exp(a - m) / s -- exactly the interpreter's sequence of ops. */
static lx *expand_softmax(lw *L, lx *a, int j)
{
    int j1 = fresh_index(L, j), j2 = fresh_index(L, j);
    lx *m = mk_red(L, FF_IR_RED_MAX, j1, rename_copy(L, a, j, j1));
    lx *e2 = mk_un(L, FF_ALU_EXP, mk_bin(L, FF_ALU_SUB, rename_copy(L, a, j, j2), m, 1));
    lx *s = mk_red(L, FF_IR_RED_SUM, j2, e2);
    lx *e = mk_un(L, FF_ALU_EXP, mk_bin(L, FF_ALU_SUB, a, m, 1));
    return mk_bin(L, FF_ALU_DIV, e, s, 1);
}

/* layernorm[j](a): n = count, mean = sum/n, d = a - mean,
 * var = sum(d*d)/n, result d * rsqrt(var + eps). */
static lx *expand_layernorm(lw *L, lx *a, int j)
{
    int j1 = fresh_index(L, j), j2 = fresh_index(L, j), j3 = fresh_index(L, j);
    lx *n = mk_red(L, FF_IR_RED_SUM, j1, mk_un(L, LW_FN_ONE, rename_copy(L, a, j, j1)));
    lx *mean = mk_bin(L, FF_ALU_DIV, mk_red(L, FF_IR_RED_SUM, j2, rename_copy(L, a, j, j2)), n, 0);
    lx *d3 = mk_bin(L, FF_ALU_SUB, rename_copy(L, a, j, j3), mean, 1);
    lx *var = mk_bin(L, FF_ALU_DIV, mk_red(L, FF_IR_RED_SUM, j3, mk_bin(L, FF_ALU_MUL, d3, d3, 0)), n, 0);
    /* eps = one unit in the last place: the word 1 */
    lx *inv = mk_un(L, FF_ALU_RSQRT, mk_bin(L, FF_ALU_ADD, var, mk_const(L, 1, a->pos), 0));
    lx *d = mk_bin(L, FF_ALU_SUB, a, mean, 1);
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
             * indices bound to this access's indices, its own renamed apart. */
            idxmap sub = {.tag = L->p->tensors[e->tensor].name};
            for (int m = 0; m < prod->nlhs; m++) {
                sub.prog[sub.n] = prod->lhs_idx[m];
                sub.local[sub.n++] = mapped_index(L, map, e->idx[m]);
            }
            return copy_ir(L, prod->rhs, &sub, depth + 1);
        }
    }
    lx *x = new_lx(L, e->kind, e->pos);
    x->op = e->op;
    x->value = e->value;
    switch (e->kind) {
    case FF_IR_ACCESS:
        x->tensor = e->tensor;
        x->nidx = e->nidx;
        for (int m = 0; m < e->nidx; m++) x->idx[m] = mapped_index(L, map, e->idx[m]);
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
        int j = mapped_index(L, map, e->index);
        lx *a = copy_ir(L, e->a, map, depth);
        return e->kind == FF_IR_SOFTMAX ? expand_softmax(L, a, j) : expand_layernorm(L, a, j);
    }
    }
    lw_fail(L, e->pos, "unsupported expression");
}

/* ------------------------------------------------------------------ */
/* free indices                                                        */
/* ------------------------------------------------------------------ */

static uint64_t compute_free(lx *x)
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
        x->free = compute_free(x->a) & ~(1ull << x->index);
        break;
    default:
        x->free = compute_free(x->a) | compute_free(x->b);
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

static int is_ancestor(lw *L, int anc, int lvl)
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
/* levels: merges, locates and repeats                                 */
/* ------------------------------------------------------------------ */

/* The merge tree of an expression at one level. */
enum { MT_NEUTRAL, MT_FULL, MT_LEAF, MT_AND, MT_OR, MT_MASK };

typedef struct mt {
    int kind;
    int acc;            /* LEAF */
    struct mt *kid[8];  /* AND/OR children; MASK: kid[0] = mask leaf, kid[1] = value */
    int nkid;
} mt;

typedef struct mt_pool {
    mt nodes[16384];
    int n;
} mt_pool;

static mt *mt_new(lw *L, mt_pool *pool, int kind)
{
    if (pool->n == 16384) lw_fail(L, L->st->pos, "statement too large to lower");
    mt *m = &pool->nodes[pool->n++];
    memset(m, 0, sizeof *m);
    m->kind = kind;
    return m;
}

/* Does access a iterate level lvl next (its chain passes through lvl and
 * the tensor's next level is lvl's index)? Fails on an order the tensor's
 * levels cannot follow. */
static int iterates(lw *L, const access *a, int lvl)
{
    if (!is_ancestor(L, lvl, a->chain_end)) return 0;
    const ff_ir_tensor *t = &L->p->tensors[a->tensor];
    const ff_format *f = tfmt(L, a->tensor);
    int v = L->levels[lvl].index;
    if (a->next >= f->nlevels) return 0;
    int mode = f->lv[a->next].mode;
    if (a->node->idx[mode] == v) return 1;
    /* v is indexed by a later level of this tensor: the order is illegal */
    for (int l = a->next + 1; l < f->nlevels; l++)
        if (a->node->idx[f->lv[l].mode] == v)
            lw_fail(L, a->node->pos, "tensor %s (%s) cannot be iterated in this order: its levels go %s before %s; "
                    "store it in another format or choose another order",
                    t->name, t->format_text, L->idx[a->node->idx[mode]].name, L->idx[v].name);
    return 0;
}

static mt *build_mt(lw *L, mt_pool *pool, lx *x, int lvl)
{
    if (!x) return mt_new(L, pool, MT_NEUTRAL);
    switch (x->kind) {
    case FF_IR_ACCESS: {
        access *a = &L->acc[x->acc];
        if (!iterates(L, a, lvl)) return mt_new(L, pool, MT_NEUTRAL);
        mt *m = mt_new(L, pool, MT_LEAF);
        m->acc = x->acc;
        return m;
    }
    case FF_IR_CONST:
        return mt_new(L, pool, MT_NEUTRAL);
    case FF_IR_UNARY:
        return build_mt(L, pool, x->a, lvl);
    case FF_IR_REDUCE:
        /* An accumulated sum is iterated as part of the top chain. */
        if (x->chain == -2) return build_mt(L, pool, x->a, lvl);
        /* Its accesses take part where its chain passes through lvl. */
        if (!is_ancestor(L, lvl, x->chain)) return mt_new(L, pool, MT_NEUTRAL);
        return build_mt(L, pool, x->a, lvl);
    case FF_IR_MASK: {
        mt *m = mt_new(L, pool, MT_MASK);
        m->kid[0] = build_mt(L, pool, x->a, lvl);
        m->kid[1] = build_mt(L, pool, x->b, lvl);
        m->nkid = 2;
        if (m->kid[0]->kind == MT_NEUTRAL) m->kid[0]->kind = MT_FULL; /* the mask is constant along this level */
        return m;
    }
    case FF_IR_BINARY: {
        if (x->bcast_b) return build_mt(L, pool, x->a, lvl);
        mt *a = build_mt(L, pool, x->a, lvl), *b = build_mt(L, pool, x->b, lvl);
        int is_or = x->op == FF_ALU_ADD || x->op == FF_ALU_SUB;
        if (is_or) {
            if (a->kind == MT_NEUTRAL && b->kind == MT_NEUTRAL) return a;
            if (a->kind == MT_NEUTRAL || b->kind == MT_NEUTRAL || a->kind == MT_FULL || b->kind == MT_FULL) {
                /* a constant along this level covers the whole level */
                mt *f = mt_new(L, pool, MT_OR);
                f->kid[f->nkid++] = a->kind == MT_NEUTRAL ? mt_new(L, pool, MT_FULL) : a;
                f->kid[f->nkid++] = b->kind == MT_NEUTRAL ? mt_new(L, pool, MT_FULL) : b;
                return f;
            }
        } else {
            if (a->kind == MT_NEUTRAL) return b;
            if (b->kind == MT_NEUTRAL) return a;
        }
        mt *m = mt_new(L, pool, is_or ? MT_OR : MT_AND);
        m->kid[m->nkid++] = a;
        m->kid[m->nkid++] = b;
        return m;
    }
    default:
        lw_fail(L, x->pos, "internal: unexpanded expression");
    }
}

/* Leaves of a merge tree. */
static void mt_leaves(const mt *m, int *accs, int *n)
{
    if (m->kind == MT_LEAF) {
        for (int i = 0; i < *n; i++)
            if (accs[i] == m->acc) return;
        accs[(*n)++] = m->acc;
        return;
    }
    for (int i = 0; i < m->nkid; i++) mt_leaves(m->kid[i], accs, n);
}

static int leaf_dense(lw *L, int acc)
{
    const access *a = &L->acc[acc];
    return tfmt(L, a->tensor)->lv[a->next].fmt == FF_LVL_DENSE;
}

/* Whether the support along the level is every coordinate. */
static int mt_covers(lw *L, const mt *m)
{
    switch (m->kind) {
    case MT_NEUTRAL:
    case MT_FULL: return 1;
    case MT_LEAF: return leaf_dense(L, m->acc);
    case MT_AND:
        for (int i = 0; i < m->nkid; i++)
            if (!mt_covers(L, m->kid[i])) return 0;
        return 1;
    case MT_OR:
        for (int i = 0; i < m->nkid; i++)
            if (mt_covers(L, m->kid[i])) return 1;
        return 0;
    case MT_MASK: return mt_covers(L, m->kid[0]);
    }
    return 0;
}

/* A realized iteration: the coordinate stream and, per scanned access, its
 * reference stream aligned with it. */
typedef struct side {
    pref crd, ref;
    int acc;
} side;

typedef struct iter {
    side s[16];
    int n;
    int located[LW_MAX_ACCESS]; /* accesses to locate against the final coordinates */
    int nlocated;
} iter;

static const char *level_fmt_name(lw *L, int acc)
{
    return leaf_dense(L, acc) ? "dense" : "compressed";
}

/* Scans access acc's next level from its current reference stream; an
 * access of the same tensor with the same reference shares the scanner. */
static side scan_leaf(lw *L, int acc, int lvl, side *done, int ndone)
{
    access *a = &L->acc[acc];
    for (int i = 0; i < ndone; i++) {
        access *b = &L->acc[done[i].acc];
        if (b->tensor == a->tensor && b->next == a->next && b->ref.node == a->ref.node &&
            strcmp(b->ref.port, a->ref.port) == 0) {
            side s = done[i];
            s.acc = acc;
            return s;
        }
    }
    int n = gnode(L, FF_PRIM_SCAN, "%s_%s", tname(L, a->tensor), L->idx[L->levels[lvl].index].name);
    at_level(L, n, lvl);
    gset_str(L, n, "format", level_fmt_name(L, acc));
    gset_str(L, n, "tensor", tname(L, a->tensor));
    gset_int(L, n, "level", a->next);
    gconn(L, a->ref, n, "ref_in");
    side s = {P(n, "crd"), P(n, "ref"), acc};
    return s;
}

static void add_located(iter *it, int acc)
{
    for (int i = 0; i < it->nlocated; i++)
        if (it->located[i] == acc) return;
    it->located[it->nlocated++] = acc;
}

/* Joins the sides of several realized children with an n-ary joiner. Sides
 * that are the same stream (one scanner shared by two accesses of the same
 * tensor) enter once; every access gets the joiner's output for its stream. */
static void join(lw *L, int kind, int lvl, iter *parts, int nparts, iter *out)
{
    side all[16], uniq[4];
    int n = 0, nu = 0, map[16];
    for (int p = 0; p < nparts; p++)
        for (int i = 0; i < parts[p].n; i++) {
            if (n == 16) lw_fail(L, L->st->pos, "too many operands at index %s", L->idx[L->levels[lvl].index].name);
            all[n++] = parts[p].s[i];
        }
    for (int i = 0; i < n; i++) {
        int u = -1;
        for (int k = 0; k < nu; k++)
            if (uniq[k].crd.node == all[i].crd.node && !strcmp(uniq[k].crd.port, all[i].crd.port) &&
                uniq[k].ref.node == all[i].ref.node && !strcmp(uniq[k].ref.port, all[i].ref.port))
                u = k;
        if (u < 0) {
            if (nu == 4)
                lw_fail(L, L->st->pos, "more than 4 operands merge at index %s; split the statement",
                        L->idx[L->levels[lvl].index].name);
            uniq[nu] = all[i];
            u = nu++;
        }
        map[i] = u;
    }
    if (nu == 1) {
        for (int i = 0; i < n; i++) out->s[out->n++] = all[i];
        return;
    }
    int j = gnode(L, kind == MT_AND ? FF_PRIM_INTERSECT : FF_PRIM_UNION, "%s_%s",
                  kind == MT_AND ? "isect" : "union", L->idx[L->levels[lvl].index].name);
    at_level(L, j, lvl);
    gset_int(L, j, "n", nu);
    for (int i = 0; i < nu; i++) {
        char cp[16], rp[16];
        snprintf(cp, sizeof cp, "crd%d", i);
        snprintf(rp, sizeof rp, "ref%d", i);
        gconn(L, uniq[i].crd, j, cp);
        gconn(L, uniq[i].ref, j, rp);
    }
    for (int i = 0; i < n; i++) {
        char rp[16];
        snprintf(rp, sizeof rp, "ref%d", map[i]);
        side s = {P(j, "crd"), P(j, rp), all[i].acc};
        out->s[out->n++] = s;
    }
}

/* Realizes m at level lvl. Children that cover the level (dense) are not
 * scanned when something sparser drives the level: they are located. */
static void realize(lw *L, const mt *m, int lvl, iter *out, side *done, int *ndone)
{
    memset(out, 0, sizeof *out);
    int leaves[LW_MAX_ACCESS], nl = 0;
    switch (m->kind) {
    case MT_NEUTRAL:
    case MT_FULL:
        return;
    case MT_LEAF:
        if (leaf_dense(L, m->acc)) {
            add_located(out, m->acc);
            return;
        }
        out->s[0] = scan_leaf(L, m->acc, lvl, done, *ndone);
        done[(*ndone)++] = out->s[0];
        out->n = 1;
        return;
    case MT_MASK:
        /* The mask drives the level; everything under it is located. */
        realize(L, m->kid[0], lvl, out, done, ndone);
        mt_leaves(m->kid[1], leaves, &nl);
        for (int i = 0; i < nl; i++) add_located(out, leaves[i]);
        return;
    case MT_OR:
        if (mt_covers(L, m)) {
            mt_leaves(m, leaves, &nl);
            for (int i = 0; i < nl; i++) add_located(out, leaves[i]);
            return;
        }
        __attribute__((fallthrough)); /* a union of the children's iterations */
    case MT_AND: {
        iter parts[8];
        int np = 0;
        for (int i = 0; i < m->nkid; i++) {
            iter sub;
            realize(L, m->kid[i], lvl, &sub, done, ndone);
            for (int k = 0; k < sub.nlocated; k++) add_located(out, sub.located[k]);
            if (sub.n) parts[np++] = sub;
        }
        if (np) join(L, m->kind, lvl, parts, np, out);
        return;
    }
    }
}

static pref level_rep(lw *L, int lvl)
{
    level *lv = &L->levels[lvl];
    if (!lv->have_rep) {
        int r = gnode(L, FF_PRIM_REPSIGGEN, "rs_%s", L->idx[lv->index].name);
        at_level(L, r, lvl);
        gconn(L, lv->crd, r, "in");
        lv->rep = P(r, "rep");
        lv->have_rep = 1;
    }
    return lv->rep;
}

/* Repeats a stream (a reference or a value) once per coordinate of lvl. */
static pref repeat_over(lw *L, pref s, int lvl, const char *what)
{
    int r = gnode(L, FF_PRIM_REPEAT, "rep_%s_%s", what, L->idx[L->levels[lvl].index].name);
    at_level(L, r, lvl);
    gconn(L, s, r, "ref_in");
    gconn(L, level_rep(L, lvl), r, "rep");
    L->bax_n[r] = L->bax_n[s.node];
    memcpy(L->bax[r], L->bax[s.node], sizeof L->bax[r]);
    return P(r, "ref");
}

/* A dense range 0..size-1 of the level's index, once per parent fiber. */
static pref dense_range(lw *L, int lvl)
{
    int v = L->levels[lvl].index;
    pref parent_ref = P(L->root_node, "ref");
    /* The root's reference, repeated down to the parent level. */
    int chain[LW_MAX_LEVELS], n = 0;
    for (int l = L->levels[lvl].parent; l >= 0; l = L->levels[l].parent) chain[n++] = l;
    for (int k = n - 1; k >= 0; k--) parent_ref = repeat_over(L, parent_ref, chain[k], "root");
    char dim[96];
    size_text(L, v, 1, dim, sizeof dim);
    int s = gnode(L, FF_PRIM_SCAN, "range_%s", L->idx[v].name);
    at_level(L, s, lvl);
    gset_str(L, s, "format", "dense");
    if (ff_node_set_str(L->g, s, "dim", dim, L->err) < 0) longjmp(L->fail, 1);
    gconn(L, parent_ref, s, "ref_in");
    return P(s, "crd");
}

static void locate_access(lw *L, int acc, int lvl)
{
    access *a = &L->acc[acc];
    pref parent = repeat_over(L, a->ref, lvl, tname(L, a->tensor));
    int n = gnode(L, FF_PRIM_LOCATE, "loc_%s_%s", tname(L, a->tensor), L->idx[L->levels[lvl].index].name);
    at_level(L, n, lvl);
    gset_str(L, n, "format", level_fmt_name(L, acc));
    gset_str(L, n, "tensor", tname(L, a->tensor));
    gset_int(L, n, "level", a->next);
    gconn(L, L->levels[lvl].crd, n, "crd_in");
    gconn(L, parent, n, "ref_in");
    a->ref = P(n, "ref");
    a->next++;
}

/* One level: merge, locate, repeat. */
static void process_level(lw *L, int lvl)
{
    level *lv = &L->levels[lvl];
    L->ctx_lvl = lvl;
    L->ctx_gen = 1;
    mt_pool *pool = ff_xcalloc(1, sizeof *pool);
    /* A reduction's level merges its own operand; the top chain the whole
     * expression (whose reductions take part where their chains pass). */
    mt *m = build_mt(L, pool, lv->owner ? lv->owner->a : L->root, lvl);
    if (m->kind == MT_NEUTRAL) m->kind = MT_FULL; /* e.g. a broadcast along an output index */
    side done[LW_MAX_ACCESS];
    int ndone = 0;
    iter it;
    realize(L, m, lvl, &it, done, &ndone);

    int located_scanned = -1;
    if (it.n) {
        lv->crd = it.s[0].crd;
        for (int i = 0; i < it.n; i++) {
            access *a = &L->acc[it.s[i].acc];
            a->ref = it.s[i].ref;
            a->next++;
        }
    } else {
        /* The level's support is every coordinate: a dense operand's scan
         * drives it (or, with none, a dense range); the rest are located. */
        for (int i = 0; i < it.nlocated && located_scanned < 0; i++)
            if (leaf_dense(L, it.located[i])) located_scanned = it.located[i];
        if (located_scanned >= 0) {
            side sd = scan_leaf(L, located_scanned, lvl, done, 0);
            lv->crd = sd.crd;
            L->acc[located_scanned].ref = sd.ref;
            L->acc[located_scanned].next++;
        } else {
            lv->crd = dense_range(L, lvl);
        }
    }
    lv->have_crd = 1;
    for (int i = 0; i < it.nlocated; i++)
        if (it.located[i] != located_scanned) locate_access(L, it.located[i], lvl);
    /* Accesses whose chain passes through the level without indexing it
     * (yet) follow its coordinates: their reference repeats. Accesses that
     * index the level but were not in the merge (a broadcast operand) are
     * located. */
    for (int k = 0; k < L->nacc; k++) {
        access *a = &L->acc[k];
        if (!is_ancestor(L, lvl, a->chain_end)) continue;
        int handled = 0;
        for (int i = 0; i < it.n; i++)
            if (it.s[i].acc == k) handled = 1;
        for (int i = 0; i < it.nlocated; i++)
            if (it.located[i] == k) handled = 1;
        if (handled || k == located_scanned) continue;
        if (iterates(L, a, lvl)) locate_access(L, k, lvl);
        else a->ref = repeat_over(L, a->ref, lvl, tname(L, a->tensor));
    }
    free(pool);
}

/* Levels in an order where every parent comes before its children. */
static void process_levels(lw *L)
{
    int done[LW_MAX_LEVELS] = {0}, ndone = 0;
    while (ndone < L->nlevels) {
        for (int l = 0; l < L->nlevels; l++) {
            if (done[l]) continue;
            int parent = L->levels[l].parent;
            if (parent >= 0 && !done[parent]) continue;
            process_level(L, l);
            done[l] = 1;
            ndone++;
        }
    }
    /* from here on: values (their sites set the level), then the tail */
    L->ctx_lvl = LW_TAIL;
    L->ctx_gen = 0;
}

/* ------------------------------------------------------------------ */
/* values                                                              */
/* ------------------------------------------------------------------ */

/* Repeats value v (living at level `from`) down to level `to`. */
static pref repeat_down(lw *L, pref v, int from, int to, const char *what)
{
    int path[LW_MAX_LEVELS], n = 0;
    for (int l = to; l != from; l = L->levels[l].parent) {
        if (l < 0) lw_fail(L, L->st->pos, "internal: value at a level that is not above its use");
        path[n++] = l;
    }
    for (int k = n - 1; k >= 0; k--) v = repeat_over(L, v, path[k], what);
    return v;
}

static void chain_text(lw *L, int lvl, char *buf, size_t n)
{
    int path[LW_MAX_LEVELS], k = 0;
    for (; lvl >= 0 && k < LW_MAX_LEVELS; lvl = L->levels[lvl].parent) path[k++] = lvl;
    size_t len = 0;
    buf[0] = '\0';
    while (k-- > 0 && len < n - 1) len += (size_t)snprintf(buf + len, n - len, "/%s", L->idx[L->levels[path[k]].index].name);
}

static int deeper(lw *L, int a, int b, ff_srcpos pos)
{
    if (is_ancestor(L, a, b)) return b;
    if (is_ancestor(L, b, a)) return a;
    char ta[256], tb[256];
    chain_text(L, a, ta, sizeof ta);
    chain_text(L, b, tb, sizeof tb);
    lw_fail(L, pos, "internal: operands live on different loop nests (%s and %s)", ta, tb);
}

/* ---- block mode: which blocked indices a value's block spans ---- */

static void set_axes(lw *L, int node, const signed char *ax, int n)
{
    if (n > 2) {
        char names[3 * FF_LOWER_NAME + 8];
        snprintf(names, sizeof names, "%s, %s, %s", L->idx[ax[0]].name, L->idx[ax[1]].name, L->idx[ax[2]].name);
        lw_fail(L, L->st->pos, "--block %d: a value here spans three blocked indices (%s); a block has at most two "
                "dims -- block fewer tensors of this statement", L->B, names);
    }
    L->bax_n[node] = (unsigned char)n;
    for (int d = 0; d < n; d++) L->bax[node][d] = ax[d];
}

/* The layout code of an operand with the node's axes, against the result's
 * axes `res` (blocks.c): each dim's axis, 2 for the contracted index. */
static int layout_code(lw *L, int node, const signed char *res, int nres, int contract)
{
    int code = 15;
    for (int d = 0; d < L->bax_n[node]; d++) {
        int v = L->bax[node][d], ax = -1;
        for (int k = 0; k < nres; k++)
            if (res[k] == v) ax = k;
        if (v == contract) ax = 2;
        if (ax < 0) lw_fail(L, L->st->pos, "internal: block axis %s has no place in the result", L->idx[v].name);
        code = (code & ~(3 << (2 * d))) | (ax << (2 * d));
    }
    return code;
}

/* Sets a block-mode node's B and layouts: inputs a (and b) onto result
 * axes res, contracting `contract`. */
static void block_params(lw *L, int n, const char *la_key, pref a, const pref *b, const signed char *res, int nres,
                         int contract)
{
    gset_int(L, n, "blk", L->B);
    gset_int(L, n, la_key, layout_code(L, a.node, res, nres, contract));
    if (b) gset_int(L, n, "blb", layout_code(L, b->node, res, nres, contract));
    gset_int(L, n, "bno", nres);
    set_axes(L, n, res, nres);
}

/* The union of the operands' axes less `contract`, in index order. */
static int union_axes(lw *L, pref a, const pref *b, int contract, signed char *res)
{
    uint64_t m = 0;
    for (int d = 0; d < L->bax_n[a.node]; d++) m |= 1ull << L->bax[a.node][d];
    if (b)
        for (int d = 0; d < L->bax_n[b->node]; d++) m |= 1ull << L->bax[b->node][d];
    if (contract >= 0) m &= ~(1ull << contract);
    int n = 0;
    for (int v = 0; v < 64 && n < 3; v++)
        if ((m >> v) & 1) res[n++] = (signed char)v;
    return n;
}

/* An ALU whose block spans `res` (NULL: the union of its operands'). */
static pref alu_onto(lw *L, int op, pref a, const pref *b, const ff_fx *imm, const char *name, const signed char *res,
                     int nres)
{
    int n = gnode(L, FF_PRIM_ALU, "%s", name ? name : ff_alu_op_name((ff_alu_op)op));
    at_level(L, n, L->node_lvl[a.node]);
    gset_str(L, n, "op", ff_alu_op_name((ff_alu_op)op));
    if (imm && ff_node_set_fx(L->g, n, "imm", *imm, L->err) < 0) longjmp(L->fail, 1);
    gconn(L, a, n, "a");
    if (b) gconn(L, *b, n, "b");
    if (L->B) {
        signed char u[3];
        if (!res) {
            nres = union_axes(L, a, b, L->contract, u);
            res = u;
        }
        block_params(L, n, "bla", a, b, res, nres, L->contract);
    }
    return P(n, "val");
}

static pref alu(lw *L, int op, pref a, const pref *b, const ff_fx *imm, const char *name)
{
    return alu_onto(L, op, a, b, imm, name, NULL, 0);
}

static pref lower_value(lw *L, lx *x, int *lvl_out);

/* The value of x repeated down to level `at`. */
static pref value_at(lw *L, lx *x, int at)
{
    int lvl;
    pref v = lower_value(L, x, &lvl);
    if (lvl == at) return v;
    return repeat_down(L, v, lvl, at, "v");
}

static pref lower_unary(lw *L, int op, pref a)
{
    const int F = L->p->frac_bits;
    switch (op) {
    case FF_IR_FN_SQRT: { /* x * rsqrt(x) */
        pref r = alu(L, FF_ALU_RSQRT, a, NULL, NULL, NULL);
        return alu(L, FF_ALU_MUL, a, &r, NULL, "sqrt");
    }
    case FF_IR_FN_GELU: { /* x / (1 + exp(-1.702 x)) */
        ff_fx k = ff_fx_from_double(-1.702, F), one = ff_fx_from_int(1, F);
        pref t = alu(L, FF_ALU_MUL, a, NULL, &k, "gelu_scale");
        pref e = alu(L, FF_ALU_EXP, t, NULL, NULL, "gelu_exp");
        pref d = alu(L, FF_ALU_ADD, e, NULL, &one, "gelu_den");
        return alu(L, FF_ALU_DIV, a, &d, NULL, "gelu");
    }
    case LW_FN_ONE: { /* 0 * x + 1 */
        ff_fx zero = 0, one = ff_fx_from_int(1, F);
        pref z = alu(L, FF_ALU_MUL, a, NULL, &zero, "zero");
        return alu(L, FF_ALU_ADD, z, NULL, &one, "one");
    }
    default:
        return alu(L, op, a, NULL, NULL, NULL);
    }
}

static pref lower_value(lw *L, lx *x, int *lvl_out)
{
    if (x->have_val) {
        *lvl_out = x->val_level;
        return x->val;
    }
    pref v;
    int lvl = -1;
    switch (x->kind) {
    case FF_IR_ACCESS: {
        access *a = &L->acc[x->acc];
        int n = gnode(L, FF_PRIM_ARRAY, "%s_vals", tname(L, x->tensor));
        at_level(L, n, a->chain_end);
        gset_str(L, n, "tensor", tname(L, x->tensor));
        gconn(L, a->ref, n, "ref");
        if (L->B) {
            /* the block's dims are the tensor's blocked modes, in order */
            signed char ax[FF_IR_MAX_ORDER];
            int nax = 0;
            for (int m = 0; m < x->nidx; m++)
                if (is_blocked(L, x->idx[m])) ax[nax++] = (signed char)x->idx[m];
            gset_int(L, n, "blk", L->B);
            gset_int(L, n, "bdims", nax);
            set_axes(L, n, ax, nax);
        }
        v = P(n, "val");
        lvl = a->chain_end;
        break;
    }
    case FF_IR_UNARY:
        v = lower_unary(L, x->op, lower_value(L, x->a, &lvl));
        break;
    case FF_IR_BINARY: {
        if (x->a->kind == FF_IR_CONST && x->b->kind == FF_IR_CONST)
            lw_fail(L, x->pos, "an operation on two constants: fold it by hand");
        if (x->b->kind == FF_IR_CONST || x->a->kind == FF_IR_CONST) {
            /* a scalar variant: the constant is the ALU's immediate */
            lx *var = x->b->kind == FF_IR_CONST ? x->a : x->b;
            ff_fx imm = x->b->kind == FF_IR_CONST ? x->b->value : x->a->value;
            pref a = lower_value(L, var, &lvl);
            if (x->a->kind == FF_IR_CONST && (x->op == FF_ALU_SUB || x->op == FF_ALU_DIV)) {
                /* c - x = (-x) + c ; c / x needs c as a stream: x * 0 + c, then divide */
                if (x->op == FF_ALU_SUB) {
                    pref ng = alu(L, FF_ALU_NEG, a, NULL, NULL, NULL);
                    v = alu(L, FF_ALU_ADD, ng, NULL, &imm, NULL);
                } else {
                    ff_fx zero = 0;
                    pref z = alu(L, FF_ALU_MUL, a, NULL, &zero, "zero");
                    pref c = alu(L, FF_ALU_ADD, z, NULL, &imm, "const");
                    v = alu(L, FF_ALU_DIV, c, &a, NULL, NULL);
                }
            } else {
                v = alu(L, x->op, a, NULL, &imm, NULL);
            }
            break;
        }
        int la, lb;
        lower_value(L, x->a, &la);
        lower_value(L, x->b, &lb);
        lvl = deeper(L, la, lb, x->pos);
        pref a = value_at(L, x->a, lvl), b = value_at(L, x->b, lvl);
        L->contract = x->contract;
        v = alu(L, x->op, a, &b, NULL, x->contract >= 0 ? "matmul" : NULL);
        L->contract = -1;
        break;
    }
    case FF_IR_REDUCE: {
        /* Block mode: a product summed over a blocked index contracts that
         * index inside its ALU (a block matrix product); otherwise the
         * reducer folds the index out of each block as it sums them. */
        if (L->B && is_blocked(L, x->index) && x->op == FF_IR_RED_SUM && x->a->kind == FF_IR_BINARY &&
            x->a->op == FF_ALU_MUL && x->a->nuses == 1 && !x->a->have_val && x->a->a->kind != FF_IR_CONST &&
            x->a->b->kind != FF_IR_CONST)
            x->a->contract = x->index;
        pref child = value_at(L, x->a, x->chain);
        int n = gnode(L, FF_PRIM_REDUCE, "%s_%s", x->op == FF_IR_RED_MAX ? "max" : "sum", L->idx[x->index].name);
        at_level(L, n, x->prefix);
        gset_str(L, n, "op", x->op == FF_IR_RED_MAX ? "max" : "sum");
        if (L->B) {
            signed char res[3];
            int nres = union_axes(L, child, NULL, x->index, res);
            block_params(L, n, "bla", child, NULL, res, nres, x->index);
        }
        gconn(L, child, n, "val_in");
        if (x->prefix >= 0) gconn(L, L->levels[x->prefix].crd, n, "shape");
        v = P(n, "val");
        lvl = x->prefix;
        break;
    }
    case FF_IR_MASK:
        v = lower_value(L, x->b, &lvl);
        if (lvl != x->a->chain) v = repeat_down(L, v, lvl, x->a->chain, "v");
        lvl = x->a->chain;
        break;
    case FF_IR_CONST:
        lw_fail(L, x->pos, "a constant on its own has no coordinates: combine it with a tensor");
    default:
        lw_fail(L, x->pos, "internal: unexpanded expression");
    }
    x->val = v;
    x->val_level = lvl;
    x->have_val = 1;
    *lvl_out = lvl;
    return v;
}

/* ------------------------------------------------------------------ */
/* outputs                                                             */
/* ------------------------------------------------------------------ */

/* A graph tensor's format in block mode: the levels the graph iterates
 * (blocked modes as block levels), then a dense offset level per blocked
 * mode, in mode order -- the layout of one block's entries. */
static void block_format_str(lw *L, const ff_format *walked, unsigned bmodes, char *text, size_t n)
{
    ff_format f = *walked;
    for (int m = 0; m < f.order; m++)
        if ((bmodes >> m) & 1) f.lv[f.nlevels++] = (ff_level_desc){FF_LVL_DENSE, m, FF_SPLIT_INNER, L->B};
    ff_format_str(&f, text, n);
}

static void declare_tensors(lw *L, const int *lhs_levels_modes, int nlhs_levels)
{
    /* inputs: every tensor the statement reads */
    int seen[256] = {0};
    for (int i = 0; i < L->nnodes; i++) {
        lx *x = L->nodes[i];
        if (x->kind != FF_IR_ACCESS || seen[x->tensor]) continue;
        seen[x->tensor] = 1;
        const ff_ir_tensor *t = &L->p->tensors[x->tensor];
        char text[96];
        if (L->B) block_format_str(L, tfmt(L, x->tensor), L->bmodes[x->tensor], text, sizeof text);
        else ff_format_str(tfmt(L, x->tensor), text, sizeof text);
        if (ff_graph_add_tensor(L->g, t->name, 0, t->order, text, NULL, L->err) < 0) longjmp(L->fail, 1);
    }
    /* the output: compressed levels in loop order */
    const ff_ir_tensor *t = &L->p->tensors[L->st->lhs];
    char fmt[96], shape_buf[FF_MAX_ORDER][96];
    const char *shape[FF_MAX_ORDER];
    if (t->order == 0) {
        snprintf(fmt, sizeof fmt, "dense");
    } else if (L->B) {
        ff_format f;
        memset(&f, 0, sizeof f);
        f.order = t->order;
        unsigned bm = 0;
        for (int l = 0; l < nlhs_levels; l++) {
            int m = lhs_levels_modes[l];
            int blocked = is_blocked(L, local_index(L, L->st->lhs_idx[m]));
            f.lv[f.nlevels++] = (ff_level_desc){FF_LVL_COMPRESSED, m, blocked ? FF_SPLIT_OUTER : FF_SPLIT_NONE,
                                                blocked ? L->B : 0};
            if (blocked) bm |= 1u << m;
        }
        block_format_str(L, &f, bm, fmt, sizeof fmt);
    } else {
        size_t n = 0;
        for (int l = 0; l < nlhs_levels; l++) n += (size_t)snprintf(fmt + n, sizeof fmt - n, "c");
        n += (size_t)snprintf(fmt + n, sizeof fmt - n, ":");
        for (int l = 0; l < nlhs_levels; l++)
            n += (size_t)snprintf(fmt + n, sizeof fmt - n, "%s%d", l ? "," : "", lhs_levels_modes[l]);
    }
    for (int m = 0; m < t->order; m++) {
        size_text(L, local_index(L, L->st->lhs_idx[m]), 0, shape_buf[m], sizeof shape_buf[m]);
        shape[m] = shape_buf[m];
    }
    if (ff_graph_add_tensor(L->g, t->name, 1, t->order, fmt, shape, L->err) < 0) longjmp(L->fail, 1);
}

static void write_level(lw *L, pref crd, int lvl)
{
    int w = gnode(L, FF_PRIM_WRITE_CRD, "%s_w%d", tname(L, L->st->lhs), lvl);
    gset_str(L, w, "tensor", tname(L, L->st->lhs));
    gset_int(L, w, "level", lvl);
    gconn(L, crd, w, "crd");
}

/* The blocked indices of the result, in mode order: its blocks' dims. */
static int lhs_axes(lw *L, signed char *ax)
{
    int n = 0;
    for (int m = 0; m < L->st->nlhs; m++) {
        int v = local_index(L, L->st->lhs_idx[m]);
        if (is_blocked(L, v)) ax[n++] = (signed char)v;
    }
    return n;
}

static void write_vals(lw *L, pref v)
{
    if (L->B) {
        /* The written block spans the result's blocked indices in mode
         * order: a value that lacks one is broadcast along it, one in
         * another order is transposed. */
        signed char want[FF_IR_MAX_ORDER];
        int nwant = lhs_axes(L, want);
        if (nwant > 2) set_axes(L, v.node, want, nwant); /* fails, naming them */
        if (L->bax_n[v.node] != nwant || memcmp(L->bax[v.node], want, (size_t)nwant))
            v = alu_onto(L, FF_ALU_PASS, v, NULL, NULL, "block_out", want, nwant);
    }
    int w = gnode(L, FF_PRIM_WRITE_VAL, "%s_vals_w", tname(L, L->st->lhs));
    gset_str(L, w, "tensor", tname(L, L->st->lhs));
    if (L->B) {
        gset_int(L, w, "blk", L->B);
        gset_int(L, w, "bdims", L->bax_n[v.node]);
    }
    gconn(L, v, w, "val");
}


/* Output levels are the top chain; coordinate drops keep every outer level
 * in step with the inner one (an outer coordinate whose inner fiber came out
 * empty is dropped), innermost pair first. */
static void emit_writers(lw *L, const int *chain, int n, pref value)
{
    pref cur[FF_MAX_ORDER];
    for (int l = 0; l < n; l++) cur[l] = L->levels[chain[l]].crd;
    for (int l = n - 1; l >= 1; l--) {
        int d = gnode(L, FF_PRIM_CRD_DROP, "drop_%s", L->idx[L->levels[chain[l - 1]].index].name);
        gconn(L, cur[l - 1], d, "outer_in");
        gconn(L, cur[l], d, "inner_in");
        cur[l - 1] = P(d, "outer");
        cur[l] = P(d, "inner");
    }
    for (int l = 0; l < n; l++) write_level(L, cur[l], l);
    write_vals(L, value);
}

/* The coordinate of chain level `l` once per point of the whole chain. */
static pref per_point(lw *L, const int *chain, int n, int l)
{
    pref cur = L->levels[chain[l]].crd;
    for (int k = l + 1; k < n; k++) {
        int h = gnode(L, FF_PRIM_CRD_HOLD, "hold_%s_%s", L->idx[L->levels[chain[l]].index].name,
                      L->idx[L->levels[chain[k]].index].name);
        gconn(L, cur, h, "outer_in");
        gconn(L, L->levels[chain[k]].crd, h, "inner_in");
        cur = P(h, "outer");
    }
    int d = gnode(L, FF_PRIM_STKN_DROP, "pt_%s", L->idx[L->levels[chain[l]].index].name);
    gconn(L, cur, d, "in");
    return P(d, "out");
}

/* ------------------------------------------------------------------ */
/* the statement                                                       */
/* ------------------------------------------------------------------ */

static void lw_free(lw *L)
{
    ff_graph_free(L->par.g);
    free(L->par.id);
    free(L->par.fork_of);
    free(L->par.ser_of);
    free(L->node_lvl);
    free(L->node_gen);
    free(L->bax_n);
    free(L->bax);
    free(L->bmodes);
    for (int i = 0; i < L->nnodes; i++) free(L->nodes[i]);
    free(L->nodes);
    free(L->fmt);
}

/* Peels unary ops and directly nested sums off the top of the expression:
 * the shape an accumulator can compute. */
static lx *peel_top_sums(lx *x, int *unary_ops, int *nun, lx **sums, int *nsums)
{
    while (x->kind == FF_IR_UNARY) {
        unary_ops[(*nun)++] = x->op;
        x = x->a;
    }
    while (x->kind == FF_IR_REDUCE && x->op == FF_IR_RED_SUM) {
        sums[(*nsums)++] = x;
        x = x->a;
    }
    return x;
}

/* Copies the statement (fusing producers in) and numbers the indices. */
static void copy_stmt(lw *L)
{
    for (int m = 0; m < L->st->nlhs; m++) local_index(L, L->st->lhs_idx[m]);
    L->root = copy_ir(L, L->st->rhs, NULL, 0);
}

/* Counts each node's parents in the expression DAG (each node once). */
static void count_uses(lx *x)
{
    if (!x || x->nuses++) return;
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
                        tname(L, x->tensor), f->lv[l].block);
            L->blocked |= 1ull << x->idx[f->lv[l].mode];
        }
    }
    if (!L->blocked) {
        L->B = 0; /* nothing here is stored in blocks: the statement stays scalar */
        return;
    }
    unsigned char seen[256] = {0};
    for (int i = 0; i < L->nnodes; i++) {
        lx *x = L->nodes[i];
        if (x->kind != FF_IR_ACCESS) continue;
        unsigned bm = 0;
        int nb = 0;
        for (int m = 0; m < x->nidx; m++)
            if (is_blocked(L, x->idx[m])) {
                bm |= 1u << m;
                nb++;
            }
        if (seen[x->tensor] && L->bmodes[x->tensor] != bm)
            lw_fail(L, x->pos, "--block %d: tensor %s is read in blocks along different modes in different places",
                    L->B, tname(L, x->tensor));
        if (nb > 2)
            lw_fail(L, x->pos, "--block %d: tensor %s would be read in blocks of %d dims; a block has at most two", L->B,
                    tname(L, x->tensor), nb);
        seen[x->tensor] = 1;
        L->bmodes[x->tensor] = (unsigned char)bm;
        ff_format f = scalar_format(&p->tensors[x->tensor].fmt);
        for (int l = 0; l < f.nlevels; l++)
            if ((bm >> f.lv[l].mode) & 1) {
                f.lv[l].split = FF_SPLIT_OUTER;
                f.lv[l].block = (uint32_t)L->B;
            }
        L->fmt[x->tensor] = f;
    }
}

static void lower(lw *L, char (*order)[FF_LOWER_NAME], int norder)
{
    copy_stmt(L);
    plan_blocks(L);
    /* Indices the order does not name (softmax/layernorm walks) come after
     * everything: each is innermost in its own scope. */
    for (int i = 0; i < L->nidx; i++) L->pos_of[i] = 1000 + i;
    for (int k = 0; k < norder; k++) {
        int v = find_index(L, order[k]);
        if (v < 0) lw_fail(L, L->st->pos, "the order names '%s', which this statement does not have", order[k]);
        L->pos_of[v] = k;
    }
    for (int i = 0; i < L->nidx; i++)
        if (L->pos_of[i] >= 1000 && L->idx[i].kind != LW_IDX_EXPANSION)
            lw_fail(L, L->st->pos, "the order does not place index %s", L->idx[i].name);
    compute_free(L->root);

    int lhs[FF_MAX_ORDER], nlhs = L->st->nlhs;
    for (int m = 0; m < nlhs; m++) lhs[m] = local_index(L, L->st->lhs_idx[m]);

    /* Is the top a reduction that the order puts above an output index? */
    int unary_ops[16], nun = 0, nsums = 0;
    lx *sums[16];
    lx *core = peel_top_sums(L->root, unary_ops, &nun, sums, &nsums);
    int spacc = 0;
    for (int s = 0; s < nsums; s++)
        for (int m = 0; m < nlhs; m++)
            if (L->pos_of[sums[s]->index] < L->pos_of[lhs[m]]) spacc = 1;
    /* Reductions inside the accumulated sum (a softmax's row maximum, a
     * dot product) get levels along the top chain and broadcast their
     * values into the points; only the accumulated sums themselves must be
     * at the top. */
    if (spacc && nlhs > 2)
        lw_fail(L, L->st->pos, "a reduction above output indices accumulates at most two output indices");
    L->spacc = spacc;

    /* the top chain: output indices (and accumulated sums) in loop order */
    int top[LW_MAX_IDX], ntop = 0;
    for (int k = 0; k < L->nidx; k++) {
        int v = -1;
        for (int i = 0; i < L->nidx; i++)
            if (L->pos_of[i] == k) v = i;
        if (v < 0) continue;
        int on_top = 0;
        for (int m = 0; m < nlhs; m++)
            if (lhs[m] == v) on_top = 1;
        for (int s = 0; spacc && s < nsums; s++)
            if (sums[s]->index == v) on_top = 1;
        if (on_top) top[ntop++] = v;
    }
    int chain[LW_MAX_IDX], parent = -1;
    for (int k = 0; k < ntop; k++) chain[k] = parent = get_level(L, parent, top[k], NULL);
    L->top_chain = parent;
    if (spacc) /* the sums are iterated as part of the top chain */
        for (int s = 0; s < nsums; s++) sums[s]->chain = sums[s]->prefix = -2;
    L->root = assign_chains(L, L->root, parent);
    if (spacc) core = sums[nsums - 1]->a;
    for (int i = 0; i < L->nnodes; i++) L->nodes[i]->nuses = 0;
    count_uses(L->root);

    L->ctx_lvl = LW_TAIL;
    L->root_node = gnode(L, FF_PRIM_ROOT, "root");
    at_level(L, L->root_node, -1);
    for (int k = 0; k < L->nacc; k++) L->acc[k].ref = P(L->root_node, "ref");
    process_levels(L);

    /* output levels: the LHS indices' levels of the top chain */
    int out_chain[FF_MAX_ORDER], nout = 0, out_modes[FF_MAX_ORDER];
    for (int k = 0; k < ntop; k++)
        for (int m = 0; m < nlhs; m++)
            if (lhs[m] == top[k]) {
                out_chain[nout] = chain[k];
                out_modes[nout++] = m;
            }
    declare_tensors(L, out_modes, nout);

    if (!spacc) {
        pref v = value_at(L, L->root, L->top_chain);
        emit_writers(L, out_chain, nout, v);
        return;
    }
    /* Accumulate: points (outer, inner, value) over the whole chain. In
     * block mode a product contracts the one blocked index it is summed
     * over; any blocked sum index left is folded out of the block first. */
    int nbsum = 0, bsum = -1;
    for (int k = 0; k < nsums; k++)
        if (is_blocked(L, sums[k]->index)) {
            nbsum++;
            bsum = sums[k]->index;
        }
    if (nbsum > 1)
        lw_fail(L, L->st->pos, "--block %d: an accumulated sum over two blocked indices; order one of them below the "
                "output indices", L->B);
    if (nbsum && core->kind == FF_IR_BINARY && core->op == FF_ALU_MUL && core->a->kind != FF_IR_CONST &&
        core->b->kind != FF_IR_CONST && core->nuses <= 1 && !core->have_val)
        core->contract = bsum;
    pref val = value_at(L, core, L->top_chain);
    for (int d = 0; L->B && d < L->bax_n[val.node]; d++)
        if (L->bax[val.node][d] == bsum) {
            L->contract = bsum;
            val = alu(L, FF_ALU_PASS, val, NULL, NULL, "block_sum");
            L->contract = -1;
            break;
        }
    int dv = gnode(L, FF_PRIM_STKN_DROP, "pt_val");
    gconn(L, val, dv, "in");
    int outer_pos = -1, inner_pos = -1;
    for (int k = 0; k < ntop; k++)
        if (chain[k] == out_chain[0]) outer_pos = k;
    if (nout == 2)
        for (int k = 0; k < ntop; k++)
            if (chain[k] == out_chain[1]) inner_pos = k;
    int grouped = 1; /* points arrive grouped by the outer output index */
    for (int s = 0; s < nsums; s++)
        if (L->pos_of[sums[s]->index] < L->pos_of[L->levels[out_chain[0]].index]) grouped = 0;
    int acc;
    char dim[96], dim2[96];
    if (nout == 1) {
        acc = gnode(L, FF_PRIM_SPACC1, "acc");
        size_text(L, L->levels[out_chain[0]].index, 1, dim, sizeof dim);
        if (ff_node_set_str(L->g, acc, "dim", dim, L->err) < 0) longjmp(L->fail, 1);
        gconn(L, per_point(L, chain, ntop, outer_pos), acc, "crd_inner_in");
    } else {
        acc = gnode(L, grouped ? FF_PRIM_SPACC1 : FF_PRIM_SPACC2, "acc");
        size_text(L, L->levels[out_chain[1]].index, 1, dim, sizeof dim);
        if (grouped) {
            if (ff_node_set_str(L->g, acc, "dim", dim, L->err) < 0) longjmp(L->fail, 1);
        } else {
            size_text(L, L->levels[out_chain[0]].index, 1, dim2, sizeof dim2);
            if (ff_node_set_str(L->g, acc, "dim_outer", dim2, L->err) < 0 ||
                ff_node_set_str(L->g, acc, "dim_inner", dim, L->err) < 0)
                longjmp(L->fail, 1);
        }
        gconn(L, per_point(L, chain, ntop, outer_pos), acc, "crd_outer_in");
        gconn(L, per_point(L, chain, ntop, inner_pos), acc, "crd_inner_in");
    }
    gconn(L, P(dv, "out"), acc, "val_in");
    if (L->B) {
        gset_int(L, acc, "blk", L->B);
        gset_int(L, acc, "bdims", L->bax_n[val.node]);
        set_axes(L, acc, L->bax[val.node], L->bax_n[val.node]);
    }
    pref v = P(acc, "val");
    for (int u = nun - 1; u >= 0; u--) v = lower_unary(L, unary_ops[u], v);
    if (nout == 1) {
        write_level(L, P(acc, "crd_inner"), 0);
    } else {
        write_level(L, P(acc, "crd_outer"), 0);
        write_level(L, P(acc, "crd_inner"), 1);
    }
    write_vals(L, v);
}

/* ------------------------------------------------------------------ */
/* --par: the region under a level, replicated                         */
/* ------------------------------------------------------------------ */

static int level_depth(lw *L, int lvl)
{
    int d = 0;
    for (; lvl >= 0; lvl = L->levels[lvl].parent) d++;
    return d;
}

/* Node i computes on the coordinates of `par` (or below): it is replicated.
 * The level's own generators (its scanners, merges, locates, repeaters)
 * stay single: their streams are what the lanes share out. */
static int in_region(lw *L, int i, int par)
{
    int l = L->node_lvl[i];
    if (l < 0 || !is_ancestor(L, par, l)) return 0;
    return !(l == par && L->node_gen[i]);
}

static void copy_node(lw *L, ff_graph *h, const ff_node *n, const char *name)
{
    if (ff_graph_find_node(h, name) >= 0)
        lw_fail(L, L->st->pos, "--par: node name '%s' is taken; cannot replicate '%s'", name, n->name);
    int id = ff_graph_add_node(h, name, n->kind, L->err);
    if (id < 0) longjmp(L->fail, 1);
    for (int k = 0; k < n->nparams; k++)
        if (ff_graph_copy_param(h, id, &n->params[k], L->err) < 0) longjmp(L->fail, 1);
}

static void hconn(lw *L, ff_graph *h, int from, const char *fport, int to, const char *tport, int depth)
{
    if (ff_graph_connect(h, from, fport, to, tport, depth, L->err) < 0) longjmp(L->fail, 1);
}

/* Replicates the region under top-chain level `par` `lanes` ways (docs/
 * language.md "Parallelization"). Streams of the level itself enter the
 * lanes through forks (coordinates round robin, control tokens to every
 * lane, so lane k gets the units k, k+n, .. of every fiber); streams of
 * levels above it are fanned out to every lane unchanged; every stream that
 * leaves the lanes goes through a serialize, which reads the level's
 * coordinates to put the units back in order. The result is the serial
 * graph's streams, token for token. */
static void parallelize(lw *L, int par, int lanes)
{
    const ff_graph *g = L->g;
    ff_graph *h = L->par.g = ff_graph_new(g->name);
    h->frac_bits = g->frac_bits;
    /* node i, lane k -> id[i * lanes + k]; per (node, output port): the fork
     * or serialize made for it, or -1 */
    int *id = L->par.id = ff_xcalloc((size_t)g->nnodes * (size_t)lanes + 1, sizeof *id);
    size_t nports = (size_t)g->nnodes * 8;
    int *fork_of = L->par.fork_of = ff_xmalloc(nports * sizeof *fork_of);
    int *ser_of = L->par.ser_of = ff_xmalloc(nports * sizeof *ser_of);
    for (size_t i = 0; i < nports; i++) fork_of[i] = ser_of[i] = -1;

    for (int t = 0; t < g->ntensors; t++) {
        const ff_gtensor *gt = &g->tensors[t];
        if (ff_graph_add_tensor(h, gt->name, gt->is_output, gt->order, gt->format,
                                gt->is_output ? (const char *const *)gt->shape : NULL, L->err) < 0)
            longjmp(L->fail, 1);
    }
    int nin = 0;
    for (int i = 0; i < g->nnodes; i++) {
        const ff_node *n = &g->nodes[i];
        if (!in_region(L, i, par)) {
            copy_node(L, h, n, n->name);
            id[i * lanes] = h->nnodes - 1;
            continue;
        }
        nin++;
        for (int k = 0; k < lanes; k++) {
            char name[160];
            snprintf(name, sizeof name, "%s_p%d", n->name, k);
            copy_node(L, h, n, name);
            id[i * lanes + k] = h->nnodes - 1;
        }
    }
    if (!nin) lw_fail(L, L->st->pos, "--par %s: nothing computes under that loop", L->idx[L->levels[par].index].name);
    const pref ctrl = L->levels[par].crd;
    int pd = level_depth(L, par);
    for (int e = 0; e < g->nedges; e++) {
        const ff_edge *ed = &g->edges[e];
        int u = ed->from_node, v = ed->to_node;
        const char *fport = g->nodes[u].out[ed->from_port].name, *tport = g->nodes[v].in[ed->to_port].name;
        int ui = in_region(L, u, par), vi = in_region(L, v, par);
        size_t slot = (size_t)u * 8 + (size_t)ed->from_port;
        if (ui == vi) {
            /* Outside the lanes, a consumer of the level's own streams (a
             * coordinate drop, a writer) waits for serialized results while
             * the level runs ahead by a unit per lane: its FIFO holds them. */
            int depth = ed->depth;
            if (!ui && L->node_lvl[u] == par && depth < 2 * lanes + 2) depth = 2 * lanes + 2;
            for (int k = 0; k < (ui ? lanes : 1); k++)
                hconn(L, h, id[u * lanes + k], fport, id[v * lanes + k], tport, depth);
        } else if (vi) {
            int lu = L->node_lvl[u];
            if (lu == par) {
                /* the level's own stream: one unit per lane in turn */
                if (fork_of[slot] < 0) {
                    char name[160];
                    snprintf(name, sizeof name, "fork_%s_%s", g->nodes[u].name, fport);
                    int f = ff_graph_add_node(h, name, FF_PRIM_FORK, L->err);
                    if (f < 0 || ff_node_set_int(h, f, "n", lanes, L->err) < 0) longjmp(L->fail, 1);
                    hconn(L, h, id[u * lanes], fport, f, "in", ed->depth);
                    fork_of[slot] = f;
                }
                for (int k = 0; k < lanes; k++) {
                    char op[16];
                    snprintf(op, sizeof op, "out%d", k);
                    hconn(L, h, fork_of[slot], op, id[v * lanes + k], tport, 0);
                }
            } else if (lu == -1 || (lu >= 0 && is_ancestor(L, lu, par))) {
                /* a stream of an enclosing level: every lane reads all of it */
                for (int k = 0; k < lanes; k++) hconn(L, h, id[u * lanes], fport, id[v * lanes + k], tport, ed->depth);
            } else {
                lw_fail(L, L->st->pos, "--par %s: '%s' feeds the parallel region from below the loop; parallelize "
                        "an outer loop", L->idx[L->levels[par].index].name, g->nodes[u].name);
            }
        } else {
            if (ser_of[slot] < 0) {
                int unit = level_depth(L, L->node_lvl[u]) - pd - 1;
                if (unit > 6)
                    lw_fail(L, L->st->pos, "--par %s: a stream %d levels below the loop leaves the region (at most 7)",
                            L->idx[L->levels[par].index].name, unit + 1);
                char name[160];
                snprintf(name, sizeof name, "ser_%s_%s", g->nodes[u].name, fport);
                int sz = ff_graph_add_node(h, name, FF_PRIM_SERIALIZE, L->err);
                if (sz < 0 || ff_node_set_int(h, sz, "n", lanes, L->err) < 0 ||
                    ff_node_set_int(h, sz, "unit", unit, L->err) < 0)
                    longjmp(L->fail, 1);
                /* a lane closes a unit only when it sees its next one, `lanes`
                 * units later: ctrl holds the coordinates in between */
                hconn(L, h, id[ctrl.node * lanes], ctrl.port, sz, "ctrl", 2 * lanes + 2);
                for (int k = 0; k < lanes; k++) {
                    char ip[16];
                    snprintf(ip, sizeof ip, "in%d", k);
                    hconn(L, h, id[u * lanes + k], fport, sz, ip, 0);
                }
                ser_of[slot] = sz;
            }
            hconn(L, h, ser_of[slot], "out", id[v * lanes], tport, ed->depth);
        }
    }
    ff_graph_free(L->g);
    L->g = h;
    L->par.g = NULL;
}

/* The top-chain level of index `name`, or -1. */
static int top_level_named(lw *L, const char *name)
{
    for (int l = L->top_chain; l >= 0; l = L->levels[l].parent)
        if (!strcmp(L->idx[L->levels[l].index].name, name)) return l;
    return -1;
}

static lw *lw_new(const ff_ir_program *p, int stmt, const ff_lower_opts *opts, ff_err *err)
{
    lw *L = ff_xcalloc(1, sizeof *L);
    L->p = p;
    L->st = &p->stmts[stmt];
    L->err = err;
    L->fuse = opts ? opts->fuse : NULL;
    L->fmt = ff_xcalloc((size_t)p->ntensors + 1, sizeof *L->fmt);
    L->bmodes = ff_xcalloc((size_t)p->ntensors + 1, 1);
    L->B = opts ? opts->block : 0;
    L->contract = -1;
    for (int t = 0; t < p->ntensors; t++) L->fmt[t] = scalar_format(&p->tensors[t].fmt);
    return L;
}

static void lw_delete(lw *L)
{
    lw_free(L);
    free(L);
}

/* Lowers with a complete order; the graph is validated. */
static int lower_with(const ff_ir_program *p, int stmt, const ff_lower_opts *opts, char (*order)[FF_LOWER_NAME],
                      int norder, ff_graph **out, ff_err *err)
{
    lw *L = lw_new(p, stmt, opts, err);
    char gname[96];
    snprintf(gname, sizeof gname, "%s", p->tensors[L->st->lhs].name);
    L->g = ff_graph_new(gname);
    L->g->frac_bits = p->frac_bits;
    if (setjmp(L->fail)) {
        ff_graph_free(L->g);
        lw_delete(L);
        return err ? err->code : FF_EINVAL;
    }
    lower(L, order, norder);
    if (opts && opts->par > 1) {
        int lvl = top_level_named(L, opts->par_index);
        if (lvl < 0) {
            if (find_index(L, opts->par_index) >= 0)
                lw_fail(L, L->st->pos, "--par %s: %s is not an output loop of %s here (a reduction or a walk); "
                        "parallelize a loop of the result", opts->par_index, opts->par_index, p->tensors[L->st->lhs].name);
        } else {
            /* ports are resolved by validation; the serial graph must pass it anyway */
            if (ff_graph_validate(L->g, err)) {
                ff_err_wrap(err, "internal error lowering line %d: ", L->st->pos.line);
                ff_graph_free(L->g);
                lw_delete(L);
                return FF_EINVAL;
            }
            parallelize(L, lvl, opts->par);
        }
    }
    if (ff_graph_validate(L->g, err)) {
        /* The lowering made a graph the table rejects: a bug, not the user's. */
        ff_err_wrap(err, "internal error lowering line %d: ", L->st->pos.line);
        ff_graph_free(L->g);
        lw_delete(L);
        return FF_EINVAL;
    }
    *out = L->g;
    lw_delete(L);
    return 0;
}

int ff_lower_stmt(const ff_ir_program *p, int stmt, const ff_lower_opts *opts, ff_graph **out, ff_err *err)
{
    if (stmt < 0 || stmt >= p->nstmts) return ff_err_set(err, FF_EINVAL, "no statement %d", stmt);
    ff_lower_opts o;
    memset(&o, 0, sizeof o);
    if (opts) o = *opts;
    if (!o.norder) {
        int rc = ff_lower_default_order(p, stmt, &o, err);
        if (rc) return rc;
    }
    return lower_with(p, stmt, &o, o.order, o.norder, out, err);
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
    copy_stmt(L);
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

int ff_lower_parse_order(const ff_ir_program *p, int stmt, const char *text, ff_lower_opts *opts, ff_err *err)
{
    char all[FF_LOWER_MAX_INDICES][FF_LOWER_NAME];
    int nall = ff_lower_indices(p, stmt, opts, all, err);
    if (nall < 0) return nall;
    if (nall > FF_LOWER_MAX_INDICES) return ff_err_set(err, FF_EINVAL, "statement at line %d has too many indices", p->stmts[stmt].pos.line);
    opts->norder = 0;
    const char *c = text;
    while (*c) {
        char name[FF_LOWER_NAME];
        size_t len = strcspn(c, ",");
        if (len == 0 || len >= sizeof name)
            return ff_err_set(err, FF_EINVAL, "order '%s': expected index names separated by commas", text);
        memcpy(name, c, len);
        name[len] = '\0';
        int found = -1;
        for (int k = 0; k < nall; k++)
            if (strcmp(all[k], name) == 0) found = k;
        if (found < 0) {
            char list[512];
            size_t n = 0;
            for (int k = 0; k < nall && n < sizeof list - 40; k++)
                n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", k ? "," : "", all[k]);
            return ff_err_set(err, FF_EINVAL, "order '%s': the statement at line %d has no index '%s' (it has %s)", text,
                              p->stmts[stmt].pos.line, name, list);
        }
        for (int k = 0; k < opts->norder; k++)
            if (strcmp(opts->order[k], name) == 0)
                return ff_err_set(err, FF_EINVAL, "order '%s': index '%s' given twice", text, name);
        snprintf(opts->order[opts->norder++], FF_LOWER_NAME, "%s", name);
        c += len;
        if (*c == ',') c++;
    }
    if (opts->norder != nall)
        return ff_err_set(err, FF_EINVAL, "order '%s': the statement at line %d has %d indices, the order names %d", text,
                          p->stmts[stmt].pos.line, nall, opts->norder);
    return 0;
}

/* ------------------------------------------------------------------ */
/* legal and default orders                                            */
/* ------------------------------------------------------------------ */

/* What the enumeration knows up front, so that a partial order that cannot
 * lower is cut before it is completed:
 *  - every stored access's indices in level order (a tensor is walked in
 *    its level order);
 *  - for every reduction that is not an accumulated top-level sum, its free
 *    indices: a reducer reduces the innermost level, so its index comes
 *    after them (given how chains are built -- each level below its
 *    prefix -- that is also enough);
 * and the order cost, which grows as indices are placed, so the search for
 * the cheapest order is a branch and bound. */
typedef struct order_space {
    char names[FF_LOWER_MAX_INDICES][FF_LOWER_NAME];
    int n;
    int nacc;
    int acc_idx[LW_MAX_ACCESS][FF_MAX_LEVELS]; /* ids into names, in level order */
    int acc_n[LW_MAX_ACCESS];
    int is_out[FF_LOWER_MAX_INDICES];
    uint64_t need_before[FF_LOWER_MAX_INDICES]; /* ids that must already be placed */
} order_space;

/* The sums directly at the top of x (under element-wise unary ops): the
 * ones an accumulator may take in any order. */
static void mark_top_sums(lx *x, unsigned char *top)
{
    while (x->kind == FF_IR_UNARY) x = x->a;
    while (x->kind == FF_IR_REDUCE && x->op == FF_IR_RED_SUM) {
        top[x->index] = 1;
        x = x->a;
    }
}

static int order_space_init(const ff_ir_program *p, int stmt, const ff_lower_opts *opts, order_space *sp, ff_err *err)
{
    memset(sp, 0, sizeof *sp);
    lw *L = lw_new(p, stmt, opts, err);
    if (setjmp(L->fail)) {
        lw_delete(L);
        return err ? err->code : FF_EINVAL;
    }
    copy_stmt(L);
    compute_free(L->root);
    int id_of[LW_MAX_IDX];
    for (int i = 0; i < L->nidx; i++) id_of[i] = -1;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < L->nidx; i++) {
            int want = pass == 0 ? LW_IDX_OWN : LW_IDX_INLINED;
            if (L->idx[i].kind != want) continue;
            if (sp->n == FF_LOWER_MAX_INDICES) {
                lw_delete(L);
                return ff_err_set(err, FF_EINVAL, "statement at line %d has more than %d indices", p->stmts[stmt].pos.line,
                                  FF_LOWER_MAX_INDICES);
            }
            id_of[i] = sp->n;
            snprintf(sp->names[sp->n++], FF_LOWER_NAME, "%s", L->idx[i].name);
        }
    for (int m = 0; m < L->st->nlhs; m++) sp->is_out[id_of[local_index(L, L->st->lhs_idx[m])]] = 1;
    unsigned char top[LW_MAX_IDX] = {0};
    mark_top_sums(L->root, top);
    for (int i = 0; i < L->nnodes; i++) {
        lx *x = L->nodes[i];
        if (x->kind == FF_IR_ACCESS && sp->nacc < LW_MAX_ACCESS) {
            const ff_format *f = tfmt(L, x->tensor);
            int k = sp->nacc++;
            for (int l = 0; l < f->nlevels; l++) {
                int v = id_of[x->idx[f->lv[l].mode]];
                if (v >= 0) sp->acc_idx[k][sp->acc_n[k]++] = v;
            }
        }
        if (x->kind == FF_IR_REDUCE && id_of[x->index] >= 0 && !top[x->index])
            for (int v = 0; v < L->nidx; v++)
                if ((x->free >> v & 1) && id_of[v] >= 0) sp->need_before[id_of[x->index]] |= 1ull << id_of[v];
    }
    lw_delete(L);
    return 0;
}

/* May index v come next, given the placed set? */
static int may_place(const order_space *sp, const int *placed, uint64_t placed_mask, int v)
{
    if ((sp->need_before[v] & ~placed_mask) != 0) return 0;
    for (int a = 0; a < sp->nacc; a++)
        for (int l = 0; l < sp->acc_n[a]; l++) {
            if (sp->acc_idx[a][l] != v) continue;
            for (int e = 0; e < l; e++)
                if (!placed[sp->acc_idx[a][e]]) return 0;
        }
    return 1;
}

typedef struct enum_state {
    const ff_ir_program *p;
    int stmt;
    const ff_lower_opts *opts;
    const order_space *sp;
    int cur[FF_LOWER_MAX_INDICES], placed[FF_LOWER_MAX_INDICES], depth;
    uint64_t placed_mask;
    long cost;            /* of the placed prefix */
    int tried, limit, truncated;
    int count, max;
    char (*out)[FF_LOWER_MAX_INDICES][FF_LOWER_NAME];
    /* default order: the cheapest legal one */
    long best_cost;
    int best[FF_LOWER_MAX_INDICES];
    ff_err first;
    int want_best;
} enum_state;

/* What placing v after the placed prefix adds to the cost: an output index
 * below a non-output (an accumulator instead of a reducer) and every
 * inversion against the written order. */
static long place_cost(const enum_state *es, int v)
{
    long c = 0;
    for (int k = 0; k < es->depth; k++) {
        int u = es->cur[k];
        if (es->sp->is_out[v] && !es->sp->is_out[u]) c += 1000;
        if (u > v) c += 1;
    }
    return c;
}

static void enumerate(enum_state *es)
{
    const order_space *sp = es->sp;
    if (es->tried >= es->limit) {
        es->truncated = 1;
        return;
    }
    if (es->want_best && es->best_cost >= 0 && es->cost >= es->best_cost) return; /* bound */
    if (es->depth == sp->n) {
        es->tried++;
        ff_lower_opts o;
        memset(&o, 0, sizeof o);
        if (es->opts) o.fuse = es->opts->fuse;
        for (int i = 0; i < sp->n; i++) snprintf(o.order[i], FF_LOWER_NAME, "%s", sp->names[es->cur[i]]);
        o.norder = sp->n;
        ff_graph *g = NULL;
        ff_err e = {0};
        int rc = lower_with(es->p, es->stmt, &o, o.order, o.norder, &g, &e);
        ff_graph_free(g);
        if (rc) {
            if (!es->first.msg[0]) es->first = e;
            return;
        }
        if (es->want_best) {
            es->best_cost = es->cost;
            memcpy(es->best, es->cur, sizeof es->best);
        }
        if (es->count < es->max) memcpy(es->out[es->count], o.order, sizeof o.order);
        es->count++;
        return;
    }
    /* Candidates in written order (outputs first): the cheapest orders come
     * first, so the bound bites early. */
    for (int v = 0; v < sp->n; v++) {
        if (es->placed[v] || !may_place(sp, es->placed, es->placed_mask, v)) continue;
        long add = es->want_best ? place_cost(es, v) : 0;
        es->placed[v] = 1;
        es->placed_mask |= 1ull << v;
        es->cur[es->depth++] = v;
        es->cost += add;
        enumerate(es);
        es->cost -= add;
        es->depth--;
        es->placed_mask &= ~(1ull << v);
        es->placed[v] = 0;
    }
}

int ff_lower_legal_orders(const ff_ir_program *p, int stmt, const ff_lower_opts *opts,
                          char (*orders)[FF_LOWER_MAX_INDICES][FF_LOWER_NAME], int max, int limit, int *norder,
                          int *truncated, ff_err *err)
{
    order_space sp;
    int rc = order_space_init(p, stmt, opts, &sp, err);
    if (rc) return rc;
    enum_state es = {.p = p, .stmt = stmt, .opts = opts, .sp = &sp, .limit = limit, .max = max, .out = orders};
    enumerate(&es);
    *norder = sp.n;
    if (truncated) *truncated = es.truncated;
    return es.count;
}

int ff_lower_default_order(const ff_ir_program *p, int stmt, ff_lower_opts *opts, ff_err *err)
{
    order_space sp;
    int rc = order_space_init(p, stmt, opts, &sp, err);
    if (rc) return rc;
    /* Cheapest first would be best; exhaustive search is fine up to a few
     * thousand candidates, which level-order pruning keeps us under for
     * every model we have met. */
    enum_state es = {.p = p, .stmt = stmt, .opts = opts, .sp = &sp, .limit = 2000, .max = 0, .best_cost = -1,
                     .want_best = 1};
    enumerate(&es);
    if (es.best_cost < 0) {
        if (es.tried == 1 && es.first.msg[0]) {
            if (err) *err = es.first; /* one candidate: its own reason is the reason */
        } else if (es.tried) {
            ff_err_set(err, FF_EINVAL, "%s:%d: none of the %d loop orders the formats allow lowers; the first fails with: %s",
                       p->path, p->stmts[stmt].pos.line, es.tried, es.first.msg);
        } else {
            ff_err_set(err, FF_EINVAL, "%s:%d: no loop order visits every tensor's levels in their order; change a format",
                       p->path, p->stmts[stmt].pos.line);
        }
        return err ? err->code : FF_EINVAL;
    }
    for (int i = 0; i < sp.n; i++) snprintf(opts->order[i], FF_LOWER_NAME, "%s", sp.names[es.best[i]]);
    opts->norder = sp.n;
    return 0;
}
