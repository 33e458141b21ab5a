// SPDX-License-Identifier: GPL-2.0-or-later
#include "policy.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <tuple>
#include <utility>

namespace tflops::trace {
namespace {

// FGD's normalisers: the largest node's CPU and GPU (8 cards) in the trace.
constexpr double kMaxSpecCpu = 128000;
constexpr double kMaxSpecGpuMilli = 8000;

}  // namespace

std::string_view node_choice_name(NodeChoice choice) {
  switch (choice) {
    case NodeChoice::best_fit: return "best-fit";
    case NodeChoice::first_fit: return "first-fit";
    case NodeChoice::cpu_aware: return "cpu-aware";
  }
  return "?";
}

std::string_view fail_cause_name(FailCause cause) {
  switch (cause) {
    case FailCause::gpu_capacity: return "gpu_capacity";
    case FailCause::cpu_short: return "cpu_short";
    case FailCause::memory_short: return "memory_short";
    case FailCause::never_fits: return "never_fits";
  }
  return "?";
}

Policy::Policy(std::string name, const Cluster& cluster, NodeChoice choice)
    : name_(std::move(name)), cluster_(cluster), choice_(choice) {
  std::map<std::tuple<std::uint8_t, std::uint32_t, std::int64_t, std::int64_t>, std::uint32_t> types;
  for (std::uint32_t n = 0; n < cluster.nodes.size(); ++n) {
    const NodeSpec& node = cluster.nodes[n];
    cpu_left_.push_back(node.cpu_milli);
    memory_left_.push_back(node.memory_mib);
    auto [it, added] = types.try_emplace({cluster.node_model[n], node.gpus, node.cpu_milli, node.memory_mib},
                                         static_cast<std::uint32_t>(types.size()));
    if (added) untouched_.emplace_back();
    node_type_.push_back(it->second);
    untouched_[it->second].push_back(n);
  }
  is_touched_.assign(cluster.nodes.size(), 0);
  next_open_.resize(cluster.nodes.size() + 1);
  std::iota(next_open_.begin(), next_open_.end(), 0u);
}

void Policy::set_smallest_request(std::int64_t cpu_milli, std::int64_t memory_mib) {
  smallest_cpu_ = cpu_milli;
  smallest_memory_ = memory_mib;
}

std::uint32_t Policy::open_from(std::uint32_t node) const {
  std::uint32_t root = node;
  while (next_open_[root] != root) root = next_open_[root];
  while (next_open_[node] != root) node = std::exchange(next_open_[node], root);
  return root;
}

void Policy::touch(std::uint32_t node) {
  if (is_touched_[node]) return;
  is_touched_[node] = 1;
  touched_.push_back(node);
  auto& same = untouched_[node_type_[node]];
  same.erase(std::find(same.begin(), same.end(), node));
}

bool Policy::model_ok(std::uint32_t node, const Demand& task) const {
  return task.num_gpu == 0 || ((task.models >> cluster_.node_model[node]) & 1u);
}

void Policy::release_host(std::uint32_t node, const Demand& task) {
  cpu_left_[node] += task.cpu_milli;
  memory_left_[node] += task.memory_mib;
}

void Policy::take_host(std::uint32_t node, const Demand& task) {
  touch(node);
  cpu_left_[node] -= task.cpu_milli;
  memory_left_[node] -= task.memory_mib;
  if (!frees_capacity() && (cpu_left_[node] < smallest_cpu_ || memory_left_[node] < smallest_memory_)) {
    next_open_[node] = node + 1;
  }
}

double Policy::cpu_aware_penalty(std::uint32_t node, const Demand& task) const {
  if (cpu_per_gpu_milli_ <= 0) return 0;
  // GPU capacity the node would keep but could not feed with the CPU it would keep.
  double gpu_after = gpu_free_milli(node) - gpu_request_milli(node, task);
  double cpu_after = static_cast<double>(cpu_left_[node] - task.cpu_milli);
  double stranded = gpu_after - cpu_after / cpu_per_gpu_milli_;
  return stranded > 0 ? stranded / kMaxSpecGpuMilli * 100.0 : 0.0;
}

bool Policy::fits_now(std::uint32_t n, const Demand& task) const {
  return cpu_left_[n] >= task.cpu_milli && memory_left_[n] >= task.memory_mib && model_ok(n, task) &&
         gpu_fits(n, task);
}

double Policy::best_fit_score(std::uint32_t n, const Demand& task) const {
  const double score = (1.0 - 0.5 * static_cast<double>(cpu_left_[n] - task.cpu_milli) / kMaxSpecCpu -
                        0.5 * (gpu_free_milli(n) - gpu_request_milli(n, task)) / kMaxSpecGpuMilli) *
                       100.0;
  return std::trunc(score);  // FGD scores are int64
}

std::optional<std::uint32_t> Policy::first_fit(const Demand& task) const {
  const auto nodes = static_cast<std::uint32_t>(cluster_.nodes.size());
  for (std::uint32_t n = open_from(0); n < nodes; n = open_from(n + 1)) {
    if (fits_now(n, task)) return n;
  }
  return std::nullopt;
}

std::optional<std::uint32_t> Policy::least_stranding(const Demand& task) const {
  std::optional<std::uint32_t> best;
  double best_penalty = 0;
  const auto nodes = static_cast<std::uint32_t>(cluster_.nodes.size());
  for (std::uint32_t n = open_from(0); n < nodes; n = open_from(n + 1)) {
    if (!fits_now(n, task)) continue;
    const double penalty = cpu_aware_penalty(n, task);
    if (!best || penalty < best_penalty) best = n, best_penalty = penalty;
    if (penalty == 0) break;
  }
  return best;
}

std::optional<std::uint32_t> Policy::choose(const Demand& task, Rng& rng) {
  if (choice_ == NodeChoice::first_fit) return first_fit(task);
  if (choice_ == NodeChoice::cpu_aware) return least_stranding(task);
  // Best-Fit. Reservoir sampling over the best score: each tied node equally likely. An untouched type
  // counts as all its nodes, and one of them is drawn when it wins.
  std::optional<std::uint32_t> best;
  double best_score = 0;
  std::uint64_t ties = 0;
  auto consider = [&](std::uint32_t n, std::uint64_t copies, const std::vector<std::uint32_t>* group) {
    const double s = best_fit_score(n, task);
    if (!best || s > best_score) {
      best_score = s;
      ties = copies;
    } else if (s == best_score) {
      ties += copies;
      if (rng.below(ties) >= copies) return;
    } else {
      return;
    }
    best = group ? (*group)[rng.below(group->size())] : n;
  };
  for (std::uint32_t n : touched_) {
    if (fits_now(n, task)) consider(n, 1, nullptr);
  }
  for (const auto& group : untouched_) {
    if (!group.empty() && fits_now(group.front(), task)) consider(group.front(), group.size(), &group);
  }
  return best;
}

FailCause Policy::why_not(const Demand& task) const {
  bool could_ever = false, gpu_now = false, cpu_with_gpu = false;
  for (std::uint32_t n = 0; n < cluster_.nodes.size(); ++n) {
    const NodeSpec& node = cluster_.nodes[n];
    if (!model_ok(n, task) || node.cpu_milli < task.cpu_milli || node.memory_mib < task.memory_mib ||
        !gpu_fits_empty(n, task)) {
      continue;
    }
    could_ever = true;
    if (gpu_fits(n, task)) {
      gpu_now = true;
      if (cpu_left_[n] >= task.cpu_milli) cpu_with_gpu = true;
    }
  }
  if (!could_ever) return FailCause::never_fits;
  if (!gpu_now) return FailCause::gpu_capacity;
  return cpu_with_gpu ? FailCause::memory_short : FailCause::cpu_short;
}

Outcome Policy::place(const Demand& task, std::uint32_t id, Rng& rng) {
  prepare(task);
  if (auto node = choose(task, rng)) {
    Outcome outcome{.placed = true, .node = *node};
    commit(*node, task, id, outcome);
    take_host(*node, task);
    return outcome;
  }
  if (auto outcome = preempt_and_place(task, id)) return *outcome;
  Outcome failed;
  failed.cause = why_not(task);
  return failed;
}

double Policy::fragmented_units(const std::vector<Shape>& typical) const {
  double total = 0;
  for (const Shape& shape : typical) {
    const Demand& t = shape.demand;
    prepare(t);
    for (std::uint32_t n = 0; n < cluster_.nodes.size(); ++n) {
      const std::uint64_t free = free_units(n);
      if (free == 0) continue;
      bool fits = model_ok(n, t) && cpu_left_[n] >= t.cpu_milli && gpu_fits(n, t);
      total += shape.weight * static_cast<double>(fits ? unusable_units(n, t) : free);
    }
  }
  return total;
}

Stranded Policy::stranded_units(const std::vector<Shape>& typical) const {
  // Per node, whether some typical task fits its GPU side; then also its CPU; then also memory.
  const std::size_t nodes = cluster_.nodes.size();
  std::vector<std::uint8_t> gpu(nodes, 0), gpu_cpu(nodes, 0), fit(nodes, 0);
  for (const Shape& shape : typical) {
    const Demand& t = shape.demand;
    prepare(t);
    for (std::uint32_t n = 0; n < nodes; ++n) {
      if (!model_ok(n, t) || !gpu_fits(n, t)) continue;
      gpu[n] = 1;
      if (cpu_left_[n] < t.cpu_milli) continue;
      gpu_cpu[n] = 1;
      if (memory_left_[n] >= t.memory_mib) fit[n] = 1;
    }
  }
  Stranded stranded;
  for (std::uint32_t n = 0; n < nodes; ++n) {
    const auto free = static_cast<double>(free_units(n));
    if (free == 0) continue;
    if (fit[n]) {
      stranded.usable += free;
    } else if (gpu_cpu[n]) {
      stranded.memory_short += free;
    } else if (gpu[n]) {
      stranded.cpu_short += free;
    } else {
      stranded.too_small += free;
    }
  }
  return stranded;
}

}  // namespace tflops::trace
