/*
 * test_cosim_blocks.c -- the blocked variants of the co-simulation
 * regression (docs/cosim.md "Block mode"): every kernel of blockcases.c and
 * the GPT-3/BigBird block with its mask and scores in blocks, lowered with
 * --block B, on the C cycle model and on the Verilated `kernels` array
 * (block store and 2x2 block datapaths): outputs bit-exact (to each other
 * and to the reference interpreter), cycles exact, and every channel token
 * for token -- block handles included, which the array's allocator must
 * grant exactly as the C model does. Unfused, fused, and parallelized.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "appcases.h"
#include "blockcases.h"
#include "cosim_group.h"


/* Every root in `order` (or its default order), blocked, and with
 * par_index set, parallelized `lanes` ways. */
typedef struct sched {
    const char *order;
    int block;
    const char *par_index;
    int lanes;
} sched;

/* Program p on data, schedule `fuse`, blocked B: the kernels that ran, and
 * how many of them failed. */
static int cosim_sched(ff_ir_program *p, ff_tensor **data, const char *name, const char *fuse, const sched *s,
                       int *nkernels)
{
    ff_err err = {0};
    ff_tensor **ref = calloc((size_t)p->ntensors + 1, sizeof *ref);
    if (ff_ir_interpret(p, (const ff_tensor *const *)data, ref, &err))
        fail_msg("%s: reference interpreter: %s", name, err.msg);
    ff_run_sched rs = {.fuse = fuse, .orders = &s->order, .norders = s->order != NULL, .block = s->block,
                       .par = s->par_index ? s->lanes : 0};
    if (s->par_index) snprintf(rs.par_index, sizeof rs.par_index, "%s", s->par_index);
    ff_run_cosim_opts po = {.model = name, .done = cosim_group_print_kernel};
    po.graph.channels = 1;
    ff_run_cosim_kernel *ks = NULL;
    int nk = 0;
    if (ff_run_cosim_program(cosim_group, p, data, ref, &rs, &po, &ks, &nk, &err)) fail_msg("%s: %s", name, err.msg);
    int failed = 0;
    for (int k = 0; k < nk; k++) failed += ks[k].failure != NULL || !ks[k].compared;
    ff_run_cosim_kernels_free(ks, nk);
    for (int t = 0; t < p->ntensors; t++) ff_tensor_free(ref[t]);
    free(ref);
    *nkernels = nk;
    return failed;
}

static int cosim_blocked(ff_ir_program *p, ff_tensor **data, const char *name, const char *fuse, const char *order,
                         int B, int *nkernels)
{
    sched s = {order, B, NULL, 0};
    return cosim_sched(p, data, name, fuse, &s, nkernels);
}

/* The text with its bcsr blocks (of whatever size) made BxB. */
static char *with_block(const char *text, int B)
{
    char *out = malloc(strlen(text) + 64), *o = out;
    for (const char *t = text; *t;) {
        if (!strncmp(t, "bcsr(", 5) && strchr(t, ')')) {
            o += sprintf(o, "bcsr(%d)", B);
            t = strchr(t, ')') + 1;
        } else {
            *o++ = *t++;
        }
    }
    *o = '\0';
    return out;
}

/* Program `text` (its 4x4 blocks made BxB) on random data of the given
 * density, sizes 3B and 2B, under schedule `fuse` and s: the kernels run,
 * and how many failed. */
static int run_text(const char *label, const char *text, int B, double density, uint64_t seed, const char *fuse,
                    const sched *s, int *runs)
{
    char *bt = with_block(text, B), name[128];
    snprintf(name, sizeof name, "%s --block %d%s%s --fuse %s density %.1f", label, B, s->par_index ? " --par " : "",
             s->par_index ? s->par_index : "", fuse, density);
    ff_ir_program *p = NULL;
    ff_err err = {0};
    if (ff_ir_parse(label, bt, &p, &err) || ff_ir_place_reductions(p, &err)) fail_msg("%s", err.msg);
    ff_tensor **data = calloc((size_t)p->ntensors + 1, sizeof *data);
    uint32_t sizes[16];
    for (int z = 0; z < p->nsizes && z < 16; z++) sizes[z] = (uint32_t)(z % 2 ? 2 * B : 3 * B);
    if (ff_ir_random_inputs(p, seed, density, sizes, data, &err)) fail_msg("%s: %s", name, err.msg);
    printf("%s\n", name);
    int nk = 0;
    sched bs = *s;
    bs.block = B;
    int failed = cosim_sched(p, data, name, fuse, &bs, &nk);
    *runs += nk;
    for (int t = 0; t < p->ntensors; t++) ff_tensor_free(data[t]);
    free(data);
    ff_ir_free(p);
    free(bt);
    return failed;
}

/* Every blocked kernel, blocks of 1 and 2 (`kernels` takes up to 2x2),
 * sparse and full, on both models. */
static void blocked_kernels_match(void **state)
{
    (void)state;
    static const int blocks[] = {1, 2};
    static const double densities[] = {0.3, 1.0};
    int runs = 0, failures = 0;
    for (int c = 0; c < block_ncases; c++)
        for (size_t bi = 0; bi < sizeof blocks / sizeof blocks[0]; bi++)
            for (size_t di = 0; di < sizeof densities / sizeof densities[0]; di++) {
                sched s = {block_cases[c].order, 0, NULL, 0};
                failures += run_text(block_cases[c].name, block_cases[c].text, blocks[bi], densities[di],
                                     700 + (uint64_t)c * 7 + bi * 3 + di, "none", &s, &runs);
            }
    printf("blocked kernels: %d kernel runs on both models, %d failed\n", runs, failures);
    assert_int_equal(failures, 0);
    assert_true(runs >= 2 * 2 * block_ncases);
}

/* Parallelized and blocked: every kernel with 2 lanes under its output
 * loop i -- forks and serializes pass handles, the lanes allocate in node
 * order on both models. */
static void blocked_par_kernels_match(void **state)
{
    (void)state;
    int runs = 0, failures = 0;
    for (int c = 0; c < block_ncases; c++) {
        sched s = {block_cases[c].order, 0, "i", 2};
        failures += run_text(block_cases[c].name, block_cases[c].text, 2, 0.5, 900 + (uint64_t)c, "none", &s, &runs);
    }
    printf("blocked --par i:2 kernels: %d kernel runs, %d failed\n", runs, failures);
    assert_int_equal(failures, 0);
    assert_true(runs >= block_ncases);
}

/* Fused and blocked: masked attention with its softmax fused whole. (The
 * GCN layer has no loop order for both products at once with XW stored
 * column-major.) */
static void blocked_fused_match(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/examples/block_attention.ff", FF_SOURCE_DIR);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char att[4096];
    size_t n = fread(att, 1, sizeof att - 1, f);
    fclose(f);
    att[n] = '\0';
    int runs = 0, failures = 0;
    sched s = {NULL, 0, NULL, 0};
    for (int B = 1; B <= 2; B++)
        for (int d = 0; d < 2; d++)
            failures += run_text("block_attention.ff", att, B, d ? 1.0 : 0.4, 950 + (uint64_t)(B + d), "all", &s, &runs);
    assert_int_equal(failures, 0);
    assert_int_equal(runs, 4);
}

/* The GPT-3/BigBird block with mask and scores in 2x2 blocks: the
 * attention kernels stream blocks, the dense projections scalars. Unfused,
 * and with the softmax fused into P V (the fused group that fits
 * `kernels`; per component needs 27 scan tiles). */
static void gpt_blocked(const char *fuse, int nkernels)
{
    int a = -1;
    for (int i = 0; i < app_ncases; i++)
        if (!strcmp(app_cases[i].file, "gpt3_bigbird.ff")) a = i;
    assert_true(a >= 0);
    ff_ir_program *p = NULL;
    ff_tensor **data = NULL;
    app_load_blocked_as(a, 2, &p, &data);
    printf("gpt3_bigbird.ff (blocked 2x2) --fuse %s --block 2\n", fuse);
    int nk = 0;
    int failed = cosim_blocked(p, data, "gpt3_bigbird.ff", fuse, NULL, 2, &nk);
    app_free(p, data);
    assert_int_equal(failed, 0);
    assert_int_equal(nk, nkernels);
}

static void gpt_blocked_unfused(void **state) { (void)state, gpt_blocked("none", 11); }
static void gpt_blocked_softmax_fused(void **state) { (void)state, gpt_blocked("1,2,3,4,5,6-7,8,9,10,11", 10); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(blocked_kernels_match),
        cmocka_unit_test(blocked_par_kernels_match),
        cmocka_unit_test(blocked_fused_match),
        cmocka_unit_test(gpt_blocked_unfused),
        cmocka_unit_test(gpt_blocked_softmax_fused),
    };
    return cmocka_run_group_tests_name("cosim_blocks", tests, cosim_group_setup, cosim_group_teardown);
}
