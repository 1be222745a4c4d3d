/*
 * test_sim_step.c -- the C model one cycle at a time (ff_sim_start,
 * ff_sim_step) is ff_sim_run: for every statement of every model in
 * examples/ (random inputs at the examples' sizes; a later statement reads
 * the reference interpreter's result of an earlier one), under the default
 * architecture and a pipelined one, stepping gives the same cycle count and
 * the same outputs, and a run cut short by a cycle limit fails at the same
 * cycle with the same message.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ff_ir.h"
#include "ff_lower.h"
#include "ff_sim.h"

typedef struct outcome {
    int rc;
    uint64_t cycles, steps;
    ff_err err;
    ff_tensor **out;
} outcome;

/* g on in[] (per graph tensor) under o, run whole or stepped. */
static void run(const ff_graph *g, const ff_tensor **in, const ff_sim_opts *o, int stepped, outcome *r)
{
    memset(r, 0, sizeof *r);
    ff_sim *s = NULL;
    if (ff_sim_new(g, o, &s, &r->err)) fail_msg("%s", r->err.msg);
    for (int t = 0; t < g->ntensors; t++)
        if (!g->tensors[t].is_output && ff_sim_bind(s, g->tensors[t].name, in[t], &r->err)) fail_msg("%s", r->err.msg);
    if (!stepped) {
        r->rc = ff_sim_run(s, &r->err);
    } else if (!(r->rc = ff_sim_start(s, &r->err))) {
        while ((r->rc = ff_sim_step(s, &r->err)) == FF_SIM_RUNNING) r->steps++;
        if (r->rc == 0) {
            r->steps++;
            /* a finished run stays finished */
            assert_int_equal(ff_sim_step(s, &r->err), 0);
        }
    }
    r->cycles = r->rc ? 0 : ff_sim_cycles(s);
    r->out = calloc((size_t)g->ntensors + 1, sizeof *r->out);
    for (int t = 0; t < g->ntensors && !r->rc; t++)
        if (g->tensors[t].is_output && ff_sim_take_output(s, g->tensors[t].name, &r->out[t], &r->err))
            fail_msg("%s", r->err.msg);
    ff_sim_free(s);
}

static void outcome_free(const ff_graph *g, outcome *r)
{
    for (int t = 0; t < g->ntensors; t++) ff_tensor_free(r->out[t]);
    free(r->out);
}

static void same(const ff_graph *g, const ff_tensor **in, const ff_sim_opts *o, const char *what, int *runs)
{
    outcome a, b;
    run(g, in, o, 0, &a);
    run(g, in, o, 1, &b);
    if (a.rc != b.rc || a.cycles != b.cycles || (a.rc && strcmp(a.err.msg, b.err.msg)))
        fail_msg("%s: run %d (%llu cycles, %s), stepped %d (%llu cycles, %s)", what, a.rc,
                 (unsigned long long)a.cycles, a.rc ? a.err.msg : "ok", b.rc, (unsigned long long)b.cycles,
                 b.rc ? b.err.msg : "ok");
    if (!a.rc) assert_int_equal(b.steps, a.cycles); /* no off-chip model: a step is a cycle */
    for (int t = 0; t < g->ntensors && !a.rc; t++) {
        ff_err err = {0};
        if (a.out[t] && ff_tensor_compare(b.out[t], a.out[t], &err)) fail_msg("%s: %s", what, err.msg);
    }
    outcome_free(g, &a);
    outcome_free(g, &b);
    (*runs)++;
}

static void step_is_run_on_every_example(void **state)
{
    (void)state;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/examples", FF_SOURCE_DIR);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    int runs = 0;
    ff_sim_opts plain, piped;
    ff_sim_opts_default(&plain);
    plain.max_cycles = 50000000;
    piped = plain;
    ff_err err = {0};
    if (ff_arch_load_string("{\"fuseflow\": \"arch\", \"version\": 1, \"fifo_depth\": 3, \"primitives\": {\"scan\": {\"latency\": 1}, "
                            "\"alu\": {\"latency\": 2, \"ii\": 2}, \"reduce\": {\"latency\": 1}}}",
                            "piped.json", &piped.arch, &err))
        fail_msg("%s", err.msg);
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 4 || strcmp(e->d_name + n - 3, ".ff")) continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        ff_ir_program *p = NULL;
        if (ff_ir_parse(path, NULL, &p, &err) || ff_ir_place_reductions(p, &err)) fail_msg("%s", err.msg);
        ff_tensor **data = calloc((size_t)p->ntensors + 1, sizeof *data);
        ff_tensor **ref = calloc((size_t)p->ntensors + 1, sizeof *ref);
        uint32_t *sizes = calloc((size_t)p->nsizes + 1, sizeof *sizes);
        if (ff_ir_random_inputs(p, 3, 0.2, sizes, data, &err) ||
            ff_ir_bind_sizes(p, (const ff_tensor *const *)data, sizes, &err) ||
            ff_ir_interpret(p, (const ff_tensor *const *)data, ref, &err))
            fail_msg("%s: %s", e->d_name, err.msg);
        for (int s = 0; s < p->nstmts; s++) {
            ff_lower_opts o;
            memset(&o, 0, sizeof o);
            ff_graph *g = NULL;
            if (ff_lower_default_order(p, s, &o, &err) || ff_lower_stmt(p, s, &o, &g, &err))
                fail_msg("%s statement %d: %s", e->d_name, s + 1, err.msg);
            const ff_tensor **in = calloc((size_t)g->ntensors + 1, sizeof *in);
            for (int t = 0; t < g->ntensors; t++) {
                int k = g->tensors[t].is_output ? -1 : ff_ir_find_tensor(p, g->tensors[t].name);
                if (k >= 0) in[t] = data[k] ? data[k] : ref[k];
            }
            char what[256];
            snprintf(what, sizeof what, "%s statement %d", e->d_name, s + 1);
            same(g, in, &plain, what, &runs);
            same(g, in, &piped, what, &runs);
            /* cut short: the same cycle-limit error */
            ff_sim_opts cut = plain;
            cut.max_cycles = 7;
            same(g, in, &cut, what, &runs);
            free(in);
            ff_graph_free(g);
        }
        for (int t = 0; t < p->ntensors; t++) {
            ff_tensor_free(data[t]);
            ff_tensor_free(ref[t]);
        }
        free(data);
        free(ref);
        free(sizes);
        ff_ir_free(p);
    }
    closedir(d);
    printf("%d runs: stepping equals running\n", runs);
    assert_true(runs > 30);
}

static void step_before_start_is_refused(void **state)
{
    (void)state;
    ff_err err = {0};
    char path[1024];
    snprintf(path, sizeof path, "%s/examples/spmv.ff", FF_SOURCE_DIR);
    ff_ir_program *p = NULL;
    ff_graph *g = NULL;
    ff_lower_opts o;
    memset(&o, 0, sizeof o);
    if (ff_ir_parse(path, NULL, &p, &err) || ff_ir_place_reductions(p, &err) ||
        ff_lower_default_order(p, 0, &o, &err) || ff_lower_stmt(p, 0, &o, &g, &err))
        fail_msg("%s", err.msg);
    ff_sim_opts so;
    ff_sim_opts_default(&so);
    ff_sim *s = NULL;
    if (ff_sim_new(g, &so, &s, &err)) fail_msg("%s", err.msg);
    assert_int_equal(ff_sim_step(s, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "was not started"));
    /* nothing bound: start fails as run would */
    assert_int_equal(ff_sim_start(s, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "is not bound"));
    ff_sim_free(s);
    ff_graph_free(g);
    ff_ir_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(step_is_run_on_every_example),
        cmocka_unit_test(step_before_start_is_refused),
    };
    return cmocka_run_group_tests_name("sim_step", tests, NULL, NULL);
}
