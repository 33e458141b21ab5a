// SPDX-License-Identifier: GPL-2.0-or-later
#include "reference.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace tflops::hal::test {

std::uint64_t run_seed() {
  const char* given = std::getenv("TFLOPS_PROPERTY_SEED");
  if (given == nullptr || *given == '\0') {
    std::random_device device;
    return std::uint64_t{device()} << 32 | device();
  }
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(given, &end, 0);
  if (errno != 0 || *end != '\0' || *given == '-') {
    throw std::invalid_argument(std::string("TFLOPS_PROPERTY_SEED='") + given +
                                "': give an unsigned number, as a failed run printed it");
  }
  return value;
}

std::string seed_note(std::uint64_t seed) {
  return "seed " + std::to_string(seed) + " (rerun with TFLOPS_PROPERTY_SEED=" + std::to_string(seed) + ")";
}

std::vector<float> random_floats(std::mt19937_64& rng, std::size_t n, float lo, float hi) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> out(n);
  for (float& v : out) v = dist(rng);
  return out;
}

Matrix widen(const std::vector<float>& values) { return Matrix(values.begin(), values.end()); }

Matrix gemm(bool ta, bool tb, double alpha, const Matrix& a, std::size_t ar, std::size_t ac, const Matrix& b,
            std::size_t br, std::size_t bc, double beta, const Matrix& c) {
  const std::size_t m = ta ? ac : ar, k = ta ? ar : ac, n = tb ? br : bc;
  Matrix out(m * n);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      double sum = 0;
      for (std::size_t p = 0; p < k; ++p)
        sum += (ta ? a[p * ac + i] : a[i * ac + p]) * (tb ? b[j * bc + p] : b[p * bc + j]);
      out[i * n + j] = alpha * sum + beta * c[i * n + j];
    }
  return out;
}

double softmax_xent(const Matrix& logits, const std::vector<float>& labels, std::size_t classes, double scale,
                    Matrix& grad) {
  const std::size_t rows = labels.size();
  grad.assign(rows * classes, 0.0);
  double loss = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    const double* z = &logits[r * classes];
    double top = z[0], sum = 0;
    for (std::size_t c = 1; c < classes; ++c) top = std::max(top, z[c]);
    for (std::size_t c = 0; c < classes; ++c) sum += std::exp(z[c] - top);
    const auto y = static_cast<std::size_t>(labels[r]);
    loss += std::log(sum) - (z[y] - top);
    for (std::size_t c = 0; c < classes; ++c)
      grad[r * classes + c] = scale * (std::exp(z[c] - top) / sum - (c == y ? 1.0 : 0.0));
  }
  return loss;
}

double relative_error(const std::vector<float>& got, const Matrix& want) {
  double diff = 0, norm = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    diff += (got[i] - want[i]) * (got[i] - want[i]);
    norm += want[i] * want[i];
  }
  if (got.size() != want.size()) return 1e30;
  return std::sqrt(diff) / (norm > 0 ? std::sqrt(norm) : 1.0);
}

}  // namespace tflops::hal::test
