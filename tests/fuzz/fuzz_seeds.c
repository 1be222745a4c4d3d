/* Writes the bitstream harness's seed corpus at build time (bitstreams are
 * build outputs, not committed): each graph JSON given is placed on the
 * array given, and its bitstream written as OUTDIR/<graph file name>.bit.
 *
 *     fuzz_seeds OUTDIR ARRAY.json GRAPH.json...
 *
 * A graph that does not fit the array is skipped; exits 1 when none fits. */
#include <stdio.h>
#include <string.h>

#include "ff_backend.h"
#include "ff_graph.h"
#include "ff_sim.h"

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: fuzz_seeds OUTDIR ARRAY.json GRAPH.json...\n");
        return 2;
    }
    ff_err err = {0};
    ff_array_desc array;
    memset(&array, 0, sizeof array);
    if (ff_array_load(argv[2], &array, &err)) {
        fprintf(stderr, "fuzz_seeds: %s\n", err.msg);
        return 1;
    }
    ff_arch arch;
    ff_arch_default(&arch);
    int written = 0;
    for (int i = 3; i < argc; i++) {
        ff_graph *g = NULL;
        ff_bitstream *b = NULL;
        const char *base = strrchr(argv[i], '/');
        base = base ? base + 1 : argv[i];
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.bit", argv[1], base);
        if (ff_graph_load_json(argv[i], &g, &err) == 0 && ff_graph_validate(g, &err) == 0 &&
            ff_backend_compile(g, &array, &arch, &b, &err) == 0 && ff_bitstream_save(b, path, &err) == 0)
            written++;
        else
            fprintf(stderr, "fuzz_seeds: skipped %s: %s\n", argv[i], err.msg);
        ff_bitstream_free(b);
        ff_graph_free(g);
    }
    return written ? 0 : 1;
}
