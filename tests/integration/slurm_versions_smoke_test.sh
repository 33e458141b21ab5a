#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Smoke test of one Slurm version's daemons and clients on this host, with stock plugins only:
#
#   tests/integration/slurm_versions_smoke_test.sh BUILD_DIR 22.05|24.11|26.05
#
# Prepares the version (contrib/cluster/slurm-version prepare: 24.11 makes its chroot once, 26.05
# builds once, both cached in /var/cache/tflops), starts a plain cluster of that version
# (tflops-cluster start --plain --slurm V) in a temporary directory and checks: the clients
# (through DIR/bin for 24.11/26.05) and the daemons are that version, the nodes are idle,
# `sbatch --wrap true` completes, `srun hostname` works (also from inside a batch job), a job sees
# the submitter's environment, `scontrol suspend/resume` works, restart-ctld works; then `stop`
# leaves no daemon pid alive, no process in the cluster's chroot and no mount under the
# directory. Prints `ok - ...` / `FAIL - ...` lines and exits non-zero on a failure (77: skipped,
# not root). Needs root. Logs are kept when something failed.
set -u

BUILD=${1:-}
VERSION=${2:-}
[ -n "$BUILD" ] && [ -n "$VERSION" ] || { echo "usage: $0 BUILD_DIR 22.05|24.11|26.05" >&2; exit 2; }
case $VERSION in 22.05|24.11|26.05) ;; *) echo "unknown version '$VERSION': 22.05, 24.11 or 26.05" >&2; exit 2 ;; esac

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CLUSTER=$REPO/contrib/cluster/tflops-cluster
SLURM_VERSION_TOOL=$REPO/contrib/cluster/slurm-version

[ "$(id -u)" = 0 ] || { echo "SKIPPED: needs root to run slurmd"; exit 77; }

FAILS=0
PASSES=0
pass() { echo "ok   - $*"; PASSES=$((PASSES + 1)); }
fail() { echo "FAIL - $*"; FAILS=$((FAILS + 1)); }
check_eq() {  # name expected actual
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: expected '$2', got '$3'"; fi
}
finish() {
  echo "$PASSES passed, $FAILS failure(s) (Slurm $VERSION)"
  [ $FAILS -eq 0 ]
}

# 1. The version is runnable.
if "$SLURM_VERSION_TOOL" prepare "$VERSION"; then
  pass "slurm-version prepare $VERSION"
else
  fail "slurm-version prepare $VERSION"
  finish; exit 1
fi
sv_env=$("$SLURM_VERSION_TOOL" env "$VERSION") || { fail "slurm-version env $VERSION"; finish; exit 1; }
eval "$sv_env"
EXPECTED=$SLURM_VERSION
pass "slurm-version env $VERSION: Slurm $EXPECTED ($SLURM_MODE)"

DIR=$(mktemp -d /tmp/tflops-sv.XXXXXX)
STOPPED=0
cleanup() {
  [ $STOPPED = 1 ] || "$CLUSTER" stop "$DIR" >/dev/null 2>&1
  if [ $FAILS -eq 0 ]; then
    for _ in 1 2 3 4 5; do rm -rf "$DIR" 2>/dev/null && break; sleep 1; done
  else
    echo "logs kept in $DIR/log"
  fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

build_args=()
[ -d "$BUILD" ] && build_args=(--build "$BUILD")

# 2. A plain cluster of that version. Another cluster starting at the same moment may take the
# ports picked (tflops-cluster checks they are free, then the daemons bind): try again then.
started=no
for attempt in 1 2 3; do
  if "$CLUSTER" start "$DIR" --plain --slurm "$VERSION" "${build_args[@]}" > "$DIR.start.log" 2>&1; then
    started=yes; break
  fi
  grep -qs 'Address already in use' "$DIR"/log/slurmctld.log "$DIR"/log/slurmd-*.log || break
  echo "# attempt $attempt: the ports were taken by another cluster meanwhile, trying again"
  rm -f "$DIR"/log/*.log
done
if [ $started = yes ]; then
  pass "tflops-cluster start --plain --slurm $VERSION"
  rm -f "$DIR.start.log"
else
  fail "tflops-cluster start --plain --slurm $VERSION:"
  sed 's/^/    /' "$DIR.start.log"; rm -f "$DIR.start.log"
  finish; exit 1
fi
check_eq "DIR/etc/slurm-version records the version" "$VERSION" "$(cat "$DIR/etc/slurm-version" 2>/dev/null)"

cluster_env=$("$CLUSTER" env "$DIR")
eval "$cluster_env"
if [ "$VERSION" = 22.05 ]; then
  check_eq "env prints only SLURM_CONF for 22.05" "export SLURM_CONF=$DIR/etc/slurm.conf" "$cluster_env"
else
  # shellcheck disable=SC2016
  check_eq "env puts DIR/bin first on PATH" "export PATH=$DIR/bin:\$PATH" "$(echo "$cluster_env" | grep '^export PATH=')"
  for c in sbatch srun salloc scontrol squeue sinfo scancel; do
    [ -x "$DIR/bin/$c" ] || fail "no client wrapper $DIR/bin/$c"
  done
  check_eq "sbatch on PATH is the cluster's wrapper" "$DIR/bin/sbatch" "$(command -v sbatch)"
  grep -q '^CgroupPlugin=disabled' "$DIR/etc/cgroup.conf" 2>/dev/null \
    && pass "cgroup.conf says CgroupPlugin=disabled" || fail "no CgroupPlugin=disabled in $DIR/etc/cgroup.conf"
fi
cd "$DIR" || exit 1

# 3. Every client and daemon is that version.
client_version=$(scontrol --version 2>&1)
case $client_version in
  "slurm $EXPECTED"|"slurm-wlm $EXPECTED") pass "scontrol --version: $client_version" ;;
  *) fail "scontrol --version: expected Slurm $EXPECTED, got '$client_version'" ;;
esac
for c in sbatch srun squeue sinfo scancel; do
  v=$($c --version 2>&1)
  case $v in *" $EXPECTED") ;; *) fail "$c --version: expected $EXPECTED, got '$v'" ;; esac
done
pass "sbatch, srun, squeue, sinfo, scancel are $EXPECTED"
grep -q "slurmctld version $EXPECTED started" "$DIR/log/slurmctld.log" \
  && pass "slurmctld $EXPECTED started" || fail "slurmctld.log does not say version $EXPECTED started"
nodes=$(cat "$DIR/etc/nodes")
node_count=$(echo "$nodes" | wc -l)
started=0
for n in $nodes; do grep -q "slurmd version $EXPECTED started" "$DIR/log/slurmd-$n.log" && started=$((started + 1)); done
check_eq "every slurmd is $EXPECTED" "$node_count" "$started"

# Each recorded pid is the real daemon of that version (not a chroot wrapper).
case $SLURM_MODE in
  system) sbin=/usr/sbin ;;
  native) sbin=$SLURM_SBIN_DIR ;;
  chroot) sbin=$DIR/root$SLURM_SBIN_DIR ;;
esac
pids=()
bad=
for f in "$DIR"/run/*.pid; do
  pid=$(tr -dc 0-9 < "$f")
  pids+=("$pid")
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null)
  name=$(basename "$f" .pid); name=${name%%-*}
  case $name in
    munged) [ "$SLURM_MODE" = chroot ] && want=$sbin/munged || want=/usr/sbin/munged ;;
    *) want=$sbin/$name ;;
  esac
  # Debian names its binaries slurmctld-wlm/slurmd-wlm (slurmctld is an alternatives link).
  case $exe in "$want"|"$want"-wlm) ;; *) bad="$bad $(basename "$f"):$pid=$exe(want $want)" ;; esac
done
[ ${#pids[@]} -eq $((node_count + 2)) ] || bad="$bad (${#pids[@]} pid files for $node_count nodes)"
[ -z "$bad" ] && pass "the ${#pids[@]} recorded pids are the daemons themselves ($sbin)" || fail "recorded pids:$bad"

# 4. Nodes idle.
idle=$(scontrol show node 2>/dev/null | grep -c 'State=IDLE ')
check_eq "scontrol show node: all $node_count nodes idle" "$node_count" "$idle"

job_state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'; }
wait_state() {  # job state [seconds]: prints the state it ends in
  local i s
  for ((i = 0; i < ${3:-30} * 10; i++)); do
    s=$(job_state "$1")
    [ "$s" = "$2" ] && break
    case $s in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL) break ;; esac
    sleep 0.1
  done
  echo "$s"
}

# 5. Batch, srun, srun in a batch job, the submitter's environment.
j=$(sbatch --parsable --wrap true 2>&1)
check_eq "sbatch --wrap true completes" COMPLETED "$(wait_state "$j" COMPLETED)"
check_eq "srun hostname" "$(hostname)" "$(timeout 60 srun -N1 hostname 2>&1)"
export OMPI_MCA_tflops_smoke=yes
j=$(sbatch --parsable -o "$DIR/inner.out" --wrap 'echo "env=$OMPI_MCA_tflops_smoke"; srun -N1 hostname' 2>&1)
s=$(wait_state "$j" COMPLETED 60)
unset OMPI_MCA_tflops_smoke
check_eq "batch job with srun completes" COMPLETED "$s"
check_eq "a batch job sees the submitter's OMPI_MCA_* variable" env=yes "$(grep '^env=' "$DIR/inner.out" 2>/dev/null)"
check_eq "srun inside a batch job" "$(hostname)" "$(grep -v '^env=' "$DIR/inner.out" 2>/dev/null)"

# 6. Suspend and resume.
j=$(sbatch --parsable --wrap 'sleep 120' 2>&1)
check_eq "a sleeping job runs" RUNNING "$(wait_state "$j" RUNNING)"
scontrol suspend "$j" 2>&1
check_eq "scontrol suspend" SUSPENDED "$(wait_state "$j" SUSPENDED 10)"
scontrol resume "$j" 2>&1
check_eq "scontrol resume" RUNNING "$(wait_state "$j" RUNNING 10)"
scancel "$j" 2>&1
check_eq "scancel" CANCELLED "$(wait_state "$j" CANCELLED 20)"

# 7. restart-ctld and status.
if "$CLUSTER" restart-ctld "$DIR" >/dev/null 2>&1 && scontrol ping 2>/dev/null | grep -q 'is UP'; then
  pass "restart-ctld (slurmctld answers again)"
else
  fail "restart-ctld"
fi
"$CLUSTER" status "$DIR" >/dev/null 2>&1 && pass "status: every daemon runs" || fail "status says a daemon is down"
pids=()
for f in "$DIR"/run/*.pid; do pids+=("$(tr -dc 0-9 < "$f")"); done

# 8. Stop: no daemon, no process in the chroot, no mount left.
cd /
if "$CLUSTER" stop "$DIR" >/dev/null 2>&1; then pass "tflops-cluster stop"; else fail "tflops-cluster stop"; fi
STOPPED=1
alive=
for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive="$alive $pid"; done
check_eq "no daemon pid survives stop (${#pids[@]} checked)" "" "$alive"
inroot=
for p in /proc/[0-9]*; do
  case $(readlink "$p/root" 2>/dev/null) in "$DIR"/*) inroot="$inroot ${p#/proc/}" ;; esac
done
check_eq "no process left in the cluster's chroot view" "" "$inroot"
check_eq "no mount left under $DIR" "" "$(awk -v d="$DIR" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo)"

finish
