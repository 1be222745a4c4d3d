/*
 * ff_sc_blob.h -- a tensor as bytes for the C model's mailbox (docs/cosim.md
 * "SystemC testbench"): what the driver hands the model, and the model
 * hands back.
 *
 * Little-endian 32-bit words:
 *
 *   word 0         magic FF_SC_BLOB_MAGIC ("FFT1")
 *   word 1         order R (1..FF_MAX_ORDER)
 *   word 2         fractional bits of the values (0..31)
 *   word 3         nnz: the points that follow
 *   words 4..19    the name, 64 bytes, NUL-padded
 *   R words        dims
 *   nnz * R words  coordinates, point p's mode m at p * R + m
 *   nnz words      values (ff_fx)
 *
 * Only non-zero entries travel: decoded into a format, a blob is the tensor
 * ff_tensor_convert would make of the original in that format -- which is
 * what the loader puts into the array's SRAM.
 */
#ifndef FF_SC_BLOB_H
#define FF_SC_BLOB_H

/* C headers, C linkage also from the C++ modules */
#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>
#include <stdint.h>

#include "ff_tensor.h"

#define FF_SC_BLOB_MAGIC 0x31544646u

/* t's non-zero entries, named `name` (NULL: t->name). *out is malloc'd
 * (the caller frees it), *len its bytes. */
int ff_sc_blob_encode(const ff_tensor *t, const char *name, uint8_t **out, size_t *len, ff_err *err);

/* The name a blob carries (checks the header only). */
int ff_sc_blob_name(const uint8_t *b, size_t len, char name[64], ff_err *err);

/* The tensor of a blob in format fmt (whose order must be the blob's).
 * Errors name what is wrong: the magic, a length that does not match the
 * header, a coordinate outside its dim. *out is new. */
int ff_sc_blob_decode(const uint8_t *b, size_t len, const ff_format *fmt, ff_tensor **out, ff_err *err);

#ifdef __cplusplus
}
#endif

#endif
