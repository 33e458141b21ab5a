// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/pool/estimate.h"

#include <cmath>
#include <string>

#include "tflops/pool/error.h"

namespace tflops::pool {
namespace {

void require_positive(double value, const std::string& name, const std::string& fix) {
  if (!(value > 0) || !std::isfinite(value)) {
    throw Error(name + " must be a positive number (got " + std::to_string(value) + "); " + fix);
  }
}

}  // namespace

Estimate estimate(const EstimateInput& input) {
  const ModelCost& model = input.model;
  const bool per_sample = model.gflops_per_sample.has_value();
  const bool transformer = model.parameters.has_value() || model.tokens_per_sample.has_value();
  if (per_sample == transformer) {
    throw Error(
        "give the model's cost either as GFLOPs per sample or as parameters and tokens "
        "per sample, not both and not neither");
  }
  double forward = 0;
  if (per_sample) {
    require_positive(*model.gflops_per_sample, "GFLOPs per sample", "e.g. 4.1 for ResNet-50");
    forward = *model.gflops_per_sample * 1e9;
  } else {
    if (!model.parameters || !model.tokens_per_sample) {
      throw Error("a transformer's cost needs both its parameters and its tokens per sample");
    }
    require_positive(*model.parameters, "parameters", "e.g. 1.3e9");
    require_positive(*model.tokens_per_sample, "tokens per sample", "e.g. 2048");
    forward = 2 * *model.parameters * *model.tokens_per_sample;  // a multiply-add per weight per token
  }
  require_positive(input.samples_per_second, "samples per second", "give the throughput wanted");
  require_positive(input.block_tflops, "block TFLOPS", "the pool's BlockTFLOPS, usually 1");
  if (!(input.efficiency > 0 && input.efficiency <= 1)) {
    throw Error("efficiency must be in (0, 1] (got " + std::to_string(input.efficiency) +
                "); 0.3-0.5 is typical for training");
  }
  Estimate out;
  out.flops_per_sample = forward * (model.training ? 3 : 1);  // backward costs two forwards
  out.sustained_tflops = out.flops_per_sample * input.samples_per_second / 1e12;
  out.peak_tflops = out.sustained_tflops / input.efficiency;
  out.blocks = static_cast<std::int64_t>(std::ceil(out.peak_tflops / input.block_tflops - 1e-9));
  if (out.blocks < 1) out.blocks = 1;
  return out;
}

}  // namespace tflops::pool
