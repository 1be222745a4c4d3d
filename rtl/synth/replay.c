/*
 * replay.c -- ff_replay: the gate-level replay behind the energy table
 * (docs/synthesis.md "Energy").
 *
 * A co-simulation run with `fuseflow cosim --fst-all DIR` leaves, per
 * kernel, the whole RTL run as an FST waveform and a list of the placed
 * tiles (DIR/KERNEL.tiles). For each placed tile this program takes the
 * tile's input ports, cycle by cycle, out of the waveform, drives the
 * tile's synthesized netlist (rtl/synth/synth.mjs: UNIT.netlist.json, Yosys
 * JSON over our gate library) with them in a zero-delay cycle simulation,
 * checks that every output equals what the RTL tile put out in the same
 * cycle of the real run (the netlists checked on real streams, not only
 * random ones), and counts the switching energy: each transition of a net
 * costs its capacitance, each clocked flip-flop its clock load (the model
 * and its units are in docs/synthesis.md). It prints one JSON object per
 * tile: cycles, firings, energy while running, idle energy per cycle, and
 * the energy per firing; rtl/synth/energy.mjs pools them into
 * rtl/synth/hw_energy.json.
 *
 *   ff_replay [--hw-cost TABLE] [--mutate N] [--kinds K,...] NETDIR CAPTURE...
 *                                          (CAPTURE: DIR/KERNEL, no suffix)
 *   ff_replay [--hw-cost TABLE] --fifo NETDIR UNIT DEPTH CYCLES SEED
 *                                          (a channel FIFO on a seeded push/pop stream)
 *   ff_replay --model                      (the energy model's constants, JSON)
 *
 * The cells' areas, which weigh a net's driver, are the area table's
 * (TABLE, default rtl/synth/hw_cost.json of the source tree).
 *
 * --mutate N makes the Nth AND gate of every netlist an OR: the replay must
 * then report a mismatch (the check can fail). --kinds replays only the
 * tiles of those kinds (the netlists a test has). A tile whose data does not fit
 * the netlist's SRAM (the synthesized units hold 8 words), or whose outputs
 * differ, is reported with its reason and no energy. Exit: 0 when every
 * replayed tile matched, 1 on a mismatch or bad input, 2 on usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fstapi.h"

/* ---- energy model (docs/synthesis.md "Energy"; `ff_replay --model`
 * prints it, and energy.mjs records what it prints) ------------------- */
/* One unit (eu) is a NAND2 output transition into one NAND2 input. A net's
 * transition costs the driver's own capacitance, taken proportional to its
 * area, plus one gate input per load. */
#define EU_PER_DRIVER_GE 0.5
#define EU_PER_LOAD 0.5
/* A clocked flip-flop per cycle: its clock pin rises and falls (two
 * transitions of a load of two gate inputs) plus its share of the clock
 * tree, taken equal to the pins. Flip-flops with an enable are taken as
 * clock-gated: they cost this only in cycles their enable is active. */
#define EU_CLOCK_PER_FLOP 4.0
/* The areas of the cells: the area table's gate_ge, as synth.mjs weighed
 * them (read once, gate_areas_load). */
static const char *const gate_names[] = {"$_NOT_", "$_NAND_", "$_NOR_", "$_AND_", "$_OR_", "$_XOR_", "$_XNOR_", "$_MUX_"};
#define NGATES (sizeof gate_names / sizeof gate_names[0])
static struct {
    double gate[NGATES];
    double dff, dff_reset, dff_enable;
} area;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ff_replay: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) die("out of memory");
    return p;
}

/* ---- the netlist --------------------------------------------------------- */

enum { G_NOT, G_NAND, G_NOR, G_AND, G_OR, G_XOR, G_XNOR, G_MUX, G_READ };

/* G_READ: a read port of an SRAM (ff_sram_read, synth.mjs --replay): Y is
 * the Y_WIDTH bits of A (every word of the memory) from bit offset B on,
 * 0 past its end -- Yosys's $shiftx, which it was */
typedef struct sram_read {
    uint32_t *a, *b, *y;
    uint32_t aw, bw, yw;
} sram_read;

typedef struct gate {
    uint8_t op;
    uint32_t a, b, s, y; /* nets; b and s unused by some ops; G_READ: a is the read's index */
} gate;

typedef struct flop {
    uint32_t d, q, e, r; /* e, r: 0 (constant 0) when absent */
    uint8_t has_e, e_pol, has_r, r_pol, r_val;
} flop;

/* ff_sram, the black box: a behavioural memory of Words words */
typedef struct sram {
    uint32_t words, abits;
    uint32_t *mem;
    uint32_t a_we, b_we, mem_we;
    uint32_t a_addr[32], b_addr[32], mem_addr[16];
    uint32_t a_wdata[32], b_wdata[32], mem_wdata[32], mem_rdata[32];
    uint32_t *mem_o; /* words x 32 nets */
} sram;

typedef struct port {
    char *name;
    int output;
    uint32_t *bits; /* LSB first */
    int width;
} port;

typedef struct netlist {
    char unit[128];
    uint32_t nnets; /* 0, 1: the constants */
    gate *gates;    /* in evaluation order */
    size_t ngates;
    flop *flops;
    size_t nflops;
    sram *srams;
    size_t nsrams;
    sram_read *reads;
    size_t nreads;
    port *ports;
    size_t nports;
    size_t loops;   /* edges against the evaluation order (settle iterates) */
    uint32_t max_depth; /* the unit's MaxDepth (DIR/UNIT.json), 0 if unknown */
    uint32_t mem_words; /* its MemWords: the SRAM, or a stream buffer's own storage */
    float *w;       /* energy of one transition, per net */
    uint8_t *val, *prev;
    uint8_t *next_q; /* the flip-flops' values after an edge (nflops) */
} netlist;

static uint32_t net_of(json_t *bit, const char *unit)
{
    if (json_is_integer(bit)) return (uint32_t)json_integer_value(bit);
    const char *s = json_string_value(bit);
    if (s && s[0] == '1') return 1;
    if (s && (s[0] == '0' || s[0] == 'x' || s[0] == 'z')) return 0; /* undriven reads 0, as Verilator's --x-initial 0 */
    die("%s: a connection that is neither a net nor a constant", unit);
    return 0;
}

static uint32_t conn1(json_t *cell, const char *pin, const char *unit)
{
    json_t *c = json_object_get(json_object_get(cell, "connections"), pin);
    if (!json_is_array(c) || json_array_size(c) != 1) die("%s: a cell has no single-bit pin %s", unit, pin);
    return net_of(json_array_get(c, 0), unit);
}

static void conn_n(json_t *cell, const char *pin, uint32_t *out, size_t n, const char *unit)
{
    json_t *c = json_object_get(json_object_get(cell, "connections"), pin);
    if (!json_is_array(c) || json_array_size(c) > n) die("%s: ff_sram pin %s is missing or too wide", unit, pin);
    for (size_t i = 0; i < n; i++) out[i] = i < json_array_size(c) ? net_of(json_array_get(c, i), unit) : 0;
}

/* Flip-flop cell types: $_DFF[E]_<clk><reset pol><reset val>?<enable pol>?_ */
static int parse_flop(const char *type, flop *f, double *ge)
{
    int e = strncmp(type, "$_DFFE_", 7) == 0;
    if (!e && strncmp(type, "$_DFF_", 6) != 0) return 0;
    const char *s = type + (e ? 7 : 6);
    size_t n = strlen(s);
    if (n < 2 || s[n - 1] != '_' || s[0] != 'P') return -1; /* rising clock only */
    n--;
    size_t want_r = n - 1 - (size_t)e; /* chars after the clock, less the enable */
    if (want_r != 0 && want_r != 2) return -1;
    f->has_r = want_r == 2;
    if (f->has_r) {
        f->r_pol = s[1] == 'P';
        f->r_val = s[2] == '1';
    }
    f->has_e = (uint8_t)e;
    if (e) f->e_pol = s[n - 1] == 'P';
    *ge = area.dff + (f->has_r ? area.dff_reset : 0) + (e ? area.dff_enable : 0);
    return 1;
}

/* A gate's op (the G_ enum follows gate_names), -1 for another cell. */
static int op_of(const char *type)
{
    for (size_t i = 0; i < NGATES; i++)
        if (!strcmp(type, gate_names[i])) return (int)i;
    return -1;
}

/* The gate and flip-flop areas of the area table at path. */
static void gate_areas_load(const char *path)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root) die("%s:%d: %s", path, je.line, je.text);
    json_t *ge = json_object_get(root, "gate_ge");
    double *slot[NGATES + 3];
    const char *key[NGATES + 3];
    for (size_t i = 0; i < NGATES; i++) slot[i] = &area.gate[i], key[i] = gate_names[i];
    slot[NGATES] = &area.dff, key[NGATES] = "dff";
    slot[NGATES + 1] = &area.dff_reset, key[NGATES + 1] = "dff_reset";
    slot[NGATES + 2] = &area.dff_enable, key[NGATES + 2] = "dff_enable";
    for (size_t i = 0; i < NGATES + 3; i++) {
        json_t *v = json_object_get(ge, key[i]);
        if (!json_is_number(v) || json_number_value(v) < 0) die("%s: gate_ge.%s: expected a number >= 0", path, key[i]);
        *slot[i] = json_number_value(v);
    }
    json_decref(root);
}

/* Loads DIR/UNIT.netlist.json; mutate > 0 makes the mutate-th AND an OR. */
static netlist *netlist_load(const char *dir, const char *unit, int mutate)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.netlist.json", dir, unit);
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root) die("%s:%d: %s (run `cmake --build build --target synth_table` first)", path, je.line, je.text);
    char gl[160];
    snprintf(gl, sizeof gl, "%s_gl", unit);
    json_t *mod = json_object_get(json_object_get(root, "modules"), gl);
    if (!mod) die("%s: no module %s", path, gl);
    netlist *n = xcalloc(1, sizeof *n);
    snprintf(n->unit, sizeof n->unit, "%s", unit);

    /* every net number, to size the arrays */
    uint32_t maxnet = 1;
    const char *key;
    json_t *v;
    json_t *ports = json_object_get(mod, "ports"), *cells = json_object_get(mod, "cells");
    json_object_foreach(ports, key, v)
    {
        size_t i;
        json_t *b;
        json_array_foreach(json_object_get(v, "bits"), i, b) if (json_is_integer(b) &&
                                                               (uint32_t)json_integer_value(b) > maxnet) maxnet =
            (uint32_t)json_integer_value(b);
    }
    json_object_foreach(cells, key, v)
    {
        const char *pk;
        json_t *pv;
        json_object_foreach(json_object_get(v, "connections"), pk, pv)
        {
            size_t i;
            json_t *b;
            json_array_foreach(pv, i, b) if (json_is_integer(b) && (uint32_t)json_integer_value(b) > maxnet) maxnet =
                (uint32_t)json_integer_value(b);
        }
    }
    n->nnets = maxnet + 1;
    double *drv_ge = xcalloc(n->nnets, sizeof *drv_ge);
    uint32_t *loads = xcalloc(n->nnets, sizeof *loads);
    int32_t *driver = xcalloc(n->nnets, sizeof *driver); /* comb gate index + 1 */

    n->nports = json_object_size(ports);
    n->ports = xcalloc(n->nports, sizeof *n->ports);
    size_t pi = 0;
    json_object_foreach(ports, key, v)
    {
        port *p = &n->ports[pi++];
        p->name = strdup(key);
        p->output = !strcmp(json_string_value(json_object_get(v, "direction")), "output");
        json_t *bits = json_object_get(v, "bits");
        p->width = (int)json_array_size(bits);
        p->bits = xcalloc((size_t)p->width, sizeof *p->bits);
        for (int i = 0; i < p->width; i++) {
            p->bits[i] = net_of(json_array_get(bits, (size_t)i), unit);
            if (p->output) loads[p->bits[i]]++;
        }
    }

    size_t ncells = json_object_size(cells), nands = 0;
    gate *gates = xcalloc(ncells, sizeof *gates);
    n->flops = xcalloc(ncells, sizeof *n->flops);
    n->srams = xcalloc(ncells, sizeof *n->srams);
    n->reads = xcalloc(ncells, sizeof *n->reads);
    size_t ng = 0;
    json_object_foreach(cells, key, v)
    {
        const char *type = json_string_value(json_object_get(v, "type"));
        if (!type) die("%s: cell %s has no type", path, key);
        int op = op_of(type);
        if (op >= 0) {
            gate *g = &gates[ng];
            g->op = (uint8_t)op;
            g->a = conn1(v, "A", unit);
            loads[g->a]++;
            if (op != G_NOT) {
                g->b = conn1(v, "B", unit);
                loads[g->b]++;
            }
            if (op == G_MUX) {
                g->s = conn1(v, "S", unit);
                loads[g->s]++;
            }
            g->y = conn1(v, "Y", unit);
            if (op == G_AND && mutate > 0 && ++nands == (size_t)mutate) g->op = G_OR;
            if (driver[g->y]) die("%s: net %u has two drivers", path, g->y);
            driver[g->y] = (int32_t)++ng;
            drv_ge[g->y] = area.gate[op];
            continue;
        }
        flop f = {0};
        double ge = 0;
        int fl = parse_flop(type, &f, &ge);
        if (fl < 0) die("%s: flip-flop type %s is not one the replay knows", path, type);
        if (fl) {
            f.d = conn1(v, "D", unit);
            f.q = conn1(v, "Q", unit);
            loads[f.d]++;
            if (f.has_e) loads[f.e = conn1(v, "E", unit)]++;
            if (f.has_r) loads[f.r = conn1(v, "R", unit)]++;
            drv_ge[f.q] = ge;
            n->flops[n->nflops++] = f;
            continue;
        }
        if (!strcmp(type, "ff_sram")) {
            sram *s = &n->srams[n->nsrams++];
            const char *words = json_string_value(json_object_get(json_object_get(v, "parameters"), "Words"));
            s->words = words ? (uint32_t)strtoul(words, NULL, 2) : 0;
            if (s->words < 2 || (s->words & (s->words - 1))) die("%s: ff_sram with %u words", path, s->words);
            while ((1u << s->abits) < s->words) s->abits++;
            s->mem = xcalloc(s->words, sizeof *s->mem);
            s->a_we = conn1(v, "a_we_i", unit);
            s->b_we = conn1(v, "b_we_i", unit);
            s->mem_we = conn1(v, "mem_we_i", unit);
            conn_n(v, "a_addr_i", s->a_addr, s->abits, unit);
            conn_n(v, "b_addr_i", s->b_addr, s->abits, unit);
            conn_n(v, "mem_addr_i", s->mem_addr, 16, unit);
            conn_n(v, "a_wdata_i", s->a_wdata, 32, unit);
            conn_n(v, "b_wdata_i", s->b_wdata, 32, unit);
            conn_n(v, "mem_wdata_i", s->mem_wdata, 32, unit);
            conn_n(v, "mem_rdata_o", s->mem_rdata, 32, unit);
            s->mem_o = xcalloc((size_t)s->words * 32, sizeof *s->mem_o);
            conn_n(v, "mem_o", s->mem_o, (size_t)s->words * 32, unit);
            /* the memory's own read energy is the per-access SRAM model's */
            continue;
        }
        if (!strcmp(type, "ff_sram_read")) {
            sram_read *rd = &n->reads[n->nreads];
            json_t *cn = json_object_get(v, "connections");
            json_t *pa = json_object_get(cn, "A"), *pb = json_object_get(cn, "B"), *py = json_object_get(cn, "Y");
            if (!json_is_array(pa) || !json_is_array(pb) || !json_is_array(py) || json_array_size(pb) > 32)
                die("%s: an ff_sram_read cell without A, B (at most 32 bits) and Y", path);
            rd->aw = (uint32_t)json_array_size(pa);
            rd->bw = (uint32_t)json_array_size(pb);
            rd->yw = (uint32_t)json_array_size(py);
            rd->a = xcalloc(rd->aw, sizeof *rd->a);
            rd->b = xcalloc(rd->bw, sizeof *rd->b);
            rd->y = xcalloc(rd->yw, sizeof *rd->y);
            conn_n(v, "A", rd->a, rd->aw, unit); /* the memory's own bit lines: no load here */
            conn_n(v, "B", rd->b, rd->bw, unit);
            conn_n(v, "Y", rd->y, rd->yw, unit);
            for (uint32_t i = 0; i < rd->bw; i++) loads[rd->b[i]]++;
            gate *g = &gates[ng];
            g->op = G_READ;
            g->a = (uint32_t)n->nreads++;
            ng++;
            for (uint32_t i = 0; i < rd->yw; i++) {
                if (driver[rd->y[i]]) die("%s: net %u has two drivers", path, rd->y[i]);
                driver[rd->y[i]] = (int32_t)ng; /* driven by the SRAM's sense amplifiers: no gate area */
            }
            continue;
        }
        die("%s: cell type %s is not in the gate library", path, type);
    }

    /* evaluation order: each gate after the gates driving its inputs */
    n->gates = xcalloc(ng ? ng : 1, sizeof *n->gates);
    uint8_t *state = xcalloc(ng + 1, 1); /* 0 new, 1 on the stack, 2 placed */
    size_t *stack = xcalloc(ng + 1, sizeof *stack), *next = xcalloc(ng + 1, sizeof *next);
    for (size_t first = 0; first < ng; first++) {
        if (state[first]) continue;
        size_t sp = 0;
        stack[sp] = first;
        next[sp++] = 0;
        state[first] = 1;
        while (sp) {
            size_t gi = stack[sp - 1];
            const gate *g = &gates[gi];
            const sram_read *rd = g->op == G_READ ? &n->reads[g->a] : NULL;
            uint32_t ins[3] = {g->a, g->op == G_NOT ? 0 : g->b, g->op == G_MUX ? g->s : 0};
            size_t nins = rd ? (size_t)rd->bw + rd->aw : 3;
            if (next[sp - 1] < nins) {
                size_t k = next[sp - 1]++;
                uint32_t in = !rd ? ins[k] : k < rd->bw ? rd->b[k] : rd->a[k - rd->bw];
                int32_t d = driver[in];
                if (d) {
                    size_t di = (size_t)d - 1;
                    /* a read's word-wide edges can close a loop no bit
                     * takes (an address muxed from another read's data):
                     * settle() iterates such a netlist to its fixed point */
                    if (state[di] == 1) n->loops++;
                    if (!state[di]) {
                        state[di] = 1;
                        stack[sp] = di;
                        next[sp++] = 0;
                    }
                }
                continue;
            }
            state[gi] = 2;
            n->gates[n->ngates++] = *g;
            sp--;
        }
    }
    free(state);
    free(stack);
    free(next);
    free(gates);
    free(driver);

    n->w = xcalloc(n->nnets, sizeof *n->w);
    for (uint32_t i = 2; i < n->nnets; i++) n->w[i] = (float)(EU_PER_DRIVER_GE * drv_ge[i] + EU_PER_LOAD * loads[i]);
    free(drv_ge);
    free(loads);
    n->val = xcalloc(n->nnets, 1);
    n->prev = xcalloc(n->nnets, 1);
    n->next_q = xcalloc(n->nflops, 1);
    n->val[1] = n->prev[1] = 1;
    json_decref(root);
    snprintf(path, sizeof path, "%s/%s.json", dir, unit);
    json_t *meta = json_load_file(path, 0, &je);
    n->max_depth = (uint32_t)json_integer_value(json_object_get(json_object_get(meta, "params"), "MaxDepth"));
    n->mem_words = (uint32_t)json_integer_value(json_object_get(json_object_get(meta, "params"), "MemWords"));
    json_decref(meta);
    if (mutate > 0 && nands < (size_t)mutate) die("%s: --mutate %d, but it has %zu AND gates", path, mutate, nands);
    return n;
}

static void netlist_free(netlist *n)
{
    if (!n) return;
    for (size_t i = 0; i < n->nports; i++) {
        free(n->ports[i].name);
        free(n->ports[i].bits);
    }
    for (size_t i = 0; i < n->nsrams; i++) {
        free(n->srams[i].mem);
        free(n->srams[i].mem_o);
    }
    for (size_t i = 0; i < n->nreads; i++) {
        free(n->reads[i].a);
        free(n->reads[i].b);
        free(n->reads[i].y);
    }
    free(n->reads);
    free(n->ports);
    free(n->gates);
    free(n->flops);
    free(n->srams);
    free(n->w);
    free(n->val);
    free(n->prev);
    free(n->next_q);
    free(n);
}

static void netlist_reset_state(netlist *n)
{
    memset(n->val, 0, n->nnets);
    memset(n->prev, 0, n->nnets);
    n->val[1] = n->prev[1] = 1;
    for (size_t i = 0; i < n->nsrams; i++) memset(n->srams[i].mem, 0, n->srams[i].words * sizeof(uint32_t));
    /* the harness resets the array before the waveform starts */
    for (size_t i = 0; i < n->nflops; i++)
        if (n->flops[i].has_r) n->val[n->flops[i].q] = n->prev[n->flops[i].q] = n->flops[i].r_val;
}

static const port *port_named(const netlist *n, const char *name)
{
    for (size_t i = 0; i < n->nports; i++)
        if (!strcmp(n->ports[i].name, name)) return &n->ports[i];
    return NULL;
}

static uint32_t read_bits(const uint8_t *val, const uint32_t *nets, uint32_t n)
{
    uint32_t x = 0;
    for (uint32_t i = 0; i < n; i++) x |= (uint32_t)val[nets[i]] << i;
    return x;
}

/* Settles the combinational logic for the inputs and state now in val:
 * asynchronous resets first, then the memories' outputs, then the gates. */
static int eval_gates(netlist *n);
static void settle(netlist *n)
{
    uint8_t *v = n->val;
    for (size_t i = 0; i < n->nflops; i++) {
        const flop *f = &n->flops[i];
        if (f->has_r && v[f->r] == f->r_pol) v[f->q] = f->r_val;
    }
    for (size_t i = 0; i < n->nsrams; i++) {
        const sram *s = &n->srams[i];
        for (uint32_t w = 0; w < s->words; w++)
            for (int b = 0; b < 32; b++) v[s->mem_o[w * 32 + (uint32_t)b]] = (uint8_t)(s->mem[w] >> b & 1);
        uint32_t h = read_bits(v, s->mem_addr, s->abits);
        for (int b = 0; b < 32; b++) v[s->mem_rdata[b]] = (uint8_t)(s->mem[h] >> b & 1);
    }
    for (int pass = 0;; pass++) {
        int changed = eval_gates(n);
        if (!n->loops || !changed) break;
        if (pass == 64) die("%s: the logic does not settle (a combinational loop)", n->unit);
    }
}

/* One pass over the gates in evaluation order; 1 when a value changed. */
static int eval_gates(netlist *n)
{
    uint8_t *v = n->val;
    int changed = 0;
    for (size_t i = 0; i < n->ngates; i++) {
        const gate *g = &n->gates[i];
        if (g->op == G_READ) {
            const sram_read *rd = &n->reads[g->a];
            uint32_t off = read_bits(v, rd->b, rd->bw);
            for (uint32_t j = 0; j < rd->yw; j++) {
                uint8_t y = (uint64_t)off + j < rd->aw ? v[rd->a[off + j]] : 0;
                changed |= v[rd->y[j]] != y;
                v[rd->y[j]] = y;
            }
            continue;
        }
        uint8_t a = v[g->a], b = v[g->b], y;
        switch (g->op) {
        case G_NOT: y = !a; break;
        case G_NAND: y = !(a & b); break;
        case G_NOR: y = !(a | b); break;
        case G_AND: y = a & b; break;
        case G_OR: y = a | b; break;
        case G_XOR: y = a ^ b; break;
        case G_XNOR: y = !(a ^ b); break;
        default: y = v[g->s] ? b : a; break;
        }
        changed |= v[g->y] != y;
        v[g->y] = y;
    }
    return changed;
}

/* The energy of the transitions since the last call, and of the clock in
 * this cycle; then the rising edge: flip-flops and memories take their
 * inputs. Returns the cycle's energy in eu. */
static double account_and_clock(netlist *n, uint64_t *sram_words_beyond)
{
    uint8_t *v = n->val, *p = n->prev;
    double e = 0;
    for (uint32_t i = 2; i < n->nnets; i++)
        if (v[i] != p[i]) e += n->w[i];
    for (size_t i = 0; i < n->nflops; i++) {
        const flop *f = &n->flops[i];
        if (!f->has_e || v[f->e] == f->e_pol) e += EU_CLOCK_PER_FLOP;
    }
    memcpy(p, v, n->nnets);
    /* the edge: every flip-flop from the values before it */
    uint8_t *q = n->next_q;
    for (size_t i = 0; i < n->nflops; i++) {
        const flop *f = &n->flops[i];
        if (f->has_r && v[f->r] == f->r_pol) q[i] = f->r_val;
        else if (!f->has_e || v[f->e] == f->e_pol) q[i] = v[f->d];
        else q[i] = v[f->q];
    }
    for (size_t i = 0; i < n->nflops; i++) v[n->flops[i].q] = q[i];
    for (size_t i = 0; i < n->nsrams; i++) {
        sram *s = &n->srams[i];
        uint32_t host = read_bits(v, s->mem_addr, 16);
        if (v[s->mem_we]) {
            if (host < s->words) s->mem[host] = read_bits(v, s->mem_wdata, 32);
            else ++*sram_words_beyond;
        }
        if (v[s->b_we]) s->mem[read_bits(v, s->b_addr, s->abits)] = read_bits(v, s->b_wdata, 32);
        if (v[s->a_we]) s->mem[read_bits(v, s->a_addr, s->abits)] = read_bits(v, s->a_wdata, 32);
    }
    return e;
}

/* ---- the capture: an FST of the array and its tile list ------------------ */

typedef struct change {
    uint64_t time;
    size_t off; /* into the value pool: width chars, MSB first */
} change;

typedef struct signal {
    fstHandle handle;
    uint32_t width;
    change *ch;
    size_t nch, cap;
} signal;

typedef struct capture {
    void *fst;
    signal *sigs; /* wanted signals */
    size_t nsigs;
    int32_t *by_handle; /* handle -> index + 1 in sigs */
    char *pool;
    size_t npool, cappool;
    uint64_t *samples; /* times just before each rising clock edge */
    size_t nsamples;
} capture;

static void on_change(void *user, uint64_t time, fstHandle h, const unsigned char *value)
{
    capture *c = user;
    int32_t i = c->by_handle[h];
    if (!i) return;
    signal *s = &c->sigs[i - 1];
    if (s->nch == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->ch = realloc(s->ch, s->cap * sizeof *s->ch);
        if (!s->ch) die("out of memory");
    }
    if (c->npool + s->width > c->cappool) {
        while (c->npool + s->width > c->cappool) c->cappool = c->cappool ? 2 * c->cappool : 1 << 20;
        c->pool = realloc(c->pool, c->cappool);
        if (!c->pool) die("out of memory");
    }
    memcpy(c->pool + c->npool, value, s->width);
    s->ch[s->nch++] = (change){time, c->npool};
    c->npool += s->width;
}

/* The ports of one placed tile in the waveform: handles by port name. */
typedef struct tile_ports {
    int tile;
    char kind[64], node[128], op[32];
    fstHandle h[32];
    char name[32][64];
    uint32_t width[32];
    int nports;
} tile_ports;

static const char *port_names[] = {"clk_i",       "rst_ni",      "run_i",         "cfg_we_i",     "cfg_reg_i",
                                   "cfg_wdata_i", "cfg_rdata_o", "mem_we_i",      "mem_addr_i",   "mem_wdata_i",
                                   "mem_rdata_o", "in_src_o",    "in_valid_i",    "in_ready_o",   "in_data_i",
                                   "out_valid_o", "out_ready_i", "out_data_o",    "done_o",       "error_o",
                                   "moved_o",     "blk_rd_data_i", "blk_handle_i", "MemWords",
                                   "MaxDepth",    "blk_req_o"};
#define NPORT_NAMES (sizeof port_names / sizeof port_names[0])

/* "...g_tile[12].u_tile" -> 12, else -1 */
static int tile_of_scope(const char *scope)
{
    const char *p = strstr(scope, "g_tile[");
    if (!p) return -1;
    char *end;
    long t = strtol(p + 7, &end, 10);
    if (strcmp(end, "].u_tile") != 0) return -1;
    return (int)t;
}

static capture *capture_load(const char *fst_path, tile_ports *tiles, int ntiles)
{
    capture *c = xcalloc(1, sizeof *c);
    c->fst = fstReaderOpen(fst_path);
    if (!c->fst) die("%s: not an FST waveform (fuseflow cosim --fst-all writes them)", fst_path);
    char scope[4096] = "";
    size_t lens[256];
    int depth = 0;
    struct fstHier *h;
    while ((h = fstReaderIterateHier(c->fst))) {
        if (h->htyp == FST_HT_SCOPE) {
            if (depth == 256) die("%s: scopes nested too deep", fst_path);
            lens[depth++] = strlen(scope);
            if (strlen(scope) + h->u.scope.name_length + 2 < sizeof scope) {
                strcat(scope, ".");
                strcat(scope, h->u.scope.name);
            }
        } else if (h->htyp == FST_HT_UPSCOPE) {
            if (depth) scope[lens[--depth]] = 0;
        } else if (h->htyp == FST_HT_VAR) {
            int t = tile_of_scope(scope);
            if (t < 0) continue;
            for (int i = 0; i < ntiles; i++) {
                if (tiles[i].tile != t) continue;
                /* "in_data_i [67:0]" -> "in_data_i" */
                char name[64];
                snprintf(name, sizeof name, "%s", h->u.var.name);
                char *sp = strchr(name, ' ');
                if (sp) *sp = 0;
                for (size_t k = 0; k < NPORT_NAMES; k++)
                    if (!strcmp(name, port_names[k]) && tiles[i].nports < 32) {
                        tile_ports *tp = &tiles[i];
                        tp->h[tp->nports] = h->u.var.handle;
                        tp->width[tp->nports] = h->u.var.length;
                        snprintf(tp->name[tp->nports], sizeof tp->name[0], "%s", name);
                        tp->nports++;
                    }
            }
        }
    }
    fstHandle maxh = fstReaderGetMaxHandle(c->fst);
    c->by_handle = xcalloc((size_t)maxh + 1, sizeof *c->by_handle);
    c->sigs = xcalloc((size_t)ntiles * 32 + 1, sizeof *c->sigs);
    fstReaderClrFacProcessMaskAll(c->fst);
    for (int i = 0; i < ntiles; i++) {
        if (tiles[i].nports != (int)NPORT_NAMES)
            die("%s: tile %d (%s %s): %d of its %zu ports in the waveform", fst_path, tiles[i].tile, tiles[i].kind,
                tiles[i].node, tiles[i].nports, NPORT_NAMES);
        for (int k = 0; k < tiles[i].nports; k++) {
            fstHandle hh = tiles[i].h[k];
            if (c->by_handle[hh]) continue;
            c->sigs[c->nsigs] = (signal){.handle = hh, .width = tiles[i].width[k]};
            c->by_handle[hh] = (int32_t)++c->nsigs;
            fstReaderSetFacProcessMask(c->fst, hh);
        }
    }
    fstReaderIterBlocks(c->fst, on_change, c, NULL);
    /* sample times: just before each rising edge of the clock */
    int kc = 0;
    while (strcmp(tiles[0].name[kc], "clk_i")) kc++;
    const signal *clk = &c->sigs[c->by_handle[tiles[0].h[kc]] - 1];
    c->samples = xcalloc(clk->nch, sizeof *c->samples);
    for (size_t i = 0; i < clk->nch; i++)
        if (c->pool[clk->ch[i].off] == '1' && clk->ch[i].time > 0) c->samples[c->nsamples++] = clk->ch[i].time - 1;
    return c;
}

static void capture_free(capture *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->nsigs; i++) free(c->sigs[i].ch);
    free(c->sigs);
    free(c->by_handle);
    free(c->pool);
    free(c->samples);
    fstReaderClose(c->fst);
    free(c);
}

/* A signal's value at a sample time: cursor advances monotonically. */
typedef struct cursor {
    const signal *s;
    size_t i;
} cursor;

static const char *value_at(const capture *c, cursor *cur, uint64_t time)
{
    const signal *s = cur->s;
    while (cur->i + 1 < s->nch && s->ch[cur->i + 1].time <= time) cur->i++;
    if (!s->nch || s->ch[cur->i].time > time) return NULL;
    return c->pool + s->ch[cur->i].off;
}

/* the bit b (LSB 0) of a width-bit value string */
static int bit_of(const char *v, uint32_t width, uint32_t b) { return v && v[width - 1 - b] == '1'; }

/* ---- one tile ------------------------------------------------------------ */

/* blk_req_t (ff_pkg.sv), packed from rd_addr down to wn: its width and the
 * bits of its alloc and we fields */
#define BLK_REQ_BITS 178u
#define BLK_REQ_ALLOC 113u
#define BLK_REQ_WE 64u

/* A parameter of the captured tile (MemWords, MaxDepth). */
static uint32_t tile_param(const capture *c, const tile_ports *tp, const char *name)
{
    for (int k = 0; k < tp->nports; k++) {
        if (strcmp(tp->name[k], name)) continue;
        cursor cur = {&c->sigs[c->by_handle[tp->h[k]] - 1], 0};
        const char *w = value_at(c, &cur, UINT64_MAX);
        uint32_t words = 0;
        for (uint32_t b = 0; w && b < tp->width[k] && b < 32; b++) words |= (uint32_t)bit_of(w, tp->width[k], b) << b;
        return words;
    }
    return 0;
}

typedef struct tile_result {
    uint64_t config_cycles, run_cycles, idle_cycles, firings, tokens_in;
    double e_config, e_run, e_idle;
    char status[256]; /* "" when it matched */
} tile_result;

static void replay_tile(netlist *n, const capture *c, const tile_ports *tp, tile_result *r)
{
    memset(r, 0, sizeof *r);
    netlist_reset_state(n);
    cursor cur[32];
    const port *np[32];
    for (int k = 0; k < tp->nports; k++) {
        cur[k] = (cursor){&c->sigs[c->by_handle[tp->h[k]] - 1], 0};
        np[k] = port_named(n, tp->name[k]);
        if (!np[k] && strcmp(tp->name[k], "clk_i") && strcmp(tp->name[k], "MemWords") &&
            strcmp(tp->name[k], "MaxDepth"))
            die("%s: no port %s", n->unit, tp->name[k]);
        if (np[k] && np[k]->width != (int)tp->width[k] && strcmp(tp->name[k], "blk_rd_data_i"))
            die("%s: port %s is %d bits, the captured tile's %u", n->unit, tp->name[k], np[k]->width, tp->width[k]);
    }
    int k_run = -1, k_moved = -1, k_valid = -1, k_ready = -1, k_cfg = -1, k_mem = -1, k_blk = -1;
    for (int k = 0; k < tp->nports; k++) {
        if (!strcmp(tp->name[k], "run_i")) k_run = k;
        if (!strcmp(tp->name[k], "moved_o")) k_moved = k;
        if (!strcmp(tp->name[k], "in_valid_i")) k_valid = k;
        if (!strcmp(tp->name[k], "in_ready_o")) k_ready = k;
        if (!strcmp(tp->name[k], "cfg_we_i")) k_cfg = k;
        if (!strcmp(tp->name[k], "mem_we_i")) k_mem = k;
        if (!strcmp(tp->name[k], "blk_req_o")) k_blk = k;
    }
    /* the array tile's SRAM against the netlist's: a smaller one may not
     * hold the run's data, and sizes the tile's address counters */
    uint32_t array_words = tile_param(c, tp, "MemWords"), net_words = n->nsrams ? n->srams[0].words : n->mem_words;
    uint64_t beyond = 0;
    int busy_before = 1, started = 0, block_mode = 0;
    for (size_t si = 0; si < c->nsamples; si++) {
        uint64_t t = c->samples[si];
        const char *vals[32];
        for (int k = 0; k < tp->nports; k++) vals[k] = value_at(c, &cur[k], t);
        /* inputs */
        for (int k = 0; k < tp->nports; k++) {
            const port *p = np[k];
            if (!p || p->output) continue;
            if (!strcmp(p->name, "blk_rd_data_i")) {
                /* the array's [2][BW][32] read data, lane 0 of each port, into the netlist's [2][1][32] */
                uint32_t bw = tp->width[k] / 64;
                for (uint32_t port_i = 0; port_i < 2; port_i++)
                    for (uint32_t b = 0; b < 32; b++)
                        n->val[p->bits[port_i * 32 + b]] =
                            (uint8_t)bit_of(vals[k], tp->width[k], port_i * bw * 32 + b);
                continue;
            }
            for (int b = 0; b < p->width; b++) n->val[p->bits[b]] = (uint8_t)bit_of(vals[k], tp->width[k], (uint32_t)b);
        }
        settle(n);
        /* block mode: the tile allocated or wrote blocks (blk_req_t's alloc
         * and we bits, ff_pkg.sv; the rest carries addresses in any mode) */
        if (!block_mode && tp->width[k_blk] == BLK_REQ_BITS &&
            (bit_of(vals[k_blk], BLK_REQ_BITS, BLK_REQ_ALLOC) || bit_of(vals[k_blk], BLK_REQ_BITS, BLK_REQ_WE)))
            block_mode = 1;
        /* outputs against the RTL's */
        for (int k = 0; k < tp->nports && !r->status[0]; k++) {
            const port *p = np[k];
            /* mem_rdata_o is the SRAM's host read-back: the memory, not
             * logic; blk_req_o the block datapath's, which the unit lacks */
            if (!p || !p->output || !vals[k] || !strcmp(p->name, "mem_rdata_o") || !strcmp(p->name, "blk_req_o"))
                continue;
            for (int b = 0; b < p->width; b++) {
                char cv = vals[k][tp->width[k] - 1 - (uint32_t)b];
                if (cv != '0' && cv != '1') continue;
                if (n->val[p->bits[b]] != (cv == '1')) {
                    if (block_mode)
                        snprintf(r->status, sizeof r->status,
                                 "skipped: cycle %zu, %s differs, and the tile ran in block mode (it used the block "
                                 "store), which the synthesized unit has no datapath for",
                                 si, p->name);
                    else if (!strcmp(p->name, "in_ready_o") && cv == '1' && n->max_depth &&
                        tile_param(c, tp, "MaxDepth") > n->max_depth)
                        snprintf(r->status, sizeof r->status,
                                 "skipped: cycle %zu, a FIFO fills past the netlist's %u words (the array's hold %u)",
                                 si, n->max_depth, tile_param(c, tp, "MaxDepth"));
                    else if (net_words < array_words)
                        snprintf(r->status, sizeof r->status,
                                 "skipped: cycle %zu, %s differs, and the run may need more than the netlist's %u "
                                 "words of memory (the array tile has %u; %" PRIu64 " words loaded beyond)",
                                 si, p->name, net_words, array_words, beyond);
                    else
                        snprintf(r->status, sizeof r->status,
                                 "MISMATCH: cycle %zu, %s bit %d: RTL %c, netlist %d", si, p->name, b, cv,
                                 n->val[p->bits[b]]);
                    break;
                }
            }
        }
        int run = bit_of(vals[k_run], 1, 0);
        int moved = bit_of(vals[k_moved], 1, 0);
        uint64_t pushed = 0;
        for (uint32_t b = 0; b < tp->width[k_valid]; b++)
            pushed += bit_of(vals[k_valid], tp->width[k_valid], b) && bit_of(vals[k_ready], tp->width[k_ready], b);
        int busy = moved || pushed || bit_of(vals[k_cfg], 1, 0) || bit_of(vals[k_mem], 1, 0);
        double e = account_and_clock(n, &beyond);
        if (run) started = 1;
        if (!started) {
            r->config_cycles++;
            r->e_config += e;
        } else {
            r->run_cycles++;
            r->e_run += e;
            r->firings += (uint64_t)moved;
            r->tokens_in += pushed;
            /* idle: nothing moved in this cycle or the one before (whose
             * edge this cycle's transitions follow) */
            if (!busy && !busy_before) {
                r->idle_cycles++;
                r->e_idle += e;
            }
        }
        busy_before = busy;
    }
}

/* ---- the channel FIFO on a seeded stream --------------------------------- */

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static void set_port(netlist *n, const char *name, uint64_t value)
{
    const port *p = port_named(n, name);
    if (!p) die("%s: no port %s", n->unit, name);
    for (int b = 0; b < p->width; b++) n->val[p->bits[b]] = (uint8_t)(b < 64 && (value >> b & 1));
}

static uint64_t get_port(netlist *n, const char *name)
{
    const port *p = port_named(n, name);
    if (!p) die("%s: no port %s", n->unit, name);
    uint64_t x = 0;
    for (int b = 0; b < p->width && b < 64; b++) x |= (uint64_t)n->val[p->bits[b]] << b;
    return x;
}

/* Pushes with probability 1/2 when ready, pops with 1/2 when not empty:
 * tokens are words of a stream (coordinates counting up, a stop now and
 * then), the kind a channel carries. */
static int replay_fifo(const char *dir, const char *unit, int depth, uint64_t cycles, uint64_t seed)
{
    netlist *n = netlist_load(dir, unit, 0);
    netlist_reset_state(n);
    uint64_t s = seed ? seed : 1, crd = 0, tokens = 0, idle = 0, no_sram = 0;
    double e_all = 0, e_idle = 0;
    int busy_before = 1;
    set_port(n, "rst_ni", 0);
    settle(n);
    account_and_clock(n, &no_sram);
    memcpy(n->prev, n->val, n->nnets);
    for (uint64_t cy = 0; cy < cycles; cy++) {
        uint64_t r = xorshift(&s);
        set_port(n, "rst_ni", 1);
        set_port(n, "depth_i", (uint64_t)depth);
        settle(n);
        int ready = (int)get_port(n, "ready_o"), valid = (int)get_port(n, "valid_o");
        int push = ready && (r & 1), pop = valid && (r >> 1 & 1);
        uint64_t word = (r >> 8 & 15) == 0 ? (1ull << 32 | (r >> 12 & 3)) : crd;
        if (push && !(word >> 32)) crd++;
        set_port(n, "valid_i", (uint64_t)push);
        set_port(n, "pop_i", (uint64_t)pop);
        set_port(n, "data_i", word);
        settle(n);
        double e = account_and_clock(n, &no_sram);
        e_all += e;
        tokens += (uint64_t)push;
        int busy = push || pop;
        if (!busy && !busy_before) {
            idle++;
            e_idle += e;
        }
        busy_before = busy;
    }
    double idle_per = idle ? e_idle / (double)idle : 0;
    printf("{\"unit\": \"%s\", \"depth\": %d, \"cycles\": %" PRIu64 ", \"tokens\": %" PRIu64
           ", \"idle_cycles\": %" PRIu64 ", \"e_all\": %.3f, \"e_idle_per_cycle\": %.4f, \"e_per_token\": %.4f}\n",
           unit, depth, cycles, tokens, idle, e_all, idle_per,
           tokens ? (e_all - idle_per * (double)cycles) / (double)tokens : 0);
    netlist_free(n);
    return 0;
}

/* ---- main ----------------------------------------------------------------- */

/* Whether kind is one of the comma-separated list (NULL: every kind). */
static int listed(const char *list, const char *kind)
{
    if (!list) return 1;
    size_t n = strlen(kind);
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && !strncmp(p, kind, n)) return 1;
        if (!end) break;
        p = end + 1;
    }
    return 0;
}

static int read_tiles(const char *path, tile_ports **out, const char *only)
{
    FILE *f = fopen(path, "r");
    if (!f) die("%s: %s", path, strerror(errno));
    char line[512];
    int n = 0, cap = 0, lineno = 0;
    tile_ports *t = NULL;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n') continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 32;
            t = realloc(t, (size_t)cap * sizeof *t);
            if (!t) die("out of memory");
        }
        memset(&t[n], 0, sizeof t[n]);
        int got = sscanf(line, "%d %63s %127s %31s", &t[n].tile, t[n].kind, t[n].node, t[n].op);
        if (got < 3) die("%s:%d: expected 'TILE KIND NODE [OP]'", path, lineno);
        if (listed(only, t[n].kind)) n++;
    }
    fclose(f);
    if (!n) die("%s: no tiles%s", path, only ? " of the kinds asked for" : "");
    *out = t;
    return n;
}

int main(int argc, char **argv)
{
    int mutate = 0, a = 1;
    if (a < argc && !strcmp(argv[a], "--model")) {
        /* the model's constants, for the table's provenance and estimates */
        printf("{\"eu_per_driver_ge\": %g, \"eu_per_load\": %g, \"eu_clock_per_flop\": %g, \"clock_gating\": "
               "\"flip-flops with an enable are clocked only in cycles their enable is active\"}\n",
               EU_PER_DRIVER_GE, EU_PER_LOAD, EU_CLOCK_PER_FLOP);
        return 0;
    }
    const char *cost = FF_HW_COST_DEFAULT;
    if (a + 1 < argc && !strcmp(argv[a], "--hw-cost")) {
        cost = argv[a + 1];
        a += 2;
    }
    gate_areas_load(cost);
    if (a < argc && !strcmp(argv[a], "--fifo")) {
        if (argc - a != 6) {
            fputs("usage: ff_replay [--hw-cost TABLE] --fifo NETDIR UNIT DEPTH CYCLES SEED\n", stderr);
            return 2;
        }
        return replay_fifo(argv[a + 1], argv[a + 2], atoi(argv[a + 3]), strtoull(argv[a + 4], NULL, 10),
                           strtoull(argv[a + 5], NULL, 10));
    }
    const char *only = NULL;
    for (;;) {
        if (a + 1 < argc && !strcmp(argv[a], "--mutate")) {
            mutate = atoi(argv[a + 1]);
            if (mutate < 1) {
                fputs("ff_replay: --mutate needs a positive number\n", stderr);
                return 2;
            }
            a += 2;
        } else if (a + 1 < argc && !strcmp(argv[a], "--kinds")) {
            only = argv[a + 1];
            a += 2;
        } else {
            break;
        }
    }
    if (argc - a < 2) {
        fputs("usage: ff_replay [--hw-cost TABLE] [--mutate N] [--kinds K,...] NETDIR CAPTURE...   (CAPTURE.fst, "
              "CAPTURE.tiles from fuseflow cosim --fst-all)\n"
              "       ff_replay [--hw-cost TABLE] --fifo NETDIR UNIT DEPTH CYCLES SEED\n"
              "       ff_replay --model\n",
              stderr);
        return 2;
    }
    const char *dir = argv[a++];
    int bad = 0;
    /* one netlist per kind, loaded once (the ALU's is large) */
    netlist *loaded[128] = {0};
    size_t nloaded = 0;
    for (; a < argc; a++) {
        char path[4096];
        tile_ports *tiles = NULL;
        snprintf(path, sizeof path, "%s.tiles", argv[a]);
        int nt = read_tiles(path, &tiles, only);
        snprintf(path, sizeof path, "%s.fst", argv[a]);
        capture *c = capture_load(path, tiles, nt);
        for (int i = 0; i < nt; i++) {
            /* a memory kind's netlist at the array's SRAM size when there
             * is one (synth.mjs --replay), else the table's */
            char unit[96];
            snprintf(unit, sizeof unit, "tile_%s_m%u", tiles[i].kind, tile_param(c, &tiles[i], "MemWords"));
            snprintf(path, sizeof path, "%s/%s.netlist.json", dir, unit);
            FILE *probe = fopen(path, "r");
            if (probe) fclose(probe);
            else snprintf(unit, sizeof unit, "tile_%s", tiles[i].kind);
            netlist *n = NULL;
            for (size_t l = 0; l < nloaded && !n; l++)
                if (!strcmp(loaded[l]->unit, unit)) n = loaded[l];
            if (!n) {
                if (nloaded == sizeof loaded / sizeof loaded[0]) die("more than %zu kinds", nloaded);
                n = loaded[nloaded++] = netlist_load(dir, unit, mutate);
            }
            tile_result r;
            replay_tile(n, c, &tiles[i], &r);
            double idle = r.idle_cycles ? r.e_idle / (double)r.idle_cycles : 0;
            printf("{\"capture\": \"%s\", \"tile\": %d, \"kind\": \"%s\", \"node\": \"%s\", \"op\": \"%s\", "
                   "\"flops\": %zu, \"config_cycles\": %" PRIu64 ", \"e_config\": %.3f, \"run_cycles\": %" PRIu64
                   ", \"idle_cycles\": %" PRIu64 ", \"firings\": %" PRIu64 ", \"tokens_in\": %" PRIu64
                   ", \"e_run\": %.3f, \"e_idle_per_cycle\": %.4f, \"e_per_firing\": %.4f, \"status\": \"%s\"}\n",
                   argv[a], tiles[i].tile, tiles[i].kind, tiles[i].node, tiles[i].op, n->nflops, r.config_cycles,
                   r.e_config, r.run_cycles, r.idle_cycles, r.firings, r.tokens_in, r.e_run, idle,
                   r.firings ? (r.e_run - idle * (double)r.run_cycles) / (double)r.firings : 0,
                   r.status[0] ? r.status : "ok");
            if (!strncmp(r.status, "MISMATCH", 8)) bad = 1;
        }
        capture_free(c);
        free(tiles);
    }
    for (size_t l = 0; l < nloaded; l++) netlist_free(loaded[l]);
    return bad;
}
