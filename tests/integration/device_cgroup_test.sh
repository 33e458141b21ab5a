#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Integration test of the cgroup device list gres/tflops gives Slurm (issue 3, ConstrainDevices)
# on real Slurm daemons: under task/cgroup (cgroup/v1) with ConstrainDevices=yes, a job and its
# steps may open the device files of the cards that hold its blocks, and no other card's. One
# node with two 5-block cards whose Device= files are character devices made for the test
# (card0 has /dev/zero's device number, card1 /dev/full's).
#
#   device_cgroup_test.sh BUILD_DIR
#
# Exit 0: passed; 1: failed; 77: skipped (not root, Slurm/munge not installed, or no cgroup v1
# devices controller that can deny a device here: cgroup v2 hosts need Slurm's cgroup/v2 plugin).
set -uo pipefail

BUILD=$(cd "${1:?usage: device_cgroup_test.sh BUILD_DIR}" && pwd)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DEVICES=/sys/fs/cgroup/devices
# The probe is tests/conditions.sh's (condition cgroup-v1): contrib/run-tests.sh refuses this skip
# where the same probe finds the controller.
tflops_cgroup_v1_devices || skip "no cgroup v1 devices controller that can deny a device at $DEVICES (condition cgroup-v1)"
# slurmd leaves its own cgroup (slurm_node0) behind; remove it with the cluster.
trap 'cleanup; [ -d "$DEVICES/slurm_node0" ] && find "$DEVICES/slurm_node0" -depth -type d -exec rmdir {} + 2>/dev/null' EXIT

mkdir -p "$DIR/dev" "$DIR/etc"
{ mknod "$DIR/dev/card0" c 1 5 && mknod "$DIR/dev/card1" c 1 7; } 2>/dev/null \
  || skip "cannot make device files (mknod) in $DIR"
printf 'MigrationPolicy=none\nNodeName=node0 Kind=gpu Name=gpu[0-1] Device=%s/dev/card[0-1] TFLOPS=5\n' "$DIR" \
  > "$DIR/two-cards.conf"
printf 'CgroupPlugin=cgroup/v1\nConstrainDevices=yes\n' > "$DIR/etc/cgroup.conf"
echo "TaskPlugin=task/cgroup" > "$DIR/extra.conf"
"$CLUSTER" start "$DIR" --build "$BUILD" --tflops-conf "$DIR/two-cards.conf" --extra-conf "$DIR/extra.conf" \
  || { FAILS=1; echo "FAIL - cluster did not start"; exit 1; }
export SLURM_CONF=$DIR/etc/slurm.conf
cd "$DIR"

# Which card files a process can open, as "card0:open card1:denied".
cat > "$DIR/cards.sh" <<CARDS
#!/bin/sh
for c in 0 1; do
  if head -c 1 "$DIR/dev/card\$c" > /dev/null 2>&1; then echo "card\$c:open"; else echo "card\$c:denied"; fi
done | paste -sd' '
CARDS
chmod 0755 "$DIR/cards.sh"
# A job that reports what it can open, then what an srun step can, and then waits for
# $DIR/$1.end, so that the next job's blocks land on the other card.
prober() {
  echo "$DIR/cards.sh; srun $DIR/cards.sh; touch $DIR/$1.go; for i in \$(seq 600); do [ -e $DIR/$1.end ] && break; sleep 0.1; done"
}
# The job's two lines (job, then step), joined by " / ", once it has written them.
seen() {
  local i
  for ((i = 0; i < 100; i++)); do [ -e "$DIR/$1.go" ] && break; sleep 0.1; done
  paste -sd'/' "$DIR/$1.out" | sed 's|/| / |'
}

A=$(sbatch --parsable --gres=tflops:5 -o "$DIR/a.out" --wrap "$(prober a)")
check_eq "job A runs" RUNNING "$(wait_running "$A")"
check_eq "job A on gpu0" 0-4 "$(job_idx "$A")"
check_eq "job A: its card only (job / step)" "card0:open card1:denied / card0:open card1:denied" "$(seen a)"
B=$(sbatch --parsable --gres=tflops:3 -o "$DIR/b.out" --wrap "$(prober b)")
check_eq "job B runs" RUNNING "$(wait_running "$B")"
check_eq "job B on gpu1" 5-7 "$(job_idx "$B")"
check_eq "job B: its card only (job / step)" "card0:denied card1:open / card0:denied card1:open" "$(seen b)"
touch "$DIR/a.end" "$DIR/b.end"
check_eq "job A completes" COMPLETED "$(wait_job "$A")"
check_eq "job B completes" COMPLETED "$(wait_job "$B")"

C=$(sbatch --parsable --gres=tflops:7 -o "$DIR/c.out" --wrap "$(prober c)")
touch "$DIR/c.end"
check_eq "job C, on both cards, completes" COMPLETED "$(wait_job "$C")"
check_eq "job C: both cards" "card0:open card1:open / card0:open card1:open" "$(seen c)"
D=$(sbatch --parsable -o "$DIR/d.out" --wrap "$(prober d)")
touch "$DIR/d.end"
check_eq "job D, without blocks, completes" COMPLETED "$(wait_job "$D")"
check_eq "job D: no card" "card0:denied card1:denied / card0:denied card1:denied" "$(seen d)"

finish
