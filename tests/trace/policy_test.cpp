// SPDX-License-Identifier: GPL-2.0-or-later
// Each policy on clusters small enough to check the outcome by hand.
#include <gtest/gtest.h>

#include "block_policy.h"
#include "card_policy.h"

using namespace tflops::trace;

namespace {

// Node lines "name,cpu_milli,memory_mib,gpu,model"; model A cards are worth 10 TFLOPS, B 20.
Cluster cluster_of(const std::string& rows) {
  auto parsed = parse_nodes("sn,cpu_milli,memory_mib,gpu,model\n" + rows, "test");
  EXPECT_TRUE(parsed.bad.empty());
  std::vector<BadRow> duplicates;
  return make_cluster(parsed.rows, {{"A", 10.0}, {"B", 20.0}}, duplicates, "test");
}

Demand gpu_task(std::uint32_t cards, std::uint32_t milli, std::int64_t cpu = 1000, bool high = false) {
  return Demand{
      .cpu_milli = cpu, .memory_mib = 100, .num_gpu = cards, .gpu_milli = milli, .high_priority = high};
}

Demand cpu_task(std::int64_t cpu) { return Demand{.cpu_milli = cpu, .memory_mib = 100}; }

struct Driver {
  Policy& policy;
  Rng rng{1};
  std::uint32_t next = 0;
  Outcome operator()(const Demand& task) { return policy.place(task, next++, rng); }
};

}  // namespace

TEST(WholeCards, FractionalTaskTakesAWholeCard) {
  Cluster c = cluster_of("n0,64000,100000,2,A\n");
  CardPolicy policy("whole", c, NodeChoice::best_fit, true);
  Driver run{policy};
  EXPECT_TRUE(run(gpu_task(1, 300)).placed);
  EXPECT_TRUE(run(gpu_task(1, 300)).placed);
  Outcome third = run(gpu_task(1, 300));
  EXPECT_FALSE(third.placed);
  EXPECT_EQ(third.cause, FailCause::gpu_capacity);
  EXPECT_EQ(policy.allocated_units(), 2000u);
  EXPECT_DOUBLE_EQ(policy.rounding_loss_units(), 1400.0);  // 2 x (1000 - 300)
}

TEST(Shares, FractionalTasksShareTheBestFittingCard) {
  Cluster c = cluster_of("n0,64000,100000,2,A\n");
  CardPolicy policy("shares", c, NodeChoice::best_fit, false);
  Driver run{policy};
  EXPECT_TRUE(run(gpu_task(1, 600)).placed);   // card 0: 400 left
  EXPECT_TRUE(run(gpu_task(1, 300)).placed);   // best fit: card 0 (400) over card 1 (1000)
  EXPECT_TRUE(run(gpu_task(1, 1000)).placed);  // card 1 whole
  Outcome last = run(gpu_task(1, 200));        // 100 left on card 0 only
  EXPECT_FALSE(last.placed);
  EXPECT_EQ(policy.allocated_units(), 1900u);
}

TEST(Shares, MultiCardTaskNeedsWholeFreeCards) {
  Cluster c = cluster_of("n0,64000,100000,2,A\n");
  CardPolicy policy("shares", c, NodeChoice::best_fit, false);
  Driver run{policy};
  EXPECT_TRUE(run(gpu_task(1, 100)).placed);
  EXPECT_FALSE(run(gpu_task(2, 1000)).placed);  // 1900 milli free, but only one whole card
}

TEST(Blocks, TasksRoundUpAndPoolAcrossCards) {
  // Two 10 TFLOPS cards = 20 blocks. Tasks of 0.6 card need 6 blocks: three fit (18), where
  // per-card shares fit only two (one per card).
  Cluster c = cluster_of("n0,64000,100000,2,A\n");
  BlockPolicy blocks("blocks", c, NodeChoice::best_fit, {.block_tflops = 1.0});
  CardPolicy shares("shares", c, NodeChoice::best_fit, false);
  Driver b{blocks}, s{shares};
  int placed_blocks = 0, placed_shares = 0;
  for (int i = 0; i < 4; ++i) {
    placed_blocks += b(gpu_task(1, 600)).placed;
    placed_shares += s(gpu_task(1, 600)).placed;
  }
  EXPECT_EQ(placed_blocks, 3);
  EXPECT_EQ(placed_shares, 2);
  EXPECT_EQ(blocks.allocated_units(), 18u);
  // A 0.45 card task needs 4.5 -> 5 blocks: 2 left, it fails; 0.15 (1.5 -> 2 blocks) fits.
  EXPECT_FALSE(b(gpu_task(1, 450)).placed);
  EXPECT_TRUE(b(gpu_task(1, 150)).placed);
  EXPECT_NEAR(blocks.rounding_loss_units(), 0.5, 1e-9);
}

TEST(Blocks, SmallerBlocksRoundLess) {
  Cluster c = cluster_of("n0,64000,100000,1,A\n");
  BlockPolicy coarse("coarse", c, NodeChoice::best_fit, {.block_tflops = 1.0});
  BlockPolicy fine("fine", c, NodeChoice::best_fit, {.block_tflops = 0.25});
  Driver a{coarse}, b{fine};
  ASSERT_TRUE(a(gpu_task(1, 330)).placed);  // 3.3 TFLOPS: 4 blocks of 1, 14 of 0.25
  ASSERT_TRUE(b(gpu_task(1, 330)).placed);
  EXPECT_EQ(coarse.allocated_units(), 4u);
  EXPECT_EQ(fine.allocated_units(), 14u);
  EXPECT_NEAR(coarse.rounding_loss_units() * 1.0, 0.7, 1e-9);  // TFLOPS given and not asked for
  EXPECT_NEAR(fine.rounding_loss_units() * 0.25, 0.2, 1e-9);
}

TEST(Blocks, WholeCardTaskNeedsNoMoreThanItsCards) {
  // 9.3 TFLOPS cards hold 9 blocks of 1: a 2-card task needs 18 blocks, not ceil(18.6) = 19.
  auto parsed = parse_nodes("sn,cpu_milli,memory_mib,gpu,model\nn0,64000,100000,2,P100\n", "t");
  std::vector<BadRow> duplicates;
  Cluster c = make_cluster(parsed.rows, default_model_tflops(), duplicates, "t");
  BlockPolicy policy("blocks", c, NodeChoice::best_fit, {.block_tflops = 1.0});
  Driver run{policy};
  EXPECT_TRUE(run(gpu_task(2, 1000)).placed);
  EXPECT_EQ(policy.allocated_units(), 18u);
  EXPECT_NEAR(policy.layout_loss_units(), 0.6, 1e-9);
}

TEST(Policies, CpuAndMemoryAreHonoured) {
  Cluster c = cluster_of("n0,4000,1000,2,A\n");
  for (bool whole : {true, false}) {
    CardPolicy policy("cards", c, NodeChoice::best_fit, whole);
    Driver run{policy};
    EXPECT_TRUE(run(gpu_task(1, 500, 3000)).placed);
    Outcome cpu = run(gpu_task(1, 500, 2000));
    EXPECT_FALSE(cpu.placed);
    EXPECT_EQ(cpu.cause, FailCause::cpu_short);
    Outcome memory = run(Demand{.cpu_milli = 500, .memory_mib = 950, .num_gpu = 1, .gpu_milli = 500});
    EXPECT_FALSE(memory.placed);
    EXPECT_EQ(memory.cause, FailCause::memory_short);
  }
}

TEST(Policies, NeverFitsWhenNoEmptyNodeCouldHoldIt) {
  Cluster c = cluster_of("n0,64000,100000,2,A\nn1,64000,100000,2,B\n");
  BlockPolicy blocks("blocks", c, NodeChoice::best_fit, {});
  CardPolicy cards("cards", c, NodeChoice::best_fit, true);
  Driver b{blocks}, w{cards};
  EXPECT_EQ(b(gpu_task(4, 1000)).cause, FailCause::never_fits);
  EXPECT_EQ(w(gpu_task(4, 1000)).cause, FailCause::never_fits);
  EXPECT_EQ(b(cpu_task(100000)).cause, FailCause::never_fits);
}

TEST(Policies, GpuSpecRestrictsModels) {
  Cluster c = cluster_of("n0,64000,100000,2,A\nn1,64000,100000,2,B\n");
  TaskSpec spec{
      .name = "t", .cpu_milli = 1000, .memory_mib = 10, .num_gpu = 1, .gpu_milli = 500, .gpu_spec = {"B"}};
  Demand only_b = demand_of(c, spec);
  BlockPolicy policy("blocks", c, NodeChoice::first_fit, {});
  Driver run{policy};
  Outcome outcome = run(only_b);
  ASSERT_TRUE(outcome.placed);
  EXPECT_EQ(outcome.node, 1u);               // first-fit would take n0, but the task asks for B
  EXPECT_EQ(policy.allocated_units(), 10u);  // half a 20 TFLOPS card
  spec.gpu_spec = {"C"};
  EXPECT_EQ(run(demand_of(c, spec)).cause, FailCause::never_fits);
}

TEST(NodeChoice, FirstFitTakesTrialOrderBestFitTheTightestNode) {
  Cluster c = cluster_of("n0,64000,100000,2,A\nn1,64000,100000,1,A\n");
  BlockPolicy first("first", c, NodeChoice::first_fit, {});
  BlockPolicy best("best", c, NodeChoice::best_fit, {});
  Driver f{first}, b{best};
  EXPECT_EQ(f(gpu_task(1, 500)).node, 0u);
  EXPECT_EQ(b(gpu_task(1, 500)).node, 1u);  // n1 has less GPU left
}

TEST(NodeChoice, CpuAwareSendsCpuOnlyTasksWhereTheyStrandNoGpu) {
  // n0: 2 cards but only 4 cores; n1: 1 card and 60 cores. With 2 CPU-milli per GPU-milli,
  // a 3-core CPU-only task on n0 would leave its GPUs 1 core: most of them stranded.
  Cluster c = cluster_of("n0,4000,100000,2,A\nn1,60000,100000,1,A\n");
  BlockPolicy aware("aware", c, NodeChoice::cpu_aware, {});
  BlockPolicy first("first", c, NodeChoice::first_fit, {});
  aware.set_cpu_per_gpu_milli(2.0);
  first.set_cpu_per_gpu_milli(2.0);
  Driver a{aware}, f{first};
  EXPECT_EQ(a(cpu_task(3000)).node, 1u);
  EXPECT_EQ(f(cpu_task(3000)).node, 0u);
}

TEST(Preemption, HighPriorityTaskSuspendsLowPriorityAndMigrationKeepsItContiguous) {
  // One 10-block node. LS a [0-2], BE b [3-5], LS c [6-8], free [9]. LS d needs 4 blocks:
  // b is suspended, which leaves [3-5] and [9]; compact migration moves c to [3-5] and d gets
  // one run [6-9].
  Cluster c = cluster_of("n0,64000,100000,1,A\n");
  BlockPolicy policy("pre", c, NodeChoice::best_fit,
                     {.block_tflops = 1.0, .migration = true, .preemption = true});
  Driver run{policy};
  ASSERT_TRUE(run(gpu_task(1, 300, 1000, true)).placed);
  ASSERT_TRUE(run(gpu_task(1, 300, 1000, false)).placed);
  ASSERT_TRUE(run(gpu_task(1, 300, 1000, true)).placed);
  Outcome d = run(gpu_task(1, 400, 1000, true));
  ASSERT_TRUE(d.placed);
  EXPECT_EQ(d.preempted, (std::vector<std::uint32_t>{1}));
  EXPECT_EQ(d.moves, 1u);
  EXPECT_EQ(d.runs, 1u);
  EXPECT_EQ(policy.allocated_units(), 10u);
  EXPECT_EQ(policy.cpu_left(0), 64000 - 3000);
  // A BE task never preempts, and an LS one cannot take blocks held by LS tasks.
  EXPECT_FALSE(run(gpu_task(1, 100, 1000, false)).placed);
  EXPECT_FALSE(run(gpu_task(1, 100, 1000, true)).placed);
}

TEST(Preemption, WithoutMigrationTheTaskGetsScatteredRuns) {
  Cluster c = cluster_of("n0,64000,100000,1,A\n");
  BlockPolicy policy("pre", c, NodeChoice::best_fit, {.block_tflops = 1.0, .preemption = true});
  Driver run{policy};
  run(gpu_task(1, 300, 1000, true));
  run(gpu_task(1, 300, 1000, false));
  run(gpu_task(1, 300, 1000, true));
  Outcome d = run(gpu_task(1, 400, 1000, true));
  ASSERT_TRUE(d.placed);
  EXPECT_EQ(d.moves, 0u);
  EXPECT_EQ(d.runs, 2u);
}

TEST(Preemption, FreesCpuTooWhenCpuIsShort) {
  Cluster c = cluster_of("n0,4000,100000,1,A\n");
  BlockPolicy policy("pre", c, NodeChoice::best_fit, {.block_tflops = 1.0, .preemption = true});
  Driver run{policy};
  ASSERT_TRUE(run(cpu_task(3000)).placed);  // BE, CPU only
  Outcome ls = run(gpu_task(1, 500, 2000, true));
  ASSERT_TRUE(ls.placed);  // blocks are free; the CPU came from suspending the BE task
  EXPECT_EQ(ls.preempted, (std::vector<std::uint32_t>{0}));
}
