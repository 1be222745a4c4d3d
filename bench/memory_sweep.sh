#!/usr/bin/env bash
# How off-chip bandwidth, latency and on-chip capacity move cycles (issue 18,
# docs/timing.md section 4), on real matrices: every run is
# `fuseflow run --check` of one kernel on arch/hbm-study.json with one
# parameter changed.
#
#   bench/memory_sweep.sh [BUILD_DIR] [DATA_DIR]   (defaults: build, ../shared/data/suitesparse)
#
# Bandwidth: one channel issuing a 64-byte request every II cycles (64/II
# bytes a cycle), II = 1..32. Latency: 8 channels, 30..960 cycles. Capacity:
# glb_words (the on-chip words a kernel's tiles must fit, --tile auto)
# 256..65536. Prints one row per run: cycles, tiles (run/planned where
# --tile auto skipped empty ones), requests, bytes, and
# the share of port-cycles spent waiting for memory.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
data=${2:-../shared/data/suitesparse}
ff=$build/fuseflow
[ -x "$ff" ] || { echo "memory_sweep.sh: $ff not built (cmake --build $build)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# arch/hbm-study.json with offchip.KEY = VALUE (and glb_words for "glb")
arch_with() {
    local key=$1 value=$2 out=$tmp/arch-$1-$2.json
    /usr/bin/python3 - "$key" "$value" "$out" <<'PY'
import json, sys
key, value, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
a = json.load(open("arch/hbm-study.json"))
if key == "glb":
    a["glb_words"] = value
else:
    for k, v in (x.split("=") for x in key.split(",")):
        a["offchip"][k] = int(v) if v != "VALUE" else value
json.dump(a, open(out, "w"))
PY
    echo "$out"
}

# one run: label, arch, kernel, extra args; prints the row
row() {
    local label=$1 arch=$2 kernel=$3
    shift 3
    local out
    out=$("$ff" run "examples/$kernel.ff" --arch "$arch" --check "$@" 2>&1) || { echo "$out" >&2; exit 1; }
    local cyc tiles off
    cyc=$(echo "$out" | sed -n 's/.*: \([0-9]*\) cycles, .*/\1/p' | head -1)
    # tiles run, "/ the plan's" when empty ones were skipped
    tiles=$(echo "$out" | sed -n 's/.* in \([0-9]*\) tiles$/\1/p; s/.* in \([0-9]*\) tiles (\([0-9]*\) empty skipped)$/\1 \2/p' | head -1)
    case $tiles in *" "*) set -- $tiles; tiles="$1/$(($1 + $2))" ;; esac
    off=$(echo "$out" | sed -n 's/^  off-chip: \([0-9]*\) requests, \([0-9]*\) bytes read, \([0-9]*\) written; memory waits [0-9]* tile-cycles (\([0-9.]*\)% .*/\1 \2 \3 \4/p' | head -1)
    set -- $off
    printf "%-8s %-22s %10s %13s %9s %11s %11s %7s%%\n" "$kernel" "$label" "$cyc" "${tiles:-1}" "$1" "$2" "$3" "$4"
}

hdr() { printf "%-8s %-22s %10s %13s %9s %11s %11s %8s\n" kernel setting cycles tiles requests "bytes in" "bytes out" waiting; }

for m in jagmesh7 delaunay_n14; do
    A=$data/$m.mtx
    echo "== $m ($(grep -v '^%' "$A" | head -1))"
    hdr
    for k in spmv spmm; do
        args=(--tensor A="$A" --random 1)
        [ $k = spmm ] && args+=(--dim M=16)
        for ii in 1 4 16 32; do
            row "1 ch, II $ii" "$(arch_with "channels=1,ii=VALUE" $ii)" $k "${args[@]}"
        done
        for lat in 30 120 480 960; do
            row "8 ch, latency $lat" "$(arch_with "latency=VALUE" $lat)" $k "${args[@]}"
        done
        for glb in 65536 4096 1024 256; do
            [ "$k.$m.$glb" = spmm.delaunay_n14.256 ] && continue  # 524,288 tiles: an hour
            row "glb_words $glb" "$(arch_with glb $glb)" $k "${args[@]}" --tile auto
        done
    done
done
