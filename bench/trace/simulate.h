// SPDX-License-Identifier: GPL-2.0-or-later
// One replay of one policy, and what it measures against arrived GPU demand.
//
// After every task, FGD's figures: arrived = the cumulative GPU request (num_gpu x gpu_milli) of
// every task tried so far, placed = the GPU request of the tasks holding capacity now, both in %
// of the cluster's GPU-milli; allocated = the policy's own units in use, in % of its capacity.
// The headline figures are the means over the points whose arrived % rounds to 130.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "policy.h"

namespace tflops::trace {

// FGD's typical tasks: the most frequent GPU task shapes (CPU, cards, thousandths, models) that
// together cover `coverage` of the GPU tasks, weighted by their frequency.
std::vector<Shape> typical_shapes(const Cluster& cluster, const std::vector<TaskSpec>& tasks,
                                  double coverage = 0.95);

// CPU per GPU-milli over the GPU tasks: what cpu_aware keeps for each milli left on a node.
double cpu_per_gpu_milli(const std::vector<TaskSpec>& tasks);

struct CurvePoint {
  int arrived_pct = 0;  // the first point at or past this whole percentage
  double placed_pct = 0;
  double allocated_pct = 0;
};

struct ReplayResult {
  std::uint64_t tasks = 0;
  double placed_pct_at_130 = 0;     // GPU demand placed, FGD's allocation figure
  double allocated_pct_at_130 = 0;  // the policy's own units
  double placed_pct_end = 0;
  double allocated_pct_end = 0;
  double fragmented_pct_at_90 = 0;                      // of the policy's capacity, at 90% arrived
  std::array<std::uint64_t, kFailCauses> failed{};      // tasks, by cause
  std::array<double, kFailCauses> failed_demand_pct{};  // their GPU request, % of capacity
  double runs_per_gpu_task = 0;                         // contiguous pieces per placed GPU task
  std::uint64_t migrations = 0;                         // tasks moved
  std::uint64_t blocks_moved = 0;
  std::uint64_t preempted = 0;
  double preempted_demand_pct = 0;
  double rounding_loss_pct = 0;  // at the end, % of the policy's capacity
  Stranded stranded_pct;         // free capacity at the end by cause, % of capacity
  std::vector<CurvePoint> curve;
  double seconds = 0;
};

// Replays `sequence` (indices into `demands`) on `policy`. `progress` (may be empty) is called
// with the fraction done now and then.
ReplayResult replay(Policy& policy, const std::vector<Demand>& demands,
                    const std::vector<std::uint32_t>& sequence, std::int64_t capacity_milli,
                    const std::vector<Shape>& typical, std::uint64_t tie_seed,
                    const std::function<void(double)>& progress = {});

}  // namespace tflops::trace
