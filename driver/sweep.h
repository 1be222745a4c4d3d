/*
 * sweep.h -- what `fuseflow sweep`'s two back ends share (cmd_sweep.c,
 * sweep_slurm.c; docs/sweep.md): the sweep's state, and recording a result.
 * The local back end runs points in forked workers (cmd_sweep.c); the Slurm
 * back end runs them as job-array tasks, each the same binary in its
 * internal --eval-point mode, and gathers the result files they write.
 * Both evaluate a point with one function, cmd_sweep.c's evaluate().
 */
#ifndef FF_DRIVER_SWEEP_H
#define FF_DRIVER_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "driver.h"
#include "ff_hw.h"
#include "ff_sweep.h"

typedef struct sweep_slurm sweep_slurm;

/* One sweep: the space, its model choices and data, its database, and its
 * counts. */
typedef struct sweep_pool {
    const ff_sweep_space *s;
    struct choice *choice;               /* s->nmodels model choices (cmd_sweep.c): each trained, its
                                            program and data loaded, when a point first needs it */
    int check;                           /* compute reference results (--check) for the local workers */
    const ff_hw_cost *hw;                /* the area table; NULL: no areas */
    const ff_hw_energy_table *energy;    /* the energy table; NULL (or no area table): no energies */
    ff_sweep_db *db;
    struct worker *w;                    /* the local back end's workers (jobs of them) */
    sweep_slurm *slurm;                  /* the Slurm back end's state; NULL: local */
    int jobs, tty;                       /* points at a time; progress on stderr */
    uint64_t visited, nnew, nerr, skipped, goal; /* goal: the points this sweep visits (progress) */
    /* every result this sweep saw, for the search: points and objectives */
    uint64_t *seen;
    double *objective;
    size_t nseen, cap;
    double weight, energy_weight;        /* the objective's exponents (ff_sweep_objective) */
} sweep_pool;

/* Records point i's result r, measured now: into the database, the
 * search's list, the counts and the progress line. Returns 0 or the
 * database's error. */
int sweep_record(sweep_pool *P, uint64_t i, const ff_sweep_result *r, ff_err *err);

/* Notes point i's result r, already in the database, for the search. */
void sweep_note(sweep_pool *P, uint64_t i, const ff_sweep_result *r);

/* The Slurm back end (sweep_slurm.c). */
typedef struct sweep_slurm_opts {
    const char *space;     /* the space file, as given */
    const char *db;        /* the database; the work directory is DB.slurm beside it */
    const char *partition; /* sbatch --partition, or NULL */
    const char *time;      /* sbatch --time, or NULL */
    const char *args;      /* more sbatch options, split at spaces, or NULL */
    int check;             /* tasks run with --check */
    const char *hw_cost;   /* tasks run with --hw-cost this, or NULL */
    const char *hw_energy; /* tasks run with --hw-energy this, or NULL */
} sweep_slurm_opts;

/* Whether sbatch and squeue can be run at all (sbatch --version). Returns
 * 0, or FF_EIO with err naming what is missing. */
int sweep_slurm_available(ff_err *err);

/* Opens the work directory (creating it) and locks it, so that one sweep
 * at a time uses it; waits for the jobs an earlier, killed sweep on the
 * same database left queued or running; and records every result file
 * they wrote. Sets P->slurm. Returns 0 or a negative FF_E* code. */
int sweep_slurm_open(sweep_pool *P, const sweep_slurm_opts *o, ff_err *err);

/* Runs the points pts[0..n) the database does not hold as job arrays of at
 * most 1000 tasks, P->jobs of them at a time (sbatch --array=...%jobs),
 * one array after another, recording each result as its file arrives. A
 * task that ends without a result is recorded as an error naming its job
 * and the tail of its log. */
int sweep_slurm_run(sweep_pool *P, const uint64_t *pts, uint64_t n, ff_err *err);

/* Unlocks the work directory and removes it when nothing is left in it
 * (the logs of failed tasks stay). Frees P->slurm. */
void sweep_slurm_close(sweep_pool *P);

#endif
