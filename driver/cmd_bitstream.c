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
    const char *file = NULL, *array = NULL;
    int rc = 0;
    ff_bitstream *b = NULL;
    ff_err err = {0};
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "decode")) return driver_usage("bitstream", "unknown action '%s' (decode)", argv[1]);
    const driver_option own[] = {{"--array", DRIVER_STR, &array}};
    const driver_cmd cmd = {"bitstream", 0, own, 1, help, &file, 1, "which bitstream file?"};
    driver_opts o;
    int stop = driver_parse(&cmd, argc - 1, argv + 1, &o, &rc); /* after the action */
    driver_opts_free(&o);
    if (stop) return rc;
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
