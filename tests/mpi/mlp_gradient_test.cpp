// SPDX-License-Identifier: GPL-2.0-or-later
// The MLP's backward pass against an oracle that shares no code with it: central finite
// differences of the loss, for every parameter of a small network on a small random batch.
//
// The differences are taken on the loss computed here in FP64 (tests/hal/reference.h's GEMM and
// softmax cross-entropy) from the MLP's own parameters, after checking that this loss is the one
// the MLP's FP32 forward computes. Differences of the FP32 loss itself would not do: it is good
// to about 1e-7 of its size, so a step small enough to keep every hidden unit on one side of
// ReLU's kink (a kink crossed makes the difference meaningless) turns that rounding into errors
// as large as the smaller gradients. In FP64 a step of 1e-6 leaves the difference exact to about
// 1e-9, and the comparison is limited only by the FP32 backward's own rounding.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "reference.h"
#include "tflops/hal/hal.h"
#include "tflops/train/mlp.h"

using namespace tflops;

namespace {

constexpr train::MlpShape kShape{12, 10, 5};
constexpr std::size_t kRows = 7;
constexpr double kStep = 1e-6;
// What FP32 arithmetic on sums of a dozen terms leaves of a gradient element (about 1e-6 of the
// largest terms), with room: a wrong backward is off by the size of the gradient itself.
constexpr double kAbsoluteTolerance = 1e-4, kRelativeTolerance = 1e-3;

// The parameters as state() and set_state() hold them: W1 (inputs x hidden), b1, W2 (hidden x
// classes), b2, all row-major, then the momentum of each in the same order.
struct Parameters {
  hal::test::Matrix w1, b1, w2, b2;
};

Parameters parameters_of(const std::vector<float>& state) {
  const auto at = [&](std::size_t first, std::size_t count) {
    return hal::test::Matrix(state.begin() + static_cast<long>(first),
                             state.begin() + static_cast<long>(first + count));
  };
  const std::size_t w1 = kShape.inputs * kShape.hidden, w2 = kShape.hidden * kShape.classes;
  return {at(0, w1), at(w1, kShape.hidden), at(w1 + kShape.hidden, w2),
          at(w1 + kShape.hidden + w2, kShape.classes)};
}

std::vector<double*> flattened(Parameters& p) {
  std::vector<double*> out;
  for (auto* m : {&p.w1, &p.b1, &p.w2, &p.b2})
    for (double& v : *m) out.push_back(&v);
  return out;
}

// Hidden pre-activations X W1 + b1, rows x hidden.
hal::test::Matrix pre_activations(const hal::test::Matrix& x, const Parameters& p) {
  hal::test::Matrix z = hal::test::gemm(false, false, 1.0, x, kRows, kShape.inputs, p.w1, kShape.inputs,
                                        kShape.hidden, 0.0, hal::test::Matrix(kRows * kShape.hidden));
  for (std::size_t r = 0; r < kRows; ++r)
    for (std::size_t h = 0; h < kShape.hidden; ++h) z[r * kShape.hidden + h] += p.b1[h];
  return z;
}

// The summed softmax cross-entropy of the batch, in FP64.
double loss(const hal::test::Matrix& x, const std::vector<float>& labels, const Parameters& p) {
  hal::test::Matrix hidden = pre_activations(x, p);
  for (double& v : hidden) v = std::max(v, 0.0);
  hal::test::Matrix logits = hal::test::gemm(false, false, 1.0, hidden, kRows, kShape.hidden, p.w2,
                                             kShape.hidden, kShape.classes, 0.0,
                                             hal::test::Matrix(kRows * kShape.classes));
  for (std::size_t r = 0; r < kRows; ++r)
    for (std::size_t c = 0; c < kShape.classes; ++c) logits[r * kShape.classes + c] += p.b2[c];
  hal::test::Matrix unused(kRows * kShape.classes);
  return hal::test::softmax_xent(logits, labels, kShape.classes, 1.0, unused);
}

TEST(MlpGradient, BackwardMatchesCentralDifferencesOfTheLoss) {
  // Two uneven host slices: the batch is sharded and the weight gradients are partial sums.
  hal::VirtualCard card = hal::VirtualCard::from_card_list("gpu:cpu0::0-1=host,gpu:cpu1::2=host");
  train::Mlp mlp(card, kShape, 11);

  std::mt19937_64 rng(20240611);  // fixed: the kink margin below is checked for this batch
  // Random biases too (the MLP starts them at zero), so their gradients carry weight.
  std::vector<float> state = mlp.state();
  const std::size_t parameter_count = state.size() / 2;
  const std::vector<float> random = hal::test::random_floats(rng, parameter_count, -0.5f, 0.5f);
  std::copy(random.begin(), random.end(), state.begin());
  std::fill(state.begin() + static_cast<long>(parameter_count), state.end(), 0.0f);
  mlp.set_state(state);
  const std::vector<float> xs = hal::test::random_floats(rng, kRows * kShape.inputs);
  std::vector<float> labels(kRows);
  for (float& label : labels) label = static_cast<float>(rng() % kShape.classes);

  hal::Buffer x(card, kRows, kShape.inputs, hal::Layout::sharded), y(card, kRows, 1, hal::Layout::sharded);
  x.copy_from_host(xs);
  y.copy_from_host(labels);
  const double fp32_loss = mlp.forward_backward(x, y, 1.0f);

  const hal::test::Matrix x64 = hal::test::widen(xs);
  Parameters p = parameters_of(mlp.state());
  ASSERT_EQ(flattened(p).size(), parameter_count);
  // The FP64 loss is the function the MLP computes (same layout of the parameters, same loss).
  const double reference_loss = loss(x64, labels, p);
  ASSERT_NEAR(fp32_loss, reference_loss, 1e-5 * reference_loss);
  // One step moves a pre-activation by at most kStep (inputs are in [-1, 1]): all must stay on
  // their side of ReLU's kink.
  double margin = 1e30;
  for (double z : pre_activations(x64, p)) margin = std::min(margin, std::abs(z));
  ASSERT_GT(margin, 10 * kStep) << "a hidden unit sits on ReLU's kink: pick another batch";

  const char* names[] = {"dW1", "db1", "dW2", "db2"};
  std::vector<float> analytic;
  std::vector<std::pair<std::size_t, std::size_t>> where;  // tensor, element in it
  for (std::size_t g = 0; g < 4; ++g) {
    const std::vector<float> values = mlp.gradients()[g]->to_host();
    analytic.insert(analytic.end(), values.begin(), values.end());
    for (std::size_t e = 0; e < values.size(); ++e) where.push_back({g, e});
  }
  ASSERT_EQ(analytic.size(), parameter_count);

  std::vector<double*> values = flattened(p);
  std::size_t nonzero = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double kept = *values[i];
    *values[i] = kept + kStep;
    const double up = loss(x64, labels, p);
    *values[i] = kept - kStep;
    const double down = loss(x64, labels, p);
    *values[i] = kept;
    const double numeric = (up - down) / (2 * kStep);
    nonzero += std::abs(numeric) > 1e-3;
    EXPECT_NEAR(analytic[i], numeric, kAbsoluteTolerance + kRelativeTolerance * std::abs(numeric))
        << names[where[i].first] << "[" << where[i].second << "]";
  }
  // The check is only as good as the gradients it sees: most must be clearly away from zero.
  EXPECT_GT(nonzero, parameter_count / 2);
}

}  // namespace
