// SPDX-License-Identifier: GPL-2.0-or-later
// Which blocks are free and who holds the others, with placement on the free ones.
//
// Placement of N blocks on one node: one contiguous run when any free run of the node's domain
// (the kind's region, or the whole node for an untyped request) holds N, the smallest such run
// (best fit); otherwise the fewest runs (largest runs first). Nodes are taken in inventory order,
// as Slurm does: the first node whose free run holds N wins, then the first with N free blocks.
// Finding that node costs O(log nodes); the work on the node is O(its free runs).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "tflops/pool/layout.h"

namespace tflops::pool {

using JobId = std::uint32_t;
inline constexpr JobId kNoJob = 0;  // the owner of a free block

struct Span {
  std::uint32_t node = 0;
  std::uint32_t first = 0;  // node-local
  std::uint32_t count = 0;
  std::uint32_t end() const { return first + count; }
  friend bool operator==(const Span&, const Span&) = default;
};
using Spans = std::vector<Span>;  // sorted by (node, first); adjacent spans never touch

struct Request {
  std::uint32_t blocks = 0;           // per node
  std::uint32_t nodes = 1;            // how many distinct nodes
  std::optional<std::uint32_t> node;  // only this node (then nodes must be 1)
  std::optional<Kind> kind;           // only this kind's region
};

class BlockPool {
 public:
  explicit BlockPool(std::shared_ptr<const Layout> layout);

  const Layout& layout() const { return *layout_; }
  const std::shared_ptr<const Layout>& shared_layout() const { return layout_; }

  // The placement described above on the blocks free now, or nullopt when they cannot hold it.
  std::optional<Spans> find(const Request& request) const;
  // The same on one node.
  std::optional<Spans> find_on(std::uint32_t node, std::uint32_t blocks, std::optional<Kind> kind) const;

  // Marks the spans as held by `job`. Throws std::logic_error if any block is not free.
  void take(const Spans& spans, JobId job);
  // Frees the spans. Throws std::logic_error if any block is already free.
  void release(const Spans& spans);

  bool is_free(const Spans& spans) const;
  JobId owner(std::uint32_t node, std::uint32_t block) const;

  std::uint64_t free_blocks() const { return free_total_; }
  std::uint32_t free_blocks(std::uint32_t node, std::optional<Kind> kind) const;
  std::uint32_t largest_free_run(std::uint32_t node, std::optional<Kind> kind) const;
  // The node's maximal free runs in block order.
  const std::vector<BlockRange>& free_runs(std::uint32_t node) const { return runs_[node]; }

 private:
  // Per node and domain (0 = any, 1 + kind): the largest free run and the free count.
  struct NodeSummary {
    std::uint16_t largest[kKindCount + 1] = {};
    std::uint16_t free[kKindCount + 1] = {};
  };

  void refresh(std::uint32_t node);
  std::optional<std::uint32_t> first_node(std::uint32_t from, std::size_t domain, std::uint32_t blocks,
                                          bool contiguous) const;
  std::uint32_t block_index(std::uint32_t node, std::uint32_t block) const {
    return node_offset_[node] + block;
  }

  std::shared_ptr<const Layout> layout_;
  std::vector<std::uint32_t> node_offset_;     // into owner_
  std::vector<JobId> owner_;                   // one per block of the pool
  std::vector<std::vector<BlockRange>> runs_;  // per node, maximal free runs, sorted
  std::vector<NodeSummary> tree_;              // max-tree over nodes for first-fit descent
  std::size_t leaves_ = 1;
  std::uint64_t free_total_ = 0;
};

}  // namespace tflops::pool
