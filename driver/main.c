/*
 * main.c -- `fuseflow <command>`: dispatches to the subcommands.
 */
#include <stdio.h>
#include <string.h>

#include "driver.h"

static const struct command {
    const char *name;
    int (*run)(int, char **);
    const char *summary;
} commands[] = {
    {"compile", cmd_compile, "compile a model (.ff) into dataflow graphs"},
    {"run", cmd_run, "compile a model and run it on the cycle model (--check against the reference)"},
    {"explore", cmd_explore, "estimate, prune and simulate a model's fusion and loop-order schedules"},
    {"prim", cmd_prim, "run one primitive on token streams given as text"},
    {"sim", cmd_sim, "run a dataflow graph on tensors (cycle model, or --functional)"},
    {"graph", cmd_graph, "check a graph file, or draw it as Graphviz DOT"},
    {"cosim", cmd_cosim, "run a model on the C cycle model and the Verilated RTL and compare them"},
    {"sweep", cmd_sweep, "run a design space (architecture x schedule) into a resumable database; its Pareto front"},
    {"bitstream", cmd_bitstream, "decode an RDA bitstream (fuseflow compile --bitstream) field by field"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: fuseflow <command> [options]   (fuseflow <command> --help)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("fuseflow %s\n", FF_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "fuseflow: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
