#!/usr/bin/env bash
# The main job: builds fuseflow and runs a real sparse model end to end on
# shipped data -- one GraphChallenge sparse-DNN inference layer,
# Y = min(relu(X W + b), 32) (examples/sparse_dnn.ff), on the 1200
# MNIST-derived sparse images X (1200x1024) and the RadiX-Net layer weights
# W (1024x1024) -- compiled to dataflow graphs, run on the cycle model, the
# output written to out/sparse-dnn/ and checked bit for bit against the
# reference interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
data=${FUSEFLOW_SHARED_DATA:-../shared/data}

# Its own build tree, without the Verilated arrays (the cycle model is all it
# runs) and without the PyTorch tests (it must not need python3-torch).
cmake -S . -B build-main -DFUSEFLOW_RTL=OFF -DFUSEFLOW_TORCH=OFF >/dev/null
cmake --build build-main -j"$jobs" --target fuseflow
build-main/fuseflow run examples/sparse_dnn.ff \
  --tensor X="$data/ml/graphchallenge_sparse-images-1024_subset.mtx" \
  --tensor W="$data/ml/graphchallenge_n1024-l1.mtx" \
  --out out/sparse-dnn --check
