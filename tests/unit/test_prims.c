/*
 * test_prims.c -- every primitive on text token streams, through the same
 * runner as `fuseflow prim`: the expected output is what a user would see.
 * Table-driven; edge cases (empty fibers, single elements, deep stop levels,
 * a stream that is only D) sit beside the common cases.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ff_sim.h"

#define MAXP 6

typedef struct prim_case {
    const char *name;              /* what the case shows */
    const char *kind;
    const char *params[MAXP];
    const char *inputs[MAXP];
    const char *expect;            /* the report, or the error's key phrase */
    int is_error;
} prim_case;

static const prim_case cases[] = {
    /* root */
    {"root emits 0 then D", "root", {0}, {0}, "ref: 0 D\n"},

    /* scan */
    {"scan compressed with an empty middle fiber", "scan", {"seg=0,2,2,5", "crd=0,3,1,2,4"}, {"ref_in=0 1 2 S0 D"},
     "crd: 0 3 S0 S0 1 2 4 S1 D\nref: 0 1 S0 S0 2 3 4 S1 D\n"},
    {"scan of a stream that is only D", "scan", {"seg=0,1", "crd=4"}, {"ref_in=D"}, "crd: D\nref: D\n"},
    {"scan raises a bare deep stop", "scan", {"seg=0,1", "crd=4"}, {"ref_in=S2 D"}, "crd: S3 D\nref: S3 D\n"},
    {"scan turns N into N and a stop", "scan", {"seg=0,1", "crd=7"}, {"ref_in=N 0 S0 D"},
     "crd: N S0 7 S1 D\nref: N S0 0 S1 D\n"},
    {"scan of only empty fibers", "scan", {"seg=0,0,0", "crd="}, {"ref_in=0 1 S0 D"}, "crd: S0 S1 D\nref: S0 S1 D\n"},
    {"scan dense", "scan", {"format=dense", "dim=3"}, {"ref_in=0 1 S0 D"},
     "crd: 0 1 2 S0 0 1 2 S1 D\nref: 0 1 2 S0 3 4 5 S1 D\n"},
    {"scan merges nested stops", "scan", {"seg=0,1,3", "crd=5,6,7"}, {"ref_in=0 S0 1 S1 D"},
     "crd: 5 S1 6 7 S2 D\nref: 0 S1 1 2 S2 D\n"},
    {"scan rejects a reference outside the level", "scan", {"seg=0,1", "crd=4"}, {"ref_in=3 S0 D"},
     "reference 3 is outside the level", 1},

    /* locate */
    {"locate dense", "locate", {"format=dense", "dim=4"}, {"crd_in=1 3 S0 2 S1 D", "ref_in=0 0 S0 2 S1 D"},
     "crd: 1 3 S0 2 S1 D\nref: 1 3 S0 10 S1 D\n"},
    {"locate compressed finds or gives N", "locate", {"format=compressed", "seg=0,2,4", "crd=1,3,0,2"},
     {"crd_in=3 2 S0 0 1 S1 D", "ref_in=0 0 S0 1 1 S1 D"}, "crd: 3 2 S0 0 1 S1 D\nref: 1 N S0 2 N S1 D\n"},

    /* repsiggen, repeat */
    {"repsiggen keeps stop levels", "repsiggen", {0}, {"in=0 3 S0 5 S1 N D"}, "rep: R R S R S1 R D\n"},
    {"repeat per SAM", "repeat", {0}, {"ref_in=0 1 2 S0 D", "rep=R R S R S R S1 D"}, "ref: 0 0 S0 1 S0 2 S1 D\n"},
    {"repeat zero times", "repeat", {0}, {"ref_in=0 S0 1 S1 D", "rep=S1 R S2 D"}, "ref: S1 1 S2 D\n"},
    {"repeat an empty outer fiber", "repeat", {0}, {"ref_in=4 S0 S1 D", "rep=R S1 S2 D"}, "ref: 4 S1 S2 D\n"},
    {"repeat a whole stream over one reference", "repeat", {0}, {"ref_in=0 D", "rep=R R R S D"}, "ref: 0 0 0 S0 D\n"},
    {"repeat closes a group without the next reference", "repeat", {0}, {"ref_in=0 _ _ _ _ 1 S0 D", "rep=R S R S1 D"},
     "ref: 0 S0 1 S1 D\n"},
    {"repeat rejects a stop that does not close the outer fiber", "repeat", {0}, {"ref_in=0 1 S0 D", "rep=R S1 D"},
     "repeat signal 'S1' but the reference stream is at '1'", 1},
    {"repeat of only D", "repeat", {0}, {"ref_in=D", "rep=D"}, "ref: D\n"},
    {"repeat R against a stop is an error", "repeat", {0}, {"ref_in=S0 D", "rep=R S D"},
     "repeat signal R but the reference stream is at 'S0'", 1},

    /* intersect, union */
    {"intersect", "intersect", {0}, {"crd0=0 2 3 S0 D", "ref0=0 1 2 S0 D", "crd1=2 3 4 S0 D", "ref1=5 6 7 S0 D"},
     "crd: 2 3 S0 D\nref0: 1 2 S0 D\nref1: 5 6 S0 D\n"},
    {"intersect with empty results", "intersect", {0},
     {"crd0=0 S0 1 S1 D", "ref0=0 S0 1 S1 D", "crd1=1 S0 2 S1 D", "ref1=0 S0 1 S1 D"},
     "crd: S0 S1 D\nref0: S0 S1 D\nref1: S0 S1 D\n"},
    {"intersect three ways", "intersect", {"n=3"},
     {"crd0=1 2 3 S0 D", "ref0=1 2 3 S0 D", "crd1=2 3 S0 D", "ref1=2 3 S0 D", "crd2=0 3 S0 D", "ref2=0 3 S0 D"},
     "crd: 3 S0 D\nref0: 3 S0 D\nref1: 3 S0 D\nref2: 3 S0 D\n"},
    {"intersect propagates N", "intersect", {0}, {"crd0=N S0 D", "ref0=N S0 D", "crd1=4 S0 D", "ref1=4 S0 D"},
     "crd: N S0 D\nref0: N S0 D\nref1: N S0 D\n"},
    {"intersect rejects unequal stops", "intersect", {0},
     {"crd0=1 S0 D", "ref0=1 S0 D", "crd1=1 S1 D", "ref1=1 S1 D"}, "side 0 ends its fiber with 'S0' but side 1 with 'S1'", 1},
    {"intersect passes a union's N reference", "intersect", {0},
     {"crd0=1 2 S0 D", "ref0=N 5 S0 D", "crd1=1 2 S0 D", "ref1=7 8 S0 D"}, "crd: 1 2 S0 D\nref0: N 5 S0 D\nref1: 7 8 S0 D\n"},
    {"repeat a value stream", "repeat", {0}, {"ref_in:val=1.5 -2 S0 D", "rep=R R S R S1 D"}, "ref: 1.5 1.5 S0 -2 S1 D\n"},
    {"union", "union", {0}, {"crd0=0 2 S0 D", "ref0=0 1 S0 D", "crd1=1 2 S0 D", "ref1=0 1 S0 D"},
     "crd: 0 1 2 S0 D\nref0: 0 N 1 S0 D\nref1: N 0 1 S0 D\n"},
    {"union with one empty side", "union", {0}, {"crd0=S0 D", "ref0=S0 D", "crd1=4 S0 D", "ref1=9 S0 D"},
     "crd: 4 S0 D\nref0: N S0 D\nref1: 9 S0 D\n"},

    /* array, alu, reduce */
    {"array loads, N as 0", "array", {"vals=0.5,1.5,-2"}, {"ref=2 0 N S0 1 S1 D"}, "val: -2 0.5 0 S0 1.5 S1 D\n"},
    {"alu add", "alu", {"op=add"}, {"a=1 2 S0 3 S1 D", "b=0.5 -1 S0 4 S1 D"}, "val: 1.5 1 S0 7 S1 D\n"},
    {"alu mul", "alu", {"op=mul"}, {"a=1.5 -2 S0 D", "b=2 0.25 S0 D"}, "val: 3 -0.5 S0 D\n"},
    {"alu div", "alu", {"op=div"}, {"a=1 -3 S0 D", "b=4 2 S0 D"}, "val: 0.25 -1.5 S0 D\n"},
    {"alu relu", "alu", {"op=relu"}, {"a=-1 2 S0 D"}, "val: 0 2 S0 D\n"},
    {"alu with an immediate", "alu", {"op=mul", "imm=0.5"}, {"a=4 -1 S1 D"}, "val: 2 -0.5 S1 D\n"},
    {"alu max", "alu", {"op=max"}, {"a=1 -5 S0 D", "b=-1 -2 S0 D"}, "val: 1 -2 S0 D\n"},
    {"alu exp of zero is one", "alu", {"op=exp"}, {"a=0 S0 D"}, "val: 1 S0 D\n"},
    {"alu misaligned", "alu", {"op=add"}, {"a=1 S0 D", "b=S0 D"}, "input a is at '1' but b at 'S0'", 1},
    {"reduce per SAM", "reduce", {0}, {"val_in=5 5 S0 5 S0 4 8 S0 4 3 S0 4 3 S1 D"}, "val: 10 5 12 7 7 S0 D\n"},
    {"reduce a deep stop", "reduce", {0}, {"val_in=1 2 3 4 5 6 7 8 9 S2 D"}, "val: 45 S1 D\n"},
    {"reduce empty fibers", "reduce", {0}, {"val_in=S0 S0 D"}, "val: 0 0 D\n"},
    {"reduce max", "reduce", {"op=max"}, {"val_in=1 5 2 S0 -3 S1 D"}, "val: 5 -3 S0 D\n"},
    {"reduce only D", "reduce", {0}, {"val_in=D"}, "val: D\n"},
    {"reduce without shape emits SAM's phantom 0", "reduce", {0}, {"val_in=1 2 S1 S2 D"}, "val: 3 S0 0 S1 D\n"},
    {"reduce with shape drops the phantom fiber", "reduce", {0}, {"val_in=1 2 S1 S2 D", "shape=7 S0 S1 D"},
     "val: 3 S0 S1 D\n"},
    {"reduce with shape keeps real empty fibers", "reduce", {0}, {"val_in=1 S0 S1 D", "shape=7 8 S0 D"},
     "val: 1 0 S0 D\n"},
    {"reduce with shape closes a row without waiting for the next", "reduce", {0},
     {"val_in=1 S1 _ _ _ _ _ _ 2 S2 D", "shape=7 S0 8 S1 D"}, "val: 1 S0 2 S1 D\n"},
    {"reduce with a shape that does not fit", "reduce", {0}, {"val_in=1 S0 D", "shape=7 S1 D"},
     "shape stream at 'S1' does not match value stream at 'D'", 1},

    /* crd_drop, crd_hold */
    {"crd_drop per SAM", "crd_drop", {0}, {"outer_in=0 1 2 3 S0 D", "inner_in=1 S0 1 S0 S0 1 S1 D"},
     "outer: 0 1 3 S0 D\ninner: 1 S0 1 S0 S0 1 S1 D\n"},
    {"crd_drop of an empty outer fiber", "crd_drop", {0}, {"outer_in=S0 D", "inner_in=S1 D"}, "outer: S0 D\ninner: S1 D\n"},
    {"crd_drop drops everything", "crd_drop", {0}, {"outer_in=0 1 S0 D", "inner_in=S0 S1 D"},
     "outer: S0 D\ninner: S0 S1 D\n"},
    {"crd_hold per SAM", "crd_hold", {0}, {"outer_in=0 1 2 S0 D", "inner_in=0 2 S0 2 S0 2 S1 D"},
     "outer: 0 0 S0 1 S0 2 S1 D\ninner: 0 2 S0 2 S0 2 S1 D\n"},
    {"crd_hold over an empty first fiber", "crd_hold", {0}, {"outer_in=0 1 S0 D", "inner_in=S0 5 S1 D"},
     "outer: S0 1 S1 D\ninner: S0 5 S1 D\n"},
    {"crd_hold over an empty last fiber", "crd_hold", {0}, {"outer_in=0 1 S0 D", "inner_in=5 S0 S1 D"},
     "outer: 0 S0 S1 D\ninner: 5 S0 S1 D\n"},

    /* droppers */
    {"stkn_drop", "stkn_drop", {0}, {"in=1 S0 2 S1 D"}, "out: 1 2 D\n"},
    {"empty_stkn_drop per SAM", "empty_stkn_drop", {0}, {"in=8 9 S0 10 S0 S0 S1 11 S1 S0 S2 D"},
     "out: 8 9 S0 10 S1 11 S2 D\n"},
    {"empty_stkn_drop keeps the closing stop of an empty stream", "empty_stkn_drop", {0}, {"in=S0 S0 S1 D"},
     "out: S1 D\n"},

    /* fork, join, broadcast */
    {"fork round-robin", "fork", {0}, {"in=1 2 3 S0 4 D"}, "out0: 1 3 S0 4 D\nout1: 2 S0 D\n"},
    {"join round-robin", "join", {0}, {"in0=1 3 S0 4 D", "in1=2 S0 D"}, "out: 1 2 3 S0 4 D\n"},
    {"join rejects lanes that disagree", "join", {0}, {"in0=1 S0 D", "in1=D"}, "lane 1 is at 'D' but lane 0 at 'S0'", 1},
    {"broadcast", "broadcast", {"n=3"}, {"in=1 S0 D"}, "out0: 1 S0 D\nout1: 1 S0 D\nout2: 1 S0 D\n"},

    /* buffer: FIFO mode (n readers), replay mode (rep) */
    {"buffer streams a fiber tree through", "buffer", {0}, {"crd_in=0 3 S0 S0 5 S1 D", "val_in=1 2 S0 S0 3 S1 D"},
     "crd0: 0 3 S0 S0 5 S1 D\nval0: 1 2 S0 S0 3 S1 D\n"},
    {"buffer with two readers", "buffer", {"n=2"}, {"crd_in=0 S0 D", "val_in=N S0 D"},
     "crd0: 0 S0 D\ncrd1: 0 S0 D\nval0: N S0 D\nval1: N S0 D\n"},
    {"buffer of a stream that is only D", "buffer", {"n=3"}, {"crd_in=D", "val_in=D"},
     "crd0: D\ncrd1: D\ncrd2: D\nval0: D\nval1: D\nval2: D\n"},
    {"buffer rejects misaligned lanes", "buffer", {0}, {"crd_in=0 S0 D", "val_in=S0 D"},
     "crd_in is at '0' but val_in at 'S0'", 1},
    {"buffer replays each fiber once per R", "buffer", {0},
     {"crd_in=0 3 S0 5 S1 D", "val_in=1 2 S0 3 S1 D", "rep=R R S0 R S1 D"},
     "crd0: 0 3 S0 0 3 S1 5 S2 D\nval0: 1 2 S0 1 2 S1 3 S2 D\n"},
    {"buffer replays an empty fiber, and skips a fiber with no R", "buffer", {0},
     {"crd_in=S0 5 S1 D", "val_in=S0 3 S1 D", "rep=R R S0 S1 D"}, "crd0: S0 S1 S2 D\nval0: S0 S1 S2 D\n"},
    {"buffer replay through an empty outer fiber", "buffer", {0},
     {"crd_in=0 S1 S1 4 S2 D", "val_in=1 S1 S1 2 S2 D", "rep=R R S1 S1 R S2 D"},
     "crd0: 0 S0 0 S2 S2 4 S3 D\nval0: 1 S0 1 S2 S2 2 S3 D\n"},
    {"buffer replay with deep stops", "buffer", {0}, {"crd_in=7 S3 D", "val_in=1 S3 D", "rep=R R R S3 D"},
     "crd0: 7 S0 7 S0 7 S4 D\nval0: 1 S0 1 S0 1 S4 D\n"},
    {"buffer replay rejects a group that does not match the fiber", "buffer", {0},
     {"crd_in=0 S0 D", "val_in=1 S0 D", "rep=R S1 D"}, "repeat signal 'S1' but the buffered fiber closes with 'S0'", 1},
    {"buffer replay rejects D against a fiber", "buffer", {0}, {"crd_in=0 S0 D", "val_in=1 S0 D", "rep=D"},
     "repeat signal D but the buffered stream is at '0'", 1},
    {"buffer replay rejects an input that ends inside a fiber", "buffer", {0},
     {"crd_in=0 S0 D", "val_in=1 S0 D", "rep=R S0 R S0 D"}, "the buffered stream ended (D) inside a fiber", 1},
    {"buffer replay rejects N in the repeat signal", "buffer", {0},
     {"crd_in=0 3 S0 D", "val_in=1 2 S0 D", "rep=R S0 N D"}, "the repeat signal carries N", 1},
    {"buffer replay has one reader", "buffer", {"n=2"}, {"crd_in=D", "val_in=D", "rep=D"},
     "a replaying buffer (rep connected) has one reader", 1},

    /* sparse accumulators */
    {"spacc1 sums and sorts each group", "spacc1", {"dim=8"},
     {"crd_outer_in=0 0 0 2 2 D", "crd_inner_in=3 0 3 2 1 D", "val_in=1 2 3 4 5 D"},
     "crd_outer: 0 2 S0 D\ncrd_inner: 0 3 S0 1 2 S1 D\nval: 2 4 S0 5 4 S1 D\n"},
    {"spacc1 with no points", "spacc1", {"dim=8"}, {"crd_outer_in=D", "crd_inner_in=D", "val_in=D"},
     "crd_outer: S0 D\ncrd_inner: S1 D\nval: S1 D\n"},
    {"spacc1 rejects a coordinate outside dim", "spacc1", {"dim=2"},
     {"crd_outer_in=0 D", "crd_inner_in=5 D", "val_in=1 D"}, "inner coordinate 5 is outside the accumulator", 1},
    {"spacc1 without an outer stream accumulates one vector", "spacc1", {"dim=8"},
     {"crd_inner_in=3 0 3 5 D", "val_in=1 2 3 4 D"}, "crd_outer: D\ncrd_inner: 0 3 5 S0 D\nval: 2 4 4 S0 D\n"},
    {"spacc1 without an outer stream, no points", "spacc1", {"dim=8"}, {"crd_inner_in=D", "val_in=D"},
     "crd_outer: D\ncrd_inner: S0 D\nval: S0 D\n"},
    {"spacc2 sorts points in any order", "spacc2", {"dim_outer=4", "dim_inner=4"},
     {"crd_outer_in=2 0 2 0 D", "crd_inner_in=1 3 1 0 D", "val_in=1 2 3 4 D"},
     "crd_outer: 0 2 S0 D\ncrd_inner: 0 3 S0 1 S1 D\nval: 4 2 S0 4 S1 D\n"},

    /* writers */
    {"write_crd skips empty fibers", "write_crd", {0}, {"crd=0 S0 S0 1 S1 D"}, "seg: 0 1 2\ncrd: 0 1\n"},
    {"write_val", "write_val", {0}, {"val=1.5 S0 N 2 S1 D"}, "vals: 1.5 0 2\n"},

    /* harness errors */
    {"an input must end with D", "stkn_drop", {0}, {"in=1 2"}, "the stream must end with D", 1},
    {"unknown primitive", "scanner", {0}, {0}, "unknown primitive 'scanner'", 1},
};

static void run_case(const prim_case *c, const char *ready, char **report, ff_err *err, int *rc)
{
    int np = 0, ni = 0;
    while (np < MAXP && c->params[np]) np++;
    while (ni < MAXP && c->inputs[ni]) ni++;
    ff_sim_opts opts;
    ff_sim_opts_default(&opts);
    *report = NULL;
    *rc = ff_prim_run(c->kind, c->params, np, c->inputs, ni, ready, &opts, 0, report, err);
}

static void prims_match_table(void **state)
{
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const prim_case *c = &cases[i];
        char *report;
        ff_err err = {0};
        int rc;
        run_case(c, "", &report, &err, &rc);
        if (c->is_error) {
            if (rc == 0 || !strstr(err.msg, c->expect)) {
                printf("FAIL %s: expected error containing \"%s\", got rc %d \"%s\"\n", c->name, c->expect, rc,
                       rc ? err.msg : report);
                failures++;
            }
        } else if (rc != 0 || strcmp(report, c->expect) != 0) {
            printf("FAIL %s:\n  expected: %s  got: %s\n", c->name, c->expect, rc ? err.msg : report);
            failures++;
        }
        free(report);
    }
    assert_int_equal(failures, 0);
}

/* Backpressure changes when tokens move, never what they are. */
static void prims_backpressure_keeps_streams(void **state)
{
    const char *patterns[] = {"01", "001", "rand:7:30", "rand:99:60"};
    int failures = 0;
    for (size_t p = 0; p < sizeof patterns / sizeof patterns[0]; p++)
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            const prim_case *c = &cases[i];
            if (c->is_error) continue;
            char *report;
            ff_err err = {0};
            int rc;
            run_case(c, patterns[p], &report, &err, &rc);
            if (rc != 0 || strcmp(report, c->expect) != 0) {
                printf("FAIL %s with ready %s: %s\n", c->name, patterns[p], rc ? err.msg : report);
                failures++;
            }
            free(report);
        }
    assert_int_equal(failures, 0);
}

/* Cycle-level behaviour of the channel contract: a token pushed in cycle t is
 * seen by its consumer in t+1; the scanner emits a fiber at one token per
 * cycle and spends one cycle on an empty fiber. */
static void prims_scan_timing(void **state)
{
    const char *params[] = {"seg=0,2,2,3", "crd=4,5,6"};
    const char *inputs[] = {"ref_in=0 1 2 S0 D"};
    ff_sim_opts opts;
    ff_sim_opts_default(&opts);
    char *report = NULL;
    ff_err err = {0};
    assert_int_equal(ff_prim_run("scan", params, 2, inputs, 1, "", &opts, 1, &report, &err), 0);
    /* source pushes ref 0 in cycle 0; the scanner takes it in cycle 1 and
     * emits crd 4; the sink takes that in cycle 2. */
    assert_string_equal(report, "crd: 4@2 5@3 S0@4 S0@6 6@7 S1@8 D@9\n"
                                "ref: 0@2 1@3 S0@4 S0@6 2@7 S1@8 D@9\n"
                                "cycles: 10\n");
    free(report);
}

/* Depth-1 channels halve the throughput: a full channel frees its slot only
 * for the cycle after the pop. */
static void prims_depth_one_halves_throughput(void **state)
{
    const char *inputs[] = {"in=1 2 3 4 D"};
    ff_sim_opts opts;
    ff_sim_opts_default(&opts);
    opts.arch.fifo_depth = 1;
    char *report = NULL;
    ff_err err = {0};
    assert_int_equal(ff_prim_run("stkn_drop", NULL, 0, inputs, 1, "", &opts, 1, &report, &err), 0);
    assert_string_equal(report, "out: 1@2 2@4 3@6 4@8 D@10\ncycles: 11\n");
    free(report);
}

/* Latency L delays every output by L cycles; II spaces firings. */
static void prims_latency_and_ii(void **state)
{
    const char *inputs[] = {"a=1 2 S0 D"};
    const char *params[] = {"op=relu"};
    ff_sim_opts opts;
    ff_sim_opts_default(&opts);
    opts.arch.latency[FF_PRIM_ALU] = 3;
    opts.arch.fifo_depth = 4;
    char *report = NULL;
    ff_err err = {0};
    assert_int_equal(ff_prim_run("alu", params, 1, inputs, 1, "", &opts, 1, &report, &err), 0);
    assert_string_equal(report, "val: 1@5 2@6 S0@7 D@8\ncycles: 9\n");
    free(report);
    ff_sim_opts_default(&opts);
    opts.arch.ii[FF_PRIM_ALU] = 2;
    assert_int_equal(ff_prim_run("alu", params, 1, inputs, 1, "", &opts, 1, &report, &err), 0);
    assert_string_equal(report, "val: 1@2 2@4 S0@6 D@8\ncycles: 9\n");
    free(report);
}

/* An initiation interval of 0 is refused with a message: ff_sim_new read
 * the node after freeing the simulator (`fuseflow prim scan --ii 0`). */
static void prims_ii_0_refused(void **state)
{
    (void)state;
    const char *params[] = {"seg=0,2,2,3", "crd=4,5,6"};
    const char *inputs[] = {"ref_in=0 1 2 S0 D"};
    ff_sim_opts opts;
    ff_sim_opts_default(&opts);
    opts.arch.ii[FF_PRIM_SCAN] = 0;
    char *report = NULL;
    ff_err err = {0};
    assert_int_not_equal(ff_prim_run("scan", params, 2, inputs, 1, "", &opts, 1, &report, &err), 0);
    assert_non_null(strstr(err.msg, "node 'dut': latency 0 / II 0 / 2 outputs out of range"));
    free(report);
}

/* A buffer holds buffer_words / 2 entries: a fiber that exactly fills it
 * replays; one entry more cannot (its closing stop never fits) and is
 * reported, not left to deadlock. A FIFO-mode buffer that fills only
 * slows its writer down. */
static void prims_buffer_capacity(void **state)
{
    (void)state;
    const char *fits[] = {"crd_in=0 1 S0 4 S1 D", "val_in=1 2 S0 3 S1 D", "rep=R R S0 R S1 D"};
    const char *too_long[] = {"crd_in=0 1 2 S0 D", "val_in=1 2 3 S0 D", "rep=R R S0 D"};
    const char *fifo[] = {"crd_in=0 1 2 3 4 5 S0 D", "val_in=1 2 3 4 5 6 S0 D"};
    ff_sim_opts opts;
    ff_sim_opts_default(&opts);
    opts.arch.buffer_words = 6; /* 3 entries */
    char *report = NULL;
    ff_err err = {0};
    assert_int_equal(ff_prim_run("buffer", NULL, 0, fits, 3, "", &opts, 0, &report, &err), 0);
    assert_string_equal(report, "crd0: 0 1 S0 0 1 S1 4 S2 D\nval0: 1 2 S0 1 2 S1 3 S2 D\n");
    free(report);
    report = NULL;
    assert_int_not_equal(ff_prim_run("buffer", NULL, 0, too_long, 3, "", &opts, 0, &report, &err), 0);
    assert_non_null(strstr(err.msg, "a fiber longer than the buffer's 3 entries"));
    free(report);
    report = NULL;
    opts.arch.buffer_words = 2; /* one entry: half throughput, same stream */
    assert_int_equal(ff_prim_run("buffer", NULL, 0, fifo, 2, "", &opts, 1, &report, &err), 0);
    assert_string_equal(report, "crd0: 0@3 1@5 2@7 3@9 4@11 5@13 S0@15 D@17\n"
                                "val0: 1@3 2@5 3@7 4@9 5@11 6@13 S0@15 D@17\ncycles: 18\n");
    free(report);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prims_match_table),
        cmocka_unit_test(prims_backpressure_keeps_streams),
        cmocka_unit_test(prims_scan_timing),
        cmocka_unit_test(prims_depth_one_halves_throughput),
        cmocka_unit_test(prims_latency_and_ii),
        cmocka_unit_test(prims_ii_0_refused),
        cmocka_unit_test(prims_buffer_capacity),
    };
    return cmocka_run_group_tests_name("prims", tests, NULL, NULL);
}
