/*
 * bitstream.c -- the bitstream: its text form (docs/bitstream.md), parsing
 * it back, and the field-by-field decoder behind `fuseflow bitstream
 * decode`. Field layouts come only from the generated schema tables
 * (FF_RTL_COMMON_FIELDS, FF_RTL_PARAM_FIELDS in ff_config.h).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "backend_int.h"

/* ---- the schema's field tables ---- */

static const be_field fields[] = {
#define C_(reg, regno, count, name, lsb, width, ro, values, doc) {-1, reg, regno, count, name, lsb, width, ro, values, doc},
    FF_RTL_COMMON_FIELDS(C_)
#undef C_
#define P_(kind, name, regno, lsb, width, values, doc) {FF_RTL_KIND_##kind, "", regno, 1, name, lsb, width, 0, values, doc},
    FF_RTL_PARAM_FIELDS(P_)
#undef P_
};

const be_field *be_fields(int *n)
{
    *n = (int)(sizeof fields / sizeof fields[0]);
    return fields;
}

static uint32_t mask_of(int width) { return width >= 32 ? 0xffffffffu : (1u << width) - 1u; }

uint32_t be_get(uint32_t word, const be_field *f) { return (word >> f->lsb) & mask_of(f->width); }

const char *be_value_word(const char *values, uint32_t i, char *buf, size_t n)
{
    buf[0] = '\0';
    const char *p = values;
    for (uint32_t k = 0; *p && k < i; k++) {
        p = strchr(p, '|');
        if (!p) return buf;
        p++;
    }
    if (!*p) return buf;
    size_t len = strcspn(p, "|");
    snprintf(buf, n, "%.*s", (int)len, p);
    return buf;
}

int be_word_ok(const char *s)
{
    if (!s || !*s) return 0;
    for (; *s; s++)
        if (isspace((unsigned char)*s) || *s == '#') return 0;
    return 1;
}

/* ---- the object ---- */

ff_bitstream *ff_bitstream_new(const ff_array_desc *a)
{
    ff_bitstream *b = ff_xcalloc(1, sizeof *b);
    b->geo = *a;
    snprintf(b->array, sizeof b->array, "%s", a->name);
    b->hash = ff_array_hash(a);
    return b;
}

void ff_bitstream_free(ff_bitstream *b)
{
    if (!b) return;
    for (size_t i = 0; i < b->tiles.len; i++) free(b->tiles.data[i].node);
    for (size_t i = 0; i < b->binds.len; i++) {
        free(b->binds.data[i].tensor);
        free(b->binds.data[i].field);
    }
    for (size_t i = 0; i < b->ports.len; i++) free(b->ports.data[i].node);
    free(b->tiles.data);
    free(b->binds.data);
    free(b->ports.data);
    free(b->words.data);
    free(b->graph);
    free(b);
}

uint32_t ff_bitstream_reg(const ff_bitstream *b, int slot, int reg, int *written)
{
    uint32_t addr = (uint32_t)slot * FF_RTL_REGS_PER_SLOT + (uint32_t)reg, v = 0;
    int w = 0;
    for (size_t i = 0; i < b->words.len; i++)
        if (b->words.data[i].addr == addr) {
            v = b->words.data[i].data;
            w = 1;
        }
    if (written) *written = w;
    return v;
}

const ff_bs_tile *ff_bitstream_tile(const ff_bitstream *b, int slot)
{
    for (size_t i = 0; i < b->tiles.len; i++)
        if (b->tiles.data[i].slot == slot) return &b->tiles.data[i];
    return NULL;
}

int ff_bitstream_check_array(const ff_bitstream *b, const ff_array_desc *a, ff_err *err)
{
    uint32_t h = ff_array_hash(a);
    if (b->hash == h) return 0;
    return ff_err_set(err, FF_EINVAL,
                      "the bitstream was built for array '%s' (hash 0x%08x), but the array is '%s' (hash 0x%08x)",
                      b->array, b->hash, a->name, h);
}

static int streq(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }

int ff_bitstream_equal(const ff_bitstream *a, const ff_bitstream *b)
{
    if (strcmp(a->array, b->array) || a->hash != b->hash || memcmp(&a->geo.tiles, &b->geo.tiles, sizeof a->geo.tiles) ||
        memcmp(&a->geo.mem_words, &b->geo.mem_words, sizeof a->geo.mem_words) || a->geo.nhin != b->geo.nhin ||
        a->geo.nhout != b->geo.nhout || a->geo.max_depth != b->geo.max_depth ||
        a->geo.max_latency != b->geo.max_latency || a->geo.max_block != b->geo.max_block ||
        a->geo.block_words != b->geo.block_words || !streq(a->graph, b->graph) || a->words.len != b->words.len ||
        a->tiles.len != b->tiles.len || a->binds.len != b->binds.len || a->ports.len != b->ports.len)
        return 0;
    for (size_t i = 0; i < a->words.len; i++)
        if (a->words.data[i].addr != b->words.data[i].addr || a->words.data[i].data != b->words.data[i].data) return 0;
    for (size_t i = 0; i < a->tiles.len; i++) {
        const ff_bs_tile *x = &a->tiles.data[i], *y = &b->tiles.data[i];
        if (x->slot != y->slot || x->kind != y->kind || x->index != y->index || !streq(x->node, y->node)) return 0;
    }
    for (size_t i = 0; i < a->binds.len; i++) {
        const ff_bind *x = &a->binds.data[i], *y = &b->binds.data[i];
        if (x->kind != y->kind || x->slot != y->slot || x->level != y->level || !streq(x->tensor, y->tensor) ||
            !streq(x->field, y->field) || x->block != y->block)
            return 0;
    }
    for (size_t i = 0; i < a->ports.len; i++) {
        const ff_bs_port *x = &a->ports.data[i], *y = &b->ports.data[i];
        if (x->is_output != y->is_output || x->port != y->port || !streq(x->node, y->node)) return 0;
    }
    return 1;
}

/* ---- text ---- */

/* ORDER FF_BIND */
static const char *const bind_words[FF_BIND__COUNT] = {"level", "vals", "inline", "out-level", "out-vals", "dim"};

typedef FF_VEC(char) strbuf;

static void sputf(strbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sputf(strbuf *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    FF_VEC_RESERVE(*s, s->len + (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s->data + s->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    s->len += (size_t)n;
}

static const char *kind_name(int k) { return ff_hw_kind_get(k)->name ? ff_hw_kind_get(k)->name : "?"; }

char *ff_bitstream_to_string(const ff_bitstream *b)
{
    if (b->graph && !be_word_ok(b->graph)) return NULL;
    for (size_t i = 0; i < b->tiles.len; i++)
        if (!be_word_ok(b->tiles.data[i].node)) return NULL;
    for (size_t i = 0; i < b->binds.len; i++) {
        const ff_bind *d = &b->binds.data[i];
        if ((d->kind != FF_BIND_INLINE && !be_word_ok(d->tensor)) || (d->kind == FF_BIND_DIM && !be_word_ok(d->field)))
            return NULL;
    }
    for (size_t i = 0; i < b->ports.len; i++)
        if (!be_word_ok(b->ports.data[i].node)) return NULL;

    strbuf s = {0};
    const ff_array_desc *g = &b->geo;
    sputf(&s, "# fuseflow-bitstream 1\n");
    sputf(&s, "# array %s 0x%08x\n", b->array, b->hash);
    sputf(&s, "# geometry tiles");
    for (int k = 0; k < FF_RTL_NKINDS; k++) sputf(&s, " %d", g->tiles[k]);
    sputf(&s, " mem_words");
    for (int k = 0; k < FF_RTL_NKINDS; k++) sputf(&s, " %u", g->mem_words[k]);
    sputf(&s, " nhin %d nhout %d max_depth %d max_latency %d max_block %d block_words %u\n", g->nhin, g->nhout,
          g->max_depth, g->max_latency, g->max_block, g->block_words);
    if (b->graph) sputf(&s, "# graph %s\n", b->graph);
    for (size_t i = 0; i < b->tiles.len; i++) {
        const ff_bs_tile *t = &b->tiles.data[i];
        sputf(&s, "# tile %d %s %d %s\n", t->slot, kind_name(t->kind), t->index, t->node);
    }
    for (size_t i = 0; i < b->binds.len; i++) {
        const ff_bind *d = &b->binds.data[i];
        sputf(&s, "# bind %d %s", d->slot, bind_words[d->kind]);
        switch (d->kind) {
        case FF_BIND_LEVEL:
        case FF_BIND_OUT_LEVEL: sputf(&s, " %s %d\n", d->tensor, d->level); break;
        case FF_BIND_VALS:
        case FF_BIND_OUT_VALS: sputf(&s, " %s\n", d->tensor); break;
        case FF_BIND_INLINE: sputf(&s, "\n"); break;
        case FF_BIND_DIM:
            sputf(&s, " %s %s %d", d->field, d->tensor, d->level);
            if (d->block) sputf(&s, " /%d", d->block);
            sputf(&s, "\n");
            break;
        default: sputf(&s, "\n"); break;
        }
    }
    for (size_t i = 0; i < b->ports.len; i++) {
        const ff_bs_port *p = &b->ports.data[i];
        sputf(&s, "# port %s %d %s\n", p->is_output ? "out" : "in", p->port, p->node);
    }
    /* the words, grouped per slot under a comment naming the tile */
    int last_slot = -1;
    for (size_t i = 0; i < b->words.len; i++) {
        const ff_bs_word *w = &b->words.data[i];
        int slot = (int)(w->addr / FF_RTL_REGS_PER_SLOT);
        if (slot != last_slot) {
            int kind, index;
            int what = ff_array_slot_what(g, slot, &kind, &index);
            const ff_bs_tile *t = ff_bitstream_tile(b, slot);
            if (what == 1) sputf(&s, "# -- %s[%d]%s%s\n", kind_name(kind), index, t ? " " : "", t ? t->node : "");
            else if (what == 2) sputf(&s, "# -- harness output %d\n", index);
            last_slot = slot;
        }
        sputf(&s, "%08x %08x\n", w->addr, w->data);
    }
    FF_VEC_PUSH(s, '\0');
    return s.data;
}

int ff_bitstream_save(const ff_bitstream *b, const char *path, ff_err *err)
{
    char *text = ff_bitstream_to_string(b);
    if (!text) return ff_err_set(err, FF_EINVAL, "%s: a node or tensor name cannot be written in a bitstream", path);
    size_t n = strlen(text) + 8 + strlen(path);
    char *tmp = ff_xmalloc(n);
    snprintf(tmp, n, "%s.tmp", path);
    int rc = 0;
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        rc = ff_err_set(err, FF_EIO, "%s: cannot write: %s", tmp, strerror(errno));
    } else {
        size_t len = strlen(text);
        int bad = fwrite(text, 1, len, f) != len;
        if (fclose(f) != 0) bad = 1;
        if (bad) {
            rc = ff_err_set(err, FF_EIO, "%s: write failed: %s", tmp, strerror(errno));
            remove(tmp);
        } else if (rename(tmp, path) != 0) {
            rc = ff_err_set(err, FF_EIO, "%s: cannot rename to %s: %s", tmp, path, strerror(errno));
            remove(tmp);
        }
    }
    free(tmp);
    free(text);
    return rc;
}

/* ---- parsing ---- */

typedef struct lexer {
    const char *origin;
    int line;
    char *words[96];
    int nwords;
} lexer;

/* Splits a line (modified in place) into whitespace-separated words. */
static void split(lexer *lx, char *line)
{
    lx->nwords = 0;
    for (char *p = strtok(line, " \t\r"); p && lx->nwords < 96; p = strtok(NULL, " \t\r")) lx->words[lx->nwords++] = p;
}

static int bad(lexer *lx, ff_err *err, const char *what)
{
    return ff_err_set(err, FF_EINVAL, "%s:%d: %s", lx->origin, lx->line, what);
}

static int num(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 0);
    if (!*s || *end || errno || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

static int hex32(const char *s, uint32_t *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 8 || strspn(s, "0123456789abcdefABCDEF") != n) return -1;
    *out = (uint32_t)strtoul(s, NULL, 16);
    return 0;
}

/* `# geometry tiles N.. mem_words N.. nhin N nhout N max_depth N max_latency N max_block N block_words N` */
static int parse_geometry(lexer *lx, ff_array_desc *g, ff_err *err)
{
    int need = 2 + 2 * (1 + FF_RTL_NKINDS) + 12;
    if (lx->nwords != need || strcmp(lx->words[2], "tiles") || strcmp(lx->words[3 + FF_RTL_NKINDS], "mem_words"))
        return bad(lx, err, "expected '# geometry tiles N.. mem_words N.. nhin N nhout N max_depth N max_latency N "
                            "max_block N block_words N' with one count per kind");
    long v;
    for (int k = 0; k < FF_RTL_NKINDS; k++) {
        if (num(lx->words[3 + k], 0, 255, &v)) return bad(lx, err, "geometry: a tile count must be 0..255");
        g->tiles[k] = (int)v;
        if (num(lx->words[4 + FF_RTL_NKINDS + k], 0, 1L << FF_RTL_MEM_ADDR_BITS, &v))
            return bad(lx, err, "geometry: bad SRAM size");
        g->mem_words[k] = (uint32_t)v;
    }
    static const char *const keys[] = {"nhin", "nhout", "max_depth", "max_latency", "max_block", "block_words"};
    static const long lo[] = {1, 1, 1, 1, 0, 0}, hi[] = {255, 255, 255, 255, 16, 1L << FF_RTL_MEM_ADDR_BITS};
    long vals[6];
    int at = 4 + 2 * FF_RTL_NKINDS;
    for (int i = 0; i < 6; i++, at += 2) {
        if (strcmp(lx->words[at], keys[i]) || num(lx->words[at + 1], lo[i], hi[i], &vals[i]))
            return bad(lx, err, "geometry: expected nhin N nhout N max_depth N max_latency N max_block N block_words N");
    }
    g->nhin = (int)vals[0];
    g->nhout = (int)vals[1];
    g->max_depth = (int)vals[2];
    g->max_latency = (int)vals[3];
    g->max_block = (int)vals[4];
    g->block_words = (uint32_t)vals[5];
    return 0;
}

/* One header directive (lx->words[0] == "#"); unknown words are comments. */
static int parse_directive(lexer *lx, ff_bitstream *b, int *have, ff_err *err)
{
    if (lx->nwords < 2) return 0;
    const char *key = lx->words[1];
    long v, v2;
    if (!strcmp(key, "fuseflow-bitstream")) {
        if (lx->nwords != 3 || strcmp(lx->words[2], "1")) return bad(lx, err, "expected '# fuseflow-bitstream 1' (version 1)");
        have[0] = 1;
    } else if (!strcmp(key, "array")) {
        uint32_t h;
        if (lx->nwords != 4 || strlen(lx->words[2]) >= sizeof b->array || strncmp(lx->words[3], "0x", 2) ||
            hex32(lx->words[3] + 2, &h))
            return bad(lx, err, "expected '# array NAME 0xHASH'");
        snprintf(b->array, sizeof b->array, "%s", lx->words[2]);
        b->hash = h;
        have[1] = 1;
    } else if (!strcmp(key, "geometry")) {
        if (parse_geometry(lx, &b->geo, err)) return FF_EINVAL;
        have[2] = 1;
    } else if (!strcmp(key, "graph")) {
        if (lx->nwords != 3) return bad(lx, err, "expected '# graph NAME'");
        free(b->graph);
        b->graph = ff_xstrdup(lx->words[2]);
    } else if (!strcmp(key, "tile")) {
        if (lx->nwords != 6 || num(lx->words[2], 0, 1L << FF_RTL_SLOT_BITS, &v) || num(lx->words[4], 0, 255, &v2) ||
            be_kind_by_name(lx->words[3]) < 0)
            return bad(lx, err, "expected '# tile SLOT KIND INDEX NODE'");
        ff_bs_tile t = {(int)v, be_kind_by_name(lx->words[3]), (int)v2, ff_xstrdup(lx->words[5])};
        FF_VEC_PUSH(b->tiles, t);
    } else if (!strcmp(key, "bind")) {
        if (lx->nwords < 4 || num(lx->words[2], 0, 1L << FF_RTL_SLOT_BITS, &v))
            return bad(lx, err, "expected '# bind SLOT WHAT ...'");
        ff_bind d = {0};
        d.slot = (int)v;
        int k = -1;
        for (int i = 0; i < FF_BIND__COUNT; i++)
            if (!strcmp(lx->words[3], bind_words[i])) k = i;
        d.kind = (ff_bind_kind)k;
        int ok = 0;
        switch (k) {
        case FF_BIND_LEVEL:
        case FF_BIND_OUT_LEVEL:
            ok = lx->nwords == 6 && !num(lx->words[5], 0, FF_MAX_LEVELS - 1, &v2);
            if (ok) d.tensor = ff_xstrdup(lx->words[4]), d.level = (int)v2;
            break;
        case FF_BIND_VALS:
        case FF_BIND_OUT_VALS:
            ok = lx->nwords == 5;
            if (ok) d.tensor = ff_xstrdup(lx->words[4]);
            break;
        case FF_BIND_INLINE: ok = lx->nwords == 4; break;
        case FF_BIND_DIM:
            ok = (lx->nwords == 7 || (lx->nwords == 8 && lx->words[7][0] == '/' &&
                                      !num(lx->words[7] + 1, 1, 64, &v))) &&
                 !num(lx->words[6], 0, FF_MAX_ORDER - 1, &v2);
            if (ok) {
                d.field = ff_xstrdup(lx->words[4]), d.tensor = ff_xstrdup(lx->words[5]), d.level = (int)v2;
                d.block = lx->nwords == 8 ? (int)v : 0;
            }
            break;
        default: break;
        }
        if (!ok)
            return bad(lx, err, "expected '# bind SLOT level T L', 'vals T', 'inline', 'out-level T L', 'out-vals T' "
                                "or 'dim FIELD T MODE [/B]'");
        FF_VEC_PUSH(b->binds, d);
    } else if (!strcmp(key, "port")) {
        if (lx->nwords != 5 || (strcmp(lx->words[2], "in") && strcmp(lx->words[2], "out")) ||
            num(lx->words[3], 0, 63, &v))
            return bad(lx, err, "expected '# port in|out PORT NODE'");
        ff_bs_port p = {!strcmp(lx->words[2], "out"), (int)v, ff_xstrdup(lx->words[4])};
        FF_VEC_PUSH(b->ports, p);
    }
    return 0;
}

int ff_bitstream_parse(const char *text, const char *origin, ff_bitstream **out, ff_err *err)
{
    ff_bitstream *b = ff_xcalloc(1, sizeof *b);
    lexer lx = {.origin = origin};
    int have[3] = {0}, rc = 0, in_words = 0;
    char *copy = ff_xstrdup(text);
    char *save = NULL;
    for (char *line = copy; line; line = save) {
        save = strchr(line, '\n');
        if (save) *save++ = '\0';
        lx.line++;
        int is_comment = line[strspn(line, " \t\r")] == '#';
        if (is_comment) {
            /* "#word" and "# word" read alike: words[0] is "#", then the words */
            char *hash = strchr(line, '#');
            split(&lx, hash + 1);
            memmove(lx.words + 1, lx.words, sizeof lx.words[0] * (size_t)(lx.nwords < 95 ? lx.nwords : 95));
            lx.words[0] = "#";
            lx.nwords = lx.nwords < 95 ? lx.nwords + 1 : 96;
            if (lx.line == 1 && (lx.nwords < 2 || strcmp(lx.words[1], "fuseflow-bitstream"))) {
                rc = bad(&lx, err, "not a fuseflow bitstream (expected '# fuseflow-bitstream 1' on the first line)");
                break;
            }
            int directive = lx.nwords >= 2 && (!strcmp(lx.words[1], "fuseflow-bitstream") ||
                                               !strcmp(lx.words[1], "array") || !strcmp(lx.words[1], "geometry") ||
                                               !strcmp(lx.words[1], "graph") || !strcmp(lx.words[1], "tile") ||
                                               !strcmp(lx.words[1], "bind") || !strcmp(lx.words[1], "port"));
            if (directive && in_words) {
                rc = bad(&lx, err, "a header line after the first register word (the header comes first)");
                break;
            }
            if ((rc = parse_directive(&lx, b, have, err))) break;
            continue;
        }
        split(&lx, line);
        if (lx.nwords == 0) continue;
        if (lx.line == 1) {
            rc = bad(&lx, err, "not a fuseflow bitstream (expected '# fuseflow-bitstream 1' on the first line)");
            break;
        }
        ff_bs_word w;
        if (lx.nwords != 2 || hex32(lx.words[0], &w.addr) || hex32(lx.words[1], &w.data)) {
            rc = bad(&lx, err, "expected 'ADDR DATA', two hex words of at most 8 digits");
            break;
        }
        in_words = 1;
        FF_VEC_PUSH(b->words, w);
    }
    free(copy);
    if (!rc && !(have[0] && have[1] && have[2]))
        rc = ff_err_set(err, FF_EINVAL, "%s: the header must give '# fuseflow-bitstream 1', '# array NAME 0xHASH' and "
                        "'# geometry ...'", origin);
    if (!rc) {
        snprintf(b->geo.name, sizeof b->geo.name, "%s", b->array);
        if (ff_array_hash(&b->geo) != b->hash)
            rc = ff_err_set(err, FF_EINVAL, "%s: the array hash 0x%08x does not match the geometry in the header "
                            "(0x%08x): the header was edited", origin, b->hash, ff_array_hash(&b->geo));
    }
    /* tiles must name the tile their slot holds; binds and words must lie in the array */
    for (size_t i = 0; !rc && i < b->tiles.len; i++) {
        ff_bs_tile *t = &b->tiles.data[i];
        int kind, index;
        if (ff_array_slot_what(&b->geo, t->slot, &kind, &index) != 1 || kind != t->kind || index != t->index)
            rc = ff_err_set(err, FF_EINVAL, "%s: '# tile %d %s %d': the array has no such tile in slot %d", origin,
                            t->slot, kind_name(t->kind), t->index, t->slot);
    }
    int last = FF_RTL_FIRST_TILE_SLOT + ff_array_ntiles(&b->geo) + b->geo.nhout;
    for (size_t i = 0; !rc && i < b->words.len; i++) {
        uint32_t slot = b->words.data[i].addr / FF_RTL_REGS_PER_SLOT;
        if (slot < FF_RTL_FIRST_TILE_SLOT || slot >= (uint32_t)last)
            rc = ff_err_set(err, FF_EINVAL, "%s: register word %zu (address 0x%08x) is outside the array's tiles and "
                            "harness ports (slots %d..%d)", origin, i + 1, b->words.data[i].addr,
                            FF_RTL_FIRST_TILE_SLOT, last - 1);
    }
    for (size_t i = 0; !rc && i < b->binds.len; i++) {
        int kind, index;
        if (ff_array_slot_what(&b->geo, b->binds.data[i].slot, &kind, &index) != 1)
            rc = ff_err_set(err, FF_EINVAL, "%s: a bind names slot %d, which holds no tile", origin,
                            b->binds.data[i].slot);
    }
    if (rc) {
        ff_bitstream_free(b);
        return rc;
    }
    *out = b;
    return 0;
}

int ff_bitstream_load(const char *path, ff_bitstream **out, ff_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return ff_err_set(err, FF_EIO, "%s: %s", path, strerror(errno));
    FF_VEC(char) text = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        FF_VEC_RESERVE(text, text.len + n + 1);
        memcpy(text.data + text.len, chunk, n);
        text.len += n;
    }
    int rd = ferror(f);
    fclose(f);
    if (rd) {
        free(text.data);
        return ff_err_set(err, FF_EIO, "%s: read failed", path);
    }
    FF_VEC_PUSH(text, '\0');
    int rc = ff_bitstream_parse(text.data, path, out, err);
    free(text.data);
    return rc;
}

/* ---- decoding for people ---- */

/* "scan[1].crd (node 'A_k')" for a routing value. */
static void src_text(const ff_bitstream *b, uint32_t src, char *buf, size_t n)
{
    int kind, index, port;
    switch (ff_array_src_what(&b->geo, src, &kind, &index, &port)) {
    case 0: snprintf(buf, n, "unconnected"); break;
    case 1: snprintf(buf, n, "harness input %d", port); break;
    case 2: {
        const ff_bs_tile *t = ff_bitstream_tile(b, ff_array_tile_slot(&b->geo, kind, index));
        snprintf(buf, n, "%s[%d].%s%s%s%s", kind_name(kind), index, ff_hw_kind_get(kind)->out[port], t ? " (node '" : "",
                 t ? t->node : "", t ? "')" : "");
        break;
    }
    default: snprintf(buf, n, "beyond the array's sources"); break;
    }
}

static void print_field(const ff_bitstream *b, FILE *f, const char *label, const be_field *fd, uint32_t v)
{
    char meaning[160] = "", word[64];
    if (fd->values[0] && be_value_word(fd->values, v, word, sizeof word)[0]) snprintf(meaning, sizeof meaning, "%s", word);
    else if (fd->kind < 0 && !strcmp(fd->name, "src")) src_text(b, v, meaning, sizeof meaning);
    else if (fd->values[0]) snprintf(meaning, sizeof meaning, "(no such value)");
    char val[24];
    if (fd->width == 32 && v > 0xffff) snprintf(val, sizeof val, "0x%08x", v);
    else snprintf(val, sizeof val, "%u", v);
    if (meaning[0]) fprintf(f, "  %-22s %-10s %s\n", label, val, meaning);
    else fprintf(f, "  %-22s %s\n", label, val);
}

static const char *const bind_text[FF_BIND__COUNT] = {
    "", /* LEVEL: by format, in print_binds */
    "SRAM and nvals <- the values of input tensor '%s' (the loader writes them)",
    "SRAM <- the node's own seg/crd or vals params (the loader writes them)",
    "writes level %d of output tensor '%s' (the loader sets seg_base and reads it back)",
    "writes the values of output tensor '%s' (the loader reads them back)",
    "%s <- the size of mode %d of input tensor '%s'%s (the loader writes it)",
};

static void print_binds(const ff_bitstream *b, FILE *f, int slot)
{
    for (size_t i = 0; i < b->binds.len; i++) {
        const ff_bind *d = &b->binds.data[i];
        if (d->slot != slot) continue;
        fprintf(f, "  run time: ");
        int compressed = (int)((ff_bitstream_reg(b, slot, FF_RTL_SCAN_FORMAT_REG, NULL) >> FF_RTL_SCAN_FORMAT_LSB) & 1u);
        switch (d->kind) {
        case FF_BIND_LEVEL:
            if (compressed) fprintf(f, "SRAM seg and crd, crd_base, nseg, ncrd <- level %d of input tensor '%s' (the "
                                       "loader writes them)", d->level, d->tensor);
            else fprintf(f, "dim <- the size of level %d of input tensor '%s' (the loader writes it)", d->level, d->tensor);
            break;
        case FF_BIND_OUT_LEVEL: fprintf(f, bind_text[d->kind], d->level, d->tensor); break;
        case FF_BIND_VALS:
        case FF_BIND_OUT_VALS: fprintf(f, bind_text[d->kind], d->tensor); break;
        case FF_BIND_INLINE: fprintf(f, "%s", bind_text[d->kind]); break;
        case FF_BIND_DIM: {
            char per[32] = "";
            if (d->block) snprintf(per, sizeof per, " in blocks of %d", d->block);
            fprintf(f, bind_text[d->kind], d->field, d->level, d->tensor, per);
            break;
        }
        default: break;
        }
        fprintf(f, "\n");
    }
}

/* Every field of every register the words write in `slot`; shown[i] marks
 * the fields printed, for the legend. */
static void print_slot(const ff_bitstream *b, FILE *f, int slot, int kind, char *shown_fields)
{
    int nf;
    const be_field *fs = be_fields(&nf);
    const ff_hw_kind *hk = ff_hw_kind_get(kind);
    for (int reg = 0; reg < FF_RTL_REGS_PER_SLOT; reg++) {
        int written;
        uint32_t v = ff_bitstream_reg(b, slot, reg, &written);
        if (!written) continue;
        int shown = 0;
        for (int i = 0; i < nf; i++) {
            const be_field *fd = &fs[i];
            if (fd->kind != -1 && fd->kind != kind) continue;
            if (reg < fd->regno || reg >= fd->regno + fd->count) continue;
            char label[64];
            if (fd->count > 1) {
                int p = reg - fd->regno;
                const char *port = kind >= 0 ? (p < hk->nin ? hk->in[p] : "-") : "in";
                snprintf(label, sizeof label, "%s%d %s.%s", fd->reg, p, port, fd->name);
            } else if (fd->kind < 0) {
                snprintf(label, sizeof label, "%s.%s", fd->reg, fd->name);
            } else {
                snprintf(label, sizeof label, "%s", fd->name);
            }
            print_field(b, f, label, fd, be_get(v, fd));
            shown_fields[i] = 1;
            shown = 1;
        }
        if (!shown) fprintf(f, "  reg %-18d 0x%08x   (no field of the schema)\n", reg, v);
    }
}

void ff_bitstream_decode(const ff_bitstream *b, FILE *f)
{
    const ff_array_desc *g = &b->geo;
    int nf;
    const be_field *fs = be_fields(&nf);
    char *shown = ff_xcalloc((size_t)nf + 1, 1);
    fprintf(f, "bitstream for array '%s' (hash 0x%08x): %d tiles, %d harness inputs, %d harness outputs, "
               "FIFO depth <= %d, latency <= %d, ",
            b->array, b->hash, ff_array_ntiles(g), g->nhin, g->nhout, g->max_depth, g->max_latency);
    if (g->max_block) fprintf(f, "blocks up to %dx%d in a %u-word block store\n", g->max_block, g->max_block, g->block_words);
    else fprintf(f, "no block store\n");
    fprintf(f, "graph '%s': %zu tiles used, %zu register words\n", b->graph ? b->graph : "?", b->tiles.len,
            b->words.len);
    int last = FF_RTL_FIRST_TILE_SLOT + ff_array_ntiles(g) + g->nhout;
    for (int slot = FF_RTL_FIRST_TILE_SLOT; slot < last; slot++) {
        int kind, index;
        int what = ff_array_slot_what(g, slot, &kind, &index);
        const ff_bs_tile *t = ff_bitstream_tile(b, slot);
        int any = t != NULL;
        for (size_t i = 0; i < b->words.len && !any; i++) any = (int)(b->words.data[i].addr / FF_RTL_REGS_PER_SLOT) == slot;
        if (!any) continue;
        if (what == 1) {
            fprintf(f, "\n%s[%d]  slot %d", kind_name(kind), index, slot);
            if (t) fprintf(f, "  node '%s'", t->node);
            fprintf(f, "\n");
        } else {
            fprintf(f, "\nharness output %d  slot %d", index, slot);
            for (size_t i = 0; i < b->ports.len; i++)
                if (b->ports.data[i].is_output && b->ports.data[i].port == index)
                    fprintf(f, "  node '%s'", b->ports.data[i].node);
            fprintf(f, "\n");
            kind = -1;
        }
        print_slot(b, f, slot, kind, shown);
        print_binds(b, f, slot);
    }
    for (size_t i = 0; i < b->ports.len; i++)
        if (!b->ports.data[i].is_output)
            fprintf(f, "\nharness input %d  node '%s' (the harness drives the source's tokens)\n", b->ports.data[i].port,
                    b->ports.data[i].node);
    /* what each field shown means (rtl/schema/config.json) */
    fprintf(f, "\nfields:\n");
    for (int i = 0; i < nf; i++) {
        if (!shown[i]) continue;
        char label[64];
        if (fs[i].kind < 0) snprintf(label, sizeof label, "%s%s.%s", fs[i].reg, fs[i].count > 1 ? "P" : "", fs[i].name);
        else snprintf(label, sizeof label, "%s.%s", kind_name(fs[i].kind), fs[i].name);
        fprintf(f, "  %-22s %s\n", label, fs[i].doc);
    }
    free(shown);
}
