#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tflops.torch against stock PyTorch DDP (Debian's torch, /usr/bin/python3), in one run:
#  1. DDP's gradient all-reduce, 2 and 4 ranks, MLPs of 1-100 MiB of parameters: the bucket
#     all-reduce (one step's buckets) by tflops.torch.weighted_allreduce_hook against DDP's
#     default gloo hook, and the DDP step time with each (target: the all-reduce >= 2x gloo);
#  2. training samples/s on cards that differ 2:1, 2 ranks: ProportionalBatchSampler with the
#     tflops hook against torch's DistributedSampler (equal shares) with gloo, and equal shares
#     with the tflops hook (target: proportional >= 1.3x equal).
# The cards are host cards of an explicit card list (no Slurm): for 1, one card with a block per
# rank; for 2, $TFLOPS_BENCH_TORCH_CARDS (default gpu:fast::0-1=host,gpu:slow::2=host). A card
# with k times fewer blocks than the largest is emulated k times slower: its rank runs each
# forward and backward k times (torch_bench.py --help). One torch thread per rank.
# Writes torch_hook_{2,4}.csv, torch_split.csv, torch_bench.png and torch_bench_summary.txt into
# BUILD/results (or --out DIR) and prints the summary against the targets.
#
#   bench/torch/run_torch_bench.sh [--build DIR] [--out DIR] [--quick] [--ranks "2 4"] [--sizes 1,10,100]
#                                  [--nice N]
#   --nice N: run the ranks at nice N (negative needs root): on a machine that other work shares,
#            a rank that waits by yielding its core (tflops) loses more to that work than one that
#            sleeps (gloo); both variants run at the same N
#   --quick: model sizes 1,10,100 MiB, 5 repeats, 3 rounds of 20 steps (else 1-100 MiB in 7 sizes,
#            9 repeats, 5 rounds of 40 steps)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$repo/build-torch
out=
ranks_list="2 4"
sizes=1,2,5,10,20,50,100
repeats=9
rounds=5
split_steps=40
nice=0
while (($#)); do
  case $1 in
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --ranks) ranks_list=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --nice) nice=$2; shift 2 ;;
    --quick) sizes=1,10,100; repeats=5; rounds=3; split_steps=20; shift ;;
    -h|--help) sed -n '3,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run_torch_bench.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
python=/usr/bin/python3  # Debian's torch is installed for this interpreter only
if ! "$python" -c "import torch" 2>/dev/null; then
  echo "run_torch_bench.sh: $python has no torch: install python3-torch (contrib/install-deps.sh)" >&2
  exit 1
fi
out=${out:-$build/results}
mkdir -p "$out"
[[ -f $build/CMakeCache.txt ]] ||
  cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPython3_EXECUTABLE="$python"
if ! grep -q tflops_python_native "$build/CMakeFiles/TargetDirectories.txt" 2>/dev/null; then
  echo "run_torch_bench.sh: $build does not build python/ (tflops.torch); its configure output says why" >&2
  exit 1
fi
cmake --build "$build" --target tflops_python_native -j2

cores=$(nproc)  # before OMP_NUM_THREADS=1, which nproc would report instead
export PYTHONPATH=$build/python/package${PYTHONPATH:+:$PYTHONPATH}
export OMPI_MCA_btl=${OMPI_MCA_btl:-self,vader} OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
bench=$repo/bench/torch/torch_bench.py
echo "machine: $cores CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start; ranks at nice $nice" | tee "$out/torch_load.txt"

placement() {  # Ranks that fit the cores run bound to one each; more need --oversubscribe (unbound).
  if (($1 > cores)); then echo --oversubscribe; fi
}
for ranks in $ranks_list; do
  echo "== DDP gradient all-reduce, $ranks ranks $(placement "$ranks"): gloo against the tflops hook," \
       "models of $sizes MiB"
  # shellcheck disable=SC2046 # placement is one word or none
  timeout 1800 nice -n "$nice" mpirun $(placement "$ranks") -n "$ranks" "$python" "$bench" hook \
    --cards "gpu:cpu0::0-$((ranks - 1))=host" --sizes "$sizes" --repeats "$repeats" --steps "$repeats" \
    --csv "$out/torch_hook_$ranks.csv"
done

cards=${TFLOPS_BENCH_TORCH_CARDS:-gpu:fast::0-1=host,gpu:slow::2=host}
echo "== training on unequal cards '$cards', 2 ranks: proportional against equal shares"
# shellcheck disable=SC2046
timeout 1800 nice -n "$nice" mpirun $(placement 2) -n 2 "$python" "$bench" split --cards "$cards" --rounds "$rounds" \
  --steps "$split_steps" --csv "$out/torch_split.csv"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/torch_load.txt"
"$python" "$repo/bench/torch/plot_torch_bench.py" "$out"
