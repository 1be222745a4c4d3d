/* Shared by the libFuzzer harnesses (tests/fuzz): libFuzzer's bytes as the
 * NUL-terminated text the parsers take. The harnesses never exit or print:
 * every library call under test returns its error as a value (ff_err). */
#ifndef FF_FUZZ_UTIL_H
#define FF_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A malloc'd copy of data[0..size) with a NUL appended, or NULL when out of
 * memory. Caller frees. Embedded NULs stay: the parser sees a prefix. */
static inline char *fuzz_text(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (!s) return NULL;
    if (size) memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Writes data to a per-process scratch file named with `suffix` (for the
 * readers that take only a path) and returns its path in a static buffer,
 * or NULL on an I/O failure. Overwritten by the next call. */
static inline const char *fuzz_file(const uint8_t *data, size_t size, const char *suffix) {
    static char path[256];
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/ff-fuzz-%ld%s", dir && *dir ? dir : "/tmp", (long)getpid(), suffix);
    FILE *f = fopen(path, "wb");
    if (!f) return NULL;
    size_t n = size ? fwrite(data, 1, size, f) : 0;
    if (fclose(f) != 0 || n != size) return NULL;
    return path;
}

#endif
