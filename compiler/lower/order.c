/*
 * order.c -- loop orders: parsing one, enumerating the legal ones, choosing
 * the default.
 *
 * Needs: a checked program with reductions placed, the statement and its
 * fuse flags. Produces: orders by index name (ff_lower.h). An order is
 * legal when the statement lowers in it: candidates are cut early by what
 * the plan's copy shows (tensor level orders, reductions after their free
 * indices) and each complete one is lowered (lw_lower_with), so legality
 * is exactly the lowering's.
 *
 * The same search serves relayout (relayout.c, lw_relaxed_order): there
 * the accesses of tensors that may be copied do not constrain the order;
 * an order that breaks one's level order reads a copy laid out in the
 * order's mode order instead, each new copy adding to the order's cost,
 * and each complete candidate is lowered on a program with the copies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lower_int.h"

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
    /* The relaxed search (relayout): per access, the program node it
     * copies, its tensor and the id of each mode's index; a movable one
     * may be read from a copy, so its level order constrains nothing. */
    const ff_ir_expr *src[LW_MAX_ACCESS];
    int tensor[LW_MAX_ACCESS];
    int mode_id[LW_MAX_ACCESS][FF_MAX_ORDER];
    int nmodes[LW_MAX_ACCESS];
    unsigned char movable[LW_MAX_ACCESS];
} order_space;

/* Whether access x of tensor format f can be read from a copy in any mode
 * order: one level per mode, unsplit (a blocked format's block levels are
 * tied to their mode), each mode a distinct index the order places. */
static int layout_movable(const ff_format *f, const lx *x, const int *id_of)
{
    if (f->nlevels != f->order || f->order < 2 || x->nidx != f->order || !x->src) return 0;
    for (int l = 0; l < f->nlevels; l++)
        if (f->lv[l].split != FF_SPLIT_NONE) return 0;
    for (int m = 0; m < x->nidx; m++) {
        if (id_of[x->idx[m]] < 0) return 0;
        for (int u = 0; u < m; u++)
            if (x->idx[u] == x->idx[m]) return 0;
    }
    return 1;
}

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

/* movable (per program tensor, NULL: none): tensors whose accesses may be
 * read from copies (the relaxed search). */
static int order_space_init(const ff_ir_program *p, int stmt, const ff_lower_opts *opts, const unsigned char *movable,
                            order_space *sp, ff_err *err)
{
    memset(sp, 0, sizeof *sp);
    lw *L = lw_new(p, stmt, opts, err);
    if (setjmp(L->fail)) {
        lw_delete(L);
        return err ? err->code : FF_EINVAL;
    }
    lw_copy_stmt(L);
    lw_compute_free(L->root);
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
    for (int m = 0; m < L->st->nlhs; m++) sp->is_out[id_of[lw_local_index(L, L->st->lhs_idx[m])]] = 1;
    unsigned char top[LW_MAX_IDX] = {0};
    mark_top_sums(L->root, top);
    for (int i = 0; i < L->nnodes; i++) {
        lx *x = L->nodes[i];
        if (x->kind == FF_IR_ACCESS && sp->nacc < LW_MAX_ACCESS) {
            const ff_format *f = lw_tfmt(L, x->tensor);
            int k = sp->nacc++;
            for (int l = 0; l < f->nlevels; l++) {
                int v = id_of[x->idx[f->lv[l].mode]];
                if (v >= 0) sp->acc_idx[k][sp->acc_n[k]++] = v;
            }
            sp->src[k] = x->src;
            sp->tensor[k] = x->tensor;
            sp->nmodes[k] = x->nidx;
            for (int m = 0; m < x->nidx; m++) sp->mode_id[k][m] = id_of[x->idx[m]];
            /* the declared format: the one a copy permutes */
            sp->movable[k] = movable && movable[x->tensor] && layout_movable(&p->tensors[x->tensor].fmt, x, id_of);
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
        for (int l = 0; l < sp->acc_n[a] && !sp->movable[a]; l++) {
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
    /* the relaxed search: how accesses may move, and the best order's moves */
    const lw_relax *rx;
    lw_move best_moves[LW_MAX_MOVES];
    int best_nmoves;
} enum_state;

/* Whether layout a is one of the copies that exist. */
static int have_layout(const lw_relax *rx, const lw_layout *a)
{
    for (int h = 0; h < rx->nhave; h++)
        if (!memcmp(&rx->have[h], a, sizeof *a)) return 1;
    return 0;
}

/* A lower bound on what the copies of the placed prefix cost: every
 * tensor with an access whose levels the prefix already breaks needs a
 * copy, unless one of it exists (in whatever layout: a bound, not a
 * count). */
static long copies_bound(const enum_state *es)
{
    const order_space *sp = es->sp;
    int seen[FF_LOWER_MAX_INDICES * 4], nseen = 0;
    for (int a = 0; a < sp->nacc; a++) {
        if (!sp->movable[a]) continue;
        int broken = 0;
        for (int l = 1; l < sp->acc_n[a] && !broken; l++)
            if (es->placed[sp->acc_idx[a][l]])
                for (int e = 0; e < l; e++)
                    if (!es->placed[sp->acc_idx[a][e]]) broken = 1;
        if (!broken) continue;
        int t = sp->tensor[a], dup = 0;
        for (int h = 0; h < es->rx->nhave; h++) dup |= es->rx->have[h].tensor == t;
        for (int k = 0; k < nseen; k++) dup |= seen[k] == t;
        if (!dup && nseen < (int)(sizeof seen / sizeof seen[0])) seen[nseen++] = t;
    }
    return (long)nseen * es->rx->copy_cost;
}

/* A complete order of the relaxed search: the accesses it breaks move to
 * copies in its mode order; lowered with them when it beats the best. */
static void relaxed_leaf(enum_state *es, char (*order)[FF_LOWER_NAME])
{
    const order_space *sp = es->sp;
    int pos[FF_LOWER_MAX_INDICES];
    for (int i = 0; i < sp->n; i++) pos[es->cur[i]] = i;
    lw_move mv[LW_MAX_MOVES];
    int nmv = 0, nnew = 0;
    for (int a = 0; a < sp->nacc; a++) {
        if (!sp->movable[a]) continue;
        int in_order = 1;
        for (int l = 1; l < sp->acc_n[a]; l++)
            if (pos[sp->acc_idx[a][l]] < pos[sp->acc_idx[a][l - 1]]) in_order = 0;
        if (in_order) continue;
        lw_layout to;
        memset(&to, 0, sizeof to);
        to.tensor = sp->tensor[a];
        to.n = sp->nmodes[a];
        for (int m = 0; m < to.n; m++) { /* modes by where the order places their index */
            int k = m;
            while (k > 0 && pos[sp->mode_id[a][to.perm[k - 1]]] > pos[sp->mode_id[a][m]]) {
                to.perm[k] = to.perm[k - 1];
                k--;
            }
            to.perm[k] = m;
        }
        int dup = -1;
        for (int k = 0; k < nmv; k++)
            if (mv[k].src == sp->src[a]) dup = k;
        if (dup >= 0) {
            if (memcmp(&mv[dup].to, &to, sizeof to)) return; /* one node, two layouts */
            continue;
        }
        if (nmv == LW_MAX_MOVES) return;
        int fresh = !have_layout(es->rx, &to);
        for (int k = 0; k < nmv && fresh; k++)
            if (!memcmp(&mv[k].to, &to, sizeof to)) fresh = 0;
        nnew += fresh;
        mv[nmv].src = sp->src[a];
        mv[nmv++].to = to;
    }
    long total = es->cost + (long)nnew * es->rx->copy_cost;
    if (es->best_cost >= 0 && total >= es->best_cost) return;
    es->tried++;
    ff_err e = {0};
    if (es->rx->lower(es->rx->ctx, mv, nmv, order, sp->n, &e)) {
        if (!es->first.msg[0]) es->first = e;
        return;
    }
    es->best_cost = total;
    memcpy(es->best, es->cur, sizeof es->best);
    memcpy(es->best_moves, mv, (size_t)nmv * sizeof *mv);
    es->best_nmoves = nmv;
}

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
    if (es->want_best && es->best_cost >= 0 && es->cost + (es->rx ? copies_bound(es) : 0) >= es->best_cost)
        return; /* bound */
    if (es->depth == sp->n && es->rx) {
        char order[FF_LOWER_MAX_INDICES][FF_LOWER_NAME];
        for (int i = 0; i < sp->n; i++) snprintf(order[i], FF_LOWER_NAME, "%s", sp->names[es->cur[i]]);
        relaxed_leaf(es, order);
        return;
    }
    if (es->depth == sp->n) {
        es->tried++;
        ff_lower_opts o;
        memset(&o, 0, sizeof o);
        if (es->opts) {
            o.fuse = es->opts->fuse;
            o.bound_sizes = es->opts->bound_sizes;
        }
        for (int i = 0; i < sp->n; i++) snprintf(o.order[i], FF_LOWER_NAME, "%s", sp->names[es->cur[i]]);
        o.norder = sp->n;
        ff_graph *g = NULL;
        ff_err e = {0};
        int rc = lw_lower_with(es->p, es->stmt, &o, o.order, o.norder, &g, &e);
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
    int rc = order_space_init(p, stmt, opts, NULL, &sp, err);
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
    int rc = order_space_init(p, stmt, opts, NULL, &sp, err);
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

int lw_relaxed_order(const ff_ir_program *p, int stmt, const ff_lower_opts *opts, const lw_relax *rx, ff_lower_opts *o,
                     lw_move *moves, int *nmoves, ff_err *err)
{
    /* the space and the search state are large: on the heap */
    order_space *sp = ff_xmalloc(sizeof *sp);
    enum_state *es = ff_xcalloc(1, sizeof *es);
    int rc = order_space_init(p, stmt, opts, rx->movable, sp, err);
    if (!rc) {
        *es = (enum_state){
            .p = p, .stmt = stmt, .opts = opts, .sp = sp, .limit = 2000, .best_cost = -1, .want_best = 1, .rx = rx};
        enumerate(es);
        if (es->best_cost < 0) {
            if (es->tried)
                rc = ff_err_set(
                    err, FF_EINVAL,
                    "%s:%d: none of the %d loop orders copies of the inputs allow lowers; the first fails with: %s",
                    p->path, p->stmts[stmt].pos.line, es->tried, es->first.msg);
            else
                rc = ff_err_set(err, FF_EINVAL,
                                "%s:%d: no loop order visits every tensor's levels in their order, even with the "
                                "inputs copied into other mode orders; change a format",
                                p->path, p->stmts[stmt].pos.line);
        } else {
            for (int i = 0; i < sp->n; i++) snprintf(o->order[i], FF_LOWER_NAME, "%s", sp->names[es->best[i]]);
            o->norder = sp->n;
            memcpy(moves, es->best_moves, (size_t)es->best_nmoves * sizeof *moves);
            *nmoves = es->best_nmoves;
        }
    }
    free(es);
    free(sp);
    return rc;
}

int lw_complete_opts(const ff_ir_program *p, int stmt, const ff_lower_opts *opts, ff_lower_opts *o, ff_err *err)
{
    if (stmt < 0 || stmt >= p->nstmts) return ff_err_set(err, FF_EINVAL, "no statement %d", stmt);
    memset(o, 0, sizeof *o);
    if (opts) *o = *opts;
    return o->norder ? 0 : ff_lower_default_order(p, stmt, o, err);
}
