// SPDX-License-Identifier: GPL-2.0-or-later
// The check job_submit/tflops makes at submission: a tflops request that no node (or the whole
// pool) could ever hold, a request for zero blocks, or a malformed one is refused with a message
// that says what is wrong and what to ask for instead, rather than pending forever.
//
// Input is Slurm's TRES string as sbatch/srun/salloc send it, e.g. "gres:tflops:gpu:10" or
// "gres:gpu:1,gres:tflops:50" (entries for other GRES are ignored). Slurm-free.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tflops/pool/layout.h"

namespace tflops::select {

struct RequestShape {
  std::string_view tres_per_node;  // --gres
  std::string_view tres_per_job;   // --tres-per-job
  std::uint32_t min_nodes = 1;     // -N
};

// nullopt when the request can run on this pool some day; else the message for the user.
std::optional<std::string> refuse_request(const RequestShape& request, const pool::Layout& layout);

}  // namespace tflops::select
