"""Storage formats (docs/tensors.md): parse the names the exporter accepts,
re-lay a format out for another mode order, print it for the language, and
say which coordinates a format stores for a given support.

A format is a list of levels, outermost first; a level is (letter, mode,
block) with letter 'd' or 'c', and block 0 for a whole mode, or B for the
block index ('/') or the offset ('%') of a bcsr(B) mode.
"""
import re

import numpy as np


class FormatError(ValueError):
    pass


class Format:
    """levels: tuple of (letter, mode, split, block): split is '' for a whole
    mode, '/' for a block index, '%' for an offset in the block."""

    def __init__(self, order, levels):
        self.order = order
        self.levels = tuple(levels)

    def __eq__(self, other):
        return isinstance(other, Format) and (self.order, self.levels) == (other.order, other.levels)

    def __hash__(self):
        return hash((self.order, self.levels))

    @property
    def all_dense(self):
        return all(l[0] == 'd' for l in self.levels)

    @property
    def blocked(self):
        return any(l[2] for l in self.levels)

    def layout(self):
        """The modes in the order the levels first reach them (outermost first)."""
        seen = []
        for _, m, _, _ in self.levels:
            if m not in seen:
                seen.append(m)
        return tuple(seen)

    def relayout(self, layout):
        """The same level letters walking the modes in `layout` order: the mode
        at position p of self.layout() becomes layout[p] (csr -> csc)."""
        perm = dict(zip(self.layout(), layout))
        return Format(self.order, [(c, perm[m], s, b) for c, m, s, b in self.levels])

    def text(self):
        """The format as the language writes it (canonical names when there are)."""
        r = self.order
        natural = all(l[1] == i and not l[2] for i, l in enumerate(self.levels)) and len(self.levels) == r
        letters = ''.join(l[0] for l in self.levels)
        if r == 0:
            return 'dense'
        if natural and letters == 'd' * r:
            return 'dense'
        if r == 2 and not self.blocked:
            names = {('dc', (0, 1)): 'csr', ('dc', (1, 0)): 'csc', ('cc', (0, 1)): 'dcsr', ('cc', (1, 0)): 'dcsc'}
            key = (letters, tuple(l[1] for l in self.levels))
            if key in names:
                return names[key]
        if natural and letters == 'c' * r:
            return 'sparse'
        if r == 2 and self.blocked and len(self.levels) == 4:
            b = self.levels[0][3]
            if self == parse('bcsr(%d)' % b, 2):
                return 'bcsr(%d)' % b
        modes = ','.join('%d%s' % (m, (s + str(b)) if s else '') for _, m, s, b in self.levels)
        return letters + ('' if natural else ':' + modes)

    def __repr__(self):
        return 'Format(%s)' % self.text()


def dense(order, layout=None):
    layout = tuple(range(order)) if layout is None else tuple(layout)
    return Format(order, [('d', m, '', 0) for m in layout])


def compressed_below_first(order, layout):
    """'d' for the outermost level, 'c' below (csr generalised): stores exactly
    the support, with a cheap dense walk of the first mode."""
    if order == 1:
        return Format(1, [('c', layout[0], '', 0)])
    return Format(order, [('d' if i == 0 else 'c', m, '', 0) for i, m in enumerate(layout)])


_NAMED = {'csr': 'dc:0,1', 'csc': 'dc:1,0', 'dcsr': 'cc:0,1', 'dcsc': 'cc:1,0'}


def parse(text, order):
    """The format `text` for a tensor of `order` modes; FormatError says why not."""
    t = text.strip()
    if t == 'dense':
        return dense(order)
    if t == 'sparse':
        return Format(order, [('c', m, '', 0) for m in range(order)])
    m = re.fullmatch(r'bcsr\((\d+)\)', t)
    if m:
        b = int(m.group(1))
        if order != 2:
            raise FormatError('format "%s" needs a tensor of order 2, not %d' % (t, order))
        if b <= 0:
            raise FormatError('format "%s": expected bcsr(B) with B a positive integer' % t)
        return Format(2, [('d', 0, '/', b), ('c', 1, '/', b), ('d', 0, '%', b), ('d', 1, '%', b)])
    if t in _NAMED:
        if order != 2:
            raise FormatError('format "%s" needs a tensor of order 2, not %d' % (t, order))
        t = _NAMED[t]
    m = re.fullmatch(r'([dc]+)(?::(.*))?', t)
    if not m:
        raise FormatError('format "%s": expected dense, sparse, csr, csc, dcsr, dcsc, bcsr(B) '
                          'or level letters d/c with an optional mode list' % text)
    letters, modes = m.group(1), m.group(2)
    if modes is None:
        if len(letters) != order:
            raise FormatError('format "%s" has %d levels, a tensor of order %d needs %d'
                              % (text, len(letters), order, order))
        return Format(order, [(c, i, '', 0) for i, c in enumerate(letters)])
    parts = modes.split(',')
    if len(parts) != len(letters) or sorted(int(p) if p.isdigit() else -1 for p in parts) != list(range(order)):
        raise FormatError('format "%s": expected after ":" one mode per level covering each of the modes '
                          '0..%d once (blocked levels are only supported as bcsr(B))' % (text, order - 1))
    return Format(order, [(c, int(p), '', 0) for c, p in zip(letters, parts)])


def stored(support, fmt):
    """Which coordinates `fmt` stores when the entries in `support` (a bool
    array over the modes) are written into it: compressed levels keep the
    coordinates that have an entry below them; dense levels keep every
    coordinate under a kept parent; bcsr keeps whole blocks."""
    support = np.asarray(support, dtype=bool)
    if fmt.order == 0 or fmt.all_dense:
        return np.ones(support.shape, dtype=bool)
    if fmt.blocked:
        b = fmt.levels[0][3]
        n0, n1 = support.shape
        p0, p1 = -(-n0 // b) * b, -(-n1 // b) * b
        pad = np.zeros((p0, p1), dtype=bool)
        pad[:n0, :n1] = support
        blocks = pad.reshape(p0 // b, b, p1 // b, b).any(axis=(1, 3))
        return np.repeat(np.repeat(blocks, b, axis=0), b, axis=1)[:n0, :n1]
    keep = np.ones(support.shape, dtype=bool)
    modes = [l[1] for l in fmt.levels]
    for i, (letter, _, _, _) in enumerate(fmt.levels):
        if letter == 'c':
            below = tuple(modes[i + 1:])
            keep &= support.any(axis=below, keepdims=True) if below else support
    return keep
