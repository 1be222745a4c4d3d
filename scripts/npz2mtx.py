#!/usr/bin/python3
"""npz2mtx.py -- a sparse matrix stored in NumPy's .npz into Matrix Market,
which every fuseflow command reads (docs/tensors.md "Files").

    scripts/npz2mtx.py IN.npz OUT.mtx [--part NAME]

Reads the layouts graph datasets ship in:
  * scipy.sparse.save_npz: keys format (csr or csc), data, indices, indptr,
    shape (coo: row, col, data, shape);
  * Planetoid/CitationFull-style parts: NAME_data, NAME_indices,
    NAME_indptr, NAME_shape (CSR), e.g. --part adj for the adjacency and
    --part attr for the node features (without --part: the plain keys, or
    adj_* when there are none).
A part without data is a pattern (every value 1). Writes
"%%MatrixMarket matrix coordinate real general", 1-based, row-major, values
as repr() gives them (shortest round trip); through OUT.mtx.tmp, renamed
only when whole. Errors are one line naming the file and exit 1; usage
errors exit 2. Needs numpy (Debian python3-numpy).
"""
import os
import sys

import numpy as np


def fail(msg, code=1):
    print(f"npz2mtx: {msg}", file=sys.stderr)
    sys.exit(code)


def part_keys(keys, part):
    if part:
        return part + "_"
    if "indptr" in keys or "row" in keys:
        return ""
    if "adj_indptr" in keys:
        return "adj_"
    return None


def load(path, part):
    try:
        z = np.load(path, allow_pickle=False)
    except Exception as e:  # a missing file, not a zip, a pickled array
        fail(f"{path}: cannot read as .npz: {e}")
    keys = set(z.files)
    pre = part_keys(keys, part)
    if pre is None:
        fail(f"{path}: expected a sparse matrix's keys (indptr/indices/data/shape, row/col/data/shape, "
             f"or adj_indptr/...), found {', '.join(sorted(keys)) or 'none'}")
    shape_key = pre + "shape"
    if shape_key not in keys:
        fail(f"{path}: expected key '{shape_key}', found {', '.join(sorted(keys))}")
    shape = tuple(int(x) for x in z[shape_key])
    if len(shape) != 2 or min(shape) < 0:
        fail(f"{path}: '{shape_key}' must be two sizes, found {shape}")
    fmt = z[pre + "format"].item() if (pre + "format") in keys else None
    fmt = fmt.decode("ascii") if isinstance(fmt, bytes) else fmt
    if pre + "row" in keys:
        rows = z[pre + "row"].astype(np.int64)
        cols = z[pre + "col"].astype(np.int64)
    else:
        for k in ("indptr", "indices"):
            if pre + k not in keys:
                fail(f"{path}: expected key '{pre + k}', found {', '.join(sorted(keys))}")
        indptr = z[pre + "indptr"].astype(np.int64)
        indices = z[pre + "indices"].astype(np.int64)
        outer = shape[1] if fmt == "csc" else shape[0]
        if len(indptr) != outer + 1 or indptr[0] != 0 or indptr[-1] != len(indices) or np.any(np.diff(indptr) < 0):
            fail(f"{path}: '{pre}indptr' is not a pointer array of {outer} rows over {len(indices)} entries")
        major = np.repeat(np.arange(outer, dtype=np.int64), np.diff(indptr))
        rows, cols = (indices, major) if fmt == "csc" else (major, indices)
    n = len(rows)
    vals = z[pre + "data"] if pre + "data" in keys else np.ones(n)
    if len(vals) != n or len(cols) != n:
        fail(f"{path}: {n} coordinates but {len(vals)} values")
    if n and (rows.min() < 0 or cols.min() < 0 or rows.max() >= shape[0] or cols.max() >= shape[1]):
        fail(f"{path}: an index lies outside the {shape[0]} x {shape[1]} shape")
    order = np.lexsort((cols, rows))
    return shape, rows[order], cols[order], np.asarray(vals, dtype=np.float64)[order]


def main(argv):
    args, part = [], None
    i = 0
    while i < len(argv):
        if argv[i] == "--part":
            if i + 1 >= len(argv):
                fail("--part needs a value (adj, attr, ...)", 2)
            part = argv[i + 1]
            i += 2
            continue
        if argv[i].startswith("-"):
            fail(f"unknown option {argv[i]} (usage: npz2mtx.py IN.npz OUT.mtx [--part NAME])", 2)
        args.append(argv[i])
        i += 1
    if len(args) != 2:
        fail("usage: npz2mtx.py IN.npz OUT.mtx [--part NAME]", 2)
    src, dst = args
    shape, rows, cols, vals = load(src, part)
    tmp = dst + ".tmp"
    try:
        with open(tmp, "w") as f:
            f.write("%%MatrixMarket matrix coordinate real general\n")
            f.write(f"% from {os.path.basename(src)}{' part ' + part if part else ''}\n")
            f.write(f"{shape[0]} {shape[1]} {len(rows)}\n")
            for r, c, v in zip(rows.tolist(), cols.tolist(), vals.tolist()):
                f.write(f"{r + 1} {c + 1} {repr(v)}\n")
        os.replace(tmp, dst)
    except OSError as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        fail(f"{dst}: {e.strerror}")
    print(f"wrote {dst}: {shape[0]} x {shape[1]}, {len(rows)} entries")


if __name__ == "__main__":
    main(sys.argv[1:])
