#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A small CNN on Fashion-MNIST with PyTorch's DistributedDataParallel on a tflops allocation.

    sbatch --gres=tflops:N -n 4 contrib/examples/train-fashion-mnist-torch.sbatch    in Slurm
    mpirun -n 2 /usr/bin/python3 train_fashion_mnist_torch.py --cards gpu:cpu0::0-1=host   outside

Each rank trains on a share of every global batch proportional to its TFLOPS; DDP's gradient
all-reduce goes through tflops' hook, which weights each rank by its share; a Slurm suspension
(preemption) pauses the training at a step boundary and resumes it on the job's blocks. Rank 0
prints one line per epoch (loss, accuracy, samples/s, step time) and the final test accuracy,
and writes --csv and --steps-csv (tflops-plot-training draws them). Reads Debian's
dataset-fashion-mnist files; downloads nothing.

Only the lines marked "tflops" differ from a plain DDP script.
"""

import argparse
import csv
import gzip
import sys
import time
from pathlib import Path

import numpy
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP

import tflops.torch


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist",
                        help="folder of the four IDX files (.gz or not): dataset-fashion-mnist's")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=128, help="global batch, shared among the ranks")
    parser.add_argument("--lr", type=float, default=3e-3, help="Adam's first learning rate (a cosine to 0)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-samples", type=int, default=0, help="use the first N training images (0: all)")
    parser.add_argument("--cards", help="outside Slurm: the node's card list, e.g. gpu:cpu0::0-1=host")
    parser.add_argument("--csv", help="per-epoch metrics (rank 0)")
    parser.add_argument("--steps-csv", help="the loss of every step (rank 0)")
    parser.add_argument("--min-test-accuracy", type=float, default=-1,
                        help="exit 1 when the final test accuracy (%%) is below this")
    return parser.parse_args()


def read_idx(folder, name):
    """An IDX file (images: N x 28 x 28 bytes, labels: N bytes) as a numpy array."""
    for path in (Path(folder) / f"{name}.gz", Path(folder) / name):
        if path.exists():
            data = (gzip.open if path.suffix == ".gz" else open)(path, "rb").read()
            dims = data[3]
            shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
            return numpy.frombuffer(data, numpy.uint8, offset=4 + 4 * dims).reshape(shape)
    sys.exit(f"{folder}: no {name}(.gz): install dataset-fashion-mnist (apt) or pass --data DIR")


def load(folder, split, limit=0):
    images = read_idx(folder, f"{split}-images-idx3-ubyte")
    labels = read_idx(folder, f"{split}-labels-idx1-ubyte")
    if limit:
        images, labels = images[:limit], labels[:limit]
    x = torch.from_numpy(images.astype(numpy.float32) / 255.0).sub_(0.2860).div_(0.3530).unsqueeze(1)
    return torch.utils.data.TensorDataset(x, torch.from_numpy(labels.astype(numpy.int64)))


class SmallCnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = torch.nn.Linear(32 * 7 * 7, 64)
        self.fc2 = torch.nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def evaluate(model, optimizer, test):
    """Test loss and accuracy: the test set cut evenly across the ranks, summed over them. Slurm
    gives a rank 2 s between SIGTSTP and SIGSTOP, and a pass over the test set takes longer: each
    chunk is a suspension point too (a chunk of 250 images takes about 0.1 s on one CPU thread;
    every rank runs the same number of chunks)."""
    rank, ranks = dist.get_rank(), dist.get_world_size()
    first, end = len(test) * rank // ranks, len(test) * (rank + 1) // ranks
    chunks = -(-len(test) // (ranks * 250))
    model.eval()
    with torch.no_grad():
        totals = torch.zeros(2, dtype=torch.float64)
        images, labels = test.tensors[0][first:end], test.tensors[1][first:end]
        for x, y in zip(images.tensor_split(chunks), labels.tensor_split(chunks)):
            tflops.torch.suspend_point(model, optimizer)  # tflops: may move the model to another card
            out = model(x.to(tflops.torch.device()))
            y = y.to(out.device)
            totals[0] += F.cross_entropy(out, y, reduction="sum").item()
            totals[1] += (out.argmax(1) == y).sum().item()
    model.train()
    dist.all_reduce(totals)
    return totals[0].item() / len(test), totals[1].item() / len(test)


def suspension_note(suspensions):
    """Whether every rank released its card while Slurm had the job stopped: (count, unwarned) per rank."""
    if not suspensions[0][0]:
        return ""
    kept = [f"rank {r} {unwarned}x" for r, (_, unwarned) in enumerate(suspensions) if unwarned]
    if not kept:
        return f" (suspended and resumed {suspensions[0][0]}x; every rank released its card while stopped)"
    return (f" (suspended and resumed {suspensions[0][0]}x; stopped before it released its card: {', '.join(kept)}; "
            "each rank's 'tflops: rank R: suspended' line says why)")


def main():
    args = parse_args()
    device = tflops.torch.init_process_group(cards=args.cards)  # tflops: MPI, the rank's blocks, gloo
    rank = dist.get_rank()
    train, test = load(args.data, "train", args.train_samples), load(args.data, "t10k")
    sampler = tflops.torch.ProportionalBatchSampler(len(train), args.batch, seed=args.seed)  # tflops
    loader = torch.utils.data.DataLoader(train, batch_sampler=sampler)
    torch.manual_seed(args.seed)
    model = DDP(SmallCnn().to(device))
    model.register_comm_hook(sampler, tflops.torch.weighted_allreduce_hook)  # tflops: weighted sum
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    # The learning rate falls to 0 along a cosine over the run: a few epochs end near their best.
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs * len(sampler))

    lines = [None] * dist.get_world_size()
    dist.all_gather_object(lines, f"rank {rank}: {tflops.torch.allocation()} -> {device}, "
                                  f"batch share {sampler.share} of {args.batch}")
    epochs_out = steps_out = None
    if rank == 0:
        print("\n".join(lines))
        print(f"{'epoch':<6} {'loss':>9} {'accuracy':>9} {'test_loss':>10} {'test_acc':>9} {'samples/s':>10} "
              f"{'step_ms':>8} {'time_s':>7}", flush=True)
        if args.csv:
            epochs_out = csv.writer(open(args.csv, "w", newline="", buffering=1))
            epochs_out.writerow(["epoch", "loss", "accuracy", "test_loss", "test_accuracy", "samples_per_s",
                                 "step_ms", "seconds"])
        if args.steps_csv:
            steps_out = csv.writer(open(args.steps_csv, "w", newline="", buffering=1))
            steps_out.writerow(["step", "loss"])
    step = 0
    for epoch in range(1, args.epochs + 1):
        sampler.set_epoch(epoch)
        totals = torch.zeros(2, dtype=torch.float64)  # this rank's summed loss, correct answers
        step_seconds, start = 0.0, time.monotonic()
        for x, y in loader:
            if tflops.torch.suspend_point(model, optimizer):  # tflops: Slurm preemption pauses here
                device = tflops.torch.device()  # the share of the blocks held now: maybe another card
                print(f"rank {rank}: resumed on {tflops.torch.allocation()} -> {device}", flush=True)
            began = time.monotonic()
            x, y = x.to(device), y.to(device)
            out = model(x)
            loss = F.cross_entropy(out, y)  # the mean over this rank's share
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            step_seconds += time.monotonic() - began
            totals += torch.tensor([loss.item() * len(y), (out.argmax(1) == y).sum().item()], dtype=torch.float64)
            if args.steps_csv:  # the global batch's loss: each share's mean loss weighted b_i/B, summed
                global_loss = torch.tensor([loss.item() * sampler.gradient_weight], dtype=torch.float64)
                dist.all_reduce(global_loss)
                if steps_out:
                    steps_out.writerow([step, f"{global_loss.item():.6f}"])
            step += 1
        seconds = time.monotonic() - start
        dist.all_reduce(totals)
        samples = len(sampler) * args.batch
        test_loss, test_accuracy = evaluate(model, optimizer, test)
        row = [epoch, totals[0].item() / samples, totals[1].item() / samples, test_loss, test_accuracy,
               samples / seconds, 1e3 * step_seconds / len(sampler), seconds]
        if rank == 0:
            print(f"{row[0]:<6} {row[1]:9.4f} {100 * row[2]:8.2f}% {row[3]:10.4f} {100 * row[4]:8.2f}% "
                  f"{row[5]:10.0f} {row[6]:8.2f} {row[7]:7.1f}", flush=True)
            if epochs_out:
                epochs_out.writerow([f"{v:.6f}" if isinstance(v, float) else v for v in row])
    final = 100 * test_accuracy
    suspensions = [None] * dist.get_world_size()
    dist.all_gather_object(suspensions, tflops.torch.suspensions())
    if rank == 0:
        print(f"final test accuracy: {final:.2f}%{suspension_note(suspensions)}", flush=True)
    if final < args.min_test_accuracy:
        if rank == 0:
            print(f"below the required {args.min_test_accuracy:.2f}%")
        sys.exit(1)


if __name__ == "__main__":
    main()
