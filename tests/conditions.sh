# SPDX-License-Identifier: GPL-2.0-or-later
# The conditions that decide which tests may skip (tests/expected-tests.txt names them after
# requires=), and the prerequisites of the test command (contrib/run-tests.sh), detected the same
# way everywhere: sourced by contrib/run-tests.sh and by tests/integration/lib.sh.
# shellcheck shell=bash
#
#   tflops_condition NAME         exit 0 when condition NAME holds on this machine
#   tflops_alibaba_trace_dir      prints the folder of the Alibaba trace the test command requires
#                                 (TFLOPS_ALIBABA_TRACE, else ../shared/data/alibaba-gpu-v2023 beside
#                                 the repository when that exists); exit 1 when neither
#   tflops_prerequisites BUILD    one line per missing prerequisite of a build (normal, asan), each
#                                 naming it and the fix; exits with how many are missing
#
# Conditions (a test whose condition is absent may skip; where it holds, the test must run):
#   gpu            `nvidia-smi -L` lists a GPU (the CUDA backend and the NCCL all-reduce)
#   cgroup-v1      a cgroup v1 devices controller at /sys/fs/cgroup/devices in which root can make a
#                  cgroup and deny a device (the ConstrainDevices test; cgroup v2 hosts lack it)
#   alibaba-trace  the real Alibaba GPU trace is there (see tflops_alibaba_trace_dir); it may not be
#                  redistributed, so it is never in the repository
#   property-seed  TFLOPS_PROPERTY_SEED is set: the property tests' *.FromEnvironmentSeed replay that
#                  one sequence (a failure's rerun), and skip without it
TFLOPS_REPO=${TFLOPS_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
TFLOPS_FASHION_MNIST=/usr/share/datasets/fashion-mnist
TFLOPS_CONDITIONS="gpu cgroup-v1 alibaba-trace property-seed"

tflops_cgroup_v1_devices() {
  local devices=/sys/fs/cgroup/devices probe
  probe=$devices/tflops-probe.$$.$RANDOM
  if { mkdir "$probe" && echo a > "$probe/devices.deny"; } 2>/dev/null; then
    rmdir "$probe"
    return 0
  fi
  rmdir "$probe" 2>/dev/null
  return 1
}

tflops_alibaba_trace_dir() {
  if [ -n "${TFLOPS_ALIBABA_TRACE:-}" ]; then
    echo "$TFLOPS_ALIBABA_TRACE"
  elif [ -d "$TFLOPS_REPO/../shared/data/alibaba-gpu-v2023" ]; then
    (cd "$TFLOPS_REPO/../shared/data/alibaba-gpu-v2023" && pwd)
  else
    return 1
  fi
}

tflops_condition() {
  case $1 in
    gpu) local n; n=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU [0-9]') || true; [ "${n:-0}" -ge 1 ] ;;
    cgroup-v1) tflops_cgroup_v1_devices ;;
    alibaba-trace) tflops_alibaba_trace_dir > /dev/null ;;
    property-seed) [ -n "${TFLOPS_PROPERTY_SEED:-}" ] ;;
    *) echo "tflops_condition: unknown condition '$1' (known: $TFLOPS_CONDITIONS)" >&2; return 2 ;;
  esac
}

# PoCL's device as OpenCL reports it (clinfo -l: "Platform #0: Portable Computing Language").
tflops_pocl_devices() {
  local list
  list=$(clinfo -l 2>/dev/null) || true
  sed -n '/Portable Computing Language/,/^Platform/p' <<< "$list" | grep -c 'Device #' || true
}

tflops_prerequisites() {
  local build=$1 missing=0 b line
  say() { echo "run-tests: prerequisite missing: $*"; missing=$((missing + 1)); }
  if [ "$build" = normal ]; then
    # The integration tests start slurmd, which runs jobs as their users.
    [ "$(id -u)" = 0 ] || say "root (the integration tests start slurmctld, slurmd and munged). Fix: run as root: sudo contrib/run-tests.sh"
    for b in slurmctld slurmd munged sbatch srun scontrol squeue; do
      command -v "$b" > /dev/null || say "$b (Slurm's daemons and clients, munge). Fix: contrib/install-deps.sh (apt-get install slurmctld slurmd slurm-client munge)"
    done
  fi
  [ -e "$TFLOPS_FASHION_MNIST/train-images-idx3-ubyte.gz" ] ||
    say "the Fashion-MNIST dataset ($TFLOPS_FASHION_MNIST/train-images-idx3-ubyte.gz; the training tests). Fix: contrib/install-deps.sh (apt-get install dataset-fashion-mnist)"
  if ! command -v clinfo > /dev/null; then
    say "clinfo (to find PoCL's OpenCL device; the HAL's OpenCL tests). Fix: contrib/install-deps.sh (apt-get install clinfo pocl-opencl-icd)"
  elif [ "$(tflops_pocl_devices)" -lt 1 ]; then
    line=$(clinfo -l 2>&1 | head -3 | paste -sd' ' -) || true
    say "PoCL's OpenCL CPU device (the HAL's OpenCL tests, Detect=opencl; clinfo -l lists ${line:+only: $line}${line:-no OpenCL platform}). Fix: contrib/install-deps.sh (apt-get install pocl-opencl-icd ocl-icd-libopencl1)"
  fi
  unset -f say
  return $((missing > 100 ? 100 : missing))
}
