#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A reservation of blocks (`scontrol create reservation ... TRES=gres/tflops=N`, Slurm 24.11) on
# real daemons with slurmdbd (tflops-cluster --accounting), under select/cons_tres_tflops: Slurm
# picks the reservation through the plugin's job_test; a reservation larger than the node is
# refused with slurmctld still up; a job outside waits for the reserved node; jobs inside run,
# never on each other's blocks, and wait once the node's blocks are taken; deleting the
# reservation lets the job outside run. The example cluster's node0 has 63 blocks.
#
# Slurm 24.11 gives a GRES reservation all the cores of its nodes, and then (stock cons_tres too)
# neither lists its blocks for the jobs inside (they may use every block of the node) nor lets a
# job outside onto the node. Blocks that a reservation of part of a node holds (resv_exc_t's lists)
# are tested on Slurm's own structures by ReservedBlocks.* (tests/select/reserved_blocks_test.cpp).
#
#   reservation_test.sh BUILD_DIR
#
# Exit 0: passed; 1: failed; 77: skipped (not root, Slurm/munge not installed, plugin not built).
set -uo pipefail

BUILD=$(cd "${1:?usage: reservation_test.sh BUILD_DIR}" && pwd)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ -f "$BUILD/slurm-plugins/select_cons_tres_tflops.so" ] || skip "select_cons_tres_tflops.so not built in $BUILD"

"$CLUSTER" start "$DIR" --build "$BUILD" --select tflops --accounting \
  || { FAILS=1; echo "FAIL - cluster did not start"; exit 1; }
export SLURM_CONF=$DIR/etc/slurm.conf
cd "$DIR"
CTLD_PID=$(tr -dc 0-9 < "$DIR/run/slurmctld.pid")

# The node-local blocks a job holds, kinds joined ("0-4,5-9").
held() { job_idx "$1" | tr -s , | sed 's/^,//; s/,$//'; }
# "0-4,9" -> one block number per line.
blocks() { tr ',' '\n' <<< "$1" | awk -F- 'NF { for (b = $1; b <= (NF > 1 ? $2 : $1); b++) print b }' | sort -n; }
count() { blocks "$1" | grep -c .; }
# The blocks of $1 that are also in $2 (empty when none).
common() { comm -12 <(blocks "$1" | sort) <(blocks "$2" | sort) | sort -n | paste -sd, -; }
sleeper() { submit -w node0 -o /dev/null "$@" --wrap 'sleep 600'; }

out=$(scontrol create reservation ReservationName=toobig StartTime=now Duration=60 Users=root \
  Nodes=node0 TRES=gres/tflops=64 2>&1)
if [ -n "$out" ] && ! grep -q 'created' <<< "$out"; then pass "64 blocks on node0 (63) refused: $out"
else fail "a reservation of 64 blocks on node0: $out"; fi
if kill -0 "$CTLD_PID" 2>/dev/null && scontrol ping | grep -q 'is UP'; then pass "slurmctld still answers"
else fail "slurmctld is gone after the refused reservation"; fi

out=$(scontrol create reservation ReservationName=held StartTime=now Duration=60 Users=root \
  Nodes=node0 TRES=gres/tflops=20 2>&1)
case $out in
  *created*) pass "reservation of 20 blocks on node0 created ($out)" ;;
  *) fail "reservation not created: $out"; finish; exit ;;
esac

OUT=$(sleeper --gres=tflops:1) || { fail "job outside the reservation not submitted"; finish; exit; }
IN1=$(sleeper --reservation=held --gres=tflops:5) || { fail "job inside the reservation not submitted"; finish; exit; }
check_eq "5 blocks inside the reservation run" RUNNING "$(wait_running "$IN1")"
check_eq "a job outside waits for the reserved node" PENDING "$(job_state "$OUT")"
IN2=$(sleeper --reservation=held --gres=tflops:58) || { fail "second job inside not submitted"; finish; exit; }
check_eq "the node's other 58 blocks run inside" RUNNING "$(wait_running "$IN2")"
in1=$(held "$IN1") in2=$(held "$IN2")
check_eq "the first job holds 5 blocks" 5 "$(count "$in1")"
check_eq "the second 58" 58 "$(count "$in2")"
check_eq "none of them the first job's" "" "$(common "$in2" "$in1")"
IN3=$(sleeper --reservation=held --gres=tflops:1) || { fail "third job inside not submitted"; finish; exit; }
sleep 5
check_eq "one more block inside waits" PENDING "$(job_state "$IN3")"
check_eq "the first job kept its blocks" "$in1" "$(held "$IN1")"

scancel "$IN1" "$IN2" "$IN3"
for j in "$IN1" "$IN2"; do check_eq "job $j inside ends" CANCELLED "$(wait_job "$j")"; done
out=$(scontrol delete reservation held 2>&1)
check_eq "the reservation is deleted" "" "$out"
check_eq "then the job outside runs" RUNNING "$(wait_running "$OUT")"
check_eq "on one block" 1 "$(count "$(held "$OUT")")"

scancel "$OUT" 2>/dev/null
finish
