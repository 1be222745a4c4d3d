"""fuseflow_torch: export PyTorch models to fuseflow's model language.

    from fuseflow_torch import export
    e = export(model, (x, adj), sparse={'adj': 'csr'}, out_dir='out/gcn')
    print(e.command())      # cd out/gcn && fuseflow run model.ff ... --check

The model is traced with torch.fx on the example inputs (shapes are fixed to
theirs), translated op by op, evaluated in float64 against PyTorch's own
forward, and written with its data and an error bound per output entry.
docs/torch.md is the contract: supported ops, how sparsity is declared,
the bound, limitations. Runs on Debian's python3-torch (/usr/bin/python3).
"""
from .export import Export, export
from .graph import ExportError

__all__ = ['export', 'Export', 'ExportError']
