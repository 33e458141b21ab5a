// SPDX-License-Identifier: GPL-2.0-or-later
// The pool's picture of one node at a time, as slurmctld's select hooks see it.
//
// Slurm's own records (the node's GRES bitmap, each job's bits) stay the truth; before each
// decision the select plugin loads what it found on the node here, and the pool decides: where a
// job's blocks go (one contiguous run when a free run holds them), which jobs to suspend for a
// higher-priority one, and which running jobs to move so that a request gets one run.
//
// Slurm-free, so the decisions are unit-tested without a cluster.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "tflops/pool/block_pool.h"
#include "tflops/pool/layout.h"
#include "tflops/pool/migration.h"
#include "tflops/pool/preemption.h"
#include "tflops/pool/running_job.h"

namespace tflops::select {

using pool::JobId;

// A job's blocks on the node being loaded.
struct Holder {
  JobId job = pool::kNoJob;
  std::vector<pool::BlockRange> runs;  // node-local, any order
  // Only jobs Slurm's preemption settings allow as victims of the job being placed.
  bool preemptable = false;
  std::int64_t priority = 0;  // compared with the request's priority when preemptable
  bool migratable = false;
};

// Node-local runs as the pool's spans on `node` (sorted, touching runs merged), and back.
pool::Spans spans_of(std::uint32_t node, std::vector<pool::BlockRange> runs);
std::vector<pool::BlockRange> runs_of(const pool::Spans& spans);

class PoolView {
 public:
  explicit PoolView(pool::Layout layout);

  const pool::Layout& layout() const { return pool_.layout(); }

  // Forgets what was known of `node` and records its holders. Blocks in `in_use` that no holder
  // claims are held by something the planners leave alone. Throws std::invalid_argument when
  // a run leaves the node or two holders claim one block (Slurm's records disagree).
  void load_node(std::uint32_t node, const std::vector<Holder>& holders,
                 const std::vector<pool::BlockRange>& in_use);

  // Where `blocks` blocks (of `kind`, or anywhere on the node) go on the loaded node's free
  // blocks: the pool's best fit, else its fewest runs. nullopt when too few are free.
  std::optional<pool::Spans> place(std::uint32_t node, std::uint32_t blocks,
                                   std::optional<pool::Kind> kind) const;

  // Which preemptable holders to suspend so that the request fits on `node`.
  std::optional<pool::PreemptionPlan> plan_preemption(std::uint32_t node, std::uint32_t blocks,
                                                      std::optional<pool::Kind> kind,
                                                      std::int64_t priority) const;

  // Which migratable holders to move so that the request gets one run on `node`; nullopt when
  // a free run already holds it, too few blocks are free, or the inventory's MigrationPolicy is
  // none. `within_cards`: only moves that keep each job on its cards (pool::plan_migration).
  std::optional<pool::MigrationPlan> plan_migration(std::uint32_t node, std::uint32_t blocks,
                                                    std::optional<pool::Kind> kind,
                                                    bool within_cards = false) const;

 private:
  // Owner of blocks in use that no known job claims.
  static constexpr JobId kSomeoneElse = std::numeric_limits<JobId>::max();

  std::vector<pool::RunningJob> running_on(std::uint32_t node, bool for_preemption) const;

  pool::BlockPool pool_;
  std::vector<std::vector<Holder>> holders_;  // per node, as last loaded
};

}  // namespace tflops::select
