// Hierarchical all-reduce of gradients on a virtual card (collectives-and-devices.md):
//  1. reduce across the card's slices: each gradient is `partial` (one addend per slice);
//     copy_to_host sums the addends into one host buffer, all gradients packed back to back
//     (a fusion buffer, as Horovod does: one ring for the whole model, not one per tensor);
//  2. all-reduce of that host buffer across ranks (allreduce.h), whose slices may be on
//     different backends: only host memory crosses ranks. The fusion buffer is the
//     communicator's node buffer, so ranks on one node sum through shared memory, and ranks
//     across nodes take the ring;
//  3. broadcast back: copy_from_host into a replicated buffer writes every slice.
// Extra host values (a step's loss, its count of correct answers) can ride along in the same
// fusion buffer, so they cost no extra latency.
#pragma once

#include <span>
#include <vector>

#include "tflops/hal/buffer.h"
#include "tflops/mpi/allreduce.h"

namespace tflops::mpi {

class GradientReducer {
 public:
  explicit GradientReducer(Communicator& comm, Tuning tuning = tuning_from_environment());

  // sums[i] = sum over ranks and slices of partials[i]; sums[i] must be replicated and the same
  // shape. `extras` are summed over ranks in place.
  void allreduce(std::span<const hal::Buffer* const> partials, std::span<hal::Buffer* const> sums,
                 std::span<float> extras = {});

 private:
  Communicator& comm_;
  Tuning tuning_;
};

}  // namespace tflops::mpi
