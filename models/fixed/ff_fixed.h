/*
 * ff_fixed.h -- the value arithmetic of fuseflow: 32-bit two's-complement
 * fixed point with F fractional bits (default 16, i.e. Q15.16).
 *
 * This is the arithmetic the RTL ALU implements bit for bit; docs/fixed-point.md
 * is the contract (rounding, saturation, and the exact integer algorithms of
 * div, exp and rsqrt, with their tables). Every function here is pure integer
 * code: no float is used between the edges (ff_fx_from_double/ff_fx_to_double),
 * so results are the same on every host and in Verilog.
 *
 * Rules shared by every operation:
 *  - results that do not fit saturate to FF_FX_MAX / FF_FX_MIN;
 *  - dropped low bits round to nearest, ties to even (RNE);
 *  - frac_bits F is in [0, 30].
 */
#ifndef FF_FIXED_H
#define FF_FIXED_H

#include <stdint.h>

typedef int32_t ff_fx;

#define FF_FX_MAX INT32_MAX
#define FF_FX_MIN INT32_MIN
#define FF_FX_DEFAULT_FRAC 16

/* The ALU operations; the order is the opcode used by the graph format and the
 * RTL configuration (ORDER FF_ALU_OP: keep docs/fixed-point.md and the RTL in
 * step -- both are generated from this list). Unary ops ignore b. The "scalar
 * variants" of the ALU primitive apply the same op with b = an immediate. */
#define FF_ALU_OPS(X)                                                        \
    X(ADD, "add", 2)   /* a + b */                                           \
    X(SUB, "sub", 2)   /* a - b */                                           \
    X(MUL, "mul", 2)   /* a * b, RNE to F bits */                            \
    X(DIV, "div", 2)   /* a / b, RNE; b == 0 saturates by sign of a, 0/0 = 0 */ \
    X(MAX, "max", 2)                                                         \
    X(MIN, "min", 2)                                                         \
    X(NEG, "neg", 1)   /* -a, saturating (-MIN = MAX) */                     \
    X(RELU, "relu", 1) /* max(a, 0) */                                       \
    X(EXP, "exp", 1)   /* e^a: table + linear interpolation */               \
    X(RSQRT, "rsqrt", 1) /* 1/sqrt(a): table + interpolation; a <= 0 -> MAX */ \
    X(PASS, "pass", 1) /* a unchanged (copy/retiming) */                     \
    X(LOG, "log", 1)   /* ln a: table + interpolation; a <= 0 -> MIN */       \
    X(TANH, "tanh", 1) /* (1 - e^-2|a|) / (1 + e^-2|a|), signed: exp + div */ \
    X(SIGMOID, "sigmoid", 1) /* 1 / (1 + e^-a): exp + div */                 \
    X(ERF, "erf", 1)   /* erf a: table + interpolation on [0,4), else +-1 */

typedef enum ff_alu_op {
#define FF_ALU_ENUM_(e, name, arity) FF_ALU_##e,
    FF_ALU_OPS(FF_ALU_ENUM_)
#undef FF_ALU_ENUM_
    FF_ALU__COUNT
} ff_alu_op;

/* Name ("add") and arity (1 or 2) of an op; NULL / 0 for an invalid op. */
const char *ff_alu_op_name(ff_alu_op op);
int ff_alu_op_arity(ff_alu_op op);
/* Op by name; returns -1 if unknown. */
int ff_alu_op_parse(const char *name);

/* Applies op to a and b with F fractional bits. */
ff_fx ff_alu_apply(ff_alu_op op, ff_fx a, ff_fx b, int frac_bits);

/* ff_alu_apply (the same result), also setting *saturated (not NULL) to 1
 * when the result saturated -- the exact value was beyond the format and
 * FF_FX_MAX/MIN stands in for it (div by zero of a nonzero counts; exp and
 * rsqrt count a result of FF_FX_MAX) -- else 0. For the simulator's
 * statistics; the RTL has no such output. */
ff_fx ff_alu_apply_sat(ff_alu_op op, ff_fx a, ff_fx b, int frac_bits, int *saturated);

/* Edge conversions. from_double rounds to nearest even and saturates; NaN
 * converts to 0. to_double is exact (every ff_fx is a double). */
ff_fx ff_fx_from_double(double x, int frac_bits);
double ff_fx_to_double(ff_fx v, int frac_bits);

/* Integer i as fixed point (i << F), saturating. */
ff_fx ff_fx_from_int(int64_t i, int frac_bits);

/* Shortest decimal text that converts back (with ff_fx_parse) to exactly v,
 * without exponent and without relying on saturation; e.g. "1.5", "-3", and
 * at F = 16 "0.1" for 6554 (0.100006103515625) and "0.00002" for 1 (2^-16).
 * Writes at most n bytes incl. NUL, returns the length it wanted
 * (snprintf-style; 44 bytes always suffice). */
int ff_fx_format(ff_fx v, int frac_bits, char *buf, int n);

/* Parses a decimal number ("1.5", "-2", "3e-2") into fixed point with RNE and
 * saturation. Returns 0, or -1 if text is not a whole number literal. */
int ff_fx_parse(const char *text, int frac_bits, ff_fx *out);

/* What parsing lost of a literal beyond ordinary rounding to the nearest
 * representable value (which is not loss: "0.1" is FF_FX_EXACT here). */
typedef enum ff_fx_loss {
    FF_FX_EXACT,     /* the value, rounded to nearest */
    FF_FX_SATURATED, /* |x| beyond the format: became FF_FX_MAX or FF_FX_MIN */
    FF_FX_UNDERFLOW  /* a nonzero literal that rounded to exactly 0 */
} ff_fx_loss;

/* ff_fx_parse that also says, in *loss (may be NULL), whether the value was
 * saturated or a nonzero became 0; *out is the same as ff_fx_parse's. */
int ff_fx_parse_loss(const char *text, int frac_bits, ff_fx *out, ff_fx_loss *loss);

/* The individual operations (ff_alu_apply dispatches to these). */
ff_fx ff_fx_add(ff_fx a, ff_fx b);
/* The op on real numbers, what the fixed-point one approximates: for the
 * float64 evaluation `--check` compares against (no rounding, no
 * saturation; rsqrt of a <= 0 and a division by 0 are +-inf or NaN). */
double ff_alu_apply_real(ff_alu_op op, double a, double b);
/* ff_fx_add that adds 1 to *saturated when the sum saturated (a reducer's
 * or an accumulator's running sum, counted like ff_alu_apply_sat). */
ff_fx ff_fx_add_count(ff_fx a, ff_fx b, uint64_t *saturated);
ff_fx ff_fx_sub(ff_fx a, ff_fx b);
ff_fx ff_fx_mul(ff_fx a, ff_fx b, int frac_bits);
ff_fx ff_fx_div(ff_fx a, ff_fx b, int frac_bits);
ff_fx ff_fx_neg(ff_fx a);
ff_fx ff_fx_exp(ff_fx a, int frac_bits);
ff_fx ff_fx_rsqrt(ff_fx a, int frac_bits);
ff_fx ff_fx_log(ff_fx a, int frac_bits);
ff_fx ff_fx_tanh(ff_fx a, int frac_bits);
ff_fx ff_fx_sigmoid(ff_fx a, int frac_bits);
ff_fx ff_fx_erf(ff_fx a, int frac_bits);

/* Right shift of a 64-bit value by s bits (0..62) with round-to-nearest-even,
 * then saturation to 32 bits: the one rounding step every op above uses. */
ff_fx ff_fx_round_shift(int64_t v, int s);

#endif
