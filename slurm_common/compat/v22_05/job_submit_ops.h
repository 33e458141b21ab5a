// SPDX-License-Identifier: GPL-2.0-or-later
// Slurm 22.05's job_submit hooks as its loader calls them: slurm_submit_ops_t, private to
// src/slurmctld/job_submit.c. job_modify has no err_msg argument (it came in 23.02).
// Needs slurm.h and src/slurmctld/slurmctld.h (job_record_t) included first.
#pragma once

#include <cstdint>

namespace tflops::compat {

struct JobSubmitOps {
  int (*submit)(job_desc_msg_t* job_desc, uint32_t submit_uid, char** err_msg);
  int (*modify)(job_desc_msg_t* job_desc, job_record_t* job_ptr, uint32_t submit_uid);
};

}  // namespace tflops::compat
