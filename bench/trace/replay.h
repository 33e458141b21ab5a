// SPDX-License-Identifier: GPL-2.0-or-later
// The task sequence FGD's simulator replays (Weng et al., ATC'23): the tasks sorted by name and
// shuffled with the seed, then drawn with replacement and appended until the next draw would push
// the arrived GPU request past `arrival_ratio` x the cluster's GPU-milli. Tasks never depart.
//
// The random numbers are our own (mt19937_64 with a portable bounded draw), so a seed gives the
// same sequence with any compiler and standard library; they are not Go's, so a seed does not
// give FGD's exact sequence, only one from the same distribution.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "trace_csv.h"

namespace tflops::trace {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}
  // Uniform in [0, bound), bound > 0, without modulo bias.
  std::uint64_t below(std::uint64_t bound);

 private:
  std::mt19937_64 engine_;
};

inline constexpr double kFgdArrivalRatio = 1.3;
inline constexpr std::uint64_t kFgdFirstSeed = 42;
inline constexpr int kFgdSeeds = 10;

// Indices into `tasks`, in the order they arrive. Tasks without GPU request are drawn like the
// others (they add nothing to the arrived GPU request). Empty when no task asks for a GPU.
std::vector<std::uint32_t> replay_sequence(const std::vector<TaskSpec>& tasks, std::int64_t capacity_milli,
                                           std::uint64_t seed, double arrival_ratio = kFgdArrivalRatio);

}  // namespace tflops::trace
