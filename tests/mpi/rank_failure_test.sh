#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A rank that dies or hangs mid all-reduce must stop the whole job, non-zero, within a bounded
# time, with a message naming it.
#   rank_failure_test.sh MPIEXEC CHECK_BINARY RANKS exit|hang VICTIM [private|node]
set -u
mpiexec=$1 check=$2 ranks=$3 mode=$4 victim=$5 memory=${6:-private}
bound=40   # seconds: the watchdog (TFLOPS_MPI_TIMEOUT=3) plus mpirun's teardown, with margin
log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$(date +%s)
TFLOPS_MPI_TIMEOUT=3 timeout --kill-after=5 90 "$mpiexec" --oversubscribe -n "$ranks" "$check" "$mode" "$victim" "$memory" >"$log" 2>&1
status=$?
elapsed=$(( $(date +%s) - start ))
cat "$log"
echo "--- exit status $status after ${elapsed}s"
fail() { echo "FAIL: $*"; exit 1; }
[ "$status" -ne 0 ] || fail "the job exited 0 although rank $victim failed"
[ "$status" -ne 124 ] && [ "$status" -ne 137 ] || fail "the job hung: killed by timeout after ${elapsed}s"
[ "$elapsed" -le "$bound" ] || fail "the job took ${elapsed}s to stop (bound ${bound}s)"
grep -q "went unnoticed" "$log" && fail "a rank did not notice the failure"
# Our watchdog says "rank 1 moved ..."; mpirun names the process as rank 1 or [[job,1],1].
grep -Eq "rank $victim[^0-9]|rank $victim\$|,1\],$victim\]" "$log" || fail "no message names rank $victim"
echo "PASS: rank $victim ($mode) stopped the job in ${elapsed}s with status $status"
