#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs what tflops needs to build and test, from Debian bookworm's own packages.
#
# Run as root on Debian 12 (bookworm). Idempotent: when every package is already installed it
# touches nothing and finishes in well under a second, so the other scripts call it every time.
#
#   contrib/install-deps.sh            install what is missing
#   contrib/install-deps.sh --check    only report what is missing (exit 1 if anything is)
#   contrib/install-deps.sh --list     print the package list and exit
set -euo pipefail

# The lists are read through namerefs (declare -n), which shellcheck does not follow.
# shellcheck disable=SC2034
{
# One list per part of the product. A part that needs more packages gets its own list here and
# an entry in PARTS below.

# Toolchain and build system (every part).
PKGS_BUILD=(build-essential g++ cmake git)
# clang: the sanitizer build (ASan/UBSan) and libFuzzer, which ships in clang's runtime library;
# clang-format 14, the version .clang-format is written for (tests/style).
PKGS_CLANG=(clang clang-14 libclang-rt-14-dev clang-format-14)
# pool/ and tests/: GoogleTest and GoogleMock.
PKGS_TESTS=(googletest libgtest-dev libgmock-dev)
# cli/ (tflopsctl): command line and JSON output.
PKGS_CLI=(libboost-program-options-dev nlohmann-json3-dev)
# bench/: Google Benchmark, and Python with matplotlib for the plots.
PKGS_BENCH=(libbenchmark-dev python3 python3-matplotlib)
# gres_plugin/ (and the select plugin): Debian's Slurm daemons and client, munge, the public
# headers, and dpkg-dev for `apt-get source slurm-wlm` (the plugins build against that source).
PKGS_SLURM=(slurmctld slurmd slurm-client munge libslurm-dev dpkg-dev)
# hal/: hwloc for topology, OpenBLAS for the host backend's GEMM, OpenCL headers and loader with
# PoCL (its CPU device stands in for an NPU or FPGA in tests), CLBlast for OpenCL GEMM.
PKGS_HAL=(libhwloc-dev hwloc libopenblas-dev ocl-icd-opencl-dev opencl-headers pocl-opencl-icd clinfo libclblast-dev)
# mpi_runtime/: Open MPI; Fashion-MNIST for the example training job, and zlib to read its .gz files.
PKGS_MPI=(openmpi-bin libopenmpi-dev dataset-fashion-mnist zlib1g-dev)
# python/ (tflops.torch): pybind11 and Python's headers for the native module, Debian's PyTorch
# (seen only by Debian's /usr/bin/python3) for the package and its tests.
PKGS_PYTHON=(python3-dev python3-pybind11 pybind11-dev python3-torch)
# contrib/cluster/slurm-version (the local cluster on Slurm 24.11 and 26.05): mmdebstrap makes the
# Debian 13 chroot holding 24.11's daemons; libmunge-dev, libpmix-dev and libmariadb-dev let 26.05.3
# build from source with munge auth, srun --mpi=pmix and slurmdbd's MySQL storage (its configure
# otherwise needs only the toolchain above); MariaDB's server and client (the -core packages: no
# service of their own) hold 26.05's accounting database in tflops-cluster --accounting.
PKGS_SLURM_VERSIONS=(mmdebstrap libmunge-dev libpmix-dev libmariadb-dev mariadb-server-core mariadb-client-core)
}

PARTS=(BUILD CLANG TESTS CLI BENCH SLURM HAL MPI PYTHON SLURM_VERSIONS)

# The plugins are built against the Debian source of the installed Slurm, so apt needs a deb-src
# entry. Bookworm's main archive serves the sources of its security updates too; the security
# mirror itself serves none.
SRC_LIST=/etc/apt/sources.list.d/tflops-bookworm-src.sources
SRC_STANZA='Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main'


log() { printf 'install-deps: %s\n' "$*"; }

installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]
}

mode=install
case "${1:-}" in
  "") ;;
  --check) mode=check ;;
  --list) mode=list ;;
  -h|--help) sed -n '3,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "install-deps: unknown option '$1' (use --check, --list or --help)" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-deps: dpkg-query not found: this script installs Debian packages; on another system install the equivalents of: $(for p in "${PARTS[@]}"; do declare -n l="PKGS_$p"; printf '%s ' "${l[@]}"; done)" >&2
  exit 1
fi

all=()
missing=()
for part in "${PARTS[@]}"; do
  declare -n list="PKGS_${part}"
  part_missing=()
  for pkg in "${list[@]}"; do
    all+=("$pkg")
    installed "$pkg" || part_missing+=("$pkg")
  done
  unset -n list
  if [[ $mode == list ]]; then continue; fi
  if ((${#part_missing[@]})); then
    log "$(printf '%-6s' "${part,,}") missing: ${part_missing[*]}"
    missing+=("${part_missing[@]}")
  else
    log "$(printf '%-6s' "${part,,}") ok"
  fi
done

if [[ $mode == list ]]; then
  printf '%s\n' "${all[@]}"
  exit 0
fi
have_sources=no
# grep -c reads everything: with -q, apt-cache would die of SIGPIPE and pipefail fail the test.
if [[ $(apt-cache showsrc slurm-wlm 2>/dev/null | grep -c '^Package:') -gt 0 ]]; then have_sources=yes; fi
if ((${#missing[@]} == 0)) && [[ $have_sources == yes ]]; then
  log "all ${#all[@]} packages installed and Slurm's source known to apt, nothing to do"
  exit 0
fi
if [[ $mode == check ]]; then
  log "${#missing[@]} packages missing; Slurm's source known to apt: $have_sources"
  exit 1
fi
if ((EUID != 0)); then
  echo "install-deps: ${#missing[@]} packages missing (or no deb-src entry) and not root: run as root, or: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Wait for another apt or dpkg run (unattended upgrades, a parallel install) instead of failing.
apt_opts=(-o DPkg::Lock::Timeout=900)
if [[ $have_sources == no ]]; then
  log "adding $SRC_LIST (deb-src for Slurm's source)"
  # apt refuses two entries for one archive that differ in Signed-By: use the system's own.
  signed_by=$(grep -hs '^Signed-By:' /etc/apt/sources.list.d/debian.sources | head -n 1 || true)
  printf '%s\n' "$SRC_STANZA" ${signed_by:+"$signed_by"} >"$SRC_LIST"
fi
log "apt-get update"
apt-get "${apt_opts[@]}" update -qq
if ((${#missing[@]} == 0)); then
  log "Slurm's source known to apt now"
  exit 0
fi
log "apt-get install ${missing[*]}"
apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

still=()
for pkg in "${missing[@]}"; do installed "$pkg" || still+=("$pkg"); done
if ((${#still[@]})); then
  echo "install-deps: still missing after apt-get install: ${still[*]}" >&2
  exit 1
fi
log "installed ${#missing[@]} packages"
