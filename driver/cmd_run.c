/*
 * cmd_run.c -- `fuseflow run`: compile a model and run it on the cycle model,
 * statement after statement, intermediates materialized between them; with
 * --check, compare every result with the reference interpreter.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "ff_graph.h"
#include "ff_ir.h"
#include "ff_lower.h"
#include "ff_sim.h"

static const char help[] =
    "usage: fuseflow run MODEL.ff [--tensor NAME=FILE ...] [--random SEED [--density D] [--dim NAME=SIZE ...]]\n"
    "                    [--out DIR] [--check] [--arch ARCH.json | --functional]\n"
    "                    [--fuse SPEC] [--order [N:]i,k,j | auto ...] [--tile INDEX:T,... | auto]\n"
    "\n"
    "Compiles MODEL.ff and runs each kernel's graph on the cycle model, in order;\n"
    "a result read by a later kernel is stored in its format and read back\n"
    "(charged as memory traffic when the architecture models it).\n"
    "\n"
    "  --tensor NAME=FILE  an input tensor: .mtx, the dense text form, or an edge list\n"
    "                      (SRC DST [WEIGHT] per line, as SNAP ships graphs)\n"
    "  --edge-base 0|1     edge lists' node ids start at 0 (default) or 1\n"
    "  --symmetrize        an edge list's every edge also the other way (undirected)\n"
    "  --allow-rounding    go on (with a warning) when a file's values saturate or\n"
    "                      nonzeros round to 0 in the number format (else exit 1)\n"
    "  --random SEED       random data for every input not given, in its declared\n"
    "                      format; --density D (default 0.1) for sparse formats;\n"
    "                      --dim NAME=SIZE fixes a size symbol (default 16)\n"
    "  --out DIR           write every output tensor as DIR/NAME.mtx\n"
    "  --save-inputs DIR   write every input tensor (given or random) as DIR/NAME.mtx,\n"
    "                      to reproduce a run with --tensor\n"
    "  --check             compare every result with the reference interpreter,\n"
    "                      bit for bit; exit 1 and print the first difference; then\n"
    "                      print the largest absolute and relative error against a\n"
    "                      float64 evaluation of the model\n"
    "  --arch ARCH.json    architecture parameters; --functional: results only\n"
    "  --fuse SPEC          none (default), all, or ranges such as 1-3,4 (fuseflow compile)\n"
    "  --par INDEX:P        as for fuseflow compile\n"
    "  --block B            as for fuseflow compile\n"
    "  --reuse MODE         as for fuseflow compile\n"
    "  --skip on|off        as for fuseflow compile\n"
    "  --balance on|off     as for fuseflow compile\n"
    "  --relayout auto|off  as for fuseflow compile\n"
    "  --tile INDEX:T,...   run each kernel tile by tile: loop INDEX in tiles of T\n"
    "                      coordinates, inputs cropped, outputs placed or summed\n"
    "                      (docs/language.md \"Tiling\"); auto: each level of a tile's\n"
    "                      tensors within the arch's glb_words (printed)\n"
    "  --order             as for fuseflow compile; auto simulates every legal order of\n"
    "                      each kernel result and keeps the fastest\n";

/* --order auto (rk's orders hook): every legal order (up to a cap) of each
 * root's result alone simulated, the fastest kept. */
static int auto_orders(ff_run_kernel *rk, void *user, ff_err *err)
{
    enum { MAX_ORDERS = 256, MAX_TRIED = 20000 };
    const ff_run_sim *main_sim = user;
    const ff_ir_program *p = rk->p;
    char(*orders)[FF_LOWER_MAX_INDICES][FF_LOWER_NAME] = calloc(MAX_ORDERS, sizeof *orders);
    int rc = 0;
    for (int q = 0; q < rk->k->nroots && !rc; q++) {
        int root = rk->k->roots[q];
        ff_lower_opts *o = &rk->orders[q];
        int norder, truncated = 0;
        int n = ff_kernel_root_legal_orders(p, rk->k, q, o, orders, MAX_ORDERS, MAX_TRIED, &norder, &truncated, err);
        if (n <= 0) {
            rc = n < 0 ? n : ff_err_set(err, FF_EINVAL, "%s:%d: no legal order", p->path, p->stmts[root].pos.line);
            break;
        }
        /* the root alone: a kernel of one root, its outputs dropped */
        ff_kernel one = *rk->k;
        one.roots[0] = root;
        one.nroots = 1;
        ff_run_sim sim = {.opts = main_sim->opts};
        ff_run_ops ops = {.kernel = ff_run_simulate, .user = &sim};
        uint64_t best = UINT64_MAX, worst = 0;
        int best_i = -1, tried = n < MAX_ORDERS ? n : MAX_ORDERS;
        for (int i = 0; i < tried; i++) {
            ff_lower_opts c = *o;
            memcpy(c.order, orders[i], sizeof c.order);
            c.norder = norder;
            if (ff_run_one_kernel(p, &one, &c, rk->data, 0, NULL, &ops, err)) continue; /* e.g. a deadlock: not a candidate */
            if (sim.cycles < best) {
                best = sim.cycles;
                best_i = i;
            }
            if (sim.cycles > worst) worst = sim.cycles;
        }
        if (best_i < 0) {
            rc = ff_err_set(err, FF_EINVAL, "%s:%d: none of the %d legal orders ran", p->path, p->stmts[root].pos.line, tried);
            break;
        }
        memcpy(o->order, orders[best_i], sizeof o->order);
        o->norder = norder;
        char text[512];
        ff_run_order_text(o, text, sizeof text);
        printf("  order auto for %s: %d legal order%s%s, simulated %d; best %s (%llu cycles), worst %llu cycles\n",
               p->tensors[p->stmts[root].lhs].name, n, n == 1 ? "" : "s", truncated ? " (enumeration capped)" : "",
               tried, text, (unsigned long long)best, (unsigned long long)worst);
    }
    free(orders);
    return rc;
}

/* The run: the simulate callback's record first (ff_run_simulate's user). */
typedef struct run_ctx {
    ff_run_sim sim;
    int nkernels;
    int ngraphs; /* kernels and their phases */
    const ff_ir_program *written; /* the program as written: what relayout changed shows */
} run_ctx;

/* After each kernel: its line, or its error naming it. */
static int kernel_done(ff_run_kernel *rk, int rc, void *user, ff_err *err)
{
    run_ctx *ctx = user;
    const ff_run_sim *sim = &ctx->sim;
    ctx->nkernels = rk->nkernels;
    ctx->ngraphs++;
    const ff_ir_program *p = rk->p;
    const ff_kernel *ker = rk->k;
    char label[32]; /* "kernel 2", "kernel 2.1" for a phase */
    int n = snprintf(label, sizeof label, "kernel %d", rk->index + 1);
    if (rk->nphases > 1) snprintf(label + n, sizeof label - (size_t)n, ".%d", rk->phase + 1);
    if (rc) {
        /* bad data for this kernel (a size, a format): say which */
        if (rc == FF_EINVAL && rk->g) ff_err_wrap(err, "%s:%d: %s: ", p->path, p->stmts[ker->first].pos.line, label);
        return rc;
    }
    printf("%s:%d: %s", p->path, p->stmts[ker->first].pos.line, label);
    driver_print_kernel_stmts(p, ker, stdout);
    printf(" ->");
    for (int q = 0; q < ker->nroots; q++) {
        int t = p->stmts[ker->roots[q]].lhs;
        printf(" %s%s", p->tensors[t].name, rk->on_chip && rk->on_chip[t] ? " (held on chip" : "");
        if (rk->on_chip && rk->on_chip[t])
            printf("%s%s)", driver_layout_changed(ctx->written, p, t) ? " as " : "",
                   driver_layout_changed(ctx->written, p, t) ? p->tensors[t].format_text : "");
    }
    char tiles[64] = ""; /* a tiled kernel's cycles are its tiles' */
    if (rk->tiles_skipped)
        snprintf(tiles, sizeof tiles, " in %d tiles (%" PRIu64 " empty skipped)", rk->ntiles, rk->tiles_skipped);
    else if (rk->ntiles > 1) snprintf(tiles, sizeof tiles, " in %d tiles", rk->ntiles);
    if (sim->opts.functional) printf(": computed (functional)%s\n", tiles);
    else printf(": %" PRIu64 " cycles, %d primitives%s\n", sim->cycles, sim->nprims, tiles);
    ff_sim_timing_print(&sim->timing, sim->cycles, stdout);
    if (sim->saturated)
        fprintf(stderr, "fuseflow run: warning: %s:%d: %s: %" PRIu64 " result%s saturated in ALUs or sums (most at node %s)\n", p->path,
                p->stmts[ker->first].pos.line, label, sim->saturated, sim->saturated == 1 ? "" : "s", sim->sat_node);
    return 0;
}

int cmd_run(int argc, char **argv)
{
    const char *model = NULL, *out_dir = NULL, *inputs_dir = NULL;
    int check = 0, functional = 0, rc = 0;
    const driver_option own[] = {
        {"--out", DRIVER_STR, &out_dir},
        {"--save-inputs", DRIVER_STR, &inputs_dir},
        {"--check", DRIVER_FLAG, &check},
        {"--functional", DRIVER_FLAG, &functional},
    };
    const driver_cmd cmd = {"run", DRIVER_INPUTS | DRIVER_SCHED | DRIVER_TARGET, own, 4, help, &model, 1, "which model file?"};
    driver_opts o;
    run_ctx ctx = {.sim = {.who = "fuseflow run"}};
    ff_run_sim *sim = &ctx.sim;
    ff_sim_opts_default(&sim->opts);
    ff_ir_program *p = NULL;
    ff_tensor **data = NULL, **ref = NULL;
    uint32_t *sizes = NULL;
    ff_err err = {0};
    driver_outputs w = {0}; /* removed unless the run succeeds (a failed check keeps them: they are whole) */
    if (driver_parse(&cmd, argc, argv, &o, &rc)) goto done;
    sim->opts.functional = functional;
    if (o.arch && functional) {
        rc = driver_usage("run", "--arch and --functional exclude each other");
        goto done;
    }
    if (o.arch && ff_arch_load(o.arch, &sim->opts.arch, &err)) goto fail;
    if (!functional) {
        ff_run_sched_arch(&o.sched, &sim->opts.arch);
    }
    if (o.sched.tile_auto) {
        /* the cycle model has no per-tile SRAM: the global buffer is the
         * capacity a tile's levels must fit */
        if (functional || !sim->opts.arch.glb_words) {
            rc = driver_usage("run", "--tile auto: needs an arch with glb_words to fit tiles to (or give INDEX:T,...)");
            goto done;
        }
        o.sched.tile_words = (uint64_t)sim->opts.arch.glb_words;
        o.sched.tile_report = stdout;
    }
    if ((rc = driver_load_program("run", model, &o.in, &p, &data, &sizes, &err)) < 0) goto fail;
    if (rc) goto done;
    ctx.written = p;
    if (inputs_dir) {
        if (driver_make_dir(inputs_dir, &err)) goto fail;
        for (int t = 0; t < p->ntensors; t++) {
            if (p->tensors[t].role != FF_IR_INPUT) continue;
            if (driver_write_tensor(data[t], inputs_dir, p->tensors[t].name, &w, &err)) goto fail;
        }
    }
    if ((rc = driver_check_sched("run", p, o.sched.fuse, &o.sched, &err)) < 0) goto fail;
    if (rc) goto done;

    sim->blocked = stderr;
    ff_run_ops ops = {.kernel = ff_run_simulate, .orders = o.order_auto ? auto_orders : NULL, .done = kernel_done, .user = &ctx};
    if (ff_run_program(p, data, &o.sched, &ops, &err)) goto fail;
    if (!functional && ctx.ngraphs > 1) printf("total: %" PRIu64 " cycles\n", sim->total_cycles);

    if (out_dir) {
        if (driver_make_dir(out_dir, &err)) goto fail;
        for (int t = 0; t < p->ntensors; t++) {
            if (p->tensors[t].role != FF_IR_OUTPUT) continue;
            if (driver_write_tensor(data[t], out_dir, p->tensors[t].name, &w, &err)) goto fail;
        }
    }
    if (check) {
        ref = calloc((size_t)p->ntensors + 1, sizeof *ref);
        if (ff_ir_interpret(p, (const ff_tensor *const *)data, ref, &err)) {
            /* the run itself succeeded: say so, and keep its outputs */
            fprintf(stderr, "fuseflow run: the simulation finished%s, but the check could not run: %s\n",
                    out_dir ? " and its outputs are written" : "", err.msg);
            rc = 1;
            goto done;
        }
        int checked = 0;
        for (int t = 0; t < p->ntensors; t++) {
            /* an intermediate a fused kernel streamed was never stored */
            if (p->tensors[t].role == FF_IR_INPUT || !data[t]) continue;
            if (ff_tensor_compare(data[t], ref[t], &err)) {
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
        /* and how far the fixed-point results are from the model's real numbers */
        ff_ir_error fe;
        if (ff_ir_real_error(p, (const ff_tensor *const *)data, data, &fe, &err)) goto fail;
        printf("float64: max absolute error %.3g%s%s%s, max relative error %.3g%s%s%s, over %zu entries\n", fe.max_abs,
               fe.abs_at[0] ? " (" : "", fe.abs_at, fe.abs_at[0] ? ")" : "", fe.max_rel, fe.rel_at[0] ? " (" : "",
               fe.rel_at, fe.rel_at[0] ? ")" : "", fe.compared);
    }
    goto done;
fail:
    rc = driver_fail("run", &err);
    driver_outputs_end(&w, 1);
done:
    driver_outputs_end(&w, 0);
    driver_program_free(p, data, ref, sizes);
    driver_opts_free(&o);
    return rc;
}
