#!/bin/sh
# sweep_slurm_model_test.sh FUSEFLOW APPDATA PYTHON SRC DIR -- a model space
# (docs/sweep.md "Model choices") through `fuseflow sweep --backend slurm`
# on a running cluster (scripts/slurm-local.sh start): the sweep trains its
# choices, its array tasks find them in the cache, and every point records
# the same cycles and accuracies as the local back end (the result files
# carry them). Then, with the cache gone, two --eval-point tasks of one
# choice started together both train it and both give the point's result.
# No cluster is a failure, not a skip.
set -eu
ff=$1; appdata=$2; py=$3; src=$4; dir=$5
fail() { echo "sweep_slurm_model_test: $*"; exit 1; }
sinfo -h -o %t >/dev/null 2>&1 ||
  fail "no Slurm cluster answers sinfo (start one: scripts/slurm-local.sh start, as root)"
rm -rf "$dir"; mkdir -p "$dir/cora"; cd "$dir"
"$appdata" graph cora "${FUSEFLOW_SHARED_DATA:-$src/../shared/data}" cora >/dev/null || fail "ff_appdata graph cora"
cat >space.json <<JSON
{"fuseflow": "space", "version": 1, "model": "$src/bench/apps/gcn.ff",
 "inputs": {"tensors": {"AI": "cora/AI.mtx", "X": "cora/X.mtx"}},
 "model_params": {"H": [4, 8], "weight_density": [0.5]},
 "train": {"command": ["$py", "$src/scripts/train_gnn.py", "--hidden", "{H}", "--density", "{weight_density}",
                       "--seed", "3", "--epochs", "30", "--finetune", "10", "--cache", "models"]},
 "arch": "$src/arch/hbm-study.json",
 "schedule": {"fuse": ["none", "all"]}}
JSON
"$ff" sweep space.json -j 2 --db slurm.db --csv slurm.csv --backend slurm >slurm.txt 2>slurm.err ||
  fail "slurm: $(cat slurm.txt slurm.err)"
grep -q "4 points visited: 4 run now (0 errors)" slurm.txt || fail "slurm: $(cat slurm.txt slurm.err)"
[ "$(grep -c '^gcn cora H=' slurm.err)" -eq 2 ] || fail "expected the sweep to train 2 choices: $(cat slurm.err)"
"$ff" sweep space.json -j 2 --db local.db --csv local.csv >local.txt 2>&1 || fail "local: $(cat local.txt)"
grep -q '^gcn cora H=' local.txt && fail "the local sweep retrained a cached choice: $(cat local.txt)"
# every point: the same status, cycles, ..., accuracy, accuracy_float; all measured
noseconds() { awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "seconds") s = i } { $s = ""; print }' "$1"; }
noseconds local.csv >local.cut
noseconds slurm.csv >slurm.cut
cmp -s local.cut slurm.cut || fail "slurm and local differ: $(diff local.cut slurm.cut)"
awk -F, 'NR > 1 && ($5 != "ok" || $(NF - 1) == "" || $NF == "") { bad = 1 } END { exit bad }' slurm.csv ||
  fail "a point without accuracy: $(cat slurm.csv)"
sqlite3 slurm.db "SELECT key, cycles, accuracy, accuracy_float FROM points ORDER BY idx" >slurm.q
sqlite3 local.db "SELECT key, cycles, accuracy, accuracy_float FROM points ORDER BY idx" >local.q
cmp -s local.q slurm.q || fail "the databases differ: $(diff local.q slurm.q)"
# tasks that train: the cache gone, points 0 and 1 (choice H=4) at once
rm -rf models
"$ff" sweep space.json --eval-point 0 --result p0.res >e0.txt 2>&1 &
"$ff" sweep space.json --eval-point 1 --result p1.res >e1.txt 2>&1 || fail "task 1: $(cat e1.txt)"
wait $! || fail "task 0: $(cat e0.txt)"
for p in 0 1; do
  want=$(sed -n "$((p + 2))p" local.csv | awk -F, -v OFS=' ' '{ print $5, $6 }')
  got=$(awk '$1 == "status" { s = $2 } $1 == "cycles" { c = $2 } END { print s, c }' p$p.res)
  [ "$got" = "$want" ] || fail "task $p: $got, the local sweep $want: $(cat e$p.txt p$p.res)"
  grep -q '^accuracy 0\.' p$p.res || fail "task $p: no accuracy: $(cat p$p.res)"
done
ls -a models | grep -q '\.tmp-' && fail "a training's temporary directory was left: $(ls -a models)"
echo "sweep_slurm_model_test: a model space on Slurm, the same cycles and accuracies as local; tasks train it at once"
