/*
 * arch.c -- architecture files: the parameters the cycle model charges.
 *
 * A file overrides the defaults key by key, so a study can ship a three-line
 * file that changes only what it studies. Everything else is strict: an
 * unknown key is far more often a typo than an intention, and a typo in a
 * parameter study silently measures the wrong machine.
 */
#include <jansson.h>
#include <string.h>

#include "sim_int.h"

void ff_arch_default(ff_arch *a)
{
    memset(a, 0, sizeof *a);
    snprintf(a->name, sizeof a->name, "default");
    a->fifo_depth = 2;
    a->max_fifo_depth = 8;
    a->buffer_words = 8192;
    a->glb_words = 1 << 20;
    for (int k = 0; k < FF_PRIM__COUNT; k++) a->ii[k] = 1;
    for (int k = 0; k < FF_ALU__COUNT; k++) {
        a->alu_ii[k] = 1;
        a->block[k] = (ff_block_timing){0, 1, 1, 0};
    }
    a->block_matmul = (ff_block_timing){2, -1, 1, 0};
    a->offchip = (ff_offchip){0, 8, 100, 1, 16, 64, 200};
    a->clock_ghz = 1.0;
}

typedef struct loader {
    const char *origin;
    ff_err *err;
} loader;

static int fail(loader *l, const char *path, const char *what)
{
    return ff_err_set(l->err, FF_EINVAL, "%s: %s: %s", l->origin, path, what);
}

static int get_int(loader *l, json_t *v, const char *path, long lo, long hi, int *out)
{
    if (!json_is_integer(v)) return fail(l, path, "expected an integer");
    json_int_t x = json_integer_value(v);
    if (x < lo || x > hi) {
        char what[128];
        snprintf(what, sizeof what, "%lld is out of range %ld..%ld", (long long)x, lo, hi);
        return fail(l, path, what);
    }
    *out = (int)x;
    return 0;
}

/* Reports the first key of obj not in allowed (NULL-terminated). */
static int only_keys(loader *l, json_t *obj, const char *path, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        int ok = 0;
        for (int i = 0; allowed[i]; i++)
            if (strcmp(key, allowed[i]) == 0) ok = 1;
        if (!ok) {
            char p[256], what[512];
            snprintf(p, sizeof p, "%s%s%s", path, path[0] ? "." : "", key);
            size_t n = (size_t)snprintf(what, sizeof what, "unknown key (expected");
            for (int i = 0; allowed[i] && n < sizeof what - 32; i++)
                n += (size_t)snprintf(what + n, sizeof what - n, "%s %s", i ? "," : "", allowed[i]);
            snprintf(what + n, sizeof what - n, ")");
            return fail(l, p, what);
        }
    }
    return 0;
}

/* {"latency": L, "ii": I} */
static int load_timing(loader *l, json_t *obj, const char *path, int *lat, int *ii)
{
    static const char *const keys[] = {"latency", "ii", NULL};
    if (!json_is_object(obj)) return fail(l, path, "expected an object {\"latency\": L, \"ii\": I}");
    int rc = only_keys(l, obj, path, keys);
    char p[256];
    json_t *v;
    if (!rc && (v = json_object_get(obj, "latency"))) {
        snprintf(p, sizeof p, "%s.latency", path);
        rc = get_int(l, v, p, 0, 64, lat);
    }
    if (!rc && (v = json_object_get(obj, "ii"))) {
        snprintf(p, sizeof p, "%s.ii", path);
        rc = get_int(l, v, p, 1, 64, ii);
    }
    return rc;
}

/* [per_B, constant] */
static int load_linear(loader *l, json_t *v, const char *path, int *per_b, int *c)
{
    if (!json_is_array(v) || json_array_size(v) != 2 || !json_is_integer(json_array_get(v, 0)) ||
        !json_is_integer(json_array_get(v, 1)))
        return fail(l, path, "expected [per_B, constant], e.g. [2, -1] for 2B-1");
    json_int_t a = json_integer_value(json_array_get(v, 0)), b = json_integer_value(json_array_get(v, 1));
    if (a < 0 || a > 16 || b < -64 || b > 1024) return fail(l, path, "coefficients out of range (0..16, -64..1024)");
    /* The smallest block (B = 1) must still give latency >= 0 and II >= 1. */
    *per_b = (int)a;
    *c = (int)b;
    return 0;
}

static int load_root(loader *l, json_t *root, ff_arch *a)
{
    static const char *const top[] = {"fuseflow", "version", "name", "clock_ghz", "fifo_depth", "max_fifo_depth", "buffer_words", "glb_words", "primitives",
                                      "alu", "block", "offchip", NULL};
    if (!json_is_object(root)) return fail(l, "(top)", "expected a JSON object");
    int rc = only_keys(l, root, "", top);
    if (rc) return rc;
    json_t *v = json_object_get(root, "fuseflow");
    if (!json_is_string(v) || strcmp(json_string_value(v), "arch") != 0)
        return fail(l, "fuseflow", "expected \"arch\" (is this an architecture file?)");
    v = json_object_get(root, "version");
    if (!json_is_integer(v) || json_integer_value(v) != 1) return fail(l, "version", "expected 1");
    if ((v = json_object_get(root, "name"))) {
        if (!json_is_string(v)) return fail(l, "name", "expected a string");
        snprintf(a->name, sizeof a->name, "%s", json_string_value(v));
    }
    if ((v = json_object_get(root, "clock_ghz"))) {
        if (!json_is_number(v)) return fail(l, "clock_ghz", "expected a number");
        double g = json_number_value(v);
        if (!(g >= 0.001 && g <= 100)) return fail(l, "clock_ghz", "out of range 0.001..100");
        a->clock_ghz = g;
    }
    if ((v = json_object_get(root, "fifo_depth")) && (rc = get_int(l, v, "fifo_depth", 1, 1024, &a->fifo_depth)))
        return rc;
    if ((v = json_object_get(root, "max_fifo_depth")) &&
        (rc = get_int(l, v, "max_fifo_depth", 1, 1024, &a->max_fifo_depth)))
        return rc;
    if ((v = json_object_get(root, "buffer_words")) &&
        (rc = get_int(l, v, "buffer_words", 2, 1 << 24, &a->buffer_words)))
        return rc;
    if ((v = json_object_get(root, "glb_words")) && (rc = get_int(l, v, "glb_words", 1, 1 << 30, &a->glb_words)))
        return rc;

    json_t *prims = json_object_get(root, "primitives");
    if (prims) {
        if (!json_is_object(prims)) return fail(l, "primitives", "expected an object of primitive names");
        const char *key;
        json_object_foreach(prims, key, v) {
            char p[256];
            snprintf(p, sizeof p, "primitives.%s", key);
            int k = ff_prim_lookup(key);
            if (k < 0 || !ff_prim_get((ff_prim_kind)k)->hardware)
                return fail(l, p, "not a hardware primitive (see fuseflow prim --list)");
            if ((rc = load_timing(l, v, p, &a->latency[k], &a->ii[k]))) return rc;
        }
    }
    json_t *alu = json_object_get(root, "alu");
    if (alu) {
        if (!json_is_object(alu)) return fail(l, "alu", "expected an object of ALU op names");
        const char *key;
        json_object_foreach(alu, key, v) {
            char p[256];
            snprintf(p, sizeof p, "alu.%s", key);
            int op = ff_alu_op_parse(key);
            if (op < 0) return fail(l, p, "not an ALU op (docs/fixed-point.md lists them)");
            if ((rc = load_timing(l, v, p, &a->alu_latency[op], &a->alu_ii[op]))) return rc;
        }
    }
    json_t *block = json_object_get(root, "block");
    if (block) {
        if (!json_is_object(block)) return fail(l, "block", "expected an object of ALU op names and \"matmul\"");
        const char *key;
        json_object_foreach(block, key, v) {
            static const char *const keys[] = {"latency", "ii", NULL};
            char p[256], q[280];
            snprintf(p, sizeof p, "block.%s", key);
            int op = strcmp(key, "matmul") ? ff_alu_op_parse(key) : FF_ALU__COUNT;
            if (op < 0) return fail(l, p, "not an ALU op or \"matmul\"");
            if (!json_is_object(v)) return fail(l, p, "expected {\"latency\": [a, b], \"ii\": [c, d]}");
            if ((rc = only_keys(l, v, p, keys))) return rc;
            ff_block_timing *bt = op == FF_ALU__COUNT ? &a->block_matmul : &a->block[op];
            json_t *x;
            snprintf(q, sizeof q, "%s.latency", p);
            if ((x = json_object_get(v, "latency")) && (rc = load_linear(l, x, q, &bt->lat_per_b, &bt->lat_const)))
                return rc;
            snprintf(q, sizeof q, "%s.ii", p);
            if ((x = json_object_get(v, "ii")) && (rc = load_linear(l, x, q, &bt->ii_per_b, &bt->ii_const)))
                return rc;
            if (bt->lat_per_b + bt->lat_const < 0) return fail(l, p, "latency is negative for B = 1");
            if (bt->ii_per_b + bt->ii_const < 1) return fail(l, p, "II is below 1 for B = 1");
        }
    }
    json_t *off = json_object_get(root, "offchip");
    if (off) {
        static const char *const keys[] = {"enabled", "channels", "latency", "ii", "outstanding",
                                           "burst_bytes", "startup", NULL};
        if (!json_is_object(off)) return fail(l, "offchip", "expected an object");
        if ((rc = only_keys(l, off, "offchip", keys))) return rc;
        ff_offchip *o = &a->offchip;
        if ((v = json_object_get(off, "enabled"))) {
            if (!json_is_boolean(v)) return fail(l, "offchip.enabled", "expected true or false");
            o->enabled = json_is_true(v);
        }
        struct { const char *key; long lo, hi; int *dst; } f[] = {
            {"channels", 1, 256, &o->channels},       {"latency", 1, 100000, &o->latency},
            {"ii", 1, 1000, &o->ii},                  {"outstanding", 1, 4096, &o->outstanding},
            {"burst_bytes", 4, 65536, &o->burst_bytes}, {"startup", 0, 10000000, &o->startup},
        };
        for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
            char p[64];
            snprintf(p, sizeof p, "offchip.%s", f[i].key);
            if ((v = json_object_get(off, f[i].key)) && (rc = get_int(l, v, p, f[i].lo, f[i].hi, f[i].dst)))
                return rc;
        }
        /* a line is a whole number of words, and the tiles find a word's line by a shift */
        if (o->burst_bytes & (o->burst_bytes - 1))
            return fail(l, "offchip.burst_bytes", "expected a power of two (a line of 4-byte words)");
    }
    return 0;
}

static int load_json(json_t *root, const char *origin, ff_arch *out, ff_err *err)
{
    ff_arch a;
    ff_arch_default(&a);
    loader l = {origin, err};
    int rc = load_root(&l, root, &a);
    json_decref(root);
    if (!rc) *out = a;
    return rc;
}

int ff_arch_load(const char *path, ff_arch *out, ff_err *err)
{
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        if (je.line < 0) return ff_err_set(err, FF_EIO, "%s: %s", path, je.text);
        return ff_err_set(err, FF_EINVAL, "%s:%d:%d: %s", path, je.line, je.column, je.text);
    }
    return load_json(root, path, out, err);
}

int ff_arch_load_string(const char *text, const char *origin, ff_arch *out, ff_err *err)
{
    json_error_t je;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!root) return ff_err_set(err, FF_EINVAL, "%s:%d:%d: %s", origin, je.line, je.column, je.text);
    return load_json(root, origin, out, err);
}
