// SPDX-License-Identifier: GPL-2.0-or-later
#include "slurm_gres_text.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "tflops/pool/error.h"
#include "tflops/pool/words.h"

namespace tflops::gres {

namespace {

[[noreturn]] void bad(std::string_view text, std::string_view part, std::string_view why) {
  throw pool::Error("cannot read Slurm's GRES text '" + std::string(text) + "': '" + std::string(part) +
                    "' " + std::string(why));
}

std::optional<std::uint64_t> parse_number(std::string_view word) {
  std::uint64_t value = 0;
  const auto* end = word.data() + word.size();
  const auto [rest, error] = std::from_chars(word.data(), end, value);
  if (error != std::errc() || rest == word.data()) return std::nullopt;
  if (rest == end) return value;
  // slurm.conf counts may carry a binary suffix (Gres=tflops:gpu:1K).
  if (rest + 1 != end) return std::nullopt;
  switch (std::tolower(static_cast<unsigned char>(*rest))) {
    case 'k': return value << 10;
    case 'm': return value << 20;
    case 'g': return value << 30;
    default: return std::nullopt;
  }
}

// Splits at the commas outside parentheses: IDX lists have commas of their own.
std::vector<std::string_view> split_items(std::string_view text) {
  std::vector<std::string_view> items;
  int depth = 0;
  std::size_t start = 0;
  std::size_t open = 0;  // where the last '(' is, for the message
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || (text[i] == ',' && depth == 0)) {
      if (i > start) items.push_back(text.substr(start, i - start));
      start = i + 1;
    } else if (text[i] == '(') {
      if (depth++ == 0) open = i;
    } else if (text[i] == ')') {
      if (depth == 0) bad(text, text.substr(i), "has a ')' without '('");
      --depth;
    }
  }
  if (depth != 0) bad(text, text.substr(open), "has a '(' without ')'");
  return items;
}

// One range "F-L" or "F"; nullopt when malformed (for instance cut by Slurm: "12-", "120-1").
std::optional<pool::BlockRange> parse_range(std::string_view word) {
  const auto dash = word.find('-');
  const auto first = parse_number(word.substr(0, dash));
  if (!first || *first > UINT32_MAX) return std::nullopt;
  auto last = first;
  if (dash != std::string_view::npos) last = parse_number(word.substr(dash + 1));
  if (!last || *last < *first || *last > UINT32_MAX) return std::nullopt;
  return pool::BlockRange{static_cast<std::uint32_t>(*first), static_cast<std::uint32_t>(*last - *first + 1)};
}

void parse_index_list(std::string_view text, std::string_view list, GresItem& item) {
  if (list == "N/A") return;
  item.has_index = true;
  if (list.empty()) return;  // "tflops:npu:0(IDX:)": a job's type it got none of
  std::vector<std::string_view> words;
  for (std::size_t start = 0; start <= list.size();) {
    const auto comma = std::min(list.find(',', start), list.size());
    words.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  std::vector<std::optional<pool::BlockRange>> ranges;
  std::uint64_t bits = 0;
  for (const auto word : words) {
    ranges.push_back(parse_range(word));
    if (ranges.back()) bits += ranges.back()->count;
  }
  // Cut short: the last word may be a cut number, so it is not trusted.
  if (item.count && bits < *item.count) {
    item.complete = false;
    ranges.pop_back();
    words.pop_back();
  }
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    if (!ranges[i]) bad(text, words[i], "is not a block index or range (use F or F-L)");
    item.indexes.push_back(*ranges[i]);
  }
  merge_ranges(item.indexes);
}

GresItem parse_item(std::string_view text, std::string_view word) {
  GresItem item;
  const auto open = word.find('(');
  const auto head = word.substr(0, open);

  std::vector<std::string_view> parts;
  for (std::size_t start = 0; start <= head.size();) {
    const auto colon = std::min(head.find(':', start), head.size());
    parts.push_back(head.substr(start, colon - start));
    start = colon + 1;
  }
  if (parts.front().empty()) bad(text, word, "has no GRES name");
  item.name = std::string(parts.front());
  if (parts.size() > 1) {
    if (const auto count = parse_number(parts.back())) {
      item.count = count;
      parts.pop_back();
    }
  }
  if (parts.size() == 2) {
    item.type = std::string(parts[1]);
  } else if (parts.size() > 2) {
    bad(text, word, "is not NAME[:TYPE][:COUNT]");
  }

  // The parenthesised parts: (IDX:list), (CNT:n); others such as (S:0-1) say nothing here.
  for (auto rest = open == std::string_view::npos ? std::string_view() : word.substr(open); !rest.empty();) {
    const auto close = rest.find(')');
    if (rest.front() != '(' || close == std::string_view::npos) {
      bad(text, rest, "follows a ')' (expected '(' or ',')");
    }
    const auto inner = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
    const auto key = pool::to_lower(inner.substr(0, inner.find(':')));
    const auto value = inner.find(':') == std::string_view::npos ? std::string_view()
                                                                 : inner.substr(inner.find(':') + 1);
    if (key == "cnt") {
      item.count = parse_number(value);
      if (!item.count) bad(text, inner, "has no count");
    } else if (key == "idx") {
      parse_index_list(text, value, item);
    }
  }
  return item;
}

}  // namespace

void merge_ranges(std::vector<pool::BlockRange>& ranges) {
  std::sort(ranges.begin(), ranges.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<pool::BlockRange> merged;
  for (const auto& range : ranges) {
    if (!merged.empty() && range.first <= merged.back().end()) {
      merged.back().count = std::max(merged.back().end(), range.end()) - merged.back().first;
    } else {
      merged.push_back(range);
    }
  }
  ranges = std::move(merged);
}

std::uint64_t GresItem::index_count() const {
  std::uint64_t bits = 0;
  for (const auto& range : indexes) bits += range.count;
  return bits;
}

std::vector<GresItem> parse_gres_text(std::string_view text) {
  std::vector<GresItem> items;
  if (text == "(null)") return items;  // what Slurm prints for none
  for (const auto word : split_items(text)) items.push_back(parse_item(text, word));
  return items;
}

}  // namespace tflops::gres
