#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The high-priority job of train_preemption_test.sh, submitted from inside the training job: rank
# 0's wrapper starts this when the job's environment has TFLOPS_TEST_HIGH_JOB=1. It waits until the
# run has written its second epoch to its CSV (past MPI start-up and the suspension hooks, well
# before the end), then submits the job that preempts it.
#
#   train_preemption_high_job.sh DIR [CSV]
#
# CSV: the run's per-epoch CSV (default DIR/train-JOBID.csv, tflops-train's; torch_preemption_test.sh
# names the PyTorch example's).
# Writes DIR/high.epochs (the epochs written by then), DIR/high.id (the job id, once submitted)
# and DIR/high.err (sbatch's errors).
#
# Why from inside the job: in CI the test's own shell got no CPU for the whole training (its sbatch
# reached slurmctld 28 ms after the last epoch, and the suspension found nothing left to suspend),
# while a process of the job's own session is scheduled beside its niced ranks.
set -uo pipefail
dir=${1:?usage: train_preemption_high_job.sh DIR [CSV]}
csv=${2:-$dir/train-${SLURM_JOB_ID:?not inside a Slurm job}.csv}
epochs() { echo $(($( { wc -l < "$csv"; } 2>/dev/null || echo 1) - 1)); }
# A hang detector: up to 300 s for what takes a few seconds alone (the PyTorch example's start-up,
# torch's import by niced ranks, took 3 minutes on a 2-core machine busy with compiles).
for ((i = 0; i < 3000 && $(epochs) < 2; i++)); do sleep 0.1; done
epochs > "$dir/high.epochs"
# Tried again when the request did not reach slurmctld (as lib.sh's submit does).
for ((i = 0; i < 5; i++)); do
  sbatch --parsable -p high --gres=tflops:4 -o /dev/null --wrap 'sleep 600' > "$dir/high.id.part" 2> "$dir/high.err" && break
  sleep 1
done
mv "$dir/high.id.part" "$dir/high.id"
