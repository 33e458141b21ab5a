// SPDX-License-Identifier: GPL-2.0-or-later
// Per-card accounting, as Slurm's gres/gpu and gres/shard do it, on the block pool: every card is
// a pool node of 1000 blocks (one block = one thousandth of the card, FGD's GPU-milli).
//
//   whole cards (gres/gpu)   a task takes num_gpu whole free cards, a fractional task one whole card.
//   shares (gres/shard)      a fractional task takes its thousandths on one card, the fitting card
//                            with the least left (best fit); others take whole free cards. With the
//                            best_fit node choice this is FGD's per-card Best-Fit.
#pragma once

#include <memory>

#include "policy.h"
#include "tflops/pool/block_pool.h"

namespace tflops::trace {

class CardPolicy : public Policy {
 public:
  CardPolicy(std::string name, const Cluster& cluster, NodeChoice choice, bool whole_cards);

  std::string_view unit() const override { return "GPU-milli"; }
  std::uint64_t capacity_units() const override { return pool_.layout().total_blocks(); }
  std::uint64_t allocated_units() const override { return capacity_units() - pool_.free_blocks(); }
  double rounding_loss_units() const override { return rounding_loss_; }

 protected:
  bool gpu_fits(std::uint32_t node, const Demand& task) const override;
  bool gpu_fits_empty(std::uint32_t node, const Demand& task) const override;
  double gpu_free_milli(std::uint32_t node) const override;
  double gpu_request_milli(std::uint32_t node, const Demand& task) const override;
  std::uint64_t free_units(std::uint32_t node) const override;
  std::uint64_t unusable_units(std::uint32_t node, const Demand& task) const override;
  void commit(std::uint32_t node, const Demand& task, std::uint32_t id, Outcome& outcome) override;

 private:
  // What the node's cards have free, kept up to date after each placement on it.
  struct CardSummary {
    std::uint32_t free_milli = 0;
    std::uint32_t whole_free = 0;    // cards with all 1000 free
    std::uint32_t largest_free = 0;  // the most any one card has free
  };
  bool takes_one_share(const Demand& task) const { return !whole_cards_ && task.is_sharing(); }
  std::uint32_t card_free(std::uint32_t card) const;
  void summarise(std::uint32_t node);

  bool whole_cards_;
  pool::BlockPool pool_;
  std::vector<std::uint32_t> first_card_;  // per node: its first pool node (card)
  std::vector<CardSummary> summary_;
  double rounding_loss_ = 0;
};

}  // namespace tflops::trace
