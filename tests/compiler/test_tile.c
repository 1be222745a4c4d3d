/*
 * test_tile.c -- coordinate-space tiling in the program runner (--tile,
 * compiler/run/ff_run.h): a tiled run's outputs are bit-identical to the
 * untiled run's and to the reference interpreter's, on random data whose
 * sizes are not multiples of the tiles; a kernel runs once per tile and its
 * cycles are the tiles' sums; partial sums that saturate when added, and
 * tilings whose tiles could not be merged, are errors that say so.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ff_fixed.h"
#include "ff_ir.h"
#include "ff_run.h"

static const char spmm[] = "tensor A[N, K] : csr\ntensor B[K, M] : dense\ntensor C[N, M] : dense\n"
                           "C[i,j] = A[i,k] * B[k,j]\n";
static const char spmv[] = "tensor A[N, K] : csr\ntensor x[K] : dense\ny[i] = A[i,k] * x[k]\n";
static const char add[] = "tensor A[N, M] : csr\ntensor B[N, M] : csr\ntensor C[N, M] : csr\n"
                          "C[i,j] = A[i,j] + B[i,j]\n";
static const char sddmm[] = "tensor M[N, N] : csr\ntensor Q[N, D] : dense\ntensor K[N, D] : dense\n"
                            "S[i,j] = M[i,j] * Q[i,k] * K[j,k]\n";
static const char mlp[] = "tensor X[N, F] : dense\ntensor W[F, G] : dense\n"
                          "XW[i,j] = X[i,k] * W[k,j]\nH[i,j] = relu(XW[i,j])\n";

/* Counts kernel calls and simulates each; sim.cycles is the last kernel's
 * (its tiles' sum), summed here over the calls to compare. */
typedef struct calls {
    int n;
    int last_tile, ntiles;
    uint64_t skipped; /* the plan's tiles not run (rk->tiles_skipped) */
    uint64_t cycles;  /* each call's cycles, summed */
    ff_run_sim sim;
} calls;

static int simulate(ff_run_kernel *rk, void *user, ff_err *err)
{
    calls *c = user;
    assert_int_equal(rk->tile, c->n ? c->last_tile + 1 : 0);
    c->last_tile = rk->tile;
    c->ntiles = rk->ntiles;
    c->skipped = rk->tiles_skipped;
    c->n++;
    uint64_t before = c->sim.total_cycles;
    int rc = ff_run_simulate(rk, &c->sim, err);
    c->cycles += c->sim.total_cycles - before;
    return rc;
}

static ff_ir_program *parse(const char *text)
{
    ff_ir_program *p = NULL;
    ff_err err = {0};
    if (ff_ir_parse("t.ff", text, &p, &err) || ff_ir_place_reductions(p, &err)) fail_msg("%s", err.msg);
    return p;
}

/* Random inputs: every size 13 (D: 5), density 0.3. */
static ff_tensor **random_data(const ff_ir_program *p, uint64_t seed)
{
    ff_tensor **data = calloc((size_t)p->ntensors + 1, sizeof *data);
    uint32_t *sizes = calloc((size_t)p->nsizes + 1, sizeof *sizes);
    for (int z = 0; z < p->nsizes; z++) sizes[z] = !strcmp(p->sizes[z].name, "D") ? 5 : 13;
    ff_err err = {0};
    if (ff_ir_random_inputs(p, seed, 0.3, sizes, data, &err)) fail_msg("%s", err.msg);
    free(sizes);
    return data;
}

static void free_data(const ff_ir_program *p, ff_tensor **data)
{
    for (int t = 0; data && t < p->ntensors; t++) ff_tensor_free(data[t]);
    free(data);
}

static ff_tensor **copy_inputs(const ff_ir_program *p, ff_tensor **data)
{
    ff_tensor **c = calloc((size_t)p->ntensors + 1, sizeof *c);
    ff_err err = {0};
    for (int t = 0; t < p->ntensors; t++)
        if (data[t] && ff_tensor_convert(data[t], &data[t]->fmt, &c[t], &err)) fail_msg("%s", err.msg);
    return c;
}

/* Parses "i:4,k:3" into s (the driver's job; kept tiny here). */
static void set_tiles(ff_run_sched *s, const char *spec)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", spec);
    s->ntiles = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        char *colon = strchr(tok, ':');
        *colon = '\0';
        snprintf(s->tiles[s->ntiles].index, sizeof s->tiles[s->ntiles].index, "%s", tok);
        s->tiles[s->ntiles++].size = (uint32_t)atoi(colon + 1);
    }
}

/* program text, fusion, tiling, the tiles the one tiled kernel runs as */
static const struct tcase {
    const char *name, *text, *fuse, *tiles;
    int ntiles;
} cases[] = {
    {"spmm i", spmm, "none", "i:4", 4},
    {"spmm i,j", spmm, "none", "i:5,j:6", 9},
    {"spmm k (partial sums added)", spmm, "none", "k:4", 4},
    {"spmm i,j,k", spmm, "none", "i:7,j:4,k:3", 40},
    {"spmv i", spmv, "none", "i:3", 5},
    {"spmv k (partial sums added)", spmv, "none", "k:2", 7},
    {"add i,j", add, "none", "i:6,j:5", 9},
    {"sddmm i,j", sddmm, "none", "i:4,j:4", 16},
    {"sddmm k (partial sums added)", sddmm, "none", "k:2", 3},
    {"mlp fused, i", mlp, "all", "i:5", 3},
    {"mlp fused, j", mlp, "all", "j:6", 3},
};

/* Each case: untiled, tiled and the reference agree bit for bit, on two
 * seeds; the tiled kernel ran once per tile. */
static void tiled_matches_untiled_and_reference(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (uint64_t seed = 1; seed <= 2; seed++) {
            const struct tcase *tc = &cases[c];
            ff_ir_program *p = parse(tc->text);
            ff_tensor **whole = random_data(p, seed), **tiled = copy_inputs(p, whole);
            ff_tensor **ref = calloc((size_t)p->ntensors + 1, sizeof *ref);
            ff_err err = {0};
            if (ff_ir_interpret(p, (const ff_tensor *const *)whole, ref, &err)) fail_msg("%s", err.msg);
            calls cu = {0}, ct = {0};
            ff_sim_opts_default(&cu.sim.opts);
            ff_sim_opts_default(&ct.sim.opts);
            ff_run_sched su = {.fuse = tc->fuse}, st = {.fuse = tc->fuse};
            set_tiles(&st, tc->tiles);
            ff_run_ops ou = {.kernel = simulate, .user = &cu}, ot = {.kernel = simulate, .user = &ct};
            if (ff_run_program(p, whole, &su, &ou, &err)) fail_msg("%s untiled: %s", tc->name, err.msg);
            if (ff_run_program(p, tiled, &st, &ot, &err)) fail_msg("%s tiled: %s", tc->name, err.msg);
            /* every tile of the plan ran, or was empty and skipped */
            assert_int_equal(ct.n, ct.ntiles);
            assert_int_equal((uint64_t)ct.n + ct.skipped, (uint64_t)tc->ntiles);
            /* the kernel's cycles are its tiles' */
            assert_true(ct.sim.cycles == ct.cycles);
            for (int t = 0; t < p->ntensors; t++) {
                /* an intermediate streamed in a fused kernel is stored by neither */
                assert_int_equal(!tiled[t], !whole[t]);
                if (!ref[t] || !whole[t]) continue;
                if (ff_tensor_compare(tiled[t], whole[t], &err))
                    fail_msg("%s seed %d: tiled vs untiled: %s", tc->name, (int)seed, err.msg);
                if (ff_tensor_compare(tiled[t], ref[t], &err))
                    fail_msg("%s seed %d: tiled vs reference: %s", tc->name, (int)seed, err.msg);
                assert_int_equal(tiled[t]->fmt.nlevels, p->tensors[t].fmt.nlevels);
            }
            free_data(p, ref);
            free_data(p, tiled);
            free_data(p, whole);
            ff_ir_free(p);
        }
}

/* A matrix of 12 x 12 whose entries lie in the diagonal 3 x 3 blocks
 * (block b: rows and columns 3b .. 3b+2), in the program's format of name. */
static ff_tensor *block_diagonal(const ff_ir_program *p, const char *name)
{
    uint32_t coords[4 * 9 * 2], dims[2] = {12, 12};
    ff_fx vals[4 * 9];
    size_t n = 0;
    for (uint32_t b = 0; b < 4; b++)
        for (uint32_t r = 0; r < 3; r++)
            for (uint32_t c = 0; c < 3; c++) {
                coords[2 * n] = 3 * b + r;
                coords[2 * n + 1] = 3 * b + c;
                vals[n] = ff_fx_from_int((int64_t)(n % 5) + 1, p->frac_bits);
                n++;
            }
    ff_tensor *t = NULL;
    ff_err err = {0};
    int id = ff_ir_find_tensor(p, name);
    if (ff_tensor_from_coo(name, 2, dims, &p->tensors[id].fmt, p->frac_bits, n, coords, vals, &t, &err))
        fail_msg("%s", err.msg);
    return t;
}

/* Tiles that no root can have a point in are not run (docs/language.md
 * "Tiling"): with block-diagonal operands and tiles of one block, a
 * product runs the diagonal tiles only, a sum the union of its operands'
 * tiles, a term with a constant every tile; the outputs are the untiled
 * run's and the reference's all the same. */
static void empty_tiles_are_skipped(void **state)
{
    (void)state;
    static const struct {
        const char *name, *text, *tiles;
        int run, all;
    } sk[] = {
        {"spmv", spmv, "i:3,k:3", 4, 16},
        {"spmm (B dense: A decides)", spmm, "i:3,k:3,j:6", 8, 32},
        {"add, A diagonal + B diagonal", add, "i:3,j:3", 4, 16},
        {"add with a constant", "tensor A[N, M] : csr\ntensor C[N, M] : dense\nC[i,j] = A[i,j] + 2\n", "i:3,j:3",
         16, 16},
        {"mul, tiles of 6 x 3", "tensor A[N, M] : csr\ntensor B[N, M] : csr\ntensor C[N, M] : csr\n"
                              "C[i,j] = A[i,j] * B[i,j]\n", "i:6,j:3", 4, 8},
    };
    for (size_t c = 0; c < sizeof sk / sizeof sk[0]; c++) {
        ff_ir_program *p = parse(sk[c].text);
        ff_tensor **whole = calloc((size_t)p->ntensors + 1, sizeof *whole);
        uint32_t *sizes = calloc((size_t)p->nsizes + 1, sizeof *sizes);
        for (int z = 0; z < p->nsizes; z++) sizes[z] = 12;
        ff_err err = {0};
        if (ff_ir_random_inputs(p, 9, 0.5, sizes, whole, &err)) fail_msg("%s", err.msg);
        free(sizes);
        for (int t = 0; t < p->ntensors; t++)
            if (whole[t] && whole[t]->order == 2 && p->tensors[t].fmt.lv[1].fmt != FF_LVL_DENSE) {
                ff_tensor_free(whole[t]);
                whole[t] = block_diagonal(p, p->tensors[t].name);
            }
        ff_tensor **tiled = copy_inputs(p, whole);
        ff_tensor **ref = calloc((size_t)p->ntensors + 1, sizeof *ref);
        if (ff_ir_interpret(p, (const ff_tensor *const *)whole, ref, &err)) fail_msg("%s", err.msg);
        calls cu = {0}, ct = {0};
        ff_sim_opts_default(&cu.sim.opts);
        ff_sim_opts_default(&ct.sim.opts);
        ff_run_sched su = {0}, st = {0};
        set_tiles(&st, sk[c].tiles);
        ff_run_ops ou = {.kernel = simulate, .user = &cu}, ot = {.kernel = simulate, .user = &ct};
        if (ff_run_program(p, whole, &su, &ou, &err)) fail_msg("%s untiled: %s", sk[c].name, err.msg);
        if (ff_run_program(p, tiled, &st, &ot, &err)) fail_msg("%s tiled: %s", sk[c].name, err.msg);
        print_message("%-32s %d of %d tiles run\n", sk[c].name, ct.n, ct.n + (int)ct.skipped);
        if (ct.n != sk[c].run || ct.n + (int)ct.skipped != sk[c].all)
            fail_msg("%s: %d tiles run, %d skipped; expected %d of %d", sk[c].name, ct.n, (int)ct.skipped,
                     sk[c].run, sk[c].all);
        for (int t = 0; t < p->ntensors; t++) {
            if (!ref[t] || !whole[t]) continue;
            if (ff_tensor_compare(tiled[t], whole[t], &err)) fail_msg("%s: tiled vs untiled: %s", sk[c].name, err.msg);
            if (ff_tensor_compare(tiled[t], ref[t], &err)) fail_msg("%s: tiled vs reference: %s", sk[c].name, err.msg);
        }
        free_data(p, ref);
        free_data(p, tiled);
        free_data(p, whole);
        ff_ir_free(p);
    }
}

/* --tile auto against a capacity: every level of every tile's inputs
 * within tile_words, the result the reference's; nothing fits 1 word. */
static void auto_tiles_fit_and_match(void **state)
{
    (void)state;
    ff_ir_program *p = parse(spmm);
    ff_tensor **data = random_data(p, 5);
    ff_tensor **ref = calloc((size_t)p->ntensors + 1, sizeof *ref);
    ff_err err = {0};
    if (ff_ir_interpret(p, (const ff_tensor *const *)data, ref, &err)) fail_msg("%s", err.msg);
    calls c = {0};
    ff_sim_opts_default(&c.sim.opts);
    char *text = NULL;
    size_t len = 0;
    FILE *report = open_memstream(&text, &len);
    ff_run_sched s = {.tile_auto = 1, .tile_words = 40, .tile_report = report};
    ff_run_ops ops = {.kernel = simulate, .user = &c};
    if (ff_run_program(p, data, &s, &ops, &err)) fail_msg("%s", err.msg);
    fclose(report);
    print_message("%s", text);
    assert_non_null(strstr(text, "kernel 1: --tile "));
    assert_true(c.n > 1);
    int C = ff_ir_find_tensor(p, "C");
    if (ff_tensor_compare(data[C], ref[C], &err)) fail_msg("%s", err.msg);
    free(text);
    s.tile_words = 1;
    s.tile_report = NULL;
    assert_int_not_equal(ff_run_program(p, data, &s, &ops, &err), 0);
    assert_non_null(strstr(err.msg, "--tile auto: kernel 1-1 does not fit 1 words even in tiles of 1"));
    free_data(p, ref);
    free_data(p, data);
    ff_ir_free(p);
}

/* What each tile of an auto run wrote: every level (segments +
 * coordinates) and the values of every output of the graph, as its
 * writers hold them, must be within tile_words; a 2-D accumulator's rows
 * x columns (rounded up to a power of two) within tile_spacc2. */
typedef struct written {
    calls c;
    uint64_t words;          /* tile_words */
    uint32_t acc2;           /* tile_spacc2 (0: unchecked) */
    uint64_t most;           /* the most words one output level took */
    int spacc2;              /* a graph had a spacc2 */
} written;

static int ceil_log2(uint32_t x)
{
    int s = 0;
    while ((1u << s) < x) s++;
    return s;
}

static int simulate_and_measure(ff_run_kernel *rk, void *user, ff_err *err)
{
    written *w = user;
    int rc = simulate(rk, &w->c, err);
    for (int t = 0; !rc && t < rk->g->ntensors; t++) {
        const ff_tensor *o = rk->out[t];
        if (!rk->g->tensors[t].is_output || !o) continue;
        uint64_t most = o->nvals;
        for (int l = 0; l < o->fmt.nlevels; l++)
            if (o->lvl[l].nseg + o->lvl[l].ncrd > most) most = o->lvl[l].nseg + o->lvl[l].ncrd;
        if (most > w->most) w->most = most;
        if (most > w->words) fail_msg("tile %d: output '%s' took %llu words > %llu", rk->tile, o->name,
                                      (unsigned long long)most, (unsigned long long)w->words);
    }
    for (int n = 0; !rc && n < rk->g->nnodes; n++) {
        if (rk->g->nodes[n].kind != FF_PRIM_SPACC2) continue;
        w->spacc2 = 1;
        /* spmm in order k,i,j: rows are A's mode 0, columns B's mode 1 */
        int a = ff_ir_find_tensor(rk->p, "A"), b = ff_ir_find_tensor(rk->p, "B");
        uint32_t rows = rk->data[a]->dims[0], cols = rk->data[b]->dims[1];
        if (w->acc2 && ((uint64_t)rows << ceil_log2(cols)) > w->acc2)
            fail_msg("tile %d: spacc2 over %u x %u > %u words", rk->tile, rows, cols, w->acc2);
    }
    return rc;
}

/* --tile auto bounds a sparse output tile by what its inputs store, not by
 * its extents, and the bound is safe: on random data of every density, no
 * tile's output takes more words than allowed, and the merged result is
 * the reference's. A product of a tensor with itself fits where its input
 * does (untiled), though its 13 x 13 extents would not. */
static void auto_bounds_outputs_by_support(void **state)
{
    (void)state;
    static const char mul[] = "tensor A[N, M] : csr\ntensor B[N, M] : csr\ntensor C[N, M] : csr\n"
                              "C[i,j] = A[i,j] * B[i,j]\n";
    static const char dcsr_sub[] = "tensor A[N, M] : dcsr\ntensor B[N, M] : csr\ntensor C[N, M] : dcsr\n"
                                   "C[i,j] = A[i,j] - relu(B[i,j])\n";
    const char *texts[] = {add, mul, sddmm, dcsr_sub};
    for (size_t x = 0; x < sizeof texts / sizeof texts[0]; x++)
        for (uint64_t seed = 1; seed <= 3; seed++)
            for (uint64_t words = 24; words <= 72; words += 24) {
                ff_ir_program *p = parse(texts[x]);
                ff_tensor **data = random_data(p, seed);
                ff_tensor **ref = calloc((size_t)p->ntensors + 1, sizeof *ref);
                ff_err err = {0};
                if (ff_ir_interpret(p, (const ff_tensor *const *)data, ref, &err)) fail_msg("%s", err.msg);
                written w = {.words = words};
                ff_sim_opts_default(&w.c.sim.opts);
                ff_run_sched s = {.tile_auto = 1, .tile_words = words};
                ff_run_ops ops = {.kernel = simulate_and_measure, .user = &w};
                if (ff_run_program(p, data, &s, &ops, &err)) fail_msg("case %d seed %d: %s", (int)x, (int)seed, err.msg);
                assert_true(w.most > 0);
                for (int t = 0; t < p->ntensors; t++)
                    if (ref[t] && p->tensors[t].role == FF_IR_OUTPUT && ff_tensor_compare(data[t], ref[t], &err))
                        fail_msg("case %d seed %d: %s", (int)x, (int)seed, err.msg);
                free_data(p, ref);
                free_data(p, data);
                ff_ir_free(p);
            }

    ff_ir_program *p = parse(mul);
    ff_tensor **data = random_data(p, 7);
    int a = ff_ir_find_tensor(p, "A"), b = ff_ir_find_tensor(p, "B");
    ff_err err = {0};
    ff_tensor_free(data[b]);
    if (ff_tensor_convert(data[a], &data[a]->fmt, &data[b], &err)) fail_msg("%s", err.msg);
    uint64_t in = data[a]->lvl[1].nseg + data[a]->lvl[1].ncrd;
    assert_true(in < 13 + 1 + 13 * 13);
    char *text = NULL;
    size_t len = 0;
    FILE *report = open_memstream(&text, &len);
    written w = {.words = in};
    ff_sim_opts_default(&w.c.sim.opts);
    ff_run_sched s = {.tile_auto = 1, .tile_words = in, .tile_report = report};
    ff_run_ops ops = {.kernel = simulate_and_measure, .user = &w};
    if (ff_run_program(p, data, &s, &ops, &err)) fail_msg("%s", err.msg);
    fclose(report);
    assert_non_null(strstr(text, "kernel 1: --tile auto: untiled"));
    assert_int_equal(w.c.n, 1);
    free(text);
    free_data(p, data);
    ff_ir_free(p);
}

/* A kernel whose graph places a 2-D accumulator (spmm in order k,i,j) is
 * tiled so that its rows x columns fit tile_spacc2; one with blocked
 * inputs so that they fit the block store. */
static void auto_fits_accumulator_and_block_store(void **state)
{
    (void)state;
    static const char spmm_kij[] = "tensor A[N, K] : csc\ntensor B[K, M] : csr\nC[i,j] = A[i,k] * B[k,j]\n";
    ff_ir_program *p = parse(spmm_kij);
    ff_tensor **data = random_data(p, 3);
    ff_tensor **ref = calloc((size_t)p->ntensors + 1, sizeof *ref);
    ff_err err = {0};
    if (ff_ir_interpret(p, (const ff_tensor *const *)data, ref, &err)) fail_msg("%s", err.msg);
    const char *order[] = {"k,i,j"};
    written w = {.words = 1000, .acc2 = 32};
    ff_sim_opts_default(&w.c.sim.opts);
    ff_run_sched s = {.orders = order, .norders = 1, .tile_auto = 1, .tile_words = 1000, .tile_spacc2 = 32};
    ff_run_ops ops = {.kernel = simulate_and_measure, .user = &w};
    if (ff_run_program(p, data, &s, &ops, &err)) fail_msg("%s", err.msg);
    assert_true(w.spacc2);
    assert_true(w.c.n > 1); /* 13 x 16 words untiled */
    int C = ff_ir_find_tensor(p, "C");
    if (ff_tensor_compare(data[C], ref[C], &err)) fail_msg("%s", err.msg);
    free_data(p, ref);
    free_data(p, data);
    ff_ir_free(p);

    /* blocked: at most one 2x2 block per stored value of each input */
    p = parse(spmm);
    data = random_data(p, 4);
    ref = calloc((size_t)p->ntensors + 1, sizeof *ref);
    if (ff_ir_interpret(p, (const ff_tensor *const *)data, ref, &err)) fail_msg("%s", err.msg);
    calls c = {0};
    ff_sim_opts_default(&c.sim.opts);
    char *text = NULL;
    size_t len = 0;
    FILE *report = open_memstream(&text, &len);
    ff_run_sched sb = {.block = 2, .tile_auto = 1, .tile_words = 1000, .tile_block_words = 256, .tile_report = report};
    ff_run_ops ob = {.kernel = simulate, .user = &c};
    if (ff_run_program(p, data, &sb, &ob, &err)) fail_msg("%s", err.msg);
    fclose(report);
    print_message("%s", text);
    assert_true(c.n > 1);
    free(text);
    C = ff_ir_find_tensor(p, "C");
    if (ff_tensor_compare(data[C], ref[C], &err)) fail_msg("%s", err.msg);
    sb.tile_block_words = 3; /* not even one 2x2 block */
    sb.tile_report = NULL;
    assert_int_not_equal(ff_run_program(p, data, &sb, &ob, &err), 0);
    if (!strstr(err.msg, "block store")) fail_msg("got '%s'", err.msg);
    free_data(p, ref);
    free_data(p, data);
    ff_ir_free(p);
}

/* Partial sums over k tiles that saturate when added are an error naming
 * the tensor, not a silently clipped result. */
static void saturating_partial_sums_are_an_error(void **state)
{
    (void)state;
    ff_ir_program *p = parse(spmv);
    ff_tensor **data = calloc((size_t)p->ntensors + 1, sizeof *data);
    const uint32_t dims[2] = {1, 2}, crd[] = {0, 0, 0, 1};
    const ff_fx vals[] = {20000 * 65536, 20000 * 65536}, ones[] = {65536, 65536};
    int a = ff_ir_find_tensor(p, "A"), x = ff_ir_find_tensor(p, "x");
    ff_err err = {0};
    if (ff_tensor_from_coo("A", 2, dims, &p->tensors[a].fmt, p->frac_bits, 2, crd, vals, &data[a], &err) ||
        ff_tensor_from_dense("x", 1, dims + 1, &p->tensors[x].fmt, p->frac_bits, ones, &data[x], &err))
        fail_msg("%s", err.msg);
    calls c = {0};
    ff_sim_opts_default(&c.sim.opts);
    ff_run_sched s = {0};
    set_tiles(&s, "k:1");
    ff_run_ops ops = {.kernel = simulate, .user = &c};
    assert_int_not_equal(ff_run_program(p, data, &s, &ops, &err), 0);
    assert_non_null(strstr(err.msg, "adding the tiles' partial sums of 'y' saturated 1 times"));
    free_data(p, data);
    ff_ir_free(p);
}

/* What cannot be merged is refused by the check, with the loop named. */
static void unmergeable_tilings_are_refused(void **state)
{
    (void)state;
    static const struct {
        const char *text, *fuse, *tiles, *want;
    } bad[] = {
        {mlp, "all", "k:3", "--tile k: kernel 1-2 sums over 'k' in a fused statement"},
        {"tensor A[N, M] : dense\nP[i,j] = softmax[j](A[i,j])\n", "none", "j:3",
         "--tile j: statement 1 normalises over 'j'"},
        {"tensor A[N, K] : csr\ntensor x[K] : dense\ny[i] = relu(A[i,k] * x[k])\n", "none", "k:3",
         "--tile k: statement 1 uses its sum over 'k' inside a larger expression"},
        {spmv, "none", "q:3", "--tile q:3: no statement has a loop 'q' (loops: i, k)"},
        {spmv, "none", "i:3,i:4", "--tile i:4: loop 'i' is tiled twice"},
    };
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        ff_ir_program *p = parse(bad[b].text);
        ff_kernel ks[8];
        ff_err err = {0};
        int nk = ff_fuse_parse(p, bad[b].fuse, ks, 8, &err);
        assert_true(nk > 0);
        ff_run_sched s = {0};
        set_tiles(&s, bad[b].tiles);
        assert_int_not_equal(ff_run_check_tiles(p, ks, nk, &s, &err), 0);
        if (!strstr(err.msg, bad[b].want)) fail_msg("got '%s', want '%s'", err.msg, bad[b].want);
        ff_ir_free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tiled_matches_untiled_and_reference),
        cmocka_unit_test(empty_tiles_are_skipped),
        cmocka_unit_test(auto_tiles_fit_and_match),
        cmocka_unit_test(auto_bounds_outputs_by_support),
        cmocka_unit_test(auto_fits_accumulator_and_block_store),
        cmocka_unit_test(saturating_partial_sums_are_an_error),
        cmocka_unit_test(unmergeable_tilings_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
