#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs what is missing, builds tflops (Release, in build/), and runs the main job: tflopsctl
# on the worked examples of the specification:
#
#   1. the 200 TFLOPS pool of 4 nodes, its cards and block numbers     (contrib/examples/tflops.conf)
#   2. a 50 TFLOPS virtual card served by node0, blocks 1-50           (50t-card.scenario)
#   3. migration on a 10-block pool: every job ends up contiguous      (migration-10t.*)
#   4. priority preemption: suspend, release, refuse, resume           (preemption.scenario)
#   5. estimating the blocks a model needs                             (tflopsctl estimate)
#   6. the same 50 TFLOPS job on a real local Slurm cluster with our plugins loaded:
#      `sbatch --gres=tflops:50` (munged, slurmctld and four slurmd on 127.0.0.1, started in
#      build/quickstart-cluster by contrib/cluster/tflops-cluster and stopped by pid afterwards)
#   7. on the same cluster, a data-parallel training job: `sbatch --gres=tflops:8 -n 4` trains an
#      MLP on Fashion-MNIST with one virtual card per MPI rank (progress per epoch, final test
#      accuracy, the curves in build/quickstart-cluster/train-JOBID.png)
#   8. on the same cluster, the same training with PyTorch: `sbatch --gres=tflops:8 -n 4
#      contrib/examples/train-fashion-mnist-torch.sbatch` trains a small CNN under
#      DistributedDataParallel with tflops.torch (final test accuracy, the curves in
#      build/quickstart-cluster/train-torch-JOBID.png); where the tflops Python module is built
#
#   contrib/quickstart.sh [--slurm 22.05|24.11|26.05]
#
# --slurm runs steps 6 to 8 on that Slurm release's daemons (default 22.05, Debian 12's own), with
# the plugins built against its source in build-slurm-<release>/: 24.11 from Debian 13's packages
# in a chroot, 26.05 built from SchedMD's source (contrib/cluster/slurm-version prepares either,
# once). For 24.11 the build and every step run inside that Debian 13 chroot (slurm-version run),
# against its libraries, as on a Debian 13 site.
#
# Environment: TFLOPS_JOBS (parallel compile jobs, default 2), TFLOPS_SKIP_DEPS=1 (do not call
# install-deps.sh), TFLOPS_BUILD_DIR (default build, or build-slurm-<release> with --slurm).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
jobs=${TFLOPS_JOBS:-2}
slurm=22.05
while (($#)); do
  case "$1" in
    --slurm) slurm=${2:-}; shift 2 || true ;;
    -h|--help) sed -n '3,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "quickstart: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case $slurm in
  22.05) build=${TFLOPS_BUILD_DIR:-build} ;;
  24.11|26.05) build=${TFLOPS_BUILD_DIR:-build-slurm-$slurm} ;;
  *) echo "quickstart: --slurm '$slurm': use 22.05, 24.11 or 26.05" >&2; exit 2 ;;
esac

say() { printf '\n=== quickstart: %s\n' "$*"; }

if [[ ${TFLOPS_SKIP_DEPS:-0} != 1 ]]; then
  say "dependencies (contrib/install-deps.sh)"
  contrib/install-deps.sh
fi

if [[ $slurm == 24.11 && ! -e /etc/tflops-slurm-root ]]; then
  say "Slurm 24.11's Debian 13 chroot (contrib/cluster/slurm-version prepare 24.11; once, then cached)"
  contrib/cluster/slurm-version prepare 24.11
  say "into the chroot: the build and the jobs run there (contrib/cluster/slurm-version run 24.11)"
  exec contrib/cluster/slurm-version run 24.11 -- env TFLOPS_SKIP_DEPS=1 contrib/quickstart.sh --slurm 24.11
fi

slurm_args=()
if [[ $slurm != 22.05 ]]; then
  say "Slurm $slurm's daemons (contrib/cluster/slurm-version prepare $slurm; once, then cached)"
  contrib/cluster/slurm-version prepare "$slurm"
  mapfile -t slurm_args < <(contrib/cluster/slurm-version cmake-args "$slurm")
fi

say "configure and build (Release, $build/, $jobs jobs, plugins for Slurm $slurm)"
mkdir -p "$build"
if ! CC=gcc CXX=g++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++ \
    "${slurm_args[@]}" >"$build/quickstart-configure.log" 2>&1; then
  cat "$build/quickstart-configure.log"
  exit 1
fi
# The parts configure skipped for want of a dependency, one line each.
grep -E '^-- tflops:' "$build/quickstart-configure.log" || true
cmake --build "$build" -j "$jobs"

ctl=$build/cli/tflopsctl
if [[ ! -x $ctl ]]; then
  echo "quickstart: $ctl was not built; the configure output above says which dependency is missing" >&2
  exit 1
fi

examples=contrib/examples
# run ARGS...: shows the command as a person would type it, then runs it.
run() {
  printf '\n$ tflopsctl %s\n' "$*"
  "$ctl" "$@"
}

say "1. the 200 TFLOPS pool: 4 nodes of mixed GPU, NPU and FPGA cards"
run pool --conf "$examples/tflops.conf"

say "2. a 50 TFLOPS virtual card on node0: GPU 1-18, NPU 19-38, FPGA 39-50"
run simulate --conf "$examples/tflops.conf" "$examples/50t-card.scenario"

say "3. migration on a 10-block pool (MigrationPolicy=compact)"
run simulate --conf "$examples/migration-10t.conf" "$examples/migration-10t.scenario"

say "4. priority preemption on the 200 TFLOPS pool"
run simulate --conf "$examples/tflops.conf" "$examples/preemption.scenario"

say "5. how many blocks a job needs"
# ResNet-50 training (about 4.1 GFLOPs per forward pass) at 1,000 images per second.
run estimate --gflops-per-sample 4.1 --samples-per-second 1000 --conf "$examples/tflops.conf"
# Inference of a 7-billion-parameter transformer, 256 tokens per request, 4 requests per second.
run estimate --params 7e9 --tokens-per-sample 256 --samples-per-second 4 --inference \
  --conf "$examples/tflops.conf"

plugin=$build/slurm-plugins/gres_tflops.so
if [[ ! -f $plugin ]] || ((EUID != 0)); then
  say "6. skipped: the Slurm job needs root and $plugin (configure says why it is missing)"
else
  say "6. sbatch --gres=tflops:50 on a local Slurm $slurm cluster (node0..node3, the worked example's 200 TFLOPS pool)"
  cluster_dir=$PWD/$build/quickstart-cluster
  cluster=contrib/cluster/tflops-cluster
  "$cluster" start "$cluster_dir" --build "$build"
  trap '"$cluster" stop "$cluster_dir" >/dev/null 2>&1 || true' EXIT
  # SLURM_CONF, and the cluster's own clients first on PATH where it runs another Slurm than Debian's.
  eval "$("$cluster" env "$cluster_dir")"
  printf '\n$ sbatch --gres=tflops:50 --wrap "env | grep ^SLURM_TFLOPS_"\n'
  job=$(sbatch --parsable --gres=tflops:50 -o "$cluster_dir/job-%j.out" \
    --wrap 'env | grep -E "^(SLURM_TFLOPS_|CUDA_VISIBLE_DEVICES)" | sort')
  # wait_end JOB SECONDS: prints the job's final state.
  wait_end() {
    local state=
    for _ in $(seq $(($2 * 2))); do
      state=$(scontrol show job "$1" | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
      [[ $state == COMPLETED || $state == FAILED || $state == CANCELLED ]] && break
      sleep 0.5
    done
    echo "$state"
  }
  state=$(wait_end "$job" 60)
  echo "job $job: $state"
  scontrol show job -d "$job" | grep -E 'NodeList=|GRES=' | sed 's/^ */  /'
  cat "$cluster_dir/job-$job.out"
  [[ $state == COMPLETED ]] || { echo "quickstart: the tflops job ended $state" >&2; exit 1; }

  if [[ -x $build/mpi_runtime/tflops-train ]]; then
    say "7. a training job: sbatch --gres=tflops:8 -n 4 contrib/examples/train-fashion-mnist.sbatch"
    # The example cluster's cards are stand-ins for real ones: run their blocks on the host (GPU)
    # and on PoCL's OpenCL CPU device (NPU, FPGA).
    export TFLOPS_HAL_BACKENDS=gpu=host,npu=opencl:0,fpga=opencl:0
    export TFLOPS_TRAIN=$PWD/$build/mpi_runtime/tflops-train TFLOPS_PLOT=$PWD/mpi_runtime/tools/plot_training.py
    export TFLOPS_TRAIN_OUT=$cluster_dir POCL_CACHE_DIR=$PWD/$build/pocl-cache
    printf '\n$ sbatch --gres=tflops:8 -n 4 contrib/examples/train-fashion-mnist.sbatch --epochs 3\n'
    job=$(sbatch --parsable --gres=tflops:8 -n 4 -o "$cluster_dir/train-%j.out" \
      contrib/examples/train-fashion-mnist.sbatch --epochs 3)
    state=$(wait_end "$job" 600)
    cat "$cluster_dir/train-$job.out"
    echo "job $job: $state; curves in $cluster_dir/train-$job.png"
    [[ $state == COMPLETED ]] || { echo "quickstart: the training job ended $state" >&2; exit 1; }
  else
    say "7. skipped: tflops-train was not built (needs Open MPI and the HAL; configure says why)"
  fi

  if compgen -G "$build/python/package/tflops/_native*.so" >/dev/null && /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    say "8. the same training with PyTorch: sbatch --gres=tflops:8 -n 4 contrib/examples/train-fashion-mnist-torch.sbatch"
    # The tflops package of this build tree (not installed); torch runs on the CPU for the stand-in cards.
    export TFLOPS_HAL_BACKENDS=gpu=host,npu=host,fpga=host TFLOPS_PYTHONPATH=$PWD/$build/python/package
    export TFLOPS_PLOT=$PWD/mpi_runtime/tools/plot_training.py TFLOPS_TRAIN_OUT=$cluster_dir
    printf '\n$ sbatch --gres=tflops:8 -n 4 contrib/examples/train-fashion-mnist-torch.sbatch\n'
    job=$(sbatch --parsable --gres=tflops:8 -n 4 -o "$cluster_dir/train-torch-%j.out" \
      contrib/examples/train-fashion-mnist-torch.sbatch)
    state=$(wait_end "$job" 900)
    cat "$cluster_dir/train-torch-$job.out"
    accuracy=$(sed -n 's/^final test accuracy: \([0-9.]*%\).*/\1/p' "$cluster_dir/train-torch-$job.out")
    echo "job $job: $state, final test accuracy ${accuracy:-none}; curves in $cluster_dir/train-torch-$job.png"
    [[ $state == COMPLETED ]] || { echo "quickstart: the PyTorch training job ended $state" >&2; exit 1; }
  else
    say "8. skipped: the tflops Python module was not built or /usr/bin/python3 has no torch (python3-torch; configure says why)"
  fi
  "$cluster" stop "$cluster_dir"
  trap - EXIT
fi

say "done: $ctl --help lists the commands; see README.md"
