// SPDX-License-Identifier: GPL-2.0-or-later
// What a VirtualCard and its Buffers share: the slices (one opened device each), the weights,
// the live buffers (for re-splitting and suspend), and the lock every operation holds.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "backend.h"
#include "slice_workers.h"
#include "tflops/hal/buffer.h"
#include "tflops/hal/virtual_card.h"

namespace tflops::hal::detail {

struct Slice {
  SliceInfo info;
  std::unique_ptr<Device> device;
};

struct BufferState;

struct CardState {
  Allocation alloc;
  CardOptions options;
  std::vector<Slice> slices;    // empty while suspended
  std::vector<double> weights;  // normalised, one per slice
  std::unique_ptr<IndexedWorkers> workers;
  bool suspended = false;
  std::mutex mutex;  // held by every operation, suspend and resume
  std::vector<BufferState*> buffers;

  // Runs task(slice) on every slice at once (the lock must be held).
  void each_slice(const std::function<void(std::size_t)>& task) { workers->run(task); }
  // Throws Error when suspended: `what` names the operation.
  void check_active(const char* what) const;
};

// Sets the weights (positive, one per slice; normalised here) and re-splits every sharded buffer.
// The card's lock must be held and the card active.
void apply_weights(CardState& card, const std::vector<double>& weights);

struct BufferState {
  std::shared_ptr<CardState> card;
  std::size_t rows = 0, cols = 0;
  Layout layout = Layout::replicated;
  std::vector<std::unique_ptr<DeviceArray>> parts;  // one per slice
  std::vector<float> saved;                         // the value while the card is suspended

  std::size_t slice_rows(std::size_t slice) const;
  std::size_t slice_offset(std::size_t slice) const;
  // (Re)allocates the parts for the current slices and layout, zero-filled.
  void allocate();
  // The value's elements [first, first + count) <-> the slices (lock held, card active).
  void gather(std::size_t first, std::size_t count, float* out) const;
  void scatter(std::size_t first, std::size_t count, const float* in);
  // The whole value.
  void gather(float* out) const { gather(0, rows * cols, out); }
  void scatter(const float* in) { scatter(0, rows * cols, in); }
};

// Opens the slices of card.alloc, sets weights, starts the workers. Throws Error listing every
// card that could not be opened.
void open_slices(CardState& card);

}  // namespace tflops::hal::detail
