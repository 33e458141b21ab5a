#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Training ranks started by srun (Slurm's PMIx plugin) rather than mpirun, on real daemons
# (issue 5, binding): each task takes its share of the node's blocks by SLURM_LOCALID, from the
# step's gres/tflops environment, and the job trains to its usual accuracy. A rank that ignored
# SLURM_LOCALID would take all 4 blocks and train on the same card share as its peer.
#
#   train_srun_test.sh BUILD_DIR
#
# Exit 0: passed; 1: failed; 77: skipped (not root, Slurm/munge/MPI/PMIx/dataset missing, not built).
set -uo pipefail

BUILD=$(cd "${1:?usage: train_srun_test.sh BUILD_DIR}" && pwd)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# Whether to skip is decided before the cluster starts (from the installed plugin, as
# `srun --mpi=list` needs a running configuration); once it runs, srun must agree.
# The plugin directory of the Slurm BUILD's plugins were built for.
PLUGIN_DIR=$("$REPO/contrib/cluster/slurm-version" env "$(tr -d '[:space:]' < "$BUILD/slurm-plugins/slurm-series")" \
  | sed -n "s/^SLURM_PLUGIN_DIR=//p" | tr -d "'")
compgen -G "$PLUGIN_DIR/mpi_pmix*.so" > /dev/null || skip "Slurm has no PMIx plugin ($PLUGIN_DIR/mpi_pmix*.so)"
start_training_cluster
# Read whole, then matched: `srun ... | grep -q` under pipefail fails when grep's early exit kills
# srun with SIGPIPE.
MPI_LIST=$(srun --mpi=list 2>&1)
if [ "$(grep -cw pmix <<< "$MPI_LIST")" -ge 1 ]; then
  pass "srun lists the PMIx plugin"
else
  fail "srun --mpi=list lacks pmix although $PLUGIN_DIR has it: $(paste -sd' ' - <<< "$MPI_LIST")"
  finish
  exit 1
fi

# The card of this test cluster (gpu0, 10 blocks) is a stand-in: its blocks run on the host
# backend. Niced, so that the 2 ranks leave munged and slurmctld some of the 2 cores.
export TFLOPS_HAL_BACKENDS=gpu=host OMPI_MCA_btl=self,vader POCL_MAX_PTHREAD_COUNT=1 OPENBLAS_NUM_THREADS=1
J=$(submit -p debug --gres=tflops:4 -n 2 -o "$DIR/srun.out" \
  --wrap "srun --mpi=pmix nice -n 15 '$TRAIN' --epochs 2 --min-test-accuracy 80")
# A hang detector, not a time limit: 2 epochs take well under a minute here; up to 5 waits of 60 s or more.
for _ in 1 2 3 4 5; do STATE=$(wait_job "$J"); [[ $STATE == TIMEOUT_WAITING* ]] || break; done
check_eq "training job started by srun completes" COMPLETED "$STATE"
# One line per rank: "rank R: B blocks, batch share S, gpu0 (host ...) xB".
check_eq "rank 0 took 2 of the 4 blocks" 2 "$(sed -n 's/^rank 0: \([0-9]*\) blocks.*/\1/p' "$DIR/srun.out")"
check_eq "rank 1 took the other 2" 2 "$(sed -n 's/^rank 1: \([0-9]*\) blocks.*/\1/p' "$DIR/srun.out")"
ACC=$(sed -n 's/^final test accuracy: \([0-9.]*\)%.*/\1/p' "$DIR/srun.out")
if [ -n "$ACC" ] && ! grep -q "below the required" "$DIR/srun.out"; then
  pass "final test accuracy $ACC% (at least 80%)"
else
  fail "no final accuracy of 80% or more: $(tail -5 "$DIR/srun.out")"
fi

finish
