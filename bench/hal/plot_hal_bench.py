#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Plots hal_bench.json: each device alone, their sum (the 1+1=2 target) and the virtual card."""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(src, dst):
    with open(src) as f:
        r = json.load(f)
    labels = [d["device"].split(" (")[0] + "\n" + d["device"].split(" (")[1].split(" ")[0]
              for d in r["devices"]]
    values = [d["tflops_alone"] for d in r["devices"]]
    labels += ["sum alone\n(target)", "virtual card\nsplit by rates alone", "virtual card\nbalanced"]
    values += [r["sum_alone_tflops"], r["alone_split_tflops"], r["virtual_card_tflops"]]
    colors = ["#8da0cb"] * len(r["devices"]) + ["#bbbbbb", "#fc8d62", "#66c2a5"]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    bars = ax.bar(labels, [v * 1000 for v in values], color=colors)
    ax.axhline(0.9 * r["sum_alone_tflops"] * 1000, ls="--", c="k", lw=1, label="90% of the sum")
    for bar, v in zip(bars, values):
        ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height(), f"{v * 1000:.1f}",
                ha="center", va="bottom")
    ax.set_ylabel("FP32 GFLOPS")
    ax.set_title(f"SGEMM {r['n']}^3: virtual card / sum = {r['alone_split_ratio']:.3f} "
                 f"(balanced {r['ratio']:.3f});\n"
                 f"half share = {r['share']['achieved_fraction']:.2f} of the card")
    ax.legend()
    fig.tight_layout()
    fig.savefig(dst, dpi=120)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
