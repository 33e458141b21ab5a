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
      : pool_(pool), request_(request), running_(running), index_(running),
        can_preempt_(priority >= std::numeric_limits<std::int64_t>::min() + gap),
        ceiling_(can_preempt_ ? priority - gap : 0) {}

  std::int64_t ceiling() const { return ceiling_; }

  // The lowest priority level whose jobs, suspended together with every job below it, let
  // some node hold the request; and the nodes where that happens. One sort and one sweep over
  // the eligible spans, so only those nodes are planned in detail.
  std::optional<std::pair<std::int64_t, std::vector<std::uint32_t>>> lowest_level() const {
    struct Item {
      std::int64_t priority;
      std::size_t node;  // dense index into `nodes`
      std::uint32_t blocks;
    };
    std::vector<std::uint32_t> nodes;
    std::vector<std::uint32_t> available;  // free + freed so far, per dense node
    std::vector<Item> items;
    for (const auto& [span, job] : index_.all()) {
      if (nodes.empty() || nodes.back() != span.node) {
        nodes.push_back(span.node);
        const bool fits = pool_.layout().domain(span.node, request_.kind).count >= request_.blocks;
        available.push_back(fits ? pool_.free_blocks(span.node, request_.kind) : 0);
      }
      if (!eligible(job)) continue;
      const BlockRange domain = pool_.layout().domain(span.node, request_.kind);
      std::uint32_t first = std::max(span.first, domain.first);
      std::uint32_t end = std::min(span.end(), domain.end());
      if (end > first && domain.count >= request_.blocks) {
        items.push_back({running_[job].priority, nodes.size() - 1, end - first});
      }
    }
    std::sort(items.begin(), items.end(),
              [](const Item& a, const Item& b) { return a.priority < b.priority; });
    for (std::size_t i = 0; i < items.size();) {
      const std::int64_t level = items[i].priority;
      std::vector<std::uint32_t> reached;
      for (; i < items.size() && items[i].priority == level; ++i) {
        std::uint32_t& got = available[items[i].node];
        bool was_short = got < request_.blocks;
        got += items[i].blocks;
        if (was_short && got >= request_.blocks) reached.push_back(nodes[items[i].node]);
      }
      if (!reached.empty()) {
        std::sort(reached.begin(), reached.end());
        return std::make_pair(level, std::move(reached));
      }
    }
    return std::nullopt;
  }

  // The best plan on one node with victims at or below `ceiling`.
  std::optional<NodePlan> best_on(std::uint32_t node, std::int64_t ceiling) const {
    const BlockRange domain = pool_.layout().domain(node, request_.kind);
    if (domain.count < request_.blocks) return std::nullopt;
    std::vector<Segment> segments = detail::node_segments(pool_, node, index_);
    std::optional<NodePlan> best = scattered_plan(node, domain, segments, ceiling);
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
  bool eligible(std::size_t job) const {
    return can_preempt_ && running_[job].priority <= ceiling_;
  }

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
                                         const std::vector<Segment>& segments,
                                         std::int64_t ceiling) const {
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
                                              std::int64_t priority,
                                              const std::vector<RunningJob>& running,
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
  std::vector<NodePlan> plans;
  if (request.nodes == 1) {
    // Only nodes reaching the request at the lowest level can win on the first criterion.
    std::vector<std::uint32_t> candidates;
    std::int64_t ceiling = planner.ceiling();
    if (request.node) {
      candidates.push_back(*request.node);
    } else if (auto level = planner.lowest_level()) {
      ceiling = level->first;
      candidates = std::move(level->second);
    }
    for (std::uint32_t node : candidates) {
      auto plan = planner.best_on(node, ceiling);
      if (plan && (plans.empty() || plan->key() < plans.front().key())) plans = {std::move(*plan)};
    }
  } else {
    for (std::uint32_t n = 0; n < nodes.size(); ++n) {
      if (auto plan = planner.best_on(n, planner.ceiling())) plans.push_back(std::move(*plan));
    }
    std::stable_sort(plans.begin(), plans.end(),
                     [](const NodePlan& a, const NodePlan& b) { return a.key() < b.key(); });
  }
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
  result.highest_victim_priority = all.victims.empty() ? 0 : all.highest;
  result.victim_blocks = all.blocks;
  result.contiguous = all.contiguous;
  return result;
}

}  // namespace tflops::pool
