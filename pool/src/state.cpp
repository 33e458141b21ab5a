// SPDX-License-Identifier: GPL-2.0-or-later
// Scheduler::save / restore. Text, one record per line, so that an admin can read a state file
// and a damaged one fails naming the line that is wrong:
//
//   tflops-pool-state 1
//   layout node0:gpu9,gpu9,npu20,fpga25 node1:...  (each node's cards in block order)
//   clock 12
//   job id=3 name=app3 state=running blocks=2 nodes=1 priority=0 node=- kind=- migratable=1
//       queued=3 spans=0:6+2 last=- reason=-      (one line; spans are node:first+count)
//   end 1                                          (the number of jobs: a cut file fails)
#include <charconv>
#include <cstdio>
#include <map>
#include <sstream>
#include <stdexcept>

#include "tflops/pool/error.h"
#include "tflops/pool/scheduler.h"

namespace tflops::pool {
namespace {

constexpr std::string_view kMagic = "tflops-pool-state";
constexpr int kVersion = 1;

// Names and reasons may hold any byte; spaces, '%', '=' and controls are %XX-encoded.
std::string encode(std::string_view text) {
  if (text.empty()) return "-";
  std::string out;
  for (unsigned char c : text) {
    if (c <= ' ' || c == '%' || c == '=' || c >= 0x7f || (out.empty() && c == '-')) {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// Every card's kind and block count, node by node in block order: a state file made for
// another inventory, region order or block size does not match.
std::string layout_fingerprint(const Layout& layout) {
  std::string out;
  for (const auto& node : layout.nodes()) {
    if (!out.empty()) out += ' ';
    out += encode(node.name) + ":";
    for (std::size_t i = 0; i < node.cards.size(); ++i) {
      const CardLayout& card = layout.cards()[node.cards[i]];
      if (i) out += ',';
      out.append(kind_name(card.kind)).append(std::to_string(card.blocks.count));
    }
  }
  return out;
}

// Whether a running job's spans are what its request could have been given.
std::string spans_problem(const Layout& layout, const JobSpec& spec, const Spans& spans) {
  std::map<std::uint32_t, std::int64_t> per_node;
  for (const Span& span : spans) {
    if (span.node >= layout.nodes().size()) return "a span on node index " + std::to_string(span.node);
    const BlockRange domain = layout.domain(span.node, spec.kind);
    if (span.first < domain.first || span.end() > domain.end()) return "blocks outside its region";
    per_node[span.node] += span.count;
  }
  if (per_node.size() != spec.nodes) return "spans on " + std::to_string(per_node.size()) + " nodes";
  for (const auto& [node, count] : per_node) {
    if (count != spec.blocks) return std::to_string(count) + " blocks on a node";
    if (spec.node && layout.nodes()[node].name != *spec.node) return "blocks off its node";
  }
  return {};
}

std::string encode_spans(const Spans& spans) {
  if (spans.empty()) return "-";
  std::string out;
  for (const Span& s : spans) {
    if (!out.empty()) out += ',';
    out += std::to_string(s.node) + ":" + std::to_string(s.first) + "+" + std::to_string(s.count);
  }
  return out;
}

class Reader {
 public:
  explicit Reader(int line) : line_(line) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw Error("pool state, line " + std::to_string(line_) + ": " + what +
                "; the state file is damaged or was written by another version: move it aside "
                "to start with an empty pool");
  }

  template <typename Int>
  Int number(std::string_view text) const {
    Int value{};
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size()) {
      fail("'" + std::string(text) + "' is not a number");
    }
    return value;
  }

  std::string decode(std::string_view text) const {
    if (text == "-") return {};
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] != '%') {
        out += text[i];
        continue;
      }
      if (i + 2 >= text.size()) fail("cut-off escape in '" + std::string(text) + "'");
      out += static_cast<char>(number_hex(text.substr(i + 1, 2)));
      i += 2;
    }
    return out;
  }

  Spans spans(std::string_view text) const {
    Spans out;
    if (text == "-") return out;
    std::size_t pos = 0;
    while (pos <= text.size()) {
      std::size_t comma = text.find(',', pos);
      if (comma == std::string_view::npos) comma = text.size();
      std::string_view item = text.substr(pos, comma - pos);
      std::size_t colon = item.find(':'), plus = item.find('+');
      if (colon == std::string_view::npos || plus == std::string_view::npos || plus < colon) {
        fail("'" + std::string(item) + "' is not node:first+count");
      }
      out.push_back(Span{number<std::uint32_t>(item.substr(0, colon)),
                         number<std::uint32_t>(item.substr(colon + 1, plus - colon - 1)),
                         number<std::uint32_t>(item.substr(plus + 1))});
      pos = comma + 1;
    }
    return out;
  }

 private:
  unsigned number_hex(std::string_view two) const {
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(two.data(), two.data() + two.size(), value, 16);
    if (two.size() != 2 || ec != std::errc() || ptr != two.data() + 2) {
      fail("bad escape '%" + std::string(two) + "'");
    }
    return value;
  }

  int line_;
};

std::map<std::string, std::string> fields(std::string_view line, const Reader& reader) {
  std::map<std::string, std::string> out;
  std::istringstream words{std::string(line)};
  std::string word;
  words >> word;  // the record type
  while (words >> word) {
    std::size_t eq = word.find('=');
    if (eq == std::string::npos) reader.fail("'" + word + "' is not key=value");
    out[word.substr(0, eq)] = word.substr(eq + 1);
  }
  return out;
}

}  // namespace

std::string Scheduler::save() const {
  std::string out = std::string(kMagic) + " " + std::to_string(kVersion) + "\n";
  out += "layout " + layout_fingerprint(layout()) + "\n";
  out += "clock " + std::to_string(queue_clock_) + "\n";
  for (const auto& [id, job] : jobs_) {
    const JobSpec& s = job.spec;
    out += "job id=" + std::to_string(id) + " name=" + encode(s.name) +
           " state=" + std::string(job_state_name(job.state)) + " blocks=" + std::to_string(s.blocks) +
           " nodes=" + std::to_string(s.nodes) + " priority=" + std::to_string(s.priority) +
           " node=" + encode(s.node.value_or("")) +
           " kind=" + (s.kind ? std::string(kind_name(*s.kind)) : "-") +
           " migratable=" + (s.migratable ? "1" : "0") + " queued=" + std::to_string(job.queued_at) +
           " spans=" + encode_spans(job.spans) + " last=" + encode_spans(job.last_spans) +
           " reason=" + encode(job.reason) + "\n";
  }
  out += "end " + std::to_string(jobs_.size()) + "\n";
  return out;
}

Scheduler Scheduler::restore(std::shared_ptr<const Layout> layout, std::string_view text) {
  Scheduler scheduler(std::move(layout));
  std::istringstream lines{std::string(text)};
  std::string line;
  int number = 0;
  bool saw_layout = false;
  bool saw_end = false;
  while (std::getline(lines, line)) {
    Reader reader(++number);
    if (number == 1) {
      if (line != std::string(kMagic) + " " + std::to_string(kVersion)) {
        reader.fail("expected '" + std::string(kMagic) + " " + std::to_string(kVersion) + "', found '" +
                    line.substr(0, 60) + "'");
      }
      continue;
    }
    if (line.rfind("layout ", 0) == 0) {
      std::string expected = layout_fingerprint(scheduler.layout());
      if (line.substr(7) != expected) {
        throw Error("pool state was saved for another card layout ('" + line.substr(7) + "', now '" +
                    expected +
                    "'); jobs placed on the old layout cannot be kept: "
                    "drain the jobs before changing tflops.conf, or move the state file aside");
      }
      saw_layout = true;
    } else if (line.rfind("clock ", 0) == 0) {
      scheduler.queue_clock_ = reader.number<std::uint64_t>(std::string_view(line).substr(6));
    } else if (line.rfind("job ", 0) == 0) {
      auto f = fields(line, reader);
      for (const char* key : {"id", "name", "state", "blocks", "nodes", "priority", "node", "kind",
                              "migratable", "queued", "spans", "last", "reason"}) {
        if (!f.count(key)) reader.fail(std::string("job record without ") + key);
      }
      Job job;
      job.spec.id = reader.number<JobId>(f["id"]);
      job.spec.name = reader.decode(f["name"]);
      job.spec.blocks = reader.number<std::int64_t>(f["blocks"]);
      job.spec.nodes = reader.number<std::uint32_t>(f["nodes"]);
      job.spec.priority = reader.number<std::int64_t>(f["priority"]);
      if (f["node"] != "-") job.spec.node = reader.decode(f["node"]);
      if (f["kind"] != "-") {
        job.spec.kind = parse_kind(f["kind"]);
        if (!job.spec.kind) reader.fail("unknown kind '" + f["kind"] + "'");
      }
      job.spec.migratable = f["migratable"] == "1";
      job.queued_at = reader.number<std::uint64_t>(f["queued"]);
      job.spans = reader.spans(f["spans"]);
      job.last_spans = reader.spans(f["last"]);
      job.reason = reader.decode(f["reason"]);
      bool known_state = false;
      for (JobState s :
           {JobState::running, JobState::suspended, JobState::waiting, JobState::refused, JobState::ended}) {
        if (f["state"] == job_state_name(s)) job.state = s, known_state = true;
      }
      if (!known_state) reader.fail("unknown job state '" + f["state"] + "'");
      if (job.spec.id == kNoJob || scheduler.jobs_.count(job.spec.id)) {
        reader.fail("job id " + f["id"] + " is 0 or appears twice");
      }
      if ((job.state == JobState::running) == job.spans.empty()) {
        reader.fail("job " + f["id"] + " is " + f["state"] + " with spans '" + f["spans"] + "'");
      }
      if (job.spec.blocks < 1 || job.spec.nodes < 1) reader.fail("job " + f["id"] + " asks for nothing");
      if (!job.spans.empty()) {
        if (auto problem = spans_problem(scheduler.layout(), job.spec, job.spans); !problem.empty()) {
          reader.fail("running job " + f["id"] + " (" + f["blocks"] + " blocks on " + f["nodes"] +
                      " node(s)) holds " + problem);
        }
        if (!scheduler.pool_.is_free(job.spans)) {
          reader.fail("job " + f["id"] + " holds blocks outside the pool or held by another job");
        }
        scheduler.pool_.take(job.spans, job.spec.id);
      }
      JobState state = job.state;
      Job& stored = scheduler.jobs_.emplace(job.spec.id, std::move(job)).first->second;
      scheduler.set_state(stored, state);
    } else if (line.rfind("end ", 0) == 0) {
      if (reader.number<std::size_t>(std::string_view(line).substr(4)) != scheduler.jobs_.size()) {
        reader.fail("the end record counts " + line.substr(4) + " jobs, the file holds " +
                    std::to_string(scheduler.jobs_.size()));
      }
      saw_end = true;
    } else if (!line.empty()) {
      reader.fail("unknown record '" + line.substr(0, 40) + "'");
    }
    if (saw_end && line.rfind("end ", 0) != 0 && !line.empty()) reader.fail("a record after the end");
  }
  if (number == 0) throw Error("pool state is empty; move the state file aside to start with an empty pool");
  if (!saw_layout) Reader(number).fail("no layout record");
  if (!saw_end) Reader(number).fail("no end record: the file was cut short");
  return scheduler;
}

}  // namespace tflops::pool
