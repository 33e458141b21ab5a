// SPDX-License-Identifier: GPL-2.0-or-later
// Built without CUDA/NCCL: the NCCL path reports itself absent.
#include <stdexcept>

#include "tflops/mpi/nccl_allreduce.h"

namespace tflops::mpi {

struct NcclComm::State {};

bool nccl_compiled() { return false; }
bool nccl_usable() { return false; }

NcclComm::NcclComm(Communicator&, int) {
  throw std::runtime_error(
      "tflops_mpi was built without NCCL (CUDA toolkit and libnccl not found at build time)");
}
NcclComm::~NcclComm() = default;

void NcclComm::allreduce_sum(void*, std::size_t, DType, void*) {}

}  // namespace tflops::mpi
