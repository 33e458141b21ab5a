// SPDX-License-Identifier: GPL-2.0-or-later
// Block numbering. Per node, blocks are numbered from 0 (Slurm's GRES bit index) with one
// contiguous region per kind in the inventory's region order, and inside a region one sub-range
// per card in file order. Pool-wide numbers start at 1 and run across nodes in inventory order.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tflops/pool/inventory.h"
#include "tflops/pool/kind.h"

namespace tflops::pool {

inline constexpr std::uint32_t kMaxBlocksPerNode = 1024;  // Slurm's MAX_GRES_BITMAP

struct BlockRange {
  std::uint32_t first = 0;  // node-local
  std::uint32_t count = 0;
  std::uint32_t end() const { return first + count; }
};

struct CardLayout {
  std::size_t card = 0;  // index into Inventory::cards
  std::uint32_t node = 0;
  Kind kind = Kind::gpu;
  BlockRange blocks;
};

struct NodeLayout {
  std::string name;
  std::uint32_t blocks = 0;
  std::uint64_t global_first = 1;              // pool-wide number of local block 0
  std::array<BlockRange, kKindCount> regions;  // indexed by Kind; count 0 when absent
  std::vector<std::size_t> cards;              // indices into Layout::cards, in block order
};

class Layout {
 public:
  // Numbers the inventory's blocks. Throws Error for a card worth less than one block and for a
  // node over kMaxBlocksPerNode (naming the smallest BlockTFLOPS that fits).
  explicit Layout(Inventory inventory);

  const Inventory& inventory() const { return inventory_; }
  const PoolOptions& options() const { return inventory_.options; }
  const std::vector<NodeLayout>& nodes() const { return nodes_; }
  const std::vector<CardLayout>& cards() const { return cards_; }
  std::uint64_t total_blocks() const { return total_blocks_; }

  std::optional<std::uint32_t> find_node(std::string_view name) const;

  // The blocks a request of `kind` may use on `node`: the kind's region, or the whole node.
  BlockRange domain(std::uint32_t node, std::optional<Kind> kind) const;

  // The card that holds a node-local block.
  const CardLayout& card_at(std::uint32_t node, std::uint32_t block) const;

  std::uint64_t to_global(std::uint32_t node, std::uint32_t block) const;
  // Throws Error for a number outside 1..total_blocks().
  std::pair<std::uint32_t, std::uint32_t> to_local(std::uint64_t global) const;

 private:
  Inventory inventory_;
  std::vector<NodeLayout> nodes_;
  std::vector<CardLayout> cards_;
  std::unordered_map<std::string, std::uint32_t> node_index_;
  std::uint64_t total_blocks_ = 0;
};

}  // namespace tflops::pool
