// SPDX-License-Identifier: GPL-2.0-or-later
#include "card_policy.h"

#include "tflops/pool/layout.h"

namespace tflops::trace {
namespace {

constexpr std::uint32_t kMilli = 1000;

// One pool node per card, worth 1000 one-TFLOPS blocks: a block is a thousandth of the card.
std::shared_ptr<const pool::Layout> per_card_layout(const Cluster& cluster) {
  pool::Inventory inventory;
  inventory.source = "per-card layout";
  for (const NodeSpec& node : cluster.nodes) {
    for (std::uint32_t c = 0; c < node.gpus; ++c) {
      std::string card = node.name + "/gpu" + std::to_string(c);
      inventory.nodes.push_back(card);
      inventory.cards.push_back(pool::Card{
          .node = card, .name = "gpu" + std::to_string(c), .kind = pool::Kind::gpu, .tflops = kMilli});
    }
  }
  return std::make_shared<const pool::Layout>(std::move(inventory));
}

}  // namespace

CardPolicy::CardPolicy(std::string name, const Cluster& cluster, NodeChoice choice, bool whole_cards)
    : Policy(std::move(name), cluster, choice), whole_cards_(whole_cards), pool_(per_card_layout(cluster)) {
  std::uint32_t card = 0;
  for (std::uint32_t n = 0; n < cluster.nodes.size(); ++n) {
    first_card_.push_back(card);
    card += cluster.nodes[n].gpus;
  }
  summary_.resize(cluster.nodes.size());
  for (std::uint32_t n = 0; n < cluster.nodes.size(); ++n) summarise(n);
}

std::uint32_t CardPolicy::card_free(std::uint32_t card) const {
  return pool_.free_blocks(card, pool::Kind::gpu);
}

void CardPolicy::summarise(std::uint32_t node) {
  CardSummary s;
  for (std::uint32_t c = 0; c < cluster().nodes[node].gpus; ++c) {
    std::uint32_t free = card_free(first_card_[node] + c);
    s.free_milli += free;
    s.whole_free += free == kMilli;
    s.largest_free = std::max(s.largest_free, free);
  }
  summary_[node] = s;
}

bool CardPolicy::gpu_fits(std::uint32_t node, const Demand& task) const {
  if (task.num_gpu == 0) return true;
  if (takes_one_share(task)) return summary_[node].largest_free >= task.gpu_milli;
  return summary_[node].whole_free >= task.num_gpu;
}

bool CardPolicy::gpu_fits_empty(std::uint32_t node, const Demand& task) const {
  return task.num_gpu <= cluster().nodes[node].gpus;
}

double CardPolicy::gpu_free_milli(std::uint32_t node) const { return summary_[node].free_milli; }

double CardPolicy::gpu_request_milli(std::uint32_t, const Demand& task) const {
  return takes_one_share(task) ? task.gpu_milli : double{kMilli} * task.num_gpu;
}

std::uint64_t CardPolicy::free_units(std::uint32_t node) const { return summary_[node].free_milli; }

std::uint64_t CardPolicy::unusable_units(std::uint32_t node, const Demand& task) const {
  // FGD: cards with less left than the task needs on one card cannot serve it.
  const std::uint32_t need = takes_one_share(task) ? task.gpu_milli : kMilli;
  std::uint64_t unusable = 0;
  for (std::uint32_t c = 0; c < cluster().nodes[node].gpus; ++c) {
    std::uint32_t free = card_free(first_card_[node] + c);
    if (free < need) unusable += free;
  }
  return unusable;
}

void CardPolicy::commit(std::uint32_t node, const Demand& task, std::uint32_t id, Outcome& outcome) {
  if (task.num_gpu == 0) return;
  const std::uint32_t first = first_card_[node], cards = cluster().nodes[node].gpus;
  const pool::JobId job = id + 1;
  if (takes_one_share(task)) {
    // The fitting card with the least left; the first such card on a tie.
    std::optional<std::uint32_t> best;
    for (std::uint32_t c = first; c < first + cards; ++c) {
      std::uint32_t free = card_free(c);
      if (free >= task.gpu_milli && (!best || free < card_free(*best))) best = c;
    }
    pool_.take(*pool_.find_on(*best, task.gpu_milli, pool::Kind::gpu), job);
    outcome.runs = 1;
  } else {
    std::uint32_t taken = 0;
    for (std::uint32_t c = first; c < first + cards && taken < task.num_gpu; ++c) {
      if (card_free(c) != kMilli) continue;
      pool_.take({pool::Span{c, 0, kMilli}}, job);
      ++taken;
    }
    outcome.runs = taken;
    rounding_loss_ += static_cast<double>(std::int64_t{kMilli} * task.num_gpu - task.gpu_demand_milli());
  }
  summarise(node);
}

}  // namespace tflops::trace
