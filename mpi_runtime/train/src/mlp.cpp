// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/train/mlp.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

#include "tflops/hal/ops.h"

namespace tflops::train {

using hal::Buffer;
using hal::Layout;
using hal::Trans;

struct Mlp::Activations {
  Buffer hidden, logits, dlogits, dhidden;  // sharded, rows x (hidden | classes)
  Activations(hal::VirtualCard& card, std::size_t rows, const MlpShape& shape)
      : hidden(card, rows, shape.hidden, Layout::sharded),
        logits(card, rows, shape.classes, Layout::sharded),
        dlogits(card, rows, shape.classes, Layout::sharded),
        dhidden(card, rows, shape.hidden, Layout::sharded) {}
};

Mlp::Mlp(hal::VirtualCard& card, MlpShape shape, std::uint64_t seed) : card_(card), shape_(shape) {
  const std::size_t rows[4] = {shape.inputs, 1, shape.hidden, 1};
  const std::size_t cols[4] = {shape.hidden, shape.hidden, shape.classes, shape.classes};
  std::mt19937_64 random(seed);
  for (int i = 0; i < 4; ++i) {
    weights_.emplace_back(card, rows[i], cols[i], Layout::replicated);
    velocity_.emplace_back(card, rows[i], cols[i], Layout::replicated);
    partial_.emplace_back(card, rows[i], cols[i], Layout::partial);
    reduced_.emplace_back(card, rows[i], cols[i], Layout::replicated);
    if (i % 2 == 1) continue;  // biases start at zero
    // He initialisation, uniform with the normal's variance 2/fan_in: exact and portable bits.
    const double bound = std::sqrt(6.0 / static_cast<double>(rows[i]));
    std::vector<float> values(rows[i] * cols[i]);
    for (float& value : values) {
      value = static_cast<float>((static_cast<double>(random() >> 11) * 0x1p-53 * 2.0 - 1.0) * bound);
    }
    weights_.back().copy_from_host(values);
  }
}

Mlp::~Mlp() = default;

Mlp::Activations& Mlp::activations(std::size_t rows) {
  auto& slot = activations_[rows];
  if (!slot) slot = std::make_unique<Activations>(card_, rows, shape_);
  return *slot;
}

// The forward pass and the loss; the loss gradient (scaled) lands in the activations' dlogits.
double Mlp::forward_pass(const Buffer& x, const Buffer& labels, float grad_scale) {
  Activations& a = activations(x.rows());
  last_ = &a;
  hal::gemm(Trans::no, Trans::no, 1.0f, x, weights_[0], 0.0f, a.hidden);
  hal::bias_add(a.hidden, weights_[1]);
  hal::relu(a.hidden, a.hidden);
  hal::gemm(Trans::no, Trans::no, 1.0f, a.hidden, weights_[2], 0.0f, a.logits);
  hal::bias_add(a.logits, weights_[3]);
  return hal::softmax_xent(a.logits, labels, grad_scale, a.dlogits);
}

double Mlp::forward(const Buffer& x, const Buffer& labels) { return forward_pass(x, labels, 1.0f); }

double Mlp::forward_backward(const Buffer& x, const Buffer& labels, float grad_scale) {
  const double loss = forward_pass(x, labels, grad_scale);
  Activations& a = *last_;
  hal::gemm(Trans::yes, Trans::no, 1.0f, a.hidden, a.dlogits, 0.0f, partial_[2]);   // dW2 = H^T dY
  hal::col_sum(a.dlogits, partial_[3]);                                             // db2
  hal::gemm(Trans::no, Trans::yes, 1.0f, a.dlogits, weights_[2], 0.0f, a.dhidden);  // dH = dY W2^T
  hal::relu_grad(a.dhidden, a.hidden, a.dhidden);
  hal::gemm(Trans::yes, Trans::no, 1.0f, x, a.dhidden, 0.0f, partial_[0]);  // dW1 = X^T dH
  hal::col_sum(a.dhidden, partial_[1]);                                     // db1
  return loss;
}

std::size_t Mlp::correct(std::span<const float> labels) const {
  if (last_ == nullptr || labels.size() != last_->logits.rows()) {
    throw std::invalid_argument("Mlp::correct: needs the labels of the last forward's rows");
  }
  const std::vector<float> logits = last_->logits.to_host();
  std::size_t right = 0;
  for (std::size_t r = 0; r < labels.size(); ++r) {
    const float* row = logits.data() + r * shape_.classes;
    const auto best = std::max_element(row, row + shape_.classes) - row;
    right += static_cast<float>(best) == labels[r] ? 1 : 0;
  }
  return right;
}

std::vector<const Buffer*> Mlp::gradients() const {
  return {&partial_[0], &partial_[1], &partial_[2], &partial_[3]};
}

std::vector<Buffer*> Mlp::reduced_gradients() {
  return {&reduced_[0], &reduced_[1], &reduced_[2], &reduced_[3]};
}

void Mlp::apply(float learning_rate, float momentum) {
  for (std::size_t i = 0; i < weights_.size(); ++i) {
    hal::scale(momentum, velocity_[i]);
    hal::axpy(1.0f, reduced_[i], velocity_[i]);
    hal::axpy(-learning_rate, velocity_[i], weights_[i]);
  }
}

std::vector<float> Mlp::state() const {
  std::vector<float> state;
  for (const auto* list : {&weights_, &velocity_}) {
    for (const Buffer& buffer : *list) {
      const std::vector<float> values = buffer.to_host();
      state.insert(state.end(), values.begin(), values.end());
    }
  }
  return state;
}

void Mlp::set_state(std::span<const float> state) {
  std::size_t offset = 0;
  for (auto* list : {&weights_, &velocity_}) {
    for (Buffer& buffer : *list) {
      if (offset + buffer.size() > state.size())
        throw std::invalid_argument("Mlp::set_state: state too short");
      buffer.copy_from_host(state.subspan(offset, buffer.size()));
      offset += buffer.size();
    }
  }
  if (offset != state.size())
    throw std::invalid_argument("Mlp::set_state: state has the wrong size for this shape");
}

}  // namespace tflops::train
