#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Plots run_mpi_bench.sh's results and prints the summary against the targets.

    plot_mpi_bench.py RESULTS_DIR

Reads mpi_allreduce_<ranks>.csv (ranks,bytes,variant,time_us,algbw_gbs,busbw_gbs),
mpi_gradient.csv (ranks,bytes,mode,time_us) and mpi_train_split.csv; writes mpi_bench.png and mpi_bench_summary.txt. Targets: tflops' all-reduce
never below 0.95x MPI_Allreduce, at least 1.3x from 16 MiB up on host buffers. Ratios are given
for the node buffer (tflops: shared memory on one node) and for ordinary memory (private).
"""
import csv
import sys
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

FLOOR, LARGE_TARGET, LARGE_FROM = 0.95, 1.3, 16 << 20


def main():
    if any(arg in ("-h", "--help") for arg in sys.argv[1:]):
        print(__doc__.strip())
        return
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = Path(sys.argv[1])
    runs = sorted(out.glob("mpi_allreduce_*.csv"))
    if not runs:
        sys.exit(f"{out}: no mpi_allreduce_*.csv")
    fig, axes = plt.subplots(3, max(2, len(runs)), figsize=(6 * max(2, len(runs)), 12), squeeze=False)
    lines = []
    for col, path in enumerate(runs):
        data = defaultdict(dict)
        times = defaultdict(dict)  # ratios from these: the busbw column is rounded for small sizes
        ranks = None
        for row in csv.DictReader(open(path)):
            ranks = int(row["ranks"])
            data[row["variant"]][int(row["bytes"])] = float(row["busbw_gbs"])
            times[row["variant"]][int(row["bytes"])] = float(row["time_us"])
        sizes = sorted(data["mpi"])
        for variant, style in (("tflops", "o-"), ("private", "^-"), ("ring", "--"), ("rd", ":"),
                               ("shm", "-."), ("mpi", "s-")):
            if variant in data:
                axes[0][col].plot(sizes, [data[variant][s] for s in sizes], style, label=variant, ms=3)
        axes[0][col].set(xscale="log", yscale="log", xlabel="bytes", ylabel="busbw (GB/s)",
                         title=f"all-reduce, {ranks} ranks (median)")
        axes[0][col].legend()
        for ours, style in (("tflops", "o-"), ("private", "^-")):
            if ours not in times:
                continue
            ratio = [times["mpi"][s] / times[ours][s] for s in sizes]
            axes[1][col].plot(sizes, ratio, style, label=f"{ours} / MPI_Allreduce", ms=3)
            below = [s for s, r in zip(sizes, ratio) if r < FLOOR]
            large = [r for s, r in zip(sizes, ratio) if s >= LARGE_FROM]
            lines.append(f"{ranks} ranks, {ours}: ratio min {min(ratio):.2f}x, max {max(ratio):.2f}x; "
                         f"below 0.95x at {len(below)} sizes {below}"
                         + (f"; >= 16 MiB: min {min(large):.2f}x (target 1.3x)" if large else ""))
        axes[1][col].axhline(FLOOR, color="r", ls=":", label="0.95x floor")
        axes[1][col].axhline(LARGE_TARGET, color="g", ls=":", label="1.3x target (>= 16 MiB)")
        axes[1][col].set(xscale="log", xlabel="bytes", ylabel="time ratio", title="speed against MPI_Allreduce")
        axes[1][col].legend()
        crossover = next((s for s in sizes if "ring" in data and "rd" in data and times["ring"][s] < times["rd"][s]), None)
        lines.append(f"{ranks} ranks: ring first beats recursive doubling at {crossover} bytes")
        shared = next((s for s in sizes if "shm" in data and "rd" in data and times["shm"][s] < times["rd"][s]), None)
        lines.append(f"{ranks} ranks: shared memory first beats recursive doubling at {shared} bytes")
    for col in range(len(runs), len(axes[0])):  # one rank count run: nothing to show there
        axes[0][col].axis("off")
        axes[1][col].axis("off")
    lines += plot_gradient(out / "mpi_gradient.csv", axes[2][0])
    split = out / "mpi_train_split.csv"
    if split.exists():
        rows = {r["split"]: r for r in csv.DictReader(open(split))}
        if {"proportional", "equal"} <= rows.keys():
            p, e = float(rows["proportional"]["samples_per_s"]), float(rows["equal"]["samples_per_s"])
            lines.append(f"training on unequal cards: proportional {p:.0f} samples/s, equal {e:.0f}: {p / e:.2f}x")
            axes[2][1].bar(["proportional", "equal"], [p, e], color=["tab:blue", "tab:gray"])
            axes[2][1].set(ylabel="samples/s", title=f"training on unequal cards: {p / e:.2f}x")
    fig.tight_layout()
    fig.savefig(out / "mpi_bench.png", dpi=100)
    summary = "\n".join(lines)
    (out / "mpi_bench_summary.txt").write_text(summary + "\n")
    print(summary)
    print(f"wrote {out / 'mpi_bench.png'}")


def plot_gradient(path, axis):
    """The gradient all-reduce's pipelined/stages speedup by size; its summary lines."""
    if not path.exists():
        return []
    times = defaultdict(dict)
    for row in csv.DictReader(open(path)):
        times[row["mode"]][int(row["bytes"])] = float(row["time_us"])
    sizes = sorted(times["pipelined"])
    speedup = [times["stages"][s] / times["pipelined"][s] for s in sizes]
    axis.plot(sizes, speedup, "o-", ms=3, label="stages time / pipelined time")
    axis.axhline(1.0, color="k", ls=":")
    axis.set(xscale="log", xlabel="gradient bytes", ylabel="speedup",
             title="gradient all-reduce: pipelined against stage after stage")
    axis.legend()
    return ["gradient all-reduce, pipelined against stages: "
            + ", ".join(f"{s >> 10} KiB {r:.2f}x" for s, r in zip(sizes, speedup))]


if __name__ == "__main__":
    main()
