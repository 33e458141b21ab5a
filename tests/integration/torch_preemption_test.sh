#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# End-to-end preemption of the PyTorch example (issue 21) on real Slurm daemons with
# select/cons_tres_tflops: contrib/examples/train-fashion-mnist-torch.sbatch (2 ranks, DDP with
# tflops.torch, each rank its own virtual card) runs at low priority and is suspended for a
# high-priority job, its blocks released; when blocks free up elsewhere it resumes on OTHER blocks
# (its old ones are still taken), each rank takes its share of them again, and the run finishes
# within 0.5 points of the test accuracy of an uninterrupted run. Every rank must say that it
# released its card before Slurm stopped it (tflops.torch's suspend_point writes one line per rank;
# the example's final line sums them up).
#
#   torch_preemption_test.sh BUILD_DIR
#
# The uninterrupted reference is the same job (same script, arguments and seed) run in this test,
# not a figure from elsewhere. To fit CI's 2 cores (a few minutes for both runs) both train on the
# first TRAIN_SAMPLES images for EPOCHS epochs, not the example's full 60,000 x 3 epochs: the
# accuracy is a few points below the example's 90%, which does not matter to a comparison of two
# runs of the same job. With a fixed seed and one torch thread per rank the run is deterministic
# (the suspension moves no number), so the two accuracies agree far inside the 0.5 points.
#
# Exit 0: passed; 1: failed; 77: skipped (not root, Slurm/munge/MPI/torch/dataset missing, not built).
set -uo pipefail

BUILD=$(cd "${1:?usage: torch_preemption_test.sh BUILD_DIR}" && pwd)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# Every skip before the cluster starts (lib.sh says why).
PACKAGE=$BUILD/python/package
compgen -G "$PACKAGE/tflops/_native*.so" > /dev/null || skip "the tflops Python module is not built in $BUILD (python/)"
command -v mpirun > /dev/null || skip "mpirun not installed (openmpi-bin)"
/usr/bin/python3 -c "import torch" 2> /dev/null || skip "/usr/bin/python3 has no torch (python3-torch)"
start_training_cluster

# The cards of this test cluster are stand-ins: their blocks run on the host (torch on the CPU).
# The ranks run niced: on this 2-core machine they would otherwise starve munged and slurmctld
# (train_preemption_test.sh says more). mpirun starts `/usr/bin/python3 SCRIPT`, so the wrapper is
# a Python script: rank 0's also starts the high job's submitter in the training job
# (train_preemption_high_job.sh says why there), then each runs the example as its own __main__.
cat > "$DIR/train-torch-niced.py" <<EOF
import os, runpy, subprocess, sys
rank = os.environ.get("OMPI_COMM_WORLD_RANK", os.environ.get("PMIX_RANK", os.environ.get("SLURM_PROCID")))
if os.environ.get("TFLOPS_TEST_HIGH_JOB") == "1" and rank == "0":
    csv = os.path.join(os.environ.get("TFLOPS_TRAIN_OUT", os.getcwd()), f"train-torch-{os.environ['SLURM_JOB_ID']}.csv")
    subprocess.Popen(["$HERE/train_preemption_high_job.sh", "$DIR", csv], stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
os.nice(15)
sys.argv[0] = "$REPO/contrib/examples/train_fashion_mnist_torch.py"
runpy.run_path(sys.argv[0], run_name="__main__")
EOF
export TFLOPS_HAL_BACKENDS=gpu=host TFLOPS_TORCH_SCRIPT=$DIR/train-torch-niced.py TFLOPS_PYTHONPATH=$PACKAGE \
  TFLOPS_PLOT=$REPO/mpi_runtime/tools/plot_training.py TFLOPS_TRAIN_OUT=$DIR
SCRIPT=$REPO/contrib/examples/train-fashion-mnist-torch.sbatch
# The high job is submitted after epoch 2 and may wait for a scheduling pass (the backfill pass
# runs every 30 s by default; here the suspension came 0.3 s after the submission): the 4 epochs
# after it leave the run time to be suspended while it trains. A training run's end is waited for
# up to 7 minutes (a hang detector: one run took 3 minutes on a 2-core machine busy with compiles,
# most of it the niced ranks' start-up).
EPOCHS=6
TRAIN_SAMPLES=6000
TRAIN_ARGS=(--epochs $EPOCHS --train-samples $TRAIN_SAMPLES --seed 1)

# The shared scenario (lib.sh), the ranks on 6-7 and 8-9, then on 0-1 and 2-3. The high job's
# submission is waited for up to 330 s (the submitter's own bound, 300 s, and its sbatch) for what
# takes under a minute alone.
preempted_training_run "$SCRIPT" "$EPOCHS" 420 330 "${TRAIN_ARGS[@]}"
# Each rank says, after its resume, whether it released its card before Slurm stopped it
# (python/tflops/torch/suspension.py), and where it took its share of the new blocks: rank 0 the
# first two of 0-3, rank 1 the other two, as they had 6-7 and 8-9.
for rank in 0 1; do
  line=$(grep "^tflops: rank $rank: suspended: " "$DIR/low.out" | head -1)
  if [[ $line == *"released its card before Slurm stopped it"* ]]; then
    pass "rank $rank released its card while suspended"
  else
    fail "rank $rank did not release its card while suspended: '${line:-no suspension line}'"
  fi
  check_eq "rank $rank resumed on its share of the new blocks" "$((2 * rank))-$((2 * rank + 1))" \
    "$(sed -n 's|.*; resumed on gpu:gpu0:[^:]*:\([0-9,-]*\)/10=host -> cpu$|\1|p' <<< "$line")"
done
# The example's summary of all ranks, gathered on rank 0 at the end.
if grep -q "^final test accuracy: .*suspended and resumed 1x; every rank released its card while stopped" "$DIR/low.out"; then
  pass "the run was suspended once and every rank released its card while stopped"
else
  fail "the run's summary: $(grep 'final test accuracy' "$DIR/low.out")"
fi
check_accuracy_kept
[ -f "$DIR/train-torch-$LOW.png" ] && pass "training curves plotted" || fail "no train-torch-$LOW.png"

finish
