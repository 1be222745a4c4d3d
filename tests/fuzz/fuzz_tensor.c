/* Fuzzes the tensor file readers (models/tensor): the same bytes go to the
 * Matrix Market reader and to the dense text reader, each with the default
 * format for the file's order. Seeds: tests/fuzz/seeds/{mtx,text}, data/. */
#include "fuzz_util.h"

#include "ff_tensor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_file(data, size, ".mtx");
    if (!path) return 0;
    ff_err err = {0};
    ff_tensor *t = NULL;
    if (ff_tensor_read_mtx(path, NULL, 16, &t, &err) == 0) ff_tensor_free(t);
    t = NULL;
    if (ff_tensor_read_text(path, NULL, 16, &t, &err) == 0) ff_tensor_free(t);
    unlink(path);
    return 0;
}
