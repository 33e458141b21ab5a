// SPDX-License-Identifier: GPL-2.0-or-later
#include "node_segments.h"

#include <algorithm>

namespace tflops::pool::detail {

SpansIndex::SpansIndex(const std::vector<RunningJob>& running) {
  for (std::size_t j = 0; j < running.size(); ++j) {
    for (const Span& span : running[j].spans) entries_.push_back({span, j});
  }
  std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    return a.span.node != b.span.node ? a.span.node < b.span.node : a.span.first < b.span.first;
  });
}

std::span<const SpansIndex::Entry> SpansIndex::on(std::uint32_t node) const {
  auto begin = std::lower_bound(entries_.begin(), entries_.end(), node,
                                [](const Entry& e, std::uint32_t n) { return e.span.node < n; });
  auto end = std::upper_bound(begin, entries_.end(), node,
                              [](std::uint32_t n, const Entry& e) { return n < e.span.node; });
  return {begin, end};
}

std::vector<Segment> node_segments(const BlockPool& pool, std::uint32_t node, const SpansIndex& index) {
  std::vector<Segment> known;
  for (const BlockRange& run : pool.free_runs(node)) known.push_back({run.first, run.count});
  for (const auto& [span, job] : index.on(node)) known.push_back({span.first, span.count, job});
  std::sort(known.begin(), known.end(), [](const Segment& a, const Segment& b) { return a.first < b.first; });
  std::vector<Segment> segments;
  std::uint32_t next = 0;
  for (const Segment& s : known) {
    if (s.first < next) continue;  // a span the caller lists twice: the first one stands
    if (s.first > next) segments.push_back({next, s.first - next, kFixedSegment});
    segments.push_back(s);
    next = s.end();
  }
  const std::uint32_t blocks = pool.layout().nodes()[node].blocks;
  if (next < blocks) segments.push_back({next, blocks - next, kFixedSegment});
  return segments;
}

std::vector<std::uint32_t> window_starts(BlockRange domain, const std::vector<Segment>& segments,
                                         std::uint32_t blocks) {
  std::vector<std::uint32_t> starts = {domain.first};
  if (domain.end() >= blocks) starts.push_back(domain.end() - blocks);
  for (const Segment& s : segments) {
    starts.push_back(s.first);
    if (s.end() >= blocks) starts.push_back(s.end() - blocks);
  }
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  return starts;
}

std::uint32_t blocks_on(const RunningJob& job, std::uint32_t node) {
  std::uint32_t count = 0;
  for (const Span& span : job.spans) {
    if (span.node == node) count += span.count;
  }
  return count;
}

}  // namespace tflops::pool::detail
