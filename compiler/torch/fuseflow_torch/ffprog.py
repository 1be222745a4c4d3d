"""A program in fuseflow's model language (docs/language.md), as the
exporter builds it: tensors, statements, and expression trees that print
as language text and that evaluate.py evaluates.

Every reduction is written explicitly (sum[k](...)) with an index used
nowhere else, so where each sum happens -- which fixes the rounding order --
is exactly what the tree says.
"""
from . import fixed


class Tensor:
    """One declared tensor.

    name:   the language name
    dims:   mode sizes (each > 1; a size-1 PyTorch dimension has no mode)
    fmt:    formats.Format, its level order is the tensor's layout
    role:   'input', 'inter' or 'output' (as the language defines roles)
    file:   for inputs, the .mtx file (relative to the export directory)
    origin: what it holds, for comments and messages
    """

    def __init__(self, name, dims, fmt, role, file=None, origin=''):
        self.name, self.dims, self.fmt, self.role, self.file, self.origin = name, tuple(dims), fmt, role, file, origin

    @property
    def order(self):
        return len(self.dims)

    def decl(self):
        dims = '[%s]' % ', '.join(str(d) for d in self.dims)
        return 'tensor %s%s : %s' % (self.name, dims, self.fmt.text())

    def __repr__(self):
        return 'Tensor(%s)' % self.name


# ---- expressions ------------------------------------------------------

class Expr:
    prec = 9       # binding strength when printed: 1 + -, 2 * /, 3 unary -, 9 atoms

    def children(self):
        return ()


class Ix(str):
    """An index name read through a window (docs/language.md, "Offsets"):
    the access reads coordinate off + i of its mode, for i in 0 ..
    size(i) - 1, and what lies outside the mode is absent. It compares and
    hashes as its name, so loop orders and axes treat it as the index; a
    plain str is an access of the whole mode."""

    def __new__(cls, name, off):
        s = super().__new__(cls, name)
        s.off = int(off)
        return s

    def text(self):
        if self.off < 0:
            return '%s - %d' % (self, -self.off)
        return '%d + %s' % (self.off, self)


def shift(name, k):
    """name read k further along its mode (offsets of nested windows add)."""
    if k == 0 and not isinstance(name, Ix):
        return Ix(name, 0)
    return Ix(str(name), getattr(name, 'off', 0) + k)


def offset(name):
    """The window offset of an index name, None for a plain one."""
    return name.off if isinstance(name, Ix) else None


class Acc(Expr):
    """tensor[idx...]: one index name per mode of the tensor, each plain
    or an Ix (a window of the mode)."""

    def __init__(self, tensor, idx):
        assert len(idx) == tensor.order, (tensor, idx)
        self.tensor, self.idx = tensor, list(idx)

    def text(self):
        if not self.idx:
            return self.tensor.name
        return '%s[%s]' % (self.tensor.name, ','.join(i.text() if isinstance(i, Ix) else i for i in self.idx))


class Const(Expr):
    """A number: `exact` is the real the PyTorch model uses, `word` the
    fixed-point word the program holds (rounded to nearest)."""

    def __init__(self, exact):
        self.exact = float(exact)
        self.word = int(fixed.words(self.exact))

    def text(self):
        s = fixed.text(self.word)
        return '(%s)' % s if s.startswith('-') else s


class Un(Expr):
    """op(a): op in neg relu exp rsqrt sqrt log tanh sigmoid erf gelu."""
    def __init__(self, op, a):
        self.op, self.a = op, a
        self.prec = 3 if op == 'neg' else 9

    def children(self):
        return (self.a,)

    def text(self):
        if self.op == 'neg':
            return '-' + wrap(self.a, 3)
        return '%s(%s)' % (self.op, self.a.text())


class Bin(Expr):
    """a op b: op in add sub mul div."""
    SYM = {'add': '+', 'sub': '-', 'mul': '*', 'div': '/'}

    def __init__(self, op, a, b):
        self.op, self.a, self.b = op, a, b
        self.prec = 1 if op in ('add', 'sub') else 2

    def children(self):
        return (self.a, self.b)

    def text(self):
        # left-associative: the right operand needs parentheses at equal strength
        return '%s %s %s' % (wrap(self.a, self.prec), self.SYM[self.op], wrap(self.b, self.prec + 1))


class Red(Expr):
    """sum[k](a); size: k's range, written sum[k < size](a) when some
    access reads k through a window (a window is as long as its index, so
    the index needs its size stated somewhere)."""
    def __init__(self, index, a, size=None):
        self.index, self.a, self.size = index, a, size

    def children(self):
        return (self.a,)

    def text(self):
        windowed = any(isinstance(e, Acc) and any(isinstance(i, Ix) and i == self.index for i in e.idx)
                       for e in walk(self.a))
        if windowed and self.size is not None:
            return 'sum[%s < %d](%s)' % (self.index, self.size, self.a.text())
        return 'sum[%s](%s)' % (self.index, self.a.text())


class Norm(Expr):
    """softmax[j](a), log_softmax[j](a) or layernorm[j](a); `eps` is the model's epsilon for a
    layernorm (the language always uses 1 ulp)."""
    def __init__(self, op, index, a, eps=None):
        self.op, self.index, self.a, self.eps = op, index, a, eps

    def children(self):
        return (self.a,)

    def text(self):
        return '%s[%s](%s)' % (self.op, self.index, self.a.text())


class Mask(Expr):
    """mask(M[..], a): a on the stored coordinates of M."""
    def __init__(self, m, a):
        assert isinstance(m, Acc)
        self.m, self.a = m, a

    def children(self):
        return (self.m, self.a)

    def text(self):
        return 'mask(%s, %s)' % (self.m.text(), self.a.text())


def wrap(e, prec):
    t = e.text()
    return '(%s)' % t if e.prec < prec else t


def walk(e):
    yield e
    for c in e.children():
        yield from walk(c)


# ---- statements and programs --------------------------------------------

class Stmt:
    """lhs[idx] = rhs. order: the loop order the exporter laid the tensors
    out for (outputs, the softmax/layernorm index last, then the sums)."""

    def __init__(self, lhs, idx, rhs, src, what):
        self.lhs, self.idx, self.rhs, self.src, self.what = lhs, list(idx), rhs, src, what
        self.order = None

    def text(self):
        return '%s = %s' % (Acc(self.lhs, self.idx).text(), self.rhs.text())


class Program:
    def __init__(self):
        self.tensors = []   # declaration order
        self.stmts = []

    def text(self, header):
        out = ['# ' + l if l else '#' for l in header]
        inputs = [t for t in self.tensors if t.role == 'input']
        others = [t for t in self.tensors if t.role != 'input']
        out.append('')
        out.append('# inputs (data/*.mtx)')
        for t in inputs:
            out.append('%-44s # %s' % (t.decl(), t.origin) if t.origin else t.decl())
        out.append('')
        out.append('# intermediates and outputs')
        for t in others:
            out.append('%-44s # %s' % (t.decl(), t.origin) if t.origin else t.decl())
        for s in self.stmts:
            out.append('')
            out.append('# %s: %s' % (s.src, s.what))
            out.append(s.text())
        return '\n'.join(out) + '\n'
