#include "tflops/mpi/card_allreduce.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace tflops::mpi {

GradientReducer::GradientReducer(Communicator& comm, Tuning tuning) : comm_(comm), tuning_(tuning) {}

void GradientReducer::allreduce(std::span<const hal::Buffer* const> partials, std::span<hal::Buffer* const> sums,
                                std::span<float> extras) {
  if (partials.size() != sums.size()) throw std::invalid_argument("GradientReducer: partials and sums differ in number");
  std::size_t total = extras.size();
  for (std::size_t i = 0; i < partials.size(); ++i) {
    if (partials[i]->size() != sums[i]->size() || sums[i]->layout() != hal::Layout::replicated) {
      throw std::invalid_argument("GradientReducer: gradient " + std::to_string(i) +
                                  " and its sum must have the same size and the sum must be replicated");
    }
    total += partials[i]->size();
  }
  // In the node buffer, so that ranks sharing a node sum it through shared memory.
  const std::span<float> fusion(reinterpret_cast<float*>(comm_.node_buffer(total * sizeof(float))), total);
  std::size_t offset = 0;
  for (const hal::Buffer* partial : partials) {  // 1. across slices, into the fusion buffer
    partial->copy_to_host(fusion.subspan(offset, partial->size()));
    offset += partial->size();
  }
  std::copy(extras.begin(), extras.end(), fusion.begin() + static_cast<std::ptrdiff_t>(offset));
  allreduce_sum(comm_, fusion.data(), fusion.size(), DType::f32, Algorithm::automatic, tuning_);  // 2.
  offset = 0;
  for (hal::Buffer* sum : sums) {  // 3. back to every slice
    sum->copy_from_host(std::span<const float>(fusion).subspan(offset, sum->size()));
    offset += sum->size();
  }
  std::copy_n(fusion.begin() + static_cast<std::ptrdiff_t>(offset), extras.size(), extras.begin());
}

}  // namespace tflops::mpi
