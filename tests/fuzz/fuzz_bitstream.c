/* Fuzzes the bitstream text reader (ff_bitstream_parse) and the decoder
 * that prints what it accepts field by field (ff_bitstream_decode, to
 * /dev/null). Seeds: bitstreams fuzz_seeds writes at build time. */
#include "fuzz_util.h"

#include "ff_backend.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static FILE *sink;
    if (!sink) sink = fopen("/dev/null", "w");
    char *text = fuzz_text(data, size);
    if (!text) return 0;
    ff_err err = {0};
    ff_bitstream *b = NULL;
    if (ff_bitstream_parse(text, "fuzz.bit", &b, &err) == 0) {
        if (sink) ff_bitstream_decode(b, sink);
        free(ff_bitstream_to_string(b));
        ff_bitstream_free(b);
    }
    free(text);
    return 0;
}
