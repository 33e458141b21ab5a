// SPDX-License-Identifier: GPL-2.0-or-later
// FP64 host references for the HAL's operations, random inputs and the error measure the tests
// use (norm-wise relative error, which FP32 must keep under 1e-5).
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace tflops::hal::test {

using Matrix = std::vector<double>;  // row-major

// The seed of this run's random inputs: TFLOPS_PROPERTY_SEED when set (the project's one knob
// for rerunning a randomized test, as for the pool's property tests), else a fresh one. Throws
// std::invalid_argument for a value that is not an unsigned 64-bit number. The tests print it on
// start and on failure (seed_note), so that a failure can be rerun with the same inputs.
std::uint64_t run_seed();
// "seed N (rerun with TFLOPS_PROPERTY_SEED=N)".
std::string seed_note(std::uint64_t seed);
std::vector<float> random_floats(std::mt19937_64& rng, std::size_t n, float lo = -1.0f, float hi = 1.0f);
Matrix widen(const std::vector<float>& values);

// C = alpha op(A) op(B) + beta C; A is ar x ac, B is br x bc as stored.
Matrix gemm(bool ta, bool tb, double alpha, const Matrix& a, std::size_t ar, std::size_t ac, const Matrix& b,
            std::size_t br, std::size_t bc, double beta, const Matrix& c);
// Per-row loss sum, and the gradient, of softmax cross-entropy.
double softmax_xent(const Matrix& logits, const std::vector<float>& labels, std::size_t classes, double scale,
                    Matrix& grad);

// ||got - want|| / ||want|| (||want|| taken as 1 when it is 0).
double relative_error(const std::vector<float>& got, const Matrix& want);

}  // namespace tflops::hal::test
