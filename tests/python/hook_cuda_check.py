# SPDX-License-Identifier: GPL-2.0-or-later
"""Under mpirun, one rank per GPU: the communication hook on CUDA buckets.

  hook_cuda_check.py CARDS

With a CUDA torch: each rank's bucket lives on its GPU; the hook must leave sum_i w_i * bucket_i
there, for every floating type. The plan must be NCCL where every rank can run it (NCCL built,
a GPU per rank) and there is more than one rank, and the host all-reduce otherwise; forced,
NCCL runs on one rank too. With a torch built without CUDA (Debian's), the native module's CUDA
path is checked alone on device memory from libcudart: its plan, and NCCL's sum at a data_ptr.
Exits 77 (skipped) where no GPU is seen. Prints one "ok - ..." line per check on rank 0.
"""

import ctypes
import ctypes.util
import sys

import torch
import torch.distributed as dist

import tflops.torch
from tflops import _native
from tflops.torch.comm_hook import allreduce_weighted
from tflops.torch.process_group import runtime

SKIP = 77
COUNT = 1000
TOLERANCE = {torch.float32: 1e-6, torch.float64: 1e-14, torch.float16: 4e-3, torch.bfloat16: 1.6e-2}


class State:
    def __init__(self, weight):
        self.gradient_weight = weight


class Bucket:
    def __init__(self, tensor):
        self.tensor = tensor

    def buffer(self):
        return self.tensor


def values(rank):
    return torch.linspace(-3, 3, COUNT, dtype=torch.float64) * (rank + 1) + rank


def weight(rank, size):
    return (rank + 1) / (size * (size + 1) / 2)  # unequal, summing to 1


def expected_algorithm(size):
    if size == 1:
        return "none"
    return "nccl" if _native.nccl_usable() else None  # None: a host algorithm


def check_plan(got, size, what):
    want = expected_algorithm(size)
    if (want is None and got in ("nccl", "none")) or (want is not None and got != want):
        sys.exit(f"FAIL - {what}: the plan chose {got}, not {want or 'a host algorithm'}")


def report(rank, line):
    if rank == 0:
        print("ok - " + line, flush=True)


def with_cuda_torch(rank, size):
    device = torch.device("cuda", rank % torch.cuda.device_count())
    torch.cuda.set_device(device)
    want = sum(weight(r, size) * values(r) for r in range(size))
    forced = ["automatic"] + (["nccl"] if _native.nccl_usable() else [])
    for algorithm in forced:
        for dtype, tolerance in TOLERANCE.items():
            bucket = values(rank).to(dtype).to(device)
            if algorithm == "automatic":
                tflops.torch.weighted_allreduce_hook(State(weight(rank, size)), Bucket(bucket))
                chosen = runtime().comm.plan(COUNT, str(dtype).split(".")[1], "cuda").algorithm
                check_plan(chosen, size, f"{dtype}")
            else:
                chosen = allreduce_weighted(bucket, weight(rank, size), algorithm)
            if bucket.device != device:
                sys.exit(f"FAIL - {dtype}: the sum left the GPU for {bucket.device}")
            worst = ((bucket.cpu().to(torch.float64) - want).abs() / want.abs().clamp_min(1.0)).max().item()
            if worst > tolerance:
                sys.exit(f"FAIL - rank {rank}, {dtype}, {algorithm}: largest relative error {worst:.2e}")
            report(rank, f"{dtype} bucket on {device} ({algorithm}: {chosen}) on {size} ranks: "
                         f"largest relative error {worst:.2e}")


def cudart():
    for name in (ctypes.util.find_library("cudart"), "libcudart.so", "/usr/local/cuda/lib64/libcudart.so"):
        try:
            return ctypes.CDLL(name) if name else None
        except OSError:
            continue
    return None


def with_cudart(rank, size, runtime_library):
    """Debian's torch has no CUDA: device memory from libcudart, the module's CUDA path alone."""
    chosen = runtime().comm.plan(COUNT, "float32", "cuda").algorithm
    check_plan(chosen, size, "float32 on cuda")
    report(rank, f"a CUDA bucket's plan on {size} ranks: {chosen}")
    if not _native.nccl_usable():
        report(rank, "NCCL is not built: CUDA buckets go through host memory (needs a CUDA torch to run)")
        return
    devices = ctypes.c_int(0)
    runtime_library.cudaGetDeviceCount(ctypes.byref(devices))
    device = rank % devices.value
    runtime_library.cudaSetDevice(device)
    mine = (values(rank) * weight(rank, size)).to(torch.float32).numpy()
    pointer = ctypes.c_void_p()
    if runtime_library.cudaMalloc(ctypes.byref(pointer), mine.nbytes) != 0:
        sys.exit("FAIL - cudaMalloc")
    to_device, to_host = 1, 2  # cudaMemcpyHostToDevice, cudaMemcpyDeviceToHost
    runtime_library.cudaMemcpy(pointer, mine.ctypes.data_as(ctypes.c_void_p), ctypes.c_size_t(mine.nbytes), to_device)
    runtime().comm.nccl_allreduce(pointer.value, COUNT, "float32", device, 0)
    got = mine.copy()
    runtime_library.cudaMemcpy(got.ctypes.data_as(ctypes.c_void_p), pointer, ctypes.c_size_t(mine.nbytes), to_host)
    runtime_library.cudaFree(pointer)
    want = sum(weight(r, size) * values(r) for r in range(size))
    worst = ((torch.from_numpy(got).to(torch.float64) - want).abs() / want.abs().clamp_min(1.0)).max().item()
    if worst > TOLERANCE[torch.float32]:
        sys.exit(f"FAIL - rank {rank}: NCCL's sum at a data_ptr is off by {worst:.2e}")
    report(rank, f"NCCL's float32 sum at a data_ptr on GPU {device}, {size} ranks: largest relative error {worst:.2e}")


def gpus_seen(runtime_library):
    if torch.cuda.is_available():
        return torch.cuda.device_count()
    devices = ctypes.c_int(0)
    if runtime_library is None or runtime_library.cudaGetDeviceCount(ctypes.byref(devices)) != 0:
        return 0
    return devices.value


def main(cards):
    runtime_library = None if torch.cuda.is_available() else cudart()
    if gpus_seen(runtime_library) == 0:
        print("skipped: no GPU seen (torch.cuda and libcudart)")
        return SKIP
    tflops.torch.init_process_group(cards=cards)
    rank, size = dist.get_rank(), dist.get_world_size()
    if torch.cuda.is_available():
        with_cuda_torch(rank, size)
    else:
        with_cudart(rank, size, runtime_library)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: hook_cuda_check.py CARD_LIST")
    sys.exit(main(sys.argv[1]))
