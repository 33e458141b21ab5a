// SPDX-License-Identifier: GPL-2.0-or-later
// Migration planning: when a node has enough free blocks for a request but no free run holds
// it, move running jobs so that one does.
//
//   compact  running jobs are packed toward the start of their domain in block order until a
//            free run holds the request, which goes into the best-fitting one; the jobs after
//            stay where they are.
//   minimal  the fewest blocks moved: a window for the request is cleared by moving the jobs in
//            it, each to one run outside the window.
// Jobs not migratable never move. A job that moves ends up in one contiguous run per node.
//
// A move that keeps the job on the same cards with the same number of blocks on each only
// renumbers its blocks: what it computes on does not change, so it need not stop to move.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "tflops/pool/block_pool.h"
#include "tflops/pool/inventory.h"
#include "tflops/pool/running_job.h"

namespace tflops::pool {

struct Move {
  JobId job = kNoJob;
  Spans from;  // the job's spans on the node before
  Spans to;    // and after
};

struct MigrationPlan {
  std::uint32_t node = 0;
  std::vector<Move> moves;  // in the order they were planned
  Span target;              // the run the request gets once the moves are done
  std::uint64_t blocks_moved = 0;
};

// For a one-node request (request.nodes == 1). nullopt when the policy's method finds no node
// to rearrange, or the policy is none. compact finds one wherever packing a node's movable jobs
// leaves a run that holds the request; minimal only where a window can be cleared by moving each
// of its jobs into a free run outside it, so it can find none where compact would (the price of
// moving few blocks). Of the nodes where it works, the one whose plan stops the fewest jobs
// (jobs_stopped) is chosen; among those compact takes the first in inventory order, minimal the
// one that moves the fewest blocks. `within_cards`: every move only renumbers (a
// job on one card moves inside that card, a job across cards stays), for jobs whose device
// cgroups hold them to the cards they started on (ConstrainDevices).
std::optional<MigrationPlan> plan_migration(const BlockPool& pool, const Request& request,
                                            const std::vector<RunningJob>& running, MigrationPolicy policy,
                                            bool within_cards = false);

// Whether `move` leaves its job on the same cards with the same number of blocks on each.
bool renumbers_only(const Layout& layout, const Move& move);

// How many of the plan's moves stop their job (those that do not only renumber it).
std::size_t jobs_stopped(const Layout& layout, const MigrationPlan& plan);

}  // namespace tflops::pool
