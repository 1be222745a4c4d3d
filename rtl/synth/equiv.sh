#!/usr/bin/env bash
# equiv.sh -- co-simulates synthesized tiles against their RTL on random
# stimulus (rtl/synth/equiv_tb.sv, docs/synthesis.md "Checking the netlists"):
# for each UNIT, Verilator builds the RTL tile and the netlist DIR/UNIT.v
# (written by synth.mjs) side by side and runs CYCLES cycles; any difference
# fails. With --mutants M it first proves the check can fail: M copies of
# the netlist, each with another AND gate made an OR (spread over the
# netlist), and at least one must be caught (a gate the stimulus never makes
# observable can pass; the count is printed).
#
#   rtl/synth/equiv.sh [--cycles N] [--mutants M] DIR UNIT[,UNIT...] SOURCES...
#
# SOURCES: the RTL as synth.mjs takes it. Exit 0 when every unit matches.
set -euo pipefail
cycles=20000
mutants=0
while [ $# -gt 0 ]; do
  case "$1" in
    --cycles) cycles="$2"; shift 2 ;;
    --mutants) mutants="$2"; shift 2 ;;
    *) break ;;
  esac
done
[ $# -ge 3 ] || { echo "usage: equiv.sh [--cycles N] [--mutants M] DIR UNIT[,UNIT...] SOURCES..." >&2; exit 2; }
dir="$1"; units="$2"; shift 2
here="$(cd "$(dirname "$0")" && pwd)"
srcs=()
incdir=
for f in "$@"; do
  case "$f" in
    *.svh) incdir="$(dirname "$f")" ;;
    */ff_array.sv) ;;
    *) srcs+=("$f") ;;
  esac
done

# build DIR/UNIT.v as the netlist of module UNIT_gl, run it; $2: the netlist
run_one() {
  local unit="$1" netlist="$2" work="$3"
  local kind words
  read -r kind words < <(node -e "const p = JSON.parse(require('fs').readFileSync(process.argv[1])).params;
    console.log(p.Kind ?? '', p.MemWords ?? 0)" "$dir/$unit.json")
  [ -n "$kind" ] || { echo "equiv.sh: $unit: not a tile unit (no Kind)" >&2; return 2; }
  rm -rf "$work" && mkdir -p "$work"
  # -O0: Debian's Verilator 5.006 optimised mis-simulates these netlists (a
  # 32-bit product mapped with XNOR gates reads bit 31 set: rv * 32'(b) = 1 x
  # 71 gives 0x80000047; Yosys's own eval of the same netlist gives 71)
  if ! verilator --binary --timing -j 2 -O0 --x-assign 0 --x-initial 0 -Wno-fatal -Wno-lint -Wno-style \
       ${incdir:+-I"$incdir"} --top-module equiv_tb -GKind="$kind" -GMemWords="${words:-0}" -GCycles="$cycles" \
       +define+GL="${unit}_gl" "${srcs[@]}" "$netlist" "$here/equiv_tb.sv" --Mdir "$work" -o equiv \
       >"$work/build.log" 2>&1; then
    echo "equiv.sh: $unit: the testbench does not build (log: $work/build.log):" >&2
    grep -m3 -i error "$work/build.log" >&2 || tail -3 "$work/build.log" >&2
    return 2
  fi
  "$work/equiv"
}

fail=0
IFS=, read -r -a list <<< "$units"
for unit in "${list[@]}"; do
  [ -f "$dir/$unit.v" ] || { echo "equiv.sh: $dir/$unit.v: no netlist (run synth.mjs first)" >&2; exit 2; }
  if [ "$mutants" -gt 0 ]; then
    mapfile -t ands < <(grep -n '^  assign .* = .* & .*;$' "$dir/$unit.v" | cut -d: -f1)
    [ ${#ands[@]} -gt 0 ] || { echo "equiv.sh: $unit: no AND gate to mutate" >&2; exit 2; }
    caught=0
    for m in $(seq 1 "$mutants"); do
      line=${ands[$(( (m * ${#ands[@]}) / (mutants + 1) ))]}
      sed "${line}s/ & / | /" "$dir/$unit.v" > "$dir/$unit.mutant.v"
      run_one "$unit" "$dir/$unit.mutant.v" "$dir/equiv-$unit-mutant" >/dev/null 2>&1 || caught=$((caught + 1))
    done
    rm -f "$dir/$unit.mutant.v"
    echo "equiv.sh: $unit: $caught of $mutants netlists with one AND gate made an OR are caught"
    [ "$caught" -gt 0 ] || { echo "equiv.sh: $unit: no mutant caught: the check cannot fail" >&2; fail=1; }
  fi
  run_one "$unit" "$dir/$unit.v" "$dir/equiv-$unit" || fail=1
done
exit "$fail"
