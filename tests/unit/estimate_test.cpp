// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/pool/estimate.h"

#include <gtest/gtest.h>

#include "tflops/pool/error.h"

using namespace tflops::pool;

TEST(Estimate, PerSampleTraining) {
  EstimateInput in;
  in.model.gflops_per_sample = 4.0;  // forward
  in.samples_per_second = 1000;
  in.efficiency = 0.4;
  Estimate e = estimate(in);
  EXPECT_DOUBLE_EQ(e.flops_per_sample, 12e9);  // forward + backward
  EXPECT_DOUBLE_EQ(e.sustained_tflops, 12);
  EXPECT_DOUBLE_EQ(e.peak_tflops, 30);
  EXPECT_EQ(e.blocks, 30);
}

TEST(Estimate, TransformerInferenceAndBlockSize) {
  EstimateInput in;
  in.model.parameters = 1e9;
  in.model.tokens_per_sample = 1000;
  in.model.training = false;
  in.samples_per_second = 10;
  in.efficiency = 0.5;
  in.block_tflops = 0.5;
  Estimate e = estimate(in);
  EXPECT_DOUBLE_EQ(e.sustained_tflops, 20);
  EXPECT_EQ(e.blocks, 80);  // 40 peak TFLOPS in half-TFLOPS blocks
}

TEST(Estimate, BadInputIsAnError) {
  EstimateInput none;
  none.samples_per_second = 1;
  EXPECT_THROW(estimate(none), Error);
  EstimateInput both = none;
  both.model.gflops_per_sample = 1;
  both.model.parameters = 1;
  EXPECT_THROW(estimate(both), Error);
  EstimateInput bad_eff = none;
  bad_eff.model.gflops_per_sample = 1;
  bad_eff.efficiency = 1.5;
  EXPECT_THROW(estimate(bad_eff), Error);
  bad_eff.efficiency = 0.5;
  bad_eff.samples_per_second = -1;
  EXPECT_THROW(estimate(bad_eff), Error);
}
