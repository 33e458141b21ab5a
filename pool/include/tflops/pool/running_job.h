// SPDX-License-Identifier: GPL-2.0-or-later
// What the planners need to know about a job that holds blocks. The scheduler and the Slurm
// select plugin each build these from their own job records.
#pragma once

#include <cstdint>
#include <optional>

#include "tflops/pool/block_pool.h"

namespace tflops::pool {

struct RunningJob {
  JobId id = kNoJob;
  std::int64_t priority = 0;
  Spans spans;
  std::optional<Kind> kind;  // the region it must stay in when it moves
  bool migratable = true;
};

}  // namespace tflops::pool
