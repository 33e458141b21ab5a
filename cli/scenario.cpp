// SPDX-License-Identifier: GPL-2.0-or-later
#include "scenario.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "text_file.h"
#include "tflops/pool/error.h"
#include "tflops/pool/words.h"

namespace tflops::cli {

namespace {

constexpr std::string_view kSubmitSyntax =
    "submit JOB BLOCKS [priority=P] [node=NODE] [nodes=K] [kind=gpu|npu|fpga] "
    "[migratable=yes|no]";
constexpr std::string_view kEndSyntax = "end JOB";

std::string_view trim(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

std::optional<std::int64_t> parse_integer(std::string_view word) {
  if (!word.empty() && word.front() == '+') word.remove_prefix(1);
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (word.empty() || error != std::errc() || end != word.data() + word.size()) return std::nullopt;
  return value;
}

// Parses one file; keeps what earlier lines declared so later lines can be checked against it.
class ScenarioParser {
 public:
  ScenarioParser(std::string source, const pool::Layout& layout) : layout_(layout) {
    scenario_.source = std::move(source);
  }

  void parse_line(int line, std::string_view raw) {
    const auto text = trim(raw.substr(0, raw.find('#')));
    if (text.empty()) return;
    line_ = line;
    const auto views = pool::split_words(text);
    const std::vector<std::string> words(views.begin(), views.end());

    ScenarioStep step;
    step.line = line;
    step.text = std::string(text);
    const auto verb = pool::to_lower(words[0]);
    if (verb == "submit") {
      parse_submit(words, step);
    } else if (verb == "end") {
      parse_end(words, step);
    } else {
      fail("unknown step '" + words[0] + "'; a step is '" + std::string(kSubmitSyntax) + "' or '" +
           std::string(kEndSyntax) + "'");
    }
    scenario_.steps.push_back(std::move(step));
  }

  Scenario finish() { return std::move(scenario_); }

 private:
  struct JobRecord {
    pool::JobId id = pool::kNoJob;
    int submitted_at = 0;
    int ended_at = 0;  // 0 while not ended
  };

  [[noreturn]] void fail(const std::string& message) const {
    throw pool::Error(scenario_.source + ":" + std::to_string(line_) + ": " + message);
  }

  void parse_submit(const std::vector<std::string>& words, ScenarioStep& step) {
    if (words.size() < 2 || words[1].find('=') != std::string::npos) {
      fail("submit needs a job name; write '" + std::string(kSubmitSyntax) + "'");
    }
    const std::string& name = words[1];
    if (words.size() < 3 || words[2].find('=') != std::string::npos) {
      fail("submit " + name +
           " needs BLOCKS, the number of blocks per node, after the name; "
           "write e.g. 'submit " +
           name + " 4'");
    }
    const auto blocks = parse_integer(words[2]);
    if (!blocks) {
      const bool digits = std::all_of(words[2].begin(), words[2].end(),
                                      [](unsigned char c) { return std::isdigit(c) || c == '+'; });
      fail("BLOCKS '" + words[2] + "' of " + name +
           (digits ? " is too large; no pool has that many blocks"
                   : " is not a whole number; write the blocks the job needs per node, "
                     "e.g. 'submit " +
                         name + " 4'"));
    }
    if (*blocks < 1) {
      fail("BLOCKS '" + words[2] + "' of " + name +
           ": a job needs at least 1 block; "
           "give a positive number");
    }
    if (const auto it = jobs_.find(name); it != jobs_.end()) {
      fail("job '" + name + "' is already submitted at line " + std::to_string(it->second.submitted_at) +
           "; give each job its own name");
    }

    step.verb = StepVerb::submit;
    step.job = static_cast<pool::JobId>(jobs_.size() + 1);
    step.spec.id = step.job;
    step.spec.name = name;
    step.spec.blocks = *blocks;

    std::set<std::string> seen;
    for (std::size_t i = 3; i < words.size(); ++i) parse_option(words[i], step.spec, seen);
    if (step.spec.node && step.spec.nodes > 1) {
      fail("node=" + *step.spec.node + " and nodes=" + std::to_string(step.spec.nodes) +
           " together: a job pinned to one node uses one node; drop one of them");
    }
    jobs_[name] = JobRecord{step.job, line_, 0};
  }

  void parse_option(const std::string& word, pool::JobSpec& spec, std::set<std::string>& seen) {
    const auto equals = word.find('=');
    if (equals == std::string::npos) {
      fail("unexpected word '" + word +
           "'; options are key=value: priority=P node=NODE "
           "nodes=K kind=gpu|npu|fpga migratable=yes|no");
    }
    const auto key = pool::to_lower(std::string_view(word).substr(0, equals));
    const auto value = word.substr(equals + 1);
    if (value.empty()) fail("'" + word + "' has no value; write " + key + "=VALUE");
    if (!seen.insert(key).second) fail("'" + key + "' given twice; keep one");

    if (key == "priority") {
      const auto priority = parse_integer(value);
      if (!priority) fail("priority '" + value + "' is not a whole number; write e.g. priority=10");
      spec.priority = *priority;
    } else if (key == "node") {
      if (!layout_.find_node(value)) fail("unknown node '" + value + "'; " + known_nodes());
      spec.node = value;
    } else if (key == "nodes") {
      const auto nodes = parse_integer(value);
      if (!nodes || *nodes < 1 || *nodes > std::numeric_limits<std::uint32_t>::max()) {
        fail("nodes '" + value + "' is not a positive whole number; write e.g. nodes=2");
      }
      spec.nodes = static_cast<std::uint32_t>(*nodes);
    } else if (key == "kind") {
      const auto kind = pool::parse_kind(value);
      if (!kind) fail("unknown kind '" + value + "'; use kind=gpu, kind=npu or kind=fpga");
      spec.kind = *kind;
    } else if (key == "migratable") {
      const auto answer = pool::to_lower(value);
      if (answer != "yes" && answer != "no") {
        fail("migratable '" + value +
             "' is neither yes nor no; write migratable=yes or "
             "migratable=no");
      }
      spec.migratable = answer == "yes";
    } else {
      fail("unknown key '" + key + "' in '" + word +
           "'; keys are priority, node, nodes, kind, "
           "migratable");
    }
  }

  void parse_end(const std::vector<std::string>& words, ScenarioStep& step) {
    if (words.size() != 2) fail("end takes one job name; write '" + std::string(kEndSyntax) + "'");
    const auto it = jobs_.find(words[1]);
    if (it == jobs_.end()) {
      fail("end of unknown job '" + words[1] +
           "': no earlier line submits it; submit it first "
           "or fix the name");
    }
    if (it->second.ended_at != 0) {
      fail("job '" + words[1] + "' already ended at line " + std::to_string(it->second.ended_at) +
           "; drop this line");
    }
    it->second.ended_at = line_;
    step.verb = StepVerb::end;
    step.job = it->second.id;
  }

  std::string known_nodes() const {
    std::string text = "the pool's nodes are ";
    const auto& nodes = layout_.nodes();
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (i > 0) text += ", ";
      if (i == 8 && nodes.size() > 9) {
        text += "... (" + std::to_string(nodes.size()) + " in all)";
        break;
      }
      text += nodes[i].name;
    }
    return text;
  }

  const pool::Layout& layout_;
  Scenario scenario_;
  std::map<std::string, JobRecord> jobs_;
  int line_ = 0;
};

}  // namespace

std::string Scenario::where(const ScenarioStep& step) const {
  return source + ":" + std::to_string(step.line);
}

Scenario parse_scenario(std::string_view text, std::string source, const pool::Layout& layout) {
  ScenarioParser parser(std::move(source), layout);
  int line = 0;
  while (!text.empty() || line == 0) {
    ++line;
    const auto newline = text.find('\n');
    parser.parse_line(line, text.substr(0, newline));
    if (newline == std::string_view::npos) break;
    text.remove_prefix(newline + 1);
  }
  return parser.finish();
}

Scenario load_scenario(const std::string& path, const pool::Layout& layout) {
  return parse_scenario(read_text_file(path, "scenario"), path, layout);
}

}  // namespace tflops::cli
