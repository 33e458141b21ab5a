#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Integration test of gres/tflops on real Slurm daemons (issue 3, tests 1, 4 and 7, and a bad
# inventory on one node). Starts its own cluster (contrib/cluster/tflops-cluster) in a temporary
# directory and stops it by pid at the end, failure included.
#
#   gres_tflops_test.sh BUILD_DIR
#
# Exit 0: passed; 1: failed; 77: skipped (not root, or Slurm/munge not installed).
set -uo pipefail

BUILD=$(cd "${1:?usage: gres_tflops_test.sh BUILD_DIR}" && pwd)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# A Prolog that records its environment: gres/tflops' prolog/epilog environment.
cat > "$DIR/prolog.sh" <<PROLOG
#!/bin/sh
env | grep '^SLURM_TFLOPS_' > "$DIR/prolog-\$SLURM_JOB_ID.env"
exit 0
PROLOG
chmod 0755 "$DIR/prolog.sh"
echo "Prolog=$DIR/prolog.sh" > "$DIR/extra.conf"

"$CLUSTER" start "$DIR" --build "$BUILD" --extra-conf "$DIR/extra.conf" --gpu node1:2 || { FAILS=1; echo "FAIL - cluster did not start"; exit 1; }
export SLURM_CONF=$DIR/etc/slurm.conf
cd "$DIR"


# --- 1. sbatch --gres=tflops:50 lands on node0 with pool blocks 1-50 (the worked example, README.md) ---
J=$(sbatch --parsable --gres=tflops:50 -o "$DIR/j50.out" --wrap \
  'env | grep -E "^(SLURM_TFLOPS_|CUDA_|ASCEND_|OMPI_MCA_ess_base_forward_signals=|PRTE_MCA_ess_base_forward_signals=)"; echo STEP; srun env | grep "^SLURM_TFLOPS_POOL_BLOCKS"; touch '"$DIR"'/j50.go; for i in $(seq 100); do [ -e '"$DIR"'/j50.end ] && break; sleep 0.1; done')
check_eq "tflops:50 job runs" RUNNING "$(wait_running "$J")"
for ((i = 0; i < 100; i++)); do [ -e "$DIR/j50.go" ] && break; sleep 0.1; done
SHOW=$(scontrol show job -d "$J")
check_eq "tflops:50 job on node0" node0 "$(echo "$SHOW" | sed -n 's/^ *NodeList=\(.*\)/\1/p')"
check_eq "scontrol show job -d IDX" "tflops:gpu:18(IDX:0-17),tflops:npu:20(IDX:18-37),tflops:fpga:12(IDX:38-49)" \
  "$(echo "$SHOW" | sed -n 's/.* Nodes=node0 .*GRES=\(.*\)/\1/p')"
touch "$DIR/j50.end"
check_eq "tflops:50 job completes" COMPLETED "$(wait_job "$J")"
O=$DIR/j50.out
check_eq "SLURM_TFLOPS_VERSION" 1 "$(envval SLURM_TFLOPS_VERSION "$O")"
check_eq "SLURM_TFLOPS_POOL_BLOCKS" 1-50 "$(envval SLURM_TFLOPS_POOL_BLOCKS "$O")"
check_eq "SLURM_TFLOPS_BLOCKS" 0-49 "$(envval SLURM_TFLOPS_BLOCKS "$O")"
check_eq "SLURM_TFLOPS_ON_NODE" 50 "$(envval SLURM_TFLOPS_ON_NODE "$O")"
check_eq "SLURM_TFLOPS_CARDS (GPU 1-18, NPU 19-38, FPGA 39-50 pool-wide)" \
  "gpu:gpu0:/dev/nvidia0:0-8,gpu:gpu1:/dev/nvidia1:9-17,npu:npu0:/dev/davinci0:18-37,fpga:fpga0:/dev/xclmgmt0:38-49" \
  "$(envval SLURM_TFLOPS_CARDS "$O")"
check_eq "SLURM_TFLOPS_POOL_FIRST" 1 "$(envval SLURM_TFLOPS_POOL_FIRST "$O")"
check_eq "CUDA_VISIBLE_DEVICES" 0,1 "$(envval CUDA_VISIBLE_DEVICES "$O")"
check_eq "ASCEND_RT_VISIBLE_DEVICES" 0 "$(envval ASCEND_RT_VISIBLE_DEVICES "$O")"
check_eq "SLURM_TFLOPS_SHARES" "gpu0:1.000,gpu1:1.000,npu0:1.000,fpga0:0.480" "$(envval SLURM_TFLOPS_SHARES "$O")"
# mpirun must not turn Slurm's SIGTSTP into a SIGSTOP for the ranks (they free their cards first)...
check_eq "mpirun's signal forwarding off" none "$(envval OMPI_MCA_ess_base_forward_signals "$O")"
check_eq "Open MPI 5's mpirun signal forwarding off" none "$(envval PRTE_MCA_ess_base_forward_signals "$O")"
check_eq "Prolog env (epilog_build_env/epilog_set_env)" 1-50 "$(envval SLURM_TFLOPS_POOL_BLOCKS "$DIR/prolog-$J.env")"
check_eq "Prolog env cards" \
  "gpu:gpu0:/dev/nvidia0:0-8,gpu:gpu1:/dev/nvidia1:9-17,npu:npu0:/dev/davinci0:18-37,fpga:fpga0:/dev/xclmgmt0:38-49" \
  "$(envval SLURM_TFLOPS_CARDS "$DIR/prolog-$J.env")"
check_eq "srun step env" 1-50 "$(sed -n '/^STEP$/,$p' "$O" | envval SLURM_TFLOPS_POOL_BLOCKS /dev/stdin)"

# --- 7. stock behaviour: a job without --gres, and a typed request ---
J=$(sbatch --parsable -o "$DIR/plain.out" --wrap 'echo plain; env | grep -c "^SLURM_TFLOPS_" || true')
check_eq "job without --gres completes" COMPLETED "$(wait_job "$J")"
check_eq "job without --gres sees no tflops variables" "plain 0" "$(tr '\n' ' ' < "$DIR/plain.out" | sed 's/ $//')"
J=$(sbatch --parsable --gres=tflops:npu:10 -o "$DIR/npu.out" --wrap 'env | grep "^SLURM_TFLOPS_"')
check_eq "tflops:npu:10 completes" COMPLETED "$(wait_job "$J")"
check_eq "tflops:npu:10 cards" "npu:npu0:/dev/davinci0:18-27" "$(envval SLURM_TFLOPS_CARDS "$DIR/npu.out")"
check_eq "tflops:npu:10 pool blocks" 19-28 "$(envval SLURM_TFLOPS_POOL_BLOCKS "$DIR/npu.out")"
# ...unless the job says otherwise.
J=$(OMPI_MCA_ess_base_forward_signals=SIGUSR1 sbatch --parsable --gres=tflops:npu:2 -o "$DIR/fwd.out" --wrap 'env | grep "^OMPI_MCA_ess_base_forward_signals="')
check_eq "tflops job with its own mpirun signal forwarding completes" COMPLETED "$(wait_job "$J")"
check_eq "the job's own mpirun signal forwarding kept" SIGUSR1 "$(envval OMPI_MCA_ess_base_forward_signals "$DIR/fwd.out")"

# --- 7. a stock gres/gpu beside tflops (node1 has 2 count-only fake GPUs) ---
J=$(sbatch --parsable --gres=gpu:1 -w node1 -o "$DIR/gpu.out" --wrap 'env | grep -E "^(SLURM_GPUS_ON_NODE|SLURM_TFLOPS_)" || true')
check_eq "gres/gpu job completes" COMPLETED "$(wait_job "$J")"
check_eq "gres/gpu job env: gpu only" "SLURM_GPUS_ON_NODE=1" "$(cat "$DIR/gpu.out")"
J=$(sbatch --parsable --gres=gpu:1,tflops:npu:4 -w node1 -o "$DIR/gpu2.out" --wrap 'env | grep -E "^(SLURM_GPUS_ON_NODE|SLURM_TFLOPS_CARDS)=" | sort')
check_eq "gres/gpu + tflops job completes" COMPLETED "$(wait_job "$J")"
check_eq "gres/gpu + tflops job env" "SLURM_GPUS_ON_NODE=1 SLURM_TFLOPS_CARDS=npu:npu0:/dev/davinci0:20-23" \
  "$(tr '\n' ' ' < "$DIR/gpu2.out" | sed 's/ $//')"

# --- 4. requests that can never run are refused at submission (job_submit/tflops) ---
if grep -q '^JobSubmitPlugins=tflops' "$DIR/etc/slurm.conf"; then
  RUNNING_JOB=$(sbatch --parsable --gres=tflops:gpu:4 -w node3 -o /dev/null --wrap 'sleep 30')
  check_eq "a job runs while bad requests arrive" RUNNING "$(wait_running "$RUNNING_JOB")"
  refused() {  # name gres expected-part-of-message
    local out rc=0
    out=$(sbatch --gres="$2" -o /dev/null --wrap true 2>&1) || rc=$?
    if [ $rc -ne 0 ] && grep -qF -- "$3" <<< "$out"; then pass "$1"; else fail "$1: exit $rc, said: $out"; fi
  }
  refused "more than the pool is refused" tflops:300 "the pool has 200"
  refused "more than the largest node is refused" tflops:64 "largest node (node0) has 63"
  refused "tflops:0 is refused" tflops:0 "asks for no blocks"
  refused "a malformed count is refused" tflops:abc "'abc' is not a block count"
  refused "an unknown kind is refused" tflops:xpu:2 "'xpu' is not a card kind"
  refused "kindless blocks beside a kind are refused (by Slurm)" tflops:npu:2,tflops:2 "Invalid GRES specification"
  check_eq "the running job is undisturbed" RUNNING "$(job_state "$RUNNING_JOB")"
  scancel "$RUNNING_JOB"
  wait_job "$RUNNING_JOB" >/dev/null
else
  fail "job_submit/tflops is not configured (build select_plugin/)"
fi

# --- Detect=: node2's slurmd finds its NPU's device itself (the HAL's OpenCL device 0) ---
# contrib/run-tests.sh sets TFLOPS_REQUIRE_POCL=1 (it checked that PoCL's device is there): then a
# missing tflopsctl or OpenCL device fails this part instead of skipping it.
TFLOPSCTL=$BUILD/cli/tflopsctl
OPENCL=0
[ -x "$TFLOPSCTL" ] && OPENCL=$("$TFLOPSCTL" devices --json --no-calibrate 2>/dev/null | grep -c '"selector": "opencl:')
if [ -x "$DIR/root/usr/sbin/slurmd" ]; then
  # slurmd runs Detect='s tflopsctl itself, and this cluster's slurmd runs in 24.11's Debian 13
  # chroot (its view DIR/root), where a tflopsctl built on Debian 12 lacks its libraries. The
  # 24.11 build of contrib/run-tests.sh is made inside that chroot, where this part runs.
  echo "not in a chroot view - Detect=: slurmd in the Debian 13 chroot cannot run a Debian 12 build's tflopsctl"
elif [ ! -x "$TFLOPSCTL" ] || [ "${OPENCL:-0}" -lt 1 ]; then
  why="Detect=: no tflopsctl in $BUILD/cli or no OpenCL device (tflopsctl devices --json --no-calibrate)"
  if [ "${TFLOPS_REQUIRE_POCL:-0}" = 1 ]; then fail "$why, and PoCL is required (TFLOPS_REQUIRE_POCL=1)"; else echo "skip - $why"; fi
else
  DETECT=$DIR/detect-tflops.conf
  sed 's|^\(NodeName=node2 Kind=npu  *Name=npu0 \) *Device=[^ ]*|\1 Detect=opencl|' "$DIR/etc/tflops.conf" > "$DETECT"
  grep -q 'Name=npu0 *Detect=opencl' "$DETECT" || fail "the test could not write Detect= into $DETECT"
  "$CLUSTER" stop-node "$DIR" node2
  if TFLOPS_CONF=$DETECT TFLOPS_TFLOPSCTL=$TFLOPSCTL "$CLUSTER" start-node "$DIR" node2; then
    pass "slurmd node2 starts with a Detect= card"
    scontrol update nodename=node2 state=resume 2>/dev/null
    J=$(sbatch --parsable --gres=tflops:npu:3 -w node2 -o "$DIR/detect.out" --wrap 'env | grep "^SLURM_TFLOPS_"')
    check_eq "a job on the detected NPU completes" COMPLETED "$(wait_job "$J")"
    check_eq "its card has no device file" "npu:npu0::0-2" "$(envval SLURM_TFLOPS_CARDS "$DIR/detect.out")"
    check_eq "SLURM_TFLOPS_BACKENDS maps it to the detected device" "npu0=opencl:0" \
      "$(envval SLURM_TFLOPS_BACKENDS "$DIR/detect.out")"
    grep -q "card npu0 (npu, , detected: opencl:0)" "$DIR/log/slurmd-node2.log" \
      && pass "node2's log shows the detected device" || fail "node2's log does not show the detected device"
  else
    fail "slurmd node2 did not start with Detect=opencl: $(grep 'gres/tflops' "$DIR/log/slurmd-node2.log" | tail -1)"
  fi
  # More Detect= cards than the node has devices: that slurmd stops, naming the line and the fix.
  sed -e 's|^\(NodeName=node2 Kind=npu  *Name=npu0 \) *Device=[^ ]*|\1 Detect=opencl|' \
      -e 's|^\(NodeName=node2 Kind=fpga *Name=fpga\[0-1\] \) *Device=[^ ]*|\1 Detect=opencl|' \
      "$DIR/etc/tflops.conf" > "$DETECT"
  if [ "$OPENCL" -lt 3 ]; then
    LINE=$(grep -n 'Name=fpga\[0-1\] *Detect=opencl' "$DETECT" | cut -d: -f1)
    "$CLUSTER" stop-node "$DIR" node2
    if TFLOPS_CONF=$DETECT TFLOPS_TFLOPSCTL=$TFLOPSCTL "$CLUSTER" start-node "$DIR" node2; then
      fail "slurmd node2 started with 3 Detect=opencl cards and $OPENCL OpenCL device(s)"
    else
      pass "slurmd node2 refuses more Detect= cards than devices"
    fi
    grep -q "gres/tflops: .*$DETECT:$LINE: card fpga[0-9] of node2 has Detect=opencl, but node2 has $OPENCL opencl device.*Fix:" "$DIR/log/slurmd-node2.log" \
      && pass "node2's log names $DETECT:$LINE and the fix" \
      || fail "node2's log lacks the Detect= message: $(grep 'gres/tflops' "$DIR/log/slurmd-node2.log" | tail -1)"
  fi
fi

# --- a bad tflops.conf on node2 stops that slurmd only, naming file:line ---
BAD=$DIR/bad-tflops.conf
sed 's/^NodeName=node2 Kind=fpga  *Name=fpga2 /NodeName=node2 Kind=fgpa Name=fpga2 /' "$DIR/etc/tflops.conf" > "$BAD"
LINE=$(grep -n 'Kind=fgpa' "$BAD" | cut -d: -f1)
"$CLUSTER" stop-node "$DIR" node2
if TFLOPS_CONF=$BAD "$CLUSTER" start-node "$DIR" node2; then
  fail "slurmd node2 started with a bad tflops.conf"
else
  pass "slurmd node2 refuses a bad tflops.conf"
fi
if grep -q "gres/tflops: .*$BAD:$LINE: .*fgpa.*use gpu, npu or fpga" "$DIR/log/slurmd-node2.log"; then
  pass "node2's log names $BAD:$LINE and the fix"
else
  fail "node2's log lacks the file:line message: $(grep 'gres/tflops' "$DIR/log/slurmd-node2.log" | tail -1)"
fi
for n in node0 node1 node3; do
  if kill -0 "$(cat "$DIR/run/slurmd-$n.pid")" 2>/dev/null; then pass "slurmd $n still runs"; else fail "slurmd $n stopped"; fi
done
J=$(sbatch --parsable --gres=tflops:gpu:5 -w node1 -o /dev/null --wrap true)
check_eq "node1 still runs jobs" COMPLETED "$(wait_job "$J")"

finish
