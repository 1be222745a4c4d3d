#!/usr/bin/env bash
# replay_test.sh -- CTest replay_spmm (docs/synthesis.md "Energy"): spmm's
# whole RTL run is captured (fuseflow cosim --fst-all), and its tiles of the
# kinds whose netlists NETDIR holds are replayed on them: every one must
# match the RTL cycle by cycle, with energy counted; then the same replay on
# netlists with one AND gate made an OR must report a mismatch.
#
#   replay_test.sh FUSEFLOW FF_REPLAY NETDIR WORKDIR KINDS SOURCE_DIR
set -euo pipefail
[ $# -eq 6 ] || { echo "usage: replay_test.sh FUSEFLOW FF_REPLAY NETDIR WORKDIR KINDS SOURCE_DIR" >&2; exit 2; }
fuseflow="$1" replay="$2" netdir="$3" work="$4" kinds="$5" src="$6"
rm -rf "$work" && mkdir -p "$work"
"$fuseflow" cosim "$src/examples/spmm.ff" --random 1 --fst-all "$work" >/dev/null
"$replay" --kinds "$kinds" "$netdir" "$work/C" > "$work/replay.jsonl"
ok=$(grep -c '"status": "ok"' "$work/replay.jsonl" || true)
all=$(wc -l < "$work/replay.jsonl")
echo "replay_test: $ok of $all tiles ($kinds) match the RTL on spmm's streams"
[ "$ok" -eq "$all" ] && [ "$all" -ge 5 ] || { cat "$work/replay.jsonl" >&2; exit 1; }
grep -q '"e_per_firing": [1-9]' "$work/replay.jsonl" || { echo "replay_test: no energy counted" >&2; exit 1; }
caught=0
for m in 40 200 1000; do
  if ! "$replay" --mutate "$m" --kinds "$kinds" "$netdir" "$work/C" > "$work/mutant.jsonl"; then
    grep -q MISMATCH "$work/mutant.jsonl" && caught=$((caught + 1))
  fi
done
echo "replay_test: $caught of 3 mutant netlists (AND gate 40, 200, 1000 made an OR) caught"
[ "$caught" -gt 0 ] || { echo "replay_test: no mutant caught: the check cannot fail" >&2; exit 1; }
