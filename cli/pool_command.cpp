// SPDX-License-Identifier: GPL-2.0-or-later
// tflopsctl pool: the pool as the unit numbers it (registration, doc/design.md): every card with
// its node-local blocks (Slurm's GRES bit indices) and pool-wide blocks (the reference documents'
// numbers), and which blocks are free and which job holds the others.
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "block_ranges.h"
#include "card_json.h"
#include "card_table.h"
#include "command_line.h"
#include "commands.h"
#include "job_names.h"
#include "live_output.h"
#include "live_source.h"
#include "live_view.h"
#include "slurm_snapshot.h"
#include "text_file.h"
#include "text_table.h"
#include "tflops/pool/error.h"
#include "tflops/pool/inventory.h"
#include "tflops/pool/layout.h"
#include "tflops/pool/scheduler.h"

namespace tflops::cli {

namespace {

using json = nlohmann::ordered_json;

// A maximal run of a card's blocks with one owner (kNoJob: free), pool-wide.
struct Holding {
  pool::JobId job = pool::kNoJob;
  GlobalRange blocks;
};

std::vector<Holding> holdings(const pool::Scheduler& scheduler, const pool::CardLayout& card) {
  const auto& layout = scheduler.layout();
  std::vector<Holding> runs;
  for (std::uint32_t block = card.blocks.first; block < card.blocks.end(); ++block) {
    const auto owner = scheduler.blocks().owner(card.node, block);
    const auto global = layout.to_global(card.node, block);
    if (!runs.empty() && runs.back().job == owner) {
      runs.back().blocks.last = global;
    } else {
      runs.push_back({owner, {global, global}});
    }
  }
  return runs;
}

// Slurm jobs are named by their ids; scenario jobs by a name. Say "job 12" or "app1".
std::string holder(const pool::Scheduler& scheduler, pool::JobId id) {
  const auto name = job_name(scheduler, id);
  return name == std::to_string(id) ? "job " + name : name;
}

// "free", or "used 1-9 by job 12, free 10-18".
std::string usage_text(const pool::Scheduler& scheduler, const std::vector<Holding>& runs) {
  if (runs.size() == 1 && runs.front().job == pool::kNoJob) return "free";
  std::string text;
  for (const auto& run : runs) {
    if (!text.empty()) text += ", ";
    if (run.job == pool::kNoJob) {
      text += "free " + format_range(run.blocks);
    } else {
      text += "used " + format_range(run.blocks) + " by " + holder(scheduler, run.job);
    }
  }
  return text;
}

std::string region_order_text(const pool::PoolOptions& options) {
  std::string text;
  for (const auto kind : options.region_order) {
    if (!text.empty()) text += ",";
    text += pool::kind_name(kind);
  }
  return text;
}

void print_table(const pool::Scheduler& scheduler) {
  const auto& layout = scheduler.layout();
  const auto& inventory = layout.inventory();
  std::cout << "pool " << inventory.source << ": " << layout.nodes().size() << " nodes, "
            << layout.total_blocks() << " blocks of " << format_number(layout.options().block_tflops)
            << " TFLOPS, " << scheduler.blocks().free_blocks() << " free\n"
            << "regions " << region_order_text(layout.options()) << ", migration "
            << pool::migration_policy_name(layout.options().migration) << "\n\n";

  TextTable table = card_table(
      layout, [&](const pool::CardLayout& card) { return usage_text(scheduler, holdings(scheduler, card)); });
  table.print(std::cout);
}

json pool_json(const pool::Scheduler& scheduler) {
  const auto& layout = scheduler.layout();
  auto nodes = json::array();
  for (std::uint32_t node = 0; node < layout.nodes().size(); ++node) {
    const auto& node_layout = layout.nodes()[node];
    auto cards = json::array();
    for (const auto index : node_layout.cards) {
      const auto& card_layout = layout.cards()[index];
      auto used = json::array();
      for (const auto& run : holdings(scheduler, card_layout)) {
        if (run.job == pool::kNoJob) continue;
        used.push_back({{"job", job_name(scheduler, run.job)},
                        {"id", run.job},
                        {"first", run.blocks.first},
                        {"last", run.blocks.last}});
      }
      cards.emplace_back(card_json(layout, node, card_layout, std::move(used)));
    }
    nodes.push_back({{"name", node_layout.name},
                     {"blocks", node_layout.blocks},
                     {"free", scheduler.blocks().free_blocks(node, std::nullopt)},
                     {"cards", std::move(cards)}});
  }
  return {{"block_tflops", layout.options().block_tflops},
          {"total_blocks", layout.total_blocks()},
          {"free_blocks", scheduler.blocks().free_blocks()},
          {"migration_policy", pool::migration_policy_name(layout.options().migration)},
          {"nodes", std::move(nodes)}};
}

}  // namespace

int pool_command(const Args& args) {
  CommandSyntax syntax;
  syntax.synopsis =
      "tflopsctl pool --conf FILE [--json] [--state FILE]\n"
      "       tflopsctl pool --live [--conf FILE] [--json]";
  syntax.summary =
      "Shows every card of the card inventory FILE with its blocks, numbered per node from 0\n"
      "(LOCAL, Slurm's GRES bit index) and pool-wide from 1 (POOL), and which blocks are free.\n"
      "With --live, which Slurm job holds which blocks now, read from slurmctld.";
  syntax.options.add_options()(
      "conf,c", po::value<std::string>()->value_name("FILE"),
      "card inventory (tflops.conf); with --live it defaults to the tflops.conf beside "
      "$SLURM_CONF (or /etc/slurm/slurm.conf)")(
      "state", po::value<std::string>()->value_name("FILE"),
      "scheduler state (from 'tflopsctl simulate --save-state') for which jobs hold which "
      "blocks; without it every block is free")(
      "live",
      "read the running cluster through libslurm: the jobs holding blocks (running, "
      "and suspended with the blocks they held), node by node")("json", "print JSON instead of a table");

  const auto options = parse_command_line(args, syntax);
  if (!options) return 0;

  if (options->count("live")) {
    if (options->count("state")) {
      throw UsageError("--state and --live exclude each other: --live reads the jobs from Slurm",
                       usage_text(syntax));
    }
    std::optional<std::string> conf;
    if (options->count("conf")) conf = (*options)["conf"].as<std::string>();
    auto layout = std::make_shared<const pool::Layout>(load_live_inventory(conf));
    const auto view = build_live_view(layout, read_slurm());
    if (options->count("json")) {
      std::cout << live_json(view).dump(2) << "\n";
    } else {
      print_live_table(view, std::cout);
    }
    return 0;
  }
  if (!options->count("conf")) {
    throw UsageError("the option '--conf' is required (or --live)", usage_text(syntax));
  }

  auto layout = std::make_shared<const pool::Layout>(
      pool::load_inventory((*options)["conf"].as<std::string>()));

  std::optional<pool::Scheduler> scheduler;
  if (options->count("state")) {
    const auto& path = (*options)["state"].as<std::string>();
    try {
      scheduler.emplace(pool::Scheduler::restore(layout, read_text_file(path, "state file")));
    } catch (const pool::Error& error) {
      const std::string message = error.what();
      // restore() does not know the file's name; read_text_file's messages already carry it.
      if (message.find(path) != std::string::npos) throw;
      throw pool::Error("state file '" + path + "': " + message);
    }
  } else {
    scheduler.emplace(layout);
  }

  if (options->count("json")) {
    std::cout << pool_json(*scheduler).dump(2) << "\n";
  } else {
    print_table(*scheduler);
  }
  return 0;
}

}  // namespace tflops::cli
