/*
 * main.c -- `fuseflow <command>`: dispatches to the subcommands.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "driver.h"

int cmd_explore(int argc, char **argv); /* cmd_explore.c */
int cmd_bitstream(int argc, char **argv); /* cmd_bitstream.c */
int cmd_cosim(int argc, char **argv); /* cmd_cosim.c */

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
    {"bitstream", cmd_bitstream, "decode an RDA bitstream (fuseflow compile --bitstream) field by field"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: fuseflow <command> [options]   (fuseflow <command> --help)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
}

int driver_fail(const char *cmd, const ff_err *err)
{
    fprintf(stderr, "fuseflow %s: %s\n", cmd, err->msg);
    return 1;
}

int driver_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fuseflow %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see fuseflow %s --help)\n", cmd);
    va_end(ap);
    return 2;
}

int driver_opt(int argc, char **argv, int *i, const char *name, const char **val, int *bad)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0) return 0;
    if (argv[*i][n] == '=') { /* --opt=value */
        *val = argv[*i] + n + 1;
        return 1;
    }
    if (argv[*i][n] != '\0') return 0;
    if (*i + 1 >= argc) {
        driver_usage(argv[0], "%s needs a value", name);
        *bad = 1;
        return 1;
    }
    *val = argv[++*i];
    return 1;
}

int driver_write_tensor(const ff_tensor *t, const char *dir, const char *name, ff_err *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.%s", dir, name, t->order ? "mtx" : "txt");
    int rc = t->order ? ff_tensor_write_mtx(t, path, err) : ff_tensor_write_text(t, path, err);
    if (!rc) printf("wrote %s (%zu nonzeros)\n", path, ff_tensor_nnz(t));
    return rc;
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
