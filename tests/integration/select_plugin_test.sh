#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Integration test of select/cons_tres_tflops on real Slurm daemons (issue 3, tests 2, 3, 5 and 6)
# on a one-node, 10-block cluster (contrib/examples/migration-10t.conf): the migration example
# (README.md), preemption that suspends the low job and releases its blocks, a slurmctld restart
# while a victim is suspended (also one whose CPUs the high job took), preemption among jobs without
# blocks, and a slurmd killed while its node holds blocks. Then, on two such nodes: a job goes to
# the node where its blocks fit in one free run, rather than split or moving others; on a node of
# two kinds, a request of both preempts the jobs holding the fewest blocks; and on a node of two
# cards, the migration example again, where the moves change cards and so stop the jobs (on one card
# they only renumber the jobs' blocks, and the jobs keep running), and where under ConstrainDevices
# nothing moves to another card.
#
#   select_plugin_test.sh BUILD_DIR
#
# Exit 0: passed; 1: failed; 77: skipped (not root, Slurm/munge not installed, plugin not built).
set -uo pipefail

BUILD=$(cd "${1:?usage: select_plugin_test.sh BUILD_DIR}" && pwd)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ -f "$BUILD/slurm-plugins/select_cons_tres_tflops.so" ] || skip "select_cons_tres_tflops.so not built in $BUILD"

# A dead slurmd is noticed after SlurmdTimeout: keep test 6 short.
echo "SlurmdTimeout=10" > "$DIR/extra.conf"
"$CLUSTER" start "$DIR" --build "$BUILD" --select tflops --extra-conf "$DIR/extra.conf" \
  --tflops-conf "$REPO/contrib/examples/migration-10t.conf" \
  || { FAILS=1; echo "FAIL - cluster did not start"; exit 1; }
export SLURM_CONF=$DIR/etc/slurm.conf
cd "$DIR"

# A job that counts to $1, one step a second, then says it is done: its output shows that a
# suspension lost nothing.
counter() { echo "for i in \$(seq 1 $1); do echo tick \$i; sleep 1; done; echo done"; }
ticks_ok() {  # name file count
  local want got
  want=$(seq 1 "$3" | sed 's/^/tick /'; echo done)
  got=$(cat "$2" 2>/dev/null)
  check_eq "$1" "$want" "$got"
}

# --- 2. the migration example: app4 gets one contiguous run ---
# Replays the example on the running cluster up to t2 (app1 gone, app4 running); app2..app4 are
# left in $A2 $A3 $A4.
spec_migration_t2() {
  local a1
  a1=$(sbatch --parsable --gres=tflops:3 -o /dev/null --wrap 'sleep 600')
  check_eq "app1 runs" RUNNING "$(wait_running "$a1")"
  A2=$(sbatch --parsable --gres=tflops:3 -o "$DIR/app2.out" --wrap "$(counter 8)")
  check_eq "app2 runs" RUNNING "$(wait_running "$A2")"
  A3=$(sbatch --parsable --gres=tflops:2 -o /dev/null --wrap 'sleep 600')
  check_eq "app3 runs" RUNNING "$(wait_running "$A3")"
  check_eq "t1: app1 [1-3]" 0-2 "$(job_idx "$a1")"
  check_eq "t1: app2 [4-6]" 3-5 "$(job_idx "$A2")"
  check_eq "t1: app3 [7-8]" 6-7 "$(job_idx "$A3")"
  scancel "$a1"
  check_eq "app1 exits" CANCELLED "$(wait_job "$a1")"
  A4=$(sbatch --parsable --gres=tflops:4 -o /dev/null --wrap 'sleep 600')
  check_eq "app4 runs" RUNNING "$(wait_running "$A4")"
}
# The worked example's answer at t2, then app2 finishes with its whole output and the others are
# cancelled.
spec_migration_example() {
  spec_migration_t2
  check_eq "t2: app2 moved to [1-3]" 0-2 "$(job_idx "$A2")"
  check_eq "t2: app3 moved to [4-5]" 3-4 "$(job_idx "$A3")"
  check_eq "t2: app4 gets one run [6-9]" 5-8 "$(job_idx "$A4")"
  check_eq "t2: node0 blocks in use" 0-8 "$(node_idx node0)"
  spec_migration_end
}
spec_migration_end() {
  check_eq "app2 finishes" COMPLETED "$(wait_job "$A2")"
  ticks_ok "app2's output is whole" "$DIR/app2.out" 8
  scancel "$A3" "$A4"
  wait_job "$A3" >/dev/null; wait_job "$A4" >/dev/null
}
# Which of app2 and app3 the slurmctld log (from line $LOG_FROM on) shows renumbered and which
# moved (stopped to move).
LOG_FROM=1
move_kinds() {
  local j log
  log=$(tail -n +"$LOG_FROM" "$DIR/log/slurmctld.log")
  for j in "$A2" "$A3"; do
    if grep -q "JobId=$j is renumbered" <<< "$log"; then echo renumbered
    elif grep -q "JobId=$j moves" <<< "$log"; then echo moved
    else echo "neither"; fi
  done | paste -sd' '
}
spec_migration_example
# The node is one card: app2 and app3 keep it and their share of it, so they keep running.
check_eq "one card: app2 and app3 renumbered, not stopped" "renumbered renumbered" "$(move_kinds)"

# --- 3. preemption: the low job is suspended with its blocks released, then resumes ---
LOW=$(sbatch --parsable -p debug --gres=tflops:8 -o "$DIR/low.out" --wrap "$(counter 12)")
check_eq "low job runs" RUNNING "$(wait_running "$LOW")"
check_eq "low job holds [1-8]" 0-7 "$(job_idx "$LOW")"
HIGH=$(sbatch --parsable -p high --gres=tflops:6 -o "$DIR/high.out" --wrap 'env | grep ^SLURM_TFLOPS_BLOCKS=; sleep 4')
check_eq "high job runs" RUNNING "$(wait_running "$HIGH")"
check_eq "low job suspended" SUSPENDED "$(job_state "$LOW")"
check_eq "node0 blocks in use: the high job's only" 0-5 "$(node_idx node0)"
check_eq "high job completes" COMPLETED "$(wait_job "$HIGH")"
check_eq "high job's blocks" 0-5 "$(envval SLURM_TFLOPS_BLOCKS "$DIR/high.out")"
check_eq "low job resumes" RUNNING "$(wait_state "$LOW" RUNNING)"
check_eq "low job completes" COMPLETED "$(wait_job "$LOW")"
ticks_ok "low job's output is whole" "$DIR/low.out" 12

# --- 5. slurmctld restarts while a victim is suspended ---
LOW=$(sbatch --parsable -p debug --gres=tflops:8 -o "$DIR/low2.out" --wrap "$(counter 10)")
check_eq "low job runs" RUNNING "$(wait_running "$LOW")"
HIGH=$(sbatch --parsable -p high --gres=tflops:6 -o /dev/null --wrap 'sleep 12')
check_eq "high job runs" RUNNING "$(wait_running "$HIGH")"
check_eq "low job suspended" SUSPENDED "$(job_state "$LOW")"
"$CLUSTER" restart-ctld "$DIR" || fail "slurmctld did not restart"
check_eq "after restart: low job still suspended" SUSPENDED "$(job_state "$LOW")"
check_eq "after restart: high job still runs" RUNNING "$(job_state "$HIGH")"
# The node's block bitmap comes back when node0 registers again.
for ((i = 0; i < 100; i++)); do [ -n "$(node_idx node0)" ] && break; sleep 0.2; done
check_eq "after restart: node0 blocks in use, the high job's only" 0-5 "$(node_idx node0)"
if grep -q "overallocated" "$DIR/log/slurmctld.log"; then fail "slurmctld counted a block twice"; else pass "no block counted twice"; fi
check_eq "high job completes" COMPLETED "$(wait_job "$HIGH")"
check_eq "low job resumes" RUNNING "$(wait_state "$LOW" RUNNING)"
check_eq "low job completes" COMPLETED "$(wait_job "$LOW")"
ticks_ok "low job's output is whole" "$DIR/low2.out" 10

# --- 5b. the high job needs the low job's CPUs, not its blocks ---
# The low job holds all 4 CPUs and blocks [1-2]; the high job asks for 4 CPUs and 6 of the 8 free
# blocks. The low job is suspended with its CPUs given away too. After a slurmctld restart it
# still waits for them, although free blocks [7-10] would take it, and slurmctld does not count
# its CPUs as in use beside the high job's.
LOW=$(sbatch --parsable -p debug -c 4 --gres=tflops:2 -o "$DIR/low3.out" --wrap "$(counter 8)")
check_eq "4-CPU low job runs" RUNNING "$(wait_running "$LOW")"
HIGH=$(sbatch --parsable -p high -c 4 --gres=tflops:6 -o /dev/null --wrap 'sleep 20')
check_eq "4-CPU high job runs: it needed the low job's CPUs" RUNNING "$(wait_running "$HIGH")"
check_eq "4-CPU low job suspended" SUSPENDED "$(job_state "$LOW")"
LOG_FROM=$(($(wc -l < "$DIR/log/slurmctld.log") + 1))
"$CLUSTER" restart-ctld "$DIR" || fail "slurmctld did not restart"
sleep 3  # past the suspension's settling and several resumer rounds: a resume would show
check_eq "after restart: the low job waits for its CPUs" "SUSPENDED RUNNING" \
  "$(job_state "$LOW") $(job_state "$HIGH")"
check_eq "4-CPU high job completes" COMPLETED "$(wait_job "$HIGH")"
check_eq "4-CPU low job resumes" RUNNING "$(wait_state "$LOW" RUNNING)"
check_eq "4-CPU low job completes" COMPLETED "$(wait_job "$LOW")"
ticks_ok "4-CPU low job's output is whole" "$DIR/low3.out" 8
# Had slurmctld counted the low job's CPUs at restart, taking them back on resume would overflow.
if ctld_log_has "$LOG_FROM" "job overflow"; then
  fail "after restart: slurmctld counted CPUs twice"
else
  pass "after restart: no CPU counted twice"
fi

# --- jobs without blocks preempt as under cons_tres: the low one is suspended, then resumes ---
LOW=$(sbatch --parsable -p debug -c 4 -o "$DIR/plain.out" --wrap "$(counter 6)")
check_eq "low job without blocks runs" RUNNING "$(wait_running "$LOW")"
HIGH=$(sbatch --parsable -p high -c 4 -o /dev/null --wrap 'sleep 3')
check_eq "high job without blocks runs" RUNNING "$(wait_running "$HIGH")"
check_eq "low job without blocks suspended" SUSPENDED "$(job_state "$LOW")"
check_eq "high job without blocks completes" COMPLETED "$(wait_job "$HIGH")"
check_eq "low job without blocks resumes" RUNNING "$(wait_state "$LOW" RUNNING)"
check_eq "low job without blocks completes" COMPLETED "$(wait_job "$LOW")"
ticks_ok "low job without blocks: output whole" "$DIR/plain.out" 6

# --- 6. a slurmd killed while its node holds blocks: no leak, the blocks come back ---
J=$(sbatch --parsable --no-requeue --gres=tflops:7 -o /dev/null --wrap 'sleep 600')
check_eq "job runs" RUNNING "$(wait_running "$J")"
kill -KILL "$(cat "$DIR/run/slurmd-node0.pid")"
state=$(wait_state "$J" NODE_FAIL 60)
check_eq "job ends with its node" NODE_FAIL "$state"
check_eq "no block left in use" "" "$(node_idx node0)"
"$CLUSTER" start-node "$DIR" node0 || fail "slurmd node0 did not start again"
J=$(sbatch --parsable --gres=tflops:10 -o /dev/null --wrap true)
check_eq "all 10 blocks usable again" COMPLETED "$(wait_job "$J")"

# --- a job goes where its blocks fit in one run: no split, nobody moved ---
# node0 is left with 5 free blocks in two runs (3-5, 8-9) and more jobs (cons_tres alone would
# pick it: fewer CPUs left); node1 is empty.
"$CLUSTER" stop "$DIR" >/dev/null 2>&1
printf 'MigrationPolicy=compact\nNodeName=node[0-1] Kind=gpu Name=gpu0 TFLOPS=10\n' > "$DIR/two-nodes.conf"
"$CLUSTER" start "$DIR" --build "$BUILD" --select tflops --tflops-conf "$DIR/two-nodes.conf" \
  || { FAILS=$((FAILS + 1)); echo "FAIL - two-node cluster did not start"; exit 1; }
logged=$(wc -l < "$DIR/log/slurmctld.log")  # the log goes on from the first cluster's
B1=$(sbatch --parsable -w node0 --gres=tflops:3 -o /dev/null --wrap 'sleep 600')
B2=$(sbatch --parsable -w node0 --gres=tflops:3 -o /dev/null --wrap 'sleep 600')
B3=$(sbatch --parsable -w node0 --gres=tflops:2 -o /dev/null --wrap 'sleep 600')
for b in "$B1" "$B2" "$B3"; do wait_running "$b" >/dev/null; done
check_eq "node0 blocks in use" 0-7 "$(node_idx node0)"
scancel "$B2"
wait_job "$B2" >/dev/null
B4=$(sbatch --parsable --gres=tflops:4 -o /dev/null --wrap 'sleep 600')
check_eq "4-block job runs" RUNNING "$(wait_running "$B4")"
check_eq "it runs on node1" node1 "$(squeue -h -j "$B4" -o %N)"
check_eq "in one run" 0-3 "$(job_idx "$B4")"
check_eq "node0's jobs stay where they were" 0-2,6-7 "$(node_idx node0)"
if ctld_log_has $((logged + 1)) "moves on"; then fail "a running job was moved"; else pass "no running job moved"; fi
scancel "$B1" "$B3" "$B4"

# --- no free run anywhere: the job goes where the moves stop nobody ---
# Both nodes hold the migration example at t2 (jobs on blocks 3-5 and 6-7, free 0-2 and 8-9).
# node0 has two 5-block cards, where compacting stops both jobs (they change cards); node1 has
# one 10-block card, where it only renumbers them. cons_tres alone would pick node0, the first.
"$CLUSTER" stop "$DIR" >/dev/null 2>&1
printf 'MigrationPolicy=compact\nNodeName=node0 Kind=gpu Name=gpu[0-1] TFLOPS=5\nNodeName=node1 Kind=gpu Name=gpu2 TFLOPS=10\n' \
  > "$DIR/cards-differ.conf"
"$CLUSTER" start "$DIR" --build "$BUILD" --select tflops --tflops-conf "$DIR/cards-differ.conf" \
  || { FAILS=$((FAILS + 1)); echo "FAIL - cluster of two layouts did not start"; exit 1; }
held=()
for n in node0 node1; do
  for blocks in 3 3 2; do
    held+=("$(sbatch --parsable -w "$n" --gres=tflops:$blocks -o /dev/null --wrap 'sleep 600')")
  done
done
for j in "${held[@]}"; do wait_running "$j" >/dev/null; done
check_eq "both nodes hold three jobs" "0-7 0-7" "$(node_idx node0) $(node_idx node1)"
scancel "${held[0]}" "${held[3]}"
wait_job "${held[0]}" >/dev/null; wait_job "${held[3]}" >/dev/null
LOG_FROM=$(($(wc -l < "$DIR/log/slurmctld.log") + 1))
C=$(sbatch --parsable --gres=tflops:4 -o /dev/null --wrap 'sleep 600')
check_eq "the 4-block job runs" RUNNING "$(wait_running "$C")"
check_eq "on node1, in one run" "node1 5-8" "$(squeue -h -j "$C" -o %N) $(job_idx "$C")"
check_eq "node1's jobs renumbered and running" "0-2 3-4 RUNNING RUNNING" \
  "$(job_idx "${held[4]}") $(job_idx "${held[5]}") $(job_state "${held[4]}") $(job_state "${held[5]}")"
if ctld_log_has "$LOG_FROM" "moves on"; then fail "a running job was stopped to move"; else pass "no running job stopped"; fi
scancel "${held[@]}" "$C"

# --- a request of two kinds preempts kind by kind: the victims holding the fewest blocks ---
# node0: GPU blocks 0-5, NPU blocks 6-11. G holds every GPU block, N4 four NPU blocks, N2 two.
# The high job asks for 2 of each: the pool suspends G and N2 (8 blocks); cons_tres alone, taking
# its candidates in their order until the job fits, suspends G and N4 (10 blocks).
"$CLUSTER" stop "$DIR" >/dev/null 2>&1
printf 'MigrationPolicy=none\nNodeName=node0 Kind=gpu Name=gpu0 TFLOPS=6\nNodeName=node0 Kind=npu Name=npu0 TFLOPS=6\n' \
  > "$DIR/two-kinds.conf"
"$CLUSTER" start "$DIR" --build "$BUILD" --select tflops --tflops-conf "$DIR/two-kinds.conf" \
  || { FAILS=$((FAILS + 1)); echo "FAIL - two-kind cluster did not start"; exit 1; }
N4=$(sbatch --parsable -p debug --gres=tflops:npu:4 -o /dev/null --wrap 'sleep 600')
N2=$(sbatch --parsable -p debug --gres=tflops:npu:2 -o /dev/null --wrap 'sleep 600')
G=$(sbatch --parsable -p debug --gres=tflops:gpu:6 -o /dev/null --wrap 'sleep 600')
for j in "$N4" "$N2" "$G"; do wait_running "$j" >/dev/null; done
check_eq "node0 full" 0-5,6-11 "$(node_idx node0)"
H=$(sbatch --parsable -p high --gres=tflops:gpu:2,tflops:npu:2 -o /dev/null --wrap 'sleep 5')
check_eq "two-kind high job runs" RUNNING "$(wait_running "$H")"
check_eq "victims G and N2, N4 runs on" "SUSPENDED SUSPENDED RUNNING" \
  "$(for j in "$G" "$N2" "$N4"; do job_state "$j"; done | paste -sd' ')"
check_eq "two-kind high job completes" COMPLETED "$(wait_job "$H")"
check_eq "the victims resume" "RUNNING RUNNING" \
  "$(for j in "$G" "$N2"; do wait_state "$j" RUNNING 30; done | paste -sd' ')"
scancel "$N4" "$N2" "$G"

# --- the migration example on two 5-block cards: moves that change cards stop the job ---
# app2 [4-6] spans gpu0 and gpu1 and goes to gpu0 only, app3 goes from gpu1 to gpu0: both are
# suspended while their blocks change, and app2's output shows the suspension lost nothing.
"$CLUSTER" stop "$DIR" >/dev/null 2>&1
printf 'MigrationPolicy=compact\nNodeName=node0 Kind=gpu Name=gpu[0-1] TFLOPS=5\n' > "$DIR/two-cards.conf"
"$CLUSTER" start "$DIR" --build "$BUILD" --select tflops --tflops-conf "$DIR/two-cards.conf" \
  || { FAILS=$((FAILS + 1)); echo "FAIL - two-card cluster did not start"; exit 1; }
LOG_FROM=$(($(wc -l < "$DIR/log/slurmctld.log") + 1))  # the log goes on from the clusters before
spec_migration_example
check_eq "two cards: app2 and app3 stopped to move" "moved moved" "$(move_kinds)"

# --- the same under ConstrainDevices: no job moves to cards its device cgroup does not allow ---
# app4 gets the free blocks as they are (0-2 on gpu0, 8 on gpu1: two runs), and the log says why.
# Added to what the cluster wrote (from Slurm 24.11, CgroupPlugin=disabled where no cgroup is mounted).
echo "ConstrainDevices=yes" >> "$DIR/etc/cgroup.conf"
scontrol reconfigure
LOG_FROM=$(($(wc -l < "$DIR/log/slurmctld.log") + 1))
spec_migration_t2
check_eq "ConstrainDevices: app2 and app3 stay put" "3-5 6-7" "$(job_idx "$A2") $(job_idx "$A3")"
check_eq "ConstrainDevices: app4 takes the free blocks" 0-2,8 "$(job_idx "$A4")"
check_eq "ConstrainDevices: app2 and app3 neither moved nor renumbered" "neither neither" "$(move_kinds)"
if ctld_log_has "$LOG_FROM" "JobId=$A4 gets 2 runs.*ConstrainDevices keeps each job"; then
  pass "the log says why app4 is split"
else
  fail "the log says why app4 is split"
fi
spec_migration_end
# A job on one card may still be renumbered inside it: with gpu1 full, B1 [1-2] goes to [0-1]
# and keeps running, and a 3-block job gets [2-4] on gpu0.
B0=$(sbatch --parsable --gres=tflops:1 -o /dev/null --wrap 'sleep 600')
B1=$(sbatch --parsable --gres=tflops:2 -o /dev/null --wrap 'sleep 600')
B2=$(sbatch --parsable --gres=tflops:2 -o /dev/null --wrap 'sleep 600')
B3=$(sbatch --parsable --gres=tflops:5 -o /dev/null --wrap 'sleep 600')
for b in "$B0" "$B1" "$B2" "$B3"; do wait_running "$b" >/dev/null; done
check_eq "ConstrainDevices: four jobs fill the node" "0 1-2 3-4 5-9" \
  "$(for b in "$B0" "$B1" "$B2" "$B3"; do job_idx "$b"; done | paste -sd' ')"
scancel "$B0" "$B2"
wait_job "$B0" >/dev/null; wait_job "$B2" >/dev/null
LOG_FROM=$(($(wc -l < "$DIR/log/slurmctld.log") + 1))
B5=$(sbatch --parsable --gres=tflops:3 -o /dev/null --wrap 'sleep 600')
check_eq "ConstrainDevices: the 3-block job runs" RUNNING "$(wait_running "$B5")"
check_eq "ConstrainDevices: B1 renumbered inside gpu0, the new job in one run" "0-1 2-4 RUNNING" \
  "$(job_idx "$B1") $(job_idx "$B5") $(job_state "$B1")"
if ctld_log_has "$LOG_FROM" "JobId=$B1 is renumbered"; then
  pass "ConstrainDevices: the log says B1 was renumbered"
else
  fail "ConstrainDevices: the log says B1 was renumbered"
fi
scancel "$B1" "$B3" "$B5"

finish
