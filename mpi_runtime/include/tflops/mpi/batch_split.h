// SPDX-License-Identifier: GPL-2.0-or-later
// Heterogeneous data parallelism: batch shares proportional to each rank's speed, and the
// gradient weighting that keeps the summed gradient exact.
//
// Rank i computes on b_i of the B samples of a global batch (sum b_i = B). Its local gradient of
// the mean loss over its own samples, g_i, is scaled by b_i / B before the SUM all-reduce:
// sum_i (b_i / B) g_i = (1/B) sum over all B samples = the full-batch gradient. Averaging by the
// number of ranks instead is wrong as soon as the b_i differ.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace tflops::mpi {

// b_i proportional to weights[i] (e.g. each virtual card's TFLOPS), summing to global_batch,
// each at least 1: largest remainder, ties to the lower rank, so every rank computes the same.
// Throws std::invalid_argument for no weights, a weight that is not positive, or
// global_batch < number of ranks.
std::vector<std::size_t> split_batch(std::size_t global_batch, std::span<const double> weights);

// Where rank i's samples start inside the global batch (exclusive prefix sum of the shares).
std::size_t share_offset(std::span<const std::size_t> shares, std::size_t rank);

// The factor rank i applies to its local mean gradient: b_i / B.
double gradient_weight(std::span<const std::size_t> shares, std::size_t rank);

}  // namespace tflops::mpi
