// SPDX-License-Identifier: GPL-2.0-or-later
// TFLOPS blocks over all the cards of a node: the tflops pool. A task needs
// num_gpu x gpu_milli/1000 x (its node's model TFLOPS) / BlockTFLOPS blocks, rounded up, on one
// node; inside the node the pool places them (one contiguous run, best fit, else the fewest runs).
//
// Options: migration (the pool's compact plan when the node's free blocks are scattered) and
// preemption (a high-priority task that fits nowhere suspends low-priority ones: the pool's
// plan_preemption picks the block victims on a node, and we add victims until the node's CPU and
// memory suffice too, which the pool does not plan for). Suspended tasks never resume: in FGD's
// replay no task departs, so nothing frees their capacity again.
#pragma once

#include <array>
#include <memory>

#include "policy.h"
#include "tflops/pool/block_pool.h"
#include "tflops/pool/running_job.h"

namespace tflops::trace {

struct BlockOptions {
  double block_tflops = 1.0;
  bool migration = false;
  bool preemption = false;
};

class BlockPolicy : public Policy {
 public:
  // Throws pool::Error when a node would exceed Slurm's 1024 blocks (naming the block size that fits).
  BlockPolicy(std::string name, const Cluster& cluster, NodeChoice choice, BlockOptions options);

  std::string_view unit() const override { return "blocks"; }
  std::uint64_t capacity_units() const override { return pool_.layout().total_blocks(); }
  std::uint64_t allocated_units() const override { return capacity_units() - pool_.free_blocks(); }
  double rounding_loss_units() const override { return rounding_loss_; }
  // Card TFLOPS not worth a whole block (e.g. 0.3 of a 9.3 TFLOPS P100 at 1 TFLOPS per block),
  // in blocks: capacity the layout cannot hand out at all.
  double layout_loss_units() const { return layout_loss_; }
  const BlockOptions& options() const { return options_; }

  // Blocks the task needs on a node (0 without GPU request), and the unrounded figure.
  std::uint32_t blocks_needed(std::uint32_t node, const Demand& task) const;
  double exact_blocks(std::uint32_t node, const Demand& task) const;
  std::uint32_t blocks_needed_on_model(std::size_t model, const Demand& task) const;

 protected:
  void prepare(const Demand& task) const override;
  bool gpu_fits(std::uint32_t node, const Demand& task) const override;
  bool gpu_fits_empty(std::uint32_t node, const Demand& task) const override;
  double gpu_free_milli(std::uint32_t node) const override;
  double gpu_request_milli(std::uint32_t node, const Demand& task) const override;
  std::uint64_t free_units(std::uint32_t node) const override;
  std::uint64_t unusable_units(std::uint32_t, const Demand&) const override { return 0; }
  void commit(std::uint32_t node, const Demand& task, std::uint32_t id, Outcome& outcome) override;
  std::optional<Outcome> preempt_and_place(const Demand& task, std::uint32_t id) override;
  bool frees_capacity() const override { return options_.preemption; }

 private:
  struct Held {
    std::uint32_t node = 0;
    pool::Spans spans;
    Demand demand;
    double rounding = 0;  // blocks beyond the exact demand
  };
  struct LowPriority {  // what low-priority tasks hold on a node: the most preemption can free
    std::uint64_t blocks = 0;
    std::int64_t cpu = 0;
    std::int64_t memory = 0;
  };
  double milli_per_block(std::uint32_t node) const { return milli_per_block_[node]; }
  std::uint32_t need(std::uint32_t node) const { return need_by_model_[cluster().node_model[node]]; }
  std::vector<pool::RunningJob> running_on(std::uint32_t node) const;
  std::optional<std::vector<std::uint32_t>> victims_on(std::uint32_t node, const Demand& task) const;
  void suspend(std::uint32_t id);

  BlockOptions options_;
  pool::BlockPool pool_;
  std::vector<std::int32_t> pool_node_;                            // per node; -1 when it has no GPU
  std::vector<std::vector<std::uint32_t>> running_;                // per node: ids holding blocks there
  std::vector<LowPriority> low_;                                   // per node
  std::vector<double> milli_per_block_;                            // per node: GPU-milli one block is worth
  mutable std::array<std::uint32_t, kMaxModels> need_by_model_{};  // the prepared task's, per model
  std::vector<Held> held_;                                         // per task id
  double rounding_loss_ = 0;
  double layout_loss_ = 0;
};

}  // namespace tflops::trace
