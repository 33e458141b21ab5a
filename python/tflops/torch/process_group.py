# SPDX-License-Identifier: GPL-2.0-or-later
"""init_process_group(): MPI, the rank's share of the job's blocks, and torch.distributed."""

import atexit
import datetime
import os
import socket
import sys
import traceback

import torch
import torch.distributed as dist

from tflops import TflopsError, _native


class _Runtime:
    """What init_process_group() set up, for the sampler, the hook and the suspension point."""

    def __init__(self, comm, binding, device, suspend_point):
        self.comm = comm
        self.binding = binding
        self.device = device
        self.suspend_point = suspend_point


_runtime = None


def runtime():
    if _runtime is None:
        raise TflopsError("tflops.torch is not initialised: call tflops.torch.init_process_group() first, "
                          "before the sampler, the communication hook and the suspension point")
    return _runtime


def device_for(allocation):
    """The torch device of a rank's share: its CUDA card with the most blocks, else the CPU.

    torch drives one device per rank; start one rank per card to use every card of the job."""
    cuda = [card for card in allocation.cards if card.backend == "cuda"]
    if not cuda:
        return torch.device("cpu")
    return torch.device("cuda", max(cuda, key=lambda card: len(card.blocks)).index)


def host_threads(allocation):
    """torch's threads on a CPU share: the HAL's host rule, round(share x usable CPUs), at least 1."""
    share = sum(card.share for card in allocation.cards if card.backend == "host")
    if share == 0:
        return None
    return max(1, round(min(share, 1.0) * len(_native.usable_cpus())))


def _check_allocation_given(cards):
    if cards or os.environ.get("SLURM_TFLOPS_CARDS") or os.environ.get("SLURM_TFLOPS_ALLOC_FILE"):
        return
    raise TflopsError(
        "no tflops allocation: SLURM_TFLOPS_CARDS is unset (this process is not in a job that asked "
        "for tflops blocks) and no card list was given; submit with sbatch --gres=tflops:N, or outside "
        "Slurm pass init_process_group(cards='gpu:cpu0::0-1=host')")


def _check_launcher(size):
    # torchrun starts independent processes: each would be an MPI world of one.
    launched = int(os.environ.get("WORLD_SIZE", "1") or 1)
    if size == 1 and launched > 1:
        raise TflopsError(
            f"this process is an MPI world of 1 rank but WORLD_SIZE={launched}: it was started by torchrun or "
            "torch.distributed.launch, not by MPI; tflops needs MPI: start the script with "
            f"mpirun -n {launched} python3 SCRIPT (srun under Slurm)")


def _abort_on_uncaught_exception(rank, size):
    """A rank that dies of an exception ends the job instead of leaving the others waiting."""
    if size == 1:
        return

    def abort(kind, value, trace):
        sys.stderr.write(f"tflops: rank {rank}: {kind.__name__}: {value}; aborting the job\n")
        traceback.print_exception(kind, value, trace)
        sys.stderr.flush()
        _native.abort(1)

    sys.excepthook = abort


def _rendezvous(comm, on_one_node):
    """tcp://ADDR:PORT of rank 0's store: a free port rank 0 picks, sent to every rank over MPI."""
    address, port = os.environ.get("MASTER_ADDR"), os.environ.get("MASTER_PORT")
    if comm.rank == 0 and not port:
        with socket.socket() as probe:
            probe.bind(("", 0))
            port = str(probe.getsockname()[1])
    if comm.rank == 0 and not address:
        address = "127.0.0.1" if on_one_node else socket.gethostname()
    address, port = comm.broadcast(f"{address} {port}".encode() if comm.rank == 0 else b"").decode().split()
    # torch 2.4 and later default the store to libuv, which Debian's torch (2.6 in Debian 13) is built
    # without ("use_libuv was requested but PyTorch was build without libuv support"); the classic
    # store serves every torch, and 1.13 ignores the parameter. USE_LIBUV=1 asks for libuv anyway.
    use_libuv = os.environ.get("USE_LIBUV", "0")
    return f"tcp://{address}:{port}?use_libuv={use_libuv}"


def _finalize():
    global _runtime
    if dist.is_initialized():
        # Every rank's last torch.distributed call done first: a rank that tears down its gloo
        # connections while a peer still finishes one on them left that peer hanging in
        # destroy_process_group (torch 2.6, 2 of 12 runs of a 3-rank job), and the others in
        # the MPI teardown below waiting for it.
        if _runtime is not None:
            _runtime.comm.allgather(0.0)
        dist.destroy_process_group()
    _runtime = None  # the communicator's MPI objects go before MPI_Finalize
    _native.finalize_mpi()


def init_process_group(cards=None, backend="gloo"):
    """Initialises MPI (unless someone has), binds this rank to its share of the job's blocks and
    sets up torch.distributed (`backend`, for DDP's parameter broadcast). Returns the rank's
    device: torch.device('cuda', K) where its share is a CUDA card, the CPU otherwise.

    cards: outside Slurm, the node's card list (tflops-train's --cards form, e.g.
    'gpu:cpu0::0-5=host,gpu:cpu1::6-7=host'), shared among the node's ranks; under Slurm, None.
    """
    global _runtime
    if _runtime is not None:
        return _runtime.device
    _check_allocation_given(cards)
    if _native.init_mpi():
        atexit.register(_finalize)
    comm = _native.Communicator()
    _check_launcher(comm.size)
    binding = _native.RankBinding(cards or "")
    device = device_for(binding.allocation)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    else:
        threads = host_threads(binding.allocation)
        if threads:
            torch.set_num_threads(threads)
    if not dist.is_initialized():
        dist.init_process_group(backend, init_method=_rendezvous(comm, binding.local_size == comm.size),
                                rank=comm.rank, world_size=comm.size,
                                timeout=datetime.timedelta(seconds=comm.timeout))
    _abort_on_uncaught_exception(comm.rank, comm.size)
    # Suspension follows the job's allocation; an explicit card list has none to follow.
    suspend_point = None if cards else _native.SuspendPoint()
    _runtime = _Runtime(comm, binding, device, suspend_point)
    return device


def device():
    """The device init_process_group() bound this rank to."""
    return runtime().device


def allocation():
    """This rank's share of the job's blocks (cards, blocks, backend devices)."""
    return runtime().binding.allocation
