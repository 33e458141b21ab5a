// SPDX-License-Identifier: GPL-2.0-or-later
// Hierarchical all-reduce of gradients on a virtual card (doc/collectives.md):
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
//
// Pipelined when choose_allreduce (allreduce_plan.h) says so (Tuning::pipeline; by default when a
// slice's device has memory of its own): the fusion buffer is cut into pieces of
// AllreducePlan::pipeline_bytes, and the three stages run at once
// on different pieces: a reader thread copies piece k+1 off the card while this thread
// all-reduces piece k and a writer thread copies piece k-1 back, so the device copies hide
// behind the transfers. The ranks decide together (pipelined when any rank's card asks for it),
// so that all cut the same pieces, as the all-reduce requires. Otherwise, or for one piece, the
// stages run one after the other on the whole buffer.
#pragma once

#include <functional>
#include <mutex>
#include <span>
#include <vector>

#include "tflops/hal/buffer.h"
#include "tflops/mpi/allreduce.h"

namespace tflops::mpi {

class GradientReducer {
 public:
  // Reduces gradients that live on `card`.
  GradientReducer(Communicator& comm, const hal::VirtualCard& card,
                  Tuning tuning = tuning_from_environment());

  // sums[i] = sum over ranks and slices of partials[i]; sums[i] must be replicated and the same
  // shape. `extras` are summed over ranks in place.
  void allreduce(std::span<const hal::Buffer* const> partials, std::span<hal::Buffer* const> sums,
                 std::span<float> extras = {});

  // Runs `body` while no copy of this reducer touches the card. A trainer suspends its card
  // through here from the communicator's idle hook, which runs while a pipelined all-reduce
  // waits on its peers and its reader or writer may be using the card.
  void with_card_idle(const std::function<void()>& body);

 private:
  // choose_allreduce's plan for `bytes` of gradients on the card; collective (the ranks agree
  // on the pipeline).
  AllreducePlan plan(std::size_t bytes);

  Communicator& comm_;
  const hal::VirtualCard& card_;
  Tuning tuning_;
  std::mutex card_use_;  // held by the reader and writer around each piece's copies
};

}  // namespace tflops::mpi
