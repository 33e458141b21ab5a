#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A heterogeneous run (unequal virtual cards on host and OpenCL slices, proportional batch
# shares) follows the loss curve of a single-process run with the same global batch.
#   loss_curve_test.sh MPIEXEC TFLOPS_TRAIN HETEROGENEOUS_CARD_LIST
set -eu
mpiexec=$1 train=$2 cards=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
common=(--epochs 1 --train-samples 3200 --batch 64 --seed 5)
"$mpiexec" --oversubscribe -n 1 "$train" --cards "gpu:cpu0::0=host" "${common[@]}" --steps-csv "$dir/single.csv"
"$mpiexec" --oversubscribe -n 3 "$train" --cards "$cards" "${common[@]}" --steps-csv "$dir/hetero.csv"
python3 - "$dir/single.csv" "$dir/hetero.csv" <<'PY'
import csv, sys
single = [float(r["loss"]) for r in csv.DictReader(open(sys.argv[1]))]
hetero = [float(r["loss"]) for r in csv.DictReader(open(sys.argv[2]))]
assert len(single) == len(hetero) == 50, (len(single), len(hetero))
worst = max(abs(a - b) / max(abs(a), 1e-6) for a, b in zip(single, hetero))
print(f"{len(single)} steps, loss {single[0]:.4f} -> {single[-1]:.4f}; largest relative difference {worst:.2e}")
# FP32 sums in another order drift slowly over 50 steps; a wrong weighting is off by percents.
sys.exit(0 if worst < 1e-3 else 1)
PY
