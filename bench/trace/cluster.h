// SPDX-License-Identifier: GPL-2.0-or-later
// The simulated cluster: the trace's nodes with their CPU and memory, and each node's GPU model
// with the TFLOPS a card of it is worth; and the tasks, each with the set of models it may use.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gpu_models.h"
#include "trace_csv.h"

namespace tflops::trace {

struct Cluster {
  std::vector<NodeSpec> nodes;
  std::vector<std::string> models;       // distinct models, in order of first appearance
  std::vector<double> model_tflops;      // per model
  std::vector<std::uint8_t> node_model;  // per node, index into models
  std::int64_t gpu_milli = 0;            // 1000 per card: FGD's capacity
};

// A task as the policies see it: its request and the models it may run on.
struct Demand {
  std::int64_t cpu_milli = 0;
  std::int64_t memory_mib = 0;
  std::uint32_t num_gpu = 0;
  std::uint32_t gpu_milli = 0;
  std::uint64_t models = ~std::uint64_t{0};  // bit per Cluster::models index
  bool high_priority = false;                // LS and Guaranteed outrank BE and Burstable

  std::int64_t gpu_demand_milli() const { return std::int64_t{num_gpu} * gpu_milli; }
  bool is_sharing() const { return num_gpu == 1 && gpu_milli < 1000; }
};

inline constexpr std::size_t kMaxModels = 64;

// Throws pool::Error naming the node's line when its model has no TFLOPS in `tflops` (and the
// fix), or when the trace has more than kMaxModels models. Nodes with the same name as an
// earlier one are reported in `duplicates` and left out.
Cluster make_cluster(std::vector<NodeSpec> nodes, const ModelTflops& tflops, std::vector<BadRow>& duplicates,
                     const std::string& source);

// A task's demand on this cluster: gpu_spec models the cluster lacks match no node.
Demand demand_of(const Cluster& cluster, const TaskSpec& task);

// The cluster repeated until it has `nodes` nodes (names get a "#copy" suffix): a synthetic
// large cluster with the trace's mix of nodes.
Cluster scaled_cluster(const Cluster& cluster, std::size_t nodes);

}  // namespace tflops::trace
