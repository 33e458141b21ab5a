// SPDX-License-Identifier: GPL-2.0-or-later
// job_submit/tflops' decision, shared by the hooks of each Slurm version
// (job_submit_hooks_v*.cpp, chosen by the build): whether a submission or an update asks for
// tflops blocks that no node could ever hold.
#pragma once

#include <optional>
#include <string>

#include "slurm.h"

namespace tflops::select {

// The refusal of job_desc's tflops request, in words naming the value and the fix, or nothing
// when it may run (or names no tflops blocks). job_ptr is the job an update changes (null at
// submission): a count of nodes the update leaves alone is the job's own. A refusal is written
// to slurmctld's log, naming the job.
std::optional<std::string> refuse_job(const job_desc_msg_t& job_desc, const job_record_t* job_ptr);

}  // namespace tflops::select
