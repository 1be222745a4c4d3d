/*
 * driver.h -- the `fuseflow` command line: one function per subcommand,
 * each taking its own argv (argv[0] = the subcommand) and returning the
 * process exit code. Errors are printed here, once, as one line
 * "fuseflow <cmd>: message".
 */
#ifndef FF_DRIVER_H
#define FF_DRIVER_H

#include "ff_base.h"

int cmd_prim(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_graph(int argc, char **argv);

/* Prints "fuseflow CMD: MSG" to stderr and returns exit code 1 (2 for usage). */
int driver_fail(const char *cmd, const ff_err *err);
int driver_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True if argv[*i] is `name` and a value follows; advances *i and sets *val.
 * A missing value is reported as a usage error through *bad. */
int driver_opt(int argc, char **argv, int *i, const char *name, const char **val, int *bad);

#endif
