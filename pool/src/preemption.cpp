#include "tflops/pool/preemption.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include "node_segments.h"

namespace tflops::pool {
namespace {

using detail::kFixedSegment;
using detail::kFreeSegment;
using detail::Segment;

// What a node needs suspended for the request to fit there, and how good that is.
struct NodePlan {
  std::uint32_t node = 0;
  std::set<std::size_t> victims;  // indices into the running list
  std::int64_t highest = std::numeric_limits<std::int64_t>::min();
  std::uint64_t blocks = 0;
  bool contiguous = false;

  auto key() const { return std::make_tuple(highest, victims.size(), blocks, !contiguous); }
};

class Planner {
 public:
  Planner(const BlockPool& pool, const Request& request, std::int64_t priority,
          const std::vector<RunningJob>& running, std::int64_t gap)
      : pool_(pool), request_(request), running_(running), by_node_(detail::group_by_node(running)) {
    const bool can_preempt = priority >= std::numeric_limits<std::int64_t>::min() + gap;
    for (const RunningJob& job : running) {
      eligible_.push_back(can_preempt && job.priority <= priority - gap);
    }
  }

  std::optional<NodePlan> best_on(std::uint32_t node) const {
    const BlockRange domain = pool_.layout().domain(node, request_.kind);
    if (domain.count < request_.blocks) return std::nullopt;
    std::vector<Segment> segments = detail::node_segments(pool_, node, by_node_);
    std::optional<NodePlan> best = scattered_plan(node, domain, segments);
    for (std::uint32_t start : detail::window_starts(domain, segments, request_.blocks)) {
      if (auto plan = window_plan(node, domain, segments, start);
          plan && (!best || plan->key() < best->key())) {
        best = std::move(plan);
      }
    }
    return best;
  }

  void finish(NodePlan& plan) const {
    for (std::size_t v : plan.victims) {
      plan.highest = std::max(plan.highest, running_[v].priority);
      for (const Span& span : running_[v].spans) plan.blocks += span.count;
    }
  }

 private:
  // The request in [start, start + blocks): every block there free or held by a victim.
  std::optional<NodePlan> window_plan(std::uint32_t node, BlockRange domain,
                                      const std::vector<Segment>& segments,
                                      std::uint32_t start) const {
    const std::uint32_t end = start + request_.blocks;
    if (start < domain.first || end > domain.end()) return std::nullopt;
    NodePlan plan{node, {}, std::numeric_limits<std::int64_t>::min(), 0, true};
    for (const Segment& s : segments) {
      if (s.end() <= start || s.first >= end || s.job == kFreeSegment) continue;
      if (s.job == kFixedSegment || !eligible_[s.job]) return std::nullopt;
      plan.victims.insert(s.job);
    }
    finish(plan);
    return plan;
  }

  // The request anywhere in the domain: the lowest priorities that free enough, then the
  // fewest jobs (largest first), then the smallest last pick.
  std::optional<NodePlan> scattered_plan(std::uint32_t node, BlockRange domain,
                                         const std::vector<Segment>& segments) const {
    std::map<std::size_t, std::uint32_t> in_domain;  // victim -> its blocks in the domain
    std::uint32_t free = 0;
    for (const Segment& s : segments) {
      std::uint32_t first = std::max(s.first, domain.first), end = std::min(s.end(), domain.end());
      if (end <= first) continue;
      if (s.job == kFreeSegment) free += end - first;
      else if (s.job != kFixedSegment && eligible_[s.job]) in_domain[s.job] += end - first;
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
      std::stable_sort(candidates.begin(), candidates.end(),
                       [](const auto& a, const auto& b) { return a.second > b.second; });
      std::uint32_t got = 0;
      std::size_t next = 0;
      while (got < need) {
        // Among the jobs that finish the job on their own, the one holding the fewest blocks.
        std::size_t pick = next;
        for (std::size_t c = next; c < candidates.size(); ++c) {
          if (got + candidates[c].second >= need &&
              (got + candidates[pick].second < need ||
               total_blocks(candidates[c].first) < total_blocks(candidates[pick].first))) {
            pick = c;
          }
        }
        std::swap(candidates[next], candidates[pick]);
        got += candidates[next].second;
        plan.victims.insert(candidates[next].first);
        ++next;
      }
    }
    plan.contiguous = largest_run_without(segments, domain, plan.victims) >= request_.blocks;
    finish(plan);
    return plan;
  }

  std::uint64_t total_blocks(std::size_t job) const {
    std::uint64_t sum = 0;
    for (const Span& span : running_[job].spans) sum += span.count;
    return sum;
  }

  static std::uint32_t largest_run_without(const std::vector<Segment>& segments, BlockRange domain,
                                           const std::set<std::size_t>& victims) {
    std::uint32_t largest = 0, run = 0;
    for (const Segment& s : segments) {
      std::uint32_t first = std::max(s.first, domain.first), end = std::min(s.end(), domain.end());
      if (end <= first) continue;
      bool freed = s.job == kFreeSegment || victims.count(s.job);
      run = freed ? run + (end - first) : 0;
      largest = std::max(largest, run);
    }
    return largest;
  }

  const BlockPool& pool_;
  const Request& request_;
  const std::vector<RunningJob>& running_;
  detail::SpansByNode by_node_;
  std::vector<bool> eligible_;
};

}  // namespace

std::optional<PreemptionPlan> plan_preemption(const BlockPool& pool, const Request& request,
                                              std::int64_t priority,
                                              const std::vector<RunningJob>& running,
                                              std::int64_t min_priority_gap) {
  const auto& nodes = pool.layout().nodes();
  if (request.blocks == 0 || request.nodes == 0 || request.nodes > nodes.size()) return std::nullopt;
  Planner planner(pool, request, priority, running, min_priority_gap);

  // Only nodes that hold victims can change; for a multi-node request every node is a candidate.
  std::set<std::uint32_t> candidates;
  if (request.node) {
    if (request.nodes != 1 || *request.node >= nodes.size()) return std::nullopt;
    candidates.insert(*request.node);
  } else if (request.nodes == 1) {
    for (const RunningJob& job : running) {
      for (const Span& span : job.spans) candidates.insert(span.node);
    }
    if (auto fits = pool.find(request)) candidates.insert(fits->front().node);
  } else {
    for (std::uint32_t n = 0; n < nodes.size(); ++n) candidates.insert(n);
  }

  std::vector<NodePlan> plans;
  for (std::uint32_t node : candidates) {
    if (auto plan = planner.best_on(node)) plans.push_back(std::move(*plan));
  }
  if (plans.size() < request.nodes) return std::nullopt;
  std::stable_sort(plans.begin(), plans.end(),
                   [](const NodePlan& a, const NodePlan& b) { return a.key() < b.key(); });
  plans.resize(request.nodes);

  NodePlan all;
  all.contiguous = true;
  PreemptionPlan result;
  for (const NodePlan& plan : plans) {
    all.victims.insert(plan.victims.begin(), plan.victims.end());
    all.contiguous = all.contiguous && plan.contiguous;
    result.nodes.push_back(plan.node);
  }
  planner.finish(all);
  for (std::size_t v : all.victims) result.victims.push_back(running[v].id);
  std::sort(result.victims.begin(), result.victims.end());
  std::sort(result.nodes.begin(), result.nodes.end());
  result.highest_victim_priority = all.victims.empty() ? 0 : all.highest;
  result.victim_blocks = all.blocks;
  result.contiguous = all.contiguous;
  return result;
}

}  // namespace tflops::pool
