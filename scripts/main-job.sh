#!/usr/bin/env bash
# The main job: builds fuseflow and runs a real sparse model layer end to end
# on shipped data -- one GraphChallenge sparse-DNN layer, Y = X * W, with the
# 1200 MNIST-derived sparse images X (1200x1024) and the RadiX-Net layer
# weights W (1024x1024) -- on the cycle model, writing Y and checking it
# bit-exactly against the dense reference.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
data=${FUSEFLOW_SHARED_DATA:-../shared/data}

cmake -S . -B build >/dev/null
cmake --build build -j"$jobs" --target fuseflow
build/fuseflow sim tests/graphs/spmm_ikj.json \
  --tensor A="$data/ml/graphchallenge_sparse-images-1024_subset.mtx" \
  --tensor B="$data/ml/graphchallenge_n1024-l1.mtx" \
  --out out/dnn-layer --check
