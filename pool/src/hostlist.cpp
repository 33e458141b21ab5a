// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/pool/hostlist.h"

#include <cctype>
#include <cstdint>
#include <string>

#include "tflops/pool/error.h"

namespace tflops::pool {
namespace {

// Host lists this long are a typo, not a cluster; the cap keeps a stray "[0-999999999]" cheap.
constexpr std::size_t kMaxHosts = 1u << 20;
// The names' characters together: long names times many brackets would otherwise multiply into
// gigabytes below the host cap (a fuzzer found 500,000 names of 900 characters).
constexpr std::size_t kMaxHostListBytes = 16u << 20;

void check_bytes(std::size_t bytes, std::string_view list) {
  if (bytes > kMaxHostListBytes) {
    throw Error("host list '" + std::string(list) + "' expands to more than " +
                std::to_string(kMaxHostListBytes >> 20) + " MiB of names");
  }
}

std::uint64_t parse_bound(std::string_view digits, std::string_view list) {
  if (digits.empty() || digits.size() > 9) {
    throw Error("host list '" + std::string(list) + "': range bound '" + std::string(digits) +
                "' is not a number of at most 9 digits");
  }
  std::uint64_t value = 0;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) {
      throw Error("host list '" + std::string(list) + "': range bound '" + std::string(digits) +
                  "' is not a number");
    }
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

// The entries of one bracket's body, "0-3,7" -> 0,1,2,3,7, zero-padded like the bounds.
std::vector<std::string> expand_ranges(std::string_view body, std::string_view list) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= body.size()) {
    std::size_t comma = body.find(',', pos);
    if (comma == std::string_view::npos) comma = body.size();
    std::string_view item = body.substr(pos, comma - pos);
    std::size_t dash = item.find('-');
    std::string_view lo_text = item.substr(0, dash);
    std::string_view hi_text = dash == std::string_view::npos ? item : item.substr(dash + 1);
    std::uint64_t lo = parse_bound(lo_text, list);
    std::uint64_t hi = parse_bound(hi_text, list);
    if (hi < lo) {
      throw Error("host list '" + std::string(list) + "': range '" + std::string(item) +
                  "' runs backwards; write it low-high");
    }
    if (out.size() + (hi - lo + 1) > kMaxHosts) {
      throw Error("host list '" + std::string(list) + "' names more than " + std::to_string(kMaxHosts) +
                  " hosts");
    }
    std::size_t width = lo_text.size();
    for (std::uint64_t v = lo; v <= hi; ++v) {
      std::string digits = std::to_string(v);
      if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
      out.push_back(std::move(digits));
    }
    pos = comma + 1;
  }
  return out;
}

// Expands one comma-free item that may hold several brackets: "rack[0-1]n[0-3]". Returns the
// characters of the names it appended.
std::size_t expand_item(std::string_view item, std::string_view list, std::vector<std::string>& out) {
  std::vector<std::string> partial = {""};
  std::size_t partial_bytes = 0;  // of the names in `partial`, checked before each one grows
  std::size_t pos = 0;
  while (pos < item.size()) {
    std::size_t open = item.find('[', pos);
    std::string_view literal = item.substr(pos, open == std::string_view::npos ? item.npos : open - pos);
    if (literal.find(']') != std::string_view::npos) {
      throw Error("host list '" + std::string(list) + "': ']' without '['");
    }
    partial_bytes += partial.size() * literal.size();
    check_bytes(partial_bytes, list);
    for (auto& p : partial) p.append(literal);
    if (open == std::string_view::npos) break;
    std::size_t close = item.find(']', open);
    if (close == std::string_view::npos) {
      throw Error("host list '" + std::string(list) + "': '[' without ']'");
    }
    std::vector<std::string> suffixes = expand_ranges(item.substr(open + 1, close - open - 1), list);
    if (partial.size() * suffixes.size() > kMaxHosts) {
      throw Error("host list '" + std::string(list) + "' names more than " + std::to_string(kMaxHosts) +
                  " hosts");
    }
    partial_bytes = partial_bytes * suffixes.size() + total_length(suffixes) * partial.size();
    check_bytes(partial_bytes, list);
    std::vector<std::string> next;
    next.reserve(partial.size() * suffixes.size());
    for (const auto& p : partial) {
      for (const auto& s : suffixes) next.push_back(p + s);
    }
    partial = std::move(next);
    pos = close + 1;
  }
  for (auto& p : partial) {
    if (p.empty()) throw Error("host list '" + std::string(list) + "' has an empty name");
    out.push_back(std::move(p));
  }
  return partial_bytes;
}

}  // namespace

std::vector<std::string> expand_hostlist(std::string_view list) {
  std::vector<std::string> out;
  std::size_t bytes = 0;
  std::size_t depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= list.size(); ++i) {
    char c = i < list.size() ? list[i] : ',';
    if (c == '[') ++depth;
    if (c == ']') {
      if (depth == 0) throw Error("host list '" + std::string(list) + "': ']' without '['");
      --depth;
    }
    if (c == ',' && depth == 0) {
      bytes += expand_item(list.substr(start, i - start), list, out);
      check_bytes(bytes, list);
      if (out.size() > kMaxHosts) {
        throw Error("host list '" + std::string(list) + "' names more than " + std::to_string(kMaxHosts) +
                    " hosts");
      }
      start = i + 1;
    }
  }
  if (depth != 0) throw Error("host list '" + std::string(list) + "': '[' without ']'");
  return out;
}

std::size_t total_length(const std::vector<std::string>& names) {
  std::size_t bytes = 0;
  for (const auto& name : names) bytes += name.size();
  return bytes;
}

}  // namespace tflops::pool
