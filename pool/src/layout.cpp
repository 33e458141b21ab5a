// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/pool/layout.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "tflops/pool/error.h"

namespace tflops::pool {
namespace {

std::uint64_t blocks_of(double tflops, double block_tflops) {
  // A tiny epsilon so that 0.3 / 0.1 counts as 3 blocks, not 2.9999. Anything far past Slurm's
  // cap is clamped before the cast, which would be undefined beyond 2^64.
  const double blocks = std::floor(tflops / block_tflops + 1e-9);
  constexpr double kClamp = 1e12;
  return static_cast<std::uint64_t>(std::min(blocks, kClamp));
}

std::uint64_t node_blocks(const std::vector<double>& tflops, double block_tflops) {
  std::uint64_t sum = 0;
  for (double t : tflops) sum += blocks_of(t, block_tflops);
  return sum;
}

// The smallest block size, rounded up to three significant digits, that keeps a node's cards
// within Slurm's cap.
double smallest_fitting_block(const std::vector<double>& tflops) {
  double lo = 0, hi = 0;
  for (double t : tflops) hi = std::max(hi, t);
  for (int i = 0; i < 100; ++i) {
    double mid = (lo + hi) / 2;
    if (node_blocks(tflops, mid) <= kMaxBlocksPerNode) hi = mid;
    else lo = mid;
  }
  double scale = std::pow(10.0, std::floor(std::log10(hi)) - 2);
  double rounded = std::ceil(hi / scale - 1e-9) * scale;
  while (node_blocks(tflops, rounded) > kMaxBlocksPerNode) rounded += scale;
  return rounded;
}

std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

}  // namespace

Layout::Layout(Inventory inventory) : inventory_(std::move(inventory)) {
  const double block = inventory_.options.block_tflops;
  for (const auto& name : inventory_.nodes) {
    node_index_.emplace(name, static_cast<std::uint32_t>(nodes_.size()));
    nodes_.push_back(NodeLayout{name, 0, 0, {}, {}});
  }

  std::vector<std::vector<double>> node_tflops(nodes_.size());
  std::vector<std::vector<std::size_t>> node_cards(nodes_.size());  // indices, file order
  for (std::size_t c = 0; c < inventory_.cards.size(); ++c) {
    const Card& card = inventory_.cards[c];
    auto node = node_index_.find(card.node);
    if (node == node_index_.end()) {
      throw Error(inventory_.source + ":" + std::to_string(card.line) + ": card " + card.name +
                  " names node " + card.node + ", which the inventory does not list");
    }
    node_tflops[node->second].push_back(card.tflops);
    node_cards[node->second].push_back(c);
    if (blocks_of(card.tflops, block) == 0) {
      throw Error(inventory_.source + ":" + std::to_string(card.line) +
                  ": 'TFLOPS=" + format_number(card.tflops) + "': card " + card.name + " on " + card.node +
                  " is worth less than one block of " + format_number(block) + " TFLOPS; set BlockTFLOPS=" +
                  format_number(card.tflops) + " or less, or leave the card out");
    }
  }
  for (std::size_t n = 0; n < nodes_.size(); ++n) {
    std::uint64_t count = node_blocks(node_tflops[n], block);
    if (count > kMaxBlocksPerNode) {
      throw Error(inventory_.source + ": node " + nodes_[n].name + " has " + std::to_string(count) +
                  " blocks of " + format_number(block) + " TFLOPS, over Slurm's limit of " +
                  std::to_string(kMaxBlocksPerNode) +
                  " per node; set BlockTFLOPS=" + format_number(smallest_fitting_block(node_tflops[n])) +
                  " (the smallest block size that fits) or larger");
    }
  }

  // Number each node's blocks: region by region in the configured order, cards in file order.
  for (std::uint32_t n = 0; n < nodes_.size(); ++n) {
    NodeLayout& node = nodes_[n];
    std::uint32_t next = 0;
    for (Kind kind : inventory_.options.region_order) {
      BlockRange& region = node.regions[static_cast<std::size_t>(kind)];
      region.first = next;
      for (std::size_t c : node_cards[n]) {
        const Card& card = inventory_.cards[c];
        if (card.kind != kind) continue;
        auto count = static_cast<std::uint32_t>(blocks_of(card.tflops, block));
        node.cards.push_back(cards_.size());
        cards_.push_back(CardLayout{c, n, kind, BlockRange{next, count}});
        next += count;
      }
      region.count = next - region.first;
    }
    node.blocks = next;
    node.global_first = total_blocks_ + 1;
    total_blocks_ += next;
  }
}

std::optional<std::uint32_t> Layout::find_node(std::string_view name) const {
  auto it = node_index_.find(std::string(name));
  if (it == node_index_.end()) return std::nullopt;
  return it->second;
}

BlockRange Layout::domain(std::uint32_t node, std::optional<Kind> kind) const {
  const NodeLayout& n = nodes_.at(node);
  if (!kind) return BlockRange{0, n.blocks};
  return n.regions[static_cast<std::size_t>(*kind)];
}

const CardLayout& Layout::card_at(std::uint32_t node, std::uint32_t block) const {
  for (std::size_t c : nodes_.at(node).cards) {
    const CardLayout& card = cards_[c];
    if (block >= card.blocks.first && block < card.blocks.end()) return card;
  }
  throw Error("block " + std::to_string(block) + " is outside node " + nodes_.at(node).name + " (blocks 0-" +
              std::to_string(nodes_.at(node).blocks - 1) + ")");
}

std::uint64_t Layout::to_global(std::uint32_t node, std::uint32_t block) const {
  return nodes_.at(node).global_first + block;
}

std::pair<std::uint32_t, std::uint32_t> Layout::to_local(std::uint64_t global) const {
  if (global < 1 || global > total_blocks_) {
    throw Error("block " + std::to_string(global) + " is outside the pool (blocks 1-" +
                std::to_string(total_blocks_) + ")");
  }
  auto it = std::upper_bound(nodes_.begin(), nodes_.end(), global,
                             [](std::uint64_t g, const NodeLayout& n) { return g < n.global_first; });
  const NodeLayout& node = *(it - 1);
  return {static_cast<std::uint32_t>(it - 1 - nodes_.begin()),
          static_cast<std::uint32_t>(global - node.global_first)};
}

}  // namespace tflops::pool
