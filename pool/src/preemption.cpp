// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/pool/preemption.h"

#include <algorithm>
#include <limits>
#include <map>
#include <tuple>

#include "node_segments.h"

namespace tflops::pool {
namespace {

using detail::kFixedSegment;
using detail::kFreeSegment;
using detail::Segment;

using Victims = std::vector<std::size_t>;  // indices into the running list, sorted, no repeats

void add_victim(Victims& victims, std::size_t job) {
  auto at = std::lower_bound(victims.begin(), victims.end(), job);
  if (at == victims.end() || *at != job) victims.insert(at, job);
}

bool is_victim(const Victims& victims, std::size_t job) {
  return std::binary_search(victims.begin(), victims.end(), job);
}

// What a node needs suspended for the request to fit there, and how good that is.
struct NodePlan {
  std::uint32_t node = 0;
  Victims victims;
  std::int64_t highest = std::numeric_limits<std::int64_t>::min();
  std::uint64_t blocks = 0;
  bool contiguous = false;

  auto key() const { return std::make_tuple(highest, victims.size(), blocks, !contiguous); }
};

class Planner {
 public:
  Planner(const BlockPool& pool, const Request& request, std::int64_t priority,
          const std::vector<RunningJob>& running, std::int64_t gap)
      : pool_(pool),
        request_(request),
        running_(running),
        index_(running),
        can_preempt_(priority >= std::numeric_limits<std::int64_t>::min() + gap),
        ceiling_(can_preempt_ ? priority - gap : 0) {}

  std::int64_t ceiling() const { return ceiling_; }

  // For each node that can hold the request once jobs are suspended: the lowest priority
  // level such that suspending every eligible job up to it there is enough. Sorted by level.
  // One sort and one sweep over the eligible spans, so only the nodes that reach the request
  // early enough get planned in detail.
  std::vector<std::pair<std::int64_t, std::uint32_t>> reach_levels() const {
    struct Item {
      std::int64_t priority;
      std::size_t node;  // dense index into `nodes`
      std::uint32_t blocks;
    };
    std::vector<std::uint32_t> nodes;
    std::vector<std::uint32_t> available;  // free + freed so far, per dense node
    std::vector<Item> items;
    for (const auto& [span, job] : index_.all()) {
      const BlockRange domain = pool_.layout().domain(span.node, request_.kind);
      const bool fits = domain.count >= request_.blocks;
      if (nodes.empty() || nodes.back() != span.node) {
        nodes.push_back(span.node);
        available.push_back(fits ? pool_.free_blocks(span.node, request_.kind) : 0);
      }
      if (!eligible(job) || !fits) continue;
      std::uint32_t first = std::max(span.first, domain.first);
      std::uint32_t end = std::min(span.end(), domain.end());
      if (end > first) items.push_back({running_[job].priority, nodes.size() - 1, end - first});
    }
    std::stable_sort(items.begin(), items.end(),
                     [](const Item& a, const Item& b) { return a.priority < b.priority; });
    std::vector<std::pair<std::int64_t, std::uint32_t>> reached;
    for (const Item& item : items) {
      std::uint32_t& got = available[item.node];
      const bool was_short = got < request_.blocks;
      got += item.blocks;
      if (was_short && got >= request_.blocks) reached.push_back({item.priority, nodes[item.node]});
    }
    return reached;
  }

  // Victims for several nodes at once: repeatedly the job that covers most of what the nodes
  // still lack (a job spanning them counts on each), then any victim the others make redundant.
  // Finds the one job across two nodes that per-node planning would replace by two.
  Victims joint_plan(const std::vector<std::uint32_t>& nodes, std::int64_t ceiling) const {
    std::vector<std::int64_t> lack;
    std::map<std::size_t, std::vector<std::uint32_t>> frees;  // job -> blocks freed per node
    for (std::size_t n = 0; n < nodes.size(); ++n) {
      const BlockRange domain = pool_.layout().domain(nodes[n], request_.kind);
      lack.push_back(std::int64_t{request_.blocks} - pool_.free_blocks(nodes[n], request_.kind));
      for (const auto& [span, job] : index_.on(nodes[n])) {
        if (!eligible(job) || running_[job].priority > ceiling) continue;
        std::uint32_t first = std::max(span.first, domain.first), end = std::min(span.end(), domain.end());
        auto& per_node = frees.try_emplace(job, nodes.size(), 0).first->second;
        if (end > first) per_node[n] += end - first;
      }
    }
    auto covers = [&](const std::vector<std::uint32_t>& per_node) {
      std::int64_t sum = 0;
      for (std::size_t n = 0; n < lack.size(); ++n)
        sum += std::min<std::int64_t>(std::max<std::int64_t>(lack[n], 0), per_node[n]);
      return sum;
    };
    Victims chosen;
    while (std::any_of(lack.begin(), lack.end(), [](std::int64_t l) { return l > 0; })) {
      const std::vector<std::uint32_t>* best = nullptr;
      std::size_t best_job = 0;
      for (const auto& [job, per_node] : frees) {
        if (is_victim(chosen, job)) continue;
        std::int64_t gain = covers(per_node);
        if (gain > 0 && (!best || gain > covers(*best) ||
                         (gain == covers(*best) && total_blocks(job) < total_blocks(best_job)))) {
          best = &per_node, best_job = job;
        }
      }
      if (!best) return {};
      add_victim(chosen, best_job);
      for (std::size_t n = 0; n < lack.size(); ++n) lack[n] -= (*best)[n];
    }
    // Drop victims the rest make redundant, the biggest first.
    Victims by_size = chosen;
    std::sort(by_size.begin(), by_size.end(),
              [&](std::size_t a, std::size_t b) { return total_blocks(a) > total_blocks(b); });
    for (std::size_t job : by_size) {
      const auto& per_node = frees.at(job);
      bool needed = false;
      for (std::size_t n = 0; n < lack.size(); ++n) needed = needed || lack[n] + per_node[n] > 0;
      if (needed) continue;
      for (std::size_t n = 0; n < lack.size(); ++n) lack[n] += per_node[n];
      chosen.erase(std::lower_bound(chosen.begin(), chosen.end(), job));
    }
    return chosen;
  }

  // Whether every node of the plan has one free run for the request once all victims are gone.
  bool contiguous_after(const std::vector<std::uint32_t>& nodes, const Victims& victims) const {
    for (std::uint32_t node : nodes) {
      const BlockRange domain = pool_.layout().domain(node, request_.kind);
      if (largest_run_without(detail::node_segments(pool_, node, index_), domain, victims) <
          request_.blocks) {
        return false;
      }
    }
    return true;
  }

  // The best plan on one node with victims at or below `ceiling`.
  std::optional<NodePlan> best_on(std::uint32_t node, std::int64_t ceiling) const {
    const BlockRange domain = pool_.layout().domain(node, request_.kind);
    if (domain.count < request_.blocks) return std::nullopt;
    std::vector<Segment> segments = detail::node_segments(pool_, node, index_);
    std::optional<NodePlan> best = scattered_plan(node, domain, segments, ceiling);
    // The scattered plan is exact on (highest, victims, blocks); a window can only add
    // contiguity, which a contiguous scattered plan already has.
    if (best && best->contiguous) return best;
    for (std::uint32_t start : detail::window_starts(domain, segments, request_.blocks)) {
      if (auto plan = window_plan(node, domain, segments, start, ceiling);
          plan && (!best || plan->key() < best->key())) {
        best = std::move(plan);
      }
    }
    return best;
  }

  void finish(NodePlan& plan) const {
    for (std::size_t v : plan.victims) {
      plan.highest = std::max(plan.highest, running_[v].priority);
      plan.blocks += total_blocks(v);
    }
  }

 private:
  bool eligible(std::size_t job) const { return can_preempt_ && running_[job].priority <= ceiling_; }

  // The request in [start, start + blocks): every block there free or held by a victim.
  std::optional<NodePlan> window_plan(std::uint32_t node, BlockRange domain,
                                      const std::vector<Segment>& segments, std::uint32_t start,
                                      std::int64_t ceiling) const {
    const std::uint32_t end = start + request_.blocks;
    if (start < domain.first || end > domain.end()) return std::nullopt;
    NodePlan plan{node, {}, std::numeric_limits<std::int64_t>::min(), 0, true};
    for (const Segment& s : segments) {
      if (s.end() <= start || s.first >= end || s.job == kFreeSegment) continue;
      if (s.job == kFixedSegment || !eligible(s.job) || running_[s.job].priority > ceiling) {
        return std::nullopt;
      }
      add_victim(plan.victims, s.job);
    }
    finish(plan);
    return plan;
  }

  // The request anywhere in the domain: the lowest priorities that free enough, then the
  // fewest jobs (largest first), then the smallest last pick.
  std::optional<NodePlan> scattered_plan(std::uint32_t node, BlockRange domain,
                                         const std::vector<Segment>& segments, std::int64_t ceiling) const {
    std::map<std::size_t, std::uint32_t> in_domain;  // victim -> its blocks in the domain
    std::uint32_t free = 0;
    for (const Segment& s : segments) {
      std::uint32_t first = std::max(s.first, domain.first), end = std::min(s.end(), domain.end());
      if (end <= first) continue;
      if (s.job == kFreeSegment) {
        free += end - first;
      } else if (s.job != kFixedSegment && eligible(s.job) && running_[s.job].priority <= ceiling) {
        in_domain[s.job] += end - first;
      }
    }
    NodePlan plan{node, {}, std::numeric_limits<std::int64_t>::min(), 0, false};
    if (free < request_.blocks) {
      const std::uint32_t need = request_.blocks - free;
      std::vector<std::pair<std::size_t, std::uint32_t>> candidates(in_domain.begin(), in_domain.end());
      std::sort(candidates.begin(), candidates.end(), [&](const auto& a, const auto& b) {
        return running_[a.first].priority < running_[b.first].priority;
      });
      // The lowest priority level at which the eligible jobs hold enough.
      std::uint64_t sum = 0;
      std::size_t level_end = 0;
      while (level_end < candidates.size() && sum < need) {
        std::int64_t level = running_[candidates[level_end].first].priority;
        while (level_end < candidates.size() && running_[candidates[level_end].first].priority == level) {
          sum += candidates[level_end++].second;
        }
      }
      if (sum < need) return std::nullopt;
      candidates.resize(level_end);
      for (std::size_t v : fewest_then_smallest(candidates, need)) add_victim(plan.victims, v);
    }
    plan.contiguous = largest_run_without(segments, domain, plan.victims) >= request_.blocks;
    finish(plan);
    return plan;
  }

  // Among (job, blocks it frees here) candidates, the fewest jobs that free `need`, and of those
  // the set holding the fewest blocks pool-wide (what suspending them costs). The fewest count
  // comes from taking the largest first; the cheapest set of that size from a knapsack over
  // (jobs taken, blocks freed capped at need): exact, O(candidates x count x need).
  Victims fewest_then_smallest(std::vector<std::pair<std::size_t, std::uint32_t>> candidates,
                               std::uint32_t need) const {
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    std::size_t count = 0;
    for (std::uint64_t got = 0; got < need; got += candidates[count++].second) {}
    const std::size_t k = candidates.size(), layers = count + 1, width = need + 1;
    constexpr std::uint64_t kNone = std::numeric_limits<std::uint64_t>::max();
    constexpr std::uint16_t kKept = std::numeric_limits<std::uint16_t>::max();
    // cost[j][s]: the cheapest j jobs among those seen so far that free s blocks (capped).
    // came_from[i][j][s]: the s before item i improved cell (j, s), or kKept.
    std::vector<std::uint64_t> cost(layers * width, kNone);
    std::vector<std::uint16_t> came_from(k * layers * width, kKept);
    cost[0] = 0;
    for (std::size_t i = 0; i < k; ++i) {
      const std::uint64_t price = total_blocks(candidates[i].first);
      for (std::size_t j = std::min(count, i + 1); j >= 1; --j) {
        for (std::size_t from = width; from-- > 0;) {
          const std::uint64_t before = cost[(j - 1) * width + from];
          if (before == kNone) continue;
          const std::size_t to = std::min<std::size_t>(need, from + candidates[i].second);
          if (before + price < cost[j * width + to]) {
            cost[j * width + to] = before + price;
            came_from[(i * layers + j) * width + to] = static_cast<std::uint16_t>(from);
          }
        }
      }
    }
    // The last item to improve a cell set its final value; walk back through those.
    Victims chosen;
    std::size_t j = count, cell = need;
    for (std::size_t i = k; i-- > 0 && j > 0;) {
      const std::uint16_t from = came_from[(i * layers + j) * width + cell];
      if (from == kKept) continue;
      chosen.push_back(candidates[i].first);
      cell = from;
      --j;
    }
    return chosen;
  }

  std::uint64_t total_blocks(std::size_t job) const {
    std::uint64_t sum = 0;
    for (const Span& span : running_[job].spans) sum += span.count;
    return sum;
  }

  static std::uint32_t largest_run_without(const std::vector<Segment>& segments, BlockRange domain,
                                           const Victims& victims) {
    std::uint32_t largest = 0, run = 0;
    for (const Segment& s : segments) {
      std::uint32_t first = std::max(s.first, domain.first), end = std::min(s.end(), domain.end());
      if (end <= first) continue;
      bool freed = s.job == kFreeSegment || (s.job != kFixedSegment && is_victim(victims, s.job));
      run = freed ? run + (end - first) : 0;
      largest = std::max(largest, run);
    }
    return largest;
  }

  const BlockPool& pool_;
  const Request& request_;
  const std::vector<RunningJob>& running_;
  detail::SpansIndex index_;
  bool can_preempt_;
  std::int64_t ceiling_;
};

bool one_run_per_node(const Spans& spans) {
  for (std::size_t i = 1; i < spans.size(); ++i) {
    if (spans[i].node == spans[i - 1].node) return false;
  }
  return true;
}

}  // namespace

std::optional<PreemptionPlan> plan_preemption(const BlockPool& pool, const Request& request,
                                              std::int64_t priority, const std::vector<RunningJob>& running,
                                              std::int64_t min_priority_gap) {
  const auto& nodes = pool.layout().nodes();
  if (request.blocks == 0 || request.nodes == 0 || request.nodes > nodes.size()) return std::nullopt;
  if (request.node && (request.nodes != 1 || *request.node >= nodes.size())) return std::nullopt;

  if (auto fits = pool.find(request)) {  // nothing to suspend
    PreemptionPlan plan;
    for (const Span& span : *fits) {
      if (plan.nodes.empty() || plan.nodes.back() != span.node) plan.nodes.push_back(span.node);
    }
    plan.contiguous = one_run_per_node(*fits);
    return plan;
  }

  Planner planner(pool, request, priority, running, min_priority_gap);
  // Candidates: nodes that hold the request without victims, then nodes in the order the
  // sweep says they reach it. The plan's highest victim priority is the level at which the
  // request.nodes-th candidate gets there; only candidates up to that level can be in a best plan.
  std::vector<std::pair<std::int64_t, std::uint32_t>> candidates;
  if (request.node) {
    candidates.push_back({planner.ceiling(), *request.node});
  } else {
    if (request.nodes > 1) {
      for (std::uint32_t n = 0; n < nodes.size(); ++n) {
        if (pool.free_blocks(n, request.kind) >= request.blocks) {
          candidates.push_back({std::numeric_limits<std::int64_t>::min(), n});
        }
      }
    }
    auto reached = planner.reach_levels();
    candidates.insert(candidates.end(), reached.begin(), reached.end());
  }
  if (candidates.size() < request.nodes) return std::nullopt;
  const std::int64_t ceiling = candidates[request.nodes - 1].first;
  std::vector<NodePlan> plans;
  for (const auto& [level, node] : candidates) {
    if (level > ceiling) break;
    if (auto plan = planner.best_on(node, std::max(ceiling, level))) plans.push_back(std::move(*plan));
  }
  std::stable_sort(plans.begin(), plans.end(),
                   [](const NodePlan& a, const NodePlan& b) { return a.key() < b.key(); });
  if (plans.size() < request.nodes) return std::nullopt;
  plans.resize(request.nodes);

  NodePlan all;
  all.contiguous = true;
  PreemptionPlan result;
  for (const NodePlan& plan : plans) {
    for (std::size_t v : plan.victims) add_victim(all.victims, v);
    all.contiguous = all.contiguous && plan.contiguous;
    result.nodes.push_back(plan.node);
  }
  planner.finish(all);
  for (std::size_t v : all.victims) result.victims.push_back(running[v].id);
  std::sort(result.victims.begin(), result.victims.end());
  std::sort(result.nodes.begin(), result.nodes.end());
  // A victim chosen for one node may free blocks on another of the plan's nodes too.
  if (!all.contiguous) all.contiguous = planner.contiguous_after(result.nodes, all.victims);
  if (request.nodes > 1) {
    NodePlan joint;
    joint.victims = planner.joint_plan(result.nodes, ceiling);
    if (!joint.victims.empty()) {
      planner.finish(joint);
      joint.contiguous = planner.contiguous_after(result.nodes, joint.victims);
      if (joint.key() < all.key()) all = std::move(joint);
    }
  }
  result.victims.clear();
  for (std::size_t v : all.victims) result.victims.push_back(running[v].id);
  std::sort(result.victims.begin(), result.victims.end());
  result.highest_victim_priority = all.victims.empty() ? 0 : all.highest;
  result.victim_blocks = all.blocks;
  result.contiguous = all.contiguous;
  return result;
}

}  // namespace tflops::pool
