#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The synthetic trace (tests/trace/synthetic) in every clone: the checked-in files are what
# make_synthetic_trace.py writes, and trace_eval, the program bench/trace/run_trace_eval.sh drives
# on Alibaba's trace, replays them on every policy and writes its CSV.
#
#   synthetic_eval_test.sh TRACE_EVAL
#
# Exit 0: passed; 1: failed. Prints one `ok` or `FAIL` line per check.
set -uo pipefail
trace_eval=${1:?usage: synthetic_eval_test.sh TRACE_EVAL}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
synthetic=$here/synthetic
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
pass() { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; fails=$((fails + 1)); }

# Debian's Python (another python3 may come first on PATH).
if /usr/bin/python3 "$here/make_synthetic_trace.py" "$tmp/generated"; then
  for f in openb_node_list_gpu_node.csv openb_pod_list_default.csv; do
    if cmp -s "$tmp/generated/$f" "$synthetic/$f"; then
      pass "synthetic/$f is make_synthetic_trace.py's output"
    else
      fail "synthetic/$f differs from make_synthetic_trace.py's output (rerun it: /usr/bin/python3 tests/trace/make_synthetic_trace.py): $(diff "$tmp/generated/$f" "$synthetic/$f" | head -3 | paste -sd' ' -)"
    fi
  done
else
  fail "make_synthetic_trace.py failed"
fi

mkdir -p "$tmp/out"
if "$trace_eval" --nodes "$synthetic/openb_node_list_gpu_node.csv" --tasks "$synthetic/openb_pod_list_default.csv" \
     --out "$tmp/out" --seeds 2 --sensitivity 15.7 > "$tmp/table.md" 2> "$tmp/err.txt"; then
  pass "trace_eval replays the synthetic trace"
else
  fail "trace_eval failed: $(tail -3 "$tmp/err.txt" | paste -sd' ' -)"
fi
grep -q '^trace: 48 nodes, 219 GPUs, 320 tasks' "$tmp/err.txt" && pass "it reads 48 nodes, 219 GPUs, 320 tasks" \
  || fail "trace_eval's first line: $(head -1 "$tmp/err.txt")"
rows=$(($(wc -l < "$tmp/out/summary.csv" 2>/dev/null || echo 1) - 1))
[ "$rows" -eq 9 ] && pass "summary.csv has the 9 policies" || fail "summary.csv has $rows policy rows, not 9"
bad=$(($(wc -l < "$tmp/out/bad_rows.csv" 2>/dev/null || echo 0) - 1))
[ "$bad" -eq 0 ] && pass "no bad rows" || fail "bad_rows.csv lists $bad rows"
for f in curves.csv seeds.csv sensitivity.csv; do
  [ "$(wc -l < "$tmp/out/$f" 2>/dev/null || echo 0)" -gt 1 ] && pass "$f written" || fail "$f missing or empty"
done
[ "$(grep -c 'shares (gres/shard; Best-Fit)' "$tmp/table.md")" -ge 1 ] && pass "the summary table names Best-Fit" \
  || fail "the summary table lacks Best-Fit: $(head -3 "$tmp/table.md" | paste -sd' ' -)"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
