#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds trace_eval if needed, replays the Alibaba GPU trace on every policy (FGD's method:
# seeds 42-51, arrivals to 130% of GPU capacity, no departures), writes CSV and PNG plots into
# BUILD/results/trace/ and prints the summary table.
#
#   bench/trace/run_trace_eval.sh [--build DIR] [--out DIR] [--trace DIR] [--nodes F] [--tasks F]
#                                 [--synthetic-nodes N] [--synthetic-ratio R] [-- TRACE_EVAL_ARGS...]
#
#   --build DIR   CMake build directory (default: build-trace, configured Release if absent)
#   --out DIR     results (default: BUILD/results/trace)
#   --trace DIR   folder of the trace (default: ../shared/data/alibaba-gpu-v2023 beside the repo)
#   --nodes/--tasks  other files in the same columns (e.g. another pod list variant)
#   --synthetic-nodes N  also time a synthetic cluster of N nodes (default 100000; 0 skips)
#   --synthetic-ratio R  how far to fill it (default 0.1 x its GPU capacity)
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
build=build-trace
out=
trace="$repo/../shared/data/alibaba-gpu-v2023"
nodes=
tasks=
synthetic=100000
synthetic_ratio=0.1
extra=()
while (($#)); do
  case $1 in
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --trace) trace=$2; shift 2 ;;
    --nodes) nodes=$2; shift 2 ;;
    --tasks) tasks=$2; shift 2 ;;
    --synthetic-nodes) synthetic=$2; shift 2 ;;
    --synthetic-ratio) synthetic_ratio=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '3,17p' "$0"; exit 0 ;;
    *) echo "run_trace_eval.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
cd "$repo"
nodes=${nodes:-$trace/openb_node_list_gpu_node.csv}
tasks=${tasks:-$trace/openb_pod_list_default.csv}
for f in "$nodes" "$tasks"; do
  [[ -r $f ]] || { echo "run_trace_eval.sh: cannot read $f; give --trace DIR or --nodes/--tasks" >&2; exit 2; }
done
out=${out:-$build/results/trace}
mkdir -p "$out"

if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release
fi
grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$build/CMakeCache.txt" ||
  echo "run_trace_eval.sh: warning: $build is not a Release build; times will be high" >&2
cmake --build "$build" --target trace_eval -j2

synthetic_args=()
if [[ $synthetic != 0 ]]; then
  synthetic_args=(--synthetic-nodes "$synthetic" --synthetic-ratio "$synthetic_ratio")
fi
start=$(date +%s.%N)
"$build/bench/trace/trace_eval" --nodes "$nodes" --tasks "$tasks" --out "$out" \
  "${synthetic_args[@]}" "${extra[@]}" | tee "$out/summary.md"
end=$(date +%s.%N)
echo "run_trace_eval.sh: trace_eval took $(echo "$end - $start" | bc) s (all policies, seeds, sensitivity${synthetic_args:+, synthetic})" >&2

/usr/bin/python3 bench/trace/plot_trace_eval.py "$out"
