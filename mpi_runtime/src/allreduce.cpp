// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/mpi/allreduce.h"

#include <stdexcept>
#include <string>

#include "host_algorithms.h"
#include "node_window.h"

namespace tflops::mpi {

AllreduceRequest host_request(Communicator& comm, const void* data, std::size_t bytes, Algorithm algorithm) {
  // Collective the first time: learns whether the ranks share a node, which only the automatic
  // choice and shared memory ask. A forced ring or recursive doubling makes no shared memory.
  if (algorithm == Algorithm::automatic || algorithm == Algorithm::shared_memory) comm.node_buffer(0);
  const detail::NodeWindow* window = comm.node_window();
  AllreduceRequest request;
  request.bytes = bytes;
  request.ranks = comm.size();
  request.memory = Memory::host;
  request.on_one_node = window != nullptr;
  request.in_node_buffer = window != nullptr && window->holds(static_cast<const std::byte*>(data), bytes);
  request.algorithm = algorithm;
  return request;
}

void allreduce_sum(Communicator& comm, void* data, std::size_t count, DType type, Algorithm algorithm,
                   const Tuning& tuning) {
  if (count == 0 || comm.size() == 1) return;
  const std::size_t bytes = count * dtype_size(type);
  allreduce_sum(comm, data, count, type,
                choose_allreduce(host_request(comm, data, bytes, algorithm), tuning));
}

void allreduce_sum(Communicator& comm, void* data, std::size_t count, DType type, const AllreducePlan& plan) {
  auto* bytes = static_cast<std::byte*>(data);
  switch (plan.algorithm) {
    case Algorithm::none: return;
    case Algorithm::shared_memory: detail::shared_memory_allreduce(comm, bytes, count, type, plan); return;
    case Algorithm::ring: detail::ring_allreduce(comm, bytes, count, type, plan); return;
    case Algorithm::recursive_doubling:
      detail::recursive_doubling_allreduce(comm, bytes, count, type, plan);
      return;
    default:
      throw std::invalid_argument("allreduce_sum sums host memory; a plan for " +
                                  std::string(algorithm_name(plan.algorithm)) + " is not one");
  }
}

}  // namespace tflops::mpi
