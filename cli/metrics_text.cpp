// SPDX-License-Identifier: GPL-2.0-or-later
#include "metrics_text.h"

#include <cstdint>
#include <sstream>
#include <utility>
#include <vector>

#include "text_table.h"

namespace tflops::cli {

namespace {

// Label values escape \, " and newline (exposition format).
std::string label_value(const std::string& value) {
  std::string escaped;
  for (const char c : value) {
    if (c == '\\') escaped += "\\\\";
    else if (c == '"') escaped += "\\\"";
    else if (c == '\n') escaped += "\\n";
    else escaped += c;
  }
  return escaped;
}

using Labels = std::vector<std::pair<std::string, std::string>>;

class Exposition {
 public:
  void gauge(const std::string& name, const std::string& help) {
    out_ << "# HELP " << name << " " << help << "\n# TYPE " << name << " gauge\n";
    name_ = name;
  }
  // Counts print whole: a double would print 1234567 as 1.23457e+06.
  void sample(const Labels& labels, std::uint64_t value) { sample(labels, std::to_string(value)); }
  void sample(const Labels& labels, double value) { sample(labels, format_number(value)); }
  void sample(const Labels& labels, const std::string& value) {
    out_ << name_;
    if (!labels.empty()) {
      out_ << "{";
      for (std::size_t i = 0; i < labels.size(); ++i) {
        out_ << (i ? "," : "") << labels[i].first << "=\"" << label_value(labels[i].second) << "\"";
      }
      out_ << "}";
    }
    out_ << " " << value << "\n";
  }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::string name_;
};

void up(Exposition& out, std::uint64_t value) {
  out.gauge("tflops_up", "1 when tflopsctl read Slurm and the card inventory, else 0.");
  out.sample({}, value);
}

// Per node and kind present on the node: `value(node, kind)`.
template <typename Value>
void per_node_kind(Exposition& out, const LiveView& view, Value value) {
  const auto& nodes = view.layout->nodes();
  for (std::uint32_t node = 0; node < nodes.size(); ++node) {
    for (const auto kind : pool::kAllKinds) {
      const auto index = static_cast<std::size_t>(kind);
      if (nodes[node].regions[index].count == 0) continue;
      out.sample({{"node", nodes[node].name}, {"kind", std::string(pool::kind_name(kind))}},
                 static_cast<std::uint64_t>(value(node, index)));
    }
  }
}

}  // namespace

std::string metrics_text(const LiveView& view) {
  Exposition out;
  up(out, 1U);
  out.gauge("tflops_block_tflops", "TFLOPS of one block.");
  out.sample({}, view.layout->options().block_tflops);

  const auto& nodes = view.layout->nodes();
  out.gauge("tflops_blocks_total", "TFLOPS blocks per node and card kind (card inventory).");
  per_node_kind(out, view,
                [&](std::uint32_t node, std::size_t kind) { return nodes[node].regions[kind].count; });
  out.gauge("tflops_blocks_used", "TFLOPS blocks allocated to jobs, per node and card kind.");
  per_node_kind(out, view, [&](std::uint32_t node, std::size_t kind) { return view.nodes[node].used[kind]; });
  out.gauge("tflops_blocks_free", "TFLOPS blocks free, per node and card kind.");
  per_node_kind(out, view, [&](std::uint32_t node, std::size_t kind) {
    const auto total = nodes[node].regions[kind].count;
    const auto used = view.nodes[node].used[kind];
    return used < total ? total - used : 0;
  });

  std::uint64_t jobs[2] = {};
  std::uint64_t blocks[2] = {};
  std::uint64_t suspended_held = 0;
  for (const auto& job : view.jobs) {
    const auto state = static_cast<std::size_t>(job.state);
    ++jobs[state];
    blocks[state] += job.blocks();
    if (job.state == SlurmJobState::suspended) suspended_held += job.held();
  }
  const char* states[2] = {"running", "suspended"};
  out.gauge("tflops_jobs", "Jobs with TFLOPS blocks, by state (suspended: blocks held when suspended).");
  for (std::size_t s = 0; s < 2; ++s) out.sample({{"state", states[s]}}, jobs[s]);
  out.gauge("tflops_job_blocks", "TFLOPS blocks of those jobs, by state.");
  for (std::size_t s = 0; s < 2; ++s) out.sample({{"state", states[s]}}, blocks[s]);
  out.gauge("tflops_suspended_blocks_held",
            "TFLOPS blocks that suspended jobs still hold (not released to other jobs).");
  out.sample({}, suspended_held);
  out.gauge("tflops_warnings",
            "Mismatches between Slurm and the card inventory (tflopsctl pool --live lists them).");
  out.sample({}, static_cast<std::uint64_t>(view.warnings.size()));
  return out.text();
}

std::string metrics_down_text() {
  Exposition out;
  up(out, 0U);
  return out.text();
}

}  // namespace tflops::cli
