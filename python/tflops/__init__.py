# SPDX-License-Identifier: GPL-2.0-or-later
"""tflops for Python: the MPI runtime of tflops (rank binding to a share of the job's TFLOPS
blocks, proportional batch shares, the host all-reduce, suspension under Slurm preemption).

tflops.torch brings it to PyTorch's DistributedDataParallel.
"""

try:
    from tflops import _native
except ImportError as error:  # built without MPI or pybind11, or libmpi missing at run time
    raise ImportError(
        f"tflops: the native module tflops._native does not load ({error}); it needs Open MPI "
        "(apt install openmpi-bin libopenmpi-dev) and is built by tflops' CMake with pybind11 "
        "(python3-pybind11 pybind11-dev) for Debian's /usr/bin/python3") from error

TflopsError = _native.TflopsError
RankFailure = _native.RankFailure

__all__ = ["TflopsError", "RankFailure"]
