// SPDX-License-Identifier: GPL-2.0-or-later
// Preemption planning: which running jobs to suspend so that a request fits.
//
// Only jobs at least `min_priority_gap` below the request's priority can be victims. Plans are
// ranked by, in order: the highest victim priority (lowest first), the number of victims, the
// blocks they hold, and whether the request then gets one contiguous run on each node.
//
// For a one-node request the plan is the best by that ranking. A multi-node request takes the
// nodes whose own best plans rank first: its highest victim priority is the lowest possible,
// but a set of victims that serves several of those nodes at once is not searched for, so the
// count and blocks are minimal per node rather than over the whole request.
//
// Cost: one sort of the running jobs' spans and one sweep over their priorities, then a detailed
// plan only on the nodes that reach the request at the lowest level.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "tflops/pool/block_pool.h"
#include "tflops/pool/running_job.h"

namespace tflops::pool {

struct PreemptionPlan {
  std::vector<JobId> victims;        // ascending id
  std::vector<std::uint32_t> nodes;  // the nodes the request will use
  std::int64_t highest_victim_priority = 0;
  std::uint64_t victim_blocks = 0;  // blocks the victims hold, pool-wide
  bool contiguous = false;          // the request gets one run on every node
};

// nullopt when even suspending every eligible job leaves too few blocks.
std::optional<PreemptionPlan> plan_preemption(const BlockPool& pool, const Request& request,
                                              std::int64_t priority, const std::vector<RunningJob>& running,
                                              std::int64_t min_priority_gap);

}  // namespace tflops::pool
