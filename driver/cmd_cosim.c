/*
 * cmd_cosim.c -- `fuseflow cosim`: compile a model and run every kernel on
 * the C cycle model and on the Verilated array with the same inputs
 * (cosim/ff_cosim.h); outputs must be bit-identical, also to the reference
 * interpreter, and total cycles equal (docs/cosim.md).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "driver.h"

#ifndef FF_HAVE_RTL

int cmd_cosim(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "fuseflow cosim: fuseflow was built without the RTL (-DFUSEFLOW_RTL=OFF)\n");
    return 2;
}

#else

#include "ff_cosim.h"
#include "ff_run_cosim.h"
#include "ff_graph.h"
#include "ff_sim.h"

static const char help[] =
    "usage: fuseflow cosim MODEL.ff (--tensor NAME=FILE ... | --random SEED [--density D] [--dim NAME=SIZE ...])\n"
    "                      [--fuse SPEC] [--order [N:]i,k,j ...] [--par INDEX:P] [--block B] [--arch ARCH.json]\n"
    "                      [--tile INDEX:T,... | auto] [--array ARRAY.json]\n"
    "                      [--max-cycles N] [--channels] [--junit FILE] [--report FILE]\n"
    "                      [--fst FILE] [--fst-window N] [--fst-all DIR]\n"
    "\n"
    "Compiles MODEL.ff and runs each kernel on the C cycle model and on the Verilated\n"
    "array, on the same inputs (a later kernel reads the earlier kernels' results).\n"
    "Every output must be bit-identical between the two and to the reference\n"
    "interpreter, and the cycle counts equal. One line per kernel; exit 1 on any\n"
    "difference, naming the tensor and first differing coordinate, or both cycle counts,\n"
    "followed by the first divergence: both models run again recording every channel,\n"
    "and the report names the channel, its producer and consumer tiles, the token index\n"
    "and cycle, the RTL and model tokens, and the tokens before it.\n"
    "\n"
    "  --tensor, --random, --density, --dim, --allow-rounding, --fuse, --order, --par, --block, --reuse, --skip, --balance, --relayout, --tile, --arch   as for fuseflow run\n"
    "  --tile auto         tile sizes from the linked array's SRAM: every level of every tile's\n"
    "                      inputs and outputs fits the smallest scanner/locator/array/writer SRAM\n"
    "                      (an output bounded by what its inputs store), no tile spans more than\n"
    "                      the accumulators hold, blocked inputs fit the block store (printed)\n"
    "  --array ARRAY.json  the array to build for; must be the one linked in (rtl/arrays/kernels.json)\n"
    "  --max-cycles N      the RTL run's cycle limit (default 20,000,000)\n"
    "  --channels          compare every channel's tokens and cycles even when outputs and\n"
    "                      cycles match (both runs record as they go)\n"
    "  --junit FILE        a JUnit XML testsuite, one testcase per kernel\n"
    "  --report FILE       the failure reports (error and first divergence per failing kernel)\n"
    "  --fst FILE          an FST waveform of the first failing kernel's RTL run: N cycles each\n"
    "                      side of the first divergence (all of it when none was found)\n"
    "  --fst-window N      (default 200)\n"
    "  --fst-all DIR       every kernel's whole RTL run as DIR/KERNEL.fst, and DIR/KERNEL.tiles naming\n"
    "                      the node on each tile (input of rtl/synth/replay, docs/synthesis.md \"Energy\")\n";

/* Writes every failure to path via a temporary file and rename. */
static int write_report(const char *path, const char *model, const ff_run_cosim_kernel *cs, int n, ff_err *err)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) return ff_err_set(err, FF_EIO, "--report %s: cannot write %s", path, tmp);
    int nfail = 0;
    for (int i = 0; i < n; i++) nfail += cs[i].failure != NULL;
    fprintf(f, "cosim %s: %d of %d kernel%s failed\n", model, nfail, n, n == 1 ? "" : "s");
    for (int i = 0; i < n; i++)
        if (cs[i].failure) fprintf(f, "\n== %s\n%s\n", cs[i].name, cs[i].failure);
    if (fclose(f) || rename(tmp, path)) {
        remove(tmp);
        return ff_err_set(err, FF_EIO, "--report %s: cannot write it", path);
    }
    return 0;
}

static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* Writes the testsuite to path via a temporary file and rename. */
static int write_junit(const char *path, const char *model, const ff_run_cosim_kernel *cs, int n, ff_err *err)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) return ff_err_set(err, FF_EIO, "--junit %s: cannot write %s", path, tmp);
    int nfail = 0;
    double total = 0;
    for (int i = 0; i < n; i++) {
        nfail += cs[i].failure != NULL;
        total += cs[i].seconds;
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n<testsuite name=\"cosim ");
    xml_text(f, model);
    fprintf(f, "\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"0\" time=\"%.3f\">\n", n, nfail, total);
    for (int i = 0; i < n; i++) {
        fprintf(f, "  <testcase classname=\"cosim\" name=\"");
        xml_text(f, cs[i].name);
        fprintf(f, "\" time=\"%.3f\"", cs[i].seconds);
        if (!cs[i].failure) {
            fprintf(f, "/>\n");
            continue;
        }
        fprintf(f, ">\n    <failure message=\"");
        xml_text(f, cs[i].failure);
        fprintf(f, "\"/>\n  </testcase>\n");
    }
    fprintf(f, "</testsuite>\n</testsuites>\n");
    if (fclose(f) || rename(tmp, path)) {
        remove(tmp);
        return ff_err_set(err, FF_EIO, "--junit %s: cannot write it", path);
    }
    return 0;
}

/* One line per kernel as it finishes; the failure on stderr. user: the
 * --fst path (a const char *const *). */
static void print_kernel(const ff_run_cosim_kernel *k, void *user)
{
    char tiles[64] = ""; /* a tiled kernel's cycles are its tiles' sums */
    if (k->coord_skipped)
        snprintf(tiles, sizeof tiles, " (%d tiles, %" PRIu64 " empty skipped)", k->coord_tiles, k->coord_skipped);
    else if (k->coord_tiles > 1) snprintf(tiles, sizeof tiles, " (%d tiles)", k->coord_tiles);
    printf("%-40s C %9" PRIu64 "  RTL %9" PRIu64 " cycles  %s%s\n", k->name, k->c_cycles, k->rtl_cycles,
           k->failure ? "FAIL" : "ok", tiles);
    ff_sim_timing_print(&k->timing, k->c_cycles, stdout);
    if (k->failure) fprintf(stderr, "fuseflow cosim: %s: %s\n", k->name, k->failure);
    if (k->traced)
        printf("  waveform of the failing RTL run, cycles %" PRIu64 "..%" PRIu64 ": %s\n", k->trace_from,
               k->trace_to ? k->trace_to - 1 : 0, *(const char *const *)user);
    fflush(stdout);
}

int cmd_cosim(int argc, char **argv)
{
    const char *model = NULL, *array_path = NULL, *junit = NULL, *fst = NULL, *fst_all = NULL, *report = NULL;
    int channels = 0, rc = 0, nk = 0;
    uint64_t fst_window = 0, max_cycles = 0;
    const driver_option own[] = {
        {"--array", DRIVER_STR, &array_path},
        {"--junit", DRIVER_STR, &junit},
        {"--report", DRIVER_STR, &report},
        {"--fst", DRIVER_STR, &fst},
        {"--fst-all", DRIVER_STR, &fst_all},
        {"--fst-window", DRIVER_UINT, &fst_window, "a positive integer", 1, (double)UINT64_MAX},
        {"--max-cycles", DRIVER_UINT, &max_cycles, "a positive integer", 1, (double)UINT64_MAX},
        {"--channels", DRIVER_FLAG, &channels},
    };
    const driver_cmd cmd = {"cosim", DRIVER_INPUTS | DRIVER_SCHED | DRIVER_TARGET, own, 8, help, &model, 1, "which model file?"};
    driver_opts o;
    ff_arch arch;
    ff_arch_default(&arch);
    ff_run_cosim_kernel *kernels = NULL;
    ff_ir_program *p = NULL;
    ff_tensor **data = NULL, **ref = NULL;
    uint32_t *sizes = NULL;
    ff_cosim *cs = NULL;
    ff_err err = {0};

    if (driver_parse(&cmd, argc, argv, &o, &rc)) goto done;
    const char *arch_path = o.arch;
    if (o.order_auto) {
        rc = driver_usage("cosim", "--order auto is not supported; give the order");
        goto done;
    }
    if (arch_path && ff_arch_load(arch_path, &arch, &err)) goto fail;
    ff_run_sched_arch(&o.sched, &arch);
    if (ff_cosim_new(&cs, &err)) goto fail;
    const ff_array_desc *linked = ff_cosim_array(cs);
    if (array_path) {
        ff_array_desc want;
        if (ff_array_load(array_path, &want, &err)) goto fail;
        if (ff_array_hash(&want) != ff_array_hash(linked)) {
            ff_err_set(&err, FF_EINVAL,
                       "%s: array '%s' is not the Verilated array linked into fuseflow ('%s', rtl/arrays/%s.json)",
                       array_path, want.name, linked->name, linked->name);
            goto fail;
        }
    }

    if (o.sched.tile_auto) {
        /* --tile auto against the linked array (docs/cosim.md "Tiling"):
         * one level of a tensor, or its values, goes to one scanner,
         * locator, value array or writer SRAM, so every level must fit the
         * smallest of them; an accumulator's SRAM bounds the coordinates
         * a tile spans (spacc1) or its rows x columns (spacc2), and the
         * block store what a blocked tile's inputs take */
        static const int kinds[] = {FF_PRIM_SCAN, FF_PRIM_LOCATE, FF_PRIM_ARRAY, FF_PRIM_WRITE_CRD, FF_PRIM_WRITE_VAL};
        for (size_t q = 0; q < sizeof kinds / sizeof kinds[0]; q++) {
            uint32_t w = linked->mem_words[kinds[q]];
            if (w && (!o.sched.tile_words || w < o.sched.tile_words)) o.sched.tile_words = w;
        }
        o.sched.tile_dim = linked->mem_words[FF_PRIM_SPACC1];
        o.sched.tile_spacc2 = linked->mem_words[FF_PRIM_SPACC2];
        o.sched.tile_block_words = linked->max_block ? linked->block_words : 0;
        o.sched.tile_report = stdout;
    }

    /* the program and its inputs, as fuseflow run binds them */
    if ((rc = driver_load_program("cosim", model, &o.in, &p, &data, &sizes, &err)) < 0) goto fail;
    if (rc) goto done;
    ref = calloc((size_t)p->ntensors + 1, sizeof *ref);
    if (ff_ir_interpret(p, (const ff_tensor *const *)data, ref, &err)) {
        ff_err_wrap(&err, "reference interpreter: ");
        goto fail;
    }

    printf("cosim %s on array '%s': C cycle model vs RTL\n", model, linked->name);
    if ((rc = driver_check_sched("cosim", p, o.sched.fuse, &o.sched, &err)) < 0) goto fail;
    if (rc) goto done;
    ff_run_cosim_opts po = {.model = model,
                            .graph = {.arch = &arch,
                                      .max_cycles = max_cycles,
                                      .trace = fst,
                                      .trace_window = fst_window,
                                      .trace_all = fst_all,
                                      .channels = channels},
                            .done = print_kernel,
                            .done_user = &fst};
    if (ff_run_cosim_program(cs, p, data, ref, &o.sched, &po, &kernels, &nk, &err)) goto fail;
    int compared = 0, failed = 0;
    uint64_t c_total = 0, rtl_total = 0;
    for (int k = 0; k < nk; k++) {
        compared += kernels[k].compared;
        failed += kernels[k].failure != NULL;
        c_total += kernels[k].c_cycles;
        rtl_total += kernels[k].rtl_cycles;
    }
    if (!compared && !failed) {
        ff_err_set(&err, FF_EINVAL, "%s: no kernel was compared", model);
        goto fail;
    }
    if (nk > 1) printf("total: C %" PRIu64 "  RTL %" PRIu64 " cycles\n", c_total, rtl_total);
    printf("cosim: %d of %d kernel%s equal\n", nk - failed, nk, nk == 1 ? "" : "s");
    if (junit && write_junit(junit, model, kernels, nk, &err)) goto fail;
    if (report && write_report(report, model, kernels, nk, &err)) goto fail;
    rc = failed ? 1 : 0;
    goto done;
fail:
    rc = driver_fail("cosim", &err);
    if (junit && nk == 0) {
        /* a run that could not start is one failed testcase */
        ff_run_cosim_kernel one = {.failure = err.msg};
        snprintf(one.name, sizeof one.name, "%s", model ? model : "cosim");
        ff_err e2 = {0};
        if (write_junit(junit, model ? model : "", &one, 1, &e2)) driver_fail("cosim", &e2);
    }
done:
    ff_run_cosim_kernels_free(kernels, nk);
    driver_program_free(p, data, ref, sizes);
    ff_cosim_free(cs);
    driver_opts_free(&o);
    return rc;
}

#endif
