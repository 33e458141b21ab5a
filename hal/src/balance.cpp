// SPDX-License-Identifier: GPL-2.0-or-later
// VirtualCard::balance: weights from the slices' rates measured at the shape of the work, with
// every slice running at once. A device's rate alone on a square GEMM is not its rate on its row
// share: a small share pays fixed costs (CLBlast pads rows to its tile size and packs B on every
// call), and devices running together share memory bandwidth. So the split is refined from what
// each slice achieves on its own rows, and the split with the shortest makespan is kept (a
// rate that jumps at tile boundaries can make the refinement oscillate).
#include <algorithm>
#include <numeric>

#include "card_state.h"
#include "sgemm_timer.h"
#include "tflops/hal/error.h"
#include "tflops/hal/virtual_card.h"

namespace tflops::hal {

namespace {

struct Round {
  std::vector<double> seconds;  // per slice, best of the repeats (0: no rows)
  double makespan = 0;
};

// Runs each slice's rows of (rows x k) x (k x n) on all slices at once, `repeats` times after a
// warm-up; returns each slice's best time.
Round time_split(detail::CardState& card, const RowSplit& split, std::size_t n, std::size_t k, int repeats) {
  Round round;
  round.seconds.assign(card.slices.size(), 0.0);
  card.each_slice([&](std::size_t s) {  // each worker writes its own element
    if (split.rows[s] > 0)
      round.seconds[s] = detail::time_sgemm(*card.slices[s].device, split.rows[s], n, k, repeats);
  });
  round.makespan = *std::max_element(round.seconds.begin(), round.seconds.end());
  return round;
}

}  // namespace

std::vector<double> VirtualCard::balance(std::size_t rows, std::size_t n, std::size_t k, int rounds) {
  if (rows == 0 || n == 0 || k == 0 || rounds < 1)
    throw Error("balance: rows, n, k and rounds must be positive (got " + std::to_string(rows) + ", " +
                std::to_string(n) + ", " + std::to_string(k) + ", " + std::to_string(rounds) + ")");
  std::lock_guard lock(state_->mutex);
  state_->check_active("balance");
  detail::CardState& card = *state_;
  std::vector<double> weights = card.weights, best_weights = weights;
  double best_makespan = 1e30;
  for (int r = 0; r < rounds; ++r) {
    const RowSplit split = split_rows(rows, weights);
    const Round round = time_split(card, split, n, k, 2);
    if (round.makespan < best_makespan) {
      best_makespan = round.makespan;
      best_weights = weights;
    }
    // Each slice's next weight is the rows per second it achieved, scaled so that the measured
    // slices keep their total weight; a slice given no rows keeps its weight.
    double rate = 0, measured_weight = 0;
    for (std::size_t s = 0; s < weights.size(); ++s) {
      if (split.rows[s] == 0) continue;
      rate += split.rows[s] / round.seconds[s];
      measured_weight += weights[s];
    }
    for (std::size_t s = 0; s < weights.size(); ++s)
      if (split.rows[s]) weights[s] = split.rows[s] / round.seconds[s] / rate * measured_weight;
  }
  detail::apply_weights(card, best_weights);
  return card.weights;
}

}  // namespace tflops::hal
