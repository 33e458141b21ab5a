// SPDX-License-Identifier: GPL-2.0-or-later
// Slurm 24.11's slurmctld internals for the select plugin (see ../slurmctld.h).
#pragma once

#include "slurmctld_headers.h"

namespace tflops::compat {

// Suspends or resumes a job as gang scheduling does (indf_susp false).
inline int suspend_job(job_record_t* job, uint16_t op) {
  suspend_msg_t msg = {};
  msg.op = op;
  msg.job_id = job->job_id;
  return job_suspend(nullptr, &msg, 0, false, NO_VAL16);
}

}  // namespace tflops::compat
