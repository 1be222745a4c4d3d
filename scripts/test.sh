#!/usr/bin/env bash
# Builds fuseflow and runs the whole test suite: the unit tests once more
# under AddressSanitizer + UndefinedBehaviorSanitizer, then every test.
# README's test command; .ci/run runs exactly it. Exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

cmake -S . -B build-asan -DFUSEFLOW_SANITIZE=ON -DFUSEFLOW_RTL=OFF -DFUSEFLOW_TORCH=OFF >/dev/null
cmake --build build-asan -j"$jobs"
(cd build-asan && ctest -L unit --output-on-failure -j"$jobs")

cmake -S . -B build >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")
