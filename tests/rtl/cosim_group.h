/*
 * cosim_group.h -- what the co-simulation tests share: one co-simulation of
 * the linked array for a cmocka group (opened in the group setup, closed in
 * its teardown), and the progress line of a kernel of a program.
 */
#ifndef FF_COSIM_GROUP_H
#define FF_COSIM_GROUP_H

#include "ff_run_cosim.h"

/* The group's co-simulation (NULL outside the group). */
extern ff_cosim *cosim_group;

int cosim_group_setup(void **state);
int cosim_group_teardown(void **state);

/* ff_run_cosim_opts.done: one line per kernel (tiles, both models'
 * cycles, ok/FAIL), the failure's report after it. */
void cosim_group_print_kernel(const ff_run_cosim_kernel *k, void *user);

#endif
