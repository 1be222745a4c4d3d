/*
 * cmd_prim.c -- `fuseflow prim`: one primitive, token streams in, token
 * streams out. The debugging tool for anyone writing or checking a
 * primitive, and the format of the unit tests' expectations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "ff_graph.h"
#include "ff_sim.h"

static const char help[] =
    "usage: fuseflow prim NAME [--param KEY=VALUE ...] --in PORT[:TYPE]='TOKENS' ...\n"
    "                      [--ready PATTERN] [--cycles] [--depth N] [--latency N] [--ii N]\n"
    "       fuseflow prim --list\n"
    "\n"
    "Runs primitive NAME on the given input streams and prints one line per output\n"
    "port, `port: tokens`. Tokens are written as in docs/tokens.md: numbers, S0 S1 ..,\n"
    "N, D, and R/S in repeat-signal streams; `_` offers nothing for one cycle.\n"
    "\n"
    "  --param KEY=VALUE  a primitive parameter (lists comma-separated: seg=0,2,5)\n"
    "  --in PORT=TOKENS   an input stream; PORT:TYPE sets the type of an `any` port\n"
    "  --ready PATTERN    output readiness per cycle: 0/1 string (repeated) or\n"
    "                     rand:SEED:PERCENT; default always ready\n"
    "  --cycles           print the cycle each output token left (@cycle) and the total\n"
    "  --depth N          channel depth (default 2); --latency/--ii: pipeline timing\n"
    "  --list             every primitive with its ports and parameters\n"
    "\n"
    "example:\n"
    "  fuseflow prim scan --param seg=0,2,2,5 --param crd=0,3,1,2,4 --in ref_in='0 1 2 S0 D'\n";

static const char *param_type_name(const ff_param_spec *p)
{
    switch (p->type) {
    case FF_PT_INT: return "int";
    case FF_PT_STR: return "str";
    case FF_PT_FX: return "fx";
    case FF_PT_INTS: return "ints";
    case FF_PT_FXS: return "fxs";
    case FF_PT_DIM: return "dim";
    case FF_PT_ENUM: return "enum";
    }
    return "?";
}

static void list_prims(void)
{
    for (int k = 0; k < FF_PRIM__COUNT; k++) {
        const ff_prim_info *info = ff_prim_get((ff_prim_kind)k);
        printf("%s%s\n  %s\n", info->name, info->hardware ? "" : " (harness only)", info->summary);
        for (int p = 0; p < info->nports; p++) {
            const ff_port_spec *ps = &info->ports[p];
            printf("  %-6s %s%s %s%s\n", ps->is_input ? "in" : "out", ps->name, ps->is_family ? "0..n-1" : "",
                   ff_stream_type_name(ps->type), ps->optional ? " (optional)" : "");
        }
        for (int p = 0; p < info->nparams; p++) {
            const ff_param_spec *ps = &info->params[p];
            printf("  param  %s %s", ps->key, param_type_name(ps));
            if (ps->type == FF_PT_ENUM) {
                printf("(");
                for (int w = 0; ps->enum_words[w]; w++) printf("%s%s", w ? "|" : "", ps->enum_words[w]);
                printf(")");
            }
            if (ps->has_range) printf("(%lld..%lld)", (long long)ps->lo, (long long)ps->hi);
            if (ps->required) printf(" (required)");
            else if (ps->default_text && ps->default_text[0]) printf(" = %s", ps->default_text);
            printf("\n");
        }
    }
}

int cmd_prim(int argc, char **argv)
{
    const char *name = NULL, *ready = "";
    driver_list params = {0}, inputs = {0};
    int cycles = 0, list = 0, rc = 0;
    ff_sim_opts opts;
    ff_sim_opts_default(&opts);
    int latency = 0, ii = 1;
    const driver_option own[] = {
        {"--param", DRIVER_LIST, &params},
        {"--in", DRIVER_LIST, &inputs},
        {"--ready", DRIVER_STR, &ready},
        {"--depth", DRIVER_INT, &opts.arch.fifo_depth, "a positive integer", 1, 1e9},
        {"--latency", DRIVER_INT, &latency, "an integer >= 0", 0, 1e9},
        {"--ii", DRIVER_INT, &ii, "a positive integer", 1, 1e9},
        {"--cycles", DRIVER_FLAG, &cycles},
        {"--list", DRIVER_FLAG, &list},
    };
    const driver_cmd cmd = {"prim", 0, own, 8, help, &name, 1};
    driver_opts o;
    if (driver_parse(&cmd, argc, argv, &o, &rc)) goto done;
    if (list) {
        list_prims();
        goto done;
    }
    if (!name) {
        rc = driver_usage("prim", "which primitive? (fuseflow prim --list)");
        goto done;
    }
    int kind = ff_prim_lookup(name);
    if (kind >= 0) {
        opts.arch.latency[kind] = latency;
        opts.arch.ii[kind] = ii;
    }
    ff_err err = {0};
    char *report = NULL;
    if (ff_prim_run(name, params.v, params.n, inputs.v, inputs.n, ready, &opts, cycles, &report, &err)) {
        rc = driver_fail("prim", &err);
        goto done;
    }
    fputs(report, stdout);
    free(report);
done:
    free(params.v);
    free(inputs.v);
    driver_opts_free(&o);
    return rc;
}
