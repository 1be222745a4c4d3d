/*
 * test_skip.c -- coordinate skipping (docs/timing.md "scan", "intersect"):
 * an intersect's skip streams change cycles, never tokens. Random fibers,
 * references that scan one fiber again and again (the stale-skip case),
 * missing fibers, random channel depths and random sink back-pressure, each
 * run with and without the skip links; and the contract's errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ff_sim.h"

static int node(ff_graph *g, const char *name, ff_prim_kind kind)
{
    ff_err err = {0};
    int id = ff_graph_add_node(g, name, kind, &err);
    if (id < 0) fail_msg("%s", err.msg);
    return id;
}

static void connect(ff_graph *g, int a, const char *pa, int b, const char *pb, int depth)
{
    ff_err err = {0};
    if (ff_graph_connect(g, a, pa, b, pb, depth, &err) < 0) fail_msg("%s", err.msg);
}

static void set_str(ff_graph *g, int n, const char *k, const char *v)
{
    ff_err err = {0};
    if (ff_node_set_str(g, n, k, v, &err) < 0) fail_msg("%s", err.msg);
}

static void set_ints(ff_graph *g, int n, const char *k, const int64_t *v, size_t len)
{
    ff_err err = {0};
    if (ff_node_set_ints(g, n, k, v, len, &err) < 0) fail_msg("%s", err.msg);
}

static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33) % n;
}

/* One side: a compressed level of nfib fibers over 0..dim-1 and the
 * reference stream that scans it. */
typedef struct side {
    int64_t seg[16], crd[512];
    int nseg, ncrd;
    char refs[512];
} side;

static void make_level(side *s, int nfib, int dim)
{
    s->nseg = 0;
    s->ncrd = 0;
    s->seg[s->nseg++] = 0;
    for (int f = 0; f < nfib; f++) {
        int density = (int)rnd(100); /* some fibers empty, some nearly full */
        for (int c = 0; c < dim && s->ncrd < 500; c++)
            if ((int)rnd(100) < density) s->crd[s->ncrd++] = c;
        s->seg[s->nseg++] = s->ncrd;
    }
}

/* Both sides' reference streams: the same fiber structure (groups of the
 * same sizes), each reference a random fiber of its side -- so one fiber is
 * often scanned twice in a row -- or now and then N on one side only. */
static void make_refs(side *a, side *b, int nfa, int nfb)
{
    int groups = 1 + (int)rnd(3);
    size_t la = 0, lb = 0;
    for (int g = 0; g < groups; g++) {
        int m = 1 + (int)rnd(4);
        for (int r = 0; r < m; r++) {
            int na = rnd(12) == 0, nb = !na && rnd(12) == 0;
            char w[16];
            snprintf(w, sizeof w, na ? "N " : "%u ", rnd((uint32_t)nfa));
            la += (size_t)snprintf(a->refs + la, sizeof a->refs - la, "%s", w);
            snprintf(w, sizeof w, nb ? "N " : "%u ", rnd((uint32_t)nfb));
            lb += (size_t)snprintf(b->refs + lb, sizeof b->refs - lb, "%s", w);
        }
        const char *stop = g + 1 < groups ? "S0 " : groups > 1 ? "S1 D" : "S0 D";
        la += (size_t)snprintf(a->refs + la, sizeof a->refs - la, "%s", stop);
        lb += (size_t)snprintf(b->refs + lb, sizeof b->refs - lb, "%s", stop);
    }
}

static int depth(int fixed) { return fixed ? fixed : 1 + (int)rnd(3); }

/* scanA, scanB -> intersect -> three sinks; with skip: the intersect's skip
 * streams back to the scanners. Channel depths and sink patterns come from
 * the generator, so both variants of one trial draw them alike (reseeded). */
static ff_graph *isect_graph(const side *a, const side *b, int skip, uint64_t seed)
{
    rng_state = seed;
    ff_graph *g = ff_graph_new("isect");
    int ra = node(g, "refs_a", FF_PRIM_SOURCE), rb = node(g, "refs_b", FF_PRIM_SOURCE);
    int sa = node(g, "scan_a", FF_PRIM_SCAN), sb = node(g, "scan_b", FF_PRIM_SCAN);
    int j = node(g, "isect", FF_PRIM_INTERSECT);
    set_str(g, ra, "type", "ref");
    set_str(g, ra, "tokens", a->refs);
    set_str(g, rb, "type", "ref");
    set_str(g, rb, "tokens", b->refs);
    set_ints(g, sa, "seg", a->seg, (size_t)a->nseg);
    set_ints(g, sa, "crd", a->crd, (size_t)a->ncrd);
    set_ints(g, sb, "seg", b->seg, (size_t)b->nseg);
    set_ints(g, sb, "crd", b->crd, (size_t)b->ncrd);
    connect(g, ra, "out", sa, "ref_in", depth(0));
    connect(g, rb, "out", sb, "ref_in", depth(0));
    connect(g, sa, "crd", j, "crd0", depth(0));
    connect(g, sa, "ref", j, "ref0", depth(0));
    connect(g, sb, "crd", j, "crd1", depth(0));
    connect(g, sb, "ref", j, "ref1", depth(0));
    const char *outs[] = {"crd", "ref0", "ref1"};
    for (int o = 0; o < 3; o++) {
        char name[16], ready[32];
        snprintf(name, sizeof name, "out_%s", outs[o]);
        int k = node(g, name, FF_PRIM_SINK);
        snprintf(ready, sizeof ready, "rand:%u:%u", rnd(1000), 30 + rnd(71));
        set_str(g, k, "ready", ready);
        connect(g, j, outs[o], k, "in", depth(0));
    }
    int d0 = depth(0), d1 = depth(0);
    if (skip) {
        connect(g, j, "skip0", sa, "skip", d0);
        connect(g, j, "skip1", sb, "skip", d1);
    }
    ff_err err = {0};
    if (ff_graph_validate(g, &err)) fail_msg("%s", err.msg);
    return g;
}

typedef struct outcome {
    char tokens[3][4096];
    uint64_t cycles, skips, skipped;
} outcome;

static void run(ff_graph *g, outcome *o)
{
    ff_sim *s = NULL;
    ff_err err = {0};
    if (ff_sim_new(g, NULL, &s, &err) || ff_sim_run(s, &err)) fail_msg("%s", err.msg);
    const char *names[] = {"out_crd", "out_ref0", "out_ref1"};
    for (int k = 0; k < 3; k++) {
        const ff_tok *t;
        const uint64_t *c;
        size_t n, len = 0;
        if (ff_sim_sink(s, names[k], &t, &c, &n, &err)) fail_msg("%s", err.msg);
        o->tokens[k][0] = '\0';
        for (size_t i = 0; i < n && len + 24 < sizeof o->tokens[k]; i++) {
            char w[48];
            ff_tok_format(t[i], FF_ST_CRD, 16, w, sizeof w);
            len += (size_t)snprintf(o->tokens[k] + len, sizeof o->tokens[k] - len, "%s ", w);
        }
    }
    o->cycles = ff_sim_cycles(s);
    o->skips = o->skipped = 0;
    for (int k = 0; k < 2; k++) {
        ff_node_stats st;
        ff_sim_node_stats(s, ff_graph_find_node(g, k ? "scan_b" : "scan_a"), &st);
        o->skips += st.skips;
        o->skipped += st.skipped;
    }
    ff_sim_free(s);
}

static void skipping_changes_cycles_never_tokens(void **state)
{
    (void)state;
    uint64_t with = 0, without = 0, skips = 0, skipped = 0;
    static outcome on, off;
    for (uint64_t trial = 1; trial <= 400; trial++) {
        side a, b;
        rng_state = trial * 0x9e3779b97f4a7c15ull;
        int nfa = 1 + (int)rnd(6), nfb = 1 + (int)rnd(6), dim = 4 + (int)rnd(60);
        make_level(&a, nfa, dim);
        make_level(&b, nfb, dim);
        make_refs(&a, &b, nfa, nfb);
        uint64_t seed = rng_state;
        ff_graph *g0 = isect_graph(&a, &b, 0, seed), *g1 = isect_graph(&a, &b, 1, seed);
        run(g0, &off);
        run(g1, &on);
        for (int k = 0; k < 3; k++)
            if (strcmp(on.tokens[k], off.tokens[k]))
                fail_msg("trial %llu, output %d: with skips '%s', without '%s' (refs '%s' / '%s')",
                         (unsigned long long)trial, k, on.tokens[k], off.tokens[k], a.refs, b.refs);
        assert_int_equal(off.skips, 0);
        with += on.cycles;
        without += off.cycles;
        skips += on.skips;
        skipped += on.skipped;
        ff_graph_free(g0);
        ff_graph_free(g1);
    }
    /* the jumps happen and pass over more coordinates than they cost */
    assert_true(skips > 100);
    assert_true(skipped > 2 * skips);
    assert_true(with < without);
}

/* A long fiber against a short one: the long side jumps to each coordinate
 * of the short one, then to its end; cycles follow the short side. */
static void skipping_follows_the_short_side(void **state)
{
    (void)state;
    side a = {.nseg = 2, .ncrd = 0}, b = {.nseg = 2, .ncrd = 3};
    a.seg[0] = 0;
    for (int c = 0; c < 400; c++) a.crd[a.ncrd++] = c;
    a.seg[1] = a.ncrd;
    b.seg[0] = 0;
    b.crd[0] = 100;
    b.crd[1] = 250;
    b.crd[2] = 251;
    b.seg[1] = 3;
    snprintf(a.refs, sizeof a.refs, "0 0 S0 D");
    snprintf(b.refs, sizeof b.refs, "0 0 S0 D");
    static outcome on, off;
    ff_graph *g0 = isect_graph(&a, &b, 0, 7), *g1 = isect_graph(&a, &b, 1, 7);
    run(g0, &off);
    run(g1, &on);
    assert_string_equal(on.tokens[0], "100 250 251 S0 100 250 251 S1 D ");
    assert_string_equal(on.tokens[0], off.tokens[0]);
    assert_true(off.cycles > 800);
    assert_true(on.cycles < 120);
    assert_true(on.skipped > 2 * 390);
    ff_graph_free(g0);
    ff_graph_free(g1);
}

/* What the contract calls errors: an echo of a stop the scanner has not
 * sent, D before the scanner's own, N on the skip stream. */
static void skip_stream_errors_name_the_node(void **state)
{
    (void)state;
    const char *skips[] = {"S0 D", "D", "N D"};
    const char *want[] = {"the skip stream echoes a stop the scanner has not sent",
                          "the skip stream ended before the scanner's D", "N on the skip stream"};
    for (int k = 0; k < 3; k++) {
        ff_graph *g = ff_graph_new("bad");
        int r = node(g, "refs", FF_PRIM_SOURCE), sk = node(g, "skips", FF_PRIM_SOURCE);
        int s = node(g, "scan", FF_PRIM_SCAN), c = node(g, "c", FF_PRIM_SINK), f = node(g, "f", FF_PRIM_SINK);
        set_str(g, r, "type", "ref");
        set_str(g, r, "tokens", "0 D");
        set_str(g, sk, "type", "crd");
        set_str(g, sk, "tokens", skips[k]);
        int64_t seg[] = {0, 3}, crd[] = {1, 2, 3};
        set_ints(g, s, "seg", seg, 2);
        set_ints(g, s, "crd", crd, 3);
        connect(g, r, "out", s, "ref_in", 0);
        connect(g, sk, "out", s, "skip", 0);
        connect(g, s, "crd", c, "in", 0);
        connect(g, s, "ref", f, "in", 0);
        ff_err err = {0};
        ff_sim *sim = NULL;
        assert_int_equal(ff_graph_validate(g, &err), 0);
        assert_int_equal(ff_sim_new(g, NULL, &sim, &err), 0);
        assert_int_equal(ff_sim_run(sim, &err), FF_ERUNTIME);
        if (!strstr(err.msg, want[k]) || !strstr(err.msg, "node 'scan' (scan)")) fail_msg("%s", err.msg);
        ff_sim_free(sim);
        ff_graph_free(g);
    }
}

/* A skip link anywhere but back to the scanner that feeds the intersect
 * side alone is refused when the graph is validated: it would make the
 * scanner jump over tokens another reader needs. */
static void misrouted_skip_links_are_refused(void **state)
{
    (void)state;
    side a = {.nseg = 2, .ncrd = 2}, b = {.nseg = 2, .ncrd = 2};
    a.seg[1] = b.seg[1] = 2;
    a.crd[0] = b.crd[0] = 1;
    a.crd[1] = b.crd[1] = 3;
    snprintf(a.refs, sizeof a.refs, "0 S0 D");
    snprintf(b.refs, sizeof b.refs, "0 S0 D");
    for (int k = 0; k < 2; k++) {
        ff_graph *g = isect_graph(&a, &b, 0, 1);
        ff_err err = {0};
        int j = ff_graph_find_node(g, "isect"), sa = ff_graph_find_node(g, "scan_a");
        int sb = ff_graph_find_node(g, "scan_b");
        if (k == 0) {
            connect(g, j, "skip1", sa, "skip", 0); /* side 1 is scan_b's */
        } else {
            connect(g, j, "skip1", sb, "skip", 0); /* right side, but scan_b's crd is read twice */
            int extra = node(g, "extra", FF_PRIM_SINK);
            connect(g, sb, "crd", extra, "in", 0);
        }
        assert_int_equal(ff_graph_validate(g, &err), FF_EINVAL);
        const char *want = k == 0 ? "node 'scan_a' (scan): skip input from 'isect.skip1' comes from an intersect side"
                                  : "node 'scan_b' (scan): skip input from 'isect.skip1' comes back to a scanner whose crd";
        if (!strstr(err.msg, want)) fail_msg("%s", err.msg);
        ff_graph_free(g);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(skipping_changes_cycles_never_tokens),
        cmocka_unit_test(skipping_follows_the_short_side),
        cmocka_unit_test(skip_stream_errors_name_the_node),
        cmocka_unit_test(misrouted_skip_links_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
