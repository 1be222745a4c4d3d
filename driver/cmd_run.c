/*
 * cmd_run.c -- `fuseflow run`: compile a model and run it on the cycle model,
 * statement after statement, intermediates materialized between them; with
 * --check, compare every result with the reference interpreter.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "driver.h"
#include "ff_graph.h"
#include "ff_ir.h"
#include "ff_lower.h"
#include "ff_sim.h"

static const char help[] =
    "usage: fuseflow run MODEL.ff [--tensor NAME=FILE ...] [--random SEED [--density D] [--dim NAME=SIZE ...]]\n"
    "                    [--out DIR] [--check] [--arch ARCH.json | --functional]\n"
    "                    [--fuse SPEC] [--order [N:]i,k,j | auto ...]\n"
    "\n"
    "Compiles MODEL.ff and runs each kernel's graph on the cycle model, in order;\n"
    "a result read by a later kernel is stored in its format and read back\n"
    "(charged as memory traffic when the architecture models it).\n"
    "\n"
    "  --tensor NAME=FILE  an input tensor (.mtx or the dense text form)\n"
    "  --random SEED       random data for every input not given, in its declared\n"
    "                      format; --density D (default 0.1) for sparse formats;\n"
    "                      --dim NAME=SIZE fixes a size symbol (default 16)\n"
    "  --out DIR           write every output tensor as DIR/NAME.mtx\n"
    "  --save-inputs DIR   write every input tensor (given or random) as DIR/NAME.mtx,\n"
    "                      to reproduce a run with --tensor\n"
    "  --check             compare every result with the reference interpreter,\n"
    "                      bit for bit; exit 1 and print the first difference\n"
    "  --arch ARCH.json    architecture parameters; --functional: results only\n"
    "  --fuse SPEC          none (default), all, or ranges such as 1-3,4 (fuseflow compile)\n"
    "  --par INDEX:P        as for fuseflow compile\n"
    "  --block B            as for fuseflow compile\n"
    "  --order             as for fuseflow compile; auto simulates every legal order of\n"
    "                      each kernel result and keeps the fastest\n";

static int make_dir(const char *dir, ff_err *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", dir);
    for (char *c = path + 1; *c; c++) {
        if (*c != '/') continue;
        *c = '\0';
        if (mkdir(path, 0777) && errno != EEXIST) return ff_err_set(err, FF_EIO, "%s: %s", path, strerror(errno));
        *c = '/';
    }
    if (mkdir(path, 0777) && errno != EEXIST) return ff_err_set(err, FF_EIO, "%s: %s", path, strerror(errno));
    return 0;
}

typedef struct run_state {
    ff_ir_program *p;
    ff_tensor **data;     /* per program tensor: inputs and results so far */
    uint64_t total_cycles;
} run_state;

/* Simulates graph g on the data, storing its outputs (converted to their
 * declared formats) when store is set; *cycles gets its cycles. */
static int simulate(run_state *r, const ff_graph *g, const ff_sim_opts *opts, int store, uint64_t *cycles,
                    ff_err *err)
{
    ff_ir_program *p = r->p;
    ff_sim *sim = NULL;
    int rc = ff_sim_new(g, opts, &sim, err);
    for (int t = 0; !rc && t < g->ntensors; t++) {
        if (g->tensors[t].is_output) continue;
        int pt = -1;
        for (int k = 0; k < p->ntensors; k++)
            if (!strcmp(p->tensors[k].name, g->tensors[t].name)) pt = k;
        if (pt < 0 || !r->data[pt])
            rc = ff_err_set(err, FF_EINVAL, "graph '%s' reads '%s', which has no data", g->name, g->tensors[t].name);
        else
            rc = ff_sim_bind(sim, g->tensors[t].name, r->data[pt], err);
    }
    if (!rc && (rc = ff_sim_run(sim, err)) && (rc == FF_EDEADLOCK || rc == FF_ELIMIT) && store) {
        /* The one-line error names the first few; people debugging a graph
         * need every blocked primitive and its channels. */
        fprintf(stderr, "fuseflow run: %s\nunfinished primitives:\n", err->msg);
        ff_sim_print_blocked(sim, stderr);
        ff_err_set(err, rc, "graph '%s' did not finish: %s", g->name, rc == FF_EDEADLOCK ? "deadlock (above)" : "cycle limit");
    }
    if (!rc) *cycles = ff_sim_cycles(sim);
    for (int t = 0; !rc && store && t < g->ntensors; t++) {
        if (!g->tensors[t].is_output) continue;
        int pt = -1;
        for (int k = 0; k < p->ntensors; k++)
            if (!strcmp(p->tensors[k].name, g->tensors[t].name)) pt = k;
        ff_tensor *out = NULL, *conv = NULL;
        rc = ff_sim_take_output(sim, g->tensors[t].name, &out, err);
        if (!rc) rc = ff_tensor_convert(out, &p->tensors[pt].fmt, &conv, err);
        if (!rc) {
            snprintf(conv->name, sizeof conv->name, "%s", p->tensors[pt].name);
            ff_tensor_free(r->data[pt]);
            r->data[pt] = conv;
        }
        ff_tensor_free(out);
    }
    ff_sim_free(sim);
    return rc;
}

/* --order auto for root r of kernel k: simulate every legal order (up to
 * a cap) of that result alone, keep the fastest in *o. */
static int auto_order(run_state *r, const ff_kernel *k, int root, ff_lower_opts *o, const ff_sim_opts *opts, ff_err *err)
{
    enum { MAX_ORDERS = 256, MAX_TRIED = 20000 };
    char(*orders)[FF_LOWER_MAX_INDICES][FF_LOWER_NAME] = calloc(MAX_ORDERS, sizeof *orders);
    int norder, truncated = 0;
    int n = ff_lower_legal_orders(r->p, root, o, orders, MAX_ORDERS, MAX_TRIED, &norder, &truncated, err);
    if (n <= 0) {
        free(orders);
        return n < 0 ? n : ff_err_set(err, FF_EINVAL, "%s:%d: no legal order", r->p->path, r->p->stmts[root].pos.line);
    }
    uint64_t best = UINT64_MAX, worst = 0;
    int best_i = -1, tried = n < MAX_ORDERS ? n : MAX_ORDERS;
    for (int i = 0; i < tried; i++) {
        ff_lower_opts c = *o;
        memcpy(c.order, orders[i], sizeof c.order);
        c.norder = norder;
        ff_graph *g = NULL;
        uint64_t cycles = 0;
        int rc = ff_lower_stmt(r->p, root, &c, &g, err);
        if (!rc) rc = simulate(r, g, opts, 0, &cycles, err);
        ff_graph_free(g);
        if (rc) continue; /* e.g. a deadlock with this order: not a candidate */
        if (cycles < best) {
            best = cycles;
            best_i = i;
        }
        if (cycles > worst) worst = cycles;
    }
    if (best_i < 0) {
        free(orders);
        return ff_err_set(err, FF_EINVAL, "%s:%d: none of the %d legal orders ran", r->p->path, r->p->stmts[root].pos.line, tried);
    }
    memcpy(o->order, orders[best_i], sizeof o->order);
    o->norder = norder;
    char text[512];
    driver_order_text(o, text, sizeof text);
    printf("  order auto for %s: %d legal order%s%s, simulated %d; best %s (%llu cycles), worst %llu cycles\n",
           r->p->tensors[r->p->stmts[root].lhs].name, n, n == 1 ? "" : "s", truncated ? " (enumeration capped)" : "",
           tried, text, (unsigned long long)best, (unsigned long long)worst);
    free(orders);
    (void)k;
    return 0;
}

int cmd_run(int argc, char **argv)
{
    const char *model = NULL, *out_dir = NULL, *arch_path = NULL, *inputs_dir = NULL, *fuse_spec = "none", *v;
    ff_kernel kernels[256];
    ff_lower_opts ropts[FF_LOWER_MAX_ROOTS];
    unsigned char *fuse_buf = NULL;
    int order_auto = 0;
    char **orders = calloc((size_t)argc + 1, sizeof *orders);
    char **tensor_args = calloc((size_t)argc + 1, sizeof *tensor_args);
    char **dim_args = calloc((size_t)argc + 1, sizeof *dim_args);
    int norders = 0, ntensor = 0, ndims = 0, check = 0, bad = 0, rc = 0, have_seed = 0;
    driver_sched par = {"", 0, 0};
    uint64_t seed = 0;
    double density = 0.1;
    ff_sim_opts opts;
    ff_sim_opts_default(&opts);
    run_state r = {0};
    ff_tensor **ref = NULL;
    uint32_t *sizes = NULL;
    ff_err err = {0};
    for (int i = 1; i < argc && !bad; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(help, stdout);
            goto done;
        } else if (!strcmp(argv[i], "--check")) {
            check = 1;
        } else if (!strcmp(argv[i], "--functional")) {
            opts.functional = 1;
        } else if (driver_opt(argc, argv, &i, "--tensor", &v, &bad)) {
            if (!bad) tensor_args[ntensor++] = (char *)v;
        } else if (driver_opt(argc, argv, &i, "--dim", &v, &bad)) {
            if (!bad) dim_args[ndims++] = (char *)v;
        } else if (driver_opt(argc, argv, &i, "--order", &v, &bad)) {
            if (!bad) orders[norders++] = (char *)v;
            if (!bad && !strcmp(v, "auto")) order_auto = 1;
        } else if (driver_sched_opt("run", argc, argv, &i, &par, &bad)) {
            /* --par, --block */
        } else if (driver_opt(argc, argv, &i, "--fuse", &v, &bad)) {
            fuse_spec = v;
        } else if (driver_opt(argc, argv, &i, "--random", &v, &bad)) {
            char *end;
            seed = strtoull(v, &end, 10);
            if (*end || !*v) {
                rc = driver_usage("run", "--random %s: expected an integer seed", v);
                goto done;
            }
            have_seed = 1;
        } else if (driver_opt(argc, argv, &i, "--density", &v, &bad)) {
            char *end;
            density = strtod(v, &end);
            if (*end || !(density >= 0 && density <= 1)) {
                rc = driver_usage("run", "--density %s: expected a number in [0, 1]", v);
                goto done;
            }
        } else if (driver_opt(argc, argv, &i, "--out", &v, &bad)) {
            out_dir = v;
        } else if (driver_opt(argc, argv, &i, "--save-inputs", &v, &bad)) {
            inputs_dir = v;
        } else if (driver_opt(argc, argv, &i, "--arch", &v, &bad)) {
            arch_path = v;
        } else if (argv[i][0] == '-') {
            rc = driver_usage("run", "unknown option '%s'", argv[i]);
            goto done;
        } else if (!model) {
            model = argv[i];
        } else {
            rc = driver_usage("run", "unexpected argument '%s'", argv[i]);
            goto done;
        }
    }
    if (bad) {
        rc = 2;
        goto done;
    }
    if (!model) {
        rc = driver_usage("run", "which model file?");
        goto done;
    }
    if (arch_path && opts.functional) {
        rc = driver_usage("run", "--arch and --functional exclude each other");
        goto done;
    }
    if (arch_path && ff_arch_load(arch_path, &opts.arch, &err)) goto fail;
    if (ff_ir_parse(model, NULL, &r.p, &err)) goto fail;
    if (ff_ir_place_reductions(r.p, &err)) goto fail;
    ff_ir_program *p = r.p;
    r.data = calloc((size_t)p->ntensors + 1, sizeof *r.data);
    sizes = calloc((size_t)p->nsizes + 1, sizeof *sizes);

    driver_inputs given = {tensor_args, ntensor, dim_args, ndims, have_seed, seed, density};
    int usage = 0;
    if (driver_load_inputs(p, model, &given, r.data, sizes, &usage, &err)) {
        if (!usage) goto fail;
        rc = driver_usage("run", "%s", err.msg);
        goto done;
    }
    if (inputs_dir) {
        if (make_dir(inputs_dir, &err)) goto fail;
        for (int t = 0; t < p->ntensors; t++) {
            if (p->tensors[t].role != FF_IR_INPUT) continue;
            if (driver_write_tensor(r.data[t], inputs_dir, p->tensors[t].name, &err)) goto fail;
        }
    }

    int nk = ff_fuse_parse(p, fuse_spec, kernels, 256, &err);
    if (nk < 0) goto fail;
    if (driver_check_par(p, kernels, nk, &par, &err)) {
        rc = driver_usage("run", "%s", err.msg);
        goto done;
    }
    fuse_buf = calloc((size_t)FF_LOWER_MAX_ROOTS * (size_t)p->nstmts + 1, 1);
    for (int k = 0; k < nk; k++) {
        const ff_kernel *ker = &kernels[k];
        if (driver_kernel_orders(p, ker, orders, norders, &par, ropts, fuse_buf, &err)) goto fail;
        if (order_auto)
            for (int q = 0; q < ker->nroots; q++)
                if (auto_order(&r, ker, ker->roots[q], &ropts[q], &opts, &err)) goto fail;
        ff_graph *g = NULL;
        if (ff_lower_kernel(p, ker, ropts, &g, &err)) goto fail;
        uint64_t cycles = 0;
        int rc2 = simulate(&r, g, &opts, 1, &cycles, &err);
        int nprims = g->nnodes;
        ff_graph_free(g);
        if (rc2) {
            /* bad data for this kernel (a size, a format): say which */
            if (rc2 == FF_EINVAL) ff_err_wrap(&err, "%s:%d: kernel %d: ", model, p->stmts[ker->first].pos.line, k + 1);
            goto fail;
        }
        r.total_cycles += cycles;
        printf("%s:%d: kernel %d (statement%s %d", model, p->stmts[ker->first].pos.line, k + 1,
               ker->first == ker->last ? "" : "s", ker->first + 1);
        if (ker->last > ker->first) printf("-%d", ker->last + 1);
        printf(") ->");
        for (int q = 0; q < ker->nroots; q++) printf(" %s", p->tensors[p->stmts[ker->roots[q]].lhs].name);
        if (opts.functional) printf(": computed (functional)\n");
        else printf(": %" PRIu64 " cycles, %d primitives\n", cycles, nprims);
    }
    if (!opts.functional && nk > 1) printf("total: %" PRIu64 " cycles\n", r.total_cycles);

    if (out_dir) {
        if (make_dir(out_dir, &err)) goto fail;
        for (int t = 0; t < p->ntensors; t++) {
            if (p->tensors[t].role != FF_IR_OUTPUT) continue;
            if (driver_write_tensor(r.data[t], out_dir, p->tensors[t].name, &err)) goto fail;
        }
    }
    if (check) {
        ref = calloc((size_t)p->ntensors + 1, sizeof *ref);
        const ff_tensor **in = calloc((size_t)p->ntensors + 1, sizeof *in);
        for (int t = 0; t < p->ntensors; t++)
            if (p->tensors[t].role == FF_IR_INPUT) in[t] = r.data[t];
        int irc = ff_ir_interpret(p, in, ref, &err);
        free(in);
        if (irc) goto fail;
        int checked = 0;
        for (int t = 0; t < p->ntensors; t++) {
            /* an intermediate a fused kernel streamed was never stored */
            if (p->tensors[t].role == FF_IR_INPUT || !r.data[t]) continue;
            if (ff_tensor_compare(r.data[t], ref[t], &err)) {
                fprintf(stderr, "fuseflow run: check failed: %s\n", err.msg);
                rc = 1;
                goto done;
            }
            checked++;
        }
        if (!checked) {
            ff_err_set(&err, FF_EINVAL, "%s: nothing to check", model);
            goto fail;
        }
        printf("check: %d result%s match%s the reference interpreter bit-exactly\n", checked, checked == 1 ? "" : "s",
               checked == 1 ? "es" : "");
    }
    goto done;
fail:
    rc = driver_fail("run", &err);
done:
    if (r.p) {
        for (int t = 0; t < r.p->ntensors; t++) {
            if (r.data) ff_tensor_free(r.data[t]);
            if (ref) ff_tensor_free(ref[t]);
        }
    }
    free(ref);
    free(fuse_buf);
    free(r.data);
    free(sizes);
    ff_ir_free(r.p);
    free(orders);
    free(tensor_args);
    free(dim_args);
    return rc;
}
