/*
 * ff_backend.h -- the compiler back end for the RDA array: array
 * descriptions, the bitstream, and placement and routing of a dataflow graph
 * onto an array (docs/rtl.md, docs/bitstream.md).
 *
 *   ff_array_*      an array configuration: what rtl/arrays/NAME.json says,
 *                   which is also what the geometry block (slots 0 and 1) of
 *                   a Verilated array reads back
 *   ff_bitstream_*  a configuration image: the register words, and a header
 *                   naming the array it was built for, the graph node on each
 *                   tile, and what the loader binds at run time
 *   ff_backend_*    graph + array (+ architecture) -> bitstream
 *
 * Pure C over the generated schema view ff_config.h (rtl/schema/config.json
 * is the only source of register and field layouts): nothing here sees
 * Verilator. The loader that writes a bitstream into a Verilated array and
 * runs it is rtl/run/ff_rtl_run.h.
 *
 * Ownership: an ff_bitstream owns every string and array reachable from it;
 * ff_bitstream_free releases all of it.
 */
#ifndef FF_BACKEND_H
#define FF_BACKEND_H

#include <stdint.h>
#include <stdio.h>

#include "ff_base.h"
#include "ff_config.h"
#include "ff_graph.h"
#include "ff_sim.h"

/* ---- array descriptions ------------------------------------------------ */

/* An array configuration. Kinds are indexed by the ff_prims.def numbering
 * (FF_PRIM_*, = FF_RTL_KIND_*). */
typedef struct ff_array_desc {
    char name[64];                      /* "default", "kernels" */
    int tiles[FF_RTL_NKINDS];           /* tiles of each kind, 0..255 */
    uint32_t mem_words[FF_RTL_NKINDS];  /* SRAM words of each tile of a kind (0: no SRAM) */
    int nhin, nhout;                    /* harness input / output ports */
    int max_depth;                      /* largest FIFO depth a routing field may select */
    int max_latency;                    /* largest output pipeline latency */
    int max_block;                      /* largest block edge B in block mode; 0: no block store */
    uint32_t block_words;               /* words of the block store (0 without one) */
} ff_array_desc;

/* Loads rtl/arrays/NAME.json with the rules schemagen applies to it (the
 * same file becomes the Verilated top): name, tiles per kind, mem_words per
 * memory kind (a power of two >= 2, 16 when absent), nhin/nhout 1..64,
 * max_depth 1..255, max_latency 1..15, and optionally a block store:
 * max_block 2..16 with block_words (a power of two up to 2^mem_addr_bits).
 * Errors name the file and the key. */
int ff_array_load(const char *path, ff_array_desc *out, ff_err *err);
int ff_array_load_string(const char *text, const char *origin, ff_array_desc *out, ff_err *err);

/* A hash of every parameter except the name (FNV-1a over the schema magic,
 * the kind count, tiles and SRAM words per kind, ports, depth, latency, and
 * the block store when there is one):
 * two arrays with the same hash run the same bitstreams. */
uint32_t ff_array_hash(const ff_array_desc *a);

/* The arch as array a runs it: a stream buffer holds at most what its tile
 * holds (buffer_words capped at the buffer tile's mem_words), and FIFO
 * balancing deepens a channel at most to the array's max_depth, so the C
 * model, the lowering and the bitstream agree. */
void ff_array_fit_arch(const ff_array_desc *a, ff_arch *arch);

/* Geometry, derived as ff_array.sv derives it. */
int ff_array_ntiles(const ff_array_desc *a);
/* Configuration slot of tile `index` of `kind`, or -1 if the array has none. */
int ff_array_tile_slot(const ff_array_desc *a, int kind, int index);
/* Slot of harness output port q. */
int ff_array_hout_slot(const ff_array_desc *a, int q);
/* What a slot is: 1 = a tile (*kind, *index), 2 = harness output port
 * *index, 0 = geometry or beyond the array. */
int ff_array_slot_what(const ff_array_desc *a, int slot, int *kind, int *index);
/* Routing value (source + 1) of output `port` of tile `index` of `kind`. */
uint32_t ff_array_tile_src(const ff_array_desc *a, int kind, int index, int port);
/* What a routing value selects: 0 = nothing, 1 = harness input port *port,
 * 2 = output *port of tile *index of *kind, -1 = beyond the array. */
int ff_array_src_what(const ff_array_desc *a, uint32_t src, int *kind, int *index, int *port);

/* The schema's view of a hardware kind: name and port names in hardware
 * order (ff_config.h); NULL name for a kind without a tile. */
typedef struct ff_hw_kind {
    const char *name;
    int nin, nout, mem;
    const char *in[FF_RTL_MAX_IN], *out[FF_RTL_MAX_OUT];
} ff_hw_kind;
const ff_hw_kind *ff_hw_kind_get(int kind);

/* ---- the bitstream ------------------------------------------------------ */

/* One configuration write: address = slot * FF_RTL_REGS_PER_SLOT + reg. */
typedef struct ff_bs_word {
    uint32_t addr, data;
} ff_bs_word;

/* A graph node on a tile. */
typedef struct ff_bs_tile {
    int slot;        /* configuration slot */
    int kind, index; /* tile kind (FF_PRIM_*) and index within the kind */
    char *node;      /* the graph node placed there */
} ff_bs_tile;

/* What the loader does for a tile at run time: data-dependent values
 * (SRAM contents and their bases and sizes, dims bound from tensors) are
 * not in the words. */
typedef enum ff_bind_kind {
    FF_BIND_LEVEL,     /* scan, locate: level `level` of input `tensor` (compressed: SRAM seg and crd,
                          crd_base, nseg, ncrd; dense: dim) */
    FF_BIND_VALS,      /* array: the values of input `tensor` (SRAM, nvals) */
    FF_BIND_INLINE,    /* scan, locate, array: the node's own seg/crd or vals params */
    FF_BIND_OUT_LEVEL, /* write_crd: level `level` of output `tensor` (seg_base; read back) */
    FF_BIND_OUT_VALS,  /* write_val: the values of output `tensor` (read back) */
    FF_BIND_DIM,       /* param `field` = the size of mode `level` of input `tensor` */
    FF_BIND__COUNT
} ff_bind_kind;

typedef struct ff_bind {
    ff_bind_kind kind;
    int slot;       /* the tile's configuration slot */
    char *tensor;   /* graph tensor; NULL for INLINE */
    int level;      /* LEVEL, OUT_LEVEL: the level; DIM: the mode; else 0 */
    char *field;    /* DIM: the kind's parameter field ("dim", "dim_outer", "dim_inner"); else NULL */
    int block;      /* DIM: > 0, the size counts blocks of that many (a "T:m/B" dim: ceil(size / B)); else 0 */
} ff_bind;

/* A harness port that a source or sink node of the graph uses. */
typedef struct ff_bs_port {
    int is_output;  /* 0: harness input port (a source node); 1: output port (a sink node) */
    int port;
    char *node;
} ff_bs_port;

typedef struct ff_bitstream {
    char array[64];          /* the array configuration it was built for */
    uint32_t hash;           /* ff_array_hash of that configuration */
    ff_array_desc geo;       /* its parameters, as the header records them */
    char *graph;             /* graph name, or NULL */
    FF_VEC(ff_bs_word) words; /* in the order they are written */
    FF_VEC(ff_bs_tile) tiles; /* in slot order */
    FF_VEC(ff_bind) binds;
    FF_VEC(ff_bs_port) ports;
} ff_bitstream;

/* An empty bitstream for array a. */
ff_bitstream *ff_bitstream_new(const ff_array_desc *a);
void ff_bitstream_free(ff_bitstream *b);

/* The text form (docs/bitstream.md): header comment lines, then one
 * "ADDR DATA" line of two 8-digit hex words per register write. Node and
 * tensor names must be non-empty words without whitespace or '#'
 * (ff_bitstream_to_string returns NULL otherwise; the back end never builds
 * such a bitstream). Caller frees. */
char *ff_bitstream_to_string(const ff_bitstream *b);
/* Writes it via a temporary file and rename. */
int ff_bitstream_save(const ff_bitstream *b, const char *path, ff_err *err);

/* Parses the text form. Errors name origin:line and what was expected; a
 * header whose hash does not match its own geometry is an error. *out is
 * new; the caller frees it. */
int ff_bitstream_parse(const char *text, const char *origin, ff_bitstream **out, ff_err *err);
int ff_bitstream_load(const char *path, ff_bitstream **out, ff_err *err);

/* 1 when a and b hold the same configuration: array, geometry, graph name,
 * words, tiles, binds, ports. */
int ff_bitstream_equal(const ff_bitstream *a, const ff_bitstream *b);

/* 0 when b was built for array a (same hash), else FF_EINVAL naming both
 * ("built for array 'kernels' (hash 0x...), but the array is 'default' (hash
 * 0x...)"). */
int ff_bitstream_check_array(const ff_bitstream *b, const ff_array_desc *a, ff_err *err);

/* The value the words give register `reg` of `slot` (the last write wins);
 * 0 and *written = 0 when none writes it. */
uint32_t ff_bitstream_reg(const ff_bitstream *b, int slot, int reg, int *written);

/* The tile record of a slot, or NULL. */
const ff_bs_tile *ff_bitstream_tile(const ff_bitstream *b, int slot);

/* Prints b field by field, per tile: kind and index, slot, graph node, each
 * field of every register written with its value and meaning (sources
 * resolved to the tile output they select), what the loader binds, the
 * harness ports. */
void ff_bitstream_decode(const ff_bitstream *b, FILE *f);

/* ---- placement and routing ---------------------------------------------- */

/* Places every node of the validated graph g on a tile of its kind (nodes
 * in graph order onto tiles in index order; source and sink nodes onto
 * harness input and output ports), routes every edge through the crossbar
 * (each consumer's routing register selects its producer's output; fan-out
 * = several consumers selecting one output) with the edge's depth or the
 * architecture's fifo_depth, and translates node params into configuration
 * fields: format, dims given as numbers, n, ALU op/imm/frac_bits, reduce op,
 * accumulator dims, latency and II per kind (and per ALU op) from arch
 * (NULL: ff_arch_default). Data-dependent values become binds for the
 * loader. A graph that does not fit is an error naming every kind that is
 * short and by how much ("graph 'g' does not fit array 'default': needs 5
 * scan tiles, the array has 1; ..."); so is a depth or latency beyond the
 * array's limits. *out is new; the caller frees it. */
int ff_backend_compile(const ff_graph *g, const ff_array_desc *a, const ff_arch *arch, ff_bitstream **out,
                       ff_err *err);

#endif
