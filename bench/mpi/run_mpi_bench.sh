#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# MPI runtime benchmarks, each against its reference in the same run:
#  1. all-reduce bus bandwidth, 2 and 4 ranks, 8 B .. 256 MiB: tflops (automatic choice) on the
#     communicator's node buffer (shared memory) and on ordinary memory (private), the ring,
#     recursive doubling and shared memory forced (their crossovers), and MPI_Allreduce;
#  2. the gradient all-reduce of a virtual card, 2 ranks, 64 KiB .. 64 MiB: pipelined (copies off
#     and onto the card overlapping the all-reduce) against its stages one after the other;
#  3. training throughput on virtual cards of unequal speed: batch split proportional to TFLOPS
#     against an equal split (samples/s ratio).
# Cards for 2 and 3: $TFLOPS_BENCH_CARDS (default a host card and a PoCL card; on a GPU machine
# e.g. gpu:gpu0::0-3=cuda:0,gpu:gpu1::4-7=cuda:0).
# Writes BUILD/results/mpi_allreduce_{2,4}.csv, mpi_gradient.csv, mpi_train_split.csv and
# mpi_bench.png, and prints the summary against the targets (>= 0.95x MPI_Allreduce everywhere,
# >= 1.3x from 16 MiB).
#
#   bench/mpi/run_mpi_bench.sh [--build DIR] [--out DIR] [--quick] [--ranks "2 4"]
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$repo/build-mpi
out=
repeats=9
max=$((256 << 20))
factor=2
ranks_list="2 4"
while (($#)); do
  case $1 in
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --ranks) ranks_list=$2; shift 2 ;;
    --quick) repeats=3; max=$((64 << 20)); factor=4; shift ;;
    -h|--help) sed -n '3,17p' "$0"; exit 0 ;;
    *) echo "run_mpi_bench.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
out=${out:-$build/results}
mkdir -p "$out"
[[ -f $build/CMakeCache.txt ]] || cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" --target allreduce_bench gradient_bench tflops-train -j2

export OMPI_MCA_btl=${OMPI_MCA_btl:-self,vader} POCL_MAX_PTHREAD_COUNT=1 OPENBLAS_NUM_THREADS=1
if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
bench=$(find "$build" -name allreduce_bench -type f -perm -u+x | head -1)
gradient=$(find "$build" -name gradient_bench -type f -perm -u+x | head -1)
train=$(find "$build" -name tflops-train -type f -perm -u+x | head -1)

for ranks in $ranks_list; do
  # Ranks that fit the cores run bound to one each, as mpirun places them by default; more
  # ranks than cores need --oversubscribe, which leaves them unbound.
  placement=()
  if ((ranks > $(nproc))); then placement=(--oversubscribe); fi
  echo "== all-reduce, $ranks ranks ${placement[*]:-(bound to cores)}"
  mpirun "${placement[@]}" -n "$ranks" "$bench" --max "$max" --factor "$factor" --repeats "$repeats" \
    --csv "$out/mpi_allreduce_$ranks.csv"
done

# Unequal cards: a host card of 3 blocks and a PoCL (OpenCL) card of 1 block, one rank each.
cards=${TFLOPS_BENCH_CARDS:-gpu:cpu0::0-2=host,npu:pocl0::3=opencl:0}
echo "== gradient all-reduce on '$cards', 2 ranks: pipelined vs stage after stage"
mpirun --oversubscribe -n 2 "$gradient" --cards "$cards" --max $((max < 64 << 20 ? max : 64 << 20)) \
  --repeats "$repeats" --csv "$out/mpi_gradient.csv"

echo "== training throughput on '$cards': proportional vs equal split"
echo "split,samples_per_s,step_ms" >"$out/mpi_train_split.csv"
for split in proportional equal; do
  line=$(mpirun --oversubscribe -n 2 "$train" --cards "$cards" --split "$split" --epochs 2 \
           --train-samples 12800 | tail -2 | head -1)
  echo "$split: $line"
  awk -v s="$split" '{print s "," $6 "," $7}' <<<"$line" >>"$out/mpi_train_split.csv"
done
/usr/bin/python3 "$repo/bench/mpi/plot_mpi_bench.py" "$out"
