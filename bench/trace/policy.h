// SPDX-License-Identifier: GPL-2.0-or-later
// A placement policy under replay: one node per task, CPU and memory honoured on every node,
// GPU capacity accounted in the policy's own unit on a tflops::pool::BlockPool.
//
// The node choice is the simulator's (the pool picks blocks inside a node, never the node):
//   best_fit   FGD's Best-Fit score (1 - 0.5 cpuLeft'/128000 - 0.5 gpuLeft'/8000) x 100 after the
//              task, truncated to an integer; ties broken uniformly at random, as the
//              Kubernetes scheduler does. GPU left is counted in card-equivalents (milli).
//   first_fit  the first node in trace order that fits: the pool's own rule (and Slurm's).
//   cpu_aware  the first node in trace order where the task strands no GPU capacity, else the
//              node where it strands the least. A node strands the GPU capacity it would keep
//              beyond what the CPU it would keep can feed at the trace's CPU per GPU-milli
//              (set_cpu_per_gpu_milli). So CPU-only and CPU-heavy tasks go where CPU is spare
//              (CPU-rich nodes, nodes whose GPUs are taken) and GPU capacity keeps its CPU.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster.h"
#include "replay.h"

namespace tflops::trace {

enum class NodeChoice : std::uint8_t { best_fit, first_fit, cpu_aware };
std::string_view node_choice_name(NodeChoice choice);

enum class FailCause : std::uint8_t { gpu_capacity, cpu_short, memory_short, never_fits };
inline constexpr std::size_t kFailCauses = 4;
std::string_view fail_cause_name(FailCause cause);

struct Outcome {
  bool placed = false;
  FailCause cause = FailCause::gpu_capacity;  // when not placed
  std::uint32_t node = 0;
  std::uint32_t runs = 0;   // contiguous pieces the task's GPU capacity came in
  std::uint32_t moves = 0;  // running tasks migrated to place it
  std::uint64_t blocks_moved = 0;
  std::vector<std::uint32_t> preempted;  // ids of the tasks suspended to place it
};

// A frequent task shape and its share of the GPU tasks (FGD's "typical tasks").
struct Shape {
  Demand demand;
  double weight = 0;
};

// Free GPU capacity at one moment, by what keeps it from the typical tasks.
struct Stranded {
  double usable = 0;        // some typical task fits there now
  double cpu_short = 0;     // the GPU capacity would do, the node's CPU is gone
  double memory_short = 0;  // GPU and CPU would do, memory is gone
  double too_small = 0;     // no typical task fits in what is left (fragments, rounding)
};

class Policy {
 public:
  Policy(std::string name, const Cluster& cluster, NodeChoice choice);
  virtual ~Policy() = default;
  Policy(const Policy&) = delete;
  Policy& operator=(const Policy&) = delete;

  const std::string& name() const { return name_; }
  NodeChoice node_choice() const { return choice_; }

  // Places the task with id `id` (unique and increasing within a replay) or says why not.
  Outcome place(const Demand& task, std::uint32_t id, Rng& rng);

  virtual std::string_view unit() const = 0;
  virtual std::uint64_t capacity_units() const = 0;
  virtual std::uint64_t allocated_units() const = 0;
  // Units allocated beyond what the placed tasks asked for (rounding up to whole blocks/cards).
  virtual double rounding_loss_units() const = 0;

  // FGD's fragmentation: on each node, the free units a typical task cannot use (all of them
  // when it cannot run there), weighted by the task's share. CPU counts, memory does not (as FGD).
  double fragmented_units(const std::vector<Shape>& typical) const;
  Stranded stranded_units(const std::vector<Shape>& typical) const;

  // For cpu_aware: the CPU a task typically asks per GPU-milli (the trace's ratio over GPU tasks).
  void set_cpu_per_gpu_milli(double ratio) { cpu_per_gpu_milli_ = ratio; }

  // The least CPU and memory any task asks for: a node with less left is closed for good (when
  // the policy never frees capacity), and the in-order scans skip it.
  void set_smallest_request(std::int64_t cpu_milli, std::int64_t memory_mib);

  std::int64_t cpu_left(std::uint32_t node) const { return cpu_left_[node]; }
  std::int64_t memory_left(std::uint32_t node) const { return memory_left_[node]; }

 protected:
  const Cluster& cluster() const { return cluster_; }
  bool model_ok(std::uint32_t node, const Demand& task) const;

  // Called before the node queries below are asked about `task` (so a policy may work out once
  // what the task needs on each model); they are asked only about the last task prepared.
  virtual void prepare(const Demand& /*task*/) const {}
  // The GPU side, in the policy's unit.
  virtual bool gpu_fits(std::uint32_t node, const Demand& task) const = 0;
  virtual bool gpu_fits_empty(std::uint32_t node, const Demand& task) const = 0;
  virtual double gpu_free_milli(std::uint32_t node) const = 0;  // card-equivalents
  virtual double gpu_request_milli(std::uint32_t node, const Demand& task) const = 0;
  virtual std::uint64_t free_units(std::uint32_t node) const = 0;
  // Free units a task that fits on the node still cannot use (FGD: partly used cards too small).
  virtual std::uint64_t unusable_units(std::uint32_t node, const Demand& task) const = 0;
  // Takes the task's GPU capacity on a node where gpu_fits() holds; fills runs and moves.
  virtual void commit(std::uint32_t node, const Demand& task, std::uint32_t id, Outcome& outcome) = 0;
  // When nothing fits: frees lower-priority tasks' capacity and places the task, or nullopt.
  // Whether placed tasks may give their capacity back (then no node is ever closed).
  virtual bool frees_capacity() const { return false; }
  virtual std::optional<Outcome> preempt_and_place(const Demand& /*task*/, std::uint32_t /*id*/) {
    return std::nullopt;
  }

  // For policies that suspend tasks: give back a task's CPU and memory.
  void release_host(std::uint32_t node, const Demand& task);
  void take_host(std::uint32_t node, const Demand& task);

 private:
  std::optional<std::uint32_t> choose(const Demand& task, Rng& rng);
  std::optional<std::uint32_t> first_fit(const Demand& task) const;
  std::optional<std::uint32_t> least_stranding(const Demand& task) const;
  bool fits_now(std::uint32_t node, const Demand& task) const;
  double best_fit_score(std::uint32_t node, const Demand& task) const;
  void touch(std::uint32_t node);
  std::uint32_t open_from(std::uint32_t node) const;  // the first open node at or after `node`
  double cpu_aware_penalty(std::uint32_t node, const Demand& task) const;
  FailCause why_not(const Demand& task) const;

  std::string name_;
  const Cluster& cluster_;
  NodeChoice choice_;
  std::vector<std::int64_t> cpu_left_;
  std::vector<std::int64_t> memory_left_;
  double cpu_per_gpu_milli_ = 0;
  // Nodes nothing has been placed on yet are interchangeable within their type (model, cards,
  // CPU, memory): best_fit scores one of them for all, which keeps the scan short
  // while the cluster fills. `touched_` lists the others, in the order they were first used.
  std::vector<std::uint32_t> node_type_;
  std::vector<std::vector<std::uint32_t>> untouched_;  // per type
  std::vector<std::uint8_t> is_touched_;
  std::vector<std::uint32_t> touched_;
  std::int64_t smallest_cpu_ = 0, smallest_memory_ = 0;
  mutable std::vector<std::uint32_t> next_open_;  // per node (+1 past the end), path-compressed
};

}  // namespace tflops::trace
