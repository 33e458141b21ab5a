# SPDX-License-Identifier: GPL-2.0-or-later
"""weighted_allreduce_hook: DDP's gradient all-reduce through tflops, weighted by batch share."""

import torch

from tflops import RankFailure
from tflops.torch.process_group import runtime

# Types the host all-reduce sums: the buffer's numpy view, and the dtype it is read as.
_VIEWS = {
    torch.float32: (None, None),
    torch.float64: (None, None),
    torch.float16: (None, None),
    torch.bfloat16: (torch.int16, "bfloat16"),  # numpy has no bfloat16: its 16-bit words
}


def _allreduce_weighted(tensor, weight):
    if tensor.dtype not in _VIEWS:
        raise TypeError(f"weighted_allreduce_hook sums float32, float64, float16 and bfloat16 gradients, "
                        f"not {tensor.dtype}; train in one of those types")
    # A CUDA bucket is staged through host memory for the host all-reduce.
    host = tensor if tensor.device.type == "cpu" else tensor.cpu()
    view, dtype = _VIEWS[tensor.dtype]
    words = host.view(view) if view is not None else host
    try:
        runtime().comm.weighted_allreduce(words.detach().numpy(), weight, dtype)
    except RankFailure as failure:
        hinted = RankFailure(f"{failure}; a rank that ran fewer steps than the others ends the same way: every "
                             "rank must run as many steps (ProportionalBatchSampler gives each the same)")
        hinted.suspects = failure.suspects
        raise hinted from failure
    if host is not tensor:
        tensor.copy_(host)
    return tensor


def weighted_allreduce_hook(state, bucket):
    """For DistributedDataParallel.register_comm_hook(state, weighted_allreduce_hook).

    state: the ProportionalBatchSampler (or any object with gradient_weight = b_i / B). Each
    rank's bucket, the gradient of its mean loss over its b_i samples, is scaled by b_i / B and
    summed over the ranks with tflops' all-reduce: the result is the gradient of the mean loss
    over all B samples, however unequal the shares. (DDP's own hook averages over the ranks,
    which is that gradient only when every b_i is the same.)
    """
    future = torch.futures.Future()
    future.set_result(_allreduce_weighted(bucket.buffer(), state.gradient_weight))
    return future
