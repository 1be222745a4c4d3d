/*
 * ff_token.h -- the stream token: one word that travels on every channel of a
 * dataflow graph, in the C model and in the RTL alike (docs/tokens.md).
 *
 *    33 32 31                                                0
 *   +-----+---------------------------------------------------+
 *   |kind |                     payload                       |
 *   +-----+---------------------------------------------------+
 *    kind 00 DATA   payload = coordinate | reference | value bits | R (0)
 *         01 STOP   payload = stop level n (Sn closes n+1 nested fibers)
 *         10 EMPTY  "N": a reference/coordinate that does not exist; payload 0
 *         11 DONE   "D": end of stream; payload 0
 *
 * What DATA means depends on the stream's type (crd, ref, val, rep): a
 * coordinate, a position, a fixed-point value, or the repeat signal R. In a
 * repeat-signal stream S is STOP(0) and D is DONE.
 *
 * The text form (tests, `fuseflow prim`, traces) is whitespace-separated:
 *   crd/ref:  0 3 S0 5 S1 N D        val: 1.5 -2 S0 D        rep: R R S D
 * In a timed input `_` stands for a cycle in which nothing is offered.
 */
#ifndef FF_TOKEN_H
#define FF_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "ff_base.h"

typedef uint64_t ff_tok;

#define FF_TOK_BITS 34
#define FF_TOK_KIND_SHIFT 32

typedef enum ff_tok_kind {
    FF_TK_DATA = 0,
    FF_TK_STOP = 1,
    FF_TK_EMPTY = 2,
    FF_TK_DONE = 3
} ff_tok_kind;

#define FF_TOK_N ((ff_tok)FF_TK_EMPTY << FF_TOK_KIND_SHIFT)
#define FF_TOK_D ((ff_tok)FF_TK_DONE << FF_TOK_KIND_SHIFT)
/* Not a token: marks an idle cycle in a timed input (outside the 34 bits). */
#define FF_TOK_IDLE ((ff_tok)1 << 40)

static inline ff_tok ff_tok_data(uint32_t payload) { return (ff_tok)payload; }
static inline ff_tok ff_tok_stop(uint32_t level)
{
    return ((ff_tok)FF_TK_STOP << FF_TOK_KIND_SHIFT) | level;
}
static inline ff_tok_kind ff_tok_kind_of(ff_tok t) { return (ff_tok_kind)((t >> FF_TOK_KIND_SHIFT) & 3u); }
static inline uint32_t ff_tok_payload(ff_tok t) { return (uint32_t)t; }
static inline int ff_tok_is_data(ff_tok t) { return (t >> FF_TOK_KIND_SHIFT) == FF_TK_DATA; }
static inline int ff_tok_is_stop(ff_tok t) { return (t >> FF_TOK_KIND_SHIFT) == FF_TK_STOP; }
static inline int ff_tok_is_empty(ff_tok t) { return t == FF_TOK_N; }
static inline int ff_tok_is_done(ff_tok t) { return t == FF_TOK_D; }

/* The type of a stream, which fixes how DATA payloads read. ANY is for ports
 * that pass whatever they are given (droppers, fork/join, broadcast). */
typedef enum ff_stream_type {
    FF_ST_CRD,
    FF_ST_REF,
    FF_ST_VAL,
    FF_ST_REP,
    FF_ST_ANY
} ff_stream_type;

const char *ff_stream_type_name(ff_stream_type t);
/* Returns the type for "crd", "ref", "val", "rep", "any", or -1. */
int ff_stream_type_parse(const char *name);

/* Text of one token (snprintf-style). Values print as exact decimals with
 * frac_bits fractional bits (ff_fx_format). */
int ff_tok_format(ff_tok t, ff_stream_type type, int frac_bits, char *buf, size_t n);

typedef FF_VEC(ff_tok) ff_tokvec;

/* Parses a text stream into tokens. If timed is non-zero, `_` yields
 * FF_TOK_IDLE entries; otherwise `_` is an error. Errors name the word's
 * position ("token 4 'S': ..."). Appends to *out (which the caller owns). */
int ff_tok_parse(const char *text, ff_stream_type type, int frac_bits, int timed,
                 ff_tokvec *out, ff_err *err);

/* Text of a whole token array, tokens separated by one space; the caller
 * frees the returned string. */
char *ff_tok_format_stream(const ff_tok *toks, size_t n, ff_stream_type type,
                           int frac_bits);

#endif
