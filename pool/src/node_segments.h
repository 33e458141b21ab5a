// SPDX-License-Identifier: GPL-2.0-or-later
// A node's blocks seen as segments (free, held by a known running job, or held by something the
// planners must leave alone), built from the pool's free runs and the running jobs' spans, so
// that planning costs O(segments) rather than O(blocks).
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "tflops/pool/block_pool.h"
#include "tflops/pool/running_job.h"

namespace tflops::pool::detail {

inline constexpr std::size_t kFreeSegment = std::numeric_limits<std::size_t>::max();
inline constexpr std::size_t kFixedSegment = kFreeSegment - 1;

struct Segment {
  std::uint32_t first = 0;
  std::uint32_t count = 0;
  std::size_t job = kFreeSegment;  // index into the running list, or one of the markers above
  std::uint32_t end() const { return first + count; }
};

// The running jobs' spans, sorted by node and first block: one allocation and one sort per
// plan, where a map per node would cost an allocation per job.
class SpansIndex {
 public:
  struct Entry {
    Span span;
    std::size_t job = 0;  // index into the running list
  };

  explicit SpansIndex(const std::vector<RunningJob>& running);
  std::span<const Entry> on(std::uint32_t node) const;
  const std::vector<Entry>& all() const { return entries_; }

 private:
  std::vector<Entry> entries_;
};

// Segments covering the whole node in block order. Blocks the pool says are held but that no
// running job claims become kFixedSegment.
std::vector<Segment> node_segments(const BlockPool& pool, std::uint32_t node, const SpansIndex& index);

// Where a window of `blocks` for a request may start inside `domain`: the best window starts
// where a segment or the domain starts, or ends where one ends. Sorted, without repeats; a
// start may still leave the domain, callers check.
std::vector<std::uint32_t> window_starts(BlockRange domain, const std::vector<Segment>& segments,
                                         std::uint32_t blocks);

// Blocks a job holds on one node.
std::uint32_t blocks_on(const RunningJob& job, std::uint32_t node);

}  // namespace tflops::pool::detail
