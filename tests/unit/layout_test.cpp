// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/pool/layout.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "spec_pools.h"
#include "tflops/pool/error.h"

using testing::HasSubstr;
using namespace tflops::pool;
using tflops::pool::fixtures::layout_of;
using tflops::pool::fixtures::spec_200t;

TEST(Layout, Spec200TNumbersNodesFromOnePoolWide) {
  auto layout = spec_200t();
  EXPECT_EQ(layout->total_blocks(), 200u);
  std::vector<std::uint32_t> sizes;
  for (const auto& n : layout->nodes()) sizes.push_back(n.blocks);
  EXPECT_EQ(sizes, (std::vector<std::uint32_t>{63, 56, 26, 55}));
  EXPECT_EQ(layout->to_global(0, 0), 1u);
  EXPECT_EQ(layout->to_global(1, 0), 64u);
  EXPECT_EQ(layout->to_global(3, 54), 200u);
  EXPECT_EQ(layout->to_local(64), (std::pair<std::uint32_t, std::uint32_t>{1, 0}));
  EXPECT_EQ(layout->to_local(200), (std::pair<std::uint32_t, std::uint32_t>{3, 54}));
  EXPECT_THROW(layout->to_local(0), Error);
  EXPECT_THROW(layout->to_local(201), Error);
}

TEST(Layout, Spec50TCardRegionsAreGpuNpuFpga) {
  auto layout = spec_200t();
  // The worked example (README.md): blocks 1-18 are GPU, 19-38 NPU, 39-50 FPGA (of node0's 39-63).
  const auto& node0 = layout->nodes()[0];
  EXPECT_EQ(node0.regions[size_t(Kind::gpu)].first, 0u);
  EXPECT_EQ(node0.regions[size_t(Kind::gpu)].count, 18u);
  EXPECT_EQ(node0.regions[size_t(Kind::npu)].first, 18u);
  EXPECT_EQ(node0.regions[size_t(Kind::npu)].count, 20u);
  EXPECT_EQ(node0.regions[size_t(Kind::fpga)].first, 38u);
  EXPECT_EQ(node0.regions[size_t(Kind::fpga)].count, 25u);
  for (std::uint64_t g = 1; g <= 50; ++g) {
    auto [node, local] = layout->to_local(g);
    Kind want = g <= 18 ? Kind::gpu : g <= 38 ? Kind::npu : Kind::fpga;
    EXPECT_EQ(layout->card_at(node, local).kind, want) << g;
  }
  // One sub-range per card, in file order: gpu0 1-9, gpu1 10-18.
  EXPECT_EQ(layout->inventory().cards[layout->card_at(0, 8).card].name, "gpu0");
  EXPECT_EQ(layout->inventory().cards[layout->card_at(0, 9).card].name, "gpu1");
}

TEST(Layout, RegionOrderIsConfigurableAndCardsKeepFileOrder) {
  auto layout = spec_200t("RegionOrder=fpga,npu,gpu");
  const auto& node0 = layout->nodes()[0];
  EXPECT_EQ(node0.regions[size_t(Kind::fpga)].first, 0u);
  EXPECT_EQ(node0.regions[size_t(Kind::npu)].first, 25u);
  EXPECT_EQ(node0.regions[size_t(Kind::gpu)].first, 45u);
  // node2: the npu line comes after the fpga lines in the file, but regions follow RegionOrder.
  const auto& node2 = layout->nodes()[2];
  EXPECT_EQ(node2.regions[size_t(Kind::fpga)].count, 23u);
  EXPECT_EQ(node2.regions[size_t(Kind::npu)].first, 23u);
}

TEST(Layout, FractionalTflopsRoundDownToWholeBlocks) {
  auto layout = layout_of("NodeName=n0 Kind=gpu Name=g0 TFLOPS=9.9\nNodeName=n0 Kind=npu Name=a TFLOPS=0.3",
                          "BlockTFLOPS=0.1");
  EXPECT_EQ(layout->nodes()[0].regions[size_t(Kind::gpu)].count, 99u);
  EXPECT_EQ(layout->nodes()[0].regions[size_t(Kind::npu)].count, 3u);  // not 2: 0.3/0.1 is 3
  auto whole = layout_of("NodeName=n0 Kind=gpu Name=g0 TFLOPS=19.5");
  EXPECT_EQ(whole->nodes()[0].blocks, 19u);
}

TEST(Layout, AbsurdRatiosAreRefusedNotOverflowed) {
  EXPECT_THAT([] { layout_of("NodeName=n0 Kind=gpu Name=g0 TFLOPS=9.2e20"); },
              testing::ThrowsMessage<Error>(HasSubstr("over Slurm's limit of 1024")));
}

TEST(Layout, CardBelowOneBlockIsRefusedWithFix) {
  EXPECT_THAT([] { layout_of("NodeName=n0 Kind=fpga Name=f0 TFLOPS=0.5"); },
              testing::ThrowsMessage<Error>(
                  AllOf(HasSubstr("test.conf:2"), HasSubstr("f0"), HasSubstr("BlockTFLOPS=0.5 or less"))));
}

TEST(Layout, NodeOverSlurmCapNamesSmallestBlockSizeThatFits) {
  try {
    layout_of("NodeName=big Kind=gpu Name=g[0-7] TFLOPS=312");  // 8 x 312 = 2496 blocks
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("node big has 2496 blocks"), HasSubstr("1024"),
                                HasSubstr("BlockTFLOPS=2.42")));
  }
  // The size it names does fit, and the next smaller step does not.
  EXPECT_EQ(layout_of("NodeName=big Kind=gpu Name=g[0-7] TFLOPS=312", "BlockTFLOPS=2.42")->nodes()[0].blocks,
            1024u);
  EXPECT_THROW(layout_of("NodeName=big Kind=gpu Name=g[0-7] TFLOPS=312", "BlockTFLOPS=2.41"), Error);
}
