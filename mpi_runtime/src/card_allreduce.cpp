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
  fusion_.resize(total);
  std::size_t offset = 0;
  for (const hal::Buffer* partial : partials) {  // 1. across slices, into the fusion buffer
    partial->copy_to_host(std::span<float>(fusion_).subspan(offset, partial->size()));
    offset += partial->size();
  }
  std::copy(extras.begin(), extras.end(), fusion_.begin() + static_cast<std::ptrdiff_t>(offset));
  allreduce_sum(comm_, fusion_.data(), fusion_.size(), DType::f32, Algorithm::automatic, tuning_);  // 2.
  offset = 0;
  for (hal::Buffer* sum : sums) {  // 3. back to every slice
    sum->copy_from_host(std::span<const float>(fusion_).subspan(offset, sum->size()));
    offset += sum->size();
  }
  std::copy_n(fusion_.begin() + static_cast<std::ptrdiff_t>(offset), extras.size(), extras.begin());
}

}  // namespace tflops::mpi
