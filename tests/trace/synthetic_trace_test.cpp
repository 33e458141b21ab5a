// SPDX-License-Identifier: GPL-2.0-or-later
// The simulator end to end on the synthetic trace (tests/trace/synthetic, written by
// make_synthetic_trace.py): the same files, columns and code path as the reproduction on Alibaba's
// trace (reproduction_test.cpp), which may not be redistributed and so runs only where it is found;
// this one runs in every clone. The figures are not FGD's: what is checked is that every policy
// replays the seeded arrivals to 130% of the capacity, that its figures are percentages in range,
// that the replay is the same on the same seed, and the orderings that hold by construction.
#include <gtest/gtest.h>

#include "evaluation.h"

using namespace tflops::trace;

namespace {

struct Trace {
  Cluster cluster;
  std::vector<TaskSpec> tasks;
  std::size_t bad_rows = 0;
};

const Trace& synthetic_trace() {
  static const Trace trace = [] {
    const std::string dir = TFLOPS_SYNTHETIC_TRACE_DIR;
    const std::string nodes = dir + "/openb_node_list_gpu_node.csv";
    auto parsed_nodes = load_nodes(nodes);
    auto parsed_tasks = load_tasks(dir + "/openb_pod_list_default.csv");
    std::vector<BadRow> duplicates;
    Trace t;
    t.bad_rows = parsed_nodes.bad.size() + parsed_tasks.bad.size();
    t.cluster = make_cluster(parsed_nodes.rows, default_model_tflops(), duplicates, nodes);
    t.bad_rows += duplicates.size();
    t.tasks = std::move(parsed_tasks.rows);
    return t;
  }();
  return trace;
}

constexpr int kSeeds = 3;

std::vector<PolicySummary> evaluate_all(const Trace& trace) {
  EvaluationInput input{&trace.cluster, &trace.tasks, kFgdFirstSeed, kSeeds, kFgdArrivalRatio};
  const double small = smallest_block_tflops(trace.cluster, 1.0);
  return evaluate(input, standard_policies(1.0, small, cpu_per_gpu_milli(trace.tasks)));
}

}  // namespace

TEST(SyntheticTrace, IsTheOneTheGeneratorWrites) {
  const Trace& trace = synthetic_trace();
  EXPECT_EQ(trace.bad_rows, 0u);
  EXPECT_EQ(trace.cluster.nodes.size(), 48u);
  EXPECT_EQ(trace.cluster.gpu_milli, 219000);
  EXPECT_EQ(trace.tasks.size(), 320u);
}

TEST(SyntheticTrace, EveryPolicyReplaysToTheArrivalTarget) {
  const Trace& trace = synthetic_trace();
  const std::vector<PolicySummary> all = evaluate_all(trace);
  ASSERT_EQ(all.size(), 9u);
  for (const PolicySummary& p : all) {
    SCOPED_TRACE(p.name);
    ASSERT_EQ(p.seeds.size(), static_cast<std::size_t>(kSeeds));
    // Drawn with replacement until the next task would pass 130% of the GPU capacity.
    EXPECT_GT(p.mean.tasks, trace.tasks.size() / 2);
    ASSERT_FALSE(p.mean.curve.empty());
    EXPECT_GE(p.mean.curve.back().arrived_pct, 129);
    EXPECT_GT(p.mean.placed_pct_at_130, 50.0);
    EXPECT_LE(p.mean.placed_pct_at_130, 100.0);
    EXPECT_GT(p.mean.allocated_pct_at_130, 50.0);
    EXPECT_LE(p.mean.allocated_pct_at_130, 100.0);
    EXPECT_LE(p.placed_min, p.mean.placed_pct_at_130);
    EXPECT_GE(p.placed_max, p.mean.placed_pct_at_130);
  }
  const PolicySummary &whole = all[0], &shares = all[1];
  // A fraction of a card takes a whole card under whole cards, so placed demand is below allocated;
  // under shares it takes what it asked for, and the two are the same figure.
  EXPECT_LT(whole.mean.placed_pct_at_130, whole.mean.allocated_pct_at_130);
  EXPECT_DOUBLE_EQ(shares.mean.placed_pct_at_130, shares.mean.allocated_pct_at_130);
  EXPECT_GT(shares.mean.placed_pct_at_130, whole.mean.placed_pct_at_130);
}

TEST(SyntheticTrace, TheSameSeedReplaysTheSame) {
  const Trace& trace = synthetic_trace();
  const auto policies = standard_policies(1.0, 0.5, cpu_per_gpu_milli(trace.tasks));
  EvaluationInput input{&trace.cluster, &trace.tasks, 7, 1, kFgdArrivalRatio};
  const PolicySummary a = evaluate(input, {policies[1], policies[3]})[1];
  const PolicySummary b = evaluate(input, {policies[3]})[0];
  EXPECT_EQ(a.mean.tasks, b.mean.tasks);
  EXPECT_DOUBLE_EQ(a.mean.placed_pct_at_130, b.mean.placed_pct_at_130);
  EXPECT_DOUBLE_EQ(a.mean.allocated_pct_at_130, b.mean.allocated_pct_at_130);
  EXPECT_EQ(a.mean.migrations, b.mean.migrations);
}
