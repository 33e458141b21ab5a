// SPDX-License-Identifier: GPL-2.0-or-later
// Float32 matrices on a virtual card (row-major, rows x cols; a vector is 1 x n or n x 1).
//
// Layouts:
//   sharded     rows split across slices by the card's weights (split_rows); each slice holds
//               its rows. Batches, activations, their gradients.
//   replicated  every slice holds the whole matrix, all copies equal. Weights, biases.
//   partial     every slice holds a whole-size addend; the value is their sum. What a GEMM or a
//               column sum over a sharded batch dimension produces (weight gradients), before
//               the cross-slice reduction.
// copy_to_host returns the value whatever the layout (gathers shards, sums partials in slice
// order). The per-slice calls give the raw slice contents, for a caller that reduces across
// slices itself (a hierarchical all-reduce: sum the slices' partials into one host buffer,
// all-reduce across ranks, then copy_from_host(..., Layout::replicated) broadcasts it back).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "tflops/hal/virtual_card.h"

namespace tflops::hal {

enum class Layout : std::uint8_t { sharded, replicated, partial };

std::string_view layout_name(Layout layout);

namespace detail {
struct BufferState;
}

class Buffer {
 public:
  // Zero-filled. Throws Error for 0 rows or columns.
  Buffer(VirtualCard& card, std::size_t rows, std::size_t cols, Layout layout);
  Buffer(Buffer&&) noexcept;
  Buffer& operator=(Buffer&&) noexcept;
  ~Buffer();

  std::size_t rows() const;
  std::size_t cols() const;
  std::size_t size() const { return rows() * cols(); }
  Layout layout() const;

  // Whole-value copies; `data` holds rows*cols floats (Error otherwise). copy_from_host keeps
  // the layout unless `as` gives a new one (a partial value written whole goes to slice 0, the
  // other slices get zeros).
  void copy_from_host(std::span<const float> data, std::optional<Layout> as = std::nullopt);
  void copy_to_host(std::span<float> data) const;
  std::vector<float> to_host() const;
  // Range copies: the value's elements [first, first + data.size()) in row-major order, in
  // whatever layout (Error when the range passes the end). A caller that pipelines, such as
  // the gradient all-reduce, moves one piece while it works on another.
  void copy_from_host(std::size_t first, std::span<const float> data);
  void copy_to_host(std::size_t first, std::span<float> data) const;
  void fill(float value);  // every element (for partial: slice 0 gets value, others 0)

  // Per slice: the rows that slice holds (all rows unless sharded) and raw contents.
  std::size_t slice_count() const;
  std::size_t slice_rows(std::size_t slice) const;
  std::size_t slice_row_offset(std::size_t slice) const;  // 0 unless sharded
  void read_slice(std::size_t slice, std::span<float> data) const;
  void write_slice(std::size_t slice, std::span<const float> data);

  // Internal state shared with ops.
  const std::shared_ptr<detail::BufferState>& state() const { return state_; }

 private:
  std::shared_ptr<detail::BufferState> state_;
};

}  // namespace tflops::hal
