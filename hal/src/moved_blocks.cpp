// SPDX-License-Identifier: GPL-2.0-or-later
// The job's blocks after a suspension, from Slurm: select/cons_tres_tflops moves a suspended job
// to other blocks (to give another job one contiguous run, or to resume a victim elsewhere), and
// a running process's environment cannot follow. SLURM_TFLOPS_LAYOUT (the node's whole card
// layout) is in the environment for exactly this: the new blocks are mapped onto it.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>

#include "allocation_text.h"
#include "job_env_contract.h"
#include "slurm_gres_text.h"
#include "tflops/hal/allocation.h"
#include "tflops/hal/error.h"
#include "tflops/pool/hostlist.h"

namespace tflops::hal {

namespace {

namespace contract = tflops::env_contract;

std::string get(const EnvMap& env, const std::string& name) {
  auto it = env.find(name);
  return it == env.end() ? std::string() : it->second;
}

// The GRES= text of `node`'s line in `scontrol show job -d` output ("" when the line has none).
std::optional<std::string> node_gres(std::string_view text, const std::string& node) {
  static const std::regex line(R"(^\s*Nodes=(\S+) .*?(?:GRES=(\S*))?\s*$)");
  std::istringstream in{std::string(text)};
  std::string row;
  std::smatch m;
  while (std::getline(in, row)) {
    if (!std::regex_match(row, m, line)) continue;
    for (const std::string& name : pool::expand_hostlist(m[1].str())) {
      if (name == node) return m[2].str();
    }
  }
  return std::nullopt;
}

}  // namespace

EnvMap env_after_move(const EnvMap& env, std::string_view scontrol_job_text) {
  const std::string node = get(env, contract::kVarNode);
  const std::string layout = get(env, contract::kVarLayout);
  if (node.empty() || layout.empty()) {
    throw Error(std::string(contract::kVarNode) + " or " + contract::kVarLayout +
                " is not set: cannot map the job's blocks after a move (a gres/tflops environment of "
                "version " +
                std::to_string(contract::kVersion) + " sets both)");
  }
  auto gres = node_gres(scontrol_job_text, node);
  if (!gres) throw Error("Slurm lists no blocks of this job on " + node);
  std::vector<gres::GresItem> items;
  try {
    items = gres::parse_gres_text(*gres);
  } catch (const pool::Error& e) {
    throw Error(std::string("Slurm's view of this job on ") + node + ": " + e.what());
  }
  std::vector<std::uint32_t> held;
  for (const auto& item : items) {
    if (item.name != "tflops" || !item.has_index) continue;
    if (!item.complete) {
      throw Error("Slurm cut this job's block list on " + node + " ('" + *gres +
                  "'): cannot tell where its blocks are now");
    }
    for (const auto& run : item.indexes) {
      for (std::uint32_t b = run.first; b < run.end(); ++b) held.push_back(b);
    }
  }
  std::sort(held.begin(), held.end());
  if (held.empty()) throw Error("Slurm lists no tflops blocks of this job on " + node);

  // SLURM_TFLOPS_CARDS again: each card of the layout that holds some of them, in block order.
  std::string cards;
  for (const detail::CardEntry& card : detail::parse_card_entries(layout, contract::kVarLayout, false)) {
    std::vector<std::uint32_t> mine;
    std::set_intersection(card.blocks.begin(), card.blocks.end(), held.begin(), held.end(),
                          std::back_inserter(mine));
    if (mine.empty()) continue;
    if (!cards.empty()) cards += ",";
    cards += card.kind + ":" + card.name + ":" + card.device + ":" + detail::format_ranges(mine);
  }
  EnvMap moved = env;
  moved[contract::kVarCards] = cards;
  moved[contract::kVarBlocks] = detail::format_ranges(held);
  return moved;
}

Allocation resumed_allocation() {
  EnvMap env = process_env();
  const char* job = getenv("SLURM_JOB_ID");
  if (!get(env, contract::kVarAllocFile).empty() || !job || get(env, contract::kVarLayout).empty()) {
    return current_allocation();
  }
  // scontrol is on every host that runs jobs (slurm-client); its -d output carries the blocks.
  const std::string command = "scontrol show job -d " + std::to_string(std::atol(job)) + " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  std::string text;
  if (pipe) {
    char buffer[4096];
    std::size_t got;
    while ((got = fread(buffer, 1, sizeof buffer, pipe.get())) > 0) text.append(buffer, got);
  }
  if (!pipe || text.find("JobId=") == std::string::npos) {
    throw Error("cannot ask Slurm where job " + std::string(job) + "'s blocks are now (`" + command +
                "` said: " + text + "); is slurmctld reachable from this node?");
  }
  Allocation alloc = allocation_from_env(env_after_move(env, text));
  alloc.source = "Slurm (scontrol show job -d " + std::string(job) + ")";
  return alloc;
}

}  // namespace tflops::hal
