/*
 * appcases.c -- the applications at CI size and their data (appcases.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "appcases.h"

const app_case app_cases[] = {
    {"autoencoder.ff", {"B=4", "D=24", "E=12"}, 0.1, NULL, 0, {"none", "all", NULL}, "b"},
    {"gcn.ff", {"F=10", "H=4", "C=3"}, 0.2, "AI", 1, {"none", "1-3,4-5,6-8", "all", NULL}, "i"},
    {"graphsage.ff", {"F=10", "H=4", "C=3"}, 0.2, "A", 0, {"none", "1-2,3-5,6-8", "all", NULL}, "i"},
    /* Fully fused, the block recomputes the attention inside every
     * layernorm walk: 77 million cycles at this size, so test_apps runs
     * `all` for it in a program of its own (--gpt-fused). */
    {"gpt3_bigbird.ff",
     {"S=16", "M=8", "H=2", "D=4", "F=16"},
     0.4,
     NULL,
     0,
     {"none", "1-4,5-7,8,9-11", "1-7,8-11", NULL}, "s",
     /* BigBird's mask and the attention scores it shapes, in blocks */
     {"Mask=bcsr(4)", "Sc=ddcdd:0,1/4,2/4,1%4,2%4", "P=ddcdd:0,1/4,2/4,1%4,2%4", NULL}},
};
const int app_ncases = (int)(sizeof app_cases / sizeof app_cases[0]);

/* The karate-club graph, optionally with self loops, in format fmt. */
static ff_tensor *karate(int self_loops, const ff_format *fmt)
{
    ff_err err = {0};
    ff_tensor *k = NULL;
    if (ff_tensor_read_mtx(FF_SHARED_DATA "/karate/karate.mtx", fmt, 16, &k, &err)) fail_msg("%s", err.msg);
    if (!self_loops) return k;
    size_t n = k->nvals + k->dims[0];
    uint32_t *crd = malloc(2 * n * sizeof *crd);
    ff_fx *val = malloc(n * sizeof *val);
    size_t w = 0;
    uint32_t *cur = crd;
    for (uint32_t i = 0; i < k->dims[0]; i++) {
        for (uint32_t p = k->lvl[1].seg[i]; p < k->lvl[1].seg[i + 1]; p++) {
            *cur++ = i;
            *cur++ = k->lvl[1].crd[p];
            val[w++] = k->vals[p];
        }
        *cur++ = i;
        *cur++ = i;
        val[w++] = 1 << 16;
    }
    ff_tensor *t = NULL;
    if (ff_tensor_from_coo("AI", 2, k->dims, fmt, 16, w, crd, val, &t, &err)) fail_msg("%s", err.msg);
    free(crd);
    free(val);
    ff_tensor_free(k);
    return t;
}

/* The app's text with "tensor NAME[...] : FORMAT" redeclared for every
 * NAME=FORMAT of `formats` (NULL-terminated); the caller frees it. */
static char *redeclared(const char *path, const char *const *formats)
{
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("%s: cannot read", path);
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap), line[512];
    while (fgets(line, sizeof line, f)) {
        for (int k = 0; formats && formats[k]; k++) {
            const char *eq = strchr(formats[k], '=');
            char head[80];
            snprintf(head, sizeof head, "tensor %.*s[", (int)(eq - formats[k]), formats[k]);
            char *colon = strstr(line, " : ");
            if (!strncmp(line, head, strlen(head)) && colon) snprintf(colon, sizeof line - (size_t)(colon - line),
                                                                      " : %s\n", eq + 1);
        }
        size_t n = strlen(line);
        if (len + n + 1 > cap) out = realloc(out, cap *= 2);
        memcpy(out + len, line, n + 1);
        len += n;
    }
    fclose(f);
    return out;
}

static void load(int a, const char *const *formats, ff_ir_program **out, ff_tensor ***out_data)
{
    const app_case *apps = app_cases;
    char path[1024];
    snprintf(path, sizeof path, "%s/bench/apps/%s", FF_SOURCE_DIR, apps[a].file);
    ff_ir_program *p = NULL;
    ff_err err = {0};
    char *text = formats ? redeclared(path, formats) : NULL;
    if (ff_ir_parse(path, text, &p, &err) || ff_ir_place_reductions(p, &err)) fail_msg("%s", err.msg);
    free(text);
    ff_tensor **data = calloc((size_t)p->ntensors, sizeof *data);
    uint32_t *sizes = calloc((size_t)p->nsizes + 1, sizeof *sizes);
    for (int d = 0; d < 8 && apps[a].dims[d]; d++) {
        const char *eq = strchr(apps[a].dims[d], '=');
        for (int s = 0; s < p->nsizes; s++)
            if (!strncmp(p->sizes[s].name, apps[a].dims[d], (size_t)(eq - apps[a].dims[d])) &&
                p->sizes[s].name[eq - apps[a].dims[d]] == '\0')
                sizes[s] = (uint32_t)atoi(eq + 1);
    }
    int tg = apps[a].graph_tensor ? ff_ir_find_tensor(p, apps[a].graph_tensor) : -1;
    if (tg >= 0) data[tg] = karate(apps[a].self_loops, &p->tensors[tg].fmt);
    if (ff_ir_random_inputs(p, 11 + a, apps[a].density, sizes, data, &err)) fail_msg("%s: %s", path, err.msg);
    /* Xc is X stored by column: the same values */
    int tx = ff_ir_find_tensor(p, "X"), txc = ff_ir_find_tensor(p, "Xc");
    if (tx >= 0 && txc >= 0) {
        ff_tensor_free(data[txc]);
        if (ff_tensor_convert(data[tx], &p->tensors[txc].fmt, &data[txc], &err)) fail_msg("%s", err.msg);
    }
    free(sizes);
    *out = p;
    *out_data = data;
}

void app_load(int a, ff_ir_program **p, ff_tensor ***data) { load(a, NULL, p, data); }

void app_load_blocked(int a, ff_ir_program **p, ff_tensor ***data)
{
    if (!app_cases[a].blocked[0]) fail_msg("%s has no blocked variant", app_cases[a].file);
    load(a, app_cases[a].blocked, p, data);
}

void app_load_blocked_as(int a, int B, ff_ir_program **p, ff_tensor ***data)
{
    if (!app_cases[a].blocked[0]) fail_msg("%s has no blocked variant", app_cases[a].file);
    char bufs[4][96];
    const char *formats[5] = {NULL};
    for (int k = 0; k < 4 && app_cases[a].blocked[k]; k++) {
        /* every block size -- after "bcsr(", "/" and "%" -- becomes B */
        const char *f = app_cases[a].blocked[k];
        size_t n = 0;
        while (*f && n + 8 < sizeof bufs[k]) {
            int size_follows = *f == '(' || *f == '/' || *f == '%';
            bufs[k][n++] = *f++;
            if (size_follows && *f >= '0' && *f <= '9') {
                while (*f >= '0' && *f <= '9') f++;
                n += (size_t)snprintf(bufs[k] + n, sizeof bufs[k] - n, "%d", B);
            }
        }
        bufs[k][n] = '\0';
        formats[k] = bufs[k];
    }
    load(a, formats, p, data);
}

void app_free(ff_ir_program *p, ff_tensor **data)
{
    for (int t = 0; p && t < p->ntensors; t++) ff_tensor_free(data[t]);
    free(data);
    ff_ir_free(p);
}
