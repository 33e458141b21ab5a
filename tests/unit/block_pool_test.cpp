// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/pool/block_pool.h"

#include <gtest/gtest.h>

#include "spec_pools.h"

using namespace tflops::pool;
using tflops::pool::fixtures::layout_of;
using tflops::pool::fixtures::spec_200t;

namespace {
Spans one(std::uint32_t node, std::uint32_t first, std::uint32_t count) { return {Span{node, first, count}}; }
}  // namespace

TEST(BlockPool, Spec50TLandsOnNode0Blocks1To50) {
  BlockPool pool(spec_200t());
  auto spans = pool.find(Request{.blocks = 50});
  ASSERT_TRUE(spans);
  EXPECT_EQ(*spans, one(0, 0, 50));
  pool.take(*spans, 1);
  EXPECT_EQ(pool.free_blocks(), 150u);
  EXPECT_EQ(pool.free_blocks(0, std::nullopt), 13u);
  EXPECT_EQ(pool.owner(0, 49), 1u);
  EXPECT_EQ(pool.owner(0, 50), kNoJob);
}

TEST(BlockPool, BestFitPicksSmallestRunThatHolds) {
  BlockPool pool(layout_of("NodeName=n0 Kind=gpu Name=g0 TFLOPS=20"));
  pool.take(one(0, 0, 2), 1);
  pool.take(one(0, 5, 1), 2);  // free: 2-4 (3), 6-19 (14)
  pool.take(one(0, 9, 1), 3);  // free: 2-4 (3), 6-8 (3), 10-19 (10)
  EXPECT_EQ(*pool.find(Request{.blocks = 3}), one(0, 2, 3));
  EXPECT_EQ(*pool.find(Request{.blocks = 4}), one(0, 10, 4));
  pool.release(one(0, 9, 1));  // free: 2-4, 6-19 merged
  EXPECT_EQ(pool.free_runs(0).size(), 2u);
  EXPECT_EQ(pool.largest_free_run(0, std::nullopt), 14u);
}

TEST(BlockPool, FewestRunsWhenNoRunHolds) {
  BlockPool pool(layout_of("NodeName=n0 Kind=gpu Name=g0 TFLOPS=12"));
  // free runs: 0 (1), 2-3 (2), 5-8 (4), 10 (1)
  pool.take(one(0, 1, 1), 1);
  pool.take(one(0, 4, 1), 2);
  pool.take(one(0, 9, 1), 3);
  pool.take(one(0, 11, 1), 4);
  auto spans = pool.find(Request{.blocks = 6});
  ASSERT_TRUE(spans);
  EXPECT_EQ(*spans, (Spans{{0, 2, 2}, {0, 5, 4}}));  // two runs, not three
  EXPECT_FALSE(pool.find(Request{.blocks = 9}));
}

TEST(BlockPool, TypedRequestsStayInTheirRegionUntypedMaySpan) {
  BlockPool pool(spec_200t());
  EXPECT_EQ(*pool.find(Request{.blocks = 20, .kind = Kind::npu}), one(0, 18, 20));
  EXPECT_EQ(*pool.find(Request{.blocks = 21, .kind = Kind::npu}), one(1, 20, 21));  // node1's NPUs
  EXPECT_EQ(*pool.find(Request{.blocks = 4, .kind = Kind::fpga}), one(0, 38, 4));
  EXPECT_EQ(*pool.find(Request{.blocks = 60}), one(0, 0, 60));
  EXPECT_FALSE(pool.find(Request{.blocks = 26, .kind = Kind::fpga}));  // no node has 26 FPGA blocks
}

TEST(BlockPool, FirstNodeWithARunWinsOverEarlierScatteredNode) {
  BlockPool pool(spec_200t());
  pool.take(one(0, 10, 1), 1);  // node0: 0-9 and 11-62 free
  pool.take(one(0, 40, 1), 2);  // node0: largest run 22
  EXPECT_EQ(pool.find(Request{.blocks = 30})->front().node, 1u);
  EXPECT_EQ(*pool.find(Request{.blocks = 30, .node = 0u}), (Spans{{0, 0, 1}, {0, 11, 29}}));
}

TEST(BlockPool, MultiNodeRequestTakesDistinctNodes) {
  BlockPool pool(spec_200t());
  auto spans = pool.find(Request{.blocks = 26, .nodes = 3});
  ASSERT_TRUE(spans);
  EXPECT_EQ(*spans, (Spans{{0, 0, 26}, {1, 0, 26}, {2, 0, 26}}));
  EXPECT_FALSE(pool.find(Request{.blocks = 56, .nodes = 3}));
  EXPECT_FALSE(pool.find(Request{.blocks = 1, .nodes = 5}));
}

TEST(BlockPool, TakeAndReleaseRefuseDoubleUse) {
  BlockPool pool(spec_200t());
  pool.take(one(0, 0, 5), 1);
  EXPECT_THROW(pool.take(one(0, 4, 2), 2), std::logic_error);
  EXPECT_THROW(pool.release(one(0, 4, 2)), std::logic_error);
  EXPECT_THROW(pool.take(one(0, 60, 10), 2), std::logic_error);  // past the node's end
  EXPECT_EQ(pool.free_blocks(), 195u);                           // nothing changed
}
