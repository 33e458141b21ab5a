// SPDX-License-Identifier: GPL-2.0-or-later
#include "evaluation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "tflops/pool/layout.h"

namespace tflops::trace {
namespace {

std::string fixed(double value, int digits = 2) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

std::string block_label(double tflops) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", tflops);
  return text;
}

}  // namespace

std::vector<PolicyDef> standard_policies(double block_tflops, double small_block_tflops, double cpu_ratio) {
  auto card = [](std::string name, bool whole) {
    return PolicyDef{name, "cards", [=](const Cluster& c) -> std::unique_ptr<Policy> {
                       return std::make_unique<CardPolicy>(name, c, NodeChoice::best_fit, whole);
                     }};
  };
  auto blocks = [=](std::string name, NodeChoice choice, BlockOptions options) {
    return PolicyDef{name, "blocks", [=](const Cluster& c) -> std::unique_ptr<Policy> {
                       auto policy = std::make_unique<BlockPolicy>(name, c, choice, options);
                       policy->set_cpu_per_gpu_milli(cpu_ratio);
                       return policy;
                     }};
  };
  const std::string b = "blocks " + block_label(block_tflops) + "T";
  const std::string small = "blocks " + block_label(small_block_tflops) + "T";
  return {
      card("whole cards (gres/gpu)", true),
      card("shares (gres/shard; Best-Fit)", false),
      blocks(b, NodeChoice::best_fit, {.block_tflops = block_tflops}),
      blocks(b + " +migration", NodeChoice::best_fit, {.block_tflops = block_tflops, .migration = true}),
      blocks(b + " +migration +preemption", NodeChoice::best_fit,
             {.block_tflops = block_tflops, .migration = true, .preemption = true}),
      blocks(b + " first-fit (pool order)", NodeChoice::first_fit, {.block_tflops = block_tflops}),
      blocks(b + " cpu-aware", NodeChoice::cpu_aware, {.block_tflops = block_tflops}),
      blocks(small, NodeChoice::best_fit, {.block_tflops = small_block_tflops}),
      blocks(small + " cpu-aware", NodeChoice::cpu_aware, {.block_tflops = small_block_tflops}),
  };
}

double smallest_block_tflops(const Cluster& cluster, double block_tflops) {
  double best = block_tflops;
  for (double divisor : {2.0, 4.0, 5.0, 8.0, 10.0, 16.0, 20.0, 32.0, 50.0, 64.0, 100.0}) {
    const double candidate = 1.0 / divisor;
    if (candidate >= best) continue;
    bool fits = true;
    for (std::size_t n = 0; n < cluster.nodes.size() && fits; ++n) {
      const double card = cluster.model_tflops[cluster.node_model[n]];
      fits = cluster.nodes[n].gpus * std::floor(card / candidate + 1e-9) <= pool::kMaxBlocksPerNode;
    }
    if (fits) best = candidate;
  }
  return best;
}

ReplayResult average(const std::vector<ReplayResult>& seeds) {
  ReplayResult mean;
  if (seeds.empty()) return mean;
  const double n = static_cast<double>(seeds.size());
  std::map<int, std::pair<CurvePoint, int>> curve;
  for (const ReplayResult& r : seeds) {
    mean.tasks += r.tasks;
    mean.placed_pct_at_130 += r.placed_pct_at_130 / n;
    mean.allocated_pct_at_130 += r.allocated_pct_at_130 / n;
    mean.placed_pct_end += r.placed_pct_end / n;
    mean.allocated_pct_end += r.allocated_pct_end / n;
    mean.fragmented_pct_at_90 += r.fragmented_pct_at_90 / n;
    for (std::size_t c = 0; c < kFailCauses; ++c) {
      mean.failed[c] += r.failed[c];
      mean.failed_demand_pct[c] += r.failed_demand_pct[c] / n;
    }
    mean.runs_per_gpu_task += r.runs_per_gpu_task / n;
    mean.migrations += r.migrations;
    mean.blocks_moved += r.blocks_moved;
    mean.preempted += r.preempted;
    mean.preempted_demand_pct += r.preempted_demand_pct / n;
    mean.rounding_loss_pct += r.rounding_loss_pct / n;
    mean.stranded_pct.usable += r.stranded_pct.usable / n;
    mean.stranded_pct.cpu_short += r.stranded_pct.cpu_short / n;
    mean.stranded_pct.memory_short += r.stranded_pct.memory_short / n;
    mean.stranded_pct.too_small += r.stranded_pct.too_small / n;
    mean.seconds += r.seconds;
    for (const CurvePoint& p : r.curve) {
      auto& [sum, count] = curve[p.arrived_pct];
      sum.placed_pct += p.placed_pct;
      sum.allocated_pct += p.allocated_pct;
      ++count;
    }
  }
  // Counts are per seed on average (totals divided by seeds, rounded).
  auto per_seed = [&](std::uint64_t total) { return static_cast<std::uint64_t>(std::llround(total / n)); };
  mean.tasks = per_seed(mean.tasks);
  for (auto& f : mean.failed) f = per_seed(f);
  mean.migrations = per_seed(mean.migrations);
  mean.blocks_moved = per_seed(mean.blocks_moved);
  mean.preempted = per_seed(mean.preempted);
  for (const auto& [arrived, entry] : curve) {
    const auto& [sum, count] = entry;
    mean.curve.push_back({arrived, sum.placed_pct / count, sum.allocated_pct / count});
  }
  return mean;
}

std::vector<PolicySummary> evaluate(const EvaluationInput& input, const std::vector<PolicyDef>& policies,
                                    const std::function<void(std::size_t, int, double)>& progress) {
  const Cluster& cluster = *input.cluster;
  std::vector<Demand> demands;
  for (const TaskSpec& task : *input.tasks) demands.push_back(demand_of(cluster, task));
  const std::vector<Shape> typical = typical_shapes(cluster, *input.tasks);
  std::vector<std::vector<std::uint32_t>> sequences;
  for (int s = 0; s < input.seeds; ++s) {
    sequences.push_back(
        replay_sequence(*input.tasks, cluster.gpu_milli, input.first_seed + s, input.arrival_ratio));
  }
  std::vector<PolicySummary> summaries;
  for (std::size_t p = 0; p < policies.size(); ++p) {
    PolicySummary summary{policies[p].name, policies[p].family, {}, {}, 0, 0};
    for (int s = 0; s < input.seeds; ++s) {
      auto policy = policies[p].make(cluster);
      // Each policy breaks ties with its own stream, the same for every policy on a seed.
      summary.seeds.push_back(replay(*policy, demands, sequences[s], cluster.gpu_milli, typical,
                                     (input.first_seed + s) * 1000003u, [&](double f) {
                                       if (progress) progress(p, s, f);
                                     }));
    }
    summary.mean = average(summary.seeds);
    auto [lo, hi] = std::minmax_element(summary.seeds.begin(), summary.seeds.end(),
                                        [](const ReplayResult& a, const ReplayResult& b) {
                                          return a.placed_pct_at_130 < b.placed_pct_at_130;
                                        });
    if (lo != summary.seeds.end())
      summary.placed_min = lo->placed_pct_at_130, summary.placed_max = hi->placed_pct_at_130;
    summaries.push_back(std::move(summary));
  }
  return summaries;
}

void write_summary_csv(std::ostream& out, const std::vector<PolicySummary>& summaries) {
  out << "policy,unit,seeds,tasks_per_seed,placed_pct_at_130,placed_pct_min,placed_pct_max,"
         "allocated_pct_at_130,placed_pct_end,allocated_pct_end,fragmented_pct_at_90";
  for (std::size_t c = 0; c < kFailCauses; ++c) {
    std::string cause(fail_cause_name(static_cast<FailCause>(c)));
    out << ",failed_" << cause << ",failed_" << cause << "_demand_pct";
  }
  out << ",runs_per_gpu_task,migrations,blocks_moved,preempted,preempted_demand_pct,"
         "rounding_loss_pct,free_usable_pct,stranded_cpu_pct,stranded_memory_pct,"
         "free_too_small_pct,seconds\n";
  for (const PolicySummary& s : summaries) {
    const ReplayResult& m = s.mean;
    out << '"' << s.name << "\"," << (s.family == "cards" ? "GPU-milli" : "blocks") << ',' << s.seeds.size()
        << ',' << m.tasks << ',' << fixed(m.placed_pct_at_130, 3) << ',' << fixed(s.placed_min, 3) << ','
        << fixed(s.placed_max, 3) << ',' << fixed(m.allocated_pct_at_130, 3) << ','
        << fixed(m.placed_pct_end, 3) << ',' << fixed(m.allocated_pct_end, 3) << ','
        << fixed(m.fragmented_pct_at_90, 3);
    for (std::size_t c = 0; c < kFailCauses; ++c) {
      out << ',' << m.failed[c] << ',' << fixed(m.failed_demand_pct[c], 3);
    }
    out << ',' << fixed(m.runs_per_gpu_task, 4) << ',' << m.migrations << ',' << m.blocks_moved << ','
        << m.preempted << ',' << fixed(m.preempted_demand_pct, 3) << ',' << fixed(m.rounding_loss_pct, 3)
        << ',' << fixed(m.stranded_pct.usable, 3) << ',' << fixed(m.stranded_pct.cpu_short, 3) << ','
        << fixed(m.stranded_pct.memory_short, 3) << ',' << fixed(m.stranded_pct.too_small, 3) << ','
        << fixed(m.seconds, 3) << '\n';
  }
}

void write_curves_csv(std::ostream& out, const std::vector<PolicySummary>& summaries) {
  out << "policy,arrived_pct,placed_pct,allocated_pct\n";
  for (const PolicySummary& s : summaries) {
    for (const CurvePoint& p : s.mean.curve) {
      out << '"' << s.name << "\"," << p.arrived_pct << ',' << fixed(p.placed_pct, 3) << ','
          << fixed(p.allocated_pct, 3) << '\n';
    }
  }
}

void write_seeds_csv(std::ostream& out, const std::vector<PolicySummary>& summaries) {
  out << "policy,seed_index,tasks,placed_pct_at_130,allocated_pct_at_130,fragmented_pct_at_90,seconds\n";
  for (const PolicySummary& s : summaries) {
    for (std::size_t i = 0; i < s.seeds.size(); ++i) {
      const ReplayResult& r = s.seeds[i];
      out << '"' << s.name << "\"," << i << ',' << r.tasks << ',' << fixed(r.placed_pct_at_130, 3) << ','
          << fixed(r.allocated_pct_at_130, 3) << ',' << fixed(r.fragmented_pct_at_90, 3) << ','
          << fixed(r.seconds, 4) << '\n';
    }
  }
}

void write_summary_table(std::ostream& out, const std::vector<PolicySummary>& summaries) {
  out << "| policy | GPU demand placed @130% | allocated (own unit) @130% | fragmented @90% | "
         "failed: GPU / CPU / mem / never | rounding loss | stranded at end: CPU / mem / too small "
         "| runs/task | migrations | preempted |\n"
         "|---|---|---|---|---|---|---|---|---|---|\n";
  for (const PolicySummary& s : summaries) {
    const ReplayResult& m = s.mean;
    out << "| " << s.name << " | " << fixed(m.placed_pct_at_130) << "% | " << fixed(m.allocated_pct_at_130)
        << "% " << (s.family == "cards" ? "milli" : "blocks") << " | " << fixed(m.fragmented_pct_at_90)
        << "% | " << m.failed[0] << " / " << m.failed[1] << " / " << m.failed[2] << " / " << m.failed[3]
        << " | " << fixed(m.rounding_loss_pct) << "% | " << fixed(m.stranded_pct.cpu_short) << "% / "
        << fixed(m.stranded_pct.memory_short) << "% / " << fixed(m.stranded_pct.too_small) << "% | "
        << fixed(m.runs_per_gpu_task, 3) << " | " << m.migrations << " | " << m.preempted << " |\n";
  }
}

}  // namespace tflops::trace
