// SPDX-License-Identifier: GPL-2.0-or-later
// The host all-reduce algorithms behind allreduce_sum (allreduce.h describes them).
#pragma once

#include <algorithm>
#include <cstddef>

#include "tflops/mpi/allreduce_plan.h"
#include "tflops/mpi/communicator.h"
#include "tflops/mpi/dtype.h"

namespace tflops::mpi::detail {

// `count` elements cut into one segment per rank, sizes differing by at most one element (some
// empty when count < ranks): the ring's and the shared-memory algorithm's unit of ownership.
struct Segments {
  std::size_t count;
  int ranks;
  std::size_t size(int segment) const {
    return count / ranks + (static_cast<std::size_t>(segment) < count % ranks ? 1 : 0);
  }
  std::size_t begin(int segment) const {
    return static_cast<std::size_t>(segment) * (count / ranks) +
           std::min<std::size_t>(segment, count % ranks);
  }
};

// Each follows its part of `plan` (allreduce_plan.h), which every rank made alike.
void ring_allreduce(Communicator& comm, std::byte* data, std::size_t count, DType type,
                    const AllreducePlan& plan);
void recursive_doubling_allreduce(Communicator& comm, std::byte* data, std::size_t count, DType type,
                                  const AllreducePlan& plan);
// Every rank of comm on this node, which choose_allreduce checked. plan.streaming: a caller's own
// memory is staged with streaming copies (streaming_copy.h).
void shared_memory_allreduce(Communicator& comm, std::byte* data, std::size_t count, DType type,
                             const AllreducePlan& plan);

}  // namespace tflops::mpi::detail
