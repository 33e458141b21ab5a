// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/pool/migration.h"

#include <algorithm>
#include <limits>
#include <map>

#include "node_segments.h"

namespace tflops::pool {
namespace {

using detail::kFixedSegment;
using detail::kFreeSegment;
using detail::Segment;

// A node's blocks during planning: which are taken in the arrangement being built.
class Occupancy {
 public:
  explicit Occupancy(std::uint32_t blocks) : taken_(blocks, false) {}

  void mark(std::uint32_t first, std::uint32_t count) { std::fill_n(taken_.begin() + first, count, true); }
  void unmark(std::uint32_t first, std::uint32_t count) { std::fill_n(taken_.begin() + first, count, false); }

  // The lowest start inside `range` of `count` untaken blocks.
  std::optional<std::uint32_t> first_fit(BlockRange range, std::uint32_t count) const {
    std::uint32_t run = 0;
    for (std::uint32_t b = range.first; b < range.end(); ++b) {
      run = taken_[b] ? 0 : run + 1;
      if (run == count) return b + 1 - count;
    }
    return std::nullopt;
  }

  // The start of the smallest untaken run inside `range` that holds `count`.
  std::optional<std::uint32_t> best_fit(BlockRange range, std::uint32_t count) const {
    std::optional<std::uint32_t> best;
    std::uint32_t best_length = std::numeric_limits<std::uint32_t>::max();
    std::uint32_t b = range.first;
    while (b < range.end()) {
      if (taken_[b]) {
        ++b;
        continue;
      }
      std::uint32_t start = b;
      while (b < range.end() && !taken_[b]) ++b;
      if (b - start >= count && b - start < best_length) best = start, best_length = b - start;
    }
    return best;
  }

 private:
  std::vector<bool> taken_;
};

// How many of `spans`' blocks lie on each card, by index into Layout::cards.
std::map<std::size_t, std::uint32_t> blocks_per_card(const Layout& layout, const Spans& spans) {
  std::map<std::size_t, std::uint32_t> per_card;
  for (const Span& span : spans) {
    for (std::size_t c : layout.nodes().at(span.node).cards) {
      const BlockRange& card = layout.cards()[c].blocks;
      const std::uint32_t first = std::max(span.first, card.first);
      const std::uint32_t end = std::min(span.end(), card.end());
      if (first < end) per_card[c] += end - first;
    }
  }
  return per_card;
}

class NodePlanner {
 public:
  NodePlanner(const BlockPool& pool, const Request& request, const std::vector<RunningJob>& running,
              const detail::SpansIndex& index, std::uint32_t node, bool within_cards)
      : pool_(pool),
        request_(request),
        running_(running),
        node_(node),
        within_cards_(within_cards),
        blocks_(pool.layout().nodes()[node].blocks),
        domain_(pool.layout().domain(node, request.kind)),
        segments_(detail::node_segments(pool, node, index)) {
    for (const Segment& s : segments_) {
      if (s.job == kFreeSegment || s.job == kFixedSegment) continue;
      if (std::find(jobs_.begin(), jobs_.end(), s.job) == jobs_.end()) jobs_.push_back(s.job);
    }
    if (!within_cards_) return;
    for (std::size_t job : jobs_) {  // the jobs on one card, and that card
      Spans here;
      for (const Span& span : running_[job].spans)
        if (span.node == node_) here.push_back(span);
      const auto per_card = blocks_per_card(pool_.layout(), here);
      if (per_card.size() == 1) one_card_[job] = pool_.layout().cards()[per_card.begin()->first].blocks;
    }
  }

  // The compact policy (the migration example's answer): movable jobs packed toward the start in
  // block order until a free run holds the request, which takes the best-fitting one; the jobs
  // after stay put (most of a short job's moves would be for nothing). Where that finds no run (a
  // job of several runs may not fit back before the jobs after it), every movable job is packed.
  std::optional<MigrationPlan> compact() const {
    if (auto plan = pack(/*until_it_fits=*/true)) return plan;
    return pack(/*until_it_fits=*/false);
  }

  // The window for the request whose clearing moves the fewest blocks.
  std::optional<MigrationPlan> minimal() const {
    std::optional<MigrationPlan> best;
    for (std::uint32_t start : detail::window_starts(domain_, segments_, request_.blocks)) {
      auto plan = clear_window(start);
      if (plan && (!best || plan->blocks_moved < best->blocks_moved)) best = std::move(plan);
    }
    return best;
  }

 private:
  // Within cards, only a job on one card moves, and only inside it: it renumbers its blocks.
  bool movable(std::size_t job) const {
    return running_[job].migratable && (!within_cards_ || one_card_.count(job));
  }

  BlockRange range_of(std::size_t job) const {
    if (within_cards_) return one_card_.at(job);
    return pool_.layout().domain(node_, running_[job].kind);
  }

  // Movable jobs in block order, each to the first free place in its range; the jobs not yet
  // packed hold their blocks (until_it_fits: stopping once the request fits) or are ignored.
  std::optional<MigrationPlan> pack(bool until_it_fits) const {
    Occupancy occupancy(blocks_);
    mark_fixed(occupancy, {});
    auto hold = [&](std::size_t job, bool taken) {
      for (const Span& span : running_[job].spans) {
        if (span.node != node_) continue;
        taken ? occupancy.mark(span.first, span.count) : occupancy.unmark(span.first, span.count);
      }
    };
    if (until_it_fits) {
      for (std::size_t job : jobs_)
        if (movable(job)) hold(job, true);
    }
    std::vector<std::pair<std::size_t, std::uint32_t>> placed;  // job, new start
    for (std::size_t job : jobs_) {
      if (!movable(job)) continue;
      if (until_it_fits) hold(job, false);
      const std::uint32_t count = detail::blocks_on(running_[job], node_);
      auto start = occupancy.first_fit(range_of(job), count);
      if (!start) return std::nullopt;
      occupancy.mark(*start, count);
      placed.push_back({job, *start});
      if (!until_it_fits) continue;
      if (auto target = occupancy.best_fit(domain_, request_.blocks)) return plan_of(placed, *target);
    }
    if (until_it_fits) return std::nullopt;
    auto target = occupancy.best_fit(domain_, request_.blocks);
    if (!target) return std::nullopt;
    return plan_of(placed, *target);
  }

  // Marks what stays where it is: unknown holders, jobs that may not move, and every job not
  // in `moving` when `moving` is given (compact moves all movable jobs, so it passes none).
  void mark_fixed(Occupancy& occupancy, const std::vector<std::size_t>& moving) const {
    for (const Segment& s : segments_) {
      if (s.job == kFreeSegment) continue;
      bool stays = s.job == kFixedSegment || !movable(s.job) ||
                   (!moving.empty() && std::find(moving.begin(), moving.end(), s.job) == moving.end());
      if (stays) occupancy.mark(s.first, s.count);
    }
  }

  std::optional<MigrationPlan> clear_window(std::uint32_t start) const {
    const std::uint32_t end = start + request_.blocks;
    if (start < domain_.first || end > domain_.end()) return std::nullopt;
    std::vector<std::size_t> moving;
    for (const Segment& s : segments_) {
      if (s.end() <= start || s.first >= end || s.job == kFreeSegment) continue;
      if (s.job == kFixedSegment || !movable(s.job)) return std::nullopt;
      if (std::find(moving.begin(), moving.end(), s.job) == moving.end()) moving.push_back(s.job);
    }
    if (moving.empty()) return plan_of({}, start);
    Occupancy occupancy(blocks_);
    mark_fixed(occupancy, moving);
    occupancy.mark(start, request_.blocks);
    // Largest first, each into the smallest run that holds it.
    std::stable_sort(moving.begin(), moving.end(), [&](std::size_t a, std::size_t b) {
      return detail::blocks_on(running_[a], node_) > detail::blocks_on(running_[b], node_);
    });
    std::vector<std::pair<std::size_t, std::uint32_t>> placed;
    for (std::size_t job : moving) {
      std::uint32_t count = detail::blocks_on(running_[job], node_);
      auto at = occupancy.best_fit(range_of(job), count);
      if (!at) return std::nullopt;
      occupancy.mark(*at, count);
      placed.push_back({job, *at});
    }
    return plan_of(placed, start);
  }

  MigrationPlan plan_of(const std::vector<std::pair<std::size_t, std::uint32_t>>& placed,
                        std::uint32_t target) const {
    MigrationPlan plan;
    plan.node = node_;
    plan.target = Span{node_, target, request_.blocks};
    for (const auto& [job, start] : placed) {
      Move move{running_[job].id, {}, {}};
      for (const Span& span : running_[job].spans) {
        if (span.node == node_) move.from.push_back(span);
      }
      std::uint32_t count = detail::blocks_on(running_[job], node_);
      move.to = {Span{node_, start, count}};
      if (move.from == move.to) continue;
      plan.blocks_moved += count;
      plan.moves.push_back(std::move(move));
    }
    return plan;
  }

  const BlockPool& pool_;
  const Request& request_;
  const std::vector<RunningJob>& running_;
  std::uint32_t node_;
  bool within_cards_;
  std::uint32_t blocks_;
  BlockRange domain_;
  std::vector<Segment> segments_;
  std::vector<std::size_t> jobs_;               // running jobs on the node, in block order
  std::map<std::size_t, BlockRange> one_card_;  // within cards: the jobs on one card, its blocks
};

}  // namespace

std::optional<MigrationPlan> plan_migration(const BlockPool& pool, const Request& request,
                                            const std::vector<RunningJob>& running, MigrationPolicy policy,
                                            bool within_cards) {
  const auto& nodes = pool.layout().nodes();
  if (policy == MigrationPolicy::none || request.blocks == 0 || request.nodes != 1) {
    return std::nullopt;
  }
  std::vector<std::uint32_t> candidates;
  if (request.node) {
    if (*request.node >= nodes.size()) return std::nullopt;
    candidates.push_back(*request.node);
  } else {
    for (std::uint32_t n = 0; n < nodes.size(); ++n) candidates.push_back(n);
  }
  const detail::SpansIndex index(running);
  std::optional<MigrationPlan> best;
  std::size_t best_stopped = 0;
  for (std::uint32_t node : candidates) {
    if (pool.free_blocks(node, request.kind) < request.blocks) continue;
    NodePlanner planner(pool, request, running, index, node, within_cards);
    auto plan = policy == MigrationPolicy::compact ? planner.compact() : planner.minimal();
    if (!plan) continue;
    // A stopped job is suspended and resumed (two RPCs, and its work pauses); a renumbered one is
    // not: the node that stops fewest wins, then compact's first node, minimal's fewest blocks.
    const std::size_t stopped = jobs_stopped(pool.layout(), *plan);
    const bool better = !best || stopped < best_stopped ||
                        (stopped == best_stopped && policy == MigrationPolicy::minimal &&
                         plan->blocks_moved < best->blocks_moved);
    if (better) best = std::move(plan), best_stopped = stopped;
  }
  return best;
}

bool renumbers_only(const Layout& layout, const Move& move) {
  return blocks_per_card(layout, move.from) == blocks_per_card(layout, move.to);
}

std::size_t jobs_stopped(const Layout& layout, const MigrationPlan& plan) {
  return static_cast<std::size_t>(std::count_if(
      plan.moves.begin(), plan.moves.end(), [&](const Move& move) { return !renumbers_only(layout, move); }));
}

}  // namespace tflops::pool
