// SPDX-License-Identifier: GPL-2.0-or-later
// The running cluster in the pool's terms: for every block of the card inventory, whether it is
// free or which Slurm job holds it, and for every job its blocks per node (node-local numbers,
// Slurm's GRES bit indexes; the pool-wide ones follow from the layout).
//
// Sources, all from one SlurmSnapshot:
//  * a job's blocks: its gres_detail IDX lists (Slurm cuts a list past 127 characters: such a job
//    is marked incomplete and only the blocks listed are placed);
//  * a node's used count per kind: the node's gres_used counts (never cut), else the blocks placed;
//  * a suspended job holds a block when no running job does and the node marks it used (stock
//    Slurm keeps a suspended job's GRES; tflops' select plugin releases them). When the node's
//    used list was cut, a block no running job holds is taken as still held.
// Mismatches between Slurm and the inventory become warnings, never silent guesses.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "slurm_snapshot.h"
#include "tflops/pool/layout.h"

namespace tflops::cli {

enum class Holder : std::uint8_t { none, running, suspended, unknown };

struct BlockOwner {
  Holder holder = Holder::none;
  std::uint32_t job = 0;  // Slurm job id; 0 for none and unknown
  friend bool operator==(const BlockOwner&, const BlockOwner&) = default;
};

struct JobNodeBlocks {
  std::string node;                         // Slurm's node name
  std::optional<std::uint32_t> node_index;  // in the layout; nullopt when the inventory lacks it
  std::uint64_t count = 0;                  // blocks Slurm counts for the job here
  std::vector<pool::BlockRange> blocks;     // node-local, sorted runs
  bool complete = true;                     // false: Slurm's list named fewer than `count`
  std::uint64_t held = 0;                   // how many of `blocks` the job holds now
};

struct LiveJob {
  std::uint32_t id = 0;
  std::string name;
  std::string user;
  SlurmJobState state = SlurmJobState::running;
  std::vector<JobNodeBlocks> nodes;
  std::uint64_t blocks() const;  // sum of count
  std::uint64_t held() const;    // sum of held
};

struct LiveNode {
  std::string state;               // Slurm's node state; "absent" when Slurm lacks the node
  std::vector<BlockOwner> owners;  // one per node-local block
  std::array<std::uint32_t, pool::kKindCount> used{};  // per kind (index: pool::Kind)
  std::uint32_t used_total() const;
};

struct LiveView {
  std::shared_ptr<const pool::Layout> layout;
  std::string slurm_conf;
  std::vector<LiveNode> nodes;  // parallel to layout->nodes()
  std::vector<LiveJob> jobs;    // jobs with tflops blocks, by id
  std::vector<std::string> warnings;
  std::uint64_t used_blocks() const;
  std::uint64_t free_blocks() const { return layout->total_blocks() - used_blocks(); }
};

// `gres_name` is the GresTypes name of the blocks. Throws tflops::pool::Error when Slurm's GRES
// text cannot be read (naming the node or job).
LiveView build_live_view(std::shared_ptr<const pool::Layout> layout, const SlurmSnapshot& snapshot,
                         const std::string& gres_name = "tflops");

}  // namespace tflops::cli
