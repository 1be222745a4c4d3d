/*
 * schemagen.c -- generates both views of the RTL configuration schema and the
 * fixed-point ROMs (docs/rtl.md "Configuration").
 *
 *   ff_schemagen SCHEMA.json OUTDIR [ARRAY.json ...]
 *
 * reads rtl/schema/config.json (the single source of truth of the address
 * map) and writes into OUTDIR:
 *   ff_config.h        the C view: register numbers, field positions, the
 *                      kind table (ports, SRAM) for the harness and cosim;
 *   ff_config_pkg.sv   the same as a SystemVerilog package for the tiles;
 *   ff_core.sv         the kind dispatch of a tile: one instance of each
 *                      kind's core, all with the same port bundle;
 *   ff_fx_pkg.sv       the exp2/rsqrt/ln/erf ROMs, LOG2E and LN2, from
 *                      models/fixed/fx_tables.def (included at compile time,
 *                      so this program cannot disagree with the C model);
 *   ff_array_NAME.sv   per array file: the top module ff_array_NAME, ff_array
 *                      with that file's parameters.
 * The kind list of the schema is checked against models/graph/ff_prims.def
 * (ORDER FF_PRIM): same names, same numbering, every hardware kind present.
 * A kind's hardware ports and its block flag are not in the schema: they are
 * read from ff_prims.def's port string (a family `x#` expands to x0..x(N-1),
 * N the top of its param n's range) and its blk column.
 * Files are written only when their text changes, so a rebuild that changes
 * nothing does not re-verilate.
 *
 * Errors go to stderr as "file: message"; the exit status is 1.
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the tables this program checks against -------------------------- */

static const struct {
    const char *name;
    int hw, blk;
    const char *ports, *params;
} prim_table[] = { /* ORDER FF_PRIM */
#define FF_PRIM(e, name, hw, blk, ports, params, summary) {name, hw, blk, ports, params},
#include "ff_prims.def"
#undef FF_PRIM
};
enum { NPRIM = sizeof prim_table / sizeof prim_table[0] };

/* ALU op names, for the "values": "FF_ALU_OPS" of alu.op (ORDER FF_ALU_OP). */
#include "ff_fixed.h"
static const char *const alu_op_names[] = {
#define ALU_NAME_(e, name, arity) name,
    FF_ALU_OPS(ALU_NAME_)
#undef ALU_NAME_
};

#define FF_FX_CONST(name, value) static const int64_t fx_##name = value;
#include "fx_tables.def"
#undef FF_FX_CONST

static const uint32_t exp2_tab[] = {
#define FF_FX_EXP2_TAB(i, v) [i] = (uint32_t)(v),
#include "fx_tables.def"
#undef FF_FX_EXP2_TAB
};
static const uint32_t rsqrt_tab[] = {
#define FF_FX_RSQRT_TAB(i, v) [i] = (uint32_t)(v),
#include "fx_tables.def"
#undef FF_FX_RSQRT_TAB
};
static const uint32_t ln_tab[] = {
#define FF_FX_LN_TAB(i, v) [i] = (uint32_t)(v),
#include "fx_tables.def"
#undef FF_FX_LN_TAB
};
static const uint32_t erf_tab[] = {
#define FF_FX_ERF_TAB(i, v) [i] = (uint32_t)(v),
#include "fx_tables.def"
#undef FF_FX_ERF_TAB
};

/* The ALU's ROMs as ff_fx_pkg declares them: SV function name, constant
 * array name and the index width (one more bit than the last index needs
 * for exp2, whose callers add 1 to a 6-bit index). */
static const struct {
    const char *fn, *rom;
    const uint32_t *tab;
    size_t n;
    int bits;
} fx_roms[] = {
    {"exp2_tab", "Exp2", exp2_tab, sizeof exp2_tab / sizeof exp2_tab[0], 7},
    {"rsqrt_tab", "Rsqrt", rsqrt_tab, sizeof rsqrt_tab / sizeof rsqrt_tab[0], 8},
    {"ln_tab", "Ln", ln_tab, sizeof ln_tab / sizeof ln_tab[0], 8},
    {"erf_tab", "Erf", erf_tab, sizeof erf_tab / sizeof erf_tab[0], 9},
};
enum { NFX_ROMS = sizeof fx_roms / sizeof fx_roms[0] };

/* ---- output buffer: written only if it differs from the file --------- */

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static void put(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(buf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) abort();
        if (b->p && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        b->cap = (b->cap + (size_t)n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
}

static int flush(buf *b, const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f) {
        char *old = malloc(b->len + 2);
        size_t n = old ? fread(old, 1, b->len + 1, f) : 0;
        fclose(f);
        int same = old && n == b->len && memcmp(old, b->p, b->len) == 0;
        free(old);
        if (same) goto done;
    }
    /* Written aside and renamed: a failed run leaves the old file whole. */
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    f = fopen(tmp, "wb");
    int bad = !f || fwrite(b->p, 1, b->len, f) != b->len;
    if (f && fclose(f) != 0) bad = 1;
    if (bad || rename(tmp, path) != 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        remove(tmp);
        free(b->p);
        b->p = NULL;
        b->len = b->cap = 0;
        return -1;
    }
done:
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    return 0;
}

/* ---- the schema -------------------------------------------------------- */

typedef struct field {
    const char *name, *doc;
    int reg, lsb, width;
    char values[256];     /* "w0|w1|..": the meaning of each value, "" = a number */
} field;

/* A tile's stream ports: the inputs are what the per-input routing
 * registers (config.json "in", count 8) can address; outputs have no
 * register each (a 4-way intersect has 9: crd, 4 refs, 4 skips). */
enum { MAX_IN = 8, MAX_OUT = 16 };

/* The geometry block's magic: a fuseflow array, and the version of the
 * layout its bitstreams assume (the source numbering follows every kind's
 * port count). Bumped with any change to it: 2 when intersect gained its
 * skip outputs. ff_array_hash covers it, so older bitstreams are refused. */
#define SCHEMA_MAGIC 0xFF5C0002u

typedef struct kind {
    const char *name;
    int num;              /* ff_prims.def kind number */
    int nin, nout, mem, blk;
    int mport;            /* off-chip memory port: 0 none, 1 stream-in, 2 write-back */
    char in[MAX_IN][32], out[MAX_OUT][32];
    const char *core;     /* the core module: ff_core_NAME unless "core" says */
    char core_params[128]; /* ".P(v), " per "core_params" entry */
    field params[16];
    int nparams;
} kind;

static const char *schema_path;

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", schema_path);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return -1;
}

static void upper(char *dst, const char *src, size_t n)
{
    size_t i = 0;
    for (; src[i] && i + 1 < n; i++) dst[i] = (src[i] >= 'a' && src[i] <= 'z') ? (char)(src[i] - 32) : src[i];
    dst[i] = '\0';
}

static int int_of(json_t *o, const char *key, int *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v)) return fail("'%s' must be an integer", key);
    *out = (int)json_integer_value(v);
    return 0;
}

static const char *str_of(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : "";
}

static int read_field(json_t *o, field *f, int reg)
{
    f->name = str_of(o, "name");
    f->doc = str_of(o, "doc");
    f->reg = reg;
    if (json_object_get(o, "reg") && json_is_integer(json_object_get(o, "reg")) && int_of(o, "reg", &f->reg)) return -1;
    if (int_of(o, "lsb", &f->lsb) || int_of(o, "width", &f->width)) return -1;
    if (!f->name[0] || f->lsb < 0 || f->width < 1 || f->lsb + f->width > 32)
        return fail("field '%s': bad name or bit range", f->name);
    /* "values": a list of words (value i means word i), or "FF_ALU_OPS" */
    json_t *vals = json_object_get(o, "values");
    f->values[0] = '\0';
    size_t len = 0;
    if (json_is_string(vals) && strcmp(json_string_value(vals), "FF_ALU_OPS") == 0) {
        for (size_t i = 0; i < sizeof alu_op_names / sizeof alu_op_names[0]; i++)
            len += (size_t)snprintf(f->values + len, sizeof f->values - len, "%s%s", i ? "|" : "", alu_op_names[i]);
    } else if (json_is_array(vals)) {
        size_t i;
        json_t *w;
        json_array_foreach(vals, i, w) {
            if (!json_is_string(w)) return fail("field '%s': values must be words", f->name);
            len += (size_t)snprintf(f->values + len, sizeof f->values - len, "%s%s", i ? "|" : "", json_string_value(w));
        }
    } else if (vals) {
        return fail("field '%s': values must be a list of words or \"FF_ALU_OPS\"", f->name);
    }
    if (len >= sizeof f->values) return fail("field '%s': values too long", f->name);
    return 0;
}

/* The top of param `key`'s int(lo..hi) range in an ff_prims.def params
 * string, or -1. */
static int param_hi(const char *params, const char *key)
{
    size_t n = strlen(key);
    for (const char *q = params; (q = strstr(q, key)) != NULL; q++) {
        int lo, hi;
        if ((q == params || q[-1] == ' ' || q[-1] == ';') && q[n] == ':' &&
            sscanf(q + n, ":int(%d..%d)", &lo, &hi) == 2)
            return hi;
    }
    return -1;
}

/* A kind's hardware ports from its ff_prims.def port string ("in a:crd,
 * b?:val, crd#:crd; out ..."): names in table order, families expanded to
 * the largest n the kind takes (the tile has every port; a node uses n). */
static int read_ports(kind *k, const char *ports, const char *params)
{
    char text[512];
    if (strlen(ports) >= sizeof text) return fail("kind '%s': port string too long", k->name);
    strcpy(text, ports);
    int out = 0;
    for (char *sec = strtok(text, ";"); sec; sec = strtok(NULL, ";")) {
        while (*sec == ' ') sec++;
        if (strncmp(sec, "in ", 3) == 0) out = 0;
        else if (strncmp(sec, "out ", 4) == 0) out = 1;
        else return fail("kind '%s': port section '%s' is neither 'in' nor 'out'", k->name, sec);
        char *list = sec + (out ? 4 : 3);
        for (char *save = NULL, *pt = strtok_r(list, ",", &save); pt; pt = strtok_r(NULL, ",", &save)) {
            while (*pt == ' ') pt++;
            size_t len = strcspn(pt, "?#:");
            int family = pt[len] == '#' || (pt[len] == '?' && pt[len + 1] == '#');
            int count = 1;
            if (family && (count = param_hi(params, "n")) < 1)
                return fail("kind '%s': port family '%.*s' needs a param n:int(lo..hi)", k->name, (int)len, pt);
            for (int i = 0; i < count; i++) {
                int *np = out ? &k->nout : &k->nin;
                if (*np == (out ? MAX_OUT : MAX_IN))
                    return fail("kind '%s': more than %d %s ports", k->name, out ? MAX_OUT : MAX_IN, out ? "output" : "input");
                char *dst = out ? k->out[*np] : k->in[*np];
                if (family) snprintf(dst, 32, "%.*s%d", (int)len, pt, i);
                else snprintf(dst, 32, "%.*s", (int)len, pt);
                ++*np;
            }
        }
    }
    return 0;
}

/* Common registers, in schema order. */
typedef struct reg {
    const char *name;
    int reg, count, ro;
    field fields[8];
    int nfields;
} reg;

static kind kinds[NPRIM];
static int nkinds;
static reg regs[10];
static int nregs;
static int param_base, regs_per_slot, slot_bits, mem_addr_bits, addr_bits, block_zero_words;
static json_t *geometry;
static json_t *schema_root; /* owns the strings kinds[] and regs[] point into */

static int load_schema(const char *path)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root) return fail("line %d: %s", je.line, je.text);
    schema_root = root;
    json_t *bus = json_object_get(root, "bus");
    if (int_of(bus, "regs_per_slot", &regs_per_slot) || int_of(bus, "slot_bits", &slot_bits) ||
        int_of(bus, "mem_addr_bits", &mem_addr_bits) || int_of(bus, "addr_bits", &addr_bits) ||
        int_of(root, "param_base", &param_base) || int_of(root, "block_zero_words", &block_zero_words))
        return -1;
    geometry = json_object_get(root, "geometry");
    json_t *rs = json_object_get(root, "regs");
    size_t i;
    json_t *r;
    json_array_foreach(rs, i, r) {
        reg *g = &regs[nregs++];
        g->name = str_of(r, "name");
        g->ro = strcmp(str_of(r, "access"), "ro") == 0;
        json_t *rv = json_object_get(r, "reg");
        g->count = 1;
        if (json_is_integer(rv)) g->reg = (int)json_integer_value(rv);
        else if (json_is_string(rv) && sscanf(json_string_value(rv), "%d+p", &g->reg) == 1) {
            if (int_of(r, "count", &g->count)) return -1;
        } else return fail("reg '%s': 'reg' must be a number or \"N+p\"", g->name);
        size_t j;
        json_t *f;
        json_array_foreach(json_object_get(r, "fields"), j, f) {
            if (read_field(f, &g->fields[g->nfields], g->reg)) return -1;
            g->nfields++;
        }
    }
    json_t *ks = json_object_get(root, "kinds");
    json_array_foreach(ks, i, r) {
        kind *k = &kinds[nkinds++];
        k->name = str_of(r, "name");
        k->num = -1;
        for (int p = 0; p < NPRIM; p++)
            if (strcmp(prim_table[p].name, k->name) == 0) k->num = p;
        if (k->num < 0 || !prim_table[k->num].hw) return fail("kind '%s' is not a hardware kind of ff_prims.def", k->name);
        if (k->num != (int)i) return fail("kind '%s' is #%zu, ff_prims.def numbers it %d (ORDER FF_PRIM)", k->name, i, k->num);
        k->mem = json_is_true(json_object_get(r, "mem"));
        const char *mp = json_is_string(json_object_get(r, "mport")) ? json_string_value(json_object_get(r, "mport")) : "";
        k->mport = !strcmp(mp, "read") ? 1 : !strcmp(mp, "write") ? 2 : 0;
        if (mp[0] && !k->mport) return fail("kind '%s': mport is \"read\" or \"write\", not \"%s\"", k->name, mp);
        if (k->mport && !k->mem) return fail("kind '%s': a memory port needs the kind's SRAM (mem)", k->name);
        k->blk = prim_table[k->num].blk;
        if (json_object_get(r, "inputs") || json_object_get(r, "outputs"))
            return fail("kind '%s': ports come from ff_prims.def, not the schema", k->name);
        if (read_ports(k, prim_table[k->num].ports, prim_table[k->num].params)) return -1;
        k->core = json_is_string(json_object_get(r, "core")) ? json_string_value(json_object_get(r, "core")) : NULL;
        const char *pk;
        json_t *pv;
        size_t cl = 0;
        json_object_foreach(json_object_get(r, "core_params"), pk, pv) {
            if (!json_is_integer(pv)) return fail("kind '%s': core_params.%s must be an integer", k->name, pk);
            cl += (size_t)snprintf(k->core_params + cl, cl < sizeof k->core_params ? sizeof k->core_params - cl : 0,
                                   ".%s(%lld), ", pk, (long long)json_integer_value(pv));
        }
        if (cl >= sizeof k->core_params) return fail("kind '%s': core_params too long", k->name);
        size_t j;
        json_t *v;
        json_array_foreach(json_object_get(r, "params"), j, v) {
            if (k->nparams == (int)(sizeof k->params / sizeof k->params[0]))
                return fail("kind '%s': more than %zu params", k->name, sizeof k->params / sizeof k->params[0]);
            if (read_field(v, &k->params[k->nparams], 0)) return -1;
            field *f = &k->params[k->nparams++];
            if (f->reg < param_base || f->reg >= regs_per_slot)
                return fail("kind '%s' param '%s': reg %d outside %d..%d", k->name, f->name, f->reg, param_base,
                            regs_per_slot - 1);
        }
    }
    for (int p = 0; p < NPRIM; p++)
        if (prim_table[p].hw && p >= nkinds) return fail("hardware kind '%s' of ff_prims.def has no schema entry", prim_table[p].name);
    /* A parameter register must not be a common register. */
    for (int k = 0; k < nkinds; k++)
        for (int j = 0; j < kinds[k].nparams; j++)
            for (int c = 0; c < nregs; c++) {
                int pr = kinds[k].params[j].reg;
                if (pr >= regs[c].reg && pr < regs[c].reg + regs[c].count)
                    return fail("kind '%s' param '%s': reg %d is the common register '%s'", kinds[k].name,
                                kinds[k].params[j].name, pr, regs[c].name);
            }
    /* root is kept alive with the schema's strings */
    return 0;
}

/* ---- emitters ---------------------------------------------------------- */

/* A C string literal's body (the docs are plain text, but be safe). */
static const char *cstr(const char *src)
{
    static char out[1024];
    size_t n = 0;
    for (; *src && n + 3 < sizeof out; src++) {
        if (*src == '"' || *src == '\\') out[n++] = '\\';
        out[n++] = *src;
    }
    out[n] = '\0';
    return out;
}

static void emit_c(buf *b)
{
    char U[64], F[64];
    put(b, "/*\n * ff_config.h -- GENERATED by rtl/schema/schemagen.c from rtl/schema/config.json.\n"
           " * Do not edit: change the schema. docs/rtl.md explains the address map.\n *\n"
           " * Configuration address = slot * FF_RTL_REGS_PER_SLOT + reg. Slots 0 and 1:\n"
           " * read-only geometry; then one slot per tile (kind order, then index);\n"
           " * then one per harness output port. Every register is 32 bits:\n *\n"
           " *   ctrl   [0]     enable   [11:8] latency   [23:16] ii\n"
           " *   status [0] done [1] error [2] overflow [3] started      (read-only)\n"
           " *   in(p)  [11:0]  src      [23:16] depth            (p = 0..7)\n"
           " *   occ_lo/occ_hi  tokens in input 0..3 / 4..7's FIFO, 8 bits each (read-only)\n */\n"
           "#ifndef FF_CONFIG_H\n#define FF_CONFIG_H\n\n#include <stdint.h>\n\n");
    put(b, "#define FF_RTL_REGS_PER_SLOT %d\n#define FF_RTL_SLOT_BITS %d\n#define FF_RTL_ADDR_BITS %d\n"
           "#define FF_RTL_MEM_ADDR_BITS %d\n#define FF_RTL_PARAM_BASE %d\n#define FF_RTL_NKINDS %d\n"
           "#define FF_RTL_MAGIC 0x%08Xu\n#define FF_RTL_FIRST_TILE_SLOT 2\n"
           "#define FF_RTL_MAX_IN %d\n#define FF_RTL_MAX_OUT %d\n\n",
        regs_per_slot, slot_bits, addr_bits, mem_addr_bits, param_base, nkinds, SCHEMA_MAGIC, MAX_IN, MAX_OUT);
    put(b, "/* Geometry (slot 0: reg k = tiles of kind k; slot 1: reg k = SRAM words). */\n");
    /* every geometry register at a fixed reg: FF_RTL_GEO_NAME is the reg,
     * FF_RTL_GEO_NAME_SLOT its slot */
    size_t gi;
    json_t *g;
    json_array_foreach(geometry, gi, g) {
        json_t *r = json_object_get(g, "reg");
        if (!json_is_integer(r)) continue;
        upper(U, str_of(g, "name"), sizeof U);
        put(b, "#define FF_RTL_GEO_%s %d\n#define FF_RTL_GEO_%s_SLOT %d\n", U, (int)json_integer_value(r), U,
            (int)json_integer_value(json_object_get(g, "slot")));
    }
    put(b, "#define FF_RTL_BLOCK_ZERO_WORDS %du\n", block_zero_words);
    put(b, "\n/* Field helpers: FF_RTL_GET(word, F) / FF_RTL_SET(word, F, v) with F a\n"
           " * field prefix such as FF_RTL_CTRL_LATENCY (its _LSB and _WIDTH). */\n"
           "#define FF_RTL_MASK_(w) ((w) >= 32 ? 0xffffffffu : ((1u << (w)) - 1u))\n"
           "#define FF_RTL_GET(v, F) (((uint32_t)(v) >> F##_LSB) & FF_RTL_MASK_(F##_WIDTH))\n"
           "#define FF_RTL_SET(v, F, x) (((uint32_t)(v) & ~(FF_RTL_MASK_(F##_WIDTH) << F##_LSB)) | \\\n"
           "                           (((uint32_t)(x) & FF_RTL_MASK_(F##_WIDTH)) << F##_LSB))\n\n");
    for (int i = 0; i < nregs; i++) {
        reg *r = &regs[i];
        upper(U, r->name, sizeof U);
        if (r->count > 1) put(b, "#define FF_RTL_REG_%s(p) (%d + (p)) /* p < %d */\n", U, r->reg, r->count);
        else put(b, "#define FF_RTL_REG_%s %d\n", U, r->reg);
        for (int j = 0; j < r->nfields; j++) {
            upper(F, r->fields[j].name, sizeof F);
            put(b, "#define FF_RTL_%s_%s_LSB %d\n#define FF_RTL_%s_%s_WIDTH %d /* %s */\n", U, F, r->fields[j].lsb, U, F,
                r->fields[j].width, r->fields[j].doc);
        }
    }
    put(b, "\n/* Per kind: kind number (= FF_PRIM_*), ports, SRAM, parameter fields. */\n");
    for (int k = 0; k < nkinds; k++) {
        kind *kd = &kinds[k];
        upper(U, kd->name, sizeof U);
        put(b, "#define FF_RTL_KIND_%s %d\n#define FF_RTL_%s_NIN %d\n#define FF_RTL_%s_NOUT %d\n#define FF_RTL_%s_MEM %d\n", U,
            kd->num, U, kd->nin, U, kd->nout, U, kd->mem);
        put(b, "#define FF_RTL_%s_MPORT %d /* 0 none, 1 stream-in, 2 write-back */\n", U, kd->mport);
        for (int j = 0; j < kd->nparams; j++) {
            field *f = &kd->params[j];
            upper(F, f->name, sizeof F);
            put(b, "#define FF_RTL_%s_%s_REG %d\n#define FF_RTL_%s_%s_LSB %d\n#define FF_RTL_%s_%s_WIDTH %d /* %s */\n", U, F,
                f->reg, U, F, f->lsb, U, F, f->width, f->doc);
        }
    }
    put(b, "\n/* Setters of a tile's configuration image img[FF_RTL_REGS_PER_SLOT], one per\n"
           " * kind parameter field: ff_cfg_set_KIND_FIELD(img, v) sets the field to v\n"
           " * (masked to its width) and returns the register it changed, for a caller\n"
           " * that records which registers it wrote. A field the schema drops is a\n"
           " * compile error in its caller, not a failed lookup at run time. */\n");
    for (int k = 0; k < nkinds; k++) {
        kind *kd = &kinds[k];
        upper(U, kd->name, sizeof U);
        for (int j = 0; j < kd->nparams; j++) {
            field *f = &kd->params[j];
            upper(F, f->name, sizeof F);
            put(b, "static inline int ff_cfg_set_%s_%s(uint32_t *img, uint32_t v)\n{\n"
                   "    img[FF_RTL_%s_%s_REG] = FF_RTL_SET(img[FF_RTL_%s_%s_REG], FF_RTL_%s_%s, v);\n"
                   "    return FF_RTL_%s_%s_REG;\n}\n",
                kd->name, f->name, U, F, U, F, U, F, U, F);
        }
    }
    put(b, "\n/* Port names in hardware order ({0} = none). */\n");
    for (int k = 0; k < nkinds; k++) {
        kind *kd = &kinds[k];
        upper(U, kd->name, sizeof U);
        put(b, "#define FF_RTL_%s_IN_NAMES {", U);
        for (int j = 0; j < kd->nin; j++) put(b, "%s\"%s\"", j ? ", " : "", kd->in[j]);
        put(b, "%s}\n#define FF_RTL_%s_OUT_NAMES {", kd->nin ? "" : "0", U);
        for (int j = 0; j < kd->nout; j++) put(b, "%s\"%s\"", j ? ", " : "", kd->out[j]);
        put(b, "%s}\n", kd->nout ? "" : "0");
    }
    put(b, "\n/* Every field of the common registers, for decoders and dumps:\n"
           " * X(\"reg\", reg, count, \"field\", lsb, width, read_only, \"values\", \"doc\"); a register\n"
           " * with count > 1 repeats at reg + p, p < count (in(p)). \"values\" = \"w0|w1|..\" names\n"
           " * each value, \"\" = a number. */\n#define FF_RTL_COMMON_FIELDS(X) \\\n");
    for (int i = 0; i < nregs; i++)
        for (int j = 0; j < regs[i].nfields; j++) {
            field *f = &regs[i].fields[j];
            put(b, "    X(\"%s\", %d, %d, \"%s\", %d, %d, %d, \"%s\", ", regs[i].name, regs[i].reg, regs[i].count, f->name,
                f->lsb, f->width, regs[i].ro, f->values);
            put(b, "\"%s\")%s\n", cstr(f->doc), i + 1 < nregs || j + 1 < regs[i].nfields ? " \\" : "");
        }
    put(b, "\n/* Every kind parameter field: X(KIND, \"field\", reg, lsb, width, \"values\", \"doc\"). */\n"
           "#define FF_RTL_PARAM_FIELDS(X) \\\n");
    int nparam_total = 0, done_params = 0;
    for (int k = 0; k < nkinds; k++) nparam_total += kinds[k].nparams;
    for (int k = 0; k < nkinds; k++)
        for (int j = 0; j < kinds[k].nparams; j++) {
            field *f = &kinds[k].params[j];
            upper(U, kinds[k].name, sizeof U);
            put(b, "    X(%s, \"%s\", %d, %d, %d, \"%s\", ", U, f->name, f->reg, f->lsb, f->width, f->values);
            put(b, "\"%s\")%s\n", cstr(f->doc), ++done_params < nparam_total ? " \\" : "");
        }
    put(b, "\n/* The kind table: X(ENUM, \"name\", nin, nout, mem); the port names are\n"
           " * FF_RTL_##ENUM##_IN_NAMES / _OUT_NAMES. */\n#define FF_RTL_KINDS(X) \\\n");
    for (int k = 0; k < nkinds; k++) {
        kind *kd = &kinds[k];
        upper(U, kd->name, sizeof U);
        put(b, "    X(%s, \"%s\", %d, %d, %d)%s\n", U, kd->name, kd->nin, kd->nout, kd->mem, k + 1 < nkinds ? " \\" : "");
    }
    put(b, "\n#endif\n");
}

static void emit_sv_pkg(buf *b)
{
    char U[64], F[64];
    put(b, "// ff_config_pkg.sv -- GENERATED by rtl/schema/schemagen.c from rtl/schema/config.json.\n"
           "// Do not edit: change the schema. docs/rtl.md explains the address map.\n"
           "// A package of constants: a design uses only some of them.\n"
           "/* verilator lint_off UNUSEDPARAM */\npackage ff_config_pkg;\n\n");
    put(b, "  localparam int unsigned RegsPerSlot = %d;\n  localparam int unsigned SlotBits = %d;\n"
           "  localparam int unsigned AddrBits = %d;\n  localparam int unsigned MemAddrBits = %d;\n"
           "  localparam int unsigned ParamBase = %d;\n  localparam int unsigned NKinds = %d;\n"
           "  localparam logic [31:0] Magic = 32'h%08X;\n  localparam int unsigned FirstTileSlot = 2;\n"
           "  localparam int unsigned MaxIn = %d;\n  localparam int unsigned MaxOut = %d;\n",
        regs_per_slot, slot_bits, addr_bits, mem_addr_bits, param_base, nkinds, SCHEMA_MAGIC, MAX_IN, MAX_OUT);
    size_t gi;
    json_t *g;
    json_array_foreach(geometry, gi, g) {
        json_t *r = json_object_get(g, "reg");
        if (!json_is_integer(r)) continue;
        upper(U, str_of(g, "name"), sizeof U);
        put(b, "  localparam int unsigned GEO_%s = %d;  // slot %d\n", U, (int)json_integer_value(r),
            (int)json_integer_value(json_object_get(g, "slot")));
    }
    put(b, "  localparam int unsigned BlockZeroWords = %d;\n", block_zero_words);
    for (int i = 0; i < nregs; i++) {
        reg *r = &regs[i];
        upper(U, r->name, sizeof U);
        put(b, "  localparam int unsigned REG_%s = %d;%s\n", U, r->reg, r->count > 1 ? "  // + port" : "");
        for (int j = 0; j < r->nfields; j++) {
            upper(F, r->fields[j].name, sizeof F);
            put(b, "  localparam int unsigned %s_%s_LSB = %d;\n  localparam int unsigned %s_%s_W = %d;  // %s\n", U, F,
                r->fields[j].lsb, U, F, r->fields[j].width, r->fields[j].doc);
        }
    }
    for (int k = 0; k < nkinds; k++) {
        kind *kd = &kinds[k];
        upper(U, kd->name, sizeof U);
        put(b, "\n  localparam int unsigned KIND_%s = %d;\n", U, kd->num);
        for (int j = 0; j < kd->nparams; j++) {
            field *f = &kd->params[j];
            upper(F, f->name, sizeof F);
            put(b, "  localparam int unsigned %s_%s_REG = %d;\n  localparam int unsigned %s_%s_LSB = %d;\n"
                   "  localparam int unsigned %s_%s_W = %d;  // %s\n",
                U, F, f->reg, U, F, f->lsb, U, F, f->width, f->doc);
        }
    }
    put(b, "\n  // SRAM words per kind when an array does not say: 64 for memory kinds.\n"
           "  function automatic logic [NKinds*32-1:0] default_mem_words();\n"
           "    logic [NKinds*32-1:0] w = '0;\n");
    for (int k = 0; k < nkinds; k++)
        if (kinds[k].mem) put(b, "    w[%d*32 +: 32] = 32'd64;\n", k);
    put(b, "    default_mem_words = w;\n  endfunction\n");
    const char *what[] = {"nin", "nout", "mem", "mport"};
    for (int w = 0; w < 4; w++) {
        put(b, "\n  function automatic int unsigned kind_%s(int unsigned k);\n    case (k)\n", what[w]);
        for (int k = 0; k < nkinds; k++)
            put(b, "      %d: kind_%s = %d;\n", k, what[w],
                w == 0 ? kinds[k].nin : w == 1 ? kinds[k].nout : w == 2 ? kinds[k].mem : kinds[k].mport);
        put(b, "      default: kind_%s = 0;\n    endcase\n  endfunction\n", what[w]);
    }
    /* ff_array's tap ports are one per consumer; the width is a parameter
     * default, so it must be computable in the module header */
    put(b, "\n  // A core's stream port counts (rtl/cores/ff_core_ports.svh): at least 1.\n"
           "  function automatic int unsigned kind_ninp(int unsigned k);\n"
           "    kind_ninp = (kind_nin(k) > 0) ? kind_nin(k) : 1;\n  endfunction\n"
           "  function automatic int unsigned kind_noutp(int unsigned k);\n"
           "    kind_noutp = (kind_nout(k) > 0) ? kind_nout(k) : 1;\n  endfunction\n");
    put(b, "\n  // Kinds whose tile has a block-mode datapath on the array's block store\n"
           "  // (ff_prims.def column blk).\n"
           "  function automatic logic kind_has_block(int unsigned k);\n    case (k)\n");
    for (int k = 0; k < nkinds; k++) {
        if (!kinds[k].blk) continue;
        upper(U, kinds[k].name, sizeof U);
        put(b, "      KIND_%s: kind_has_block = 1'b1;\n", U);
    }
    put(b, "      default: kind_has_block = 1'b0;\n    endcase\n  endfunction\n");
    put(b, "\n  // Consumers of an array (every tile input, then the harness outputs):\n"
           "  // the width of ff_array's tap ports.\n"
           "  function automatic int unsigned array_ncons(input logic [NKinds*8-1:0] counts,\n"
           "                                              input int unsigned nhout);\n"
           "    int unsigned n = nhout;\n"
           "    for (int unsigned k = 0; k < NKinds; k++) n += 32'(counts[k*8 +: 8]) * kind_nin(k);\n"
           "    array_ncons = n;\n  endfunction\n"
           "\n  // Tiles of an array: one off-chip port lane each (ff_array's mp_* ports), at least 1.\n"
           "  function automatic int unsigned array_ntiles(input logic [NKinds*8-1:0] counts);\n"
           "    int unsigned n = 0;\n"
           "    for (int unsigned k = 0; k < NKinds; k++) n += 32'(counts[k*8 +: 8]);\n"
           "    array_ntiles = (n > 0) ? n : 1;\n  endfunction\n");
    put(b, "\nendpackage\n/* verilator lint_on UNUSEDPARAM */\n");
}

static void emit_fx_pkg(buf *b)
{
    put(b, "// ff_fx_pkg.sv -- GENERATED by rtl/schema/schemagen.c from models/fixed/fx_tables.def\n"
           "// (ORDER FF_FX_TABLES). The ROMs of the ALU's exp, rsqrt, log and erf units\n"
           "// (docs/fixed-point.md). Constant arrays, not case functions: every lookup is\n"
           "// one indexed read in the Verilated model (a case function is inlined at each\n"
           "// call site, per ALU tile). Synthesis (SYNTHESIS, which Yosys defines) reads\n"
           "// the same words as case functions: Yosys reads no unpacked constant arrays.\n"
           "// A package of constants: a design uses only some of them.\n"
           "/* verilator lint_off UNUSEDPARAM */\npackage ff_fx_pkg;\n\n"
           "  localparam logic [31:0] LOG2E_Q30 = 32'd%lld;\n  localparam logic [31:0] LN2_Q30 = 32'd%lld;\n\n",
        (long long)fx_LOG2E_Q30, (long long)fx_LN2_Q30);
    put(b, "  // Out-of-range indices read 0 (the C tables are only indexed in range).\n");
    put(b, "`ifndef SYNTHESIS\n");
    for (int t = 0; t < NFX_ROMS; t++) {
        put(b, "  localparam int unsigned %sN = %zu;\n  localparam logic [31:0] %sRom [%sN] = '{", fx_roms[t].rom,
            fx_roms[t].n, fx_roms[t].rom, fx_roms[t].rom);
        for (size_t i = 0; i < fx_roms[t].n; i++)
            put(b, "%s32'd%u", !i ? "\n    " : i % 6 ? ", " : ",\n    ", fx_roms[t].tab[i]);
        put(b, "\n  };\n\n");
    }
    for (int t = 0; t < NFX_ROMS; t++)
        put(b, "%s  function automatic logic [31:0] %s(input logic [%d:0] i);\n"
               "    %s = (32'(i) < %sN) ? %sRom[i] : 32'd0;\n  endfunction\n",
            t ? "\n" : "", fx_roms[t].fn, fx_roms[t].bits - 1, fx_roms[t].fn, fx_roms[t].rom, fx_roms[t].rom);
    put(b, "`else\n");
    for (int t = 0; t < NFX_ROMS; t++) {
        put(b, "  function automatic logic [31:0] %s(input logic [%d:0] i);\n    case (i)\n", fx_roms[t].fn,
            fx_roms[t].bits - 1);
        for (size_t i = 0; i < fx_roms[t].n; i++)
            put(b, "      %d'd%zu: %s = 32'd%u;\n", fx_roms[t].bits, i, fx_roms[t].fn, fx_roms[t].tab[i]);
        put(b, "      default: %s = 32'd0;\n    endcase\n  endfunction\n", fx_roms[t].fn);
    }
    put(b, "`endif\n\nendpackage\n/* verilator lint_on UNUSEDPARAM */\n");
}

/* ff_core.sv: the kind dispatch of a tile. Every core has the same port
 * bundle (rtl/cores/ff_core_ports.svh), so the dispatch is one
 * instance per kind, all ports connected by name; memory kinds take the SRAM
 * size. */
static void emit_core(buf *b)
{
    static const char *const bundle[] = {
        "clk_i", "rst_ni", "en_i", "cfg_i", "conn_i", "in_valid_i", "in_data_i", "in_pop_o", "out_ready_i",
        "out_push_o", "out_data_o", "fire_o", "fin_o", "err_o", "ovf_o", "count0_o", "count1_o", "mem_we_i",
        "mem_addr_i", "mem_wdata_i", "mem_rdata_o", "mp_avail_i", "mp_wait_o", "blk_req_o", "blk_rd_data_i",
        "blk_handle_i", "blk_wdata_o"};
    enum { NB = sizeof bundle / sizeof bundle[0] };
    char U[64];
    put(b, "// ff_core.sv -- GENERATED by rtl/schema/schemagen.c from models/graph/ff_prims.def\n"
           "// and rtl/schema/config.json. Do not edit: a new kind needs its table row and its\n"
           "// core rtl/cores/ff_core_NAME.sv with the common port bundle (docs/adding-a-primitive.md).\n"
           "//\n"
           "// The primitive core of a tile, chosen by Kind (ORDER FF_PRIM). Every core has\n"
           "// the same ports and ties off what its kind does not use, so this is one\n"
           "// instance per kind. Ready/valid rule: see rtl/cores/ff_core_ports.svh.\n"
           "module ff_core\n  import ff_config_pkg::*;\n#(\n"
           "  parameter int unsigned Kind     = 0,  // ff_prims.def kind number\n"
           "  parameter int unsigned NInP     = 1,  // max(1, inputs of the kind)\n"
           "  parameter int unsigned NOutP    = 1,  // max(1, outputs of the kind)\n"
           "  parameter int unsigned MemWords = 0,  // SRAM words (memory kinds)\n"
           "  parameter int unsigned MaxBlock = 0,  // largest block edge of the array; 0: no block store\n"
           "  localparam int unsigned BW = (MaxBlock > 0) ? MaxBlock * MaxBlock : 1\n) (\n"
           "  input  logic                         clk_i,\n"
           "  input  logic                         rst_ni,\n"
           "  input  logic                         en_i,\n"
           "  input  logic [RegsPerSlot-1:0][31:0] cfg_i,\n"
           "  input  logic [NInP-1:0]              conn_i,\n"
           "  input  logic [NInP-1:0]              in_valid_i,\n"
           "  input  logic [NInP-1:0][33:0]        in_data_i,\n"
           "  output logic [NInP-1:0]              in_pop_o,\n"
           "  input  logic [NOutP-1:0]             out_ready_i,\n"
           "  output logic [NOutP-1:0]             out_push_o,\n"
           "  output logic [NOutP-1:0][33:0]       out_data_o,\n"
           "  output logic                         fire_o,\n"
           "  output logic                         fin_o,\n"
           "  output logic                         err_o,\n"
           "  output logic                         ovf_o,\n"
           "  output logic [31:0]                  count0_o,\n"
           "  output logic [31:0]                  count1_o,\n"
           "  input  logic                         mem_we_i,\n"
           "  input  logic [MemAddrBits-1:0]       mem_addr_i,\n"
           "  input  logic [31:0]                  mem_wdata_i,\n"
           "  output logic [31:0]                  mem_rdata_o,\n"
           "  // off-chip port (ff_mport): words readable per region; the core waits for them\n"
           "  input  logic [1:0][31:0]             mp_avail_i,\n"
           "  output logic                         mp_wait_o,\n"
           "  // block store port (ff_block_store; the kinds of ff_prims.def's blk column)\n"
           "  output ff_pkg::blk_req_t             blk_req_o,\n"
           "  input  logic [1:0][BW-1:0][31:0]     blk_rd_data_i,\n"
           "  input  logic [31:0]                  blk_handle_i,\n"
           "  output logic [BW-1:0][31:0]          blk_wdata_o\n);\n\n");
    for (int k = 0; k < nkinds; k++) {
        upper(U, kinds[k].name, sizeof U);
        put(b, "  %sif (Kind == KIND_%s) begin : g_%s\n", k ? "end else " : "", U, kinds[k].name);
        if (kinds[k].core) put(b, "    %s #(%s", kinds[k].core, kinds[k].core_params);
        else put(b, "    ff_core_%s #(", kinds[k].name);
        if (kinds[k].mem) put(b, ".Words(MemWords), ");
        put(b, ".MaxBlock(MaxBlock)) u_%s (\n", kinds[k].name);
        for (int i = 0; i < NB; i++) put(b, "      .%-13s(%s)%s\n", bundle[i], bundle[i], i + 1 < NB ? "," : "");
        put(b, "    );\n");
    }
    put(b, "  end else begin : g_none\n"
           "    // not a hardware kind: a tile that never fires\n"
           "    assign in_pop_o    = '0;\n    assign out_push_o  = '0;\n    assign out_data_o  = '0;\n"
           "    assign fire_o      = 1'b0;\n    assign fin_o       = 1'b0;\n    assign err_o       = 1'b0;\n"
           "    assign ovf_o       = 1'b0;\n    assign count0_o    = '0;\n    assign count1_o    = '0;\n"
           "    assign mem_rdata_o = '0;\n    assign blk_req_o   = '0;\n    assign blk_wdata_o = '0;\n"
           "    assign mp_wait_o   = 1'b0;\n"
           "    logic unused_ports;\n"
           "    assign unused_ports = ^{clk_i, rst_ni, en_i, cfg_i, conn_i, in_valid_i, in_data_i, out_ready_i,\n"
           "                            mem_we_i, mem_addr_i, mem_wdata_i, mp_avail_i, blk_rd_data_i, blk_handle_i};\n"
           "  end\n\nendmodule\n");
}

static int emit_array_of(json_t *root, const char *path, const char *outdir);

/* The top module of one array file: ff_array with its parameters. */
static int emit_array(const char *path, const char *outdir)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root) {
        fprintf(stderr, "%s: line %d: %s\n", path, je.line, je.text);
        return -1;
    }
    int rc = emit_array_of(root, path, outdir);
    json_decref(root);
    return rc;
}

static int emit_array_of(json_t *root, const char *path, const char *outdir)
{
    const char *name = str_of(root, "name");
    json_t *tiles = json_object_get(root, "tiles"), *mem = json_object_get(root, "mem_words");
    int nhin = (int)json_integer_value(json_object_get(root, "nhin"));
    int nhout = (int)json_integer_value(json_object_get(root, "nhout"));
    int depth = (int)json_integer_value(json_object_get(root, "max_depth"));
    int lat = (int)json_integer_value(json_object_get(root, "max_latency"));
    long long max_block = json_integer_value(json_object_get(root, "max_block"));
    long long block_words = json_integer_value(json_object_get(root, "block_words"));
    if (!name[0] || !json_is_object(tiles) || nhin < 1 || nhin > 64 || nhout < 1 || nhout > 64 || depth < 1 ||
        depth > 255 || lat < 1 || lat > 15) {
        fprintf(stderr, "%s: needs name, tiles, nhin/nhout 1..64, max_depth 1..255, max_latency 1..15\n", path);
        return -1;
    }
    if (max_block < 0 || max_block == 1 || max_block > 16 || (max_block > 0) != (block_words > 0) || block_words < 0 ||
        block_words > (1ll << mem_addr_bits) || (block_words & (block_words - 1))) {
        fprintf(stderr, "%s: max_block 2..16 and block_words (a power of two up to %lld) come together: a block "
                "store or none\n", path, 1ll << mem_addr_bits);
        return -1;
    }
    const char *key;
    json_t *v;
    json_object_foreach(tiles, key, v) {
        int found = 0;
        for (int k = 0; k < nkinds; k++) found |= strcmp(kinds[k].name, key) == 0;
        if (!found || !json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 255) {
            fprintf(stderr, "%s: tiles.%s: unknown kind or count outside 0..255\n", path, key);
            return -1;
        }
    }
    buf b = {0};
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    put(&b, "// ff_array_%s.sv -- GENERATED by rtl/schema/schemagen.c from rtl/arrays/%s.\n"
            "// The top module of one Verilated array configuration: ff_array with its parameters.\n"
            "module ff_array_%s\n  import ff_config_pkg::*;\n#(\n", name, base, name);
    put(&b, "  // Per kind (ff_prims.def order), 8 bits each: tiles of that kind.\n  parameter logic [NKinds*8-1:0] TileCounts = {");
    for (int k = nkinds - 1; k >= 0; k--) {
        json_t *c = json_object_get(tiles, kinds[k].name);
        put(&b, "8'd%lld%s", c ? (long long)json_integer_value(c) : 0LL, k ? ", " : "");
    }
    put(&b, "},\n  // Per kind, 32 bits each: SRAM words of each tile (a power of two, or 0).\n"
            "  parameter logic [NKinds*32-1:0] MemWords = {");
    for (int k = nkinds - 1; k >= 0; k--) {
        json_t *c = mem ? json_object_get(mem, kinds[k].name) : NULL;
        long long w = kinds[k].mem ? (c ? (long long)json_integer_value(c) : 16) : 0;
        if (kinds[k].mem && (w < 2 || (w & (w - 1)))) {
            fprintf(stderr, "%s: mem_words.%s = %lld must be a power of two >= 2\n", path, kinds[k].name, w);
            return -1;
        }
        put(&b, "32'd%lld%s", w, k ? ", " : "");
    }
    put(&b, "},\n  parameter int unsigned NHin = %d,\n  parameter int unsigned NHout = %d,\n"
            "  parameter int unsigned MaxDepth = %d,\n  parameter int unsigned MaxLat = %d,\n"
            "  parameter int unsigned MaxBlock = %lld,\n  parameter int unsigned BlockWords = %lld\n) (\n",
        nhin, nhout, depth, lat, max_block, block_words);
    put(&b, "  input  logic                        clk_i,\n"
            "  input  logic                        rst_ni,\n"
            "  input  logic                        run_i,\n"
            "  input  logic                        cfg_we_i,\n"
            "  input  logic [AddrBits-1:0]         cfg_addr_i,\n"
            "  input  logic [31:0]                 cfg_wdata_i,\n"
            "  output logic [31:0]                 cfg_rdata_o,\n"
            "  input  logic                        mem_we_i,\n"
            "  input  logic [SlotBits-1:0]         mem_slot_i,\n"
            "  input  logic [MemAddrBits-1:0]      mem_addr_i,\n"
            "  input  logic [31:0]                 mem_wdata_i,\n"
            "  output logic [31:0]                 mem_rdata_o,\n"
            "  input  logic [NHin-1:0]             hin_valid_i,\n"
            "  output logic [NHin-1:0]             hin_ready_o,\n"
            "  input  logic [NHin-1:0][33:0]       hin_data_i,\n"
            "  output logic [NHout-1:0]            hout_valid_o,\n"
            "  input  logic [NHout-1:0]            hout_ready_i,\n"
            "  output logic [NHout-1:0][33:0]      hout_data_o,\n"
            "  output logic                        done_o,\n"
            "  output logic                        error_o,\n"
            "  output logic                        active_o,\n");
    long long ncons = nhout;
    for (int k = 0; k < nkinds; k++) {
        json_t *c = json_object_get(tiles, kinds[k].name);
        ncons += (c ? (long long)json_integer_value(c) : 0LL) * kinds[k].nin;
    }
    long long ntiles = 0;
    for (int k = 0; k < nkinds; k++) {
        json_t *c = json_object_get(tiles, kinds[k].name);
        ntiles += c ? (long long)json_integer_value(c) : 0LL;
    }
    if (ntiles < 1) ntiles = 1;
    put(&b, "  // Debug taps (docs/cosim.md): consumer c takes tap_data_o[c] this cycle.\n"
            "  output logic [%lld:0]                 tap_push_o,\n"
            "  output logic [%lld:0][33:0]           tap_data_o,\n", ncons - 1, ncons - 1);
    put(&b, "  // Off-chip memory ports, one lane per tile in slot order (docs/timing.md section 4).\n"
            "  output logic [%lld:0]                 mp_req_valid_o,\n"
            "  output logic [%lld:0]                 mp_req_region_o,\n"
            "  input  logic [%lld:0]                 mp_req_ready_i,\n"
            "  input  logic [%lld:0]                 mp_resp_valid_i,\n"
            "  input  logic [%lld:0]                 mp_resp_region_i,\n"
            "  output logic [%lld:0]                 mp_wait_o\n);\n\n",
        ntiles - 1, ntiles - 1, ntiles - 1, ntiles - 1, ntiles - 1, ntiles - 1);
    put(&b, "  ff_array #(\n    .TileCounts(TileCounts),\n    .MemWords  (MemWords),\n    .NHin      (NHin),\n"
            "    .NHout     (NHout),\n    .MaxDepth  (MaxDepth),\n    .MaxLat    (MaxLat),\n"
            "    .MaxBlock  (MaxBlock),\n    .BlockWords(BlockWords)\n  ) u_array (\n");
    const char *ports[] = {"clk_i", "rst_ni", "run_i", "cfg_we_i", "cfg_addr_i", "cfg_wdata_i", "cfg_rdata_o",
                           "mem_we_i", "mem_slot_i", "mem_addr_i", "mem_wdata_i", "mem_rdata_o", "hin_valid_i",
                           "hin_ready_o", "hin_data_i", "hout_valid_o", "hout_ready_i", "hout_data_o", "done_o",
                           "error_o", "active_o", "tap_push_o", "tap_data_o", "mp_req_valid_o", "mp_req_region_o",
                           "mp_req_ready_i", "mp_resp_valid_i", "mp_resp_region_i", "mp_wait_o"};
    for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++)
        put(&b, "    .%-13s(%s)%s\n", ports[i], ports[i], i + 1 < sizeof ports / sizeof ports[0] ? "," : "");
    put(&b, "  );\n\nendmodule\n");
    char fname[256];
    snprintf(fname, sizeof fname, "ff_array_%s.sv", name);
    return flush(&b, outdir, fname);
}

/* ff_kinds.json: the hardware kinds as the synthesis flow reads them
 * (rtl/synth/synth.mjs builds a tile of each). */
static void emit_kinds_json(buf *b)
{
    put(b, "{\"generated_by\": \"rtl/schema/schemagen.c from models/graph/ff_prims.def and %s\",\n \"kinds\": [",
        schema_path);
    for (int k = 0; k < nkinds; k++)
        put(b, "%s\n  {\"kind\": %d, \"name\": \"%s\", \"nin\": %d, \"nout\": %d, \"mem\": %d, \"blk\": %d}",
            k ? "," : "", kinds[k].num, kinds[k].name, kinds[k].nin, kinds[k].nout, kinds[k].mem, kinds[k].blk);
    put(b, "\n ]}\n");
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: ff_schemagen SCHEMA.json OUTDIR [ARRAY.json ...]\n");
        return 1;
    }
    schema_path = argv[1];
    int rc = load_schema(argv[1]);
    buf b = {0};
    if (!rc) {
        emit_c(&b);
        rc = flush(&b, argv[2], "ff_config.h");
    }
    if (!rc) {
        emit_sv_pkg(&b);
        rc = flush(&b, argv[2], "ff_config_pkg.sv");
    }
    if (!rc) {
        emit_core(&b);
        rc = flush(&b, argv[2], "ff_core.sv");
    }
    if (!rc) {
        emit_fx_pkg(&b);
        rc = flush(&b, argv[2], "ff_fx_pkg.sv");
    }
    if (!rc) {
        emit_kinds_json(&b);
        rc = flush(&b, argv[2], "ff_kinds.json");
    }
    for (int i = 3; i < argc && !rc; i++) rc = emit_array(argv[i], argv[2]);
    json_decref(schema_root);
    return rc ? 1 : 0;
}
