// SPDX-License-Identifier: GPL-2.0-or-later
// tflops-train: data-parallel MLP training on Fashion-MNIST, one virtual card per MPI rank.
//
//   mpirun -n 4 tflops-train [options]            inside an allocation (sbatch --gres=tflops:N)
//   mpirun -n 2 tflops-train --cards LIST ...     outside Slurm (allocation.h card-list form)
//
// Rank 0 prints one line per epoch (loss, accuracy, samples/s, step time; the
// heterogeneous-acceleration standard's metrics) and the final test accuracy, and writes --csv
// (epochs) and --steps-csv (loss per step) for tflops-plot-training. SIGTSTP/SIGCONT (Slurm
// suspend/resume) release and re-take the devices.
#include <mpi.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tflops/hal/error.h"
#include "tflops/mpi/binding.h"
#include "tflops/train/trainer.h"

using namespace tflops;
using namespace tflops::mpi;
using namespace tflops::train;

namespace {

constexpr const char* kUsage =
    "usage: tflops-train [--epochs N] [--batch B] [--lr X] [--momentum X] [--hidden N] [--seed N]\n"
    "                    [--split proportional|equal] [--weighting blocks|measured] [--data DIR]\n"
    "                    [--cards LIST] [--train-samples N] [--checkpoint FILE] [--csv FILE]\n"
    "                    [--steps-csv FILE] [--min-test-accuracy PERCENT]\n";

struct Args {
  TrainOptions train;
  BindOptions bind;
  std::string csv, steps_csv;
  double min_test_accuracy = -1;
};

Args parse(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string option = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument(option + " needs a value\n" + kUsage);
    const std::string value = argv[++i];
    if (option == "--epochs") args.train.epochs = std::stoi(value);
    else if (option == "--batch") args.train.global_batch = std::stoul(value);
    else if (option == "--lr") args.train.learning_rate = std::stof(value);
    else if (option == "--momentum") args.train.momentum = std::stof(value);
    else if (option == "--hidden") args.train.hidden = std::stoul(value);
    else if (option == "--seed") args.train.seed = std::stoull(value);
    else if (option == "--data") args.train.data_dir = value;
    else if (option == "--train-samples") args.train.train_samples = std::stoul(value);
    else if (option == "--checkpoint") args.train.checkpoint = value;
    else if (option == "--cards") args.bind.card_list = value;
    else if (option == "--csv") args.csv = value;
    else if (option == "--steps-csv") args.steps_csv = value;
    else if (option == "--min-test-accuracy") args.min_test_accuracy = std::stod(value);
    else if (option == "--split" && (value == "proportional" || value == "equal"))
      args.train.proportional = value == "proportional";
    else if (option == "--weighting" && (value == "blocks" || value == "measured")) {
      args.bind.card.weighting = value == "blocks" ? hal::Weighting::blocks : hal::Weighting::measured;
    } else {
      throw std::invalid_argument("bad option '" + option + " " + value + "'\n" + kUsage);
    }
  }
  return args;
}

// " (suspended and resumed 2x; ...)" for the final line: whether every rank released its card
// while stopped, or which ranks were stopped first and kept their device memory, with what to do
// about it. `counts` holds each rank's SuspendPoint::unwarned() and late(), in turn.
std::string suspension_note(unsigned suspensions, const std::vector<unsigned>& counts) {
  if (suspensions == 0) return "";
  std::string kept;
  unsigned late = 0, unwarned = 0;
  for (std::size_t r = 0; 2 * r < counts.size(); ++r) {
    unwarned += counts[2 * r];
    late += counts[2 * r + 1];
    if (counts[2 * r] > 0)
      kept += (kept.empty() ? "" : ", ") +
              ("rank " + std::to_string(r) + " " + std::to_string(counts[2 * r]) + "x");
  }
  const std::string resumed = " (suspended and resumed " + std::to_string(suspensions) + "x; ";
  if (kept.empty()) return resumed + "every rank released its card while stopped)";
  std::string why;
  if (unwarned > late)  // no SIGTSTP reached the rank: the launcher stopped it
    why += std::string("; ") + kLauncherSignalsHint;
  if (late > 0)
    why +=
        "; a rank got the SIGTSTP but reached no step boundary before Slurm's SIGSTOP 2 s later "
        "(a smaller --batch makes shorter steps)";
  return resumed + "stopped before it released its card, keeping its device memory: " + kept + why + ")";
}

}  // namespace

int main(int argc, char** argv) {
  // Progress shows in slurm-JOBID.out as each epoch ends, not when the job does.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  // --help before MPI starts: it answers at once outside mpirun, and exits without leaving MPI's
  // state behind (which LeakSanitizer reports).
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::fputs(kUsage, stdout);
      return 0;
    }
  }
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);  // HAL slices run worker threads
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int status = 0;
  try {
    const Args args = parse(argc, argv);
    if (rank == 0) {  // the folders the results go into, which a fresh run may name before they exist
      for (const std::string& file : {args.csv, args.steps_csv, args.train.checkpoint}) {
        const std::filesystem::path folder = std::filesystem::path(file).parent_path();
        if (!folder.empty()) std::filesystem::create_directories(folder);
      }
    }
    MPI_Barrier(MPI_COMM_WORLD);
    Communicator comm(MPI_COMM_WORLD);
    hal::VirtualCard card = bind_virtual_card(MPI_COMM_WORLD, args.bind);
    SuspendPoint suspend;
    Trainer trainer(comm, card, args.train, &suspend);

    // Who runs on what: one line per rank, in rank order, through rank 0.
    std::string mine = "rank " + std::to_string(rank) + ": " + std::to_string(card.allocation().blocks()) +
                       " blocks, batch share " +
                       std::to_string(trainer.shares()[static_cast<std::size_t>(rank)]) + ", ";
    for (const hal::SliceInfo& slice : card.slices())
      mine += slice.label() + " x" + std::to_string(slice.blocks) + " ";
    mine.resize(255, ' ');
    std::string lines(256 * static_cast<std::size_t>(comm.size()), ' ');
    MPI_Gather(mine.c_str(), 256, MPI_CHAR, lines.data(), 256, MPI_CHAR, 0, MPI_COMM_WORLD);
    std::FILE* csv = nullptr;
    if (rank == 0) {
      for (int r = 0; r < comm.size(); ++r) {
        std::string line = lines.substr(256 * static_cast<std::size_t>(r), 255);
        line.erase(line.find_last_not_of(' ') + 1);
        std::printf("%s\n", line.c_str());
      }
      std::printf("%-6s %9s %9s %10s %10s %12s %9s %8s\n", "epoch", "loss", "accuracy", "test_loss",
                  "test_acc", "samples/s", "step_ms", "time_s");
      std::fflush(stdout);
      if (!args.csv.empty()) {
        csv = std::fopen(args.csv.c_str(), trainer.first_epoch() > 1 ? "a" : "w");
        if (csv == nullptr) throw std::runtime_error("cannot write " + args.csv);
        if (trainer.first_epoch() == 1)
          std::fprintf(csv, "epoch,loss,accuracy,test_loss,test_accuracy,samples_per_s,step_ms,seconds\n");
      }
    }
    const auto stats = trainer.train([&](const EpochStats& e) {
      if (rank != 0) return;
      std::printf("%-6d %9.4f %8.2f%% %10.4f %9.2f%% %12.0f %9.2f %8.1f\n", e.epoch, e.loss, 100 * e.accuracy,
                  e.test_loss, 100 * e.test_accuracy, e.samples_per_s, e.step_ms, e.seconds);
      std::fflush(stdout);
      if (csv) {
        std::fprintf(csv, "%d,%.6f,%.6f,%.6f,%.6f,%.1f,%.3f,%.3f\n", e.epoch, e.loss, e.accuracy, e.test_loss,
                     e.test_accuracy, e.samples_per_s, e.step_ms, e.seconds);
        std::fflush(csv);
      }
    });
    if (csv) std::fclose(csv);
    if (rank == 0 && !args.steps_csv.empty()) {
      std::ofstream steps(args.steps_csv);
      steps << "step,loss\n";
      for (std::size_t s = 0; s < trainer.step_losses().size(); ++s)
        steps << s << ',' << trainer.step_losses()[s] << '\n';
    }
    const unsigned kept[2] = {suspend.unwarned(), suspend.late()};
    std::vector<unsigned> kept_by_rank(2 * static_cast<std::size_t>(comm.size()));
    MPI_Gather(kept, 2, MPI_UNSIGNED, kept_by_rank.data(), 2, MPI_UNSIGNED, 0, MPI_COMM_WORLD);
    if (rank == 0 && !stats.empty()) {
      const double final_accuracy = 100 * stats.back().test_accuracy;
      std::printf("final test accuracy: %.2f%%%s\n", final_accuracy,
                  suspension_note(suspend.suspensions(), kept_by_rank).c_str());
      if (args.min_test_accuracy >= 0 && final_accuracy < args.min_test_accuracy) {
        std::printf("below the required %.2f%%\n", args.min_test_accuracy);
        status = 1;
      }
    }
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
  } catch (const RankFailure& failure) {
    std::fprintf(stderr, "tflops-train: rank %d: %s; aborting the job\n", rank, failure.what());
    MPI_Abort(MPI_COMM_WORLD, 3);
  } catch (const std::exception& e) {
    // Bad input or a device failure: every rank usually sees it; abort so none waits forever.
    std::fprintf(stderr, "tflops-train: rank %d: %s\n", rank, e.what());
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  MPI_Finalize();
  return status;
}
