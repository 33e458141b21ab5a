#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A reservation of blocks (`scontrol create reservation ... TRES=gres/tflops=N`) on real daemons
# with slurmdbd (tflops-cluster --accounting), under select/cons_tres_tflops, on Slurm 24.11 and
# 26.05. On both: Slurm picks the reservation through the plugin's job_test, and a reservation
# larger than the node is refused with slurmctld still up. The example cluster's node0 has 63
# blocks and 4 cores; each job here takes one core.
#
# What a GRES reservation holds differs between the releases, the same under stock cons_tres:
# - Slurm 24.11 gives it every core of its nodes, and then lists no blocks for the jobs inside
#   (they may use every block of the node) and lets no job outside onto the node. Checked here:
#   a job outside waits; jobs inside run, never on each other's blocks, up to the node's blocks;
#   deleting the reservation lets the job outside run. Blocks that a reservation of part of a node
#   holds (resv_exc_t's lists) are tested on Slurm's own structures by ReservedBlocks.*
#   (tests/select/reserved_blocks_test.cpp).
# - Slurm 26.05 gives it the node's free cores and its own blocks. Made beside a running job
#   (Flags=IGNORE_JOBS), it leaves that job's core to jobs outside. Checked here: jobs inside get
#   only the reservation's blocks, and wait once those are taken; a job outside never gets them,
#   and waits when the node's other blocks are too few; deleting the reservation gives the job
#   outside the whole node.
#
#   reservation_test.sh BUILD_DIR
#
# Exit 0: passed; 1: failed; 77: skipped (not root, Slurm/munge not installed, plugin not built).
set -uo pipefail

BUILD=$(cd "${1:?usage: reservation_test.sh BUILD_DIR}" && pwd)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ -f "$BUILD/slurm-plugins/select_cons_tres_tflops.so" ] || skip "select_cons_tres_tflops.so not built in $BUILD"
SERIES=$(tr -d '[:space:]' < "$BUILD/slurm-plugins/slurm-series")
case $SERIES in
  24.11 | 26.05) ;;
  *) skip "reservations of blocks are tested on Slurm 24.11 and 26.05; $BUILD is built for $SERIES" ;;
esac

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
# Creates reservation `held` of $1 blocks on node0, with further options $2...; stops the test
# when Slurm refuses it.
reserve() {
  local n=$1 out; shift
  out=$(scontrol create reservation ReservationName=held StartTime=now Duration=60 Users=root \
    Nodes=node0 TRES=gres/tflops="$n" "$@" 2>&1)
  case $out in
    *created*) pass "reservation of $n blocks on node0 created ($out)" ;;
    *) fail "reservation not created: $out"; finish; exit ;;
  esac
}
unreserve() { check_eq "the reservation is deleted" "" "$(scontrol delete reservation held 2>&1)"; }

out=$(scontrol create reservation ReservationName=toobig StartTime=now Duration=60 Users=root \
  Nodes=node0 TRES=gres/tflops=64 2>&1)
if [ -n "$out" ] && ! grep -q 'created' <<< "$out"; then pass "64 blocks on node0 (63) refused: $out"
else fail "a reservation of 64 blocks on node0: $out"; fi
if kill -0 "$CTLD_PID" 2>/dev/null && scontrol ping | grep -q 'is UP'; then pass "slurmctld still answers"
else fail "slurmctld is gone after the refused reservation"; fi

# Slurm 24.11: the reservation holds the whole node.
whole_node_reservation() {
  reserve 20
  local OUT IN1 IN2 IN3 in1 in2 j
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
  unreserve
  check_eq "then the job outside runs" RUNNING "$(wait_running "$OUT")"
  check_eq "on one block" 1 "$(count "$(held "$OUT")")"
  scancel "$OUT" 2>/dev/null
}

# Slurm 26.05: the reservation holds 20 blocks and the cores the job before it left free.
partial_node_reservation() {
  local FIRST IN1 IN2 IN3 BIG OUT ALL first in1 in2 reserved j
  FIRST=$(sleeper --gres=tflops:3) || { fail "first job not submitted"; finish; exit; }
  check_eq "a job of 3 blocks runs before the reservation" RUNNING "$(wait_running "$FIRST")"
  first=$(held "$FIRST")
  reserve 20 Flags=IGNORE_JOBS
  IN1=$(sleeper --reservation=held --gres=tflops:5) || { fail "job inside the reservation not submitted"; finish; exit; }
  IN2=$(sleeper --reservation=held --gres=tflops:15) || { fail "second job inside not submitted"; finish; exit; }
  check_eq "5 blocks inside the reservation run" RUNNING "$(wait_running "$IN1")"
  check_eq "15 more inside run" RUNNING "$(wait_running "$IN2")"
  in1=$(held "$IN1") in2=$(held "$IN2")
  check_eq "the first job inside holds 5 blocks" 5 "$(count "$in1")"
  check_eq "the second 15" 15 "$(count "$in2")"
  check_eq "none of them the first one's" "" "$(common "$in2" "$in1")"
  reserved=$(blocks "$in1,$in2" | paste -sd, -)
  check_eq "none of the job's that ran before" "" "$(common "$reserved" "$first")"
  IN3=$(sleeper --reservation=held --gres=tflops:1) || { fail "third job inside not submitted"; finish; exit; }
  sleep 5
  check_eq "one more block inside waits: the reservation's 20 are taken" PENDING "$(job_state "$IN3")"

  # The first job's core is the only one outside the reservation.
  scancel "$FIRST" "$IN3"
  for j in "$FIRST" "$IN3"; do check_eq "job $j ends" CANCELLED "$(wait_job "$j")"; done
  BIG=$(sleeper --gres=tflops:44) || { fail "job of 44 blocks outside not submitted"; finish; exit; }
  sleep 5
  check_eq "44 blocks outside wait: the node has 43 unreserved" PENDING "$(job_state "$BIG")"
  scancel "$BIG"
  check_eq "that job is cancelled" CANCELLED "$(wait_job "$BIG")"
  # With the first job inside gone, 5 reserved blocks are free, the run of 5 (or the blocks beside
  # the freed 0-2) that a job of 5 would fit best.
  scancel "$IN1"
  check_eq "the first job inside ends" CANCELLED "$(wait_job "$IN1")"
  OUT=$(sleeper --gres=tflops:5) || { fail "job of 5 blocks outside not submitted"; finish; exit; }
  check_eq "5 blocks outside run" RUNNING "$(wait_running "$OUT")"
  check_eq "none of them reserved, though 5 reserved ones are free" "" "$(common "$(held "$OUT")" "$reserved")"
  scancel "$OUT"
  check_eq "that job ends" CANCELLED "$(wait_job "$OUT")"
  OUT=$(sleeper --gres=tflops:43) || { fail "job of 43 blocks outside not submitted"; finish; exit; }
  check_eq "43 blocks outside run" RUNNING "$(wait_running "$OUT")"
  check_eq "on 43 blocks" 43 "$(count "$(held "$OUT")")"
  check_eq "none of them reserved" "" "$(common "$(held "$OUT")" "$reserved")"
  check_eq "the second job inside kept its blocks" "$in2" "$(held "$IN2")"

  scancel "$IN2" "$OUT"
  for j in "$IN2" "$OUT"; do check_eq "job $j ends" CANCELLED "$(wait_job "$j")"; done
  ALL=$(sleeper --gres=tflops:63) || { fail "job of the node's 63 blocks not submitted"; finish; exit; }
  sleep 5
  check_eq "the node's 63 blocks outside wait while the reservation lasts" PENDING "$(job_state "$ALL")"
  unreserve
  check_eq "then they run" RUNNING "$(wait_running "$ALL")"
  scancel "$ALL" 2>/dev/null
}

if [ "$SERIES" = 24.11 ]; then whole_node_reservation; else partial_node_reservation; fi
finish
