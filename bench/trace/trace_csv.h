// SPDX-License-Identifier: GPL-2.0-or-later
// The Alibaba GPU trace files (cluster-trace-gpu-v2023, "openb"): the node list and a task list.
//
// Columns are found by their header name, so any variant of the trace with the same column
// names reads (the source publishes several pod lists). Node list: sn, cpu_milli, memory_mib,
// gpu, model. Task list: name, cpu_milli, memory_mib, num_gpu, gpu_milli, and optionally
// gpu_spec (models the task may use, '|'-separated) and qos (LS, BE, Burstable, Guaranteed);
// other columns are ignored. A row that does not parse is skipped and reported with its line
// number and the reason, never dropped silently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tflops::trace {

struct NodeSpec {
  std::string name;
  std::int64_t cpu_milli = 0;
  std::int64_t memory_mib = 0;
  std::uint32_t gpus = 0;
  std::string model;
  int line = 0;
};

enum class Qos : std::uint8_t { ls, be, burstable, guaranteed };

std::string_view qos_name(Qos qos);

struct TaskSpec {
  std::string name;
  std::int64_t cpu_milli = 0;
  std::int64_t memory_mib = 0;
  std::uint32_t num_gpu = 0;
  std::uint32_t gpu_milli = 0;        // per card, 1..1000 when num_gpu > 0
  std::vector<std::string> gpu_spec;  // empty: any model
  Qos qos = Qos::ls;
  int line = 0;

  // The GPU request FGD counts: num_gpu x gpu_milli.
  std::int64_t gpu_demand_milli() const { return std::int64_t{num_gpu} * gpu_milli; }
  bool is_sharing() const { return num_gpu == 1 && gpu_milli < 1000; }
};

struct BadRow {
  int line = 0;
  std::string message;
};

template <typename Row>
struct Parsed {
  std::vector<Row> rows;
  std::vector<BadRow> bad;  // in line order
};

// `source` names the file in messages. Throws pool::Error when the header lacks a required
// column; bad data rows land in `bad`.
Parsed<NodeSpec> parse_nodes(std::string_view text, const std::string& source);
Parsed<TaskSpec> parse_tasks(std::string_view text, const std::string& source);

// Read a file and parse it; a missing file is a pool::Error naming it.
Parsed<NodeSpec> load_nodes(const std::string& path);
Parsed<TaskSpec> load_tasks(const std::string& path);

}  // namespace tflops::trace
