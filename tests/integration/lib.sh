# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the integration tests: checks, a cluster of their own, waiting on jobs.
# Source it after setting BUILD; it defines REPO, CLUSTER, DIR and FAILS, and stops the cluster
# by pid when the test exits (logs are kept when something failed). A watchdog (watchdog.sh),
# detached from the test, stops the cluster too when the test is killed without its cleanup
# (ctest kills a test at its TIMEOUT with SIGKILL, and the daemons detach themselves), and stops it
# a margin before that TIMEOUT, failing the test, when the test is still running then.
# Decide every skip before the cluster starts: a test that skips after it started is a test that
# can pass without checking anything.
# shellcheck shell=bash

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CLUSTER=$REPO/contrib/cluster/tflops-cluster
# shellcheck source=../conditions.sh
source "$REPO/tests/conditions.sh"

skip() { echo "SKIPPED: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root to run slurmd (run: sudo ctest -L integration)"
for b in slurmctld slurmd munged sbatch scontrol squeue; do
  command -v "$b" >/dev/null || skip "$b not installed (apt-get install slurmctld slurmd slurm-client munge)"
done
[ -f "$BUILD/slurm-plugins/gres_tflops.so" ] || skip "gres_tflops.so not built in $BUILD"

# ctest's TIMEOUT for this test in seconds: TFLOPS_TEST_TIMEOUT when set, else the TIMEOUT of the
# test whose command is this script in BUILD's CTestTestfile.cmake; empty when neither says.
ctest_timeout() {
  if [ -n "${TFLOPS_TEST_TIMEOUT:-}" ]; then echo "$TFLOPS_TEST_TIMEOUT"; return; fi
  local script
  script=$(readlink -f "$0")
  awk -v script="\"$script\"" '
    index($0, "add_test([=[") == 1 && index($0, "]=] " script) { name = $0; sub(/^add_test\(\[=\[/, "", name); sub(/\]=\].*/, "", name) }
    name != "" && index($0, "set_tests_properties([=[" name "]=]") == 1 && match($0, / TIMEOUT "[0-9]+"/) {
      print substr($0, RSTART + 10, RLENGTH - 11); exit
    }' "$BUILD/tests/integration/CTestTestfile.cmake" 2>/dev/null
}

DIR=$(mktemp -d /tmp/tflops-it.XXXXXX)
# The cluster's own clients (sbatch, scontrol, ...), which tflops-cluster writes into DIR/bin when
# it runs another Slurm than Debian's (the one BUILD's plugins were built for).
export PATH="$DIR/bin:$PATH"
FAILS=0
# Which build this cluster belongs to: contrib/run-tests.sh reports daemons of its build's clusters
# still running after ctest (tests/leftover_daemons.sh).
echo "$BUILD" > "$DIR/.tflops-build"

# The watchdog's deadline: a margin (a third of the limit, at most 45 s: stopping a cluster takes
# up to ~35 s) before ctest's TIMEOUT. Without a known TIMEOUT (run by hand) it only stops the
# cluster when the test is killed.
WATCHDOG_DEADLINE=0
TEST_TIMEOUT=$(ctest_timeout)
if [[ ${TEST_TIMEOUT:-} =~ ^[0-9]+$ ]] && [ "$TEST_TIMEOUT" -gt 0 ]; then
  margin=$((TEST_TIMEOUT / 3 < 45 ? TEST_TIMEOUT / 3 : 45))
  WATCHDOG_DEADLINE=$(($(date +%s) + TEST_TIMEOUT - margin))
  echo "watchdog: ctest TIMEOUT ${TEST_TIMEOUT}s; a test still running at $(date -d "@$WATCHDOG_DEADLINE" +%T) (${margin}s before) fails and its cluster is stopped"
fi
# Detached (setsid, stdio on /dev/null): ctest's kill at the TIMEOUT does not reach it, it holds no
# pipe of ctest's open, and no file in DIR (which `tflops-cluster stop` would kill it for).
( setsid "$HERE/watchdog.sh" $$ "$DIR" "$CLUSTER" "$WATCHDOG_DEADLINE" < /dev/null > /dev/null 2>&1 &
  echo $! > "$DIR/watchdog.pid" )
# Ends the watchdog before the cleanup stops the cluster; one that fired stays until the test is
# gone (it stops the cluster again then), so it is not waited for.
stop_watchdog() {
  local pid i
  [ -e "$DIR/watchdog.fired" ] && return 0
  pid=$(cat "$DIR/watchdog.pid" 2>/dev/null) || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
}

cleanup() {
  stop_watchdog
  "$CLUSTER" stop "$DIR" >/dev/null 2>&1
  if [ $FAILS -eq 0 ]; then
    for _ in 1 2 3 4 5; do rm -rf "$DIR" 2>/dev/null && break; sleep 1; done
  else
    echo "logs kept in $DIR/log"
  fi
}
terminated() {
  FAILS=$((FAILS + 1))
  if [ -e "$DIR/watchdog.fired" ]; then
    echo "FAIL - watchdog: $(cat "$DIR/watchdog.fired") (ctest TIMEOUT ${TEST_TIMEOUT}s; see $DIR/watchdog.log)"
  else
    echo "FAIL - terminated by a signal"
  fi
  exit 1
}
trap cleanup EXIT
trap terminated INT TERM

pass() { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; FAILS=$((FAILS + 1)); }
check_eq() {  # name expected actual
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: expected '$2', got '$3'"; fi
}
finish() {
  echo "$FAILS failure(s)"
  [ $FAILS -eq 0 ]
}

# sbatch --parsable "$@", tried again (up to 5 times) when the request did not reach slurmctld:
# a 2-core machine busy with a training job can starve munged or slurmctld for seconds. Prints
# the job id.
submit() {
  local id i
  for ((i = 0; i < 5; i++)); do
    id=$(sbatch --parsable "$@" 2> "$DIR/submit.err") && { echo "$id"; return 0; }
    grep -qE "socket error|Socket timed out|Unable to contact|Connection refused" "$DIR/submit.err" || break
    sleep 1
  done
  cat "$DIR/submit.err" >&2
  return 1
}
# For the training tests: skips without the select plugin, tflops-train or the dataset; sets
# TRAIN, starts a cluster of one 10-block card (migration-10t.conf) with select/cons_tres_tflops,
# exports SLURM_CONF and changes into DIR.
start_training_cluster() {
  [ -f "$BUILD/slurm-plugins/select_cons_tres_tflops.so" ] || skip "select_cons_tres_tflops.so not built in $BUILD"
  TRAIN=$BUILD/mpi_runtime/tflops-train
  [ -x "$TRAIN" ] || skip "tflops-train not built in $BUILD (needs Open MPI and the HAL)"
  [ -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || skip "dataset-fashion-mnist not installed"
  "$CLUSTER" start "$DIR" --build "$BUILD" --select tflops \
    --tflops-conf "$REPO/contrib/examples/migration-10t.conf" \
    || { FAILS=1; echo "FAIL - cluster did not start"; exit 1; }
  export SLURM_CONF=$DIR/etc/slurm.conf
  cd "$DIR" || exit 1
}
job_state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'; }
# The waits below are hang detectors, not performance checks: their bounds (N x 10 and 300
# polls 0.1 s apart, plus the time scontrol takes each time) are generous, many times what the step
# takes on a busy 2-core machine; when one runs out, the check after it fails with the state seen.
# Waits (up to about $2 seconds, default 60) for a job to end; prints its final state.
wait_job() {
  local i state
  for ((i = 0; i < ${2:-60} * 10; i++)); do
    state=$(job_state "$1")
    case $state in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY) echo "$state"; return ;; esac
    sleep 0.1
  done
  echo "TIMEOUT_WAITING($state)"
}
# Waits until a job runs; prints its state.
wait_running() {
  local i state
  for ((i = 0; i < 300; i++)); do
    state=$(job_state "$1")
    # Empty: scontrol did not answer this time (a busy slurmctld); ask again.
    [ -n "$state" ] && [ "$state" != PENDING ] && [ "$state" != CONFIGURING ] && break
    sleep 0.1
  done
  echo "$state"
}
# Waits (up to $3 seconds, default 30) until a job is in state $2; prints the state it ends in.
wait_state() {
  local i state
  for ((i = 0; i < ${3:-30} * 10; i++)); do
    state=$(job_state "$1")
    [ "$state" = "$2" ] && break
    sleep 0.1
  done
  echo "$state"
}
# Whether slurmctld's log from line $1 on has a line matching the pattern $2. grep -c reads its
# whole input: `tail | grep -q` under pipefail fails when grep's early exit kills tail (SIGPIPE).
ctld_log_has() { [ "$(tail -n +"$1" "$DIR/log/slurmctld.log" | grep -c -- "$2")" -gt 0 ]; }
envval() { sed -n "s/^$1=//p" "$2" | head -1; }
# The node-local blocks a job holds, as scontrol show job -d prints them ("0-2"; kinds joined by ,).
job_idx() { scontrol show job -d "$1" | grep -o 'IDX:[0-9,-]*' | sed 's/IDX://' | paste -sd, -; }
# The blocks in use on a node, as scontrol show node -d prints them (kinds joined by ,).
node_idx() { scontrol show node -d "$1" | grep -o 'GresUsed=[^ ]*' | grep -o 'IDX:[0-9,-]*' | sed 's/IDX://' | paste -sd, -; }

# The preemption scenario the training tests share (train_preemption, torch_preemption): SCRIPT
# (an sbatch script taking TRAIN_ARGS) runs once uninterrupted as the reference, then on blocks 6-9
# beside a holder on 0-5, with TFLOPS_TEST_HIGH_JOB=1 so that rank 0 submits the high-priority job
# from inside the run (train_preemption_high_job.sh, which writes $DIR/high.id and high.epochs).
# The high job takes 6-9 and suspends the run; the holder ends and the run resumes on 0-3 and
# completes. Each training run is waited for up to RUN_SECONDS, the high job's submission up to
# HIGH_SECONDS (hang detectors). Sets LOW (the run's job id), REF_ACC and LOW_ACC (the final test
# accuracies of the reference and of the run, from ref.out and low.out).
#   preempted_training_run SCRIPT EPOCHS RUN_SECONDS HIGH_SECONDS TRAIN_ARGS...
training_accuracy() { sed -n 's/^final test accuracy: \([0-9.]*\)%.*/\1/p' "$1"; }
preempted_training_run() {
  local script=$1 epochs=$2 run_seconds=$3 high_seconds=$4 ref holder high high_epochs i
  shift 4
  # The reference: the same job, uninterrupted.
  ref=$(submit -p debug --gres=tflops:4 -n 2 -o "$DIR/ref.out" "$script" "$@")
  check_eq "reference run completes" COMPLETED "$(wait_job "$ref" "$run_seconds")"
  REF_ACC=$(training_accuracy "$DIR/ref.out")
  [ -n "$REF_ACC" ] || fail "reference run printed no accuracy: $(tail -5 "$DIR/ref.out")"

  # A job on blocks 0-5, then the training job on 6-9.
  holder=$(submit -p debug --gres=tflops:6 -o /dev/null --wrap 'sleep 600')
  check_eq "holder runs" RUNNING "$(wait_running "$holder")"
  LOW=$(TFLOPS_TEST_HIGH_JOB=1 submit -p debug --gres=tflops:4 -n 2 -o "$DIR/low.out" "$script" "$@")
  check_eq "training job runs" RUNNING "$(wait_running "$LOW")"

  # The high-priority job needs 4 blocks: the pool suspends the training job (the fewest blocks).
  for ((i = 0; i < high_seconds * 10; i++)); do [ -s "$DIR/high.id" ] && break; sleep 0.1; done
  high=$(cat "$DIR/high.id" 2>/dev/null)
  [ -n "$high" ] || fail "the training job submitted no high job: $(cat "$DIR/high.err" 2>/dev/null)"
  high_epochs=$(cat "$DIR/high.epochs" 2>/dev/null)
  if [[ $high_epochs =~ ^[0-9]+$ ]] && [ "$high_epochs" -ge 2 ] && [ "$high_epochs" -lt "$epochs" ]; then
    pass "the high job came while the job was training (after epoch $high_epochs of $epochs)"
  else
    fail "the high job did not come while the job was training: after epoch '$high_epochs' of $epochs"
  fi
  check_eq "high job runs" RUNNING "$(wait_running "$high")"
  check_eq "training job suspended" SUSPENDED "$(job_state "$LOW")"
  check_eq "high job took the training job's blocks (6-9)" 6-9 "$(job_idx "$high")"
  check_eq "holder not disturbed" RUNNING "$(job_state "$holder")"

  # Blocks free up elsewhere: the training job resumes there, on other blocks.
  scancel "$holder"
  check_eq "training job resumes" RUNNING "$(wait_state "$LOW" RUNNING 60)"
  check_eq "training job moved to blocks 0-3" 0-3 "$(job_idx "$LOW")"
  check_eq "training job completes" COMPLETED "$(wait_job "$LOW" "$run_seconds")"
  LOW_ACC=$(training_accuracy "$DIR/low.out")
}

# check_accuracy_kept: the run's final accuracy is within 0.5 points of the uninterrupted one's.
check_accuracy_kept() {
  if [ -n "$LOW_ACC" ] && [ -n "$REF_ACC" ] &&
     /usr/bin/python3 -c "import sys; sys.exit(abs($LOW_ACC - $REF_ACC) > 0.5)"; then
    pass "final accuracy $LOW_ACC% within 0.5 points of the uninterrupted $REF_ACC%"
  else
    fail "final accuracy '$LOW_ACC' against uninterrupted '$REF_ACC'"
  fi
}
