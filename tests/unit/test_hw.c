/*
 * test_hw.c -- the area and energy tables and the area and energy of an
 * array (models/hw, docs/synthesis.md): the committed tables load and cover
 * every hardware kind; the models' parts on small hand-made tables, worked
 * by hand; events counted from a simulated run; a table that lacks
 * something is refused naming it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ff_hw.h"

#define DIR FF_BINARY_DIR "/test_hw"

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A table with every hardware kind: tile areas 1000 + 10 x kind, nin 2 and
 * nout 1 each, FIFOs of 100 GE per word of depth plus 50. */
static char *table(const char *skip, double mux_ge)
{
    size_t cap = 1 << 16, len = 0;
    char *t = malloc(cap);
    len += (size_t)snprintf(t + len, cap - len,
                            "{\"fuseflow\": \"hw-cost\", \"version\": 1,"
                            " \"provenance\": {\"reference\": {\"MaxDepth\": 4, \"MaxLat\": 4, \"MemWords\": 8}},"
                            " \"gate_ge\": {\"$_MUX_\": %g}, \"sram_ge_per_bit\": 0.5, \"units\": {",
                            mux_ge);
    for (int k = 0; k < FF_PRIM__COUNT; k++) {
        const ff_prim_info *p = ff_prim_get((ff_prim_kind)k);
        if (!p->hardware || (skip && !strcmp(p->name, skip))) continue;
        len += (size_t)snprintf(t + len, cap - len, "\"tile_%s\": {\"ge\": %d, \"nin\": 2, \"nout\": 1}, ", p->name,
                                1000 + 10 * k);
    }
    for (int d = 2; d <= 32; d *= 2)
        len += (size_t)snprintf(t + len, cap - len, "\"fifo_d%d\": {\"ge\": %d}%s", d, 50 + 100 * d, d < 32 ? ", " : "");
    snprintf(t + len, cap - len, "}}");
    return t;
}

static void hw_committed_table_covers_every_kind(void **state)
{
    (void)state;
    ff_hw_cost *c = NULL;
    ff_err err = {0};
    if (ff_hw_cost_load(ff_hw_cost_default_path(), &c, &err)) fail_msg("%s", err.msg);
    /* one tile of each hardware kind: a positive area, every part counted */
    ff_hw_array a = {.fifo_depth = 4, .sram_words = 1024, .harness_in = 1, .harness_out = 1};
    for (int k = 0; k < FF_PRIM__COUNT; k++) a.tiles[k] = ff_prim_get((ff_prim_kind)k)->hardware;
    ff_hw_area area;
    assert_int_equal(ff_hw_area_of(c, &a, &area, &err), 0);
    assert_true(area.tiles > 0 && area.crossbar > 0);
    assert_true(area.fifos == 0); /* the reference depth */
    assert_true(area.sram > 0);
    a.fifo_depth = 8;
    ff_hw_area deeper;
    assert_int_equal(ff_hw_area_of(c, &a, &deeper, &err), 0);
    assert_true(deeper.fifos > 0 && deeper.total > area.total);
    ff_hw_cost_free(c);
}

static void hw_area_parts_worked_by_hand(void **state)
{
    (void)state;
    char *t = table(NULL, 2.0);
    write_text(DIR "/t.json", t);
    free(t);
    ff_hw_cost *c = NULL;
    ff_err err = {0};
    if (ff_hw_cost_load(DIR "/t.json", &c, &err)) fail_msg("%s", err.msg);
    ff_hw_array a = {.fifo_depth = 4, .sram_words = 100, .harness_in = 2, .harness_out = 1};
    a.tiles[FF_PRIM_SCAN] = 3;
    a.tiles[FF_PRIM_ALU] = 1;
    ff_hw_area r;
    assert_int_equal(ff_hw_area_of(c, &a, &r, &err), 0);
    assert_true(r.tiles == 3 * (1000 + 10 * FF_PRIM_SCAN) + (1000 + 10 * FF_PRIM_ALU));
    assert_true(r.fifos == 0);
    /* sources: 4 tiles x 1 output + 2 harness inputs = 6; consumers: 4 x 2
     * inputs + 1 harness output = 9; each a 5-mux tree of 34 bits, 2 GE a mux */
    assert_true(r.crossbar == 9.0 * 5 * 34 * 2.0);
    assert_true(r.sram == 100.0 * 32 * 0.5);
    assert_true(r.total == r.tiles + r.fifos + r.crossbar + r.sram);
    /* depth 6: between the units of 4 and 8, 100 GE a word: +200 per input */
    a.fifo_depth = 6;
    assert_int_equal(ff_hw_area_of(c, &a, &r, &err), 0);
    assert_true(r.fifos == 4 * 2 * 200.0);
    /* depth 64, past the last unit: the last segment's slope */
    a.fifo_depth = 64;
    assert_int_equal(ff_hw_area_of(c, &a, &r, &err), 0);
    assert_true(r.fifos == 4 * 2 * 6000.0);
    /* depth 1, below the first: the first segment's */
    a.fifo_depth = 1;
    assert_int_equal(ff_hw_area_of(c, &a, &r, &err), 0);
    assert_true(r.fifos == 4 * 2 * -300.0);
    a.fifo_depth = 0;
    assert_int_equal(ff_hw_area_of(c, &a, &r, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "FIFO depth 0"));
    /* a kind with no tile (a sink) is the harness's, never in tiles */
    ff_hw_cost_free(c);
}

static void hw_array_need_takes_the_most_of_each_kind(void **state)
{
    (void)state;
    ff_err err = {0};
    ff_graph *g1 = ff_graph_new("g1"), *g2 = ff_graph_new("g2");
    assert_true(ff_graph_add_node(g1, "s1", FF_PRIM_SCAN, &err) >= 0);
    assert_true(ff_graph_add_node(g1, "s2", FF_PRIM_SCAN, &err) >= 0);
    assert_true(ff_graph_add_node(g1, "in", FF_PRIM_SOURCE, &err) >= 0);
    assert_true(ff_graph_add_node(g2, "s1", FF_PRIM_SCAN, &err) >= 0);
    assert_true(ff_graph_add_node(g2, "a", FF_PRIM_ALU, &err) >= 0);
    assert_true(ff_graph_add_node(g2, "o1", FF_PRIM_SINK, &err) >= 0);
    assert_true(ff_graph_add_node(g2, "o2", FF_PRIM_SINK, &err) >= 0);
    ff_hw_array a = {0};
    ff_hw_array_need(&a, g1);
    ff_hw_array_need(&a, g2);
    assert_int_equal(a.tiles[FF_PRIM_SCAN], 2);
    assert_int_equal(a.tiles[FF_PRIM_ALU], 1);
    assert_int_equal(a.tiles[FF_PRIM_SOURCE], 0);
    assert_int_equal(a.harness_in, 1);
    assert_int_equal(a.harness_out, 2);
    ff_graph_free(g1);
    ff_graph_free(g2);
}

static void hw_bad_tables_refused(void **state)
{
    (void)state;
    ff_hw_cost *c = NULL;
    ff_err err = {0};
    char *t = table("scan", 2.0);
    write_text(DIR "/b.json", t);
    free(t);
    assert_int_equal(ff_hw_cost_load(DIR "/b.json", &c, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "b.json: units: no tile_scan"));
    t = table(NULL, -1.0);
    write_text(DIR "/b.json", t);
    free(t);
    assert_int_equal(ff_hw_cost_load(DIR "/b.json", &c, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "b.json: gate_ge.$_MUX_: expected a number >= 0"));
    write_text(DIR "/b.json", "{\"fuseflow\": \"arch\", \"version\": 1}");
    assert_int_equal(ff_hw_cost_load(DIR "/b.json", &c, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "not a version 1 hw-cost table"));
    write_text(DIR "/b.json", "{\"fuseflow\": ");
    assert_int_equal(ff_hw_cost_load(DIR "/b.json", &c, &err), FF_EIO);
    assert_non_null(strstr(err.msg, "b.json:1:"));
}

/* An energy table: every hardware kind fires for 100 + kind eu and idles
 * for 1 eu a cycle; ALU mul 5000; FIFOs 10 eu a token per word of depth,
 * idle 0.5 a word; 10 eu a token per crossbar level; SRAM 400 eu a word at
 * 1024 words, banks of 4096 (x2); 1000 eu a byte off chip; leakage 0.01. */
static char *energy_table(const char *skip)
{
    size_t cap = 1 << 16, len = 0;
    char *t = malloc(cap);
    len += (size_t)snprintf(t + len, cap - len,
                            "{\"fuseflow\": \"hw-energy\", \"version\": 1, \"node\": {\"fj_per_eu\": 2},"
                            " \"alu_ops\": {\"mul\": {\"per_firing\": 5000}},"
                            " \"fifo\": {\"depths\": [2, 4, 8], \"per_token\": [20, 40, 80],"
                            " \"idle_per_cycle\": [1, 2, 4], \"reference_depth\": 4},"
                            " \"crossbar\": {\"eu_per_token_per_level\": 10},"
                            " \"sram\": {\"eu_per_word\": 400, \"at_words\": 1024, \"scaling\": \"sqrt\", \"bank_words\": 4096},"
                            " \"offchip\": {\"eu_per_byte\": 1000}, \"leakage\": {\"eu_per_ge_cycle\": 0.01}, \"kinds\": {");
    int first = 1;
    for (int k = 0; k < FF_PRIM__COUNT; k++) {
        const ff_prim_info *p = ff_prim_get((ff_prim_kind)k);
        if (!p->hardware || (skip && !strcmp(p->name, skip))) continue;
        len += (size_t)snprintf(t + len, cap - len, "%s\"%s\": {\"per_firing\": %d, \"idle_per_cycle\": 1}",
                                first ? "" : ", ", p->name, 100 + k);
        first = 0;
    }
    snprintf(t + len, cap - len, "}}");
    return t;
}

static void hw_energy_parts_worked_by_hand(void **state)
{
    (void)state;
    char *t = table(NULL, 2.0);
    write_text(DIR "/t.json", t);
    free(t);
    t = energy_table(NULL);
    write_text(DIR "/e.json", t);
    free(t);
    ff_hw_cost *c = NULL;
    ff_hw_energy_table *et = NULL;
    ff_err err = {0};
    if (ff_hw_cost_load(DIR "/t.json", &c, &err) || ff_hw_energy_load(DIR "/e.json", &et, &err))
        fail_msg("%s", err.msg);
    assert_true(ff_hw_energy_fj_per_eu(et) == 2);
    ff_hw_array a = {.fifo_depth = 4, .sram_words = 100, .harness_in = 2, .harness_out = 1};
    a.tiles[FF_PRIM_SCAN] = 3;
    a.tiles[FF_PRIM_ALU] = 1;
    ff_hw_events ev = {.tokens = 50, .sram_words = 7, .offchip_bytes = 3, .cycles = 1000};
    ev.firings[FF_PRIM_SCAN] = 20;
    ev.alu_ops[ff_alu_op_parse("mul")] = 4;
    ev.alu_ops[ff_alu_op_parse("add")] = 2; /* no entry: the kind's figure */
    ff_hw_energy e;
    assert_int_equal(ff_hw_energy_of(c, et, &a, &ev, &e, &err), 0);
    /* firings, and 4 tiles idling for 1000 cycles at 1 eu */
    assert_true(e.logic == 20.0 * (100 + FF_PRIM_SCAN) + 4 * 5000.0 + 2.0 * (100 + FF_PRIM_ALU) + 4 * 1000.0);
    /* 6 sources: 3 levels of 10 eu; the reference depth: no FIFO change */
    assert_true(e.channels == 50.0 * 30);
    assert_true(e.sram == 7.0 * 400 * 2);
    assert_true(e.offchip == 3000.0);
    ff_hw_area area;
    assert_int_equal(ff_hw_area_of(c, &a, &area, &err), 0);
    assert_true(e.leakage == area.total * 1000 * 0.01);
    assert_true(e.total == e.logic + e.channels + e.sram + e.offchip + e.leakage);
    /* depth 8: 40 eu more a token, 2 more a cycle on each of 8 inputs */
    a.fifo_depth = 8;
    assert_int_equal(ff_hw_energy_of(c, et, &a, &ev, &e, &err), 0);
    assert_true(e.channels == 50.0 * (30 + 40) + 8 * 1000 * 2.0);
    ff_hw_energy_free(et);
    /* a table without a kind is refused naming it */
    t = energy_table("locate");
    write_text(DIR "/e.json", t);
    free(t);
    assert_int_equal(ff_hw_energy_load(DIR "/e.json", &et, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "e.json: kinds: no locate"));
    write_text(DIR "/e.json", "{\"fuseflow\": \"hw-cost\", \"version\": 1}");
    assert_int_equal(ff_hw_energy_load(DIR "/e.json", &et, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "not a version 1 hw-energy table"));
    ff_hw_cost_free(c);
}

/* The committed tables, and events counted from a real run: an
 * element-wise add of two sparse matrices fires, moves tokens and reads
 * memory and off-chip data; its energy has every part. */
static void hw_energy_of_a_simulated_run(void **state)
{
    (void)state;
    ff_hw_cost *c = NULL;
    ff_hw_energy_table *et = NULL;
    ff_err err = {0};
    if (ff_hw_cost_load(ff_hw_cost_default_path(), &c, &err) ||
        ff_hw_energy_load(ff_hw_energy_default_path(), &et, &err))
        fail_msg("%s", err.msg);
    ff_graph *g = NULL;
    if (ff_graph_load_json(FF_SOURCE_DIR "/tests/graphs/elementwise_add.json", &g, &err)) fail_msg("%s", err.msg);
    ff_sim_opts so;
    ff_sim_opts_default(&so);
    so.arch.offchip.enabled = 1;
    ff_sim *s = NULL;
    if (ff_sim_new(g, &so, &s, &err)) fail_msg("%s", err.msg);
    ff_format csr;
    ff_format_parse("csr", 2, &csr, &err);
    uint32_t dims[2] = {8, 8};
    ff_rand_spec spec = {0.3, -1, 1, 4, 5};
    ff_tensor *in[2] = {0};
    assert_int_equal(ff_tensor_random("A", 2, dims, &csr, 16, &spec, &in[0], &err), 0);
    spec.seed = 6;
    assert_int_equal(ff_tensor_random("B", 2, dims, &csr, 16, &spec, &in[1], &err), 0);
    int nin = 2;
    if (ff_sim_bind(s, "A", in[0], &err) || ff_sim_bind(s, "B", in[1], &err)) fail_msg("%s", err.msg);
    if (ff_sim_run(s, &err)) fail_msg("%s", err.msg);
    ff_hw_events ev = {0};
    ff_hw_events_add(&ev, g, s);
    uint64_t fired = 0;
    for (int k = 0; k < FF_PRIM__COUNT; k++) fired += ev.firings[k];
    for (int o = 0; o < FF_ALU__COUNT; o++) fired += ev.alu_ops[o];
    assert_true(fired > 0 && ev.tokens > 0 && ev.sram_words > 0 && ev.offchip_bytes > 0);
    assert_true(ev.cycles >= ff_sim_cycles(s));
    ff_hw_array a = {.fifo_depth = so.arch.fifo_depth, .sram_words = 1024};
    ff_hw_array_need(&a, g);
    ff_hw_energy e;
    assert_int_equal(ff_hw_energy_of(c, et, &a, &ev, &e, &err), 0);
    assert_true(e.logic > 0 && e.channels > 0 && e.sram > 0 && e.offchip > 0 && e.leakage > 0);
    ff_sim_free(s);
    for (int i = 0; i < nin; i++) ff_tensor_free(in[i]);
    ff_graph_free(g);
    ff_hw_energy_free(et);
    ff_hw_cost_free(c);
}

int main(void)
{
    if (system("mkdir -p " DIR)) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hw_committed_table_covers_every_kind),
        cmocka_unit_test(hw_area_parts_worked_by_hand),
        cmocka_unit_test(hw_array_need_takes_the_most_of_each_kind),
        cmocka_unit_test(hw_bad_tables_refused),
        cmocka_unit_test(hw_energy_parts_worked_by_hand),
        cmocka_unit_test(hw_energy_of_a_simulated_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
