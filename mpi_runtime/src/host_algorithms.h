// The host all-reduce algorithms behind allreduce_sum (allreduce.h describes them).
#pragma once

#include <cstddef>

#include "tflops/mpi/allreduce.h"

namespace tflops::mpi::detail {

void ring_allreduce(Communicator& comm, std::byte* data, std::size_t count, DType type,
                    const Tuning& tuning);
void recursive_doubling_allreduce(Communicator& comm, std::byte* data, std::size_t count,
                                  DType type, const Tuning& tuning);

}  // namespace tflops::mpi::detail
