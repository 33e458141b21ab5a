#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Plots pool_bench's Google Benchmark JSON and prints a summary against the targets.

    plot_pool_bench.py RESULTS.json [OUT.png]

Targets (from the issue): 1,000,000 place+release pairs/s at 100,000 nodes on one core, cost
growing no faster than log(pool size), a preemption plan in under 100 us. Reference: the
commissioning project's claim of 20,000 jobs per second. Figures are CPU time per iteration,
the median over repetitions when there are several. The summary also goes to OUT_summary.txt.
"""
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

TARGET_PAIRS_PER_S = 1_000_000
CLAIM_JOBS_PER_S = 20_000
TARGET_PLAN_US = 100.0
NS_PER = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def load(path):
    """{run_name: row}, taking the median aggregate when the run was repeated."""
    data = json.loads(Path(path).read_text())
    plain, medians = defaultdict(list), {}
    for row in data["benchmarks"]:
        if row.get("error_occurred"):
            print(f"warning: {row['name']}: {row.get('error_message')}", file=sys.stderr)
            continue
        if row.get("run_type") == "aggregate":
            if row.get("aggregate_name") == "median":
                medians[row["run_name"]] = row
        else:
            plain[row.get("run_name", row["name"])].append(row)
    runs = {}
    for name, rows in plain.items():
        runs[name] = medians.get(name) or sorted(rows, key=lambda r: r["cpu_time"])[len(rows) // 2]
    for name, row in medians.items():
        runs.setdefault(name, row)
    return data.get("context", {}), runs


def parse(run_name):
    """'BM_PlaceRelease/nodes:4/max_blocks:8' -> ('BM_PlaceRelease', {'nodes': 4, 'max_blocks': 8})"""
    family, *parts = run_name.split("/")
    args = {}
    for part in parts:
        key, _, value = part.partition(":")
        if value.isdigit():
            args[key] = int(value)
    return family, args


def ns(row):
    return row["cpu_time"] * NS_PER[row.get("time_unit", "ns")]


def verdict(ok):
    return "MET" if ok else "MISSED"


def main():
    if any(arg in ("-h", "--help") for arg in sys.argv[1:]):
        print(__doc__.strip())
        return
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    json_path = Path(sys.argv[1])
    png_path = Path(sys.argv[2]) if len(sys.argv) == 3 else json_path.with_suffix(".png")
    png_path.parent.mkdir(parents=True, exist_ok=True)
    context, runs = load(json_path)

    place = defaultdict(dict)   # max_blocks -> {nodes: row}
    plans = []                  # (label, row)
    sched = {}                  # nodes -> row
    for name, row in runs.items():  # in the order they ran
        family, args = parse(name)
        if family == "BM_PlaceRelease":
            place[args["max_blocks"]][args["nodes"]] = row
        elif family == "BM_PreemptionPlan":
            plans.append((f"{args['blocks']} blocks x {args['nodes']} node(s)", row))
        elif family == "BM_SchedulerSubmitEnd":
            sched[args["nodes"]] = row

    lines = [f"pool_bench on {context.get('host_name', '?')}: {context.get('num_cpus', '?')} CPUs "
             f"at {context.get('mhz_per_cpu', '?')} MHz, {context.get('date', '')}; CPU time, "
             f"median of repetitions"]
    for max_blocks, by_nodes in sorted(place.items()):
        for nodes, row in sorted(by_nodes.items()):
            rate = row["items_per_second"]
            line = (f"place+release 1..{max_blocks} blocks, {nodes:>6} nodes "
                    f"({int(row.get('blocks', 0)):>8} blocks): {rate / 1e6:6.2f}M pairs/s "
                    f"({ns(row):6.0f} ns) = {rate / TARGET_PAIRS_PER_S:5.2f}x the 1M/s target, "
                    f"{rate / CLAIM_JOBS_PER_S:6.0f}x the 20k jobs/s claim")
            if row.get("miss_rate"):
                line += f"  [{row['miss_rate']:.1%} of requests did not fit]"
            lines.append(line)
        if 100000 in by_nodes and max_blocks == 8:
            rate = by_nodes[100000]["items_per_second"]
            lines.append(f"  target >= 1,000,000 pairs/s at 100,000 nodes: {verdict(rate >= TARGET_PAIRS_PER_S)}")
        sizes = sorted(by_nodes)
        for small, large in zip(sizes, sizes[1:]):
            if small < 2:
                continue
            grew = ns(by_nodes[large]) / ns(by_nodes[small])
            bound = math.log2(large) / math.log2(small)
            lines.append(f"  cost {small} -> {large} nodes: x{grew:.2f}; log2(nodes) allows "
                         f"x{bound:.2f}: {verdict(grew <= bound)}")
    for label, row in plans:
        us = ns(row) / 1e3
        ratio = (f"{TARGET_PLAN_US / us:.1f}x under" if us < TARGET_PLAN_US
                 else f"{us / TARGET_PLAN_US:.1f}x over")
        lines.append(f"preemption plan, {label}, over {int(row.get('running_jobs', 0))} running "
                     f"jobs: {us:7.2f} us ({int(row.get('victims', 0))} victims) = {ratio} "
                     f"the 100 us target: {verdict(us < TARGET_PLAN_US)}")
    for nodes, row in sorted(sched.items()):
        rate = row["items_per_second"]
        line = (f"scheduler submit+end, {nodes:>6} nodes: {rate / 1e3:8.1f}k jobs/s "
                f"({ns(row) / 1e3:.2f} us) = {rate / CLAIM_JOBS_PER_S:.1f}x the 20,000 jobs/s claim")
        if row.get("not_started"):
            line += f"  [{int(row['not_started'])} jobs did not start at once]"
        lines.append(line)
    summary = "\n".join(lines)
    print(summary)
    png_path.with_name(png_path.stem + "_summary.txt").write_text(summary + "\n")

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_rate, ax_cost, ax_plan) = plt.subplots(1, 3, figsize=(18, 5.5))
    for series, (max_blocks, by_nodes) in enumerate(sorted(place.items())):
        xs = sorted(by_nodes)
        ys = [by_nodes[x]["items_per_second"] for x in xs]
        ax_rate.plot(xs, ys, "o-", label=f"place+release, 1..{max_blocks} blocks")
        for x, y in zip(xs, ys):
            ax_rate.annotate(f"{y / 1e6:.2f}M", (x, y), textcoords="offset points",
                             xytext=(4, 6 if series == 0 else -12), fontsize=8)
        costs = [ns(by_nodes[x]) for x in xs]
        ax_cost.plot(xs, costs, "o-", label=f"measured, 1..{max_blocks} blocks")
        if xs and xs[0] >= 2:
            ref = [costs[0] * math.log2(x) / math.log2(xs[0]) for x in xs]
            ax_cost.plot(xs, ref, ":", color=ax_cost.lines[-1].get_color(),
                         label=f"log2(nodes) growth from {xs[0]} nodes")
    if sched:
        xs = sorted(sched)
        ys = [sched[x]["items_per_second"] for x in xs]
        ax_rate.plot(xs, ys, "s--", label="scheduler submit+end (jobs/s)")
        for x, y in zip(xs, ys):
            ax_rate.annotate(f"{y / 1e3:.0f}k", (x, y), textcoords="offset points", xytext=(4, -12), fontsize=8)
    ax_rate.axhline(TARGET_PAIRS_PER_S, color="red", ls="--", label="target 1,000,000 pairs/s")
    ax_rate.axhline(CLAIM_JOBS_PER_S, color="gray", ls=":", label="commissioning claim 20,000 jobs/s")
    ax_rate.set(xscale="log", yscale="log", xlabel="pool size (nodes of 8 cards, 50% held)",
                ylabel="per second, one core", title="Throughput")
    ax_rate.legend(fontsize=8)
    ax_rate.grid(True, which="both", alpha=0.3)

    ax_cost.set(xscale="log", xlabel="pool size (nodes)", ylabel="ns per place+release",
                title="Cost per pair vs log(pool size)")
    ax_cost.set_ylim(bottom=0)
    ax_cost.legend(fontsize=8)
    ax_cost.grid(True, which="both", alpha=0.3)

    if plans:
        labels = [label for label, _ in plans]
        values = [ns(row) / 1e3 for _, row in plans]
        bars = ax_plan.bar(labels, values, color="tab:green")
        ax_plan.bar_label(bars, fmt="%.1f us", fontsize=8)
        ax_plan.axhline(TARGET_PLAN_US, color="red", ls="--", label="target 100 us")
        ax_plan.set_ylim(0, max(TARGET_PLAN_US, max(values)) * 1.15)
        ax_plan.legend(fontsize=8)
    ax_plan.set(ylabel="us per plan", title="Preemption plan over 1,000 running jobs")
    ax_plan.tick_params(axis="x", labelsize=8)

    fig.suptitle("tflops pool: " + summary.splitlines()[0], fontsize=9)
    fig.tight_layout()
    fig.savefig(png_path, dpi=110)
    print(f"wrote {png_path} and {png_path.with_name(png_path.stem + '_summary.txt')}")


if __name__ == "__main__":
    main()
