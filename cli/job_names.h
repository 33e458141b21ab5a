// SPDX-License-Identifier: GPL-2.0-or-later
// Job names for output: the name a job was submitted with, or its id when it has none.
#pragma once

#include <string>

#include "tflops/pool/scheduler.h"

namespace tflops::cli {

inline std::string job_name(const pool::Scheduler& scheduler, pool::JobId id) {
  const auto it = scheduler.jobs().find(id);
  if (it == scheduler.jobs().end() || it->second.spec.name.empty()) return std::to_string(id);
  return it->second.spec.name;
}

}  // namespace tflops::cli
