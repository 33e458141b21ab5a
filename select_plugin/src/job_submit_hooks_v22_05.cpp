// SPDX-License-Identifier: GPL-2.0-or-later
// job_submit/tflops' hooks as Slurm 22.05 calls them (slurm_common/compat/v22_05/job_submit_ops.h).
// 22.05's job_modify has no message argument: a refused update's reason goes to slurmctld's log
// (refuse_job), and scontrol prints the error code's text, "Invalid generic resource (gres)
// specification". The job is left as it was.
#include "job_submit_tflops.h"
#include "plugin_export.h"
#include "slurm.h"

#include "compat/job_submit_ops.h"  // after slurm.h: the table uses its types

extern "C" {

TFLOPS_EXPORT int job_submit(job_desc_msg_t* job_desc, uint32_t, char** err_msg) {
  auto refusal = tflops::select::refuse_job(*job_desc, nullptr);
  if (!refusal) return SLURM_SUCCESS;
  *err_msg = xstrdup(refusal->c_str());
  return ESLURM_INVALID_GRES;
}

TFLOPS_EXPORT int job_modify(job_desc_msg_t* job_desc, job_record_t* job_ptr, uint32_t) {
  return tflops::select::refuse_job(*job_desc, job_ptr) ? ESLURM_INVALID_GRES : SLURM_SUCCESS;
}

}  // extern "C"

// The hooks as the loader calls them: a signature that differs stops the build here.
[[maybe_unused]] constexpr tflops::compat::JobSubmitOps kLoaderTable{.submit = job_submit,
                                                                     .modify = job_modify};
