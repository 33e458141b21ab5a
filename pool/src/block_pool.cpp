// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/pool/block_pool.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace tflops::pool {
namespace {

std::size_t domain_index(std::optional<Kind> kind) { return kind ? 1 + static_cast<std::size_t>(*kind) : 0; }

// The part of `run` inside `domain`; count 0 when they do not meet.
BlockRange clip(BlockRange run, BlockRange domain) {
  std::uint32_t first = std::max(run.first, domain.first);
  std::uint32_t end = std::min(run.end(), domain.end());
  return end > first ? BlockRange{first, end - first} : BlockRange{first, 0};
}

}  // namespace

BlockPool::BlockPool(std::shared_ptr<const Layout> layout) : layout_(std::move(layout)) {
  const auto& nodes = layout_->nodes();
  while (leaves_ < nodes.size()) leaves_ *= 2;
  tree_.assign(2 * leaves_, NodeSummary{});
  runs_.resize(nodes.size());
  std::uint32_t offset = 0;
  for (std::size_t n = 0; n < nodes.size(); ++n) {
    node_offset_.push_back(offset);
    offset += nodes[n].blocks;
    runs_[n].push_back(BlockRange{0, nodes[n].blocks});
    refresh(static_cast<std::uint32_t>(n));
  }
  owner_.assign(offset, kNoJob);
  free_total_ = offset;
}

void BlockPool::refresh(std::uint32_t node) {
  NodeSummary summary;
  for (std::size_t d = 0; d <= kKindCount; ++d) {
    BlockRange domain = d == 0 ? layout_->domain(node, std::nullopt)
                               : layout_->domain(node, kAllKinds[d - 1]);
    for (const BlockRange& run : runs_[node]) {
      auto part = static_cast<std::uint16_t>(clip(run, domain).count);
      summary.largest[d] = std::max(summary.largest[d], part);
      summary.free[d] = static_cast<std::uint16_t>(summary.free[d] + part);
    }
  }
  std::size_t i = leaves_ + node;
  tree_[i] = summary;
  for (i /= 2; i >= 1; i /= 2) {
    for (std::size_t d = 0; d <= kKindCount; ++d) {
      tree_[i].largest[d] = std::max(tree_[2 * i].largest[d], tree_[2 * i + 1].largest[d]);
      tree_[i].free[d] = std::max(tree_[2 * i].free[d], tree_[2 * i + 1].free[d]);
    }
  }
}

std::optional<std::uint32_t> BlockPool::first_node(std::uint32_t from, std::size_t domain,
                                                   std::uint32_t blocks, bool contiguous) const {
  auto fits = [&](std::size_t i) {
    return (contiguous ? tree_[i].largest[domain] : tree_[i].free[domain]) >= blocks;
  };
  // Leftmost leaf >= from that fits: walk up from `from` until a right sibling fits, then down.
  std::size_t i = leaves_ + from;
  if (from >= leaves_) return std::nullopt;
  if (!fits(i)) {
    while (true) {
      while (i > 1 && (i % 2 == 1)) i /= 2;  // climb while we are a right child
      if (i == 1) return std::nullopt;
      ++i;  // the right sibling covers what follows
      if (fits(i)) break;
    }
    while (i < leaves_) i = fits(2 * i) ? 2 * i : 2 * i + 1;
  }
  auto node = static_cast<std::uint32_t>(i - leaves_);
  if (node >= layout_->nodes().size()) return std::nullopt;
  return node;
}

std::optional<Spans> BlockPool::find_on(std::uint32_t node, std::uint32_t blocks,
                                        std::optional<Kind> kind) const {
  if (blocks == 0) return std::nullopt;
  const BlockRange domain = layout_->domain(node, kind);
  std::vector<BlockRange> parts;
  const BlockRange* best = nullptr;
  BlockRange best_part;
  for (const BlockRange& run : runs_[node]) {
    BlockRange part = clip(run, domain);
    if (part.count == 0) continue;
    parts.push_back(part);
    if (part.count >= blocks && (!best || part.count < best_part.count)) {
      best = &run;
      best_part = part;
    }
  }
  if (best) return Spans{Span{node, best_part.first, blocks}};

  // No run holds it: the fewest runs, largest first, the last one the best fit for what is left.
  std::stable_sort(parts.begin(), parts.end(),
                   [](const BlockRange& a, const BlockRange& b) { return a.count > b.count; });
  std::uint32_t left = blocks;
  Spans spans;
  std::size_t next = 0;
  while (left > 0 && next < parts.size()) {
    if (parts[next].count >= left) {
      std::size_t fit = next;
      while (fit + 1 < parts.size() && parts[fit + 1].count >= left) ++fit;
      spans.push_back(Span{node, parts[fit].first, left});
      left = 0;
    } else {
      spans.push_back(Span{node, parts[next].first, parts[next].count});
      left -= parts[next].count;
      ++next;
    }
  }
  if (left > 0) return std::nullopt;
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.first < b.first; });
  return spans;
}

std::optional<Spans> BlockPool::find(const Request& request) const {
  if (request.blocks == 0 || request.nodes == 0) return std::nullopt;
  if (request.node) {
    if (request.nodes != 1 || *request.node >= layout_->nodes().size()) return std::nullopt;
    return find_on(*request.node, request.blocks, request.kind);
  }
  const std::size_t domain = domain_index(request.kind);
  std::vector<std::uint32_t> chosen;
  // Nodes where a run holds the request come first, then nodes with enough scattered blocks.
  for (bool contiguous : {true, false}) {
    std::uint32_t from = 0;
    while (chosen.size() < request.nodes) {
      auto node = first_node(from, domain, request.blocks, contiguous);
      if (!node) break;
      from = *node + 1;
      if (std::find(chosen.begin(), chosen.end(), *node) == chosen.end()) chosen.push_back(*node);
    }
  }
  if (chosen.size() < request.nodes) return std::nullopt;
  std::sort(chosen.begin(), chosen.end());
  Spans spans;
  for (std::uint32_t node : chosen) {
    auto on_node = find_on(node, request.blocks, request.kind);
    if (!on_node) return std::nullopt;  // unreachable: the summary said it fits
    spans.insert(spans.end(), on_node->begin(), on_node->end());
  }
  return spans;
}

void BlockPool::take(const Spans& spans, JobId job) {
  if (job == kNoJob) throw std::logic_error("BlockPool::take: job id 0 is reserved for free blocks");
  if (!is_free(spans)) throw std::logic_error("BlockPool::take: a block is not free");
  for (const Span& span : spans) {
    std::fill_n(owner_.begin() + block_index(span.node, span.first), span.count, job);
    auto& runs = runs_[span.node];
    auto it = std::upper_bound(runs.begin(), runs.end(), span.first,
                               [](std::uint32_t b, const BlockRange& r) { return b < r.first; });
    --it;  // the free run that holds the span (is_free checked it exists)
    BlockRange before{it->first, span.first - it->first};
    BlockRange after{span.end(), it->end() - span.end()};
    if (before.count > 0 && after.count > 0) {
      *it = before;
      runs.insert(it + 1, after);
    } else if (before.count > 0) {
      *it = before;
    } else if (after.count > 0) {
      *it = after;
    } else {
      runs.erase(it);
    }
    free_total_ -= span.count;
    refresh(span.node);
  }
}

void BlockPool::release(const Spans& spans) {
  for (const Span& span : spans) {
    auto begin = owner_.begin() + block_index(span.node, span.first);
    if (span.end() > layout_->nodes().at(span.node).blocks ||
        std::find(begin, begin + span.count, kNoJob) != begin + span.count) {
      throw std::logic_error("BlockPool::release: a block is already free");
    }
  }
  for (const Span& span : spans) {
    std::fill_n(owner_.begin() + block_index(span.node, span.first), span.count, kNoJob);
    auto& runs = runs_[span.node];
    auto it = std::upper_bound(runs.begin(), runs.end(), span.first,
                               [](std::uint32_t b, const BlockRange& r) { return b < r.first; });
    bool joins_left = it != runs.begin() && (it - 1)->end() == span.first;
    bool joins_right = it != runs.end() && it->first == span.end();
    if (joins_left && joins_right) {
      (it - 1)->count += span.count + it->count;
      runs.erase(it);
    } else if (joins_left) {
      (it - 1)->count += span.count;
    } else if (joins_right) {
      it->first = span.first;
      it->count += span.count;
    } else {
      runs.insert(it, BlockRange{span.first, span.count});
    }
    free_total_ += span.count;
    refresh(span.node);
  }
}

bool BlockPool::is_free(const Spans& spans) const {
  for (const Span& span : spans) {
    if (span.node >= layout_->nodes().size() || span.count == 0 ||
        span.end() > layout_->nodes()[span.node].blocks) {
      return false;
    }
    auto begin = owner_.begin() + block_index(span.node, span.first);
    if (std::any_of(begin, begin + span.count, [](JobId j) { return j != kNoJob; })) return false;
  }
  // Two spans of one call must not overlap either.
  for (std::size_t i = 0; i < spans.size(); ++i) {
    for (std::size_t j = i + 1; j < spans.size(); ++j) {
      if (spans[i].node == spans[j].node && spans[i].first < spans[j].end() &&
          spans[j].first < spans[i].end()) {
        return false;
      }
    }
  }
  return true;
}

JobId BlockPool::owner(std::uint32_t node, std::uint32_t block) const {
  return owner_.at(block_index(node, block));
}

std::uint32_t BlockPool::free_blocks(std::uint32_t node, std::optional<Kind> kind) const {
  return tree_[leaves_ + node].free[domain_index(kind)];
}

std::uint32_t BlockPool::largest_free_run(std::uint32_t node, std::optional<Kind> kind) const {
  return tree_[leaves_ + node].largest[domain_index(kind)];
}

}  // namespace tflops::pool
