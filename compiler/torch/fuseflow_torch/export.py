"""export(): trace, translate, check, bound, write -- see docs/torch.md.

What an export directory holds:

  model.ff        the model in fuseflow's language
  data/*.mtx      every input, parameter and buffer it reads, in Q15.16
  run.args        the --tensor arguments of `fuseflow run` (paths relative
                  to the directory): cd DIR && fuseflow run model.ff
                  $(cat run.args) --out result --check
  check/NAME.txt  per model output NAME, row-major: PyTorch's float64
                  output and two bounds on |fuseflow - PyTorch| per entry,
                  guaranteed and statistical (evaluate.py)
  export.json     a summary (inputs, outputs, shapes, bounds)

The directory is written under a temporary name and renamed into place, so
it is either the complete export or untouched.
"""
import json
import os
import shutil
import tempfile

import numpy as np

from . import evaluate, fixed, formats
from .graph import ExportError
from .lower import Lowering
from .trace import trace

# absolute slack for the float64 the bounds themselves are computed in
BOUND_SLACK = 1e-9
# the statistical bound: NOISY_SAMPLES noisy evaluations (fixed seed), and
# bias + NOISY_SIGMAS standard deviations, the deviation at least one ulp
NOISY_SAMPLES = 16
NOISY_SIGMAS = 10.0
NOISY_SEED = 20240


class Export:
    """The result of export(): where everything went and what was measured.

    out_dir, model: paths (None without out_dir); inputs: {language name:
    data file}; outputs: list of dicts (name, shape, dims, max_abs_ref,
    max_bound, max_statistical_bound); run_args: the arguments after
    `fuseflow run model.ff`; reference, bound, statistical_bound: {name:
    float64 arrays in the PyTorch output's shape}; text: the program;
    program: the ffprog.Program."""

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def command(self, fuseflow='fuseflow', result='result'):
        """A shell command that runs the export and checks it bit for bit
        (`fuseflow` as a path is made absolute: the command changes directory)."""
        if os.sep in fuseflow:
            fuseflow = os.path.abspath(fuseflow)
        return 'cd %s && %s run model.ff %s --out %s --check' % (self.out_dir, fuseflow, ' '.join(self.run_args),
                                                                  result)


def export(module, example_inputs, sparse=None, out_dir=None, output_names=None, source=''):
    """Exports `module` (a torch.nn.Module) traced on `example_inputs` (a
    tensor or a tuple of tensors, the positional arguments of forward).

    sparse: {name: format} for inputs (forward argument names), parameters
      and buffers (qualified names, e.g. 'enc.mask') to store sparse:
      'csr', 'csc', 'dcsr', 'dcsc', 'sparse', 'bcsr(B)' or level letters.
      torch sparse tensors (COO, CSR) are sparse without being named (csr for
      matrices). Everything else is dense.
    out_dir: where to write (None: only translate and check).
    output_names: language names of the model's outputs (default Y, or Y0,
      Y1, ... for several).

    Returns an Export. Raises ExportError (one line, the model's file:line
    first) for anything the model language cannot express exactly; nothing
    is written then."""
    tr, refs = trace(module, example_inputs, sparse)
    low = Lowering(tr, output_names)
    prog = low.run()

    def leaf_data(t):
        lt = t.logical
        base = lt.base
        vals = np.asarray(base.ref, dtype=np.float64).reshape(lt.dims)
        support = np.asarray(base.attrs['support']).reshape(lt.dims)
        pres = formats.stored(support, t.fmt)
        return np.where(pres, vals, 0.0), pres

    ev = evaluate.Evaluator(prog, leaf_data)
    ev.run(_check_statement)
    out_tensors = [lt.tensors[tuple(range(lt.order))] for lt, _ in low.outputs]
    rng = np.random.default_rng(NOISY_SEED)
    samples = {t.name: [] for t in out_tensors}
    for _ in range(NOISY_SAMPLES):
        data = evaluate.Evaluator(prog, leaf_data, noise=rng).run()
        for t in out_tensors:
            samples[t.name].append(data[t.name].v)

    outputs, reference, bound, stat = [], {}, {}, {}
    for (lt, o), ref, t in zip(low.outputs, refs, out_tensors):
        d = ev.data[t.name]
        ref = np.asarray(ref, dtype=np.float64)
        ref_m = ref.reshape(lt.dims)
        scale = max(1.0, float(np.abs(ref).max()) if ref.size else 1.0)
        if np.abs(d.v - ref_m).max() > 1e-9 * scale:
            raise evaluate.TranslationBug('internal error: the exported program gives output %s different from '
                                          'PyTorch (max difference %.3g); a bug in the exporter'
                                          % (t.name, np.abs(d.v - ref_m).max()))
        b = np.maximum(np.abs(d.hi - ref_m), np.abs(d.lo - ref_m)) + BOUND_SLACK
        sm = np.stack(samples[t.name])
        sb = np.abs(sm.mean(axis=0) - ref_m) + NOISY_SIGMAS * np.maximum(sm.std(axis=0, ddof=1), fixed.ULP)
        reference[t.name] = ref
        bound[t.name] = b.reshape(ref.shape)
        stat[t.name] = sb.reshape(ref.shape)
        outputs.append({'name': t.name, 'shape': list(ref.shape), 'dims': list(lt.dims),
                        'max_abs_ref': float(np.abs(ref).max()), 'max_bound': float(b.max()),
                        'max_statistical_bound': float(sb.max())})

    header = ['Exported from PyTorch by fuseflow_torch (docs/torch.md)%s.' % (': ' + source if source else ''),
              'Run it:  fuseflow run model.ff $(cat run.args) --out result --check',
              'Inputs are the model tensors rounded to Q15.16 (data/*.mtx); check/*.txt hold',
              "PyTorch's float64 outputs and the bounds on fuseflow's error per entry.",
              'Sizes: ' + ', '.join('%s %s' % (t.name, 'x'.join(map(str, t.dims))) for t in prog.tensors
                                    if t.role == 'input')]
    text = prog.text(header)
    inputs = _input_files(prog)
    run_args = ['--tensor %s=%s' % (t.name, t.file) for t in prog.tensors if t.role == 'input']
    result = Export(out_dir=out_dir, model=os.path.join(out_dir, 'model.ff') if out_dir else None, text=text,
                    inputs={t.name: t.file for t in prog.tensors if t.role == 'input'}, outputs=outputs,
                    run_args=run_args, reference=reference, bound=bound, statistical_bound=stat, program=prog)
    if out_dir is not None:
        _write(out_dir, text, inputs, run_args, outputs, reference, bound, stat, source)
    return result


def _check_statement(st, r):
    """The exact evaluation of a statement must give PyTorch's value of the
    node it computes (see evaluate.py)."""
    lt = getattr(st.lhs, 'logical', None)
    v = getattr(lt, 'val', None)
    if v is None or v.ref is None:
        return
    ref = np.asarray(v.ref, dtype=np.float64).reshape(lt.dims)
    got = r.v
    if v.fill != 0.0:
        bad_absent = (~r.p) & (ref > -1e4)
        ok = np.where(r.p, np.abs(got - ref) <= 1e-9 * max(1.0, float(np.abs(np.where(r.p, ref, 0)).max())), True)
        if bad_absent.any() or not ok.all():
            raise evaluate.TranslationBug('internal error: statement %s (%s at %s) does not mask like PyTorch'
                                          % (st.lhs.name, v.what, v.src))
        return
    scale = max(1.0, float(np.abs(ref).max()))
    diff = np.abs(got - ref)
    if diff.max() > 1e-9 * scale:
        at = np.unravel_index(int(diff.argmax()), diff.shape)
        raise evaluate.TranslationBug('internal error: statement %s (%s at %s) gives %r at %s where PyTorch gives '
                                      '%r; a bug in the exporter' % (st.lhs.name, v.what, v.src,
                                                                     float(got[at]), at, float(ref[at])))


def _input_files(prog):
    """One entry per data file: (file, Tensor that names it)."""
    files = {}
    for t in prog.tensors:
        if t.role == 'input' and t.file not in files:
            files[t.file] = t
    return files


def _mtx(path, t):
    lt = t.logical
    base = lt.base
    vals = np.asarray(base.ref, dtype=np.float64).reshape(lt.dims)
    support = np.asarray(base.attrs['support']).reshape(lt.dims)
    pts = np.argwhere(support)
    words = fixed.words(vals[support])
    with open(path, 'w') as f:
        f.write('%%MatrixMarket matrix coordinate real general\n')
        f.write('%% %s: %s, rounded to Q15.16 by fuseflow_torch\n' % (t.name, lt.origin))
        f.write('%s %d\n' % (' '.join(str(n) for n in lt.dims), len(pts)))
        for p, w in zip(pts, words):
            f.write('%s %s\n' % (' '.join(str(int(c) + 1) for c in p), fixed.text(w)))


def _write(out_dir, text, inputs, run_args, outputs, reference, bound, stat, source):
    out_dir = os.path.abspath(out_dir)
    parent = os.path.dirname(out_dir)
    os.makedirs(parent, exist_ok=True)
    if os.path.exists(out_dir) and not os.path.exists(os.path.join(out_dir, 'export.json')) and os.listdir(out_dir):
        raise ExportError('', '%s exists and is not an export directory; not overwriting it' % out_dir)
    tmp = tempfile.mkdtemp(prefix='.%s.tmp-' % os.path.basename(out_dir), dir=parent)
    try:
        os.makedirs(os.path.join(tmp, 'data'))
        os.makedirs(os.path.join(tmp, 'check'))
        with open(os.path.join(tmp, 'model.ff'), 'w') as f:
            f.write(text)
        for file, t in inputs.items():
            _mtx(os.path.join(tmp, file), t)
        with open(os.path.join(tmp, 'run.args'), 'w') as f:
            f.write('\n'.join(run_args) + '\n')
        for o in outputs:
            name = o['name']
            ref, b, sb = reference[name].reshape(-1), bound[name].reshape(-1), stat[name].reshape(-1)
            with open(os.path.join(tmp, 'check', name + '.txt'), 'w') as f:
                f.write('# %s: per entry (row-major), PyTorch\'s float64 output (shape %s), then the guaranteed\n'
                        % (name, 'x'.join(map(str, o['shape']))))
                f.write('# and the statistical bound on |fuseflow - PyTorch| (docs/torch.md); fuseflow writes\n')
                f.write('# this output as result/%s.mtx\n' % name)
                f.write('shape %s\n' % ' '.join(str(n) for n in o['shape']))
                for x, y, z in zip(ref, b, sb):
                    f.write('%.17g %.17g %.17g\n' % (x, y, z))
        summary = {'source': source, 'model': 'model.ff',
                   'inputs': {t.name: file for file, t in inputs.items()},
                   'run_args': run_args, 'outputs': outputs}
        with open(os.path.join(tmp, 'export.json'), 'w') as f:
            json.dump(summary, f, indent=1)
            f.write('\n')
        old = None
        if os.path.exists(out_dir):
            old = tempfile.mkdtemp(prefix='.%s.old-' % os.path.basename(out_dir), dir=parent)
            os.rmdir(old)
            os.rename(out_dir, old)
        os.rename(tmp, out_dir)
        if old:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
