/*
 * sim_int.h -- the simulator's data model and the firing interface: what
 * every file of models/sim shares. Not installed; nothing outside
 * models/sim includes it.
 *
 * Files and the direction of their dependencies (each uses only the ones
 * below it; none calls back up):
 *     prim_run.c    one primitive on token streams (`fuseflow prim`)
 *     output.c      writers' buffers and sinks -> tensors and token lists
 *     engine.c      the cycle loop; reads the dispatch table (dispatch.h)
 *     stats.c       a run's cycles and statistics, read from its data
 *     arch.c        architecture files and defaults
 *     dispatch.c    per-kind table of setup functions, from ff_prims.def
 *     prims_*.c     the primitives' models (prims.h)
 *     bind.c        tensors -> node params, level arrays, output buffers (bind.h)
 *     fire.c        what fire functions call out of line (this header)
 *     blocks.c      block values (blocks.h)
 *
 * A primitive is a `fire` function called at most once per cycle. It looks
 * at its input heads (in_has/in_peek), at its outputs' space (out_ready),
 * decides, and then pops and pushes. It must not pop one input twice or push
 * one output twice in a cycle, and it must decide before it acts: a firing is
 * all or nothing. It returns what happened (fire_result).
 */
#ifndef FF_SIM_INT_H
#define FF_SIM_INT_H

#include "blocks.h"
#include "ff_sim.h"

/* A channel: the bounded FIFO of one edge (docs/timing.md "Channels").
 * The fields the cycle loop touches for every token come first, in one
 * cache line. */
typedef struct chan {
    ff_tok *buf;
    uint32_t mask;        /* capacity - 1 (capacity is a power of two) */
    uint32_t head;        /* index of the oldest token */
    uint32_t count;       /* tokens held now */
    uint32_t n0;          /* tokens held at the start of this cycle */
    uint32_t avail;       /* n0 less this cycle's pop: what the consumer may
                             still take (in_has reads only this) */
    uint32_t depth;       /* UINT32_MAX = unbounded (functional) */
    uint8_t moved;        /* CHAN_PUSHED | CHAN_POPPED this cycle; non-zero
                             exactly while it is on the commit list */
    struct node *prod, *cons; /* the producer and consumer nodes */
    uint64_t tokens;
    uint32_t high_water;  /* most tokens held at a cycle's end (commit) */
    int producer, consumer; /* node indices */
    int edge;             /* edge index in the graph */
    ff_stream_type type;
} chan;

enum { CHAN_PUSHED = 1, CHAN_POPPED = 2 };

/* What a fire function reports. */
typedef enum fire_result {
    FIRE_OK,        /* fired: popped and/or pushed, or changed state */
    FIRE_STALL_IN,  /* could not fire: an input it needs is empty */
    FIRE_STALL_OUT, /* could not fire: an output it must write is full */
    FIRE_DONE,      /* fired its last time (pushed or consumed D) */
    FIRE_STALL_ANY, /* could not fire: parts of it wait for input, others for
                       space (a buffer's write side and readers); wakes on
                       any of its channels, counted as waiting for input */
    FIRE_STALL_MEM, /* could not fire: a word it reads has not arrived from
                       off chip (mport); wakes on its port's next response */
    FIRE_ERROR      /* the streams broke the contract; sim->err is filled */
} fire_result;

/* A tile's off-chip memory port (docs/timing.md section 4, "Memory
 * ports"): the DMA that streams a reader's regions in line by line, or
 * writes a writer's lines back as they fill. One or two regions (seg and
 * crd of a level, or the values); lines are burst_bytes / 4 words. */
typedef struct mport {
    int write;               /* 1: write-back (writers); 0: stream-in */
    int nregions;
    int shift;               /* log2 of a line's words */
    uint32_t words[2];       /* stream-in: words of each region */
    const size_t *count[2];  /* write-back: words written so far, per region */
    uint32_t issued[2];      /* lines requested (accepted by the memory) */
    uint32_t arrived[2];     /* lines answered */
    uint32_t avail[2];       /* stream-in: words readable (arrived lines, capped at words) */
    int turn;                /* the region that asks first when both can */
    int draining;            /* a writer whose core finished, waiting for its writes */
    int grant, resp;         /* this cycle: the region granted / answered, or -1 */
} mport;

struct node;
typedef fire_result (*fire_fn)(struct ff_sim *s, struct node *n);
/* Frees a node's state and everything it owns. */
typedef void (*fini_fn)(struct node *n);

/* The most output ports a node has (a 4-way intersect: crd, 4 refs, 4
 * skips). */
#define SIM_MAX_OUT 16

/* Output pipeline for nodes with latency L > 0: a rigid shift register of L
 * stages, each holding at most one token per output port. */
typedef struct pipe_stage {
    uint32_t mask;        /* bit p set: the stage carries a token for port p */
    ff_tok tok[SIM_MAX_OUT]; /* indexed by port */
} pipe_stage;

typedef struct node {
    int id;
    const ff_node *g;     /* the graph node */
    ff_prim_kind kind;
    fire_fn fire;         /* set by the kind's setup function */
    fini_fn fini;         /* frees state; NULL: free(state) is enough */
    int nin, nout;
    chan **in;            /* per input port, NULL if unconnected */
    chan ***out;          /* per output port, array of the fan-out channels */
    int *nout_ch;         /* per output port, how many */
    /* The same per port, inline for out_ready/out_push: one load reaches
     * the first channel, the one almost every port has alone. */
    struct oport {
        chan *c0;         /* out[p][0], NULL if the port is unconnected */
        int k;            /* nout_ch[p] */
    } op[8];
    int done;
    uint8_t slow;         /* latency, II > 1 or done: eval's general path */
    uint8_t wake;         /* CHAN_PUSHED / CHAN_POPPED: the channel events that
                             wake it, from its last result (engine.c wakes[]) */
    /* timing */
    int latency, ii;
    int ii_wait;          /* cycles before the core may fire again */
    pipe_stage *pipe;     /* latency stages, pipe[(pipe_head + k) % latency] */
    int pipe_head;
    int pipe_busy;        /* stages holding anything */
    int adv;              /* this cycle: the pipeline can shift */
    /* scheduling */
    uint64_t active_at;   /* cycle stamp: already on the next active list */
    uint64_t last_eval;   /* last cycle it was evaluated */
    fire_result last;     /* and what happened then */
    ff_node_stats st;
    void *state;          /* the primitive's own state, owned by the sim */
    mport *mp;            /* its off-chip port, NULL if it has none (owned) */
} node;

/* A firing of node n that reads words [0, need) of its port's region r must
 * wait until they have arrived (no port: nothing to wait for). */
static inline int mport_wait(const node *n, int r, uint32_t need)
{
    return n->mp && need > n->mp->avail[r];
}

struct ff_sim {
    const ff_graph *g;
    ff_sim_opts opts;
    int frac_bits;
    node *nodes;
    int nnodes;
    chan *chans;          /* one per edge */
    int nchans;
    /* scheduling */
    struct node **active, **next_active; /* this and the next cycle's lists */
    int nactive, nnext;
    chan **touched;
    int ntouched;
    uint64_t cycle;       /* current cycle */
    uint64_t last_move;   /* last cycle in which a token moved or a node fired */
    int ndone;
    int ran;
    ff_err *err;          /* where fire functions report FIRE_ERROR */
    /* bound tensors, by graph tensor index */
    const ff_tensor **inputs;
    ff_tensor **owned_inputs; /* converted copies, freed with the sim */
    unsigned char *on_chip;   /* per graph tensor: held on chip (ff_sim_on_chip) */
    struct outbuf *outputs; /* per graph tensor (outputs only) */
    /* observation: opts.trace or opts.record (one test in the push path) */
    int observe;
    struct edge_record *records; /* per edge, with opts.record */
    blk_store blocks;     /* block values of a blocked graph (blocks.c) */
    /* off-chip memory (mport.c): the ports in node order, and what one
     * cycle asks and gets */
    ff_mem *mem;
    int *ports, nports;
    ff_mem_req *mem_req;
    unsigned char *mem_granted;
    ff_mem_resp *mem_resp;
    int *mem_wake;
    int mem_busy;         /* a request is in flight or some port can ask */
    int blocked;          /* some node works on blocks: evaluate in node order */
};

/* Every token pushed into one channel, with its cycle (opts.record). */
typedef struct edge_record {
    FF_VEC(ff_tok) toks;
    FF_VEC(uint64_t) cycles;
} edge_record;

/* What writers collect for one output tensor. */
typedef struct outbuf {
    FF_VEC(uint32_t) crd[FF_MAX_LEVELS];
    FF_VEC(uint32_t) seg[FF_MAX_LEVELS];
    FF_VEC(ff_fx) vals;
    int have_level[FF_MAX_LEVELS];
    int have_vals;
} outbuf;

/* ---- channel access for fire functions ---- */

static inline int in_has(const node *n, int p)
{
    const chan *c = n->in[p];
    return c && c->avail;
}

static inline ff_tok in_peek(const node *n, int p)
{
    const chan *c = n->in[p];
    return c->buf[c->head];
}

/* Marks c as having moved a token this way (CHAN_PUSHED or CHAN_POPPED),
 * putting it on this cycle's commit list the first time. */
static inline __attribute__((always_inline)) void sim_touch(struct ff_sim *s, chan *c, uint8_t how)
{
    if (!c->moved) s->touched[s->ntouched++] = c;
    c->moved |= how;
}

/* Space on output port p this cycle. With latency, the pipeline decides. */
static inline int out_ready(const node *n, int p)
{
    if (n->latency) return n->adv;
    const struct oport *o = &n->op[p];
    if (__builtin_expect(o->k == 1, 1)) return o->c0->n0 < o->c0->depth;
    chan *const *cs = n->out[p];
    for (int i = 0; i < o->k; i++)
        if (cs[i]->n0 >= cs[i]->depth) return 0;
    return 1;
}

/* mport.c. Opens node n's off-chip port when the architecture enables the
 * memory and `tensor` is not held on chip: a stream-in port over regions of
 * w0 and w1 words (w1 = 0: one region), or (write) a write-back port whose
 * regions have c0 and c1 words written so far (c1 NULL: one region). */
void sim_port_open(struct ff_sim *s, node *n, const char *tensor, int write, uint32_t w0, uint32_t w1,
                   const size_t *c0, const size_t *c1);
/* Start of a cycle: every port's request, the memory's answers. */
void sim_mem_begin(struct ff_sim *s);
/* End of a cycle: grants and responses take effect; wake[0..*nwake) are the
 * nodes a response concerns: one that waited for a word (it may fire now),
 * or a draining writer whose last write was answered (it finishes now). */
void sim_mem_commit(struct ff_sim *s, int *wake, int *nwake);
void sim_mem_free(struct ff_sim *s);
/* A writer's core took D: 1 when its port still has writes to make or answers
 * to wait for (the node is then draining, not finished). */
int sim_port_drains(node *n);

/* Doubles c's buffer (an unbounded channel that filled its last slot). */
void chan_grow(chan *c);
void chan_trace(struct ff_sim *s, const chan *c, ff_tok t);

/* A channel takes at most one token per cycle (one producer, one push per
 * port per firing, or one pipeline stage), and the commit leaves a free
 * slot (chan_grow): the push never has to make room. */
static inline __attribute__((always_inline)) void chan_push(struct ff_sim *s, chan *c, ff_tok t)
{
    c->buf[(c->head + c->count) & c->mask] = t;
    c->count++;
    c->tokens++;
    sim_touch(s, c, CHAN_PUSHED);
    if (__builtin_expect(s->observe, 0)) chan_trace(s, c, t);
}

static inline void in_pop(struct ff_sim *s, node *n, int p)
{
    chan *c = n->in[p];
    c->head = (c->head + 1) & c->mask;
    c->count--;
    c->avail--;
    n->st.tokens_in++;
    sim_touch(s, c, CHAN_POPPED);
}

static inline void out_push(struct ff_sim *s, node *n, int p, ff_tok t)
{
    n->st.tokens_out++;
    if (n->latency) {
        pipe_stage *st = &n->pipe[n->pipe_head];
        st->mask |= 1u << p;
        st->tok[p] = t;
        return;
    }
    const struct oport *o = &n->op[p];
    if (__builtin_expect(o->k == 1, 1)) {
        chan_push(s, o->c0, t);
        return;
    }
    chan *const *cs = n->out[p];
    for (int i = 0; i < o->k; i++) chan_push(s, cs[i], t);
}

/* Reports a contract violation from a fire function. */
fire_result sim_fail(struct ff_sim *s, node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Text of a token for messages (a static buffer per call site is not
 * thread-safe, so callers pass one). */
const char *sim_tokstr(const struct ff_sim *s, ff_tok t, ff_stream_type type, char buf[48]);

/* ---- per-primitive setup (prims.h declares one per kind) ---- */

/* A kind's setup reads the node's params and bound tensors, allocates
 * n->state and sets n->fire, and n->fini when freeing the state takes more
 * than free(n->state) -- set together with n->state, so a setup that fails
 * halfway still leaves a state the simulation can free. Returns 0 or an
 * FF_E* code with err filled. */
typedef int (*init_fn)(struct ff_sim *s, node *n, ff_err *err);

#endif
