#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The integration tests' watchdog (started by lib.sh, detached from the test): the cluster a test
# starts must not outlive it, also when ctest kills the test at its TIMEOUT (SIGKILL to the test
# and its children: no trap runs, and Slurm's daemons, which detach themselves, would be left).
#
#   watchdog.sh TEST_PID DIR CLUSTER DEADLINE
#
# Every second: when TEST_PID is gone (killed without its cleanup), stops the cluster in DIR by pid
# (`CLUSTER stop DIR`) and exits. At DEADLINE (seconds since the epoch; 0: none), a margin before
# ctest's TIMEOUT, it writes DIR/watchdog.fired and sends the test SIGTERM, so that the test fails
# saying why (and stops its cluster) rather than being killed; then it waits for the test to end
# and stops the cluster again, in case ctest killed the test during its cleanup. Before the
# deadline, lib.sh's cleanup ends the watchdog (SIGTERM) and stops the cluster itself.
# What it does goes to DIR/watchdog.log.
set -u
test_pid=$1 dir=$2 cluster=$3 deadline=$4
trap 'exit 0' TERM

# The watchdog holds no file in DIR open (its stdio is /dev/null, each line is appended): the
# cluster's stop kills (SIGKILL) every process but itself that holds a file under DIR.
log() { [ -d "$dir" ] && echo "watchdog: $(date '+%T') $*" >> "$dir/watchdog.log"; }
stop_cluster() {
  # The test's cleanup may have removed DIR meanwhile: `tflops-cluster stop` would make it again.
  [ -d "$dir/run" ] || return 0
  log "$1: $cluster stop $dir"
  "$cluster" stop "$dir" >> "$dir/watchdog.log" 2>&1
}

while kill -0 "$test_pid" 2>/dev/null; do
  if [ "$deadline" -gt 0 ] && [ "$(date +%s)" -ge "$deadline" ]; then
    echo "the test still ran at the watchdog's deadline, a margin before ctest's TIMEOUT: it hung or is too slow for its TIMEOUT" \
      > "$dir/watchdog.fired"
    log "deadline reached, test pid $test_pid still runs: terminating it"
    # From here on the watchdog stays until the test is gone, whatever the test's cleanup says.
    trap '' TERM
    # The test, then its children by pid: bash runs the test's TERM trap (which fails the test and
    # stops the cluster) only once the command in the foreground (a sleep, an sbatch) has ended.
    kill -TERM "$test_pid" 2>/dev/null
    for child in $(ps -o pid= --ppid "$test_pid" 2>/dev/null); do kill -TERM "$child" 2>/dev/null; done
    # If ctest kills the test before its cleanup is done, the cluster is stopped here.
    while kill -0 "$test_pid" 2>/dev/null; do sleep 1; done
    stop_cluster "test pid $test_pid ended after the deadline"
    exit 0
  fi
  sleep 1
done
stop_cluster "test pid $test_pid is gone without its cleanup (killed at ctest's TIMEOUT?)"
