// SPDX-License-Identifier: GPL-2.0-or-later
// The all-reduce for ranks whose every slice is a CUDA device: NCCL's own ring/tree on device
// memory, bootstrapped over MPI (rank 0 makes the ncclUniqueId, MPI_Bcast, ncclCommInitRank).
// Built when CUDA and libnccl are found (TFLOPS_MPI_NCCL); usable when a GPU is present.
#pragma once

#include <cstddef>
#include <memory>

#include "tflops/mpi/communicator.h"
#include "tflops/mpi/dtype.h"

namespace tflops::mpi {

bool nccl_compiled();
// Compiled and this process sees at least one CUDA device.
bool nccl_usable();

class NcclComm {
 public:
  // Collective over `comm`: every rank passes its own CUDA device index. Throws
  // std::runtime_error when NCCL is not compiled in or fails (naming the NCCL error).
  NcclComm(Communicator& comm, int cuda_device);
  ~NcclComm();
  NcclComm(const NcclComm&) = delete;
  NcclComm& operator=(const NcclComm&) = delete;

  // Sums `count` elements at device pointer `data` over all ranks, in place, on `stream` (a
  // cudaStream_t; nullptr = this communicator's own stream), and waits for the result.
  void allreduce_sum(void* data, std::size_t count, DType type, void* stream = nullptr);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tflops::mpi
