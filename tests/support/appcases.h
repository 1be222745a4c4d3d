/*
 * appcases.h -- test support: the four applications of bench/apps at CI
 * size, with their data (the real karate-club graph from ../shared/data for
 * the graph networks, seeded random tensors for the rest), shared by the C
 * model's application test and the co-simulation regression.
 */
#ifndef FF_APPCASES_H
#define FF_APPCASES_H

#include "ff_ir.h"
#include "ff_tensor.h"

typedef struct app_case {
    const char *file;              /* bench/apps/FILE */
    const char *dims[8];           /* NAME=SIZE */
    double density;
    const char *graph_tensor;      /* karate adjacency bound to this name, or NULL */
    int self_loops;                /* add I to it */
    const char *fuse[4];           /* the schedules the C model test runs */
    const char *par;               /* the output loop --par replicates */
    /* The blocked variant (--block 4): tensors redeclared in 4x4 blocks,
     * "NAME=FORMAT" (none: the app has no blocked variant). */
    const char *blocked[4];
} app_case;

extern const app_case app_cases[];
extern const int app_ncases;

/* Parses bench/apps/c->file, places its reductions and builds its inputs
 * (seed 11 + index): *p and *data (one per program tensor, inputs filled)
 * are new; free with app_free. Fails the test on any error. */
void app_load(int index, ff_ir_program **p, ff_tensor ***data);
/* The same with the tensors of app_cases[index].blocked redeclared. */
void app_load_blocked(int index, ff_ir_program **p, ff_tensor ***data);
/* The same in blocks of B instead (every block size of the redeclarations). */
void app_load_blocked_as(int index, int B, ff_ir_program **p, ff_tensor ***data);
void app_free(ff_ir_program *p, ff_tensor **data);

#endif
