"""PyTorch -> the exporter's value graph (graph.py).

The model is traced with torch.fx and run once, node by node, on a float64
copy with the example inputs: every node's value is kept as the reference
its translation must reproduce, and shapes come from those values. Each fx
node is translated by the handler for its op; an op without a handler, or
a use of a supported op the model language cannot express exactly, is an
ExportError naming the op and the model's source line.
"""
import copy
import math
import operator
import os
import re
import traceback

import numpy as np
import torch
import torch.fx as fx
import torch.nn as nn
import torch.nn.functional as F

from . import fixed, formats
from .graph import ExportError, Facts, Val

# ---- what the exporter supports (ORDER SUPPORTED: docs/torch.md lists these) --

FUNCTIONS = {
    torch.matmul: 'matmul', operator.matmul: 'matmul', torch.mm: 'matmul', torch.bmm: 'matmul',
    torch.sparse.mm: 'matmul', torch.spmm: 'matmul', torch.addmm: 'addmm', F.linear: 'linear',
    operator.add: 'add', operator.iadd: 'add', torch.add: 'add',
    operator.sub: 'sub', operator.isub: 'sub', torch.sub: 'sub',
    operator.mul: 'mul', operator.imul: 'mul', torch.mul: 'mul',
    operator.truediv: 'div', operator.itruediv: 'div', torch.div: 'div', torch.true_divide: 'div',
    operator.neg: 'neg', torch.neg: 'neg', operator.pow: 'pow', torch.pow: 'pow', torch.square: 'square',
    F.relu: 'relu', torch.relu: 'relu', F.gelu: 'gelu', torch.exp: 'exp', torch.sigmoid: 'sigmoid',
    F.sigmoid: 'sigmoid', torch.rsqrt: 'rsqrt', torch.sqrt: 'sqrt', torch.log: 'log', torch.tanh: 'tanh',
    F.tanh: 'tanh', torch.erf: 'erf', torch.special.erf: 'erf',
    F.softmax: 'softmax', torch.softmax: 'softmax', F.log_softmax: 'log_softmax', torch.log_softmax: 'log_softmax',
    F.layer_norm: 'layer_norm', F.dropout: 'dropout', F.normalize: 'normalize',
    torch.transpose: 'transpose', torch.permute: 'permute', torch.t: 't', torch.reshape: 'reshape',
    torch.flatten: 'flatten', torch.unsqueeze: 'unsqueeze', torch.squeeze: 'squeeze',
    torch.masked_fill: 'masked_fill', torch.sum: 'sum', torch.mean: 'mean',
    operator.invert: 'invert', torch.logical_not: 'invert',
    operator.eq: 'eq', torch.eq: 'eq', operator.ne: 'ne', torch.ne: 'ne', operator.gt: 'gt', torch.gt: 'gt',
    torch.baddbmm: 'baddbmm', torch.addbmm: 'addbmm', torch.mv: 'matmul', torch.einsum: 'einsum',
    F.embedding: 'embedding', torch.index_select: 'index_select', torch.repeat_interleave: 'repeat_interleave',
    torch.kron: 'kron', torch.ones: 'ones', torch.ones_like: 'ones', torch.zeros_like: 'zeros',
    torch.index_add: 'index_add',
    torch.cat: 'cat', torch.concat: 'cat', torch.hstack: 'hstack', torch.vstack: 'vstack',
    torch.split: 'split', torch.chunk: 'chunk', torch.narrow: 'narrow', torch.unbind: 'unbind', F.pad: 'pad', torch.stack: 'stack',
}
METHODS = {
    'matmul': 'matmul', 'mm': 'matmul', 'bmm': 'matmul', 'add': 'add', 'sub': 'sub', 'mul': 'mul',
    'div': 'div', 'neg': 'neg', 'pow': 'pow', 'square': 'square', 'relu': 'relu', 'exp': 'exp',
    'sigmoid': 'sigmoid', 'rsqrt': 'rsqrt', 'sqrt': 'sqrt', 'softmax': 'softmax', 'log_softmax': 'log_softmax',
    'log': 'log', 'tanh': 'tanh',
    'erf': 'erf',
    'transpose': 'transpose', 'permute': 'permute', 't': 't', 'reshape': 'reshape', 'view': 'reshape',
    'view_as': 'reshape_as', 'reshape_as': 'reshape_as', 'flatten': 'flatten', 'unsqueeze': 'unsqueeze',
    'squeeze': 'squeeze', 'expand': 'expand', 'expand_as': 'expand_as', 'contiguous': 'identity',
    'clone': 'identity', 'float': 'cast', 'double': 'cast', 'bool': 'bool', 'masked_fill': 'masked_fill',
    'sum': 'sum', 'mean': 'mean', 'logical_not': 'invert', 'eq': 'eq', 'ne': 'ne', 'gt': 'gt',
    'to': 'cast', 'type_as': 'cast', 'long': 'cast', 'int': 'cast',
    'mv': 'matmul', 'addmm': 'addmm', 'baddbmm': 'baddbmm', 'addbmm': 'addbmm',
    'index_select': 'index_select', 'repeat_interleave': 'repeat_interleave', 'kron': 'kron',
    'index_add': 'index_add', 'index_add_': 'index_add', 'new_zeros': 'zeros',
    'split': 'split', 'chunk': 'chunk', 'narrow': 'narrow', 'unbind': 'unbind',
}
MODULES = {
    nn.Linear: 'linear', nn.ReLU: 'relu', nn.GELU: 'gelu', nn.Dropout: 'dropout', nn.LayerNorm: 'layer_norm',
    nn.Softmax: 'softmax', nn.LogSoftmax: 'log_softmax', nn.Identity: 'identity', nn.Sigmoid: 'sigmoid',
    nn.Tanh: 'tanh', nn.Embedding: 'embedding',
    nn.ZeroPad2d: 'pad', nn.ConstantPad1d: 'pad', nn.ConstantPad2d: 'pad', nn.ConstantPad3d: 'pad',
}
# the most operands one cat places in one statement (fuseflow merges at
# most 4 at an index)
MAX_PLACE = 4
# ops that give a tuple of tensors (parts of their operand)
PARTS_OPS = {'split', 'chunk', 'unbind'}
# Ops that look at tensors but give Python values (sizes): evaluated at export.
SHAPE_OPS = {'size', 'dim', 'shape', 'ndim', 'dtype', 'device', 'is_sparse', 'numel'}

LANGUAGE_NAMES = {'tensor', 'scalar', 'relu', 'exp', 'sqrt', 'rsqrt', 'log', 'tanh', 'sigmoid', 'erf', 'gelu',
                  'max', 'min', 'mask', 'sum', 'softmax', 'log_softmax', 'layernorm'}
# masked_fill values at or below this are treated as -inf (exp underflows to 0
# in float32 and float64 alike): the usual -1e9 and finfo.min idioms.
NEG_INF_FILL = -1e4


class BoolMask:
    """A boolean built from a mask leaf: `negated` says it is True where the
    leaf stores nothing (~mask, mask == 0)."""

    def __init__(self, leaf, negated, src):
        self.leaf, self.negated, self.src = leaf, negated, src


class IndexData:
    """An integer tensor: an input or buffer, or a row or slice of one
    (edge_index[0]). Its values are data read at export, like a float
    input's; the exporter uses them only to gather (F.embedding,
    nn.Embedding, index_select, x[idx]), each gather becoming a one-hot
    sparse matrix whose coordinates are these values (Translator.gather).

    value: the int64 numpy array; text: how the model names it
    ('edge_index[0]'), for messages and file comments; name: a base for the
    language name of its one-hot matrix."""

    def __init__(self, value, text, name):
        self.value, self.text, self.name = np.asarray(value, dtype=np.int64), text, name


class Expanding:
    """A leaf repeated along one dimension by repeat_interleave, waiting for
    the other (Translator.op_repeat_interleave): reps[d] is the repeat count
    of dimension d."""

    def __init__(self, leaf, reps, src):
        self.leaf, self.reps, self.src = leaf, list(reps), src


class Ones:
    """torch.ones(...) made inside the model: only the second factor of
    kron(layout, ones) (a block expansion) is accepted."""

    def __init__(self, shape, src):
        self.shape, self.src = tuple(shape), src


class Zeros:
    """torch.zeros / new_zeros / zeros_like made inside the model: only the
    tensor index_add adds into is accepted (scatter of messages)."""

    def __init__(self, shape, src):
        self.shape, self.src = tuple(shape), src


# ops that only rearrange an integer tensor: index data stays index data
INDEX_VIEWS = {'cast', 'reshape', 'reshape_as', 'flatten', 'unsqueeze', 'squeeze', 'permute', 'transpose', 't',
               'expand', 'expand_as', 'identity'}
INT_DTYPES = (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8)


def op_name(n, mod=None):
    """The op as the user wrote it, for messages."""
    if n.op == 'call_method':
        return 'Tensor.%s' % n.target
    if n.op == 'call_module':
        return '%s (module %s)' % (type(mod).__name__ if mod is not None else '?', n.target)
    t = n.target
    name = getattr(t, '__name__', str(t))
    for prefix, ns in (('torch.', torch), ('F.', F), ('torch.sparse.', torch.sparse), ('operator.', operator)):
        if getattr(ns, name, None) is t:
            return prefix + name
    if name == '_sparse_mm':
        return 'torch.sparse.mm'
    return name


_FRAME = re.compile(r'File "([^"]+)", line (\d+)')


def _rel(path):
    try:
        r = os.path.relpath(path)
        return path if r.startswith('../../') else r
    except ValueError:
        return path


def source_of(n):
    """"file:line" of the model code that made node n (from the fx stack trace)."""
    st = getattr(n, 'stack_trace', None) or ''
    skip = (os.path.dirname(os.path.abspath(__file__)), os.path.dirname(os.path.abspath(torch.__file__)))
    for m in _FRAME.finditer(st):
        if not os.path.abspath(m.group(1)).startswith(skip):
            return '%s:%s' % (_rel(m.group(1)), m.group(2))
    return ''


def _user_frame(tb_frames):
    """The innermost frame of a traceback that is model code (not torch, not us)."""
    pkg = os.path.dirname(os.path.abspath(__file__))
    torch_dir = os.path.dirname(os.path.abspath(torch.__file__))
    best = ''
    for fr in tb_frames:
        f = os.path.abspath(fr.filename)
        if f.startswith(pkg) or f.startswith(torch_dir) or '/lib/python3' in f:
            continue
        best = '%s:%d' % (_rel(fr.filename), fr.lineno)
    return best


def safe_name(qual, taken):
    """A language name for a PyTorch name: dots become _, reserved words and
    names already taken get a suffix."""
    base = re.sub(r'[^A-Za-z0-9_]', '_', qual) or 't'
    if base[0].isdigit():
        base = 't' + base
    if base in LANGUAGE_NAMES:
        base += '_out'
    name, k = base, 1
    while name in taken:
        k += 1
        name = '%s_%d' % (base, k)
    taken.add(name)
    return name


class _Run(fx.Interpreter):
    """Runs the float64 copy node by node and translates each node."""

    def __init__(self, gm, tr):
        super().__init__(gm)
        self.tr = tr

    def run_node(self, n):
        try:
            result = super().run_node(n)
        except Exception as e:   # the model itself fails on its example inputs
            if isinstance(e, ExportError):
                raise
            mod = self.tr.gm.get_submodule(n.target) if n.op == 'call_module' else None
            raise ExportError(source_of(n), 'the model fails on the example inputs (%s): %s: %s'
                              % (op_name(n, mod), type(e).__name__, str(e).splitlines()[0] if str(e) else ''))
        # every use of a leaf is a Val of its own, so that two uses need not
        # share index structure (the data is simply written twice)
        args = fx.node.map_arg(n.args, lambda a: self.tr.use(self.tr.v[a]))
        kwargs = fx.node.map_arg(n.kwargs, lambda a: self.tr.use(self.tr.v[a]))
        self.tr.v[n] = self.tr.translate(n, result, args, kwargs)
        return result


class Translator:
    def __init__(self, gm, sparse, input_names):
        self.gm = gm
        self.sparse = dict(sparse or {})
        self.used_sparse = set()
        self.input_names = input_names
        self.v = {}               # fx node -> Val, BoolMask or Python value
        self.vals = []            # every Val, in creation order
        self.leaves = {}          # qualified name -> leaf Val
        self.facts = Facts()
        self.names = set()
        self.outputs = []
        self.onehots = {}         # (index text, size, wrapped) -> one-hot leaf Val
        self.index_names = set()  # integer inputs and buffers
        self.expanded = {}        # (leaf qual, block) -> bcsr(block) leaf Val


    # ---- construction helpers ----

    def new(self, kind, shape, args, fill=0.0, **attrs):
        """A Val made by the node being translated (the dispatcher gives the
        node's final Val its PyTorch value)."""
        attrs.setdefault('node', self.node_name)
        v = Val(kind, shape, args, src=self.src, what=self.what, fill=fill, **attrs)
        self.vals.append(v)
        self.facts.add(v)
        return v

    def fail(self, msg):
        raise ExportError(self.src, msg)

    def use(self, x):
        """A fresh use of a leaf (see _Run.run_node); anything else as it is."""
        if isinstance(x, BoolMask):
            return BoolMask(self.use(x.leaf), x.negated, x.src)
        if not isinstance(x, Val) or x.kind != 'leaf':
            return x
        base = x.attrs.get('base', x)
        u = Val('leaf', x.shape, (), src=x.src, what=x.what, ref=x.ref, **dict(base.attrs, base=base))
        self.vals.append(u)
        self.facts.add(u)
        if base.attrs['fmt'] is not None:
            for d in range(u.rank):
                self.facts.single(u, d, x.src, "store tensor '%s' in its declared format %s"
                                  % (base.attrs['qual'], base.attrs['fmt'].text()))
        return u

    def param(self, mod, name):
        """Parameter `name` of the module being translated. Pruned by
        torch.nn.utils.prune, it is what the pruning hook computes before
        every forward, NAME_orig * NAME_mask; the mask is stored csr (a
        matrix; 'sparse' otherwise) unless sparse= declares it otherwise,
        so only the kept weights are stored and multiplied."""
        import torch.nn.utils.prune as prune
        qual = '%s.%s' % (self.mod_name, name)
        hooks = [h for h in mod._forward_pre_hooks.values()
                 if isinstance(h, prune.BasePruningMethod) and getattr(h, '_tensor_name', None) == name]
        if not hooks:
            return self.leaf(qual, getattr(mod, name), self.src)
        mask = getattr(mod, name + '_mask')
        if qual + '_mask' not in self.sparse:
            self.sparse[qual + '_mask'] = 'csr' if mask.dim() == 2 else 'sparse'
            self.used_sparse.add(qual + '_mask')
        orig = self.leaf(qual + '_orig', getattr(mod, name + '_orig'), self.src)
        return self.ew('mul', orig, self.leaf(qual + '_mask', mask, self.src))

    def leaf(self, qual, value, src):
        """The data of an input, parameter or buffer (qualified name `qual`),
        with its support and declared format; returns a use of it."""
        if qual in self.leaves:
            return self.use(self.leaves[qual])
        t = value
        if t.dtype not in (torch.float64, torch.float32, torch.float16, torch.bool):
            raise ExportError(src, "tensor '%s' has dtype %s; the exporter takes float and bool tensors"
                              % (qual, str(t.dtype).replace('torch.', '')))
        if t.layout == torch.sparse_coo:
            t = t.coalesce()
            where = tuple(t.indices().numpy())
            vals = t.values().double().numpy()
            default_fmt = 'csr' if t.dim() == 2 else 'sparse'
        elif t.layout == torch.sparse_csr:
            crow, col = t.crow_indices().numpy(), t.col_indices().numpy()
            where = (np.repeat(np.arange(t.shape[0]), np.diff(crow)), col)
            vals = t.values().double().numpy()
            default_fmt = 'csr'
        elif t.layout == torch.strided:
            where, vals, default_fmt = None, None, None
        else:
            raise ExportError(src, "tensor '%s' has layout %s, not supported" % (qual, t.layout))
        if where is None:
            dense = t.detach().double().numpy().copy()
            support = dense != 0
        else:   # a torch sparse tensor: its stored entries, explicit zeros too
            dense = np.zeros(t.shape, dtype=np.float64)
            support = np.zeros(t.shape, dtype=bool)
            dense[where] = vals
            support[where] = True
        fmt_text = self.sparse.get(qual, default_fmt)
        if qual in self.sparse:
            self.used_sparse.add(qual)
        fmt = None
        if fmt_text is not None:
            try:
                fmt = formats.parse(fmt_text, t.dim())
            except formats.FormatError as e:
                # a format for the dimensions of size > 1 (nanoGPT's [1, 1, T, T] causal buffer as csr)
                big = sum(n > 1 for n in t.shape)
                try:
                    fmt = formats.parse(fmt_text, big) if big != t.dim() else None
                except formats.FormatError:
                    fmt = None
                if fmt is None:
                    raise ExportError('', "sparse={'%s': ...}: %s" % (qual, e))
            if fmt.all_dense:
                fmt = None
        if np.isnan(dense).any():
            raise ExportError(src, "tensor '%s' holds NaN" % qual)
        v = Val('leaf', t.shape, (), src=src, what=qual, ref=dense, name=safe_name(qual, self.names),
                qual=qual, support=support, fmt=fmt, is_bool=t.dtype == torch.bool)
        self.leaves[qual] = v
        return self.use(v)

    # ---- the dispatcher ----

    def translate(self, n, result, args, kwargs):
        """The translation of fx node n, whose value on the example is
        `result`, given its arguments' translations."""
        self.src = source_of(n)
        self.node_name = n.name
        self.fx_node = n
        mod = self.gm.get_submodule(n.target) if n.op == 'call_module' else None
        self.mod_name = n.target if n.op == 'call_module' else None
        self.what = op_name(n, mod)
        if n.op == 'placeholder':
            if not isinstance(result, torch.Tensor):
                return result
            if result.dtype in INT_DTYPES and result.layout == torch.strided:
                self.index_names.add(n.target)
                return IndexData(result.numpy(), n.target, n.target)
            return self.leaf(n.target, result, '')   # no model line: errors name the op that reads it
        if n.op == 'get_attr':
            if isinstance(result, torch.Tensor):
                if result.dtype in INT_DTYPES and result.layout == torch.strided:
                    self.index_names.add(n.target)
                    return IndexData(result.numpy(), n.target, n.target)
                if result.dim() == 0:
                    return float(result)
                v = self.leaf(n.target, result, '')
                if n.target.startswith('_tensor_constant') and n.users:
                    # a tensor the model makes with sizes of the trace (torch.ones(E)): fx keeps it as a constant
                    v.attrs['base'].attrs.setdefault('describe', 'a constant %s the model makes, first read at %s' % (
                        'x'.join(map(str, result.shape)), source_of(next(iter(n.users))) or '?'))
                return v
            return result
        if n.op == 'output':
            outs = args[0]
            outs = list(outs) if isinstance(outs, (tuple, list)) else [outs]
            for o in outs:
                if isinstance(o, Zeros):
                    self.fail(_ZEROS_USE % ('the model output', o.src))
                if not isinstance(o, Val):
                    self.fail('the model returns %s; the exporter takes models that return tensors'
                              % type(o).__name__)
            self.outputs = outs
            return None
        if n.op == 'call_function' and n.target is getattr and len(args) == 2:
            if args[1] in SHAPE_OPS:
                return result
            if args[1] in ('T', 'mT') and isinstance(args[0], Val):
                op, args = 'attr_' + args[1], args[:1]
            else:
                self.fail('unsupported attribute .%s of a tensor' % args[1])
        elif n.op == 'call_method' and n.target in SHAPE_OPS:
            return result
        elif n.op == 'call_function' and n.target is operator.getitem:
            if isinstance(args[0], (tuple, list)) and any(isinstance(a, Val) for a in args[0]):
                return args[0][args[1]]         # q, k, v = x.split(...): one part
            if isinstance(args[0], IndexData):
                return self.index_rows(args[0], args[1], result)
            if isinstance(args[0], (Val, BoolMask, Expanding)):
                self.result = result
                first = len(self.vals)
                return self._with_ref(self.getitem(args[0], args[1]), result, first)
            return result
        else:
            if not any(isinstance(a, (Val, BoolMask, IndexData, Expanding, Ones, Zeros)) for a in _flat(args, kwargs)):
                if n.op == 'call_function' and n.target is torch.ones and isinstance(result, torch.Tensor):
                    return Ones(result.shape, self.src)
                if n.op == 'call_function' and n.target is torch.zeros and isinstance(result, torch.Tensor):
                    return Zeros(result.shape, self.src)
                # arithmetic on sizes and Python numbers: a constant of this trace
                if isinstance(result, torch.Tensor):
                    self.fail('%s creates a tensor inside the model; pass it as an input or register it as a '
                              'buffer' % self.what)
                return result
            table = {'call_function': FUNCTIONS, 'call_method': METHODS, 'call_module': MODULES}.get(n.op, {})
            op = table.get(type(mod) if mod is not None else n.target)
            if op is None:
                self.fail('unsupported operation %s: the exporter supports %s' % (self.what, SUPPORTED_TEXT))
            flat = _flat(args, kwargs)
            index_args = [a for a in flat if isinstance(a, IndexData)]
            if index_args:
                if op in INDEX_VIEWS and isinstance(args[0], IndexData) and isinstance(result, torch.Tensor) \
                        and result.dtype in INT_DTYPES:
                    # the same index data rearranged (pos.unsqueeze(0), idx.view(-1)): read at export too
                    same = op == 'cast' or tuple(result.shape) == args[0].value.shape
                    return IndexData(result.numpy(), args[0].text if same else '%s.%s' % (args[0].text, n.target
                                     if isinstance(n.target, str) else op), args[0].name)
                if op not in ('embedding', 'index_select', 'index_add', 'repeat_interleave', 'kron'):
                    self.fail("%s reads the integer tensor '%s': integer tensors are index data, read at export "
                              "and used only to gather (F.embedding, nn.Embedding, index_select, x[idx]); "
                              "compute any other use of them before export" % (self.what, index_args[0].text))
            for a in flat:
                if isinstance(a, Expanding) and op != 'repeat_interleave':
                    self.fail("%s reads '%s' repeated along dimension %d only (repeat_interleave at %s): the "
                              "exporter expands a block layout along both dimensions by the same B, which is a "
                              "bcsr(B) mask; repeat it along the other dimension too"
                              % (self.what, a.leaf.attrs['qual'], [d for d, r in enumerate(a.reps) if r > 1][0],
                                 a.src))
                if isinstance(a, Ones) and op != 'kron':
                    self.fail('%s reads torch.ones made at %s: the exporter takes torch.ones only as the block '
                              'of kron(layout, torch.ones(B, B)); register other constants as buffers'
                              % (self.what, a.src))
                if isinstance(a, Zeros) and (op != 'index_add' or a is not args[0]):
                    self.fail(_ZEROS_USE % (self.what, a.src))
            if op in ('repeat_interleave', 'kron', 'ones', 'zeros'):
                self.result = result
                first = len(self.vals)
                return self._with_ref(getattr(self, 'op_' + op)(*args, **kwargs), result, first)
        if isinstance(result, (tuple, list)) and op in PARTS_OPS:
            first = len(self.vals)
            self.result = result
            parts = getattr(self, 'op_' + op)(*args, **kwargs)
            return tuple(self._with_ref(p, r, first) for p, r in zip(parts, result))
        if isinstance(result, (tuple, list)):
            self.fail('%s returns several tensors; not supported' % self.what)
        if isinstance(result, torch.Tensor) and result.dtype == torch.bool:
            return self.boolean(op, args)
        if not isinstance(result, torch.Tensor):
            self.fail('%s turns a tensor into a Python value (%s): a traced value would be frozen at export'
                      % (self.what, type(result).__name__))
        if result.dim() == 0:
            self.fail('%s gives a 0-dimensional tensor; model results must have a dimension of size > 1'
                      % self.what)
        self.result = result
        first = len(self.vals)
        handler = getattr(self, 'op_' + op)
        out = handler(mod, *args, **kwargs) if mod is not None else handler(*args, **kwargs)
        return self._with_ref(out, result, first)

    def _with_ref(self, out, result, first):
        """out, given PyTorch's value when it is a Val made by this node."""
        if isinstance(out, Val):
            if out.shape != tuple(result.shape):
                raise AssertionError('%s: shape %s, PyTorch %s' % (self.what, out.shape, tuple(result.shape)))
            if out in self.vals[first:]:
                ref = result.to_dense() if result.layout != torch.strided else result
                # a copy: an in-place op later in the run (index_add_) would change it
                out.ref = ref.detach().double().numpy().copy()
        return out

    # ---- elementwise ----

    def _operand(self, x):
        """A tensor operand: a mask used as numbers is its leaf (1.0 where True)."""
        if isinstance(x, BoolMask):
            if x.negated:
                self.fail('%s uses a negated mask (~mask, mask == 0) as numbers: it is True where the sparse '
                          'mask stores nothing, which the model language cannot represent' % self.what)
            return x.leaf
        if isinstance(x, torch.Tensor):  # a constant tensor would have been a get_attr
            self.fail('%s takes a tensor that is not part of the traced model' % self.what)
        return x

    def ew(self, op, a, b):
        """a op b, with PyTorch's broadcasting; a or b may be a Python number."""
        a, b = self._operand(a), self._operand(b)
        for x in (a, b):
            if not isinstance(x, (Val, int, float)):
                self.fail('%s: operand of type %s is not supported' % (self.what, type(x).__name__))
        fill = 0.0
        masked = [x for x in (a, b) if isinstance(x, Val) and x.fill != 0.0]
        if masked:
            other = b if masked[0] is a else a
            ok = op in ('mul', 'div') and isinstance(other, (int, float)) and other > 0 and \
                not (op == 'div' and masked[0] is b)
            if not ok:
                self.fail("%s uses the result of masked_fill(..., -inf) made at %s; the exporter allows it "
                          "only as the input of softmax, possibly scaled by a positive constant first"
                          % (self.what, masked[0].src))
            fill = masked[0].fill
        vals = [x for x in (a, b) if isinstance(x, Val)]
        shape = torch.broadcast_shapes(*[x.shape for x in vals])
        v = self.new('ew', shape, [a, b], fill=fill, op=op)
        self._broadcast(v, vals)
        return v

    def _broadcast(self, v, operands):
        for x in operands:
            off = v.rank - x.rank
            for d in range(x.rank):
                if x.shape[d] == v.shape[d + off]:
                    self.facts.eq(x, d, v, d + off, self.src)
                elif x.shape[d] != 1:
                    raise AssertionError('broadcast %s %s' % (x.shape, v.shape))

    def un(self, op, x):
        x = self._operand(x)
        if x.fill != 0.0:
            self.fail("%s uses the result of masked_fill(..., -inf) made at %s; the exporter allows it only as "
                      "the input of softmax" % (self.what, x.src))
        v = self.new('un', x.shape, [x], op=op)
        self._broadcast(v, [x])
        return v

    def op_add(self, a, b, alpha=1):
        if alpha != 1:
            b = self.ew('mul', b, float(alpha))
        return self.ew('add', a, b)

    def op_sub(self, a, b, alpha=1):
        if alpha != 1:
            b = self.ew('mul', b, float(alpha))
        return self.ew('sub', a, b)

    def op_mul(self, a, b):
        return self.ew('mul', a, b)

    def op_div(self, a, b, rounding_mode=None):
        if rounding_mode is not None:
            self.fail('%s with rounding_mode=%r is not supported' % (self.what, rounding_mode))
        return self.ew('div', a, b)

    def op_neg(self, x):
        return self.un('neg', x)

    def op_relu(self, *a, **k):
        return self.un('relu', a[1] if isinstance(a[0], nn.Module) else a[0])

    def op_sigmoid(self, *a, **k):
        return self.un('sigmoid', a[1] if isinstance(a[0], nn.Module) else a[0])

    def op_exp(self, x):
        return self.un('exp', x)

    def op_log(self, x):
        return self.un('log', x)

    def op_tanh(self, *a, **k):
        return self.un('tanh', a[1] if isinstance(a[0], nn.Module) else a[0])

    def op_erf(self, x):
        return self.un('erf', x)

    def op_rsqrt(self, x):
        return self.un('rsqrt', x)

    def op_sqrt(self, x):
        return self.un('sqrt', x)

    def op_square(self, x):
        return self.un('square', x)

    def op_pow(self, x, p):
        if not isinstance(p, (int, float)):
            self.fail('%s with a tensor exponent is not supported' % self.what)
        table = {2: 'square', 0.5: 'sqrt', -0.5: 'rsqrt'}
        if p in table:
            return self.un(table[p], x)
        if p == 1:
            return self._operand(x)
        if p == -1:
            return self.ew('div', 1.0, x)
        self.fail('%s with exponent %g: the exporter takes the exponents 2, 1, 0.5, -0.5 and -1' % (self.what, p))

    def op_gelu(self, *a, approximate='none'):
        if isinstance(a[0], nn.Module):
            x, approximate = a[1], a[0].approximate
        else:
            x = a[0]
            if len(a) > 1:
                approximate = a[1]
        if approximate == 'none':
            return self.un('gelu', x)       # the language's gelu: x * Phi(x), with erf
        if approximate != 'tanh':
            self.fail("%s(approximate=%r): PyTorch takes 'none' or 'tanh'" % (self.what, approximate))
        return self.un('gelu_tanh', x)

    def op_dropout(self, *a, p=0.5, training=True, inplace=False):
        if isinstance(a[0], nn.Module):
            return self._operand(a[1])     # traced after .eval(): identity
        x = a[0]
        if len(a) > 1:
            p = a[1]
        if len(a) > 2:
            training = a[2]
        if training and p > 0:
            self.fail('%s with training=True is random; write F.dropout(x, p, training=self.training) and '
                      'export the model in eval mode (the exporter calls .eval())' % self.what)
        return self._operand(x)

    def op_identity(self, *a, **k):
        return self._operand(a[1] if isinstance(a[0], nn.Module) else a[0])

    def op_cast(self, x, *a, **k):
        if self.result.dtype not in (torch.float32, torch.float64, torch.float16):
            self.fail('%s to %s: the exporter computes in fixed point and takes float tensors'
                      % (self.what, self.result.dtype))
        return self._operand(x)

    # ---- booleans (masks) ----

    def boolean(self, op, args):
        """A boolean tensor: only masks made from a sparse leaf (see BoolMask)."""
        a = args[0]
        if op == 'invert' and isinstance(a, (Val, BoolMask)):
            m = a if isinstance(a, BoolMask) else self._as_mask(a, '!= 0')
            return BoolMask(m.leaf, not m.negated, self.src)
        if op in ('eq', 'ne', 'gt') and isinstance(a, (Val, BoolMask)) and isinstance(args[1], (int, float, bool)):
            c = float(args[1])
            under = a.leaf if isinstance(a, BoolMask) else a
            while under.kind == 'window':
                under = under.args[0]
            is_bool = under.attrs.get('is_bool')
            # the comparisons that are "stored" or "not stored"
            keeps = {('ne', 0.0): '!= 0', ('gt', 0.0): '> 0', ('eq', 1.0): '== 1' if is_bool else None}
            drops = {('eq', 0.0): '!= 0', ('ne', 1.0): '== 1' if is_bool else None}
            for table, negate in ((keeps, False), (drops, True)):
                test = table.get((op, c))
                if test:
                    m = a if isinstance(a, BoolMask) else self._as_mask(a, test)
                    return BoolMask(m.leaf, m.negated != negate, self.src)
        if op in ('bool', 'cast') and isinstance(a, (Val, BoolMask)):
            return a if isinstance(a, BoolMask) else self._as_mask(a, '!= 0')
        self.fail('%s computes a boolean tensor the exporter cannot map to a sparse mask (it takes a mask '
                  'input or buffer, ~mask, mask == 0, mask != 0 and mask > 0)' % self.what)

    def _as_mask(self, v, test):
        """Leaf v as a mask: True exactly where it stores entries, which must
        be where `test` ('!= 0', '> 0', '== 1') holds."""
        chain = []             # a slice of a mask (nanoGPT's bias[:, :, :T, :T]): windows of the leaf
        leaf = v
        while leaf.kind == 'window':
            chain.append(leaf)
            leaf = leaf.args[0]
        if leaf.kind != 'leaf':
            self.fail('%s: only an input or buffer (declared sparse), or a slice of one, can be a mask, not a '
                      'computed tensor' % self.what)
        ref, sup = leaf.ref, leaf.attrs['support']
        for w in reversed(chain):
            cut = tuple(slice(w.attrs['off'], w.attrs['off'] + w.shape[d]) if d == w.attrs['dim'] else slice(None)
                        for d in range(w.rank))
            ref, sup = ref[cut], sup[cut]
        if chain:
            v.attrs.setdefault('qual', '%s (a slice of it)' % leaf.attrs['qual'])
        holds = {'!= 0': ref != 0, '> 0': ref > 0, '== 1': ref == 1}[test]
        if not np.array_equal(holds, sup):
            self.fail("%s: '%s %s' is not the set of entries '%s' stores, so it cannot be its mask"
                      % (self.what, leaf.attrs['qual'], test, leaf.attrs['qual']))
        return BoolMask(v, False, self.src)

    def op_masked_fill(self, x, cond, value):
        x = self._operand(x)
        if isinstance(value, Val):
            self.fail('%s with a tensor fill value is not supported' % self.what)
        if isinstance(cond, Val):
            cond = self._as_mask(cond, '!= 0')
        if not isinstance(cond, BoolMask):
            self.fail('%s: the condition must be a mask input or buffer' % self.what)
        if not cond.negated:
            self.fail("%s fills where its condition is True, which here is where the sparse mask '%s' stores "
                      "entries; the exporter keeps a mask's stored entries and fills the rest: write "
                      "masked_fill(~mask, ...) or masked_fill(mask == 0, ...)" % (self.what, cond.leaf.attrs['qual']))
        value = float(value)
        if value == 0.0:
            fill = 0.0
        elif value <= NEG_INF_FILL:
            fill = -math.inf
        else:
            self.fail('%s with value %g: the exporter fills with 0, or with -inf (or a value <= %g) in front of '
                      'softmax' % (self.what, value, NEG_INF_FILL))
        if x.fill != 0.0:
            self.fail('%s of a tensor that is already masked with -inf is not supported' % self.what)
        m = cond.leaf
        v = self.new('mask', torch.broadcast_shapes(m.shape, x.shape), [m, x], fill=fill)
        self._broadcast(v, [m, x])
        return v

    # ---- views ----

    def _view(self, kind, x, shape, **attrs):
        return self.new(kind, shape, [x], fill=x.fill, **attrs)

    def op_permute(self, x, *dims):
        x = self._operand(x)
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = dims[0]
        perm = [d % x.rank for d in dims]
        v = self._view('permute', x, [x.shape[p] for p in perm], perm=perm)
        for d, p in enumerate(perm):
            self.facts.eq(v, d, x, p, self.src)
        return v

    def op_transpose(self, x, d0, d1):
        perm = list(range(x.rank))
        d0, d1 = d0 % x.rank, d1 % x.rank
        perm[d0], perm[d1] = perm[d1], perm[d0]
        return self.op_permute(x, perm)

    def op_t(self, x):
        return self.op_permute(x, list(reversed(range(x.rank))))

    op_attr_T = op_t

    def op_attr_mT(self, x):
        return self.op_transpose(x, -2, -1)

    def op_reshape(self, x, *shape, **k):
        x = self._operand(x)
        if tuple(self.result.shape) == x.shape:
            return x
        v = self._view('reshape', x, self.result.shape)
        self.facts.reshape(v, x, self.src)
        return v

    op_flatten = op_unsqueeze = op_squeeze = op_reshape_as = op_reshape

    def op_expand(self, x, *a, **k):
        x = self._operand(x)
        if tuple(self.result.shape) == x.shape:
            return x
        v = self._view('expand', x, self.result.shape)
        self._broadcast(v, [x])
        return v

    op_expand_as = op_expand

    # ---- products and reductions ----

    def op_matmul(self, a, b):
        """matmul's rules: a vector operand is a row (left) or a column
        (right); batch dimensions broadcast. As einsum letters: the result's
        dimensions are 0..r-1, the summed one r, None a broadcast size 1."""
        a, b = self._operand(a), self._operand(b)
        if not isinstance(a, Val) or not isinstance(b, Val):
            self.fail('%s needs two tensors' % self.what)
        for x in (a, b):
            if x.fill != 0.0:
                self.fail("%s uses the result of masked_fill(..., -inf) made at %s; apply softmax first"
                          % (self.what, x.src))
        if a.rank == 1 and b.rank == 1:
            self.fail('%s of two vectors gives a scalar; not supported' % self.what)
        out = tuple(torch.matmul(torch.empty(a.shape, device='meta'), torch.empty(b.shape, device='meta')).shape)
        r = len(out)
        la, lb = [None] * a.rank, [None] * b.rank
        if a.rank == 1:
            la[0], lb[-2], lb[-1] = r, r, r - 1
            for d in range(b.rank - 2):
                lb[d] = d if b.shape[d] == out[d] else None
        elif b.rank == 1:
            lb[0], la[-1], la[-2] = r, r, r - 1
            for d in range(a.rank - 2):
                la[d] = d if a.shape[d] == out[d] else None
        else:
            la[-1], la[-2] = r, r - 2
            lb[-2], lb[-1] = r, r - 1
            for x, lx in ((a, la), (b, lb)):
                off = (r - 2) - (x.rank - 2)
                for d in range(x.rank - 2):
                    lx[d] = d + off if x.shape[d] == out[d + off] and out[d + off] != 1 else None
        v = self.new('contract', out, [a, b], letters=(la, lb))
        for x, lx in ((a, la), (b, lb)):
            for d, l in enumerate(lx):
                if l is not None and l < r:
                    self.facts.eq(x, d, v, l, self.src)
        self.facts.eq(a, la.index(r), b, lb.index(r), self.src)
        return v

    def op_linear(self, *a, **k):
        if isinstance(a[0], nn.Module):
            mod, x = a
            w = self.param(mod, 'weight')
            bias = self.param(mod, 'bias') if mod.bias is not None else None
        else:
            x, w = a[0], a[1]
            bias = a[2] if len(a) > 2 else k.get('bias')
        y = self.op_matmul(x, self.op_t(self._operand(w)))
        return y if bias is None else self.ew('add', y, bias)

    def op_addmm(self, bias, m1, m2, beta=1, alpha=1, _product=None):
        """addmm, baddbmm, addbmm: beta*bias + alpha*(product); beta=0 ignores
        bias, as PyTorch does (even a NaN in it)."""
        p = (_product or self.op_matmul)(m1, m2)
        if alpha != 1:
            p = self.ew('mul', p, float(alpha))
        if beta == 0:
            return p
        if beta != 1:
            bias = self.ew('mul', bias, float(beta))
        return self.ew('add', bias, p)

    op_baddbmm = op_addmm

    def op_addbmm(self, bias, b1, b2, beta=1, alpha=1):
        return self.op_addmm(bias, b1, b2, beta, alpha, _product=self._batch_sum_product)

    def _batch_sum_product(self, a, b):
        """sum over the batch of a[b] @ b[b] (addbmm's product): two summed indices."""
        return self._einsum('bij,bjk->ik', [a, b])

    def op_einsum(self, equation, *operands):
        if len(operands) == 1 and isinstance(operands[0], (tuple, list)):
            operands = operands[0]
        return self._einsum(equation, list(operands))

    def _einsum(self, equation, operands):
        """einsum with one or two operands and no repeated letter within an
        operand (a diagonal): a product (a 'contract' Val whose letters >= its
        rank are summed), or for one operand a sum and a permutation. '...'
        stands for the leading dimensions, aligned from the right; size-1
        dimensions broadcast, as in PyTorch."""
        eq = equation.replace(' ', '')
        lhs, arrow, rhs = eq.partition('->')
        terms = lhs.split(',')
        ops = [self._operand(x) for x in operands]
        if '...' in eq:
            # fresh capital letters for the dimensions '...' covers, the
            # rightmost shared by every operand (broadcasting aligns them)
            pool = [c for c in 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' if c not in eq]
            if len(terms) != len(ops) or not all(isinstance(x, Val) for x in ops):
                self.fail("%s('%s'): expected one tensor per operand" % (self.what, equation))
            cover = [x.rank - (len(t) - 3) if '...' in t else 0 for t, x in zip(terms, ops)]
            width = max(0, max(cover))
            ell = ''.join(pool[:width])
            terms = [t.replace('...', ell[width - n:] if n > 0 else '') for t, n in zip(terms, cover)]
            lhs = ','.join(terms)
            rhs = rhs.replace('...', ell) if arrow else rhs
            if not arrow:
                rhs = ell + ''.join(sorted(c for c in set(lhs) if c != ',' and c not in ell and lhs.count(c) == 1))
        elif not arrow:
            rhs = ''.join(sorted(c for c in set(lhs) if c != ',' and lhs.count(c) == 1))
        if '.' in lhs + rhs:
            self.fail("%s('%s'): a malformed '...'" % (self.what, equation))
        if len(terms) != len(ops) or not 1 <= len(ops) <= 2 or not all(isinstance(x, Val) for x in ops):
            self.fail("%s('%s') with %d operands: the exporter takes one or two tensors (write a chain of "
                      "products as several)" % (self.what, equation, len(ops)))
        for x in ops:
            if x.fill != 0.0:
                self.fail("%s uses the result of masked_fill(..., -inf) made at %s; apply softmax first"
                          % (self.what, x.src))
        size = {}
        for t, x in zip(terms, ops):
            if len(t) != x.rank or len(set(t)) != len(t):
                self.fail("%s('%s'): operand '%s' of shape %s: each operand needs one distinct letter per "
                          "dimension (no diagonals)" % (self.what, equation, t, list(x.shape)))
            for c, n in zip(t, x.shape):
                if n != 1:
                    size[c] = n
        if len(set(rhs)) != len(rhs):
            self.fail("%s('%s'): a letter repeated in the output" % (self.what, equation))
        out = tuple(self.result.shape)
        R = len(rhs)
        sums = [c for c in dict.fromkeys(lhs.replace(',', '')) if c not in rhs]
        letter = {c: i for i, c in enumerate(rhs)}
        letter.update({c: R + i for i, c in enumerate(sums)})
        lets = [[letter[c] if n == size.get(c, 1) else None for c, n in zip(t, x.shape)]
                for t, x in zip(terms, ops)]
        if len(ops) == 1:
            x = ops[0]
            red = [d for d, c in enumerate(terms[0]) if c not in rhs]
            if red:
                kept = [c for c in terms[0] if c in rhs]
                x = self._reduce(x, red, False, False, shape=[x.shape[terms[0].index(c)] for c in kept])
            else:
                kept = list(terms[0])
            perm = [kept.index(c) for c in rhs]
            return x if perm == list(range(len(perm))) else self.op_permute(x, perm)
        a, b = ops
        v = self.new('contract', out, [a, b], letters=tuple(lets))
        for x, lx in zip(ops, lets):
            for d, l in enumerate(lx):
                if l is not None and l < R:
                    self.facts.eq(x, d, v, l, self.src)
        for l in range(R, R + len(sums)):
            if l in lets[0] and l in lets[1]:
                self.facts.eq(a, lets[0].index(l), b, lets[1].index(l), self.src)
        return v

    # ---- gathers: integer index tensors ----

    def index_rows(self, data, index, result):
        """edge_index[0], idx[:, 1]: index data selected by constants is
        index data (read at export like the rest)."""
        if any(isinstance(i, (Val, BoolMask, IndexData)) for i in _flat((index,), {})):
            self.fail("indexing the integer tensor '%s' by a tensor: index tensors are data the exporter "
                      "reads at export; select them before export" % data.text)
        text = '%s[%s]' % (data.text, _index_text(index))
        name = '%s_%s' % (data.name, '_'.join(re.findall(r'\d+', _index_text(index))) or 'rows')
        return IndexData(result.numpy(), text, name)

    def getitem(self, x, index):
        """x[...] with None, '...', slices of constant bounds and step 1,
        integers, and at most one integer index tensor: each slice is a
        window (Translator.window), an integer or a slice of one entry a
        gather by a one-entry index (the model language has no constant
        coordinate; the product by a one-hot row is exact), an index tensor
        a gather along its dimension; None and dropped dimensions a
        reshape that only adds or removes size-1 dimensions."""
        items = list(index) if isinstance(index, tuple) else [index]
        # a list of integers (x[:, [-1], :]) is constant index data
        items = [IndexData(np.array(i, dtype=np.int64), str(i), 'list_' + '_'.join(str(abs(j)) for j in i))
                 if isinstance(i, list) and i and all(isinstance(j, int) and not isinstance(j, bool) for j in i)
                 else i for i in items]
        if any(isinstance(i, (Val, BoolMask)) for i in items):
            self.fail('indexing a tensor by a boolean or float tensor (tensor[mask]) is not supported: its '
                      'result has a shape that depends on the data; use masked_fill or multiply by the mask')
        self.what = 'tensor[%s]' % _index_text(index)
        ok = all(i is None or i is Ellipsis or isinstance(i, (slice, IndexData)) or
                 isinstance(i, int) and not isinstance(i, bool) for i in items)
        at = [k for k, i in enumerate(items) if isinstance(i, IndexData)]
        if not isinstance(x, Val) or not ok or sum(i is Ellipsis for i in items) > 1 or len(at) > 1 or \
                at and any(isinstance(i, int) for i in items):
            self.fail('indexing a tensor by %s is not supported: the exporter takes None, ..., slices with '
                      'constant bounds and step 1, integers, and one integer index tensor (x[idx], x[:, idx])'
                      % _index_text(index))
        real = sum(1 for i in items if i is not None and i is not Ellipsis)
        if real > x.rank:
            self.fail('%s: too many indices for a tensor of %d dimensions' % (self.what, x.rank))
        per_dim = []           # what indexes each dimension of x, in order
        for i in items:
            if i is Ellipsis:
                per_dim += [slice(None)] * (x.rank - real)
            elif i is not None:
                per_dim.append(i)
        per_dim += [slice(None)] * (x.rank - len(per_dim))
        cur = self._operand(x)
        if cur.fill != 0.0:
            self.fail("%s uses the result of masked_fill(..., -inf) made at %s; apply softmax first"
                      % (self.what, cur.src))
        gather_at = None
        for d, i in enumerate(per_dim):
            n = x.shape[d]
            if isinstance(i, slice):
                for b in (i.start, i.stop, i.step):
                    if b is not None and (not isinstance(b, int) or isinstance(b, bool)):
                        self.fail('%s: a slice bound of type %s; the exporter takes constant integers'
                                  % (self.what, type(b).__name__))
                if i.step not in (None, 1):
                    self.fail('%s: a slice with step %d reads one coordinate in %d, which no window (a run of '
                              'consecutive coordinates) is; the exporter takes step 1' % (self.what, i.step, i.step))
                start, stop, _ = i.indices(n)
                if stop <= start:
                    self.fail('%s: an empty slice of dimension %d' % (self.what, d))
                cur = self.part(cur, d, start, stop - start)
            elif isinstance(i, IndexData):
                gather_at = (d, i)
            else:
                if not -n <= i < n:
                    self.fail('%s: index %d is out of range for dimension %d of size %d' % (self.what, i, d, n))
                cur = self.part(cur, d, i % n, 1)
        if gather_at is not None:
            cur = self.gather(cur, gather_at[0], gather_at[1], wrap=True)
        return self._reshape_to(cur, self.result.shape)

    def _reshape_to(self, x, shape):
        """x as `shape` with the same elements in the same order (a view)."""
        if tuple(shape) == x.shape:
            return x
        v = self._view('reshape', x, shape)
        self.facts.reshape(v, x, self.src)
        return v

    def window(self, x, dim, off, n):
        """Coordinates off .. off+n-1 of dimension dim of x: a view, read
        through an offset (docs/language.md, "Offsets"), never copied."""
        shape = list(x.shape)
        shape[dim] = n
        v = self._view('window', x, shape, dim=dim, off=off)
        for d in range(x.rank):
            if d != dim:
                self.facts.eq(v, d, x, d, self.src)
        self.facts.shift(v, dim, x, dim, off, self.src)
        return v

    def part(self, x, dim, off, n):
        """x restricted to coordinates off .. off+n-1 of dim, dim kept: x
        itself, a window, or for one coordinate a gather by a one-entry
        index (a window of size 1 would be a size-1 index, which the
        language does not have)."""
        if n == x.shape[dim]:
            return x
        if n == 1:
            return self.gather(x, dim, IndexData(np.array([off]), '[%d]' % off, 'at%d' % off), wrap=False)
        return self.window(x, dim, off, n)

    def _parts(self, x, dim, sizes):
        x = self._operand(x)
        if not isinstance(x, Val) or x.fill != 0.0:
            self.fail('%s of something that is not a tensor computed without a -inf mask' % self.what)
        d = dim % x.rank
        out, off = [], 0
        for n in sizes:
            out.append(self.part(x, d, off, n))
            off += n
        return out

    def op_split(self, x, split_size_or_sections, dim=0):
        return self._parts(x, dim, [r.shape[dim] for r in self.result])

    def op_chunk(self, x, chunks, dim=0):
        return self._parts(x, dim, [r.shape[dim] for r in self.result])

    def op_narrow(self, x, dim, start, length):
        x = self._operand(x)
        d = dim % x.rank
        return self._parts(x, d, [start % x.shape[d], length])[1] if start % x.shape[d] else \
            self._parts(x, d, [length])[0]

    def op_unbind(self, x, dim=0):
        """unbind(dim): each coordinate of dim (a gather by a one-entry
        index, see part), the dimension dropped."""
        x = self._operand(x)
        d = dim % x.rank
        return [self._reshape_to(p, r.shape) for p, r in zip(self._parts(x, d, [1] * x.shape[d]), self.result)]

    def op_cat(self, tensors, dim=0, out=None, _shape=None):
        """torch.cat: each operand placed at its offset along dim (Val kind
        place): Y[.., j] = A[.., j + 0] + B[.., j - nA] -- the parts do not
        meet, so each entry is exactly its operand's (absent + x is x)."""
        xs = [self._operand(t) for t in tensors]
        if not xs or not all(isinstance(t, Val) for t in xs):
            self.fail('%s takes tensors computed by the model' % self.what)
        for t in xs:
            if t.fill != 0.0:
                self.fail("%s uses the result of masked_fill(..., -inf) made at %s; apply softmax first"
                          % (self.what, t.src))
        shape = tuple(self.result.shape) if _shape is None else _shape
        rank = len(shape)
        d = dim % rank
        if len(xs) == 1:
            return xs[0]
        if len(xs) > MAX_PLACE:
            # fuseflow merges at most 4 operands at an index in one
            # statement: the first ones are a cat of their own (stored)
            head = self.op_cat(xs[:MAX_PLACE], d, _shape=tuple(
                sum(t.shape[d] for t in xs[:MAX_PLACE]) if k == d else n for k, n in enumerate(xs[0].shape)))
            xs = [head] + xs[MAX_PLACE:]
            return self.op_cat(xs, d, _shape=_shape)
        offs, o = [], 0
        for t in xs:
            if t.rank != rank:
                self.fail('%s of tensors of different ranks' % self.what)
            offs.append([o if k == d else 0 for k in range(rank)])
            o += t.shape[d]
        v = self.new('place', shape, xs, offs=offs, covers=True)
        self._place(v, xs, offs)
        return v

    def op_stack(self, tensors, dim=0, out=None):
        """torch.stack: each operand with a size-1 dimension added at dim,
        then cat along it (each placed by a one-hot vector, see _place)."""
        xs = [self._operand(t) for t in tensors]
        if not xs or not all(isinstance(t, Val) for t in xs):
            self.fail('%s takes tensors computed by the model' % self.what)
        d = dim % len(self.result.shape)
        return self.op_cat([self._reshape_to(t, t.shape[:d] + (1,) + t.shape[d:]) for t in xs], d)

    def op_hstack(self, tensors):
        return self.op_cat(tensors, 1 if len(self.result.shape) > 1 else 0)

    def op_vstack(self, tensors):
        if any(isinstance(t, Val) and t.rank < 2 for t in tensors):
            self.fail('%s of vectors stacks them as rows of size 1; the exporter places parts along an existing '
                      'dimension (torch.cat), and the model language has no constant coordinate to put a vector '
                      'in one row' % self.what)
        return self.op_cat(tensors, 0)

    def _place(self, v, xs, offs):
        """The factor constraints of a place; an operand of size 1 along a
        dimension of the result has no index there, and is placed by the
        one-hot vector of its coordinate (e[j] * x, exact: a mul by the
        word 1), as a gather is (the language has no constant coordinate)."""
        v.attrs['hots'] = []
        for t, off in zip(xs, offs):
            hots = {}
            for k in range(v.rank):
                if t.shape[k] == 1 and v.shape[k] > 1:
                    hots[k] = self.onehot(IndexData(np.array([off[k]]), '[%d]' % off[k], 'at%d' % off[k]),
                                          v.shape[k], False)
                    self.facts.eq(hots[k], 1, v, k, self.src)
                elif off[k] == 0 and t.shape[k] == v.shape[k]:
                    self.facts.eq(t, k, v, k, self.src)
                else:
                    self.facts.shift(t, k, v, k, off[k], self.src)
            v.attrs['hots'].append(hots)

    def op_pad(self, *a, **k):
        """F.pad(x, pad) in mode 'constant' with value 0 (nn.ZeroPad2d,
        nn.ConstantPadNd with value 0): x placed at the left pads (Val kind
        place), absent (0) around it; a negative pad crops."""
        if isinstance(a[0], nn.Module):
            mod, x = a[0], a[1]
            pad, mode, value = list(mod.padding), 'constant', getattr(mod, 'value', 0.0)
        else:
            x, pad = a[0], list(a[1] if len(a) > 1 else k['pad'])
            mode = a[2] if len(a) > 2 else k.get('mode', 'constant')
            value = a[3] if len(a) > 3 else k.get('value', None)
        x = self._operand(x)
        if mode != 'constant':
            self.fail("%s with mode=%r reads %s coordinates of the input, which no window (a shift of a mode) "
                      "is; the exporter takes mode='constant' with value 0"
                      % (self.what, mode, {'reflect': 'mirrored', 'replicate': 'repeated edge',
                                           'circular': 'wrapped'}.get(mode, 'other')))
        if value not in (None, 0, 0.0):
            self.fail('%s with value %g: a padded entry is absent from the padded tensor, which means 0; the '
                      'exporter takes value 0 (add the constant inside a mask, or pad a tensor that is 0 there)'
                      % (self.what, value))
        if not isinstance(x, Val) or x.fill != 0.0:
            self.fail('%s of something that is not a tensor computed without a -inf mask' % self.what)
        off = [0] * x.rank
        for i in range(len(pad) // 2):
            off[x.rank - 1 - i] = pad[2 * i]
        if tuple(self.result.shape) == x.shape and not any(off):
            return x
        covers = all(p <= 0 for p in pad)
        v = self.new('place', self.result.shape, [x], offs=[off], covers=covers)
        self._place(v, [x], [off])
        return v

    def op_embedding(self, *a, **k):
        """F.embedding(idx, W) and nn.Embedding: rows of W. padding_idx,
        scale_grad_by_freq and sparse change only the gradient; max_norm
        rewrites W in place during the forward, which is refused."""
        if isinstance(a[0], nn.Module):
            mod, idx = a[0], a[1]
            w = self.param(mod, 'weight')
            max_norm = mod.max_norm
        else:
            idx, w = a[0], a[1]
            max_norm = a[3] if len(a) > 3 else k.get('max_norm')
        if max_norm is not None:
            self.fail('%s with max_norm=%g renormalises the rows of the weight in place during the forward (the '
                      'model changes each time it runs); export without max_norm, with the weight renormalised '
                      'beforehand' % (self.what, max_norm))
        if not isinstance(idx, IndexData):
            self.fail('%s: the indices must be an integer tensor input or buffer' % self.what)
        return self.gather(w, 0, idx, wrap=False)

    def op_index_select(self, x, dim, index):
        if not isinstance(index, IndexData):
            self.fail('%s: the index must be an integer tensor input or buffer' % self.what)
        x = self._operand(x)
        return self.gather(x, dim % x.rank, index, wrap=False)

    def gather(self, x, dim, idx, wrap):
        """x gathered along dim by the integer tensor idx: the product
        sum[v](P[t.., v] * x[.., v, ..]) with P the one-hot matrix of idx
        (P[t, idx[t]] = 1, stored d..dc: its last level's coordinates are
        idx itself). Multiplying by 1 and summing one term are exact in fixed
        point, so the result is x's entries exactly (docs/torch.md, Gathers)."""
        x = self._operand(x)
        if not isinstance(x, Val):
            self.fail('%s gathers from something that is not a tensor' % self.what)
        if x.fill != 0.0:
            self.fail("%s uses the result of masked_fill(..., -inf) made at %s; apply softmax first"
                      % (self.what, x.src))
        n = x.shape[dim]
        ind = idx.value
        if ind.size == 0:
            self.fail("%s with the empty index tensor '%s' is not supported" % (self.what, idx.text))
        bad = (ind >= n) | (ind < (-n if wrap else 0))
        if bad.any():
            self.fail("%s: index %d of '%s' is out of range for dimension %d of size %d"
                      % (self.what, int(ind[bad].flat[0]), idx.text, dim, n))
        wrapped = bool((ind < 0).any())
        if wrapped:
            ind = np.where(ind < 0, ind + n, ind)
        p = self.onehot(IndexData(ind, idx.text, idx.name), n, wrapped)
        ri = ind.ndim
        out = x.shape[:dim] + ind.shape + x.shape[dim + 1:]
        r = len(out)
        lp = list(range(dim, dim + ri)) + [r]
        lx = list(range(dim)) + [r] + list(range(dim + ri, r))
        v = self.new('contract', out, [p, x], letters=(lp, lx), gather=True)
        for y, ly in ((p, lp), (x, lx)):
            for d, l in enumerate(ly):
                if l < r:
                    self.facts.eq(y, d, v, l, self.src)
        self.facts.eq(p, ri, x, dim, self.src)
        return v

    def op_zeros(self, *a, **k):
        return Zeros(self.result.shape, self.src)

    def op_index_add(self, x, dim, index, source, alpha=1):
        """x.index_add(dim, idx, source): x plus the scatter-add of source's
        slices into the slices idx names, sum[e](S[e, n] * source[e, ..])
        with S the one-hot matrix of idx: messages summed per destination,
        each multiplied by the word 1 (exact), the sums exact. In place
        (index_add_) only on zeros made for it, used through its value."""
        if not isinstance(index, IndexData):
            self.fail('%s: the index must be an integer tensor input or buffer' % self.what)
        if index.value.ndim != 1:
            self.fail('%s: the index must be a vector' % self.what)
        target = self.fx_node.args[0] if self.fx_node.args else None
        if self.what.endswith('_') and isinstance(target, fx.Node) and (
                len(target.users) > 1 or not self.fx_node.users or target.op == 'get_attr' and any(
                    m is not target and m.op == 'get_attr' and m.target == target.target
                    for m in self.gm.graph.nodes)):
            self.fail('%s changes a tensor in place that the model reads again, which fx does not record; use '
                      'the value it returns: out = torch.zeros(...).index_add_(0, index, source), or '
                      'out = x.index_add(0, index, source)' % self.what)
        if isinstance(x, Val) and x.kind == 'leaf' and x.attrs['fmt'] is None and not x.ref.any():
            x = Zeros(x.shape, self.src)   # torch.zeros(n, d) with sizes of the trace: a constant
        src = self._operand(source)
        if not isinstance(src, Val) or src.fill != 0.0:
            self.fail('%s: the source must be a tensor computed without a -inf mask' % self.what)
        rank = len(self.result.shape)
        dim %= rank
        n = self.result.shape[dim]
        ind = index.value
        if ((ind < 0) | (ind >= n)).any():
            self.fail("%s: index %d of '%s' is out of range for dimension %d of size %d"
                      % (self.what, int(ind[(ind < 0) | (ind >= n)][0]), index.text, dim, n))
        if src.rank != rank or src.shape[dim] != ind.size:
            self.fail('%s: source of shape %s for an index of %d entries' % (self.what, list(src.shape), ind.size))
        s = self.onehot(index, n, False)
        ls = [rank, dim]
        lx = list(range(dim)) + [rank] + list(range(dim + 1, rank))
        v = self.new('contract', self.result.shape, [s, src], letters=(ls, lx), gather=True)
        self.facts.eq(s, 1, v, dim, self.src)
        self.facts.eq(s, 0, src, dim, self.src)
        for d in range(rank):
            if d != dim:
                self.facts.eq(src, d, v, d, self.src)
        if alpha != 1:
            v = self.ew('mul', v, float(alpha))
        return v if isinstance(x, Zeros) else self.ew('add', x, v)

    def onehot(self, idx, n, wrapped):
        """A use of the one-hot leaf of idx over n coordinates: shape
        idx.shape + (n,), 1 at (t.., idx[t..]), stored dense in idx's modes and
        compressed in the last (csr for a vector idx), so the stored
        coordinates of its last level are idx's values in order."""
        key = (idx.text, n, wrapped)
        if key in self.onehots:
            return self.use(self.onehots[key])
        ind = idx.value
        flat = ind.reshape(-1)
        dense = np.zeros((flat.size, n))
        dense[np.arange(flat.size), flat] = 1.0
        dense = dense.reshape(ind.shape + (n,))
        kept = [m for m in dense.shape if m > 1]
        fmt = None
        if n > 1:
            fmt = formats.parse('d' * (len(kept) - 1) + 'c', len(kept))
        qual = '%s one-hot' % idx.text
        v = Val('leaf', dense.shape, (), src=self.src, what=qual, ref=dense,
                name=safe_name(idx.name + '_onehot', self.names), qual=qual, support=dense != 0, fmt=fmt,
                is_bool=False, synthetic=True, describe='one-hot rows of %s over %d (its stored coordinates are %s%s)'
                % (idx.text, n, idx.text, ', the negative ones + %d' % n if wrapped else ''))
        self.onehots[key] = v
        return self.use(v)

    # ---- block layouts expanded into masks ----

    def op_repeat_interleave(self, x, repeats=None, dim=None, output_size=None):
        """layout.repeat_interleave(B, dim=0).repeat_interleave(B, dim=1):
        a coarse layout (an input, parameter or buffer) expanded into B x B
        blocks, which is the layout stored bcsr(B) (expand_blocks)."""
        if not isinstance(repeats, int) or isinstance(repeats, bool):
            self.fail('%s with repeats given as a tensor: the exporter expands by one Python integer, the '
                      'same for every entry' % self.what)
        if dim is None:
            self.fail('%s without dim flattens the tensor; give dim=' % self.what)
        if isinstance(x, Expanding):
            leaf, reps = x.leaf, list(x.reps)
        else:
            leaf = self._layout_leaf(x)
            reps = [1] * leaf.rank
        if leaf.rank != 2:
            self.fail("%s of '%s' of shape %s: the exporter expands 2-D block layouts (a bcsr(B) mask)"
                      % (self.what, leaf.attrs['qual'], list(leaf.shape)))
        reps[dim % leaf.rank] *= repeats
        if reps[0] > 1 and reps[1] > 1:
            if reps[0] != reps[1]:
                self.fail("%s: '%s' is repeated %d times along dimension 0 and %d along dimension 1; a bcsr(B) "
                          "block is B x B, so both must be the same" % (self.what, leaf.attrs['qual'],
                                                                      reps[0], reps[1]))
            return self.expand_blocks(leaf, reps[0])
        if reps[0] == 1 and reps[1] == 1:
            return x if isinstance(x, Expanding) else leaf
        return Expanding(leaf, reps, self.src)

    def op_ones(self, *a, **k):
        return Ones(self.result.shape, self.src)

    def op_kron(self, a, b):
        """kron(layout, torch.ones(B, B)): the same block expansion."""
        ones = isinstance(b, Ones) or (isinstance(b, Val) and b.kind == 'leaf' and b.attrs['fmt'] is None
                                       and b.rank == 2 and bool((b.ref == 1).all()))
        if not ones or b.shape[0] != b.shape[1]:
            self.fail('%s: the exporter takes kron(layout, torch.ones(B, B)) (a block expansion into a bcsr(B) '
                      'mask); kron of other tensors is not supported' % self.what)
        leaf = self._layout_leaf(a)
        if leaf.rank != 2:
            self.fail("%s of '%s' of shape %s: the exporter expands 2-D block layouts"
                      % (self.what, leaf.attrs['qual'], list(leaf.shape)))
        return self.expand_blocks(leaf, b.shape[0])

    def _layout_leaf(self, x):
        if isinstance(x, IndexData):
            # an integer layout (DeepSpeed's are int64): its 0/1 entries as numbers
            if x.text != x.name:
                self.fail("%s of '%s': expand the layout input or buffer itself" % (self.what, x.text))
            return self.leaf(x.text, torch.from_numpy(x.value).double(), self.src)
        if isinstance(x, BoolMask):
            if x.negated:
                self.fail('%s of a negated mask: expand the layout first, then negate (~mask) the result'
                          % self.what)
            x = x.leaf
        if not isinstance(x, Val) or x.kind != 'leaf' or x.attrs.get('synthetic'):
            self.fail('%s of a computed tensor: the exporter expands only a block layout that is an input, '
                      'parameter or buffer (its expansion is the layout stored bcsr(B), read at export)'
                      % self.what)
        return x

    def expand_blocks(self, leaf, b):
        """A use of the leaf that is `leaf` with every entry repeated over a
        b x b block, declared bcsr(b): its stored blocks are exactly the
        coarse layout's stored (or non-zero) entries -- no dense copy."""
        base = leaf.attrs['base']
        key = (base.attrs['qual'], b)
        if key not in self.expanded:
            ones = np.ones((b, b))
            ref = np.kron(base.ref, ones)
            support = np.kron(base.attrs['support'], ones).astype(bool)
            qual = base.attrs['qual']
            self.expanded[key] = Val('leaf', ref.shape, (), src=self.src, what='%s expanded' % qual, ref=ref,
                                     name=safe_name('%s_x%d' % (base.attrs['name'], b), self.names),
                                     qual='%s (in %dx%d blocks)' % (qual, b, b), support=support,
                                     fmt=formats.parse('bcsr(%d)' % b, 2), is_bool=base.attrs['is_bool'],
                                     synthetic=True,
                                     describe='%s %s, each entry a %dx%d block: bcsr(%d), one stored block per '
                                     'stored entry of %s' % (qual, 'x'.join(map(str, base.shape)), b, b, b, qual))
        return self.use(self.expanded[key])

    def _reduce(self, x, dim, keepdim, mean, shape=None):
        """shape: the result's, when it is not the traced op's own (a part
        of a composite op)."""
        x = self._operand(x)
        if dim is None:
            self.fail('%s over every dimension gives a scalar; give dim=' % self.what)
        if x.fill != 0.0:
            self.fail("%s uses the result of masked_fill(..., -inf) made at %s" % (self.what, x.src))
        dims = [d % x.rank for d in (dim if isinstance(dim, (tuple, list)) else [dim])]
        v = self.new('reduce', self.result.shape if shape is None else shape, [x], dims=dims, mean=mean,
                     keepdim=bool(keepdim))
        kept = [d for d in range(x.rank) if d not in dims]
        for i, d in enumerate(kept):
            self.facts.eq(x, d, v, d if keepdim else i, self.src)
        return v

    def op_sum(self, x, dim=None, keepdim=False, dtype=None):
        return self._reduce(x, dim, keepdim, False)

    def op_mean(self, x, dim=None, keepdim=False, dtype=None):
        return self._reduce(x, dim, keepdim, True)

    def op_normalize(self, x, p=2.0, dim=1, eps=1e-12, out=None):
        """x / max(||x||_2 along dim, eps), written x / sqrt(sum(x*x)): an eps
        below half an ulp rounds to 0, and a zero vector then gives 0 / 0 =
        0 in the ALU as 0 / eps does in PyTorch."""
        if p != 2:
            self.fail('%s with p=%r: the exporter takes p=2' % (self.what, p))
        if fixed.quantize(eps) != 0:
            self.fail('%s with eps=%g: an eps of half an ulp (%g) or more is not supported' %
                      (self.what, eps, fixed.HALF_ULP))
        x = self._operand(x)
        d = dim % x.rank
        shape = tuple(1 if k == d else n for k, n in enumerate(x.shape))
        norm = self.un('sqrt', self._reduce(self.ew('mul', x, x), d, True, False, shape=shape))
        return self.ew('div', x, norm)

    # ---- normalisations ----

    def op_softmax(self, *a, dim=None, dtype=None, _stacklevel=3, _log=False):
        if isinstance(a[0], nn.Module):
            x, dim = a[1], a[0].dim
        else:
            x = a[0]
            if len(a) > 1:
                dim = a[1]
        x = self._operand(x)
        if dim is None:
            self.fail('%s without dim is not supported' % self.what)
        d = dim % x.rank
        if x.shape[d] == 1:
            self.fail('%s over a dimension of size 1' % self.what)
        v = self.new('softmax', x.shape, [x], dim=d, log=_log)
        self._broadcast(v, [x])
        self.facts.single(v, d, self.src, 'take a softmax')
        return v

    def op_log_softmax(self, *a, **k):
        return self.op_softmax(*a, _log=True, **k)

    def op_layer_norm(self, *a, **k):
        if isinstance(a[0], nn.Module):
            mod, x = a
            shape, eps = tuple(mod.normalized_shape), mod.eps
            w = self.param(mod, 'weight') if mod.weight is not None else None
            b = self.param(mod, 'bias') if mod.bias is not None else None
        else:
            x = a[0]
            shape = tuple(a[1] if len(a) > 1 else k['normalized_shape'])
            w = a[2] if len(a) > 2 else k.get('weight')
            b = a[3] if len(a) > 3 else k.get('bias')
            eps = a[4] if len(a) > 4 else k.get('eps', 1e-5)
        x = self._operand(x)
        if len(shape) != 1 or shape[0] != x.shape[-1]:
            self.fail('%s over %s: the model language normalises along one index, the last dimension'
                      % (self.what, list(shape)))
        if x.fill != 0.0:
            self.fail("%s uses the result of masked_fill(..., -inf) made at %s" % (self.what, x.src))
        v = self.new('layernorm', x.shape, [x], eps=float(eps))
        self._broadcast(v, [x])
        self.facts.single(v, x.rank - 1, self.src, 'take a layernorm')
        if w is not None:
            v = self.ew('mul', v, w)
        if b is not None:
            v = self.ew('add', v, b)
        return v


def _flat(args, kwargs):
    out = []

    def rec(x):
        if isinstance(x, (tuple, list)):
            for y in x:
                rec(y)
        elif isinstance(x, dict):
            for y in x.values():
                rec(y)
        else:
            out.append(x)
    rec(args)
    rec(kwargs)
    return out


SUPPORTED_TEXT = ('linear, addmm/baddbmm/addbmm, matmul/mm/bmm/mv/@, einsum (one or two operands), torch.sparse.mm, '
                  'embedding, index_select and x[idx] by an integer tensor, index_add, '
                  'repeat_interleave/kron of a block layout, + - * /, neg, pow (2, 0.5, -0.5, -1), relu, '
                  "gelu (both forms), sigmoid, tanh, erf, exp, log, sqrt, rsqrt, softmax, log_softmax, layer_norm, "
                  'normalize (p=2), '
                  'sum/mean over dims, '
                  'masked_fill by a sparse mask, transpose/permute/t, reshape/view/flatten/(un)squeeze, expand, '
                  'dropout (eval), contiguous, slicing with constant bounds and step 1, split/chunk/narrow/unbind, '
                  'cat/concat/stack/hstack/vstack, pad with constant 0 (docs/torch.md)')


_ZEROS_USE = ('%s reads the zeros made at %s: the exporter takes zeros made inside the model only as the '
              'tensor index_add adds into, and only through the value index_add returns (fx does not record '
              'in-place changes): write out = torch.zeros(...).index_add_(0, index, source)')


def _index_text(index):
    """An index as Python writes it: 0, 1:3, :, ..."""
    if isinstance(index, tuple):
        return ', '.join(_index_text(i) for i in index)
    if isinstance(index, slice):
        return '%s:%s%s' % ('' if index.start is None else index.start, '' if index.stop is None else index.stop,
                            '' if index.step is None else ':%s' % index.step)
    if index is Ellipsis:
        return '...'
    return str(index)


def _doubles(xs):
    return [x.double() if isinstance(x, torch.Tensor) and x.dtype in (torch.float32, torch.float16) else x
            for x in xs]


def _clone(x):
    return x.clone() if isinstance(x, torch.Tensor) else x


class _ShapeProxy(fx.Proxy):
    """A proxy that knows its value on the example inputs, so that model code
    may use sizes as Python numbers (B, T, C = x.size(); math.sqrt(k.size(-1))):
    the export is specialised to the example's shapes. Tensor values still
    cannot steer Python (no data-dependent control flow)."""

    def _concrete(self, what):
        v = self.tracer.concrete.get(self.node)
        if isinstance(v, torch.Tensor) or v is None:
            raise fx.proxy.TraceError('%s of a tensor value depends on the data; a traced model can only use '
                                      'sizes as Python numbers' % what)
        return v

    def __int__(self):
        return int(self._concrete('int()'))

    def __float__(self):
        return float(self._concrete('float()'))

    def __index__(self):
        return int(self._concrete('an index'))

    def __iter__(self):
        # fx 1.13 looks for UNPACK_SEQUENCE at f_lasti // 2 in the caller's
        # bytecode, which Python 3.11's inline caches put out of step (an
        # IndexError, or a wrong instruction): the example's value says
        # how many there are (q, k, v = x.split(C, dim=2))
        return self.tracer.iter(self)

    def __len__(self):
        v = self.tracer.concrete.get(self.node)
        if isinstance(v, torch.Tensor):
            return len(v)
        return len(self._concrete('len()'))


class _ShapeTracer(fx.Tracer):
    """fx.Tracer that also runs every node on the example inputs (see _ShapeProxy)."""

    def __init__(self, inputs):
        super().__init__()
        self.inputs = list(inputs)
        self.concrete = {}
        self.nplace = 0
        self.in_concrete = False

    def proxy(self, node):
        return _ShapeProxy(node, self)

    def create_node(self, kind, target, args, kwargs, name=None, type_expr=None):
        node = super().create_node(kind, target, args, kwargs, name, type_expr)
        if kind == 'output':
            return node
        self.in_concrete = True
        try:
            a = fx.node.map_arg(args, lambda n: self.concrete[n])
            k = fx.node.map_arg(kwargs, lambda n: self.concrete[n])
            if kind == 'placeholder':
                v = self.inputs[self.nplace] if self.nplace < len(self.inputs) else None
                self.nplace += 1
            elif kind == 'get_attr':
                v = self.root
                for part in target.split('.'):
                    v = getattr(v, part)
            elif kind == 'call_function':
                v = target(*a, **k)
            elif kind == 'call_method':
                if target.endswith('_') and isinstance(a[0], torch.Tensor):
                    a = (a[0].clone(),) + tuple(a[1:])   # in place: keep the traced constants as they are
                v = getattr(a[0], target)(*a[1:], **k)
            else:
                # .forward: fx patches Module.__call__ while tracing
                v = self.root.get_submodule(target).forward(*a, **k)
        except Exception:
            v = None   # the reference run reports the problem with its own message
        finally:
            self.in_concrete = False
        self.concrete[node] = v
        return node

    def getattr(self, attr, attr_val, parameter_proxy_cache):
        # while computing a value, modules must see their real parameters
        if self.in_concrete:
            return attr_val
        return super().getattr(attr, attr_val, parameter_proxy_cache)

    def to_bool(self, obj):
        v = self.concrete.get(obj.node)
        if isinstance(v, (bool, int)) and not isinstance(v, torch.Tensor):
            return bool(v)
        return super().to_bool(obj)

    def iter(self, obj):
        v = self.concrete.get(obj.node)
        if isinstance(v, (tuple, list, torch.Size)) or isinstance(v, torch.Tensor) and v.dim() > 0:
            return iter([obj[i] for i in range(len(v))])
        return super().iter(obj)


# factories that take sizes: while tracing, a size of the trace is passed as
# the number it is (torch.arange(0, t) with t = idx.size(1)), so the tensor
# is made there and then, a constant of this trace like every size
_FACTORIES = ('arange', 'ones', 'zeros', 'full', 'eye', 'empty')


class _concrete_sizes:
    def __enter__(self):
        self.saved = {f: getattr(torch, f) for f in _FACTORIES}
        for f, fn in self.saved.items():
            setattr(torch, f, self._wrap(fn))

    def __exit__(self, *exc):
        for f, fn in self.saved.items():
            setattr(torch, f, fn)

    @staticmethod
    def _wrap(fn):
        def call(*a, **k):
            def num(x):
                if isinstance(x, fx.Proxy) and isinstance(x.tracer, _ShapeTracer):   # x.size(0), x.device
                    v = x.tracer.concrete.get(x.node)
                    if v is not None and not isinstance(v, torch.Tensor):   # a size, x.device, x.dtype
                        return v
                return x
            return fn(*[num(x) for x in a], **{key: num(x) for key, x in k.items()})
        call.__wrapped__ = fn
        return call


def trace(module, example_inputs, sparse):
    """Traces `module` and translates it. Returns the Translator (vals,
    leaves, facts, outputs) and the float64 reference outputs. Tensors the
    model makes itself (torch.zeros for index_add) are float64 like the
    rest of the reference run."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        return _trace(module, example_inputs, sparse)
    finally:
        torch.set_default_dtype(old)


def _trace(module, example_inputs, sparse):
    if isinstance(example_inputs, torch.Tensor):
        example_inputs = (example_inputs,)
    example_inputs = tuple(example_inputs)
    # a pruned module's weight is computed by its hook (a non-leaf tensor,
    # which deepcopy refuses): copy it detached; the hook recomputes it
    memo = {id(t): t.detach().clone() for m in module.modules() for t in vars(m).values()
            if isinstance(t, torch.Tensor) and not t.is_leaf}
    model = copy.deepcopy(module, memo).eval()
    model = model.double()
    tracer = _ShapeTracer([_clone(x) for x in _doubles(example_inputs)])
    tracer.record_stack_traces = True
    tracer.proxy_buffer_attributes = True     # self.mask is a node, so ~self.mask is one too
    try:
        with _concrete_sizes():
            graph = tracer.trace(model)
    except Exception as e:  # fx raises many kinds; all mean "cannot trace"
        frames = traceback.extract_tb(e.__traceback__)
        raise ExportError(_user_frame(frames), 'torch.fx cannot trace the model: %s' % str(e).splitlines()[0])
    gm = fx.GraphModule(model, graph)
    placeholders = [n for n in gm.graph.nodes if n.op == 'placeholder']
    if len(placeholders) != len(example_inputs):
        raise ExportError('', 'the model takes %d inputs, %d example inputs given' % (len(placeholders),
                                                                                      len(example_inputs)))
    ins = [_clone(x) for x in _doubles(example_inputs)]
    tr = Translator(gm, sparse, [n.target for n in placeholders])
    run = _Run(gm, tr)
    with torch.no_grad():
        out = run.run(*ins)
    unknown = set(tr.sparse) - tr.used_sparse
    ints = sorted(q for q in unknown if q in tr.index_names)
    if ints:
        raise ExportError('', "sparse= names %s, an integer tensor: index data is not declared (each gather by it "
                          "is a one-hot matrix stored csr, docs/torch.md)" % ints[0])
    if unknown:
        raise ExportError('', "sparse= names %s, which the model does not use as an input, parameter or buffer "
                          "(inputs: %s)" % (', '.join(sorted(unknown)), ', '.join(tr.input_names)))
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    refs = [(o.to_dense() if o.layout != torch.strided else o).detach().double().numpy() for o in outs]
    return tr, refs
