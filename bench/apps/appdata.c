/*
 * appdata.c -- inputs for the applications in bench/apps, as .mtx files:
 *
 *   ff_appdata graph cora|citeseer SHARED_DATA DIR
 *       DIR/A.mtx    symmetric adjacency from the citation edges (a cites b
 *                    and b cites a are one undirected edge), values 1
 *       DIR/AI.mtx   the same plus self loops (GCN's A + I)
 *       DIR/X.mtx    node features: Cora's 1433 binary word features from
 *                    cora.content; CiteSeer ships no features here, so they
 *                    are generated at Cora's density (seeded, reported)
 *   ff_appdata bigbird SEQ BLOCK SEED FILE
 *       BigBird block-sparse attention mask, SEQ x SEQ, pattern in BLOCK x
 *       BLOCK blocks: per block row, the diagonal block and one on each side
 *       (a +-1-block window), 2 random blocks (seeded), and the first 2
 *       block rows and block columns (global tokens); written element-wise
 *   ff_appdata images SHARED_DATA ROWS FILE
 *       the first ROWS of the GraphChallenge sparse MNIST images (a batch)
 *
 * Everything is deterministic: same arguments, same bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ff_tensor.h"

static int fail(const ff_err *e)
{
    fprintf(stderr, "ff_appdata: %s\n", e->msg);
    return 1;
}

/* Paper ids in first-seen order: an open-addressing map id -> index. */
typedef struct idmap {
    char **keys;
    int *vals;
    size_t cap, n;
} idmap;

static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int idmap_get(idmap *m, const char *key, int add)
{
    if (m->n * 2 >= m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 1024;
        char **nk = ff_xcalloc(ncap, sizeof *nk);
        int *nv = ff_xcalloc(ncap, sizeof *nv);
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i]) {
                size_t h = hash_str(m->keys[i]) & (ncap - 1);
                while (nk[h]) h = (h + 1) & (ncap - 1);
                nk[h] = m->keys[i];
                nv[h] = m->vals[i];
            }
        free(m->keys);
        free(m->vals);
        m->keys = nk;
        m->vals = nv;
        m->cap = ncap;
    }
    size_t h = hash_str(key) & (m->cap - 1);
    while (m->keys[h]) {
        if (!strcmp(m->keys[h], key)) return m->vals[h];
        h = (h + 1) & (m->cap - 1);
    }
    if (!add) return -1;
    m->keys[h] = ff_xstrdup(key);
    m->vals[h] = (int)m->n++;
    return m->vals[h];
}

static void idmap_free(idmap *m)
{
    for (size_t i = 0; i < m->cap; i++) free(m->keys[i]);
    free(m->keys);
    free(m->vals);
}

typedef FF_VEC(uint32_t) u32vec;

/* Writes the coordinates in crd (pairs) as a pattern matrix of ones;
 * *nnz (if given) gets the number of distinct entries. */
static int write_pattern_nnz(const char *path, uint32_t rows, uint32_t cols, const u32vec *crd, size_t *nnz, ff_err *err)
{
    ff_format f;
    if (ff_format_parse("csr", 2, &f, err)) return err->code;
    ff_fx *vals = ff_xmalloc((crd->len / 2 + 1) * sizeof *vals);
    for (size_t i = 0; i < crd->len / 2; i++) vals[i] = ff_fx_from_int(1, FF_FX_DEFAULT_FRAC);
    uint32_t dims[2] = {rows, cols};
    ff_tensor *t = NULL;
    int rc = ff_tensor_from_coo("pattern", 2, dims, &f, FF_FX_DEFAULT_FRAC, crd->len / 2, crd->data, vals, &t, err);
    free(vals);
    if (!rc) {
        /* duplicates were summed: a pattern has ones */
        for (size_t i = 0; i < t->nvals; i++) t->vals[i] = ff_fx_from_int(1, FF_FX_DEFAULT_FRAC);
        rc = ff_tensor_write_mtx(t, path, err);
        if (nnz) *nnz = t->nvals;
    }
    ff_tensor_free(t);
    return rc;
}

static int write_pattern(const char *path, uint32_t rows, uint32_t cols, const u32vec *crd, ff_err *err)
{
    return write_pattern_nnz(path, rows, cols, crd, NULL, err);
}

static int graph(const char *which, const char *shared, const char *dir)
{
    ff_err err = {0};
    char path[4096];
    idmap ids = {0};
    u32vec feat = {0};
    int is_cora = !strcmp(which, "cora");
    uint32_t nfeat = 1433;
    if (!is_cora && strcmp(which, "citeseer")) {
        fprintf(stderr, "ff_appdata: graph '%s': expected cora or citeseer\n", which);
        return 2;
    }
    if (is_cora) {
        /* Node order and features from cora.content. */
        snprintf(path, sizeof path, "%s/cora/cora.content", shared);
        FILE *f = fopen(path, "r");
        if (!f) {
            fprintf(stderr, "ff_appdata: %s: %s\n", path, strerror(errno));
            return 1;
        }
        static char line[65536];
        int lineno = 0;
        while (fgets(line, sizeof line, f)) {
            lineno++;
            char *tok = strtok(line, " \t\r\n");
            if (!tok) continue;
            int node = idmap_get(&ids, tok, 1);
            uint32_t k = 0;
            while ((tok = strtok(NULL, " \t\r\n"))) {
                if (k < nfeat && !strcmp(tok, "1")) {
                    FF_VEC_PUSH(feat, (uint32_t)node);
                    FF_VEC_PUSH(feat, k);
                }
                k++;
            }
            if (k != nfeat + 1) {
                fprintf(stderr, "ff_appdata: %s:%d: expected %u features and a label, found %u fields\n", path,
                        lineno, nfeat, k);
                fclose(f);
                return 1;
            }
        }
        fclose(f);
    }
    /* Edges: symmetric, self loops skipped here (AI adds them). */
    snprintf(path, sizeof path, "%s/%s/%s.cites", shared, which, which);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "ff_appdata: %s: %s\n", path, strerror(errno));
        return 1;
    }
    u32vec edges = {0};
    char a[256], b[256];
    int lineno = 0, skipped = 0;
    while (fscanf(f, "%255s %255s", a, b) == 2) {
        lineno++;
        int ia = idmap_get(&ids, a, !is_cora), ib = idmap_get(&ids, b, !is_cora);
        if (ia < 0 || ib < 0) { /* a paper without content: not in the graph */
            skipped++;
            continue;
        }
        if (ia == ib) continue;
        FF_VEC_PUSH(edges, (uint32_t)ia);
        FF_VEC_PUSH(edges, (uint32_t)ib);
        FF_VEC_PUSH(edges, (uint32_t)ib);
        FF_VEC_PUSH(edges, (uint32_t)ia);
    }
    fclose(f);
    uint32_t n = (uint32_t)ids.n;
    size_t nnz = 0;
    snprintf(path, sizeof path, "%s/A.mtx", dir);
    if (write_pattern_nnz(path, n, n, &edges, &nnz, &err)) return fail(&err);
    for (uint32_t i = 0; i < n; i++) {
        FF_VEC_PUSH(edges, i);
        FF_VEC_PUSH(edges, i);
    }
    snprintf(path, sizeof path, "%s/AI.mtx", dir);
    if (write_pattern(path, n, n, &edges, &err)) return fail(&err);
    if (!is_cora) {
        /* Cora's feature density: 49216 ones in 2708 x 1433. */
        double density = 49216.0 / (2708.0 * 1433.0);
        uint32_t dims[2] = {n, nfeat};
        ff_format fmt;
        ff_format_parse("csr", 2, &fmt, &err);
        ff_rand_spec spec = {density, 1.0, 1.0, 0, 1433};
        ff_tensor *x = NULL;
        if (ff_tensor_random("X", 2, dims, &fmt, FF_FX_DEFAULT_FRAC, &spec, &x, &err)) return fail(&err);
        snprintf(path, sizeof path, "%s/X.mtx", dir);
        int rc = ff_tensor_write_mtx(x, path, &err);
        ff_tensor_free(x);
        if (rc) return fail(&err);
        printf("%s: features generated at Cora's density %.5f (seed 1433)\n", which, density);
    } else {
        snprintf(path, sizeof path, "%s/X.mtx", dir);
        if (write_pattern(path, n, nfeat, &feat, &err)) return fail(&err);
    }
    printf("%s: %u nodes, %zu undirected edges (%d citations of papers outside the graph skipped) -> %s\n", which, n,
           nnz / 2, skipped, dir);
    free(edges.data);
    free(feat.data);
    idmap_free(&ids);
    return 0;
}

static int bigbird(uint32_t seq, uint32_t block, uint64_t seed, const char *file)
{
    if (block == 0 || seq % block) {
        fprintf(stderr, "ff_appdata: bigbird: SEQ %u must be a multiple of BLOCK %u\n", seq, block);
        return 2;
    }
    uint32_t nb = seq / block;
    unsigned char *on = ff_xcalloc((size_t)nb * nb, 1);
    ff_rng rng;
    ff_rng_seed(&rng, seed);
    for (uint32_t r = 0; r < nb; r++) {
        for (int d = -1; d <= 1; d++)
            if ((int)r + d >= 0 && (int)r + d < (int)nb) on[r * nb + (uint32_t)((int)r + d)] = 1;
        for (int k = 0; k < 2; k++) on[r * nb + (uint32_t)ff_rng_below(&rng, nb)] = 1;
        for (uint32_t g = 0; g < 2 && g < nb; g++) {
            on[r * nb + g] = 1; /* global block columns */
            on[g * nb + r] = 1; /* global block rows */
        }
    }
    u32vec crd = {0};
    size_t blocks = 0;
    for (uint32_t r = 0; r < nb; r++)
        for (uint32_t c = 0; c < nb; c++) {
            if (!on[r * nb + c]) continue;
            blocks++;
            for (uint32_t i = 0; i < block; i++)
                for (uint32_t j = 0; j < block; j++) {
                    FF_VEC_PUSH(crd, r * block + i);
                    FF_VEC_PUSH(crd, c * block + j);
                }
        }
    ff_err err = {0};
    int rc = write_pattern(file, seq, seq, &crd, &err);
    printf("bigbird: %u x %u, %u x %u blocks, %zu of %u blocks (%.1f%%) -> %s\n", seq, seq, block, block, blocks,
           nb * nb, 100.0 * (double)blocks / (double)(nb * nb), file);
    free(on);
    free(crd.data);
    return rc ? fail(&err) : 0;
}

static int images(const char *shared, uint32_t rows, const char *file)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/ml/graphchallenge_sparse-images-1024_subset.mtx", shared);
    ff_format fmt;
    ff_err err = {0};
    ff_format_parse("csr", 2, &fmt, &err);
    ff_tensor *t = NULL;
    if (ff_tensor_read_mtx(path, &fmt, FF_FX_DEFAULT_FRAC, &t, &err)) return fail(&err);
    if (rows == 0 || rows > t->dims[0]) {
        fprintf(stderr, "ff_appdata: images: ROWS must be 1..%u\n", t->dims[0]);
        ff_tensor_free(t);
        return 2;
    }
    u32vec crd = {0};
    for (uint32_t i = 0; i < rows; i++)
        for (uint32_t p = t->lvl[1].seg[i]; p < t->lvl[1].seg[i + 1]; p++) {
            FF_VEC_PUSH(crd, i);
            FF_VEC_PUSH(crd, t->lvl[1].crd[p]);
        }
    int rc = write_pattern(file, rows, t->dims[1], &crd, &err);
    printf("images: the first %u of %u GraphChallenge images (%zu nonzeros) -> %s\n", rows, t->dims[0], crd.len / 2, file);
    free(crd.data);
    ff_tensor_free(t);
    return rc ? fail(&err) : 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "graph")) return graph(argv[2], argv[3], argv[4]);
    if (argc == 6 && !strcmp(argv[1], "bigbird"))
        return bigbird((uint32_t)atoi(argv[2]), (uint32_t)atoi(argv[3]), strtoull(argv[4], NULL, 10), argv[5]);
    if (argc == 5 && !strcmp(argv[1], "images")) return images(argv[2], (uint32_t)atoi(argv[3]), argv[4]);
    fprintf(stderr,
            "usage: ff_appdata graph cora|citeseer SHARED_DATA DIR\n"
            "       ff_appdata bigbird SEQ BLOCK SEED FILE\n"
            "       ff_appdata images SHARED_DATA ROWS FILE\n");
    return 2;
}
