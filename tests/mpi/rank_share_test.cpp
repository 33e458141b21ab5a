// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/mpi/rank_share.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

using testing::ElementsAre;
using testing::HasSubstr;
using namespace tflops::mpi;

namespace {

std::vector<std::uint32_t> sizes(const std::vector<std::vector<CardPart>>& parts) {
  std::vector<std::uint32_t> blocks;
  for (const auto& rank : parts) {
    std::uint32_t sum = 0;
    for (const CardPart& part : rank) sum += part.blocks;
    blocks.push_back(sum);
  }
  return blocks;
}

}  // namespace

// The worked example's 50-block card on node0: gpu0 9, gpu1 9, npu0 20, fpga0 12 blocks.
const std::vector<std::uint32_t> kSpecCard = {9, 9, 20, 12};

TEST(RankShare, FewerRanksThanCardsGetWholeCardsBalanced) {
  const auto two = divide_blocks(kSpecCard, 2);
  EXPECT_THAT(two[0], ElementsAre(CardPart{0, 0, 9}, CardPart{1, 0, 9}));
  EXPECT_THAT(two[1], ElementsAre(CardPart{2, 0, 20}, CardPart{3, 0, 12}));
  EXPECT_THAT(sizes(divide_blocks(kSpecCard, 3)), ElementsAre(18, 20, 12));
  EXPECT_THAT(sizes(divide_blocks(kSpecCard, 4)), ElementsAre(9, 9, 20, 12));
  EXPECT_THAT(sizes(divide_blocks(kSpecCard, 1)), ElementsAre(50));
}

TEST(RankShare, MoreRanksThanCardsSplitTheLargestCards) {
  const auto six = divide_blocks(kSpecCard, 6);
  // npu0 (20) and fpga0 (12) have the most blocks per rank: they take the two extra ranks.
  EXPECT_THAT(sizes(six), ElementsAre(9, 9, 10, 10, 6, 6));
  EXPECT_THAT(six[3], ElementsAre(CardPart{2, 10, 10}));
  for (const auto& rank : six) EXPECT_EQ(rank.size(), 1u);  // no rank spans two cards
  // One card, four ranks: 10 blocks cut 3, 3, 2, 2.
  const std::vector<std::uint32_t> one = {10};
  EXPECT_THAT(sizes(divide_blocks(one, 4)), ElementsAre(3, 3, 2, 2));
  // A card never gets more ranks than blocks.
  const std::vector<std::uint32_t> small = {1, 5};
  EXPECT_THAT(sizes(divide_blocks(small, 4)), ElementsAre(1, 2, 2, 1));
}

TEST(RankShare, EveryBlockGoesToExactlyOneRank) {
  const std::vector<std::uint32_t> cards = {3, 7, 1, 8, 2};
  for (int ranks = 1; ranks <= 21; ++ranks) {
    std::vector<int> owner_count(21, 0);
    const auto parts = divide_blocks(cards, ranks);
    ASSERT_EQ(parts.size(), static_cast<std::size_t>(ranks));
    std::vector<std::uint32_t> start = {0, 3, 10, 11, 19};
    for (const auto& rank : parts) {
      ASSERT_FALSE(rank.empty());
      for (const CardPart& part : rank) {
        for (std::uint32_t b = 0; b < part.blocks; ++b) ++owner_count[start[part.card] + part.offset + b];
      }
    }
    EXPECT_THAT(owner_count, testing::Each(1)) << ranks << " ranks";
  }
}

TEST(RankShare, RejectsMoreRanksThanBlocks) {
  const std::vector<std::uint32_t> cards = {2, 1};
  try {
    divide_blocks(cards, 4);
    FAIL() << "4 ranks on 3 blocks accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("only 3 blocks"));
    EXPECT_THAT(e.what(), HasSubstr("--gres=tflops:4"));
  }
  const std::vector<std::uint32_t> none;
  EXPECT_THROW(divide_blocks(none, 1), std::invalid_argument);
}
