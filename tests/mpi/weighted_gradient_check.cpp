// SPDX-License-Identifier: GPL-2.0-or-later
// Runs under mpirun: the batch-share-weighted, hierarchically all-reduced gradient of the MLP
// equals the single-process full-batch gradient on a fixed batch, to FP32 rounding.
// Every rank binds its share of the card list in argv[1] (unequal shares, possibly different
// backends), computes its b_i rows with the loss gradient scaled by 1/B, and all-reduces; each
// rank then recomputes the whole batch alone on a one-slice host card and compares.
#include <mpi.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "tflops/mpi/batch_split.h"
#include "tflops/mpi/binding.h"
#include "tflops/mpi/card_allreduce.h"
#include "tflops/train/mlp.h"

using namespace tflops;
using namespace tflops::mpi;
using namespace tflops::train;

int main(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  int failures = 0;
  try {
    if (argc != 2) throw std::invalid_argument("usage: weighted_gradient_check CARD_LIST");
    Communicator comm(MPI_COMM_WORLD);
    hal::VirtualCard card = bind_virtual_card(MPI_COMM_WORLD, BindOptions{argv[1], {}});
    const MlpShape shape{64, 32, 10};
    constexpr std::size_t kBatch = 61;  // prime: shares never divide it evenly
    std::mt19937_64 random(7);
    std::vector<float> x(kBatch * shape.inputs), labels(kBatch);
    for (float& v : x) v = static_cast<float>(random() % 1000) / 1000.0f;
    for (float& v : labels) v = static_cast<float>(random() % shape.classes);

    const double blocks = card.allocation().blocks();
    std::vector<double> speeds(static_cast<std::size_t>(comm.size()));
    MPI_Allgather(&blocks, 1, MPI_DOUBLE, speeds.data(), 1, MPI_DOUBLE, MPI_COMM_WORLD);
    const auto shares = split_batch(kBatch, speeds);
    const auto rank = static_cast<std::size_t>(comm.rank());
    const std::size_t mine = shares[rank], offset = share_offset(shares, rank);

    Mlp model(card, shape, 3);
    hal::Buffer xs(card, mine, shape.inputs, hal::Layout::sharded), ys(card, mine, 1, hal::Layout::sharded);
    xs.copy_from_host(std::span<const float>(x).subspan(offset * shape.inputs, mine * shape.inputs));
    ys.copy_from_host(std::span<const float>(labels).subspan(offset, mine));
    model.forward_backward(xs, ys, 1.0f / kBatch);
    GradientReducer(comm, card).allreduce(model.gradients(), model.reduced_gradients());

    hal::VirtualCard alone = hal::VirtualCard::from_card_list("gpu:reference::0=host");
    Mlp reference(alone, shape, 3);
    hal::Buffer xa(alone, kBatch, shape.inputs, hal::Layout::sharded),
        ya(alone, kBatch, 1, hal::Layout::sharded);
    xa.copy_from_host(x);
    ya.copy_from_host(labels);
    reference.forward_backward(xa, ya, 1.0f / kBatch);

    const char* names[] = {"dW1", "db1", "dW2", "db2"};
    for (std::size_t g = 0; g < 4; ++g) {
      const auto got = model.reduced_gradients()[g]->to_host();
      const auto want = reference.gradients()[g]->to_host();
      double largest = 0, error = 0;
      for (std::size_t i = 0; i < got.size(); ++i) {
        largest = std::max(largest, std::fabs(static_cast<double>(want[i])));
        error = std::max(error, std::fabs(static_cast<double>(got[i]) - want[i]));
      }
      // FP32 rounding of sums over <= 61 rows in another order: well under 1e-5 of the largest.
      const bool ok = error <= 1e-5 * largest && largest > 0;
      if (!ok) ++failures;
      std::printf("rank %zu (share %zu of %zu): %s max error %.3g of max %.3g: %s\n", rank, mine, kBatch,
                  names[g], error, largest, ok ? "ok" : "MISMATCH");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "weighted_gradient_check: %s\n", e.what());
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  int total = 0;
  MPI_Allreduce(&failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  MPI_Finalize();
  return total == 0 ? 0 : 1;
}
