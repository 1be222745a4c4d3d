/*
 * cmd_compile.c -- `fuseflow compile`: a model file to dataflow graphs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "driver.h"
#include "ff_backend.h"
#include "ff_graph.h"
#include "ff_ir.h"
#include "ff_lower.h"

static const char help[] = "usage: fuseflow compile MODEL.ff [--fuse SPEC] [--order [N:]i,k,j ...] [--par INDEX:P] "
                           "[--block B] [--tile INDEX:T,...] [-o GRAPH.json]\n"
                           "                        [--dot GRAPH.dot] [-d]\n"
                           "                        [--bitstream OUT.bit --array ARRAY.json [--arch ARCH.json]]\n"
                           "\n"
                           "Compiles MODEL.ff (docs/language.md) into dataflow graphs (docs/graph-format.md),\n"
                           "one per kernel. With one kernel, -o names the graph file; with several, the\n"
                           "kernel starting at statement N goes to GRAPH.kN.json (and GRAPH.kN.dot).\n"
                           "\n"
                           "  --fuse SPEC       none (default: a kernel per statement), all, or ranges of\n"
                           "                    statements such as 1-3,4,5-8; within a kernel, results\n"
                           "                    stream from producer to consumer instead of going to memory\n"
                           "  --order i,k,j     loop order for the statements with exactly these indices;\n"
                           "                    N:i,k,j for statement N only (default: the best legal order)\n"
                           "  --par INDEX:P     replicate the work under output loop INDEX P ways (2..7):\n"
                           "                    forks deal its coordinates round robin to P lanes and\n"
                           "                    serializes put the results back in order (same outputs)\n"
                           "  --block B         stream B x B dense blocks (1..64): every index over a mode of a\n"
                           "                    tensor stored bcsr(B) iterates blocks, values are blocks and\n"
                           "                    ALUs/reducers take the arch's block timing (same outputs)\n"
                           "  --reuse MODE      what a fused producer its consumer revisits costs:\n"
                           "                    recompute (every visit), buffer (a stream buffer replays\n"
                           "                    each fiber), hold (computed in a phase of its own, held\n"
                           "                    in on-chip memory: one graph per phase), auto (default:\n"
                           "                    buffer or hold where it saves a reduction per entry)\n"
                           "  --skip on|off     coordinate skipping (default on): an intersect tells the\n"
                           "                    scanner of a lagging side the coordinate to jump to\n"
                           "                    (same outputs, fewer cycles; off: every coordinate streams)\n"
                           "  --balance on|off  FIFO balancing (default on): where paths of different length\n"
                           "                    meet, the shorter one's channels are made deeper, up to the\n"
                           "                    arch's max_fifo_depth (same outputs; off: every channel at\n"
                           "                    the arch's fifo_depth)\n"
                           "  --relayout auto|off  where a kernel has no legal loop order as its inputs are\n"
                           "                    stored, copy an input into the mode order it needs (X__t: csr\n"
                           "                    -> csc, dense -> dd:1,0) in a kernel of its own before it\n"
                           "                    (default auto; off: the kernel is an error)\n"
                           "  --tile INDEX:T,... | auto  checked here; run and cosim execute each kernel tile\n"
                           "                    by tile on cropped inputs. A tile's graph is the kernel's\n"
                           "                    graph (sizes bind from the tensors at run time), so the\n"
                           "                    graphs written are the same\n"
                           "  -o GRAPH.json     write the graph(s)\n"
                           "  --dot GRAPH.dot   write Graphviz drawings\n"
                           "  --bitstream OUT.bit  place and route each graph on the RDA array given by\n"
                           "                    --array (rtl/arrays/NAME.json) and write its bitstream\n"
                           "                    (docs/bitstream.md; several kernels: OUT.kN.bit);\n"
                           "                    --arch ARCH.json gives latency, II and FIFO depth\n"
                           "  -d                print the tensor IR after each pass (it parses back) and\n"
                           "                    each statement's graph summary\n";

int cmd_compile(int argc, char **argv)
{
    const char *model = NULL, *out = NULL, *dot = NULL;
    const char *bit = NULL, *array_path = NULL; /* --bitstream, --array */
    ff_kernel kernels[256];
    ff_lower_opts ropts[FF_LOWER_MAX_ROOTS];
    ff_run_phase *phases = ff_xcalloc(64, sizeof *phases);
    int dump = 0, rc = 0;
    const driver_option own[] = {
        {"-o", DRIVER_STR, &out},
        {"--dot", DRIVER_STR, &dot},
        {"--bitstream", DRIVER_STR, &bit},
        {"--array", DRIVER_STR, &array_path},
        {"-d", DRIVER_FLAG, &dump},
    };
    const driver_cmd cmd = {"compile", DRIVER_SCHED | DRIVER_TARGET, own, 5, help, &model, 1, "which model file?"};
    driver_opts o;
    ff_ir_program *p = NULL, *relaid = NULL, *written = NULL;
    ff_err err = {0};
    driver_outputs w = {0}; /* every graph, bitstream and dot file: removed on failure */
    int failed = 0;
    if (driver_parse(&cmd, argc, argv, &o, &rc)) goto done;
    const char *arch_path = o.arch;
    if (bit && !array_path) {
        rc = driver_usage("compile", "--bitstream needs --array ARRAY.json (the array to place on)");
        goto done;
    }
    if (!bit && (array_path || arch_path)) {
        rc = driver_usage("compile", "--array and --arch go with --bitstream");
        goto done;
    }
    ff_array_desc array = {0};
    ff_arch arch;
    ff_arch_default(&arch);
    if (array_path && ff_array_load(array_path, &array, &err)) goto fail;
    if (arch_path && ff_arch_load(arch_path, &arch, &err)) goto fail;
    if (array_path) ff_array_fit_arch(&array, &arch);
    o.sched.arch = &arch; /* FIFO balancing: the graphs written are the ones run would run */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (driver_parse_model(model, &p, &err)) goto fail;
    if (dump) {
        printf("# %s after parse\n", model);
        ff_ir_print(p, stdout);
    }
    if (ff_ir_place_reductions(p, &err)) goto fail;
    if (dump) {
        printf("# %s after place-reductions\n", model);
        ff_ir_print(p, stdout);
    }
    if ((rc = driver_check_sched("compile", p, o.sched.fuse, &o.sched, &err)) < 0) goto fail;
    if (rc) goto done;
    int nk = ff_fuse_parse(p, o.sched.fuse, kernels, 256, &err);
    /* relayout: the program with the copies some kernel needs (owned) */
    if (nk > 0 && (nk = ff_run_relayout(p, &o.sched, kernels, nk, 256, &relaid, &err)) < 0) goto fail;
    if (relaid) {
        if (dump) {
            printf("# %s after relayout\n", model);
            ff_ir_print(relaid, stdout);
        }
        written = p; /* kept: what relayout changed shows */
        p = relaid;  /* the program every kernel below is lowered from */
        relaid = NULL;
    }
    for (int k = 0; k < nk; k++) {
        /* the kernel's phases (producers held on chip) */
        if (ff_run_kernel_orders(p, &kernels[k], &o.sched, ropts, &err)) goto fail;
        int np = ff_run_phases(p, &kernels[k], ropts, &o.sched, phases, 64, &err);
        if (np < 0) goto fail;
        for (int q = 0; q < np; q++) {
            const ff_kernel *ker = &phases[q].k;
            const ff_lower_opts *korders = phases[q].orders;
            ff_graph *g = NULL;
            if (ff_lower_kernel(p, ker, korders, &g, &err)) goto fail;
            char path[4096];
            printf("%s:%d: kernel %d", model, p->stmts[ker->first].pos.line, k + 1);
            if (np > 1) printf(".%d", q + 1);
            driver_print_kernel_stmts(p, ker, stdout);
            printf(":");
            for (int r = 0; r < ker->nroots; r++) {
                char ord[512];
                ff_run_order_text(&korders[r], ord, sizeof ord);
                int t = p->stmts[ker->roots[r]].lhs;
                printf("%s %s", r ? ";" : "", p->tensors[t].name);
                if (written && driver_layout_changed(written, p, t)) printf(" (held as %s)", p->tensors[t].format_text);
                printf(" in order %s", ord);
            }
            printf(", %d primitives, %d streams", g->nnodes, g->nedges);
            if (out) {
                driver_kernel_path(out, nk + np - 1, ker->first, ".json", path, sizeof path);
                if (ff_graph_save_json(g, path, &err)) {
                    ff_graph_free(g);
                    goto fail;
                }
                driver_outputs_add(&w, path);
                printf(" -> %s", path);
            }
            if (bit) {
                ff_bitstream *b = NULL;
                driver_kernel_path(bit, nk + np - 1, ker->first, ".bit", path, sizeof path);
                if (ff_backend_compile(g, &array, &arch, &b, &err) || ff_bitstream_save(b, path, &err)) {
                    printf("\n");
                    ff_bitstream_free(b);
                    ff_graph_free(g);
                    goto fail;
                }
                driver_outputs_add(&w, path);
                printf(" -> %s (%zu tiles of array '%s')", path, b->tiles.len, array.name);
                ff_bitstream_free(b);
            }
            printf("\n");
            if (dot) {
                driver_kernel_path(dot, nk + np - 1, ker->first, ".dot", path, sizeof path);
                FILE *f = fopen(path, "w");
                if (f) driver_outputs_add(&w, path);
                int wrc = !f ? ff_err_set(&err, FF_EIO, "%s: %s", path, strerror(errno)) : ff_graph_write_dot(g, f, &err);
                if (f && fclose(f) && !wrc) wrc = ff_err_set(&err, FF_EIO, "%s: %s", path, strerror(errno));
                if (wrc) {
                    ff_graph_free(g);
                    goto fail;
                }
            }
            ff_graph_free(g);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (dump)
        printf("# compiled in %.2f ms\n", 1e3 * (double)(t1.tv_sec - t0.tv_sec) + 1e-6 * (double)(t1.tv_nsec - t0.tv_nsec));
    goto done;
fail:
    rc = driver_fail("compile", &err);
    failed = 1;
done:
    driver_outputs_end(&w, failed);
    free(phases);
    ff_ir_free(p);
    ff_ir_free(written);
    driver_opts_free(&o);
    return rc;
}
