/*
 * test_sim.c -- the engine: deadlock reports, cycle limits, contract
 * violations, statistics, traces, determinism and two simulations running in
 * two threads at once.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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

static void connect(ff_graph *g, int a, const char *pa, int b, const char *pb)
{
    ff_err err = {0};
    if (ff_graph_connect(g, a, pa, b, pb, 0, &err) < 0) fail_msg("%s", err.msg);
}

static void set_str(ff_graph *g, int n, const char *k, const char *v)
{
    ff_err err = {0};
    if (ff_node_set_str(g, n, k, v, &err) < 0) fail_msg("%s", err.msg);
}

/* add.b is fed by add's own output: nothing can ever start. */
static ff_graph *cyclic_graph(const char *tokens)
{
    ff_graph *g = ff_graph_new("cyclic");
    int src = node(g, "src", FF_PRIM_SOURCE), add = node(g, "add", FF_PRIM_ALU);
    int bc = node(g, "bc", FF_PRIM_BROADCAST), snk = node(g, "snk", FF_PRIM_SINK);
    set_str(g, src, "type", "val");
    set_str(g, src, "tokens", tokens);
    set_str(g, add, "op", "add");
    connect(g, src, "out", add, "a");
    connect(g, add, "val", bc, "in");
    connect(g, bc, "out0", add, "b");
    connect(g, bc, "out1", snk, "in");
    ff_err err = {0};
    if (ff_graph_validate(g, &err)) fail_msg("%s", err.msg);
    return g;
}

static void sim_deadlock_names_blocked_nodes(void **state)
{
    ff_graph *g = cyclic_graph("1 2 3 4 5 D");
    ff_sim *s = NULL;
    ff_err err = {0};
    assert_int_equal(ff_sim_new(g, NULL, &s, &err), 0);
    assert_int_equal(ff_sim_run(s, &err), FF_EDEADLOCK);
    assert_non_null(strstr(err.msg, "deadlock at cycle"));
    assert_non_null(strstr(err.msg, "'add' waits for input on b (empty, from 'bc')"));
    assert_non_null(strstr(err.msg, "'src' waits for space on out (full, 2 tokens, to 'add')"));
    ff_sim_free(s);
    ff_graph_free(g);
}

static ff_graph *chain_graph(const char *tokens, const char *ready)
{
    ff_graph *g = ff_graph_new("chain");
    int src = node(g, "src", FF_PRIM_SOURCE), relu = node(g, "relu", FF_PRIM_ALU), snk = node(g, "snk", FF_PRIM_SINK);
    set_str(g, src, "type", "val");
    set_str(g, src, "tokens", tokens);
    set_str(g, relu, "op", "relu");
    if (ready) set_str(g, snk, "ready", ready);
    connect(g, src, "out", relu, "a");
    connect(g, relu, "val", snk, "in");
    ff_err err = {0};
    if (ff_graph_validate(g, &err)) fail_msg("%s", err.msg);
    return g;
}

static void sim_cycle_limit_stops_the_run(void **state)
{
    ff_graph *g = chain_graph("1 2 3 4 5 6 7 8 9 D", NULL);
    ff_sim_opts o;
    ff_sim_opts_default(&o);
    o.max_cycles = 5;
    ff_sim *s = NULL;
    ff_err err = {0};
    assert_int_equal(ff_sim_new(g, &o, &s, &err), 0);
    assert_int_equal(ff_sim_run(s, &err), FF_ELIMIT);
    assert_non_null(strstr(err.msg, "cycle limit 5 reached"));
    ff_sim_free(s);
    ff_graph_free(g);
}

/* Sources a and b (value tokens) into ALU 'mul' into sink 'snk'. */
static ff_graph *mul_graph(const char *name, const char *a_tokens, const char *b_tokens)
{
    ff_graph *g = ff_graph_new(name);
    int a = node(g, "a", FF_PRIM_SOURCE), b = node(g, "b", FF_PRIM_SOURCE);
    int mul = node(g, "mul", FF_PRIM_ALU), snk = node(g, "snk", FF_PRIM_SINK);
    set_str(g, a, "type", "val");
    set_str(g, a, "tokens", a_tokens);
    set_str(g, b, "type", "val");
    set_str(g, b, "tokens", b_tokens);
    set_str(g, mul, "op", "mul");
    connect(g, a, "out", mul, "a");
    connect(g, b, "out", mul, "b");
    connect(g, mul, "val", snk, "in");
    ff_err err = {0};
    assert_int_equal(ff_graph_validate(g, &err), 0);
    return g;
}

static void sim_contract_violation_names_node_and_cycle(void **state)
{
    ff_graph *g = mul_graph("bad", "1 2 S0 D", "1 S0 D");
    ff_err err = {0};
    ff_sim *s = NULL;
    assert_int_equal(ff_sim_new(g, NULL, &s, &err), 0);
    assert_int_equal(ff_sim_run(s, &err), FF_ERUNTIME);
    assert_string_equal(err.msg, "node 'mul' (alu), cycle 2: input a is at '2' but b at 'S0': value streams are not aligned");
    ff_sim_free(s);
    ff_graph_free(g);
}

static void sim_stats_account_every_cycle(void **state)
{
    /* The sink accepts every third cycle, so the ALU stalls on output. */
    ff_graph *g = chain_graph("1 2 3 4 5 6 7 8 D", "001");
    ff_sim *s = NULL;
    ff_err err = {0};
    assert_int_equal(ff_sim_new(g, NULL, &s, &err), 0);
    assert_int_equal(ff_sim_run(s, &err), 0);
    uint64_t cycles = ff_sim_cycles(s);
    ff_node_stats st;
    ff_sim_node_stats(s, ff_graph_find_node(g, "relu"), &st);
    assert_int_equal(st.fired, 9);
    assert_int_equal(st.tokens_in, 9);
    assert_int_equal(st.tokens_out, 9);
    assert_true(st.stall_out > 0);
    /* Until it finished, the ALU was always firing or stalled for a reason. */
    assert_int_equal(st.fired + st.stall_in + st.stall_out, st.done_cycle + 1);
    assert_true(st.done_cycle < cycles);
    ff_chan_stats cs;
    ff_sim_edge_stats(s, 1, &cs);
    assert_int_equal(cs.tokens, 9);
    assert_int_equal(cs.depth, 2);
    assert_int_equal(cs.high_water, 2);
    ff_sim_free(s);
    ff_graph_free(g);
}

/* 200 * 300 and -300 * 200 are beyond Q15.16: the ALU saturates them (the
 * values are what the RTL computes) and counts both; 1 * 2 is not counted. */
static void sim_stats_count_alu_saturation(void **state)
{
    ff_graph *g = mul_graph("sat", "200 1 -300 S0 D", "300 2 200 S0 D");
    int mul = ff_graph_find_node(g, "mul");
    ff_err err = {0};
    ff_sim *s = NULL;
    assert_int_equal(ff_sim_new(g, NULL, &s, &err), 0);
    assert_int_equal(ff_sim_run(s, &err), 0);
    ff_node_stats st;
    ff_sim_node_stats(s, mul, &st);
    assert_int_equal(st.ops, 3);
    assert_int_equal(st.saturated, 2);
    const char *most = NULL;
    assert_int_equal(ff_sim_saturated(s, &most), 2);
    assert_string_equal(most, "mul");
    const ff_tok *toks;
    const uint64_t *cycles;
    size_t n;
    assert_int_equal(ff_sim_sink(s, "snk", &toks, &cycles, &n, &err), 0);
    assert_true(n >= 3);
    assert_int_equal(toks[0], ff_tok_data((uint32_t)FF_FX_MAX));
    assert_int_equal(toks[1], ff_tok_data((uint32_t)(2 << 16)));
    assert_int_equal(toks[2], ff_tok_data((uint32_t)FF_FX_MIN));
    ff_sim_free(s);
    ff_graph_free(g);
}

static void sim_trace_lists_every_push(void **state)
{
    ff_graph *g = chain_graph("1 -2 S0 D", NULL);
    ff_sim_opts o;
    ff_sim_opts_default(&o);
    char *buf = NULL;
    size_t len = 0;
    o.trace = open_memstream(&buf, &len);
    ff_sim *s = NULL;
    ff_err err = {0};
    assert_int_equal(ff_sim_new(g, &o, &s, &err), 0);
    assert_int_equal(ff_sim_run(s, &err), 0);
    fclose(o.trace);
    assert_string_equal(buf, "0 src.out->relu.a 1\n"
                             "1 src.out->relu.a -2\n"
                             "1 relu.val->snk.in 1\n"
                             "2 src.out->relu.a S0\n"
                             "2 relu.val->snk.in 0\n"
                             "3 src.out->relu.a D\n"
                             "3 relu.val->snk.in S0\n"
                             "4 relu.val->snk.in D\n");
    free(buf);
    ff_sim_free(s);
    ff_graph_free(g);
}

/* ---- the same SpMM, serially and in two threads at once ---- */

typedef struct spmm_run {
    const ff_graph *g;
    const ff_tensor *A, *B;
    uint64_t cycles;
    ff_tensor *X;
    int rc;
} spmm_run;

static void *run_spmm(void *arg)
{
    spmm_run *r = arg;
    ff_sim *s = NULL;
    ff_err err = {0};
    r->rc = ff_sim_new(r->g, NULL, &s, &err);
    if (!r->rc) r->rc = ff_sim_bind(s, "A", r->A, &err);
    if (!r->rc) r->rc = ff_sim_bind(s, "B", r->B, &err);
    if (!r->rc) r->rc = ff_sim_run(s, &err);
    if (!r->rc) r->cycles = ff_sim_cycles(s);
    if (!r->rc) r->rc = ff_sim_take_output(s, "X", &r->X, &err);
    if (r->rc) printf("run_spmm: %s\n", err.msg);
    ff_sim_free(s);
    return NULL;
}

static void sim_is_deterministic_and_thread_safe(void **state)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/graphs/spmm_ikj.json", FF_SOURCE_DIR);
    ff_graph *g = NULL;
    ff_err err = {0};
    assert_int_equal(ff_graph_load_json(path, &g, &err), 0);
    ff_format csr;
    ff_format_parse("csr", 2, &csr, &err);
    uint32_t dims[2] = {60, 60};
    ff_rand_spec spec = {0.1, -1, 1, 4, 11};
    ff_tensor *A = NULL, *B = NULL;
    assert_int_equal(ff_tensor_random("A", 2, dims, &csr, 16, &spec, &A, &err), 0);
    spec.seed = 12;
    assert_int_equal(ff_tensor_random("B", 2, dims, &csr, 16, &spec, &B, &err), 0);

    spmm_run serial = {g, A, B, 0, NULL, 0}, t1 = serial, t2 = serial;
    run_spmm(&serial);
    assert_int_equal(serial.rc, 0);
    pthread_t th1, th2;
    pthread_create(&th1, NULL, run_spmm, &t1);
    pthread_create(&th2, NULL, run_spmm, &t2);
    pthread_join(th1, NULL);
    pthread_join(th2, NULL);
    assert_int_equal(t1.rc, 0);
    assert_int_equal(t2.rc, 0);
    assert_true(serial.cycles > 0);
    assert_int_equal(t1.cycles, serial.cycles);
    assert_int_equal(t2.cycles, serial.cycles);
    assert_int_equal(ff_tensor_compare(t1.X, serial.X, &err), 0);
    assert_int_equal(ff_tensor_compare(t2.X, serial.X, &err), 0);
    ff_tensor_free(serial.X);
    ff_tensor_free(t1.X);
    ff_tensor_free(t2.X);
    ff_tensor_free(A);
    ff_tensor_free(B);
    ff_graph_free(g);
}

static void sim_requires_every_input_bound(void **state)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/graphs/spmv.json", FF_SOURCE_DIR);
    ff_graph *g = NULL;
    ff_err err = {0};
    assert_int_equal(ff_graph_load_json(path, &g, &err), 0);
    ff_sim *s = NULL;
    assert_int_equal(ff_sim_new(g, NULL, &s, &err), 0);
    assert_int_equal(ff_sim_run(s, &err), FF_EINVAL);
    assert_string_equal(err.msg, "graph 'spmv': input tensor 'A' is not bound");
    ff_sim_free(s);
    ff_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sim_deadlock_names_blocked_nodes),
        cmocka_unit_test(sim_cycle_limit_stops_the_run),
        cmocka_unit_test(sim_contract_violation_names_node_and_cycle),
        cmocka_unit_test(sim_stats_account_every_cycle),
        cmocka_unit_test(sim_stats_count_alu_saturation),
        cmocka_unit_test(sim_trace_lists_every_push),
        cmocka_unit_test(sim_is_deterministic_and_thread_safe),
        cmocka_unit_test(sim_requires_every_input_bound),
    };
    return cmocka_run_group_tests_name("sim", tests, NULL, NULL);
}
