# SPDX-License-Identifier: GPL-2.0-or-later
"""weighted_allreduce_hook: DDP's gradient all-reduce through tflops, weighted by batch share."""

import torch

from tflops import RankFailure
from tflops.torch.process_group import runtime

# Types the all-reduce sums: the name tflops knows each by, and for the host all-reduce the
# buffer's numpy view (numpy has no bfloat16: its 16-bit words travel as int16).
_DTYPES = {
    torch.float32: ("float32", None),
    torch.float64: ("float64", None),
    torch.float16: ("float16", None),
    torch.bfloat16: ("bfloat16", torch.int16),
}


def _on_host(comm, tensor, weight, dtype, view, algorithm):
    # A CUDA bucket whose plan says so is staged through host memory for the host all-reduce.
    host = tensor if tensor.device.type == "cpu" else tensor.cpu()
    words = host.view(view) if view is not None else host
    comm.weighted_allreduce(words.detach().numpy(), weight, dtype if view is not None else None, algorithm)
    if host is not tensor:
        tensor.copy_(host)


def _with_nccl(comm, tensor, weight, dtype):
    # Scaled and summed on the GPU, in torch's current stream, so that both follow the work that
    # produced the gradients: NCCL runs on that stream and waits for it.
    tensor.mul_(weight)
    stream = torch.cuda.current_stream(tensor.device).cuda_stream
    comm.nccl_allreduce(tensor.data_ptr(), tensor.numel(), dtype, tensor.device.index, stream)


def allreduce_weighted(tensor, weight, algorithm="automatic"):
    """tensor <- sum over ranks of weight * tensor, in place, along the plan tflops chooses for it
    (tflops/mpi/allreduce_plan.h): NCCL for a CUDA tensor where every rank's is on CUDA and NCCL
    was built, else the host all-reduce. Collective; `algorithm` forces one (tests, benchmarks).
    Returns the plan's algorithm."""
    if tensor.dtype not in _DTYPES:
        raise TypeError(f"weighted_allreduce_hook sums float32, float64, float16 and bfloat16 gradients, "
                        f"not {tensor.dtype}; train in one of those types")
    if not tensor.is_contiguous():
        raise ValueError("the all-reduce needs a contiguous tensor; pass tensor.contiguous()")
    comm = runtime().comm
    dtype, view = _DTYPES[tensor.dtype]
    try:
        plan = comm.plan(tensor.numel(), dtype, tensor.device.type, algorithm)
        if plan.algorithm == "nccl":
            _with_nccl(comm, tensor, weight, dtype)
        else:
            _on_host(comm, tensor, weight, dtype, view, algorithm)
    except RankFailure as failure:
        hinted = RankFailure(f"{failure}; a rank that ran fewer steps than the others ends the same way: every "
                             "rank must run as many steps (ProportionalBatchSampler gives each the same)")
        hinted.suspects = failure.suspects
        raise hinted from failure
    return plan.algorithm


def weighted_allreduce_hook(state, bucket):
    """For DistributedDataParallel.register_comm_hook(state, weighted_allreduce_hook).

    state: the ProportionalBatchSampler (or any object with gradient_weight = b_i / B). Each
    rank's bucket, the gradient of its mean loss over its b_i samples, is scaled by b_i / B and
    summed over the ranks with tflops' all-reduce: the result is the gradient of the mean loss
    over all B samples, however unequal the shares. (DDP's own hook averages over the ranks,
    which is that gradient only when every b_i is the same.) CUDA buckets go through NCCL where
    every rank trains on CUDA and NCCL was built, through host memory otherwise.
    """
    tensor = bucket.buffer()
    allreduce_weighted(tensor, state.gradient_weight)
    future = torch.futures.Future()
    future.set_result(tensor)
    return future
