// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/mpi/batch_split.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace tflops::mpi {

std::vector<std::size_t> split_batch(std::size_t global_batch, std::span<const double> weights) {
  const std::size_t ranks = weights.size();
  if (ranks == 0) throw std::invalid_argument("split_batch: no ranks");
  for (std::size_t i = 0; i < ranks; ++i) {
    if (!(weights[i] > 0) || !std::isfinite(weights[i])) {
      throw std::invalid_argument("split_batch: rank " + std::to_string(i) + " has weight " +
                                  std::to_string(weights[i]) + "; every rank needs a positive speed");
    }
  }
  if (global_batch < ranks) {
    throw std::invalid_argument("global batch " + std::to_string(global_batch) + " is smaller than the " +
                                std::to_string(ranks) + " ranks; use a batch of at least " +
                                std::to_string(ranks));
  }
  // One sample each first, then the rest by largest remainder.
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  const std::size_t rest = global_batch - ranks;
  std::vector<std::size_t> shares(ranks, 1);
  std::vector<double> remainder(ranks);
  std::size_t given = 0;
  for (std::size_t i = 0; i < ranks; ++i) {
    const double exact = static_cast<double>(rest) * weights[i] / total;
    const auto whole = static_cast<std::size_t>(std::floor(exact));
    shares[i] += whole;
    given += whole;
    remainder[i] = exact - static_cast<double>(whole);
  }
  std::vector<std::size_t> order(ranks);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return remainder[a] > remainder[b]; });
  for (std::size_t k = 0; given < rest; ++k, ++given) ++shares[order[k % ranks]];
  return shares;
}

std::size_t share_offset(std::span<const std::size_t> shares, std::size_t rank) {
  return std::accumulate(shares.begin(), shares.begin() + static_cast<std::ptrdiff_t>(rank), std::size_t{0});
}

double gradient_weight(std::span<const std::size_t> shares, std::size_t rank) {
  const std::size_t total = std::accumulate(shares.begin(), shares.end(), std::size_t{0});
  return static_cast<double>(shares[rank]) / static_cast<double>(total);
}

}  // namespace tflops::mpi
