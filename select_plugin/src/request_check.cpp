// SPDX-License-Identifier: GPL-2.0-or-later
#include "request_check.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include "tflops/pool/kind.h"

namespace tflops::select {

namespace {

struct Ask {
  std::string text;  // as the user wrote it, for messages: "tflops:gpu:10"
  std::optional<pool::Kind> kind;
  std::uint64_t blocks = 1;
};

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(sep, start);
    if (end == std::string_view::npos) end = text.size();
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::string kinds_present(const pool::Layout& layout) {
  std::string names;
  for (pool::Kind kind : layout.options().region_order) {
    bool present = std::any_of(layout.cards().begin(), layout.cards().end(),
                               [&](const pool::CardLayout& c) { return c.kind == kind; });
    if (!present) continue;
    if (!names.empty()) names += ", ";
    names += pool::kind_name(kind);
  }
  return names;
}

// Parses the tflops entries of a TRES string; a message when one is malformed.
std::optional<std::string> parse(std::string_view tres, const pool::Layout& layout, std::vector<Ask>& asks) {
  for (std::string_view entry : split(tres, ',')) {
    if (entry.starts_with("gres:") || entry.starts_with("gres/")) entry.remove_prefix(5);
    auto words = split(entry, ':');
    if (words.empty() || words[0] != "tflops") continue;
    Ask ask;
    ask.text = std::string(entry);
    std::string_view count;
    if (words.size() == 2) {
      // tflops:N, or tflops:KIND (one block)
      if (pool::parse_kind(words[1])) {
        ask.kind = pool::parse_kind(words[1]);
      } else {
        count = words[1];
      }
    } else if (words.size() == 3) {
      ask.kind = pool::parse_kind(words[1]);
      if (!ask.kind) {
        return "--gres=" + ask.text + ": '" + std::string(words[1]) +
               "' is not a card kind; this cluster has " + kinds_present(layout) +
               " (example: --gres=tflops:gpu:10)";
      }
      count = words[2];
    } else if (words.size() > 3) {
      return "--gres=" + ask.text +
             ": too many fields; write tflops:N or tflops:KIND:N (example: --gres=tflops:50)";
    }
    if (!count.empty()) {
      std::uint64_t n = 0;
      auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), n);
      if (ec != std::errc() || end != count.data() + count.size()) {
        return "--gres=" + ask.text + ": '" + std::string(count) +
               "' is not a block count; write a whole number of 1-TFLOPS blocks "
               "(example: --gres=tflops:50)";
      }
      ask.blocks = n;
    }
    if (ask.blocks == 0) {
      return "--gres=" + ask.text +
             " asks for no blocks; ask for at least one (example: --gres=tflops:1), or leave "
             "--gres=tflops out for a job that needs no accelerator";
    }
    asks.push_back(std::move(ask));
  }
  return std::nullopt;
}

// The node with the most blocks of the kind (or in all), and that count.
std::pair<std::string, std::uint64_t> largest_node(const pool::Layout& layout,
                                                   std::optional<pool::Kind> kind) {
  std::pair<std::string, std::uint64_t> best{"", 0};
  for (std::uint32_t n = 0; n < layout.nodes().size(); ++n) {
    const std::uint64_t blocks = layout.domain(n, kind).count;
    if (blocks > best.second) best = {layout.nodes()[n].name, blocks};
  }
  return best;
}

std::uint64_t nodes_with(const pool::Layout& layout, std::optional<pool::Kind> kind, std::uint64_t blocks) {
  std::uint64_t count = 0;
  for (std::uint32_t n = 0; n < layout.nodes().size(); ++n) {
    if (layout.domain(n, kind).count >= blocks) ++count;
  }
  return count;
}

std::uint64_t pool_blocks(const pool::Layout& layout, std::optional<pool::Kind> kind) {
  std::uint64_t total = 0;
  for (std::uint32_t n = 0; n < layout.nodes().size(); ++n) total += layout.domain(n, kind).count;
  return total;
}

std::string of_kind(std::optional<pool::Kind> kind) {
  return kind ? std::string(pool::kind_name(*kind)) + " " : "";
}

// A request of several kinds per node (tflops:gpu:20,tflops:fpga:13) needs one node that holds
// them all at once: a message when fewer than `min_nodes` nodes do (each kind alone may fit).
std::optional<std::string> refuse_combination(const std::vector<Ask>& asks, std::uint32_t min_nodes,
                                              const pool::Layout& layout) {
  if (asks.size() < 2) return std::nullopt;
  std::vector<Ask> by_kind;  // a kind asked for twice needs the sum
  for (const Ask& ask : asks) {
    auto same = std::find_if(by_kind.begin(), by_kind.end(),
                             [&](const Ask& a) { return a.kind == ask.kind; });
    if (same == by_kind.end()) by_kind.push_back(ask);
    else same->blocks += ask.blocks;
  }
  std::uint64_t fit = 0;
  for (std::uint32_t n = 0; n < layout.nodes().size(); ++n) {
    fit += std::all_of(by_kind.begin(), by_kind.end(),
                       [&](const Ask& a) { return layout.domain(n, a.kind).count >= a.blocks; });
  }
  const std::uint64_t needed = std::max<std::uint32_t>(min_nodes, 1);
  if (fit >= needed) return std::nullopt;
  std::string texts, wanted;
  for (const Ask& ask : asks) texts += (texts.empty() ? "" : ",") + ask.text;
  for (const Ask& ask : by_kind) {
    wanted += (wanted.empty() ? "" : " and ") + std::to_string(ask.blocks) + " " + of_kind(ask.kind) +
              "blocks";
  }
  if (fit == 0) {
    return "--gres=" + texts + ": no node holds " + wanted +
           " together (`tflopsctl pool` lists each node's cards); ask for kinds one node holds, "
           "or run the parts as separate jobs";
  }
  return "--gres=" + texts + " on " + std::to_string(needed) + " nodes: only " + std::to_string(fit) +
         " node(s) hold " + wanted + " together; ask for fewer blocks per node or fewer nodes";
}

}  // namespace

std::optional<std::string> refuse_request(const RequestShape& request, const pool::Layout& layout) {
  std::vector<Ask> per_node, per_job;
  if (auto bad = parse(request.tres_per_node, layout, per_node)) return bad;
  if (auto bad = parse(request.tres_per_job, layout, per_job)) return bad;

  for (const Ask& ask : per_node) {
    if (ask.kind && pool_blocks(layout, ask.kind) == 0) {
      return "--gres=" + ask.text + ": this cluster has no " + std::string(pool::kind_name(*ask.kind)) +
             " cards; it has " + kinds_present(layout);
    }
    const auto [name, most] = largest_node(layout, ask.kind);
    if (ask.blocks > most) {
      return "--gres=" + ask.text + " asks for " + std::to_string(ask.blocks) + " " + of_kind(ask.kind) +
             "blocks on each node, but the largest node (" + name + ") has " + std::to_string(most) +
             " (the pool has " + std::to_string(pool_blocks(layout, ask.kind)) + " over " +
             std::to_string(layout.nodes().size()) + " nodes): ask for at most " + std::to_string(most) +
             " per node, and for more nodes with -N";
    }
    const std::uint64_t fit = nodes_with(layout, ask.kind, ask.blocks);
    if (request.min_nodes > fit) {
      return "--gres=" + ask.text + " on " + std::to_string(request.min_nodes) + " nodes: only " +
             std::to_string(fit) + " node(s) have " + std::to_string(ask.blocks) + " " + of_kind(ask.kind) +
             "blocks; ask for fewer blocks per node or fewer nodes";
    }
  }
  if (auto bad = refuse_combination(per_node, request.min_nodes, layout)) return bad;
  for (const Ask& ask : per_job) {
    const std::uint64_t total = pool_blocks(layout, ask.kind);
    if (ask.blocks > total) {
      return "--tres-per-job=" + ask.text + " asks for " + std::to_string(ask.blocks) + " " +
             of_kind(ask.kind) + "blocks but the whole pool has " + std::to_string(total) +
             ": ask for at most " + std::to_string(total);
    }
  }
  return std::nullopt;
}

}  // namespace tflops::select
