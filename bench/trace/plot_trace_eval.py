#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Plots trace_eval's CSV: GPU demand placed and capacity allocated against arrived demand, one
curve per policy, with FGD's published figures as reference lines.

    plot_trace_eval.py RESULTS_DIR

Reads curves.csv, summary.csv and sensitivity.csv; writes allocation.png (two panels: GPU demand
placed, FGD's quantity; capacity allocated in each policy's own unit) and sensitivity.png.
"""
import csv
import sys
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

FGD = {"FGD": 95.39, "Best-Fit (FGD paper)": 93.08}


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def main():
    if any(arg in ("-h", "--help") for arg in sys.argv[1:]):
        print(__doc__.strip())
        return
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = Path(sys.argv[1])
    curves = defaultdict(list)
    for row in read(out / "curves.csv"):
        curves[row["policy"]].append(
            (int(row["arrived_pct"]), float(row["placed_pct"]), float(row["allocated_pct"])))

    fig, axes = plt.subplots(1, 2, figsize=(15, 6), sharey=True)
    for name, points in curves.items():
        style = "--" if name.startswith(("whole", "shares")) else "-"
        arrived = [p[0] for p in points]
        axes[0].plot(arrived, [p[1] for p in points], style, label=name, linewidth=1.3)
        axes[1].plot(arrived, [p[2] for p in points], style, label=name, linewidth=1.3)
    for ax, title in zip(axes, ["GPU demand placed (GPU-milli-equivalents, FGD's measure)",
                                "capacity allocated in the policy's own unit (milli or blocks)"]):
        for (label, value), colour in zip(FGD.items(), ["black", "grey"]):
            ax.axhline(value, color=colour, linestyle=":", linewidth=1)
            ax.text(61, value + 0.3, f"{label} {value}% at 130%", color=colour, fontsize=8)
        ax.plot([0, 130], [0, 130], color="lightgrey", linewidth=0.8)
        ax.set_xlim(60, 131)
        ax.set_ylim(60, 101)
        ax.set_xlabel("arrived GPU demand, % of cluster GPU capacity")
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("% of cluster capacity (mean over seeds 42-51)")
    axes[1].legend(fontsize=8, loc="lower right")
    fig.suptitle("Alibaba GPU trace (openb, 1,213 nodes, 6,212 GPUs): whole cards vs shares vs TFLOPS blocks")
    fig.tight_layout()
    fig.savefig(out / "allocation.png", dpi=120)
    print(f"wrote {out / 'allocation.png'}")

    sens_path = out / "sensitivity.csv"
    if sens_path.exists():
        rows = read(sens_path)
        by_policy = defaultdict(list)
        for row in rows:
            by_policy[row["policy"]].append((float(row["g_tflops"]), float(row["placed_pct_at_130"]),
                                             float(row["allocated_pct_at_130"])))
        fig, ax = plt.subplots(figsize=(7, 5))
        for name, points in by_policy.items():
            points.sort()
            ax.plot([p[0] for p in points], [p[1] for p in points], "o-", label=f"{name}: demand placed")
            ax.plot([p[0] for p in points], [p[2] for p in points], "s--", label=f"{name}: blocks allocated")
        ax.axhline(FGD["FGD"], color="black", linestyle=":", linewidth=1)
        ax.set_xlabel("TFLOPS assumed for the undisclosed G1-G3 cards")
        ax.set_ylabel("% at 130% arrived (mean over seeds)")
        ax.set_title("How the block result moves with the G1-G3 assumption", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(out / "sensitivity.png", dpi=120)
        print(f"wrote {out / 'sensitivity.png'}")


if __name__ == "__main__":
    main()
