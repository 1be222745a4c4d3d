/*
 * fixed.c -- Q(31-F).F arithmetic, bit-exact with the RTL ALU.
 *
 * docs/fixed-point.md is the contract for every algorithm here; when one
 * changes, the document and rtl/ change with it. Only integer operations are
 * used between the edges (from_double/to_double), and right shifts of
 * negative numbers are spelled out (shr_floor) rather than left to the
 * implementation-defined >> of C.
 */
#include "ff_fixed.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* The ROM contents (ORDER FF_FX_TABLES: fx_tables.def is the only source). */
#define FF_FX_CONST(name, value) enum { name = value };
#include "fx_tables.def"

static const uint32_t exp2_tab[] = {
#define FF_FX_EXP2_TAB(i, v) [i] = (uint32_t)(v),
#include "fx_tables.def"
};

static const uint32_t rsqrt_tab[] = {
#define FF_FX_RSQRT_TAB(i, v) [i] = (uint32_t)(v),
#include "fx_tables.def"
};

static const uint32_t ln_tab[] = {
#define FF_FX_LN_TAB(i, v) [i] = (uint32_t)(v),
#include "fx_tables.def"
};

static const uint32_t erf_tab[] = {
#define FF_FX_ERF_TAB(i, v) [i] = (uint32_t)(v),
#include "fx_tables.def"
};

/* The algorithms below index exactly these sizes. */
_Static_assert(sizeof exp2_tab / sizeof exp2_tab[0] == 65, "exp2 table: 64 segments + end");
_Static_assert(sizeof rsqrt_tab / sizeof rsqrt_tab[0] == 129, "rsqrt table: 128 segments + end");
_Static_assert(sizeof ln_tab / sizeof ln_tab[0] == 129, "ln table: 128 segments + end");
_Static_assert(sizeof erf_tab / sizeof erf_tab[0] == 257, "erf table: 256 segments + end");

/* ---- rounding and saturation ------------------------------------------ */

/* floor(v / 2^s) for s in 0..63, without >> on a negative value. */
static int64_t shr_floor(int64_t v, int s)
{
    return v >= 0 ? v >> s : ~(~v >> s);
}

/* v / 2^s rounded to nearest, ties to even, not saturated; s in 0..62.
 * The one rounding rule of the whole ALU: ff_fx_round_shift is this plus
 * saturation, and exp/rsqrt use it unsaturated on their 64-bit intermediates. */
static int64_t rne_shift(int64_t v, int s)
{
    assert(s >= 0 && s <= 62);
    if (s == 0) return v;
    int64_t q = shr_floor(v, s);
    uint64_t rem = (uint64_t)v & ((UINT64_C(1) << s) - 1); /* v - q*2^s */
    uint64_t half = UINT64_C(1) << (s - 1);
    if (rem > half || (rem == half && (q & 1))) q++;
    return q;
}

static ff_fx sat32(int64_t v)
{
    if (v > FF_FX_MAX) return FF_FX_MAX;
    if (v < FF_FX_MIN) return FF_FX_MIN;
    return (ff_fx)v;
}

ff_fx ff_fx_round_shift(int64_t v, int s)
{
    return sat32(rne_shift(v, s));
}

/* ---- the ALU operations ------------------------------------------------- */

ff_fx ff_fx_add(ff_fx a, ff_fx b)
{
    return sat32((int64_t)a + b);
}

ff_fx ff_fx_sub(ff_fx a, ff_fx b)
{
    return sat32((int64_t)a - b);
}

ff_fx ff_fx_neg(ff_fx a)
{
    return sat32(-(int64_t)a);
}

ff_fx ff_fx_mul(ff_fx a, ff_fx b, int frac_bits)
{
    assert(frac_bits >= 0 && frac_bits <= 30);
    return ff_fx_round_shift((int64_t)a * b, frac_bits);
}

/* RNE of the true quotient (a * 2^F) / b, on magnitudes: RNE is symmetric
 * under negation, so rounding |n|/|b| and then applying the sign is exact.
 * This is what a restoring divider with a final remainder compare does. */
static int64_t div_wide(ff_fx a, ff_fx b, int frac_bits)
{
    int64_t n = (int64_t)a * ((int64_t)1 << frac_bits); /* |n| <= 2^61 */
    int neg = (n < 0) != (b < 0);
    uint64_t un = n < 0 ? (uint64_t)-n : (uint64_t)n;
    uint64_t ub = b < 0 ? (uint64_t)-(int64_t)b : (uint64_t)b;
    uint64_t q = un / ub, r = un % ub;
    if (2 * r > ub || (2 * r == ub && (q & 1))) q++;
    /* q <= 2^61 + 1, so the signed value fits before saturation. */
    return neg ? -(int64_t)q : (int64_t)q;
}

ff_fx ff_fx_div(ff_fx a, ff_fx b, int frac_bits)
{
    assert(frac_bits >= 0 && frac_bits <= 30);
    if (b == 0) return a > 0 ? FF_FX_MAX : a < 0 ? FF_FX_MIN : 0;
    return sat32(div_wide(a, b, frac_bits));
}

/* e^x = 2^(x log2 e). y = x * LOG2E_Q30 is rounded to 30 fraction bits,
 * split into n = floor(y) and f in [0,1); 2^f is read from the 64-segment
 * table with linear interpolation on the low 24 bits of f, giving p in Q2.30;
 * the result p * 2^n is shifted into Q.F with RNE and saturation. */
/* exp of a Q.F value of 33 bits (|a| <= 2^32): sigmoid and tanh take the
 * exp of -|a| and -2|a|, which a 32-bit argument cannot hold. */
static ff_fx exp_wide(int64_t a, int frac_bits)
{
    assert(frac_bits >= 0 && frac_bits <= 30);
    int64_t y = rne_shift(a * LOG2E_Q30, frac_bits); /* Q.30, |y| < 2^63 */
    int64_t n = shr_floor(y, 30);
    int64_t f = y & ((INT64_C(1) << 30) - 1);
    int i = (int)(f >> 24);
    int64_t r = f & ((INT64_C(1) << 24) - 1);
    int64_t d = (int64_t)exp2_tab[i + 1] - exp2_tab[i];
    int64_t p = exp2_tab[i] + rne_shift(d * r, 24); /* 2^30 <= p <= 2^31 */
    int64_t sh = 30 - frac_bits - n;                  /* result = p / 2^sh */
    if (sh >= 0) return ff_fx_round_shift(p, sh > 62 ? 62 : (int)sh);
    if (-sh >= 32) return FF_FX_MAX; /* p >= 2^30, so p << 32 > MAX */
    return sat32(p * ((int64_t)1 << -sh));
}

ff_fx ff_fx_exp(ff_fx a, int frac_bits)
{
    return exp_wide(a, frac_bits);
}

/* Index of the highest set bit of x > 0 (31 - leading zero count). */
static int msb32(uint32_t x)
{
    int p = 0;
    while (x >>= 1) p++;
    return p;
}

/* x = M * 4^e with M in [1,4) as Q2.30 (M in [2^30, 2^32)); 1/sqrt(M) from
 * the table (step 1/64 on [1,2), 1/32 on [2,4), so every segment has the
 * same relative error) with linear interpolation on the bits below the
 * index; the result P * 2^-e is shifted into Q.F with RNE and saturation. */
ff_fx ff_fx_rsqrt(ff_fx a, int frac_bits)
{
    assert(frac_bits >= 0 && frac_bits <= 30);
    if (a <= 0) return FF_FX_MAX;
    int p = msb32((uint32_t)a);
    int q = ((p - frac_bits) % 2 == 0) ? p : p - 1; /* q = F (mod 2), q >= -1 */
    uint64_t m = (uint64_t)(uint32_t)a << (30 - q); /* Q2.30 in [2^30, 2^32) */
    int e = (q - frac_bits) / 2;                    /* exact: q - F is even */
    int i, s;
    if (m < (UINT64_C(1) << 31)) {
        i = (int)((m - (UINT64_C(1) << 30)) >> 24);
        s = 24;
    } else {
        i = 64 + (int)((m - (UINT64_C(1) << 31)) >> 25);
        s = 25;
    }
    int64_t r = (int64_t)(m & ((UINT64_C(1) << s) - 1));
    int64_t d = (int64_t)rsqrt_tab[i + 1] - rsqrt_tab[i]; /* <= 0 */
    int64_t pv = rsqrt_tab[i] + rne_shift(d * r, s);     /* 2^29 < pv <= 2^30 */
    int sh = 30 + e - frac_bits;                          /* result = pv / 2^sh */
    if (sh >= 0) return ff_fx_round_shift(pv, sh);
    return sat32(pv * ((int64_t)1 << -sh)); /* -sh <= 16 */
}

/* round(n / d), ties to even, for n >= 0 and d > 0: the divider of div,
 * sigmoid and tanh (one unit in the RTL). */
static uint64_t udiv_rne(uint64_t n, uint64_t d)
{
    uint64_t q = n / d, r = n % d;
    if (2 * r > d || (2 * r == d && (q & 1))) q++;
    return q;
}

/* a = m * 2^(p-F) with m in [1,2) as Q1.30 (p = msb(a)); ln m from the
 * 128-segment table with linear interpolation on the low 23 bits; ln a =
 * (p - F) ln 2 + ln m in Q.30, shifted into Q.F with RNE and saturation.
 * ln of 0 or less is -infinity or undefined: MIN, counted as saturated. */
ff_fx ff_fx_log(ff_fx a, int frac_bits)
{
    assert(frac_bits >= 0 && frac_bits <= 30);
    if (a <= 0) return FF_FX_MIN;
    int p = msb32((uint32_t)a);
    int64_t frac = ((int64_t)a << (30 - p)) - (INT64_C(1) << 30); /* [0, 2^30) */
    int i = (int)(frac >> 23);
    int64_t r = frac & ((INT64_C(1) << 23) - 1);
    int64_t d = (int64_t)ln_tab[i + 1] - ln_tab[i];
    int64_t lnm = ln_tab[i] + rne_shift(d * r, 23);
    return ff_fx_round_shift((int64_t)(p - frac_bits) * LN2_Q30 + lnm, 30 - frac_bits);
}

/* sigmoid(a) from s = sigmoid(-|a|) = e / (1 + e), e = exp(-|a|) <= 1:
 * s = round(e 2^F / (2^F + e)) (RNE), and sigmoid(a) = 1 - s for a >= 0 --
 * the symmetry is exact, and 1 - s never rounds. */
ff_fx ff_fx_sigmoid(ff_fx a, int frac_bits)
{
    int64_t one = INT64_C(1) << frac_bits;
    int64_t e = exp_wide(a < 0 ? a : -(int64_t)a, frac_bits);
    int64_t s = (int64_t)udiv_rne((uint64_t)e << frac_bits, (uint64_t)(one + e));
    return (ff_fx)(a >= 0 ? one - s : s);
}

/* tanh|a| = (1 - e) / (1 + e), e = exp(-2|a|) <= 1, rounded RNE as
 * round((2^F - e) 2^F / (2^F + e)); the sign of a applied after (tanh is
 * odd, and RNE is symmetric). */
ff_fx ff_fx_tanh(ff_fx a, int frac_bits)
{
    int64_t one = INT64_C(1) << frac_bits;
    int64_t mag = a < 0 ? -(int64_t)a : a;
    int64_t e = exp_wide(-2 * mag, frac_bits);
    int64_t t = (int64_t)udiv_rne((uint64_t)(one - e) << frac_bits, (uint64_t)(one + e));
    return (ff_fx)(a < 0 ? -t : t);
}

/* erf|a| with |a| as Q.30 (x = |a| 2^(30-F) < 2^62): for x < 4 from the
 * 256-segment table (step 1/64) with linear interpolation on the low 24
 * bits; 1 beyond (erf 4 = 1 - 1.5e-8); the result shifted into Q.F with
 * RNE and the sign of a applied after (erf is odd). */
ff_fx ff_fx_erf(ff_fx a, int frac_bits)
{
    assert(frac_bits >= 0 && frac_bits <= 30);
    int64_t x = (a < 0 ? -(int64_t)a : a) << (30 - frac_bits);
    int64_t p;
    if (x >= INT64_C(4) << 30) {
        p = INT64_C(1) << 30;
    } else {
        int i = (int)(x >> 24);
        int64_t r = x & ((INT64_C(1) << 24) - 1);
        int64_t d = (int64_t)erf_tab[i + 1] - erf_tab[i];
        p = erf_tab[i] + rne_shift(d * r, 24);
    }
    int64_t v = rne_shift(p, 30 - frac_bits);
    return (ff_fx)(a < 0 ? -v : v);
}

/* ---- the opcode table --------------------------------------------------- */

static const struct {
    const char *name;
    int arity;
} alu_ops[FF_ALU__COUNT] = { /* ORDER FF_ALU_OP */
#define FF_ALU_ROW_(e, name, arity) [FF_ALU_##e] = {name, arity},
    FF_ALU_OPS(FF_ALU_ROW_)
#undef FF_ALU_ROW_
};

const char *ff_alu_op_name(ff_alu_op op)
{
    return (unsigned)op < FF_ALU__COUNT ? alu_ops[op].name : NULL;
}

int ff_alu_op_arity(ff_alu_op op)
{
    return (unsigned)op < FF_ALU__COUNT ? alu_ops[op].arity : 0;
}

int ff_alu_op_parse(const char *name)
{
    for (int op = 0; op < FF_ALU__COUNT; op++)
        if (name && strcmp(name, alu_ops[op].name) == 0) return op;
    return -1;
}

ff_fx ff_alu_apply(ff_alu_op op, ff_fx a, ff_fx b, int frac_bits)
{
    switch (op) {
    case FF_ALU_ADD: return ff_fx_add(a, b);
    case FF_ALU_SUB: return ff_fx_sub(a, b);
    case FF_ALU_MUL: return ff_fx_mul(a, b, frac_bits);
    case FF_ALU_DIV: return ff_fx_div(a, b, frac_bits);
    case FF_ALU_MAX: return a > b ? a : b;
    case FF_ALU_MIN: return a < b ? a : b;
    case FF_ALU_NEG: return ff_fx_neg(a);
    case FF_ALU_RELU: return a > 0 ? a : 0;
    case FF_ALU_EXP: return ff_fx_exp(a, frac_bits);
    case FF_ALU_RSQRT: return ff_fx_rsqrt(a, frac_bits);
    case FF_ALU_PASS: return a;
    case FF_ALU_LOG: return ff_fx_log(a, frac_bits);
    case FF_ALU_TANH: return ff_fx_tanh(a, frac_bits);
    case FF_ALU_SIGMOID: return ff_fx_sigmoid(a, frac_bits);
    case FF_ALU_ERF: return ff_fx_erf(a, frac_bits);
    case FF_ALU__COUNT: break;
    }
    assert(!"ff_alu_apply: invalid op");
    return a;
}

double ff_alu_apply_real(ff_alu_op op, double a, double b)
{
    switch (op) {
    case FF_ALU_ADD: return a + b;
    case FF_ALU_SUB: return a - b;
    case FF_ALU_MUL: return a * b;
    case FF_ALU_DIV: return a / b;
    case FF_ALU_MAX: return a > b ? a : b;
    case FF_ALU_MIN: return a < b ? a : b;
    case FF_ALU_NEG: return -a;
    case FF_ALU_RELU: return a > 0 ? a : 0;
    case FF_ALU_EXP: return exp(a);
    case FF_ALU_RSQRT: return 1 / sqrt(a);
    case FF_ALU_PASS: return a;
    case FF_ALU_LOG: return log(a);
    case FF_ALU_TANH: return tanh(a);
    case FF_ALU_SIGMOID: return 1 / (1 + exp(-a));
    case FF_ALU_ERF: return erf(a);
    case FF_ALU__COUNT: break;
    }
    assert(!"ff_alu_apply_real: invalid op");
    return a;
}

/* The result is ff_alu_apply's; saturation is found by redoing the exact
 * (unsaturated) value where there is one and comparing. exp and rsqrt have
 * no wide value: their only saturation is a result of FF_FX_MAX (exp of a
 * large input; rsqrt of a <= 0 or of a tiny a). */
ff_fx ff_fx_add_count(ff_fx a, ff_fx b, uint64_t *saturated)
{
    ff_fx r = ff_fx_add(a, b);
    *saturated += (int64_t)a + b != r;
    return r;
}

ff_fx ff_alu_apply_sat(ff_alu_op op, ff_fx a, ff_fx b, int frac_bits, int *saturated)
{
    /* the common ops on the simulator's hot path: the wide value once */
    int64_t w;
    switch (op) {
    case FF_ALU_ADD: w = (int64_t)a + b; break;
    case FF_ALU_SUB: w = (int64_t)a - b; break;
    case FF_ALU_MUL: w = rne_shift((int64_t)a * b, frac_bits); break;
    default: goto other;
    }
    *saturated = w > FF_FX_MAX || w < FF_FX_MIN;
    return sat32(w);
other:;
    ff_fx r = ff_alu_apply(op, a, b, frac_bits);
    switch (op) {
    case FF_ALU_ADD: *saturated = (int64_t)a + b != r; break;
    case FF_ALU_SUB: *saturated = (int64_t)a - b != r; break;
    case FF_ALU_MUL: *saturated = rne_shift((int64_t)a * b, frac_bits) != r; break;
    case FF_ALU_DIV: *saturated = b == 0 ? a != 0 : div_wide(a, b, frac_bits) != r; break;
    case FF_ALU_NEG: *saturated = a == FF_FX_MIN; break;
    case FF_ALU_EXP:
    case FF_ALU_RSQRT: *saturated = r == FF_FX_MAX; break;
    case FF_ALU_LOG: *saturated = a <= 0 || r == FF_FX_MAX || r == FF_FX_MIN; break;
    default: *saturated = 0; break;
    }
    return r;
}

/* ---- conversions -------------------------------------------------------- */

ff_fx ff_fx_from_int(int64_t i, int frac_bits)
{
    assert(frac_bits >= 0 && frac_bits <= 30);
    /* Anything beyond 2^32 saturates whatever F is; check first so the
     * multiplication below cannot overflow. */
    if (i >= (INT64_C(1) << 32)) return FF_FX_MAX;
    if (i <= -(INT64_C(1) << 32)) return FF_FX_MIN;
    return sat32(i * ((int64_t)1 << frac_bits));
}

ff_fx ff_fx_from_double(double x, int frac_bits)
{
    assert(frac_bits >= 0 && frac_bits <= 30);
    if (x != x) return 0;
    double y = x * (double)((int64_t)1 << frac_bits); /* exact: a power of two */
    if (y >= 2147483647.5) return FF_FX_MAX;  /* rounds to 2^31 or beyond */
    if (y <= -2147483648.0) return FF_FX_MIN;
    int64_t t = (int64_t)y; /* toward zero; |y| < 2^31 so it fits */
    double frac = y - (double)t; /* exact: y and t share the exponent range */
    if (frac > 0.5 || (frac == 0.5 && (t & 1))) t++;
    else if (frac < -0.5 || (frac == -0.5 && (t & 1))) t--;
    return sat32(t);
}

double ff_fx_to_double(ff_fx v, int frac_bits)
{
    assert(frac_bits >= 0 && frac_bits <= 30);
    return (double)v / (double)((int64_t)1 << frac_bits);
}

/* ---- decimal text ------------------------------------------------------- */

/* Digits kept of a literal's fraction. A tie point of Q.F (F <= 30) has at
 * most 31 fraction digits, so 64 exact digits plus a sticky "something
 * non-zero follows" marker decide the rounding exactly. */
#define FRAC_KEEP 64

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The magnitude of a literal with significant digits sig[0..nsig-1] (no
 * leading zero; sticky: non-zero digits were dropped after them) and the
 * decimal point after `point` of them, in Q.F with RNE. Returns 0, or 1 when
 * it is 2^32 or more (saturates whatever F is). */
static int literal_mag(const char *sig, int nsig, int sticky, long point, int F,
                       uint64_t *out)
{
    /* Integer part: sig[0 .. point-1], zeros beyond nsig. */
    uint64_t ip = 0;
    if (point > 10) return 1; /* >= 10^10 > 2^32, as sig[0] != '0' */
    for (long k = 0; k < point; k++) ip = ip * 10 + (uint64_t)(k < nsig ? sig[k] - '0' : 0);
    if (ip >= (UINT64_C(1) << 32)) return 1;

    /* Fraction digits: position pos (0-based after the point) holds
     * sig[point + pos] where that is a significant digit, else 0. */
    uint8_t fd[FRAC_KEEP + 1];
    int nfd = 0;
    long last = (long)nsig - point; /* fraction positions up to the last digit */
    for (long pos = 0; pos < last && pos < FRAC_KEEP; pos++) {
        long k = point + pos;
        fd[nfd++] = (uint8_t)(k >= 0 ? sig[k] - '0' : 0);
    }
    for (long k = point + FRAC_KEEP > 0 ? point + FRAC_KEEP : 0; k < nsig; k++)
        if (sig[k] != '0') sticky = 1;
    if (sticky) {
        while (nfd < FRAC_KEEP) fd[nfd++] = 0;
        fd[nfd++] = 1; /* stands for "a little more than the kept digits" */
    }

    uint64_t fbits = 0;
    for (int b = 0; b < F; b++) {
        int carry = 0;
        for (int k = nfd - 1; k >= 0; k--) {
            int v = fd[k] * 2 + carry;
            fd[k] = (uint8_t)(v % 10);
            carry = v / 10;
        }
        fbits = fbits << 1 | (uint64_t)carry;
    }
    int cmp_half = -1; /* the remainder against 1/2 */
    if (nfd > 0 && fd[0] > 5) {
        cmp_half = 1;
    } else if (nfd > 0 && fd[0] == 5) {
        cmp_half = 0;
        for (int k = 1; k < nfd; k++)
            if (fd[k]) cmp_half = 1;
    }
    uint64_t mag = ip << F | fbits;
    if (cmp_half > 0 || (cmp_half == 0 && (mag & 1))) mag++;
    *out = mag;
    return 0;
}

/* Exact decimal -> fixed point: the literal is read into its significant
 * digits and the position of its decimal point; the fraction is doubled F
 * times as a decimal digit string (each carry out is the next binary digit)
 * and the remainder compared with 1/2. No floating point is involved, so
 * "0.1" gives the same bits on every host.
 *
 *   literal := [+-]? (digits ["." digits?] | "." digits) ([eE] [+-]? digits)? */
int ff_fx_parse(const char *text, int frac_bits, ff_fx *out)
{
    return ff_fx_parse_loss(text, frac_bits, out, NULL);
}

int ff_fx_parse_loss(const char *text, int frac_bits, ff_fx *out, ff_fx_loss *loss)
{
    assert(frac_bits >= 0 && frac_bits <= 30);
    const char *s = text;
    int neg = 0;
    if (!s) return -1;
    if (*s == '+' || *s == '-') neg = *s++ == '-';

    char sig[FRAC_KEEP + 24];
    int nsig = 0, sticky = 0, ndig = 0, seen_point = 0;
    long point = 0; /* significant digits before the decimal point */
    for (;; s++) {
        if (is_digit(*s)) {
            ndig++;
            if (nsig == 0 && *s == '0') { /* a leading zero */
                if (seen_point) point--;
                continue;
            }
            if (nsig < (int)sizeof sig) sig[nsig++] = *s;
            else if (*s != '0') sticky = 1;
            if (!seen_point) point++;
        } else if (*s == '.' && !seen_point) {
            seen_point = 1;
        } else {
            break;
        }
    }
    if (ndig == 0) return -1;
    if (*s == 'e' || *s == 'E') {
        int eneg = 0;
        long ex = 0;
        s++;
        if (*s == '+' || *s == '-') eneg = *s++ == '-';
        if (!is_digit(*s)) return -1;
        for (; is_digit(*s); s++)
            if (ex < 1000000) ex = ex * 10 + (*s - '0'); /* beyond: 0 or saturated anyway */
        point += eneg ? -ex : ex;
    }
    if (*s != '\0') return -1;

    uint64_t mag = 0;
    int sat = 0;
    if (nsig > 0 && literal_mag(sig, nsig, sticky, point, frac_bits, &mag)) {
        *out = neg ? FF_FX_MIN : FF_FX_MAX;
        sat = 1;
    } else if (neg) {
        sat = mag > (UINT64_C(1) << 31); /* -2^31 itself is FF_FX_MIN exactly */
        *out = mag >= (UINT64_C(1) << 31) ? FF_FX_MIN : (ff_fx) - (int64_t)mag;
    } else {
        sat = mag > (uint64_t)FF_FX_MAX;
        *out = sat ? FF_FX_MAX : (ff_fx)mag;
    }
    /* nsig counts digits after the leading zeros: a nonzero literal */
    if (loss) *loss = sat ? FF_FX_SATURATED : nsig > 0 && mag == 0 ? FF_FX_UNDERFLOW : FF_FX_EXACT;
    return 0;
}

/* The shortest decimal is found on the fraction f = mag mod 2^F alone, in
 * integers: with p fraction digits, f / 2^F * 10^p = q + r / 2^F, so the
 * p-digit neighbours of the value are q ("down", r / 2^F units of 10^-p
 * below) and q + 1 ("up", (2^F - r) / 2^F above). A neighbour parses back
 * (RNE) when it lies within half an ulp, 2^-(F+1): down when 2r <= 10^p,
 * up when 2(2^F - r) <= 10^p, the equal case only for an even mag (the
 * ends of the rounding interval go to the even neighbour). The nearer
 * neighbour is tried first, on a tie the one with the even last digit.
 * Each step to p + 1 multiplies r by 10 (r < 2^30, no overflow); a
 * neighbour is always found by the p with 10^p >= 2^F (at most 10 for
 * F = 30), so q < 10^10 fits too. The decimal-digit candidate search this
 * replaced (3,500 instructions a value) is kept in tests/unit/test_fixed.c
 * as the reference it must match byte for byte. */
int ff_fx_format(ff_fx v, int frac_bits, char *buf, int n)
{
    assert(frac_bits >= 0 && frac_bits <= 30);
    int F = frac_bits;
    uint64_t mag = v < 0 ? (uint64_t)(-(int64_t)v) : (uint64_t)v;
    uint64_t one = UINT64_C(1) << F, ip = mag >> F, r = mag & (one - 1);
    int even = (mag & 1) == 0;
    uint64_t q = 0, pow10 = 1; /* q: the p digits of the "down" neighbour */
    int p = 0;
    if (r) {
        for (;; p++) {
            int down_ok = 2 * r < pow10 || (2 * r == pow10 && even);
            int up_ok = 2 * (one - r) < pow10 || (2 * (one - r) == pow10 && even);
            int up_nearer = 2 * r > one || (2 * r == one && ((p ? q : ip) & 1));
            if (up_nearer ? up_ok : down_ok) {
                if (up_nearer) q++;
                break;
            }
            if (up_nearer ? down_ok : up_ok) {
                if (!up_nearer) q++;
                break;
            }
            r *= 10;
            q = q * 10 + (r >> F);
            r &= one - 1;
            pow10 *= 10;
            assert(p < F); /* at p = F, r is 0 and down is exact */
        }
        if (q == pow10) { /* "up" carried into the integer part */
            ip++;
            q = 0;
            p = 0;
        }
        while (p > 0 && q % 10 == 0) q /= 10, p--;
    }
    /* Digits right to left into the end of text[]. */
    char text[48], *e = text + sizeof text, *t = e;
    for (int k = 0; k < p; k++, q /= 10) *--t = (char)('0' + q % 10);
    if (p) *--t = '.';
    do *--t = (char)('0' + ip % 10); while ((ip /= 10) != 0);
    if (v < 0) *--t = '-';
    int len = (int)(e - t);
    if (n > 0) {
        int c = len < n - 1 ? len : n - 1;
        memcpy(buf, t, (size_t)c);
        buf[c] = '\0';
    }
    return len;
}
