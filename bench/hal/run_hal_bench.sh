#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The "1+1=2" target (doc/benchmarks.md): FP32 GEMM on a virtual card of two devices against each
# device alone, in one run. On a 2-core machine the host slice is pinned to core 1 and PoCL's one
# thread to core 0, so the devices do not share a core. Writes hal_bench.json and hal_bench.png.
#
#   bench/hal/run_hal_bench.sh [--out DIR] [--build DIR] [--n N] [--repeats R] [--gpu]
#
#   --out DIR    where results go (default: BUILD/results)
#   --build DIR  the CMake build directory (default: build-hal, configured Release if absent)
#   --n N        GEMM size (default 4096)
#   --gpu        add CUDA device 0 as a third device
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
build=build-hal
out=
n=4096
repeats=3
gpu=0
while (($#)); do
  case $1 in
    --out) out=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --n) n=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    --gpu) gpu=1; shift ;;
    -h|--help) sed -n '3,13p' "$0"; exit 0 ;;
    *) echo "run_hal_bench.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
cd "$repo"
out=${out:-$build/results}
mkdir -p "$out"
if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$build" --target hal_bench -j2

# PoCL: one worker thread pinned to the first core; the host slice gets core 1 (hal_bench pins).
export POCL_MAX_PTHREAD_COUNT=1 POCL_AFFINITY=1 POCL_CACHE_DIR="$repo/$build/pocl-cache" OPENBLAS_NUM_THREADS=1
cards=(--cards "gpu:host0::0=host" --cards "npu:npu0::1=opencl:0")
((gpu)) && cards+=(--cards "gpu:gpu0::2=cuda:0")
cmd=("$build/bench/hal/hal_bench" --n "$n" --repeats "$repeats" --host-cpus 1 "${cards[@]}" --json "$out/hal_bench.json")
echo "+ ${cmd[*]}" >&2
"${cmd[@]}" | tee "$out/hal_bench.txt"
/usr/bin/python3 bench/hal/plot_hal_bench.py "$out/hal_bench.json" "$out/hal_bench.png"
echo "results: $out/hal_bench.json $out/hal_bench.png" >&2
