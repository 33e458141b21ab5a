// SPDX-License-Identifier: GPL-2.0-or-later
#include "pool_view.h"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

namespace tflops::select {

pool::Spans spans_of(std::uint32_t node, std::vector<pool::BlockRange> runs) {
  std::sort(runs.begin(), runs.end(),
            [](const pool::BlockRange& a, const pool::BlockRange& b) { return a.first < b.first; });
  pool::Spans spans;
  for (const auto& run : runs) {
    if (run.count == 0) continue;
    if (!spans.empty() && spans.back().end() == run.first) {
      spans.back().count += run.count;  // the pool wants touching runs merged
    } else {
      spans.push_back({node, run.first, run.count});
    }
  }
  return spans;
}

std::vector<pool::BlockRange> runs_of(const pool::Spans& spans) {
  std::vector<pool::BlockRange> runs;
  for (const auto& span : spans) runs.push_back({span.first, span.count});
  return runs;
}

namespace {

// The one region a job's blocks lie in, if they lie in one: a job moves only inside it, so the
// per-kind counts Slurm keeps for it stay true.
std::optional<pool::Kind> region_of(const pool::Layout& layout, const pool::Spans& spans) {
  std::optional<pool::Kind> kind;
  for (const auto& span : spans) {
    const pool::Kind first = layout.card_at(span.node, span.first).kind;
    const pool::Kind last = layout.card_at(span.node, span.end() - 1).kind;
    if (first != last || (kind && *kind != first)) return std::nullopt;
    kind = first;
  }
  return kind;
}

}  // namespace

PoolView::PoolView(pool::Layout layout)
    : pool_(std::make_shared<const pool::Layout>(std::move(layout))),
      holders_(pool_.layout().nodes().size()) {}

void PoolView::load_node(std::uint32_t node, const std::vector<Holder>& holders,
                         const std::vector<pool::BlockRange>& in_use) {
  const std::uint32_t size = layout().nodes().at(node).blocks;
  // Free the node, then take what Slurm says is held.
  std::uint32_t block = 0;
  while (block < size) {
    if (pool_.owner(node, block) == pool::kNoJob) {
      ++block;
      continue;
    }
    std::uint32_t end = block;
    const JobId owner = pool_.owner(node, block);
    while (end < size && pool_.owner(node, end) == owner) ++end;
    pool_.release({{node, block, end - block}});
    block = end;
  }
  std::vector<bool> claimed(size, false);
  for (const auto& holder : holders) {
    for (const auto& span : spans_of(node, holder.runs)) {
      if (span.end() > size) {
        throw std::invalid_argument("job " + std::to_string(holder.job) + " holds block " +
                                    std::to_string(span.end() - 1) + " of node " +
                                    layout().nodes()[node].name + ", which has " + std::to_string(size));
      }
      for (std::uint32_t b = span.first; b < span.end(); ++b) {
        if (claimed[b]) {
          throw std::invalid_argument("two jobs claim block " + std::to_string(b) + " of node " +
                                      layout().nodes()[node].name);
        }
        claimed[b] = true;
      }
      pool_.take({span}, holder.job);
    }
  }
  // The rest of what is in use, taken a run at a time (this runs on slurmctld's scheduling path).
  for (const auto& run : in_use) {
    std::uint32_t b = run.first;
    const std::uint32_t end = std::min(run.end(), size);
    while (b < end) {
      if (claimed[b]) {
        ++b;
        continue;
      }
      std::uint32_t stop = b;
      while (stop < end && !claimed[stop]) claimed[stop++] = true;
      pool_.take({{node, b, stop - b}}, kSomeoneElse);
      b = stop;
    }
  }
  holders_[node] = holders;
}

std::optional<pool::Spans> PoolView::place(std::uint32_t node, std::uint32_t blocks,
                                           std::optional<pool::Kind> kind) const {
  return pool_.find_on(node, blocks, kind);
}

std::vector<pool::RunningJob> PoolView::running_on(std::uint32_t node, bool for_preemption) const {
  std::vector<pool::RunningJob> running;
  for (const auto& holder : holders_[node]) {
    pool::RunningJob job;
    job.id = holder.job;
    job.spans = spans_of(node, holder.runs);
    if (job.spans.empty()) continue;
    // A job that may not be preempted outranks every request.
    job.priority = (for_preemption && !holder.preemptable) ? std::numeric_limits<std::int64_t>::max() / 2
                                                           : holder.priority;
    job.kind = region_of(layout(), job.spans);
    job.migratable = holder.migratable && job.kind.has_value();
    running.push_back(std::move(job));
  }
  return running;
}

std::optional<pool::PreemptionPlan> PoolView::plan_preemption(std::uint32_t node, std::uint32_t blocks,
                                                              std::optional<pool::Kind> kind,
                                                              std::int64_t priority) const {
  pool::Request request{.blocks = blocks, .nodes = 1, .node = node, .kind = kind};
  return pool::plan_preemption(pool_, request, priority, running_on(node, true),
                               layout().options().min_priority_gap);
}

std::optional<pool::MigrationPlan> PoolView::plan_migration(std::uint32_t node, std::uint32_t blocks,
                                                            std::optional<pool::Kind> kind,
                                                            bool within_cards) const {
  if (pool_.largest_free_run(node, kind) >= blocks) return std::nullopt;
  pool::Request request{.blocks = blocks, .nodes = 1, .node = node, .kind = kind};
  return pool::plan_migration(pool_, request, running_on(node, false), layout().options().migration,
                              within_cards);
}

}  // namespace tflops::select
