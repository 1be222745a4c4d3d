#!/usr/bin/env bash
# fuseflow's cycle model against SAM's Python simulator on SAM's own SpMM
# problems (issue 19): one table row per problem with the MACs, both
# simulators' cycles, our cycles per MAC, SAM's simulation-loop seconds,
# our whole-process seconds and their ratio.
#
#   bench/sam_compare.sh [--fuseflow PATH] [--runs N] [--sam-stored] SAM_DIR [PROBLEM.json ...] [-- FUSEFLOW_RUN_OPTIONS ...]
#
# SAM_DIR is SAM's simulator folder (../shared/reference/sam-sim: its
# sam_spmm_bench.py and spmm_inputs/; not ours to ship). Problems default
# to every ikj problem in SAM_DIR/spmm_inputs. Options after `--` go to
# `fuseflow run` (default `--order i,k,j --arch arch/default.json`; give
# e.g. `-- --order i,k,j --par i:4` to add to them -- the defaults are
# replaced only when an option after `--` names --order or --arch).
#
#   --fuseflow PATH  the binary (default: build/fuseflow)
#   --runs N         our whole process is the best of N runs (default 3)
#   --sam-stored     use the figures stored in the problem's "result" (made
#                    when the problem was) instead of running SAM (~45 s at
#                    1000^2)
#
# Per problem: B and C are written as MatrixMarket files, SAM's bench runs
# once (its JSON line: cycles, wall_s of the loop only), fuseflow runs
# N times as a whole process (compile, read, simulate, write X.mtx), timed
# with a monotonic clock around the process, and our X.mtx must equal SAM's
# output (X_sam) entry for entry -- else the script stops with exit 1.
# Needs Debian's /usr/bin/python3 with numpy, scipy and pytest (SAM's;
# scripts/setup.sh --bench installs them).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ff=$root/build/fuseflow
runs=3
stored=0
sam=
problems=()
extra=()
while [ $# -gt 0 ]; do
  case $1 in
    --fuseflow) ff=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --sam-stored) stored=1; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "sam_compare.sh: unknown option $1" >&2; exit 2 ;;
    *) if [ -z "$sam" ]; then sam=$1; else problems+=("$1"); fi; shift ;;
  esac
done
[ -n "$sam" ] || { echo "usage: bench/sam_compare.sh [--fuseflow PATH] [--runs N] [--sam-stored] SAM_DIR [PROBLEM.json ...] [-- OPTIONS]" >&2; exit 2; }
[ -x "$ff" ] || { echo "sam_compare.sh: $ff is not an executable (build it, or pass --fuseflow PATH)" >&2; exit 1; }
[ -f "$sam/sam_spmm_bench.py" ] || { echo "sam_compare.sh: $sam has no sam_spmm_bench.py" >&2; exit 1; }
if [ ${#problems[@]} -eq 0 ]; then
  # smallest first (ikj_M200 before ikj_M1000)
  while IFS= read -r p; do problems+=("$p"); done < <(ls "$sam"/spmm_inputs/ikj_*.json 2>/dev/null | sort -V)
fi
[ ${#problems[@]} -gt 0 ] || { echo "sam_compare.sh: no problems (none given, none in $sam/spmm_inputs)" >&2; exit 1; }
# the defaults unless the caller's options say otherwise
case " ${extra[*]:-} " in *" --order "*) ;; *) extra+=(--order i,k,j) ;; esac
case " ${extra[*]:-} " in *" --arch "*|*" --functional "*) ;; *) extra+=(--arch "$root/arch/default.json") ;; esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/spmm.ff" <<'EOF'
tensor B[M,K] : dcsr
tensor C[K,N] : dcsr
tensor X[M,N] : dcsr
X[i,j] = B[i,k] * C[k,j]
EOF

printf '| problem | MACs | SAM cycles | our cycles | our cycles/MAC | SAM loop (s) | our whole process (s) | ratio |\n'
printf '|---|---|---|---|---|---|---|---|\n'
for prob in "${problems[@]}"; do
  /usr/bin/python3 - "$prob" "$work" "$stored" "$sam" "$runs" "$ff" "${extra[@]}" <<'PY'
import json, os, subprocess, sys, time

prob, work, stored, sam, runs, ff = sys.argv[1:7]
extra = sys.argv[7:]
d = json.load(open(prob))

def entries(t):
    """(row, col) -> value of a DCSR matrix of the problem file."""
    out = {}
    for p, i in enumerate(t['crd0']):
        for q in range(t['seg1'][p], t['seg1'][p + 1]):
            out[(i, t['crd1'][q])] = t['vals'][q]
    return out

def write_mtx(t, path):
    e = entries(t)
    with open(path, 'w') as f:
        f.write('%%%%MatrixMarket matrix coordinate real general\n%d %d %d\n' % (t['shape'][0], t['shape'][1], len(e)))
        for (i, j), v in sorted(e.items()):
            f.write('%d %d %r\n' % (i + 1, j + 1, v))

B, C = d['B'], d['C']
write_mtx(B, os.path.join(work, 'B.mtx'))
write_mtx(C, os.path.join(work, 'C.mtx'))
# MACs: the nonzero products, sum over k of nnz(B[:,k]) * nnz(C[k,:])
colB = {}
for (i, k) in entries(B): colB[k] = colB.get(k, 0) + 1
rowC = {}
for (k, j) in entries(C): rowC[k] = rowC.get(k, 0) + 1
macs = sum(n * rowC.get(k, 0) for k, n in colB.items())

if stored == '1':
    r = d['result']
else:
    p = subprocess.run(['/usr/bin/python3', os.path.join(sam, 'sam_spmm_bench.py'), prob],
                       capture_output=True, text=True)
    lines = [l for l in p.stdout.splitlines() if l.startswith('{')]
    if p.returncode or not lines:
        sys.exit('sam_compare.sh: SAM on %s failed (exit %d):\n%s%s' % (prob, p.returncode, p.stdout, p.stderr))
    r = json.loads(lines[-1])
    if not r.get('correct'):
        sys.exit('sam_compare.sh: SAM reports a wrong result on %s' % prob)

out = os.path.join(work, 'out')
cmd = [ff, 'run', os.path.join(work, 'spmm.ff'), '--tensor', 'B=' + os.path.join(work, 'B.mtx'),
       '--tensor', 'C=' + os.path.join(work, 'C.mtx'), '--out', out + '/'] + extra
best = None
for _ in range(int(runs)):
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.monotonic() - t0
    if p.returncode:
        sys.exit('sam_compare.sh: %s failed (exit %d):\n%s%s' % (' '.join(cmd), p.returncode, p.stdout, p.stderr))
    best = dt if best is None or dt < best else best
cycles = 0
for line in (p.stdout + p.stderr).splitlines():  # one line per kernel: "... -> X: N cycles, ..."
    if ' -> ' in line and ' cycles' in line:
        cycles += int(line.split(' -> ', 1)[1].split(':', 1)[1].split(' cycles', 1)[0])

# our X against SAM's output, entry for entry (values are small integers:
# exact in Q15.16 and in the decimal text)
ours = {}
with open(os.path.join(out, 'X.mtx')) as f:
    lines = [l for l in f if not l.startswith('%')]
for l in lines[1:]:
    i, j, v = l.split()
    ours[(int(i) - 1, int(j) - 1)] = float(v)
X = d['X_sam']
want = {}
for p_, i in enumerate(X['X0_crd']):
    for q in range(X['X1_seg'][p_], X['X1_seg'][p_ + 1]):
        if X['vals'][q] != 0:
            want[(i, X['X1_crd'][q])] = float(X['vals'][q])
ours = {k: v for k, v in ours.items() if v != 0}
if ours != want:
    diff = sorted(set(ours.items()) ^ set(want.items()))[:5]
    sys.exit('sam_compare.sh: our X differs from SAM\'s on %s (%d vs %d nonzeros; first differences %s)'
             % (prob, len(ours), len(want), diff))

name = os.path.basename(prob).rsplit('.', 1)[0]
sam_s = r['wall_s']
print('| %s | %s | %s | %s | %.2f | %.2f | %.3f | %sx |' % (
    name, format(macs, ','), format(r['cycles'], ','), format(cycles, ','), cycles / macs,
    sam_s, best, format(round(sam_s / best), ',')))
sys.stdout.flush()
PY
done
