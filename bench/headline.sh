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
# (a spec "SPEC@INDEX:P" adds --par INDEX:P; its speedup is over the
# unfused schedule with the same --par; "SPEC!" skips --reuse recompute,
# which runs for hours there)
  "autoencoder|--random 1 --density 0.1 --dim B=32 --dim D=256 --dim E=64|none=none all=all none+par4=none@b:4 all+par4=all@b:4"
  "gcn|--random 1 --density 0.05 --dim N=128 --dim F=64 --dim H=16 --dim C=7|none=none per-layer=1-3,4-5,6-8 all=all none+par4=none@i:4 per-layer+par4=1-3,4-5,6-8@i:4"
  "graphsage|--random 1 --density 0.05 --dim N=128 --dim F=64 --dim H=16 --dim C=7|none=none per-layer=1-2,3-5,6-8 all=all none+par4=none@i:4 per-layer+par4=1-2,3-5,6-8@i:4"
  "gpt3_bigbird|--random 1 --density 0.4 --dim S=32 --dim M=16 --dim H=2 --dim D=8 --dim F=32|none=none partial=1-4,5-7,8-11 per-component=1-4,5-7,8,9-11 attention+ffn=1-7,8-11 all=all! none+par4=none@s:4 partial+par4=1-4,5-7,8-11@s:4"
)

# Total cycles of one run (the kernel lines summed: the total line appears
# only with several kernels); "FAIL" when it fails its check.
run_total() {
  local out
  # shellcheck disable=SC2068
  out=$("$ff" run "$@" --arch "$arch" --check 2>&1) || { echo "headline.sh: run $* failed:" >&2; echo "$out" >&2; exit 1; }
  sed -n 's/.*: kernel [0-9.]* .* -> .*: \([0-9]*\) cycles.*/\1/p' <<<"$out" | awk '{ s += $1 } END { if (NR) print s }'
}

printf '| app | schedule | kernels | cycles, `--reuse recompute` | `--reuse auto` | `--reuse hold` | speedup over unfused (auto) | best mode, speedup |\n|---|---|---|---|---|---|---|---|\n'
for r in "${runs[@]}"; do
  IFS='|' read -r app args scheds <<<"$r"
  declare -A base=()
  for s in $scheds; do
    label=${s%%=*}
    spec=${s#*=}
    par=()
    key=serial
    if [[ $spec == *@* ]]; then
      par=(--par "${spec#*@}")
      key=${spec#*@}
      spec=${spec%@*}
    fi
    declare -A cyc=()
    modes="recompute auto hold"
    if [[ $spec == *! ]]; then
      spec=${spec%!}
      modes="auto hold"
      cyc[recompute]="--"
    fi
    for mode in $modes; do
      # shellcheck disable=SC2086
      cyc[$mode]=$(run_total "bench/apps/$app.ff" $args --fuse "$spec" "${par[@]}" --reuse $mode)
      [ -n "${cyc[$mode]}" ] || { echo "headline.sh: $app --fuse $spec --reuse $mode printed no total" >&2; exit 1; }
    done
    nk=$("$build/fuseflow" compile "bench/apps/$app.ff" --fuse "$spec" --reuse recompute 2>&1 | grep -c ': kernel [0-9]* ' || true)
    [ -n "${base[$key]:-}" ] || base[$key]=${cyc[auto]}
    speedup=$(awk -v b="${base[$key]}" -v c="${cyc[auto]}" 'BEGIN { printf "%.2fx", b / c }')
    best=auto
    for mode in recompute hold; do [[ ${cyc[$mode]} != -- ]] && [ "${cyc[$mode]}" -lt "${cyc[$best]}" ] && best=$mode; done
    bspeed=$(awk -v b="${base[$key]}" -v c="${cyc[$best]}" 'BEGIN { printf "%.2fx", b / c }')
    printf '| %s | %s (`%s`%s) | %s | %s | %s | %s | %s | %s %s |\n' "$app" "$label" "$spec" "${par:+ --par ${par[1]}}" "$nk" \
      "${cyc[recompute]}" "${cyc[auto]}" "${cyc[hold]}" "$speedup" "$best" "$bspeed"
    unset cyc
  done
  unset base
done

# The three-statement attention of examples/attention_softmax.ff (N=128,
# D=16, density 0.1): fully fused against unfused and against its slowest
# unfused kernel (a pipeline is bound by its slowest stage).
aargs="--random 1 --dim N=128 --dim D=16 --density 0.1"
printf '\n| attention (3 statements) | `--reuse` | unfused | slowest unfused kernel | fully fused | fused / slowest kernel | speedup |\n|---|---|---|---|---|---|---|\n'
for mode in recompute auto; do
  # shellcheck disable=SC2086
  out=$("$ff" run examples/attention_softmax.ff $aargs --fuse none --reuse $mode --arch "$arch" --check 2>&1) ||
    { echo "headline.sh: attention unfused failed:" >&2; echo "$out" >&2; exit 1; }
  kc=$(sed -n 's/.*: kernel [0-9.]* .* -> .*: \([0-9]*\) cycles.*/\1/p' <<<"$out")
  un=$(awk '{ s += $1 } END { print s }' <<<"$kc")
  slow=$(sort -n <<<"$kc" | tail -1)
  # shellcheck disable=SC2086
  fused=$(run_total examples/attention_softmax.ff $aargs --fuse all --reuse $mode)
  printf '| N=128, D=16 | %s | %s | %s | %s | %s | %s |\n' "$mode" "$un" "$slow" "$fused" \
    "$(awk -v a="$fused" -v b="$slow" 'BEGIN { printf "%.2fx", a / b }')" "$(awk -v a="$un" -v b="$fused" 'BEGIN { printf "%.2fx", a / b }')"
done

# BigBird: scalar vs true-block sparsity. The model is the same block with
# its mask and the attention scores it shapes (Sc, P) declared in B x B
# blocks -- BigBird's block size is a property of the model -- on a real
# BigBird mask (ff_appdata bigbird) of that block size. Scalar runs walk
# the blocks element by element; --block B streams whole blocks.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
S=256
bargs="--random 1 --dim S=$S --dim M=32 --dim H=2 --dim D=16 --dim F=64"
printf '\n| BigBird block (S=%s) | schedule | scalar cycles | block cycles | speedup | attention kernels (Sc, P, O): scalar -> block |\n|---|---|---|---|---|---|\n' "$S"
for B in 16 32 64; do
  "$build/bench/ff_appdata" bigbird "$S" "$B" 1 "$tmp/mask$B.mtx" >/dev/null
  sed "s|^tensor Mask\[S, S\] : csr|tensor Mask[S, S] : bcsr($B)|;
       s|^tensor Sc\[H, S, S\] : dcc|tensor Sc[H, S, S] : ddcdd:0,1/$B,2/$B,1%$B,2%$B|;
       s|^tensor P\[H, S, S\] : dcc|tensor P[H, S, S] : ddcdd:0,1/$B,2/$B,1%$B,2%$B|" bench/apps/gpt3_bigbird.ff >"$tmp/gpt$B.ff"
  for s in none=none per-component=1-4,5-7,8,9-11; do
    label=${s%%=*}
    spec=${s#*=}
    row=()
    for mode in scalar block; do
      blk=()
      [ $mode = block ] && blk=(--block "$B")
      # shellcheck disable=SC2086
      out=$("$ff" run "$tmp/gpt$B.ff" $bargs --tensor Mask="$tmp/mask$B.mtx" --fuse "$spec" "${blk[@]}" --arch "$arch" --check 2>&1) ||
        { echo "headline.sh: BigBird B=$B --fuse $spec ($mode) failed:" >&2; echo "$out" >&2; exit 1; }
      total=$(sed -n 's/.*: kernel [0-9.]* .* -> .*: \([0-9]*\) cycles.*/\1/p' <<<"$out" | awk '{ s += $1 } END { print s }')
      # the kernels computing Sc, P and O (statements 5-7)
      attn=$(sed -n 's/.*: kernel [0-9.]* (statements* \([0-9-]*\)) -> .*: \([0-9]*\) cycles.*/\1 \2/p' <<<"$out" |
        awk '{ split($1, r, "-"); lo = r[1]; hi = (r[2] == "" ? r[1] : r[2]); if (hi >= 5 && lo <= 7) s += $2 } END { print s }')
      row+=("$total" "$attn")
    done
    speedup=$(awk -v a="${row[0]}" -v b="${row[2]}" 'BEGIN { printf "%.2fx", a / b }')
    aspeed=$(awk -v a="${row[1]}" -v b="${row[3]}" 'BEGIN { printf "%.2fx", a / b }')
    printf '| B=%s | %s (`%s`) | %s | %s | %s | %s -> %s (%s) |\n' "$B" "$label" "$spec" "${row[0]}" "${row[2]}" "$speedup" "${row[1]}" "${row[3]}" "$aspeed"
  done
done
