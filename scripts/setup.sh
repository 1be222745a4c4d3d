#!/usr/bin/env bash
# Installs every Debian package fuseflow needs, and the synthesis flow's one
# npm package (@yowasp/yosys, pinned by rtl/synth/package-lock.json, into
# rtl/synth/node_modules). Idempotent: what is installed is skipped, quietly.
# Run as root (CI and developer machines are root) or through sudo.
#
#   scripts/setup.sh          build + test dependencies
#   scripts/setup.sh --torch  also python3-torch, for the PyTorch exporter
#   scripts/setup.sh --bench  also python3-numpy/scipy/pytest, for SAM's
#                             simulator in bench/sam_compare.sh
# Slurm and munge are for `fuseflow sweep --backend slurm` and its test, on
# the one-node cluster scripts/slurm-local.sh starts.
set -euo pipefail

packages=(
  build-essential cmake ccache pkg-config
  verilator libsystemc-dev
  libcmocka-dev libjansson-dev libsqlite3-dev
  graphviz gnuplot-nox
  clang libclang-rt-14-dev
  slurmctld slurmd slurm-client munge
  nodejs
)
for arg in "$@"; do
  case "$arg" in
    --torch) packages+=(python3-torch python3-numpy) ;;
    --bench) packages+=(python3-numpy python3-scipy python3-pytest) ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (expected --torch or --bench)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Debian's nodejs ships npm apart; NodeSource's carries its own.
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  echo "setup.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Yosys for the area table (docs/synthesis.md), exactly the locked version.
synth="$(dirname "$0")/../rtl/synth"
if [ ! -f "$synth/node_modules/@yowasp/yosys/package.json" ] ||
   ! grep -q '"version": "0.55.944"' "$synth/node_modules/@yowasp/yosys/package.json"; then
  echo "setup.sh: installing @yowasp/yosys (npm ci in rtl/synth)"
  npm ci --prefix "$synth" --silent --no-audit --no-fund >/dev/null
fi
