// SPDX-License-Identifier: GPL-2.0-or-later
// Step 1 of the method (doc/design.md): the TFLOPS a training or inference job needs, from its
// model's cost.
#pragma once

#include <cstdint>
#include <optional>

namespace tflops::pool {

struct ModelCost {
  // Either the forward cost of one sample...
  std::optional<double> gflops_per_sample;
  // ...or a transformer's parameters and tokens per sample (forward = 2 * params * tokens).
  std::optional<double> parameters;
  std::optional<double> tokens_per_sample;
  bool training = true;  // training costs 3 forwards (forward + backward), inference 1
};

struct EstimateInput {
  ModelCost model;
  double samples_per_second = 0;
  double efficiency = 0.4;  // achieved / peak FLOPS the job expects
  double block_tflops = 1.0;
};

struct Estimate {
  double flops_per_sample = 0;  // the whole step, training or inference
  double sustained_tflops = 0;  // what the job computes per second
  double peak_tflops = 0;       // sustained / efficiency: what to request
  std::int64_t blocks = 0;      // peak rounded up to whole blocks
};

// Throws Error naming the bad input and the fix.
Estimate estimate(const EstimateInput& input);

}  // namespace tflops::pool
