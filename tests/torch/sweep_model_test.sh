#!/bin/sh
# sweep_model_test.sh FUSEFLOW APPDATA PYTHON SRC DIR -- model choices in
# `fuseflow sweep` (docs/sweep.md "Model choices") on real Cora: a 2 x 2
# space of hidden widths and weight densities, each trained briefly by
# scripts/train_gnn.py; every point records the accuracy of P as the cycle
# model computed it beside the float accuracy, both near each other; the
# trainer is deterministic (same arguments, same bytes) and trains a choice
# once; a second sweep gives the same results; --min-accuracy constrains
# the front.
set -eu
ff=$1; appdata=$2; py=$3; src=$4; dir=$5
rm -rf "$dir"; mkdir -p "$dir/cora"; cd "$dir"
fail() { echo "sweep_model_test: $*"; exit 1; }
"$appdata" graph cora "${FUSEFLOW_SHARED_DATA:-$src/../shared/data}" cora >/dev/null || fail "ff_appdata graph cora"
cat >space.json <<JSON
{"fuseflow": "space", "version": 1, "model": "$src/bench/apps/gcn.ff",
 "inputs": {"tensors": {"AI": "cora/AI.mtx", "X": "cora/X.mtx"}},
 "model_params": {"H": [4, 8], "weight_density": [1.0, 0.5]},
 "train": {"command": ["$py", "$src/scripts/train_gnn.py", "--hidden", "{H}", "--density", "{weight_density}",
                       "--seed", "3", "--epochs", "30", "--finetune", "10", "--cache", "models"]},
 "arch": "$src/arch/hbm-study.json",
 "schedule": {"fuse": ["none"]}}
JSON
"$ff" sweep space.json -j 2 --csv a.csv >out1.txt 2>err1.txt || fail "sweep: $(cat out1.txt err1.txt)"
[ "$(grep -c '^gcn cora H=' err1.txt)" -eq 4 ] || fail "expected 4 trainings: $(cat err1.txt)"
head -1 a.csv | grep -q '^point,H,weight_density,fuse,status,cycles,.*,accuracy,accuracy_float,area_ge,area_tiles_ge,area_crossbar_ge,area_sram_ge,energy_nj,energy_logic_nj,energy_sram_nj,energy_offchip_nj,energy_leakage_nj$' ||
  fail "header: $(head -1 a.csv)"
[ "$(wc -l <a.csv)" -eq 5 ] || fail "a.csv: expected a header and 4 points"
# every point measured; the fixed-point accuracy within 2% of the float one;
# an area whose parts add up (docs/synthesis.md)
awk -F, 'NR > 1 { if ($5 != "ok" || $12 == "" || $13 == "" || $12 < 0.3 || $12 > 1 ||
                      $12 - $13 > 0.02 || $13 - $12 > 0.02 || $14 <= 0 ||
                      $14 - $15 - $16 - $17 > 2 || $15 + $16 + $17 - $14 > 2) { print; bad = 1 } } END { exit bad }' a.csv ||
  fail "accuracy or area not recorded, or accuracy far from float: $(cat a.csv)"
grep -q "accuracy 0\.[0-9]* (float 0\.[0-9]*)  H=" out1.txt || fail "front: $(cat out1.txt)"
# the same arguments give the same bytes
"$py" "$src/scripts/train_gnn.py" --hidden 4 --density 0.5 --seed 3 --epochs 30 --finetune 10 --cache again >/dev/null 2>&1
diff -r models/gcn-cora-h4-d0.5-s3-e30-f10 again/gcn-cora-h4-d0.5-s3-e30-f10 >/dev/null || fail "training is not deterministic"
# a second sweep on a new database: nothing retrained, the same results
"$ff" sweep space.json -j 1 --db b.db --csv b.csv >out2.txt 2>err2.txt || fail "second sweep: $(cat err2.txt)"
grep -q '^gcn cora H=' err2.txt && fail "retrained a cached choice: $(cat err2.txt)"
cut -d, -f1-9,11- a.csv >a.cut; cut -d, -f1-9,11- b.csv >b.cut   # all but seconds
cmp -s a.cut b.cut || fail "a second sweep differs: $(diff a.cut b.cut)"
# the constraint: nothing is at least 100% accurate
"$ff" sweep space.json --min-accuracy 1 >out3.txt 2>/dev/null
grep -q "(0 points; 4 of 4 below accuracy 1 or unmeasured, left out)" out3.txt || fail "--min-accuracy: $(cat out3.txt)"
echo "sweep_model_test: 4 model choices trained once, accuracy recorded per point, deterministic, constrained"
