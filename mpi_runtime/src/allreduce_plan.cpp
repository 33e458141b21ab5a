// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/mpi/allreduce_plan.h"

#include <bit>
#include <climits>
#include <stdexcept>
#include <string>

namespace tflops::mpi {

namespace {

// Rule 3 (allreduce_plan.h): the host algorithm and its sizes.
AllreducePlan host_plan(const AllreduceRequest& request, const Tuning& tuning, bool in_node_buffer) {
  AllreducePlan plan;
  const std::size_t bytes = request.bytes;
  // One MPI message carries at most INT_MAX elements of MPI_BYTE.
  const bool one_message = bytes <= static_cast<std::size_t>(INT_MAX);
  plan.algorithm = request.algorithm;
  if (plan.algorithm == Algorithm::automatic) {
    // Recursive doubling moves the whole buffer lg p times, the ring under twice: the crossover
    // falls as lg p grows (measured: 256 KiB at 2 ranks, 64 KiB at 4).
    const std::size_t rounds = std::bit_width(static_cast<unsigned>(request.ranks - 1));
    if (request.on_one_node) plan.algorithm = Algorithm::shared_memory;
    else if (bytes <= tuning.small_bytes / (rounds * rounds) && one_message)
      plan.algorithm = Algorithm::recursive_doubling;
    else plan.algorithm = Algorithm::ring;
  }
  switch (plan.algorithm) {
    case Algorithm::shared_memory:
      if (!request.on_one_node) {
        throw std::invalid_argument(
            "the shared-memory all-reduce needs every rank of the communicator on this node; "
            "across nodes use the ring or recursive doubling");
      }
      plan.streaming = !in_node_buffer && bytes >= tuning.streaming_bytes;
      break;
    case Algorithm::recursive_doubling:
      if (!one_message) {
        throw std::invalid_argument("recursive-doubling all-reduce of " + std::to_string(bytes) +
                                    " bytes is over 2 GiB, which one MPI message cannot carry; use the ring");
      }
      plan.eager_bytes = tuning.eager_bytes;
      break;
    case Algorithm::ring:
      plan.chunk_bytes = tuning.chunk_bytes;
      plan.window = tuning.window;
      break;
    default:
      throw std::invalid_argument(std::string(algorithm_name(plan.algorithm)) +
                                  " does not sum host memory; use ring, recursive-doubling or shared-memory");
  }
  return plan;
}

}  // namespace

std::string_view algorithm_name(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::automatic: return "automatic";
    case Algorithm::ring: return "ring";
    case Algorithm::recursive_doubling: return "recursive-doubling";
    case Algorithm::shared_memory: return "shared-memory";
    case Algorithm::nccl: return "nccl";
    case Algorithm::none: return "none";
  }
  return "?";
}

std::optional<Algorithm> parse_algorithm(std::string_view name) {
  for (Algorithm algorithm : {Algorithm::automatic, Algorithm::ring, Algorithm::recursive_doubling,
                              Algorithm::shared_memory, Algorithm::nccl, Algorithm::none}) {
    if (algorithm_name(algorithm) == name) return algorithm;
  }
  return std::nullopt;
}

bool wants_pipeline(Tuning::Pipeline pipeline, bool card_has_device_memory) {
  switch (pipeline) {
    case Tuning::Pipeline::always: return true;
    case Tuning::Pipeline::never: return false;
    case Tuning::Pipeline::automatic: return card_has_device_memory;
  }
  return false;
}

AllreducePlan choose_allreduce(const AllreduceRequest& request, const Tuning& tuning) {
  const bool nothing_crosses = request.ranks < 2 || request.bytes == 0;  // rule 1
  if (request.memory == Memory::cuda) {
    const bool nccl_runs = request.every_rank_cuda && request.nccl_on_every_rank;
    if (request.algorithm == Algorithm::nccl && !nccl_runs) {
      throw std::invalid_argument(
          "the NCCL all-reduce needs every rank's data on a CUDA device and NCCL usable on every rank "
          "(built with CUDA and NCCL, a GPU seen); leave the algorithm automatic to stage through host memory");
    }
    AllreducePlan plan;
    if (nothing_crosses) return plan;
    if (request.algorithm == Algorithm::nccl || (request.algorithm == Algorithm::automatic && nccl_runs)) {
      plan.algorithm = Algorithm::nccl;
      return plan;
    }
    plan = host_plan(request, tuning, true);
    plan.staged_through_host = true;
    return plan;
  }
  if (request.memory == Memory::card) {
    if (request.algorithm == Algorithm::nccl) {
      throw std::invalid_argument(
          "a virtual card's gradients are summed across its slices on the host first: NCCL cannot take "
          "them; use ring, recursive-doubling or shared-memory");
    }
    AllreducePlan plan;
    if (!nothing_crosses) plan = host_plan(request, tuning, true);
    plan.staged_through_host = true;
    if (request.pipeline_wanted && request.bytes > tuning.pipeline_bytes)
      plan.pipeline_bytes = tuning.pipeline_bytes;
    return plan;
  }
  if (nothing_crosses) return AllreducePlan{};
  return host_plan(request, tuning, request.in_node_buffer);
}

}  // namespace tflops::mpi
