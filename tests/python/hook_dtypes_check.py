# SPDX-License-Identifier: GPL-2.0-or-later
"""Under mpirun: weighted_allreduce_hook on buckets of every floating type torch trains in.

  hook_dtypes_check.py CARDS

Each rank's bucket holds values of its own; the hook must leave sum_i w_i * bucket_i on every
rank (w_i the rank's gradient weight), to the type's rounding: float32, float64, float16, and
bfloat16 (which travels as 16-bit words). An integer bucket is refused with a TypeError, and a
CUDA bucket on ranks that train on the CPU is planned through host memory. Prints one "ok - ..."
line per check on rank 0.
"""

import sys

import torch
import torch.distributed as dist

import tflops.torch
from tflops.torch.process_group import runtime

COUNT = 1000
# Relative error allowed: a few units in the last place of each type (sums of 2-3 rounded terms).
TOLERANCE = {torch.float32: 1e-6, torch.float64: 1e-14, torch.float16: 4e-3, torch.bfloat16: 1.6e-2}


class Bucket:
    """What the hook reads of DDP's GradBucket."""

    def __init__(self, tensor):
        self.tensor = tensor

    def buffer(self):
        return self.tensor


def values(rank):
    return torch.linspace(-3, 3, COUNT, dtype=torch.float64) * (rank + 1) + rank


def main(cards):
    tflops.torch.init_process_group(cards=cards)
    rank, size = dist.get_rank(), dist.get_world_size()
    sampler = tflops.torch.ProportionalBatchSampler(1000, 100)
    weights = [None] * size
    dist.all_gather_object(weights, sampler.gradient_weight)
    want = sum(w * values(r) for r, w in enumerate(weights))
    for dtype, tolerance in TOLERANCE.items():
        got = tflops.torch.weighted_allreduce_hook(sampler, Bucket(values(rank).to(dtype))).wait()
        if got.dtype != dtype:
            sys.exit(f"FAIL - {dtype}: the hook returned {got.dtype}")
        worst = ((got.to(torch.float64) - want).abs() / want.abs().clamp_min(1.0)).max().item()
        if worst > tolerance:
            sys.exit(f"FAIL - rank {rank}, {dtype}: largest relative error {worst:.2e} > {tolerance:.0e}")
        if rank == 0:
            print(f"ok - {dtype} on {size} ranks, weights {[round(w, 3) for w in weights]}: "
                  f"largest relative error {worst:.2e}", flush=True)
    try:
        tflops.torch.weighted_allreduce_hook(sampler, Bucket(torch.ones(4, dtype=torch.int32)))
        sys.exit("FAIL - an int32 bucket was summed")
    except TypeError as error:
        if rank == 0:
            print(f"ok - an int32 bucket is refused: {error}")
    # The ranks agreed at their first bucket that they train on the CPU: a CUDA bucket would be
    # staged through host memory, and NCCL forced for it is refused.
    comm = runtime().comm
    plan = comm.plan(COUNT, "float32", "cuda")
    if not plan.staged_through_host or plan.algorithm in ("nccl", "none"):
        sys.exit(f"FAIL - a CUDA bucket on CPU ranks is planned as {plan.algorithm}, staged {plan.staged_through_host}")
    try:
        comm.plan(COUNT, "float32", "cuda", "nccl")
        sys.exit("FAIL - NCCL forced for ranks that train on the CPU was accepted")
    except ValueError as error:
        if rank == 0:
            print(f"ok - a CUDA bucket on CPU ranks goes through host memory ({plan.algorithm}); "
                  f"NCCL forced is refused: {error}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: hook_dtypes_check.py CARD_LIST")
    main(sys.argv[1])
