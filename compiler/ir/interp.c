/*
 * interp.c -- binding sizes to data, random inputs, and the dense reference
 * interpreter (ff_ir_interpret_dense): the bit-exact statement of what a
 * program computes (docs/language.md "Semantics") by walking every point of
 * the index space -- the oracle the sparse evaluator (sparse.c,
 * ff_ir_interpret, what --check runs) is tested against. The values at a
 * point come from eval.c, which both share; only the choice of points
 * differs.
 *
 * How the dense interpreter evaluates a statement (ir_run_program places
 * the implicit reductions on a private copy, so every reduction is an
 * explicit node): nodes that look at a whole fiber -- sum/max over k,
 * softmax and layernorm over j -- are "materialised": computed once,
 * children first, into a dense value array plus a dense presence map over
 * their own free indices. Every other node is elementwise, so its value at a
 * point is a function of its operands at the same point; it is computed on
 * demand, point by point, inside the loops of the node that needs it. That
 * gives exactly the values of evaluating every node into a dense array over
 * its free indices, without the memory of the big intermediate products
 * (the operand of sum[k] in SpMM spans i, j and k).
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
#include <stdlib.h>
#include <string.h>

#include "interp_int.h"

#define MAX_SLOTS IR_MAX_SLOTS
#define ACCESS_DENSE_MAX ((int64_t)1 << 24)

/* A node of the statement being evaluated. */
typedef struct enode enode;
struct enode {
    ir_node base;              /* e, a, b */
    int index;                 /* REDUCE/SOFTMAX/LAYERNORM: slot reduced/normalised over */
    /* materialised nodes: value and presence over the free slots, row-major */
    int ns;
    int slot[MAX_SLOTS];
    int64_t stride[MAX_SLOTS];
    ir_val *v;
    uint8_t *pres;
    /* ACCESS */
    const ff_tensor *t;
    int aslot[FF_IR_MAX_ORDER];
    int64_t astride[FF_IR_MAX_ORDER]; /* of the dense copy in v/pres, if there is one */
};

#define EA(n) ((enode *)(n)->base.a)
#define EE(n) ((n)->base.e)

typedef struct interp {
    ir_run *r;
    FF_VEC(void *) owned;    /* per statement: malloc'd arrays */
} interp;

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

/* Product of the sizes of slots[0..n), or limit + 1 if it exceeds limit. */
static int64_t space(const interp *I, const int *slots, int n, int64_t limit)
{
    int64_t v = 1;
    for (int i = 0; i < n; i++) {
        v *= I->r->size[slots[i]];
        if (v > limit) return limit + 1;
    }
    return v;
}

/* Odometer over slots[0..n): starts every slot at 0 (returns 0 if the space
 * is empty); next() steps the last slot fastest, returns 0 at the end. */
static int odo_start(interp *I, const int *slots, int n)
{
    for (int i = 0; i < n; i++) {
        if (I->r->size[slots[i]] == 0) return 0;
        I->r->cur[slots[i]] = 0;
    }
    return 1;
}

static int odo_next(interp *I, const int *slots, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        if (++I->r->cur[slots[i]] < I->r->size[slots[i]]) return 1;
        I->r->cur[slots[i]] = 0;
    }
    return 0;
}

static int64_t offset(const interp *I, const enode *n)
{
    int64_t o = 0;
    for (int i = 0; i < n->ns; i++) o += (int64_t)I->r->cur[n->slot[i]] * n->stride[i];
    return o;
}

/* ---- reading tensors ---- */

/* The stored entry at coordinates c, walking the fibertree: returns whether
 * it is stored (dense levels store every coordinate). */
static int tensor_lookup(const ff_tensor *t, const uint32_t *c, ir_val *v)
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
        if (!ff_level_find(L, pos, x, &pos)) return 0;
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

static int access_get(interp *I, const enode *n, ir_val *out)
{
    const ff_ir_expr *e = EE(n);
    if (n->v) {
        int64_t o = 0;
        for (int m = 0; m < e->nidx; m++) o += (int64_t)I->r->cur[n->aslot[m]] * n->astride[m];
        if (!n->pres[o]) return 0;
        *out = n->v[o];
        return 1;
    }
    uint32_t c[FF_IR_MAX_ORDER];
    for (int m = 0; m < e->nidx; m++) c[m] = I->r->cur[n->aslot[m]];
    return tensor_lookup(n->t, c, out);
}

/* ---- values ---- */

/* The leaves of the element-wise evaluation: accesses, and fiber nodes
 * materialised beforehand. */
static int leaf(void *ctx, const ir_node *in, ir_val *out)
{
    interp *I = ctx;
    const enode *n = (const enode *)in;
    if (in->e->kind == FF_IR_ACCESS) return access_get(I, n, out);
    int64_t o = offset(I, n);
    if (!n->pres[o]) return 0;
    *out = n->v[o];
    return 1;
}

/* The value of n at the point I->r->cur; returns whether the point is in n's
 * support. */
static int eval(interp *I, const enode *n, ir_val *out)
{
    return ir_eval(&I->r->fx, leaf, I, &n->base, out);
}

/* ---- building the statement's nodes ---- */

static int build(interp *I, const ff_ir_expr *e, enode **out)
{
    enode *n = ir_arena_alloc(I->r->arena, sizeof *n);
    n->base.e = e;
    int rc;
    if (e->a && (rc = build(I, e->a, (enode **)&n->base.a))) return rc;
    if (e->b && (rc = build(I, e->b, (enode **)&n->base.b))) return rc;
    if (e->kind == FF_IR_ACCESS) {
        const ff_tensor *t = I->r->data[e->tensor];
        n->t = t;
        for (int m = 0; m < e->nidx; m++) {
            int s = ir_slot_of(I->r, e->idx[m], e);
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
            n->v = big_alloc(I, sizeof(ir_val) * (size_t)total, 0);
            n->pres = big_alloc(I, (size_t)total, 1);
            if (!n->v || !n->pres)
                return ir_fail(I->r, e->pos, FF_ENOMEM, "no memory for a dense copy of %s",
                               t->name);
            fill_ctx f = {n, t->order};
            ff_tensor_foreach(t, fill_visit, &f);
        }
    }
    if (e->kind == FF_IR_REDUCE || e->kind == FF_IR_SOFTMAX || e->kind == FF_IR_LAYERNORM) {
        n->index = ir_slot_of(I->r, e->index, e);
        if (n->index < 0) return FF_EINVAL;
    }
    *out = n;
    return 0;
}

/* Sets n's free slots (first appearance order) and row-major strides, and
 * allocates its arrays. */
static int alloc_mat(interp *I, enode *n, const char *what)
{
    int k = ir_free_slots(I->r, EE(n), n->slot);
    if (k < 0) return FF_EINVAL;
    n->ns = k;
    int64_t total = space(I, n->slot, k, FF_IR_INTERP_MAX_DENSE);
    if (total > FF_IR_INTERP_MAX_DENSE)
        return ir_fail(I->r, EE(n)->pos, FF_EINVAL,
                       "%s needs a dense array of more than 2^%d entries, the interpreter's limit",
                       what, FF_IR_INTERP_MAX_DENSE_LOG2);
    int64_t st = 1;
    for (int i = k - 1; i >= 0; i--) {
        n->stride[i] = st;
        st *= I->r->size[n->slot[i]];
    }
    n->v = big_alloc(I, sizeof(ir_val) * (size_t)total, 0);
    n->pres = big_alloc(I, (size_t)total, 1);
    if (!n->v || !n->pres) return ir_fail(I->r, EE(n)->pos, FF_ENOMEM, "no memory for %s", what);
    return 0;
}

/* The operand's free slots with the node's own index last (the fiber runs
 * innermost), and the visit count checked. */
static int loop_slots(interp *I, enode *n, int *slots, int *ns, const char *what)
{
    int set[MAX_SLOTS], k = ir_free_slots(I->r, EE(n)->a, set);
    if (k < 0) return FF_EINVAL;
    *ns = 0;
    for (int i = 0; i < k; i++)
        if (set[i] != n->index) slots[(*ns)++] = set[i];
    slots[(*ns)++] = n->index;
    if (space(I, slots, *ns, FF_IR_INTERP_MAX_VISITS) > FF_IR_INTERP_MAX_VISITS)
        return ir_fail(I->r, EE(n)->pos, FF_EINVAL,
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
    const ff_ir_expr *e = EE(n);
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
    case FF_IR_UNARY: required_access(EA(n), req, best); return;
    case FF_IR_BINARY:
        if (e->op == FF_ALU_ADD || e->op == FF_ALU_SUB) return; /* a union */
        required_access(EA(n), req, best);
        required_access((const enode *)n->base.b, req, best);
        return;
    case FF_IR_MASK: required_access(EA(n), req, best); return;
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
    for (int m = 0; m < EE(req)->nidx; m++) {
        if (req->aslot[m] == k) has_k = 1;
        else as[na++] = req->aslot[m];
    }
    for (int i = 0; i < outer; i++)
        if (ir_set_find(as, na, slots[i]) < 0) rest[nr++] = slots[i];
    uint32_t len = I->r->size[k];
    ir_val x;
    if (!odo_start(I, as, na) || len == 0) return 0;
    do {
        if (!has_k && !access_get(I, req, &x)) continue;
        for (uint32_t j = 0; j < len; j++) {
            I->r->cur[k] = j;
            if (has_k && !access_get(I, req, &x)) continue;
            if (!odo_start(I, rest, nr)) break;
            do {
                if (!eval(I, EA(n), &x)) continue;
                int64_t o = offset(I, n);
                /* the first present term starts the fold */
                n->v[o] = n->pres[o] ? ir_fold(&I->r->fx, EE(n)->op, n->v[o], x) : x;
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
    if (n->base.a && (rc = materialize(I, EA(n)))) return rc;
    if (n->base.b && (rc = materialize(I, (enode *)n->base.b))) return rc;
    return 0;
}

/* Computes every fiber node of the subtree, children first. */
static int materialize(interp *I, enode *n)
{
    int rc = materialize_children(I, n);
    if (rc) return rc;
    const ff_ir_expr *e = EE(n);
    if (e->kind != FF_IR_REDUCE && e->kind != FF_IR_SOFTMAX && e->kind != FF_IR_LAYERNORM)
        return 0;
    const char *what = ir_func_of(e->kind, e->op)->name;
    int slots[MAX_SLOTS], ns;
    if ((rc = alloc_mat(I, n, what)) || (rc = loop_slots(I, n, slots, &ns, what))) return rc;
    int outer = ns - 1, k = n->index;
    uint32_t len = I->r->size[k];
    uint32_t *cur = I->r->cur;
    if (e->kind == FF_IR_REDUCE) {
        const enode *req = NULL;
        double best = 1.0;
        required_access(EA(n), &req, &best);
        if (req) return reduce_guarded(I, n, req, slots, outer);
        if (!odo_start(I, slots, outer) || len == 0) return 0;
        do {
            ir_val acc = 0, x;
            int have = 0;
            for (uint32_t j = 0; j < len; j++) {
                cur[k] = j;
                if (!eval(I, EA(n), &x)) continue;
                acc = have ? ir_fold(&I->r->fx, e->op, acc, x) : x; /* the first present term starts it */
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
    /* softmax / layernorm: one fiber along k at a time, its present entries
     * gathered in increasing k */
    ir_val *x = big_alloc(I, sizeof(ir_val) * (size_t)len, 0);
    uint32_t *at = big_alloc(I, sizeof(uint32_t) * (size_t)len, 0);
    if (!x || !at) return ir_fail(I->r, e->pos, FF_ENOMEM, "no memory for a %s fiber", what);
    if (!odo_start(I, slots, outer) || len == 0) return 0;
    do {
        uint32_t count = 0;
        for (uint32_t j = 0; j < len; j++) {
            cur[k] = j;
            if (eval(I, EA(n), &x[count])) at[count++] = j;
        }
        if (count == 0) continue;
        ir_normalise(&I->r->fx, e->kind, e->op, x, count);
        for (uint32_t q = 0; q < count; q++) {
            cur[k] = at[q];
            int64_t o = offset(I, n);
            n->v[o] = x[q];
            n->pres[o] = 1;
        }
    } while (odo_next(I, slots, outer));
    return 0;
}

/* ---- statements ---- */

static int dense_stmt(ir_run *r, void *ctx, ff_tensor **result)
{
    interp *I = ctx;
    I->r = r;
    const ff_ir_stmt *st = &r->st;
    const ff_ir_tensor *lhs = &r->p->tensors[st->lhs];
    int lslot[FF_IR_MAX_ORDER], rc;
    for (int m = 0; m < st->nlhs; m++) {
        lslot[m] = ir_slot_of(r, st->lhs_idx[m], st->rhs);
        if (lslot[m] < 0) return FF_EINVAL;
    }
    enode *root;
    if ((rc = build(I, st->rhs, &root)) || (rc = materialize(I, root))) goto out;
    if (space(I, lslot, st->nlhs, FF_IR_INTERP_MAX_VISITS) > FF_IR_INTERP_MAX_VISITS) {
        rc = ir_fail(r, st->pos, FF_EINVAL, "%s has more than 2^%d points, the interpreter's limit",
                     lhs->name, FF_IR_INTERP_MAX_VISITS_LOG2);
        goto out;
    }
    FF_VEC(uint32_t) crd = {0};
    FF_VEC(ir_val) val = {0};
    if (odo_start(I, lslot, st->nlhs)) {
        do {
            ir_val v;
            if (!eval(I, root, &v)) continue;
            for (int m = 0; m < st->nlhs; m++) FF_VEC_PUSH(crd, r->cur[lslot[m]]);
            FF_VEC_PUSH(val, v);
        } while (odo_next(I, lslot, st->nlhs));
    }
    rc = ir_store_result(r, val.len, crd.data, val.data, result);
    free(crd.data);
    free(val.data);
out:
    release(I);
    return rc;
}

int ff_ir_interpret_dense(const ff_ir_program *p, const ff_tensor *const *inputs,
                          ff_tensor **results, ff_err *err)
{
    interp I = {0};
    int rc = ir_run_program(p, inputs, results, err, dense_stmt, &I);
    free(I.owned.data);
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
