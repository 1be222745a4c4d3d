"""Evaluates an exported program twice over, with numpy, to check the export
and to bound fuseflow's error.

* exact: the program in real arithmetic (float64) on the model's original
  float inputs and constants, with the language's support rules (absent
  entries, dense and sparse stores). It must reproduce PyTorch's value of
  every tensor it computes -- if it does not, the translation is wrong, and
  the exporter stops with an internal error instead of writing a model.

* interval: for every entry, an interval that contains the fixed-point
  value fuseflow computes. Inputs and constants are their Q15.16 words.
  Every operation widens the interval by the error the fixed-point contract
  allows it (docs/fixed-point.md): mul, div and the divisions inside
  softmax and layernorm round to nearest (half an ulp); add and sub are
  exact; exp is within half an ulp + 1.5e-5 relative and never below
  exact - half an ulp; rsqrt within half an ulp + 2.3e-5 relative; every
  result saturates to [-32768, 32767.99998]. Layernorm's epsilon is one ulp
  in the language and the model's eps in the exact evaluation, so that
  difference is inside the bound too.

The bound on an output entry is the distance from PyTorch's value to the
far end of its interval. It is rigorous given the per-operation figures,
and deliberately does not reproduce fuseflow's bit-level arithmetic: the
test that compares fuseflow's outputs against it checks the fixed-point
implementation, not a copy of it.
"""
import numpy as np

from . import fixed, formats
from .ffprog import Acc, Bin, Const, Mask, Norm, Red, Un

H = fixed.HALF_ULP
MAX, MIN = fixed.MAX, fixed.MIN


class TranslationBug(AssertionError):
    pass


class EV:
    """A node's value over `axes` (index names): presence, exact value and
    the interval [lo, hi] of fuseflow's fixed-point value."""

    def __init__(self, axes, p, v, lo, hi):
        self.axes, self.p, self.v, self.lo, self.hi = tuple(axes), p, v, lo, hi


def _clip(x):
    return np.clip(x, MIN, MAX)


def _align(e, axes, sizes):
    """e's arrays broadcast to `axes` (a superset of e.axes), as copies."""
    shape = [sizes[a] for a in axes]
    src = [a for a in axes if a in e.axes]
    perm = [e.axes.index(a) for a in src]

    def one(x):
        x = np.asarray(x)
        if x.ndim:
            x = np.transpose(x, perm)
        full = np.reshape(x, [sizes[a] if a in e.axes else 1 for a in axes]) if x.ndim else x
        return np.array(np.broadcast_to(full, shape))
    return EV(axes, one(e.p), one(e.v), one(e.lo), one(e.hi))


def _union(a, b):
    return tuple(a.axes) + tuple(x for x in b.axes if x not in a.axes)


def _zero_absent(e):
    for arr in (e.v, e.lo, e.hi):
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


def _mul_iv(alo, ahi, blo, bhi):
    c = np.stack([alo * blo, alo * bhi, ahi * blo, ahi * bhi])
    return _clip(c.min(axis=0) - H), _clip(c.max(axis=0) + H)


def _div_iv(alo, ahi, blo, bhi):
    safe = (blo > 0) | (bhi < 0)
    with np.errstate(divide='ignore', invalid='ignore'):
        bl = np.where(safe, blo, 1.0)
        bh = np.where(safe, bhi, 1.0)
        c = np.stack([alo / bl, alo / bh, ahi / bl, ahi / bh])
    lo = np.where(safe, _clip(c.min(axis=0) - H), MIN)
    hi = np.where(safe, _clip(c.max(axis=0) + H), MAX)
    return lo, hi


class Evaluator:
    def __init__(self, prog, leaf_data):
        """leaf_data(tensor) -> (exact values, stored presence) in mode order."""
        self.prog = prog
        self.data = {}
        for t in prog.tensors:
            if t.role == 'input':
                vals, pres = leaf_data(t)
                q = fixed.quantize(vals)
                z = np.where(pres, 0.0, 0.0)
                self.data[t.name] = EV(range(t.order), pres, np.where(pres, vals, z), np.where(pres, q, z),
                                       np.where(pres, q, z))

    def run(self, check):
        """Evaluates every statement; check(stmt, EV) may raise TranslationBug."""
        for st in self.prog.stmts:
            sizes = {}
            for e in _walk(st.rhs):
                if isinstance(e, Acc):
                    for i, n in zip(e.idx, e.tensor.dims):
                        sizes[i] = n
            r = self.expr(st.rhs, sizes)
            r = _align(r, st.idx, sizes)
            r.p = formats.stored(r.p, st.lhs.fmt)
            _zero_absent(r)
            r.axes = tuple(range(len(st.idx)))
            self.data[st.lhs.name] = r
            check(st, r)
        return self.data

    def expr(self, e, sizes):
        if isinstance(e, Acc):
            d = self.data[e.tensor.name]
            return EV(e.idx, d.p, d.v, d.lo, d.hi)
        if isinstance(e, Const):
            w = fixed.value(e.word)
            return EV((), np.array(True), np.array(e.exact), np.array(w), np.array(w))
        if isinstance(e, Bin):
            a, b = self.expr(e.a, sizes), self.expr(e.b, sizes)
            axes = _union(a, b)
            a, b = _align(a, axes, sizes), _align(b, axes, sizes)
            op = e.op
            if op in ('add', 'sub'):
                p = a.p | b.p
                av, bv = np.where(a.p, a.v, 0), np.where(b.p, b.v, 0)
                if op == 'add':
                    r = EV(axes, p, av + bv, _clip(a.lo + b.lo), _clip(a.hi + b.hi))
                else:
                    r = EV(axes, p, av - bv, _clip(a.lo - b.hi), _clip(a.hi - b.lo))
                return _zero_absent(r)
            p = a.p & b.p
            if op == 'mul':
                lo, hi = _mul_iv(a.lo, a.hi, b.lo, b.hi)
                return _zero_absent(EV(axes, p, a.v * b.v, lo, hi))
            if op == 'div':
                lo, hi = _div_iv(a.lo, a.hi, b.lo, b.hi)
                with np.errstate(divide='ignore', invalid='ignore'):
                    v = np.where(p, a.v / np.where(p, b.v, 1.0), 0.0)
                return _zero_absent(EV(axes, p, v, lo, hi))
            raise AssertionError(op)
        if isinstance(e, Un):
            a = self.expr(e.a, sizes)
            a = EV(a.axes, np.array(a.p), np.array(a.v, dtype=float), np.array(a.lo, dtype=float),
                   np.array(a.hi, dtype=float))
            if e.op == 'neg':
                r = EV(a.axes, a.p, -a.v, _clip(-a.hi), _clip(-a.lo))
            elif e.op == 'relu':
                r = EV(a.axes, a.p, np.maximum(a.v, 0), np.maximum(a.lo, 0), np.maximum(a.hi, 0))
            elif e.op == 'exp':
                lo, hi = _exp_iv(a.lo, a.hi)
                with np.errstate(over='ignore'):
                    r = EV(a.axes, a.p, np.exp(a.v), lo, hi)
            elif e.op in ('rsqrt', 'sqrt'):
                rlo, rhi = _rsqrt_iv(a.lo, a.hi)
                with np.errstate(divide='ignore', invalid='ignore'):
                    if e.op == 'rsqrt':
                        r = EV(a.axes, a.p, 1.0 / np.sqrt(a.v), rlo, rhi)
                    else:
                        lo, hi = _mul_iv(a.lo, a.hi, rlo, rhi)
                        r = EV(a.axes, a.p, np.sqrt(a.v), lo, hi)
            else:
                raise AssertionError(e.op)
            return _zero_absent(r)
        if isinstance(e, Red):
            a = self.expr(e.a, sizes)
            ax = a.axes.index(e.index)
            mag = np.maximum(np.abs(a.lo), np.abs(a.hi)).sum(axis=ax)
            over = mag > MAX        # a partial sum could saturate: no claim
            lo = np.where(over, MIN, _clip(a.lo.sum(axis=ax)))
            hi = np.where(over, MAX, _clip(a.hi.sum(axis=ax)))
            axes = a.axes[:ax] + a.axes[ax + 1:]
            return _zero_absent(EV(axes, a.p.any(axis=ax), a.v.sum(axis=ax), lo, hi))
        if isinstance(e, Norm):
            a = self.expr(e.a, sizes)
            ax = a.axes.index(e.index)
            return (self.softmax if e.op == 'softmax' else self.layernorm)(a, ax, e.eps)
        if isinstance(e, Mask):
            m, x = self.expr(e.m, sizes), self.expr(e.a, sizes)
            axes = _union(m, x)
            m, x = _align(m, axes, sizes), _align(x, axes, sizes)
            keep = x.p & m.p
            r = EV(axes, m.p.copy(), np.where(keep, x.v, 0.0), np.where(keep, x.lo, 0.0), np.where(keep, x.hi, 0.0))
            return r
        raise AssertionError(type(e))

    @staticmethod
    def softmax(a, ax, eps):
        p = a.p
        neg = -np.inf
        m_v = np.where(p, a.v, neg).max(axis=ax, keepdims=True)
        m_lo = np.where(p, a.lo, neg).max(axis=ax, keepdims=True)
        m_hi = np.where(p, a.hi, neg).max(axis=ax, keepdims=True)
        with np.errstate(invalid='ignore'):
            dlo, dhi = _clip(a.lo - m_hi), _clip(a.hi - m_lo)
        elo, ehi = _exp_iv(np.where(p, dlo, 0), np.where(p, dhi, 0))
        with np.errstate(invalid='ignore', over='ignore'):
            ev = np.where(p, np.exp(np.where(p, a.v - m_v, 0)), 0.0)
        elo, ehi = np.where(p, elo, 0), np.where(p, ehi, 0)
        slo = _clip(elo.sum(axis=ax, keepdims=True))
        shi = _clip(ehi.sum(axis=ax, keepdims=True))
        sv = ev.sum(axis=ax, keepdims=True)
        lo, hi = _div_iv(elo, ehi, np.broadcast_to(slo, elo.shape), np.broadcast_to(shi, elo.shape))
        with np.errstate(invalid='ignore', divide='ignore'):
            v = np.where(p, ev / np.where(sv > 0, sv, 1.0), 0.0)
        return _zero_absent(EV(a.axes, p, v, lo, hi))

    @staticmethod
    def layernorm(a, ax, eps):
        p = a.p
        n = p.sum(axis=ax, keepdims=True).astype(float)
        nn_ = np.where(n > 0, n, 1.0)
        v = np.where(p, a.v, 0)
        mean = v.sum(axis=ax, keepdims=True) / nn_
        d = np.where(p, v - mean, 0)
        var = (d * d).sum(axis=ax, keepdims=True) / nn_
        y = d / np.sqrt(var + eps)
        # intervals, in the order of docs/language.md "The exact operations"
        mu_lo = np.where(p, a.lo, 0).sum(axis=ax, keepdims=True) / nn_ - H
        mu_hi = np.where(p, a.hi, 0).sum(axis=ax, keepdims=True) / nn_ + H
        dlo, dhi = _clip(a.lo - mu_hi), _clip(a.hi - mu_lo)
        sq_lo = np.where(dlo >= 0, dlo * dlo, np.where(dhi <= 0, dhi * dhi, 0.0))
        sq_hi = np.maximum(dlo * dlo, dhi * dhi)
        sq_lo, sq_hi = np.maximum(0.0, sq_lo - H), _clip(sq_hi + H)
        var_lo = np.maximum(0.0, np.where(p, sq_lo, 0).sum(axis=ax, keepdims=True) / nn_ - H)
        var_hi = _clip(np.where(p, sq_hi, 0).sum(axis=ax, keepdims=True) / nn_ + H)
        rlo, rhi = _rsqrt_iv(var_lo + fixed.ULP, var_hi + fixed.ULP)
        lo, hi = _mul_iv(dlo, dhi, np.broadcast_to(rlo, dlo.shape), np.broadcast_to(rhi, dlo.shape))
        return _zero_absent(EV(a.axes, p.copy(), np.where(p, y, 0), lo, hi))


def _walk(e):
    yield e
    for c in e.children():
        yield from _walk(c)
