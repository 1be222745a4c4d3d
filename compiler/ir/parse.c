/*
 * parse.c -- the front end: lexer, recursive-descent parser and checker of
 * the model language (docs/language.md), producing a checked ff_ir_program.
 *
 *   program := { line }
 *   line    := [ decl | scalar | stmt ] ( NEWLINE | EOF )
 *   decl    := "tensor" NAME [ "[" [ size { "," size } ] "]" ] [ ":" FORMAT ]
 *   size    := NAME | INTEGER
 *   scalar  := "scalar" NAME "=" [ "-" ] NUMBER
 *   stmt    := access "=" expr
 *   access  := NAME [ "[" [ item { "," item } ] "]" ]
 *   item    := [ "-" ] term { ( "+" | "-" ) term }   (one added NAME is the index;
 *   term    := NAME | INTEGER | INTEGER "*" NAME      right side only: the rest its offset)
 *   expr    := term { ( "+" | "-" ) term }
 *   term    := unary { ( "*" | "/" ) unary }
 *   unary   := "-" unary | primary
 *   primary := NUMBER | SCALAR | access | call | "(" expr ")"
 *   call    := ( "relu" | "exp" | "sqrt" | "rsqrt" | "log" | "tanh" | "sigmoid" | "erf"
 *              | "gelu" ) "(" expr ")"
 *            | ( "max" | "min" ) "(" expr "," expr ")"
 *            | "mask" "(" access "," expr ")"
 *            | ( "sum" | "max" | "softmax" | "log_softmax" | "layernorm" ) "[" NAME "]" "(" expr ")"
 *
 * Lexical rules: `#` starts a comment to the end of the line; a newline ends
 * a line except inside ( ) or [ ], where it is a blank (so long expressions
 * can be broken inside parentheses); FORMAT is the raw text after `:` up to
 * a blank or `#` (format strings contain `:`, `,`, `(`, `/`, `%`).
 *
 * Errors: the first error ends the parse. It is raised with fail(), which
 * longjmps back to ff_ir_parse; everything the parse allocated is in the
 * arena or in the parser's vectors, which ff_ir_parse frees, so no error path
 * leaks. Messages are "path:line:col: ..." at the offending token.
 *
 * Index variables are scoped to their statement: `k` may have size K in one
 * statement and N in the next. While a statement is parsed its indices are
 * numbered locally (so a size can be learned after the index is first seen,
 * e.g. on an undeclared left side); at the end of the statement each local
 * index maps to the program entry with the same name and size, which is
 * created if needed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir_int.h"

#define MAX_LOCAL 64   /* index variables in one statement (masks are uint64_t) */
#define MAX_NEST 200   /* nesting of parentheses and calls (bounds the recursion) */
#define MAX_NODES 10000 /* nodes in one statement (bounds the depth of the passes' recursion) */

enum { TK_EOF = 256, TK_NL, TK_NAME, TK_NUM };

typedef struct token {
    int kind;       /* a punctuation character, or TK_* */
    const char *s;  /* its text */
    int n;
    ff_srcpos pos;
} token;

/* What the parser knows of a tensor beyond ff_ir_tensor. */
typedef struct tinfo {
    ff_srcpos assigned; /* left side that assigns it (line 0: not assigned) */
    ff_srcpos read;     /* first read on a right side (line 0: never read) */
} tinfo;

typedef struct scalar_def {
    const char *name;
    ff_fx value;
    ff_srcpos pos;
} scalar_def;

/* An index variable of the statement being parsed. */
typedef struct lindex {
    const char *name;
    int n;
    int size;       /* program size id, -1 until a tensor mode gives it */
    int tensor;     /* the access that gave the size: tensor and mode */
    int mode;
    ff_srcpos where;
    int global;     /* program index id, filled at the end of the statement */
} lindex;

typedef struct parser {
    const char *path;
    const char *src, *end;
    const char *p;         /* lexer position */
    const char *bol;       /* beginning of the current line */
    int line;
    int depth;             /* open ( and [ */
    token tok;             /* the current token (one token of lookahead) */
    jmp_buf jb;
    ff_err *err;
    ir_arena *arena;
    FF_VEC(ff_ir_tensor) tensors;
    FF_VEC(tinfo) tinfo;
    FF_VEC(ff_ir_size) sizes;
    FF_VEC(ff_ir_index) indices;
    FF_VEC(ff_ir_stmt) stmts;
    FF_VEC(scalar_def) scalars;
    /* the statement being parsed */
    int lhs;               /* tensor assigned, -1 outside a statement */
    int nloc;
    lindex loc[MAX_LOCAL];
    int nest;
    int nodes;
} parser;

static _Noreturn void fail(parser *P, ff_srcpos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static _Noreturn void fail(parser *P, ff_srcpos pos, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ff_err_set(P->err, FF_EINVAL, "%s:%d:%d: %s", P->path, pos.line, pos.col, msg);
    longjmp(P->jb, 1);
}

/* ---- lexer ---- */

static int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static ff_srcpos here(const parser *P, const char *at)
{
    return (ff_srcpos){P->line, (int)(at - P->bol) + 1};
}

/* Text of a token for messages: "name", or what it stands for. */
static const char *tok_text(const token *t, char *buf, size_t n)
{
    if (t->kind == TK_EOF) return "the end of the file";
    if (t->kind == TK_NL) return "the end of the line";
    int len = t->n > 40 ? 40 : t->n;
    snprintf(buf, n, "\"%.*s%s\"", len, t->s, t->n > len ? "..." : "");
    return buf;
}

/* Fails with "expected WHAT, got TOKEN" at the current token. */
static _Noreturn void expected(parser *P, const char *what)
{
    char buf[64];
    fail(P, P->tok.pos, "expected %s, got %s", what, tok_text(&P->tok, buf, sizeof buf));
}

static void advance(parser *P)
{
    const char *p = P->p;
    for (;;) {
        while (p < P->end && (*p == ' ' || *p == '\t' || *p == '\r')) p++;
        if (p < P->end && *p == '#')
            while (p < P->end && *p != '\n') p++;
        if (p < P->end && *p == '\n' && P->depth > 0) { /* a blank inside ( ) and [ ] */
            P->line++;
            P->bol = ++p;
            continue;
        }
        break;
    }
    token *t = &P->tok;
    t->s = p;
    t->pos = here(P, p);
    if (p == P->end) {
        t->kind = TK_EOF;
        t->n = 0;
        P->p = p;
        return;
    }
    if (*p == '\n') {
        t->kind = TK_NL;
        t->n = 1;
        P->line++;
        P->bol = P->p = p + 1;
        return;
    }
    if (is_alpha((unsigned char)*p)) {
        while (p < P->end && (is_alpha((unsigned char)*p) || is_digit((unsigned char)*p))) p++;
        t->kind = TK_NAME;
    } else if (is_digit((unsigned char)*p) ||
               (*p == '.' && p + 1 < P->end && is_digit((unsigned char)p[1]))) {
        /* Take everything that could belong to a number, so that "1.2.3" or
         * "12abc" is one bad number rather than a number and a surprise. */
        while (p < P->end && (is_alpha((unsigned char)*p) || is_digit((unsigned char)*p) ||
                              *p == '.')) {
            if ((*p == 'e' || *p == 'E') && p + 1 < P->end && (p[1] == '+' || p[1] == '-'))
                p++;
            p++;
        }
        t->kind = TK_NUM;
    } else if (strchr("[](),:=+-*/<", *p) && *p) {
        t->kind = (unsigned char)*p++;
        if (t->kind == '(' || t->kind == '[') P->depth++;
        if ((t->kind == ')' || t->kind == ']') && P->depth > 0) P->depth--;
    } else {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x20 && c < 0x7f) fail(P, t->pos, "unexpected character '%c'", c);
        fail(P, t->pos, "unexpected byte 0x%02x", c);
    }
    t->n = (int)(p - t->s);
    P->p = p;
}

static int tok_is(const parser *P, const char *word)
{
    return P->tok.kind == TK_NAME && (size_t)P->tok.n == strlen(word) &&
           memcmp(P->tok.s, word, (size_t)P->tok.n) == 0;
}

static void expect(parser *P, int kind, const char *what)
{
    if (P->tok.kind != kind) expected(P, what);
    advance(P);
}

static int name_eq(const char *name, const char *s, int n)
{
    return strncmp(name, s, (size_t)n) == 0 && name[n] == '\0';
}

/* ---- names ---- */

static const char *const keywords[] = {"tensor", "scalar"};

static int reserved(const token *t)
{
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (name_eq(keywords[i], t->s, t->n)) return 1;
    for (int i = 0; i < ir_nfuncs; i++)
        if (name_eq(ir_funcs[i].name, t->s, t->n)) return 1;
    return 0;
}

static int find_tensor(const parser *P, const char *s, int n)
{
    for (size_t i = 0; i < P->tensors.len; i++)
        if (name_eq(P->tensors.data[i].name, s, n)) return (int)i;
    return -1;
}

static int find_scalar(const parser *P, const char *s, int n)
{
    for (size_t i = 0; i < P->scalars.len; i++)
        if (name_eq(P->scalars.data[i].name, s, n)) return (int)i;
    return -1;
}

/* A name being defined (tensor or scalar) must not be a keyword or function
 * and must not name something of the other kind. */
static void check_new_name(parser *P, const token *t, const char *what)
{
    if (reserved(t))
        fail(P, t->pos, "\"%.*s\" is a reserved word and cannot name a %s", t->n, t->s, what);
    int s = find_scalar(P, t->s, t->n);
    if (s >= 0 && strcmp(what, "scalar") != 0)
        fail(P, t->pos, "%.*s is already a scalar (defined at %d:%d)", t->n, t->s,
             P->scalars.data[s].pos.line, P->scalars.data[s].pos.col);
    int x = find_tensor(P, t->s, t->n);
    if (x >= 0 && strcmp(what, "tensor") != 0)
        fail(P, t->pos, "%.*s is already a tensor (first at %d:%d)", t->n, t->s,
             P->tensors.data[x].pos.line, P->tensors.data[x].pos.col);
}

/* ---- numbers ---- */

/* The value of a number token, negated when `neg`. Numbers are rounded to
 * fixed point (RNE); a number far outside the range of the format is an
 * error rather than a silent saturation. */
static ff_fx number(parser *P, const token *t, int neg)
{
    char buf[80];
    if (t->n > 64) fail(P, t->pos, "bad number \"%.*s...\" (too long)", 40, t->s);
    snprintf(buf, sizeof buf, "%s%.*s", neg ? "-" : "", t->n, t->s);
    ff_fx v, whole;
    if (ff_fx_parse(buf, FF_FX_DEFAULT_FRAC, &v) != 0)
        fail(P, t->pos, "bad number \"%.*s\" (expected digits, a decimal point, an exponent)",
             t->n, t->s);
    /* The integer part at 0 fraction bits says whether the number is beyond
     * the ends of the range (the ends themselves saturate, as in ff_fx_parse). */
    ff_fx_parse(buf, 0, &whole);
    int64_t lim = (int64_t)1 << (31 - FF_FX_DEFAULT_FRAC);
    if (whole > lim || whole < -lim) {
        char lo[48], hi[48];
        ff_fx_format(FF_FX_MIN, FF_FX_DEFAULT_FRAC, lo, sizeof lo);
        ff_fx_format(FF_FX_MAX, FF_FX_DEFAULT_FRAC, hi, sizeof hi);
        fail(P, t->pos, "bad number %s: outside the fixed-point range %s .. %s", buf, lo, hi);
    }
    return v;
}

/* ---- declarations ---- */

static int size_id(parser *P, const char *name, size_t n, int64_t literal)
{
    for (size_t i = 0; i < P->sizes.len; i++)
        if (strlen(P->sizes.data[i].name) == n && memcmp(P->sizes.data[i].name, name, n) == 0)
            return (int)i;
    ff_ir_size z = {.name = ir_arena_strndup(P->arena, name, n), .literal = literal,
                    .from_tensor = -1, .from_mode = -1};
    FF_VEC_PUSH(P->sizes, z);
    return (int)P->sizes.len - 1;
}

/* The value of a number token that must be a whole number of at most
 * INT32_MAX (a size, an offset term), else "bad WHAT ... (expected
 * EXPECTED)". */
static int64_t whole_number(parser *P, const token *t, const char *what, const char *expected_text)
{
    int64_t v = 0;
    for (int i = 0; i < t->n; i++) {
        if (!is_digit((unsigned char)t->s[i]))
            fail(P, t->pos, "bad %s \"%.*s\" (expected %s)", what, t->n, t->s, expected_text);
        v = v * 10 + (t->s[i] - '0');
        if (v > INT32_MAX) fail(P, t->pos, "bad %s \"%.*s\" (at most %d)", what, t->n, t->s, INT32_MAX);
    }
    return v;
}

/* size := NAME | INTEGER */
static int size_rule(parser *P)
{
    token t = P->tok;
    if (t.kind == TK_NAME) {
        advance(P);
        return size_id(P, t.s, (size_t)t.n, 0);
    }
    if (t.kind != TK_NUM) expected(P, "a size (a name or a positive integer)");
    int64_t v = whole_number(P, &t, "size", "a positive integer or a size name");
    if (v == 0) fail(P, t.pos, "bad size \"%.*s\" (sizes are positive)", t.n, t.s);
    advance(P);
    char text[16];
    int n = snprintf(text, sizeof text, "%lld", (long long)v);
    return size_id(P, text, (size_t)n, v);
}

/* decl := "tensor" NAME [ "[" [ size { "," size } ] "]" ] [ ":" FORMAT ] */
static void decl(parser *P)
{
    advance(P); /* "tensor" */
    token name = P->tok;
    if (name.kind != TK_NAME) expected(P, "a tensor name");
    check_new_name(P, &name, "tensor");
    int old = find_tensor(P, name.s, name.n);
    if (old >= 0) {
        const ff_ir_tensor *o = &P->tensors.data[old];
        if (o->declared)
            fail(P, name.pos, "tensor %s is declared twice (first at %d:%d)", o->name,
                 o->pos.line, o->pos.col);
        fail(P, name.pos, "tensor %s is declared after it is assigned at %d:%d", o->name,
             o->pos.line, o->pos.col);
    }
    advance(P);
    ff_ir_tensor t = {.name = ir_arena_strndup(P->arena, name.s, (size_t)name.n), .declared = 1,
                      .pos = name.pos, .role = FF_IR_INPUT};
    if (P->tok.kind == '[') {
        advance(P);
        if (P->tok.kind != ']') {
            for (;;) {
                if (t.order == FF_IR_MAX_ORDER)
                    fail(P, P->tok.pos, "tensor %s has more than %d modes", t.name,
                         FF_IR_MAX_ORDER);
                t.dims[t.order++] = size_rule(P);
                if (P->tok.kind != ',') break;
                advance(P);
            }
        }
        expect(P, ']', "\",\" or \"]\"");
    }
    const char *fmt_text = "dense";
    if (P->tok.kind == ':') {
        /* The format is raw text (it may hold ":" "," "(" "/" "%"): read it
         * straight from the source, which is just past the ":". */
        const char *p = P->p;
        while (p < P->end && (*p == ' ' || *p == '\t')) p++;
        const char *s = p;
        while (p < P->end && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n' && *p != '#')
            p++;
        ff_srcpos fpos = here(P, s);
        if (p == s) fail(P, fpos, "expected a format after \":\" (dense, sparse, csr, csc, ...)");
        fmt_text = ir_arena_strndup(P->arena, s, (size_t)(p - s));
        ff_err ferr = {0};
        if (ff_format_parse(fmt_text, t.order, &t.fmt, &ferr) != 0)
            fail(P, fpos, "tensor %s: %s", t.name, ferr.msg);
        P->p = p;
        advance(P);
        if (P->tok.kind != TK_NL && P->tok.kind != TK_EOF)
            expected(P, "the end of the line after the format");
    } else if (ff_format_parse(fmt_text, t.order, &t.fmt, NULL) != 0) {
        IR_UNREACHABLE();
    } else if (P->tok.kind != TK_NL && P->tok.kind != TK_EOF) {
        expected(P, t.order ? "\":\" and a format, or the end of the line"
                            : "\"[\", \":\" and a format, or the end of the line");
    }
    t.format_text = (char *)fmt_text;
    FF_VEC_PUSH(P->tensors, t);
    tinfo ti = {{0, 0}, {0, 0}};
    FF_VEC_PUSH(P->tinfo, ti);
}

/* scalar := "scalar" NAME "=" [ "-" ] NUMBER */
static void scalar(parser *P)
{
    advance(P); /* "scalar" */
    token name = P->tok;
    if (name.kind != TK_NAME) expected(P, "a scalar name");
    check_new_name(P, &name, "scalar");
    int old = find_scalar(P, name.s, name.n);
    if (old >= 0)
        fail(P, name.pos, "scalar %.*s is defined twice (first at %d:%d)", name.n, name.s,
             P->scalars.data[old].pos.line, P->scalars.data[old].pos.col);
    advance(P);
    expect(P, '=', "\"=\"");
    int neg = 0;
    if (P->tok.kind == '-') {
        neg = 1;
        advance(P);
    }
    if (P->tok.kind != TK_NUM) expected(P, "a number");
    scalar_def d = {.name = ir_arena_strndup(P->arena, name.s, (size_t)name.n),
                    .value = number(P, &P->tok, neg), .pos = name.pos};
    advance(P);
    FF_VEC_PUSH(P->scalars, d);
}

/* ---- statements: indices ---- */

static int local_index(parser *P, const token *t)
{
    for (int i = 0; i < P->nloc; i++)
        if (P->loc[i].n == t->n && memcmp(P->loc[i].name, t->s, (size_t)t->n) == 0) return i;
    if (P->nloc == MAX_LOCAL)
        fail(P, t->pos, "more than %d index variables in one statement", MAX_LOCAL);
    lindex *l = &P->loc[P->nloc];
    memset(l, 0, sizeof *l);
    l->name = t->s;
    l->n = t->n;
    l->size = -1;
    return P->nloc++;
}

/* The index at `pos` is mode `mode` of tensor t: it gets that size, or must
 * already have it. */
static void bind_size(parser *P, int li, int t, int mode, ff_srcpos pos)
{
    lindex *l = &P->loc[li];
    const ff_ir_tensor *x = &P->tensors.data[t];
    int size = x->dims[mode];
    if (l->size < 0) {
        l->size = size;
        l->tensor = t;
        l->mode = mode;
        l->where = pos;
        return;
    }
    if (l->size != size && l->tensor < 0)
        fail(P, pos, "index %.*s has size %s here (mode %d of %s) but size %s at %d:%d (its range)", l->n, l->name,
             P->sizes.data[size].name, mode, x->name, P->sizes.data[l->size].name, l->where.line, l->where.col);
    if (l->size != size)
        fail(P, pos,
             "index %.*s has size %s here (mode %d of %s) but size %s at %d:%d (mode %d of %s)",
             l->n, l->name, P->sizes.data[size].name, mode, x->name,
             P->sizes.data[l->size].name, l->where.line, l->where.col, l->mode,
             P->tensors.data[l->tensor].name);
}

/* A non-literal size symbol named t, or -1. */
static int find_size_symbol(const parser *P, const token *t)
{
    for (size_t i = 0; i < P->sizes.len; i++)
        if (!P->sizes.data[i].literal && name_eq(P->sizes.data[i].name, t->s, t->n)) return (int)i;
    return -1;
}

/* "<" size after a bracketed index: its range 0..size-1, stated (a window's
 * index may have no other use to take it from). */
static void index_range(parser *P, int li)
{
    ff_srcpos pos = P->tok.pos;
    advance(P); /* "<" */
    if (P->tok.kind == TK_NAME && find_size_symbol(P, &P->tok) < 0)
        fail(P, P->tok.pos, "%.*s is not a size of any declared tensor", P->tok.n, P->tok.s);
    int size = size_rule(P);
    lindex *l = &P->loc[li];
    if (l->size >= 0 && l->size != size) {
        if (l->tensor < 0)
            fail(P, pos, "index %.*s has range %s here but %s at %d:%d", l->n, l->name, P->sizes.data[size].name,
                 P->sizes.data[l->size].name, l->where.line, l->where.col);
        fail(P, pos, "index %.*s has range %s here but size %s at %d:%d (mode %d of %s)", l->n, l->name,
             P->sizes.data[size].name, P->sizes.data[l->size].name, l->where.line, l->where.col, l->mode,
             P->tensors.data[l->tensor].name);
    }
    if (l->size < 0) {
        l->size = size;
        l->tensor = -1;
        l->mode = -1;
        l->where = pos;
    }
}

/* A number term of an offset. */
static int64_t offset_integer(parser *P, const token *t)
{
    return whole_number(P, t, "offset", "an integer or a size name");
}

/* item := [ "-" ] term { ( "+" | "-" ) term };
 * term := NAME | INTEGER | INTEGER "*" NAME
 * One NAME that is not a size symbol, added, is the index; the other terms
 * add up to its offset: an integer plus at most one size symbol times an
 * integer, either sign (`d`, `D + d`, `d + 16`, `j - 16`, `2*D + 8 + d`). A
 * lone NAME is an index whatever it is called, as it always was. Returns
 * the local index id. */
static int index_item(parser *P, ff_ir_off *off, ff_srcpos *pos)
{
    token terms[8];
    int64_t mult[8];
    int sign[8];
    int n = 0, neg = 0;
    memset(off, 0, sizeof *off);
    off->size = -1;
    *pos = P->tok.pos;
    if (P->tok.kind == '-') {
        neg = 1;
        advance(P);
    }
    for (;;) {
        if (n == 8) fail(P, P->tok.pos, "an index with more than 8 terms");
        sign[n] = neg ? -1 : 1;
        if (P->tok.kind == TK_NUM) {
            token num = P->tok;
            advance(P);
            if (P->tok.kind == '*') {
                advance(P);
                if (P->tok.kind != TK_NAME) expected(P, "a size name after \"*\"");
                mult[n] = offset_integer(P, &num);
                terms[n++] = P->tok;
                advance(P);
            } else {
                mult[n] = -1; /* an integer term */
                terms[n++] = num;
            }
        } else if (P->tok.kind == TK_NAME) {
            mult[n] = 0; /* a name: the index, or a size */
            terms[n++] = P->tok;
            advance(P);
        } else {
            expected(P, n ? "a size, an integer or an index name after \"+\" or \"-\"" : "an index name");
        }
        if (P->tok.kind != '+' && P->tok.kind != '-') break;
        neg = P->tok.kind == '-';
        advance(P);
    }
    if (n == 1 && mult[0] == 0 && sign[0] > 0) {
        *pos = terms[0].pos;
        return local_index(P, &terms[0]);
    }
    int index = -1;
    off->on = 1;
    for (int k = 0; k < n; k++) {
        const token *t = &terms[k];
        if (mult[k] < 0) {
            off->lit += sign[k] * offset_integer(P, t);
            if (off->lit > INT32_MAX || off->lit < -INT32_MAX) fail(P, t->pos, "offset too large (at most %d)", INT32_MAX);
            continue;
        }
        int z = find_size_symbol(P, t);
        if (z < 0 && mult[k] == 0) {
            if (index >= 0)
                fail(P, t->pos, "two index names in one index (%.*s and %.*s): an offset is made of integers and sizes",
                     terms[index].n, terms[index].s, t->n, t->s);
            if (sign[k] < 0)
                fail(P, t->pos, "index %.*s is subtracted: an index is added to its offset (reversing a mode is not "
                                "supported)", t->n, t->s);
            index = k;
            continue;
        }
        if (z < 0) fail(P, t->pos, "%.*s is not a size (only a size can be multiplied in an offset)", t->n, t->s);
        if (off->size >= 0 && off->size != z)
            fail(P, t->pos, "an offset may name one size (it has %s and %.*s)", P->sizes.data[off->size].name, t->n,
                 t->s);
        off->size = z;
        off->coef += sign[k] * (mult[k] ? mult[k] : 1);
        if (off->coef > INT32_MAX || off->coef < -INT32_MAX) fail(P, t->pos, "offset too large");
    }
    if (index < 0)
        fail(P, *pos, "this index has no index name, only sizes and integers (an index name that is also a size "
                      "cannot take an offset)");
    if (off->size >= 0 && off->coef == 0) off->size = -1;
    *pos = terms[index].pos;
    return local_index(P, &terms[index]);
}

/* "[" [ item { "," item } ] "]" after an access's name, if present: fills
 * local index ids, their positions and (offs non-NULL: a right-side access)
 * their offsets; returns how many. */
static int index_list(parser *P, int *ids, ff_srcpos *pos, ff_ir_off *offs)
{
    if (P->tok.kind != '[') return 0;
    advance(P);
    int n = 0;
    if (P->tok.kind == ']') {
        advance(P);
        return 0;
    }
    for (;;) {
        if (P->tok.kind != TK_NAME && P->tok.kind != TK_NUM && P->tok.kind != '-') expected(P, "an index name");
        if (n == FF_IR_MAX_ORDER)
            fail(P, P->tok.pos, "more than %d indices (tensors have at most %d modes)",
                 FF_IR_MAX_ORDER, FF_IR_MAX_ORDER);
        ff_ir_off off;
        ids[n] = index_item(P, &off, &pos[n]);
        if (off.on && !offs)
            fail(P, pos[n], "an offset on the left side (a statement assigns its whole result; read a window on "
                            "the right instead)");
        if (offs) offs[n] = off;
        n++;
        if (P->tok.kind != ',') break;
        advance(P);
    }
    expect(P, ']', "\",\" or \"]\"");
    return n;
}

/* Free and bound indices of a subtree as masks over local ids: free = indexed
 * by, bound = reduced by an explicit sum/max somewhere inside. */
static void lmask(const ff_ir_expr *e, uint64_t *free, uint64_t *bound)
{
    uint64_t fa = 0, ba = 0, fb = 0, bb = 0;
    switch (e->kind) {
    case FF_IR_ACCESS:
        for (int m = 0; m < e->nidx; m++) fa |= (uint64_t)1 << e->idx[m];
        break;
    case FF_IR_CONST: break;
    case FF_IR_UNARY: lmask(e->a, &fa, &ba); break;
    case FF_IR_BINARY:
    case FF_IR_MASK:
        lmask(e->a, &fa, &ba);
        lmask(e->b, &fb, &bb);
        break;
    case FF_IR_SOFTMAX:
    case FF_IR_LAYERNORM: lmask(e->a, &fa, &ba); break;
    case FF_IR_REDUCE:
        lmask(e->a, &fa, &ba);
        fa &= ~((uint64_t)1 << e->index);
        ba |= (uint64_t)1 << e->index;
        break;
    }
    *free = fa | fb;
    *bound = ba | bb;
}

/* The first use of local index k in e that no reduction over k encloses. */
static const ff_ir_expr *free_use(const ff_ir_expr *e, int k)
{
    if (!e || (e->kind == FF_IR_REDUCE && e->index == k)) return NULL;
    if (e->kind == FF_IR_ACCESS) {
        for (int m = 0; m < e->nidx; m++)
            if (e->idx[m] == k) return e;
        return NULL;
    }
    if ((e->kind == FF_IR_SOFTMAX || e->kind == FF_IR_LAYERNORM) && e->index == k) return e;
    const ff_ir_expr *u = free_use(e->a, k);
    return u ? u : free_use(e->b, k);
}

/* The first explicit reduction over local index k in e. */
static const ff_ir_expr *reduction_of(const ff_ir_expr *e, int k)
{
    if (!e) return NULL;
    if (e->kind == FF_IR_REDUCE && e->index == k) return e;
    const ff_ir_expr *u = reduction_of(e->a, k);
    return u ? u : reduction_of(e->b, k);
}

/* ---- expressions ---- */

static ff_ir_expr *expr(parser *P);

static ff_ir_expr *node(parser *P, ff_ir_kind kind, ff_srcpos pos)
{
    if (++P->nodes > MAX_NODES)
        fail(P, pos, "statement too long (more than %d operators and operands)", MAX_NODES);
    return ir_expr_new(P->arena, kind, pos);
}

/* access := NAME [ "[" [ NAME { "," NAME } ] "]" ]   (on the right side)
 * `name` has been consumed; the current token follows it. */
static ff_ir_expr *access_rhs(parser *P, const token *name)
{
    int ids[FF_IR_MAX_ORDER];
    ff_srcpos ipos[FF_IR_MAX_ORDER];
    ff_ir_off offs[FF_IR_MAX_ORDER];
    int bracket = P->tok.kind == '[';
    int n = index_list(P, ids, ipos, offs);
    int t = find_tensor(P, name->s, name->n);
    if (t < 0 && P->tok.kind == '(')
        fail(P, name->pos,
             "unknown function \"%.*s\" (the index-bracketed forms are sum, max, softmax, log_softmax "
             "and layernorm)",
             name->n, name->s);
    if (t < 0) {
        if (!bracket) fail(P, name->pos, "undeclared tensor or scalar %.*s", name->n, name->s);
        fail(P, name->pos, "undeclared tensor %.*s", name->n, name->s);
    }
    ff_ir_tensor *x = &P->tensors.data[t];
    tinfo *ti = &P->tinfo.data[t];
    if (t == P->lhs) fail(P, name->pos, "the statement reads %s, which it assigns", x->name);
    if (n != x->order)
        fail(P, name->pos, "%s has order %d but is written with %d ind%s", x->name, x->order, n,
             n == 1 ? "ex" : "ices");
    for (int m = 0; m < n; m++)
        for (int q = 0; q < m; q++)
            if (ids[q] == ids[m])
                fail(P, ipos[m],
                     "index %.*s appears twice in one access of %s (diagonals are not supported)",
                     P->loc[ids[m]].n, P->loc[ids[m]].name, x->name);
    /* A window's mode does not size its index: the window is as long as the
     * index, sized elsewhere (checked at the end of the statement). */
    for (int m = 0; m < n; m++)
        if (!offs[m].on) bind_size(P, ids[m], t, m, ipos[m]);
    if (!ti->read.line) ti->read = name->pos;
    ff_ir_expr *e = node(P, FF_IR_ACCESS, name->pos);
    e->tensor = t;
    e->nidx = n;
    memcpy(e->idx, ids, sizeof(int) * (size_t)n);
    memcpy(e->off, offs, sizeof(ff_ir_off) * (size_t)n);
    return e;
}

static void enter(parser *P, ff_srcpos pos)
{
    if (++P->nest > MAX_NEST) fail(P, pos, "expression nested more than %d deep", MAX_NEST);
}

/* call := FN "(" args ")" | FN "[" NAME "]" "(" expr ")"; `name` consumed */
static ff_ir_expr *call(parser *P, const token *name)
{
    int bracket = P->tok.kind == '[';
    const ir_func *f = NULL, *any = NULL;
    int paren_form = 0, bracket_form = 0;
    for (int i = 0; i < ir_nfuncs; i++) {
        if (!name_eq(ir_funcs[i].name, name->s, name->n)) continue;
        any = &ir_funcs[i];
        int indexed = ir_funcs[i].kind == FF_IR_REDUCE || ir_funcs[i].kind == FF_IR_SOFTMAX ||
                      ir_funcs[i].kind == FF_IR_LAYERNORM;
        if (indexed) bracket_form = 1;
        else paren_form = 1;
        if ((P->tok.kind == '[' && indexed) || (P->tok.kind == '(' && !indexed)) f = &ir_funcs[i];
    }
    if (!any) IR_UNREACHABLE();
    if (!f) {
        if (P->tok.kind == '(' || P->tok.kind == '[')
            fail(P, name->pos, "%s is not written with \"%c\": expected %s", any->name,
                 P->tok.kind, bracket ? "\"(\"" : "\"[\" and an index");
        char what[64];
        snprintf(what, sizeof what, "%s after %s",
                 paren_form && bracket_form ? "\"(\" or \"[\"" : paren_form ? "\"(\"" : "\"[\"",
                 any->name);
        expected(P, what);
    }
    enter(P, name->pos);
    ff_ir_expr *e = node(P, f->kind, name->pos);
    e->op = f->op;
    token itok = {0};
    if (bracket) {
        advance(P);
        if (P->tok.kind != TK_NAME) expected(P, "an index name");
        itok = P->tok;
        e->index = local_index(P, &itok);
        advance(P);
        if (P->tok.kind == '<') index_range(P, e->index);
        expect(P, ']', "\"]\"");
        if (P->tok.kind != '(') expected(P, "\"(\"");
    }
    advance(P); /* "(" */
    if (f->kind == FF_IR_MASK) {
        token start = P->tok;
        ff_ir_expr *m = expr(P);
        if (m->kind != FF_IR_ACCESS)
            fail(P, start.pos,
                 "the first argument of mask must be a tensor access (its stored coordinates "
                 "are the mask)");
        e->a = m;
        expect(P, ',', "\",\" and the masked expression");
        e->b = expr(P);
    } else {
        e->a = expr(P);
        if (f->kind == FF_IR_BINARY) {
            expect(P, ',', "\",\" and a second argument");
            e->b = expr(P);
        }
    }
    expect(P, ')', "\")\"");
    if (bracket) {
        uint64_t fr, bd;
        lmask(e->a, &fr, &bd);
        uint64_t bit = (uint64_t)1 << e->index;
        if (f->kind == FF_IR_REDUCE && (bd & bit)) {
            const ff_ir_expr *r = reduction_of(e->a, e->index);
            fail(P, itok.pos, "index %.*s is already reduced inside this %s (at %d:%d)", itok.n,
                 itok.s, f->name, r->pos.line, r->pos.col);
        }
        if (!(fr & bit))
            fail(P, itok.pos, "%s index %.*s does not appear in its operand", f->name, itok.n,
                 itok.s);
    }
    P->nest--;
    return e;
}

/* primary := NUMBER | SCALAR | access | call | "(" expr ")"
 * Sets *paren when the primary is a parenthesised expression. */
static ff_ir_expr *primary(parser *P, int *paren)
{
    token t = P->tok;
    *paren = 0;
    if (t.kind == TK_NUM) {
        ff_ir_expr *e = node(P, FF_IR_CONST, t.pos);
        e->value = number(P, &t, 0);
        advance(P);
        return e;
    }
    if (t.kind == '(') {
        enter(P, t.pos);
        advance(P);
        ff_ir_expr *e = expr(P);
        expect(P, ')', "\")\"");
        P->nest--;
        *paren = 1;
        return e;
    }
    if (t.kind != TK_NAME) expected(P, "a number, a tensor, a scalar, a function or \"(\"");
    advance(P);
    for (int i = 0; i < ir_nfuncs; i++)
        if (name_eq(ir_funcs[i].name, t.s, t.n)) return call(P, &t);
    int s = find_scalar(P, t.s, t.n);
    if (s >= 0) {
        if (P->tok.kind == '[' || P->tok.kind == '(')
            fail(P, t.pos, "%.*s is a scalar: it takes no indices or arguments", t.n, t.s);
        ff_ir_expr *e = node(P, FF_IR_CONST, t.pos);
        e->value = P->scalars.data[s].value;
        return e;
    }
    if (P->tok.kind == '(' && find_tensor(P, t.s, t.n) < 0)
        fail(P, t.pos,
             "unknown function \"%.*s\" (expected relu, exp, sqrt, rsqrt, log, tanh, sigmoid, erf, gelu, max, min, mask, "
             "sum, softmax, log_softmax or layernorm)",
             t.n, t.s);
    return access_rhs(P, &t);
}

/* unary := "-" unary | primary
 * A minus before a number is part of the literal, and a minus before a
 * constant folds into it, so that printed negative constants read back as
 * the same single node. */
static ff_ir_expr *unary(parser *P, int *paren)
{
    if (P->tok.kind != '-') return primary(P, paren);
    token minus = P->tok;
    advance(P);
    *paren = 0;
    if (P->tok.kind == TK_NUM) {
        ff_ir_expr *e = node(P, FF_IR_CONST, minus.pos);
        e->value = number(P, &P->tok, 1);
        advance(P);
        return e;
    }
    enter(P, minus.pos);
    int inner_paren;
    ff_ir_expr *a = unary(P, &inner_paren);
    P->nest--;
    if (a->kind == FF_IR_CONST && !inner_paren) {
        a->value = ff_fx_neg(a->value);
        a->pos = minus.pos;
        return a;
    }
    ff_ir_expr *e = node(P, FF_IR_UNARY, minus.pos);
    e->op = FF_ALU_NEG;
    e->a = a;
    return e;
}

/* term := unary { ( "*" | "/" ) unary } */
static ff_ir_expr *term(parser *P)
{
    int paren;
    ff_ir_expr *e = unary(P, &paren);
    while (P->tok.kind == '*' || P->tok.kind == '/') {
        ff_ir_expr *b = node(P, FF_IR_BINARY, P->tok.pos);
        b->op = P->tok.kind == '*' ? FF_ALU_MUL : FF_ALU_DIV;
        advance(P);
        b->a = e;
        b->b = unary(P, &paren);
        e = b;
    }
    return e;
}

/* expr := term { ( "+" | "-" ) term } */
static ff_ir_expr *expr(parser *P)
{
    ff_ir_expr *e = term(P);
    while (P->tok.kind == '+' || P->tok.kind == '-') {
        ff_ir_expr *b = node(P, FF_IR_BINARY, P->tok.pos);
        b->op = P->tok.kind == '+' ? FF_ALU_ADD : FF_ALU_SUB;
        advance(P);
        b->a = e;
        b->b = term(P);
        e = b;
    }
    return e;
}

/* ---- statements ---- */

/* Replaces local index ids by program index ids. */
static void globalize(parser *P, ff_ir_expr *e)
{
    if (!e) return;
    for (int m = 0; m < e->nidx; m++) e->idx[m] = P->loc[e->idx[m]].global;
    if (e->index >= 0) e->index = P->loc[e->index].global;
    globalize(P, e->a);
    globalize(P, e->b);
}

static int all_dense(const ff_format *f)
{
    for (int k = 0; k < f->nlevels; k++)
        if (f->lv[k].fmt != FF_LVL_DENSE) return 0;
    return 1;
}

/* Whether every tensor e reads is stored all-dense. */
static int reads_dense(const parser *P, const ff_ir_expr *e)
{
    if (!e) return 1;
    if (e->kind == FF_IR_ACCESS && !all_dense(&P->tensors.data[e->tensor].fmt)) return 0;
    return reads_dense(P, e->a) && reads_dense(P, e->b);
}

/* Windows of the statement's accesses (local index ids): each index must
 * have a size from a plain use -- a window is as long as its index. (A
 * window may reach past its mode: what lies outside is absent.) */
static void check_windows(parser *P, const ff_ir_expr *e)
{
    if (!e) return;
    if (e->kind == FF_IR_ACCESS)
        for (int m = 0; m < e->nidx; m++) {
            const lindex *l = &P->loc[e->idx[m]];
            if (e->off[m].on && l->size < 0)
                fail(P, e->pos,
                     "index %.*s has no size: it is read only with an offset here, and a window is as long as its "
                     "index (use %.*s in a plain access or on the left, e.g. declare the result)",
                     l->n, l->name, l->n, l->name);
        }
    check_windows(P, e->a);
    check_windows(P, e->b);
}

/* stmt := access "=" expr */
static void stmt(parser *P)
{
    token name = P->tok;
    P->nloc = 0;
    P->nest = 0;
    P->nodes = 0;
    P->lhs = -1;
    advance(P);
    if (reserved(&name))
        fail(P, name.pos, "\"%.*s\" is a reserved word, not a tensor", name.n, name.s);
    if (find_scalar(P, name.s, name.n) >= 0)
        fail(P, name.pos, "%.*s is a scalar; only tensors can be assigned", name.n, name.s);
    ff_ir_stmt s = {.pos = name.pos};
    ff_srcpos ipos[FF_IR_MAX_ORDER];
    s.nlhs = index_list(P, s.lhs_idx, ipos, NULL);
    for (int m = 0; m < s.nlhs; m++)
        for (int q = 0; q < m; q++)
            if (s.lhs_idx[q] == s.lhs_idx[m])
                fail(P, ipos[m], "index %.*s appears twice on the left", P->loc[s.lhs_idx[m]].n,
                     P->loc[s.lhs_idx[m]].name);
    if (P->tok.kind != '=') expected(P, "\"=\" after the left side");
    advance(P);

    int t = find_tensor(P, name.s, name.n);
    if (t >= 0) {
        ff_ir_tensor *x = &P->tensors.data[t];
        tinfo *ti = &P->tinfo.data[t];
        if (ti->assigned.line)
            fail(P, name.pos, "tensor %s is assigned twice (first at %d:%d)", x->name,
                 ti->assigned.line, ti->assigned.col);
        if (ti->read.line)
            fail(P, ti->read, "%s is read here but assigned later, at %d:%d (a statement may "
                              "only read inputs and tensors assigned before it)",
                 x->name, name.pos.line, name.pos.col);
        if (s.nlhs != x->order)
            fail(P, name.pos, "%s has order %d but is written with %d ind%s", x->name, x->order,
                 s.nlhs, s.nlhs == 1 ? "ex" : "ices");
        for (int m = 0; m < s.nlhs; m++) bind_size(P, s.lhs_idx[m], t, m, ipos[m]);
    } else {
        ff_ir_tensor x = {.name = ir_arena_strndup(P->arena, name.s, (size_t)name.n),
                          .order = s.nlhs, .pos = name.pos};
        FF_VEC_PUSH(P->tensors, x);
        tinfo ti = {{0, 0}, {0, 0}};
        FF_VEC_PUSH(P->tinfo, ti);
        t = (int)P->tensors.len - 1;
    }
    P->lhs = t;
    s.lhs = t;
    s.rhs = expr(P);
    if (P->tok.kind != TK_NL && P->tok.kind != TK_EOF)
        expected(P, "an operator or the end of the line");

    /* An index reduced explicitly is bound inside its reduction and may not
     * also be used outside it (that would be a second, implicit loop over
     * the same name). */
    uint64_t fr, bd;
    lmask(s.rhs, &fr, &bd);
    if (fr & bd) {
        int k = 0;
        while (!((fr & bd) >> k & 1)) k++;
        const ff_ir_expr *r = reduction_of(s.rhs, k), *u = free_use(s.rhs, k);
        fail(P, u ? u->pos : r->pos,
             "index %.*s is reduced by %s[%.*s] at %d:%d and cannot also be used outside it",
             P->loc[k].n, P->loc[k].name, r->op == FF_IR_RED_MAX ? "max" : "sum", P->loc[k].n,
             P->loc[k].name, r->pos.line, r->pos.col);
    }
    for (int m = 0; m < s.nlhs; m++) {
        uint64_t bit = (uint64_t)1 << s.lhs_idx[m];
        const lindex *l = &P->loc[s.lhs_idx[m]];
        if (fr & bit) continue;
        if (bd & bit)
            fail(P, ipos[m], "index %.*s on the left is reduced on the right", l->n, l->name);
        fail(P, ipos[m], "index %.*s on the left does not appear on the right", l->n, l->name);
    }

    check_windows(P, s.rhs);
    /* local indices -> program indices (same name and size share one) */
    for (int i = 0; i < P->nloc; i++) {
        lindex *l = &P->loc[i];
        if (l->size < 0) IR_UNREACHABLE(); /* every index left is bound by an access */
        l->global = -1;
        for (size_t g = 0; g < P->indices.len; g++)
            if (P->indices.data[g].size == l->size && name_eq(P->indices.data[g].name, l->name, l->n))
                l->global = (int)g;
        if (l->global < 0) {
            ff_ir_index x = {.name = ir_arena_strndup(P->arena, l->name, (size_t)l->n),
                             .size = l->size};
            FF_VEC_PUSH(P->indices, x);
            l->global = (int)P->indices.len - 1;
        }
    }
    globalize(P, s.rhs);
    ff_ir_tensor *x = &P->tensors.data[t];
    if (!x->declared) {
        /* An undeclared result: sized by its indices, dense when all it is
         * computed from is dense, else all levels compressed. */
        for (int m = 0; m < s.nlhs; m++) x->dims[m] = P->loc[s.lhs_idx[m]].size;
        x->format_text = reads_dense(P, s.rhs) ? "dense" : "sparse";
        if (ff_format_parse(x->format_text, x->order, &x->fmt, NULL) != 0) IR_UNREACHABLE();
    }
    for (int m = 0; m < s.nlhs; m++) s.lhs_idx[m] = P->loc[s.lhs_idx[m]].global;
    P->tinfo.data[t].assigned = name.pos;
    P->lhs = -1;
    FF_VEC_PUSH(P->stmts, s);
}

/* program := { line } ;  line := [ decl | scalar | stmt ] ( NEWLINE | EOF ) */
static void program(parser *P)
{
    advance(P);
    while (P->tok.kind != TK_EOF) {
        if (P->tok.kind == TK_NL) {
            advance(P);
            continue;
        }
        if (tok_is(P, "tensor")) {
            decl(P);
        } else if (tok_is(P, "scalar")) {
            scalar(P);
            if (P->tok.kind != TK_NL && P->tok.kind != TK_EOF) expected(P, "the end of the line");
        } else if (P->tok.kind == TK_NAME) {
            stmt(P);
        } else {
            expected(P, "a declaration (tensor, scalar) or a statement");
        }
    }
}

/* A window's length and offset are sizes with a value at run time: literal,
 * or the size of some input's mode (a size only results have is unknown
 * until the program has run). */
static void check_window_sizes(parser *P, const ff_ir_expr *e)
{
    if (!e) return;
    if (e->kind == FF_IR_ACCESS)
        for (int m = 0; m < e->nidx; m++) {
            const ff_ir_off *o = &e->off[m];
            if (!o->on) continue;
            int len = P->indices.data[e->idx[m]].size;
            for (int k = 0; k < 2; k++) {
                int z = k ? o->size : len;
                if (z < 0) continue;
                const ff_ir_size *sz = &P->sizes.data[z];
                if (!sz->literal && sz->from_tensor < 0)
                    fail(P, e->pos,
                         "the window of %s along mode %d needs size %s, which no input has (it has no value before "
                         "the program runs): write it as a number",
                         P->tensors.data[e->tensor].name, m, sz->name);
            }
        }
    check_window_sizes(P, e->a);
    check_window_sizes(P, e->b);
}

/* Roles, and which input gives each size its value at run time. */
static void finish(parser *P)
{
    for (size_t t = 0; t < P->tensors.len; t++) {
        ff_ir_tensor *x = &P->tensors.data[t];
        const tinfo *ti = &P->tinfo.data[t];
        x->role = !ti->assigned.line ? FF_IR_INPUT
                  : ti->read.line    ? FF_IR_INTERMEDIATE
                                     : FF_IR_OUTPUT;
        if (x->role != FF_IR_INPUT) continue;
        for (int m = 0; m < x->order; m++) {
            ff_ir_size *z = &P->sizes.data[x->dims[m]];
            if (z->from_tensor < 0) {
                z->from_tensor = (int)t;
                z->from_mode = m;
            }
        }
    }
    for (size_t i = 0; i < P->stmts.len; i++) check_window_sizes(P, P->stmts.data[i].rhs);
}

static int read_file(const char *path, char **out, size_t *len, ff_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return ff_err_set(err, FF_EIO, "%s: cannot open: %s", path, strerror(errno));
    FF_VEC(char) buf = {0};
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        FF_VEC_RESERVE(buf, buf.len + n);
        memcpy(buf.data + buf.len, chunk, n);
        buf.len += n;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf.data);
        return ff_err_set(err, FF_EIO, "%s: cannot read: %s", path, strerror(errno));
    }
    *out = buf.data;
    *len = buf.len;
    return 0;
}

static void parser_free(parser *P)
{
    free(P->tensors.data);
    free(P->tinfo.data);
    free(P->sizes.data);
    free(P->indices.data);
    free(P->stmts.data);
    free(P->scalars.data);
}

/* Copies a vector into the arena (NULL when empty). */
static void *arena_copy(ir_arena *a, const void *data, size_t n, size_t size)
{
    if (n == 0) return NULL;
    void *d = ir_arena_alloc(a, n * size);
    memcpy(d, data, n * size);
    return d;
}

/* Parses text[0..len) (its own function so that nothing setjmp must keep
 * lives in a frame that changes it after the setjmp). */
static int parse_text(const char *path, const char *text, size_t len, ff_ir_program **out,
                      ff_err *err)
{
    parser *volatile P = ff_xcalloc(1, sizeof(parser));
    P->path = path;
    P->src = P->p = P->bol = text;
    P->end = text + len;
    P->line = 1;
    P->err = err;
    P->lhs = -1;
    P->arena = ir_arena_new();
    if (setjmp(P->jb)) {
        ir_arena_free(P->arena);
        parser_free(P);
        free(P);
        return FF_EINVAL;
    }
    program(P);
    finish(P);

    ir_arena *a = P->arena;
    ff_ir_program *p = ff_xcalloc(1, sizeof *p);
    p->arena = a;
    p->path = ir_arena_strndup(a, path, strlen(path));
    p->frac_bits = FF_FX_DEFAULT_FRAC;
    p->ntensors = (int)P->tensors.len;
    p->tensors = arena_copy(a, P->tensors.data, P->tensors.len, sizeof(ff_ir_tensor));
    p->nsizes = (int)P->sizes.len;
    p->sizes = arena_copy(a, P->sizes.data, P->sizes.len, sizeof(ff_ir_size));
    p->nindices = (int)P->indices.len;
    p->indices = arena_copy(a, P->indices.data, P->indices.len, sizeof(ff_ir_index));
    p->nstmts = (int)P->stmts.len;
    p->stmts = arena_copy(a, P->stmts.data, P->stmts.len, sizeof(ff_ir_stmt));
    /* format_text of undeclared tensors points at string constants: give
     * every tensor an arena copy so the program owns all it points to */
    for (int t = 0; t < p->ntensors; t++) {
        const char *ft = p->tensors[t].format_text;
        p->tensors[t].format_text = ir_arena_strndup(a, ft, strlen(ft));
    }
    parser_free(P);
    free(P);
    *out = p;
    return 0;
}

int ff_ir_parse(const char *path, const char *text, ff_ir_program **out, ff_err *err)
{
    char *owned = NULL;
    size_t len;
    if (!path) path = "<input>";
    if (!text) {
        int rc = read_file(path, &owned, &len, err);
        if (rc) return rc;
        text = owned ? owned : "";
    } else {
        len = strlen(text);
    }
    int rc = parse_text(path, text, len, out, err);
    free(owned);
    return rc;
}
