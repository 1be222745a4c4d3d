"""The exporter's middle: PyTorch values as a graph of a few operation kinds,
and the index structure ("factors") each of their dimensions needs.

A Val is one tensor a traced model computes. Its kinds:

  leaf       an input, parameter or buffer (data written to a .mtx file)
  ew         elementwise binary op with broadcasting: args (a, b), each a
             Val or a Python float; attrs op in add sub mul div
  un         elementwise unary op: attrs op in neg relu exp rsqrt sqrt log
             tanh sigmoid erf gelu gelu_tanh square
  contract   a sum of products: attrs letters (la, lb), per operand dimension
             the result dimension it is (< rank), a summed index (>= rank,
             outermost first) or None (broadcast); gather=True when the
             first operand is the one-hot matrix of a gather or scatter
  reduce     sum over dims: attrs dims, mean (divide by the count)
  softmax    attrs dim, log (log_softmax)
  layernorm  over the last dim: attrs eps
  mask       args (M, a): a on the stored coordinates of the leaf M,
             absent elsewhere (what absent means is Val.fill)
  permute    a view: attrs perm
  reshape    a view: same elements in the same row-major order
  expand     a view: broadcast of size-1 dims
  window     a view: attrs dim, off; coordinates off .. off+n-1 of dim of
             its base, n the window's size there (slicing, split, chunk,
             narrow): read through an offset, never copied
  place      args (a, b, ...), each placed at attrs offs[k] (per dimension,
             the coordinate of the result its coordinate 0 lands on);
             absent (0) where no operand lands: cat (the operands tile the
             result, attrs covers=True) and constant-0 pad

Every dimension of every Val is split into factors: a tuple of sizes whose
product is the dimension's size (row-major), () for a size-1 dimension.
A factor becomes one index (one mode) in the language. Most dimensions are
one factor; a reshape that splits a dimension (the heads of attention,
[S, H*D] -> [S, H, D]) makes the dimension it came from -- and everything
tied to it -- have the factors (H, D), so no reshape ever needs to move data:
`Facts` solves the constraints to the coarsest factors that satisfy all of
them, or says which op makes that impossible.
"""
import itertools

_ids = itertools.count()


class ExportError(Exception):
    """A model the exporter cannot translate faithfully: one line, starting
    with the model's source file:line when there is one."""

    def __init__(self, src, msg):
        self.src, self.msg = src, msg
        super().__init__('%s: %s' % (src, msg) if src else msg)

    def __str__(self):
        # one line, whatever torch.fx appends to args while unwinding
        return '%s: %s' % (self.src, self.msg) if self.src else self.msg


class Val:
    def __init__(self, kind, shape, args=(), src='', what='', ref=None, fill=0.0, **attrs):
        self.id = next(_ids)
        self.kind = kind
        self.shape = tuple(int(s) for s in shape)
        self.args = list(args)
        self.attrs = attrs
        self.src = src          # "file:line" of the model source that made it
        self.what = what        # the PyTorch op, as the user wrote it
        self.ref = ref          # float64 numpy value from the reference run
        self.fill = fill        # 0.0, or -inf where masked_fill put -inf

    @property
    def rank(self):
        return len(self.shape)

    def is_view(self):
        return self.kind in ('permute', 'reshape', 'expand', 'window')

    def vals(self):
        return [a for a in self.args if isinstance(a, Val)]

    def __repr__(self):
        return 'Val#%d(%s %s %s)' % (self.id, self.kind, self.what, self.shape)


def _strides(factors):
    """Suffix products of a row-major factor list: the place value of each
    factor, plus the total."""
    out, s = {1}, 1
    for f in reversed(factors):
        s *= f
        out.add(s)
    return out


def _chain(strides):
    """The factors of a set of place values, if each divides the next."""
    s = sorted(strides)
    if any(b % a for a, b in zip(s, s[1:])):
        return None
    return s


def _split(chain, lo, hi):
    """Factors (outermost first) of the place values in [lo, hi]."""
    pts = [p for p in chain if lo <= p <= hi]
    return tuple(b // a for a, b in reversed(list(zip(pts, pts[1:]))))


class Facts:
    """The factors of every dimension of every Val, from constraints:

    eq(a, da, b, db)   dimension da of a and db of b are the same index space
    reshape(v, base)   v is base's elements in the same row-major order
    single(v, d)       dimension d must stay one index (softmax, layernorm,
                       a sparse leaf's declared format)
    shift(a, da, b, db, off)
                       coordinate x of a's dimension da is coordinate x + off
                       of b's db (a window, a cat's or pad's operand): both
                       have the same inner factors, whose product P divides
                       off and both sizes, and one outer factor each -- the
                       one index that carries the offset, off / P
    """

    def __init__(self):
        self.f = {}
        self.cons = []

    def add(self, v):
        self.f[v.id] = [() if n == 1 else (n,) for n in v.shape]

    def __call__(self, v, d=None):
        return self.f[v.id] if d is None else self.f[v.id][d]

    def eq(self, a, da, b, db, src):
        assert a.shape[da] == b.shape[db], (a, da, b, db)
        self.cons.append(('eq', a, da, b, db, src))

    def reshape(self, v, base, src):
        self.cons.append(('reshape', v, base, src))

    def single(self, v, d, src, why):
        self.cons.append(('single', v, d, src, why))

    def shift(self, a, da, b, db, off, src):
        self.cons.append(('shift', a, da, b, db, off, src))

    def inner(self, v, d):
        """The product of the factors of v's dimension d but the outermost."""
        p = 1
        for f in self.f[v.id][d][1:]:
            p *= f
        return p

    def solve(self):
        changed = True
        while changed:
            changed = False
            for c in self.cons:
                changed |= getattr(self, '_' + c[0])(*c[1:])

    def _set(self, v, d, new):
        if self.f[v.id][d] == new:
            return False
        self.f[v.id][d] = new
        return True

    def _eq(self, a, da, b, db, src):
        fa, fb = self.f[a.id][da], self.f[b.id][db]
        if fa == fb:
            return False
        ch = _chain(_strides(fa) | _strides(fb))
        if ch is None:
            raise ExportError(src, 'dimension of size %d is split into %s in one place and %s in another, '
                              'which no common index split satisfies' % (a.shape[da], _pretty(fa), _pretty(fb)))
        new = _split(ch, 1, a.shape[da])
        return self._set(a, da, new) | self._set(b, db, new)

    def _reshape(self, v, base, src):
        def flat(x):
            return [f for d in self.f[x.id] for f in d]
        fv, fb = flat(v), flat(base)
        if fv == fb:
            return False
        ch = _chain(_strides(fv) | _strides(fb) | _dim_bounds(v) | _dim_bounds(base))
        if ch is None:
            raise ExportError(src, '%s from %s to %s is not a renaming of indices: it regroups elements '
                              'across dimension boundaries (only splitting a dimension into several, or '
                              'merging adjacent ones, maps to the model language)'
                              % (v.what or 'reshape', list(base.shape), list(v.shape)))
        changed = False
        for x in (v, base):
            hi = 1
            bounds = []
            for n in reversed(x.shape):
                bounds.append((hi, hi * n))
                hi *= n
            for d, (lo, top) in zip(reversed(range(x.rank)), bounds):
                changed |= self._set(x, d, _split(ch, lo, top) if x.shape[d] > 1 else ())
        return changed

    def _shift(self, a, da, b, db, off, src):
        na, nb = a.shape[da], b.shape[db]
        fa, fb = self.f[a.id][da], self.f[b.id][db]
        inner = (_strides(fa) - {na}) | (_strides(fb) - {nb}) | {1}
        ch = _chain(inner)
        p = ch[-1] if ch else 1
        if ch is None or off % p or na % p or nb % p or (na == p) != (nb == p):
            raise ExportError(src, '%s: a part of size %d at offset %d of a dimension of size %d, which a reshape '
                              'elsewhere in the model splits into %s and %s: the part must start and end on a '
                              'multiple of the inner factors, and the model language has no constant coordinate '
                              'to pick one entry of an outer factor' % (b.what if b.kind == 'place' else a.what,
                                                                         min(na, nb), abs(off), max(na, nb),
                                                                         _pretty(fa or (1,)), _pretty(fb or (1,))))
        return self._set(a, da, _split(ch + [na] if na > p else ch, 1, na)) | \
            self._set(b, db, _split(ch + [nb] if nb > p else ch, 1, nb))

    def _single(self, v, d, src, why):
        if len(self.f[v.id][d]) > 1:
            raise ExportError(src, '%s: dimension %d (size %d) would have to be split into %s, because of a '
                              'reshape elsewhere in the model, and the model language cannot %s over '
                              'several indices' % (v.what, d, v.shape[d], _pretty(self.f[v.id][d]), why))
        return False


def _dim_bounds(x):
    out, s = {1}, 1
    for n in reversed(x.shape):
        s *= n
        out.add(s)
    return out


def _pretty(f):
    return '(' + ', '.join(str(n) for n in f) + ')'
