# SPDX-License-Identifier: GPL-2.0-or-later
"""The example training job reaches the accuracy it promises, outside Slurm.

  example_check.py MPIEXEC SCRIPT PLOT EPOCHS MIN_ACCURACY OUT_DIR

Runs contrib/examples/train_fashion_mnist_torch.py on 2 ranks sharing a host card, reads the
final test accuracy from the CSV it wrote (not from its exit status), draws the curves with PLOT
(tflops-plot-training) into OUT_DIR, and prints "ok - ..." when the accuracy is at least
MIN_ACCURACY percent.
"""

import csv
import subprocess
import sys
import time
from pathlib import Path


def main(mpiexec, script, plot, epochs, minimum, out_dir):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    subprocess.run([mpiexec, "--oversubscribe", "-n", "2", sys.executable, script, "--cards", "gpu:cpu0::0-1=host",
                    "--epochs", epochs, "--csv", str(out / "epochs.csv"), "--steps-csv", str(out / "steps.csv")],
                   check=True)
    took = time.monotonic() - start
    rows = list(csv.DictReader(open(out / "epochs.csv")))
    if len(rows) != int(epochs):
        sys.exit(f"FAIL - {out / 'epochs.csv'} holds {len(rows)} epochs, expected {epochs}")
    accuracy = 100 * float(rows[-1]["test_accuracy"])
    subprocess.run([sys.executable, plot, str(out / "epochs.csv"), str(out / "curves.png"), str(out / "steps.csv")],
                   check=True)
    if not (out / "curves.png").stat().st_size:
        sys.exit(f"FAIL - {out / 'curves.png'} is empty")
    line = (f"final test accuracy {accuracy:.2f}% after {epochs} epochs on 2 ranks "
            f"({float(rows[-1]['samples_per_s']):.0f} samples/s, {took:.0f} s in all; curves in {out})")
    if accuracy < float(minimum):
        sys.exit(f"FAIL - {line}: below {minimum}%")
    print("ok - " + line)


if __name__ == "__main__":
    if len(sys.argv) != 7:
        sys.exit("usage: example_check.py MPIEXEC SCRIPT PLOT EPOCHS MIN_ACCURACY OUT_DIR")
    main(*sys.argv[1:])
