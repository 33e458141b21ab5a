# SPDX-License-Identifier: GPL-2.0-or-later
"""Under mpirun: DDP with tflops.torch.weighted_allreduce_hook computes the right gradients.

  hook_check.py ddp CARDS    on an equal split: the same gradients as DDP's own all-reduce (gloo)
  hook_check.py full CARDS   on any split: the gradient of the mean loss over the whole global
                             batch, computed by one process alone

Prints one "ok - ..." line per rank; exits 1 with the largest difference otherwise.
"""

import copy
import sys

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP

import tflops.torch

# An equal split needs a batch every rank count divides; on any split, a prime never divides evenly.
GLOBAL_BATCH = {"ddp": 60, "full": 61}


def make_model():
    torch.manual_seed(3)
    return torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                               torch.nn.Linear(4 * 6 * 6, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))


def make_batch(size):
    generator = torch.Generator().manual_seed(11)
    return torch.rand(size, 1, 8, 8, generator=generator), torch.randint(0, 10, (size,), generator=generator)


def gradients(model, x, y):
    model.zero_grad()
    torch.nn.functional.cross_entropy(model(x), y).backward()
    return [p.grad.clone() for p in model.parameters()]


def largest_difference(got, want):
    """Largest |got - want| relative to the gradient's own scale."""
    return max(((g - w).abs().max() / w.abs().max().clamp_min(1e-12)).item() for g, w in zip(got, want))


def main(mode, cards):
    tflops.torch.init_process_group(cards=cards)
    rank, size = dist.get_rank(), dist.get_world_size()
    batch = GLOBAL_BATCH[mode]
    sampler = tflops.torch.ProportionalBatchSampler(batch, batch, seed=5)
    mine = next(iter(sampler))
    x, y = make_batch(batch)
    # Small buckets: the hook sees several per step.
    hooked = DDP(make_model(), bucket_cap_mb=0.002)
    hooked.register_comm_hook(sampler, tflops.torch.weighted_allreduce_hook)
    got = gradients(hooked, x[mine], y[mine])
    local = gradients(copy.deepcopy(hooked.module), x[mine], y[mine])
    if mode == "ddp":
        if len(set(sampler.shares)) != 1:
            sys.exit(f"shares {sampler.shares} are not equal: mode ddp needs equal cards")
        want = gradients(DDP(make_model(), bucket_cap_mb=0.002), x[mine], y[mine])
        what = "DDP's gloo all-reduce"
    else:
        want = gradients(make_model(), x, y)  # the whole global batch in one process
        what = "the single-process full-batch gradient"
    # The check can fail: a rank's own gradient is not the reduced one.
    if largest_difference(local, want) < 1e-3:
        sys.exit(f"rank {rank}: its local gradient already equals {what}: the check would prove nothing")
    worst = largest_difference(got, want)
    line = f"rank {rank} of {size} (share {sampler.share}/{batch}, {len(got)} tensors): " \
           f"largest relative difference to {what} {worst:.2e}"
    # FP32 sums in another order differ by a few ulps; a wrong weighting is off by percents.
    if worst > 1e-5:
        sys.exit("FAIL - " + line)
    print("ok - " + line, flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("ddp", "full"):
        sys.exit("usage: hook_check.py ddp|full CARD_LIST")
    main(sys.argv[1], sys.argv[2])
