// SPDX-License-Identifier: GPL-2.0-or-later
// What the scheduler's decisions must be, worked out by brute force on the reference owner array
// (model.h's Ref) and the jobs' priorities, with no call into the pool library: the oracle for
// the scheduler property test in place of the planners (BlockPool::find, plan_migration,
// plan_preemption) that the scheduler itself calls.
//
// The rules, from the method's steps 2-3 (doc/design.md) and the headers' promises:
//  - a request that the free blocks hold runs at once and suspends nobody (model.h's
//    expected_nodes says where);
//  - otherwise, when suspending jobs at least the priority gap below it would free enough on
//    enough nodes, it suspends some; else it waits;
//  - the victims (preemption.h): the highest victim priority is the lowest that frees enough;
//    for a one-node request also the fewest victims at that level, and of those the fewest
//    blocks held pool-wide. Among equal plans, and for the count on several nodes, the planner
//    chooses: the test checks the bounds, not the set;
//  - migration (migration.h) is allowed only for a one-node request that no free run holds, and
//    under the compact policy must happen when some node can obviously be rearranged (below).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <vector>

#include "model.h"

namespace tflops::pool::proptest {

// What the best preemption plan for a request achieves.
struct PreemptionBound {
  std::int64_t highest = 0;               // the lowest possible highest victim priority
  std::optional<std::size_t> fewest;      // one-node requests: the fewest victims at that level
  std::optional<std::uint64_t> cheapest;  // and the fewest blocks such victims hold, when the
                                          // sets of that size were few enough to list
};

// The blocks each job holds pool-wide, and on one node inside a domain.
inline std::map<JobId, std::uint64_t> blocks_held(const Ref& ref) {
  std::map<JobId, std::uint64_t> held;
  for (std::uint32_t n = 0; n < ref.nodes(); ++n) {
    for (std::uint32_t b = 0; b < ref.size(n); ++b) {
      if (ref.owner(n, b) != kNoJob) ++held[ref.owner(n, b)];
    }
  }
  return held;
}
inline std::map<JobId, std::uint32_t> blocks_in(const Ref& ref, std::uint32_t node, BlockRange domain) {
  std::map<JobId, std::uint32_t> held;
  for (std::uint32_t b = domain.first; b < domain.end(); ++b) {
    if (ref.owner(node, b) != kNoJob) ++held[ref.owner(node, b)];
  }
  return held;
}

// The fewest blocks that `size` of `jobs` (blocks here, blocks pool-wide) hold pool-wide while
// freeing at least `need` here; nullopt when more than `limit` sets would have to be listed.
inline std::optional<std::uint64_t> cheapest_set(
    const std::vector<std::pair<std::uint32_t, std::uint64_t>>& jobs, std::size_t size, std::uint32_t need,
    std::uint64_t limit) {
  std::uint64_t sets = 1;  // C(jobs, size), stopping once past the limit
  for (std::size_t i = 0; i < size; ++i) {
    sets = sets * (jobs.size() - i) / (i + 1);
    if (sets > limit) return std::nullopt;
  }
  std::uint64_t best = std::numeric_limits<std::uint64_t>::max();
  std::vector<std::size_t> pick(size);
  for (std::size_t i = 0; i < size; ++i) pick[i] = i;
  while (true) {
    std::uint64_t here = 0, cost = 0;
    for (std::size_t i : pick) {
      here += jobs[i].first;
      cost += jobs[i].second;
    }
    if (here >= need) best = std::min(best, cost);
    std::size_t i = size;  // the next set of indices in lexicographic order
    while (i > 0 && pick[i - 1] == jobs.size() - size + i - 1) --i;
    if (i == 0) break;
    ++pick[i - 1];
    for (std::size_t j = i; j < size; ++j) pick[j] = pick[j - 1] + 1;
  }
  return best;
}

// nullopt when suspending every job at least `gap` below `priority` still leaves too few nodes
// able to hold the request. `priorities` has every running job. Meant for a request that the
// free blocks do not hold (otherwise nothing need be suspended).
inline std::optional<PreemptionBound> reference_preemption(const Ref& ref, const Request& req,
                                                           std::int64_t priority, std::int64_t gap,
                                                           const std::map<JobId, std::int64_t>& priorities) {
  constexpr std::int64_t kNoneNeeded = std::numeric_limits<std::int64_t>::min();
  const std::map<JobId, std::uint64_t> held = blocks_held(ref);
  struct NodeReach {
    std::int64_t level;  // the lowest priority level whose suspension frees enough here
    std::uint32_t need;  // blocks missing before any suspension
    std::vector<std::pair<std::int64_t, std::pair<std::uint32_t, std::uint64_t>>>
        eligible;  // priority, (here, pool-wide)
  };
  std::vector<NodeReach> reach;
  for (std::uint32_t n = 0; n < ref.nodes(); ++n) {
    if (req.node && *req.node != n) continue;
    const BlockRange domain = ref.layout().domain(n, req.kind);
    if (domain.count < req.blocks) continue;
    const std::uint32_t free = ref.free_count(n, req.kind);
    NodeReach node{kNoneNeeded, free >= req.blocks ? 0 : req.blocks - free, {}};
    for (const auto& [job, here] : blocks_in(ref, n, domain)) {
      const std::int64_t p = priorities.at(job);
      if (at_least_gap_below(p, priority, gap)) node.eligible.push_back({p, {here, held.at(job)}});
    }
    std::sort(node.eligible.begin(), node.eligible.end());
    std::uint64_t freed = 0;
    for (std::size_t i = 0; i < node.eligible.size() && freed < node.need; ++i) {
      freed += node.eligible[i].second.first;
      node.level = node.eligible[i].first;
    }
    if (freed >= node.need) reach.push_back(std::move(node));
  }
  if (reach.size() < req.nodes) return std::nullopt;
  std::vector<std::int64_t> levels;
  for (const NodeReach& node : reach) levels.push_back(node.level);
  std::sort(levels.begin(), levels.end());
  PreemptionBound bound;
  bound.highest = levels[req.nodes - 1];
  if (req.nodes != 1) return bound;

  // One node: the fewest victims at that level (largest holdings first: no set of k jobs frees
  // more than the k largest), then the cheapest set of that many.
  bool listed = true;
  for (const NodeReach& node : reach) {
    if (node.level != bound.highest) continue;
    std::vector<std::pair<std::uint32_t, std::uint64_t>> jobs;
    for (const auto& [p, sizes] : node.eligible) {
      if (p <= bound.highest) jobs.push_back(sizes);
    }
    std::sort(jobs.begin(), jobs.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::size_t count = 0;
    for (std::uint64_t freed = 0; freed < node.need; freed += jobs[count++].first) {}
    if (bound.fewest && count > *bound.fewest) continue;
    if (!bound.fewest || count < *bound.fewest) {
      bound.fewest = count;
      bound.cheapest.reset();
      listed = true;
    }
    auto cost = cheapest_set(jobs, count, node.need, 200000);
    if (!cost) listed = false;
    else if (!bound.cheapest || *cost < *bound.cheapest) bound.cheapest = cost;
  }
  if (!listed) bound.cheapest.reset();
  return bound;
}

// A node that can obviously be rearranged so that one run holds an untyped request: it has
// enough free blocks and every job on it may move anywhere on it (migratable, untyped). Packing
// those jobs one after another from block 0 leaves all its free blocks in one run at the end.
// `anywhere(job)` says whether a job may move anywhere on its node.
template <typename Anywhere>
std::optional<std::uint32_t> obviously_rearrangeable(const Ref& ref, const Request& req, Anywhere anywhere) {
  if (req.kind || req.nodes != 1) return std::nullopt;
  for (std::uint32_t n = 0; n < ref.nodes(); ++n) {
    if (req.node && *req.node != n) continue;
    if (ref.free_count(n, std::nullopt) < req.blocks) continue;
    bool all = true;
    for (std::uint32_t b = 0; b < ref.size(n) && all; ++b) {
      all = ref.owner(n, b) == kNoJob || anywhere(ref.owner(n, b));
    }
    if (all) return n;
  }
  return std::nullopt;
}

}  // namespace tflops::pool::proptest
