/* Fuzzes the tensor file readers (models/tensor): the same bytes go to the
 * Matrix Market reader and to the dense text reader. Seeds:
 * tests/fuzz/seeds/{mtx,text}, data/.
 *
 * Matrix Market is read as "sparse" (every level compressed) for each order,
 * so that what is allocated is bounded by the entries in the file: the
 * default format's dense outer level is sized by the declared rows (up to
 * 2^31 positions by design: "1861111405 0" empty array = 7.4 GB of segments),
 * which is a declared size, not a parser bug. The orders that do not match
 * the file fail at the header. The text form is read with its default
 * (dense), whose values are allocated as they are read. */
#include "fuzz_util.h"

#include "ff_tensor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_file(data, size, ".mtx");
    if (!path) return 0;
    ff_err err = {0};
    ff_tensor *t = NULL;
    for (int order = 1; order <= FF_MAX_ORDER; order++) {
        ff_format fmt;
        if (ff_format_parse("sparse", order, &fmt, &err) != 0) continue;
        t = NULL;
        if (ff_tensor_read_mtx(path, &fmt, 16, &t, &err) == 0) ff_tensor_free(t);
    }
    t = NULL;
    if (ff_tensor_read_text(path, NULL, 16, &t, &err) == 0) ff_tensor_free(t);
    unlink(path);
    return 0;
}
