/* Fuzzes the model language front end: parse (ff_ir_parse), place reductions
 * (ff_ir_place_reductions), then lower every statement with its default loop
 * order (ff_lower_stmt, norder 0). Seeds: examples/ (see tests/fuzz/README.md). */
#include "fuzz_util.h"

#include "ff_ir.h"
#include "ff_lower.h"
#include "ff_graph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fuzz_text(data, size);
    if (!text) return 0;
    ff_err err = {0};
    ff_ir_program *p = NULL;
    if (ff_ir_parse("fuzz.ff", text, &p, &err) == 0 && ff_ir_place_reductions(p, &err) == 0) {
        for (int s = 0; s < p->nstmts; s++) {
            ff_lower_opts opts;
            memset(&opts, 0, sizeof opts);
            ff_graph *g = NULL;
            if (ff_lower_stmt(p, s, &opts, &g, &err) == 0) ff_graph_free(g);
        }
    }
    ff_ir_free(p);
    free(text);
    return 0;
}
