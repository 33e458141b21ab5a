#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Integration test of `tflopsctl pool --live` and `tflopsctl metrics` on real Slurm daemons:
# starts its own cluster (contrib/cluster/tflops-cluster) in a temporary directory on free ports
# from 7300 up, runs jobs, and checks tflopsctl's view against what scontrol says. The cluster is
# stopped by pid at the end, failure included.
#
#   live_test.sh BUILD_DIR
#
# Exit 0: passed; 1: failed; 77: skipped (not root, Slurm/munge missing, tflopsctl without libslurm).
set -uo pipefail

BUILD=$(cd "${1:?usage: live_test.sh BUILD_DIR}" && pwd)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TFLOPSCTL=$BUILD/cli/tflopsctl
PY=/usr/bin/python3

[ -x "$TFLOPSCTL" ] || skip "tflopsctl not built in $BUILD"
# Read whole, then matched (a `| grep -q` under pipefail fails when it kills tflopsctl with SIGPIPE).
LIVE_PROBE=$("$TFLOPSCTL" pool --live --conf "$REPO/contrib/examples/tflops.conf" 2>&1)
if [ "$(grep -c "built without libslurm" <<< "$LIVE_PROBE")" -gt 0 ]; then
  skip "tflopsctl was built without libslurm (libslurm-dev)"
fi

# Five free ports (slurmctld + 4 slurmd) from 7300 up, clear of the other test's 6900+ range.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORT=
for ((p = 7300; p < 7900; p += 10)); do
  if port_free $p && port_free $((p + 1)) && port_free $((p + 2)) && port_free $((p + 3)) && port_free $((p + 4)); then
    PORT=$p; break
  fi
done
[ -n "$PORT" ] || skip "no 5 free ports between 7300 and 7900"

# libslurm clients such as tflopsctl load every select plugin in PluginDir, ours included.
"$CLUSTER" start "$DIR" --build "$BUILD" --port "$PORT" || { FAILS=1; echo "FAIL - cluster did not start"; exit 1; }
export SLURM_CONF=$DIR/etc/slurm.conf
cd "$DIR"

wait_any_state() {  # job state...: waits until the job is in one of the states; prints the state
  local i s
  for ((i = 0; i < 300; i++)); do
    s=$(job_state "$1")
    for want in "${@:2}"; do [ "$s" = "$want" ] && { echo "$s"; return; }; done
    sleep 0.1
  done
  echo "$s"
}
# "node:local-ranges" per node of a job, from scontrol show job -d (Slurm's own view), with
# touching ranges joined as tflopsctl shows them (0-17,18-37 -> 0-37).
scontrol_blocks() {
  scontrol show job -d "$1" | sed -n 's/^ *Nodes=\([^ ]*\) .*GRES=\(.*\)$/\1 \2/p' | "$PY" -c '
import re, sys
out = []
for line in sys.stdin:
    node, gres = line.split(" ", 1)
    bits = set()
    for idx in re.findall(r"tflops[^(,]*\(IDX:([^)]*)\)", gres):
        for word in filter(None, idx.split(",")):
            first, _, last = word.partition("-")
            bits.update(range(int(first), int(last or first) + 1))
    runs, start = [], None
    for b in sorted(bits):
        if start is None or b != prev + 1:
            if start is not None: runs.append((start, prev))
            start = b
        prev = b
    if start is not None: runs.append((start, prev))
    out.append(node + ":" + ",".join(f"{a}-{b}" if a != b else str(a) for a, b in runs))
print(" ".join(sorted(out)))
'
}
# The same from tflopsctl pool --live --json.
live_blocks() {
  "$PY" -c '
import json, sys
view = json.load(open(sys.argv[1]))
for job in view["jobs"]:
    if job["id"] == int(sys.argv[2]):
        print(" ".join(sorted(n["name"] + ":" + ",".join(f"{a}-{b}" if a != b else str(a) for a, b in n["local"]) for n in job["nodes"])))
' "$1" "$2"
}
live_field() {  # file job field
  "$PY" -c '
import json, sys
view = json.load(open(sys.argv[1]))
print(next((str(j[sys.argv[3]]) for j in view["jobs"] if j["id"] == int(sys.argv[2])), "absent"))
' "$@"
}
# Slurm's used count for a node and kind (scontrol show node GresUsed).
slurm_used() {
  scontrol show node -d "$1" | grep -o "GresUsed=[^ ]*" | grep -o "tflops:$2:[0-9]*" | cut -d: -f3
}
metric() { grep -F "$2 " "$1" | grep -v '^#' | awk '{print $2}'; }

# --- two jobs: the worked example's 50-block job (node0, pool 1-50) and a 10-block NPU job ---
J1=$(sbatch --parsable --gres=tflops:50 -o /dev/null --wrap 'sleep 30')
J2=$(sbatch --parsable --gres=tflops:npu:10 -o /dev/null --wrap 'sleep 30')
check_eq "job $J1 runs" RUNNING "$(wait_any_state "$J1" RUNNING FAILED COMPLETED)"
check_eq "job $J2 runs" RUNNING "$(wait_any_state "$J2" RUNNING FAILED COMPLETED)"

"$TFLOPSCTL" pool --live --json > live.json 2> live.err
check_eq "pool --live --json exit status" 0 "$?"
check_eq "pool --live finds tflops.conf beside SLURM_CONF" "$DIR/etc/tflops.conf" \
  "$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["inventory"])' live.json)"
check_eq "job $J1 blocks: tflopsctl = scontrol show job -d" "$(scontrol_blocks "$J1")" "$(live_blocks live.json "$J1")"
check_eq "job $J2 blocks: tflopsctl = scontrol show job -d" "$(scontrol_blocks "$J2")" "$(live_blocks live.json "$J2")"
check_eq "job $J1 is node0 0-49 (the worked example)" "node0:0-49" "$(live_blocks live.json "$J1")"
check_eq "job $J1 pool blocks 1-50 (the worked example)" "[[1, 50]]" \
  "$("$PY" -c 'import json,sys; print([j for j in json.load(open(sys.argv[1]))["jobs"] if j["id"]==int(sys.argv[2])][0]["nodes"][0]["pool"])' live.json "$J1")"
check_eq "no warnings" "[]" "$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["warnings"])' live.json)"

"$TFLOPSCTL" pool --live > live.txt
check_eq "table: node0 gpu0 used by job $J1" 1 "$(grep -c "^node0  gpu0 .* 0-8  *1-9  *used 1-9 by job $J1\$" live.txt)"
check_eq "table: node0 fpga0" 1 "$(grep -c "fpga0 .* 38-62  *39-63  *used 39-50 by job $J1, free 51-63\$" live.txt)"
check_eq "table: job rows" 2 "$(grep -cE "^($J1|$J2) +wrap +root +running " live.txt)"

# --- metrics against scontrol show node ---
"$TFLOPSCTL" metrics > metrics.txt
check_eq "metrics exit status" 0 "$?"
for nk in node0:gpu node0:npu node0:fpga node1:gpu node1:npu node2:npu node2:fpga node3:gpu node3:npu node3:fpga; do
  n=${nk%:*} k=${nk#*:}
  used=$(slurm_used "$n" "$k")
  total=$(scontrol show node "$n" | grep -o "Gres=[^ ]*" | grep -o "tflops:$k:[0-9]*" | cut -d: -f3)
  check_eq "tflops_blocks_used $n $k = GresUsed" "$used" "$(metric metrics.txt "tflops_blocks_used{node=\"$n\",kind=\"$k\"}")"
  check_eq "tflops_blocks_total $n $k = Gres" "$total" "$(metric metrics.txt "tflops_blocks_total{node=\"$n\",kind=\"$k\"}")"
  check_eq "tflops_blocks_free $n $k" "$((total - used))" "$(metric metrics.txt "tflops_blocks_free{node=\"$n\",kind=\"$k\"}")"
done
check_eq "tflops_jobs running" 2 "$(metric metrics.txt 'tflops_jobs{state="running"}')"
check_eq "tflops_job_blocks running" 60 "$(metric metrics.txt 'tflops_job_blocks{state="running"}')"
check_eq "tflops_up" 1 "$(metric metrics.txt tflops_up)"

mkdir -p prom
"$TFLOPSCTL" metrics --textfile prom/tflops.prom
check_eq "metrics --textfile = printed metrics" "" "$(diff metrics.txt prom/tflops.prom)"
check_eq "metrics --textfile leaves no temporary file" "tflops.prom" "$(ls -A prom)"

# --- a suspended job, and what it held ---
scontrol suspend "$J2"
check_eq "job $J2 suspended" SUSPENDED "$(wait_any_state "$J2" SUSPENDED)"
"$TFLOPSCTL" pool --live --json > live2.json
check_eq "suspended job $J2 listed as suspended" suspended "$(live_field live2.json "$J2" state)"
check_eq "suspended job $J2 keeps its block numbers" "$(scontrol_blocks "$J2")" "$(live_blocks live2.json "$J2")"
# select/cons_tres_tflops gives a suspended job's blocks back (stock cons_tres keeps them):
# tflopsctl must agree with what Slurm counts used, which is none of them.
n2=$(scontrol show job "$J2" | sed -n 's/^ *NodeList=\(.*\)/\1/p')
check_eq "suspended job $J2 holds what Slurm counts used on $n2" "$(slurm_used "$n2" npu)" "$(live_field live2.json "$J2" held)"
"$TFLOPSCTL" pool --live > live2.txt
check_eq "table: job $J2 suspended" 1 "$(grep -cE "^$J2 +wrap +root +suspended +$n2 +10 " live2.txt)"
check_eq "suspended job $J2 holds no block" 0 "$(live_field live2.json "$J2" held)"
check_eq "table: its blocks are not marked used" 0 "$(grep -c "by job $J2 (suspended)" live2.txt)"
"$TFLOPSCTL" metrics > metrics2.txt
check_eq "tflops_jobs suspended" 1 "$(metric metrics2.txt 'tflops_jobs{state="suspended"}')"
check_eq "tflops_jobs running" 1 "$(metric metrics2.txt 'tflops_jobs{state="running"}')"
check_eq "tflops_job_blocks suspended" 10 "$(metric metrics2.txt 'tflops_job_blocks{state="suspended"}')"
scontrol resume "$J2"

# --- jobs gone: every block free ---
scancel "$J1" "$J2"
wait_any_state "$J1" CANCELLED COMPLETED >/dev/null
wait_any_state "$J2" CANCELLED COMPLETED >/dev/null
for ((i = 0; i < 100; i++)); do
  "$TFLOPSCTL" pool --live --json > live3.json
  [ "$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["free_blocks"])' live3.json)" = 200 ] && break
  sleep 0.2
done
check_eq "after scancel: 200 blocks free" 200 "$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["free_blocks"])' live3.json)"
check_eq "after scancel: no jobs" 0 "$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["jobs"]))' live3.json)"

# --- Slurm unreachable: metrics says tflops_up 0 and fails ---
SLURM_CONF=$DIR/no-such-slurm.conf "$TFLOPSCTL" metrics --conf "$DIR/etc/tflops.conf" --textfile prom/tflops.prom 2> down.err
check_eq "metrics exit status without Slurm" 2 "$?"
check_eq "metrics without Slurm: tflops_up 0 only" "tflops_up 0" "$(grep -v '^#' prom/tflops.prom)"
check_eq "metrics without Slurm: message names the file" 1 "$(grep -c "no-such-slurm.conf" down.err)"

finish
