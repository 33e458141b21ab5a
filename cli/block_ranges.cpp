// SPDX-License-Identifier: GPL-2.0-or-later
#include "block_ranges.h"

namespace tflops::cli {

GlobalRange to_global(const pool::Layout& layout, std::uint32_t node, pool::BlockRange range) {
  return {layout.to_global(node, range.first), layout.to_global(node, range.end() - 1)};
}

std::vector<GlobalRange> to_global(const pool::Layout& layout, const pool::Spans& spans) {
  std::vector<GlobalRange> ranges;
  ranges.reserve(spans.size());
  for (const auto& span : spans) {
    if (span.count == 0) continue;
    ranges.push_back(to_global(layout, span.node, pool::BlockRange{span.first, span.count}));
  }
  return ranges;
}

std::vector<GlobalRange> free_ranges(const pool::BlockPool& pool) {
  std::vector<GlobalRange> ranges;
  const auto& layout = pool.layout();
  for (std::uint32_t node = 0; node < layout.nodes().size(); ++node) {
    for (const auto& run : pool.free_runs(node)) {
      if (run.count > 0) ranges.push_back(to_global(layout, node, run));
    }
  }
  return ranges;
}

std::string format_range(std::uint64_t first, std::uint64_t last) {
  if (first == last) return std::to_string(first);
  return std::to_string(first) + "-" + std::to_string(last);
}

std::string format_range(const GlobalRange& range) { return format_range(range.first, range.last); }

std::string format_ranges(const std::vector<GlobalRange>& ranges) {
  if (ranges.empty()) return "-";
  std::string text;
  for (const auto& range : ranges) {
    if (!text.empty()) text += ",";
    text += format_range(range);
  }
  return text;
}

nlohmann::ordered_json ranges_json(const std::vector<GlobalRange>& ranges) {
  auto list = nlohmann::ordered_json::array();
  for (const auto& range : ranges) list.push_back({range.first, range.last});
  return list;
}

}  // namespace tflops::cli
