#!/usr/bin/env bash
# Co-simulation at real size (issue 18): `fuseflow cosim --tile auto` of the
# kernels spmv, spmm, sddmm, add and mul (examples/*.ff) on every .mtx in a
# folder, and spmv, spmm on the Cora graph, printed as one markdown table:
# matrix, rows x cols, nnz, kernel, the tiling auto chose and its tile count,
# cycles (C model = RTL, or the failure), the run's wall time, and whether
# outputs and cycles matched.
#
#   scripts/cosim-table.sh [--quick] [-j N] [--time-limit SEC] [--all]
#                          [--build DIR] [--no-cora] [--logs DIR] [--arch ARCH.json] [FOLDER]
#
# FOLDER         the .mtx files (default ../shared/data/suitesparse beside the repo)
# --quick        the CI subset: lp_afiro and west0067 x every kernel; no Cora
# -j N           runs at once (default 1; each is one process on one core)
# --time-limit   seconds one run may take before it is stopped and reported
#                as a timeout (default 900: Cora spmm takes 6 minutes)
# --all          also run the pairs the default set skips as too slow (SLOW below)
# --build DIR    the build tree with fuseflow and bench/ff_appdata (default build)
# --no-cora      leave the Cora rows out
# --arch FILE    the architecture (arch/hbm-study.json: the off-chip memory
#                on, so the table shows each run's off-chip bytes and the
#                share of its ports' cycles spent waiting for memory; without
#                it those columns are "-")
# --logs DIR     keep each run's output, cosim --report and status in DIR
#                (MATRIX-KERNEL.log, .report, .status); a run whose .status is
#                there already is not made again, so a table resumes, or is
#                printed again from its logs
#
# Inputs: the matrix goes to every sparse operand (spmv A, spmm A, sddmm M,
# add and mul A and B); every dense operand is random with seed 1 (--random 1;
# spmm's B is K x 16, sddmm's Q and K are N x 16). Cora is A + I of the
# undirected citation graph (bench/ff_appdata graph cora, 2708 x 2708).
# The wall time is the whole `fuseflow cosim` process: compile, tiling,
# the C model and the RTL of every tile (the RTL is most of it).
#
# Exit status: 0 when every run that was made passed, 1 when one failed or
# timed out, 2 on a usage error. Same inputs, same table (but wall times).
#
# Adding a column: parse it from the run's log (and report) in parse_run,
# and print it in header and row.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
  echo "usage: scripts/cosim-table.sh [--quick] [-j N] [--time-limit SEC] [--all] [--build DIR] [--no-cora]" \
       "[--logs DIR] [--arch ARCH.json] [FOLDER]" >&2
  exit 2
}

quick=0 jobs=1 limit=900 all=0 cora=1 build=$root/build folder="" logs="" arch=""
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    -j) [ $# -ge 2 ] || usage; jobs=$2; shift ;;
    -j*) jobs=${1#-j} ;;
    --time-limit) [ $# -ge 2 ] || usage; limit=$2; shift ;;
    --all) all=1 ;;
    --no-cora) cora=0 ;;
    --build) [ $# -ge 2 ] || usage; build=$2; shift ;;
    --logs) [ $# -ge 2 ] || usage; logs=$2; shift ;;
    --arch) [ $# -ge 2 ] || usage; arch=$2; shift ;;
    -h|--help) sed -n '2,35p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "cosim-table.sh: unknown option '$1'" >&2; usage ;;
    *) [ -z "$folder" ] || usage; folder=$1 ;;
  esac
  shift
done
case $jobs in ''|*[!0-9]*|0) echo "cosim-table.sh: -j wants a positive count, not '$jobs'" >&2; usage ;; esac
case $limit in ''|*[!0-9]*|0) echo "cosim-table.sh: --time-limit wants seconds, not '$limit'" >&2; usage ;; esac
data=$root/../shared/data
[ -n "$folder" ] || folder=$data/suitesparse
if [ ! -d "$folder" ]; then echo "cosim-table.sh: $folder: no such folder" >&2; exit 1; fi
fuseflow=$build/fuseflow
if [ ! -x "$fuseflow" ]; then echo "cosim-table.sh: $fuseflow: not built (cmake --build $build)" >&2; exit 1; fi

kernels=(spmv spmm sddmm add mul)
# Pairs left out of the default set for time, with the reason printed in
# their row (--all runs them; each passed, C = RTL, when run so on
# 2026-12-07 on this repository's 2-core machine, two at a time, in the
# wall time given).
declare -A SLOW=(
  [ca-GrQc:spmm]="16,588 of 17,716 tiles (i:51,j:8,k:61), 23 minutes of RTL; --all runs it"
  [ca-GrQc:sddmm]="17,175 of 28,900 tiles (i:31,j:31), 33 minutes of RTL; --all runs it"
  [delaunay_n14:spmm]="9,144 of 175,104 tiles (i:48,j:8,k:64), 15 minutes of RTL; --all runs it"
  [delaunay_n14:sddmm]="7,300 of 262,144 tiles (i:32,j:32), 15 minutes of RTL; --all runs it"
)

if [ -n "$logs" ]; then
  mkdir -p "$logs" || exit 1
  work=$(cd "$logs" && pwd)
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/cosim-table.XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi

# The run's fuseflow arguments for kernel $1 on matrix file $2.
kernel_args() {
  case $1 in
    spmv) echo "--tensor|A=$2|--random|1" ;;
    spmm) echo "--tensor|A=$2|--random|1|--dim|M=16" ;;
    sddmm) echo "--tensor|M=$2|--random|1|--dim|D=16" ;;
    add|mul) echo "--tensor|A=$2|--tensor|B=$2" ;;
  esac
}

# rows x cols and stored entries of a Matrix Market file (symmetric ones
# count both triangles, as the reader stores them).
mtx_shape() {
  awk 'NR == 1 { sym = ($0 ~ /symmetric|hermitian/) ; next }
       /^%/ { next }
       !dims { r = $1; c = $2; dims = 1; next }
       { n++; if (sym && $1 != $2) n++ }
       END { printf "%s|%s|%d\n", r, c, n }' "$1"
}

# One run: job id, matrix name, matrix file, kernel. Leaves $work/ID.log
# (stdout and stderr), ID.report (cosim --report) and ID.status (exit
# status and wall seconds).
run_one() {
  local id=$1 file=$3 kernel=$4
  local IFS='|'
  local args=($(kernel_args "$kernel" "$file"))
  unset IFS
  local t0 t1 rc
  t0=$(date +%s.%N)
  timeout --kill-after=10 "$limit" $linebuf "$fuseflow" cosim "$root/examples/$kernel.ff" "${args[@]}" --allow-rounding --tile auto \
    ${arch:+--arch "$arch"} --report "$work/$id.report" >"$work/$id.log" 2>&1
  rc=$?
  t1=$(date +%s.%N)
  echo "$rc $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') $limit" >"$work/$id.status"
  echo "cosim-table.sh: $2 x $kernel: exit $rc, $(cut -d' ' -f2 "$work/$id.status") s" >&2
}
export -f run_one kernel_args
# line-buffered, so a run stopped at the time limit still shows its tiling
linebuf=""
! command -v stdbuf >/dev/null || linebuf="stdbuf -oL"
export work limit fuseflow root linebuf arch

# 1234567 -> 1,234,567
commas() {
  local n=$1 out=""
  while [ ${#n} -gt 3 ]; do out=",${n: -3}$out"; n=${n:0:${#n}-3}; done
  echo "$n$out"
}

# Sets R_TILING R_TILES R_CYCLES R_OUT R_CYC R_WALL R_BYTES R_WAIT from run
# ID's files.
parse_run() {
  local id=$1 rc wall lim line
  read -r rc wall lim <"$work/$id.status"
  [ -n "$lim" ] || lim=$limit
  R_WALL="$wall s" R_TILING="-" R_TILES="-" R_CYCLES="" R_OUT=fail R_CYC=fail R_BYTES="-" R_WAIT="-"
  # the memory ports' figures (with an arch whose off-chip model is on)
  line=$(grep -m1 -E '^  off-chip: ' "$work/$id.log")
  if [ -n "$line" ]; then
    local rd wr
    rd=$(echo "$line" | sed -E 's/.* ([0-9]+) bytes read.*/\1/')
    wr=$(echo "$line" | sed -E 's/.* ([0-9]+) written;.*/\1/')
    R_BYTES="$(commas "$rd") / $(commas "$wr")"
    R_WAIT=$(echo "$line" | sed -E 's/.*\(([0-9.]+)% of cycles.*/\1%/')
  fi
  line=$(grep -m1 -E '^kernel 1: --tile' "$work/$id.log")
  if [ -n "$line" ]; then
    R_TILING=$(echo "$line" | sed -E 's/^kernel 1: --tile (auto: )?//; s/ \(.*//')
    # the tiles auto chose, also for a run stopped before the kernel's line:
    # those that run, "of" the plan's when empty ones are skipped
    local all skip
    all=$(echo "$line" | sed -nE 's/.* \(([0-9]+) tiles, .*/\1/p')
    skip=$(echo "$line" | sed -nE 's/.*, ([0-9]+) of them empty and skipped.*/\1/p')
    R_TILES=${all:-1}
    [ -z "$skip" ] || [ "$skip" = 0 ] || R_TILES="$(commas $((all - skip))) of $(commas "$all")"
  fi
  line=$(grep -m1 -E ' C +[0-9]+  RTL +[0-9]+ cycles  (ok|FAIL)' "$work/$id.log")
  local c rtl status
  if [ -n "$line" ]; then
    c=$(echo "$line" | sed -E 's/.* C +([0-9]+)  RTL.*/\1/')
    rtl=$(echo "$line" | sed -E 's/.*RTL +([0-9]+) cycles.*/\1/')
    status=$(echo "$line" | sed -E 's/.*cycles  (ok|FAIL).*/\1/')
    local t
    t=$(echo "$line" | sed -nE 's/.*\(([0-9]+) tiles\).*/\1/p')
    [ -z "$t" ] || R_TILES=$(commas "$t")
    [ "$R_TILES" != "-" ] || R_TILES=1
  fi
  local why
  why=$(grep '^fuseflow cosim: ' "$work/$id.log" | grep -v '^fuseflow cosim: warning: ' | head -1 | sed -E 's/^fuseflow cosim: (.*kernel [0-9]+ -> [^:]*: )?//')
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    R_CYCLES="stopped at the ${lim} s limit"
    R_OUT="-" R_CYC="-"
  elif [ "$rc" = 0 ] && [ "$status" = ok ]; then
    R_CYCLES=$(commas "$c")
    R_OUT=pass R_CYC=pass
  else
    [ -n "$why" ] || why="exit $rc"
    case $why in
      *"outputs equal, but the RTL took"*) R_OUT=pass ;;
    esac
    [ -n "${c:-}" ] && [ "$c" = "$rtl" ] && [ "$c" != 0 ] && case $why in *"RTL took"*) ;; *) R_CYC=pass ;; esac
    R_CYCLES="C $(commas "${c:-?}") RTL $(commas "${rtl:-?}"): $(echo "$why" | cut -c1-160 | sed 's/|/\\|/g')"
  fi
}

header() {
  echo "| matrix | rows x cols | nnz | kernel | tiling | tiles | cycles (C = RTL) | off-chip bytes read / written | memory wait | wall | outputs | cycles |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
}

row() { # name shape nnz kernel
  echo "| $1 | $2 | $3 | $4 | $R_TILING | $R_TILES | $R_CYCLES | $R_BYTES | $R_WAIT | $R_WALL | $R_OUT | $R_CYC |"
}

# The job list: id|name|file|kernel|skip reason
jobs_file=$work/jobs
: >"$jobs_file"
add_job() { # name file kernel
  local reason=${SLOW["$1:$3"]:-} rows cols
  [ "$all" = 0 ] || reason=""
  IFS='|' read -r rows cols _ <<<"$(mtx_shape "$2")"
  # examples/sddmm.ff samples M[N, N] with Q[N, D] K[N, D]
  [ "$3" != sddmm ] || [ "$rows" = "$cols" ] || reason="n/a: sddmm's M is square (N x N)"
  printf '%s-%s|%s|%s|%s|%s\n' "$1" "$3" "$1" "$2" "$3" "$reason" >>"$jobs_file"
}
if [ "$quick" = 1 ]; then
  for m in lp_afiro west0067; do
    [ -f "$folder/$m.mtx" ] || { echo "cosim-table.sh: --quick needs $folder/$m.mtx" >&2; exit 1; }
    for k in "${kernels[@]}"; do add_job "$m" "$folder/$m.mtx" "$k"; done
  done
else
  shopt -s nullglob
  mtxs=("$folder"/*.mtx)
  [ ${#mtxs[@]} -gt 0 ] || { echo "cosim-table.sh: $folder has no .mtx file" >&2; exit 1; }
  for f in "${mtxs[@]}"; do
    for k in "${kernels[@]}"; do add_job "$(basename "$f" .mtx)" "$f" "$k"; done
  done
  if [ "$cora" = 1 ]; then
    if [ ! -x "$build/bench/ff_appdata" ]; then
      echo "cosim-table.sh: $build/bench/ff_appdata: not built (or --no-cora)" >&2; exit 1
    fi
    mkdir -p "$work/cora"
    [ -f "$work/cora/AI.mtx" ] || "$build/bench/ff_appdata" graph cora "$data" "$work/cora" >/dev/null || exit 1
    for k in spmv spmm; do add_job cora-AI "$work/cora/AI.mtx" "$k"; done
  fi
fi

# run what is not skipped, -j at a time, the smallest matrices first
while IFS='|' read -r id name file kernel reason; do
  [ -n "$reason" ] || [ -f "$work/$id.status" ] || printf '%s|%s|%s|%s|%s\n' "$(wc -c <"$file")" "$id" "$name" "$file" "$kernel"
done <"$jobs_file" | sort -t'|' -k1,1n -s | while IFS='|' read -r _ id name file kernel; do
  printf '%s\0%s\0%s\0%s\0' "$id" "$name" "$file" "$kernel"
done | xargs -0 -r -n 4 -P "$jobs" bash -c 'run_one "$@"' _

header
failed=0
while IFS='|' read -r id name file kernel reason; do
  IFS='|' read -r rows cols nnz <<<"$(mtx_shape "$file")"
  if [ -n "$reason" ]; then
    case $reason in n/a*) ;; *) reason="skipped: $reason" ;; esac
    R_TILING="-" R_TILES="-" R_CYCLES="$reason" R_WALL="-" R_OUT="-" R_CYC="-" R_BYTES="-" R_WAIT="-"
  else
    parse_run "$id"
    [ "$R_OUT" = pass ] && [ "$R_CYC" = pass ] || failed=1
  fi
  row "$name" "$rows x $cols" "$nnz" "$kernel"
done <"$jobs_file"
exit $failed
