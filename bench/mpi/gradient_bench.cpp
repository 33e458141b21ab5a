// SPDX-License-Identifier: GPL-2.0-or-later
// The gradient all-reduce of a virtual card (GradientReducer: copy off the card, all-reduce
// across ranks, copy back) pipelined against its stages one after the other, in one run:
//   pipelined  Tuning::Pipeline::always: a reader and a writer thread copy pieces off and onto
//              the card while this thread all-reduces others
//   stages     Tuning::Pipeline::never: the whole gradient off the card, all-reduced in one
//              call, then back: what GradientReducer does without the pipeline
// Every rank binds its share of --cards as tflops-train does; the gradient is one partial
// buffer of each size, its sum a replicated one. Each figure is the median over repeats of the
// mean time of a batch of calls, alternating the two inside every repeat. Rank 0 prints one
// line per size (progress) and writes CSV.
//
//   gradient_bench --cards LIST [--min BYTES] [--max BYTES] [--factor F] [--repeats R] [--csv FILE]
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "size_sweep.h"
#include "tflops/mpi/binding.h"
#include "tflops/mpi/card_allreduce.h"

using namespace tflops;
using namespace tflops::mpi;

namespace {

struct Options {
  std::string cards, csv;
  SizeSweep sweep{64u << 10, 64u << 20, 4, 5};
};

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string option = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument("option " + option + " needs a value");
    const std::string value = argv[++i];
    if (options.sweep.take(option, value)) continue;
    if (option == "--cards") options.cards = value;
    else if (option == "--csv") options.csv = value;
    else throw std::invalid_argument("unknown option '" + option + "'");
  }
  if (options.cards.empty())
    throw std::invalid_argument("--cards LIST is required (e.g. gpu:gpu0::0-7=cuda:0)");
  options.sweep.check(sizeof(float));
  if (!options.csv.empty()) create_parent_folder(options.csv);
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  if (asks_for_help(argc, argv)) {
    std::printf(
        "usage: gradient_bench --cards LIST [--min BYTES] [--max BYTES] [--factor F] [--repeats R] [--csv FILE]\n"
        "\n"
        "The gradient all-reduce of a virtual card per rank (each rank binds its share of the card\n"
        "list LIST, as tflops-train does), pipelined against its stages one after the other, from\n"
        "--min to --max bytes by --factor (default 64 KiB to 64 MiB by 4), median of --repeats.\n"
        "Rank 0 writes CSV (its folder is created). Run under mpirun; bench/mpi/run_mpi_bench.sh\n"
        "runs it with the plot.\n");
    return 0;
  }
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  try {
    const Options options = parse(argc, argv);
    Communicator comm(MPI_COMM_WORLD);
    hal::VirtualCard card = bind_virtual_card(MPI_COMM_WORLD, BindOptions{options.cards, {}});
    Tuning pipelined = tuning_from_environment(), stages = pipelined;
    pipelined.pipeline = Tuning::Pipeline::always;
    stages.pipeline = Tuning::Pipeline::never;
    GradientReducer pipelined_reducer(comm, card, pipelined), stages_reducer(comm, card, stages);
    const std::pair<std::string, GradientReducer*> modes[] = {{"pipelined", &pipelined_reducer},
                                                              {"stages", &stages_reducer}};

    std::FILE* csv = nullptr;
    if (comm.rank() == 0) {
      if (!options.csv.empty() && (csv = std::fopen(options.csv.c_str(), "w")) == nullptr) {
        throw std::runtime_error("cannot write " + options.csv);
      }
      if (csv) std::fprintf(csv, "ranks,bytes,mode,time_us\n");
      std::string slices;
      for (const hal::SliceInfo& s : card.slices()) slices += " " + s.label();
      std::printf("# %d ranks, rank 0's card:%s; pieces of %zu bytes; median of %d repeats, ms per call\n",
                  comm.size(), slices.c_str(), pipelined.pipeline_bytes, options.sweep.repeats);
      std::printf("%12s %10s %10s %18s\n", "bytes", "pipelined", "stages", "pipelined speedup");
    }
    for (std::size_t bytes = options.sweep.min_bytes; bytes <= options.sweep.max_bytes;
         bytes *= options.sweep.factor) {
      const std::size_t count = bytes / sizeof(float);
      hal::Buffer partial(card, 1, count, hal::Layout::partial), sum(card, 1, count, hal::Layout::replicated);
      partial.fill(0.0f);
      const hal::Buffer* partials[] = {&partial};
      hal::Buffer* sums[] = {&sum};
      // Enough calls per batch to take ~50 ms at 1 GB/s, at least 1, at most 50.
      const int calls = static_cast<int>(std::clamp<std::size_t>((50u << 20) / bytes, 1, 50));
      std::map<std::string, std::vector<double>> times;
      for (int repeat = 0; repeat <= options.sweep.repeats; ++repeat) {  // repeat 0 warms up
        for (const auto& [mode, reducer] : modes) {
          MPI_Barrier(comm.get());
          const double start = MPI_Wtime();
          for (int call = 0; call < calls; ++call) reducer->allreduce(partials, sums);
          double elapsed = (MPI_Wtime() - start) / calls, slowest = 0;
          MPI_Allreduce(&elapsed, &slowest, 1, MPI_DOUBLE, MPI_MAX, comm.get());
          if (repeat > 0) times[mode].push_back(slowest);
        }
      }
      if (comm.rank() != 0) continue;
      const double p = median(times["pipelined"]), s = median(times["stages"]);
      std::printf("%12zu %10.3f %10.3f %17.2fx\n", bytes, p * 1e3, s * 1e3, s / p);
      std::fflush(stdout);
      if (csv) {
        std::fprintf(csv, "%d,%zu,pipelined,%.3f\n%d,%zu,stages,%.3f\n", comm.size(), bytes, p * 1e6,
                     comm.size(), bytes, s * 1e6);
      }
    }
    if (csv) std::fclose(csv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gradient_bench: %s\n", e.what());
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  MPI_Finalize();
  return 0;
}
