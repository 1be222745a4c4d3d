/*
 * cmd_explore.c -- `fuseflow explore`: the design space of a model (fusion
 * partitions x loop orders), estimated with the cost model, pruned by
 * dominance, simulated, written as CSV (and plotted with gnuplot).
 * The work is compiler/cost's (ff_cost_explore); this file reads the
 * options and the data, and prints.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"
#include "ff_cost.h"
#include "ff_ir.h"
#include "ff_lower.h"
#include "ff_sim.h"

static const char help[] =
    "usage: fuseflow explore MODEL.ff [--tensor NAME=FILE ...] [--random SEED [--density D] [--dim NAME=SIZE ...]]\n"
    "                        --arch ARCH.json --csv OUT.csv [--plot OUT.svg]\n"
    "                        [--fuse SPEC ...] [--order auto | [N:]i,k,j ...] [--par INDEX:P] [--block B] [--tile INDEX:T,... | auto]\n"
    "                        [--no-prune] [--max N] [--max-orders N] [--prune-tol T]\n"
    "\n"
    "Explores the schedules of MODEL.ff: every partition of its statements into\n"
    "contiguous kernels (2^(n-1) of them) and, with --order auto, every legal loop\n"
    "order of every kernel root. Each schedule's FLOPs and off-chip bytes are\n"
    "estimated without simulating (docs/cost-model.md); a schedule another beats on\n"
    "both is pruned; the rest run on the cycle model. One CSV row per schedule.\n"
    "\n"
    "  --tensor, --random, --density, --dim, --allow-rounding   the data, as for fuseflow run\n"
    "  --arch ARCH.json  the cycle model; use one with the off-chip model enabled\n"
    "                    (arch/hbm-study.json) so unfused schedules pay for their\n"
    "                    intermediates' round trips\n"
    "  --csv OUT.csv     the schedules: fuse spec, orders, simulated cycles (empty when\n"
    "                    pruned), estimated FLOPs and bytes, pruned flag, cycles per\n"
    "                    kernel, speedup over the unfused schedule\n"
    "  --plot OUT.svg    speedup per schedule, sorted, pruned ones marked (gnuplot)\n"
    "  --fuse SPEC       explore only these partitions (repeatable; none, all, 1-2,3)\n"
    "  --order           auto: every legal order per root (at most --max-orders, default 32);\n"
    "                    else as for fuseflow compile (default: the best legal order)\n"
    "  --par INDEX:P     every schedule, the unfused baseline too, parallelized as for\n"
    "                    fuseflow compile (the estimates and the pruning do not change)\n"
    "  --block B         every schedule, the unfused baseline too, blocked as for\n"
    "                    fuseflow compile (the estimates count scalar FLOPs and bytes)\n"
    "  --tile INDEX:T,.. every schedule, the unfused baseline too, run tile by tile as\n"
    "                    for fuseflow run (auto: tiles that fit the arch's glb_words)\n"
    "  --skip on|off     coordinate skipping in every simulated kernel (fuseflow compile)\n"
    "  --balance on|off  FIFO balancing in every simulated kernel (fuseflow compile)\n"
    "  --relayout        not applied here: the program is explored as written, and a\n"
    "                    partition whose kernel would need an input copied into\n"
    "                    another mode order (fuseflow run makes the copy) is infeasible\n"
    "  --reuse MODE      every kernel root in this mode (fuseflow compile); default:\n"
    "                    searched -- each root in auto, and in recompute and hold\n"
    "                    where they differ (its orders end /recompute, /hold)\n"
    "  --no-prune        simulate the pruned schedules too, and say whether the\n"
    "                    pruning kept the best one\n"
    "  --max N           at most N schedules, in enumeration order (default 4096)\n"
    "  --prune-tol T     prune only on a win larger than the fraction T of the\n"
    "                    estimate (default 1e-9: any win; 0.05 keeps orders whose\n"
    "                    estimates differ by a few segment words)\n";

static void progress(void *ctx, size_t done, size_t total)
{
    int *shown = ctx;
    *shown = 1;
    fprintf(stderr, "\rexplore: simulating kernel %zu of %zu", done, total);
    fflush(stderr);
}

static int write_csv(const ff_cost_exploration *x, const char *path, ff_err *err)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) return ff_err_set(err, FF_EIO, "%s: %s", tmp, strerror(errno));
    int rc = ff_cost_write_csv(x, f, err);
    if (fclose(f) && !rc) rc = ff_err_set(err, FF_EIO, "%s: %s", tmp, strerror(errno));
    if (!rc && rename(tmp, path)) rc = ff_err_set(err, FF_EIO, "%s: %s", path, strerror(errno));
    if (rc) remove(tmp);
    return rc;
}

typedef struct ranked {
    double speedup;
    size_t id;
} ranked;

static int by_speedup(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->speedup != y->speedup) return x->speedup < y->speedup ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int write_plot(const ff_cost_exploration *x, const char *model, const char *path, ff_err *err)
{
    ranked *r = ff_xcalloc(x->nconfigs + 1, sizeof *r);
    size_t n = 0, unsimulated = 0;
    for (size_t i = 0; i < x->nconfigs; i++) {
        const ff_cost_config *c = &x->configs[i];
        if (c->simulated && c->cycles) {
            r[n].speedup = (double)x->baseline_cycles / (double)c->cycles;
            r[n++].id = i;
        } else if (c->dominated) {
            unsimulated++;
        }
    }
    qsort(r, n, sizeof *r, by_speedup);
    char title[1024];
    snprintf(title, sizeof title, "%s: %zu schedules, %zu pruned%s", model, x->nconfigs, x->npruned,
             unsimulated ? " (pruned ones not simulated are not drawn)" : "");
    driver_plot pl;
    int rc = driver_plot_begin(&pl, path, title, err);
    if (rc) {
        free(r);
        return rc;
    }
    FILE *g = pl.g;
    fprintf(g, "set xlabel 'schedule, by speedup'\nset ylabel 'speedup over the unfused schedule'\n"
               "set grid ytics\nset key top left\nset yrange [0:*]\nset xrange [0:%zu]\n",
            n + 1);
    int have[2] = {0, 0};
    for (int kind = 0; kind < 2; kind++) {
        fprintf(g, "$%s << EOD\n", kind ? "pruned" : "kept");
        for (size_t k = 0; k < n; k++)
            if (x->configs[r[k].id].dominated == kind) {
                fprintf(g, "%zu %.6f\n", k + 1, r[k].speedup);
                have[kind] = 1;
            }
        fprintf(g, "EOD\n");
    }
    fprintf(g, "plot 1 with lines dt 2 lc rgb 'gray' title 'unfused'");
    if (have[0]) fprintf(g, ", $kept using 1:2 with points pt 7 ps 0.8 lc rgb '#1f77b4' title 'kept'");
    if (have[1]) fprintf(g, ", $pruned using 1:2 with points pt 2 ps 1 lc rgb '#d62728' title 'pruned (dominated)'");
    fprintf(g, "\n");
    free(r);
    return driver_plot_end(&pl, err);
}

int cmd_explore(int argc, char **argv)
{
    const char *model = NULL, *csv = NULL, *plot = NULL;
    int rc = 0, shown = 0;
    ff_cost_explore_opts o;
    ff_cost_explore_opts_default(&o);
    uint64_t max_configs = o.max_configs;
    const driver_option own[] = {
        {"--csv", DRIVER_STR, &csv},
        {"--plot", DRIVER_STR, &plot},
        {"--no-prune", DRIVER_FLAG, &o.no_prune},
        {"--max", DRIVER_UINT, &max_configs, "a positive number of schedules", 1, (double)SIZE_MAX},
        {"--max-orders", DRIVER_INT, &o.max_orders, "a number in 1..100000", 1, 100000},
        {"--prune-tol", DRIVER_REAL, &o.prune_tol, "a number in [0, 1)", 0, 1, 1},
    };
    const driver_cmd cmd = {"explore", DRIVER_INPUTS | DRIVER_SCHED | DRIVER_TARGET, own, 6, help, &model, 1, "which model file?"};
    driver_opts d;
    ff_ir_program *p = NULL;
    ff_tensor **data = NULL;
    uint32_t *sizes = NULL;
    ff_cost_exploration *x = NULL;
    ff_err err = {0};
    driver_outputs w = {0}; /* the CSV: removed when the plot then fails */
    int cmd_failed = 0;
    if (driver_parse(&cmd, argc, argv, &d, &rc)) goto done;
    const char *arch_path = d.arch;
    o.max_configs = (size_t)max_configs;
    o.order_auto = d.order_auto;
    o.par_index = d.sched.par_index;
    o.par = d.sched.par;
    o.block = d.sched.block;
    o.no_skip = d.sched.no_skip;
    o.no_balance = d.sched.no_balance;
    o.reuse = d.sched.reuse;
    o.search_reuse = !d.reuse_given;
    if (!arch_path) {
        rc = driver_usage("explore", "--arch ARCH.json is required (arch/hbm-study.json charges off-chip traffic)");
        goto done;
    }
    if (!csv) {
        rc = driver_usage("explore", "--csv OUT.csv is required");
        goto done;
    }
    if (o.order_auto && d.orders.n) {
        rc = driver_usage("explore", "--order auto and explicit orders exclude each other");
        goto done;
    }
    if (ff_arch_load(arch_path, &o.sim.arch, &err)) goto fail;
    if ((rc = driver_load_program("explore", model, &d.in, &p, &data, &sizes, &err)) < 0) goto fail;
    if (rc) goto done;

    o.fuse = d.fuse.v;
    o.nfuse = d.fuse.n;
    o.orders = d.orders.v;
    o.norders = d.orders.n;
    o.density = d.in.density;
    if (isatty(STDERR_FILENO)) {
        o.progress = progress;
        o.progress_ctx = &shown;
    }
    if (d.sched.tile_auto) {
        /* as fuseflow run: the global buffer is the capacity a tile fits */
        if (!o.sim.arch.glb_words) {
            rc = driver_usage("explore", "--tile auto: needs an arch with glb_words to fit tiles to (or give INDEX:T,...)");
            goto done;
        }
        d.sched.tile_words = (uint64_t)o.sim.arch.glb_words;
    }
    /* every schedule's kernels are measured tile by tile */
    if (d.sched.ntiles || d.sched.tile_auto) o.tiling = &d.sched;
    if ((rc = driver_check_sched("explore", p, "none", &d.sched, &err)) < 0) goto fail;
    if (rc) goto done;
    int xrc = ff_cost_explore(p, (const ff_tensor *const *)data, sizes, &o, &x, &err);
    if (shown) fprintf(stderr, "\n");
    if (xrc) goto fail;
    if (write_csv(x, csv, &err)) goto fail;
    driver_outputs_add(&w, csv);

    printf("explore %s: %d statement%s, %" PRIu64 " partition%s", model, p->nstmts, p->nstmts == 1 ? "" : "s",
           x->npartitions, x->npartitions == 1 ? "" : "s");
    if (x->ninfeasible) printf(" (%zu with a root no loop order lowers, skipped)", x->ninfeasible);
    printf(", %zu schedule%s%s\n", x->nconfigs, x->nconfigs == 1 ? "" : "s", o.order_auto ? " with every legal order" : "");
    if (x->capped)
        printf("  capped at --max %zu schedules: %" PRIu64 " of %" PRIu64 " partitions enumerated, the rest not explored\n",
               o.max_configs, x->npartitions_explored + x->ninfeasible, x->npartitions);
    if (x->orders_capped) printf("  some roots have more than --max-orders %d legal orders: the first ones kept\n", o.max_orders);
    if (x->ninfeasible) printf("  e.g. %s\n", x->infeasible_example);
    printf("pruned: %zu of %zu dominated (%.1f%%); simulated %zu schedule%s in %zu kernel simulation%s%s\n", x->npruned,
           x->nconfigs, 100.0 * (double)x->npruned / (double)x->nconfigs, x->nsimulated, x->nsimulated == 1 ? "" : "s",
           x->kernel_sims, x->kernel_sims == 1 ? "" : "s", o.no_prune ? " (--no-prune: all of them)" : "");
    size_t failed = 0;
    for (size_t i = 0; i < x->nconfigs; i++) failed += (size_t)x->configs[i].failed;
    if (failed) printf("  %zu schedule%s failed to simulate (see the CSV's error column)\n", failed, failed == 1 ? "" : "s");
    printf("unfused (%s): %" PRIu64 " cycles\n", x->baseline_orders, x->baseline_cycles);
    if (x->best < x->nconfigs) {
        const ff_cost_config *b = &x->configs[x->best];
        printf("best: schedule %zu, --fuse %s (%s): %" PRIu64 " cycles, %.3fx over unfused\n", x->best + 1, b->fuse,
               b->orders, b->cycles, (double)x->baseline_cycles / (double)b->cycles);
    }
    if (x->hit == 1 && x->npruned) printf("hit: yes, the schedules kept include the simulated best\n");
    if (x->hit == 0 && x->best_kept < x->nconfigs)
        printf("hit: no, the simulated best was pruned; the best kept, schedule %zu, takes %" PRIu64 " cycles (%.2f%% more)\n",
               x->best_kept + 1, x->configs[x->best_kept].cycles,
               100.0 * ((double)x->configs[x->best_kept].cycles / (double)x->configs[x->best].cycles - 1));
    printf("wrote %s\n", csv);
    if (plot) {
        if (write_plot(x, model, plot, &err)) goto fail;
        printf("wrote %s\n", plot);
    }
    goto done;
fail:
    rc = driver_fail("explore", &err);
    cmd_failed = 1;
done:
    driver_outputs_end(&w, cmd_failed);
    ff_cost_exploration_free(x);
    if (p && data)
        for (int t = 0; t < p->ntensors; t++) ff_tensor_free(data[t]);
    free(data);
    free(sizes);
    ff_ir_free(p);
    driver_opts_free(&d);
    return rc;
}
