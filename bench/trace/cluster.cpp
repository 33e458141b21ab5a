// SPDX-License-Identifier: GPL-2.0-or-later
#include "cluster.h"

#include <algorithm>
#include <unordered_set>

#include "tflops/pool/error.h"

namespace tflops::trace {

Cluster make_cluster(std::vector<NodeSpec> nodes, const ModelTflops& tflops, std::vector<BadRow>& duplicates,
                     const std::string& source) {
  Cluster cluster;
  std::unordered_set<std::string> seen;
  for (NodeSpec& node : nodes) {
    if (!seen.insert(node.name).second) {
      duplicates.push_back({node.line, "node " + node.name + " appears twice; the later row is skipped"});
      continue;
    }
    auto known = std::find(cluster.models.begin(), cluster.models.end(), node.model);
    if (known == cluster.models.end()) {
      auto it = tflops.find(node.model);
      if (node.gpus > 0 && it == tflops.end()) {
        throw pool::Error(source + ":" + std::to_string(node.line) + ": GPU model '" + node.model +
                          "' has no TFLOPS figure; give one with --tflops " + node.model + "=N");
      }
      if (cluster.models.size() == kMaxModels) {
        throw pool::Error(source + ":" + std::to_string(node.line) + ": more than " +
                          std::to_string(kMaxModels) + " GPU models");
      }
      cluster.models.push_back(node.model);
      cluster.model_tflops.push_back(it == tflops.end() ? 0.0 : it->second);
      known = cluster.models.end() - 1;
    }
    cluster.node_model.push_back(static_cast<std::uint8_t>(known - cluster.models.begin()));
    cluster.gpu_milli += std::int64_t{1000} * node.gpus;
    cluster.nodes.push_back(std::move(node));
  }
  return cluster;
}

Demand demand_of(const Cluster& cluster, const TaskSpec& task) {
  Demand demand{.cpu_milli = task.cpu_milli,
                .memory_mib = task.memory_mib,
                .num_gpu = task.num_gpu,
                .gpu_milli = task.gpu_milli,
                .high_priority = task.qos == Qos::ls || task.qos == Qos::guaranteed};
  if (!task.gpu_spec.empty() && task.num_gpu > 0) {
    demand.models = 0;
    for (std::size_t m = 0; m < cluster.models.size(); ++m) {
      if (std::find(task.gpu_spec.begin(), task.gpu_spec.end(), cluster.models[m]) != task.gpu_spec.end()) {
        demand.models |= std::uint64_t{1} << m;
      }
    }
  }
  return demand;
}

Cluster scaled_cluster(const Cluster& cluster, std::size_t nodes) {
  Cluster scaled = cluster;
  scaled.nodes.clear();
  scaled.node_model.clear();
  scaled.gpu_milli = 0;
  for (std::size_t i = 0; i < nodes && !cluster.nodes.empty(); ++i) {
    const std::size_t from = i % cluster.nodes.size();
    NodeSpec node = cluster.nodes[from];
    if (i >= cluster.nodes.size()) node.name += "#" + std::to_string(i / cluster.nodes.size());
    scaled.gpu_milli += std::int64_t{1000} * node.gpus;
    scaled.node_model.push_back(cluster.node_model[from]);
    scaled.nodes.push_back(std::move(node));
  }
  return scaled;
}

}  // namespace tflops::trace
