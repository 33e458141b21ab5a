# SPDX-License-Identifier: GPL-2.0-or-later
"""Under mpirun: ProportionalBatchSampler's shares on unequal cards.

  sampler_check.py CARDS DATASET_SIZE GLOBAL_BATCH

Checks, over two epochs: shares proportional to each rank's blocks (one sample each, the rest by
largest remainder), the same number of steps on every rank, each step's shares together the
global batch with no sample twice, no sample twice in an epoch, a new order each epoch and the
same order again for the same epoch. Rank 0 prints "ok - ..." lines.
"""

import sys

import torch.distributed as dist

import tflops.torch


def fail(message):
    sys.exit("FAIL - " + message)


def epoch_batches(sampler, epoch):
    sampler.set_epoch(epoch)
    mine = list(sampler)
    everyone = [None] * dist.get_world_size()
    dist.all_gather_object(everyone, mine)
    return everyone


def main(cards, dataset_size, global_batch):
    tflops.torch.init_process_group(cards=cards)
    sampler = tflops.torch.ProportionalBatchSampler(dataset_size, global_batch, seed=9)
    blocks = [None] * dist.get_world_size()
    dist.all_gather_object(blocks, tflops.torch.allocation().blocks)
    epochs = [epoch_batches(sampler, epoch) for epoch in (0, 1)]
    again = epoch_batches(sampler, 0)
    if dist.get_rank() != 0:
        return
    ranks = len(blocks)
    shares = sampler.shares
    if sum(shares) != global_batch:
        fail(f"shares {shares} sum to {sum(shares)}, not the global batch {global_batch}")
    for rank, (share, held) in enumerate(zip(shares, blocks)):
        exact = 1 + (global_batch - ranks) * held / sum(blocks)
        if abs(share - exact) >= 1:
            fail(f"rank {rank} holds {held} of {sum(blocks)} blocks: share {share}, expected about {exact:.2f}")
    if len(set(blocks)) > 1 and len(set(shares)) == 1:
        fail(f"unequal blocks {blocks} but equal shares {shares}")
    print(f"ok - shares {shares} of {global_batch} for blocks {blocks}")

    steps = dataset_size // global_batch
    for epoch, batches in enumerate(epochs):
        counts = [len(per_rank) for per_rank in batches]
        if counts != [steps] * ranks:
            fail(f"epoch {epoch}: steps per rank {counts}, expected {steps} on every rank")
        seen = set()
        for step in range(steps):
            for rank in range(ranks):
                if len(batches[rank][step]) != shares[rank]:
                    fail(f"epoch {epoch} step {step}: rank {rank} got {len(batches[rank][step])} samples, "
                         f"its share is {shares[rank]}")
            union = [i for rank in range(ranks) for i in batches[rank][step]]
            if len(set(union)) != global_batch:
                fail(f"epoch {epoch} step {step}: the ranks' samples hold {len(set(union))} distinct of {global_batch}")
            if seen & set(union):
                fail(f"epoch {epoch} step {step}: samples {sorted(seen & set(union))[:5]} used twice in the epoch")
            if not all(0 <= i < dataset_size for i in union):
                fail(f"epoch {epoch} step {step}: a sample outside the dataset of {dataset_size}")
            seen |= set(union)
    print(f"ok - {steps} steps on each of {ranks} ranks; each step's shares make the global batch; "
          f"no sample twice in an epoch")
    if epochs[0] == epochs[1]:
        fail("set_epoch(1) gave the same order as epoch 0")
    if again != epochs[0]:
        fail("set_epoch(0) a second time gave another order")
    print("ok - set_epoch reshuffles, and the same epoch gives the same order")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: sampler_check.py CARD_LIST DATASET_SIZE GLOBAL_BATCH")
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
