// SPDX-License-Identifier: GPL-2.0-or-later
#include "block_policy.h"

#include <algorithm>
#include <cmath>

#include "tflops/pool/layout.h"
#include "tflops/pool/migration.h"
#include "tflops/pool/preemption.h"

namespace tflops::trace {
namespace {

constexpr std::int64_t kHigh = 1, kLow = 0;  // pool priorities: LS/Guaranteed over BE/Burstable
// Preemption plans are made on the nodes closest to fitting, this many at most per task.
constexpr std::size_t kPreemptionCandidates = 8;

std::shared_ptr<const pool::Layout> block_layout(const Cluster& cluster, double block_tflops) {
  pool::Inventory inventory;
  inventory.source = "trace node list";
  inventory.options.block_tflops = block_tflops;
  inventory.options.migration = pool::MigrationPolicy::compact;
  for (std::uint32_t n = 0; n < cluster.nodes.size(); ++n) {
    const NodeSpec& node = cluster.nodes[n];
    if (node.gpus == 0) continue;
    inventory.nodes.push_back(node.name);
    for (std::uint32_t c = 0; c < node.gpus; ++c) {
      inventory.cards.push_back(pool::Card{.node = node.name,
                                           .name = "gpu" + std::to_string(c),
                                           .kind = pool::Kind::gpu,
                                           .tflops = cluster.model_tflops[cluster.node_model[n]],
                                           .line = node.line});
    }
  }
  return std::make_shared<const pool::Layout>(std::move(inventory));
}

}  // namespace

BlockPolicy::BlockPolicy(std::string name, const Cluster& cluster, NodeChoice choice, BlockOptions options)
    : Policy(std::move(name), cluster, choice),
      options_(options),
      pool_(block_layout(cluster, options.block_tflops)) {
  std::int32_t next = 0;
  for (std::uint32_t n = 0; n < cluster.nodes.size(); ++n) {
    const NodeSpec& node = cluster.nodes[n];
    pool_node_.push_back(node.gpus > 0 ? next++ : -1);
    const double card = cluster.model_tflops[cluster.node_model[n]];
    milli_per_block_.push_back(card > 0 ? 1000.0 * options.block_tflops / card : 0.0);
    if (node.gpus > 0) {
      const double tflops = node.gpus * cluster.model_tflops[cluster.node_model[n]];
      layout_loss_ += tflops / options.block_tflops - pool_.layout().nodes()[pool_node_[n]].blocks;
    }
  }
  running_.resize(cluster.nodes.size());
  low_.resize(cluster.nodes.size());
}

double BlockPolicy::exact_blocks(std::uint32_t node, const Demand& task) const {
  const double tflops = cluster().model_tflops[cluster().node_model[node]];
  return static_cast<double>(task.gpu_demand_milli()) / 1000.0 * tflops / options_.block_tflops;
}

std::uint32_t BlockPolicy::blocks_needed_on_model(std::size_t model, const Demand& task) const {
  const double tflops = cluster().model_tflops[model];
  const double exact = static_cast<double>(task.gpu_demand_milli()) / 1000.0 * tflops / options_.block_tflops;
  // The 1e-9 keeps an exact multiple (computed in floating point) from gaining a block.
  const double rounded = std::max(1.0, std::ceil(exact - 1e-9));
  // A card holds only whole blocks (9.3 TFLOPS is 9 blocks of 1): a task never needs more than
  // the blocks of the cards it asked for, or a whole-card task would fit on no card.
  const double per_card = std::floor(tflops / options_.block_tflops + 1e-9);
  const double cards = std::ceil(static_cast<double>(task.gpu_demand_milli()) / 1000.0 - 1e-9);
  return static_cast<std::uint32_t>(std::min(rounded, cards * per_card));
}

std::uint32_t BlockPolicy::blocks_needed(std::uint32_t node, const Demand& task) const {
  if (task.num_gpu == 0) return 0;
  return blocks_needed_on_model(cluster().node_model[node], task);
}

void BlockPolicy::prepare(const Demand& task) const {
  for (std::size_t m = 0; m < cluster().models.size(); ++m) {
    need_by_model_[m] = task.num_gpu == 0 || cluster().model_tflops[m] <= 0 ? 0
                                                                            : blocks_needed_on_model(m, task);
  }
}

bool BlockPolicy::gpu_fits(std::uint32_t node, const Demand& task) const {
  if (task.num_gpu == 0) return true;
  return pool_node_[node] >= 0 && pool_.free_blocks(pool_node_[node], pool::Kind::gpu) >= need(node);
}

bool BlockPolicy::gpu_fits_empty(std::uint32_t node, const Demand& task) const {
  if (task.num_gpu == 0) return true;
  return pool_node_[node] >= 0 && pool_.layout().nodes()[pool_node_[node]].blocks >= need(node);
}

double BlockPolicy::gpu_free_milli(std::uint32_t node) const {
  return pool_node_[node] < 0 ? 0.0 : static_cast<double>(free_units(node)) * milli_per_block(node);
}

double BlockPolicy::gpu_request_milli(std::uint32_t node, const Demand& task) const {
  return task.num_gpu == 0 ? 0.0 : need(node) * milli_per_block(node);
}

std::uint64_t BlockPolicy::free_units(std::uint32_t node) const {
  return pool_node_[node] < 0 ? 0 : pool_.free_blocks(pool_node_[node], pool::Kind::gpu);
}

std::vector<pool::RunningJob> BlockPolicy::running_on(std::uint32_t node) const {
  std::vector<pool::RunningJob> jobs;
  for (std::uint32_t id : running_[node]) {
    const Held& held = held_[id];
    if (held.spans.empty()) continue;
    jobs.push_back(pool::RunningJob{.id = id + 1,
                                    .priority = held.demand.high_priority ? kHigh : kLow,
                                    .spans = held.spans,
                                    .kind = pool::Kind::gpu});
  }
  return jobs;
}

void BlockPolicy::commit(std::uint32_t node, const Demand& task, std::uint32_t id, Outcome& outcome) {
  if (held_.size() <= id) held_.resize(id + 1);
  Held& held = held_[id];
  held = Held{.node = node, .demand = task};
  running_[node].push_back(id);
  if (!task.high_priority) {
    low_[node].cpu += task.cpu_milli;
    low_[node].memory += task.memory_mib;
  }
  const std::uint32_t blocks = blocks_needed(node, task);
  if (blocks == 0) return;

  const auto pn = static_cast<std::uint32_t>(pool_node_[node]);
  pool::Spans spans = *pool_.find_on(pn, blocks, pool::Kind::gpu);
  if (spans.size() > 1 && options_.migration) {
    pool::Request request{.blocks = blocks, .nodes = 1, .node = pn, .kind = pool::Kind::gpu};
    if (auto plan = pool::plan_migration(pool_, request, running_on(node), pool::MigrationPolicy::compact)) {
      for (const pool::Move& move : plan->moves) pool_.release(move.from);
      for (const pool::Move& move : plan->moves) {
        pool_.take(move.to, move.job);
        held_[move.job - 1].spans = move.to;
      }
      outcome.moves += static_cast<std::uint32_t>(plan->moves.size());
      outcome.blocks_moved += plan->blocks_moved;
      spans = {plan->target};
    }
  }
  pool_.take(spans, id + 1);
  held.spans = spans;
  held.rounding = std::max(0.0, blocks - exact_blocks(node, task));
  rounding_loss_ += held.rounding;
  if (!task.high_priority) low_[node].blocks += blocks;
  outcome.runs = static_cast<std::uint32_t>(spans.size());
}

void BlockPolicy::suspend(std::uint32_t id) {
  Held& held = held_[id];
  if (!held.spans.empty()) pool_.release(held.spans);
  release_host(held.node, held.demand);
  LowPriority& low = low_[held.node];
  low.blocks -= blocks_needed(held.node, held.demand);
  low.cpu -= held.demand.cpu_milli;
  low.memory -= held.demand.memory_mib;
  rounding_loss_ -= held.rounding;
  auto& on_node = running_[held.node];
  on_node.erase(std::find(on_node.begin(), on_node.end(), id));
  held = Held{};
}

std::optional<std::vector<std::uint32_t>> BlockPolicy::victims_on(std::uint32_t node,
                                                                  const Demand& task) const {
  std::vector<std::uint32_t> victims;
  const std::uint32_t blocks = blocks_needed(node, task);
  if (blocks > 0) {
    pool::Request request{.blocks = blocks,
                          .nodes = 1,
                          .node = static_cast<std::uint32_t>(pool_node_[node]),
                          .kind = pool::Kind::gpu};
    auto plan = pool::plan_preemption(pool_, request, kHigh, running_on(node), kHigh - kLow);
    if (!plan) return std::nullopt;
    for (pool::JobId job : plan->victims) victims.push_back(job - 1);
  }
  // The pool plans blocks only: add low-priority victims, most CPU (or memory) first, until the
  // node's CPU and memory hold the task too.
  std::int64_t cpu = cpu_left(node), memory = memory_left(node);
  for (std::uint32_t v : victims) cpu += held_[v].demand.cpu_milli, memory += held_[v].demand.memory_mib;
  std::vector<std::uint32_t> others;
  for (std::uint32_t id : running_[node]) {
    if (!held_[id].demand.high_priority && std::find(victims.begin(), victims.end(), id) == victims.end()) {
      others.push_back(id);
    }
  }
  const bool cpu_first = cpu < task.cpu_milli;
  std::sort(others.begin(), others.end(), [&](std::uint32_t a, std::uint32_t b) {
    const Demand& x = held_[a].demand;
    const Demand& y = held_[b].demand;
    return cpu_first ? x.cpu_milli > y.cpu_milli : x.memory_mib > y.memory_mib;
  });
  for (std::uint32_t id : others) {
    if (cpu >= task.cpu_milli && memory >= task.memory_mib) break;
    victims.push_back(id);
    cpu += held_[id].demand.cpu_milli;
    memory += held_[id].demand.memory_mib;
  }
  if (cpu < task.cpu_milli || memory < task.memory_mib) return std::nullopt;
  return victims;
}

std::optional<Outcome> BlockPolicy::preempt_and_place(const Demand& task, std::uint32_t id) {
  if (!options_.preemption || !task.high_priority) return std::nullopt;
  // Nodes where suspending every low-priority task would make room, closest to fitting first.
  std::vector<std::pair<double, std::uint32_t>> candidates;
  for (std::uint32_t n = 0; n < cluster().nodes.size(); ++n) {
    const std::uint32_t need = this->need(n);
    if (!model_ok(n, task) || !gpu_fits_empty(n, task) || free_units(n) + low_[n].blocks < need ||
        cpu_left(n) + low_[n].cpu < task.cpu_milli || memory_left(n) + low_[n].memory < task.memory_mib) {
      continue;
    }
    const double short_blocks = need > free_units(n) ? need - static_cast<double>(free_units(n)) : 0.0;
    const double short_cpu = std::max<std::int64_t>(0, task.cpu_milli - cpu_left(n));
    candidates.push_back({short_blocks * milli_per_block(n) / 1000.0 + short_cpu / 8000.0, n});
  }
  const std::size_t keep = std::min(candidates.size(), kPreemptionCandidates);
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(keep),
                    candidates.end());
  std::optional<std::pair<std::uint32_t, std::vector<std::uint32_t>>> best;
  for (std::size_t i = 0; i < keep; ++i) {
    const std::uint32_t n = candidates[i].second;
    auto victims = victims_on(n, task);
    if (victims && (!best || victims->size() < best->second.size())) best = {n, *victims};
  }
  if (!best) return std::nullopt;

  Outcome outcome{.placed = true, .node = best->first, .preempted = best->second};
  for (std::uint32_t victim : best->second) suspend(victim);
  commit(best->first, task, id, outcome);
  take_host(best->first, task);
  return outcome;
}

}  // namespace tflops::trace
