// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/train/trainer.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <stdexcept>

#include "tflops/mpi/batch_split.h"

namespace tflops::train {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kEvalRows = 500;
constexpr const char* kCheckpointMagic = "tflops-mlp-checkpoint-1";

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The epoch's sample order: the same on every rank (one seed, a portable shuffle).
std::vector<std::size_t> epoch_order(std::size_t samples, std::uint64_t seed, int epoch) {
  std::vector<std::size_t> order(samples);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::mt19937_64 random(seed * 1000003u + static_cast<std::uint64_t>(epoch));
  for (std::size_t i = samples; i > 1; --i) std::swap(order[i - 1], order[random() % i]);
  return order;
}

}  // namespace

Trainer::Trainer(mpi::Communicator& comm, hal::VirtualCard& card, TrainOptions options,
                 mpi::SuspendPoint* suspend)
    : comm_(comm),
      card_(card),
      options_(std::move(options)),
      suspend_(suspend),
      train_(load_idx(options_.data_dir, "train")),
      test_(load_idx(options_.data_dir, "t10k")),
      model_(card, MlpShape{train_.features, options_.hidden, 10}, options_.seed),
      reducer_(comm, card) {
  if (options_.train_samples > 0 && options_.train_samples < train_.samples)
    train_.samples = options_.train_samples;
  // Each rank's speed: its virtual card's blocks (TFLOPS), or 1 for an equal split.
  const double mine = options_.proportional ? static_cast<double>(card.allocation().blocks()) : 1.0;
  std::vector<double> speeds(static_cast<std::size_t>(comm.size()));
  mpi::check_mpi(MPI_Allgather(&mine, 1, MPI_DOUBLE, speeds.data(), 1, MPI_DOUBLE, comm.get()),
                 "MPI_Allgather of card speeds");
  shares_ = mpi::split_batch(options_.global_batch, speeds);
  // While the ranks wait on each other inside the gradient all-reduce, whose reader and writer
  // may be copying on the card: the suspension waits for their current piece.
  if (suspend_ != nullptr) {
    comm_.set_idle_hook([this] {
      if (suspend_->pending()) reducer_.with_card_idle([this] { honour_suspend(); });
    });
  }
  if (!options_.checkpoint.empty()) load_checkpoint();
}

void Trainer::honour_suspend() {
  if (suspend_ != nullptr) suspend_->honour(card_);
}

const hal::Buffer& Trainer::rows_on_card(const Dataset& data, const std::size_t* index, std::size_t rows,
                                         bool is_label) {
  const std::size_t cols = is_label ? 1 : data.features;
  auto [slot, added] = staging_.try_emplace({rows, is_label}, card_, rows, cols, hal::Layout::sharded);
  host_.resize(rows * cols);
  for (std::size_t r = 0; r < rows; ++r) {
    if (is_label) host_[r] = data.labels[index[r]];
    else data.image(index[r], host_.data() + r * cols);
  }
  slot->second.copy_from_host(host_);
  return slot->second;
}

std::vector<EpochStats> Trainer::train(const std::function<void(const EpochStats&)>& on_epoch) {
  const std::size_t batch = options_.global_batch;
  const std::size_t steps = train_.samples / batch;
  const auto rank = static_cast<std::size_t>(comm_.rank());
  const std::size_t mine = shares_[rank], offset = mpi::share_offset(shares_, rank);
  const float grad_scale = 1.0f / static_cast<float>(batch);
  std::vector<float> labels(mine);
  std::vector<EpochStats> all;
  for (int epoch = first_epoch_; epoch <= options_.epochs; ++epoch) {
    const std::vector<std::size_t> order = epoch_order(train_.samples, options_.seed, epoch);
    EpochStats stats;
    stats.epoch = epoch;
    double step_seconds = 0, loss = 0, correct = 0;
    const auto start = Clock::now();
    for (std::size_t step = 0; step < steps; ++step) {
      honour_suspend();
      const auto step_start = Clock::now();
      const std::size_t* index = order.data() + step * batch + offset;
      const hal::Buffer& x = rows_on_card(train_, index, mine, false);
      const hal::Buffer& y = rows_on_card(train_, index, mine, true);
      for (std::size_t r = 0; r < mine; ++r) labels[r] = train_.labels[index[r]];
      float extras[2] = {static_cast<float>(model_.forward_backward(x, y, grad_scale)),
                         static_cast<float>(model_.correct(labels))};
      reducer_.allreduce(model_.gradients(), model_.reduced_gradients(), extras);
      model_.apply(options_.learning_rate, options_.momentum);
      step_seconds += seconds_since(step_start);
      step_losses_.push_back(extras[0] / static_cast<double>(batch));
      loss += extras[0];
      correct += extras[1];
    }
    stats.seconds = seconds_since(start);
    const double samples = static_cast<double>(steps * batch);
    stats.loss = loss / samples;
    stats.accuracy = correct / samples;
    stats.samples_per_s = samples / stats.seconds;
    stats.step_ms = steps > 0 ? 1e3 * step_seconds / static_cast<double>(steps) : 0;
    evaluate(stats);
    if (!options_.checkpoint.empty() && comm_.rank() == 0) save_checkpoint(epoch);
    if (on_epoch) on_epoch(stats);
    all.push_back(stats);
  }
  return all;
}

void Trainer::evaluate(EpochStats& stats) {
  // The test set is cut evenly across ranks; each evaluates its part in batches.
  const auto ranks = static_cast<std::size_t>(comm_.size()), rank = static_cast<std::size_t>(comm_.rank());
  const std::size_t first = test_.samples * rank / ranks, end = test_.samples * (rank + 1) / ranks;
  std::vector<std::size_t> index(kEvalRows);
  std::vector<float> labels;
  double totals[2] = {0, 0};  // loss, correct
  for (std::size_t at = first; at < end; at += kEvalRows) {
    const std::size_t rows = std::min(kEvalRows, end - at);
    std::iota(index.begin(), index.begin() + static_cast<std::ptrdiff_t>(rows), at);
    labels.assign(test_.labels.begin() + static_cast<std::ptrdiff_t>(at),
                  test_.labels.begin() + static_cast<std::ptrdiff_t>(at + rows));
    totals[0] += model_.forward(rows_on_card(test_, index.data(), rows, false),
                                rows_on_card(test_, index.data(), rows, true));
    totals[1] += static_cast<double>(model_.correct(labels));
  }
  mpi::allreduce_sum(comm_, totals, 2, mpi::DType::f64);
  stats.test_loss = totals[0] / static_cast<double>(test_.samples);
  stats.test_accuracy = totals[1] / static_cast<double>(test_.samples);
}

void Trainer::save_checkpoint(int epoch) const {
  const std::vector<float> state = model_.state();
  const std::string temporary = options_.checkpoint + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << kCheckpointMagic << ' ' << epoch << ' ' << model_.shape().hidden << ' ' << state.size() << '\n';
    out.write(reinterpret_cast<const char*>(state.data()),
              static_cast<std::streamsize>(state.size() * sizeof(float)));
    if (!out) throw std::runtime_error(temporary + ": cannot write the checkpoint");
  }
  std::filesystem::rename(temporary, options_.checkpoint);  // a reader sees the old file or the new one
}

void Trainer::load_checkpoint() {
  // Rank 0 reads (the file need not be on a shared file system) and broadcasts.
  long long header[2] = {0, 0};  // epoch (0 = none), number of floats
  std::vector<float> state;
  if (comm_.rank() == 0 && std::filesystem::exists(options_.checkpoint)) {
    std::ifstream in(options_.checkpoint, std::ios::binary);
    std::string magic;
    std::size_t hidden = 0;
    in >> magic >> header[0] >> hidden >> header[1];
    in.get();
    if (magic != kCheckpointMagic || hidden != options_.hidden || !in) {
      throw std::runtime_error(options_.checkpoint + ": not a checkpoint of this model (hidden " +
                               std::to_string(options_.hidden) + "); remove it or pass another --checkpoint");
    }
    state.resize(static_cast<std::size_t>(header[1]));
    in.read(reinterpret_cast<char*>(state.data()),
            static_cast<std::streamsize>(state.size() * sizeof(float)));
    if (!in)
      throw std::runtime_error(options_.checkpoint + ": truncated checkpoint; remove it to start afresh");
  }
  mpi::check_mpi(MPI_Bcast(header, 2, MPI_LONG_LONG, 0, comm_.get()), "MPI_Bcast of the checkpoint header");
  if (header[0] == 0) return;
  state.resize(static_cast<std::size_t>(header[1]));
  mpi::check_mpi(MPI_Bcast(state.data(), static_cast<int>(state.size()), MPI_FLOAT, 0, comm_.get()),
                 "MPI_Bcast of the checkpoint");
  model_.set_state(state);
  first_epoch_ = static_cast<int>(header[0]) + 1;
}

}  // namespace tflops::train
