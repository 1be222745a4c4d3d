"""Command line: python3 -m fuseflow_torch export FILE.py[:FUNC] --out DIR ...

FILE.py defines FUNC (default `example`), called as FUNC(seed=SEED, **SIZES),
returning a dict with

  module        the torch.nn.Module
  inputs        the example inputs (a tuple of forward's positional arguments)
  sparse        optional: {name: format} (see fuseflow_torch.export)
  output_names  optional: language names for the outputs

Errors are one line on stderr -- the model's file:line first -- with exit
status 1; nothing is written then. Exit status 2 is a usage error.
"""
import argparse
import importlib.util
import os
import sys
import warnings

USAGE = 'python3 -m fuseflow_torch export FILE.py[:FUNC] --out DIR [--seed N] [--size NAME=VALUE ...] ' \
        '[--sparse NAME=FORMAT ...]'


def _value(text):
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return text


def _pairs(items, what, parser):
    out = {}
    for it in items or []:
        k, eq, v = it.partition('=')
        if not eq or not k:
            parser.error('%s %r: expected NAME=VALUE' % (what, it))
        out[k] = v
    return out


def _load(spec, parser):
    path, _, func = spec.partition(':')
    func = func or 'example'
    if not os.path.isfile(path):
        parser.error('%s: no such file' % path)
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    mod_name = '_fuseflow_model_' + os.path.splitext(os.path.basename(path))[0]
    spec_ = importlib.util.spec_from_file_location(mod_name, path)
    mod = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(mod)
    if not hasattr(mod, func):
        parser.error('%s defines no function %s (expected %s(seed=..., **sizes) returning the module and '
                     'its example inputs)' % (path, func, func))
    return getattr(mod, func), path, func


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, exit status 2."""

    def error(self, message):
        self.exit(2, 'python3 -m fuseflow_torch export: %s (usage: %s)\n' % (message, USAGE))


def main(argv=None):
    parser = _Parser(prog='python3 -m fuseflow_torch', usage=USAGE,
                     description='Export a PyTorch model to fuseflow (docs/torch.md).')
    sub = parser.add_subparsers(dest='cmd', parser_class=_Parser)
    ex = sub.add_parser('export', prog='python3 -m fuseflow_torch export', usage=USAGE,
                        help='trace a model and write model.ff with its data')
    ex.add_argument('model', help='FILE.py[:FUNC], FUNC(seed=..., **sizes) returns {module, inputs, sparse}')
    ex.add_argument('--out', required=True, help='export directory (written whole, or not at all)')
    ex.add_argument('--seed', type=int, default=0, help='passed to FUNC (default 0)')
    ex.add_argument('--size', action='append', metavar='NAME=VALUE', help='passed to FUNC as NAME=VALUE')
    ex.add_argument('--sparse', action='append', metavar='NAME=FORMAT', help='declare a tensor sparse')
    ex.add_argument('-q', '--quiet', action='store_true', help='print nothing on success')
    args = parser.parse_args(argv)
    if args.cmd != 'export':
        parser.error('expected the command export')
    sizes = {k: _value(v) for k, v in _pairs(args.size, '--size', ex).items()}
    sparse_cli = _pairs(args.sparse, '--sparse', ex)
    # torch's note that sparse CSR is "beta" is noise for an export
    warnings.filterwarnings('ignore', message='Sparse CSR tensor support is in beta')
    fn, path, func = _load(args.model, ex)

    from . import ExportError, export     # torch loads here, after argument errors
    try:
        made = fn(seed=args.seed, **sizes)
    except Exception as e:   # the example's own problem (missing data, a bad size): one line
        print('fuseflow_torch export: %s:%s(seed=%d%s): %s: %s'
              % (path, func, args.seed, ''.join(', %s=%r' % kv for kv in sorted(sizes.items())),
                 type(e).__name__, e), file=sys.stderr)
        return 1
    if not isinstance(made, dict) or 'module' not in made or 'inputs' not in made:
        print('fuseflow_torch export: %s:%s must return a dict with module and inputs' % (path, func),
              file=sys.stderr)
        return 1
    sparse = dict(made.get('sparse') or {})
    sparse.update(sparse_cli)
    try:
        e = export(made['module'], made['inputs'], sparse=sparse, out_dir=args.out,
                   output_names=made.get('output_names'),
                   source='%s:%s(seed=%d%s)' % (path, func, args.seed,
                                                ''.join(', %s=%r' % kv for kv in sorted(sizes.items()))))
    except ExportError as err:
        print('fuseflow_torch export: %s' % err, file=sys.stderr)
        return 1
    if not args.quiet:
        print('wrote %s (%d statements, %d input files)' % (e.model, len(e.program.stmts), len(set(e.inputs.values()))))
        for o in e.outputs:
            print('  output %s %s: max |PyTorch| %.4g, error bound %.3g guaranteed, %.3g statistical'
                  % (o['name'], 'x'.join(map(str, o['shape'])), o['max_abs_ref'], o['max_bound'],
                     o['max_statistical_bound']))
        built = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'build', 'fuseflow')
        print('run it:  %s' % e.command(os.path.relpath(built) if os.path.exists(built) else 'fuseflow'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
