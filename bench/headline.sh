#!/usr/bin/env bash
# The headline table of bench/README.md: simulated cycles of each
# application unfused, partially fused and fully fused, and the speedup of
# each fused schedule over unfused, on one architecture.
#
#   bench/headline.sh [BUILD_DIR] [ARCH.json]     (defaults: build, arch/hbm-study.json)
#
# Every run is `fuseflow run ... --check`: a schedule whose outputs differ
# from the reference interpreter stops the script. Sizes are the "bench"
# sizes below (seconds per app, not the published full sizes; see
# bench/README.md). Inputs are random with seed 1 unless noted.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
arch=${2:-arch/hbm-study.json}
ff=$build/fuseflow
[ -x "$ff" ] || { echo "headline.sh: $ff not built (cmake --build $build)" >&2; exit 1; }

# app  | fixed arguments | schedules (label=spec ...)
runs=(
  "autoencoder|--random 1 --density 0.1 --dim B=32 --dim D=256 --dim E=64|none=none all=all"
  "gcn|--random 1 --density 0.05 --dim N=128 --dim F=64 --dim H=16 --dim C=7|none=none per-layer=1-3,4-5,6-8 all=all"
  "graphsage|--random 1 --density 0.05 --dim N=128 --dim F=64 --dim H=16 --dim C=7|none=none per-layer=1-2,3-5,6-8 all=all"
  "gpt3_bigbird|--random 1 --density 0.4 --dim S=32 --dim M=16 --dim H=2 --dim D=8 --dim F=32|none=none per-component=1-4,5-7,8,9-11 attention+ffn=1-7,8-11"
)

printf '| app | schedule | kernels | cycles | speedup over unfused |\n|---|---|---|---|---|\n'
for r in "${runs[@]}"; do
  IFS='|' read -r app args scheds <<<"$r"
  base=
  for s in $scheds; do
    label=${s%%=*}
    spec=${s#*=}
    # shellcheck disable=SC2086
    out=$("$ff" run "bench/apps/$app.ff" $args --fuse "$spec" --arch "$arch" --check 2>&1) ||
      { echo "headline.sh: $app --fuse $spec failed:" >&2; echo "$out" >&2; exit 1; }
    # one line per kernel "...: kernel N (...) -> T: C cycles, ..."; the
    # total line appears only with several kernels
    cycles=$(sed -n 's/.*: kernel [0-9]* .* -> .*: \([0-9]*\) cycles.*/\1/p' <<<"$out" | awk '{ s += $1 } END { if (NR) print s }')
    nk=$(grep -c ': kernel [0-9]* ' <<<"$out" || true)
    [ -n "$cycles" ] || { echo "headline.sh: $app --fuse $spec printed no total" >&2; exit 1; }
    [ -n "$base" ] || base=$cycles
    speedup=$(awk -v b="$base" -v c="$cycles" 'BEGIN { printf "%.2fx", b / c }')
    printf '| %s | %s (`%s`) | %s | %s | %s |\n' "$app" "$label" "$spec" "$nk" "$cycles" "$speedup"
  done
done
