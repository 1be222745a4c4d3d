/*
 * engine.c -- the cycle loop: channels, scheduling, output pipelines,
 * deadlock detection and statistics. The primitives live in prims_*.c; the
 * engine starts each node through the dispatch table (dispatch.h).
 *
 * One cycle has two phases. Evaluate: every node on the active list fires at
 * most once, seeing channel state as of the start of the cycle (n0). Commit:
 * every channel touched this cycle publishes its new occupancy (n0 = count)
 * and wakes its consumer (it got a token) or producer (it got space). A node
 * that fired stays active; a node that could not fire sleeps until one of its
 * channels changes -- its ability to fire depends on nothing else.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "sim_int.h"

void ff_sim_opts_default(ff_sim_opts *o)
{
    memset(o, 0, sizeof *o);
    ff_arch_default(&o->arch);
}

static uint32_t pow2_at_least(uint32_t n)
{
    uint32_t c = 1;
    while (c < n) c <<= 1;
    return c;
}

size_t ff_sim_edge_tokens(const ff_sim *s, int edge, const ff_tok **toks, const uint64_t **cycles)
{
    if (!s->records || edge < 0 || edge >= s->nchans) {
        *toks = NULL;
        *cycles = NULL;
        return 0;
    }
    *toks = s->records[edge].toks.data;
    *cycles = s->records[edge].cycles.data;
    return s->records[edge].toks.len;
}

static inline __attribute__((always_inline)) void activate(ff_sim *s, node *n)
{
    if (n->done && !n->pipe_busy) return;
    if (n->active_at != s->cycle + 1) {
        n->active_at = s->cycle + 1;
        s->next_active[s->nnext++] = n;
    }
}

/* Which channel events wake a node that slept after a given result: a
 * token only helps one that lacked input, space only one that lacked room
 * (FIRE_STALL_ANY: either). Copied into node.wake at each evaluation. */
static const uint8_t wakes[] = {
    [FIRE_OK] = 0,
    [FIRE_STALL_IN] = CHAN_PUSHED,
    [FIRE_STALL_OUT] = CHAN_POPPED,
    [FIRE_DONE] = 0,
    [FIRE_STALL_ANY] = CHAN_PUSHED | CHAN_POPPED,
    [FIRE_STALL_MEM] = 0,
    [FIRE_ERROR] = 0,
};

static inline void set_last(node *n, fire_result r)
{
    n->last = r;
    n->wake = wakes[r];
}

int ff_sim_node_block(const ff_node *gn)
{
    const ff_param *b = ff_node_param(gn, "blk"); /* NULL for kinds without one */
    return b ? (int)b->i : 0;
}

int ff_sim_node_contracts(const ff_node *gn)
{
    return gn->kind == FF_PRIM_ALU && ff_sim_node_block(gn) &&
           blk_contracts((int)ff_node_int(gn, "bla"), (int)ff_node_int(gn, "blb"));
}

/* Block mode's latency and II (docs/timing.md "Block mode"): memory ports
 * move one row of B words per cycle; ALUs, reducers and accumulators take
 * the architecture's block timing for the rows they process. */
static void block_node_timing(const ff_arch *a, const ff_node *gn, int *latency, int *ii)
{
    int B = ff_sim_node_block(gn), lat, per;
    if (!ff_prim_get(gn->kind)->block_port) {
        /* no block datapath (array, write_val): a memory port, a row per cycle */
        lat = 0;
        per = blk_rows(B, (int)ff_node_int(gn, "bdims"));
    } else switch (gn->kind) { /* the kinds of ff_prims.def's blk column */
    case FF_PRIM_ALU: {
        int op = (int)ff_node_int(gn, "op"), la = (int)ff_node_int(gn, "bla"), lb = (int)ff_node_int(gn, "blb");
        int dims = (int)ff_node_int(gn, "bno");
        if (blk_layout_dims(la) > dims) dims = blk_layout_dims(la);
        if (blk_layout_dims(lb) > dims) dims = blk_layout_dims(lb);
        const ff_block_timing *t = op == FF_ALU_MUL && blk_contracts(la, lb) ? &a->block_matmul : &a->block[op];
        blk_timing(t, blk_rows(B, dims), &lat, &per);
        break;
    }
    case FF_PRIM_REDUCE: {
        int la = (int)ff_node_int(gn, "bla"), dims = (int)ff_node_int(gn, "bno");
        if (blk_layout_dims(la) > dims) dims = blk_layout_dims(la);
        blk_timing(&a->block[ff_node_int(gn, "op") == 1 ? FF_ALU_MAX : FF_ALU_ADD], blk_rows(B, dims), &lat, &per);
        break;
    }
    case FF_PRIM_SPACC1:
    case FF_PRIM_SPACC2:
        blk_timing(&a->block[FF_ALU_ADD], blk_rows(B, (int)ff_node_int(gn, "bdims")), &lat, &per);
        break;
    default: /* a block kind added to ff_prims.def needs its timing here */
        abort();
    }
    *latency += lat;
    if (per > *ii) *ii = per;
}

void ff_sim_node_timing(const ff_arch *a, const ff_node *gn, int *latency, int *ii)
{
    *latency = a->latency[gn->kind];
    *ii = a->ii[gn->kind];
    if (ff_sim_node_block(gn)) {
        block_node_timing(a, gn, latency, ii);
    } else if (gn->kind == FF_PRIM_ALU) {
        int op = (int)ff_node_int(gn, "op");
        *latency += a->alu_latency[op];
        if (a->alu_ii[op] > *ii) *ii = a->alu_ii[op];
    }
}

int ff_sim_new(const ff_graph *g, const ff_sim_opts *opts, ff_sim **out, ff_err *err)
{
    if (!g->validated)
        return ff_err_set(err, FF_EINVAL, "graph '%s' must be validated before it is simulated", g->name);
    ff_sim *s = ff_xcalloc(1, sizeof *s);
    s->g = g;
    if (opts) s->opts = *opts;
    else ff_sim_opts_default(&s->opts);
    s->frac_bits = g->frac_bits;
    const ff_arch *a = &s->opts.arch;
    if (!s->opts.functional && a->fifo_depth < 1) {
        int depth = a->fifo_depth;
        free(s);
        return ff_err_set(err, FF_EINVAL, "architecture: fifo_depth %d must be at least 1", depth);
    }

    s->nchans = g->nedges;
    s->chans = ff_xcalloc((size_t)g->nedges + 1, sizeof *s->chans);
    for (int i = 0; i < g->nedges; i++) {
        const ff_edge *e = &g->edges[i];
        chan *c = &s->chans[i];
        uint32_t depth = s->opts.functional ? UINT32_MAX
                         : (uint32_t)(e->depth > 0 ? e->depth : a->fifo_depth);
        uint32_t cap = pow2_at_least(s->opts.functional ? 64 : depth);
        c->buf = ff_xmalloc(cap * sizeof *c->buf);
        c->mask = cap - 1;
        c->depth = depth;
        c->producer = e->from_node;
        c->consumer = e->to_node;
        /* prod/cons are set once the nodes exist, below */
        c->edge = i;
        c->type = e->type;
    }

    s->nnodes = g->nnodes;
    s->nodes = ff_xcalloc((size_t)g->nnodes + 1, sizeof *s->nodes);
    for (int i = 0; i < g->nnodes; i++) {
        const ff_node *gn = &g->nodes[i];
        node *n = &s->nodes[i];
        n->id = i;
        n->g = gn;
        n->kind = gn->kind;
        n->nin = gn->nin;
        n->nout = gn->nout;
        n->in = ff_xcalloc((size_t)gn->nin + 1, sizeof *n->in);
        for (int p = 0; p < gn->nin; p++)
            n->in[p] = gn->in[p].edge >= 0 ? &s->chans[gn->in[p].edge] : NULL;
        n->out = ff_xcalloc((size_t)gn->nout + 1, sizeof *n->out);
        n->nout_ch = ff_xcalloc((size_t)gn->nout + 1, sizeof *n->nout_ch);
        for (int p = 0; p < gn->nout; p++) {
            n->nout_ch[p] = gn->out[p].nout_edges;
            n->out[p] = ff_xcalloc((size_t)gn->out[p].nout_edges + 1, sizeof **n->out);
            for (int k = 0; k < gn->out[p].nout_edges; k++)
                n->out[p][k] = &s->chans[gn->out[p].out_edges[k]];
            if (p < 8) {
                n->op[p].k = n->nout_ch[p];
                n->op[p].c0 = n->nout_ch[p] ? n->out[p][0] : NULL;
            }
        }
        n->ii = 1;
        if (!s->opts.functional) ff_sim_node_timing(a, gn, &n->latency, &n->ii);
        if (ff_sim_node_block(gn)) s->blocked = 1;
        if (n->latency < 0 || n->ii < 1 || gn->nout > SIM_MAX_OUT) {
            /* n lives in s: the message is made before s is freed (reading
             * n after ff_sim_free was the use-after-free of --ii 0) */
            ff_err_set(err, FF_EINVAL, "node '%s': latency %d / II %d / %d outputs out of range", gn->name,
                       n->latency, n->ii, gn->nout);
            ff_sim_free(s);
            return FF_EINVAL;
        }
        if (n->latency) n->pipe = ff_xcalloc((size_t)n->latency, sizeof *n->pipe);
    }
    for (int i = 0; i < g->nedges; i++) {
        s->chans[i].prod = &s->nodes[s->chans[i].producer];
        s->chans[i].cons = &s->nodes[s->chans[i].consumer];
    }
    /* only a blocked graph has block values (an empty store otherwise) */
    if (s->blocked) blk_store_init(&s->blocks);
    s->active = ff_xmalloc(((size_t)g->nnodes + 1) * sizeof *s->active);
    s->next_active = ff_xmalloc(((size_t)g->nnodes + 1) * sizeof *s->next_active);
    s->touched = ff_xmalloc(((size_t)g->nedges + 1) * sizeof *s->touched);
    s->inputs = ff_xcalloc((size_t)g->ntensors + 1, sizeof *s->inputs);
    s->owned_inputs = ff_xcalloc((size_t)g->ntensors + 1, sizeof *s->owned_inputs);
    s->on_chip = ff_xcalloc((size_t)g->ntensors + 1, 1);
    s->outputs = ff_xcalloc((size_t)g->ntensors + 1, sizeof *s->outputs);
    if (s->opts.record) s->records = ff_xcalloc((size_t)g->nedges + 1, sizeof *s->records);
    s->observe = s->opts.trace != NULL || s->opts.record;
    *out = s;
    return 0;
}

void ff_sim_free(ff_sim *s)
{
    if (!s) return;
    for (int i = 0; i < s->nnodes; i++) {
        node *n = &s->nodes[i];
        if (n->fini) n->fini(n);
        else free(n->state);
        free(n->in);
        if (n->out)
            for (int p = 0; p < n->nout; p++) free(n->out[p]);
        free(n->out);
        free(n->nout_ch);
        free(n->pipe);
        free(n->mp);
    }
    sim_mem_free(s);
    for (int i = 0; i < s->nchans; i++) free(s->chans[i].buf);
    if (s->records) {
        for (int i = 0; i < s->nchans; i++) {
            free(s->records[i].toks.data);
            free(s->records[i].cycles.data);
        }
        free(s->records);
    }
    if (s->g && s->outputs)
        for (int t = 0; t < s->g->ntensors; t++) {
            outbuf *o = &s->outputs[t];
            for (int l = 0; l < FF_MAX_LEVELS; l++) {
                free(o->crd[l].data);
                free(o->seg[l].data);
            }
            free(o->vals.data);
        }
    if (s->owned_inputs && s->g)
        for (int t = 0; t < s->g->ntensors; t++) ff_tensor_free(s->owned_inputs[t]);
    free(s->owned_inputs);
    free(s->on_chip);
    free(s->outputs);
    free(s->inputs);
    free(s->nodes);
    free(s->chans);
    free(s->active);
    free(s->next_active);
    free(s->touched);
    blk_store_free(&s->blocks);
    free(s);
}

/* The pipeline's last stage may leave when it is empty or every port it
 * carries has space; then the whole register shifts by one. */
static void pipe_step(ff_sim *s, node *n)
{
    int L = n->latency;
    int last_i = (n->pipe_head + L - 1) % L;
    pipe_stage *last = &n->pipe[last_i];
    n->adv = 1;
    for (uint32_t m = last->mask; m; m &= m - 1) {
        int p = __builtin_ctz(m);
        chan *const *cs = n->out[p];
        for (int i = 0; i < n->nout_ch[p]; i++)
            if (cs[i]->n0 >= cs[i]->depth) n->adv = 0;
    }
    if (!n->adv) return;
    if (last->mask) {
        for (uint32_t m = last->mask; m; m &= m - 1) {
            int p = __builtin_ctz(m);
            for (int i = 0; i < n->nout_ch[p]; i++) chan_push(s, n->out[p][i], last->tok[p]);
        }
        last->mask = 0;
        n->pipe_busy--;
        s->last_move = s->cycle;
    }
    n->pipe_head = last_i; /* the emptied last stage becomes the entry stage */
}

static void account(node *n, uint64_t cycles, fire_result r)
{
    if (r == FIRE_STALL_IN || r == FIRE_STALL_ANY) n->st.stall_in += cycles;
    else if (r == FIRE_STALL_OUT) n->st.stall_out += cycles;
    else if (r == FIRE_STALL_MEM) n->st.stall_mem += cycles;
}

/* A node's core took its last firing in this cycle: it has finished, unless
 * it is a writer with writes still to make or to be answered (it finishes
 * when the last is: finish_drained). */
static void core_finished(ff_sim *s, node *n)
{
    n->st.done_cycle = s->cycle;
    if (n->mp && sim_port_drains(n)) n->mp->draining = 1;
    else s->ndone++;
}

static void finish_drained(ff_sim *s, node *n)
{
    n->st.stall_mem += s->cycle - n->st.done_cycle;
    n->st.done_cycle = s->cycle;
    n->mp->draining = 0;
    s->ndone++;
}

/* eval for a node with a pipeline, an II countdown, or a finished core. */
static int eval_slow(ff_sim *s, node *n)
{
    fire_result r;
    if (n->latency) pipe_step(s, n);
    int fired_core = 0;
    if (n->done) {
        r = FIRE_OK;
    } else if (n->ii_wait > 0) {
        n->ii_wait--;
        r = FIRE_OK;
    } else {
        uint32_t before = n->latency ? n->pipe[n->pipe_head].mask : 0;
        r = n->fire(s, n);
        if (r == FIRE_ERROR) return s->err->code;
        if (r == FIRE_OK || r == FIRE_DONE) {
            fired_core = 1;
            n->st.fired++;
            s->last_move = s->cycle;
            if (n->ii > 1) n->ii_wait = n->ii - 1;
            if (n->latency && !before && n->pipe[n->pipe_head].mask) n->pipe_busy++;
        } else {
            account(n, 1, r);
        }
        if (r == FIRE_DONE) n->done = 1;
    }
    set_last(n, r);
    if (n->done && !n->pipe_busy) {
        if (fired_core || n->latency) core_finished(s, n);
        return 0;
    }
    if (r == FIRE_OK || r == FIRE_DONE || n->pipe_busy || n->ii_wait) activate(s, n);
    return 0;
}


/* Evaluates one node for this cycle; returns 0 or an FF_E* code. */
static inline __attribute__((always_inline)) int eval(ff_sim *s, node *n)
{
    /* Cycles it slept were spent the way its last evaluation ended. */
    if (n->last_eval + 1 < s->cycle)
        account(n, s->cycle - n->last_eval - 1, n->last);
    n->last_eval = s->cycle;

    fire_result r;
    if (__builtin_expect(!n->slow, 1)) {
        /* The common case: no pipeline, no II countdown, not done. */
        r = n->fire(s, n);
        if (r == FIRE_OK) {
            n->st.fired++;
            s->last_move = s->cycle;
            set_last(n, r);
            /* it is on no list yet: nodes are listed only by their own
             * evaluation until the commit */
            n->active_at = s->cycle + 1;
            s->next_active[s->nnext++] = n;
            return 0;
        }
        if (r == FIRE_DONE) {
            n->st.fired++;
            s->last_move = s->cycle;
            n->done = 1;
            n->slow = 1;
            set_last(n, r);
            core_finished(s, n);
            return 0;
        }
        if (r == FIRE_ERROR) return s->err->code;
        account(n, 1, r);
        set_last(n, r);
        return 0;
    }
    return eval_slow(s, n);
}

static void deadlock_report(ff_sim *s, ff_err *err)
{
    char buf[sizeof err->msg];
    size_t len = 0;
    int shown = 0;
    len += (size_t)snprintf(buf, sizeof buf, "deadlock at cycle %" PRIu64 ": no node can fire and %d of %d have not finished;",
                            s->cycle, s->nnodes - s->ndone, s->nnodes);
    for (int i = 0; i < s->nnodes && len < sizeof buf - 64; i++) {
        node *n = &s->nodes[i];
        if (n->done && !n->pipe_busy) continue;
        if (shown++ == 8) {
            len += (size_t)snprintf(buf + len, sizeof buf - len, " ...");
            break;
        }
        len += (size_t)snprintf(buf + len, sizeof buf - len, " '%s' %s", n->g->name,
                                n->last == FIRE_STALL_OUT   ? "waits for space on "
                                : n->last == FIRE_STALL_ANY ? "waits for input or space on "
                                                            : "waits for input on ");
        int listed = 0;
        if (n->last == FIRE_STALL_OUT || n->last == FIRE_STALL_ANY) {
            for (int p = 0; p < n->nout; p++)
                for (int k = 0; k < n->nout_ch[p]; k++) {
                    chan *c = n->out[p][k];
                    if (c->n0 >= c->depth && len < sizeof buf - 64)
                        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s (full, %u tokens, to '%s')",
                                                listed++ ? "," : "", n->g->out[p].name, c->n0,
                                                s->nodes[c->consumer].g->name);
                }
        }
        if (n->last != FIRE_STALL_OUT) {
            for (int p = 0; p < n->nin; p++) {
                chan *c = n->in[p];
                if (c && c->n0 == 0 && len < sizeof buf - 64)
                    len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s (empty, from '%s')",
                                            listed++ ? "," : "", n->g->in[p].name,
                                            s->nodes[c->producer].g->name);
            }
        }
        if (!listed) len += (size_t)snprintf(buf + len, sizeof buf - len, " (its inputs hold tokens it cannot use)");
        len += (size_t)snprintf(buf + len, sizeof buf - len, ";");
    }
    ff_err_set(err, FF_EDEADLOCK, "%s", buf);
}

size_t ff_sim_block_words(const ff_sim *s) { return s->blocks.words.len; }

void ff_sim_print_blocked(const ff_sim *s, FILE *f)
{
    for (int i = 0; i < s->nnodes; i++) {
        const node *n = &s->nodes[i];
        if (n->done && !n->pipe_busy) continue;
        fprintf(f, "  %-16s %-15s %s;", n->g->name, ff_prim_get(n->kind)->name,
                n->last == FIRE_STALL_OUT  ? "waits for space"
                : n->last == FIRE_STALL_IN ? "waits for input"
                : n->last == FIRE_STALL_ANY ? "waits for input or space"
                                           : "active");
        for (int p = 0; p < n->nin; p++) {
            const chan *c = n->in[p];
            if (!c) continue;
            char w[48] = "";
            if (c->n0) sim_tokstr(s, c->buf[c->head], c->type, w);
            fprintf(f, " in %s %u/%u%s%s%s", n->g->in[p].name, c->n0, c->depth, c->n0 ? " [" : "", w, c->n0 ? "]" : "");
        }
        for (int p = 0; p < n->nout; p++)
            for (int k = 0; k < n->nout_ch[p]; k++) {
                const chan *c = n->out[p][k];
                fprintf(f, " out %s->%s %u/%u", n->g->out[p].name, s->nodes[c->consumer].g->name, c->n0, c->depth);
            }
        fprintf(f, "\n");
    }
}

int ff_sim_start(ff_sim *s, ff_err *err)
{
    if (s->ran) return ff_err_set(err, FF_EINVAL, "simulation of '%s' already ran", s->g->name);
    s->ran = 1;
    for (int t = 0; t < s->g->ntensors; t++) {
        const ff_gtensor *gt = &s->g->tensors[t];
        if (!gt->is_output && !s->inputs[t])
            return ff_err_set(err, FF_EINVAL, "graph '%s': input tensor '%s' is not bound", s->g->name, gt->name);
    }
    for (int i = 0; i < s->nnodes; i++) {
        int rc = sim_prim_init[s->nodes[i].kind](s, &s->nodes[i], err);
        if (rc) return rc;
    }
    for (int i = 0; i < s->nnodes; i++) {
        node *n = &s->nodes[i];
        s->active[i] = n;
        n->slow = n->latency || n->ii > 1;
    }
    s->nactive = s->nnodes;
    s->cycle = 0;
    return 0;
}

/* Insertion sort: the list is nearly sorted already (nodes that fired are
 * re-listed in evaluation order; only wake-ups arrive out of order). */
static void sort_ids(node **a, int n)
{
    for (int i = 1; i < n; i++) {
        node *v = a[i];
        int k = i;
        for (; k > 0 && a[k - 1]->id > v->id; k--) a[k] = a[k - 1];
        a[k] = v;
    }
}

/* One cycle of an unfinished run with s->err set: the checks that stop it
 * (deadlock, cycle limit), then evaluate and commit. Returns 0 or an FF_E*
 * code. Inlined into ff_sim_run's loop, so a cycle costs no call and no
 * repeated argument checks. */
static inline __attribute__((always_inline)) int cycle_once(ff_sim *s, ff_err *err)
{
    if (s->nactive == 0 && !s->mem_busy) {
        deadlock_report(s, s->err);
        return s->err->code;
    }
    if (s->opts.max_cycles && s->cycle >= s->opts.max_cycles)
        return ff_err_set(err, FF_ELIMIT, "graph '%s': cycle limit %" PRIu64 " reached with %d of %d nodes unfinished",
                          s->g->name, s->opts.max_cycles, s->nnodes - s->ndone, s->nnodes);
    s->nnext = 0;
    /* Nodes of a blocked graph allocate blocks as they fire; evaluating them
     * in node order makes every handle a function of the graph and the data
     * alone -- the order the RTL's block store grants same-cycle requests
     * in (docs/tokens.md "Block values"). */
    if (s->blocked) sort_ids(s->active, s->nactive);
    if (s->mem) sim_mem_begin(s);
    node **act = s->active;
    for (int i = 0, na = s->nactive; i < na; i++) {
        int rc = eval(s, act[i]);
        if (rc) return rc;
    }
    /* A sleeping node sleeps for one reason (its last result): a token only
     * helps one that lacked input, space only one that lacked room. Nodes
     * that fired are already on the list. */
    chan **touched = s->touched;
    for (int i = 0, nt = s->ntouched; i < nt; i++) {
        chan *c = touched[i];
        uint32_t held = c->n0 = c->avail = c->count;
        if (held > c->high_water) {
            c->high_water = held;
            /* an unbounded channel that filled its buffer (a bounded
             * one's holds its depth) */
            if (held > c->mask && c->depth == UINT32_MAX) chan_grow(c);
        }
        if (c->moved & c->cons->wake & CHAN_PUSHED) activate(s, c->cons);
        if (c->moved & c->prod->wake & CHAN_POPPED) activate(s, c->prod);
        c->moved = 0;
    }
    s->ntouched = 0;
    if (s->mem) {
        int nwake;
        sim_mem_commit(s, s->mem_wake, &nwake);
        for (int i = 0; i < nwake; i++) {
            node *n = &s->nodes[s->mem_wake[i]];
            if (n->mp->draining) finish_drained(s, n);
            else activate(s, n);
        }
    }
    node **tmp = s->active;
    s->active = s->next_active;
    s->next_active = tmp;
    s->nactive = s->nnext;
    s->cycle++;
    /* Sleeping nodes that finished earlier were accounted at their last
     * evaluation; nothing is owed for them. */
    return 0;
}

int ff_sim_step(ff_sim *s, ff_err *err)
{
    if (!s->ran) return ff_err_set(err, FF_EINVAL, "simulation of '%s' was not started", s->g->name);
    if (s->ndone >= s->nnodes) return 0;
    /* fire functions report into s->err; it is only used within this call */
    ff_err scratch;
    s->err = err ? err : &scratch;
    int rc = cycle_once(s, err);
    if (rc) return rc;
    return s->ndone < s->nnodes ? FF_SIM_RUNNING : 0;
}

int ff_sim_run(ff_sim *s, ff_err *err)
{
    int rc = ff_sim_start(s, err);
    if (rc) return rc;
    /* ff_sim_step's loop, without its per-call checks */
    ff_err scratch;
    s->err = err ? err : &scratch;
    while (s->ndone < s->nnodes)
        if ((rc = cycle_once(s, err))) return rc;
    return 0;
}

uint64_t ff_sim_cycles(const ff_sim *s)
{
    ff_sim_timing t;
    ff_sim_timing_of(s, &t);
    return t.total;
}

void ff_sim_node_stats(const ff_sim *s, int node_index, ff_node_stats *out)
{
    *out = s->nodes[node_index].st;
}

void ff_sim_edge_stats(const ff_sim *s, int edge, ff_chan_stats *out)
{
    const chan *c = &s->chans[edge];
    out->tokens = c->tokens;
    out->high_water = c->high_water;
    out->depth = c->depth == UINT32_MAX ? 0 : c->depth;
}
