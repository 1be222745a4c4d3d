/*
 * driver.h -- the `fuseflow` command line: one function per subcommand,
 * each taking its own argv (argv[0] = the subcommand) and returning the
 * process exit code. Errors are printed here, once, as one line
 * "fuseflow <cmd>: message".
 */
#ifndef FF_DRIVER_H
#define FF_DRIVER_H

#include "ff_base.h"
#include "ff_ir.h"
#include "ff_lower.h"
#include "ff_tensor.h"

int cmd_prim(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_graph(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_run(int argc, char **argv);

/* Prints "fuseflow CMD: MSG" to stderr and returns exit code 1 (2 for usage). */
int driver_fail(const char *cmd, const ff_err *err);
int driver_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True if argv[*i] is `name` and a value follows; advances *i and sets *val.
 * A missing value is reported as a usage error through *bad. */
int driver_opt(int argc, char **argv, int *i, const char *name, const char **val, int *bad);

/* The loop order the --order options give statement s (o->norder = 0 when
 * none applies): "i,k,j" applies to every statement with exactly those
 * indices, "N:i,k,j" to statement N (1-based). */
int driver_stmt_order(const ff_ir_program *p, int s, char **orders, int norders, ff_lower_opts *o, ff_err *err);

/* The schedule transforms every kernel gets: --par INDEX:P
 * (docs/language.md "Parallelization"; lanes 0: none) and --block B
 * ("Block sparsity"; 0: scalar). */
typedef struct driver_sched {
    char index[FF_LOWER_NAME];
    int lanes;
    int block;
} driver_sched;

/* The options that set a driver_sched, --par INDEX:P (P 2..7) and --block B
 * (1..64), at argv[*i] in driver_opt's forms: 1 when argv[*i] is one of
 * them -- *bad set when its value is missing or malformed, reported once as
 * a usage error of cmd -- else 0. */
int driver_sched_opt(const char *cmd, int argc, char **argv, int *i, driver_sched *s, int *bad);

/* Orders for every root of kernel k (out[r] for k->roots[r], each with its
 * fuse flags in fuse_buf + r * nstmts): from --order, else the default; and
 * --par (par NULL or lanes 0: none). */
int driver_kernel_orders(const ff_ir_program *p, const ff_kernel *k, char **orders, int norders, const driver_sched *par,
                         ff_lower_opts *out, unsigned char *fuse_buf, ff_err *err);

/* 0 when some root of the kernels has index par->index (or there is no
 * --par), else a usage error listing what there is. */
int driver_check_par(const ff_ir_program *p, const ff_kernel *ks, int nk, const driver_sched *par, ff_err *err);

/* "i,k,j" */
void driver_order_text(const ff_lower_opts *o, char *buf, size_t n);

/* The file of kernel s: path itself for a one-statement program, else
 * "out.json" -> "out.k2.json". */
void driver_kernel_path(const char *path, int nstmts, int s, const char *ext, char *buf, size_t n);

/* Writes t as DIR/NAME.mtx (Matrix Market), or DIR/NAME.txt (the dense text
 * form) for a scalar, which Matrix Market cannot hold; prints what it wrote. */
int driver_write_tensor(const ff_tensor *t, const char *dir, const char *name, ff_err *err);

/* The inputs named on the command line: --tensor NAME=FILE, --dim NAME=SIZE
 * (arrays of argv strings, edited in place), --random SEED, --density D. */
typedef struct driver_inputs {
    char **tensor;
    int ntensor;
    char **dim;
    int ndims;
    int have_seed;
    uint64_t seed;
    double density;
} driver_inputs;

/* Binds p's inputs: data[t] from the --tensor files, sizes from --dim, then
 * random data for every input still without any (an error without a seed),
 * and every size bound (ff_ir_bind_sizes). data and sizes are p->ntensors
 * and p->nsizes long, zeroed; data's tensors become the caller's. *usage
 * (may be NULL) is set when the error is a malformed option value rather
 * than a problem with the model or a file. */
int driver_load_inputs(ff_ir_program *p, const char *model, const driver_inputs *a, ff_tensor **data,
                       uint32_t *sizes, int *usage, ff_err *err);

#endif
