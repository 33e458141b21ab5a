// SPDX-License-Identifier: GPL-2.0-or-later
// Data-parallel training of the MLP (mlp.h) on Fashion-MNIST-style data, one virtual card per
// rank, heterogeneous ranks balanced by batch share.
//
// Every step takes the next B samples of the epoch's shuffled order (the same on every rank:
// one seed); rank i computes on its b_i of them (b_i proportional to its card's TFLOPS, or equal
// with `proportional = false`), with the loss gradient scaled by 1/B, so the hierarchical
// all-reduce (card_allreduce.h) sums to exactly the full-batch mean gradient: the run follows
// a single-process run with the same global batch, whatever the split. The last incomplete
// batch of an epoch is dropped.
//
// Metrics (as the heterogeneous-acceleration standard defines them): step time = batch fed to
// gradients applied (mean over the epoch); throughput = samples per epoch / epoch training time;
// loss and accuracy over the epoch's training samples, then over the test set.
//
// Checkpoint (optional): after each epoch rank 0 writes the parameters, the momentum and the
// epoch number (nothing else is needed to continue) to a file, atomically; a new run with the
// same file starts after the last finished epoch. Suspension inside an epoch needs no
// checkpoint: the SuspendPoint keeps the state in memory (suspend_point.h).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tflops/hal/virtual_card.h"
#include "tflops/mpi/card_allreduce.h"
#include "tflops/mpi/suspend_point.h"
#include "tflops/train/idx_dataset.h"
#include "tflops/train/mlp.h"

namespace tflops::train {

struct TrainOptions {
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  int epochs = 3;
  std::size_t global_batch = 128;
  float learning_rate = 0.05f;
  float momentum = 0.9f;
  std::size_t hidden = 256;
  std::uint64_t seed = 1;
  bool proportional = true;
  std::size_t train_samples = 0;  // use only the first N training samples; 0 = all
  std::string checkpoint;         // empty = none
};

struct EpochStats {
  int epoch = 0;                            // from 1
  double loss = 0, accuracy = 0;            // training, over the epoch
  double test_loss = 0, test_accuracy = 0;  // after the epoch
  double seconds = 0;                       // training time of the epoch
  double samples_per_s = 0;
  double step_ms = 0;
};

class Trainer {
 public:
  // Collective: reads the data on every rank and agrees on the batch shares.
  Trainer(mpi::Communicator& comm, hal::VirtualCard& card, TrainOptions options,
          mpi::SuspendPoint* suspend = nullptr);

  const std::vector<std::size_t>& shares() const { return shares_; }
  int first_epoch() const { return first_epoch_; }

  // Runs the epochs left (after a checkpoint's); `on_epoch` runs on every rank after each.
  std::vector<EpochStats> train(const std::function<void(const EpochStats&)>& on_epoch = {});
  // Global mean loss of every step so far.
  const std::vector<double>& step_losses() const { return step_losses_; }
  Mlp& model() { return model_; }

 private:
  void load_checkpoint();
  void save_checkpoint(int epoch) const;
  void evaluate(EpochStats& stats);
  void honour_suspend();
  const hal::Buffer& rows_on_card(const Dataset& data, const std::size_t* index, std::size_t rows,
                                  bool is_label);

  mpi::Communicator& comm_;
  hal::VirtualCard& card_;
  TrainOptions options_;
  mpi::SuspendPoint* suspend_;
  Dataset train_, test_;
  std::vector<std::size_t> shares_;
  Mlp model_;
  mpi::GradientReducer reducer_;
  int first_epoch_ = 1;
  std::vector<double> step_losses_;
  std::map<std::pair<std::size_t, bool>, hal::Buffer> staging_;  // batch buffers by (rows, labels?)
  std::vector<float> host_;
};

}  // namespace tflops::train
