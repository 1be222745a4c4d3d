/*
 * cosim_group.c -- the co-simulation tests' shared group (cosim_group.h).
 */
#include <stdio.h>

#include "cosim_group.h"

ff_cosim *cosim_group;

int cosim_group_setup(void **state)
{
    (void)state;
    ff_err err = {0};
    if (ff_cosim_new(&cosim_group, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    return 0;
}

int cosim_group_teardown(void **state)
{
    (void)state;
    ff_cosim_free(cosim_group);
    cosim_group = NULL;
    return 0;
}

void cosim_group_print_kernel(const ff_run_cosim_kernel *k, void *user)
{
    (void)user;
    printf("  %-56s %3zu tiles  C %8llu  RTL %8llu cycles  %s\n", k->name, k->tiles, (unsigned long long)k->c_cycles,
           (unsigned long long)k->rtl_cycles, k->failure ? "FAIL" : "ok");
    if (k->failure) printf("%s\n", k->failure);
    fflush(stdout);
}
