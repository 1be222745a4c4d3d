"""Q15.16 fixed point as fuseflow reads it (docs/fixed-point.md).

fuseflow rounds every number it reads -- a value in a Matrix Market file, a
constant in a model -- to the nearest multiple of 2^-16, ties to even, and
saturates at the ends of the range. The exporter rounds first and writes the
exact decimal of the rounded value, so what fuseflow reads is exactly what
the exporter's error analysis assumes.
"""
import numpy as np

FRAC_BITS = 16
ULP = 2.0 ** -FRAC_BITS          # one unit in the last place
HALF_ULP = 2.0 ** -(FRAC_BITS + 1)
WORD_MAX = 2 ** 31 - 1
WORD_MIN = -2 ** 31
MAX = WORD_MAX * ULP             # 32767.99998...
MIN = WORD_MIN * ULP             # -32768

# docs/fixed-point.md, measured over every input: exp is within
# 0.5 ulp + 1.466e-5 * exact and never below exact - 0.5 ulp; rsqrt within
# 0.5 ulp + 2.254e-5 * exact. We use the figures the C tests assert.
EXP_REL = 1.5e-5
RSQRT_REL = 2.3e-5
# log, tanh, sigmoid and erf: |got - exact| <= ulps * ULP + abs (real units),
# the bounds test_fixed asserts at every F.
TRANSCENDENTAL = {
    'log': (0.5, 7.7e-6),
    'tanh': (1.5, 7.4e-6),
    'sigmoid': (1.0, 3.7e-6),
    'erf': (0.5, 2.96e-5),
}


def words(x):
    """The fixed-point words (int64 array) of the reals x: round to nearest,
    ties to even, saturate. NaN is an error for the caller to report."""
    a = np.asarray(x, dtype=np.float64) * float(1 << FRAC_BITS)  # exact: a power of two
    a = np.clip(a, float(WORD_MIN), float(WORD_MAX))
    return np.rint(a).astype(np.int64)                          # rint: ties to even


def value(k):
    """The real number a word (or array of words) stands for."""
    return np.asarray(k, dtype=np.float64) * ULP


def quantize(x):
    """x rounded to the fixed-point grid, as float64 (exact)."""
    return value(words(x))


def text(k):
    """The exact decimal of word k: k / 2^16 has at most 16 fraction digits,
    and fuseflow parses decimals exactly, so the text reads back to k."""
    k = int(k)
    sign = '-' if k < 0 else ''
    digits = str(abs(k) * 5 ** FRAC_BITS).rjust(FRAC_BITS + 1, '0')  # |k| * 10^16 / 2^16
    whole, frac = digits[:-FRAC_BITS], digits[-FRAC_BITS:].rstrip('0')
    return sign + whole + ('.' + frac if frac else '')


# gelu's 1/sqrt(2) as the language rounds it (ff_ir_gelu_scale)
GELU_SCALE = float(quantize(0.70710678118654752440))
