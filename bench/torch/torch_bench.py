#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tflops.torch against stock PyTorch DDP, each pair in the same run. Start it under mpirun.

  torch_bench.py hook  --cards CARDS --sizes 1,10,100 [--batch 32] [--repeats 9] [--steps 9] --csv FILE
      Each model size (MB of float32 parameters, an MLP of four square layers): the all-reduce
      of one step's gradient buckets (the sizes DDP forms for that model) by DDP's default hook
      (gloo) and by tflops.torch.weighted_allreduce_hook, the two hooks called on the same
      buckets one after the other; and the time of a DDP step (forward, backward with the
      all-reduce, SGD step) with DDP's built-in gloo all-reduce and with the tflops hook
      registered, and the process CPU time in that step (below the wall time when a rank waited
      for a core). Medians over the repeats; each time is the slowest rank's.
  torch_bench.py split --cards CARDS [--batch 192] [--rounds 3] [--steps 30] --csv FILE
      Training samples/s on cards of unequal TFLOPS: ProportionalBatchSampler with the tflops hook
      against torch's DistributedSampler (equal shares) with DDP's gloo all-reduce, and equal
      shares with the tflops hook (what the split alone buys); also the busiest rank's CPU time per
      step. Rounds alternate the variants, so that a change in the machine's load hits each; the
      median round counts.

An emulated card's speed is its blocks: a rank whose card has k times fewer blocks than the
largest card (CARDS, e.g. gpu:fast::0-1=host,gpu:slow::2=host for 2:1) runs every forward and
backward k times, k-1 of them on a private copy of the model whose gradients are thrown away,
so that each of its samples costs it k times the compute. torch runs --threads threads per rank.
"""
import argparse
import copy
import csv
import math
import statistics
import sys
import time

if __name__ == "__main__" and any(arg in ("-h", "--help") for arg in sys.argv[1:]):
    print(__doc__.strip())  # without torch or the tflops package on the path
    sys.exit(0)

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
from torch.distributed.algorithms.ddp_comm_hooks import default_hooks  # noqa: E402
from torch.nn.parallel import DistributedDataParallel as DDP  # noqa: E402
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset  # noqa: E402

import tflops.torch  # noqa: E402

LAYERS = 4  # square Linear layers of an MLP sized to the model size


def say(*parts):
    if dist.get_rank() == 0:
        print(*parts, flush=True)


def slowest(seconds):
    """The largest of the ranks' times (the step is as slow as its slowest rank)."""
    value = torch.tensor([seconds], dtype=torch.float64)
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return value.item()


def mlp(width, layers, outputs=None, seed=1):
    torch.manual_seed(seed)
    modules = []
    for i in range(layers):
        last = i == layers - 1
        modules.append(torch.nn.Linear(width, outputs if last and outputs else width))
        if not last:
            modules.append(torch.nn.ReLU())
    return torch.nn.Sequential(*modules)


def width_for(megabytes):
    """The width whose LAYERS square layers (weights and biases, float32) hold `megabytes` MiB."""
    return max(8, round((-1 + math.sqrt(1 + 4 * megabytes * 2**20 / 4 / LAYERS)) / 2))


class _Bucket:
    """What both hooks read of DDP's GradBucket: its flat buffer."""

    def __init__(self, tensor):
        self.tensor = tensor

    def buffer(self):
        return self.tensor


def hook_bench(args):
    ranks = dist.get_world_size()
    # Equal cards: weight 1/ranks, the average DDP's own hook computes.
    state = tflops.torch.ProportionalBatchSampler(args.batch * ranks, args.batch * ranks)
    rows = []
    for megabytes in args.sizes:
        width = width_for(megabytes)
        model = mlp(width, LAYERS)
        params = sum(p.numel() for p in model.parameters())
        gloo = DDP(copy.deepcopy(model))
        ours = DDP(copy.deepcopy(model))
        ours.register_comm_hook(state, tflops.torch.weighted_allreduce_hook)
        generator = torch.Generator().manual_seed(7 + dist.get_rank())
        x = torch.randn(args.batch, width, generator=generator)
        y = torch.randn(args.batch, width, generator=generator)
        optimizers = {name: torch.optim.SGD(ddp.parameters(), lr=1e-4) for name, ddp in (("gloo", gloo), ("tflops", ours))}
        ddps = {"gloo": gloo, "tflops": ours}

        def step(name):
            """The step's wall time and the process's CPU time in it (less: it waited for a core)."""
            ddp, optimizer = ddps[name], optimizers[name]
            start, cpu = time.perf_counter(), time.process_time()
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(ddp(x), y).backward()
            optimizer.step()
            return time.perf_counter() - start, time.process_time() - cpu

        # DDP rebuilds its buckets after the first step, in the order the gradients came; its
        # logging data names their sizes from the third step on.
        for _ in range(3):
            step("gloo")
            step("tflops")
        sizes = ours._get_ddp_logging_data().get("rebuilt_bucket_sizes")  # bytes, comma-separated
        if not sizes:
            sys.exit("DDP did not report its rebuilt bucket sizes (rebuilt_bucket_sizes); this torch differs")
        buckets = [int(n) // 4 for n in sizes.split(",")]
        say(f"  {megabytes} MB model ({params:,} parameters, width {width}): DDP buckets "
            + ", ".join(f"{n * 4 / 2**20:.2f}" for n in buckets) + " MiB")
        step_times = {"gloo": [], "tflops": []}
        step_cpu = {"gloo": [], "tflops": []}
        for repeat in range(args.steps):
            for name in ("gloo", "tflops") if repeat % 2 == 0 else ("tflops", "gloo"):
                dist.barrier()
                wall, cpu = step(name)
                step_times[name].append(slowest(wall))
                step_cpu[name].append(slowest(cpu))
        gloo = ours = optimizers = ddps = None  # the models are not needed for the all-reduce
        # The bucket all-reduce: both hooks on tensors of DDP's bucket sizes, outside DDP.
        tensors = [torch.randn(n) for n in buckets]
        hooks = {"gloo": lambda b: default_hooks.allreduce_hook(None, b),
                 "tflops": lambda b: tflops.torch.weighted_allreduce_hook(state, b)}

        def allreduce(name):
            dist.barrier()
            start = time.perf_counter()
            for tensor in tensors:
                hooks[name](_Bucket(tensor)).wait()
            return slowest(time.perf_counter() - start)

        allreduce("gloo")
        allreduce("tflops")
        reduce_times = {"gloo": [], "tflops": []}
        for repeat in range(args.repeats):
            for name in ("gloo", "tflops") if repeat % 2 == 0 else ("tflops", "gloo"):
                reduce_times[name].append(allreduce(name))
        nbytes = sum(buckets) * 4
        for name in ("gloo", "tflops"):
            reduce_ms = statistics.median(reduce_times[name]) * 1e3
            step_ms = statistics.median(step_times[name]) * 1e3
            rows.append({"ranks": ranks, "model_mb": megabytes, "params": params, "bucket_bytes": nbytes,
                         "buckets": len(buckets), "variant": name, "allreduce_ms": f"{reduce_ms:.3f}",
                         "allreduce_gbs": f"{nbytes / reduce_ms / 1e6:.3f}", "step_ms": f"{step_ms:.3f}",
                         "step_cpu_ms": f"{statistics.median(step_cpu[name]) * 1e3:.3f}",
                         "batch_per_rank": args.batch})
        ratio = statistics.median(reduce_times["gloo"]) / statistics.median(reduce_times["tflops"])
        step_ratio = statistics.median(step_times["gloo"]) / statistics.median(step_times["tflops"])
        say(f"  {megabytes} MB, {ranks} ranks: bucket all-reduce gloo {rows[-2]['allreduce_ms']} ms, "
            f"tflops {rows[-1]['allreduce_ms']} ms ({ratio:.2f}x); DDP step gloo {rows[-2]['step_ms']} ms, "
            f"tflops {rows[-1]['step_ms']} ms ({step_ratio:.2f}x); CPU time per step gloo {rows[-2]['step_cpu_ms']} ms, "
            f"tflops {rows[-1]['step_cpu_ms']} ms")
    return rows


def split_bench(args):
    rank, ranks = dist.get_rank(), dist.get_world_size()
    blocks = [None] * ranks
    dist.all_gather_object(blocks, tflops.torch.allocation().blocks)
    slowdown = max(blocks) / blocks[rank]
    if abs(slowdown - round(slowdown)) > 1e-9:
        sys.exit(f"rank {rank}: cards of {blocks} blocks: each card's blocks must divide the largest card's "
                 "(the emulation repeats a slower card's work a whole number of times)")
    extra = round(slowdown) - 1
    generator = torch.Generator().manual_seed(3)
    samples = args.batch * args.steps
    features, classes = 784, 10
    dataset = TensorDataset(torch.randn(samples, features, generator=generator),
                            torch.randint(0, classes, (samples,), generator=generator))
    model = torch.nn.Sequential(torch.nn.Linear(features, args.hidden), torch.nn.ReLU(),
                                torch.nn.Linear(args.hidden, args.hidden), torch.nn.ReLU(),
                                torch.nn.Linear(args.hidden, classes))
    proportional = tflops.torch.ProportionalBatchSampler(samples, args.batch)
    if args.batch % ranks:
        sys.exit(f"--batch {args.batch}: an equal split needs a global batch the {ranks} ranks divide")
    equal_state = type("EqualShare", (), {"gradient_weight": 1 / ranks})()
    variants = {}
    for name, split, hook in (("proportional", "proportional", True), ("equal", "equal", False),
                              ("equal-tflops", "equal", True)):
        if name not in args.variants:
            continue
        ddp = DDP(copy.deepcopy(model))
        if hook:
            ddp.register_comm_hook(proportional if split == "proportional" else equal_state,
                                   tflops.torch.weighted_allreduce_hook)
        if split == "proportional":
            loader = DataLoader(dataset, batch_sampler=proportional)
            share = proportional.share
        else:
            sampler = DistributedSampler(dataset, num_replicas=ranks, rank=rank, shuffle=True, drop_last=True)
            loader = DataLoader(dataset, batch_size=args.batch // ranks, sampler=sampler, drop_last=True)
            share = args.batch // ranks
        variants[name] = (ddp, torch.optim.SGD(ddp.parameters(), lr=0.01), loader, share)
    shadow = copy.deepcopy(model)  # the slower card's extra work runs here; its gradients are dropped

    def epoch(name, number):
        ddp, optimizer, loader, _ = variants[name]
        sampler = loader.batch_sampler if name == "proportional" else loader.sampler
        sampler.set_epoch(number)
        steps = 0
        dist.barrier()
        start, cpu = time.perf_counter(), time.process_time()
        for x, y in loader:
            for _ in range(extra):
                shadow.zero_grad()
                torch.nn.functional.cross_entropy(shadow(x), y).backward()
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(ddp(x), y).backward()
            optimizer.step()
            steps += 1
        return slowest(time.perf_counter() - start), slowest(time.process_time() - cpu), steps

    shares = {name: [None] * ranks for name in variants}
    for name in variants:
        dist.all_gather_object(shares[name], variants[name][3])
    say(f"  cards of {blocks} blocks; samples per step per rank: "
        + "; ".join(f"{name} {'/'.join(map(str, s))}" for name, s in shares.items()))
    for name in variants:
        epoch(name, 0)  # warm-up
    rates = {name: [] for name in variants}
    step_ms = {name: [] for name in variants}
    step_cpu_ms = {name: [] for name in variants}
    order = list(variants)
    for number in range(1, args.rounds + 1):
        for name in order if number % 2 else order[::-1]:
            seconds, cpu, steps = epoch(name, number)
            rates[name].append(steps * args.batch / seconds)
            step_ms[name].append(seconds / steps * 1e3)
            step_cpu_ms[name].append(cpu / steps * 1e3)
        say(f"  round {number}/{args.rounds}: " + ", ".join(f"{n} {rates[n][-1]:.0f} samples/s" for n in order))
    rows = []
    for name in order:
        rows.append({"ranks": ranks, "variant": name, "blocks": "/".join(map(str, blocks)),
                     "shares": "/".join(map(str, shares[name])), "global_batch": args.batch,
                     "samples_per_s": f"{statistics.median(rates[name]):.1f}",
                     "step_ms": f"{statistics.median(step_ms[name]):.2f}",
                     "step_cpu_ms": f"{statistics.median(step_cpu_ms[name]):.2f}",
                     "rounds": " ".join(f"{r:.1f}" for r in rates[name])})
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["hook", "split"])
    parser.add_argument("--cards", required=True, help="the node's card list (tflops-train's --cards form)")
    parser.add_argument("--csv", required=True, help="the CSV file to write")
    parser.add_argument("--sizes", default="1,10,100", help="hook: model sizes in MiB of parameters")
    parser.add_argument("--batch", type=int, help="hook: samples per rank (32); split: global batch (192)")
    parser.add_argument("--repeats", type=int, default=9, help="hook: bucket all-reduce repeats")
    parser.add_argument("--steps", type=int, default=9, help="hook: DDP steps timed; split: steps per round")
    parser.add_argument("--rounds", type=int, default=3, help="split: timed rounds (each runs every variant)")
    parser.add_argument("--hidden", type=int, default=1024, help="split: the MLP's hidden width")
    parser.add_argument("--variants", default="proportional,equal,equal-tflops", help="split: which to run")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per rank")
    args = parser.parse_args()
    args.sizes = [float(s) if "." in s else int(s) for s in args.sizes.split(",")]
    args.variants = args.variants.split(",")
    args.batch = args.batch or (32 if args.mode == "hook" else 192)
    tflops.torch.init_process_group(cards=args.cards)
    torch.set_num_threads(args.threads)
    rows = hook_bench(args) if args.mode == "hook" else split_bench(args)
    if dist.get_rank() == 0:
        with open(args.csv, "w", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        print(f"  wrote {args.csv}", flush=True)


if __name__ == "__main__":
    main()
