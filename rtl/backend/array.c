/*
 * array.c -- array descriptions: loading rtl/arrays/NAME.json, the hash that
 * names a configuration in a bitstream, and the geometry ff_array.sv
 * derives from the parameters (slots, source indices).
 */
#include <jansson.h>
#include <string.h>

#include "backend_int.h"

static const ff_hw_kind hw_kinds[FF_RTL_NKINDS] = { /* ORDER FF_PRIM */
#define K_(e, name, nin, nout, mem) {name, nin, nout, mem, FF_RTL_##e##_IN_NAMES, FF_RTL_##e##_OUT_NAMES},
    FF_RTL_KINDS(K_)
#undef K_
};

const ff_hw_kind *ff_hw_kind_get(int kind)
{
    static const ff_hw_kind none = {0};
    return kind >= 0 && kind < FF_RTL_NKINDS ? &hw_kinds[kind] : &none;
}

int be_kind_by_name(const char *name)
{
    for (int k = 0; k < FF_RTL_NKINDS; k++)
        if (strcmp(hw_kinds[k].name, name) == 0) return k;
    return -1;
}

/* ---- loading ---- */

static int int_key(json_t *root, const char *key, int lo, int hi, int *out, const char *origin, ff_err *err)
{
    json_t *v = json_object_get(root, key);
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return ff_err_set(err, FF_EINVAL, "%s: %s must be an integer in %d..%d", origin, key, lo, hi);
    *out = (int)json_integer_value(v);
    return 0;
}

static int load_json(json_t *root, const char *origin, ff_array_desc *a, ff_err *err)
{
    memset(a, 0, sizeof *a);
    if (!json_is_object(root)) return ff_err_set(err, FF_EINVAL, "%s: expected a JSON object", origin);
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        static const char *const known[] = {"doc", "name", "tiles", "mem_words", "nhin", "nhout", "max_depth",
                                            "max_latency", "max_block", "block_words"};
        int ok = 0;
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) ok |= strcmp(key, known[i]) == 0;
        if (!ok) return ff_err_set(err, FF_EINVAL, "%s: unknown key '%s'", origin, key);
    }
    json_t *name = json_object_get(root, "name");
    if (!json_is_string(name) || !json_string_value(name)[0] || strlen(json_string_value(name)) >= sizeof a->name ||
        strpbrk(json_string_value(name), " \t\n#"))
        return ff_err_set(err, FF_EINVAL, "%s: name must be a word of at most %zu characters", origin,
                          sizeof a->name - 1);
    snprintf(a->name, sizeof a->name, "%s", json_string_value(name));
    json_t *tiles = json_object_get(root, "tiles"), *mem = json_object_get(root, "mem_words");
    if (!json_is_object(tiles)) return ff_err_set(err, FF_EINVAL, "%s: tiles must be an object {kind: count}", origin);
    json_object_foreach(tiles, key, v) {
        int k = be_kind_by_name(key);
        if (k < 0) return ff_err_set(err, FF_EINVAL, "%s: tiles.%s: not a hardware kind", origin, key);
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 255)
            return ff_err_set(err, FF_EINVAL, "%s: tiles.%s: the count must be 0..255", origin, key);
        a->tiles[k] = (int)json_integer_value(v);
    }
    if (mem && !json_is_object(mem)) return ff_err_set(err, FF_EINVAL, "%s: mem_words must be an object", origin);
    if (mem) json_object_foreach(mem, key, v) {
            int k = be_kind_by_name(key);
            if (k < 0 || !hw_kinds[k].mem)
                return ff_err_set(err, FF_EINVAL, "%s: mem_words.%s: not a kind with SRAM", origin, key);
            if (!json_is_integer(v))
                return ff_err_set(err, FF_EINVAL, "%s: mem_words.%s must be an integer", origin, key);
        }
    for (int k = 0; k < FF_RTL_NKINDS; k++) {
        if (!hw_kinds[k].mem) continue;
        json_t *w = mem ? json_object_get(mem, hw_kinds[k].name) : NULL;
        long long words = w ? (long long)json_integer_value(w) : 16; /* schemagen's default */
        if (words < 2 || words > (1LL << FF_RTL_MEM_ADDR_BITS) || (words & (words - 1)))
            return ff_err_set(err, FF_EINVAL, "%s: mem_words.%s = %lld must be a power of two in 2..%d", origin,
                              hw_kinds[k].name, words, 1 << FF_RTL_MEM_ADDR_BITS);
        a->mem_words[k] = (uint32_t)words;
    }
    if (int_key(root, "nhin", 1, 64, &a->nhin, origin, err) || int_key(root, "nhout", 1, 64, &a->nhout, origin, err) ||
        int_key(root, "max_depth", 1, 255, &a->max_depth, origin, err) ||
        int_key(root, "max_latency", 1, 15, &a->max_latency, origin, err))
        return FF_EINVAL;
    json_t *mb = json_object_get(root, "max_block"), *bw = json_object_get(root, "block_words");
    if (mb || bw) {
        int words;
        if (int_key(root, "max_block", 2, 16, &a->max_block, origin, err) ||
            int_key(root, "block_words", 2, 1 << FF_RTL_MEM_ADDR_BITS, &words, origin, err))
            return FF_EINVAL;
        if (words & (words - 1))
            return ff_err_set(err, FF_EINVAL, "%s: block_words = %d must be a power of two", origin, words);
        a->block_words = (uint32_t)words;
    }
    if (FF_RTL_FIRST_TILE_SLOT + ff_array_ntiles(a) + a->nhout > (1 << FF_RTL_SLOT_BITS))
        return ff_err_set(err, FF_EINVAL, "%s: %d tiles and %d harness outputs exceed the %d configuration slots", origin,
                          ff_array_ntiles(a), a->nhout, 1 << FF_RTL_SLOT_BITS);
    return 0;
}

int ff_array_load_string(const char *text, const char *origin, ff_array_desc *out, ff_err *err)
{
    json_error_t je;
    json_t *root = json_loads(text, 0, &je);
    if (!root) return ff_err_set(err, FF_EINVAL, "%s:%d: %s", origin, je.line, je.text);
    int rc = load_json(root, origin, out, err);
    json_decref(root);
    return rc;
}

int ff_array_load(const char *path, ff_array_desc *out, ff_err *err)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root) {
        if (je.line < 1) return ff_err_set(err, FF_EIO, "%s: %s", path, je.text);
        return ff_err_set(err, FF_EINVAL, "%s:%d: %s", path, je.line, je.text);
    }
    int rc = load_json(root, path, out, err);
    json_decref(root);
    return rc;
}

/* ---- hash and geometry ---- */

static uint32_t fnv(uint32_t h, uint32_t w)
{
    for (int i = 0; i < 4; i++) {
        h ^= (w >> (8 * i)) & 0xffu;
        h *= 16777619u;
    }
    return h;
}

void ff_array_fit_arch(const ff_array_desc *a, ff_arch *arch)
{
    uint32_t words = a->mem_words[FF_PRIM_BUFFER];
    if (a->tiles[FF_PRIM_BUFFER] > 0 && words >= 2 && (uint32_t)arch->buffer_words > words)
        arch->buffer_words = (int)words;
    /* FIFO balancing deepens channels only as far as the array's FIFOs go */
    if (arch->max_fifo_depth > a->max_depth) arch->max_fifo_depth = a->max_depth;
}

uint32_t ff_array_hash(const ff_array_desc *a)
{
    uint32_t h = 2166136261u;
    h = fnv(h, FF_RTL_MAGIC);
    h = fnv(h, FF_RTL_NKINDS);
    for (int k = 0; k < FF_RTL_NKINDS; k++) h = fnv(fnv(h, (uint32_t)a->tiles[k]), a->mem_words[k]);
    h = fnv(h, (uint32_t)a->nhin);
    h = fnv(h, (uint32_t)a->nhout);
    h = fnv(h, (uint32_t)a->max_depth);
    h = fnv(h, (uint32_t)a->max_latency);
    if (a->max_block) h = fnv(fnv(h, (uint32_t)a->max_block), a->block_words);
    return h;
}

int ff_array_ntiles(const ff_array_desc *a)
{
    int n = 0;
    for (int k = 0; k < FF_RTL_NKINDS; k++) n += a->tiles[k];
    return n;
}

int ff_array_tile_slot(const ff_array_desc *a, int kind, int index)
{
    if (kind < 0 || kind >= FF_RTL_NKINDS || index < 0 || index >= a->tiles[kind]) return -1;
    int slot = FF_RTL_FIRST_TILE_SLOT;
    for (int k = 0; k < kind; k++) slot += a->tiles[k];
    return slot + index;
}

int ff_array_hout_slot(const ff_array_desc *a, int q)
{
    return FF_RTL_FIRST_TILE_SLOT + ff_array_ntiles(a) + q;
}

int ff_array_slot_what(const ff_array_desc *a, int slot, int *kind, int *index)
{
    int s = slot - FF_RTL_FIRST_TILE_SLOT;
    if (s < 0) return 0;
    for (int k = 0; k < FF_RTL_NKINDS; k++) {
        if (s < a->tiles[k]) {
            *kind = k;
            *index = s;
            return 1;
        }
        s -= a->tiles[k];
    }
    if (s < a->nhout) {
        *kind = -1;
        *index = s;
        return 2;
    }
    return 0;
}

uint32_t ff_array_tile_src(const ff_array_desc *a, int kind, int index, int port)
{
    uint32_t src = 1 + (uint32_t)a->nhin;
    for (int k = 0; k < kind; k++) src += (uint32_t)(a->tiles[k] * hw_kinds[k].nout);
    return src + (uint32_t)(index * hw_kinds[kind].nout + port);
}

int ff_array_src_what(const ff_array_desc *a, uint32_t src, int *kind, int *index, int *port)
{
    if (src == 0) return 0;
    uint32_t s = src - 1;
    if (s < (uint32_t)a->nhin) {
        *port = (int)s;
        return 1;
    }
    s -= (uint32_t)a->nhin;
    for (int k = 0; k < FF_RTL_NKINDS; k++) {
        uint32_t n = (uint32_t)(a->tiles[k] * hw_kinds[k].nout);
        if (s < n) {
            *kind = k;
            *index = (int)(s / (uint32_t)hw_kinds[k].nout);
            *port = (int)(s % (uint32_t)hw_kinds[k].nout);
            return 2;
        }
        s -= n;
    }
    return -1;
}
