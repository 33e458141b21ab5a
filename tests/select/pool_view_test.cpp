// SPDX-License-Identifier: GPL-2.0-or-later
// PoolView: the pool's decisions on one node as the select plugin loads it from Slurm's bitmaps.
#include "pool_view.h"

#include <gtest/gtest.h>

#include "spec_pools.h"

namespace tflops::select {
namespace {

using pool::BlockRange;
using pool::Kind;
using pool::fixtures::spec_10t;
using pool::fixtures::spec_200t;

std::vector<BlockRange> runs_of(const pool::Spans& spans) {
  std::vector<BlockRange> runs;
  for (const auto& s : spans) runs.push_back({s.first, s.count});
  return runs;
}

bool same(const std::vector<BlockRange>& a, const std::vector<BlockRange>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].first != b[i].first || a[i].count != b[i].count) return false;
  }
  return true;
}

TEST(PoolView, PlacesOnTheBestFittingFreeRun) {
  PoolView view(*spec_10t());
  // In use: 0-2 and 5-6; free runs 3-4 (2 blocks) and 7-9 (3 blocks).
  view.load_node(0, {}, {{0, 3}, {5, 2}});
  EXPECT_TRUE(same(runs_of(*view.place(0, 2, std::nullopt)), {{3, 2}}));
  EXPECT_TRUE(same(runs_of(*view.place(0, 3, std::nullopt)), {{7, 3}}));
  // No run holds 4: the fewest runs, largest first.
  EXPECT_TRUE(same(runs_of(*view.place(0, 4, std::nullopt)), {{3, 2}, {7, 2}}) ||
              same(runs_of(*view.place(0, 4, std::nullopt)), {{3, 1}, {7, 3}}));
  EXPECT_FALSE(view.place(0, 6, std::nullopt));
}

TEST(PoolView, LoadingANodeForgetsWhatWasLoadedBefore) {
  PoolView view(*spec_10t());
  view.load_node(0, {}, {{0, 10}});
  EXPECT_FALSE(view.place(0, 1, std::nullopt));
  view.load_node(0, {}, {});
  EXPECT_TRUE(same(runs_of(*view.place(0, 10, std::nullopt)), {{0, 10}}));
}

TEST(PoolView, KindRegionsOnSpec200T) {
  PoolView view(*spec_200t());
  view.load_node(0, {}, {});
  // node0: gpu 0-17, npu 18-37, fpga 38-62.
  EXPECT_TRUE(same(runs_of(*view.place(0, 10, Kind::npu)), {{18, 10}}));
  EXPECT_TRUE(same(runs_of(*view.place(0, 25, Kind::fpga)), {{38, 25}}));
  EXPECT_FALSE(view.place(0, 26, Kind::fpga));
}

TEST(PoolView, MigrationReplaysSpecsTenBlockExample) {
  PoolView view(*spec_10t("MigrationPolicy=compact"));
  // t2: app1 gone; app2 [4-6], app3 [7-8] (node-local 3-5, 6-7).
  view.load_node(
      0, {{.job = 2, .runs = {{3, 3}}, .migratable = true}, {.job = 3, .runs = {{6, 2}}, .migratable = true}},
      {{3, 5}});
  auto plan = view.plan_migration(0, 4, std::nullopt);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->target.first, 5u);
  EXPECT_EQ(plan->target.count, 4u);
  ASSERT_EQ(plan->moves.size(), 2u);
  for (const auto& move : plan->moves) {
    const std::vector<BlockRange> expected = move.job == 2 ? std::vector<BlockRange>{{0, 3}}
                                                           : std::vector<BlockRange>{{3, 2}};
    EXPECT_TRUE(same(runs_of(move.to), expected)) << "job " << move.job;
  }
}

TEST(PoolView, NoMigrationWhenARunFitsOrThePolicySaysNone) {
  PoolView compact(*spec_10t("MigrationPolicy=compact"));
  compact.load_node(0, {{.job = 2, .runs = {{3, 3}}, .migratable = true}}, {{3, 3}});
  EXPECT_FALSE(compact.plan_migration(0, 4, std::nullopt));  // 6-9 holds 4

  PoolView none(*spec_10t("MigrationPolicy=none"));
  none.load_node(
      0, {{.job = 2, .runs = {{3, 3}}, .migratable = true}, {.job = 3, .runs = {{6, 2}}, .migratable = true}},
      {{3, 5}});
  EXPECT_FALSE(none.plan_migration(0, 4, std::nullopt));
}

TEST(PoolView, JobsNotMigratableStayPut) {
  PoolView view(*spec_10t("MigrationPolicy=compact"));
  view.load_node(
      0,
      {{.job = 2, .runs = {{3, 3}}, .migratable = false}, {.job = 3, .runs = {{6, 2}}, .migratable = false}},
      {{3, 5}});
  EXPECT_FALSE(view.plan_migration(0, 4, std::nullopt));
}

TEST(PoolView, PreemptionTakesOnlyPreemptableLowerJobs) {
  PoolView view(*spec_10t());
  // Job 1 (priority 1, preemptable) holds 0-5, job 2 (priority 1, not preemptable) 6-9.
  view.load_node(0,
                 {{.job = 1, .runs = {{0, 6}}, .preemptable = true, .priority = 1},
                  {.job = 2, .runs = {{6, 4}}, .preemptable = false, .priority = 1}},
                 {});
  auto plan = view.plan_preemption(0, 6, std::nullopt, 10);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->victims, std::vector<pool::JobId>{1});
  // Seven blocks would need job 2 too.
  EXPECT_FALSE(view.plan_preemption(0, 7, std::nullopt, 10));
}

TEST(PoolView, PreemptionPrefersTheLowestPriorityThenTheFewestVictims) {
  PoolView view(*spec_10t());
  view.load_node(0,
                 {{.job = 1, .runs = {{0, 4}}, .preemptable = true, .priority = 5},
                  {.job = 2, .runs = {{4, 3}}, .preemptable = true, .priority = 1},
                  {.job = 3, .runs = {{7, 3}}, .preemptable = true, .priority = 1}},
                 {});
  auto plan = view.plan_preemption(0, 6, std::nullopt, 10);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->victims, (std::vector<pool::JobId>{2, 3}));
  EXPECT_EQ(plan->highest_victim_priority, 1);
}

TEST(PoolView, BlocksInUseThatNoJobClaimsAreLeftAlone) {
  PoolView view(*spec_10t());
  view.load_node(0, {{.job = 1, .runs = {{0, 5}}, .preemptable = true, .priority = 1}}, {{0, 10}});
  EXPECT_FALSE(view.plan_preemption(0, 6, std::nullopt, 10));
  EXPECT_TRUE(view.plan_preemption(0, 5, std::nullopt, 10));
}

TEST(PoolView, RejectsRecordsThatDisagree) {
  PoolView view(*spec_10t());
  EXPECT_THROW(view.load_node(0, {{.job = 1, .runs = {{0, 5}}}, {.job = 2, .runs = {{4, 2}}}}, {}),
               std::invalid_argument);
  EXPECT_THROW(view.load_node(0, {{.job = 1, .runs = {{8, 5}}}}, {}), std::invalid_argument);
}

}  // namespace
}  // namespace tflops::select
