// SPDX-License-Identifier: GPL-2.0-or-later
#include "live_output.h"

#include <string>
#include <vector>

#include "block_ranges.h"
#include "card_json.h"
#include "card_table.h"
#include "text_table.h"

namespace tflops::cli {

namespace {

using json = nlohmann::ordered_json;

std::string_view state_name(SlurmJobState state) {
  return state == SlurmJobState::running ? "running" : "suspended";
}

// A maximal run of a card's blocks with one owner, pool-wide.
struct Holding {
  BlockOwner owner;
  GlobalRange blocks;
};

std::vector<Holding> holdings(const LiveView& view, const pool::CardLayout& card) {
  std::vector<Holding> runs;
  const auto& owners = view.nodes[card.node].owners;
  for (auto block = card.blocks.first; block < card.blocks.end(); ++block) {
    const auto global = view.layout->to_global(card.node, block);
    if (!runs.empty() && runs.back().owner == owners[block]) {
      runs.back().blocks.last = global;
    } else {
      runs.push_back({owners[block], {global, global}});
    }
  }
  return runs;
}

// "free", or "used 1-9 by job 12, used 10-12 by job 18 (suspended), free 13-18".
std::string usage_text(const std::vector<Holding>& runs) {
  if (runs.size() == 1 && runs.front().owner.holder == Holder::none) return "free";
  std::string text;
  for (const auto& run : runs) {
    if (!text.empty()) text += ", ";
    const auto range = format_range(run.blocks);
    switch (run.owner.holder) {
      case Holder::none: text += "free " + range; break;
      case Holder::running: text += "used " + range + " by job " + std::to_string(run.owner.job); break;
      case Holder::suspended:
        text += "used " + range + " by job " + std::to_string(run.owner.job) + " (suspended)";
        break;
      case Holder::unknown: text += "used " + range + " (holder unknown)"; break;
    }
  }
  return text;
}

std::vector<GlobalRange> pool_ranges(const LiveView& view, const JobNodeBlocks& blocks) {
  std::vector<GlobalRange> ranges;
  if (!blocks.node_index) return ranges;
  for (const auto& range : blocks.blocks)
    ranges.push_back(to_global(*view.layout, *blocks.node_index, range));
  return ranges;
}

std::string local_text(const JobNodeBlocks& blocks) {
  std::string text;
  for (const auto& range : blocks.blocks) {
    if (!text.empty()) text += ",";
    text += format_range(range.first, range.end() - 1);
  }
  return text.empty() ? "-" : text;
}

// What a job's blocks on one node are doing, when that is not plain "held".
std::string note_text(const LiveJob& job, const JobNodeBlocks& blocks) {
  std::string note;
  if (!blocks.node_index) note = "node not in the card inventory";
  else if (!blocks.complete) note = "Slurm listed only some block numbers";
  else if (job.state == SlurmJobState::suspended && blocks.held == 0) note = "released its blocks";
  else if (job.state == SlurmJobState::suspended && blocks.held < blocks.count) {
    note = "released " + std::to_string(blocks.count - blocks.held) + " blocks";
  }
  return note;
}

std::string jobs_summary(const LiveView& view) {
  std::size_t running = 0;
  std::size_t suspended = 0;
  for (const auto& job : view.jobs) (job.state == SlurmJobState::running ? running : suspended)++;
  return std::to_string(running) + " running, " + std::to_string(suspended) + " suspended";
}

}  // namespace

void print_live_table(const LiveView& view, std::ostream& out) {
  const auto& layout = *view.layout;
  const auto& inventory = layout.inventory();
  out << "pool " << inventory.source << ", live from Slurm (" << view.slurm_conf
      << "): " << layout.nodes().size() << " nodes, " << layout.total_blocks() << " blocks of "
      << format_number(layout.options().block_tflops) << " TFLOPS, " << view.free_blocks() << " free\n"
      << "jobs holding blocks: " << jobs_summary(view) << "\n\n";

  TextTable cards = card_table(
      layout, [&](const pool::CardLayout& card) { return usage_text(holdings(view, card)); });
  cards.print(out);

  if (!view.jobs.empty()) {
    out << "\n";
    TextTable jobs({"JOB", "NAME", "USER", "STATE", "NODE", "BLOCKS", "LOCAL", "POOL", "NOTE"});
    for (const auto& job : view.jobs) {
      bool first_row = true;
      for (const auto& blocks : job.nodes) {
        jobs.add_row({first_row ? std::to_string(job.id) : "", first_row ? job.name : "",
                      first_row ? job.user : "", first_row ? std::string(state_name(job.state)) : "",
                      blocks.node, std::to_string(blocks.count), local_text(blocks),
                      format_ranges(pool_ranges(view, blocks)), note_text(job, blocks)});
        first_row = false;
      }
    }
    jobs.print(out);
  }
  for (const auto& warning : view.warnings) out << "\nwarning: " << warning;
  if (!view.warnings.empty()) out << "\n";
}

json live_json(const LiveView& view) {
  const auto& layout = *view.layout;
  const auto& inventory = layout.inventory();
  auto nodes = json::array();
  for (std::uint32_t node = 0; node < layout.nodes().size(); ++node) {
    const auto& node_layout = layout.nodes()[node];
    auto cards = json::array();
    for (const auto index : node_layout.cards) {
      const auto& card_layout = layout.cards()[index];
      auto used = json::array();
      for (const auto& run : holdings(view, card_layout)) {
        if (run.owner.holder == Holder::none) continue;
        json entry = run.owner.holder == Holder::unknown
                         ? json{{"job", nullptr}, {"id", nullptr}, {"state", "unknown"}}
                         : json{{"job", std::to_string(run.owner.job)},
                                {"id", run.owner.job},
                                {"state", run.owner.holder == Holder::running ? "running" : "suspended"}};
        entry["first"] = run.blocks.first;
        entry["last"] = run.blocks.last;
        used.push_back(std::move(entry));
      }
      cards.emplace_back(card_json(layout, node, card_layout, std::move(used)));
    }
    const auto& live = view.nodes[node];
    auto used_by_kind = json::object();
    for (const auto kind : pool::kAllKinds) {
      if (node_layout.regions[static_cast<std::size_t>(kind)].count == 0) continue;
      used_by_kind[std::string(pool::kind_name(kind))] = live.used[static_cast<std::size_t>(kind)];
    }
    nodes.push_back({{"name", node_layout.name},
                     {"state", live.state},
                     {"blocks", node_layout.blocks},
                     {"free", node_layout.blocks - live.used_total()},
                     {"used_by_kind", std::move(used_by_kind)},
                     {"cards", std::move(cards)}});
  }

  auto jobs = json::array();
  for (const auto& job : view.jobs) {
    auto job_nodes = json::array();
    for (const auto& blocks : job.nodes) {
      auto local = json::array();
      for (const auto& range : blocks.blocks) local.push_back({range.first, range.end() - 1});
      job_nodes.push_back({{"name", blocks.node},
                           {"blocks", blocks.count},
                           {"held", blocks.held},
                           {"complete", blocks.complete},
                           {"local", std::move(local)},
                           {"pool", ranges_json(pool_ranges(view, blocks))}});
    }
    jobs.push_back({{"id", job.id},
                    {"name", job.name},
                    {"user", job.user},
                    {"state", state_name(job.state)},
                    {"blocks", job.blocks()},
                    {"held", job.held()},
                    {"nodes", std::move(job_nodes)}});
  }

  return {{"source", "slurm"},
          {"slurm_conf", view.slurm_conf},
          {"inventory", inventory.source},
          {"block_tflops", layout.options().block_tflops},
          {"total_blocks", layout.total_blocks()},
          {"free_blocks", view.free_blocks()},
          {"nodes", std::move(nodes)},
          {"jobs", std::move(jobs)},
          {"warnings", view.warnings}};
}

}  // namespace tflops::cli
