# SPDX-License-Identifier: GPL-2.0-or-later
"""A rank that dies or hangs mid-training stops the others with a clear error in bounded time.

  dead_rank_check.py MPIEXEC exit|hang

Starts 3 ranks training a small DDP model through tflops' hook; at step 3 rank 1 raises an
exception (exit) or stops taking part (hang). The job must end, with a non-zero status, within
BOUND_S, and its output must name rank 1 and what happened. Prints "ok - ..." when it does.
"""

import os
import subprocess
import sys
import time

BOUND_S = 90
TIMEOUT_S = 5  # TFLOPS_MPI_TIMEOUT: the others give up on a silent rank after this long


def worker(mode):
    import torch
    from torch.nn.parallel import DistributedDataParallel as DDP

    import tflops.torch

    tflops.torch.init_process_group(cards="gpu:cpu0::0-2=host")
    rank = torch.distributed.get_rank()
    sampler = tflops.torch.ProportionalBatchSampler(600, 30)
    model = DDP(torch.nn.Linear(16, 4))
    model.register_comm_hook(sampler, tflops.torch.weighted_allreduce_hook)
    for step, batch in enumerate(sampler):
        if step == 3 and rank == 1:
            if mode == "exit":
                raise RuntimeError("rank 1 fails on purpose")
            time.sleep(10 * BOUND_S)
        model(torch.rand(len(batch), 16)).sum().backward()
    sys.exit(f"rank {rank} finished all steps: rank 1 never failed")


def driver(mpiexec, mode):
    env = dict(os.environ, TFLOPS_MPI_TIMEOUT=str(TIMEOUT_S))
    start = time.monotonic()
    try:
        done = subprocess.run([mpiexec, "--oversubscribe", "-n", "3", sys.executable, __file__, "--worker", mode],
                              env=env, capture_output=True, text=True, timeout=BOUND_S)
    except subprocess.TimeoutExpired:
        sys.exit(f"FAIL - rank 1 {mode}: the job still ran after {BOUND_S} s")
    took = time.monotonic() - start
    output = done.stdout + done.stderr
    # exit: the failing rank's own excepthook ends the job; hang: the others' all-reduce names it.
    expected = "tflops: rank 1: RuntimeError: rank 1 fails on purpose" if mode == "exit" else "rank 1 did not arrive"
    if done.returncode == 0 or expected not in output:
        sys.exit(f"FAIL - rank 1 {mode}: status {done.returncode}, expected '{expected}' in:\n{output}")
    print(f"ok - rank 1 {mode}: the job ended in {took:.0f} s with status {done.returncode}: '{expected}'")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        worker(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[2] in ("exit", "hang"):
        driver(sys.argv[1], sys.argv[2])
    else:
        sys.exit("usage: dead_rank_check.py MPIEXEC exit|hang")
