"""Evaluates an exported program with numpy, to check the export and to
bound fuseflow's error (docs/torch.md, "The error bound").

One pass computes, for every entry of every statement result:

* v: the program in real arithmetic (float64) on the model's original float
  inputs and constants, with the language's support rules (absent entries,
  dense and sparse stores). It must reproduce PyTorch's value of every
  tensor it computes -- if it does not, the translation is wrong, and the
  exporter stops with an internal error instead of writing a model.

* [lo, hi]: an interval that contains the fixed-point value fuseflow
  computes. Inputs and constants are their Q15.16 words. Every operation
  widens the interval by the error the fixed-point contract allows it
  (docs/fixed-point.md): mul, div and the divisions inside softmax and
  layernorm round to nearest (half an ulp), except a mul by the word -1, 0
  or 1 (a gather's one-hot entries, a pruning mask), which is exact; add
  and sub are exact; exp is
  within half an ulp + 1.5e-5 relative and never below exact - half an
  ulp; rsqrt within half an ulp + 2.3e-5 relative; log, tanh, sigmoid and
  erf within their absolute bounds (fixed.TRANSCENDENTAL); gelu is the
  language's mul, erf, mul, add, mul sequence; results saturate to
  [-32768, 32767.99998]. Layernorm's epsilon is one ulp in the language and
  the model's eps in v, so that difference is inside the bound too. This is
  the guaranteed bound: worst case, every error lined up.

A noisy pass (noise=rng) instead computes the fixed-point program with each
of those errors drawn at random inside its range -- the standard model of
rounding as independent, zero-mean errors (the exp and rsqrt table errors
one-sided, as they are) -- from the Q15.16 inputs. The spread of a few such samples gives
the statistical bound. Neither reproduces fuseflow's bit-level arithmetic:
the test that compares fuseflow with them checks the fixed-point
implementation, not a copy of it.
"""
import numpy as np

from . import fixed, formats
from .ffprog import Acc, Bin, Const, Ix, Mask, Norm, Red, Un

H = fixed.HALF_ULP
MAX, MIN = fixed.MAX, fixed.MIN
# The tables interpolate convex curves linearly: the chords lie above, so
# the table errors are one-sided (docs/fixed-point.md gives the maxima).
EXP_CHORD = 1.466e-5
RSQRT_CHORD = 2.254e-5


class TranslationBug(AssertionError):
    pass


class EV:
    """A node's value over `axes` (index names): presence, value, and (in the
    exact pass) the interval [lo, hi] of fuseflow's fixed-point value."""

    def __init__(self, axes, p, v, lo=None, hi=None):
        self.axes, self.p, self.v, self.lo, self.hi = tuple(axes), p, v, lo, hi


def _clip(x):
    return np.clip(x, MIN, MAX)


def _align(e, axes, sizes):
    """e's arrays broadcast to `axes` (a superset of e.axes), as copies."""
    shape = [sizes[a] for a in axes]
    src = [a for a in axes if a in e.axes]
    perm = [e.axes.index(a) for a in src]

    def one(x):
        if x is None:
            return None
        x = np.asarray(x)
        if x.ndim:
            x = np.transpose(x, perm)
        full = np.reshape(x, [sizes[a] if a in e.axes else 1 for a in axes]) if x.ndim else x
        return np.array(np.broadcast_to(full, shape))
    return EV(axes, one(e.p), one(e.v), one(e.lo), one(e.hi))


def _window(d, idx, sizes):
    """A tensor read through windows (docs/language.md, "Offsets"): mode m
    at coordinate off + i for i in 0 .. size(i) - 1, absent outside the
    mode. Moving data is exact: values and intervals are the entries'."""
    src, dst = [], []
    for m, i in enumerate(idx):
        n = d.p.shape[m]
        if isinstance(i, Ix):
            lo, hi = max(0, -i.off), min(sizes[str(i)], n - i.off)
            dst.append(slice(lo, max(lo, hi)))
            src.append(slice(lo + i.off, max(lo, hi) + i.off))
        else:
            dst.append(slice(None))
            src.append(slice(None))
    shape = tuple(sizes[str(i)] if isinstance(i, Ix) else n for i, n in zip(idx, d.p.shape))

    def cut(x, fill):
        if x is None:
            return None
        out = np.full(shape, fill, dtype=np.asarray(x).dtype)
        out[tuple(dst)] = np.asarray(x)[tuple(src)]
        return out
    return EV([str(i) for i in idx], cut(d.p, False), cut(d.v, 0.0), cut(d.lo, 0.0), cut(d.hi, 0.0))


def _union(a, b):
    return tuple(a.axes) + tuple(x for x in b.axes if x not in a.axes)


def _zero_absent(e):
    for arr in (e.v, e.lo, e.hi):
        if arr is not None:
            arr[~e.p] = 0.0
    return e


def _exp_iv(lo, hi):
    with np.errstate(over='ignore'):
        elo, ehi = np.exp(lo), np.exp(hi)
    return np.clip(np.minimum(elo - H, MAX), 0.0, None), np.minimum(ehi * (1 + fixed.EXP_REL) + H, MAX)


def _rsqrt_iv(lo, hi):
    with np.errstate(divide='ignore', invalid='ignore'):
        rhi = np.where(hi > 0, 1.0 / np.sqrt(np.where(hi > 0, hi, 1.0)), np.inf)
        rlo = np.where(lo > 0, 1.0 / np.sqrt(np.where(lo > 0, lo, 1.0)), np.inf)
    out_lo = np.where(hi > 0, np.maximum(0.0, rhi * (1 - fixed.RSQRT_REL) - H), MAX)
    out_hi = np.where(lo > 0, np.minimum(MAX, rlo * (1 + fixed.RSQRT_REL) + H), MAX)
    return np.minimum(out_lo, MAX), out_hi


def _erf(x):
    import torch   # numpy has no erf; the exporter runs with torch anyway
    return torch.special.erf(torch.from_numpy(np.array(x, dtype=np.float64))).numpy()


_REAL = {
    'log': np.log,
    'tanh': np.tanh,
    'sigmoid': lambda x: 1.0 / (1.0 + np.exp(-x)),
    'erf': _erf,
}


def _real(op, x, alu=False):
    """op on reals (log 0 = -inf, as PyTorch has it); alu: log of x <= 0 is
    the ALU's MIN instead."""
    x = np.asarray(x, dtype=float)
    with np.errstate(over='ignore', divide='ignore', invalid='ignore'):
        r = _REAL[op](x)
    return np.where(x > 0, r, MIN) if alu and op == 'log' else r


def _mono_iv(op, lo, hi):
    """A non-decreasing op's interval, widened by its error bound."""
    ulps, err = fixed.TRANSCENDENTAL[op]
    e = ulps * fixed.ULP + err
    return _clip(_real(op, lo, True) - e), _clip(_real(op, hi, True) + e)


def _mul_iv(alo, ahi, blo, bhi, exact=False):
    """exact: where the product needs no rounding (an operand is the word
    -1, 0 or 1, as a gather's one-hot entries are)."""
    c = np.stack(np.broadcast_arrays(alo * blo, alo * bhi, ahi * blo, ahi * bhi))
    h = np.where(exact, 0.0, H)
    return _clip(c.min(axis=0) - h), _clip(c.max(axis=0) + h)


def _unit(e, iv):
    """Where e is exactly the word -1, 0 or 1 (in the exact pass: its
    interval is that one point): multiplying by it is exact in fixed point."""
    x = e.lo if iv else e.v
    u = (x == 1.0) | (x == 0.0) | (x == -1.0)
    return u & (e.lo == e.hi) if iv else u


def _div_iv(alo, ahi, blo, bhi):
    blo, bhi = np.broadcast_to(blo, np.shape(alo)), np.broadcast_to(bhi, np.shape(alo))
    safe = (blo > 0) | (bhi < 0)
    with np.errstate(divide='ignore', invalid='ignore'):
        bl = np.where(safe, blo, 1.0)
        bh = np.where(safe, bhi, 1.0)
        c = np.stack([alo / bl, alo / bh, ahi / bl, ahi / bh])
    lo = np.where(safe, _clip(c.min(axis=0) - H), MIN)
    hi = np.where(safe, _clip(c.max(axis=0) + H), MAX)
    return lo, hi


class Evaluator:
    def __init__(self, prog, leaf_data, noise=None):
        """leaf_data(tensor) -> (exact values, stored presence) in mode order.
        noise: None for the exact pass, a numpy Generator for a noisy one."""
        self.prog = prog
        self.noise = noise
        self.data = {}
        for t in prog.tensors:
            if t.role == 'input':
                vals, pres = leaf_data(t)
                q = np.where(pres, fixed.quantize(vals), 0.0)
                if noise is None:
                    self.data[t.name] = EV(range(t.order), pres, np.where(pres, vals, 0.0), q, q)
                else:
                    self.data[t.name] = EV(range(t.order), pres, q)

    # one rounding to the Q15.16 grid, and the table errors, in a noisy pass
    def _round(self, x):
        if self.noise is None:
            return x
        return _clip(x + self.noise.uniform(-H, H, np.shape(x)))

    def _exp(self, x):
        with np.errstate(over='ignore'):
            e = np.exp(x)
        if self.noise is None:
            return e
        return self._round(np.minimum(e, MAX) * (1 + self.noise.uniform(0, EXP_CHORD, np.shape(x))))

    def _rsqrt(self, x):
        with np.errstate(divide='ignore', invalid='ignore'):
            r = np.where(x > 0, 1.0 / np.sqrt(np.where(x > 0, x, 1.0)), MAX if self.noise is not None else np.inf)
        if self.noise is None:
            return r
        return self._round(r * (1 + self.noise.uniform(0, RSQRT_CHORD, np.shape(x))))

    def _trans(self, op, x):
        r = _real(op, x, alu=self.noise is not None)
        if self.noise is None:
            return r
        ulps, err = fixed.TRANSCENDENTAL[op]
        return _clip(r + self.noise.uniform(-1, 1, np.shape(x)) * (ulps * fixed.ULP + err))

    @property
    def iv(self):
        return self.noise is None

    def run(self, check=None):
        """Evaluates every statement; check(stmt, EV) may raise TranslationBug."""
        for st in self.prog.stmts:
            # an index's size: the left side's, a plain access's, or the
            # range of its sum -- never a window's mode (docs/language.md)
            sizes = dict(zip((str(i) for i in st.idx), st.lhs.dims))
            for e in _walk(st.rhs):
                if isinstance(e, Acc):
                    for i, n in zip(e.idx, e.tensor.dims):
                        if not isinstance(i, Ix):
                            sizes[str(i)] = n
                elif isinstance(e, Red) and e.size is not None:
                    sizes[str(e.index)] = e.size
            r = self.expr(st.rhs, sizes)
            r = _align(r, st.idx, sizes)
            r.p = formats.stored(r.p, st.lhs.fmt)
            _zero_absent(r)
            r.axes = tuple(range(len(st.idx)))
            self.data[st.lhs.name] = r
            if check:
                check(st, r)
        return self.data

    def expr(self, e, sizes):
        if isinstance(e, Acc):
            d = self.data[e.tensor.name]
            if not any(isinstance(i, Ix) for i in e.idx):
                return EV([str(i) for i in e.idx], d.p, d.v, d.lo, d.hi)
            return _window(d, e.idx, sizes)
        if isinstance(e, Const):
            w = fixed.value(e.word)
            return EV((), np.array(True), np.array(e.exact if self.iv else w), np.array(w), np.array(w))
        if isinstance(e, Bin):
            return self.binary(e, sizes)
        if isinstance(e, Un):
            return self.unary(e, sizes)
        if isinstance(e, Red):
            a = self.expr(e.a, sizes)
            ax = a.axes.index(e.index)
            axes = a.axes[:ax] + a.axes[ax + 1:]
            r = EV(axes, a.p.any(axis=ax), _clip(a.v.sum(axis=ax)) if not self.iv else a.v.sum(axis=ax))
            if self.iv:
                mag = np.maximum(np.abs(a.lo), np.abs(a.hi)).sum(axis=ax)
                over = mag > MAX        # a partial sum could saturate: no claim
                r.lo = np.where(over, MIN, _clip(a.lo.sum(axis=ax)))
                r.hi = np.where(over, MAX, _clip(a.hi.sum(axis=ax)))
            return _zero_absent(r)
        if isinstance(e, Norm):
            a = self.expr(e.a, sizes)
            ax = a.axes.index(e.index)
            if e.op == 'layernorm':
                return self.layernorm(a, ax, e.eps)
            return self.softmax(a, ax, e.op == 'log_softmax')
        if isinstance(e, Mask):
            m, x = self.expr(e.m, sizes), self.expr(e.a, sizes)
            axes = _union(m, x)
            m, x = _align(m, axes, sizes), _align(x, axes, sizes)
            keep = x.p & m.p
            r = EV(axes, m.p.copy(), np.where(keep, x.v, 0.0))
            if self.iv:
                r.lo, r.hi = np.where(keep, x.lo, 0.0), np.where(keep, x.hi, 0.0)
            return r
        raise AssertionError(type(e))

    def binary(self, e, sizes):
        a, b = self.expr(e.a, sizes), self.expr(e.b, sizes)
        axes = _union(a, b)
        a, b = _align(a, axes, sizes), _align(b, axes, sizes)
        op = e.op
        if op in ('add', 'sub'):
            p = a.p | b.p
            av, bv = np.where(a.p, a.v, 0), np.where(b.p, b.v, 0)
            r = EV(axes, p, av + bv if op == 'add' else av - bv)
            if not self.iv:
                r.v = _clip(r.v)
            elif op == 'add':
                r.lo, r.hi = _clip(a.lo + b.lo), _clip(a.hi + b.hi)
            else:
                r.lo, r.hi = _clip(a.lo - b.hi), _clip(a.hi - b.lo)
            return _zero_absent(r)
        p = a.p & b.p
        if op == 'mul':
            exact = _unit(a, self.iv) | _unit(b, self.iv)
            r = EV(axes, p, np.where(exact, a.v * b.v if self.iv else _clip(a.v * b.v), self._round(a.v * b.v)))
            if self.iv:
                r.lo, r.hi = _mul_iv(a.lo, a.hi, b.lo, b.hi, exact)
            return _zero_absent(r)
        if op == 'div':
            with np.errstate(divide='ignore', invalid='ignore'):
                v = np.where(p & (b.v != 0), a.v / np.where(b.v != 0, b.v, 1.0), 0.0)
            if not self.iv:   # the ALU's div by 0 saturates by the sign of a
                v = np.where(b.v == 0, np.sign(a.v) * MAX, v)
            r = EV(axes, p, self._round(v))
            if self.iv:
                r.lo, r.hi = _div_iv(a.lo, a.hi, b.lo, b.hi)
            return _zero_absent(r)
        raise AssertionError(op)

    def unary(self, e, sizes):
        a = self.expr(e.a, sizes)
        a = EV(a.axes, np.array(a.p), np.array(a.v, dtype=float),
               None if a.lo is None else np.array(a.lo, dtype=float),
               None if a.hi is None else np.array(a.hi, dtype=float))
        r = EV(a.axes, a.p, None)
        if e.op == 'neg':
            r.v = _clip(-a.v) if not self.iv else -a.v
            if self.iv:
                r.lo, r.hi = _clip(-a.hi), _clip(-a.lo)
        elif e.op == 'relu':
            r.v = np.maximum(a.v, 0)
            if self.iv:
                r.lo, r.hi = np.maximum(a.lo, 0), np.maximum(a.hi, 0)
        elif e.op == 'exp':
            r.v = self._exp(a.v)
            if self.iv:
                r.lo, r.hi = _exp_iv(a.lo, a.hi)
        elif e.op == 'rsqrt':
            r.v = self._rsqrt(a.v)
            if self.iv:
                r.lo, r.hi = _rsqrt_iv(a.lo, a.hi)
        elif e.op in fixed.TRANSCENDENTAL:
            r.v = self._trans(e.op, a.v)
            if self.iv:
                r.lo, r.hi = _mono_iv(e.op, a.lo, a.hi)
        elif e.op == 'gelu':              # mul(x, add(mul(erf(mul(x, C)), .5), .5))
            if self.iv:
                r.v = a.v * (1 + _real('erf', a.v / np.sqrt(2.0))) / 2
                tlo, thi = _mul_iv(a.lo, a.hi, fixed.GELU_SCALE, fixed.GELU_SCALE)
                elo, ehi = _mono_iv('erf', tlo, thi)
                hlo, hhi = _mul_iv(elo, ehi, 0.5, 0.5)
                r.lo, r.hi = _mul_iv(a.lo, a.hi, hlo + 0.5, hhi + 0.5)
            else:
                t = self._round(a.v * fixed.GELU_SCALE)
                h = self._round(self._trans('erf', t) * 0.5) + 0.5
                r.v = self._round(a.v * h)
        elif e.op == 'sqrt':              # the language's sqrt is x * rsqrt(x)
            with np.errstate(invalid='ignore'):
                r.v = np.sqrt(a.v) if self.iv else self._round(a.v * self._rsqrt(a.v))
            if self.iv:
                rlo, rhi = _rsqrt_iv(a.lo, a.hi)
                r.lo, r.hi = _mul_iv(a.lo, a.hi, rlo, rhi)
        else:
            raise AssertionError(e.op)
        return _zero_absent(r)

    def softmax(self, a, ax, log):
        """docs/language.md, "The exact operations": m = max, e = exp(x - m),
        s = sum e; softmax e / s, log_softmax (x - m) - log(max(s, 1))."""
        p = a.p
        m_v = np.where(p, a.v, -np.inf).max(axis=ax, keepdims=True)
        with np.errstate(invalid='ignore'):
            ev = np.where(p, self._exp(np.where(p, a.v - m_v, 0)), 0.0)
        sv = ev.sum(axis=ax, keepdims=True)
        if log:
            ls = self._trans('log', np.maximum(sv, 1.0))
            with np.errstate(invalid='ignore'):
                v = np.where(p, a.v - m_v - ls, 0.0)
        else:
            with np.errstate(invalid='ignore', divide='ignore'):
                v = np.where(p, self._round(ev / np.where(sv > 0, sv, 1.0)), 0.0)
        r = EV(a.axes, p, v)
        if self.iv:
            m_lo = np.where(p, a.lo, -np.inf).max(axis=ax, keepdims=True)
            m_hi = np.where(p, a.hi, -np.inf).max(axis=ax, keepdims=True)
            with np.errstate(invalid='ignore'):
                dlo, dhi = _clip(a.lo - m_hi), _clip(a.hi - m_lo)
            elo, ehi = _exp_iv(np.where(p, dlo, 0), np.where(p, dhi, 0))
            elo, ehi = np.where(p, elo, 0), np.where(p, ehi, 0)
            slo = _clip(elo.sum(axis=ax, keepdims=True))
            shi = _clip(ehi.sum(axis=ax, keepdims=True))
            if log:
                llo, lhi = _mono_iv('log', np.maximum(slo, 1.0), np.maximum(shi, 1.0))
                r.lo, r.hi = _clip(dlo - lhi), _clip(dhi - llo)
            else:
                r.lo, r.hi = _div_iv(elo, ehi, slo, shi)
        return _zero_absent(r)

    def layernorm(self, a, ax, eps):
        """docs/language.md, "The exact operations": mean = div(sum, n),
        d = x - mean, var = div(sum of mul(d, d), n), y = mul(d, rsqrt(var + eps))."""
        p = a.p
        n = p.sum(axis=ax, keepdims=True).astype(float)
        nn_ = np.where(n > 0, n, 1.0)
        v = np.where(p, a.v, 0)
        mean = self._round(v.sum(axis=ax, keepdims=True) / nn_)
        d = np.where(p, v - mean, 0)
        var = self._round(np.where(p, self._round(d * d), 0).sum(axis=ax, keepdims=True) / nn_)
        w = var + (eps if self.iv else fixed.ULP)
        y = self._round(d * self._rsqrt(w))
        r = EV(a.axes, p.copy(), np.where(p, y, 0))
        if self.iv:
            mu_lo = np.where(p, a.lo, 0).sum(axis=ax, keepdims=True) / nn_ - H
            mu_hi = np.where(p, a.hi, 0).sum(axis=ax, keepdims=True) / nn_ + H
            dlo, dhi = _clip(a.lo - mu_hi), _clip(a.hi - mu_lo)
            sq_lo = np.where(dlo >= 0, dlo * dlo, np.where(dhi <= 0, dhi * dhi, 0.0))
            sq_hi = np.maximum(dlo * dlo, dhi * dhi)
            sq_lo, sq_hi = np.maximum(0.0, sq_lo - H), _clip(sq_hi + H)
            var_lo = np.maximum(0.0, np.where(p, sq_lo, 0).sum(axis=ax, keepdims=True) / nn_ - H)
            var_hi = _clip(np.where(p, sq_hi, 0).sum(axis=ax, keepdims=True) / nn_ + H)
            rlo, rhi = _rsqrt_iv(var_lo + fixed.ULP, var_hi + fixed.ULP)
            r.lo, r.hi = _mul_iv(dlo, dhi, rlo, rhi)
        return _zero_absent(r)


def _walk(e):
    yield e
    for c in e.children():
        yield from _walk(c)
