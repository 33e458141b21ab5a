// SPDX-License-Identifier: GPL-2.0-or-later
#include "replay.h"

#include <algorithm>
#include <numeric>

namespace tflops::trace {

std::uint64_t Rng::below(std::uint64_t bound) {
  // Rejection keeps every value equally likely: draw again when in the short last stretch.
  const std::uint64_t limit = engine_.max() - (engine_.max() - bound + 1) % bound;
  std::uint64_t draw = engine_();
  while (draw > limit) draw = engine_();
  return draw % bound;
}

std::vector<std::uint32_t> replay_sequence(const std::vector<TaskSpec>& tasks, std::int64_t capacity_milli,
                                           std::uint64_t seed, double arrival_ratio) {
  std::vector<std::uint32_t> pool(tasks.size());
  std::iota(pool.begin(), pool.end(), 0u);
  std::stable_sort(pool.begin(), pool.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return tasks[a].name < tasks[b].name; });
  const bool any_gpu = std::any_of(tasks.begin(), tasks.end(),
                                   [](const TaskSpec& t) { return t.gpu_demand_milli() > 0; });
  if (!any_gpu || capacity_milli <= 0) return {};

  Rng rng(seed);
  for (std::size_t i = pool.size(); i > 1; --i) std::swap(pool[i - 1], pool[rng.below(i)]);

  const double limit = arrival_ratio * static_cast<double>(capacity_milli);
  std::vector<std::uint32_t> sequence;
  double arrived = 0;
  while (true) {
    std::uint32_t next = pool[rng.below(pool.size())];
    double after = arrived + static_cast<double>(tasks[next].gpu_demand_milli());
    if (after > limit) return sequence;
    arrived = after;
    sequence.push_back(next);
  }
}

}  // namespace tflops::trace
