#!/bin/sh
# sweep_slurm_test.sh FUSEFLOW SRC DIR -- `fuseflow sweep --backend slurm`
# on a running Slurm cluster (scripts/slurm-local.sh start; scripts/test.sh
# starts it when run as root): a small space (SpMV, 2 FIFO depths x 3 --par
# choices, one impossible) gives every point the same result as the local
# back end, with --check; a rerun submits nothing; result files a killed
# sweep's tasks left are recorded and not run again; the surrogate search
# submits its rounds as arrays. No cluster is a failure, not a skip.
set -eu
ff=$1; src=$2; dir=$3
fail() { echo "sweep_slurm_test: $*"; exit 1; }
sinfo -h -o %t >/dev/null 2>&1 ||
  fail "no Slurm cluster answers sinfo (start one: scripts/slurm-local.sh start, as root)"
rm -rf "$dir"; mkdir -p "$dir"; cd "$dir"
cat >space.json <<JSON
{"fuseflow": "space", "version": 1, "model": "$src/examples/spmv.ff",
 "inputs": {"random": 1, "density": 0.2, "dims": {"N": 48, "K": 40}},
 "arch": "$src/arch/hbm-study.json",
 "arch_params": {"fifo_depth": [2, 4]},
 "schedule": {"par": ["", "i:2", "z:2"]}}
JSON
"$ff" sweep space.json --db local.db --csv local.csv >local.txt 2>&1 || fail "local: $(cat local.txt)"
"$ff" sweep space.json --db slurm.db --csv slurm.csv --backend slurm --check >slurm.txt 2>&1 ||
  fail "slurm: $(cat slurm.txt)"
grep -q "6 points visited: 6 run now (2 errors), 0 already in slurm.db" slurm.txt || fail "slurm: $(cat slurm.txt)"
grep -q "job [0-9]*, an array of 6 points" slurm.txt || fail "slurm: not one array of 6: $(cat slurm.txt)"
# every point: the same status, cycles, primitives, bytes, graphs and error
noseconds() { awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "seconds") s = i } { $s = ""; print }' "$1"; }
noseconds local.csv >local.cut
noseconds slurm.csv >slurm.cut
cmp -s local.cut slurm.cut || fail "slurm and local differ: $(diff local.cut slurm.cut)"
grep -q "no statement has a loop 'z'" slurm.csv || fail "z:2 error text: $(grep z:2 slurm.csv)"
[ ! -e slurm.db.slurm ] || fail "slurm.db.slurm left behind: $(ls slurm.db.slurm)"
# a rerun submits nothing
"$ff" sweep space.json --db slurm.db --backend slurm >rerun.txt 2>&1 || fail "rerun: $(cat rerun.txt)"
grep -q "6 points visited: 0 run now (0 errors), 6 already" rerun.txt || fail "rerun: $(cat rerun.txt)"
! grep -q "an array" rerun.txt || fail "rerun submitted a job: $(cat rerun.txt)"
# what a killed sweep's tasks left: recorded, not run again
mkdir resume.db.slurm
"$ff" sweep space.json --eval-point 4 --result resume.db.slurm/point-4.res 2>/dev/null || fail "--eval-point"
"$ff" sweep space.json --db resume.db --backend slurm --csv resume.csv >resume.txt 2>&1 || fail "resume: $(cat resume.txt)"
grep -q "recorded 1 results an earlier sweep's jobs left" resume.txt || fail "resume: $(cat resume.txt)"
grep -q "an array of 5 points" resume.txt || fail "resume: not 5 points run: $(cat resume.txt)"
noseconds resume.csv | cmp -s - local.cut || fail "resume: differs from local"
# the surrogate search: each round one array
"$ff" sweep space.json --db sur.db --backend slurm --search surrogate --sample 3 -j 1 >sur.txt 2>&1 ||
  fail "surrogate: $(cat sur.txt)"
grep -q "3 points visited: 3 run now" sur.txt || fail "surrogate: $(cat sur.txt)"
[ "$(grep -c "an array of" sur.txt)" -eq 2 ] || fail "surrogate: expected 2 arrays: $(cat sur.txt)"
echo "sweep_slurm_test: the same results as local, with --check; rerun, resume and surrogate as expected"
