/*
 * result.c -- one point's result as a text file (ff_sweep.h): how a sweep's
 * worker on another machine (a Slurm array task) hands its result back. The
 * file names the point by number and by key, so a file left by a sweep of
 * another space is refused rather than recorded under the wrong point.
 *
 *   fuseflow sweep result 3
 *   point 17
 *   key fifo_depth=4;offchip.channels=16;fuse=all;reuse=auto;par=i:4
 *   status ok
 *   cycles 13154
 *   max_prims 129
 *   offchip_bytes 40960
 *   kernels 4
 *   seconds 0.081
 *   accuracy 0.813             (the model choice's, docs/sweep.md "Model
 *   accuracy_float 0.815        choices"; "none": not measured)
 *   area 1.234e6 1.0e6 2.0e5 3.4e4   (GE: total, tiles, crossbar, SRAM;
 *                               docs/synthesis.md; all 0 without a table)
 *   energy 812.5 400.1 300.2 100.2 12.0  (nJ: total, logic, SRAM, off-chip,
 *                               leakage; all 0 without the tables)
 *   error                      (the rest of the line; empty when ok)
 *
 * Version 2 added the accuracy lines, version 3 the area, version 4 the
 * energy; a file of an
 * older version (a sweep of a binary before them) is refused like any file
 * not a result: the Slurm back end warns, removes it and runs its point
 * again.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ff_sweep.h"

#define MAGIC "fuseflow sweep result 4"
#define FIELD 8192 /* the longest line: a key of many dimensions */

int ff_sweep_result_save(const char *path, const ff_sweep_space *s, uint64_t i, const ff_sweep_result *r, ff_err *err)
{
    size_t n = strlen(path) + 32;
    char *tmp = ff_xcalloc(n, 1);
    snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    char *key = ff_sweep_point_key(s, i);
    char msg[sizeof r->error];
    snprintf(msg, sizeof msg, "%s", r->error);
    for (char *c = msg; *c; c++)
        if (*c == '\n' || *c == '\r') *c = ' '; /* one line */
    int rc = 0;
    FILE *f = fopen(tmp, "w");
    if (!f) {
        rc = ff_err_set(err, FF_EIO, "%s: cannot create: %s", tmp, strerror(errno));
        goto done;
    }
    /* accuracies to the last bit (%.17g), so both back ends record the same */
    char acc[32] = "none", accf[32] = "none";
    if (r->has_accuracy) snprintf(acc, sizeof acc, "%.17g", r->accuracy);
    if (!isnan(r->accuracy_float)) snprintf(accf, sizeof accf, "%.17g", r->accuracy_float);
    fprintf(f, MAGIC "\npoint %" PRIu64 "\nkey %s\nstatus %s\ncycles %" PRIu64 "\nmax_prims %d\noffchip_bytes %" PRIu64
                     "\nkernels %d\nseconds %.6f\naccuracy %s\naccuracy_float %s\narea %.17g %.17g %.17g %.17g"
                     "\nenergy %.17g %.17g %.17g %.17g %.17g\nerror %s\n",
            i, key, r->status, r->cycles, r->max_prims, r->offchip_bytes, r->kernels, r->seconds, acc, accf, r->area,
            r->area_tiles, r->area_crossbar, r->area_sram, r->energy, r->energy_logic, r->energy_sram,
            r->energy_offchip, r->energy_leakage, msg);
    int bad = ferror(f);
    if (fclose(f) || bad) rc = ff_err_set(err, FF_EIO, "%s: cannot write: %s", tmp, strerror(errno));
    if (!rc && rename(tmp, path)) rc = ff_err_set(err, FF_EIO, "%s: cannot rename to %s: %s", tmp, path, strerror(errno));
    if (rc) remove(tmp);
done:
    free(key);
    free(tmp);
    return rc;
}

/* Line `name VALUE` of f into buf (the value, without its newline). */
static int field(FILE *f, const char *path, const char *name, char *buf, size_t n, ff_err *err)
{
    char line[FIELD];
    size_t len = strlen(name);
    if (!fgets(line, sizeof line, f) || strncmp(line, name, len) || line[len] != ' ')
        return ff_err_set(err, FF_EINVAL, "%s: expected the line '%s ...'", path, name);
    line[strcspn(line, "\n")] = 0;
    snprintf(buf, n, "%s", line + len + 1);
    return 0;
}

static int number(const char *path, const char *name, const char *v, uint64_t *out, ff_err *err)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (!*v || *end || errno || *v == '-') return ff_err_set(err, FF_EINVAL, "%s: %s '%s': expected a number", path, name, v);
    *out = x;
    return 0;
}

/* n real numbers >= 0 separated by spaces, into *out[0..n). */
static int reals(const char *path, const char *name, const char *v, double **out, int n, ff_err *err)
{
    const char *at = v;
    for (int a = 0; a < n; a++) {
        char *stop;
        *out[a] = strtod(at, &stop);
        if (stop == at || !isfinite(*out[a]) || *out[a] < 0)
            return ff_err_set(err, FF_EINVAL, "%s: %s '%s': expected %d numbers >= 0", path, name, v, n);
        at = stop;
    }
    if (*at) return ff_err_set(err, FF_EINVAL, "%s: %s '%s': expected %d numbers >= 0", path, name, v, n);
    return 0;
}

/* A real number, or "none" (*has = 0, *out = NaN). */
static int real_or_none(const char *path, const char *name, const char *v, int *has, double *out, ff_err *err)
{
    *has = strcmp(v, "none") != 0;
    *out = NAN;
    if (!*has) return 0;
    char *end;
    *out = strtod(v, &end);
    if (!*v || *end || isnan(*out)) return ff_err_set(err, FF_EINVAL, "%s: %s '%s': expected a number or none", path, name, v);
    return 0;
}

int ff_sweep_result_load(const char *path, const ff_sweep_space *s, uint64_t *point, ff_sweep_result *r, ff_err *err)
{
    memset(r, 0, sizeof *r);
    FILE *f = fopen(path, "r");
    if (!f) return ff_err_set(err, FF_EIO, "%s: cannot open: %s", path, strerror(errno));
    char v[FIELD], line[64];
    uint64_t x = 0, i = 0;
    int rc = 0;
    if (!fgets(line, sizeof line, f) || strcmp(line, MAGIC "\n")) {
        rc = ff_err_set(err, FF_EINVAL, "%s: not a sweep result (expected '" MAGIC "')", path);
        goto done;
    }
    if ((rc = field(f, path, "point", v, sizeof v, err)) || (rc = number(path, "point", v, &i, err))) goto done;
    if (i >= s->npoints) {
        rc = ff_err_set(err, FF_EINVAL, "%s: point %" PRIu64 " is not in the space (%" PRIu64 " points)", path, i,
                        s->npoints);
        goto done;
    }
    if ((rc = field(f, path, "key", v, sizeof v, err))) goto done;
    char *key = ff_sweep_point_key(s, i);
    if (strcmp(key, v)) rc = ff_err_set(err, FF_EINVAL, "%s: point %" PRIu64 " is '%s' there, '%s' in this space", path, i, v, key);
    free(key);
    if (rc || (rc = field(f, path, "status", v, sizeof v, err))) goto done;
    if (strcmp(v, "ok") && strcmp(v, "error")) {
        rc = ff_err_set(err, FF_EINVAL, "%s: status '%s': expected ok or error", path, v);
        goto done;
    }
    snprintf(r->status, sizeof r->status, "%.7s", v);
    if ((rc = field(f, path, "cycles", v, sizeof v, err)) || (rc = number(path, "cycles", v, &r->cycles, err)) ||
        (rc = field(f, path, "max_prims", v, sizeof v, err)) || (rc = number(path, "max_prims", v, &x, err)))
        goto done;
    r->max_prims = (int)x;
    if ((rc = field(f, path, "offchip_bytes", v, sizeof v, err)) ||
        (rc = number(path, "offchip_bytes", v, &r->offchip_bytes, err)) ||
        (rc = field(f, path, "kernels", v, sizeof v, err)) || (rc = number(path, "kernels", v, &x, err)))
        goto done;
    r->kernels = (int)x;
    if ((rc = field(f, path, "seconds", v, sizeof v, err))) goto done;
    char *end;
    r->seconds = strtod(v, &end);
    if (!*v || *end) {
        rc = ff_err_set(err, FF_EINVAL, "%s: seconds '%s': expected a number", path, v);
        goto done;
    }
    int has_float;
    if ((rc = field(f, path, "accuracy", v, sizeof v, err)) ||
        (rc = real_or_none(path, "accuracy", v, &r->has_accuracy, &r->accuracy, err)) ||
        (rc = field(f, path, "accuracy_float", v, sizeof v, err)) ||
        (rc = real_or_none(path, "accuracy_float", v, &has_float, &r->accuracy_float, err)))
        goto done;
    if (!r->has_accuracy) r->accuracy = 0;
    double *area[] = {&r->area, &r->area_tiles, &r->area_crossbar, &r->area_sram};
    double *energy[] = {&r->energy, &r->energy_logic, &r->energy_sram, &r->energy_offchip, &r->energy_leakage};
    if ((rc = field(f, path, "area", v, sizeof v, err)) || (rc = reals(path, "area", v, area, 4, err)) ||
        (rc = field(f, path, "energy", v, sizeof v, err)) || (rc = reals(path, "energy", v, energy, 5, err)))
        goto done;
    if ((rc = field(f, path, "error", v, sizeof v, err))) goto done;
    snprintf(r->error, sizeof r->error, "%.511s", v);
    r->point = i;
    *point = i;
done:
    fclose(f);
    return rc;
}
