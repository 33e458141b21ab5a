// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/hal/buffer.h"

#include <algorithm>

#include "card_state.h"
#include "tflops/hal/error.h"

namespace tflops::hal {

std::string_view layout_name(Layout layout) {
  switch (layout) {
    case Layout::sharded: return "sharded";
    case Layout::replicated: return "replicated";
    case Layout::partial: return "partial";
  }
  return "?";
}

namespace detail {

std::size_t BufferState::slice_rows(std::size_t slice) const {
  if (layout != Layout::sharded) return rows;
  return split_rows(rows, card->weights).rows[slice];
}

std::size_t BufferState::slice_offset(std::size_t slice) const {
  if (layout != Layout::sharded) return 0;
  return split_rows(rows, card->weights).offset[slice];
}

void BufferState::allocate() {
  parts.clear();
  const RowSplit split = split_rows(rows, card->weights);
  for (std::size_t s = 0; s < card->slices.size(); ++s) {
    const std::size_t r = layout == Layout::sharded ? split.rows[s] : rows;
    parts.push_back(card->slices[s].device->alloc(r * cols));
  }
}

namespace {

// The part of elements [first, first + count) that slice `s` holds: `at` in the slice's array,
// `to` in the range, `size` elements (0 when the slice holds none of it).
struct SlicePiece {
  std::size_t at = 0, to = 0, size = 0;
};

SlicePiece piece_of(const BufferState& b, const RowSplit& split, std::size_t s, std::size_t first,
                    std::size_t count) {
  const std::size_t held_first = b.layout == Layout::sharded ? split.offset[s] * b.cols : 0;
  const std::size_t held_end = b.layout == Layout::sharded ? held_first + split.rows[s] * b.cols
                                                           : b.rows * b.cols;
  const std::size_t lo = std::max(first, held_first), hi = std::min(first + count, held_end);
  if (lo >= hi) return {};
  return {lo - held_first, lo - first, hi - lo};
}

}  // namespace

void BufferState::gather(std::size_t first, std::size_t count, float* out) const {
  if (count == 0) return;
  if (layout == Layout::replicated) {
    card->slices[0].device->read(*parts[0], first, out, count);
    return;
  }
  const RowSplit split = split_rows(rows, card->weights);
  if (layout == Layout::sharded) {
    card->each_slice([&](std::size_t s) {
      const SlicePiece p = piece_of(*this, split, s, first, count);
      if (p.size) card->slices[s].device->read(*parts[s], p.at, out + p.to, p.size);
    });
    return;
  }
  // Partial: read every addend at once, then sum in slice order.
  std::vector<std::vector<float>> addends(parts.size(), std::vector<float>(count));
  card->each_slice(
      [&](std::size_t s) { card->slices[s].device->read(*parts[s], first, addends[s].data(), count); });
  std::copy(addends[0].begin(), addends[0].end(), out);
  for (std::size_t s = 1; s < addends.size(); ++s)
    for (std::size_t i = 0; i < count; ++i) out[i] += addends[s][i];
}

void BufferState::scatter(std::size_t first, std::size_t count, const float* in) {
  if (count == 0) return;
  const bool whole = first == 0 && count == rows * cols;
  const RowSplit split = split_rows(rows, card->weights);
  const std::vector<float> zeros(layout == Layout::partial && !whole ? count : 0, 0.0f);
  card->each_slice([&](std::size_t s) {
    Device& d = *card->slices[s].device;
    switch (layout) {
      case Layout::sharded: {
        const SlicePiece p = piece_of(*this, split, s, first, count);
        if (p.size) d.write(*parts[s], p.at, in + p.to, p.size);
        break;
      }
      case Layout::replicated: d.write(*parts[s], first, in, count); break;
      case Layout::partial:  // the value goes to slice 0, the other addends become zero
        if (s == 0) d.write(*parts[s], first, in, count);
        else if (whole) d.fill(count, 0.0f, *parts[s]);
        else d.write(*parts[s], first, zeros.data(), count);
        break;
    }
    d.finish();
  });
}

}  // namespace detail

namespace {

void check_size(const detail::BufferState& b, std::size_t size, const char* what) {
  if (size != b.rows * b.cols)
    throw Error(std::string(what) + ": " + std::to_string(size) + " floats given for a " +
                std::to_string(b.rows) + " x " + std::to_string(b.cols) + " buffer");
}

void check_range(const detail::BufferState& b, std::size_t first, std::size_t count, const char* what) {
  const std::size_t size = b.rows * b.cols;
  if (first > size || count > size - first)
    throw Error(std::string(what) + ": elements " + std::to_string(first) + " to " +
                std::to_string(first + count) + " of a " + std::to_string(b.rows) + " x " +
                std::to_string(b.cols) + " buffer (" + std::to_string(size) + " elements)");
}

void check_slice(const detail::BufferState& b, std::size_t slice, const char* what) {
  if (slice >= b.card->slices.size())
    throw Error(std::string(what) + ": slice " + std::to_string(slice) + " of a card with " +
                std::to_string(b.card->slices.size()) + " slices");
}

}  // namespace

Buffer::Buffer(VirtualCard& card, std::size_t rows, std::size_t cols, Layout layout)
    : state_(std::make_shared<detail::BufferState>()) {
  if (rows == 0 || cols == 0)
    throw Error("Buffer: " + std::to_string(rows) + " x " + std::to_string(cols) +
                " is empty; a buffer needs at least one row and one column");
  state_->card = card.state();
  state_->rows = rows;
  state_->cols = cols;
  state_->layout = layout;
  std::lock_guard lock(state_->card->mutex);
  if (state_->card->suspended) state_->saved.assign(rows * cols, 0.0f);
  else state_->allocate();
  state_->card->buffers.push_back(state_.get());
}

Buffer::Buffer(Buffer&&) noexcept = default;
Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this != &other) {
    Buffer old(std::move(*this));
    state_ = std::move(other.state_);
  }
  return *this;
}

Buffer::~Buffer() {
  if (!state_) return;
  std::lock_guard lock(state_->card->mutex);
  auto& list = state_->card->buffers;
  list.erase(std::find(list.begin(), list.end(), state_.get()));
  state_->parts.clear();
}

std::size_t Buffer::rows() const { return state_->rows; }
std::size_t Buffer::cols() const { return state_->cols; }
Layout Buffer::layout() const { return state_->layout; }

void Buffer::copy_from_host(std::span<const float> data, std::optional<Layout> as) {
  check_size(*state_, data.size(), "copy_from_host");
  std::lock_guard lock(state_->card->mutex);
  state_->card->check_active("copy_from_host");
  if (as && *as != state_->layout) {
    state_->layout = *as;
    state_->allocate();
  }
  state_->scatter(data.data());
}

void Buffer::copy_to_host(std::span<float> data) const {
  check_size(*state_, data.size(), "copy_to_host");
  std::lock_guard lock(state_->card->mutex);
  state_->card->check_active("copy_to_host");
  state_->gather(data.data());
}

void Buffer::copy_from_host(std::size_t first, std::span<const float> data) {
  check_range(*state_, first, data.size(), "copy_from_host");
  std::lock_guard lock(state_->card->mutex);
  state_->card->check_active("copy_from_host");
  state_->scatter(first, data.size(), data.data());
}

void Buffer::copy_to_host(std::size_t first, std::span<float> data) const {
  check_range(*state_, first, data.size(), "copy_to_host");
  std::lock_guard lock(state_->card->mutex);
  state_->card->check_active("copy_to_host");
  state_->gather(first, data.size(), data.data());
}

std::vector<float> Buffer::to_host() const {
  std::vector<float> out(size());
  copy_to_host(out);
  return out;
}

void Buffer::fill(float value) {
  std::lock_guard lock(state_->card->mutex);
  state_->card->check_active("fill");
  detail::BufferState& b = *state_;
  b.card->each_slice([&](std::size_t s) {
    detail::Device& d = *b.card->slices[s].device;
    const std::size_t n = b.slice_rows(s) * b.cols;
    if (n == 0) return;
    d.fill(n, b.layout == Layout::partial && s > 0 ? 0.0f : value, *b.parts[s]);
    d.finish();
  });
}

std::size_t Buffer::slice_count() const {
  std::lock_guard lock(state_->card->mutex);
  return state_->card->slices.size();
}

std::size_t Buffer::slice_rows(std::size_t slice) const {
  std::lock_guard lock(state_->card->mutex);
  state_->card->check_active("slice_rows");
  check_slice(*state_, slice, "slice_rows");
  return state_->slice_rows(slice);
}

std::size_t Buffer::slice_row_offset(std::size_t slice) const {
  std::lock_guard lock(state_->card->mutex);
  state_->card->check_active("slice_row_offset");
  check_slice(*state_, slice, "slice_row_offset");
  return state_->slice_offset(slice);
}

void Buffer::read_slice(std::size_t slice, std::span<float> data) const {
  std::lock_guard lock(state_->card->mutex);
  state_->card->check_active("read_slice");
  check_slice(*state_, slice, "read_slice");
  const std::size_t n = state_->slice_rows(slice) * state_->cols;
  if (data.size() != n)
    throw Error("read_slice: slice " + std::to_string(slice) + " holds " + std::to_string(n) + " floats, " +
                std::to_string(data.size()) + " given");
  if (n) state_->card->slices[slice].device->read(*state_->parts[slice], 0, data.data(), n);
}

void Buffer::write_slice(std::size_t slice, std::span<const float> data) {
  std::lock_guard lock(state_->card->mutex);
  state_->card->check_active("write_slice");
  check_slice(*state_, slice, "write_slice");
  const std::size_t n = state_->slice_rows(slice) * state_->cols;
  if (data.size() != n)
    throw Error("write_slice: slice " + std::to_string(slice) + " holds " + std::to_string(n) + " floats, " +
                std::to_string(data.size()) + " given");
  if (n) {
    detail::Device& d = *state_->card->slices[slice].device;
    d.write(*state_->parts[slice], 0, data.data(), n);
    d.finish();
  }
}

}  // namespace tflops::hal
