#!/usr/bin/env bash
# Builds fuseflow and runs the whole test suite: every test that needs no RTL
# or torch once more under AddressSanitizer + UndefinedBehaviorSanitizer
# (leaks on error paths included), then every test, then
# each libFuzzer harness for a short fixed time (clang build in build-fuzz;
# tests/fuzz/README.md; FUSEFLOW_FUZZ_SECONDS, default 25, per harness).
# README's test command; .ci/run runs exactly it. Exits non-zero on failure.
# The tests labelled slurm (`fuseflow sweep --backend slurm`) need a Slurm
# cluster: as root, this starts the one-node one (scripts/slurm-local.sh),
# and stops it at the end if it was not running before; not as root, they
# run when a cluster answers and are left out, saying so, when none does.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

no_slurm=()
if [ "$(id -u)" -eq 0 ]; then
  if ! scripts/slurm-local.sh status >/dev/null 2>&1; then
    scripts/slurm-local.sh start
    trap 'scripts/slurm-local.sh stop >/dev/null' EXIT
  fi
elif ! sinfo -h >/dev/null 2>&1; then
  echo "test.sh: not root and no Slurm cluster answers: the slurm tests are left out" >&2
  no_slurm=(-LE slurm)
fi

cmake -S . -B build-asan -DFUSEFLOW_SANITIZE=ON -DFUSEFLOW_RTL=OFF -DFUSEFLOW_TORCH=OFF >/dev/null
cmake --build build-asan -j"$jobs"
(cd build-asan && ctest --output-on-failure -j"$jobs" "${no_slurm[@]}")

cmake -S . -B build >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs" "${no_slurm[@]}")

# The fuzz harnesses need clang with libFuzzer (scripts/setup.sh installs it).
fuzz_seconds=${FUSEFLOW_FUZZ_SECONDS:-25}
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DFUSEFLOW_FUZZ=ON -DFUSEFLOW_RTL=OFF -DFUSEFLOW_TORCH=OFF \
  -DFUSEFLOW_FUZZ_SECONDS="$fuzz_seconds" >/dev/null
cmake --build build-fuzz -j"$jobs" --target fuzz_all
(cd build-fuzz && ctest -L fuzz --output-on-failure -j"$jobs")
