// SPDX-License-Identifier: GPL-2.0-or-later
// Preemption and migration planning on hand-built pools.
#include <gtest/gtest.h>

#include "spec_pools.h"
#include "tflops/pool/migration.h"
#include "tflops/pool/preemption.h"

using namespace tflops::pool;
using tflops::pool::fixtures::layout_of;
using tflops::pool::fixtures::spec_10t;

namespace {

struct Fixture {
  explicit Fixture(std::shared_ptr<const Layout> layout) : pool(std::move(layout)) {}
  // A running job on `node` (node 0 unless given) at [first, first + count).
  void run(JobId id, std::uint32_t first, std::uint32_t count, std::int64_t priority = 0,
           bool migratable = true, std::uint32_t node = 0) {
    Spans spans{{node, first, count}};
    pool.take(spans, id);
    running.push_back(RunningJob{id, priority, spans, std::nullopt, migratable});
  }
  BlockPool pool;
  std::vector<RunningJob> running;
};

// The README's migration example at t2: app1 ended, app2 [4-6], app3 [7-8] (pool-wide), app4 needs 4.
Fixture spec_t2() {
  Fixture f(spec_10t());
  f.run(2, 3, 3);
  f.run(3, 6, 2);
  return f;
}

}  // namespace

TEST(Migration, CompactReproducesSpecExample) {
  Fixture f = spec_t2();
  auto plan = plan_migration(f.pool, Request{.blocks = 4}, f.running, MigrationPolicy::compact);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->moves.size(), 2u);
  EXPECT_EQ(plan->moves[0].job, 2u);
  EXPECT_EQ(plan->moves[0].to, (Spans{{0, 0, 3}}));  // app2 -> pool-wide 1-3
  EXPECT_EQ(plan->moves[1].job, 3u);
  EXPECT_EQ(plan->moves[1].to, (Spans{{0, 3, 2}}));  // app3 -> 4-5
  EXPECT_EQ(plan->target, (Span{0, 5, 4}));          // app4 -> 6-9, free 10
  EXPECT_EQ(plan->blocks_moved, 5u);
}

TEST(Migration, CompactStopsPackingOnceTheRequestFits) {
  // Jobs on [1-2], [4-5] and [7-8] of 10 blocks, a 3-block request: packing the first two gives
  // the free run [4-6]; the third job stays (packing it too would have left [6-9]).
  Fixture f(spec_10t());
  f.run(1, 1, 2);
  f.run(2, 4, 2);
  f.run(3, 7, 2);
  auto plan = plan_migration(f.pool, Request{.blocks = 3}, f.running, MigrationPolicy::compact);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->moves.size(), 2u);
  EXPECT_EQ(plan->moves[0].to, (Spans{{0, 0, 2}}));
  EXPECT_EQ(plan->moves[1].to, (Spans{{0, 2, 2}}));
  EXPECT_EQ(plan->target, (Span{0, 4, 3}));
  EXPECT_EQ(plan->blocks_moved, 4u);
}

TEST(Migration, MinimalMovesApp3sTwoBlocksInsteadOfFive) {
  Fixture f = spec_t2();
  auto plan = plan_migration(f.pool, Request{.blocks = 4}, f.running, MigrationPolicy::minimal);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->moves.size(), 1u);
  EXPECT_EQ(plan->moves[0].job, 3u);
  EXPECT_EQ(plan->moves[0].from, (Spans{{0, 6, 2}}));
  EXPECT_EQ(plan->moves[0].to, (Spans{{0, 0, 2}}));
  EXPECT_EQ(plan->target, (Span{0, 6, 4}));
  EXPECT_EQ(plan->blocks_moved, 2u);
}

TEST(Migration, NonMigratableJobsNeverMove) {
  Fixture f(spec_10t());
  f.run(2, 3, 3, 0, /*migratable=*/false);
  f.run(3, 6, 2);
  // compact can only move app3 (to 0-1): runs left 2 and 6-9 -> app4 at 6-9.
  auto compact = plan_migration(f.pool, Request{.blocks = 4}, f.running, MigrationPolicy::compact);
  ASSERT_TRUE(compact);
  ASSERT_EQ(compact->moves.size(), 1u);
  EXPECT_EQ(compact->moves[0].job, 3u);
  EXPECT_EQ(compact->target, (Span{0, 6, 4}));
  // A 5-block request cannot be made into one run around a fixed job in the middle.
  EXPECT_FALSE(plan_migration(f.pool, Request{.blocks = 5}, f.running, MigrationPolicy::compact));
  EXPECT_FALSE(plan_migration(f.pool, Request{.blocks = 5}, f.running, MigrationPolicy::minimal));
  EXPECT_FALSE(plan_migration(f.pool, Request{.blocks = 4}, f.running, MigrationPolicy::none));
}

TEST(Preemption, OnlyStrictlyLowerPriorityByTheGap) {
  Fixture f(spec_10t());
  f.run(1, 0, 10, /*priority=*/5);
  EXPECT_FALSE(plan_preemption(f.pool, Request{.blocks = 4}, 5, f.running, 1));  // equal: no
  EXPECT_TRUE(plan_preemption(f.pool, Request{.blocks = 4}, 6, f.running, 1));
  EXPECT_FALSE(plan_preemption(f.pool, Request{.blocks = 4}, 6, f.running, 2));  // gap 2 needed
  EXPECT_TRUE(plan_preemption(f.pool, Request{.blocks = 4}, 7, f.running, 2));
}

TEST(Preemption, LowestPriorityThenFewestJobsThenFewestBlocks) {
  Fixture f(layout_of("NodeName=n0 Kind=gpu Name=g0 TFLOPS=12"));
  f.run(1, 0, 2, 1);  // low priority, small
  f.run(2, 2, 2, 1);  // low priority, small
  f.run(3, 4, 4, 3);  // middle priority, big
  f.run(4, 8, 4, 1);  // low priority, big
  // 4 blocks: job 4 alone (priority 1, one job) beats 1+2 (two jobs) and 3 (priority 3).
  auto plan = plan_preemption(f.pool, Request{.blocks = 4}, 10, f.running, 1);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->victims, (std::vector<JobId>{4}));
  EXPECT_EQ(plan->highest_victim_priority, 1);
  EXPECT_TRUE(plan->contiguous);
  // 8 blocks at priority 1: 1+2+4; a plan with job 3 would need a higher victim priority.
  plan = plan_preemption(f.pool, Request{.blocks = 8}, 10, f.running, 1);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->victims, (std::vector<JobId>{1, 2, 4}));
  EXPECT_EQ(plan->victim_blocks, 8u);
  // 2 blocks: job 1 or 2 (2 blocks each) rather than job 4 (4 blocks).
  plan = plan_preemption(f.pool, Request{.blocks = 2}, 10, f.running, 1);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->victims.size(), 1u);
  EXPECT_EQ(plan->victim_blocks, 2u);
}

TEST(Preemption, PrefersVictimsThatLeaveOneContiguousRun) {
  Fixture f(spec_10t());
  f.run(1, 0, 3, 1);
  f.run(2, 3, 3, 1);  // free 6
  f.run(3, 7, 3, 1);
  // 4 blocks: any one job frees enough (same priority, count and blocks), but job 1's blocks
  // are not next to the free block 6; job 2's or job 3's are.
  auto plan = plan_preemption(f.pool, Request{.blocks = 4}, 10, f.running, 1);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->victims.size(), 1u);
  EXPECT_NE(plan->victims[0], 1u);
  EXPECT_TRUE(plan->contiguous);
}

TEST(Preemption, NothingWhenVictimsCannotFreeEnough) {
  Fixture f(spec_10t());
  f.run(1, 0, 5, 1);
  f.run(2, 5, 5, 9);
  EXPECT_FALSE(plan_preemption(f.pool, Request{.blocks = 6}, 5, f.running, 1));
  EXPECT_FALSE(plan_preemption(f.pool, Request{.blocks = 11}, 100, f.running, 1));
}

TEST(Migration, MovesInsideOneCardOnlyRenumber) {
  // The migration example's 10-block node is one card: app2 and app3 keep their card and their share of it.
  Fixture f = spec_t2();
  auto plan = plan_migration(f.pool, Request{.blocks = 4}, f.running, MigrationPolicy::compact);
  ASSERT_TRUE(plan);
  for (const Move& move : plan->moves) EXPECT_TRUE(renumbers_only(f.pool.layout(), move)) << move.job;
}

TEST(Migration, MovesThatChangeCardsOrSharesAreRealMoves) {
  // The same example on two 5-block cards: app2 [4-6] spans gpu0 and gpu1, app3 [7-8] is on gpu1;
  // compact puts both on gpu0.
  Fixture f(layout_of("NodeName=node0 Kind=gpu Name=gpu[0-1] TFLOPS=5"));
  f.run(2, 3, 3);
  f.run(3, 6, 2);
  auto plan = plan_migration(f.pool, Request{.blocks = 4}, f.running, MigrationPolicy::compact);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->moves.size(), 2u);
  EXPECT_FALSE(renumbers_only(f.pool.layout(), plan->moves[0]));  // 2 + 1 blocks -> 3 + 0
  EXPECT_FALSE(renumbers_only(f.pool.layout(), plan->moves[1]));  // gpu1 -> gpu0
  const Layout& layout = f.pool.layout();
  EXPECT_TRUE(renumbers_only(layout, Move{4, {{0, 8, 2}}, {{0, 5, 2}}}));             // inside gpu1
  EXPECT_TRUE(renumbers_only(layout, Move{4, {{0, 4, 2}}, {{0, 3, 1}, {0, 9, 1}}}));  // 1 + 1 stays 1 + 1
  EXPECT_FALSE(renumbers_only(layout, Move{4, {{0, 0, 2}}, {{0, 5, 2}}}));  // same count, other card
}

TEST(Migration, TheNodeWhoseMovesStopFewestJobsWins) {
  // The same jobs on two nodes: node0 has two 5-block cards, where compact stops both jobs (as
  // above); node1 has one 10-block card, where it only renumbers them. Both policies take node1,
  // although node0 comes first and minimal moves as many blocks there.
  Fixture f(
      layout_of("NodeName=node0 Kind=gpu Name=gpu[0-1] TFLOPS=5\n"
                "NodeName=node1 Kind=gpu Name=gpu2 TFLOPS=10"));
  f.run(2, 3, 3);
  f.run(3, 6, 2);
  f.run(4, 3, 3, 0, true, 1);
  f.run(5, 6, 2, 0, true, 1);
  const Layout& layout = f.pool.layout();
  Request on_node0{.blocks = 4, .node = 0};
  auto there = plan_migration(f.pool, on_node0, f.running, MigrationPolicy::compact);
  ASSERT_TRUE(there);
  EXPECT_EQ(jobs_stopped(layout, *there), 2u);
  for (MigrationPolicy policy : {MigrationPolicy::compact, MigrationPolicy::minimal}) {
    auto plan = plan_migration(f.pool, Request{.blocks = 4}, f.running, policy);
    ASSERT_TRUE(plan) << migration_policy_name(policy);
    EXPECT_EQ(plan->node, 1u) << migration_policy_name(policy);
    EXPECT_EQ(jobs_stopped(layout, *plan), 0u) << migration_policy_name(policy);
  }
}

TEST(Migration, WithinCardsJobsOnlyRenumber) {
  // Two 5-block cards. gpu0: job 1 at [1-2]; gpu1: job 2 at [5-6], job 3 at [8-9]. A 3-block
  // request: job 1 moves to [0-1] inside gpu0 and the request takes [2-4]; jobs 2 and 3 stay on
  // gpu1.
  Fixture f(layout_of("NodeName=node0 Kind=gpu Name=gpu[0-1] TFLOPS=5"));
  f.run(1, 1, 2);
  f.run(2, 5, 2);
  f.run(3, 8, 2);
  for (MigrationPolicy policy : {MigrationPolicy::compact, MigrationPolicy::minimal}) {
    auto plan = plan_migration(f.pool, Request{.blocks = 3}, f.running, policy, /*within_cards=*/true);
    ASSERT_TRUE(plan) << migration_policy_name(policy);
    for (const Move& move : plan->moves) EXPECT_TRUE(renumbers_only(f.pool.layout(), move)) << move.job;
    EXPECT_EQ(plan->target.count, 3u);
  }
  // A 4-block request needs a job to change cards (gpu0 has 3 free, gpu1 1): none within cards.
  EXPECT_TRUE(plan_migration(f.pool, Request{.blocks = 4}, f.running, MigrationPolicy::compact));
  EXPECT_FALSE(plan_migration(f.pool, Request{.blocks = 4}, f.running, MigrationPolicy::compact, true));
  // A job across both cards never moves within cards.
  Fixture across(layout_of("NodeName=node0 Kind=gpu Name=gpu[0-1] TFLOPS=5"));
  across.run(4, 3, 4);  // [3-6]: gpu0 and gpu1
  EXPECT_FALSE(
      plan_migration(across.pool, Request{.blocks = 6}, across.running, MigrationPolicy::compact, true));
  EXPECT_TRUE(plan_migration(across.pool, Request{.blocks = 6}, across.running, MigrationPolicy::compact));
}
