/*
 * test_mem.c -- the off-chip memory (ff_mem.h) and the memory ports of the
 * cycle model (docs/timing.md section 4), cycle by cycle on cases worked by
 * hand. The RTL's ports are held to the same cycles by the cosim tests
 * (cosim_offchip_*), which compare them with these.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ff_mem.h"
#include "ff_sim.h"

/* One cycle with the given requesting ports (tag = port); returns the granted
 * ports as a bit mask and the answered ones in *answered. */
static unsigned step(ff_mem *m, uint64_t t, const int *ports, int n, unsigned *answered)
{
    ff_mem_req req[8] = {{0, 0}};
    unsigned char granted[8];
    ff_mem_resp resp[8];
    int nresp = 0;
    for (int i = 0; i < n; i++) req[i] = (ff_mem_req){ports[i], ports[i]};
    ff_mem_cycle(m, t, req, n, granted, resp, &nresp);
    unsigned g = 0;
    for (int i = 0; i < n; i++)
        if (granted[i]) g |= 1u << ports[i];
    *answered = 0;
    for (int i = 0; i < nresp; i++) {
        assert_int_equal(resp[i].tag, resp[i].port);
        *answered |= 1u << resp[i].port;
    }
    return g;
}

/* 2 channels, II 2, one request in flight each, latency 3, startup 1; three
 * ports ask every cycle. */
static void mem_channels_interval_outstanding_round_robin(void **state)
{
    (void)state;
    ff_offchip o = {1, 2, 3, 2, 1, 64, 1};
    ff_mem *m = ff_mem_new(&o);
    const int all[] = {0, 1, 2};
    unsigned a;
    /* cycle 0: startup, nothing */
    assert_int_equal(step(m, 0, all, 3, &a), 0);
    /* cycle 1: ports 0, 1 on channels 0, 1; port 2 refused */
    assert_int_equal(step(m, 1, all, 3, &a), 0x3);
    assert_int_equal(ff_mem_in_flight(m), 2);
    /* cycles 2, 3: both channels hold their one request */
    assert_int_equal(step(m, 2, all, 3, &a), 0);
    assert_int_equal(step(m, 3, all, 3, &a), 0);
    /* cycle 4: both answered (1 + 3), slots free in the same cycle; round
     * robin starts after port 1: port 2, then port 0 */
    assert_int_equal(step(m, 4, all, 3, &a), 0x5);
    assert_int_equal(a, 0x3);
    /* cycle 7: answered; next come port 1, then port 2 */
    assert_int_equal(step(m, 5, all, 3, &a), 0);
    assert_int_equal(step(m, 6, all, 3, &a), 0);
    assert_int_equal(step(m, 7, all, 3, &a), 0x6);
    assert_int_equal(a, 0x5);
    ff_mem_free(m);
}

/* The issue interval alone: one channel, II 3, many in flight. */
static void mem_issue_interval(void **state)
{
    (void)state;
    ff_offchip o = {1, 1, 10, 3, 8, 64, 0};
    ff_mem *m = ff_mem_new(&o);
    const int p0[] = {0};
    unsigned a, granted = 0;
    for (uint64_t t = 0; t < 12; t++)
        if (step(m, t, p0, 1, &a)) granted |= 1u << t;
    assert_int_equal(granted, (1u << 0) | (1u << 3) | (1u << 6) | (1u << 9));
    assert_int_equal(step(m, 12, p0, 0, &a), 0);
    assert_int_equal(a, 0);
    assert_int_equal(step(m, 13, p0, 0, &a), 0);
    assert_int_equal(a, 0x1); /* the cycle-3 request, 10 later */
    ff_mem_free(m);
}

/* tests/graphs/offchip/NAME.json (test_cosim runs the same graphs on the RTL) */
static ff_graph *load(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, FF_SOURCE_DIR "/tests/graphs/offchip/%s.json", name);
    ff_graph *g = NULL;
    ff_err err = {0};
    if (ff_graph_load_json(path, &g, &err) || ff_graph_validate(g, &err)) fail_msg("%s", err.msg);
    return g;
}

/* 1 channel, latency 4, II 1, one in flight, 2-word lines, startup 2. */
static ff_sim_opts slow_memory(void)
{
    ff_sim_opts o;
    ff_sim_opts_default(&o);
    o.arch.offchip = (ff_offchip){1, 1, 4, 1, 1, 8, 2};
    return o;
}

/* An array over 6 values, refs 0 and 5. Its port asks for lines 0, 1, 2 in
 * cycles 2, 6, 10 (one in flight), answered in 6, 10, 14: word 0 readable
 * from 7, word 5 from 15. The array waits in cycles 1-6 (ref 0 at its head)
 * and 8-14 (ref 5), fires in 7, 15 and 16 (D); the sink takes D in 17. */
static void port_array_waits_for_its_line(void **state)
{
    (void)state;
    ff_graph *g = load("array"); /* src (refs 0 5 D) -> xv (array over x) -> snk */
    uint32_t dims[1] = {6};
    ff_tensor *x = NULL;
    ff_err err = {0};
    ff_format f;
    assert_int_equal(ff_format_parse("dense", 1, &f, &err), 0);
    ff_fx vals[6];
    for (int i = 0; i < 6; i++) vals[i] = (ff_fx)((i + 1) << 16);
    assert_int_equal(ff_tensor_from_dense("x", 1, dims, &f, 16, vals, &x, &err), 0);
    ff_sim_opts o = slow_memory();
    ff_sim *s = NULL;
    assert_int_equal(ff_sim_new(g, &o, &s, &err), 0);
    assert_int_equal(ff_sim_bind(s, "x", x, &err), 0);
    assert_int_equal(ff_sim_run(s, &err), 0);
    assert_int_equal(ff_sim_cycles(s), 18);
    ff_node_stats st;
    ff_sim_node_stats(s, ff_graph_find_node(g, "xv"), &st);
    assert_int_equal(st.stall_mem, 6 + 7);
    assert_int_equal(st.mem_requests, 3);
    assert_int_equal(st.mem_bytes, 24);
    assert_int_equal(st.done_cycle, 16);
    const ff_tok *toks;
    const uint64_t *cycles;
    size_t n;
    assert_int_equal(ff_sim_sink(s, "snk", &toks, &cycles, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(toks[1], ff_tok_data(6u << 16));
    assert_int_equal(cycles[0], 8);
    assert_int_equal(cycles[1], 16);
    ff_sim_free(s);

    /* held on chip: no port, no waiting (5 cycles) */
    assert_int_equal(ff_sim_new(g, &o, &s, &err), 0);
    assert_int_equal(ff_sim_bind(s, "x", x, &err), 0);
    assert_int_equal(ff_sim_on_chip(s, "x", &err), 0);
    assert_int_equal(ff_sim_run(s, &err), 0);
    assert_int_equal(ff_sim_cycles(s), 5);
    ff_sim_timing t;
    ff_sim_timing_of(s, &t);
    assert_int_equal(t.requests, 0);
    ff_sim_free(s);
    ff_tensor_free(x);
    ff_graph_free(g);
}

/* The writers of a sparse vector y = (1 2 3), node yc (crd 0 1 2 S0 D) and
 * yv (1 2 3 S0 D), each taking a token a cycle in cycles 1-5. The one
 * channel holds one request, so every grant waits for the last answer
 * (4 cycles later), and the ports take turns (yc is port 1, yv port 3):
 *   cycle  3  yc crd line 0 (crd 0, 1 written after cycle 2); yv refused
 *   cycle  7  yv vals line 0 (round robin: the port after yc)
 *   cycle 11  yc seg line 0 (0, 3: full after its S0 in cycle 4; turn)
 *   cycle 15  yv vals line 1 (partial, its core finished in 5)
 *   cycle 19  yc crd line 1 (partial)    -> yv finishes with its answer
 *   cycle 23  answered                   -> yc finishes: 24 cycles */
static void port_writers_finish_with_their_last_write(void **state)
{
    (void)state;
    ff_graph *g = load("writers");
    ff_sim_opts o = slow_memory();
    ff_sim *s = NULL;
    ff_err err = {0};
    assert_int_equal(ff_sim_new(g, &o, &s, &err), 0);
    assert_int_equal(ff_sim_run(s, &err), 0);
    assert_int_equal(ff_sim_cycles(s), 24);
    ff_node_stats c, v;
    ff_sim_node_stats(s, ff_graph_find_node(g, "yc"), &c);
    ff_sim_node_stats(s, ff_graph_find_node(g, "yv"), &v);
    assert_int_equal(v.done_cycle, 19);
    assert_int_equal(v.stall_mem, 19 - 5);
    assert_int_equal(v.mem_requests, 2);
    assert_int_equal(v.mem_bytes, 12);
    assert_int_equal(c.done_cycle, 23);
    assert_int_equal(c.stall_mem, 23 - 5);
    assert_int_equal(c.mem_requests, 3);
    assert_int_equal(c.mem_bytes, 12 + 8);
    ff_sim_timing t;
    ff_sim_timing_of(s, &t);
    assert_int_equal(t.bytes_out, 32);
    assert_int_equal(t.bytes_in, 0);
    ff_tensor *y = NULL;
    assert_int_equal(ff_sim_take_output(s, "y", &y, &err), 0);
    assert_int_equal(y->nvals, 3);
    ff_tensor_free(y);
    ff_sim_free(s);
    ff_graph_free(g);
}

/* A (2 x 4, csr): row 0 = columns 1 and 3, row 1 = column 2; level 1 is
 * seg (0 2 3) and crd (1 3 2): each 2 lines of 2 words. The port asks for
 * seg line 0 in cycle 2, then alternates: crd 0 in 6, seg 1 in 10, crd 1 in
 * 14 (one in flight), answered 4 later: seg words 0-1 readable from 7, all
 * from 15; crd words 0-1 from 11, all from 19. */
static ff_tensor *small_csr(void)
{
    uint32_t dims[2] = {2, 4};
    ff_fx dense[8] = {0, 1 << 16, 0, 2 << 16, 0, 0, 3 << 16, 0};
    ff_format f;
    ff_tensor *a = NULL;
    ff_err err = {0};
    assert_int_equal(ff_format_parse("csr", 2, &f, &err), 0);
    assert_int_equal(ff_tensor_from_dense("A", 2, dims, &f, 16, dense, &a, &err), 0);
    return a;
}

static ff_sim *run_on(const ff_graph *g, const ff_tensor *a, uint64_t cycles)
{
    ff_sim_opts o = slow_memory();
    ff_sim *s = NULL;
    ff_err err = {0};
    assert_int_equal(ff_sim_new(g, &o, &s, &err), 0);
    assert_int_equal(ff_sim_bind(s, "A", a, &err), 0);
    if (ff_sim_run(s, &err)) fail_msg("%s", err.msg);
    assert_int_equal(ff_sim_cycles(s), cycles);
    return s;
}

/* A scan of refs 0 1 D: ref 0 (at its head from cycle 1) reads seg 0-1,
 * readable from 7, then crd 0, from 11: it fires in 11 and 12 (crd 1,
 * readable), closes the fiber in 13; ref 1 reads seg 2 (waits in 14), then
 * crd 2 (waits 15-18), fires in 19; closes in 20, D in 21; the sink takes
 * 1 3 S0 2 S0 D in 12, 13, 14, 20, 21, 22. */
static void port_scan_waits_for_seg_then_crd(void **state)
{
    (void)state;
    ff_graph *g = load("scan");
    ff_tensor *a = small_csr();
    ff_sim *s = run_on(g, a, 23);
    ff_node_stats st;
    ff_sim_node_stats(s, ff_graph_find_node(g, "A_j"), &st);
    assert_int_equal(st.stall_mem, 10 + 1 + 4);
    assert_int_equal(st.mem_requests, 4);
    assert_int_equal(st.mem_bytes, 4 * (3 + 3));
    const ff_tok *toks;
    const uint64_t *cycles;
    size_t n;
    ff_err err = {0};
    assert_int_equal(ff_sim_sink(s, "snk", &toks, &cycles, &n, &err), 0);
    assert_int_equal(n, 6);
    const uint64_t want[6] = {12, 13, 14, 20, 21, 22};
    for (size_t i = 0; i < n; i++) assert_int_equal(cycles[i], want[i]);
    ff_sim_free(s);
    ff_tensor_free(a);
    ff_graph_free(g);
}

/* A locate of (3, row 0), (2, row 1), D: a pair waits for seg up to its
 * row's end and for its whole fiber: the first fires in 11 (seg 0-1 from 7,
 * crd 0-1 from 11), the second in 19 (all of seg from 15, of crd from 19),
 * D in 20; the sink takes positions 1, 2 and D in 12, 20, 21. */
static void port_locate_waits_for_the_whole_fiber(void **state)
{
    (void)state;
    ff_graph *g = load("locate");
    ff_tensor *a = small_csr();
    ff_sim *s = run_on(g, a, 22);
    ff_node_stats st;
    ff_sim_node_stats(s, ff_graph_find_node(g, "A_j"), &st);
    assert_int_equal(st.stall_mem, 10 + 7);
    assert_int_equal(st.mem_requests, 4);
    const ff_tok *toks;
    const uint64_t *cycles;
    size_t n;
    ff_err err = {0};
    assert_int_equal(ff_sim_sink(s, "snk", &toks, &cycles, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(toks[0], ff_tok_data(1));
    assert_int_equal(toks[1], ff_tok_data(2));
    assert_int_equal(cycles[0], 12);
    assert_int_equal(cycles[1], 20);
    ff_sim_free(s);
    ff_tensor_free(a);
    ff_graph_free(g);
}

/* Bad memory parameters are refused by the arch loader, named. */
static void arch_refuses_a_line_of_partial_words(void **state)
{
    (void)state;
    ff_arch a;
    ff_err err = {0};
    assert_int_equal(ff_arch_load_string("{\"fuseflow\": \"arch\", \"version\": 1, \"offchip\": {\"burst_bytes\": 48}}",
                                         "a.json", &a, &err),
                     FF_EINVAL);
    assert_non_null(strstr(err.msg, "a.json: offchip.burst_bytes: expected a power of two"));
    assert_int_equal(ff_arch_load_string("{\"fuseflow\": \"arch\", \"version\": 1, \"offchip\": {\"latency\": 0}}",
                                         "a.json", &a, &err),
                     FF_EINVAL);
    assert_non_null(strstr(err.msg, "offchip.latency"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mem_channels_interval_outstanding_round_robin),
        cmocka_unit_test(mem_issue_interval),
        cmocka_unit_test(port_array_waits_for_its_line),
        cmocka_unit_test(port_scan_waits_for_seg_then_crd),
        cmocka_unit_test(port_locate_waits_for_the_whole_fiber),
        cmocka_unit_test(port_writers_finish_with_their_last_write),
        cmocka_unit_test(arch_refuses_a_line_of_partial_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
