/*
 * interp.c -- binding sizes to data, random inputs, and the reference
 * interpreter: the bit-exact statement of what a program computes
 * (docs/language.md "Semantics"), which every dataflow graph is checked
 * against.
 *
 * How the interpreter evaluates a statement: on a private copy of the right
 * side, implicit reductions are placed (reduce.c), so every reduction is an
 * explicit node. Nodes that look at a whole fiber -- sum/max over k, softmax
 * and layernorm over j -- are "materialised": computed once, children first,
 * into a dense value array plus a dense presence map over their own free
 * indices. Every other node is elementwise, so its value at a point is a
 * function of its operands at the same point; it is computed on demand,
 * point by point, inside the loops of the node that needs it (eval below).
 * That gives exactly the values of evaluating every node into a dense array
 * over its free indices, without the memory of the big intermediate
 * products (the operand of sum[k] in SpMM spans i, j and k).
 *
 * A sum/max whose operand can only be present where some sparse access
 * stores an entry (A in A[i,k] * B[k,j]) runs its loops over that access's
 * indices first and skips the points where it has nothing, accumulating in
 * place; every output point still gets its terms in increasing k, so this
 * only saves time (SpMM costs about nnz(A) * J, not I * K * J).
 *
 * Limits (ff_ir.h): a materialised array has at most FF_IR_INTERP_MAX_DENSE
 * entries; a loop nest visits at most FF_IR_INTERP_MAX_VISITS points.
 * Inputs of up to 2^24 entries are read through a dense copy; bigger ones
 * are looked up level by level in their fibertree (binary search in
 * compressed levels), so a large sparse input costs no dense memory.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ir_int.h"

#define MAX_SLOTS 64 /* index variables of one statement */
#define ACCESS_DENSE_MAX ((int64_t)1 << 24)

/* A node of the statement being evaluated. */
typedef struct enode enode;
struct enode {
    const ff_ir_expr *e;
    enode *a, *b;
    int index;                 /* REDUCE/SOFTMAX/LAYERNORM: slot reduced/normalised over */
    /* materialised nodes: value and presence over the free slots, row-major */
    int ns;
    int slot[MAX_SLOTS];
    int64_t stride[MAX_SLOTS];
    ff_fx *v;
    uint8_t *pres;
    /* ACCESS */
    const ff_tensor *t;
    int aslot[FF_IR_MAX_ORDER];
    int64_t astride[FF_IR_MAX_ORDER]; /* of the dense copy in v/pres, if there is one */
};

typedef struct interp {
    const ff_ir_program *p;
    ff_err *err;
    int F;
    ff_fx one, gelu_c;
    const uint32_t *sizes;   /* per size symbol */
    const ff_tensor **data;  /* per tensor: its input, or its result once assigned */
    ir_arena *arena;         /* per statement: the copy of the right side, enodes */
    FF_VEC(void *) owned;    /* per statement: malloc'd arrays */
    int nslots;
    int glob[MAX_SLOTS];     /* slot -> program index id */
    uint32_t size[MAX_SLOTS];
    uint32_t cur[MAX_SLOTS]; /* the point being evaluated */
} interp;

static int ifail(interp *I, const ff_ir_expr *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int ifail(interp *I, const ff_ir_expr *e, int code, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ff_err_set(I->err, code, "%s:%d:%d: %s", I->p->path ? I->p->path : "?", e->pos.line,
                      e->pos.col, msg);
}

/* malloc that reports failure (these arrays can be big) and is freed at the
 * end of the statement. */
static void *big_alloc(interp *I, size_t n, int zero)
{
    void *m = zero ? calloc(n ? n : 1, 1) : malloc(n ? n : 1);
    if (m) FF_VEC_PUSH(I->owned, m);
    return m;
}

static void release(interp *I)
{
    for (size_t i = 0; i < I->owned.len; i++) free(I->owned.data[i]);
    I->owned.len = 0;
}

/* The slot of program index `index`, given one if new; -1 (err set) when the
 * statement has too many. */
static int slot_of(interp *I, int index, const ff_ir_expr *at)
{
    for (int s = 0; s < I->nslots; s++)
        if (I->glob[s] == index) return s;
    if (I->nslots == MAX_SLOTS) {
        ifail(I, at, FF_EINVAL, "more than %d index variables in one statement", MAX_SLOTS);
        return -1;
    }
    I->glob[I->nslots] = index;
    I->size[I->nslots] = I->sizes[I->p->indices[index].size];
    return I->nslots++;
}

/* Product of the sizes of slots[0..n), or limit + 1 if it exceeds limit. */
static int64_t space(const interp *I, const int *slots, int n, int64_t limit)
{
    int64_t v = 1;
    for (int i = 0; i < n; i++) {
        v *= I->size[slots[i]];
        if (v > limit) return limit + 1;
    }
    return v;
}

/* Odometer over slots[0..n): starts every slot at 0 (returns 0 if the space
 * is empty); next() steps the last slot fastest, returns 0 at the end. */
static int odo_start(interp *I, const int *slots, int n)
{
    for (int i = 0; i < n; i++) {
        if (I->size[slots[i]] == 0) return 0;
        I->cur[slots[i]] = 0;
    }
    return 1;
}

static int odo_next(interp *I, const int *slots, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        if (++I->cur[slots[i]] < I->size[slots[i]]) return 1;
        I->cur[slots[i]] = 0;
    }
    return 0;
}

static int64_t offset(const interp *I, const enode *n)
{
    int64_t o = 0;
    for (int i = 0; i < n->ns; i++) o += (int64_t)I->cur[n->slot[i]] * n->stride[i];
    return o;
}

/* ---- reading tensors ---- */

/* The stored entry at coordinates c, walking the fibertree: returns whether
 * it is stored (dense levels store every coordinate). */
static int tensor_lookup(const ff_tensor *t, const uint32_t *c, ff_fx *v)
{
    size_t pos = 0;
    for (int k = 0; k < t->fmt.nlevels; k++) {
        const ff_level_desc *d = &t->fmt.lv[k];
        const ff_level *L = &t->lvl[k];
        uint32_t x = c[d->mode];
        if (d->split == FF_SPLIT_OUTER) x /= d->block;
        else if (d->split == FF_SPLIT_INNER) x %= d->block;
        if (d->fmt == FF_LVL_DENSE) {
            pos = pos * L->dim + x;
            continue;
        }
        size_t lo = L->seg[pos], hi = L->seg[pos + 1];
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (L->crd[mid] < x) lo = mid + 1;
            else hi = mid;
        }
        if (lo == L->seg[pos + 1] || L->crd[lo] != x) return 0;
        pos = lo;
    }
    *v = t->vals[pos];
    return 1;
}

typedef struct fill_ctx {
    enode *n;
    int order;
} fill_ctx;

static int fill_visit(void *ctx, const uint32_t *coords, ff_fx val)
{
    fill_ctx *f = ctx;
    int64_t o = 0;
    for (int m = 0; m < f->order; m++) o += (int64_t)coords[m] * f->n->astride[m];
    f->n->v[o] = val;
    f->n->pres[o] = 1;
    return 0;
}

static int access_get(interp *I, const enode *n, ff_fx *out)
{
    const ff_ir_expr *e = n->e;
    if (n->v) {
        int64_t o = 0;
        for (int m = 0; m < e->nidx; m++) o += (int64_t)I->cur[n->aslot[m]] * n->astride[m];
        if (!n->pres[o]) return 0;
        *out = n->v[o];
        return 1;
    }
    uint32_t c[FF_IR_MAX_ORDER];
    for (int m = 0; m < e->nidx; m++) c[m] = I->cur[n->aslot[m]];
    return tensor_lookup(n->t, c, out);
}

/* ---- values ---- */

static ff_fx unary_apply(const interp *I, int op, ff_fx x)
{
    int F = I->F;
    switch (op) {
    case FF_IR_FN_SQRT: return ff_fx_mul(x, ff_fx_rsqrt(x, F), F);
    case FF_IR_FN_GELU:
        return ff_fx_div(x, ff_fx_add(ff_fx_exp(ff_fx_mul(x, I->gelu_c, F), F), I->one), F);
    default: return ff_alu_apply((ff_alu_op)op, x, 0, F);
    }
}

/* The value of n at the point I->cur; returns whether the point is in n's
 * support. */
static int eval(interp *I, const enode *n, ff_fx *out)
{
    const ff_ir_expr *e = n->e;
    ff_fx x, y;
    switch (e->kind) {
    case FF_IR_ACCESS: return access_get(I, n, out);
    case FF_IR_CONST: *out = e->value; return 1;
    case FF_IR_UNARY:
        if (!eval(I, n->a, &x)) return 0;
        *out = unary_apply(I, e->op, x);
        return 1;
    case FF_IR_BINARY: {
        int pa = eval(I, n->a, &x);
        if (e->op == FF_ALU_ADD || e->op == FF_ALU_SUB) { /* union, absent = 0 */
            int pb = eval(I, n->b, &y);
            if (!pa && !pb) return 0;
            if (!pa) x = 0;
            if (!pb) y = 0;
        } else if (!pa || !eval(I, n->b, &y)) { /* intersection */
            return 0;
        }
        *out = ff_alu_apply((ff_alu_op)e->op, x, y, I->F);
        return 1;
    }
    case FF_IR_MASK:
        if (!eval(I, n->a, &x)) return 0;
        *out = eval(I, n->b, &y) ? y : 0;
        return 1;
    case FF_IR_REDUCE:
    case FF_IR_SOFTMAX:
    case FF_IR_LAYERNORM: {
        int64_t o = offset(I, n);
        if (!n->pres[o]) return 0;
        *out = n->v[o];
        return 1;
    }
    }
    IR_UNREACHABLE();
}

/* ---- building the statement's nodes ---- */

static int build(interp *I, const ff_ir_expr *e, enode **out)
{
    enode *n = ir_arena_alloc(I->arena, sizeof *n);
    n->e = e;
    int rc;
    if (e->a && (rc = build(I, e->a, &n->a))) return rc;
    if (e->b && (rc = build(I, e->b, &n->b))) return rc;
    if (e->kind == FF_IR_ACCESS) {
        const ff_tensor *t = I->data[e->tensor];
        n->t = t;
        for (int m = 0; m < e->nidx; m++) {
            int s = slot_of(I, e->idx[m], e);
            if (s < 0) return FF_EINVAL;
            n->aslot[m] = s;
        }
        int64_t total = 1;
        for (int m = t->order - 1; m >= 0; m--) {
            n->astride[m] = total;
            total *= t->dims[m];
            if (total > ACCESS_DENSE_MAX) break;
        }
        if (total <= ACCESS_DENSE_MAX) { /* small enough for a dense copy */
            n->v = big_alloc(I, sizeof(ff_fx) * (size_t)total, 0);
            n->pres = big_alloc(I, (size_t)total, 1);
            if (!n->v || !n->pres)
                return ifail(I, e, FF_ENOMEM, "no memory for a dense copy of %s", t->name);
            fill_ctx f = {n, t->order};
            ff_tensor_foreach(t, fill_visit, &f);
        }
    }
    if (e->kind == FF_IR_REDUCE || e->kind == FF_IR_SOFTMAX || e->kind == FF_IR_LAYERNORM) {
        n->index = slot_of(I, e->index, e);
        if (n->index < 0) return FF_EINVAL;
    }
    *out = n;
    return 0;
}

/* Sets n's free slots (first appearance order) and row-major strides, and
 * allocates its arrays. */
static int alloc_mat(interp *I, enode *n, const char *what)
{
    int set[MAX_SLOTS * 2], k = 0;
    ir_free_indices(n->e, set, &k);
    n->ns = k;
    for (int i = 0; i < k; i++) {
        n->slot[i] = slot_of(I, set[i], n->e);
        if (n->slot[i] < 0) return FF_EINVAL;
    }
    int64_t total = space(I, n->slot, k, FF_IR_INTERP_MAX_DENSE);
    if (total > FF_IR_INTERP_MAX_DENSE)
        return ifail(I, n->e, FF_EINVAL,
                     "%s needs a dense array of more than 2^%d entries, the interpreter's limit",
                     what, FF_IR_INTERP_MAX_DENSE_LOG2);
    int64_t st = 1;
    for (int i = k - 1; i >= 0; i--) {
        n->stride[i] = st;
        st *= I->size[n->slot[i]];
    }
    n->v = big_alloc(I, sizeof(ff_fx) * (size_t)total, 0);
    n->pres = big_alloc(I, (size_t)total, 1);
    if (!n->v || !n->pres) return ifail(I, n->e, FF_ENOMEM, "no memory for %s", what);
    return 0;
}

/* The operand's free slots with the node's own index last (the fiber runs
 * innermost), and the visit count checked. */
static int loop_slots(interp *I, enode *n, int *slots, int *ns, const char *what)
{
    int set[MAX_SLOTS * 2], k = 0;
    ir_free_indices(n->e->a, set, &k);
    *ns = 0;
    for (int i = 0; i < k; i++) {
        int s = slot_of(I, set[i], n->e);
        if (s < 0) return FF_EINVAL;
        if (s != n->index) slots[(*ns)++] = s;
    }
    slots[(*ns)++] = n->index;
    if (space(I, slots, *ns, FF_IR_INTERP_MAX_VISITS) > FF_IR_INTERP_MAX_VISITS)
        return ifail(I, n->e, FF_EINVAL,
                     "%s would visit more than 2^%d points, the interpreter's limit", what,
                     FF_IR_INTERP_MAX_VISITS_LOG2);
    return 0;
}

/* An access whose support contains the support of e (e can only be
 * present where the access stores something): through unary ops, either
 * operand of an intersection, a mask's first argument. Picks the sparsest
 * such access with fewer stored entries than points (*best: its density). */
static void required_access(const enode *n, const enode **req, double *best)
{
    const ff_ir_expr *e = n->e;
    switch (e->kind) {
    case FF_IR_ACCESS: {
        double pts = 1;
        for (int m = 0; m < n->t->order; m++) pts *= n->t->dims[m];
        double d = pts > 0 ? (double)n->t->nvals / pts : 1.0;
        if (d < *best) {
            *best = d;
            *req = n;
        }
        return;
    }
    case FF_IR_UNARY: required_access(n->a, req, best); return;
    case FF_IR_BINARY:
        if (e->op == FF_ALU_ADD || e->op == FF_ALU_SUB) return; /* a union */
        required_access(n->a, req, best);
        required_access(n->b, req, best);
        return;
    case FF_IR_MASK: required_access(n->a, req, best); return;
    default: return; /* constants, and fiber nodes (whose support is computed) */
    }
}

/* sum[k] / max[k] with the loops reordered so that points where `req` has
 * no entry are skipped whole: the loops run over req's other indices, then
 * k (before the check when req is indexed by k, after it otherwise), then
 * the remaining indices, accumulating into the node's own arrays. Each
 * output point still receives its terms in increasing k, so the results are
 * those of the plain loop (there, `outer` slots then k). */
static int reduce_guarded(interp *I, enode *n, const enode *req, const int *slots, int outer)
{
    int k = n->index, as[FF_IR_MAX_ORDER], na = 0, rest[MAX_SLOTS], nr = 0, has_k = 0;
    for (int m = 0; m < req->e->nidx; m++) {
        if (req->aslot[m] == k) has_k = 1;
        else as[na++] = req->aslot[m];
    }
    for (int i = 0; i < outer; i++)
        if (ir_set_find(as, na, slots[i]) < 0) rest[nr++] = slots[i];
    uint32_t len = I->size[k];
    int sum = n->e->op == FF_IR_RED_SUM;
    ff_fx x;
    if (!odo_start(I, as, na) || len == 0) return 0;
    do {
        if (!has_k && !access_get(I, req, &x)) continue;
        for (uint32_t j = 0; j < len; j++) {
            I->cur[k] = j;
            if (has_k && !access_get(I, req, &x)) continue;
            if (!odo_start(I, rest, nr)) break;
            do {
                if (!eval(I, n->a, &x)) continue;
                int64_t o = offset(I, n);
                if (!n->pres[o]) n->v[o] = x; /* the first present term starts the sum */
                else n->v[o] = sum ? ff_fx_add(n->v[o], x) : (x > n->v[o] ? x : n->v[o]);
                n->pres[o] = 1;
            } while (odo_next(I, rest, nr));
        }
    } while (odo_next(I, as, na));
    return 0;
}

static int materialize(interp *I, enode *n);

static int materialize_children(interp *I, enode *n)
{
    int rc;
    if (n->a && (rc = materialize(I, n->a))) return rc;
    if (n->b && (rc = materialize(I, n->b))) return rc;
    return 0;
}

/* Computes every fiber node of the subtree, children first. */
static int materialize(interp *I, enode *n)
{
    int rc = materialize_children(I, n);
    if (rc) return rc;
    const ff_ir_expr *e = n->e;
    if (e->kind != FF_IR_REDUCE && e->kind != FF_IR_SOFTMAX && e->kind != FF_IR_LAYERNORM)
        return 0;
    const char *what = ir_func_of(e->kind, e->op)->name;
    int slots[MAX_SLOTS], ns;
    if ((rc = alloc_mat(I, n, what)) || (rc = loop_slots(I, n, slots, &ns, what))) return rc;
    int outer = ns - 1, k = n->index, F = I->F;
    uint32_t len = I->size[k];
    if (e->kind == FF_IR_REDUCE) {
        const enode *req = NULL;
        double best = 1.0;
        required_access(n->a, &req, &best);
        if (req) return reduce_guarded(I, n, req, slots, outer);
        if (!odo_start(I, slots, outer) || len == 0) return 0;
        do {
            ff_fx acc = 0, x;
            int have = 0;
            for (uint32_t j = 0; j < len; j++) {
                I->cur[k] = j;
                if (!eval(I, n->a, &x)) continue;
                if (!have) acc = x; /* the first present term starts the sum */
                else acc = e->op == FF_IR_RED_SUM ? ff_fx_add(acc, x) : (x > acc ? x : acc);
                have = 1;
            }
            if (have) {
                int64_t o = offset(I, n);
                n->v[o] = acc;
                n->pres[o] = 1;
            }
        } while (odo_next(I, slots, outer));
        return 0;
    }
    /* softmax / layernorm: one fiber along k at a time */
    ff_fx *x = big_alloc(I, sizeof(ff_fx) * (size_t)len, 0);
    uint8_t *have = big_alloc(I, (size_t)len, 0);
    if (!x || !have) return ifail(I, e, FF_ENOMEM, "no memory for a %s fiber", what);
    if (!odo_start(I, slots, outer) || len == 0) return 0;
    do {
        uint32_t count = 0, first = len;
        for (uint32_t j = 0; j < len; j++) {
            I->cur[k] = j;
            have[j] = (uint8_t)eval(I, n->a, &x[j]);
            if (have[j]) {
                count++;
                if (first == len) first = j;
            }
        }
        if (count == 0) continue;
        if (e->kind == FF_IR_SOFTMAX) {
            ff_fx m = x[first], s = 0;
            for (uint32_t j = first; j < len; j++)
                if (have[j] && x[j] > m) m = x[j];
            for (uint32_t j = first; j < len; j++)
                if (have[j]) {
                    x[j] = ff_fx_exp(ff_fx_sub(x[j], m), F);
                    s = j == first ? x[j] : ff_fx_add(s, x[j]);
                }
            for (uint32_t j = first; j < len; j++)
                if (have[j]) x[j] = ff_fx_div(x[j], s, F);
        } else {
            ff_fx nfx = ff_fx_from_int(count, F), sum = 0, sq = 0;
            for (uint32_t j = first; j < len; j++)
                if (have[j]) sum = j == first ? x[j] : ff_fx_add(sum, x[j]);
            ff_fx mean = ff_fx_div(sum, nfx, F);
            for (uint32_t j = first; j < len; j++)
                if (have[j]) {
                    x[j] = ff_fx_sub(x[j], mean);
                    ff_fx d2 = ff_fx_mul(x[j], x[j], F);
                    sq = j == first ? d2 : ff_fx_add(sq, d2);
                }
            ff_fx var = ff_fx_div(sq, nfx, F);
            ff_fx r = ff_fx_rsqrt(ff_fx_add(var, 1), F); /* eps = 1 ulp */
            for (uint32_t j = first; j < len; j++)
                if (have[j]) x[j] = ff_fx_mul(x[j], r, F);
        }
        for (uint32_t j = first; j < len; j++) {
            if (!have[j]) continue;
            I->cur[k] = j;
            int64_t o = offset(I, n);
            n->v[o] = x[j];
            n->pres[o] = 1;
        }
    } while (odo_next(I, slots, outer));
    return 0;
}

/* ---- statements ---- */

static int run_stmt(interp *I, int si, ff_tensor **result)
{
    const ff_ir_program *p = I->p;
    ff_ir_stmt st = p->stmts[si];
    const ff_ir_tensor *lhs = &p->tensors[st.lhs];
    st.rhs = ir_expr_copy(I->arena, st.rhs);
    ir_place_stmt(I->arena, &st, p->nindices);
    I->nslots = 0;
    int lslot[FF_IR_MAX_ORDER], rc;
    for (int m = 0; m < st.nlhs; m++) {
        lslot[m] = slot_of(I, st.lhs_idx[m], st.rhs);
        if (lslot[m] < 0) return FF_EINVAL;
    }
    enode *root;
    if ((rc = build(I, st.rhs, &root)) || (rc = materialize(I, root))) return rc;
    ff_ir_expr at = {.pos = st.pos};
    if (space(I, lslot, st.nlhs, FF_IR_INTERP_MAX_VISITS) > FF_IR_INTERP_MAX_VISITS)
        return ifail(I, &at, FF_EINVAL,
                     "%s has more than 2^%d points, the interpreter's limit", lhs->name,
                     FF_IR_INTERP_MAX_VISITS_LOG2);
    FF_VEC(uint32_t) crd = {0};
    FF_VEC(ff_fx) val = {0};
    if (odo_start(I, lslot, st.nlhs)) {
        do {
            ff_fx v;
            if (!eval(I, root, &v)) continue;
            for (int m = 0; m < st.nlhs; m++) FF_VEC_PUSH(crd, I->cur[lslot[m]]);
            FF_VEC_PUSH(val, v);
        } while (odo_next(I, lslot, st.nlhs));
    }
    uint32_t dims[FF_IR_MAX_ORDER];
    for (int m = 0; m < lhs->order; m++) dims[m] = I->sizes[lhs->dims[m]];
    rc = ff_tensor_from_coo(lhs->name, lhs->order, dims, &lhs->fmt, I->F, val.len, crd.data,
                            val.data, result, I->err);
    free(crd.data);
    free(val.data);
    if (rc) return ff_err_wrap(I->err, "%s:%d:%d: ", p->path ? p->path : "?", st.pos.line,
                               st.pos.col);
    return 0;
}

int ff_ir_interpret(const ff_ir_program *p, const ff_tensor *const *inputs, ff_tensor **results,
                    ff_err *err)
{
    for (int t = 0; t < p->ntensors; t++) results[t] = NULL;
    int rc = ff_ir_verify(p, err);
    if (rc) return rc;
    uint32_t *sizes = ff_xcalloc((size_t)p->nsizes + 1, sizeof(uint32_t));
    if ((rc = ff_ir_bind_sizes(p, inputs, sizes, err))) {
        free(sizes);
        return rc;
    }
    interp I = {.p = p, .err = err, .F = p->frac_bits, .sizes = sizes};
    I.one = ff_fx_from_int(1, I.F);
    if (ff_fx_parse("-1.702", I.F, &I.gelu_c) != 0) IR_UNREACHABLE();
    I.data = ff_xcalloc((size_t)p->ntensors + 1, sizeof *I.data);
    for (int t = 0; t < p->ntensors; t++)
        if (p->tensors[t].role == FF_IR_INPUT) I.data[t] = inputs[t];
    for (int s = 0; s < p->nstmts && !rc; s++) {
        I.arena = ir_arena_new();
        int lhs = p->stmts[s].lhs;
        rc = run_stmt(&I, s, &results[lhs]);
        if (!rc) I.data[lhs] = results[lhs];
        release(&I);
        ir_arena_free(I.arena);
    }
    free(I.owned.data);
    free(I.data);
    free(sizes);
    if (rc)
        for (int t = 0; t < p->ntensors; t++) {
            ff_tensor_free(results[t]);
            results[t] = NULL;
        }
    return rc;
}

/* ---- sizes and inputs ---- */

/* The data given for input t must fit its declaration. */
static int check_data(const ff_ir_program *p, int t, const ff_tensor *d, ff_err *err)
{
    const ff_ir_tensor *x = &p->tensors[t];
    if (d->order != x->order)
        return ff_err_set(err, FF_EINVAL, "tensor %s: the data has order %d, the declaration %d",
                          x->name, d->order, x->order);
    if (d->frac_bits != p->frac_bits)
        return ff_err_set(err, FF_EINVAL,
                          "tensor %s: the data has %d fraction bits, the program uses %d",
                          x->name, d->frac_bits, p->frac_bits);
    return 0;
}

/* Size s is `want` (from a literal, an earlier input, or the caller); data
 * for mode m of tensor t says `got`. */
static int size_clash(const ff_ir_program *p, int t, int m, uint32_t got, uint32_t want,
                      int from, ff_err *err)
{
    const ff_ir_tensor *x = &p->tensors[t];
    const ff_ir_size *z = &p->sizes[x->dims[m]];
    if (z->literal)
        return ff_err_set(err, FF_EINVAL,
                          "tensor %s: mode %d has size %u but the declaration says %s", x->name,
                          m, got, z->name);
    if (from >= 0)
        return ff_err_set(err, FF_EINVAL, "tensor %s: mode %d has size %u but %s = %u from %s",
                          x->name, m, got, z->name, want, p->tensors[from].name);
    return ff_err_set(err, FF_EINVAL, "tensor %s: mode %d has size %u but %s = %u was asked for",
                      x->name, m, got, z->name, want);
}

int ff_ir_bind_sizes(const ff_ir_program *p, const ff_tensor *const *inputs, uint32_t *sizes_out,
                     ff_err *err)
{
    int rc;
    for (int t = 0; t < p->ntensors; t++) {
        if (p->tensors[t].role != FF_IR_INPUT) continue;
        if (!inputs[t])
            return ff_err_set(err, FF_EINVAL, "tensor %s: no data given (it is an input)",
                              p->tensors[t].name);
        if ((rc = check_data(p, t, inputs[t], err))) return rc;
    }
    for (int s = 0; s < p->nsizes; s++) {
        const ff_ir_size *z = &p->sizes[s];
        if (z->literal) sizes_out[s] = (uint32_t)z->literal;
        else if (z->from_tensor >= 0) sizes_out[s] = inputs[z->from_tensor]->dims[z->from_mode];
        else sizes_out[s] = 0; /* used by no input: no statement can need it */
    }
    for (int t = 0; t < p->ntensors; t++) {
        const ff_ir_tensor *x = &p->tensors[t];
        if (x->role != FF_IR_INPUT) continue;
        for (int m = 0; m < x->order; m++) {
            uint32_t got = inputs[t]->dims[m], want = sizes_out[x->dims[m]];
            if (got != want)
                return size_clash(p, t, m, got, want, p->sizes[x->dims[m]].from_tensor, err);
        }
    }
    return 0;
}

static int has_compressed(const ff_format *f)
{
    for (int k = 0; k < f->nlevels; k++)
        if (f->lv[k].fmt == FF_LVL_COMPRESSED) return 1;
    return 0;
}

int ff_ir_random_inputs(const ff_ir_program *p, uint64_t seed, double density, uint32_t *sizes,
                        ff_tensor **inputs, ff_err *err)
{
    int rc = 0;
    uint32_t *sz = ff_xcalloc((size_t)p->nsizes + 1, sizeof *sz);
    int *from = ff_xmalloc(sizeof(int) * ((size_t)p->nsizes + 1)); /* tensor that fixed it */
    char *gen = ff_xcalloc((size_t)p->ntensors + 1, 1);                /* generated here */
    for (int s = 0; s < p->nsizes; s++) {
        from[s] = -1;
        sz[s] = p->sizes[s].literal ? (uint32_t)p->sizes[s].literal : sizes[s];
        if (p->sizes[s].literal && sizes[s] && sizes[s] != sz[s]) {
            rc = ff_err_set(err, FF_EINVAL, "size %s is a literal and cannot be %u",
                            p->sizes[s].name, sizes[s]);
            goto out;
        }
    }
    /* sizes the given data fixes */
    for (int t = 0; t < p->ntensors && !rc; t++) {
        const ff_ir_tensor *x = &p->tensors[t];
        if (x->role != FF_IR_INPUT || !inputs[t]) continue;
        if ((rc = check_data(p, t, inputs[t], err))) goto out;
        for (int m = 0; m < x->order; m++) {
            int s = x->dims[m];
            uint32_t got = inputs[t]->dims[m];
            if (sz[s] && sz[s] != got) {
                rc = size_clash(p, t, m, got, sz[s], from[s], err);
                goto out;
            }
            sz[s] = got;
            if (from[s] < 0) from[s] = t;
        }
    }
    for (int s = 0; s < p->nsizes; s++)
        if (!sz[s]) sz[s] = 16;
    int t;
    for (t = 0; t < p->ntensors; t++) {
        const ff_ir_tensor *x = &p->tensors[t];
        if (x->role != FF_IR_INPUT || inputs[t]) continue;
        uint32_t dims[FF_IR_MAX_ORDER];
        for (int m = 0; m < x->order; m++) dims[m] = sz[x->dims[m]];
        /* one seed per tensor position, mixed so that nearby seeds and
         * positions give unrelated streams */
        ff_rng r;
        ff_rng_seed(&r, seed ^ (0x9e3779b97f4a7c15ull * (uint64_t)(t + 1)));
        ff_rand_spec spec = {.density = has_compressed(&x->fmt) ? density : 1.0,
                             .lo = -1, .hi = 1, .value_frac_bits = 4, .seed = ff_rng_next(&r)};
        gen[t] = 1;
        if ((rc = ff_tensor_random(x->name, x->order, dims, &x->fmt, p->frac_bits, &spec,
                                   &inputs[t], err))) {
            gen[t] = 0;
            break;
        }
    }
    if (rc) { /* leave inputs as they were */
        for (t = 0; t < p->ntensors; t++)
            if (gen[t]) {
                ff_tensor_free(inputs[t]);
                inputs[t] = NULL;
            }
    } else {
        for (int s = 0; s < p->nsizes; s++) sizes[s] = sz[s];
    }
out:
    free(sz);
    free(from);
    free(gen);
    return rc;
}
