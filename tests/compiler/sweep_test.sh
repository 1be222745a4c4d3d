#!/bin/sh
# sweep_test.sh FUSEFLOW SRC DIR -- `fuseflow sweep` end to end on a small
# space (SpMV, 2 FIFO depths x 3 --par choices, one impossible): a seeded
# sample first, then the whole space resumes from it (only the missing
# points run), a rerun runs nothing, the CSV holds every point once, a
# point's cycles equal `fuseflow run`'s with the same arch, every point has
# an energy made of its parts, --check passes,
# and a database made for another space is refused.
set -eu
ff=$1; src=$2; dir=$3
rm -rf "$dir"; mkdir -p "$dir"; cd "$dir"
cat >space.json <<JSON
{"fuseflow": "space", "version": 1, "model": "$src/examples/spmv.ff",
 "inputs": {"random": 1, "density": 0.2, "dims": {"N": 48, "K": 40}},
 "arch": "$src/arch/hbm-study.json",
 "arch_params": {"fifo_depth": [2, 4]},
 "schedule": {"par": ["", "i:2", "z:2"]}}
JSON
fail() { echo "sweep_test: $*"; exit 1; }
"$ff" sweep space.json -j 2 --sample 2 --seed 3 >out1.txt 2>/dev/null
grep -q "2 points visited: 2 run now" out1.txt || fail "sample: $(cat out1.txt)"
"$ff" sweep space.json -j 2 --csv all.csv >out2.txt 2>/dev/null
grep -q "6 points visited: 4 run now (.* errors), 2 already in space.db" out2.txt || fail "resume: $(cat out2.txt)"
"$ff" sweep space.json --plot front.svg >out3.txt 2>/dev/null
grep -q "6 points visited: 0 run now (0 errors), 6 already" out3.txt || fail "rerun: $(cat out3.txt)"
grep -q "<svg" front.svg && [ ! -e front.svg.tmp ] || fail "--plot: no front.svg"
grep -q "^  fifo_depth  *2: [0-9.]*  4: [0-9.]*" out2.txt || fail "effects: $(cat out2.txt)"
[ "$(wc -l <all.csv)" -eq 7 ] || fail "all.csv: $(wc -l <all.csv) lines, expected a header and 6 points"
# the impossible --par is a recorded error, not a crash, in both depths
[ "$(grep -c ',z:2,error,' all.csv)" -eq 2 ] || fail "z:2 points: $(grep z:2 all.csv)"
grep -q "no statement has a loop 'z'" all.csv || fail "z:2 error text"
# fifo_depth 4 serial is hbm-study itself: the same cycles as fuseflow run
want=$("$ff" run "$src/examples/spmv.ff" --random 1 --density 0.2 --dim N=48 --dim K=40 --arch "$src/arch/hbm-study.json" |
       sed -n 's/.*-> y: \([0-9]*\) cycles.*/\1/p')
got=$(awk -F, '$2 == 4 && $3 == "" { print $5 }' all.csv)
[ -n "$want" ] && [ "$got" = "$want" ] || fail "fifo_depth=4 serial: sweep $got cycles, fuseflow run $want"
# every ok point has an energy, its four parts adding up to it
# (docs/synthesis.md "Energy"), and the front weighs it
grep -q "Pareto front, cycles vs area vs energy" out2.txt || fail "front without energy: $(head -3 out2.txt)"
awk -F, 'NR == 1 { for (c = 1; c <= NF; c++) col[$c] = c; next }
         $col["status"] == "ok" {
           e = $col["energy_nj"]; s = $col["energy_logic_nj"] + $col["energy_sram_nj"] + $col["energy_offchip_nj"] + $col["energy_leakage_nj"]
           if (!(e > 0) || (s - e) / e > 1e-3 || (e - s) / e > 1e-3) { print "point " $1 ": energy " e ", parts " s; bad = 1 } }
         END { exit bad }' all.csv || fail "energy columns"
# every point checked against the reference
"$ff" sweep space.json --db checked.db --check >out4.txt 2>/dev/null
grep -q "6 points visited: 6 run now (2 errors)" out4.txt || fail "--check: $(cat out4.txt)"
# the surrogate search: its budget of new evaluations, then the rest
"$ff" sweep space.json --db sur.db --search surrogate --sample 3 -j 1 >out5.txt 2>/dev/null
grep -q "3 points visited: 3 run now" out5.txt || fail "surrogate: $(cat out5.txt)"
"$ff" sweep space.json --db sur.db --search surrogate --sample 10 >out6.txt 2>/dev/null
grep -q "3 points visited: 3 run now" out6.txt || fail "surrogate, the rest of the space: $(cat out6.txt)"
# a database is for its own space
sed 's/\[2, 4\]/[2, 8]/' space.json >other.json
set +e; "$ff" sweep other.json --db space.db >/dev/null 2>err.txt; rc=$?; set -e
[ $rc -eq 1 ] && grep -q "space.db: made for another design space" err.txt || fail "other space: exit $rc, $(cat err.txt)"
echo "sweep_test: sample, resume, rerun, CSV, cycles, --check and a foreign database all as expected"
