/*
 * plot.c -- drawing with gnuplot for the commands that plot (explore,
 * sweep): gnuplot on PATH, its script piped in, the SVG written to a
 * temporary file and renamed only when gnuplot succeeded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"

/* Whether an executable `name` is on PATH. */
static int on_path(const char *name)
{
    const char *path = getenv("PATH");
    if (!path) return 0;
    char dir[4096];
    while (*path) {
        size_t n = strcspn(path, ":");
        snprintf(dir, sizeof dir, "%.*s/%s", (int)n, n ? path : ".", name);
        if (access(dir, X_OK) == 0) return 1;
        path += n;
        if (*path == ':') path++;
    }
    return 0;
}

void driver_gp_string(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'') fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

int driver_plot_begin(driver_plot *pl, const char *path, const char *title, ff_err *err)
{
    memset(pl, 0, sizeof *pl);
    if (!on_path("gnuplot"))
        return ff_err_set(err, FF_EINVAL, "--plot needs gnuplot, which is not on PATH (install it, or drop --plot)");
    pl->g = popen("gnuplot", "w");
    if (!pl->g) return ff_err_set(err, FF_EIO, "cannot run gnuplot: %s", strerror(errno));
    pl->path = path;
    snprintf(pl->tmp, sizeof pl->tmp, "%s.tmp", path);
    fprintf(pl->g, "set terminal svg size 900,500 dynamic font 'sans,11' background rgb 'white'\nset output ");
    driver_gp_string(pl->g, pl->tmp);
    fprintf(pl->g, "\nset title ");
    driver_gp_string(pl->g, title);
    fprintf(pl->g, " noenhanced\n");
    return 0;
}

int driver_plot_end(driver_plot *pl, ff_err *err)
{
    int st = pclose(pl->g), rc = 0;
    if (st == -1) rc = ff_err_set(err, FF_EIO, "gnuplot: %s", strerror(errno));
    else if (st != 0) rc = ff_err_set(err, FF_EIO, "gnuplot failed writing %s (exit status %d)", pl->path, st);
    else if (rename(pl->tmp, pl->path)) rc = ff_err_set(err, FF_EIO, "%s: %s", pl->path, strerror(errno));
    if (rc) unlink(pl->tmp);
    return rc;
}
