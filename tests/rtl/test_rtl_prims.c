/*
 * test_rtl_prims.c -- every hardware primitive, C cycle model against the
 * Verilated RTL tile, token for token and cycle for cycle.
 *
 * For each primitive, many random cases: well-formed random token streams on
 * its inputs (empty fibers, N, deep stop levels, streams of only D), random
 * idle cycles in the sources, random sink backpressure (rand:SEED:PERCENT,
 * the same stateless hash on both sides), random per-channel FIFO depths,
 * latency and II. The C side runs source -> primitive -> sink graphs
 * (models/sim); the RTL side runs the array (harness inputs -> tile ->
 * harness outputs) under the same source and sink rules. Every output token,
 * the cycle it reached its sink, the total cycle count, and what writers
 * wrote must be identical. Seeds are fixed; FF_RTL_SEED overrides the base
 * seed, FF_RTL_CASES the cases per primitive, FF_RTL_TRACE=path dumps an FST
 * of the first failing case.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ff_backend.h"
#include "ff_config.h"
#include "ff_fixed.h"
#include "ff_graph.h"
#include "ff_rtl.h"
#include "ff_sim.h"
#include "ff_token.h"


/* ---- deterministic randomness ---- */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t next64(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint32_t below(rng *r, uint32_t n) { return n ? (uint32_t)(next64(r) % n) : 0; }
static int chance(rng *r, int pct) { return (int)below(r, 100) < pct; }

/* The sink rule of models/sim/prims_control.c (sink_ready), restated. */
static int sink_ready(uint64_t seed, int pct, uint64_t cycle)
{
    if (pct <= 0) return 1;
    uint64_t z = seed ^ (cycle * 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (int)(z % 100) < pct;
}

/* ---- one case ---- */

#define MAXP 8
#define MAXMEM 256

typedef struct tcase {
    ff_prim_kind kind;
    int frac;
    int n;                          /* family size */
    int compressed;                 /* scan, locate */
    uint32_t dim;                   /* scan/locate dense, spacc1 */
    int32_t off;                    /* scan/locate: a window (len 0: none) */
    uint32_t len;
    uint32_t seg[MAXMEM], crd[MAXMEM];
    int nseg, ncrd;
    int32_t vals[MAXMEM];           /* array */
    int nvals;
    int op, has_imm;                /* alu; reduce op */
    int unit;                       /* serialize */
    int32_t imm;
    uint32_t dim_outer, dim_inner;  /* spacc2 */
    int nin, nout;
    const char *in_name[MAXP], *out_name[MAXP];
    ff_stream_type in_type[MAXP], out_type[MAXP];
    ff_tokvec in[MAXP];             /* timed: FF_TOK_IDLE = `_` */
    int lat, ii, alu_lat, alu_ii;   /* kind's; the ALU op's */
    int in_depth[MAXP], out_depth[MAXP];
    int sink_pct;                   /* 0 = always ready */
    uint64_t sink_seed;
    int sink_apart;                 /* each sink its own seed (sink_seed_of): readers that stall apart */
    int replay;                     /* buffer: rep connected */
    uint32_t entries;               /* buffer: capacity (the arch's buffer_words / 2) */
} tcase;

/* The ready pattern's seed of sink q. */
static uint64_t sink_seed_of(const tcase *c, int q)
{
    return c->sink_apart ? (c->sink_seed + (uint64_t)q * 0x1000193ULL) & 0xffffffffffffULL : c->sink_seed;
}

typedef struct result {
    ff_tokvec tok[MAXP];
    FF_VEC(uint64_t) cyc[MAXP];
    uint64_t total;
    int errored;                         /* RTL: a tile raised its error flag ... */
    uint64_t err_cycle;                  /* ... in this cycle */
    uint32_t status;                     /* RTL: the tile's status register at the end */
    uint32_t mem0[MAXMEM], mem1[MAXMEM]; /* writers: crd|vals, seg */
    int nmem0, nmem1;
} result;

static void result_free(result *r)
{
    for (int p = 0; p < MAXP; p++) {
        free(r->tok[p].data);
        free(r->cyc[p].data);
    }
    memset(r, 0, sizeof *r);
}

static void case_free(tcase *c)
{
    for (int p = 0; p < MAXP; p++) free(c->in[p].data);
    memset(c, 0, sizeof *c);
}

/* ---- stream generation ---- */

/* A fiber skeleton: groups of `len` elements, each closed by S(stop); D. */
typedef struct skel {
    int ngroups;
    int len[48];
    uint32_t stop[48];
} skel;

/* Some cases are long: more groups (and more points in accumulators). */
static int g_big;

static void gen_skel(rng *r, skel *k, int maxgroups, int maxlen, int maxlev)
{
    memset(k, 0, sizeof *k);
    if (g_big) maxgroups = maxgroups * 5 > 40 ? 40 : maxgroups * 5;
    if (chance(r, 6)) return; /* a stream of only D */
    k->ngroups = 1 + (int)below(r, (uint32_t)maxgroups);
    for (int g = 0; g < k->ngroups; g++) {
        k->len[g] = chance(r, 25) ? 0 : (int)below(r, (uint32_t)maxlen + 1);
        k->stop[g] = below(r, (uint32_t)maxlev + 1);
    }
    if (chance(r, 60)) k->stop[k->ngroups - 1] = (uint32_t)maxlev;
}

static void push(ff_tokvec *v, ff_tok t) { FF_VEC_PUSH(*v, t); }

static ff_tok rand_val(rng *r, int frac, int allow_n)
{
    if (allow_n && chance(r, 8)) return FF_TOK_N;
    switch (below(r, 6)) {
    case 0: return ff_tok_data((uint32_t)ff_fx_from_int((int)below(r, 17) - 8, frac));
    case 1: return ff_tok_data((uint32_t)next64(r));
    case 2: {
        static const uint32_t sp[] = {0, 1, 0xffffffffu, 0x7fffffffu, 0x80000000u, 0x10000u, 0xffff0000u};
        return ff_tok_data(sp[below(r, 7)]);
    }
    case 3: return ff_tok_data((uint32_t)((int32_t)below(r, 1u << 20) - (1 << 19)));
    default: return ff_tok_data((uint32_t)ff_fx_from_int((int)below(r, 5), frac) + below(r, 1u << frac | 1u));
    }
}

/* Inserts idle cycles (`_`) into an input stream. */
static void add_idles(rng *r, ff_tokvec *v, int pct)
{
    if (pct == 0) return;
    ff_tokvec out = {0};
    for (size_t i = 0; i < v->len; i++) {
        if (chance(r, pct))
            for (uint32_t k = 1 + below(r, 3); k; k--) push(&out, FF_TOK_IDLE);
        push(&out, v->data[i]);
    }
    free(v->data);
    *v = out;
}

static void set_in(tcase *c, int p, const char *name, ff_stream_type type)
{
    c->in_name[p] = name;
    c->in_type[p] = type;
    if (p + 1 > c->nin) c->nin = p + 1;
}

static void set_out(tcase *c, int p, const char *name, ff_stream_type type)
{
    c->out_name[p] = name;
    c->out_type[p] = type;
    if (p + 1 > c->nout) c->nout = p + 1;
}

/* A generic stream over a skeleton: elements from elem(). */
typedef ff_tok (*elem_fn)(rng *r, const tcase *c, int g, int i);

static void skel_stream(rng *r, const tcase *c, const skel *k, ff_tokvec *v, elem_fn elem)
{
    for (int g = 0; g < k->ngroups; g++) {
        for (int i = 0; i < k->len[g]; i++) push(v, elem(r, c, g, i));
        push(v, ff_tok_stop(k->stop[g]));
    }
    push(v, FF_TOK_D);
}

static ff_tok elem_crd(rng *r, const tcase *c, int g, int i)
{
    (void)c, (void)g, (void)i;
    return chance(r, 8) ? FF_TOK_N : ff_tok_data(below(r, 40));
}

static ff_tok elem_val(rng *r, const tcase *c, int g, int i)
{
    (void)g, (void)i;
    return rand_val(r, c->frac, 1);
}

/* The inner stream of an outer skeleton: per outer element a fiber of 0..3
 * elements closed by S0, or by S(j+1) when it is the last of a group closed
 * by Sj; an empty outer group gives S(j+1). */
static void inner_of(rng *r, const tcase *c, const skel *k, ff_tokvec *v, elem_fn elem)
{
    for (int g = 0; g < k->ngroups; g++) {
        for (int i = 0; i < k->len[g]; i++) {
            for (uint32_t m = below(r, 4); m; m--) push(v, elem(r, c, g, i));
            push(v, ff_tok_stop(i + 1 == k->len[g] ? k->stop[g] + 1 : 0));
        }
        if (k->len[g] == 0) push(v, ff_tok_stop(k->stop[g] + 1));
    }
    push(v, FF_TOK_D);
}

/* ---- per-primitive case generators ---- */

static ff_tok elem_ref_any(rng *r, const tcase *c, int g, int i)
{
    (void)c, (void)g, (void)i;
    return chance(r, 8) ? FF_TOK_N : ff_tok_data(below(r, 50));
}

static ff_tok elem_scan_ref(rng *r, const tcase *c, int g, int i)
{
    (void)g, (void)i;
    if (chance(r, 8)) return FF_TOK_N;
    return ff_tok_data(below(r, c->compressed ? (uint32_t)c->nseg - 1 : 6));
}

static void gen_level(rng *r, tcase *c)
{
    c->compressed = chance(r, 60);
    if (c->compressed) {
        int nfib = 1 + (int)below(r, 6);
        c->nseg = nfib + 1;
        c->seg[0] = 0;
        for (int f = 0; f < nfib; f++) {
            uint32_t x = below(r, 5);
            for (uint32_t k = 0; k < 20 && c->ncrd < 200; k++)
                if (below(r, 20) < 4 * x / 3 + 1 && chance(r, 30)) c->crd[c->ncrd++] = k;
            c->seg[f + 1] = (uint32_t)c->ncrd;
        }
    } else {
        c->dim = below(r, 6);
    }
    /* a window (docs/tokens.md "scan"): a crop, a shift, or reaching past */
    if (chance(r, 40)) {
        c->len = 1 + below(r, 8);
        c->off = (int32_t)below(r, 12) - 4;
    }
}

static void gen_scan(rng *r, tcase *c)
{
    gen_level(r, c);
    skel k;
    gen_skel(r, &k, 6, 4, 3);
    set_in(c, 0, "ref_in", FF_ST_REF);
    skel_stream(r, c, &k, &c->in[0], elem_scan_ref);
    set_out(c, 0, "crd", FF_ST_CRD);
    set_out(c, 1, "ref", FF_ST_REF);
}

static void gen_locate(rng *r, tcase *c)
{
    gen_level(r, c);
    if (!c->compressed && c->dim == 0) c->dim = 1;
    skel k;
    gen_skel(r, &k, 6, 4, 3);
    set_in(c, 0, "crd_in", FF_ST_CRD);
    set_in(c, 1, "ref_in", FF_ST_REF);
    for (int g = 0; g < k.ngroups; g++) {
        for (int i = 0; i < k.len[g]; i++) {
            int which = chance(r, 12) ? (int)below(r, 3) : -1; /* N on crd, ref or both */
            ff_tok cr = ff_tok_data(below(r, c->len ? c->len : c->compressed ? 20 : c->dim));
            ff_tok rf = ff_tok_data(below(r, c->compressed ? (uint32_t)c->nseg - 1 : 6));
            push(&c->in[0], which == 0 || which == 2 ? FF_TOK_N : cr);
            push(&c->in[1], which == 1 || which == 2 ? FF_TOK_N : rf);
        }
        push(&c->in[0], ff_tok_stop(k.stop[g]));
        push(&c->in[1], ff_tok_stop(k.stop[g]));
    }
    push(&c->in[0], FF_TOK_D);
    push(&c->in[1], FF_TOK_D);
    set_out(c, 0, "crd", FF_ST_CRD);
    set_out(c, 1, "ref", FF_ST_REF);
}

static void gen_any(rng *r, tcase *c, const char *in, ff_stream_type type)
{
    skel k;
    gen_skel(r, &k, 8, 5, 3);
    set_in(c, 0, in, type);
    skel_stream(r, c, &k, &c->in[0], type == FF_ST_VAL ? elem_val : elem_crd);
}

static void gen_write_crd(rng *r, tcase *c) { gen_any(r, c, "crd", FF_ST_CRD); }
static void gen_write_val(rng *r, tcase *c) { gen_any(r, c, "val", FF_ST_VAL); }

static void gen_unary_any(rng *r, tcase *c, const char *in, const char *out)
{
    gen_any(r, c, in, FF_ST_CRD);
    set_out(c, 0, out, FF_ST_CRD);
}

static void gen_repsiggen(rng *r, tcase *c)
{
    gen_any(r, c, "in", FF_ST_CRD);
    set_out(c, 0, "rep", FF_ST_REP);
}

static void gen_stkn_drop(rng *r, tcase *c) { gen_unary_any(r, c, "in", "out"); }
static void gen_empty_stkn_drop(rng *r, tcase *c) { gen_unary_any(r, c, "in", "out"); }

static void gen_root(rng *r, tcase *c)
{
    (void)r;
    set_out(c, 0, "ref", FF_ST_REF);
}

static ff_tok elem_rep(rng *r, const tcase *c, int g, int i)
{
    (void)r, (void)c, (void)g, (void)i;
    return ff_tok_data(0);
}

/* The repeat signal is repsiggen of an inner coordinate stream of the
 * reference stream's skeleton, so it carries the stop levels: per reference
 * 0..3 R closed by S0, or by S(j+1) for the last reference of a group closed
 * by Sj; an empty group of references gives a bare S(j+1). */
static void gen_repeat(rng *r, tcase *c)
{
    skel k;
    gen_skel(r, &k, 6, 4, 3);
    set_in(c, 0, "ref_in", FF_ST_REF);
    set_in(c, 1, "rep", FF_ST_REP);
    skel_stream(r, c, &k, &c->in[0], elem_ref_any);
    inner_of(r, c, &k, &c->in[1], elem_rep);
    set_out(c, 0, "ref", FF_ST_REF);
}

static const char *const crd_names[] = {"crd0", "crd1", "crd2", "crd3"};
static const char *const ref_names[] = {"ref0", "ref1", "ref2", "ref3"};

static void gen_merge(rng *r, tcase *c)
{
    c->n = 2 + (int)below(r, 3);
    skel k;
    gen_skel(r, &k, 6, 5, 3);
    for (int s = 0; s < c->n; s++) {
        set_in(c, s, crd_names[s], FF_ST_CRD);
        set_in(c, c->n + s, ref_names[s], FF_ST_REF);
        for (int g = 0; g < k.ngroups; g++) {
            if (chance(r, 8)) {
                push(&c->in[s], FF_TOK_N);
                push(&c->in[c->n + s], FF_TOK_N);
            } else {
                for (uint32_t x = 0; x < 12; x++)
                    if (chance(r, 30)) {
                        push(&c->in[s], ff_tok_data(x));
                        push(&c->in[c->n + s], chance(r, 8) ? FF_TOK_N : ff_tok_data(below(r, 100)));
                    }
            }
            push(&c->in[s], ff_tok_stop(k.stop[g]));
            push(&c->in[c->n + s], ff_tok_stop(k.stop[g]));
        }
        push(&c->in[s], FF_TOK_D);
        push(&c->in[c->n + s], FF_TOK_D);
    }
    set_out(c, 0, "crd", FF_ST_CRD);
    for (int s = 0; s < c->n; s++) set_out(c, 1 + s, ref_names[s], FF_ST_REF);
}

static ff_tok elem_array_ref(rng *r, const tcase *c, int g, int i)
{
    (void)g, (void)i;
    return chance(r, 8) ? FF_TOK_N : ff_tok_data(below(r, (uint32_t)c->nvals));
}

static void gen_array(rng *r, tcase *c)
{
    c->nvals = 1 + (int)below(r, 20);
    for (int i = 0; i < c->nvals; i++) c->vals[i] = (int32_t)ff_tok_payload(rand_val(r, c->frac, 0));
    skel k;
    gen_skel(r, &k, 6, 5, 3);
    set_in(c, 0, "ref", FF_ST_REF);
    skel_stream(r, c, &k, &c->in[0], elem_array_ref);
    set_out(c, 0, "val", FF_ST_VAL);
}

static void gen_alu(rng *r, tcase *c)
{
    c->op = (int)below(r, FF_ALU__COUNT);
    c->has_imm = ff_alu_op_arity((ff_alu_op)c->op) == 2 && chance(r, 30); /* the graph rejects imm on unary ops */
    if (c->has_imm) c->imm = (int32_t)ff_tok_payload(rand_val(r, c->frac, 0));
    int unary = ff_alu_op_arity((ff_alu_op)c->op) == 1 || c->has_imm;
    skel k;
    gen_skel(r, &k, 6, 5, 3);
    set_in(c, 0, "a", FF_ST_VAL);
    skel_stream(r, c, &k, &c->in[0], elem_val);
    if (!unary) {
        set_in(c, 1, "b", FF_ST_VAL);
        skel_stream(r, c, &k, &c->in[1], elem_val);
    }
    set_out(c, 0, "val", FF_ST_VAL);
}

static ff_tok elem_shape(rng *r, const tcase *c, int g, int i)
{
    (void)r, (void)c, (void)g;
    return ff_tok_data((uint32_t)i);
}

static void gen_reduce(rng *r, tcase *c)
{
    c->op = (int)below(r, 2);
    set_in(c, 0, "val_in", FF_ST_VAL);
    if (chance(r, 40)) {
        skel k;
        gen_skel(r, &k, 6, 4, 2);
        set_in(c, 1, "shape", FF_ST_CRD);
        skel_stream(r, c, &k, &c->in[1], elem_shape);
        inner_of(r, c, &k, &c->in[0], elem_val);
    } else {
        skel k;
        gen_skel(r, &k, 8, 5, 3);
        skel_stream(r, c, &k, &c->in[0], elem_val);
    }
    set_out(c, 0, "val", FF_ST_VAL);
}

static void gen_spacc(rng *r, tcase *c, int order)
{
    set_in(c, 0, "crd_outer_in", FF_ST_CRD);
    set_in(c, 1, "crd_inner_in", FF_ST_CRD);
    set_in(c, 2, "val_in", FF_ST_VAL);
    if (order == 1) c->dim = 1 + below(r, 16);
    else {
        c->dim_outer = 1 + below(r, 8);
        c->dim_inner = 1 + below(r, 16);
    }
    int groups = chance(r, 8) ? 0 : 1 + (int)below(r, g_big ? 16 : 5);
    for (int g = 0; g < groups; g++) {
        uint32_t o = below(r, order == 1 ? 10 : c->dim_outer);
        for (uint32_t m = below(r, 6); m; m--) {
            push(&c->in[0], ff_tok_data(order == 1 ? o : below(r, c->dim_outer)));
            push(&c->in[1], ff_tok_data(below(r, order == 1 ? c->dim : c->dim_inner)));
            push(&c->in[2], rand_val(r, c->frac, 1));
        }
    }
    for (int p = 0; p < 3; p++) push(&c->in[p], FF_TOK_D);
    set_out(c, 0, "crd_outer", FF_ST_CRD);
    set_out(c, 1, "crd_inner", FF_ST_CRD);
    set_out(c, 2, "val", FF_ST_VAL);
}

static void gen_spacc1(rng *r, tcase *c) { gen_spacc(r, c, 1); }
static void gen_spacc2(rng *r, tcase *c) { gen_spacc(r, c, 2); }

static void gen_outer_inner(rng *r, tcase *c)
{
    skel k;
    gen_skel(r, &k, 6, 4, 2);
    set_in(c, 0, "outer_in", FF_ST_CRD);
    set_in(c, 1, "inner_in", FF_ST_CRD);
    skel_stream(r, c, &k, &c->in[0], elem_crd);
    inner_of(r, c, &k, &c->in[1], elem_crd);
    set_out(c, 0, "outer", FF_ST_CRD);
    set_out(c, 1, "inner", FF_ST_CRD);
}

static void gen_crd_drop(rng *r, tcase *c) { gen_outer_inner(r, c); }
static void gen_crd_hold(rng *r, tcase *c) { gen_outer_inner(r, c); }

static const char *const io_names[] = {"out0", "out1", "out2", "out3", "out4", "out5", "out6", "out7"};
static const char *const in_names[] = {"in0", "in1", "in2", "in3", "in4", "in5", "in6", "in7"};

/* Family size of fork, join, broadcast: 2..8 (ff_prims.def n:int(2..8)). */
#define FAMILY_MAX 8

static void gen_fanout(rng *r, tcase *c)
{
    c->n = 2 + (int)below(r, FAMILY_MAX - 1);
    gen_any(r, c, "in", FF_ST_CRD);
    for (int p = 0; p < c->n; p++) set_out(c, p, io_names[p], FF_ST_CRD);
}

static void gen_fork(rng *r, tcase *c) { gen_fanout(r, c); }
static void gen_broadcast(rng *r, tcase *c) { gen_fanout(r, c); }

static void gen_join(rng *r, tcase *c)
{
    c->n = 2 + (int)below(r, FAMILY_MAX - 1);
    skel k;
    gen_skel(r, &k, 6, 9, 3);
    for (int p = 0; p < c->n; p++) set_in(c, p, in_names[p], FF_ST_CRD);
    for (int g = 0; g < k.ngroups; g++) {
        for (int i = 0; i < k.len[g]; i++) push(&c->in[i % c->n], elem_crd(r, c, g, i));
        for (int p = 0; p < c->n; p++) push(&c->in[p], ff_tok_stop(k.stop[g]));
    }
    for (int p = 0; p < c->n; p++) push(&c->in[p], FF_TOK_D);
    set_out(c, 0, "out", FF_ST_CRD);
}

/* serialize: lanes consistent with ctrl -- unit m of every fiber of ctrl in
 * lane m mod n, a unit being one token (unit -1) or a fiber of depth unit+1
 * ended by S_unit, or by the closing stop when it is the lane's last. */
static void gen_serialize(rng *r, tcase *c)
{
    c->n = 2 + (int)below(r, 6);
    c->unit = (int)below(r, 4) - 1;
    skel k;
    gen_skel(r, &k, 6, 9, 2);
    set_in(c, 0, "ctrl", FF_ST_CRD);
    for (int p = 0; p < c->n; p++) set_in(c, 1 + p, in_names[p], FF_ST_CRD);
    for (int g = 0; g < k.ngroups; g++) {
        int units = k.len[g];
        for (int m = 0; m < units; m++) {
            push(&c->in[0], elem_crd(r, c, g, m));
            ff_tokvec *lane = &c->in[1 + m % c->n];
            if (c->unit < 0) {
                push(lane, elem_crd(r, c, g, m));
                continue;
            }
            int groups = (int)below(r, 3);
            for (int q = 0; q < groups; q++) {
                for (uint32_t t = below(r, 4); t; t--) push(lane, ff_tok_data(below(r, 50)));
                if (c->unit > 0 && q + 1 < groups) push(lane, ff_tok_stop(below(r, (uint32_t)c->unit)));
            }
            if (m + c->n < units) push(lane, ff_tok_stop((uint32_t)c->unit));
        }
        push(&c->in[0], ff_tok_stop(k.stop[g]));
        ff_tok closing = ff_tok_stop(k.stop[g] + (c->unit < 0 ? 0 : (uint32_t)c->unit + 1));
        for (int p = 0; p < c->n; p++) push(&c->in[1 + p], closing);
    }
    for (int p = 0; p <= c->n; p++) push(&c->in[p], FF_TOK_D);
    set_out(c, 0, "out", FF_ST_CRD);
}

static void gen_intersect(rng *r, tcase *c) { gen_merge(r, c); }
static void gen_union(rng *r, tcase *c) { gen_merge(r, c); }

/* The buffer tile's storage in entries (mem_words / 2 of the array under
 * test; rtl_setup reads it). */
static uint32_t g_buffer_holds;

static const char *const val_names[] = {"val0", "val1", "val2", "val3"};

static void buffer_ports(tcase *c)
{
    set_in(c, 0, "crd_in", FF_ST_CRD);
    set_in(c, 1, "val_in", FF_ST_VAL);
    if (c->replay) set_in(c, 2, "rep", FF_ST_REP);
    for (int k = 0; k < c->n; k++) {
        set_out(c, k, crd_names[k], FF_ST_CRD);
        set_out(c, c->n + k, val_names[k], FF_ST_VAL);
    }
    c->sink_apart = 1;
}

/* FIFO mode: n = 1..4 readers of an aligned (crd, val) stream, each sink
 * with its own backpressure; capacities often tiny, so the writer waits for
 * the slowest reader. */
static void gen_buffer_fifo(rng *r, tcase *c)
{
    c->n = 1 + (int)below(r, 4);
    c->entries = 1 + below(r, chance(r, 50) ? 4 : g_buffer_holds);
    buffer_ports(c);
    skel k;
    gen_skel(r, &k, 8, 5, 3);
    for (int g = 0; g < k.ngroups; g++) {
        for (int i = 0; i < k.len[g]; i++) {
            push(&c->in[0], elem_crd(r, c, g, i));
            push(&c->in[1], elem_val(r, c, g, i));
        }
        push(&c->in[0], ff_tok_stop(k.stop[g]));
        push(&c->in[1], ff_tok_stop(k.stop[g]));
    }
    push(&c->in[0], FF_TOK_D);
    push(&c->in[1], FF_TOK_D);
}

/* One fiber of a replay case: ncrd coordinates (values beside them) closed
 * by S(stop), and its group of the repeat signal: 0..3 R, then the same stop. */
static void buffer_fiber(rng *r, tcase *c, int ncrd, uint32_t stop)
{
    for (int i = 0; i < ncrd; i++) {
        push(&c->in[0], elem_crd(r, c, 0, i));
        push(&c->in[1], elem_val(r, c, 0, i));
    }
    push(&c->in[0], ff_tok_stop(stop));
    push(&c->in[1], ff_tok_stop(stop));
    for (uint32_t k = below(r, 4); k; k--) push(&c->in[2], ff_tok_data(0));
    push(&c->in[2], ff_tok_stop(stop));
}

static void buffer_end(tcase *c)
{
    for (int p = 0; p < 3; p++) push(&c->in[p], FF_TOK_D);
}

/* Replay mode: fibers of 0..6 coordinates with nested stops -- per element
 * of an outer skeleton a fiber closed by S0, the last of a group by S(j+1),
 * an empty group a bare S(j+1) -- each replayed 0..3 times. The capacity
 * holds the longest fiber (7 entries); the too-long fiber is
 * rtl_buffer_capacity_exact's. */
static void gen_buffer_replay(rng *r, tcase *c)
{
    c->n = 1;
    c->replay = 1;
    c->entries = 7 + below(r, g_buffer_holds - 6);
    buffer_ports(c);
    skel k;
    gen_skel(r, &k, 6, 4, 2);
    for (int g = 0; g < k.ngroups; g++) {
        for (int i = 0; i < k.len[g]; i++) buffer_fiber(r, c, (int)below(r, 7), i + 1 == k.len[g] ? k.stop[g] + 1 : 0);
        if (k.len[g] == 0) buffer_fiber(r, c, 0, k.stop[g] + 1);
    }
    buffer_end(c);
}

typedef void (*gen_fn)(rng *r, tcase *c);

/* ---- text helpers ---- */

static char *stream_text(const ff_tok *t, size_t n, ff_stream_type type, int frac, const uint64_t *cyc)
{
    size_t cap = 64 + n * 56, len = 0;
    char *s = malloc(cap);
    s[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char w[48];
        if (t[i] == FF_TOK_IDLE) snprintf(w, sizeof w, "_");
        else ff_tok_format(t[i], type, frac, w, sizeof w);
        len += (size_t)snprintf(s + len, cap - len, "%s%s", i ? " " : "", w);
        if (cyc) len += (size_t)snprintf(s + len, cap - len, "@%" PRIu64, cyc[i]);
    }
    return s;
}

static const char *param_enum_word(const char *key, int idx)
{
    if (strcmp(key, "alu") == 0) return ff_alu_op_name((ff_alu_op)idx);
    return idx ? "max" : "sum";
}

/* ---- the C model ---- */

static void c_opts(const tcase *c, ff_sim_opts *o)
{
    ff_sim_opts_default(o);
    o->max_cycles = 200000;
    o->arch.latency[c->kind] = c->lat;
    o->arch.ii[c->kind] = c->ii;
    if (c->kind == FF_PRIM_ALU) {
        o->arch.alu_latency[c->op] = c->alu_lat;
        o->arch.alu_ii[c->op] = c->alu_ii;
    }
    if (c->kind == FF_PRIM_BUFFER) o->arch.buffer_words = 2 * (int)c->entries;
}

static int set_c_params(ff_graph *g, int dut, const tcase *c, ff_err *err)
{
    int rc = 0;
    int64_t tmp[MAXMEM];
    switch (c->kind) {
    case FF_PRIM_SCAN:
    case FF_PRIM_LOCATE:
        rc = ff_node_set_str(g, dut, "format", c->compressed ? "compressed" : "dense", err);
        if (!rc && !c->compressed) rc = ff_node_set_int(g, dut, "dim", c->dim, err);
        if (!rc && c->len) rc = ff_node_set_int(g, dut, "off", c->off, err);
        if (!rc && c->len) rc = ff_node_set_int(g, dut, "len", c->len, err);
        if (!rc && c->compressed) {
            for (int i = 0; i < c->nseg; i++) tmp[i] = c->seg[i];
            rc = ff_node_set_ints(g, dut, "seg", tmp, (size_t)c->nseg, err);
            for (int i = 0; i < c->ncrd; i++) tmp[i] = c->crd[i];
            if (!rc) rc = ff_node_set_ints(g, dut, "crd", tmp, (size_t)c->ncrd, err);
        }
        break;
    case FF_PRIM_ARRAY:
        for (int i = 0; i < c->nvals; i++) tmp[i] = c->vals[i];
        rc = ff_node_set_ints(g, dut, "vals", tmp, (size_t)c->nvals, err);
        break;
    case FF_PRIM_ALU:
        rc = ff_node_set_str(g, dut, "op", param_enum_word("alu", c->op), err);
        if (!rc && c->has_imm) rc = ff_node_set_fx(g, dut, "imm", c->imm, err);
        break;
    case FF_PRIM_REDUCE: rc = ff_node_set_str(g, dut, "op", param_enum_word("reduce", c->op), err); break;
    case FF_PRIM_SPACC1: rc = ff_node_set_int(g, dut, "dim", c->dim, err); break;
    case FF_PRIM_SPACC2:
        rc = ff_node_set_int(g, dut, "dim_outer", c->dim_outer, err);
        if (!rc) rc = ff_node_set_int(g, dut, "dim_inner", c->dim_inner, err);
        break;
    case FF_PRIM_INTERSECT:
    case FF_PRIM_UNION:
    case FF_PRIM_FORK:
    case FF_PRIM_JOIN:
    case FF_PRIM_BROADCAST: rc = ff_node_set_int(g, dut, "n", c->n, err); break;
    case FF_PRIM_SERIALIZE:
        rc = ff_node_set_int(g, dut, "n", c->n, err);
        if (rc >= 0) rc = ff_node_set_int(g, dut, "unit", c->unit, err);
        break;
    case FF_PRIM_BUFFER: rc = ff_node_set_int(g, dut, "n", c->n, err); break;
    default: break;
    }
    return rc < 0 ? rc : 0;
}

static int run_c_graph(const tcase *c, result *res, ff_err *err)
{
    ff_graph *g = ff_graph_new("rtl_case");
    ff_sim *s = NULL;
    int rc;
    g->frac_bits = c->frac;
    int dut = ff_graph_add_node(g, "dut", c->kind, err);
    if (dut < 0 || (rc = set_c_params(g, dut, c, err))) {
        rc = dut < 0 ? dut : rc;
        goto out;
    }
    for (int p = 0; p < c->nin; p++) {
        char name[64];
        snprintf(name, sizeof name, "in_%s", c->in_name[p]);
        int id = ff_graph_add_node(g, name, FF_PRIM_SOURCE, err);
        char *text = stream_text(c->in[p].data, c->in[p].len, c->in_type[p], c->frac, NULL);
        rc = id < 0 ? id : ff_node_set_str(g, id, "type", ff_stream_type_name(c->in_type[p]), err);
        if (rc >= 0) rc = ff_node_set_str(g, id, "tokens", text, err);
        if (rc >= 0) rc = ff_graph_connect(g, id, "out", dut, c->in_name[p], c->in_depth[p], err);
        free(text);
        if (rc < 0) goto out;
    }
    for (int p = 0; p < c->nout; p++) {
        char name[64], ready[64];
        snprintf(name, sizeof name, "out_%s", c->out_name[p]);
        int id = ff_graph_add_node(g, name, FF_PRIM_SINK, err);
        rc = id;
        if (id >= 0 && c->sink_pct) {
            snprintf(ready, sizeof ready, "rand:%" PRIu64 ":%d", sink_seed_of(c, p), c->sink_pct);
            rc = ff_node_set_str(g, id, "ready", ready, err);
        }
        if (rc >= 0) rc = ff_graph_connect(g, dut, c->out_name[p], id, "in", c->out_depth[p], err);
        if (rc < 0) goto out;
    }
    if ((rc = ff_graph_validate(g, err)) < 0) goto out;
    ff_sim_opts o;
    c_opts(c, &o);
    if ((rc = ff_sim_new(g, &o, &s, err)) < 0) goto out;
    if ((rc = ff_sim_run(s, err)) < 0) goto out;
    for (int p = 0; p < c->nout; p++) {
        char name[64];
        snprintf(name, sizeof name, "out_%s", c->out_name[p]);
        const ff_tok *toks;
        const uint64_t *cyc;
        size_t n;
        if ((rc = ff_sim_sink(s, name, &toks, &cyc, &n, err)) < 0) goto out;
        for (size_t i = 0; i < n; i++) {
            FF_VEC_PUSH(res->tok[p], toks[i]);
            FF_VEC_PUSH(res->cyc[p], cyc[i]);
        }
    }
    res->total = ff_sim_cycles(s);
    rc = 0;
out:
    ff_sim_free(s);
    ff_graph_free(g);
    return rc;
}

/* Writers have no sink: ff_prim_run reports what they wrote. */
static int parse_u32s(const char *line, uint32_t *out, int max)
{
    int n = 0;
    const char *p = strchr(line, ':') + 1;
    char *end;
    for (;;) {
        while (*p == ' ') p++;
        if (*p == '\n' || !*p) break;
        unsigned long v = strtoul(p, &end, 10);
        if (end == p || n == max) return -1;
        out[n++] = (uint32_t)v;
        p = end;
    }
    return n;
}

static int run_c_writer(const tcase *c, result *res, ff_err *err)
{
    ff_sim_opts o;
    c_opts(c, &o);
    o.arch.fifo_depth = c->in_depth[0];
    char *text = stream_text(c->in[0].data, c->in[0].len, c->in_type[0], c->frac, NULL);
    size_t len = strlen(text) + 16;
    char *in = malloc(len);
    snprintf(in, len, "%s=%s", c->in_name[0], text);
    free(text);
    const char *ins[1] = {in};
    char *report = NULL;
    /* ff_prim_run parses values at the default F: keep writer cases at it */
    int rc = ff_prim_run(ff_prim_get(c->kind)->name, NULL, 0, ins, 1, "", &o, 1, &report, err);
    free(in);
    if (rc) return rc;
    for (char *line = report; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        if (strncmp(line, "crd:", 4) == 0) res->nmem0 = parse_u32s(line, res->mem0, MAXMEM);
        else if (strncmp(line, "seg:", 4) == 0) res->nmem1 = parse_u32s(line, res->mem1, MAXMEM);
        else if (strncmp(line, "vals:", 5) == 0) {
            const char *p = line + 5;
            char word[64];
            int k;
            while (sscanf(p, " %63s%n", word, &k) == 1) {
                ff_fx v;
                if (ff_fx_parse(word, c->frac, &v) || res->nmem0 == MAXMEM) return -1;
                res->mem0[res->nmem0++] = (uint32_t)v;
                p += k;
            }
        } else if (strncmp(line, "cycles:", 7) == 0) res->total = strtoull(line + 7, NULL, 10);
        line = nl ? nl + 1 : NULL;
    }
    free(report);
    return res->nmem0 < 0 || res->nmem1 < 0 ? -1 : 0;
}

/* ---- the RTL ---- */

static ff_rtl *R;
static int geo_nhin, geo_nhout, geo_ntiles;
static int geo_count[FF_RTL_NKINDS];
static int geo_slot[FF_RTL_NKINDS];     /* slot of the first tile of kind k */
static int geo_outbase[FF_RTL_NKINDS];  /* source index of its first output */

static int rtl_setup(void **state)
{
    (void)state;
    R = ff_rtl_new();
    if (!R) return -1;
    uint32_t rps = FF_RTL_REGS_PER_SLOT;
    if (ff_rtl_cfg_read(R, FF_RTL_GEO_MAGIC) != FF_RTL_MAGIC) return -1;
    geo_nhin = (int)ff_rtl_cfg_read(R, FF_RTL_GEO_NHIN);
    geo_nhout = (int)ff_rtl_cfg_read(R, FF_RTL_GEO_NHOUT);
    int slot = FF_RTL_FIRST_TILE_SLOT, src = geo_nhin;
    for (int k = 0; k < FF_RTL_NKINDS; k++) {
        geo_count[k] = (int)ff_rtl_cfg_read(R, (uint32_t)k);
        geo_slot[k] = slot;
        geo_outbase[k] = src;
        slot += geo_count[k];
        src += geo_count[k] * ff_hw_kind_get(k)->nout;
        geo_ntiles += geo_count[k];
    }
    g_buffer_holds = ff_rtl_cfg_read(R, FF_RTL_REGS_PER_SLOT + FF_PRIM_BUFFER) / 2;
    if (g_buffer_holds < 8) return -1; /* the replay cases need fibers of 7 entries */
    (void)rps;
    return 0;
}

static int rtl_teardown(void **state)
{
    (void)state;
    ff_rtl_free(R);
    R = NULL;
    return 0;
}

static int hw_port(const char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0) return i;
    return -1;
}

static void cfgw(uint32_t slot, uint32_t reg, uint32_t v) { ff_rtl_cfg_write(R, slot * FF_RTL_REGS_PER_SLOT + reg, v); }

static int ceil_log2(uint32_t x)
{
    int s = 0;
    while ((1u << s) < x) s++;
    return s;
}

static int run_rtl(const tcase *c, result *res, uint64_t limit, char *why, size_t whylen)
{
    const ff_hw_kind *hk = ff_hw_kind_get(c->kind); /* the schema's port names, in hardware order */
    uint32_t slot = (uint32_t)geo_slot[c->kind];
    ff_rtl_reset(R);
    uint32_t ctrl = 0;
    ctrl = FF_RTL_SET(ctrl, FF_RTL_CTRL_ENABLE, 1);
    int lat = c->lat + (c->kind == FF_PRIM_ALU ? c->alu_lat : 0);
    int ii = c->kind == FF_PRIM_ALU && c->alu_ii > c->ii ? c->alu_ii : c->ii;
    ctrl = FF_RTL_SET(ctrl, FF_RTL_CTRL_LATENCY, lat);
    ctrl = FF_RTL_SET(ctrl, FF_RTL_CTRL_II, ii);
    cfgw(slot, FF_RTL_REG_CTRL, ctrl);
    for (int p = 0; p < c->nin; p++) {
        int hp = hw_port(hk->in, hk->nin, c->in_name[p]);
        if (hp < 0 || p >= geo_nhin) {
            snprintf(why, whylen, "no hardware input '%s'", c->in_name[p]);
            return -1;
        }
        uint32_t v = FF_RTL_SET(0, FF_RTL_IN_SRC, 1 + p);
        v = FF_RTL_SET(v, FF_RTL_IN_DEPTH, c->in_depth[p]);
        cfgw(slot, FF_RTL_REG_IN(hp), v);
    }
    for (int q = 0; q < c->nout; q++) {
        int hp = hw_port(hk->out, hk->nout, c->out_name[q]);
        if (hp < 0 || q >= geo_nhout) {
            snprintf(why, whylen, "no hardware output '%s'", c->out_name[q]);
            return -1;
        }
        uint32_t v = FF_RTL_SET(0, FF_RTL_IN_SRC, 1 + geo_outbase[c->kind] + hp);
        v = FF_RTL_SET(v, FF_RTL_IN_DEPTH, c->out_depth[q]);
        cfgw((uint32_t)(FF_RTL_FIRST_TILE_SLOT + geo_ntiles + q), FF_RTL_REG_IN(0), v);
    }
    switch (c->kind) {
    case FF_PRIM_SCAN:
    case FF_PRIM_LOCATE: {
        /* scan and locate share the parameter layout (the schema says so) */
        _Static_assert(FF_RTL_SCAN_FORMAT_REG == FF_RTL_LOCATE_FORMAT_REG && FF_RTL_SCAN_NCRD_REG == FF_RTL_LOCATE_NCRD_REG &&
                           FF_RTL_SCAN_OFF_REG == FF_RTL_LOCATE_OFF_REG && FF_RTL_SCAN_LEN_REG == FF_RTL_LOCATE_LEN_REG,
                       "scan/locate params");
        cfgw(slot, FF_RTL_SCAN_FORMAT_REG, (uint32_t)c->compressed);
        cfgw(slot, FF_RTL_SCAN_DIM_REG, c->dim);
        cfgw(slot, FF_RTL_SCAN_CRD_BASE_REG, (uint32_t)c->nseg);
        cfgw(slot, FF_RTL_SCAN_NSEG_REG, (uint32_t)c->nseg);
        cfgw(slot, FF_RTL_SCAN_NCRD_REG, (uint32_t)c->ncrd);
        cfgw(slot, FF_RTL_SCAN_OFF_REG, (uint32_t)c->off);
        cfgw(slot, FF_RTL_SCAN_LEN_REG, c->len);
        for (int i = 0; i < c->nseg; i++) ff_rtl_mem_write(R, slot, (uint32_t)i, c->seg[i]);
        for (int i = 0; i < c->ncrd; i++) ff_rtl_mem_write(R, slot, (uint32_t)(c->nseg + i), c->crd[i]);
        break;
    }
    case FF_PRIM_ARRAY:
        cfgw(slot, FF_RTL_ARRAY_NVALS_REG, (uint32_t)c->nvals);
        for (int i = 0; i < c->nvals; i++) ff_rtl_mem_write(R, slot, (uint32_t)i, (uint32_t)c->vals[i]);
        break;
    case FF_PRIM_WRITE_CRD: cfgw(slot, FF_RTL_WRITE_CRD_SEG_BASE_REG, 128); break;
    case FF_PRIM_ALU: {
        uint32_t v = FF_RTL_SET(0, FF_RTL_ALU_OP, c->op);
        v = FF_RTL_SET(v, FF_RTL_ALU_HAS_IMM, c->has_imm);
        v = FF_RTL_SET(v, FF_RTL_ALU_FRAC_BITS, c->frac);
        cfgw(slot, FF_RTL_ALU_OP_REG, v);
        cfgw(slot, FF_RTL_ALU_IMM_REG, (uint32_t)c->imm);
        break;
    }
    case FF_PRIM_REDUCE: cfgw(slot, FF_RTL_REDUCE_OP_REG, (uint32_t)c->op); break;
    case FF_PRIM_SPACC1: cfgw(slot, FF_RTL_SPACC1_DIM_REG, c->dim); break;
    case FF_PRIM_SPACC2:
        cfgw(slot, FF_RTL_SPACC2_DIM_OUTER_REG, c->dim_outer);
        cfgw(slot, FF_RTL_SPACC2_DIM_INNER_REG, c->dim_inner);
        cfgw(slot, FF_RTL_SPACC2_INNER_SHIFT_REG, (uint32_t)ceil_log2(c->dim_inner));
        break;
    case FF_PRIM_INTERSECT: cfgw(slot, FF_RTL_INTERSECT_N_REG, (uint32_t)c->n); break;
    case FF_PRIM_UNION: cfgw(slot, FF_RTL_UNION_N_REG, (uint32_t)c->n); break;
    case FF_PRIM_FORK: cfgw(slot, FF_RTL_FORK_N_REG, (uint32_t)c->n); break;
    case FF_PRIM_JOIN: cfgw(slot, FF_RTL_JOIN_N_REG, (uint32_t)c->n); break;
    case FF_PRIM_BROADCAST: cfgw(slot, FF_RTL_BROADCAST_N_REG, (uint32_t)c->n); break;
    case FF_PRIM_SERIALIZE:
        cfgw(slot, FF_RTL_SERIALIZE_N_REG,
             ((uint32_t)c->n << FF_RTL_SERIALIZE_N_LSB) | ((uint32_t)(c->unit + 1) << FF_RTL_SERIALIZE_UNIT_LSB));
        break;
    case FF_PRIM_BUFFER:
        _Static_assert(FF_RTL_BUFFER_N_REG == FF_RTL_BUFFER_REPLAY_REG, "buffer params");
        cfgw(slot, FF_RTL_BUFFER_N_REG, FF_RTL_SET(FF_RTL_SET(0, FF_RTL_BUFFER_N, c->n), FF_RTL_BUFFER_REPLAY, c->replay));
        cfgw(slot, FF_RTL_BUFFER_ENTRIES_REG, c->entries);
        break;
    default: break;
    }

    size_t idx[MAXP] = {0};
    uint64_t last = 0;
    int src_done[MAXP] = {0}, snk_done[MAXP] = {0}, tile_done = 0;
    ff_rtl_run(R, 1);
    for (uint64_t t = 0; t < limit; t++) {
        int all = tile_done;
        for (int p = 0; p < c->nin; p++) all &= src_done[p];
        for (int q = 0; q < c->nout; q++) all &= snk_done[q];
        if (all) break;
        for (int p = 0; p < c->nin; p++) {
            int valid = 0;
            ff_tok tok = 0;
            if (idx[p] < c->in[p].len) {
                tok = c->in[p].data[idx[p]];
                if (tok == FF_TOK_IDLE) idx[p]++;
                else if (ff_rtl_hin_ready(R, p)) {
                    valid = 1;
                    idx[p]++;
                    if (tok == FF_TOK_D) {
                        src_done[p] = 1;
                        if (t > last) last = t;
                    }
                }
            }
            ff_rtl_hin_drive(R, p, valid, valid ? tok : 0);
        }
        for (int q = 0; q < c->nout; q++) {
            int pop = !snk_done[q] && sink_ready(sink_seed_of(c, q), c->sink_pct, t) && ff_rtl_hout_valid(R, q);
            if (pop) {
                ff_tok tok = ff_rtl_hout_data(R, q);
                FF_VEC_PUSH(res->tok[q], tok);
                FF_VEC_PUSH(res->cyc[q], t);
                if (tok == FF_TOK_D) {
                    snk_done[q] = 1;
                    if (t > last) last = t;
                }
            }
            ff_rtl_hout_pop(R, q, pop);
        }
        ff_rtl_step(R);
        if (!tile_done && ff_rtl_done(R)) {
            tile_done = 1;
            if (t > last) last = t;
        }
        if (ff_rtl_error(R)) { /* sticky: the cycle it was raised in */
            res->errored = 1;
            res->err_cycle = t;
            break;
        }
    }
    for (int p = 0; p < c->nin; p++) ff_rtl_hin_drive(R, p, 0, 0);
    for (int q = 0; q < c->nout; q++) ff_rtl_hout_pop(R, q, 0);
    ff_rtl_run(R, 0);
    res->total = last + 1;
    uint32_t status = ff_rtl_cfg_read(R, slot * FF_RTL_REGS_PER_SLOT + FF_RTL_REG_STATUS);
    res->status = status;
    if (FF_RTL_GET(status, FF_RTL_STATUS_ERROR) || ff_rtl_error(R)) {
        snprintf(why, whylen, "the tile raised its error flag (status 0x%x)", status);
        return -1;
    }
    if (!tile_done) {
        snprintf(why, whylen, "the tile did not finish within %" PRIu64 " cycles", limit);
        return -1;
    }
    if (c->kind == FF_PRIM_WRITE_CRD || c->kind == FF_PRIM_WRITE_VAL) {
        uint32_t base = slot * FF_RTL_REGS_PER_SLOT;
        res->nmem0 = (int)ff_rtl_cfg_read(R, base + FF_RTL_REG_COUNT0);
        res->nmem1 = c->kind == FF_PRIM_WRITE_CRD ? (int)ff_rtl_cfg_read(R, base + FF_RTL_REG_COUNT1) : 0;
        if (res->nmem0 > MAXMEM || res->nmem1 > MAXMEM) {
            snprintf(why, whylen, "writer counts %d/%d out of range", res->nmem0, res->nmem1);
            return -1;
        }
        for (int i = 0; i < res->nmem0; i++) res->mem0[i] = ff_rtl_mem_read(R, slot, (uint32_t)i);
        for (int i = 0; i < res->nmem1; i++) res->mem1[i] = ff_rtl_mem_read(R, slot, (uint32_t)(128 + i));
    }
    return 0;
}

/* ---- one case end to end ---- */

static void describe(const tcase *c)
{
    fprintf(stderr, "  case: %s F=%d n=%d L=%d II=%d (alu +%d/%d) op=%d imm=%d(0x%x) sink=%s%d seed=%" PRIu64 "\n",
            ff_prim_get(c->kind)->name, c->frac, c->n, c->lat, c->ii, c->alu_lat, c->alu_ii, c->op, c->has_imm,
            (unsigned)c->imm, c->sink_pct ? "rand " : "always ", c->sink_pct, c->sink_seed);
    if (c->kind == FF_PRIM_BUFFER)
        fprintf(stderr, "  buffer: %s, %u entries, sinks apart\n", c->replay ? "replay" : "fifo", c->entries);
    if (c->kind == FF_PRIM_SCAN || c->kind == FF_PRIM_LOCATE) {
        fprintf(stderr, "  level: %s dim=%u seg=", c->compressed ? "compressed" : "dense", c->dim);
        for (int i = 0; i < c->nseg; i++) fprintf(stderr, "%u,", c->seg[i]);
        fprintf(stderr, " crd=");
        for (int i = 0; i < c->ncrd; i++) fprintf(stderr, "%u,", c->crd[i]);
        fprintf(stderr, "\n");
    }
    if (c->kind == FF_PRIM_SPACC1 || c->kind == FF_PRIM_SPACC2)
        fprintf(stderr, "  dim=%u dim_outer=%u dim_inner=%u\n", c->dim, c->dim_outer, c->dim_inner);
    for (int p = 0; p < c->nin; p++) {
        char *s = stream_text(c->in[p].data, c->in[p].len, c->in_type[p], c->frac, NULL);
        fprintf(stderr, "  in %s (depth %d): %s\n", c->in_name[p], c->in_depth[p], s);
        free(s);
    }
}

static void show_outputs(const tcase *c, const result *r, const char *who)
{
    for (int q = 0; q < c->nout; q++) {
        char *s = stream_text(r->tok[q].data, r->tok[q].len, c->out_type[q], c->frac, r->cyc[q].data);
        fprintf(stderr, "  %s %s (depth %d): %s\n", who, c->out_name[q], c->out_depth[q], s);
        free(s);
    }
    fprintf(stderr, "  %s total cycles %" PRIu64 "\n", who, r->total);
}

static int compare(const tcase *c, const result *a, const result *b, char *why, size_t n)
{
    for (int q = 0; q < c->nout; q++) {
        size_t k = 0;
        for (; k < a->tok[q].len && k < b->tok[q].len; k++)
            if (a->tok[q].data[k] != b->tok[q].data[k] || a->cyc[q].data[k] != b->cyc[q].data[k]) break;
        if (k < a->tok[q].len || k < b->tok[q].len) {
            snprintf(why, n, "output %s differs at token %zu", c->out_name[q], k);
            return -1;
        }
    }
    if (a->total != b->total) {
        snprintf(why, n, "total cycles: C %" PRIu64 ", RTL %" PRIu64, a->total, b->total);
        return -1;
    }
    if (a->nmem0 != b->nmem0 || a->nmem1 != b->nmem1 || memcmp(a->mem0, b->mem0, sizeof a->mem0[0] * (size_t)a->nmem0) ||
        memcmp(a->mem1, b->mem1, sizeof a->mem1[0] * (size_t)a->nmem1)) {
        snprintf(why, n, "written memory differs (C %d/%d words, RTL %d/%d)", a->nmem0, a->nmem1, b->nmem0, b->nmem1);
        return -1;
    }
    return 0;
}

typedef struct prim_stats {
    int cases, compared;
    uint64_t cycles;
} prim_stats;

static uint64_t base_seed(void)
{
    const char *s = getenv("FF_RTL_SEED");
    return s ? strtoull(s, NULL, 0) : 0x5eed0001ULL;
}

static int ncases(void)
{
    const char *s = getenv("FF_RTL_CASES");
    int n = s ? atoi(s) : 300;
    return n > 0 ? n : 300;
}

/* Runs case i on both sides and compares; a mismatch fails the test. Adds
 * the case's cycles to *cycles. */
static void check_case(tcase *c, int i, uint64_t *cycles)
{
    int writer = c->kind == FF_PRIM_WRITE_CRD || c->kind == FF_PRIM_WRITE_VAL;
    result rc = {0}, rr = {0};
    ff_err err = {0};
    char why[256] = "";
    int crc = writer ? run_c_writer(c, &rc, &err) : run_c_graph(c, &rc, &err);
    if (crc) {
        describe(c);
        fail_msg("%s case %d: the C model failed: %s", ff_prim_get(c->kind)->name, i, err.msg);
    }
    int rrc = run_rtl(c, &rr, rc.total + 64, why, sizeof why);
    if (!rrc) rrc = compare(c, &rc, &rr, why, sizeof why);
    if (rrc) {
        fprintf(stderr, "MISMATCH %s case %d: %s\n", ff_prim_get(c->kind)->name, i, why);
        describe(c);
        show_outputs(c, &rc, "C  ");
        show_outputs(c, &rr, "RTL");
        const char *trace = getenv("FF_RTL_TRACE");
        if (trace) {
            result again = {0};
            ff_rtl_trace(R, trace);
            run_rtl(c, &again, rc.total + 64, why, sizeof why);
            ff_rtl_trace(R, NULL);
            result_free(&again);
        }
        result_free(&rc);
        result_free(&rr);
        case_free(c);
        fail_msg("%s: RTL differs from the C model in case %d", ff_prim_get(c->kind)->name, i);
    }
    *cycles += rc.total;
    result_free(&rc);
    result_free(&rr);
}

static void run_prim(ff_prim_kind kind, gen_fn gen)
{
    prim_stats st = {0};
    int n = ncases();
    for (int i = 0; i < n; i++) {
        rng r = {base_seed() * 1000003ULL + (uint64_t)kind * 7919ULL + (uint64_t)i};
        tcase c;
        memset(&c, 0, sizeof c);
        c.kind = kind;
        int writer = kind == FF_PRIM_WRITE_CRD || kind == FF_PRIM_WRITE_VAL;
        c.frac = writer || chance(&r, 50) ? FF_FX_DEFAULT_FRAC : (int)below(&r, 31);
        g_big = chance(&r, 20);
        gen(&r, &c);
        c.lat = chance(&r, 40) ? 0 : (int)below(&r, 4);
        if (kind == FF_PRIM_BUFFER) c.lat = 0; /* its read ports have no pipeline: the C model refuses one */
        c.ii = chance(&r, 60) ? 1 : 1 + (int)below(&r, 3);
        if (kind == FF_PRIM_ALU) {
            c.alu_lat = (int)below(&r, (uint32_t)(5 - c.lat));
            c.alu_ii = 1 + (int)below(&r, 3);
        }
        int idle = chance(&r, 40) ? 0 : (int)below(&r, 40);
        for (int p = 0; p < MAXP; p++) {
            c.in_depth[p] = 1 + (int)below(&r, 4);
            c.out_depth[p] = 1 + (int)below(&r, 4);
        }
        if (writer) c.in_depth[0] = c.in_depth[0] < 2 ? 2 : c.in_depth[0]; /* ff_prim_run: one depth */
        if (!chance(&r, 40)) {
            c.sink_pct = 5 + (int)below(&r, 96);
            c.sink_seed = next64(&r) & 0xffffffffffffULL;
        }
        for (int p = 0; p < c.nin; p++) add_idles(&r, &c.in[p], idle);

        st.cases++;
        check_case(&c, i, &st.cycles);
        st.compared++;
        case_free(&c);
    }
    assert_true(st.compared > 0);
    print_message("%-16s %d cases equal, %" PRIu64 " cycles compared\n", ff_prim_get(kind)->name, st.compared,
                  st.cycles);
}

#define PRIM_TEST(k, gen)                                                       \
    static void rtl_##gen##_matches_model(void **state)                         \
    {                                                                           \
        (void)state;                                                            \
        run_prim(FF_PRIM_##k, gen_##gen);                                        \
    }
PRIM_TEST(ROOT, root)
PRIM_TEST(SCAN, scan)
PRIM_TEST(LOCATE, locate)
PRIM_TEST(WRITE_CRD, write_crd)
PRIM_TEST(WRITE_VAL, write_val)
PRIM_TEST(REPSIGGEN, repsiggen)
PRIM_TEST(REPEAT, repeat)
PRIM_TEST(INTERSECT, intersect)
PRIM_TEST(UNION, union)
PRIM_TEST(ARRAY, array)
PRIM_TEST(ALU, alu)
PRIM_TEST(REDUCE, reduce)
PRIM_TEST(SPACC1, spacc1)
PRIM_TEST(SPACC2, spacc2)
PRIM_TEST(CRD_DROP, crd_drop)
PRIM_TEST(CRD_HOLD, crd_hold)
PRIM_TEST(STKN_DROP, stkn_drop)
PRIM_TEST(EMPTY_STKN_DROP, empty_stkn_drop)
PRIM_TEST(FORK, fork)
PRIM_TEST(JOIN, join)
PRIM_TEST(BROADCAST, broadcast)
PRIM_TEST(SERIALIZE, serialize)
PRIM_TEST(BUFFER, buffer_fifo)
PRIM_TEST(BUFFER, buffer_replay)

/* A buffer case by hand: depth-2 channels, II 1, the default F. */
static void buffer_case(tcase *c, int n, int replay, uint32_t entries, int sink_pct)
{
    memset(c, 0, sizeof *c);
    c->kind = FF_PRIM_BUFFER;
    c->frac = FF_FX_DEFAULT_FRAC;
    c->n = n;
    c->replay = replay;
    c->entries = entries;
    c->ii = 1;
    for (int p = 0; p < MAXP; p++) c->in_depth[p] = c->out_depth[p] = 2;
    c->sink_pct = sink_pct;
    c->sink_seed = 0x5eedbeefULL;
    buffer_ports(c);
}

/* ncrd coordinates and values 0.., closed by S(stop). */
static void buffer_run_of(tcase *c, int ncrd, uint32_t stop)
{
    for (int i = 0; i < ncrd; i++) {
        push(&c->in[0], ff_tok_data((uint32_t)i));
        push(&c->in[1], ff_tok_data((uint32_t)ff_fx_from_int(i, c->frac)));
    }
    push(&c->in[0], ff_tok_stop(stop));
    push(&c->in[1], ff_tok_stop(stop));
}

static void buffer_reps(tcase *c, int nrep, uint32_t stop)
{
    for (int k = 0; k < nrep; k++) push(&c->in[2], ff_tok_data(0));
    push(&c->in[2], ff_tok_stop(stop));
}

/* The capacity boundary, cycle for cycle: a FIFO stream of exactly the
 * capacity and one entry more, behind slow readers and fast ones; in replay
 * mode a fiber that fills the ring exactly (it replays), and one entry more
 * (it cannot: the C model's error, and the tile's overflow flag, in the same
 * cycle). */
static void rtl_buffer_capacity_exact(void **state)
{
    (void)state;
    const uint32_t caps[] = {1, 2, 5, g_buffer_holds};
    uint64_t cycles = 0;
    int cases = 0;
    for (size_t ci = 0; ci < sizeof caps / sizeof caps[0]; ci++)
        for (uint32_t more = 0; more <= 1; more++)
            for (int slow = 0; slow <= 1; slow++)
                for (int n = 1; n <= 3; n += 2) {
                    uint32_t cap = caps[ci], len = cap + more; /* entries in the stream, D included */
                    tcase c;
                    buffer_case(&c, n, 0, cap, slow ? 10 : 0);
                    if (len >= 2) buffer_run_of(&c, (int)len - 2, 0);
                    push(&c.in[0], FF_TOK_D);
                    push(&c.in[1], FF_TOK_D);
                    check_case(&c, cases++, &cycles);
                    case_free(&c);
                }
    for (size_t ci = 2; ci < sizeof caps / sizeof caps[0]; ci++)
        for (int slow = 0; slow <= 1; slow++) {
            /* fits exactly: cap - 1 coordinates and S0; then a fiber that
             * waits for the first to be freed */
            uint32_t cap = caps[ci];
            tcase c;
            buffer_case(&c, 1, 1, cap, slow ? 10 : 0);
            buffer_run_of(&c, (int)cap - 1, 0);
            buffer_reps(&c, 2, 0);
            buffer_run_of(&c, 2, 1);
            buffer_reps(&c, 1, 1);
            buffer_end(&c);
            check_case(&c, cases++, &cycles);
            case_free(&c);

            /* one entry too many: an error in both, in the same cycle */
            buffer_case(&c, 1, 1, cap, slow ? 10 : 0);
            buffer_run_of(&c, (int)cap, 0);
            buffer_reps(&c, 2, 0);
            buffer_end(&c);
            result rc = {0}, rr = {0};
            ff_err err = {0};
            char why[256] = "";
            assert_int_not_equal(run_c_graph(&c, &rc, &err), 0);
            const char *at = strstr(err.msg, "cycle ");
            if (!at || !strstr(err.msg, "cannot be replayed")) fail_msg("unexpected C model error: %s", err.msg);
            uint64_t c_cycle = strtoull(at + 6, NULL, 10);
            assert_int_not_equal(run_rtl(&c, &rr, c_cycle + 64, why, sizeof why), 0);
            if (!rr.errored || rr.err_cycle != c_cycle || !FF_RTL_GET(rr.status, FF_RTL_STATUS_OVERFLOW)) {
                describe(&c);
                fail_msg("buffer of %u entries, a fiber of %u: C fails in cycle %" PRIu64 " (%s); RTL error %d in "
                         "cycle %" PRIu64 ", status 0x%x", cap, cap + 1, c_cycle, err.msg, rr.errored, rr.err_cycle,
                         rr.status);
            }
            result_free(&rc);
            result_free(&rr);
            case_free(&c);
            cases++;
        }
    print_message("buffer capacity  %d cases equal, %" PRIu64 " cycles compared\n", cases, cycles);
}

/* The ALU tile's arithmetic is bit-identical with ff_alu_apply: every op at
 * several F, on edge values and random words, streamed through the tile. */
static void rtl_alu_ops_bit_exact(void **state)
{
    (void)state;
    static const uint32_t edge[] = {0, 1, 2, 3, 7, 0xffffffffu, 0xfffffffeu, 0x7fffffffu, 0x80000000u, 0x80000001u,
                                    0x10000u, 0xffff0000u, 0x8000u, 0x40000000u, 0xc0000000u, 0x00018000u};
    static const int fracs[] = {0, 1, 7, 15, 16, 17, 29, 30};
    const int npairs = 600;
    uint32_t slot = (uint32_t)geo_slot[FF_PRIM_ALU];
    uint32_t *a = malloc(sizeof *a * (size_t)npairs), *b = malloc(sizeof *b * (size_t)npairs);
    long checked = 0;
    for (int op = 0; op < FF_ALU__COUNT; op++)
        for (size_t fi = 0; fi < sizeof fracs / sizeof fracs[0]; fi++) {
            int F = fracs[fi];
            rng r = {base_seed() ^ (uint64_t)(op * 131 + F)};
            for (int i = 0; i < npairs; i++) {
                int ne = (int)(sizeof edge / sizeof edge[0]);
                if (i < ne * ne) {
                    a[i] = edge[i / ne];
                    b[i] = edge[i % ne];
                } else {
                    a[i] = chance(&r, 50) ? (uint32_t)next64(&r) : (uint32_t)((int32_t)below(&r, 1u << 24) - (1 << 23)) << below(&r, 8);
                    b[i] = chance(&r, 50) ? (uint32_t)next64(&r) : (uint32_t)((int32_t)below(&r, 1u << 24) - (1 << 23)) << below(&r, 8);
                }
            }
            ff_rtl_reset(R);
            cfgw(slot, FF_RTL_REG_CTRL, FF_RTL_SET(0, FF_RTL_CTRL_ENABLE, 1));
            cfgw(slot, FF_RTL_REG_IN(0), FF_RTL_SET(FF_RTL_SET(0, FF_RTL_IN_SRC, 1), FF_RTL_IN_DEPTH, 2));
            int binary = ff_alu_op_arity((ff_alu_op)op) == 2;
            if (binary) cfgw(slot, FF_RTL_REG_IN(1), FF_RTL_SET(FF_RTL_SET(0, FF_RTL_IN_SRC, 2), FF_RTL_IN_DEPTH, 2));
            cfgw(slot, FF_RTL_ALU_OP_REG, FF_RTL_SET(FF_RTL_SET(0, FF_RTL_ALU_OP, op), FF_RTL_ALU_FRAC_BITS, F));
            cfgw((uint32_t)(FF_RTL_FIRST_TILE_SLOT + geo_ntiles), FF_RTL_REG_IN(0),
                 FF_RTL_SET(FF_RTL_SET(0, FF_RTL_IN_SRC, 1 + geo_outbase[FF_PRIM_ALU]), FF_RTL_IN_DEPTH, 2));
            ff_rtl_run(R, 1);
            int sent = 0, got = 0;
            for (int t = 0; got <= npairs && t < 4 * npairs + 64; t++) {
                int v = sent <= npairs && ff_rtl_hin_ready(R, 0) && (!binary || ff_rtl_hin_ready(R, 1));
                ff_tok ta = sent < npairs ? ff_tok_data(a[sent]) : FF_TOK_D;
                ff_tok tb = sent < npairs ? ff_tok_data(b[sent]) : FF_TOK_D;
                ff_rtl_hin_drive(R, 0, v, ta);
                ff_rtl_hin_drive(R, 1, v && binary, tb);
                sent += v;
                int pop = ff_rtl_hout_valid(R, 0);
                if (pop) {
                    ff_tok y = ff_rtl_hout_data(R, 0);
                    if (got < npairs) {
                        ff_fx want = ff_alu_apply((ff_alu_op)op, (ff_fx)a[got], (ff_fx)b[got], F);
                        if (y != ff_tok_data((uint32_t)want))
                            fail_msg("alu %s F=%d: a=0x%08x b=0x%08x: C 0x%08x, RTL 0x%09" PRIx64, ff_alu_op_name((ff_alu_op)op),
                                     F, a[got], b[got], (uint32_t)want, (uint64_t)y);
                        checked++;
                    } else {
                        assert_true(y == FF_TOK_D);
                    }
                    got++;
                }
                ff_rtl_hout_pop(R, 0, pop);
                ff_rtl_step(R);
            }
            ff_rtl_hin_drive(R, 0, 0, 0);
            ff_rtl_hin_drive(R, 1, 0, 0);
            ff_rtl_hout_pop(R, 0, 0);
            ff_rtl_run(R, 0);
            if (got != npairs + 1 || !ff_rtl_done(R))
                fail_msg("alu %s F=%d: %d of %d results, done %d, error %d", ff_alu_op_name((ff_alu_op)op), F, got,
                         npairs + 1, ff_rtl_done(R), ff_rtl_error(R));
        }
    free(a);
    free(b);
    print_message("alu ops          %ld results bit-exact\n", checked);
}

/* The geometry block and the configuration read-back agree with the schema. */
static void rtl_config_reads_back(void **state)
{
    (void)state;
    ff_rtl_reset(R);
    uint32_t slot = (uint32_t)geo_slot[FF_PRIM_ALU];
    cfgw(slot, FF_RTL_ALU_IMM_REG, 0x12345678u);
    assert_int_equal(ff_rtl_cfg_read(R, slot * FF_RTL_REGS_PER_SLOT + FF_RTL_ALU_IMM_REG), 0x12345678u);
    cfgw(slot, FF_RTL_REG_IN(1), 0x00030007u);
    assert_int_equal(ff_rtl_cfg_read(R, slot * FF_RTL_REGS_PER_SLOT + FF_RTL_REG_IN(1)), 0x00030007u);
    /* read-only and absent registers ignore writes */
    cfgw(slot, FF_RTL_REG_STATUS, 0xffffffffu);
    assert_int_equal(ff_rtl_cfg_read(R, slot * FF_RTL_REGS_PER_SLOT + FF_RTL_REG_STATUS) & 0xeu, 0);
    assert_int_equal(ff_rtl_cfg_read(R, FF_RTL_GEO_MAGIC), FF_RTL_MAGIC);
    for (int k = 0; k < FF_RTL_NKINDS; k++) assert_true(geo_count[k] >= 1);
    /* every disabled tile counts as finished */
    assert_true(ff_rtl_done(R));
    ff_rtl_mem_write(R, (uint32_t)geo_slot[FF_PRIM_ARRAY], 7, 0xdeadbeefu);
    assert_int_equal(ff_rtl_mem_read(R, (uint32_t)geo_slot[FF_PRIM_ARRAY], 7), 0xdeadbeefu);
}

/* Tracing on and off at run time writes an FST file. */
static void rtl_trace_writes_fst(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/rtl_trace_test.fst", FF_BINARY_DIR);
    remove(path);
    ff_rtl_reset(R);
    assert_int_equal(ff_rtl_trace(R, path), 0);
    uint32_t slot = (uint32_t)geo_slot[FF_PRIM_ROOT];
    cfgw(slot, FF_RTL_REG_CTRL, FF_RTL_SET(0, FF_RTL_CTRL_ENABLE, 1));
    ff_rtl_run(R, 1);
    for (int k = 0; k < 4; k++) ff_rtl_step(R);
    ff_rtl_run(R, 0);
    assert_true(ff_rtl_done(R));
    assert_int_equal(ff_rtl_trace(R, NULL), 0);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    assert_true(ftell(f) > 0);
    fclose(f);
    remove(path);
}

/* A writer that runs out of SRAM raises the sticky overflow flag. */
static void rtl_writer_overflow_is_flagged(void **state)
{
    (void)state;
    ff_rtl_reset(R);
    uint32_t slot = (uint32_t)geo_slot[FF_PRIM_WRITE_VAL];
    cfgw(slot, FF_RTL_REG_CTRL, FF_RTL_SET(0, FF_RTL_CTRL_ENABLE, 1));
    cfgw(slot, FF_RTL_REG_IN(0), FF_RTL_SET(FF_RTL_SET(0, FF_RTL_IN_SRC, 1), FF_RTL_IN_DEPTH, 2));
    uint32_t words = ff_rtl_cfg_read(R, FF_RTL_REGS_PER_SLOT + FF_PRIM_WRITE_VAL);
    ff_rtl_run(R, 1);
    for (uint32_t i = 0; i <= words + 4;) {
        int v = ff_rtl_hin_ready(R, 0);
        ff_rtl_hin_drive(R, 0, v, i < words + 4 ? ff_tok_data(i) : FF_TOK_D);
        ff_rtl_step(R);
        i += (uint32_t)v;
    }
    ff_rtl_hin_drive(R, 0, 0, 0);
    for (int k = 0; k < 4; k++) ff_rtl_step(R);
    uint32_t status = ff_rtl_cfg_read(R, slot * FF_RTL_REGS_PER_SLOT + FF_RTL_REG_STATUS);
    assert_true(FF_RTL_GET(status, FF_RTL_STATUS_OVERFLOW));
    assert_true(FF_RTL_GET(status, FF_RTL_STATUS_DONE));
    assert_true(ff_rtl_error(R));
    assert_int_equal(ff_rtl_cfg_read(R, slot * FF_RTL_REGS_PER_SLOT + FF_RTL_REG_COUNT0), words + 4);
    ff_rtl_run(R, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rtl_config_reads_back),
        cmocka_unit_test(rtl_writer_overflow_is_flagged),
        cmocka_unit_test(rtl_alu_ops_bit_exact),
        cmocka_unit_test(rtl_trace_writes_fst),
        cmocka_unit_test(rtl_root_matches_model),
        cmocka_unit_test(rtl_scan_matches_model),
        cmocka_unit_test(rtl_locate_matches_model),
        cmocka_unit_test(rtl_write_crd_matches_model),
        cmocka_unit_test(rtl_write_val_matches_model),
        cmocka_unit_test(rtl_repsiggen_matches_model),
        cmocka_unit_test(rtl_repeat_matches_model),
        cmocka_unit_test(rtl_intersect_matches_model),
        cmocka_unit_test(rtl_union_matches_model),
        cmocka_unit_test(rtl_array_matches_model),
        cmocka_unit_test(rtl_alu_matches_model),
        cmocka_unit_test(rtl_reduce_matches_model),
        cmocka_unit_test(rtl_spacc1_matches_model),
        cmocka_unit_test(rtl_spacc2_matches_model),
        cmocka_unit_test(rtl_crd_drop_matches_model),
        cmocka_unit_test(rtl_crd_hold_matches_model),
        cmocka_unit_test(rtl_stkn_drop_matches_model),
        cmocka_unit_test(rtl_empty_stkn_drop_matches_model),
        cmocka_unit_test(rtl_fork_matches_model),
        cmocka_unit_test(rtl_join_matches_model),
        cmocka_unit_test(rtl_serialize_matches_model),
        cmocka_unit_test(rtl_broadcast_matches_model),
        cmocka_unit_test(rtl_buffer_fifo_matches_model),
        cmocka_unit_test(rtl_buffer_replay_matches_model),
        cmocka_unit_test(rtl_buffer_capacity_exact),
    };
    return cmocka_run_group_tests_name("rtl_prims", tests, rtl_setup, rtl_teardown);
}
