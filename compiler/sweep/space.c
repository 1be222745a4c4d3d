/*
 * space.c -- design-space files: strict parsing, the points they span,
 * and each point's architecture and schedule (ff_sweep.h).
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ff_sweep.h"

/* What a dimension chooses (add_dim). */
enum { DIM_SCHED, DIM_ARCH, DIM_MODEL };

static int fail(ff_err *err, const char *path, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(ff_err *err, const char *path, const char *key, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ff_err_set(err, FF_EINVAL, "%s: %s%s%s", path, key, *key ? ": " : "", msg);
}

char *ff_sweep_path(const char *dir, const char *path)
{
    if (path[0] == '/') return ff_xstrdup(path);
    size_t n = strlen(dir) + strlen(path) + 2;
    char *out = ff_xcalloc(n, 1);
    snprintf(out, n, "%s/%s", dir, path);
    return out;
}

/* path relative to the space file's directory (absolute stays). */
static char *resolve(const char *space, const char *path)
{
    char *copy = ff_xstrdup(space);
    char *out = ff_sweep_path(dirname(copy), path);
    free(copy);
    return out;
}

static int only_keys(const char *path, json_t *obj, const char *where, const char *const *keys, ff_err *err)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        int known = 0;
        for (int i = 0; keys[i]; i++) known |= !strcmp(k, keys[i]);
        if (!known) {
            char list[256] = "";
            size_t len = 0;
            for (int i = 0; keys[i] && len < sizeof list; i++)
                len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", keys[i]);
            char key[160];
            snprintf(key, sizeof key, "%s%s%s", where, *where ? "." : "", k);
            return fail(err, path, key, "unknown key (expected one of %s)", list);
        }
    }
    return 0;
}

/* A JSON number as the shortest text that reads back to it ("0.3", not
 * jansson's "0.29999999999999999"; a real keeps its ".0"): it is the
 * value in the key and in the train command. A new string. */
static char *shortest(json_t *v)
{
    if (json_is_integer(v)) return json_dumps(v, JSON_ENCODE_ANY);
    double x = json_real_value(v);
    char buf[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) break;
    }
    if (!strpbrk(buf, ".eEni")) strcat(buf, ".0");
    return ff_xstrdup(buf);
}

/* A dimension from a JSON array of values, each checked by kind (DIM_*). */
static int add_dim(ff_sweep_space *s, const char *name, json_t *arr, int kind, const char *where, ff_err *err)
{
    int is_arch = kind == DIM_ARCH;
    char key[160];
    snprintf(key, sizeof key, "%s.%s", where, name);
    if (s->ndim == FF_SWEEP_MAX_DIMS) return fail(err, s->path, key, "more than %d dimensions", FF_SWEEP_MAX_DIMS);
    if (strlen(name) >= FF_SWEEP_NAME) return fail(err, s->path, key, "name longer than %d characters", FF_SWEEP_NAME - 1);
    if (!json_is_array(arr) || json_array_size(arr) == 0)
        return fail(err, s->path, key, "expected a non-empty array of values");
    ff_sweep_dim *d = &s->dim[s->ndim];
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "%s", name);
    d->is_arch = is_arch;
    d->is_model = kind == DIM_MODEL;
    d->nvalues = (int)json_array_size(arr);
    d->values = ff_xcalloc((size_t)d->nvalues, sizeof *d->values);
    s->ndim++; /* freed with the space from here on */
    for (int i = 0; i < d->nvalues; i++) {
        json_t *v = json_array_get(arr, (size_t)i);
        char vkey[200];
        snprintf(vkey, sizeof vkey, "%s[%d]", key, i);
        if (kind == DIM_MODEL) {
            if (!json_is_number(v) && !json_is_string(v))
                return fail(err, s->path, vkey, "expected a number or a string");
            d->values[i] = json_is_string(v) ? ff_xstrdup(json_string_value(v)) : shortest(v);
            if (strpbrk(d->values[i], ";="))
                return fail(err, s->path, vkey, "\"%s\": a value may not hold ';' or '=' (the point key's separators)",
                            d->values[i]);
        } else if (is_arch) {
            if (!json_is_number(v) && !json_is_boolean(v))
                return fail(err, s->path, vkey, "expected a number or true/false");
            d->values[i] = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        } else if (!strcmp(name, "block")) {
            if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 64)
                return fail(err, s->path, vkey, "expected a block size 0..64 (0: scalar)");
            d->values[i] = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        } else {
            if (!json_is_string(v)) return fail(err, s->path, vkey, "expected a string");
            const char *t = json_string_value(v);
            if (!strcmp(name, "reuse") && ff_reuse_parse(t) < 0)
                return fail(err, s->path, vkey, "\"%s\": expected %s", t, ff_reuse_choices());
            if (!strcmp(name, "par") && *t) {
                const char *colon = strchr(t, ':');
                char *end;
                long p = colon ? strtol(colon + 1, &end, 10) : 0;
                if (!colon || colon == t || *end || p < 2 || p > 7)
                    return fail(err, s->path, vkey, "\"%s\": expected INDEX:P with P in 2..7, or \"\" (serial)", t);
            }
            d->values[i] = ff_xstrdup(t);
        }
        for (int j = 0; j < i; j++)
            if (!strcmp(d->values[j], d->values[i]))
                return fail(err, s->path, vkey, "%s repeats value %d", d->values[i], j);
    }
    return 0;
}

/* Sets dotted key path in root to the JSON text value. */
static int set_path(json_t *root, const char *path, const char *value)
{
    char buf[FF_SWEEP_NAME];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *obj = root;
    char *save = NULL, *part = strtok_r(buf, ".", &save);
    while (part) {
        char *next = strtok_r(NULL, ".", &save);
        if (!next) return json_object_set_new(obj, part, json_loads(value, JSON_DECODE_ANY, NULL));
        json_t *child = json_object_get(obj, part);
        if (!child) {
            child = json_object();
            json_object_set_new(obj, part, child);
        }
        if (!json_is_object(child)) return -1;
        obj = child;
        part = next;
    }
    return -1;
}

static int arch_with(const ff_sweep_space *s, const int *digit, ff_arch *out, ff_err *err)
{
    json_t *root = json_loads(s->arch_text, 0, NULL);
    if (!root) return ff_err_set(err, FF_EINVAL, "%s: not JSON", s->arch_path);
    char origin[512];
    size_t len = (size_t)snprintf(origin, sizeof origin, "%s with", s->arch_path);
    for (int d = 0; d < s->ndim; d++) {
        if (!s->dim[d].is_arch) continue;
        const char *v = s->dim[d].values[digit[d]];
        if (set_path(root, s->dim[d].name, v) != 0) {
            json_decref(root);
            return ff_err_set(err, FF_EINVAL, "%s: arch_params.%s: not a key path of an object", s->path, s->dim[d].name);
        }
        if (len < sizeof origin)
            len += (size_t)snprintf(origin + len, sizeof origin - len, " %s=%s", s->dim[d].name, v);
    }
    char *text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    int rc = ff_arch_load_string(text, origin, out, err);
    free(text);
    return rc;
}

/* The {NAME} placeholders of text: each must name a model dimension
 * (*used gets its bit). */
static int placeholders(const ff_sweep_space *s, const char *text, const char *key, uint64_t *used, ff_err *err)
{
    for (const char *p = strchr(text, '{'); p; p = strchr(p + 1, '{')) {
        const char *end = strchr(p, '}');
        int found = -1;
        for (int d = 0; end && d < s->ndim; d++)
            if (s->dim[d].is_model && strlen(s->dim[d].name) == (size_t)(end - p - 1) &&
                !strncmp(s->dim[d].name, p + 1, (size_t)(end - p - 1)))
                found = d;
        if (found < 0)
            return fail(err, s->path, key, "\"%s\": {%.*s} is not a model_params name", text,
                        end ? (int)(end - p - 1) : (int)strlen(p + 1), p + 1);
        *used |= UINT64_C(1) << found;
    }
    return 0;
}

/* "model_params": {"NAME": [values]} (the first dimensions) and "train":
 * {"command": [argv with {NAME}]}: docs/sweep.md "Model choices". */
static int load_model_params(ff_sweep_space *s, json_t *root, ff_err *err)
{
    static const char *const sched_keys[] = {"fuse", "reuse", "par", "block", NULL};
    static const char *const train_keys[] = {"command", NULL};
    json_t *mp = json_object_get(root, "model_params"), *tr = json_object_get(root, "train"), *v;
    const char *k;
    if (mp && !json_is_object(mp)) return fail(err, s->path, "model_params", "expected an object of names");
    json_object_foreach(mp, k, v) {
        char key[160];
        snprintf(key, sizeof key, "model_params.%s", k);
        int ok = isalpha((unsigned char)*k) || *k == '_';
        for (const char *c = k; *c; c++) ok &= isalnum((unsigned char)*c) || *c == '_';
        if (!ok) return fail(err, s->path, key, "a name is letters, digits and '_' (it is written {%s} in train.command)", k);
        for (int i = 0; sched_keys[i]; i++)
            if (!strcmp(k, sched_keys[i])) return fail(err, s->path, key, "the name of a schedule choice");
        int rc = add_dim(s, k, v, DIM_MODEL, "model_params", err);
        if (rc) return rc;
    }
    if (!tr) return mp && json_object_size(mp) ? fail(err, s->path, "train", "model_params needs a train command") : 0;
    if (!json_is_object(tr)) return fail(err, s->path, "train", "expected an object");
    int rc = only_keys(s->path, tr, "train", train_keys, err);
    if (rc) return rc;
    json_t *cmd = json_object_get(tr, "command");
    if (!json_is_array(cmd) || json_array_size(cmd) == 0)
        return fail(err, s->path, "train.command", "expected a non-empty array of strings (the program and its arguments)");
    s->train = ff_xcalloc(json_array_size(cmd) + 1, sizeof *s->train);
    uint64_t used = 0;
    for (size_t i = 0; i < json_array_size(cmd); i++) {
        char key[64];
        snprintf(key, sizeof key, "train.command[%zu]", i);
        v = json_array_get(cmd, i);
        if (!json_is_string(v)) return fail(err, s->path, key, "expected a string");
        s->train[s->ntrain++] = ff_xstrdup(json_string_value(v));
        if ((rc = placeholders(s, json_string_value(v), key, &used, err))) return rc;
    }
    for (int d = 0; d < s->ndim; d++)
        if (s->dim[d].is_model && !(used >> d & 1))
            return fail(err, s->path, "train.command", "{%s} is not used: model_params.%s would change nothing",
                        s->dim[d].name, s->dim[d].name);
    return 0;
}

int ff_sweep_space_load(const char *path, ff_sweep_space *s, ff_err *err)
{
    memset(s, 0, sizeof *s);
    s->path = ff_xstrdup(path);
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        int rc = ff_err_set(err, FF_EINVAL, "%s:%d: %s", path, je.line, je.text);
        return rc;
    }
    int rc = 0;
    static const char *const top[] = {"fuseflow", "version", "model", "inputs", "arch", "arch_params", "schedule",
                                      "model_params", "train", NULL};
    static const char *const in_keys[] = {"random", "density", "dims", "tensors", NULL};
    static const char *const sched_keys[] = {"fuse", "reuse", "par", "block", NULL};
    json_t *v;
    if (!json_is_object(root)) {
        rc = fail(err, path, "", "expected a JSON object");
        goto done;
    }
    if ((rc = only_keys(path, root, "", top, err))) goto done;
    v = json_object_get(root, "fuseflow");
    if (!json_is_string(v) || strcmp(json_string_value(v), "space")) {
        rc = fail(err, path, "fuseflow", "expected \"space\"");
        goto done;
    }
    v = json_object_get(root, "version");
    if (!json_is_integer(v) || json_integer_value(v) != 1) {
        rc = fail(err, path, "version", "expected 1");
        goto done;
    }
    static const char *const files[] = {"model", "arch"};
    for (int i = 0; i < 2; i++) {
        v = json_object_get(root, files[i]);
        if (!json_is_string(v)) {
            rc = fail(err, path, files[i], "expected a file name (relative to the space file)");
            goto done;
        }
        *(i ? &s->arch_path : &s->model) = resolve(path, json_string_value(v));
    }
    FILE *f = fopen(s->arch_path, "r");
    if (!f) {
        rc = fail(err, path, "arch", "%s: cannot open", s->arch_path);
        goto done;
    }
    json_t *arch = json_loadf(f, 0, &je);
    fclose(f);
    if (!arch) {
        rc = ff_err_set(err, FF_EINVAL, "%s:%d: %s", s->arch_path, je.line, je.text);
        goto done;
    }
    s->arch_text = json_dumps(arch, JSON_COMPACT);
    json_decref(arch);
    s->density = 0.1;
    json_t *in = json_object_get(root, "inputs");
    if (in) {
        if (!json_is_object(in)) {
            rc = fail(err, path, "inputs", "expected an object");
            goto done;
        }
        if ((rc = only_keys(path, in, "inputs", in_keys, err))) goto done;
        if ((v = json_object_get(in, "random"))) {
            if (!json_is_integer(v) || json_integer_value(v) < 0) {
                rc = fail(err, path, "inputs.random", "expected a seed (a non-negative integer)");
                goto done;
            }
            s->have_seed = 1;
            s->seed = (uint64_t)json_integer_value(v);
        }
        if ((v = json_object_get(in, "density"))) {
            if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 1) {
                rc = fail(err, path, "inputs.density", "expected a number in [0, 1]");
                goto done;
            }
            s->density = json_number_value(v);
        }
        const char *k;
        json_t *x;
        json_t *dims = json_object_get(in, "dims"), *tens = json_object_get(in, "tensors");
        if ((dims && !json_is_object(dims)) || (tens && !json_is_object(tens))) {
            rc = fail(err, path, dims && !json_is_object(dims) ? "inputs.dims" : "inputs.tensors", "expected an object");
            goto done;
        }
        s->dims = ff_xcalloc(json_object_size(dims) + 1, sizeof *s->dims);
        json_object_foreach(dims, k, x) {
            if (!json_is_integer(x) || json_integer_value(x) < 1 || json_integer_value(x) > UINT32_MAX) {
                char key[160];
                snprintf(key, sizeof key, "inputs.dims.%s", k);
                rc = fail(err, path, key, "expected a size 1..4294967295");
                goto done;
            }
            char buf[160];
            snprintf(buf, sizeof buf, "%s=%lld", k, (long long)json_integer_value(x));
            s->dims[s->ndims++] = ff_xstrdup(buf);
        }
        s->tensors = ff_xcalloc(json_object_size(tens) + 1, sizeof *s->tensors);
        json_object_foreach(tens, k, x) {
            if (!json_is_string(x)) {
                char key[160];
                snprintf(key, sizeof key, "inputs.tensors.%s", k);
                rc = fail(err, path, key, "expected a file name");
                goto done;
            }
            char *file = resolve(path, json_string_value(x));
            size_t n = strlen(k) + strlen(file) + 2;
            s->tensors[s->ntensors] = ff_xcalloc(n, 1);
            snprintf(s->tensors[s->ntensors++], n, "%s=%s", k, file);
            free(file);
        }
    }
    if ((rc = load_model_params(s, root, err))) goto done;
    json_t *ap = json_object_get(root, "arch_params");
    if (ap && !json_is_object(ap)) {
        rc = fail(err, path, "arch_params", "expected an object of arch key paths");
        goto done;
    }
    const char *k;
    json_object_foreach(ap, k, v)
        if ((rc = add_dim(s, k, v, DIM_ARCH, "arch_params", err))) goto done;
    json_t *sc = json_object_get(root, "schedule");
    if (sc) {
        if (!json_is_object(sc)) {
            rc = fail(err, path, "schedule", "expected an object");
            goto done;
        }
        if ((rc = only_keys(path, sc, "schedule", sched_keys, err))) goto done;
        for (int i = 0; sched_keys[i]; i++)
            if ((v = json_object_get(sc, sched_keys[i])) && (rc = add_dim(s, sched_keys[i], v, DIM_SCHED, "schedule", err)))
                goto done;
    }
    s->npoints = 1;
    s->nmodels = 1;
    for (int d = 0; d < s->ndim; d++) {
        if (s->dim[d].is_model) s->nmodels *= (uint64_t)s->dim[d].nvalues;
        if (s->npoints > (UINT64_C(1) << 40) / (uint64_t)s->dim[d].nvalues) {
            rc = fail(err, path, "", "more than 2^40 points");
            goto done;
        }
        s->npoints *= (uint64_t)s->dim[d].nvalues;
    }
    /* every arch value, one at a time over the base: the loader's checks */
    for (int d = 0; d < s->ndim && !rc; d++) {
        if (!s->dim[d].is_arch) continue;
        for (int i = 0; i < s->dim[d].nvalues && !rc; i++) {
            int digit[FF_SWEEP_MAX_DIMS] = {0};
            digit[d] = i;
            ff_arch a;
            ff_err e = {0};
            if (arch_with(s, digit, &a, &e)) {
                char key[200];
                snprintf(key, sizeof key, "arch_params.%s[%d]", s->dim[d].name, i);
                rc = fail(err, path, key, "%s", e.msg);
            }
        }
    }
done:
    json_decref(root);
    return rc;
}

void ff_sweep_space_free(ff_sweep_space *s)
{
    for (int d = 0; d < s->ndim; d++) {
        for (int i = 0; i < s->dim[d].nvalues; i++) free(s->dim[d].values[i]);
        free(s->dim[d].values);
    }
    for (int i = 0; i < s->ndims; i++) free(s->dims[i]);
    for (int i = 0; i < s->ntensors; i++) free(s->tensors[i]);
    for (int i = 0; i < s->ntrain; i++) free(s->train[i]);
    free(s->train);
    free(s->dims);
    free(s->tensors);
    free(s->arch_text);
    free(s->arch_path);
    free(s->model);
    free(s->path);
    memset(s, 0, sizeof *s);
}

void ff_sweep_point_digits(const ff_sweep_space *s, uint64_t i, int *digit)
{
    for (int d = s->ndim - 1; d >= 0; d--) {
        digit[d] = (int)(i % (uint64_t)s->dim[d].nvalues);
        i /= (uint64_t)s->dim[d].nvalues;
    }
}

char *ff_sweep_point_key(const ff_sweep_space *s, uint64_t i)
{
    int digit[FF_SWEEP_MAX_DIMS];
    ff_sweep_point_digits(s, i, digit);
    size_t n = 1;
    for (int d = 0; d < s->ndim; d++) n += strlen(s->dim[d].name) + strlen(s->dim[d].values[digit[d]]) + 2;
    char *key = ff_xcalloc(n, 1);
    size_t len = 0;
    for (int d = 0; d < s->ndim; d++)
        len += (size_t)snprintf(key + len, n - len, "%s%s=%s", d ? ";" : "", s->dim[d].name, s->dim[d].values[digit[d]]);
    return key;
}

int ff_sweep_point_arch(const ff_sweep_space *s, uint64_t i, ff_arch *out, ff_err *err)
{
    int digit[FF_SWEEP_MAX_DIMS];
    ff_sweep_point_digits(s, i, digit);
    return arch_with(s, digit, out, err);
}

void ff_sweep_point_sched(const ff_sweep_space *s, uint64_t i, ff_sweep_sched *out)
{
    int digit[FF_SWEEP_MAX_DIMS];
    ff_sweep_point_digits(s, i, digit);
    memset(out, 0, sizeof *out);
    for (int d = 0; d < s->ndim; d++) {
        const char *v = s->dim[d].values[digit[d]];
        if (s->dim[d].is_arch || s->dim[d].is_model) continue;
        if (!strcmp(s->dim[d].name, "fuse")) out->fuse = v;
        else if (!strcmp(s->dim[d].name, "reuse")) out->reuse = v;
        else if (!strcmp(s->dim[d].name, "par")) out->par = *v ? v : NULL;
        else if (!strcmp(s->dim[d].name, "block")) out->block = atoi(v);
    }
}

/* The objectives of r, each to be minimised (a maximised one negated);
 * returns how many. The array's size is its area where both points have
 * one (an area table), else its primitives; energy and accuracy are ones
 * only where both points measured them. */
static int objectives(const ff_sweep_result *r, int with_area, int with_energy, int with_accuracy, double *v)
{
    int n = 0;
    v[n++] = (double)r->cycles;
    v[n++] = with_area ? r->area : (double)r->max_prims;
    if (with_energy) v[n++] = r->energy;
    if (with_accuracy) v[n++] = -r->accuracy;
    return n;
}

/* Whether res[j] dominates res[k]: at least as good on every objective and
 * better on one; of equal points, the first in res. */
static int dominates(const ff_sweep_result *res, int j, int k)
{
    double a[8], b[8];
    int acc = res[j].has_accuracy && res[k].has_accuracy, area = res[j].area > 0 && res[k].area > 0;
    int energy = res[j].energy > 0 && res[k].energy > 0;
    int n = objectives(&res[j], area, energy, acc, a), better = 0;
    objectives(&res[k], area, energy, acc, b);
    for (int o = 0; o < n; o++) {
        if (a[o] > b[o]) return 0;
        better |= a[o] < b[o];
    }
    return better || j < k;
}

int ff_sweep_front(const ff_sweep_result *res, int n, unsigned char *on)
{
    /* the one Pareto rule: on it when no other point dominates it (an
     * all-pairs test: fronts are drawn over recorded points, thousands) */
    int count = 0;
    for (int k = 0; k < n; k++) {
        on[k] = 1;
        for (int j = 0; j < n && on[k]; j++)
            if (j != k && dominates(res, j, k)) on[k] = 0;
        count += on[k];
    }
    return count;
}

double ff_sweep_objective(const ff_sweep_result *r, double weight, double energy_weight)
{
    if (strcmp(r->status, "ok") || !r->cycles) return 0;
    double size = r->area > 0 ? r->area : r->max_prims > 0 ? r->max_prims : 1;
    double e = energy_weight != 0 ? pow(r->energy > 0 ? r->energy : 1, energy_weight) : 1;
    return (double)r->cycles * pow(size, weight) * e;
}

uint64_t ff_sweep_random(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

uint64_t *ff_sweep_sample(const ff_sweep_space *s, uint64_t n, uint64_t seed, uint64_t *count)
{
    uint64_t total = s->npoints;
    if (!n || n >= total) n = total;
    uint64_t *v = ff_xcalloc(n + 1, sizeof *v);
    if (n == total) {
        for (uint64_t i = 0; i < n; i++) v[i] = i;
    } else {
        uint64_t x = seed, m = 0;
        for (uint64_t j = total - n; j < total; j++) {
            uint64_t t = ff_sweep_random(&x) % (j + 1), pick = t;
            for (uint64_t k = 0; k < m; k++)
                if (v[k] == t) pick = j;
            v[m++] = pick;
        }
        qsort(v, n, sizeof *v, cmp_u64);
    }
    *count = n;
    return v;
}

void ff_sweep_effects(const ff_sweep_space *s, const ff_sweep_result *res, int n, int energy, double **effect)
{
    int digit[FF_SWEEP_MAX_DIMS];
    for (int d = 0; d < s->ndim; d++) {
        int nv = s->dim[d].nvalues;
        double *sum = ff_xcalloc((size_t)nv, sizeof *sum);
        int *count = ff_xcalloc((size_t)nv, sizeof *count);
        for (int k = 0; k < n; k++) {
            double m = energy ? res[k].energy : (double)res[k].cycles;
            if (strcmp(res[k].status, "ok") || !(m > 0) || res[k].point >= s->npoints) continue;
            ff_sweep_point_digits(s, res[k].point, digit);
            sum[digit[d]] += log(m);
            count[digit[d]]++;
        }
        effect[d] = ff_xcalloc((size_t)nv, sizeof **effect);
        double best = INFINITY;
        for (int v = 0; v < nv; v++)
            if (count[v] && sum[v] / count[v] < best) best = sum[v] / count[v];
        for (int v = 0; v < nv; v++) effect[d][v] = count[v] ? exp(sum[v] / count[v] - best) : 0;
        free(sum);
        free(count);
    }
}
