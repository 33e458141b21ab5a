// SPDX-License-Identifier: GPL-2.0-or-later
// The evaluation as a whole: the policies compared in one run, each replayed over the same seeded
// task sequences, averaged over seeds, and written as CSV.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "block_policy.h"
#include "card_policy.h"
#include "simulate.h"

namespace tflops::trace {

struct PolicyDef {
  std::string name;
  std::string family;  // "cards" or "blocks": which unit its allocation is in
  std::function<std::unique_ptr<Policy>(const Cluster&)> make;
};

// The comparison of issue 6: whole cards, shares (FGD's Best-Fit), blocks without and with
// migration, with preemption, and the block variants that show what rounding and the node
// choice cost (the pool's own first-fit order, CPU-aware, `small_block` TFLOPS per block).
std::vector<PolicyDef> standard_policies(double block_tflops, double small_block_tflops,
                                         double cpu_per_gpu_milli);

// The smallest of 1/2, 1/4, 1/5, 1/8, 1/10, ... TFLOPS per block that keeps every node within
// Slurm's 1024 blocks; `block_tflops` itself when nothing smaller fits.
double smallest_block_tflops(const Cluster& cluster, double block_tflops);

struct PolicySummary {
  std::string name;
  std::string family;
  std::vector<ReplayResult> seeds;
  ReplayResult mean;  // every figure averaged over the seeds (curve: per arrived %)
  double placed_min = 0, placed_max = 0;
};

ReplayResult average(const std::vector<ReplayResult>& seeds);

struct EvaluationInput {
  const Cluster* cluster = nullptr;
  const std::vector<TaskSpec>* tasks = nullptr;
  std::uint64_t first_seed = kFgdFirstSeed;
  int seeds = kFgdSeeds;
  double arrival_ratio = kFgdArrivalRatio;
};

// Replays every policy on every seed. `progress(policy index, seed index, fraction)`.
std::vector<PolicySummary> evaluate(const EvaluationInput& input, const std::vector<PolicyDef>& policies,
                                    const std::function<void(std::size_t, int, double)>& progress = {});

void write_summary_csv(std::ostream& out, const std::vector<PolicySummary>& summaries);
void write_curves_csv(std::ostream& out, const std::vector<PolicySummary>& summaries);
void write_seeds_csv(std::ostream& out, const std::vector<PolicySummary>& summaries);
// A markdown table of the headline figures.
void write_summary_table(std::ostream& out, const std::vector<PolicySummary>& summaries);

}  // namespace tflops::trace
