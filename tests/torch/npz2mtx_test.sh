#!/bin/sh
# npz2mtx_test.sh PYTHON FUSEFLOW SRC DIR -- scripts/npz2mtx.py on the layouts
# it reads (scipy csr, csc and coo, Planetoid-style adj_ parts, a pattern),
# each converted, read back by fuseflow (SpMV with --check) and its entries
# compared with numpy's; and its errors: one line, exit 1 (2 for usage).
set -eu
py=$1; ff=$2; src=$3; dir=$4
mkdir -p "$dir"
cd "$dir"
"$py" - <<'PY'
import numpy as np
rng = np.random.default_rng(7)
A = (rng.random((40, 30)) < 0.1) * rng.integers(-8, 9, (40, 30)) / 4.0
A[3, :] = 0  # an empty row
r, c = np.nonzero(A)
indptr = np.concatenate([[0], np.cumsum(np.bincount(r, minlength=40))])
np.savez("csr.npz", format=np.array(b"csr"), shape=np.array([40, 30]), data=A[r, c], indices=c, indptr=indptr)
cc, rr = np.nonzero(A.T)
cptr = np.concatenate([[0], np.cumsum(np.bincount(cc, minlength=30))])
np.savez("csc.npz", format=np.array(b"csc"), shape=np.array([40, 30]), data=A[rr, cc], indices=rr, indptr=cptr)
np.savez("coo.npz", format=np.array(b"coo"), shape=np.array([40, 30]), row=r, col=c, data=A[r, c])
np.savez("planetoid.npz", adj_shape=np.array([40, 30]), adj_indices=c, adj_indptr=indptr,
         attr_shape=np.array([40, 30]), attr_indices=c, attr_indptr=indptr, attr_data=A[r, c])
np.savez("bad.npz", labels=np.arange(3))
np.save("want.npy", A)
PY
for f in csr csc coo; do "$py" "$src/scripts/npz2mtx.py" $f.npz $f.mtx >/dev/null; done
"$py" "$src/scripts/npz2mtx.py" planetoid.npz adj.mtx >/dev/null          # adj_ by default: a pattern
"$py" "$src/scripts/npz2mtx.py" planetoid.npz attr.mtx --part attr >/dev/null
"$py" - <<'PY'
import numpy as np
A = np.load("want.npy")
def read(p):
    lines = [l for l in open(p) if not l.startswith("%")]
    m, n, k = map(int, lines[0].split())
    M = np.zeros((m, n))
    for l in lines[1:]:
        i, j, v = l.split()
        M[int(i) - 1, int(j) - 1] = float(v)
    assert len(lines) - 1 == k
    return M
for f in ("csr", "csc", "coo", "attr"):
    assert np.array_equal(read(f + ".mtx"), A), f
assert np.array_equal(read("adj.mtx"), (A != 0).astype(float)), "adj"
PY
printf 'tensor A[N, K] : csr\ntensor x[K] : dense\ny[i] = A[i,k] * x[k]\n' > spmv.ff
for f in csr csc coo adj attr; do
  "$ff" run spmv.ff --tensor A=$f.mtx --random 1 --check | grep -q "reference interpreter bit-exactly" || { echo "$f.mtx: run failed"; exit 1; }
done
# errors: one line on stderr, exit 1; usage exit 2
check() { want=$1; msg=$2; shift 2
  set +e; "$py" "$src/scripts/npz2mtx.py" "$@" >/dev/null 2>err.txt; rc=$?; set -e
  [ "$rc" -eq "$want" ] && [ "$(wc -l <err.txt)" -eq 1 ] && grep -qF -- "$msg" err.txt || { echo "npz2mtx $*: exit $rc, stderr:"; cat err.txt; exit 1; }
}
check 1 "bad.npz: expected a sparse matrix's keys" bad.npz out.mtx
check 1 "nothing.npz: cannot read as .npz" nothing.npz out.mtx
check 2 "usage: npz2mtx.py" csr.npz
check 2 "--part needs a value" csr.npz out.mtx --part
[ ! -e out.mtx ] && [ ! -e out.mtx.tmp ] || { echo "a failed conversion left a file"; exit 1; }
echo "npz2mtx: 5 layouts converted, read back and run; 4 errors"
