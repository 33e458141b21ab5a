// SPDX-License-Identifier: GPL-2.0-or-later
// Every operation on every available backend against an FP64 host reference: one slice per
// backend, three uneven slices (18:20:12 blocks over host and two OpenCL cards), and a card with
// a slice of a single block. Inputs are fresh random numbers each run; the seed is printed on
// start and again under a failed case, and TFLOPS_PROPERTY_SEED=<seed> reruns with the same inputs.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <memory>
#include <optional>

#include "reference.h"
#include "tflops/hal/hal.h"

namespace tflops::hal {
namespace {

using test::Matrix;

struct Config {
  const char* name;
  const char* cards;
  std::vector<Backend> needs;
};

const Config kConfigs[] = {
    {"host", "gpu:gpu0::0-17=host", {Backend::host}},
    {"opencl", "npu:npu0::0-19=opencl:0", {Backend::opencl}},
    {"mixed",
     "gpu:gpu0::0-17=host,npu:npu0::18-37=opencl:0,fpga:fpga0::38-49=opencl:0",
     {Backend::host, Backend::opencl}},
    {"single_block", "gpu:gpu0::0-8/18=host,fpga:fpga0::20/12=opencl:0", {Backend::host, Backend::opencl}},
    {"cuda", "gpu:gpu0:/dev/nvidia0:0-8=cuda:0,npu:npu0::9-28=opencl:0", {Backend::cuda, Backend::opencl}},
};

bool has_device(Backend backend) {
  for (const DeviceInfo& d : list_devices())
    if (d.selector.backend == backend) return true;
  return false;
}

// One card per configuration for the whole run: CLBlast builds its kernels once per context.
VirtualCard* card_for(const Config& config) {
  static std::map<std::string, std::unique_ptr<VirtualCard>> cards;
  auto& card = cards[config.name];
  if (!card) card = std::make_unique<VirtualCard>(VirtualCard::from_card_list(config.cards));
  return card.get();
}

class Ops : public ::testing::TestWithParam<Config> {
 protected:
  void SetUp() override {
    for (Backend b : GetParam().needs)
      if (!has_device(b)) GTEST_SKIP() << "no " << backend_name(b) << " device here";
    card = card_for(GetParam());
    seed = test::run_seed();
    rng.seed(*seed);
    std::cout << "[ random ] " << test::seed_note(*seed) << " on " << GetParam().cards << "\n";
  }

  // The seed again under the failure, where a reader of a long log looks first.
  void TearDown() override {
    if (HasFailure() && seed) std::cout << "[ random ] failed with " << test::seed_note(*seed) << "\n";
  }

  Buffer upload(std::size_t rows, std::size_t cols, Layout layout, const std::vector<float>& v) {
    Buffer b(*card, rows, cols, layout);
    b.copy_from_host(v);
    return b;
  }

  VirtualCard* card = nullptr;
  std::optional<std::uint64_t> seed;  // unset when SetUp failed before drawing it
  std::mt19937_64 rng;
  static constexpr std::size_t kBatch = 37, kIn = 29, kOut = 19, kClasses = 10;
  static constexpr double kTolerance = 1e-5;
};

TEST_P(Ops, SlicesAreWeightedByBlocks) {
  const auto slices = card->slices();
  const Allocation& alloc = card->allocation();
  ASSERT_EQ(slices.size(), alloc.cards.size());
  for (std::size_t s = 0; s < slices.size(); ++s)
    EXPECT_NEAR(slices[s].weight, double(alloc.cards[s].blocks.size()) / alloc.blocks(), 1e-12);
}

TEST_P(Ops, GemmForwardShardedTimesReplicated) {
  const auto x = test::random_floats(rng, kBatch * kIn), w = test::random_floats(rng, kIn * kOut),
             c0 = test::random_floats(rng, kBatch * kOut);
  Buffer bx = upload(kBatch, kIn, Layout::sharded, x), bw = upload(kIn, kOut, Layout::replicated, w),
         bc = upload(kBatch, kOut, Layout::sharded, c0);
  gemm(Trans::no, Trans::no, 0.7f, bx, bw, 0.3f, bc);
  const Matrix want = test::gemm(false, false, 0.7, test::widen(x), kBatch, kIn, test::widen(w), kIn, kOut,
                                 0.3, test::widen(c0));
  EXPECT_LT(test::relative_error(bc.to_host(), want), kTolerance);
}

TEST_P(Ops, GemmBackwardDataTransposesB) {
  const auto dy = test::random_floats(rng, kBatch * kOut), w = test::random_floats(rng, kIn * kOut);
  Buffer bdy = upload(kBatch, kOut, Layout::sharded, dy), bw = upload(kIn, kOut, Layout::replicated, w);
  Buffer bdx(*card, kBatch, kIn, Layout::sharded);
  gemm(Trans::no, Trans::yes, 1.0f, bdy, bw, 0.0f, bdx);
  const Matrix want = test::gemm(false, true, 1.0, test::widen(dy), kBatch, kOut, test::widen(w), kIn, kOut,
                                 0.0, Matrix(kBatch * kIn));
  EXPECT_LT(test::relative_error(bdx.to_host(), want), kTolerance);
}

TEST_P(Ops, GemmWeightGradientIsPartialOverSlices) {
  const auto x = test::random_floats(rng, kBatch * kIn), dy = test::random_floats(rng, kBatch * kOut),
             c0 = test::random_floats(rng, kIn * kOut);
  Buffer bx = upload(kBatch, kIn, Layout::sharded, x), bdy = upload(kBatch, kOut, Layout::sharded, dy);
  Buffer bdw = upload(kIn, kOut, Layout::partial, c0);
  gemm(Trans::yes, Trans::no, 1.5f, bx, bdy, 0.5f, bdw);
  const Matrix want = test::gemm(true, false, 1.5, test::widen(x), kBatch, kIn, test::widen(dy), kBatch, kOut,
                                 0.5, test::widen(c0));
  EXPECT_LT(test::relative_error(bdw.to_host(), want), kTolerance);
  // The per-slice view: the addends sum to the value.
  std::vector<double> sum(kIn * kOut, 0.0);
  for (std::size_t s = 0; s < bdw.slice_count(); ++s) {
    std::vector<float> part(bdw.slice_rows(s) * kOut);
    bdw.read_slice(s, part);
    for (std::size_t i = 0; i < part.size(); ++i) sum[i] += part[i];
  }
  EXPECT_LT(test::relative_error(bdw.to_host(), sum), kTolerance);
}

TEST_P(Ops, GemmReplicatedBothTransposed) {
  const auto a = test::random_floats(rng, kIn * kBatch), b = test::random_floats(rng, kOut * kIn);
  Buffer ba = upload(kIn, kBatch, Layout::replicated, a), bb = upload(kOut, kIn, Layout::replicated, b);
  Buffer bc(*card, kBatch, kOut, Layout::replicated);
  gemm(Trans::yes, Trans::yes, 1.0f, ba, bb, 0.0f, bc);
  const Matrix want = test::gemm(true, true, 1.0, test::widen(a), kIn, kBatch, test::widen(b), kOut, kIn, 0.0,
                                 Matrix(kBatch * kOut));
  EXPECT_LT(test::relative_error(bc.to_host(), want), kTolerance);
}

TEST_P(Ops, ElementwiseOperations) {
  const auto x = test::random_floats(rng, kBatch * kIn), y = test::random_floats(rng, kBatch * kIn),
             bias = test::random_floats(rng, kIn);
  for (Layout layout : {Layout::sharded, Layout::replicated}) {
    SCOPED_TRACE(std::string(layout_name(layout)));
    Buffer bx = upload(kBatch, kIn, layout, x), by = upload(kBatch, kIn, layout, y);
    Buffer bb = upload(1, kIn, Layout::replicated, bias);
    Matrix want_y(x.size()), want_relu(x.size()), want_grad(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
      want_y[i] = 2.0 * (double(y[i]) - 0.25 * x[i]) + bias[i % kIn];
      want_relu[i] = std::max(want_y[i], 0.0);
      want_grad[i] = want_y[i] > 0 ? x[i] : 0.0;
    }
    axpy(-0.25f, bx, by);
    scale(2.0f, by);
    bias_add(by, bb);
    EXPECT_LT(test::relative_error(by.to_host(), want_y), kTolerance);
    Buffer relu_out(*card, kBatch, kIn, layout), grad(*card, kBatch, kIn, layout);
    relu(by, relu_out);
    EXPECT_LT(test::relative_error(relu_out.to_host(), want_relu), kTolerance);
    relu_grad(bx, by, grad);
    EXPECT_LT(test::relative_error(grad.to_host(), want_grad), kTolerance);
    relu(by, by);  // in place
    EXPECT_LT(test::relative_error(by.to_host(), want_relu), kTolerance);
    Buffer copied(*card, kBatch, kIn, layout);
    copy(bx, copied);
    EXPECT_EQ(copied.to_host(), x);
  }
}

TEST_P(Ops, SoftmaxCrossEntropy) {
  const auto logits = test::random_floats(rng, kBatch * kClasses, -4.0f, 4.0f);
  std::vector<float> labels(kBatch);
  std::uniform_int_distribution<int> label(0, kClasses - 1);
  for (float& l : labels) l = static_cast<float>(label(rng));
  Buffer bl = upload(kBatch, kClasses, Layout::sharded, logits),
         by = upload(kBatch, 1, Layout::sharded, labels);
  Buffer grad(*card, kBatch, kClasses, Layout::sharded);
  const double loss = softmax_xent(bl, by, 1.0f / kBatch, grad);
  Matrix want_grad;
  const double want = test::softmax_xent(test::widen(logits), labels, kClasses, 1.0 / kBatch, want_grad);
  EXPECT_NEAR(loss, want, 1e-5 * std::abs(want));
  EXPECT_LT(test::relative_error(grad.to_host(), want_grad), kTolerance);

  labels[kBatch - 1] = static_cast<float>(kClasses);  // out of range: an error naming the row
  by.copy_from_host(labels);
  try {
    softmax_xent(bl, by, 1.0f, grad);
    FAIL() << "a label outside the classes was accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("row " + std::to_string(kBatch - 1)), std::string::npos)
        << error.what();
  }
}

TEST_P(Ops, ColumnAndRowSums) {
  const auto x = test::random_floats(rng, kBatch * kIn);
  Buffer bx = upload(kBatch, kIn, Layout::sharded, x);
  Buffer cols(*card, 1, kIn, Layout::partial), rows(*card, kBatch, 1, Layout::sharded);
  col_sum(bx, cols);
  row_sum(bx, rows);
  Matrix want_cols(kIn, 0.0), want_rows(kBatch, 0.0);
  for (std::size_t r = 0; r < kBatch; ++r)
    for (std::size_t c = 0; c < kIn; ++c) {
      want_cols[c] += x[r * kIn + c];
      want_rows[r] += x[r * kIn + c];
    }
  EXPECT_LT(test::relative_error(cols.to_host(), want_cols), kTolerance);
  EXPECT_LT(test::relative_error(rows.to_host(), want_rows), kTolerance);
}

TEST_P(Ops, PartialReducedOnHostAndBroadcastBack) {
  // What a hierarchical all-reduce does: sum the slices' addends on the host, write the result
  // back replicated, and use it in an update.
  const auto x = test::random_floats(rng, kBatch * kIn), w = test::random_floats(rng, kIn);
  Buffer bx = upload(kBatch, kIn, Layout::sharded, x);
  Buffer g(*card, 1, kIn, Layout::partial);
  col_sum(bx, g);
  std::vector<float> host = g.to_host();
  g.copy_from_host(host, Layout::replicated);
  EXPECT_EQ(g.layout(), Layout::replicated);
  Buffer bw = upload(1, kIn, Layout::replicated, w);
  axpy(-0.1f, g, bw);
  Matrix want(kIn);
  for (std::size_t c = 0; c < kIn; ++c) {
    double sum = 0;
    for (std::size_t r = 0; r < kBatch; ++r) sum += x[r * kIn + c];
    want[c] = w[c] - 0.1 * sum;
  }
  EXPECT_LT(test::relative_error(bw.to_host(), want), kTolerance);
  for (std::size_t s = 0; s < bw.slice_count(); ++s) {  // every replica equal
    std::vector<float> replica(kIn);
    bw.read_slice(s, replica);
    EXPECT_EQ(replica, bw.to_host());
  }
}

TEST_P(Ops, RangeCopiesReadAndWriteOnePieceInEveryLayout) {
  // Pieces that start and end inside rows and cross slice boundaries of a sharded buffer.
  const std::size_t size = kBatch * kIn;
  const std::size_t first = kIn + 3, count = size / 2 + 5;
  for (Layout layout : {Layout::sharded, Layout::replicated, Layout::partial}) {
    SCOPED_TRACE(std::string(layout_name(layout)));
    const auto before = test::random_floats(rng, size), piece = test::random_floats(rng, count);
    Buffer b = upload(kBatch, kIn, layout, before);
    if (layout == Layout::partial) {  // every slice an addend, so the read must sum them
      for (std::size_t s = 0; s < b.slice_count(); ++s) {
        std::vector<float> addend(size, 0.5f);
        b.write_slice(s, addend);
      }
    }
    const std::vector<float> value = b.to_host();
    std::vector<float> read(count);
    b.copy_to_host(first, read);
    EXPECT_EQ(read, std::vector<float>(value.begin() + first, value.begin() + first + count));

    b.copy_from_host(first, piece);
    std::vector<float> want = value;
    std::copy(piece.begin(), piece.end(), want.begin() + first);
    EXPECT_EQ(b.to_host(), want);  // the piece written, the rest untouched
    EXPECT_EQ(b.layout(), layout);
  }
  Buffer b(*card, kBatch, kIn, Layout::replicated);
  std::vector<float> too_long(5);
  EXPECT_THROW(b.copy_to_host(size - 4, too_long), Error);
  EXPECT_THROW(b.copy_from_host(size + 1, std::span<const float>()), Error);
}

TEST_P(Ops, MeasuredWeightsResplitShardedBuffers) {
  const auto x = test::random_floats(rng, kBatch * kIn);
  Buffer bx = upload(kBatch, kIn, Layout::sharded, x);
  const std::vector<double> before = card->weights();
  std::vector<double> skewed(before.size(), 1.0);
  skewed[0] = 5.0;
  card->set_weights(skewed);
  EXPECT_EQ(bx.to_host(), x);
  if (card->slice_count() > 1) {
    EXPECT_GT(bx.slice_rows(0), bx.slice_rows(1));
  }
  card->set_weights(before);
  EXPECT_EQ(bx.to_host(), x);
}

TEST_P(Ops, BalancedSplitKeepsValuesAndComputesTheSameProduct) {
  const auto x = test::random_floats(rng, kBatch * kIn), w = test::random_floats(rng, kIn * kOut);
  Buffer bx = upload(kBatch, kIn, Layout::sharded, x), bw = upload(kIn, kOut, Layout::replicated, w);
  const std::vector<double> before = card->weights();
  const std::vector<double> balanced = card->balance(kBatch, kOut, kIn, 2);
  EXPECT_EQ(balanced, card->weights());
  double total = 0;
  for (double weight : balanced) {
    EXPECT_GT(weight, 0.0);
    total += weight;
  }
  EXPECT_NEAR(total, 1.0, 1e-12);
  EXPECT_EQ(bx.to_host(), x);  // re-split, not lost
  std::size_t rows = 0;
  for (std::size_t s = 0; s < bx.slice_count(); ++s) rows += bx.slice_rows(s);
  EXPECT_EQ(rows, kBatch);
  Buffer by(*card, kBatch, kOut, Layout::sharded);
  gemm(Trans::no, Trans::no, 1.0f, bx, bw, 0.0f, by);
  const Matrix want = test::gemm(false, false, 1.0, test::widen(x), kBatch, kIn, test::widen(w), kIn, kOut,
                                 0.0, Matrix(kBatch * kOut));
  EXPECT_LT(test::relative_error(by.to_host(), want), kTolerance);
  card->set_weights(before);
}

INSTANTIATE_TEST_SUITE_P(Backends, Ops, ::testing::ValuesIn(kConfigs),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace tflops::hal
