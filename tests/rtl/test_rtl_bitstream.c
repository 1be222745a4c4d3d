/*
 * test_rtl_bitstream.c -- the back end without the RTL: array descriptions,
 * placement and routing, and the bitstream's text form (docs/bitstream.md).
 *
 * Every hand-written graph and every compiled example, placed on each array
 * of rtl/arrays it fits, must survive encode -> parse -> identical
 * configuration -> encode -> identical text; the errors a user meets (a
 * graph that does not fit, a depth or latency beyond the array, a bitstream
 * for another array, a malformed file) must say what is wrong.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ff_backend.h"
#include "ff_graph.h"
#include "ff_ir.h"
#include "ff_lower.h"

static ff_array_desc load_array(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/rtl/arrays/%s.json", FF_SOURCE_DIR, name);
    ff_array_desc a;
    ff_err err = {0};
    if (ff_array_load(path, &a, &err)) fail_msg("%s", err.msg);
    return a;
}

static ff_graph *load_graph(const char *path)
{
    ff_graph *g = NULL;
    ff_err err = {0};
    if (ff_graph_load_json(path, &g, &err)) fail_msg("%s", err.msg);
    return g;
}

/* encode -> parse -> equal -> encode -> same text */
static void round_trip(const ff_bitstream *b, const char *what)
{
    char *text = ff_bitstream_to_string(b);
    if (!text) fail_msg("%s: not encodable", what);
    ff_bitstream *back = NULL;
    ff_err err = {0};
    if (ff_bitstream_parse(text, what, &back, &err)) fail_msg("%s: %s\n%s", what, err.msg, text);
    if (!ff_bitstream_equal(b, back)) fail_msg("%s: the configuration changed through the text form", what);
    char *again = ff_bitstream_to_string(back);
    assert_string_equal(text, again);
    free(again);
    free(text);
    ff_bitstream_free(back);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int list_dir(const char *dir, const char *ext, char ***out)
{
    DIR *d = opendir(dir);
    if (!d) fail_msg("cannot open %s", dir);
    char **names = NULL;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name), el = strlen(ext);
        if (len <= el || strcmp(e->d_name + len - el, ext)) continue;
        names = realloc(names, sizeof *names * (size_t)(n + 1));
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    *out = names;
    return n;
}

/* Every graph of tests/graphs, on every array it fits. */
static void bitstream_round_trips_every_graph(void **state)
{
    (void)state;
    static const char *const arrays[] = {"default", "kernels"};
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/graphs", FF_SOURCE_DIR);
    char **files;
    int n = list_dir(dir, ".json", &files), placed = 0;
    for (int f = 0; f < n; f++) {
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, files[f]);
        ff_graph *g = load_graph(path);
        for (size_t a = 0; a < sizeof arrays / sizeof arrays[0]; a++) {
            ff_array_desc arr = load_array(arrays[a]);
            ff_bitstream *b = NULL;
            ff_err err = {0};
            int rc = ff_backend_compile(g, &arr, NULL, &b, &err);
            if (rc) {
                /* only "does not fit" is acceptable, and only on the small array */
                assert_string_equal(arrays[a], "default");
                assert_non_null(strstr(err.msg, "does not fit array 'default'"));
                continue;
            }
            assert_int_equal((int)b->tiles.len, g->nnodes);
            char what[256];
            snprintf(what, sizeof what, "%s on %s", files[f], arrays[a]);
            round_trip(b, what);
            placed++;
            ff_bitstream_free(b);
        }
        ff_graph_free(g);
        free(files[f]);
    }
    free(files);
    assert_true(placed >= n); /* every graph fits `kernels` */
}

/* A graph needing more tiles than the array has: one message naming every
 * short kind and by how much. */
static void backend_names_short_kinds(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/graphs/elementwise_add.json", FF_SOURCE_DIR);
    ff_graph *g = load_graph(path);
    ff_array_desc a = load_array("default");
    ff_bitstream *b = NULL;
    ff_err err = {0};
    assert_int_equal(ff_backend_compile(g, &a, NULL, &b, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "does not fit array 'default'"));
    assert_non_null(strstr(err.msg, "needs 4 scan tiles, the array has 1"));
    assert_non_null(strstr(err.msg, "needs 2 union tiles, the array has 1"));
    assert_non_null(strstr(err.msg, "needs 2 array tiles, the array has 1"));
    assert_non_null(strstr(err.msg, "needs 2 write_crd tiles, the array has 1"));
    assert_null(strstr(err.msg, "alu"));
    ff_graph_free(g);
}

/* A small graph by hand: every kind of bind, inline data, harness ports,
 * an ALU with an immediate, a T:m dim, an edge depth override. */
static ff_graph *small_graph(void)
{
    ff_graph *g = ff_graph_new("small");
    ff_err err = {0};
    const char *shape[1] = {"A:0"};
    assert_true(ff_graph_add_tensor(g, "A", 0, 2, "csr", NULL, &err) >= 0);
    assert_true(ff_graph_add_tensor(g, "y", 1, 1, "sparse", shape, &err) >= 0);
    int src = ff_graph_add_node(g, "src", FF_PRIM_SOURCE, &err);
    ff_node_set_str(g, src, "type", "ref", &err);
    ff_node_set_str(g, src, "tokens", "0 _ 1 D", &err);
    int si = ff_graph_add_node(g, "s_i", FF_PRIM_SCAN, &err);
    ff_node_set_str(g, si, "format", "dense", &err);
    ff_node_set_str(g, si, "dim", "A:0", &err);
    int sj = ff_graph_add_node(g, "s_j", FF_PRIM_SCAN, &err);
    int64_t seg[] = {0, 2, 3}, crd[] = {1, 4, 2};
    ff_node_set_ints(g, sj, "seg", seg, 3, &err);
    ff_node_set_ints(g, sj, "crd", crd, 3, &err);
    int av = ff_graph_add_node(g, "a_vals", FF_PRIM_ARRAY, &err);
    ff_node_set_str(g, av, "tensor", "A", &err);
    int alu = ff_graph_add_node(g, "scale", FF_PRIM_ALU, &err);
    ff_node_set_str(g, alu, "op", "mul", &err);
    ff_node_set_fx(g, alu, "imm", ff_fx_from_int(3, g->frac_bits), &err);
    int wc = ff_graph_add_node(g, "w_i", FF_PRIM_WRITE_CRD, &err);
    ff_node_set_str(g, wc, "tensor", "y", &err);
    ff_node_set_int(g, wc, "level", 0, &err);
    int wv = ff_graph_add_node(g, "w_v", FF_PRIM_WRITE_VAL, &err);
    ff_node_set_str(g, wv, "tensor", "y", &err);
    int snk = ff_graph_add_node(g, "probe", FF_PRIM_SINK, &err);
    ff_node_set_str(g, snk, "ready", "rand:7:50", &err);
    ff_graph_connect(g, src, "out", si, "ref_in", 0, &err);
    ff_graph_connect(g, si, "ref", sj, "ref_in", 3, &err);
    ff_graph_connect(g, si, "crd", wc, "crd", 0, &err);
    ff_graph_connect(g, sj, "crd", snk, "in", 1, &err);
    ff_graph_connect(g, sj, "ref", av, "ref", 0, &err);
    ff_graph_connect(g, av, "val", alu, "a", 0, &err);
    ff_graph_connect(g, alu, "val", wv, "val", 0, &err);
    if (ff_graph_validate(g, &err)) fail_msg("%s", err.msg);
    return g;
}

static const ff_bind *find_bind(const ff_bitstream *b, ff_bind_kind k)
{
    for (size_t i = 0; i < b->binds.len; i++)
        if (b->binds.data[i].kind == k) return &b->binds.data[i];
    return NULL;
}

static void backend_translates_params_and_binds(void **state)
{
    (void)state;
    ff_graph *g = small_graph();
    ff_array_desc a = load_array("kernels");
    ff_bitstream *b = NULL;
    ff_err err = {0};
    if (ff_backend_compile(g, &a, NULL, &b, &err)) fail_msg("%s", err.msg);
    round_trip(b, "small");

    /* scan s_j: inline level; s_i: dim from A:0; a_vals: A's values */
    assert_non_null(find_bind(b, FF_BIND_INLINE));
    const ff_bind *d = find_bind(b, FF_BIND_DIM);
    assert_non_null(d);
    assert_string_equal(d->field, "dim");
    assert_string_equal(d->tensor, "A");
    assert_int_equal(d->level, 0);
    assert_non_null(find_bind(b, FF_BIND_VALS));
    assert_non_null(find_bind(b, FF_BIND_OUT_LEVEL));
    assert_non_null(find_bind(b, FF_BIND_OUT_VALS));
    assert_int_equal((int)b->ports.len, 2);

    /* ALU: op mul, immediate 3.0, frac_bits of the graph */
    int alu = ff_array_tile_slot(&a, FF_PRIM_ALU, 0);
    uint32_t w = ff_bitstream_reg(b, alu, FF_RTL_ALU_OP_REG, NULL);
    assert_int_equal(FF_RTL_GET(w, FF_RTL_ALU_OP), FF_ALU_MUL);
    assert_int_equal(FF_RTL_GET(w, FF_RTL_ALU_HAS_IMM), 1);
    assert_int_equal(FF_RTL_GET(w, FF_RTL_ALU_FRAC_BITS), g->frac_bits);
    assert_int_equal(ff_bitstream_reg(b, alu, FF_RTL_ALU_IMM_REG, NULL), (uint32_t)ff_fx_from_int(3, g->frac_bits));

    /* routing: s_j.ref_in <- s_i.ref with depth 3; s_i.ref_in <- harness input 0 */
    int sj = ff_array_tile_slot(&a, FF_PRIM_SCAN, 1), si = ff_array_tile_slot(&a, FF_PRIM_SCAN, 0);
    uint32_t in = ff_bitstream_reg(b, sj, FF_RTL_REG_IN(0), NULL);
    assert_int_equal(FF_RTL_GET(in, FF_RTL_IN_SRC), ff_array_tile_src(&a, FF_PRIM_SCAN, 0, 1));
    assert_int_equal(FF_RTL_GET(in, FF_RTL_IN_DEPTH), 3);
    assert_int_equal(FF_RTL_GET(ff_bitstream_reg(b, si, FF_RTL_REG_IN(0), NULL), FF_RTL_IN_SRC), 1);
    assert_int_equal(FF_RTL_GET(ff_bitstream_reg(b, sj, FF_RTL_SCAN_FORMAT_REG, NULL), FF_RTL_SCAN_FORMAT), 1);
    /* the sink's harness output port selects s_j.crd with depth 1 */
    uint32_t hout = ff_bitstream_reg(b, ff_array_hout_slot(&a, 0), FF_RTL_REG_IN(0), NULL);
    assert_int_equal(FF_RTL_GET(hout, FF_RTL_IN_SRC), ff_array_tile_src(&a, FF_PRIM_SCAN, 1, 0));
    assert_int_equal(FF_RTL_GET(hout, FF_RTL_IN_DEPTH), 1);

    /* the decoder names nodes, resolves sources and values */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ff_bitstream_decode(b, f);
    fclose(f);
    assert_non_null(strstr(text, "scan[1]  slot"));
    assert_non_null(strstr(text, "node 's_j'"));
    assert_non_null(strstr(text, "scan[0].ref (node 's_i')"));
    assert_non_null(strstr(text, "harness input 0"));
    assert_non_null(strstr(text, "compressed"));
    assert_non_null(strstr(text, "mul"));
    assert_non_null(strstr(text, "size of mode 0 of input tensor 'A'"));
    assert_non_null(strstr(text, "node 'probe'"));
    free(text);
    ff_bitstream_free(b);
    ff_graph_free(g);
}

static void backend_checks_array_limits(void **state)
{
    (void)state;
    ff_graph *g = small_graph();
    ff_array_desc a = load_array("kernels");
    ff_bitstream *b = NULL;
    ff_err err = {0};
    ff_arch arch;
    ff_arch_default(&arch);
    arch.fifo_depth = a.max_depth + 1;
    assert_int_equal(ff_backend_compile(g, &a, &arch, &b, &err), FF_EINVAL);
    char want[64];
    snprintf(want, sizeof want, "depth %d, the array's FIFOs hold 1..%d", a.max_depth + 1, a.max_depth);
    assert_non_null(strstr(err.msg, want));
    ff_arch_default(&arch);
    arch.latency[FF_PRIM_ALU] = a.max_latency - 1;
    arch.alu_latency[FF_ALU_MUL] = 2;
    assert_int_equal(ff_backend_compile(g, &a, &arch, &b, &err), FF_EINVAL);
    snprintf(want, sizeof want, "node 'scale' (alu): latency %d", a.max_latency + 1);
    assert_non_null(strstr(err.msg, want));
    ff_graph_free(g);
}

/* A buffer between harness ports: n readers, or one replaying (rep routed). */
static ff_graph *buffer_graph(int n, int replay)
{
    ff_graph *g = ff_graph_new(replay ? "replay" : "fifo");
    ff_err err = {0};
    const char *const in[3] = {"crd_in", "val_in", "rep"};
    const char *const type[3] = {"crd", "val", "rep"};
    int buf = ff_graph_add_node(g, "buf", FF_PRIM_BUFFER, &err);
    assert_true(buf >= 0);
    assert_int_equal(ff_node_set_int(g, buf, "n", n, &err), 0);
    for (int p = 0; p < 2 + replay; p++) {
        char name[16];
        snprintf(name, sizeof name, "in%d", p);
        int src = ff_graph_add_node(g, name, FF_PRIM_SOURCE, &err);
        ff_node_set_str(g, src, "type", type[p], &err);
        ff_node_set_str(g, src, "tokens", p == 2 ? "R S0 D" : "1 S0 D", &err);
        assert_true(ff_graph_connect(g, src, "out", buf, in[p], 0, &err) >= 0);
    }
    for (int k = 0; k < 2 * n; k++) {
        char name[16], port[16];
        snprintf(name, sizeof name, "out%d", k);
        snprintf(port, sizeof port, "%s%d", k < n ? "crd" : "val", k % n);
        int snk = ff_graph_add_node(g, name, FF_PRIM_SINK, &err);
        assert_true(ff_graph_connect(g, buf, port, snk, "in", 0, &err) >= 0);
    }
    if (ff_graph_validate(g, &err)) fail_msg("%s", err.msg);
    return g;
}

/* The buffer's fields: n, replay from rep's routing, the arch's capacity --
 * refused, in one line, when the tile holds less. */
static void backend_places_buffers(void **state)
{
    (void)state;
    ff_array_desc a = load_array("kernels");
    uint32_t holds = a.mem_words[FF_PRIM_BUFFER] / 2;
    ff_arch arch;
    ff_arch_default(&arch);
    ff_err err = {0};
    ff_bitstream *b = NULL;
    for (int replay = 0; replay <= 1; replay++) {
        ff_graph *g = buffer_graph(replay ? 1 : 3, replay);
        arch.buffer_words = (int)holds * 2 + 2;
        assert_int_equal(ff_backend_compile(g, &a, &arch, &b, &err), FF_EINVAL);
        char want[128];
        snprintf(want, sizeof want, "node 'buf': buffer of %u entries (the arch's buffer_words / 2), the tile holds %u",
                 holds + 1, holds);
        assert_non_null(strstr(err.msg, want));
        assert_null(strchr(err.msg, '\n'));
        arch.buffer_words = (int)holds * 2;
        if (ff_backend_compile(g, &a, &arch, &b, &err)) fail_msg("%s", err.msg);
        round_trip(b, "buffer");
        int slot = ff_array_tile_slot(&a, FF_PRIM_BUFFER, 0);
        uint32_t w = ff_bitstream_reg(b, slot, FF_RTL_BUFFER_N_REG, NULL);
        assert_int_equal(FF_RTL_GET(w, FF_RTL_BUFFER_N), replay ? 1 : 3);
        assert_int_equal(FF_RTL_GET(ff_bitstream_reg(b, slot, FF_RTL_BUFFER_REPLAY_REG, NULL), FF_RTL_BUFFER_REPLAY),
                         replay);
        assert_int_equal(ff_bitstream_reg(b, slot, FF_RTL_BUFFER_ENTRIES_REG, NULL), holds);
        assert_int_equal(FF_RTL_GET(ff_bitstream_reg(b, slot, FF_RTL_REG_IN(2), NULL), FF_RTL_IN_SRC) != 0, replay);
        ff_bitstream_free(b);
        /* a latency would put the read ports behind one pipeline */
        arch.latency[FF_PRIM_BUFFER] = 1;
        assert_int_equal(ff_backend_compile(g, &a, &arch, &b, &err), FF_EINVAL);
        assert_non_null(strstr(err.msg, "read ports have no pipeline"));
        arch.latency[FF_PRIM_BUFFER] = 0;
        ff_graph_free(g);
    }
}

/* The text form's errors name the line and what was expected. */
static void bitstream_parse_errors(void **state)
{
    (void)state;
    ff_graph *g = small_graph();
    ff_array_desc a = load_array("kernels");
    ff_bitstream *b = NULL, *x = NULL;
    ff_err err = {0};
    if (ff_backend_compile(g, &a, NULL, &b, &err)) fail_msg("%s", err.msg);
    char *text = ff_bitstream_to_string(b);

    assert_int_equal(ff_bitstream_parse("00000040 00000001\n", "t.bit", &x, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "t.bit:1: not a fuseflow bitstream"));

    /* a word that is not hex, and a header line after the words */
    size_t n = strlen(text);
    char *bad = malloc(n + 64);
    snprintf(bad, n + 64, "%s0000004g 1\n", text);
    assert_int_equal(ff_bitstream_parse(bad, "t.bit", &x, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "expected 'ADDR DATA'"));
    snprintf(bad, n + 64, "%s# graph late\n", text);
    assert_int_equal(ff_bitstream_parse(bad, "t.bit", &x, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "header comes first"));

    /* an edited geometry no longer matches the hash */
    snprintf(bad, n + 64, "%s", text);
    char *nhin = strstr(bad, "nhin 8");
    assert_non_null(nhin);
    nhin[5] = '7';
    assert_int_equal(ff_bitstream_parse(bad, "t.bit", &x, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "does not match the geometry"));

    /* a word beyond the array */
    snprintf(bad, n + 64, "%sffff0000 00000001\n", text);
    assert_int_equal(ff_bitstream_parse(bad, "t.bit", &x, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "outside the array"));

    /* free comments are allowed anywhere */
    snprintf(bad, n + 64, "%s# a note\n#\n", text);
    assert_int_equal(ff_bitstream_parse(bad, "t.bit", &x, &err), 0);
    assert_true(ff_bitstream_equal(b, x));
    ff_bitstream_free(x);

    /* the bitstream knows which array it is for */
    ff_array_desc d = load_array("default");
    assert_int_equal(ff_bitstream_check_array(b, &d, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "built for array 'kernels'"));
    assert_non_null(strstr(err.msg, "the array is 'default'"));
    assert_int_equal(ff_bitstream_check_array(b, &a, &err), 0);

    free(bad);
    free(text);
    ff_bitstream_free(b);
    ff_graph_free(g);
}

static void array_json_errors(void **state)
{
    (void)state;
    ff_array_desc a;
    ff_err err = {0};
    const char *ok = "{\"name\": \"t\", \"tiles\": {\"scan\": 2}, \"nhin\": 1, \"nhout\": 1, \"max_depth\": 2, "
                     "\"max_latency\": 1}";
    assert_int_equal(ff_array_load_string(ok, "t.json", &a, &err), 0);
    assert_int_equal(a.tiles[FF_PRIM_SCAN], 2);
    assert_int_equal(a.mem_words[FF_PRIM_SCAN], 16); /* schemagen's default */
    assert_int_equal(a.mem_words[FF_PRIM_ALU], 0);
    assert_int_equal(ff_array_tile_slot(&a, FF_PRIM_SCAN, 1), FF_RTL_FIRST_TILE_SLOT + 1);
    assert_int_equal(ff_array_tile_slot(&a, FF_PRIM_ALU, 0), -1);
    assert_int_equal(ff_array_load_string("{\"name\": \"t\", \"tiles\": {\"scna\": 2}, \"nhin\": 1, \"nhout\": 1, "
                                          "\"max_depth\": 2, \"max_latency\": 1}", "t.json", &a, &err), FF_EINVAL);
    assert_non_null(strstr(err.msg, "t.json: tiles.scna: not a hardware kind"));
    assert_int_equal(ff_array_load_string("{\"name\": \"t\", \"tiles\": {}, \"mem_words\": {\"scan\": 100}, \"nhin\": 1, "
                                          "\"nhout\": 1, \"max_depth\": 2, \"max_latency\": 1}", "t.json", &a, &err),
                     FF_EINVAL);
    assert_non_null(strstr(err.msg, "power of two"));
    /* the two shipped arrays differ, and so do their hashes */
    ff_array_desc d = load_array("default"), k = load_array("kernels");
    assert_true(ff_array_hash(&d) != ff_array_hash(&k));
}

/* A graph of --block B (relu over a bcsr matrix, whose dense column range
 * counts blocks): block fields and ranks in the words, "T:m/B" dims as
 * blocked dim binds, through the text form unchanged; refused, naming node
 * and array, where the array has no block store or smaller blocks. */
static ff_graph *blocked_graph(int B)
{
    char text[512];
    snprintf(text, sizeof text, "tensor X[N,M] : bcsr(%d)\nY[i,j] = relu(X[i,j] * 2 - 0.5)\n", B);
    ff_ir_program *p = NULL;
    ff_err err = {0};
    if (ff_ir_parse("ba.ff", text, &p, &err) || ff_ir_place_reductions(p, &err)) fail_msg("%s", err.msg);
    ff_lower_opts o;
    memset(&o, 0, sizeof o);
    o.block = B;
    ff_graph *g = NULL;
    if (ff_lower_stmt(p, 0, &o, &g, &err)) fail_msg("%s", err.msg);
    ff_ir_free(p);
    return g;
}

static void backend_places_block_graphs(void **state)
{
    (void)state;
    ff_array_desc k = load_array("kernels"), a = load_array("apps");
    assert_true(k.max_block >= 2 && k.block_words > 0);
    assert_int_equal(a.max_block, 0);
    ff_graph *g = blocked_graph(k.max_block);
    ff_bitstream *b = NULL;
    ff_err err = {0};
    if (ff_backend_compile(g, &k, NULL, &b, &err)) fail_msg("%s", err.msg);
    int alus = 0, blocked_dims = 0;
    for (size_t i = 0; i < b->tiles.len; i++) {
        const ff_bs_tile *t = &b->tiles.data[i];
        if (t->kind != FF_PRIM_ALU) continue;
        uint32_t w = ff_bitstream_reg(b, t->slot, FF_RTL_ALU_BLK_REG, NULL);
        assert_int_equal(FF_RTL_GET(w, FF_RTL_ALU_BLK), k.max_block);
        /* the rank is the node index: the C model's evaluation order */
        uint32_t r = ff_bitstream_reg(b, t->slot, FF_RTL_ALU_RANK_REG, NULL);
        assert_int_equal((int)FF_RTL_GET(r, FF_RTL_ALU_RANK), ff_graph_find_node(g, t->node));
        alus++;
    }
    for (size_t i = 0; i < b->binds.len; i++)
        blocked_dims += b->binds.data[i].kind == FF_BIND_DIM && b->binds.data[i].block == k.max_block;
    assert_true(alus > 0);
    assert_true(blocked_dims > 0);
    round_trip(b, "blocked relu");
    char *text = ff_bitstream_to_string(b);
    char want[64];
    snprintf(want, sizeof want, " /%d\n", k.max_block);
    assert_non_null(strstr(text, want));
    snprintf(want, sizeof want, "max_block %d block_words", k.max_block);
    assert_non_null(strstr(text, want));
    free(text);
    ff_bitstream_free(b);

    b = NULL;
    assert_int_equal(ff_backend_compile(g, &a, NULL, &b, &err), FF_EINVAL);
    assert_null(b);
    assert_non_null(strstr(err.msg, "needs an array with a block store; array 'apps' has none"));
    ff_graph_free(g);

    g = blocked_graph(2 * k.max_block);
    assert_int_equal(ff_backend_compile(g, &k, NULL, &b, &err), FF_EINVAL);
    snprintf(want, sizeof want, "blocks of %dx%d, array 'kernels' takes up to %dx%d", 2 * k.max_block,
             2 * k.max_block, k.max_block, k.max_block);
    assert_non_null(strstr(err.msg, want));
    ff_graph_free(g);

    /* an array file's block store comes whole */
    ff_array_desc x;
    assert_int_equal(ff_array_load_string("{\"name\": \"t\", \"tiles\": {}, \"nhin\": 1, \"nhout\": 1, "
                                          "\"max_depth\": 2, \"max_latency\": 1, \"max_block\": 4}", "t.json", &x, &err),
                     FF_EINVAL);
    assert_non_null(strstr(err.msg, "block_words"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(array_json_errors),
        cmocka_unit_test(bitstream_round_trips_every_graph),
        cmocka_unit_test(backend_names_short_kinds),
        cmocka_unit_test(backend_translates_params_and_binds),
        cmocka_unit_test(backend_checks_array_limits),
        cmocka_unit_test(backend_places_buffers),
        cmocka_unit_test(bitstream_parse_errors),
        cmocka_unit_test(backend_places_block_graphs),
    };
    return cmocka_run_group_tests_name("rtl_bitstream", tests, NULL, NULL);
}
