#!/usr/bin/env bash
# Installs every Debian package fuseflow needs, and nothing from anywhere else.
# Idempotent: packages already installed are skipped, and the script is quiet
# about them. Run as root (CI and developer machines are root) or through sudo.
#
#   scripts/setup.sh          build + test dependencies
#   scripts/setup.sh --torch  also python3-torch, for the PyTorch exporter
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
)
for arg in "$@"; do
  case "$arg" in
    --torch) packages+=(python3-torch python3-numpy) ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (expected --torch)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
echo "setup.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
