// SPDX-License-Identifier: GPL-2.0-or-later
// Runs under mpirun with 1 rank: a device that vanishes while the gradient all-reduce's pipeline
// copies pieces off the card. The all-reduce must stop its reader and writer and raise the
// device's error naming the lost slice, not hang and not return a wrong sum. Then, with the
// device intact, a pipelined all-reduce of the same shapes gives the slices' sum.
#include <mpi.h>

#include <cstdio>
#include <string>
#include <vector>

#include "testing_hooks.h"
#include "tflops/hal/hal.h"
#include "tflops/mpi/card_allreduce.h"

using namespace tflops;
using namespace tflops::mpi;

namespace {

struct Gradients {
  std::vector<hal::Buffer> partials, sums;
  std::vector<const hal::Buffer*> partial_view;
  std::vector<hal::Buffer*> sum_view;

  explicit Gradients(hal::VirtualCard& card) {
    for (std::size_t cols : {300, 7, 1000}) {  // 1,307 floats: six pieces of 250
      partials.emplace_back(card, 1, cols, hal::Layout::partial);
      sums.emplace_back(card, 1, cols, hal::Layout::replicated);
    }
    for (std::size_t i = 0; i < partials.size(); ++i) {
      for (std::size_t s = 0; s < partials[i].slice_count(); ++s)
        partials[i].write_slice(s, std::vector<float>(partials[i].size(), static_cast<float>(s + 1)));
      partial_view.push_back(&partials[i]);
      sum_view.push_back(&sums[i]);
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int failures = 0;
  const auto check = [&](bool ok, const std::string& what) {
    std::printf("%s: %s\n", ok ? "ok" : "FAIL", what.c_str());
    if (!ok) ++failures;
  };
  {
    Communicator comm(MPI_COMM_WORLD);
    hal::VirtualCard card = hal::VirtualCard::from_card_list("gpu:gpu0::0-3=host,gpu:gpu1::4-9=host");
    Tuning tuning;
    tuning.pipeline = Tuning::Pipeline::always;  // host slices alone would not pipeline
    tuning.pipeline_bytes = 1000;
    GradientReducer reducer(comm, card, tuning);
    Gradients g(card);
    float extras[1] = {5.0f};
    reducer.allreduce(g.partial_view, g.sum_view, extras);
    bool summed = extras[0] == 5.0f;
    for (const hal::Buffer& sum : g.sums)
      for (float v : sum.to_host()) summed = summed && v == 3.0f;  // slice addends 1 + 2
    check(summed, "a pipelined all-reduce on one rank sums the slices' addends");

    hal::testing::break_slice(card, 1);
    std::string error;
    try {
      reducer.allreduce(g.partial_view, g.sum_view, extras);
    } catch (const hal::DeviceError& e) {
      error = e.what();
    }
    check(error.find("gpu1") != std::string::npos, "a device lost mid-pipeline is named: '" + error + "'");
  }
  MPI_Finalize();
  return failures == 0 ? 0 : 1;
}
