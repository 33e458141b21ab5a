// SPDX-License-Identifier: GPL-2.0-or-later
#include <algorithm>
#include <cmath>
#include <numeric>

#include "tflops/hal/error.h"
#include "tflops/hal/virtual_card.h"

namespace tflops::hal {

RowSplit split_rows(std::size_t rows, const std::vector<double>& weights) {
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  if (weights.empty() || !(total > 0)) throw Error("split_rows: the weights must be positive");
  RowSplit split;
  split.rows.resize(weights.size());
  split.offset.resize(weights.size());
  // Largest remainder: floor of each exact share, then one more row to the largest remainders
  // (ties to the lower slice), so the split is deterministic and sums to `rows`.
  std::vector<std::pair<double, std::size_t>> remainders;
  std::size_t given = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const double exact = static_cast<double>(rows) * weights[i] / total;
    split.rows[i] = static_cast<std::size_t>(std::floor(exact));
    given += split.rows[i];
    remainders.emplace_back(exact - std::floor(exact), i);
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t j = 0; given < rows; ++j, ++given) ++split.rows[remainders[j % remainders.size()].second];
  for (std::size_t i = 1; i < weights.size(); ++i) split.offset[i] = split.offset[i - 1] + split.rows[i - 1];
  return split;
}

}  // namespace tflops::hal
