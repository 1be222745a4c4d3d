/*
 * ff_sweep.h -- architecture x schedule sweeps (`fuseflow sweep`,
 * docs/sweep.md): a design-space file, the points it spans, a resumable
 * database of what each point measured, and the Pareto front.
 *
 * What goes in: a space file (strict JSON, like the arch files):
 *
 *   {"fuseflow": "space", "version": 1,
 *    "model": "../bench/apps/gcn.ff",                 relative to the space file
 *    "inputs": {"random": 1, "density": 0.05, "dims": {"N": 128},
 *               "tensors": {"AI": "cora/AI.mtx"}},  (each optional)
 *    "arch": "../arch/hbm-study.json",                the base architecture
 *    "arch_params": {"fifo_depth": [2, 4], "offchip.channels": [4, 8]},
 *    "schedule": {"fuse": ["none", "all"], "reuse": ["auto", "hold"],
 *                 "par": ["", "i:4"], "block": [0]}}
 *
 * Model choices (docs/sweep.md "Model choices") add
 *    "model_params": {"H": [8, 16]}, "train": {"command": [argv with {H}]}
 * the command writes a trained model (model.json) per choice, whose dims
 * and tensors replace the inputs', and whose labels score the output.
 *
 * A point picks one value per dimension (each model parameter, each arch
 * parameter, then fuse, reuse, par, block); points are numbered in mixed radix, the last
 * dimension fastest. Every arch value is checked when the space loads (the
 * base arch with it must load: ff_arch_load_string names what is wrong).
 *
 * Library ff_sweep (compiler/sweep): needs ff_sim (architectures), ff_lower
 * (reuse names), jansson and SQLite.
 */
#ifndef FF_SWEEP_H
#define FF_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "ff_base.h"
#include "ff_lower.h"
#include "ff_sim.h"

#define FF_SWEEP_MAX_DIMS 32
#define FF_SWEEP_NAME 64

/* One dimension: its name ("fifo_depth", "offchip.latency", "fuse", ...)
 * and its values as text ("4", "1-3,4", "" for no --par). */
typedef struct ff_sweep_dim {
    char name[FF_SWEEP_NAME];
    char **values;
    int nvalues;
    int is_arch;  /* an arch file key path, else a schedule choice */
    int is_model; /* a model choice (model_params): trained by the space's "train" command */
} ff_sweep_dim;

typedef struct ff_sweep_space {
    char *path;           /* the space file */
    char *model;          /* resolved against the space file's directory */
    char *arch_path;      /* the base architecture, resolved */
    char *arch_text;      /* its JSON text */
    /* inputs, as fuseflow run's options would give them */
    int have_seed;
    uint64_t seed;
    double density;
    char **dims;          /* "N=128" */
    int ndims;
    char **tensors;       /* "AI=/abs/path" */
    int ntensors;
    ff_sweep_dim dim[FF_SWEEP_MAX_DIMS];
    int ndim;
    uint64_t npoints;     /* the product of the dimensions' sizes */
    /* model choices (docs/sweep.md "Model choices"): the model_params
     * dimensions come first, so a point's model choice is its leading digits */
    uint64_t nmodels;     /* the product of the model dimensions' sizes (1: none) */
    char **train;         /* the "train" command's argv, {NAME} not yet substituted; NULL-terminated */
    int ntrain;
} ff_sweep_space;

/* dir/path, or path itself when absolute (a new string): where the sweep
 * finds a file named relative to a directory (the space file's, a trained
 * model's, the Slurm work directory). */
char *ff_sweep_path(const char *dir, const char *path);

/* Loads and checks a space file. Errors name the file and the key path
 * ("space.json: arch_params.fifo_depth[2]: ...: 0 is out of range 1..1024"). */
int ff_sweep_space_load(const char *path, ff_sweep_space *out, ff_err *err);
void ff_sweep_space_free(ff_sweep_space *s);

/* Point i's value index per dimension (digit[d] for dim[d]). */
void ff_sweep_point_digits(const ff_sweep_space *s, uint64_t i, int *digit);

/* The sweeps' generator (splitmix64): the same seed, the same sequence. */
uint64_t ff_sweep_random(uint64_t *state);

/* The points to visit, in point order (a new array, *count of them): all
 * of the space, or n distinct ones drawn with seed (Floyd's algorithm: no
 * point twice, no retries). */
uint64_t *ff_sweep_sample(const ff_sweep_space *s, uint64_t n, uint64_t seed, uint64_t *count);

/* Point i's canonical key, "fifo_depth=4;offchip.channels=8;fuse=all;..."
 * (every dimension, in order): the database's primary key. A new string. */
char *ff_sweep_point_key(const ff_sweep_space *s, uint64_t i);

/* Point i's architecture: the base with its arch values set (ff_arch_load_string). */
int ff_sweep_point_arch(const ff_sweep_space *s, uint64_t i, ff_arch *out, ff_err *err);

/* Point i's schedule choices (pointers into the space; NULL where the
 * space has no such dimension: the default). */
typedef struct ff_sweep_sched {
    const char *fuse, *reuse, *par;
    int block;
} ff_sweep_sched;
void ff_sweep_point_sched(const ff_sweep_space *s, uint64_t i, ff_sweep_sched *out);

/* A trained model choice: what the space's "train" command wrote (its
 * model.json, docs/sweep.md "Model choices"). */
typedef struct ff_sweep_model {
    char *key;             /* "H=16;weight_density=0.5" */
    char *log;             /* the command's standard output before its last line (NULL: none) */
    char **dims;           /* "H=16": override the space's inputs.dims */
    int ndims;
    char **tensors;        /* "W1=/abs/W1.mtx": override inputs.tensors and random data */
    int ntensors;
    char *output;          /* the output tensor whose argmax per row is the prediction ("P") */
    uint32_t *labels;      /* class per row of output; NULL: no accuracy is measured */
    uint32_t nlabels;
    uint32_t *test;        /* the rows the accuracy counts */
    uint32_t ntest;
    double accuracy_float; /* as the trainer measured it; NaN when it gave none */
} ff_sweep_model;

/* Point i's model choice, 0..s->nmodels-1. */
uint64_t ff_sweep_point_model(const ff_sweep_space *s, uint64_t i);

/* Trains model choice m, or finds it already trained: runs the space's
 * "train" command with each {NAME} replaced by the choice's value, in the
 * space file's directory, and reads the model.json whose path is the last
 * line of its standard output (the lines before it are out->log). Its
 * stderr is the caller's. Errors name the space file and the choice; *out
 * is the caller's to free with ff_sweep_model_free, also on error. */
int ff_sweep_model_train(const ff_sweep_space *s, uint64_t m, ff_sweep_model *out, ff_err *err);
void ff_sweep_model_free(ff_sweep_model *m);

/* The fraction of m's test rows where out's largest entry (the first of
 * equal ones) is in the labelled column. out is the output as computed,
 * [rows, classes]; a label or test row outside it is an error. */
int ff_sweep_accuracy(const ff_sweep_model *m, const ff_tensor *out, double *acc, ff_err *err);

/* What a point measured. status: "ok" or "error" (an impossible schedule,
 * a deadlock: a result too, not retried). */
typedef struct ff_sweep_result {
    uint64_t point;         /* its number in the space (as read back from the database) */
    char status[8];
    uint64_t cycles;        /* total over the kernels */
    int max_prims;          /* primitives of the largest graph: the tiles an array needs */
    uint64_t offchip_bytes; /* moved by the off-chip model */
    int kernels;            /* graphs run (kernels and their phases) */
    double seconds;         /* wall time of the evaluation */
    char error[512];
    int has_accuracy;       /* the point's model choice has labels: the two below are measured */
    double accuracy;        /* test accuracy of the output as the cycle model computed it (fixed point) */
    double accuracy_float;  /* the same model's test accuracy in PyTorch (float), as its trainer reported */
    /* The silicon of an array that runs the point (ff_hw.h, docs/synthesis.md),
     * in NAND2 equivalents; all 0 without an area table. */
    double area;            /* the sum of the three */
    double area_tiles;      /* tiles of every kind, their FIFOs at the point's depth */
    double area_crossbar;   /* the full crossbar */
    double area_sram;       /* on-chip memory: the largest kernel's data and the global buffer */
    /* The energy of the run on that array (ff_hw.h, docs/synthesis.md
     * "Energy"), in nJ at the energy table's node; all 0 without the tables. */
    double energy;          /* the sum of the four */
    double energy_logic;    /* tiles firing and idling, tokens through the crossbar and FIFOs */
    double energy_sram;     /* words of tile memory read and written */
    double energy_offchip;  /* bytes moved off chip */
    double energy_leakage;  /* the array's area over the run's cycles */
} ff_sweep_result;

/* One point's result as a text file (result.c): how a worker on another
 * machine -- a Slurm array task -- hands it back, every field of r
 * including the accuracies (exactly: the database gets what a local worker
 * would have sent). save writes path through
 * a temporary file beside it and a rename, so a reader never sees half a
 * file. load reads it back into *point and *r, and refuses a file that is
 * not a result or whose point is not this space's (its number out of range,
 * or its key another): a file left by another space is never recorded. */
int ff_sweep_result_save(const char *path, const ff_sweep_space *s, uint64_t i, const ff_sweep_result *r, ff_err *err);
int ff_sweep_result_load(const char *path, const ff_sweep_space *s, uint64_t *point, ff_sweep_result *r, ff_err *err);

/* The database: one SQLite file, table `points` (key, every dimension as a
 * column, the result). Opening creates it, or checks that it was made for
 * the same space (the same dimensions and values), so a killed sweep
 * resumes where it stopped. */
typedef struct ff_sweep_db ff_sweep_db;
int ff_sweep_db_open(const char *path, const ff_sweep_space *s, ff_sweep_db **out, ff_err *err);
void ff_sweep_db_close(ff_sweep_db *db);
/* Whether point key has a result. */
int ff_sweep_db_has(ff_sweep_db *db, const char *key);
int ff_sweep_db_put(ff_sweep_db *db, const ff_sweep_space *s, uint64_t i, const ff_sweep_result *r, ff_err *err);
/* Every evaluated point as CSV (header, then one row per point in point
 * order), through a temporary file. */
int ff_sweep_db_csv(ff_sweep_db *db, const char *path, ff_err *err);

/* The evaluated "ok" points: their keys (new strings) and results into
 * the caller's arrays (grown with realloc), sorted by cycles, then
 * primitives, then point. Returns how many, or a negative FF_E* code. */
int ff_sweep_db_points(ff_sweep_db *db, char ***keys, ff_sweep_result **res, ff_err *err);

/* The Pareto front of res[0..n) (sorted as ff_sweep_db_points sorts),
 * minimising cycles and the array's size -- area between points that both
 * have one, else max_prims -- and, between points that both measured them,
 * minimising energy and maximising accuracy: on[k] = 1 for each point on it (a point no
 * other is at least as good as on every objective and better on one; of
 * equal points, the first). Returns how many. */
int ff_sweep_front(const ff_sweep_result *res, int n, unsigned char *on);

/* The scalar a search minimises: cycles x size^weight x energy^energy_weight,
 * size the area (or the primitives, without an area table), energy 1
 * without one (weights 0: cycles alone; 1, 0: an area-delay product; 0, 1:
 * energy-delay). 0 for a point without a result. */
double ff_sweep_objective(const ff_sweep_result *r, double weight, double energy_weight);

/* The surrogate search's next points (search.c, docs/sweep.md
 * "Searching"): fits a Gaussian process to log(objective) of the ndone
 * evaluated points done[] (objective <= 0: an error, not fitted) and picks
 * up to npick points not in evaluated[] (npoints flags) with the lowest
 * mean - beta * sd (a lower confidence bound: beta trades exploring for
 * exploiting), in pick[]; pred (may be NULL) gets each pick's predicted
 * objective and log-space sd. Spaces over 50,000 points rank a seeded
 * sample of them. Returns how many it picked. */
typedef struct ff_sweep_prediction {
    double mean;    /* predicted objective */
    double sd_log;  /* standard deviation of log(objective) */
} ff_sweep_prediction;
int ff_sweep_surrogate_next(const ff_sweep_space *s, const uint64_t *done, const double *objective, int ndone,
                            const unsigned char *evaluated, double beta, uint64_t seed, uint64_t *pick, int npick,
                            ff_sweep_prediction *pred);

/* What each dimension's values do to cycles (energy: 0) or to energy (1):
 * for value v of dimension d, effect[d][v] = the geometric mean of the
 * measure over the n results with that value (and a measure), divided by
 * the smallest such mean of the dimension (1.0: the best value; 0: no
 * result has it). Over an exhaustive sweep every value meets every
 * combination of the others, so this is the marginal effect. effect has
 * FF_SWEEP_MAX_DIMS rows; each row is allocated (free each). */
void ff_sweep_effects(const ff_sweep_space *s, const ff_sweep_result *res, int n, int energy, double **effect);

#endif
