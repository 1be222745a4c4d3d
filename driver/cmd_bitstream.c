/*
 * cmd_bitstream.c -- `fuseflow bitstream`: look inside an RDA bitstream
 * (docs/bitstream.md).
 */
#include <stdio.h>
#include <string.h>

#include "driver.h"
#include "ff_backend.h"

static const char help[] =
    "usage: fuseflow bitstream decode FILE.bit [--array ARRAY.json]\n"
    "\n"
    "Prints a bitstream (fuseflow compile --bitstream) field by field, per tile:\n"
    "kind and index, configuration slot, the graph node placed there, every field\n"
    "of every register written with its value and meaning (routing sources\n"
    "resolved to the tile output they select), and what the loader binds at run\n"
    "time (tensor levels, value arrays, dims, outputs).\n"
    "\n"
    "  --array ARRAY.json  also check that the bitstream was built for this array\n"
    "                      (rtl/arrays/NAME.json); a mismatch names both\n";

int cmd_bitstream(int argc, char **argv)
{
    const char *file = NULL, *array = NULL, *v;
    int bad = 0, rc = 0;
    ff_bitstream *b = NULL;
    ff_err err = {0};
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "decode")) return driver_usage("bitstream", "unknown action '%s' (decode)", argv[1]);
    for (int i = 2; i < argc && !bad; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(help, stdout);
            return 0;
        } else if (driver_opt(argc, argv, &i, "--array", &v, &bad)) {
            array = v;
        } else if (argv[i][0] == '-') {
            return driver_usage("bitstream", "unknown option '%s'", argv[i]);
        } else if (!file) {
            file = argv[i];
        } else {
            return driver_usage("bitstream", "unexpected argument '%s'", argv[i]);
        }
    }
    if (bad) return 2;
    if (!file) return driver_usage("bitstream", "which bitstream file?");
    if (ff_bitstream_load(file, &b, &err)) goto fail;
    if (array) {
        ff_array_desc a;
        if (ff_array_load(array, &a, &err)) goto fail;
        if (ff_bitstream_check_array(b, &a, &err)) {
            ff_err_wrap(&err, "%s: ", file);
            goto fail;
        }
    }
    ff_bitstream_decode(b, stdout);
    goto done;
fail:
    rc = driver_fail("bitstream", &err);
done:
    ff_bitstream_free(b);
    return rc;
}
