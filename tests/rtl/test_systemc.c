/*
 * test_systemc.c -- the SystemC testbench (cosim/systemc/ff_sc.h,
 * docs/cosim.md "SystemC testbench"): the Verilated --sc array and the C
 * model clocked side by side behind the TLM target, loaded and read back by
 * the initiator.
 *
 * A kernel (examples/spmm.ff at its own sizes, seed 1) and an application
 * (bench/apps/autoencoder.ff at CI size, unfused, kernel after kernel, a
 * later kernel reading the array's results of an earlier one) must come out
 * bit-identical and cycle-exact between the array and the C model, equal to
 * a direct ff_sim_run of the same graph, and in the end to the reference
 * interpreter. A perturbed configuration word must make the comparison
 * fail, a run the array's watch stops must be reported as the direct
 * runner reports it, and the target must answer raw transactions by its
 * address map (registers, the array's buses, the mailbox, the refusals).
 *
 * SystemC owns main and allows one elaboration per process: the cmocka
 * runner is called from ff_sc_main, the group setup elaborates once, and
 * every case runs its jobs in that one elaboration.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "ff_backend.h"
#include "ff_ir.h"
#include "ff_lower.h"
#include "ff_run.h"
#include "ff_sc.h"
#include "ff_sc_map.h"

static ff_sc *SC;
static ff_array_desc ARRAY;

/* Latencies 1-2, II 2, depth 3: within the array's limits (docs/rtl.md).
 * Every arch here gives the stream buffers the words the array's buffer
 * tile has (the testbench's C model reads the arch text, the array its
 * bitstream: both must agree, as ff_array_fit_arch makes them in cosim). */
#define BUFFER_WORDS "1024"
#define PIPELINED                                                                                                \
    "{\"fuseflow\": \"arch\", \"version\": 1, \"fifo_depth\": 3, \"buffer_words\": " BUFFER_WORDS ", "         \
    "\"primitives\": {\"scan\": {\"latency\": 1}, "                                                              \
    "\"repeat\": {\"latency\": 1}, \"alu\": {\"latency\": 2, \"ii\": 2}, \"reduce\": {\"latency\": 1}}}"
#define DEFAULTS "{\"fuseflow\": \"arch\", \"version\": 1, \"buffer_words\": " BUFFER_WORDS "}"

static int setup(void **state)
{
    (void)state;
    ff_err err = {0};
    char path[1024];
    snprintf(path, sizeof path, "%s/rtl/arrays/%s.json", FF_SOURCE_DIR, ff_sc_array_name());
    if (ff_array_load(path, &ARRAY, &err) || ff_sc_new(&SC, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    if (ARRAY.mem_words[FF_PRIM_BUFFER] != (uint32_t)atoi(BUFFER_WORDS)) {
        fprintf(stderr, "array '%s' has buffer tiles of %u words, the test's archs " BUFFER_WORDS "\n", ARRAY.name,
                ARRAY.mem_words[FF_PRIM_BUFFER]);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ff_sc_free(SC);
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The graph's inputs from the program's data, by name. */
static const ff_tensor **graph_inputs(const ff_ir_program *p, ff_tensor **data, const ff_graph *g)
{
    const ff_tensor **in = calloc((size_t)g->ntensors + 1, sizeof *in);
    for (int t = 0; t < g->ntensors; t++) {
        int k = g->tensors[t].is_output ? -1 : ff_ir_find_tensor(p, g->tensors[t].name);
        if (k >= 0) in[t] = data[k];
    }
    return in;
}

/* The C model run directly (ff_sim_run): its cycles and outputs must be
 * the ones the SystemC model gave. */
static void check_direct(const ff_graph *g, const ff_tensor **in, const ff_arch *arch, const ff_sc_result *res)
{
    ff_err err = {0};
    ff_sim_opts so;
    ff_sim_opts_default(&so);
    so.arch = *arch;
    so.max_cycles = 50000000;
    ff_sim *s = NULL;
    if (ff_sim_new(g, &so, &s, &err)) fail_msg("%s", err.msg);
    for (int t = 0; t < g->ntensors; t++)
        if (!g->tensors[t].is_output && ff_sim_bind(s, g->tensors[t].name, in[t], &err)) fail_msg("%s", err.msg);
    if (ff_sim_run(s, &err)) fail_msg("direct C model: %s", err.msg);
    assert_int_equal(ff_sim_cycles(s), res->model_cycles);
    for (int t = 0; t < g->ntensors; t++) {
        if (!g->tensors[t].is_output) continue;
        ff_tensor *y = NULL;
        if (ff_sim_take_output(s, g->tensors[t].name, &y, &err)) fail_msg("%s", err.msg);
        if (ff_tensor_compare(res->model_out[t], y, &err)) fail_msg("SystemC vs direct C model: %s", err.msg);
        ff_tensor_free(y);
    }
    ff_sim_free(s);
}

typedef struct totals {
    int kernels;
    uint64_t cycles, edges, run_edges, transactions, bytes;
    double seconds;
} totals;

/* Program `file` (relative to the source tree) with sizes `dims`
 * ("NAME=SIZE", NULL-terminated), random inputs (seed, density), under the
 * architecture arch_json (NULL: the defaults), unfused:
 * every kernel through the testbench and compared there; the array's
 * results (read back over TLM) stored in their declared formats for the
 * kernels after; every result against the reference interpreter. */
/* A program run by the runner (ff_run.h), each kernel on the SystemC
 * testbench: what one kernel needs. */
typedef struct sc_run {
    const char *file;
    const ff_arch *arch;
    const ff_sc_opts *so;
    totals *tot;
} sc_run;

/* The runner's kernel callback: the kernel's bitstream on the array and the
 * C model behind the TLM target, equal; the array's results go on. */
static int sc_kernel(ff_run_kernel *rk, void *user, ff_err *err)
{
    sc_run *r = user;
    const ff_graph *g = rk->g;
    ff_bitstream *bs = NULL;
    if (ff_backend_compile(g, &ARRAY, r->arch, &bs, err)) fail_msg("%s kernel %d: %s", r->file, rk->index + 1, err->msg);
    ff_sc_result res;
    double t0 = now();
    int rc = ff_sc_run_graph(SC, g, bs, rk->in, r->so, &res, err);
    double dt = now() - t0;
    printf("  %s kernel %d (%s): array %llu, C model %llu cycles; %llu clock cycles in all, %llu TLM transactions; "
           "%.2f s: %s\n",
           r->file, rk->index + 1, g->name, (unsigned long long)res.array_cycles, (unsigned long long)res.model_cycles,
           (unsigned long long)res.edges, (unsigned long long)res.transactions, dt, rc ? err->msg : "equal");
    assert_int_equal(rc, 0);
    assert_true(res.array_cycles > 0);
    assert_int_equal(res.array_cycles, res.model_cycles);
    check_direct(g, rk->in, r->arch, &res);
    totals *tot = r->tot;
    tot->kernels++;
    tot->cycles += res.array_cycles;
    tot->edges += res.edges;
    tot->run_edges += res.run_edges;
    tot->transactions += res.transactions;
    tot->bytes += res.bytes;
    tot->seconds += dt;
    /* the array's results for the kernels after this one */
    for (int t = 0; t < g->ntensors; t++)
        if (g->tensors[t].is_output) {
            rk->out[t] = res.array_out[t];
            res.array_out[t] = NULL;
        }
    ff_sc_result_free(&res);
    ff_bitstream_free(bs);
    return 0;
}

static void run_program(const char *file, const char *const *dims, uint64_t seed, double density,
                        const char *arch_json, int block, totals *tot)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", FF_SOURCE_DIR, file);
    ff_err err = {0};
    ff_arch arch;
    ff_arch_default(&arch);
    if (arch_json && ff_arch_load_string(arch_json, "test", &arch, &err)) fail_msg("%s", err.msg);
    ff_sc_opts so = {.arch_json = arch_json};
    ff_ir_program *p = NULL;
    if (ff_ir_parse(path, NULL, &p, &err) || ff_ir_place_reductions(p, &err)) fail_msg("%s", err.msg);
    ff_tensor **data = calloc((size_t)p->ntensors + 1, sizeof *data);
    ff_tensor **ref = calloc((size_t)p->ntensors + 1, sizeof *ref);
    uint32_t *sizes = calloc((size_t)p->nsizes + 1, sizeof *sizes);
    for (int d = 0; dims && dims[d]; d++) {
        const char *eq = strchr(dims[d], '=');
        for (int s = 0; s < p->nsizes; s++)
            if (!strncmp(p->sizes[s].name, dims[d], (size_t)(eq - dims[d])) && !p->sizes[s].name[eq - dims[d]])
                sizes[s] = (uint32_t)atoi(eq + 1);
    }
    if (ff_ir_random_inputs(p, seed, density, sizes, data, &err) ||
        ff_ir_bind_sizes(p, (const ff_tensor *const *)data, sizes, &err))
        fail_msg("%s: %s", file, err.msg);
    if (ff_ir_interpret(p, (const ff_tensor *const *)data, ref, &err)) fail_msg("reference interpreter: %s", err.msg);
    memset(tot, 0, sizeof *tot);
    sc_run r = {file, &arch, &so, tot};
    ff_run_sched sched = {.block = block, .buffer_words = arch.buffer_words};
    ff_run_ops ops = {.kernel = sc_kernel, .user = &r};
    if (ff_run_program(p, data, &sched, &ops, &err)) fail_msg("%s: %s", file, err.msg);
    for (int t = 0; t < p->ntensors; t++) {
        if (p->tensors[t].role != FF_IR_INPUT && ref[t] && ff_tensor_compare(data[t], ref[t], &err))
            fail_msg("%s: '%s' against the reference interpreter: %s", file, p->tensors[t].name, err.msg);
        ff_tensor_free(data[t]);
        ff_tensor_free(ref[t]);
    }
    printf("  %s: %d kernel%s, %llu cycles (run: %llu clock cycles; with loading and read-back %llu), "
           "%llu TLM transactions (%llu bytes), %.2f s: %.0f array cycles/s, %.0f clock cycles/s\n",
           file, tot->kernels, tot->kernels == 1 ? "" : "s", (unsigned long long)tot->cycles,
           (unsigned long long)tot->run_edges, (unsigned long long)tot->edges, (unsigned long long)tot->transactions,
           (unsigned long long)tot->bytes, tot->seconds, (double)tot->cycles / tot->seconds,
           (double)tot->edges / tot->seconds);
    free(data);
    free(ref);
    free(sizes);
    ff_ir_free(p);
}

static void sc_spmm_kernel_matches(void **state)
{
    (void)state;
    totals tot, piped;
    run_program("examples/spmm.ff", NULL, 1, 0.1, DEFAULTS, 0, &tot);
    assert_int_equal(tot.kernels, 1);
    /* pipelined: the C model gets the architecture through the mailbox, the
     * array through the bitstream */
    run_program("examples/spmm.ff", NULL, 1, 0.1, PIPELINED, 0, &piped);
    assert_true(piped.cycles != tot.cycles);
}

/* Blocked (--block 2): the blocked value arrays loaded into the block store
 * and the written blocks read back by handle, all over TLM (SRAM slot 1). */
static void sc_blocked_attention_matches(void **state)
{
    (void)state;
    totals tot;
    static const char *const dims[] = {"N=8", "D=4", NULL};
    run_program("examples/block_attention.ff", dims, 3, 0.4, DEFAULTS, 2, &tot);
    assert_int_equal(tot.kernels, 2);
}

static void sc_autoencoder_app_matches(void **state)
{
    (void)state;
    static const char *const dims[] = {"B=4", "D=24", "E=12", NULL};
    totals tot;
    run_program("bench/apps/autoencoder.ff", dims, 11, 0.1, DEFAULTS, 0, &tot);
    assert_int_equal(tot.kernels, 2);
}

/* examples/spmv.ff at size 8 on random data; `reg` of alu[0] XORed with
 * mask in the bitstream (0: none); max_cycles for the array. */
static int run_spmv(int reg, uint32_t mask, uint64_t max_cycles, ff_sc_result *res, ff_err *err)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/examples/spmv.ff", FF_SOURCE_DIR);
    ff_ir_program *p = NULL;
    if (ff_ir_parse(path, NULL, &p, err) || ff_ir_place_reductions(p, err)) fail_msg("%s", err->msg);
    ff_tensor **data = calloc((size_t)p->ntensors + 1, sizeof *data);
    uint32_t *sizes = calloc((size_t)p->nsizes + 1, sizeof *sizes);
    for (int k = 0; k < p->nsizes; k++) sizes[k] = 8;
    if (ff_ir_random_inputs(p, 7, 0.4, sizes, data, err)) fail_msg("%s", err->msg);
    ff_lower_opts o;
    memset(&o, 0, sizeof o);
    ff_graph *g = NULL;
    ff_bitstream *bs = NULL;
    if (ff_lower_default_order(p, 0, &o, err) || ff_lower_stmt(p, 0, &o, &g, err) ||
        ff_backend_compile(g, &ARRAY, NULL, &bs, err))
        fail_msg("%s", err->msg);
    if (mask) {
        uint32_t addr = (uint32_t)ff_array_tile_slot(&ARRAY, FF_PRIM_ALU, 0) * FF_RTL_REGS_PER_SLOT + (uint32_t)reg;
        size_t i = bs->words.len;
        while (i-- > 0 && bs->words.data[i].addr != addr) {
        }
        assert_true(i < bs->words.len);
        bs->words.data[i].data ^= mask;
    }
    const ff_tensor **in = graph_inputs(p, data, g);
    ff_sc_opts so = {.max_cycles = max_cycles};
    int rc = ff_sc_run_graph(SC, g, bs, in, &so, res, err);
    printf("  spmv, alu[0] register %d ^ 0x%x, cycle limit %llu: %s\n", reg, mask, (unsigned long long)max_cycles,
           rc ? err->msg : "equal");
    free(in);
    ff_bitstream_free(bs);
    ff_graph_free(g);
    for (int t = 0; t < p->ntensors; t++) ff_tensor_free(data[t]);
    free(data);
    free(sizes);
    ff_ir_free(p);
    return rc;
}

static void sc_perturbed_config_is_caught(void **state)
{
    (void)state;
    ff_err err = {0};
    ff_sc_result res;
    /* unperturbed: equal */
    assert_int_equal(run_spmv(0, 0, 0, &res, &err), 0);
    uint64_t cycles = res.array_cycles;
    assert_true(cycles > 0);
    assert_int_equal(res.compare, 3);
    ff_sc_result_free(&res);
    /* a longer ALU pipeline: the outputs agree, the cycles do not, and the
     * target's COMPARE register says so too */
    assert_int_equal(run_spmv(FF_RTL_REG_CTRL, 1u << FF_RTL_CTRL_LATENCY_LSB, 0, &res, &err), FF_EMISMATCH);
    assert_non_null(strstr(err.msg, "outputs equal, but the RTL took"));
    assert_true(res.array_cycles != res.model_cycles);
    assert_int_equal(res.model_cycles, cycles);
    assert_int_equal(res.compare, 1);
    ff_sc_result_free(&res);
    /* mul (2) -> max (4): the values differ */
    assert_int_equal(run_spmv(FF_RTL_ALU_OP_REG, 6u << FF_RTL_ALU_OP_LSB, 0, &res, &err), FF_EMISMATCH);
    assert_non_null(strstr(err.msg, "output 'y' differs (got = RTL, expected = C model)"));
    ff_sc_result_free(&res);
}

static void sc_stopped_array_is_explained(void **state)
{
    (void)state;
    ff_err err = {0};
    ff_sc_result res;
    assert_int_equal(run_spmv(0, 0, 20, &res, &err), FF_ELIMIT);
    assert_non_null(strstr(err.msg, "RTL: graph 'y' on array 'kernels': cycle limit 20 reached; unfinished:"));
    assert_int_equal(res.array_cycles, 0);
    assert_true(res.model_cycles > 20);
    ff_sc_result_free(&res);
    /* and the testbench goes on */
    assert_int_equal(run_spmv(0, 0, 0, &res, &err), 0);
    ff_sc_result_free(&res);
}

/* The target answers by its address map (ff_sc_map.h, docs/cosim.md). */
static void sc_bus_answers_by_the_map(void **state)
{
    (void)state;
    ff_err err = {0};
    uint32_t v = 0, w[2] = {0, 0};
    assert_int_equal(ff_sc_transact(SC, 0, FF_SC_CTRL_BASE + FF_SC_REG_ID, &v, 4, &err), 0);
    assert_int_equal(v, FF_SC_ID);
    /* the array's geometry block, through the configuration space */
    assert_int_equal(ff_sc_transact(SC, 0, FF_SC_CFG_BASE + 4 * FF_RTL_GEO_MAGIC, &v, 4, &err), 0);
    assert_int_equal(v, FF_RTL_MAGIC);
    assert_int_equal(ff_sc_transact(SC, 0, FF_SC_CFG_BASE + 4 * FF_RTL_GEO_NHIN, &v, 4, &err), 0);
    assert_int_equal(v, (uint32_t)ARRAY.nhin);
    /* the mailbox keeps bytes */
    char text[] = "fuseflow", back[sizeof text] = "";
    assert_int_equal(ff_sc_transact(SC, 1, FF_SC_MBOX_BASE + 3, text, sizeof text, &err), 0);
    assert_int_equal(ff_sc_transact(SC, 0, FF_SC_MBOX_BASE + 3, back, sizeof back, &err), 0);
    assert_string_equal(back, text);
    /* a failed model command: the write succeeds, MODEL_STATUS and MSG say why */
    v = 99;
    assert_int_equal(ff_sc_transact(SC, 1, FF_SC_CTRL_BASE + FF_SC_REG_MODEL_CMD, &v, 4, &err), 0);
    assert_int_equal(ff_sc_transact(SC, 0, FF_SC_CTRL_BASE + FF_SC_REG_MODEL_STATUS, &v, 4, &err), 0);
    assert_int_equal(v, (uint32_t)-FF_EINVAL);
    char msg[128] = "";
    assert_int_equal(ff_sc_transact(SC, 0, FF_SC_MSG_BASE, msg, sizeof msg - 1, &err), 0);
    assert_non_null(strstr(msg, "model command 99: no such command"));
    /* refusals */
    assert_int_equal(ff_sc_transact(SC, 0, 0x20000000u, &v, 4, &err), FF_EIO);
    assert_non_null(strstr(err.msg, "TLM_ADDRESS_ERROR_RESPONSE"));
    assert_int_equal(ff_sc_transact(SC, 1, FF_SC_CTRL_BASE + FF_SC_REG_STATUS, &v, 4, &err), FF_EIO);
    assert_non_null(strstr(err.msg, "TLM_COMMAND_ERROR_RESPONSE"));
    assert_int_equal(ff_sc_transact(SC, 1, FF_SC_MSG_BASE, &v, 4, &err), FF_EIO);
    assert_non_null(strstr(err.msg, "TLM_COMMAND_ERROR_RESPONSE"));
    assert_int_equal(ff_sc_transact(SC, 0, FF_SC_CFG_BASE + 2, &v, 2, &err), FF_EIO);
    assert_non_null(strstr(err.msg, "TLM_GENERIC_ERROR_RESPONSE"));
    uint64_t last = FF_SC_SRAM_BASE + (5u << FF_SC_SRAM_SLOT_SHIFT) - 4; /* slot 4's last word */
    assert_int_equal(ff_sc_transact(SC, 1, last, w, 8, &err), FF_EIO);
    assert_non_null(strstr(err.msg, "TLM_BURST_ERROR_RESPONSE"));
    assert_int_equal(ff_sc_transact(SC, 1, last, w, 4, &err), 0);
}

int ff_sc_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sc_spmm_kernel_matches),
        cmocka_unit_test(sc_blocked_attention_matches),
        cmocka_unit_test(sc_autoencoder_app_matches),
        cmocka_unit_test(sc_perturbed_config_is_caught),
        cmocka_unit_test(sc_stopped_array_is_explained),
        cmocka_unit_test(sc_bus_answers_by_the_map),
    };
    return cmocka_run_group_tests_name("systemc", tests, setup, teardown);
}
