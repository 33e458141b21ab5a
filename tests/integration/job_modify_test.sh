#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `scontrol update` of a pending job's tflops request on real Slurm daemons, through
# job_submit/tflops' job_modify hook: a request that can never run (more blocks than the pool,
# zero blocks, an unknown kind) is refused with a clear message, slurmctld keeps running and the
# job keeps its original request; a request that fits is accepted. (A job_modify with another
# signature than the one Slurm calls took slurmctld down here.)
#
#   job_modify_test.sh BUILD_DIR
#
# Exit 0: passed; 1: failed; 77: skipped (not root, Slurm/munge not installed, plugin not built).
set -uo pipefail

BUILD=$(cd "${1:?usage: job_modify_test.sh BUILD_DIR}" && pwd)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ -f "$BUILD/slurm-plugins/job_submit_tflops.so" ] || skip "job_submit_tflops.so not built in $BUILD"

"$CLUSTER" start "$DIR" --build "$BUILD" --select tflops || { FAILS=1; echo "FAIL - cluster did not start"; exit 1; }
export SLURM_CONF=$DIR/etc/slurm.conf
cd "$DIR"
grep -q '^JobSubmitPlugins=tflops' "$DIR/etc/slurm.conf" || fail "job_submit/tflops is not configured"

CTLD_PID=$(tr -dc 0-9 < "$DIR/run/slurmctld.pid")
# The request a job holds, as scontrol shows it ("gres:tflops:4"; "gres/tflops:4" on newer Slurm).
tres_per_node() { scontrol show job "$1" | sed -n 's/.*TresPerNode=\([^ ]*\).*/\1/p'; }
ctld_up() { kill -0 "$CTLD_PID" 2>/dev/null && scontrol ping 2>/dev/null | grep -q 'is UP'; }

J=$(submit -H --gres=tflops:4 -o /dev/null --wrap true) || { fail "held job not submitted"; finish; exit; }
ORIGINAL=$(tres_per_node "$J")
case $ORIGINAL in *tflops:4) pass "held job holds tflops:4 ($ORIGINAL)" ;; *) fail "held job's request: '$ORIGINAL'" ;; esac

# refused NAME GRES: the update fails with a message naming the gres problem, slurmctld is still
# up, and the job's request is what it was.
refused() {
  local out rc=0
  out=$(scontrol update jobid="$J" gres="$2" 2>&1) || rc=$?
  if [ $rc -ne 0 ] && grep -qiE 'gres|generic resource' <<< "$out"; then
    pass "$1: refused ($out)"
  else
    fail "$1: exit $rc, said: $out"
  fi
  if ctld_up; then pass "$1: slurmctld still answers"; else fail "$1: slurmctld is gone"; return; fi
  check_eq "$1: the job keeps its request" "$ORIGINAL" "$(tres_per_node "$J")"
  check_eq "$1: the job still pends" PENDING "$(job_state "$J")"
}
refused "more blocks than the pool" tflops:300
refused "zero blocks" tflops:0
refused "an unknown kind" tflops:xpu:2
# The reason is in slurmctld's log, in the plugin's words.
for want in "the pool has 200" "asks for no blocks" "'xpu' is not a card kind"; do
  if grep -qF -- "$want" "$DIR/log/slurmctld.log"; then pass "slurmctld's log says: $want"
  else fail "slurmctld's log does not say: $want"; fi
done

# An update that fits is accepted and takes effect.
out=$(scontrol update jobid="$J" gres=tflops:8 2>&1)
check_eq "an update that fits is accepted" "" "$out"
case $(tres_per_node "$J") in *tflops:8) pass "the job now holds tflops:8" ;; *) fail "after the update: '$(tres_per_node "$J")'" ;; esac
if ctld_up; then pass "slurmctld still answers at the end"; else fail "slurmctld is gone at the end"; fi

scancel "$J" 2>/dev/null
finish
