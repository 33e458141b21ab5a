// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/mpi/batch_split.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <numeric>
#include <stdexcept>
#include <vector>

using testing::ElementsAre;
using namespace tflops::mpi;

TEST(BatchSplit, SharesFollowTheWeightsAndSumToTheBatch) {
  const std::vector<double> spec = {18, 20, 12};  // TFLOPS of three virtual cards
  EXPECT_THAT(split_batch(100, spec), ElementsAre(36, 40, 24));
  const std::vector<double> equal = {1, 1, 1};
  EXPECT_THAT(split_batch(10, equal), ElementsAre(4, 3, 3));  // ties to the lower rank
  const std::vector<double> skewed = {1000, 1};
  EXPECT_THAT(split_batch(4, skewed), ElementsAre(3, 1));  // everyone keeps a sample
  for (std::size_t batch = 4; batch < 300; batch += 7) {
    const std::vector<double> odd = {0.3, 2.9, 1.1, 7.0};
    const auto shares = split_batch(batch, odd);
    EXPECT_EQ(std::accumulate(shares.begin(), shares.end(), std::size_t{0}), batch);
  }
}

TEST(BatchSplit, OffsetsAndWeights) {
  const std::vector<std::size_t> shares = {36, 40, 24};
  EXPECT_EQ(share_offset(shares, 0), 0u);
  EXPECT_EQ(share_offset(shares, 2), 76u);
  EXPECT_DOUBLE_EQ(gradient_weight(shares, 1), 0.4);
}

TEST(BatchSplit, RejectsImpossibleSplits) {
  const std::vector<double> two = {1, 1};
  EXPECT_THROW(split_batch(1, two), std::invalid_argument);
  const std::vector<double> zero = {1, 0};
  EXPECT_THROW(split_batch(8, zero), std::invalid_argument);
  EXPECT_THROW(split_batch(8, std::vector<double>{}), std::invalid_argument);
}
