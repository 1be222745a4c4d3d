/*
 * emit.c -- a lowering plan (lower_plan.h) to graph nodes.
 *
 * Needs: a plan (lw_plan) and an empty graph in L->g.
 * Produces: the statement's graph in L->g (not validated), every node
 * tagged with the level its streams live at (L->node_lvl, for --par); the
 * plan's lx nodes get their value memo, its levels their streams. The plan's
 * structure (tree, trie, accesses) is not changed.
 *
 * The steps, in order (lw_emit):
 *   levels   per level, top-down: merge the accesses that iterate it,
 *            locate the rest that index it, repeat the ones that do not
 *   values   arrays, ALUs, reducers (value streams at their levels, repeated
 *            down to where they are used)
 *   outputs  coordinate drops and writers, or sparse accumulators
 * Errors (constructs the primitives cannot express) unwind through L->fail.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lower_int.h"

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

/* The depth of a stream buffer's value edges. A replayed value meets the
 * walk's other operands, which are located from the replay's coordinates
 * (a locate, then a value array): it must wait out their latency beside
 * them, or the buffer stalls on its value output and the walk runs at half
 * rate (the FFN's replayed row against W2 in GPT: 35,267 -> 18,931 cycles
 * at depth 8). 8 covers two primitives of latency 2 (arch/hbm-study.json);
 * every RTL array takes depths up to its max_depth. */
enum { LW_REPLAY_VAL_DEPTH = 8 };

static void gconn(lw *L, pref from, int to, const char *port)
{
    int depth = 0;
    if (L->g->nodes[from.node].kind == FF_PRIM_BUFFER && !strncmp(from.port, "val", 3))
        depth = LW_REPLAY_VAL_DEPTH;
    if (ff_graph_connect(L->g, from.node, from.port, to, port, depth, L->err) < 0) longjmp(L->fail, 1);
}
/* "T:m" for the size of local index v: a mode some access of the statement
 * indexes with v (so the tensor is bound whenever the graph runs). With
 * `blocks`, a blocked index's size counts blocks ("T:m/B"). */
static void size_text(lw *L, int v, int blocks, char *buf, size_t n)
{
    for (int i = 0; i < L->nnodes; i++) {
        lx *x = L->nodes[i];
        if (x->kind != FF_IR_ACCESS) continue;
        for (int m = 0; m < x->nidx; m++)
            if (x->idx[m] == v && !x->off[m].on) { /* a window's mode is not v's size */
                if (blocks && lw_is_blocked(L, v)) snprintf(buf, n, "%s:%d/%d", lw_tname(L, x->tensor), m, L->B);
                else snprintf(buf, n, "%s:%d", lw_tname(L, x->tensor), m);
                return;
            }
    }
    const ff_ir_size *sz = &L->p->sizes[L->idx[v].size];
    /* a literal, or the size a run binds (a window's index may be sized by
     * the left side alone) */
    if (sz->literal > 0 || (L->bound && L->bound[L->idx[v].size] > 0)) {
        long long size = sz->literal > 0 ? sz->literal : (long long)L->bound[L->idx[v].size];
        if (blocks && lw_is_blocked(L, v)) size = (size + L->B - 1) / L->B;
        snprintf(buf, n, "%lld", size);
        return;
    }
    lw_fail(L, L->st->pos, "the size of index %s is not given by any tensor the statement reads%s", L->idx[v].name,
            L->bound ? "" : " (a run binds it from the data; to compile without data, declare it as a number)");
}

/* ------------------------------------------------------------------ */
/* levels: merges, locates and repeats                                 */
/* ------------------------------------------------------------------ */

/* The merge tree of an expression at one level. */
enum { MT_NEUTRAL, MT_FULL, MT_LEAF, MT_AND, MT_OR, MT_MASK, MT_REPLAY };

typedef struct mt {
    int kind;
    int acc;            /* LEAF */
    lx *replay;         /* REPLAY: the replay that drives the level */
    struct mt *kid[8];  /* AND/OR children; MASK: kid[0] = mask leaf, kid[1] = value */
    int nkid;
} mt;

/* One lw's merge tree nodes, reused level after level. Chunks are made as
 * a level first needs them: a whole pool zeroed per level cost more than
 * the rest of lowering (and `--order auto` lowers every candidate). */
enum { MT_CHUNK = 64, MT_CHUNKS = 256 };
typedef struct mt_pool {
    mt *chunk[MT_CHUNKS];
    int n;              /* nodes in use by the level being processed */
} mt_pool;

void lw_merge_pool_free(void *pool)
{
    mt_pool *mp = pool;
    if (!mp) return;
    for (int i = 0; i < MT_CHUNKS && mp->chunk[i]; i++) free(mp->chunk[i]);
    free(mp);
}

static mt *mt_new(lw *L, mt_pool *pool, int kind)
{
    if (pool->n == MT_CHUNK * MT_CHUNKS) lw_fail(L, L->st->pos, "statement too large to lower");
    mt **c = &pool->chunk[pool->n / MT_CHUNK];
    if (!*c) *c = ff_xmalloc(MT_CHUNK * sizeof **c);
    mt *m = &(*c)[pool->n++ % MT_CHUNK];
    memset(m, 0, sizeof *m);
    m->kind = kind;
    return m;
}

static mt *build_mt(lw *L, mt_pool *pool, lx *x, int lvl)
{
    if (!x) return mt_new(L, pool, MT_NEUTRAL);
    switch (x->kind) {
    case FF_IR_ACCESS: {
        access *a = &L->acc[x->acc];
        if (!lw_iterates(L, a, a->next, lvl)) return mt_new(L, pool, MT_NEUTRAL);
        mt *m = mt_new(L, pool, MT_LEAF);
        m->acc = x->acc;
        return m;
    }
    case FF_IR_CONST:
        return mt_new(L, pool, MT_NEUTRAL);
    case LW_REPLAY: {
        /* Along an outer level a replay has its capture's support (the rows
         * the capture walked); along its own index it drives the level. */
        if (L->levels[lvl].index != x->index) return build_mt(L, pool, x->cap->a, lvl);
        if (!lw_is_ancestor(L, lvl, x->chain)) return mt_new(L, pool, MT_NEUTRAL);
        mt *m = mt_new(L, pool, MT_REPLAY);
        m->replay = x;
        return m;
    }
    case FF_IR_UNARY:
        return build_mt(L, pool, x->a, lvl);
    case FF_IR_REDUCE:
        /* An accumulated sum is iterated as part of the top chain. */
        if (x->chain == -2) return build_mt(L, pool, x->a, lvl);
        /* Its accesses take part where its chain passes through lvl. */
        if (!lw_is_ancestor(L, lvl, x->chain)) return mt_new(L, pool, MT_NEUTRAL);
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

/* The first replay in a merge tree, or NULL. A replay carries values, not
 * references: it cannot enter a joiner or be located in a dense walk, and
 * such a walk unwinds to be planned again with its site recomputed
 * (lw_refuse_replay; the plan's check_merge refuses these first). */
static lx *mt_replay(const mt *m)
{
    if (m->kind == MT_REPLAY) return m->replay;
    for (int i = 0; i < m->nkid; i++) {
        lx *r = mt_replay(m->kid[i]);
        if (r) return r;
    }
    return NULL;
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
    return lw_tfmt(L, a->tensor)->lv[a->next].fmt == FF_LVL_DENSE;
}

/* Whether access acc's window at its level `lvl` (if any) lies inside the
 * mode: a window reaching past it reads only the coordinates that exist
 * there. */
static int window_inside(lw *L, int acc, int lvl)
{
    const access *a = &L->acc[acc];
    const lx *x = a->node;
    int m = lw_tfmt(L, a->tensor)->lv[lvl].mode;
    return lw_window_within(L->p, x->off[m], L->idx[x->idx[m]].size, L->p->tensors[a->tensor].dims[m]);
}

/* A dense level whose every coordinate the access reads, from a reference
 * that is never N: it covers the level (it can be located, or drive a level
 * every operand covers). Where the reference may be N -- an absent fiber,
 * after a union or a locate that may miss -- the level holds nothing. */
static int leaf_full(lw *L, int acc)
{
    const access *a = &L->acc[acc];
    return leaf_dense(L, acc) && window_inside(L, acc, a->next) && !a->maybe_n;
}

/* Whether the support along the level is every coordinate. */
static int mt_covers(lw *L, const mt *m)
{
    switch (m->kind) {
    case MT_NEUTRAL:
    case MT_FULL: return 1;
    case MT_LEAF: return leaf_full(L, m->acc);
    case MT_AND:
        for (int i = 0; i < m->nkid; i++)
            if (!mt_covers(L, m->kid[i])) return 0;
        return 1;
    case MT_OR:
        for (int i = 0; i < m->nkid; i++)
            if (mt_covers(L, m->kid[i])) return 1;
        return 0;
    case MT_MASK: return mt_covers(L, m->kid[0]);
    case MT_REPLAY: return 0;
    }
    return 0;
}

/* A realized iteration: the coordinate stream and, per scanned access, its
 * reference stream aligned with it. */
typedef struct side {
    pref crd, ref;
    int acc;            /* -1: a replay (rx) */
    lx *rx;
} side;

typedef struct iter {
    side s[16];
    int n;
    int located[LW_MAX_ACCESS]; /* accesses to locate against the final coordinates */
    int nlocated;
} iter;

/* "T:m" for size symbol z: a plain mode of that size some access of the
 * statement reads (every tensor an access reads is bound to the graph);
 * 0 when none does. */
static int size_symbol_text(lw *L, int z, char *buf, size_t n)
{
    for (int i = 0; i < L->nnodes; i++) {
        lx *x = L->nodes[i];
        if (x->kind != FF_IR_ACCESS) continue;
        const ff_ir_tensor *t = &L->p->tensors[x->tensor];
        for (int m = 0; m < x->nidx; m++)
            if (t->dims[m] == z && !x->off[m].on) {
                snprintf(buf, n, "%s:%d", lw_tname(L, x->tensor), m);
                return 1;
            }
    }
    return 0;
}

/* The window access acc reads at its next level (docs/language.md
 * "Offsets"), or NULL: the mode of that level, read from coordinate `off`
 * for `len` coordinates. Sets scan or locate node n's params off and len. */
static const ff_ir_off *level_window(lw *L, int acc, int n)
{
    const access *a = &L->acc[acc];
    const lx *x = a->node;
    int m = lw_tfmt(L, a->tensor)->lv[a->next].mode;
    if (!x->off[m].on) return NULL;
    const ff_ir_off *o = &x->off[m];
    const ff_ir_size *z = o->size >= 0 ? &L->p->sizes[o->size] : NULL;
    char off[96], len[96];
    if (z && !z->literal && o->coef == 1 && o->lit == 0 && size_symbol_text(L, o->size, off, sizeof off)) {
        /* one size a tensor of the kernel has: bound with the graph */
    } else if (!z || z->literal || L->bound) {
        /* a number: literal, or from the sizes a run binds */
        snprintf(off, sizeof off, "%lld", (long long)ff_ir_off_value(L->p, o, L->bound));
    } else if (o->coef == 1 && o->lit == 0) {
        lw_fail(L, x->pos,
                "the offset %s of %s's window: no tensor this kernel reads has a mode of size %s (a compiled graph "
                "takes its sizes from its inputs); write the offset as a number",
                z->name, lw_tname(L, a->tensor), z->name);
    } else {
        lw_fail(L, x->pos,
                "the offset of %s's window along mode %d: a compiled graph takes an offset that is a number or one "
                "size (not %lld*%s + %lld); write it as a number",
                lw_tname(L, a->tensor), m, (long long)o->coef, z->name, (long long)o->lit);
    }
    if (lw_tfmt(L, a->tensor)->lv[a->next].split != FF_SPLIT_NONE)
        lw_fail(L, x->pos, "%s is read through a window along a mode its format stores in blocks: not supported",
                lw_tname(L, a->tensor));
    if (lw_is_blocked(L, x->idx[m]))
        lw_fail(L, x->pos, "%s is read through a window along a blocked index (%s): not supported with --block",
                lw_tname(L, a->tensor), L->idx[x->idx[m]].name);
    size_text(L, x->idx[m], 0, len, sizeof len);
    if (ff_node_set_str(L->g, n, "off", off, L->err) < 0 || ff_node_set_str(L->g, n, "len", len, L->err) < 0)
        longjmp(L->fail, 1);
    return o;
}

/* Whether accesses a and b read the same window (or none) at their next
 * levels. */
static int same_window(lw *L, int a, int b)
{
    const access *x = &L->acc[a], *y = &L->acc[b];
    int m = lw_tfmt(L, x->tensor)->lv[x->next].mode;
    const ff_ir_off *u = &x->node->off[m], *w = &y->node->off[m];
    int uon = u->on, won = w->on;
    if (uon != won) return 0;
    return !uon || (u->lit == w->lit && u->size == w->size && u->coef == w->coef &&
                    L->idx[x->node->idx[m]].size == L->idx[y->node->idx[m]].size);
}

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
            strcmp(b->ref.port, a->ref.port) == 0 && same_window(L, acc, done[i].acc)) {
            side s = done[i];
            s.acc = acc;
            return s;
        }
    }
    int n = gnode(L, FF_PRIM_SCAN, "%s_%s", lw_tname(L, a->tensor), L->idx[L->levels[lvl].index].name);
    at_level(L, n, lvl);
    gset_str(L, n, "format", level_fmt_name(L, acc));
    gset_str(L, n, "tensor", lw_tname(L, a->tensor));
    gset_int(L, n, "level", a->next);
    level_window(L, acc, n);
    gconn(L, a->ref, n, "ref_in");
    side s = {P(n, "crd"), P(n, "ref"), acc};
    return s;
}

static pref level_rep(lw *L, int lvl);

/* The words of the longest fiber a buffer at level lvl holds (its
 * coordinates and values, and the closing stop), or 0 when the size is not
 * bound at compile time. */
static long long fiber_words(lw *L, int lvl)
{
    const ff_ir_size *sz = &L->p->sizes[L->idx[L->levels[lvl].index].size];
    long long n = sz->literal > 0 ? sz->literal : L->sizes ? (long long)L->sizes[L->idx[L->levels[lvl].index].size] : 0;
    if (n <= 0) return 0;
    if (lw_is_blocked(L, L->levels[lvl].index)) n = (n + L->B - 1) / L->B;
    return 2 * (n + 1);
}

/* The side of a replay at level lvl: a new reader of its capture's buffer,
 * replayed once per coordinate of every level between the capture's
 * prefix and lvl (a fiber revisited by an inner loop). Its value is the
 * reader's value stream. */
static side replay_side(lw *L, lx *x, int lvl)
{
    lx *cap = x->cap;
    if (x->val.port[0]) { /* met twice in one merge (d * d): one stream */
        side sd = {x->rcrd, x->val, -1, x};
        return sd;
    }
    long long need = fiber_words(L, cap->chain);
    if (L->buffer_words > 0 && need > L->buffer_words) {
        /* --reuse auto recomputes it; --reuse buffer says why it cannot */
        if (L->reuse == FF_REUSE_AUTO) L->refused_site = cap->site;
        char what[96];
        if (cap->op == LW_RED_CAPTURE)
            snprintf(what, sizeof what, "the fused result %s", lw_tname(L, cap->inlined - 1));
        else
            snprintf(what, sizeof what, "the %s's operand", cap->op == FF_IR_RED_MAX ? "softmax" : "layernorm");
        lw_fail(L, cap->pos, "--reuse buffer: replaying %s along %s (in the kernel computing %s) needs a stream buffer "
                "of %lld words for its longest fiber, the architecture has %d (buffer_words)", what,
                L->idx[L->levels[lvl].index].name, lw_tname(L, L->st->lhs), need, L->buffer_words);
    }
    if (cap->nreaders == 4) lw_refuse_replay(L, lvl, x, "a buffer has at most 4 readers");
    int k = cap->nreaders++, port = L->B ? 0 : k;
    L->nbuffers++;
    if (k == 0 || L->B) {
        cap->buf[k] = gnode(L, FF_PRIM_BUFFER, "buf_%s", L->idx[cap->index].name);
        at_level(L, cap->buf[k], cap->chain);
    } else {
        cap->buf[k] = cap->buf[0];
    }
    char cp[16], vp[16];
    snprintf(cp, sizeof cp, "crd%d", port);
    snprintf(vp, sizeof vp, "val%d", port);
    pref crd = P(cap->buf[k], cp), val = P(cap->buf[k], vp);
    /* the levels between the capture's prefix and lvl, outermost first */
    int path[LW_MAX_LEVELS], n = 0;
    for (int l = L->levels[lvl].parent; l != cap->prefix; l = L->levels[l].parent) path[n++] = l;
    for (int q = n - 1; q >= 0; q--) {
        int b = gnode(L, FF_PRIM_BUFFER, "replay_%s_%s", L->idx[cap->index].name, L->idx[L->levels[path[q]].index].name);
        at_level(L, b, path[q]);
        gconn(L, crd, b, "crd_in");
        gconn(L, val, b, "val_in");
        gconn(L, level_rep(L, path[q]), b, "rep");
        crd = P(b, "crd0");
        val = P(b, "val0");
    }
    /* the value is ready once the capture's is (lower_value: block axes) */
    x->val = val;
    x->val_level = lvl;
    x->rcrd = crd;
    side sd = {crd, val, -1, x};
    return sd;
}

/* The capture's buffers get their input -- the capture walk's coordinates
 * and the operand's values on it -- once everything is emitted. */
static pref value_at(lw *L, lx *x, int at);
static void connect_buffers(lw *L)
{
    for (int i = 0; i < L->nnodes; i++) {
        lx *cap = L->nodes[i];
        if (cap->kind != FF_IR_REDUCE || cap->nreaders == 0) continue;
        pref v = value_at(L, cap->a, cap->chain);
        for (int k = 0; k < cap->nreaders; k++) {
            if (k > 0 && cap->buf[k] == cap->buf[0]) continue;
            gconn(L, L->levels[cap->chain].crd, cap->buf[k], "crd_in");
            gconn(L, v, cap->buf[k], "val_in");
            gset_int(L, cap->buf[k], "n", cap->buf[k] == cap->buf[0] && !L->B ? cap->nreaders : 1);
        }
    }
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
    for (int i = 0; i < nu; i++)
        if (uniq[i].acc < 0 && kind != MT_AND)
            lw_refuse_replay(L, lvl, uniq[i].rx, "a sum walks the union of its operands' coordinates");
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
    /* a union's sides lacking a coordinate get N */
    for (int i = 0; i < n && kind != MT_AND; i++)
        if (all[i].acc >= 0) L->acc[all[i].acc].maybe_n = 1;
    for (int i = 0; i < n; i++) {
        char rp[16];
        snprintf(rp, sizeof rp, "ref%d", map[i]);
        side s = {P(j, "crd"), P(j, rp), all[i].acc, all[i].rx};
        if (all[i].rx) { /* a replay's values ride its lane: from here on they are the joiner's */
            all[i].rx->val = s.ref;
            all[i].rx->rcrd = s.crd;
        }
        out->s[out->n++] = s;
    }
}

/* Whether m has a mask below it (at this level) that does not cover the
 * level: its value is absent wherever the mask has nothing. */
static int mt_has_mask(lw *L, const mt *m)
{
    if (m->kind == MT_MASK) return !mt_covers(L, m->kid[0]);
    if (m->kind != MT_AND && m->kind != MT_OR) return 0;
    for (int i = 0; i < m->nkid; i++)
        if (mt_has_mask(L, m->kid[i])) return 1;
    return 0;
}

static side locate_side(lw *L, int acc, int lvl, pref crd);

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
    case MT_REPLAY:
        out->s[0] = replay_side(L, m->replay, lvl);
        out->n = 1;
        return;
    case MT_LEAF:
        if (leaf_full(L, m->acc)) {
            add_located(out, m->acc);
            return;
        }
        out->s[0] = scan_leaf(L, m->acc, lvl, done, *ndone);
        done[(*ndone)++] = out->s[0];
        out->n = 1;
        return;
    case MT_MASK:
        /* The mask drives the level; everything under it is located. */
        if (mt_replay(m->kid[1])) lw_refuse_replay(L, lvl, mt_replay(m->kid[1]), "a mask would locate it");
        realize(L, m->kid[0], lvl, out, done, ndone);
        mt_leaves(m->kid[1], leaves, &nl);
        if (L->in_union && out->n == 1) {
            /* Inside a union the level's coordinates are the union's, and
             * the masked value must be absent (0) where the mask is: its
             * leaves are located on the mask's own coordinates and join the
             * union beside it, so they read N wherever the mask has
             * nothing. */
            for (int i = 0; i < nl && out->n < 16; i++) out->s[out->n++] = locate_side(L, leaves[i], lvl, out->s[0].crd);
            return;
        }
        for (int i = 0; i < nl; i++) add_located(out, leaves[i]);
        return;
    case MT_OR:
        /* A covering union locates everything on a walk of every
         * coordinate -- unless a masked operand would then be read where
         * its mask has nothing: that union is realized side by side (below). */
        if (mt_covers(L, m) && !mt_has_mask(L, m)) {
            if (mt_replay(m))
                lw_refuse_replay(L, lvl, mt_replay(m), "the walk covers every coordinate, the buffer only its own");
            mt_leaves(m, leaves, &nl);
            for (int i = 0; i < nl; i++) add_located(out, leaves[i]);
            return;
        }
        __attribute__((fallthrough)); /* a union of the children's iterations */
    case MT_AND: {
        iter parts[8];
        int np = 0;
        L->in_union += m->kind == MT_OR;
        for (int i = 0; i < m->nkid; i++) {
            iter sub;
            realize(L, m->kid[i], lvl, &sub, done, ndone);
            if (m->kind == MT_OR && !sub.n) {
                /* an operand present everywhere, in a union realized side by
                 * side: one of its dense leaves is scanned as its side */
                int k = 0;
                while (k < sub.nlocated && !leaf_full(L, sub.located[k])) k++;
                if (k == sub.nlocated)
                    lw_fail(L, L->st->pos,
                            "a mask() is added to a term present at every coordinate of index %s that reads no "
                            "dense tensor there (a constant): compute the masked term in a statement of its own",
                            L->idx[L->levels[lvl].index].name);
                sub.s[sub.n++] = scan_leaf(L, sub.located[k], lvl, done, *ndone);
                done[(*ndone)++] = sub.s[0];
                sub.located[k] = sub.located[--sub.nlocated];
            }
            for (int k = 0; k < sub.nlocated; k++) add_located(out, sub.located[k]);
            if (sub.n) parts[np++] = sub;
        }
        L->in_union -= m->kind == MT_OR;
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

/* Repeats a stream (a reference or a value) once per coordinate that rep
 * signals. */
static pref repeat_with(lw *L, pref s, pref rep, int lvl, const char *what)
{
    int r = gnode(L, FF_PRIM_REPEAT, "rep_%s_%s", what, L->idx[L->levels[lvl].index].name);
    at_level(L, r, lvl);
    gconn(L, s, r, "ref_in");
    gconn(L, rep, r, "rep");
    L->bax_n[r] = L->bax_n[s.node];
    memcpy(L->bax[r], L->bax[s.node], sizeof L->bax[r]);
    return P(r, "ref");
}

/* Repeats a stream (a reference or a value) once per coordinate of lvl. */
static pref repeat_over(lw *L, pref s, int lvl, const char *what)
{
    return repeat_with(L, s, level_rep(L, lvl), lvl, what);
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

/* A locate of access acc's next level on coordinate stream crd (its node):
 * the access's reference, repeated once per coordinate by rep, names the
 * fiber. */
static int locate_node(lw *L, int acc, int lvl, pref crd, pref rep)
{
    access *a = &L->acc[acc];
    pref parent = repeat_with(L, a->ref, rep, lvl, lw_tname(L, a->tensor));
    int n = gnode(L, FF_PRIM_LOCATE, "loc_%s_%s", lw_tname(L, a->tensor), L->idx[L->levels[lvl].index].name);
    at_level(L, n, lvl);
    gset_str(L, n, "format", level_fmt_name(L, acc));
    gset_str(L, n, "tensor", lw_tname(L, a->tensor));
    gset_int(L, n, "level", a->next);
    level_window(L, acc, n);
    gconn(L, crd, n, "crd_in");
    gconn(L, parent, n, "ref_in");
    return n;
}

/* Access acc located on coordinate stream crd at level lvl, as a side of a
 * merge (the caller sets its reference and moves it a level down, as for a
 * scanned side). */
static side locate_side(lw *L, int acc, int lvl, pref crd)
{
    int r = gnode(L, FF_PRIM_REPSIGGEN, "rs_%s_%s", lw_tname(L, L->acc[acc].tensor), L->idx[L->levels[lvl].index].name);
    at_level(L, r, lvl);
    gconn(L, crd, r, "in");
    int n = locate_node(L, acc, lvl, crd, P(r, "rep"));
    L->acc[acc].maybe_n = 1; /* N where the side it follows has nothing */
    side s = {P(n, "crd"), P(n, "ref"), acc, NULL};
    return s;
}

/* Access acc located on level lvl's final coordinates. */
static void locate_access(lw *L, int acc, int lvl)
{
    access *a = &L->acc[acc];
    if (!leaf_full(L, acc)) a->maybe_n = 1; /* the coordinate may be absent */
    a->ref = P(locate_node(L, acc, lvl, L->levels[lvl].crd, level_rep(L, lvl)), "ref");
    a->next++;
}

/* One level: merge, locate, repeat. */
static void process_level(lw *L, int lvl)
{
    level *lv = &L->levels[lvl];
    L->ctx_lvl = lvl;
    L->ctx_gen = 1;
    /* the lw owns it: a failure unwinds past here */
    if (!L->merge_pool) L->merge_pool = ff_xcalloc(1, sizeof(mt_pool));
    mt_pool *pool = L->merge_pool;
    pool->n = 0;
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
            if (it.s[i].acc < 0) continue; /* a replay */
            access *a = &L->acc[it.s[i].acc];
            a->ref = it.s[i].ref;
            a->next++;
        }
    } else {
        /* The level's support is every coordinate: a dense operand's scan
         * drives it (or, with none, a dense range); the rest are located. */
        for (int i = 0; i < it.nlocated && located_scanned < 0; i++)
            if (leaf_full(L, it.located[i])) located_scanned = it.located[i];
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
        if (!lw_is_ancestor(L, lvl, a->chain_end)) continue;
        int handled = 0;
        for (int i = 0; i < it.n; i++)
            if (it.s[i].acc == k) handled = 1;
        for (int i = 0; i < it.nlocated; i++)
            if (it.located[i] == k) handled = 1;
        if (handled || k == located_scanned) continue;
        if (lw_iterates(L, a, a->next, lvl)) locate_access(L, k, lvl);
        else a->ref = repeat_over(L, a->ref, lvl, lw_tname(L, a->tensor));
    }
}

/* Every level, parents before children (lw_level_order: the order the
 * plan checked them in). */
static void process_levels(lw *L)
{
    int order[LW_MAX_LEVELS];
    lw_level_order(L, order);
    for (int i = 0; i < L->nlevels; i++) process_level(L, order[i]);
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
    if (lw_is_ancestor(L, a, b)) return b;
    if (lw_is_ancestor(L, b, a)) return a;
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
    case FF_IR_FN_GELU: { /* x (erf(x / sqrt 2) / 2 + 1/2) */
        ff_fx k = ff_ir_gelu_scale(F), half = ff_fx_from_double(0.5, F);
        pref t = alu(L, FF_ALU_MUL, a, NULL, &k, "gelu_scale");
        pref e = alu(L, FF_ALU_ERF, t, NULL, NULL, "gelu_erf");
        pref h = alu(L, FF_ALU_MUL, e, NULL, &half, "gelu_half");
        pref c = alu(L, FF_ALU_ADD, h, NULL, &half, "gelu_cdf");
        return alu(L, FF_ALU_MUL, a, &c, NULL, "gelu");
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
        int n = gnode(L, FF_PRIM_ARRAY, "%s_vals", lw_tname(L, x->tensor));
        at_level(L, n, a->chain_end);
        gset_str(L, n, "tensor", lw_tname(L, x->tensor));
        gconn(L, a->ref, n, "ref");
        if (L->B) {
            /* the block's dims are the tensor's blocked modes, in order */
            signed char ax[FF_IR_MAX_ORDER];
            int nax = 0;
            for (int m = 0; m < x->nidx; m++)
                if (lw_is_blocked(L, x->idx[m])) ax[nax++] = (signed char)x->idx[m];
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
        if (L->B && lw_is_blocked(L, x->index) && x->op == FF_IR_RED_SUM && x->a->kind == FF_IR_BINARY &&
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
    case LW_REPLAY: {
        /* its stream was made by its level (replay_side); its blocks span
         * what the capture's do, with the capture's walk index renamed */
        if (!x->val.port[0]) lw_fail(L, x->pos, "internal: a replay whose walk was never emitted");
        pref c = value_at(L, x->cap->a, x->cap->chain);
        v = x->val;
        lvl = x->val_level;
        if (L->B) {
            signed char ax[2];
            int n = L->bax_n[c.node];
            for (int d = 0; d < n; d++) ax[d] = L->bax[c.node][d] == x->cap->index ? (signed char)x->index : L->bax[c.node][d];
            set_axes(L, v.node, ax, n);
        }
        break;
    }
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
    unsigned char *seen = L->tseen;
    memset(seen, 0, (size_t)L->p->ntensors);
    for (int i = 0; i < L->nnodes; i++) {
        lx *x = L->nodes[i];
        if (x->kind != FF_IR_ACCESS || seen[x->tensor]) continue;
        seen[x->tensor] = 1;
        const ff_ir_tensor *t = &L->p->tensors[x->tensor];
        char text[96];
        if (L->B) block_format_str(L, lw_tfmt(L, x->tensor), L->bmodes[x->tensor], text, sizeof text);
        else ff_format_str(lw_tfmt(L, x->tensor), text, sizeof text);
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
            int blocked = lw_is_blocked(L, lw_local_index(L, L->st->lhs_idx[m]));
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
        size_text(L, lw_local_index(L, L->st->lhs_idx[m]), 0, shape_buf[m], sizeof shape_buf[m]);
        shape[m] = shape_buf[m];
    }
    if (ff_graph_add_tensor(L->g, t->name, 1, t->order, fmt, shape, L->err) < 0) longjmp(L->fail, 1);
}

static void write_level(lw *L, pref crd, int lvl)
{
    int w = gnode(L, FF_PRIM_WRITE_CRD, "%s_w%d", lw_tname(L, L->st->lhs), lvl);
    gset_str(L, w, "tensor", lw_tname(L, L->st->lhs));
    gset_int(L, w, "level", lvl);
    gconn(L, crd, w, "crd");
}

/* The blocked indices of the result, in mode order: its blocks' dims. */
static int lhs_axes(lw *L, signed char *ax)
{
    int n = 0;
    for (int m = 0; m < L->st->nlhs; m++) {
        int v = lw_local_index(L, L->st->lhs_idx[m]);
        if (lw_is_blocked(L, v)) ax[n++] = (signed char)v;
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
    int w = gnode(L, FF_PRIM_WRITE_VAL, "%s_vals_w", lw_tname(L, L->st->lhs));
    gset_str(L, w, "tensor", lw_tname(L, L->st->lhs));
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

void lw_emit(lw *L)
{
    const int *chain = L->chain, *out_chain = L->out_chain, ntop = L->ntop, nout = L->nout, nsums = L->nsums;
    lx *const *sums = L->sums, *core = L->core;
    L->ctx_lvl = LW_TAIL;
    L->root_node = gnode(L, FF_PRIM_ROOT, "root");
    at_level(L, L->root_node, -1);
    for (int k = 0; k < L->nacc; k++) L->acc[k].ref = P(L->root_node, "ref");
    process_levels(L);
    declare_tensors(L, L->out_modes, nout);

    if (!L->spacc) {
        pref v = value_at(L, L->root, L->top_chain);
        emit_writers(L, out_chain, nout, v);
        connect_buffers(L);
        return;
    }
    /* Accumulate: points (outer, inner, value) over the whole chain. In
     * block mode a product contracts the one blocked index it is summed
     * over; any blocked sum index left is folded out of the block first. */
    int nbsum = 0, bsum = -1;
    for (int k = 0; k < nsums; k++)
        if (lw_is_blocked(L, sums[k]->index)) {
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
    for (int u = L->nun - 1; u >= 0; u--) v = lower_unary(L, L->unary_ops[u], v);
    if (nout == 1) {
        write_level(L, P(acc, "crd_inner"), 0);
    } else {
        write_level(L, P(acc, "crd_outer"), 0);
        write_level(L, P(acc, "crd_inner"), 1);
    }
    write_vals(L, v);
    connect_buffers(L);
}

