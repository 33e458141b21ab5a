# SPDX-License-Identifier: GPL-2.0-or-later
"""ProportionalBatchSampler: each rank's share of every global batch proportional to its TFLOPS."""

import torch

from tflops import TflopsError, _native
from tflops.torch.process_group import runtime


class ProportionalBatchSampler(torch.utils.data.Sampler):
    """A batch_sampler for DataLoader. Every epoch the dataset is shuffled the same way on every
    rank (seed + epoch) and cut into global batches of `global_batch` samples (the last partial
    one dropped); rank i takes b_i samples of each, b_i proportional to its blocks (TFLOPS), the
    b_i summing to global_batch (batch_split.h). Every rank runs the same number of steps and
    no sample is used twice in an epoch.

    With weighted_allreduce_hook (its state: this sampler), each rank's mean-loss gradient is
    weighted by gradient_weight = b_i / global_batch, so the update is the full-batch gradient.
    """

    def __init__(self, dataset_size, global_batch, seed=0):
        comm = runtime().comm
        if global_batch > dataset_size:
            raise ValueError(f"global_batch={global_batch} is larger than the dataset ({dataset_size} samples): "
                             "no full batch; use a global batch of at most the dataset's size")
        # Ranks that disagree here would run different numbers of steps, and the all-reduce would
        # then wait for a step that never comes.
        for name, value in (("dataset_size", dataset_size), ("global_batch", global_batch), ("seed", seed)):
            seen = comm.allgather(float(value))
            if len(set(seen)) > 1:
                per_rank = ", ".join(f"rank {r}: {int(v)}" for r, v in enumerate(seen))
                raise TflopsError(f"the ranks passed different {name} to ProportionalBatchSampler ({per_rank}); "
                                  "every rank must pass the same values, or they run unequal step counts")
        blocks = comm.allgather(float(runtime().binding.allocation.blocks))
        self.shares = _native.split_batch(global_batch, blocks)
        self.rank = comm.rank
        self.dataset_size = dataset_size
        self.global_batch = global_batch
        self.seed = seed
        self.epoch = 0
        self.offset = sum(self.shares[:self.rank])

    @property
    def share(self):
        """b_i: this rank's samples per step."""
        return self.shares[self.rank]

    @property
    def gradient_weight(self):
        """b_i / B: the factor this rank's mean-loss gradient gets before the sum."""
        return self.share / self.global_batch

    def set_epoch(self, epoch):
        """Reshuffles: the same order on every rank for the same epoch."""
        self.epoch = epoch

    def __len__(self):
        return self.dataset_size // self.global_batch

    def __iter__(self):
        generator = torch.Generator()
        generator.manual_seed(self.seed * 1000003 + self.epoch)
        order = torch.randperm(self.dataset_size, generator=generator)
        for step in range(len(self)):
            start = step * self.global_batch + self.offset
            yield order[start:start + self.share].tolist()
