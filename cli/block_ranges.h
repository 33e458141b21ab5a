// SPDX-License-Identifier: GPL-2.0-or-later
// Pool-wide block numbers for people: the pool keeps node-local spans (Slurm's 0-based GRES bit
// indices); the reference documents and this tool show pool-wide numbers, 1-based, inclusive.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tflops/pool/block_pool.h"
#include "tflops/pool/layout.h"

namespace tflops::cli {

struct GlobalRange {
  std::uint64_t first = 0;  // pool-wide, 1-based
  std::uint64_t last = 0;   // inclusive
  friend bool operator==(const GlobalRange&, const GlobalRange&) = default;
};

// One range per span, in the spans' order. Spans on neighbouring nodes stay separate ranges, so
// that a node boundary stays visible.
std::vector<GlobalRange> to_global(const pool::Layout& layout, const pool::Spans& spans);
GlobalRange to_global(const pool::Layout& layout, std::uint32_t node, pool::BlockRange range);

// The pool's free runs, pool-wide, in block order.
std::vector<GlobalRange> free_ranges(const pool::BlockPool& pool);

// "F-L", or "F" for a single block.
std::string format_range(std::uint64_t first, std::uint64_t last);
std::string format_range(const GlobalRange& range);
// "1-3,7-8"; "-" when there are none.
std::string format_ranges(const std::vector<GlobalRange>& ranges);

// [[first, last], ...]
nlohmann::ordered_json ranges_json(const std::vector<GlobalRange>& ranges);

}  // namespace tflops::cli
