// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/mpi/card_allreduce.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <stdexcept>
#include <string>
#include <thread>

namespace tflops::mpi {

namespace {

// Calls copy(gradient, first element in it, first element in the fusion buffer, count) for
// every part of fusion elements [first, end) that lies in a gradient; gradient i holds
// [starts[i], starts[i + 1]).
template <typename Copy>
void for_each_gradient_part(const std::vector<std::size_t>& starts, std::size_t first, std::size_t end,
                            Copy&& copy) {
  for (std::size_t i = 0; i + 1 < starts.size(); ++i) {
    const std::size_t lo = std::max(first, starts[i]), hi = std::min(end, starts[i + 1]);
    if (lo < hi) copy(i, lo - starts[i], lo, hi - lo);
  }
}

// How far the pipeline's stages are, in pieces, and the first failure: a stage that fails
// stops the others instead of leaving them waiting for pieces that will not come.
class PipelineProgress {
 public:
  void finished(std::size_t& counter) {
    {
      std::lock_guard lock(mutex_);
      ++counter;
    }
    changed_.notify_all();
  }
  // Waits until `counter` passes `piece`; false when the pipeline stopped instead.
  bool wait_past(const std::size_t& counter, std::size_t piece) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return stopped_ || counter > piece; });
    return !stopped_;
  }
  bool stopped() {
    std::lock_guard lock(mutex_);
    return stopped_;
  }
  void stop(std::exception_ptr error) {
    {
      std::lock_guard lock(mutex_);
      if (!error_) error_ = std::move(error);
      stopped_ = true;
    }
    changed_.notify_all();
  }
  void rethrow() const {
    if (error_) std::rethrow_exception(error_);
  }

  std::size_t read = 0, reduced = 0;  // pieces off the card, pieces all-reduced

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool stopped_ = false;
  std::exception_ptr error_;
};

}  // namespace

GradientReducer::GradientReducer(Communicator& comm, const hal::VirtualCard& card, Tuning tuning)
    : comm_(comm), card_(card), tuning_(tuning) {}

AllreducePlan GradientReducer::plan(std::size_t bytes) {
  const std::vector<hal::SliceInfo> slices = card_.slices();
  const bool device_memory = std::any_of(slices.begin(), slices.end(),
                                         [](const hal::SliceInfo& s) { return s.device.type != "cpu"; });
  // Collective, so that every rank cuts the buffer alike: pipelined when any rank wants it. Asked
  // on every call, since a resumed card may stand on other devices; 4 bytes through shared memory.
  float wanted = wants_pipeline(tuning_.pipeline, device_memory) ? 1.0f : 0.0f;
  allreduce_sum(comm_, &wanted, 1, DType::f32, Algorithm::automatic, tuning_);
  AllreduceRequest request = host_request(comm_, comm_.node_buffer(bytes), bytes);
  request.memory = Memory::card;
  request.pipeline_wanted = wanted > 0;
  return choose_allreduce(request, tuning_);
}

void GradientReducer::with_card_idle(const std::function<void()>& body) {
  std::lock_guard lock(card_use_);
  body();
}

void GradientReducer::allreduce(std::span<const hal::Buffer* const> partials,
                                std::span<hal::Buffer* const> sums, std::span<float> extras) {
  if (partials.size() != sums.size())
    throw std::invalid_argument("GradientReducer: partials and sums differ in number");
  std::vector<std::size_t> starts{0};
  for (std::size_t i = 0; i < partials.size(); ++i) {
    if (partials[i]->size() != sums[i]->size() || sums[i]->layout() != hal::Layout::replicated) {
      throw std::invalid_argument("GradientReducer: gradient " + std::to_string(i) +
                                  " and its sum must have the same size and the sum must be replicated");
    }
    starts.push_back(starts.back() + partials[i]->size());
  }
  const std::size_t total = starts.back() + extras.size();
  if (total == 0) return;
  const AllreducePlan whole = plan(total * sizeof(float));
  // In the node buffer, so that ranks sharing a node sum it through shared memory.
  const std::span<float> fusion(reinterpret_cast<float*>(comm_.node_buffer(total * sizeof(float))), total);
  std::copy(extras.begin(), extras.end(), fusion.begin() + static_cast<std::ptrdiff_t>(starts.back()));

  const std::size_t piece = whole.pipeline_bytes > 0
                                ? std::max<std::size_t>(1, whole.pipeline_bytes / sizeof(float))
                                : total;
  const std::size_t pieces = (total + piece - 1) / piece;
  const auto piece_end = [&](std::size_t k) { return std::min(total, (k + 1) * piece); };
  const auto read_piece = [&](std::size_t k) {  // 1. across slices, into the fusion buffer
    for_each_gradient_part(starts, k * piece, piece_end(k),
                           [&](std::size_t i, std::size_t at, std::size_t to, std::size_t n) {
                             partials[i]->copy_to_host(at, fusion.subspan(to, n));
                           });
  };
  const auto reduce_piece = [&](std::size_t k) {  // 2. across ranks, each piece planned on its own
    allreduce_sum(comm_, fusion.data() + k * piece, piece_end(k) - k * piece, DType::f32,
                  Algorithm::automatic, tuning_);
  };
  const auto write_piece = [&](std::size_t k) {  // 3. back to every slice
    for_each_gradient_part(starts, k * piece, piece_end(k),
                           [&](std::size_t i, std::size_t at, std::size_t to, std::size_t n) {
                             sums[i]->copy_from_host(at, std::span<const float>(fusion).subspan(to, n));
                           });
  };

  if (pieces == 1) {  // one stage after the other, on the whole buffer
    read_piece(0);
    allreduce_sum(comm_, fusion.data(), total, DType::f32, whole);
    write_piece(0);
  } else {
    PipelineProgress progress;
    std::thread reader([&] {
      try {
        for (std::size_t k = 0; k < pieces && !progress.stopped(); ++k) {
          {
            std::lock_guard lock(card_use_);
            read_piece(k);
          }
          progress.finished(progress.read);
        }
      } catch (...) {
        progress.stop(std::current_exception());
      }
    });
    std::thread writer([&] {
      try {
        for (std::size_t k = 0; k < pieces && progress.wait_past(progress.reduced, k); ++k) {
          std::lock_guard lock(card_use_);
          write_piece(k);
        }
      } catch (...) {
        progress.stop(std::current_exception());
      }
    });
    try {
      for (std::size_t k = 0; k < pieces && progress.wait_past(progress.read, k); ++k) {
        reduce_piece(k);
        progress.finished(progress.reduced);
      }
    } catch (...) {
      progress.stop(std::current_exception());
    }
    reader.join();
    writer.join();
    progress.rethrow();
  }
  std::copy_n(fusion.begin() + static_cast<std::ptrdiff_t>(starts.back()), extras.size(), extras.begin());
}

}  // namespace tflops::mpi
