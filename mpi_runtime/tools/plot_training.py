#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Plots tflops-train's curves: loss and accuracy per epoch (--csv), loss per step (--steps-csv).

    plot_training.py EPOCHS.csv OUT.png [STEPS.csv]
"""
import csv
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    if any(arg in ("-h", "--help") for arg in sys.argv[1:]):
        print(__doc__.strip())
        return
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    rows = list(csv.DictReader(open(sys.argv[1])))
    if not rows:
        sys.exit(f"{sys.argv[1]}: no epochs")
    epoch = [int(r["epoch"]) for r in rows]
    panels = 3 if len(sys.argv) == 4 else 2
    fig, axes = plt.subplots(1, panels, figsize=(5 * panels, 4))
    axes[0].plot(epoch, [float(r["loss"]) for r in rows], "o-", label="train")
    axes[0].plot(epoch, [float(r["test_loss"]) for r in rows], "s-", label="test")
    axes[0].set(xlabel="epoch", ylabel="cross-entropy loss", title="loss")
    axes[1].plot(epoch, [100 * float(r["accuracy"]) for r in rows], "o-", label="train")
    axes[1].plot(epoch, [100 * float(r["test_accuracy"]) for r in rows], "s-", label="test")
    axes[1].set(xlabel="epoch", ylabel="accuracy (%)",
                title=f"accuracy (final test {100 * float(rows[-1]['test_accuracy']):.2f}%)")
    if panels == 3:
        steps = list(csv.DictReader(open(sys.argv[3])))
        axes[2].plot([int(s["step"]) for s in steps], [float(s["loss"]) for s in steps], lw=0.6)
        axes[2].set(xlabel="step", ylabel="global batch loss", title="loss per step")
    for ax in axes[:2]:
        ax.legend()
        ax.grid(alpha=0.3)
    fig.suptitle(f"tflops-train: {float(rows[-1]['samples_per_s']):.0f} samples/s, "
                 f"{float(rows[-1]['step_ms']):.1f} ms/step (last epoch)")
    fig.tight_layout()
    Path(sys.argv[2]).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(sys.argv[2], dpi=110)
    print(f"wrote {sys.argv[2]}")


if __name__ == "__main__":
    main()
