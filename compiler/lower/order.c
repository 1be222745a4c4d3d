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
 */
#include <stdio.h>
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

int lw_complete_opts(const ff_ir_program *p, int stmt, const ff_lower_opts *opts, ff_lower_opts *o, ff_err *err)
{
    if (stmt < 0 || stmt >= p->nstmts) return ff_err_set(err, FF_EINVAL, "no statement %d", stmt);
    memset(o, 0, sizeof *o);
    if (opts) *o = *opts;
    return o->norder ? 0 : ff_lower_default_order(p, stmt, o, err);
}
