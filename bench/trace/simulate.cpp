// SPDX-License-Identifier: GPL-2.0-or-later
#include "simulate.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <tuple>

namespace tflops::trace {

std::vector<Shape> typical_shapes(const Cluster& cluster, const std::vector<TaskSpec>& tasks,
                                  double coverage) {
  using Key = std::tuple<std::int64_t, std::int64_t, std::uint32_t, std::uint32_t, std::uint64_t>;
  std::map<Key, std::uint64_t> counts;
  std::uint64_t gpu_tasks = 0;
  for (const TaskSpec& task : tasks) {
    if (task.num_gpu == 0) continue;
    Demand d = demand_of(cluster, task);
    ++counts[Key{d.cpu_milli, d.memory_mib, d.num_gpu, d.gpu_milli, d.models}];
    ++gpu_tasks;
  }
  std::vector<std::pair<std::uint64_t, Key>> by_count;
  for (const auto& [key, count] : counts) by_count.push_back({count, key});
  std::stable_sort(by_count.begin(), by_count.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<Shape> shapes;
  std::uint64_t covered = 0;
  for (const auto& [count, key] : by_count) {
    if (static_cast<double>(covered) >= coverage * static_cast<double>(gpu_tasks)) break;
    const auto& [cpu, memory, cards, milli, models] = key;
    shapes.push_back(Shape{
        Demand{
            .cpu_milli = cpu, .memory_mib = memory, .num_gpu = cards, .gpu_milli = milli, .models = models},
        static_cast<double>(count)});
    covered += count;
  }
  for (Shape& shape : shapes) shape.weight /= static_cast<double>(covered);
  return shapes;
}

double cpu_per_gpu_milli(const std::vector<TaskSpec>& tasks) {
  double cpu = 0, gpu = 0;
  for (const TaskSpec& task : tasks) {
    if (task.num_gpu == 0) continue;
    cpu += static_cast<double>(task.cpu_milli);
    gpu += static_cast<double>(task.gpu_demand_milli());
  }
  return gpu > 0 ? cpu / gpu : 0.0;
}

ReplayResult replay(Policy& policy, const std::vector<Demand>& demands,
                    const std::vector<std::uint32_t>& sequence, std::int64_t capacity_milli,
                    const std::vector<Shape>& typical, std::uint64_t tie_seed,
                    const std::function<void(double)>& progress) {
  const auto start = std::chrono::steady_clock::now();
  ReplayResult result;
  Rng rng(tie_seed);
  const double capacity = static_cast<double>(capacity_milli);
  const double units = static_cast<double>(policy.capacity_units());
  double arrived = 0, placed = 0;
  double sum_placed_130 = 0, sum_allocated_130 = 0;
  std::uint64_t points_130 = 0, runs = 0, gpu_tasks_placed = 0;
  bool fragmentation_taken = false;
  const std::size_t progress_every = std::max<std::size_t>(1, sequence.size() / 100);
  if (!demands.empty()) {
    auto cpu = std::min_element(demands.begin(), demands.end(),
                                [](const Demand& a, const Demand& b) { return a.cpu_milli < b.cpu_milli; });
    auto memory = std::min_element(demands.begin(), demands.end(), [](const Demand& a, const Demand& b) {
      return a.memory_mib < b.memory_mib;
    });
    policy.set_smallest_request(cpu->cpu_milli, memory->memory_mib);
  }

  for (std::uint32_t id = 0; id < sequence.size(); ++id) {
    const Demand& task = demands[sequence[id]];
    const auto request = static_cast<double>(task.gpu_demand_milli());
    arrived += request;
    Outcome outcome = policy.place(task, id, rng);
    if (outcome.placed) {
      placed += request;
      if (task.num_gpu > 0) {
        runs += outcome.runs;
        ++gpu_tasks_placed;
      }
      result.migrations += outcome.moves;
      result.blocks_moved += outcome.blocks_moved;
      for (std::uint32_t victim : outcome.preempted) {
        const auto lost = static_cast<double>(demands[sequence[victim]].gpu_demand_milli());
        placed -= lost;
        result.preempted_demand_pct += lost / capacity * 100.0;
        ++result.preempted;
      }
    } else {
      const auto cause = static_cast<std::size_t>(outcome.cause);
      ++result.failed[cause];
      result.failed_demand_pct[cause] += request / capacity * 100.0;
    }

    const double arrived_pct = arrived / capacity * 100.0;
    const double placed_pct = placed / capacity * 100.0;
    const double allocated_pct = static_cast<double>(policy.allocated_units()) / units * 100.0;
    if (std::lround(arrived_pct) == 130) {
      sum_placed_130 += placed_pct;
      sum_allocated_130 += allocated_pct;
      ++points_130;
    }
    const int whole = static_cast<int>(std::floor(arrived_pct));
    if (result.curve.empty() || whole > result.curve.back().arrived_pct) {
      result.curve.push_back({whole, placed_pct, allocated_pct});
    }
    if (!fragmentation_taken && arrived_pct >= 90.0) {
      result.fragmented_pct_at_90 = policy.fragmented_units(typical) / units * 100.0;
      fragmentation_taken = true;
    }
    result.placed_pct_end = placed_pct;
    result.allocated_pct_end = allocated_pct;
    if (progress && id % progress_every == 0) progress(static_cast<double>(id) / sequence.size());
  }

  result.tasks = sequence.size();
  result.placed_pct_at_130 = points_130 ? sum_placed_130 / points_130 : result.placed_pct_end;
  result.allocated_pct_at_130 = points_130 ? sum_allocated_130 / points_130 : result.allocated_pct_end;
  result.runs_per_gpu_task = gpu_tasks_placed ? static_cast<double>(runs) / gpu_tasks_placed : 0.0;
  result.rounding_loss_pct = policy.rounding_loss_units() / units * 100.0;
  Stranded stranded = policy.stranded_units(typical);
  result.stranded_pct = Stranded{stranded.usable / units * 100.0, stranded.cpu_short / units * 100.0,
                                 stranded.memory_short / units * 100.0, stranded.too_small / units * 100.0};
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (progress) progress(1.0);
  return result;
}

}  // namespace tflops::trace
