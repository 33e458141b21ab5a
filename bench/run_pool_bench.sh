#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds pool_bench if needed, runs it pinned to one core, writes pool_bench.json, and plots it
# (pool_bench.png) with a summary against the targets and the commissioning claim.
#
#   bench/run_pool_bench.sh [--out DIR] [--build DIR] [--cpu N] [--quick] [-- BENCHMARK_ARGS...]
#
#   --out DIR    where results go (default: BUILD/results)
#   --build DIR  the CMake build directory (default: build-bench, configured Release if absent)
#   --cpu N      the core to pin to with taskset (default: 1; 'none' runs unpinned)
#   --quick      one repetition and a short minimum time, for a smoke run
# Anything after -- goes to pool_bench, e.g. -- --benchmark_filter=Preemption
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=build-bench
out=
cpu=1
repetitions=5
min_time=0.5
extra=()
while (($#)); do
  case $1 in
    --out) out=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --cpu) cpu=$2; shift 2 ;;
    --quick) repetitions=1; min_time=0.1; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '3,12p' "$0"; exit 0 ;;
    *) echo "run_pool_bench.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
cd "$repo"
out=${out:-$build/results}
mkdir -p "$out"

if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release
fi
grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$build/CMakeCache.txt" ||
  echo "run_pool_bench.sh: warning: $build is not a Release build; figures will be low" >&2
cmake --build "$build" --target pool_bench -j2

pin=()
if [[ $cpu != none ]] && command -v taskset >/dev/null && taskset -c "$cpu" true 2>/dev/null; then
  pin=(taskset -c "$cpu")
else
  echo "run_pool_bench.sh: running unpinned (taskset missing or core $cpu not available)" >&2
fi

# Google Benchmark prints each row as it finishes; the JSON holds runs and their medians.
"${pin[@]}" "$build/bench/pool_bench" \
  --benchmark_repetitions="$repetitions" \
  --benchmark_min_time="$min_time" \
  --benchmark_out="$out/pool_bench.json" --benchmark_out_format=json \
  "${extra[@]}"

/usr/bin/python3 bench/plot_pool_bench.py "$out/pool_bench.json" "$out/pool_bench.png"
