// SPDX-License-Identifier: GPL-2.0-or-later
#include "replay.h"

#include <algorithm>

#include <gtest/gtest.h>

using namespace tflops::trace;

namespace {

std::vector<TaskSpec> tasks() {
  std::vector<TaskSpec> list;
  for (int i = 0; i < 20; ++i) {
    TaskSpec t;
    t.name = "t" + std::to_string(19 - i);  // not in name order: the replay sorts them
    t.cpu_milli = 1000;
    t.num_gpu = i % 4 == 0 ? 0 : 1;
    t.gpu_milli = t.num_gpu ? static_cast<std::uint32_t>(100 + 50 * i) : 0;
    list.push_back(t);
  }
  return list;
}

std::int64_t demand(const std::vector<TaskSpec>& list, const std::vector<std::uint32_t>& seq) {
  std::int64_t sum = 0;
  for (auto i : seq) sum += list[i].gpu_demand_milli();
  return sum;
}

}  // namespace

TEST(Replay, SameSeedSameSequence) {
  auto list = tasks();
  EXPECT_EQ(replay_sequence(list, 8000, 42), replay_sequence(list, 8000, 42));
  EXPECT_NE(replay_sequence(list, 8000, 42), replay_sequence(list, 8000, 43));
}

TEST(Replay, StopsBeforeTheDrawThatPassesTheRatio) {
  auto list = tasks();
  for (std::uint64_t seed = 42; seed < 52; ++seed) {
    auto seq = replay_sequence(list, 8000, seed);
    const std::int64_t arrived = demand(list, seq);
    EXPECT_LE(arrived, 1.3 * 8000);
    // The largest task is 1050 milli: had the replay stopped early, one more would have fit.
    EXPECT_GT(arrived, 1.3 * 8000 - 1050) << "seed " << seed;
  }
}

TEST(Replay, DrawsWithReplacementAndIndependentOfFileOrder) {
  auto list = tasks();
  auto seq = replay_sequence(list, 100000, 7);
  ASSERT_GT(seq.size(), list.size());  // more draws than tasks: some repeat
  auto reversed = list;
  std::reverse(reversed.begin(), reversed.end());
  auto again = replay_sequence(reversed, 100000, 7);
  ASSERT_EQ(seq.size(), again.size());
  for (std::size_t i = 0; i < seq.size(); ++i) EXPECT_EQ(list[seq[i]].name, reversed[again[i]].name);
}

TEST(Replay, BoundedDrawIsUniform) {
  Rng rng(1);
  std::vector<int> counts(3, 0);
  for (int i = 0; i < 30000; ++i) ++counts[rng.below(3)];
  for (int c : counts) EXPECT_NEAR(c, 10000, 500);
}

TEST(Replay, NoGpuTaskGivesNothing) {
  std::vector<TaskSpec> cpu_only(3);
  for (auto& t : cpu_only) t.name = "c", t.cpu_milli = 1000;
  EXPECT_TRUE(replay_sequence(cpu_only, 8000, 42).empty());
}
