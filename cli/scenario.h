// SPDX-License-Identifier: GPL-2.0-or-later
// Scenario files for `tflopsctl simulate`: a job mix replayed on the scheduler, one step a line.
//
//   # '#' starts a comment; blank lines are skipped
//   submit JOB BLOCKS [priority=P] [node=NODE] [nodes=K] [kind=gpu|npu|fpga] [migratable=yes|no]
//   end JOB
//
// BLOCKS is per node. Jobs get ids 1, 2, 3... in the order they are submitted; JOB is the name.
// The whole file is checked before any step runs, so a typo on the last line costs no output.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tflops/pool/layout.h"
#include "tflops/pool/scheduler.h"

namespace tflops::cli {

enum class StepVerb { submit, end };

struct ScenarioStep {
  int line = 0;      // 1-based line in the file
  std::string text;  // the step as written, without its comment and outer blanks
  StepVerb verb = StepVerb::submit;
  pool::JobId job = pool::kNoJob;  // the job the step submits or ends
  pool::JobSpec spec;              // submit only: the whole request
};

struct Scenario {
  std::string source;  // the file name, for messages
  std::vector<ScenarioStep> steps;

  // "SOURCE:LINE", to prefix messages about a step.
  std::string where(const ScenarioStep& step) const;
};

// Throws tflops::pool::Error naming SOURCE:LINE, the offending word and the fix. `layout` is the
// pool the scenario runs on, for node and kind names.
Scenario parse_scenario(std::string_view text, std::string source, const pool::Layout& layout);
Scenario load_scenario(const std::string& path, const pool::Layout& layout);

}  // namespace tflops::cli
