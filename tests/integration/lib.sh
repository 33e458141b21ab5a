# Shared by the integration tests: checks, a cluster of their own, waiting on jobs.
# Source it after setting BUILD; it defines REPO, CLUSTER, DIR and FAILS, and stops the cluster
# by pid when the test exits (logs are kept when something failed).
# shellcheck shell=bash

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CLUSTER=$REPO/contrib/cluster/tflops-cluster

skip() { echo "SKIPPED: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root to run slurmd (run: sudo ctest -L integration)"
for b in slurmctld slurmd munged sbatch scontrol squeue; do
  command -v "$b" >/dev/null || skip "$b not installed (apt-get install slurmctld slurmd slurm-client munge)"
done
[ -f "$BUILD/slurm-plugins/gres_tflops.so" ] || skip "gres_tflops.so not built in $BUILD"

DIR=$(mktemp -d /tmp/tflops-it.XXXXXX)
FAILS=0
cleanup() {
  "$CLUSTER" stop "$DIR" >/dev/null 2>&1
  if [ $FAILS -eq 0 ]; then
    for _ in 1 2 3 4 5; do rm -rf "$DIR" 2>/dev/null && break; sleep 1; done
  else
    echo "logs kept in $DIR/log"
  fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

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
# Waits for a job to end; prints its final state.
wait_job() {
  local i state
  for ((i = 0; i < 600; i++)); do
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
envval() { sed -n "s/^$1=//p" "$2" | head -1; }
# The node-local blocks a job holds, as scontrol show job -d prints them ("0-2"; kinds joined by ,).
job_idx() { scontrol show job -d "$1" | grep -o 'IDX:[0-9,-]*' | sed 's/IDX://' | paste -sd, -; }
# The blocks in use on a node, as scontrol show node -d prints them (kinds joined by ,).
node_idx() { scontrol show node -d "$1" | grep -o 'GresUsed=[^ ]*' | grep -o 'IDX:[0-9,-]*' | sed 's/IDX://' | paste -sd, -; }
