/* Fuzzes the architecture JSON reader (ff_arch_load_string). Seeds: arch/. */
#include "fuzz_util.h"

#include "ff_sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fuzz_text(data, size);
    if (!text) return 0;
    ff_err err = {0};
    ff_arch a;
    ff_arch_default(&a);
    (void)ff_arch_load_string(text, "fuzz.json", &a, &err);
    free(text);
    return 0;
}
