#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Plots run_slurm_bench.sh's JSON and prints the figures with ratios against stock.

    plot_slurm_bench.py slurm_bench.json [OUT.png]

Two bar charts side by side: jobs started per second, and the mean number of contiguous block
runs per allocation (1.0 = every job got one contiguous run), each configuration with its ratio
to the stock configuration (a, else the first one measured). With several rounds each figure is
the median over the rounds (the bars show the rounds' range) and each ratio the median of the
rounds' ratios to stock in the same round. The summary also goes to OUT_summary.txt.
"""
import json
import statistics
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


MEDIAN_FIELDS = ("jobs_per_second", "mean_runs_per_allocation", "fragmented_share", "allocations_seen",
                 "slurmctld_cpu_ms_per_job", "jobs_moved", "jobs_renumbered", "splits_without_free_run")


def combine(configurations):
    """One entry per configuration key: the median of each figure over the rounds, the rounds'
    rates, and `ratio`, the median of each round's rate over stock's rate in the same round."""
    by_key = {}
    for c in configurations:
        by_key.setdefault(c["key"], []).append(c)
    measured = [k for k, runs in by_key.items() if "skipped" not in runs[0]]
    stock_key = "a" if "a" in measured else (measured[0] if measured else None)
    stock_rate = {c.get("round", 1): c["jobs_per_second"] for c in by_key.get(stock_key, [])}
    combined = []
    for key, runs in by_key.items():
        c = dict(runs[0])
        if "skipped" not in c:
            for field in MEDIAN_FIELDS:
                values = [r[field] for r in runs if r.get(field) is not None]
                c[field] = statistics.median(values) if values else None
            c["round_rates"] = [r["jobs_per_second"] for r in runs]
            c["round_ratios"] = [r["jobs_per_second"] / stock_rate[r.get("round", 1)]
                                 for r in runs if r.get("round", 1) in stock_rate]
            c["ratio"] = statistics.median(c["round_ratios"])
        combined.append(c)
    return combined


def main():
    results = json.loads(Path(sys.argv[1]).read_text())
    png = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(sys.argv[1]).with_suffix(".png")
    configurations = combine(results["configurations"])
    measured = [c for c in configurations if "skipped" not in c]
    if not measured:
        sys.exit("plot_slurm_bench.py: no configuration was measured")
    runs_ref = next((c for c in measured if c.get("mean_runs_per_allocation") is not None), None)
    rounds = results.get("rounds", 1)

    lines = [f"{results['jobs']} jobs per configuration, tflops:1..8 blocks, seed {results['seed']}, "
             f"run time 0.2..{results['max_sleep']} s; {results['host_cpus']} CPUs (noisy if shared)"
             + (f"; median of {rounds} rounds" if rounds > 1 else "")]
    for c in configurations:
        if "skipped" in c:
            lines.append(f"  {c['key']}  {c['name']:<42} skipped: {c['skipped']}")
            continue
        rate = f"{c['jobs_per_second']:7.1f} jobs/s (x{c['ratio']:.2f}"
        if len(c["round_ratios"]) > 1:
            rate += "; rounds " + " ".join(f"x{r:.2f}" for r in c["round_ratios"])
        rate += ")"
        if c.get("mean_runs_per_allocation") is None:
            why = ("count-only GRES has no block numbers" if c["key"] == "a"
                   else f"no allocation could be read, see slurm_bench_{c['key']}.err")
            runs = f"runs/allocation: n/a ({why})"
        else:
            ratio = c["mean_runs_per_allocation"] / runs_ref["mean_runs_per_allocation"]
            runs = (f"runs/allocation {c['mean_runs_per_allocation']:.3f} (x{ratio:.2f} vs {runs_ref['key']}), "
                    f"{100 * c['fragmented_share']:.1f}% split, {c['allocations_seen']:.0f} seen")
        if c.get("slurmctld_cpu_ms_per_job") is not None:
            rate += f", slurmctld {c['slurmctld_cpu_ms_per_job']:.1f} ms CPU/job"
        if c.get("jobs_moved") or c.get("jobs_renumbered") or c.get("splits_without_free_run"):
            runs += (f"; running jobs: {c['jobs_moved']:.0f} moved (stopped), "
                     f"{c.get('jobs_renumbered') or 0:.0f} renumbered (kept running); "
                     f"{c.get('splits_without_free_run') or 0:.0f} split for want of a free run")
        lines.append(f"  {c['key']}  {c['name']:<42} {rate}  {runs}")
    summary = "\n".join(lines)
    print(summary)
    png.with_name(png.stem + "_summary.txt").write_text(summary + "\n")

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    labels = [f"{c['key']}: {c['name']}" for c in measured]
    palette = {"a": "#888888", "b": "#4c72b0", "c": "#dd8452", "d": "#55a868", "e": "#c44e52"}
    colors = [palette.get(c["key"], "#8172b3") for c in measured]
    rates = [c["jobs_per_second"] for c in measured]
    spread = [[c["jobs_per_second"] - min(c["round_rates"]) for c in measured],
              [max(c["round_rates"]) - c["jobs_per_second"] for c in measured]]
    bars = left.bar(range(len(measured)), rates, color=colors, yerr=spread if rounds > 1 else None, capsize=4)
    for bar, c in zip(bars, measured):
        left.annotate(f"{c['jobs_per_second']:.1f}\nx{c['ratio']:.2f}",
                      (bar.get_x() + bar.get_width() / 2, max(c["round_rates"])), ha="center", va="bottom")
    left.set_title("jobs started per second (higher is better)" + (f", median of {rounds}" if rounds > 1 else ""))
    left.set_ylabel("jobs / s")
    left.set_ylim(0, max(rates) * 1.3)

    runs = [c.get("mean_runs_per_allocation") or 0 for c in measured]  # n/a drawn as 0
    bars = right.bar(range(len(measured)), runs, color=colors)
    for bar, c in zip(bars, measured):
        value = c.get("mean_runs_per_allocation")
        text = "n/a" if value is None else f"{value:.3f}\nx{value / runs_ref['mean_runs_per_allocation']:.2f}"
        right.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom")
    right.axhline(1.0, color="black", linewidth=0.8, linestyle="--")
    right.set_title("contiguous runs per allocation (1 = contiguous)")
    right.set_ylim(0, max(max(runs), 1.0) * 1.3)
    for axis in (left, right):
        axis.set_xticks(range(len(measured)))
        axis.set_xticklabels(labels, rotation=12, ha="right", fontsize=8)
    fig.suptitle(f"Slurm {results.get('slurm', '')} scheduling, {results['jobs']} jobs of 1-8 TFLOPS blocks on the worked example's 200-block pool")
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    print(f"plot: {png}")


if __name__ == "__main__":
    main()
