#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes the synthetic GPU trace of tests/trace/synthetic/ (see its README.md).

    /usr/bin/python3 tests/trace/make_synthetic_trace.py [OUT_DIR]   (default: tests/trace/synthetic)

Alibaba's GPU trace (cluster-trace-gpu-v2023) may not be redistributed, so it stays outside the
repository. This is a small made-up trace in the same two files and columns, so that the simulator
(bench/trace) is exercised in every clone: 48 nodes of the trace's node shapes (8 GPU models,
1 to 8 GPUs) and 320 tasks of its kinds of request (whole cards, 1 to 8 of them; fractions of one
card; CPU-only), QoS classes, phases and a few gpu_spec constraints. Every number comes from a
seeded generator written here (nothing is read from the real trace): the same output on every
run and Python 3 version (only random.Random.random() is used), which the test
trace.synthetic_files checks against the checked-in copy.
"""
import os
import random
import sys

SEED = 2023
NODES = 48
TASKS = 320

# (model, gpus, cpu_milli, memory_mib, how many nodes of this shape)
NODE_SHAPES = [
    ("G2", 8, 96000, 393216, 12),
    ("T4", 2, 104000, 524288, 12),
    ("P100", 2, 16000, 122880, 6),
    ("V100M16", 4, 32000, 131072, 4),
    ("G3", 8, 128000, 786432, 3),
    ("V100M32", 8, 96000, 786432, 3),
    ("T4", 4, 96000, 393216, 3),
    ("V100M16", 1, 8000, 32768, 2),
    ("V100M32", 4, 48000, 376832, 2),
    ("A10", 1, 128000, 1048576, 1),
]

# (num_gpu, gpu_milli, weight): whole cards, fractions of one card, CPU-only
TASK_SHAPES = [
    (1, 1000, 48), (0, 0, 13), (1, 810, 13), (1, 470, 9), (1, 320, 4), (1, 650, 3),
    (1, 230, 2), (1, 460, 2), (1, 160, 1), (1, 550, 1), (8, 1000, 1), (2, 1000, 1),
    (4, 1000, 1),
]
CPU_MILLI = [(3152, 4), (8000, 2), (11300, 2), (4000, 2), (12000, 1), (32000, 1), (1000, 1)]
MEMORY_MIB = [(5600, 4), (49152, 3), (30517, 2), (16384, 2), (24576, 1), (65536, 1)]
QOS = [("LS", 57), ("BE", 41), ("Burstable", 1), ("Guaranteed", 1)]
PHASE = [("Running", 63), ("Failed", 23), ("Pending", 11), ("Succeeded", 3)]
SPEC = [("", 95), ("V100M16|V100M32", 3), ("T4", 2)]


def pick(rng, weighted):
    total = sum(w for *_, w in weighted)
    x = rng.random() * total
    for entry in weighted:
        x -= entry[-1]
        if x < 0:
            return entry[:-1] if len(entry) > 2 else entry[0]
    return weighted[-1][:-1] if len(weighted[-1]) > 2 else weighted[-1][0]


def main():
    if any(arg in ("-h", "--help") for arg in sys.argv[1:]):
        print(__doc__.strip())
        return
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "synthetic")
    os.makedirs(out, exist_ok=True)
    rng = random.Random(SEED)

    assert sum(shape[-1] for shape in NODE_SHAPES) == NODES
    with open(os.path.join(out, "openb_node_list_gpu_node.csv"), "w", newline="") as f:
        f.write("sn,cpu_milli,memory_mib,gpu,model\n")
        n = 0
        for model, gpus, cpu, mem, count in NODE_SHAPES:
            for _ in range(count):
                f.write(f"synth-node-{n:04d},{cpu},{mem},{gpus},{model}\n")
                n += 1

    with open(os.path.join(out, "openb_pod_list_default.csv"), "w", newline="") as f:
        f.write("name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,"
                "creation_time,deletion_time,scheduled_time\n")
        created = 0
        for i in range(TASKS):
            num_gpu, gpu_milli = pick(rng, TASK_SHAPES)
            cpu = pick(rng, CPU_MILLI)
            mem = pick(rng, MEMORY_MIB)
            spec = pick(rng, SPEC) if num_gpu > 0 else ""
            qos = pick(rng, QOS)
            phase = pick(rng, PHASE)
            created += int(rng.random() * 60000)
            deleted = created + 1000 + int(rng.random() * 5000000)
            scheduled = created if phase != "Pending" else 0
            f.write(f"synth-pod-{i:04d},{cpu},{mem},{num_gpu},{gpu_milli},{spec},{qos},{phase},"
                    f"{created},{deleted},{scheduled}\n")


if __name__ == "__main__":
    main()
