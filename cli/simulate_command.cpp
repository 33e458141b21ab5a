// SPDX-License-Identifier: GPL-2.0-or-later
// tflopsctl simulate: replays a scenario on the scheduler and shows, after each step, what the
// scheduler did (its events) and where every job stands. It is how an admin tries a policy
// (MigrationPolicy, PreemptMinPriorityGap) on a job mix before loading it into slurmctld.
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "block_ranges.h"
#include "command_line.h"
#include "commands.h"
#include "job_names.h"
#include "scenario.h"
#include "text_file.h"
#include "text_table.h"
#include "tflops/pool/error.h"
#include "tflops/pool/inventory.h"
#include "tflops/pool/layout.h"
#include "tflops/pool/scheduler.h"

namespace tflops::cli {

namespace {

using json = nlohmann::ordered_json;

// "moved app2 4-6 -> 1-3", "started app1 1-3", "suspended low 1-63 (detail)".
std::string describe(const pool::Scheduler& scheduler, const pool::Event& event) {
  const auto& layout = scheduler.layout();
  std::string text(pool::event_type_name(event.type));
  text += " " + job_name(scheduler, event.job);
  const auto from = to_global(layout, event.from);
  const auto to = to_global(layout, event.to);
  if (!from.empty()) text += " " + format_ranges(from);
  if (!from.empty() && !to.empty()) text += " ->";
  if (!to.empty()) text += " " + format_ranges(to);
  if (!event.detail.empty()) text += " (" + event.detail + ")";
  return text;
}

void print_step_text(const pool::Scheduler& scheduler, std::size_t number, const ScenarioStep& step,
                     const std::vector<pool::Event>& events) {
  const auto& layout = scheduler.layout();
  std::cout << "step " << number << " (line " << step.line << "): " << step.text << "\n";
  for (const auto& event : events) std::cout << "  " << describe(scheduler, event) << "\n";

  TextTable table({"JOB", "STATE", "BLOCKS", "REASON"});
  for (const auto& [id, job] : scheduler.jobs()) {
    table.add_row({job_name(scheduler, id), std::string(pool::job_state_name(job.state)),
                   format_ranges(to_global(layout, job.spans)), job.reason});
  }
  table.print(std::cout, "  ");
  std::cout << "  free: " << format_ranges(free_ranges(scheduler.blocks())) << " ("
            << scheduler.blocks().free_blocks() << " of " << layout.total_blocks() << " blocks)\n\n";
}

json step_json(const pool::Scheduler& scheduler, std::size_t number, const ScenarioStep& step,
               const std::vector<pool::Event>& events) {
  const auto& layout = scheduler.layout();
  auto event_list = json::array();
  for (const auto& event : events) {
    event_list.push_back({{"type", pool::event_type_name(event.type)},
                          {"job", job_name(scheduler, event.job)},
                          {"from", ranges_json(to_global(layout, event.from))},
                          {"to", ranges_json(to_global(layout, event.to))},
                          {"detail", event.detail}});
  }
  auto job_list = json::array();
  for (const auto& [id, job] : scheduler.jobs()) {
    job_list.push_back({{"name", job_name(scheduler, id)},
                        {"id", id},
                        {"state", pool::job_state_name(job.state)},
                        {"blocks", ranges_json(to_global(layout, job.spans))},
                        {"reason", job.reason}});
  }
  return {{"step", number},
          {"line", step.text},
          {"events", std::move(event_list)},
          {"jobs", std::move(job_list)},
          {"free", ranges_json(free_ranges(scheduler.blocks()))}};
}

}  // namespace

int simulate_command(const Args& args) {
  CommandSyntax syntax;
  syntax.synopsis = "tflopsctl simulate --conf FILE SCENARIO [--json] [--save-state FILE]";
  syntax.summary =
      "Replays SCENARIO on the pool of the card inventory FILE and shows, after each step, the\n"
      "scheduler's events (started, moved, suspended, resumed, refused, waiting, ended) and every\n"
      "job's state with its pool-wide blocks (1-based, inclusive).";
  syntax.options.add_options()("conf,c", po::value<std::string>()->required()->value_name("FILE"),
                               "card inventory (tflops.conf)")(
      "json", "one JSON object per step and line: {\"step\", \"line\", \"events\", \"jobs\", \"free\"}")(
      "save-state", po::value<std::string>()->value_name("FILE"),
      "write the scheduler's state after the last step, for 'tflopsctl pool --state FILE'");
  syntax.positionals.add_options()("scenario", po::value<std::string>()->required(), "scenario file");
  syntax.positional.add("scenario", 1);
  syntax.epilog =
      "Scenario file, one step a line ('#' starts a comment):\n"
      "  submit JOB BLOCKS [priority=P] [node=NODE] [nodes=K] [kind=gpu|npu|fpga] "
      "[migratable=yes|no]\n"
      "  end JOB\n"
      "BLOCKS is per node; priority defaults to 0, nodes to 1, migratable to yes.\n";

  const auto options = parse_command_line(args, syntax);
  if (!options) return 0;
  const bool as_json = options->count("json") > 0;

  auto layout = std::make_shared<const pool::Layout>(
      pool::load_inventory((*options)["conf"].as<std::string>()));
  const Scenario scenario = load_scenario((*options)["scenario"].as<std::string>(), *layout);

  pool::Scheduler scheduler(layout);
  std::size_t number = 0;
  for (const auto& step : scenario.steps) {
    ++number;
    std::vector<pool::Event> events;
    try {
      events = step.verb == StepVerb::submit ? scheduler.submit(step.spec) : scheduler.end(step.job);
    } catch (const pool::Error& error) {
      std::cout.flush();  // the steps before stay readable above the error
      throw pool::Error(scenario.where(step) + ": " + error.what());
    }
    if (as_json) {
      // One object per line, flushed, so that a reader can follow a long replay as it goes.
      std::cout << step_json(scheduler, number, step, events).dump() << std::endl;
    } else {
      print_step_text(scheduler, number, step, events);
    }
  }

  if (options->count("save-state")) {
    write_text_file((*options)["save-state"].as<std::string>(), scheduler.save(), "state file");
  }
  return 0;
}

}  // namespace tflops::cli
