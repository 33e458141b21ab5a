// The host all-reduce algorithms behind allreduce_sum (allreduce.h describes them).
#pragma once

#include <cstddef>

#include "tflops/mpi/allreduce.h"

namespace tflops::mpi::detail {

void ring_allreduce(Communicator& comm, std::byte* data, std::size_t count, DType type,
                    const Tuning& tuning);
void recursive_doubling_allreduce(Communicator& comm, std::byte* data, std::size_t count,
                                  DType type, const Tuning& tuning);
// `data` must lie in comm's node buffer (std::invalid_argument otherwise).
void shared_memory_allreduce(Communicator& comm, std::byte* data, std::size_t count, DType type);

}  // namespace tflops::mpi::detail
