// SPDX-License-Identifier: GPL-2.0-or-later
// A two-layer perceptron (inputs -> hidden, ReLU -> classes, softmax cross-entropy) on a virtual
// card, every operation a HAL call. The batch is sharded over the card's slices; weights are
// replicated; weight gradients come out partial (one addend per slice) for GradientReducer.
// Optimiser: SGD with momentum, v = m v + g, w -= lr v, on the reduced (replicated) gradients.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "tflops/hal/buffer.h"

namespace tflops::train {

struct MlpShape {
  std::size_t inputs = 784;
  std::size_t hidden = 256;
  std::size_t classes = 10;
};

class Mlp {
 public:
  // He-initialised from `seed`: the same seed gives the same weights on every rank and card.
  Mlp(hal::VirtualCard& card, MlpShape shape, std::uint64_t seed);
  ~Mlp();
  Mlp(const Mlp&) = delete;
  Mlp& operator=(const Mlp&) = delete;

  const MlpShape& shape() const { return shape_; }

  // Forward and backward over the rows of `x` (rows x inputs, sharded) with class `labels`
  // (rows x 1, sharded). The loss gradient is scaled by `grad_scale` (1/B for the mean over a
  // global batch of B: batch_split.h). Returns the summed loss over the rows; gradients() hold
  // the partial results.
  double forward_backward(const hal::Buffer& x, const hal::Buffer& labels, float grad_scale);
  // Forward only; returns the summed loss.
  double forward(const hal::Buffer& x, const hal::Buffer& labels);
  // How many rows the last forward classified right (argmax of the logits == label).
  std::size_t correct(std::span<const float> labels) const;

  // dW1, db1, dW2, db2 (partial) and the buffers their sums go to (replicated), same order.
  std::vector<const hal::Buffer*> gradients() const;
  std::vector<hal::Buffer*> reduced_gradients();
  void apply(float learning_rate, float momentum);

  // Parameters and momentum as one host vector: all a checkpoint needs (with the epoch).
  std::vector<float> state() const;
  void set_state(std::span<const float> state);

 private:
  double forward_pass(const hal::Buffer& x, const hal::Buffer& labels, float grad_scale);
  struct Activations;
  Activations& activations(std::size_t rows);

  hal::VirtualCard& card_;
  MlpShape shape_;
  std::vector<hal::Buffer> weights_;                                 // W1, b1, W2, b2 (replicated)
  std::vector<hal::Buffer> velocity_;                                // same shapes (replicated)
  std::vector<hal::Buffer> partial_;                                 // dW1, db1, dW2, db2 (partial)
  std::vector<hal::Buffer> reduced_;                                 // their sums (replicated)
  std::map<std::size_t, std::unique_ptr<Activations>> activations_;  // by batch rows
  Activations* last_ = nullptr;
};

}  // namespace tflops::train
