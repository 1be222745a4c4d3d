/* Fuzzes the dataflow graph JSON reader (ff_graph_load_json_string) and,
 * for graphs it accepts, validation and the JSON writer. Seeds: tests/graphs. */
#include "fuzz_util.h"

#include "ff_graph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fuzz_text(data, size);
    if (!text) return 0;
    ff_err err = {0};
    ff_graph *g = NULL;
    if (ff_graph_load_json_string(text, "fuzz.json", &g, &err) == 0) {
        (void)ff_graph_validate(g, &err);
        free(ff_graph_to_json_string(g));
        ff_graph_free(g);
    }
    free(text);
    return 0;
}
