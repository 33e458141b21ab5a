// SPDX-License-Identifier: GPL-2.0-or-later
#include "allocation_text.h"

#include <algorithm>
#include <charconv>

#include "tflops/hal/error.h"

namespace tflops::hal::detail {

namespace {

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t pos = text.find(sep, start);
    parts.push_back(text.substr(start, pos - start));
    if (pos == std::string_view::npos) return parts;
    start = pos + 1;
  }
}

std::uint32_t block_number(std::string_view word, std::string_view text, const std::string& what) {
  std::uint32_t value = 0;
  const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (word.empty() || ec != std::errc() || end != word.data() + word.size())
    throw Error(what + "='" + std::string(text) + "': '" + std::string(word) +
                "' is not a block number (expected a list like 0-8,10)");
  return value;
}

}  // namespace

std::vector<std::uint32_t> parse_ranges(std::string_view text, const std::string& what) {
  std::vector<std::uint32_t> blocks;
  for (std::string_view range : split(text, ',')) {
    const std::size_t dash = range.find('-');
    const std::uint32_t first = block_number(range.substr(0, dash), text, what);
    const std::uint32_t last = dash == std::string_view::npos
                                   ? first
                                   : block_number(range.substr(dash + 1), text, what);
    if (last < first || last - first > 1u << 20)
      throw Error(what + "='" + std::string(text) + "': bad range '" + std::string(range) +
                  "' (expected FIRST-LAST with FIRST <= LAST)");
    for (std::uint32_t b = first; b <= last; ++b) blocks.push_back(b);
  }
  std::sort(blocks.begin(), blocks.end());
  blocks.erase(std::unique(blocks.begin(), blocks.end()), blocks.end());
  return blocks;
}

std::string format_ranges(const std::vector<std::uint32_t>& sorted) {
  std::string out;
  for (std::size_t i = 0; i < sorted.size();) {
    std::size_t j = i;
    while (j + 1 < sorted.size() && sorted[j + 1] == sorted[j] + 1) ++j;
    if (!out.empty()) out += ",";
    out += std::to_string(sorted[i]);
    if (j > i) out += "-" + std::to_string(sorted[j]);
    i = j + 1;
  }
  return out;
}

std::vector<CardEntry> parse_card_entries(std::string_view text, const std::string& what, bool extras) {
  std::vector<CardEntry> cards;
  // Comma-separated items; an item without ':' (before any '=') continues the previous card's
  // block list ("gpu:gpu0:/dev/nvidia0:0-3,5"): names and devices never hold ':' or ','.
  std::vector<std::string> block_text;
  for (std::string_view item : split(text, ',')) {
    std::string_view selector;
    if (const std::size_t eq = item.find('='); eq != std::string_view::npos) {
      if (!extras)
        throw Error(what + "='" + std::string(text) + "': unexpected '=' in '" + std::string(item) + "'");
      selector = item.substr(eq + 1);
      item = item.substr(0, eq);
    }
    if (item.find(':') == std::string_view::npos) {
      if (cards.empty())
        throw Error(what + "='" + std::string(text) + "': '" + std::string(item) +
                    "' is not a card (expected kind:name:device:blocks)");
      block_text.back() += "," + std::string(item);
    } else {
      const std::vector<std::string_view> f = split(item, ':');
      if (f.size() != 4 || f[1].empty())
        throw Error(what + "='" + std::string(text) + "': bad card '" + std::string(item) +
                    "' (expected kind:name:device:blocks, e.g. npu:npu0:/dev/davinci0:18-37)");
      cards.push_back({std::string(f[0]), std::string(f[1]), std::string(f[2]), {}, 0, {}});
      block_text.emplace_back(f[3]);
    }
    if (!selector.empty()) cards.back().selector = parse_selector(selector);
  }
  for (std::size_t i = 0; i < cards.size(); ++i) {
    std::string_view blocks = block_text[i];
    if (const std::size_t slash = blocks.find('/'); slash != std::string_view::npos) {
      if (!extras)
        throw Error(what + "='" + std::string(text) + "': unexpected '/' in card " + cards[i].name);
      cards[i].total = block_number(blocks.substr(slash + 1), text, what);
      blocks = blocks.substr(0, slash);
    }
    if (blocks.empty())
      throw Error(what + "='" + std::string(text) + "': card " + cards[i].name + " holds no blocks");
    cards[i].blocks = parse_ranges(blocks, what);
    if (cards[i].total && cards[i].total < cards[i].blocks.size())
      throw Error(what + "='" + std::string(text) + "': card " + cards[i].name + " holds " +
                  std::to_string(cards[i].blocks.size()) + " blocks but /" + std::to_string(cards[i].total) +
                  " says it has fewer");
  }
  return cards;
}

}  // namespace tflops::hal::detail
