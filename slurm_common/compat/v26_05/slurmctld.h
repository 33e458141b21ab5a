// SPDX-License-Identifier: GPL-2.0-or-later
// Slurm 26.05's slurmctld internals for the select plugin (see ../slurmctld.h): as 24.11's, but
// a suspend message names a step (src/slurmctld/gang.c fills it the same way).
#pragma once

#include "../v24_11/slurmctld_headers.h"

namespace tflops::compat {

// Suspends or resumes a job as gang scheduling does (indf_susp false). job_suspend writes the
// job id as text into the message; it is freed here.
inline int suspend_job(job_record_t* job, uint16_t op) {
  suspend_msg_t msg = {};
  msg.op = op;
  // As STEP_ID_FROM_JOB_RECORD (src/common/job_record.h), whose designators C++ takes in
  // declaration order only.
  msg.step_id.sluid = job->step_id.sluid;
  msg.step_id.job_id = job->job_id;
  msg.step_id.step_id = NO_VAL;
  msg.step_id.step_het_comp = NO_VAL;
  int rc = job_suspend(nullptr, &msg, 0, false, NO_VAL16);
  xfree(msg.job_id_str);
  return rc;
}

}  // namespace tflops::compat
