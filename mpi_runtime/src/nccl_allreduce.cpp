// SPDX-License-Identifier: GPL-2.0-or-later
#include <cuda_runtime.h>
#include <nccl.h>

#include <stdexcept>
#include <string>

#include "tflops/mpi/nccl_allreduce.h"

namespace tflops::mpi {

namespace {

void check_nccl(ncclResult_t result, const char* what) {
  if (result != ncclSuccess) {
    throw std::runtime_error(std::string(what) + " failed: " + ncclGetErrorString(result));
  }
}

void check_cuda(cudaError_t error, const char* what) {
  if (error != cudaSuccess) {
    throw std::runtime_error(std::string(what) + " failed: " + cudaGetErrorString(error));
  }
}

ncclDataType_t nccl_type(DType type) {
  switch (type) {
    case DType::f32: return ncclFloat32;
    case DType::f64: return ncclFloat64;
    case DType::f16: return ncclFloat16;
    case DType::bf16: return ncclBfloat16;
  }
  return ncclFloat32;
}

}  // namespace

struct NcclComm::State {
  ncclComm_t comm = nullptr;
  cudaStream_t stream = nullptr;
  int device = 0;
};

bool nccl_compiled() { return true; }

bool nccl_usable() {
  int devices = 0;
  return cudaGetDeviceCount(&devices) == cudaSuccess && devices > 0;
}

NcclComm::NcclComm(Communicator& comm, int cuda_device) : state_(std::make_unique<State>()) {
  state_->device = cuda_device;
  check_cuda(cudaSetDevice(cuda_device), "cudaSetDevice");
  ncclUniqueId id{};
  if (comm.rank() == 0) check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
  check_mpi(MPI_Bcast(&id, sizeof id, MPI_BYTE, 0, comm.get()), "MPI_Bcast of the ncclUniqueId");
  check_nccl(ncclCommInitRank(&state_->comm, comm.size(), id, comm.rank()), "ncclCommInitRank");
  check_cuda(cudaStreamCreateWithFlags(&state_->stream, cudaStreamNonBlocking), "cudaStreamCreate");
}

NcclComm::~NcclComm() {
  if (state_->stream != nullptr) cudaStreamDestroy(state_->stream);
  if (state_->comm != nullptr) ncclCommDestroy(state_->comm);
}

void NcclComm::allreduce_sum(void* data, std::size_t count, DType type, void* stream) {
  if (count == 0) return;
  cudaStream_t target = stream != nullptr ? static_cast<cudaStream_t>(stream) : state_->stream;
  check_cuda(cudaSetDevice(state_->device), "cudaSetDevice");
  check_nccl(ncclAllReduce(data, data, count, nccl_type(type), ncclSum, state_->comm, target),
             "ncclAllReduce");
  check_cuda(cudaStreamSynchronize(target), "cudaStreamSynchronize after ncclAllReduce");
}

}  // namespace tflops::mpi
