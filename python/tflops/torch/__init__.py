# SPDX-License-Identifier: GPL-2.0-or-later
"""tflops for PyTorch: DistributedDataParallel on a tflops allocation's unequal cards.

A DDP script changes in four places:

    device = tflops.torch.init_process_group()          # instead of dist.init_process_group
    sampler = tflops.torch.ProportionalBatchSampler(len(dataset), global_batch)
    loader = DataLoader(dataset, batch_sampler=sampler)  # each rank: its TFLOPS share of a batch
    model.register_comm_hook(sampler, tflops.torch.weighted_allreduce_hook)
    ...
    tflops.torch.suspend_point(model, optimizer)         # once per step: survives preemption

and is started with mpirun (or srun) instead of torchrun.
"""

from tflops.torch.comm_hook import weighted_allreduce_hook
from tflops.torch.process_group import allocation, device, init_process_group
from tflops.torch.sampler import ProportionalBatchSampler
from tflops.torch.suspension import suspend_point, suspensions

__all__ = ["init_process_group", "device", "allocation", "ProportionalBatchSampler",
           "weighted_allreduce_hook", "suspend_point", "suspensions"]
