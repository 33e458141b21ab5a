// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/mpi/rank_share.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

namespace tflops::mpi {

namespace {

// Whole cards: the classic linear partition, by dynamic programming over (cards, groups).
std::vector<std::vector<CardPart>> whole_cards(std::span<const std::uint32_t> card_blocks, int ranks) {
  const std::size_t cards = card_blocks.size();
  std::vector<std::uint64_t> prefix(cards + 1, 0);
  for (std::size_t c = 0; c < cards; ++c) prefix[c + 1] = prefix[c] + card_blocks[c];
  constexpr std::uint64_t kNone = std::numeric_limits<std::uint64_t>::max();
  // best[g][c]: the smallest possible largest group when the first c cards form g groups.
  std::vector<std::vector<std::uint64_t>> best(ranks + 1, std::vector<std::uint64_t>(cards + 1, kNone));
  std::vector<std::vector<std::size_t>> cut(ranks + 1, std::vector<std::size_t>(cards + 1, 0));
  best[0][0] = 0;
  for (int g = 1; g <= ranks; ++g) {
    for (std::size_t c = static_cast<std::size_t>(g); c <= cards; ++c) {
      for (std::size_t first = static_cast<std::size_t>(g - 1); first < c; ++first) {
        if (best[g - 1][first] == kNone) continue;
        const std::uint64_t largest = std::max(best[g - 1][first], prefix[c] - prefix[first]);
        if (largest < best[g][c]) {
          best[g][c] = largest;
          cut[g][c] = first;
        }
      }
    }
  }
  std::vector<std::vector<CardPart>> parts(ranks);
  std::size_t end = cards;
  for (int g = ranks; g >= 1; --g) {
    const std::size_t first = cut[g][end];
    for (std::size_t c = first; c < end; ++c) parts[g - 1].push_back({c, 0, card_blocks[c]});
    end = first;
  }
  return parts;
}

// Shared cards: ranks per card by largest remainder (at least one each, at most one per block).
std::vector<std::vector<CardPart>> split_cards(std::span<const std::uint32_t> card_blocks, int ranks) {
  const std::size_t cards = card_blocks.size();
  std::vector<std::uint32_t> per_card(cards, 1);
  int left = ranks - static_cast<int>(cards);
  while (left > 0) {
    // The card whose blocks per rank would stay largest gets the next rank (ties: first card).
    std::size_t pick = cards;
    for (std::size_t c = 0; c < cards; ++c) {
      if (per_card[c] >= card_blocks[c]) continue;
      if (pick == cards || static_cast<std::uint64_t>(card_blocks[c]) * per_card[pick] >
                               static_cast<std::uint64_t>(card_blocks[pick]) * per_card[c]) {
        pick = c;
      }
    }
    ++per_card[pick];  // exists: total >= ranks was checked
    --left;
  }
  std::vector<std::vector<CardPart>> parts;
  for (std::size_t c = 0; c < cards; ++c) {
    std::uint32_t offset = 0;
    for (std::uint32_t k = 0; k < per_card[c]; ++k) {
      const std::uint32_t blocks = card_blocks[c] / per_card[c] + (k < card_blocks[c] % per_card[c] ? 1 : 0);
      parts.push_back({{c, offset, blocks}});
      offset += blocks;
    }
  }
  return parts;
}

}  // namespace

std::vector<std::vector<CardPart>> divide_blocks(std::span<const std::uint32_t> card_blocks, int ranks) {
  if (ranks < 1) throw std::invalid_argument("divide_blocks: " + std::to_string(ranks) + " ranks");
  if (card_blocks.empty())
    throw std::invalid_argument("divide_blocks: the node has no card in the allocation");
  for (std::size_t c = 0; c < card_blocks.size(); ++c) {
    if (card_blocks[c] == 0) {
      throw std::invalid_argument("divide_blocks: card " + std::to_string(c) + " holds no block");
    }
  }
  const std::uint64_t total = std::accumulate(card_blocks.begin(), card_blocks.end(), std::uint64_t{0});
  if (total < static_cast<std::uint64_t>(ranks)) {
    throw std::invalid_argument(
        std::to_string(ranks) + " ranks on this node but the job holds only " + std::to_string(total) +
        " blocks here: every rank needs at least one; ask for " + "at least " + std::to_string(ranks) +
        " blocks per node (--gres=tflops:" + std::to_string(ranks) + ") or start fewer ranks per node");
  }
  if (static_cast<std::size_t>(ranks) <= card_blocks.size()) return whole_cards(card_blocks, ranks);
  return split_cards(card_blocks, ranks);
}

}  // namespace tflops::mpi
