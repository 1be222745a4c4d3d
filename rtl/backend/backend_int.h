/*
 * backend_int.h -- what the back end's files share: the schema's field
 * tables (from the generated ff_config.h) and small helpers. Not installed.
 */
#ifndef FF_BACKEND_INT_H
#define FF_BACKEND_INT_H

#include "ff_backend.h"

/* Kind number by name, or -1. */
int be_kind_by_name(const char *name);

/* One field of the schema: a common register's (kind = -1) or a kind
 * parameter's. */
typedef struct be_field {
    int kind;           /* -1: common to every tile */
    const char *reg;    /* register name ("ctrl", "in"; a kind's params: "") */
    int regno, count;   /* register number; count > 1: repeated at regno + p */
    const char *name;
    int lsb, width;
    int read_only;
    const char *values; /* "w0|w1|.." or "" */
    const char *doc;
} be_field;

/* Every field, common ones first, then per kind in schema order; *n set. */
const be_field *be_fields(int *n);

/* Bits of a field in a register word (for decoders; writers use the
 * generated FF_RTL_SET and ff_cfg_set_* of ff_config.h). */
uint32_t be_get(uint32_t word, const be_field *f);

/* Word i of "w0|w1|.." into buf ("" if there is none). */
const char *be_value_word(const char *values, uint32_t i, char *buf, size_t n);

/* A name the text form can carry: non-empty, no whitespace or '#'. */
int be_word_ok(const char *s);

#endif
