/*
 * driver.h -- the `fuseflow` command line: one function per subcommand,
 * each taking its own argv (argv[0] = the subcommand) and returning the
 * process exit code. Errors are printed here, once, as one line
 * "fuseflow <cmd>: message": usage errors (an unknown option, a missing or
 * malformed value) exit 2, input errors 1.
 *
 * Options come from one layer (options.c): the shared groups -- inputs
 * (--tensor --dim --random --density), schedule (--fuse --order --par
 * --block) and target (--arch) -- and each command's own options, declared
 * as a table of driver_option rows. A command names the groups it takes.
 */
#ifndef FF_DRIVER_H
#define FF_DRIVER_H

#include "ff_base.h"
#include "ff_ir.h"
#include "ff_lower.h"
#include "ff_run.h"
#include "ff_tensor.h"

int cmd_prim(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_graph(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_explore(int argc, char **argv);
int cmd_bitstream(int argc, char **argv);
int cmd_cosim(int argc, char **argv);
int cmd_sweep(int argc, char **argv);

/* " (statements 3-5)" for kernel k of p, numbered as the user wrote them
 * (ff_ir_stmt_number), or " (relayout: X__t = X as dc:1,0)" for a copy the
 * relayout pass made. */
void driver_print_kernel_stmts(const ff_ir_program *p, const ff_kernel *k, FILE *f);

/* Whether tensor t of `written` (the program as parsed; NULL: none) has
 * another format in p, the program after relayout (a held producer's
 * layout, compiler/run/run.c held_layouts). */
int driver_layout_changed(const ff_ir_program *written, const ff_ir_program *p, int t);

/* Prints "fuseflow CMD: MSG" to stderr and returns exit code 1 (2 for usage). */
int driver_fail(const char *cmd, const ff_err *err);
int driver_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Repeatable option values, in command-line order. */
typedef struct driver_list {
    const char **v;
    int n;
} driver_list;

/* The shared option groups a command takes (driver_cmd.groups). */
enum {
    DRIVER_INPUTS = 1 << 0, /* --tensor NAME=FILE, --dim NAME=SIZE, --random SEED, --density D, --allow-rounding,
                               --edge-base 0|1, --symmetrize */
    DRIVER_SCHED = 1 << 1,  /* --fuse SPEC, --order [N:]i,k,j | auto, --par INDEX:P, --block B, --reuse,
                               --tile INDEX:T,... | auto, --skip on|off,
                               --balance on|off, --relayout auto|off */
    DRIVER_TARGET = 1 << 2, /* --arch ARCH.json */
};

/* The inputs named on the command line (DRIVER_INPUTS). */
typedef struct driver_inputs {
    driver_list tensor;   /* NAME=FILE */
    driver_list dim;      /* NAME=SIZE */
    int have_seed;        /* --random given */
    uint64_t seed;
    double density;       /* default 0.1 */
    int allow_rounding;   /* --allow-rounding: data loss in the files is a warning */
    ff_edges_opts edges;  /* --edge-base 0|1, --symmetrize: how edge lists read */
} driver_inputs;

/* What the shared groups read. */
typedef struct driver_opts {
    driver_inputs in;
    driver_list fuse;     /* every --fuse (the last one is sched.fuse) */
    driver_list orders;   /* every --order but auto */
    int order_auto;       /* --order auto given */
    ff_run_sched sched;   /* fuse (default "none"), orders, par, block, reuse */
    int reuse_given;      /* --reuse was on the command line */
    const char *arch;     /* --arch ARCH.json; NULL: none */
} driver_opts;

/* How a command's own option keeps its value. */
typedef enum driver_kind {
    DRIVER_FLAG,    /* int, set to 1 */
    DRIVER_STR,     /* const char * */
    DRIVER_LIST,    /* driver_list, appended */
    DRIVER_UINT,    /* uint64_t, digits only, in [lo, hi] */
    DRIVER_INT,     /* int, in [lo, hi] */
    DRIVER_REAL,    /* double, in [lo, hi] ([lo, hi) with open_hi) */
} driver_kind;

/* One own option of a command. A malformed value is the usage error
 * "NAME VALUE: expected <expected>". */
typedef struct driver_option {
    const char *name;       /* "--out", "-o" */
    driver_kind kind;
    void *dest;             /* what kind says */
    const char *expected;   /* numbers: what a good value is ("a positive integer") */
    double lo, hi;          /* numbers: the range */
    int open_hi;            /* DRIVER_REAL: hi itself is out */
} driver_option;

/* A command's options: the groups it takes, its own options, its --help
 * text (written by hand: it explains more than the option names), and its
 * positional arguments (at most npos of them, into pos[]; fewer is the usage
 * error `need`, "which model file?", unless need is NULL). */
typedef struct driver_cmd {
    const char *name;
    unsigned groups;
    const driver_option *own;
    int nown;
    const char *help;
    const char **pos;
    int npos;
    const char *need;
} driver_cmd;

/* Parses argv (argv[0] = the command) into o and the command's own
 * destinations. Returns 0 to go on, or 1 when the command is done, with
 * *exit_code 0 after --help or 2 after printing one usage line (unknown
 * option, missing or malformed value, too many or too few arguments). o is
 * set up either way; its lists point into argv; free them with
 * driver_opts_free. */
int driver_parse(const driver_cmd *c, int argc, char **argv, driver_opts *o, int *exit_code);
void driver_opts_free(driver_opts *o);

/* The check every schedule gets once a program is parsed: fuse (a --fuse
 * spec) parses, s's --par names a loop there is and its --tile loops are
 * loops of the program, each once. Returns 0; -1 with err
 * set (not printed) when fuse does not parse; or 2 after printing the usage
 * error of a --par loop there is not. */
int driver_check_sched(const char *cmd, const ff_ir_program *p, const char *fuse, const ff_run_sched *s, ff_err *err);

/* The file of kernel s: path itself for a one-statement program, else
 * "out.json" -> "out.k2.json". */
void driver_kernel_path(const char *path, int nstmts, int s, const char *ext, char *buf, size_t n);

/* The files a command writes, so that a failure leaves none of them behind
 * (whole, but part of a run that failed). The library writers write a
 * temp file and rename it, so no file is half-written; a driver writer that
 * opens its file itself records it as soon as it is created. A path is
 * recorded only once this command made it, so a file it never touched is
 * never removed. The command ends with driver_outputs_end. Zero-initialize. */
typedef struct driver_outputs {
    char **path; /* owned copies */
    int n, cap;
} driver_outputs;

/* Records path (copied) as one this command created or wrote. */
void driver_outputs_add(driver_outputs *w, const char *path);

/* Ends the command's writing: when failed, removes every recorded file (a
 * file never created is no error). Frees what w holds; w is empty after. */
void driver_outputs_end(driver_outputs *w, int failed);

/* Writes t as DIR/NAME.mtx (Matrix Market), or DIR/NAME.txt (the dense text
 * form) for a scalar, which Matrix Market cannot hold; prints what it wrote.
 * The path is recorded in w (may be NULL) once written. */
int driver_write_tensor(const ff_tensor *t, const char *dir, const char *name, driver_outputs *w, ff_err *err);

/* Creates dir and its parents (mkdir -p). */
int driver_make_dir(const char *dir, ff_err *err);

/* MODEL parsed into *p (the caller's to free, also on error). Returns 0, or
 * -1 with err set (not printed), also for a model without a statement. */
int driver_parse_model(const char *model, ff_ir_program **p, ff_err *err);

/* MODEL parsed with its reductions placed (*p) and its inputs bound as
 * driver_load_inputs does into new arrays *data and *sizes (p->ntensors and
 * p->nsizes long). Returns 0; 2 after printing the usage error of a
 * malformed --tensor/--dim value; or -1 with err set (not printed) for any
 * other error. What was made is the caller's to free, also on error. */
int driver_load_program(const char *cmd, const char *model, const driver_inputs *in, ff_ir_program **p,
                        ff_tensor ***data, uint32_t **sizes, ff_err *err);

/* Frees what driver_load_program made (p, data and sizes) and a results
 * array beside it (ref, p->ntensors long; may be NULL). Any may be NULL. */
void driver_program_free(ff_ir_program *p, ff_tensor **data, ff_tensor **ref, uint32_t *sizes);

/* Binds p's inputs for command cmd: data[t] from the --tensor files (data
 * loss in them as driver_check_loss), sizes from --dim, then
 * random data for every input still without any (an error without a seed),
 * and every size bound (ff_ir_bind_sizes). data and sizes are p->ntensors
 * and p->nsizes long, zeroed; data's tensors become the caller's. *usage
 * (may be NULL) is set when the error is a malformed option value rather
 * than a problem with the model or a file. */
int driver_load_inputs(const char *cmd, ff_ir_program *p, const char *model, const driver_inputs *a, ff_tensor **data,
                       uint32_t *sizes, int *usage, ff_err *err);

/* The data loss t->loss records of reading path (saturated values, nonzeros
 * rounded to 0): none: 0. Otherwise, with allow, prints it as one warning
 * line on stderr under cmd and returns 0; without, returns -1 with err set
 * (an input error: the caller prints it and exits 1). */
int driver_check_loss(const char *cmd, const char *path, const ff_tensor *t, int allow, ff_err *err);

/* A plot drawn by gnuplot (plot.c): begin starts gnuplot (an error if it is
 * not on PATH) writing an SVG to path's temporary file, with the title; the
 * caller writes the rest of the script to g; end waits for gnuplot and
 * renames the file, or removes it when gnuplot failed. */
typedef struct driver_plot {
    FILE *g;
    const char *path;
    char tmp[4096];
} driver_plot;
int driver_plot_begin(driver_plot *pl, const char *path, const char *title, ff_err *err);
int driver_plot_end(driver_plot *pl, ff_err *err);
/* s as a gnuplot single-quoted string ('' is a quote). */
void driver_gp_string(FILE *f, const char *s);

#endif
