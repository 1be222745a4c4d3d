#!/usr/bin/env bash
# The headline table of bench/README.md: simulated cycles of each
# application unfused, partially fused and fully fused, and the speedup of
# each fused schedule over unfused, on one architecture; and the same
# schedules parallelized (--par) 4 ways under the outer loop.
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
# (a spec "SPEC@INDEX:P" adds --par INDEX:P)
  "autoencoder|--random 1 --density 0.1 --dim B=32 --dim D=256 --dim E=64|none=none all=all none+par4=none@b:4 all+par4=all@b:4"
  "gcn|--random 1 --density 0.05 --dim N=128 --dim F=64 --dim H=16 --dim C=7|none=none per-layer=1-3,4-5,6-8 all=all none+par4=none@i:4 per-layer+par4=1-3,4-5,6-8@i:4"
  "graphsage|--random 1 --density 0.05 --dim N=128 --dim F=64 --dim H=16 --dim C=7|none=none per-layer=1-2,3-5,6-8 all=all none+par4=none@i:4 per-layer+par4=1-2,3-5,6-8@i:4"
  "gpt3_bigbird|--random 1 --density 0.4 --dim S=32 --dim M=16 --dim H=2 --dim D=8 --dim F=32|none=none per-component=1-4,5-7,8,9-11 attention+ffn=1-7,8-11 none+par4=none@s:4 per-component+par4=1-4,5-7,8,9-11@s:4"
)

printf '| app | schedule | kernels | cycles | speedup over unfused |\n|---|---|---|---|---|\n'
for r in "${runs[@]}"; do
  IFS='|' read -r app args scheds <<<"$r"
  base=
  for s in $scheds; do
    label=${s%%=*}
    spec=${s#*=}
    par=()
    if [[ $spec == *@* ]]; then
      par=(--par "${spec#*@}")
      spec=${spec%@*}
    fi
    # shellcheck disable=SC2086
    out=$("$ff" run "bench/apps/$app.ff" $args --fuse "$spec" "${par[@]}" --arch "$arch" --check 2>&1) ||
      { echo "headline.sh: $app --fuse $spec failed:" >&2; echo "$out" >&2; exit 1; }
    # one line per kernel "...: kernel N (...) -> T: C cycles, ..."; the
    # total line appears only with several kernels
    cycles=$(sed -n 's/.*: kernel [0-9]* .* -> .*: \([0-9]*\) cycles.*/\1/p' <<<"$out" | awk '{ s += $1 } END { if (NR) print s }')
    nk=$(grep -c ': kernel [0-9]* ' <<<"$out" || true)
    [ -n "$cycles" ] || { echo "headline.sh: $app --fuse $spec printed no total" >&2; exit 1; }
    [ -n "$base" ] || base=$cycles
    speedup=$(awk -v b="$base" -v c="$cycles" 'BEGIN { printf "%.2fx", b / c }')
    printf '| %s | %s (`%s`%s) | %s | %s | %s |\n' "$app" "$label" "$spec" "${par:+ --par ${par[1]}}" "$nk" "$cycles" "$speedup"
  done
done
