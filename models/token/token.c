#include "ff_token.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ff_fixed.h"

static const char *const type_names[] = {"crd", "ref", "val", "rep", "any"};

const char *ff_stream_type_name(ff_stream_type t)
{
    return (unsigned)t < 5 ? type_names[t] : "?";
}

int ff_stream_type_parse(const char *name)
{
    for (int i = 0; i < 5; i++)
        if (strcmp(name, type_names[i]) == 0) return i;
    return -1;
}

int ff_tok_format(ff_tok t, ff_stream_type type, int frac_bits, char *buf, size_t n)
{
    switch (ff_tok_kind_of(t)) {
    case FF_TK_STOP:
        if (type == FF_ST_REP && ff_tok_payload(t) == 0) return snprintf(buf, n, "S");
        return snprintf(buf, n, "S%u", ff_tok_payload(t));
    case FF_TK_EMPTY: return snprintf(buf, n, "N");
    case FF_TK_DONE: return snprintf(buf, n, "D");
    case FF_TK_DATA: break;
    }
    if (type == FF_ST_REP) return snprintf(buf, n, "R");
    if (type == FF_ST_VAL) return ff_fx_format((ff_fx)ff_tok_payload(t), frac_bits, buf, (int)n);
    return snprintf(buf, n, "%u", ff_tok_payload(t));
}

char *ff_tok_format_stream(const ff_tok *toks, size_t n, ff_stream_type type, int frac_bits)
{
    size_t cap = 16 * n + 1, len = 0;
    char *s = ff_xmalloc(cap);
    s[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char word[48];
        int w = ff_tok_format(toks[i], type, frac_bits, word, sizeof word);
        if (len + (size_t)w + 2 > cap) {
            cap = 2 * (len + (size_t)w + 2);
            s = ff_xrealloc(s, cap);
        }
        if (i) s[len++] = ' ';
        memcpy(s + len, word, (size_t)w + 1);
        len += (size_t)w;
    }
    return s;
}

/* Parses one word; returns 0 or an error naming the word. */
static int parse_word(const char *w, size_t idx, ff_stream_type type, int frac_bits,
                      int timed, ff_tok *out, ff_err *err)
{
    if (strcmp(w, "_") == 0) {
        if (!timed) return ff_err_set(err, FF_EINVAL, "token %zu '_': idle cycles are only allowed in timed inputs", idx);
        *out = FF_TOK_IDLE;
        return 0;
    }
    if (strcmp(w, "D") == 0) { *out = FF_TOK_D; return 0; }
    if (strcmp(w, "N") == 0) { *out = FF_TOK_N; return 0; }
    if (w[0] == 'S') {
        if (w[1] == '\0') {
            if (type != FF_ST_REP && type != FF_ST_ANY)
                return ff_err_set(err, FF_EINVAL, "token %zu 'S': expected a stop level (S0, S1, ...)", idx);
            *out = ff_tok_stop(0);
            return 0;
        }
        char *end;
        errno = 0;
        unsigned long lvl = strtoul(w + 1, &end, 10);
        if (*end || errno || !isdigit((unsigned char)w[1]) || lvl > 255)
            return ff_err_set(err, FF_EINVAL, "token %zu '%s': expected a stop token S0..S255", idx, w);
        *out = ff_tok_stop((uint32_t)lvl);
        return 0;
    }
    if (strcmp(w, "R") == 0) {
        if (type != FF_ST_REP && type != FF_ST_ANY)
            return ff_err_set(err, FF_EINVAL, "token %zu 'R': a repeat signal in a %s stream", idx, ff_stream_type_name(type));
        *out = ff_tok_data(0);
        return 0;
    }
    if (type == FF_ST_REP)
        return ff_err_set(err, FF_EINVAL, "token %zu '%s': expected R, S or D in a repeat-signal stream", idx, w);
    if (type == FF_ST_VAL) {
        ff_fx v;
        if (ff_fx_parse(w, frac_bits, &v) != 0)
            return ff_err_set(err, FF_EINVAL, "token %zu '%s': expected a value, S<n>, N or D", idx, w);
        *out = ff_tok_data((uint32_t)v);
        return 0;
    }
    char *end;
    errno = 0;
    unsigned long long x = strtoull(w, &end, 10);
    if (*end || errno || !isdigit((unsigned char)w[0]) || x > UINT32_MAX)
        return ff_err_set(err, FF_EINVAL, "token %zu '%s': expected a coordinate/reference (0..4294967295), S<n>, N or D", idx, w);
    *out = ff_tok_data((uint32_t)x);
    return 0;
}

int ff_tok_parse(const char *text, ff_stream_type type, int frac_bits, int timed,
                 ff_tokvec *out, ff_err *err)
{
    size_t idx = 0;
    const char *p = text;
    for (;;) {
        while (isspace((unsigned char)*p)) p++;
        if (!*p) return 0;
        char word[64];
        size_t n = 0;
        while (*p && !isspace((unsigned char)*p)) {
            if (n + 1 >= sizeof word)
                return ff_err_set(err, FF_EINVAL, "token %zu: word too long", idx);
            word[n++] = *p++;
        }
        word[n] = '\0';
        ff_tok t = 0;
        int rc = parse_word(word, idx, type, frac_bits, timed, &t, err);
        if (rc) return rc;
        FF_VEC_PUSH(*out, t);
        idx++;
    }
}
