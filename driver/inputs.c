/*
 * inputs.c -- the data of a model's inputs from the command line, shared by
 * run, cosim and explore: --tensor files, --dim sizes, then --random data.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"

/* One warning line per index summed over one factor alone. */
static void warn_lonely(void *user, int stmt, int index, const ff_ir_expr *factor)
{
    const ff_ir_program *p = user;
    (void)stmt;
    fprintf(stderr, "fuseflow: warning: %s:%d:%d: index %s appears in this factor alone and not on the left, so it is "
            "summed over it by itself (a typo for another index?)\n",
            p->path, factor->pos.line, factor->pos.col, p->indices[index].name);
}

int driver_parse_model(const char *model, ff_ir_program **p, ff_err *err)
{
    if (ff_ir_parse(model, NULL, p, err)) return -1;
    /* the parser takes declarations alone (tests build programs so); a
     * model file without a statement would succeed with no output */
    if (!(*p)->nstmts) return ff_err_set(err, FF_EINVAL, "%s: no statement: a model computes at least one tensor", model);
    ff_ir_lonely_indices(*p, warn_lonely, *p);
    return 0;
}

int driver_load_program(const char *cmd, const char *model, const driver_inputs *in, ff_ir_program **p,
                        ff_tensor ***data, uint32_t **sizes, ff_err *err)
{
    if (driver_parse_model(model, p, err) || ff_ir_place_reductions(*p, err)) return -1;
    *data = calloc((size_t)(*p)->ntensors + 1, sizeof **data);
    *sizes = calloc((size_t)(*p)->nsizes + 1, sizeof **sizes);
    int usage = 0;
    if (!driver_load_inputs(cmd, *p, model, in, *data, *sizes, &usage, err)) return 0;
    return usage ? driver_usage(cmd, "%s", err->msg) : -1;
}

int driver_check_loss(const char *cmd, const char *path, const ff_tensor *t, int allow, ff_err *err)
{
    const ff_tensor_loss *l = &t->loss;
    if (!l->saturated && !l->underflow) return 0;
    int F = t->frac_bits;
    ff_err_set(err, FF_EINVAL,
               "%s:%ld: values lost in Q%d.%d: %llu saturated (outside [-%llu, %llu)), %llu nonzeros rounded to 0; "
               "worst \"%s\"%s",
               path, l->worst_line, 31 - F, F, (unsigned long long)l->saturated, 1ULL << (31 - F), 1ULL << (31 - F),
               (unsigned long long)l->underflow, l->worst, allow ? "" : " (--allow-rounding goes on with them)");
    if (!allow) return -1;
    fprintf(stderr, "fuseflow %s: warning: %s\n", cmd, err->msg);
    *err = (ff_err){0};
    return 0;
}

int driver_load_inputs(const char *cmd, ff_ir_program *p, const char *model, const driver_inputs *a, ff_tensor **data,
                       uint32_t *sizes, int *usage, ff_err *err)
{
    int dummy;
    if (!usage) usage = &dummy;
    *usage = 0;
    for (int i = 0; i < a->tensor.n; i++) {
        char *arg = (char *)a->tensor.v[i]; /* argv: NAME=FILE is cut at '=' */
        char *eq = strchr(arg, '=');
        if (!eq || eq == arg) {
            *usage = 1;
            return ff_err_set(err, FF_EINVAL, "--tensor '%s': expected NAME=FILE", arg);
        }
        *eq = '\0';
        int t = ff_ir_find_tensor(p, arg);
        if (t < 0 || p->tensors[t].role != FF_IR_INPUT)
            return ff_err_set(err, FF_EINVAL, "--tensor %s: %s has no input tensor '%s'", arg, model, arg);
        int rc = ff_tensor_load_with(eq + 1, &p->tensors[t].fmt, p->frac_bits, &a->edges, &data[t], err);
        if (rc) return rc;
        if (driver_check_loss(cmd, eq + 1, data[t], a->allow_rounding, err)) return -1;
        snprintf(data[t]->name, sizeof data[t]->name, "%s", p->tensors[t].name);
    }
    for (int i = 0; i < a->dim.n; i++) {
        char *arg = (char *)a->dim.v[i];
        char *eq = strchr(arg, '=');
        /* digits only, 1..2^32-1: strtol would take "5abc" as 5, and the
         * uint32_t cast would make 4294967297 a 1 */
        char *end = NULL;
        unsigned long long val = eq && eq[1] >= '0' && eq[1] <= '9' ? strtoull(eq + 1, &end, 10) : 0;
        if (!eq || eq == arg || !end || *end || val == 0 || val > UINT32_MAX) {
            *usage = 1;
            return ff_err_set(err, FF_EINVAL, "--dim '%s': expected NAME=SIZE with SIZE in 1..4294967295", arg);
        }
        *eq = '\0';
        int found = 0;
        for (int k = 0; k < p->nsizes; k++)
            if (!strcmp(p->sizes[k].name, arg)) {
                sizes[k] = (uint32_t)val;
                found = 1;
            }
        if (!found) return ff_err_set(err, FF_EINVAL, "--dim %s: %s has no size named '%s'", arg, model, arg);
    }
    /* ff_ir_random_inputs fills every input still without data at once */
    for (int t = 0; t < p->ntensors; t++)
        if (p->tensors[t].role == FF_IR_INPUT && !data[t]) {
            if (!a->have_seed)
                return ff_err_set(err, FF_EINVAL, "%s: input '%s' has no data (give --tensor %s=FILE, or --random SEED)",
                                  model, p->tensors[t].name, p->tensors[t].name);
            int rc = ff_ir_random_inputs(p, a->seed, a->density, sizes, data, err);
            if (rc) return rc;
            break;
        }
    return ff_ir_bind_sizes(p, (const ff_tensor *const *)data, sizes, err);
}

void driver_program_free(ff_ir_program *p, ff_tensor **data, ff_tensor **ref, uint32_t *sizes)
{
    for (int t = 0; p && t < p->ntensors; t++) {
        if (data) ff_tensor_free(data[t]);
        if (ref) ff_tensor_free(ref[t]);
    }
    free(data);
    free(ref);
    free(sizes);
    ff_ir_free(p);
}
