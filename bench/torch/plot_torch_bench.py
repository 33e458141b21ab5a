#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Plots run_torch_bench.sh's results and prints the summary against the targets.

    plot_torch_bench.py RESULTS_DIR

Reads torch_hook_<ranks>.csv (ranks,model_mb,params,bucket_bytes,buckets,variant,allreduce_ms,
allreduce_gbs,step_ms,batch_per_rank) and torch_split.csv (ranks,variant,blocks,shares,
global_batch,samples_per_s,step_ms,rounds); writes torch_bench.png and torch_bench_summary.txt.
Targets: the tflops hook's bucket all-reduce at least 2x DDP's gloo all-reduce (time ratio, one
machine); training with ProportionalBatchSampler at least 1.3x an equal split where the cards
differ 2:1 (samples/s ratio).
"""
import csv
import sys
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ALLREDUCE_TARGET, SPLIT_TARGET = 2.0, 1.3


def main():
    if any(arg in ("-h", "--help") for arg in sys.argv[1:]):
        print(__doc__.strip())
        return
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = Path(sys.argv[1])
    runs = sorted(out.glob("torch_hook_*.csv"))
    split = out / "torch_split.csv"
    if not runs and not split.exists():
        sys.exit(f"{out}: no torch_hook_*.csv or torch_split.csv")
    fig, axes = plt.subplots(2, 2, figsize=(13, 10))
    lines = []
    markers = iter("os^vD")
    for path in runs:
        times = defaultdict(dict)  # variant -> model MiB -> (allreduce ms, step ms)
        ranks = None
        for row in csv.DictReader(open(path)):
            ranks = int(row["ranks"])
            times[row["variant"]][float(row["model_mb"])] = (float(row["allreduce_ms"]), float(row["step_ms"]))
        sizes = sorted(times["gloo"])
        marker = next(markers)
        for variant, style in (("gloo", "--"), ("tflops", "-")):
            axes[0][0].plot(sizes, [times[variant][s][0] for s in sizes], marker + style, ms=4,
                            label=f"{variant}, {ranks} ranks")
        reduce_ratio = [times["gloo"][s][0] / times["tflops"][s][0] for s in sizes]
        step_ratio = [times["gloo"][s][1] / times["tflops"][s][1] for s in sizes]
        axes[0][1].plot(sizes, reduce_ratio, marker + "-", ms=4, label=f"bucket all-reduce, {ranks} ranks")
        axes[0][1].plot(sizes, step_ratio, marker + ":", ms=4, label=f"DDP step, {ranks} ranks")
        met = [s for s, r in zip(sizes, reduce_ratio) if r >= ALLREDUCE_TARGET]
        lines.append(f"{ranks} ranks, bucket all-reduce tflops against gloo: "
                     + ", ".join(f"{s:g} MiB {r:.2f}x" for s, r in zip(sizes, reduce_ratio))
                     + f" (target {ALLREDUCE_TARGET:g}x: met at {len(met)} of {len(sizes)} sizes)")
        lines.append(f"{ranks} ranks, DDP step tflops hook against gloo: "
                     + ", ".join(f"{s:g} MiB {r:.2f}x ({times['gloo'][s][1]:.0f} / {times['tflops'][s][1]:.0f} ms)"
                                 for s, r in zip(sizes, step_ratio)))
    if runs:
        axes[0][0].set(xscale="log", yscale="log", xlabel="model (MiB of float32 parameters)",
                       ylabel="ms (median)", title="all-reduce of one step's DDP buckets")
        axes[0][0].legend()
        axes[0][1].axhline(ALLREDUCE_TARGET, color="g", ls=":", label=f"{ALLREDUCE_TARGET:g}x target (all-reduce)")
        axes[0][1].axhline(1.0, color="k", lw=0.5)
        axes[0][1].set(xscale="log", xlabel="model (MiB of float32 parameters)", ylabel="gloo time / tflops time",
                       title="tflops hook against DDP's gloo all-reduce")
        axes[0][1].legend()
    else:
        axes[0][0].axis("off")
        axes[0][1].axis("off")
    if split.exists():
        rows = {r["variant"]: r for r in csv.DictReader(open(split))}
        names = [n for n in ("equal", "equal-tflops", "proportional") if n in rows]
        rates = [float(rows[n]["samples_per_s"]) for n in names]
        labels = [f"{n}\n(shares {rows[n]['shares']})" for n in names]
        axes[1][0].bar(labels, rates, color=["tab:gray", "tab:olive", "tab:blue"][:len(names)])
        for i, name in enumerate(names):
            rounds = [float(r) for r in rows[name]["rounds"].split()]
            axes[1][0].plot([i] * len(rounds), rounds, "k.", ms=5)
        title = f"training on cards of {rows[names[0]]['blocks']} blocks (emulated), {rows[names[0]]['ranks']} ranks"
        axes[1][0].set(ylabel="samples/s (median; dots: rounds)", title=title)
        if {"proportional", "equal"} <= rows.keys():
            p, e = float(rows["proportional"]["samples_per_s"]), float(rows["equal"]["samples_per_s"])
            line = (f"training on cards of {rows['equal']['blocks']} blocks: proportional {p:.0f} samples/s, "
                    f"equal (DistributedSampler, gloo) {e:.0f}: {p / e:.2f}x (target {SPLIT_TARGET:g}x)")
            if "equal-tflops" in rows:
                t = float(rows["equal-tflops"]["samples_per_s"])
                line += f"; equal shares with the tflops hook {t:.0f}: proportional {p / t:.2f}x that"
            lines.append(line)
            per_round = [float(a) / float(b) for a, b in zip(rows["proportional"]["rounds"].split(),
                                                               rows["equal"]["rounds"].split())]
            axes[1][1].plot(range(1, len(per_round) + 1), per_round, "o-", label="proportional / equal, per round")
            axes[1][1].axhline(SPLIT_TARGET, color="g", ls=":", label=f"{SPLIT_TARGET:g}x target")
            axes[1][1].axhline(1.0, color="k", lw=0.5)
            axes[1][1].set_xticks(range(1, len(per_round) + 1))
            axes[1][1].set(xlabel="round", ylabel="samples/s ratio", ylim=(0, max(per_round + [SPLIT_TARGET]) * 1.2),
                           title=f"proportional against equal: {p / e:.2f}x (median rounds)")
            axes[1][1].legend()
        else:
            axes[1][1].axis("off")
    else:
        axes[1][0].axis("off")
        axes[1][1].axis("off")
    fig.tight_layout()
    fig.savefig(out / "torch_bench.png", dpi=100)
    summary = "\n".join(lines)
    (out / "torch_bench_summary.txt").write_text(summary + "\n")
    print(summary)
    print(f"wrote {out / 'torch_bench.png'}")


if __name__ == "__main__":
    main()
