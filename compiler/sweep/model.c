/*
 * model.c -- model choices (docs/sweep.md "Model choices"): training one
 * with the space's "train" command, reading the model.json it writes, and
 * the accuracy of an output as the cycle model computed it (ff_sweep.h).
 */
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ff_sweep.h"

uint64_t ff_sweep_point_model(const ff_sweep_space *s, uint64_t i)
{
    int digit[FF_SWEEP_MAX_DIMS];
    ff_sweep_point_digits(s, i, digit);
    uint64_t m = 0;
    for (int d = 0; d < s->ndim; d++)
        if (s->dim[d].is_model) m = m * (uint64_t)s->dim[d].nvalues + (uint64_t)digit[d];
    return m;
}

/* arg with each {NAME} replaced by model choice m's value (a new string). */
static char *substitute(const ff_sweep_space *s, const int *digit, const char *arg)
{
    size_t cap = strlen(arg) + 1, len = 0;
    for (int d = 0; d < s->ndim; d++)
        if (s->dim[d].is_model) cap += 8 * strlen(s->dim[d].values[digit[d]]);
    char *out = ff_xcalloc(cap, 1);
    for (const char *p = arg; *p;) {
        const char *end = *p == '{' ? strchr(p, '}') : NULL;
        int done = 0;
        for (int d = 0; end && !done && d < s->ndim; d++)
            if (s->dim[d].is_model && strlen(s->dim[d].name) == (size_t)(end - p - 1) &&
                !strncmp(s->dim[d].name, p + 1, (size_t)(end - p - 1))) {
                len += (size_t)snprintf(out + len, cap - len, "%s", s->dim[d].values[digit[d]]);
                p = end + 1;
                done = 1;
            }
        if (!done && len + 1 < cap) out[len++] = *p++;
    }
    return out;
}

/* A file of one unsigned integer per line, each < limit, into *v. */
static int read_ints(const char *path, uint32_t limit, const char *what, uint32_t **v, uint32_t *n, ff_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f) return ff_err_set(err, FF_EIO, "%s: %s", path, strerror(errno));
    char line[64];
    size_t cap = 0;
    long lineno = 0;
    int rc = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        lineno++;
        char *end;
        errno = 0;
        unsigned long x = strtoul(line, &end, 10);
        while (*end == ' ' || *end == '\r' || *end == '\n') end++;
        if (end == line || *end || errno || line[0] == '-' || x >= limit) {
            rc = ff_err_set(err, FF_EINVAL, "%s:%ld: expected a %s below %u", path, lineno, what, limit);
            break;
        }
        if (*n == cap) {
            cap = cap ? 2 * cap : 1024;
            *v = ff_xrealloc(*v, cap * sizeof **v);
        }
        (*v)[(*n)++] = (uint32_t)x;
    }
    fclose(f);
    return rc;
}

/* model.json (strict): what the trainer made. */
static int read_manifest(const char *path, ff_sweep_model *m, ff_err *err)
{
    static const char *const keys[] = {"fuseflow", "version", "dims", "tensors", "output", "labels", "test_nodes",
                                       "accuracy_float", "info", NULL};
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je), *v;
    if (!root) return ff_err_set(err, FF_EINVAL, "%s:%d: %s", path, je.line, je.text);
    int rc = 0;
    const char *k;
    char *copy = ff_xstrdup(path);
    const char *dir = dirname(copy);
    if (!json_is_object(root)) {
        rc = ff_err_set(err, FF_EINVAL, "%s: expected a JSON object", path);
        goto done;
    }
    json_object_foreach(root, k, v) {
        int known = 0;
        for (int i = 0; keys[i]; i++) known |= !strcmp(k, keys[i]);
        if (!known) {
            rc = ff_err_set(err, FF_EINVAL, "%s: %s: unknown key (extra facts go under \"info\")", path, k);
            goto done;
        }
    }
    v = json_object_get(root, "fuseflow");
    if (!json_is_string(v) || strcmp(json_string_value(v), "trained-model") ||
        !json_is_integer(json_object_get(root, "version")) || json_integer_value(json_object_get(root, "version")) != 1) {
        rc = ff_err_set(err, FF_EINVAL, "%s: expected \"fuseflow\": \"trained-model\", \"version\": 1", path);
        goto done;
    }
    json_t *dims = json_object_get(root, "dims"), *tens = json_object_get(root, "tensors");
    if ((dims && !json_is_object(dims)) || (tens && !json_is_object(tens))) {
        rc = ff_err_set(err, FF_EINVAL, "%s: dims and tensors are objects", path);
        goto done;
    }
    m->dims = ff_xcalloc(json_object_size(dims) + 1, sizeof *m->dims);
    json_object_foreach(dims, k, v) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > UINT32_MAX) {
            rc = ff_err_set(err, FF_EINVAL, "%s: dims.%s: expected a size 1..4294967295", path, k);
            goto done;
        }
        char buf[160];
        snprintf(buf, sizeof buf, "%s=%lld", k, (long long)json_integer_value(v));
        m->dims[m->ndims++] = ff_xstrdup(buf);
    }
    m->tensors = ff_xcalloc(json_object_size(tens) + 1, sizeof *m->tensors);
    json_object_foreach(tens, k, v) {
        if (!json_is_string(v)) {
            rc = ff_err_set(err, FF_EINVAL, "%s: tensors.%s: expected a file name (relative to model.json)", path, k);
            goto done;
        }
        char *file = ff_sweep_path(dir, json_string_value(v));
        size_t n = strlen(k) + strlen(file) + 2;
        m->tensors[m->ntensors] = ff_xcalloc(n, 1);
        snprintf(m->tensors[m->ntensors++], n, "%s=%s", k, file);
        free(file);
    }
    m->accuracy_float = NAN;
    if ((v = json_object_get(root, "accuracy_float"))) {
        if (!json_is_number(v)) {
            rc = ff_err_set(err, FF_EINVAL, "%s: accuracy_float: expected a number", path);
            goto done;
        }
        m->accuracy_float = json_number_value(v);
    }
    json_t *out = json_object_get(root, "output"), *lab = json_object_get(root, "labels"),
           *test = json_object_get(root, "test_nodes");
    if ((out && !json_is_string(out)) || (lab && !json_is_string(lab)) || (test && !json_is_string(test)) ||
        !lab != !test || (lab && !out)) {
        rc = ff_err_set(err, FF_EINVAL, "%s: output, labels and test_nodes: expected an output tensor's name and two "
                        "file names, labels and test_nodes together", path);
        goto done;
    }
    if (out) m->output = ff_xstrdup(json_string_value(out));
    if (lab) {
        char *lp = ff_sweep_path(dir, json_string_value(lab)), *tp = ff_sweep_path(dir, json_string_value(test));
        rc = read_ints(lp, UINT32_MAX, "class number", &m->labels, &m->nlabels, err);
        if (!rc) rc = read_ints(tp, m->nlabels, "node number (a row of labels)", &m->test, &m->ntest, err);
        if (!rc && (!m->nlabels || !m->ntest)) rc = ff_err_set(err, FF_EINVAL, "%s: no labels or no test nodes", path);
        free(lp);
        free(tp);
    }
done:
    free(copy);
    json_decref(root);
    return rc;
}

int ff_sweep_model_train(const ff_sweep_space *s, uint64_t m, ff_sweep_model *out, ff_err *err)
{
    memset(out, 0, sizeof *out);
    out->accuracy_float = NAN;
    int digit[FF_SWEEP_MAX_DIMS] = {0};
    /* the model digits are the leading ones: choice m's point m * (npoints / nmodels) */
    ff_sweep_point_digits(s, m * (s->npoints / s->nmodels), digit);
    size_t klen = 1;
    for (int d = 0; d < s->ndim; d++)
        if (s->dim[d].is_model) klen += strlen(s->dim[d].name) + strlen(s->dim[d].values[digit[d]]) + 2;
    out->key = ff_xcalloc(klen, 1);
    for (int d = 0, len = 0; d < s->ndim; d++)
        if (s->dim[d].is_model)
            len += snprintf(out->key + len, klen - (size_t)len, "%s%s=%s", len ? ";" : "", s->dim[d].name,
                            s->dim[d].values[digit[d]]);
    char **argv = ff_xcalloc((size_t)s->ntrain + 1, sizeof *argv);
    for (int a = 0; a < s->ntrain; a++) argv[a] = substitute(s, digit, s->train[a]);
    char *copy = ff_xstrdup(s->path);
    char *dir = ff_xstrdup(dirname(copy));
    char *text = NULL;
    size_t len = 0, cap = 0;
    int rc = 0, fds[2], status = 0;
    fflush(NULL);
    pid_t pid = -1;
    if (pipe(fds) || (pid = fork()) < 0) {
        rc = ff_err_set(err, FF_EIO, "%s: train: %s", s->path, strerror(errno));
        goto done;
    }
    if (pid == 0) { /* the trainer, in the space file's directory, its stdout to us */
        close(fds[0]);
        if (dup2(fds[1], 1) < 0 || chdir(dir)) _exit(126);
        execvp(argv[0], argv);
        fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    for (;;) {
        if (cap - len < 4096) text = ff_xrealloc(text, cap = cap ? 2 * cap : 8192);
        ssize_t got = read(fds[0], text + len, cap - len - 1);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        len += (size_t)got;
    }
    close(fds[0]);
    if (text) text[len] = '\0';
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        rc = ff_err_set(err, FF_EINVAL, "%s: train.command for %s (%s ...) failed (%s %d)", s->path, out->key,
                        argv[0], WIFSIGNALED(status) ? "signal" : "exit status",
                        WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        goto done;
    }
    /* the last line is model.json's path; what comes before it is the log */
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r')) text[--len] = '\0';
    char *last = len ? strrchr(text, '\n') : NULL;
    const char *manifest = last ? last + 1 : len ? text : "";
    if (!*manifest) {
        rc = ff_err_set(err, FF_EINVAL, "%s: train.command for %s printed nothing; its last line must be the path of "
                        "the model.json it wrote", s->path, out->key);
        goto done;
    }
    if (last) {
        *last = '\0';
        out->log = ff_xstrdup(text);
    }
    char *mpath = ff_sweep_path(dir, manifest);
    rc = read_manifest(mpath, out, err);
    if (rc) ff_err_wrap(err, "train.command for %s: ", out->key);
    free(mpath);
done:
    free(text);
    free(dir);
    free(copy);
    for (int a = 0; a < s->ntrain; a++) free(argv[a]);
    free(argv);
    return rc;
}

void ff_sweep_model_free(ff_sweep_model *m)
{
    for (int i = 0; i < m->ndims; i++) free(m->dims[i]);
    for (int i = 0; i < m->ntensors; i++) free(m->tensors[i]);
    free(m->dims);
    free(m->tensors);
    free(m->key);
    free(m->log);
    free(m->output);
    free(m->labels);
    free(m->test);
    memset(m, 0, sizeof *m);
}

int ff_sweep_accuracy(const ff_sweep_model *m, const ff_tensor *out, double *acc, ff_err *err)
{
    if (out->order != 2 || out->dims[0] != m->nlabels)
        return ff_err_set(err, FF_EINVAL, "accuracy: %s is %s[%u%s], expected [%u rows (the labels), classes]", m->output,
                          out->order == 2 ? "" : "not a matrix: ", out->dims[0], out->order == 2 ? ", ..." : "",
                          m->nlabels);
    uint32_t right = 0;
    for (uint32_t k = 0; k < m->ntest; k++) {
        uint32_t i = m->test[k], best = 0, c[2] = {i, 0};
        if (m->labels[i] >= out->dims[1])
            return ff_err_set(err, FF_EINVAL, "accuracy: node %u's label %u is not a column of %s (%u classes)", i,
                              m->labels[i], m->output, out->dims[1]);
        ff_fx top = ff_tensor_get(out, c);
        for (c[1] = 1; c[1] < out->dims[1]; c[1]++) {
            ff_fx x = ff_tensor_get(out, c);
            if (x > top) {
                top = x;
                best = c[1];
            }
        }
        right += best == m->labels[i];
    }
    *acc = (double)right / (double)m->ntest;
    return 0;
}
