"""The value graph (graph.py) -> a program in the model language (ffprog.py).

Needs: the Translator of trace.py with its factor constraints solved.

1. Slots. Every factor of every dimension (Facts) is one index; a Val's
   slots are its factors in row-major order. Views (permute, reshape,
   expand) have the same slots as their base in another order, so a view is
   an access with renamed indices and never a statement.

2. Which Vals become tensors. A Val is computed into a tensor of its own
   when it is a model output, a softmax or layernorm, used more than once,
   used by a product, reduction, softmax or layernorm, or used by an op that
   needs it present everywhere while it is not (below). Otherwise it is
   written inside the one expression that uses it (bias + relu on top of a
   product, the scaling of attention scores inside the mask).

3. Support. In the language an entry that a sparse tensor does not store is
   absent, and absent is not zero for exp, rsqrt, softmax, layernorm, or a
   divisor (docs/language.md, Semantics). PyTorch has no absent entries. So
   an operand in such a position must be present everywhere: stored dense,
   or copied into a dense tensor first. Zero-preserving positions (+, -, *,
   relu, products, sums, masks) take sparse operands as they are. The one
   place absence is wanted is softmax over masked_fill(~mask, -inf): the
   softmax runs over the masked scores' support, the mask's. Those scores
   are computed inside the softmax statement when nothing else reads them
   (see can_inline for why they are not stored).

4. Layouts. For every statement the exporter picks the loop order it will
   be reducible in: the result's indices, the softmax/layernorm index last,
   then the summed indices (so every sum is a reducer, and relu or a bias
   on top of it is fine). Every access must walk its tensor's levels in
   that order, so each tensor is stored in the mode order its readers need:
   an input is declared once per order it is read in (one .mtx file), an
   intermediate is stored in the order most of its readers need and copied
   once for each other order. The compiler still chooses the order itself;
   this only guarantees one exists. A gather or scatter (a product with a
   one-hot matrix P, trace.Translator.gather) is a statement of its own laid
   out for P's free index, the summed one, then the rest: the walk that
   streams the rows idx names (docs/torch.md, Gathers).
"""
from collections import Counter, OrderedDict

import numpy as np

from . import formats
from .ffprog import Acc, Bin, Const, Mask, Norm, Program, Red, Stmt, Tensor, Un, shift, walk
from .graph import ExportError, Val

INDEX_NAMES = list('ijklmnpqrstuvw')

# un ops whose operand must be present everywhere (f(0) != 0 or undefined)
NEEDS_FULL_UN = {'exp', 'rsqrt', 'sigmoid', 'log'}
# un ops written with their operand more than once: the operand is a tensor
USES_TWICE_UN = {'square', 'gelu_tanh'}

GELU_C1 = 2.0 * np.sqrt(2.0 / np.pi)   # x*sigmoid(C1*(x + C2 x^3)) is tanh-gelu
GELU_C2 = 0.044715


class Logical:
    """One tensor before its layouts are known: a leaf (with one factor
    split) or a computed Val. Each layout becomes one declared Tensor."""

    def __init__(self, name, dims, kind, val=None, fmt=None, file=None, origin=''):
        self.name, self.dims, self.kind, self.val = name, tuple(dims), kind, val
        self.fmt = fmt          # leaves: the declared sparse Format (natural layout) or None
        self.file = file
        self.origin = origin
        self.sparse = False     # computed: stored in a sparse format
        self.stmt = None        # computed: its statement
        self.reqs = []          # (Acc, layout) of every read
        self.tensors = {}       # layout -> Tensor
        self.output = None      # output name when it is a model output

    @property
    def order(self):
        return len(self.dims)

    def format_for(self, layout):
        if self.kind == 'leaf':
            return formats.dense(self.order, layout) if self.fmt is None else self.fmt.relayout(layout)
        if self.sparse:
            return formats.compressed_below_first(self.order, layout)
        return formats.dense(self.order, layout)


class Ctx:
    """Per statement: fresh index names and what the loop order needs."""

    def __init__(self):
        self.used = 0
        self.sums = []          # summed index names, outermost first
        self.special = []       # softmax/layernorm indices
        self.gather_order = None  # a gather statement's loop order (Lowering.build)

    def fresh(self):
        k = self.used
        self.used += 1
        if k < len(INDEX_NAMES):
            return INDEX_NAMES[k]
        return '%s%d' % (INDEX_NAMES[k % len(INDEX_NAMES)], k // len(INDEX_NAMES))


class Lowering:
    def __init__(self, tr, output_names):
        self.tr = tr
        self.facts = tr.facts
        self.prog = Program()
        self.names = set(tr.names)
        self.logical = OrderedDict()    # key -> Logical
        self.tensor_of = {}             # Val id -> Logical (computed)
        self.dense_of = {}              # Logical name -> Logical (dense copy)
        self.output_names = output_names
        self.leaf_files = {}            # (leaf base id, factors) -> Logical
        self.copies = {}                # Val id -> its stored copy (copy_of)

    # ---- slots ----

    def slots(self, v):
        return [f for d in self.facts(v) for f in d]

    def dim_ranges(self, v):
        out, k = [], 0
        for d in self.facts(v):
            out.append(list(range(k, k + len(d))))
            k += len(d)
        return out

    def per_dim(self, v, idx):
        return [[idx[s] for s in r] for r in self.dim_ranges(v)]

    def base_idx(self, v, idx):
        """The base of view v and the names of its slots, given v's names."""
        base = v.args[0]
        vd = self.per_dim(v, idx)
        if v.kind == 'permute':
            bd = [None] * base.rank
            for d, p in enumerate(v.attrs['perm']):
                bd[p] = vd[d]
            return base, [n for names in bd for n in names]
        if v.kind == 'reshape':
            return base, list(idx)
        if v.kind == 'window':
            # the outer factor of the windowed dimension reads off / P
            # further along the base's (graph.Facts.shift)
            d = v.attrs['dim']
            bd = list(vd)
            bd[d] = [shift(vd[d][0], v.attrs['off'] // self.facts.inner(v, d))] + vd[d][1:]
            return base, [n for names in bd for n in names]
        off = v.rank - base.rank          # expand
        out = []
        for d in range(base.rank):
            if base.shape[d] == v.shape[d + off]:
                out += vd[d + off]
        return base, out

    def resolve(self, v, idx):
        while v.is_view():
            v, idx = self.base_idx(v, idx)
        return v, idx

    def operand_idx(self, v, x, idx):
        """Names for the slots of broadcast operand x of elementwise v."""
        vd = self.per_dim(v, idx)
        off = v.rank - x.rank
        out = []
        for d in range(x.rank):
            if x.shape[d] == v.shape[d + off]:
                out += vd[d + off]
        return out

    # ---- uses and decisions ----

    def base_of(self, v):
        while v.is_view():
            v = v.args[0]
        return v

    def analyse(self):
        outs = [self.base_of(o) for o in self.tr.outputs]
        live, stack = set(), list(self.tr.outputs)
        while stack:
            v = stack.pop()
            if v.id in live:
                continue
            live.add(v.id)
            stack += v.vals()
        self.live = live
        self.uses = Counter()
        self.users = {}
        for v in self.tr.vals:
            if v.id not in live or v.is_view() or v.kind == 'leaf':
                continue
            for pos, a in enumerate(v.args):
                if not hasattr(a, 'kind'):
                    continue
                b = self.base_of(a)
                times = 4 if v.kind == 'un' and v.attrs['op'] in USES_TWICE_UN else 1
                self.uses[b.id] += times
                self.users.setdefault(b.id, []).append((v, pos))
        self.is_output = {o.id for o in outs}
        self.inline = {}
        for v in self.tr.vals:
            if v.id in live and not v.is_view() and v.kind != 'leaf':
                self.inline[v.id] = self.can_inline(v)
        self.separate_blocks()

    def blocks_in(self, v):
        """The block sizes of the bcsr tensors Val v's expression reads
        (through the values written inside it)."""
        v = self.base_of(v)
        if v.kind == 'leaf':
            fmt = v.attrs['fmt']
            return {fmt.levels[0][3]} if fmt is not None and fmt.blocked else set()
        out = set()
        for a in v.vals():
            b = self.base_of(a)
            if b.kind == 'leaf' or self.inline.get(b.id):
                out |= self.blocks_in(b)
        return out

    def separate_blocks(self):
        """A statement reading bcsr tensors of two block sizes computes wrong
        values in fuseflow today (--check fails; a compiler bug), so a value
        written inside such a statement that reads a blocked tensor becomes
        a statement of its own, until no statement mixes block sizes."""
        changed = True
        while changed:
            changed = False
            for v in self.tr.vals:
                if v.id not in self.inline or self.inline[v.id] or len(self.blocks_in(v)) < 2:
                    continue
                for a in v.vals():
                    b = self.base_of(a)
                    if self.inline.get(b.id) and self.blocks_in(b):
                        self.inline[b.id] = False
                        changed = True

    def needs_full(self, user, pos):
        if user.kind == 'un':
            return user.attrs['op'] in NEEDS_FULL_UN
        if user.kind == 'ew':
            return user.attrs['op'] == 'div' and pos == 1
        if user.kind == 'softmax':
            return user.args[0].fill == 0.0
        return user.kind == 'layernorm'

    def can_inline(self, v):
        if v.id in self.is_output or v.kind in ('softmax', 'layernorm') or self.uses[v.id] != 1:
            return False
        if v.kind == 'place' and len(v.args) > 2:
            return False        # fuseflow merges at most 4 operands at an index in one statement
        if v.kind == 'contract' and v.attrs.get('gather'):
            return False        # a statement of its own, walked as a gather
        user, pos = self.users[v.id][0]
        if user.kind == 'softmax' and v.kind == 'mask' and v.fill != 0.0:
            # Masked scores are computed inside their softmax rather than
            # stored: `fuseflow run` stores a computed sparse tensor without
            # its explicit zeros (ff_tensor_convert), so a score that rounds
            # to exactly 0 would drop out of the softmax while the reference
            # interpreter keeps it (docs/torch.md, Limitations).
            return True
        # (not into a cat or pad: see reads_whole)
        if user.kind not in ('ew', 'un', 'mask') or (user.kind == 'mask' and pos == 0):
            return False
        if user.kind == 'un' and user.attrs['op'] in USES_TWICE_UN:
            return False
        if self.needs_full(user, pos) and not self.full(v):
            return False
        return True

    def full(self, v):
        """Is v, written as an expression (or read from its tensor), present
        at every coordinate?"""
        v = self.base_of(v)
        if v.kind == 'leaf':
            return v.attrs['fmt'] is None
        lt = self.tensor_of.get(v.id)
        if lt is not None:
            return not lt.sparse
        k = v.kind
        if k == 'ew':
            # an operand that must be present everywhere is read dense
            fa = [not hasattr(a, 'kind') or self.needs_full(v, pos) or self.full(a) for pos, a in enumerate(v.args)]
            return any(fa) if v.attrs['op'] in ('add', 'sub') else all(fa)
        if k == 'contract':
            if v.attrs.get('gather'):
                return self.full(v.args[1])     # P has one entry per row
            return all(self.full(a) for a in v.args)
        if k == 'mask':
            return False
        if k == 'place':
            return v.attrs['covers'] and all(self.full(a) for a in v.args)
        if k in ('softmax', 'layernorm') or k == 'un' and v.attrs['op'] in NEEDS_FULL_UN:
            return self.needs_full(v, 0)
        return self.full(v.args[0])

    # ---- emission ----

    def run(self):
        self.facts.solve()
        self.analyse()
        for v in self.tr.vals:
            if v.id not in self.live or v.is_view() or v.kind == 'leaf' or self.inline[v.id]:
                continue
            self.materialize(v)
        self.outputs = []
        names = self.output_names or (['Y'] if len(self.tr.outputs) == 1 else
                                      ['Y%d' % i for i in range(len(self.tr.outputs))])
        if len(names) != len(self.tr.outputs):
            raise ExportError('', 'output_names has %d names, the model returns %d tensors'
                              % (len(names), len(self.tr.outputs)))
        for o, name in zip(self.tr.outputs, names):
            self.outputs.append((self.output(o, name), o))
        self.layouts()
        return self.prog

    def new_name(self, base):
        from .trace import safe_name
        return safe_name(base, self.names)

    def materialize(self, v):
        if not self.slots(v):
            raise ExportError(v.src, '%s gives a tensor whose dimensions all have size 1; not supported' % v.what)
        name = self.new_name(v.attrs.get('node') or v.kind)
        lt = Logical(name, self.slots(v), 'computed', val=v, origin='%s at %s' % (v.what, v.src))
        lt.sparse = not (self.full(v) or v.kind in ('contract', 'reduce'))
        ctx = Ctx()
        idx = [ctx.fresh() for _ in lt.dims]
        rhs = self.build(v, idx, ctx)
        self.tensor_of[v.id] = lt
        self.statement(lt, idx, rhs, ctx, v.src, v.what)
        return lt

    def statement(self, lt, idx, rhs, ctx, src, what):
        st = Stmt(lt, idx, rhs, src, what)
        special = [n for n in ctx.special if n in idx]
        st.order = [n for n in idx if n not in special] + special + ctx.sums
        if ctx.gather_order is not None:
            st.order = ctx.gather_order
        lt.stmt = st
        self.logical[('t', lt.name)] = lt
        self.prog.stmts.append(st)
        for e in walk(rhs):
            if isinstance(e, Acc):
                layout = tuple(sorted(range(len(e.idx)), key=lambda m: st.order.index(e.idx[m])))
                e.tensor.reqs.append((e, layout))
        return st

    def output(self, o, name):
        base = self.base_of(o)
        lt = self.tensor_of.get(base.id)
        if lt is not None and base is o and self.uses[base.id] == 0:
            lt.output = name
            self.names.discard(lt.name)
            lt.name = self.new_name(name) if name in self.names else name
            self.names.add(lt.name)
            return lt
        # a view, a leaf, or a tensor that later statements read: copy it
        if not self.slots(o):
            raise ExportError(o.src, 'the model output has no dimension of size > 1')
        ctx = Ctx()
        idx = [ctx.fresh() for _ in self.slots(o)]
        rhs = self.operand(o, idx, ctx, need_full=False)
        out = Logical(self.new_name(name), self.slots(o), 'computed', val=o,
                      origin='model output (%s at %s)' % (o.what, o.src))
        out.sparse = not self.full(o)
        out.output = name
        self.statement(out, idx, rhs, ctx, o.src, 'model output')
        return out

    # expressions

    def operand(self, x, idx, ctx, need_full):
        """The expression for Val x (or a Python number) at index names idx."""
        if not hasattr(x, 'kind'):
            return Const(x)
        base, bidx = self.resolve(x, idx)
        if base.kind == 'leaf':
            lt = self.leaf_logical(base, dense=need_full and base.attrs['fmt'] is not None)
            return Acc(lt, bidx)
        lt = self.tensor_of.get(base.id)
        if lt is None:
            return self.build(base, bidx, ctx)
        if need_full and lt.sparse:
            lt = self.densify(lt)
        return Acc(lt, bidx)

    def leaf_logical(self, leaf, dense=False):
        base = leaf.attrs['base']
        key = (base.id, tuple(self.facts(leaf)), dense)
        if key in self.leaf_files:
            return self.leaf_files[key]
        same = [k for k in self.leaf_files if k[0] == base.id]
        files = {lt.file for k, lt in self.leaf_files.items() if k[0] == base.id and k[1] == key[1]}
        if not same:
            name = base.attrs['name']      # reserved for it by the translator
        else:
            name = self.new_name(base.attrs['name'] + ('_dense' if dense and files else '_f%d' % (len(same) + 1)))
        file = files.pop() if files else 'data/%s.mtx' % name
        fmt = None if dense else base.attrs['fmt']
        dims = self.slots(leaf)
        if fmt is not None and fmt.order != len(dims):
            raise ExportError(leaf.src, "sparse tensor '%s' has a dimension of size 1; declare it with the "
                              "dimensions of size > 1 only" % base.attrs['qual'])
        origin = base.attrs.get('describe') or base.attrs['qual']
        origin += '' if len(dims) == base.rank else ' as %s' % 'x'.join(map(str, dims))
        lt = Logical(name, dims, 'leaf', val=leaf, fmt=fmt, file=file, origin=origin)
        lt.base = base
        self.leaf_files[key] = lt
        self.logical[('l',) + key] = lt
        return lt

    def densify(self, lt):
        if lt.name in self.dense_of:
            return self.dense_of[lt.name]
        d = Logical(self.new_name(lt.name + '_dense'), lt.dims, 'computed', val=lt.val,
                    origin='%s stored dense (read where absent entries would not mean 0)' % lt.name)
        ctx = Ctx()
        idx = [ctx.fresh() for _ in lt.dims]
        self.statement(d, idx, Acc(lt, idx), ctx, lt.stmt.src, 'dense copy of %s' % lt.name)
        self.dense_of[lt.name] = d
        return d

    def build(self, v, idx, ctx):
        k = v.kind
        if k == 'ew':
            ops = [self.operand(a, self.operand_idx(v, a, idx) if hasattr(a, 'kind') else None, ctx,
                                self.needs_full(v, pos)) for pos, a in enumerate(v.args)]
            return Bin(v.attrs['op'], ops[0], ops[1])
        if k == 'un':
            op = v.attrs['op']
            x = v.args[0]
            e = self.operand(x, idx, ctx, op in NEEDS_FULL_UN)
            if op in ('neg', 'relu', 'exp', 'rsqrt', 'sqrt', 'log', 'tanh', 'sigmoid', 'erf', 'gelu'):
                return Un(op, e)
            if op == 'square':
                return Bin('mul', e, self.operand(x, idx, ctx, False))
            if op == 'gelu_tanh':
                xs = [e] + [self.operand(x, idx, ctx, False) for _ in range(3)]
                cube = Bin('mul', Bin('mul', Bin('mul', Const(GELU_C2), xs[1]), xs[2]), xs[3])
                inner = Bin('mul', Const(-GELU_C1), Bin('add', xs[0], cube))
                return Bin('div', self.operand(x, idx, ctx, False), Bin('add', Const(1.0), Un('exp', inner)))
            raise AssertionError(op)
        if k == 'contract':
            a, b = v.args
            la, lb = v.attrs['letters']
            r = v.rank
            vd = self.per_dim(v, idx)
            # letters r, r+1, ... are summed, outermost first
            sums = sorted({l for lx in (la, lb) for l in lx if l is not None and l >= r})
            knames, ksize = {}, {}
            for s in sums:
                x, lx = (a, la) if s in la else (b, lb)
                knames[s] = [ctx.fresh() for _ in self.facts(x, lx.index(s))]
                ksize.update(zip(knames[s], self.facts(x, lx.index(s))))
                ctx.sums += knames[s]

            def names(x, lx):
                out = []
                for d, l in enumerate(lx):
                    if l is None:
                        continue
                    out += knames[l] if l >= r else vd[l]
                return out
            if v.attrs.get('gather'):
                # the dataflow of a gather (scatter) (docs/torch.md, Gathers):
                # a row (column) of the one-hot P, its coordinates, then
                # the rows of x they name
                pidx = names(a, [l for l in la if l < r])
                ctx.gather_order = pidx + knames[sums[0]] + [n for n in idx if n not in pidx]
            e = Bin('mul', self.operand(a, names(a, la), ctx, False), self.operand(b, names(b, lb), ctx, False))
            for s in reversed(sums):
                for kn in reversed(knames[s]):
                    e = Red(kn, e, ksize[kn])
            return e
        if k == 'reduce':
            x = v.args[0]
            dims, keep = v.attrs['dims'], v.attrs['keepdim']
            vd = self.per_dim(v, idx)
            xnames, red, j, rsize = [], [], 0, {}
            for d in range(x.rank):
                if d in dims:
                    fresh = [ctx.fresh() for _ in self.facts(x, d)]
                    rsize.update(zip(fresh, self.facts(x, d)))
                    red += fresh
                    xnames += fresh
                    if keep:
                        j += 1
                else:
                    xnames += vd[j]
                    j += 1
            ctx.sums += red
            e = self.operand(x, xnames, ctx, False)
            for kn in reversed(red):
                e = Red(kn, e, rsize[kn])
            if v.attrs['mean']:
                n = int(np.prod([x.shape[d] for d in dims]))
                e = Bin('div', e, Const(float(n)))
            return e
        if k in ('softmax', 'layernorm'):
            d = v.attrs['dim'] if k == 'softmax' else v.rank - 1
            axis = self.per_dim(v, idx)[d]
            assert len(axis) == 1
            ctx.special.append(axis[0])
            e = self.operand(v.args[0], idx, ctx, self.needs_full(v, 0))
            op = 'log_softmax' if k == 'softmax' and v.attrs.get('log') else k
            return Norm(op, axis[0], e, eps=v.attrs.get('eps'))
        if k == 'place':
            # each operand read through a window that starts -off along the
            # result: the parts do not meet, so the sum is exactly each
            # point's one operand (docs/torch.md, Windows)
            vd = self.per_dim(v, idx)
            e = None
            for x, offs, hots in zip(v.args, v.attrs['offs'], v.attrs['hots']):
                names, shifted = [], False
                for d, o in enumerate(offs):
                    if d in hots:
                        continue        # no index: placed by a one-hot vector
                    if o == 0 and x.shape[d] == v.shape[d] or not vd[d]:
                        names += vd[d]
                    else:
                        names += [shift(vd[d][0], -o // self.facts.inner(v, d))] + vd[d][1:]
                        shifted = True
                if shifted and not self.reads_whole(x):
                    x = self.copy_of(x)
                t = self.operand(x, names, ctx, False)
                for d in sorted(hots):
                    t = Bin('mul', self.operand(hots[d], vd[d], ctx, False), t)
                e = t if e is None else Bin('add', e, t)
            return e
        if k == 'mask':
            m, x = v.args
            mb, midx = self.resolve(m, self.operand_idx(v, m, idx))
            lt = self.leaf_logical(mb)
            if lt.fmt is None:
                raise ExportError(v.src, "%s: the mask '%s' is stored dense, so it would keep everything; declare "
                                  "its sparse format, e.g. sparse={'%s': 'bcsr(4)'} or 'csr'"
                                  % (v.what, mb.attrs['qual'], mb.attrs['qual']))
            if lt.fmt.blocked:
                self.check_blocks(mb, lt, v.src)
            return Mask(Acc(lt, midx), self.operand(x, self.operand_idx(v, x, idx), ctx, False))
        raise AssertionError(k)

    def reads_whole(self, x):
        """Is x read as a whole stored tensor or input, so that an access
        reaching past its extent reads absent entries? Not through a window
        (the offsets would add, and the window's neighbours lie past its
        end) or an expand (a broadcast dimension has no index to shift),
        nor an expression written inline (a constant is present
        everywhere). A cat or pad reads anything else from a copy."""
        while x.is_view():
            if x.kind in ('window', 'expand'):
                return False
            x = x.args[0]
        return x.kind == 'leaf' or x.id in self.tensor_of

    def copy_of(self, x):
        """x stored as a tensor of its own (see reads_whole): a Val that
        is x, computed by one statement."""
        if x.id in self.copies:
            return self.copies[x.id]
        c = Val('copy', x.shape, [x], src=x.src, what=x.what, ref=x.ref, fill=x.fill)
        self.facts.f[c.id] = list(self.facts(x))
        name = self.new_name((x.attrs.get('node') or x.kind) + '_part')
        lt = Logical(name, self.slots(x), 'computed', val=c, origin='%s at %s, stored for a cat or pad'
                     % (x.what, x.src))
        lt.sparse = not self.full(x)
        ctx = Ctx()
        idx = [ctx.fresh() for _ in lt.dims]
        rhs = self.operand(x, idx, ctx, False)
        self.tensor_of[c.id] = lt
        self.statement(lt, idx, rhs, ctx, x.src, '%s, stored for a cat or pad' % x.what)
        self.copies[x.id] = c
        return c

    def check_blocks(self, leaf, lt, src):
        sup = leaf.attrs['base'].attrs['support']
        if not np.array_equal(formats.stored(sup, lt.fmt), sup):
            raise ExportError(src, "mask '%s' is declared %s but its True entries are not whole blocks; a "
                              "blocked format stores whole blocks, which would unmask more than PyTorch does "
                              "(use 'csr')" % (leaf.attrs['qual'], lt.fmt.text()))

    # ---- layouts ----

    def layouts(self):
        """One Tensor per layout each logical tensor is read in (see the head
        comment); copies of intermediates go right after their statement."""
        stmts = self.prog.stmts
        inputs, others = [], []
        for key, lt in list(self.logical.items()):
            counts = Counter(l for _, l in lt.reqs)
            natural = tuple(range(lt.order))
            if lt.kind == 'leaf':
                layouts = sorted(counts, key=lambda l: (l != natural, -counts[l]))
                for i, l in enumerate(layouts):
                    name = lt.name if i == 0 else self.new_name('%s_%s' % (lt.name, ''.join(map(str, l))))
                    t = Tensor(name, lt.dims, lt.format_for(l), 'input', file=lt.file, origin=lt.origin)
                    t.logical = lt
                    lt.tensors[l] = t
                    inputs.append(t)
                continue
            order = [l for l, _ in counts.most_common()]
            primary = order[0] if order and lt.output is None else natural
            t = Tensor(lt.name, lt.dims, lt.format_for(primary), 'output' if lt.output else 'inter',
                       origin=lt.origin)
            t.logical = lt
            lt.tensors[primary] = t
            lt.primary = primary
            others.append(t)
            lt.stmt.lhs = t
            pos = stmts.index(lt.stmt) + 1
            for l in order:
                if l == primary:
                    continue
                name = self.new_name('%s_%s' % (lt.name, ''.join(map(str, l))))
                c = Tensor(name, lt.dims, lt.format_for(l), 'inter',
                           origin='%s stored in mode order %s' % (lt.name, ','.join(map(str, l))))
                c.logical = lt
                lt.tensors[l] = c
                others.append(c)
                ctx = Ctx()
                idx = [ctx.fresh() for _ in lt.dims]
                st = Stmt(c, idx, Acc(t, idx), lt.stmt.src, 'copy of %s in the mode order its readers need'
                          % lt.name)
                st.order = [idx[m] for m in primary]
                stmts.insert(pos, st)
                pos += 1
        for lt in self.logical.values():
            for acc, l in lt.reqs:
                acc.tensor = lt.tensors[l]
        self.prog.tensors = inputs + others
