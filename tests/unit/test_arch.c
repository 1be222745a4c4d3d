/*
 * test_arch.c -- architecture files (strict loading, partial overrides), the
 * off-chip memory model, and the statistics a run reports.
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ff_sim.h"

static void arch_default_file_is_the_built_in_default(void **state)
{
    ff_arch a, d;
    ff_err err = {0};
    assert_int_equal(ff_arch_load(FF_SOURCE_DIR "/arch/default.json", &a, &err), 0);
    ff_arch_default(&d);
    assert_memory_equal(&a, &d, sizeof a);
}

static void arch_partial_file_overrides_only_its_keys(void **state)
{
    ff_arch a, d;
    ff_err err = {0};
    const char *text = "{\"fuseflow\": \"arch\", \"version\": 1, \"name\": \"study\", \"fifo_depth\": 8,"
                       " \"alu\": {\"div\": {\"latency\": 12, \"ii\": 3}},"
                       " \"block\": {\"mul\": {\"latency\": [3, 0]}},"
                       " \"offchip\": {\"enabled\": true, \"channels\": 4}}";
    assert_int_equal(ff_arch_load_string(text, "study.json", &a, &err), 0);
    ff_arch_default(&d);
    assert_string_equal(a.name, "study");
    assert_int_equal(a.fifo_depth, 8);
    assert_int_equal(a.alu_latency[FF_ALU_DIV], 12);
    assert_int_equal(a.alu_ii[FF_ALU_DIV], 3);
    assert_int_equal(a.alu_latency[FF_ALU_MUL], 0);
    assert_int_equal(a.block[FF_ALU_MUL].lat_per_b, 3);
    assert_int_equal(a.block[FF_ALU_MUL].ii_per_b, d.block[FF_ALU_MUL].ii_per_b);
    assert_true(a.offchip.enabled);
    assert_int_equal(a.offchip.channels, 4);
    assert_int_equal(a.offchip.latency, d.offchip.latency);
}

static void arch_bad_files_name_the_key(void **state)
{
    struct { const char *text; const char *msg; } cases[] = {
        {"{\"fuseflow\": \"arch\", \"version\": 1, \"fifo_dept\": 2}",
         "a.json: fifo_dept: unknown key (expected fuseflow, version, name,"},
        {"{\"fuseflow\": \"arch\", \"version\": 1, \"primitives\": {\"scna\": {\"latency\": 1}}}",
         "a.json: primitives.scna: not a hardware primitive"},
        {"{\"fuseflow\": \"arch\", \"version\": 1, \"primitives\": {\"sink\": {\"latency\": 1}}}",
         "a.json: primitives.sink: not a hardware primitive"},
        {"{\"fuseflow\": \"arch\", \"version\": 1, \"alu\": {\"mul\": {\"latency\": 99}}}",
         "a.json: alu.mul.latency: 99 is out of range 0..64"},
        {"{\"fuseflow\": \"arch\", \"version\": 1, \"alu\": {\"mul\": {\"ii\": 0}}}", "a.json: alu.mul.ii: 0 is out of range 1..64"},
        {"{\"fuseflow\": \"arch\", \"version\": 1, \"alu\": {\"fma\": {\"ii\": 1}}}", "a.json: alu.fma: not an ALU op"},
        {"{\"fuseflow\": \"arch\", \"version\": 1, \"alu\": {\"mul\": {\"lat\": 1}}}", "a.json: alu.mul.lat: unknown key"},
        {"{\"fuseflow\": \"arch\", \"version\": 1, \"fifo_depth\": 0}", "a.json: fifo_depth: 0 is out of range 1..1024"},
        {"{\"fuseflow\": \"arch\", \"version\": 1, \"fifo_depth\": 2.5}", "a.json: fifo_depth: expected an integer"},
        {"{\"fuseflow\": \"arch\", \"version\": 1, \"offchip\": {\"enabled\": \"yes\"}}",
         "a.json: offchip.enabled: expected true or false"},
        {"{\"fuseflow\": \"arch\", \"version\": 1, \"offchip\": {\"burst\": 64}}", "a.json: offchip.burst: unknown key"},
        {"{\"fuseflow\": \"arch\", \"version\": 1, \"block\": {\"mul\": {\"latency\": [0, -1]}}}",
         "a.json: block.mul: latency is negative for B = 1"},
        {"{\"fuseflow\": \"arch\", \"version\": 1, \"block\": {\"mul\": {\"ii\": 4}}}",
         "a.json: block.mul.ii: expected [per_B, constant]"},
        {"{\"fuseflow\": \"graph\", \"version\": 1}", "a.json: fuseflow: expected \"arch\""},
        {"{\"fuseflow\": \"arch\", \"version\": 2}", "a.json: version: expected 1"},
        {"{\"fuseflow\": \"arch\",\n \"version\": 1,,}", "a.json:2:"},
        {"{\"fuseflow\": \"arch\", \"version\": 1, \"clock_ghz\": 0}", "a.json: clock_ghz: out of range"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ff_arch a;
        ff_err err = {0};
        int rc = ff_arch_load_string(cases[i].text, "a.json", &a, &err);
        if (rc != FF_EINVAL || strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) != 0)
            fail_msg("case %zu: got rc %d '%s', expected '%s'", i, rc, err.msg, cases[i].msg);
    }
    ff_arch a;
    ff_err err = {0};
    assert_int_equal(ff_arch_load("/nonexistent/arch.json", &a, &err), FF_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent/arch.json"));
}

/* SpMV on the karate graph: the fixture for the timing tests below. */
typedef struct spmv_fixture {
    ff_graph *g;
    ff_tensor *A, *x;
} spmv_fixture;

static void spmv_open(spmv_fixture *f)
{
    ff_err err = {0};
    if (ff_graph_load_json(FF_SOURCE_DIR "/tests/graphs/spmv.json", &f->g, &err)) fail_msg("%s", err.msg);
    ff_format csr, dense;
    ff_format_parse("csr", 2, &csr, &err);
    ff_format_parse("dense", 1, &dense, &err);
    if (ff_tensor_read_mtx(FF_SHARED_DATA "/karate/karate.mtx", &csr, 16, &f->A, &err)) fail_msg("%s", err.msg);
    if (ff_tensor_read_text(FF_SOURCE_DIR "/data/karate-x.txt", &dense, 16, &f->x, &err)) fail_msg("%s", err.msg);
}

static void spmv_close(spmv_fixture *f)
{
    ff_graph_free(f->g);
    ff_tensor_free(f->A);
    ff_tensor_free(f->x);
}

static ff_sim *spmv_run(spmv_fixture *f, const ff_arch *a)
{
    ff_sim_opts o;
    ff_sim_opts_default(&o);
    o.arch = *a;
    ff_sim *s = NULL;
    ff_err err = {0};
    if (ff_sim_new(f->g, &o, &s, &err) || ff_sim_bind(s, "A", f->A, &err) || ff_sim_bind(s, "x", f->x, &err) ||
        ff_sim_run(s, &err))
        fail_msg("%s", err.msg);
    return s;
}

static void arch_offchip_ports_move_every_word_once(void **state)
{
    spmv_fixture f;
    spmv_open(&f);
    ff_arch a;
    ff_arch_default(&a);
    ff_sim *plain = spmv_run(&f, &a);
    ff_sim_timing t0;
    ff_sim_timing_of(plain, &t0);
    assert_int_equal(t0.requests, 0);
    assert_int_equal(t0.stall_mem, 0);
    assert_int_equal(t0.bytes_in + t0.bytes_out, 0);

    a.offchip = (ff_offchip){1, 2, 40, 1, 4, 64, 10};
    ff_sim *mem = spmv_run(&f, &a);
    ff_sim_timing t;
    ff_sim_timing_of(mem, &t);
    /* A (csr, 34 rows, 156 entries): A_j streams seg 35 + crd 156 words,
     * A_vals 156; x_vals 34 (x_j locates a dense level: no memory). y: its
     * writers write back seg 2 + crd 34, vals 34. */
    assert_int_equal(t.bytes_in, 4 * (35 + 156 + 156) + 4 * 34);
    assert_int_equal(t.bytes_out, 4 * (2 + 34 + 34));
    /* 16-word lines: 3 + 10, 10, 3 in; 3 + 1, 3 out */
    assert_int_equal(t.requests, 3 + 10 + 10 + 3 + 3 + 1 + 3);
    /* nothing is readable before startup + latency: every reader waits */
    assert_true(t.total >= t0.total + 10 + 40);
    assert_true(t.stall_mem > 0);
    assert_int_equal(ff_sim_cycles(mem), t.total);
    ff_sim_free(plain);
    ff_sim_free(mem);
    spmv_close(&f);
}

static void arch_latency_costs_cycles_not_results(void **state)
{
    spmv_fixture f;
    spmv_open(&f);
    ff_arch a;
    ff_arch_default(&a);
    ff_sim *fast = spmv_run(&f, &a);
    a.alu_latency[FF_ALU_MUL] = 6;
    a.fifo_depth = 8;
    ff_sim *deep = spmv_run(&f, &a);
    a.fifo_depth = 2;
    a.ii[FF_PRIM_ARRAY] = 3;
    ff_sim *slow = spmv_run(&f, &a);
    ff_tensor *y0, *y1, *y2;
    ff_err err = {0};
    assert_int_equal(ff_sim_take_output(fast, "y", &y0, &err), 0);
    assert_int_equal(ff_sim_take_output(deep, "y", &y1, &err), 0);
    assert_int_equal(ff_sim_take_output(slow, "y", &y2, &err), 0);
    assert_int_equal(ff_tensor_compare(y1, y0, &err), 0);
    assert_int_equal(ff_tensor_compare(y2, y0, &err), 0);
    /* II 3 on both value arrays makes them the bottleneck: at least 3
     * cycles for each of the 156 nonzeros. */
    assert_true(ff_sim_cycles(slow) >= 3 * 156);
    assert_true(ff_sim_cycles(slow) > ff_sim_cycles(fast));
    ff_tensor_free(y0);
    ff_tensor_free(y1);
    ff_tensor_free(y2);
    ff_sim_free(fast);
    ff_sim_free(deep);
    ff_sim_free(slow);
    spmv_close(&f);
}

static void arch_stats_json_matches_the_run(void **state)
{
    spmv_fixture f;
    spmv_open(&f);
    ff_arch a;
    ff_arch_default(&a);
    ff_sim *s = spmv_run(&f, &a);
    char path[] = "/tmp/ff_stats_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    ff_err err = {0};
    assert_int_equal(ff_sim_write_stats(s, path, &err), 0);
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    assert_non_null(root);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(root, "cycles"), "total")), ff_sim_cycles(s));
    json_t *nodes = json_object_get(root, "nodes");
    assert_int_equal(json_array_size(nodes), f.g->nnodes);
    /* 156 products, 156 A values read, 34 x values read. */
    assert_int_equal(json_integer_value(json_object_get(json_object_get(root, "alu_ops"), "mul")), 156);
    json_t *tensors = json_object_get(root, "tensors");
    int seen = 0;
    for (size_t i = 0; i < json_array_size(tensors); i++) {
        json_t *t = json_array_get(tensors, i);
        const char *name = json_string_value(json_object_get(t, "name"));
        json_int_t rd = json_integer_value(json_object_get(t, "bytes_read"));
        json_int_t wr = json_integer_value(json_object_get(t, "bytes_written"));
        /* A: 2 seg words per row + 1 crd word per entry (scanner) + 1 value per entry (array) */
        if (strcmp(name, "A") == 0) assert_int_equal(rd, 4 * (2 * 34 + 156 + 156)), seen++;
        if (strcmp(name, "x") == 0) assert_int_equal(rd, 4 * 156), seen++;
        if (strcmp(name, "y") == 0) assert_int_equal(wr, 4 * (34 + 1 + 34)), seen++;
    }
    assert_int_equal(seen, 3);
    json_t *chans = json_object_get(root, "channels");
    assert_int_equal(json_array_size(chans), f.g->nedges);
    json_decref(root);
    unlink(path);
    ff_sim_free(s);
    spmv_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(arch_default_file_is_the_built_in_default),
        cmocka_unit_test(arch_partial_file_overrides_only_its_keys),
        cmocka_unit_test(arch_bad_files_name_the_key),
        cmocka_unit_test(arch_offchip_ports_move_every_word_once),
        cmocka_unit_test(arch_latency_costs_cycles_not_results),
        cmocka_unit_test(arch_stats_json_matches_the_run),
    };
    return cmocka_run_group_tests_name("arch", tests, NULL, NULL);
}
