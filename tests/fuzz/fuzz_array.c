/* Fuzzes the RDA array description reader (ff_array_load_string) and the
 * hash of what it accepts. Seeds: rtl/arrays/. */
#include "fuzz_util.h"

#include "ff_backend.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fuzz_text(data, size);
    if (!text) return 0;
    ff_err err = {0};
    ff_array_desc a;
    memset(&a, 0, sizeof a);
    if (ff_array_load_string(text, "fuzz.json", &a, &err) == 0) (void)ff_array_hash(&a);
    free(text);
    return 0;
}
