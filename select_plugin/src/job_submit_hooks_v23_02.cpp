// SPDX-License-Identifier: GPL-2.0-or-later
// job_submit/tflops' hooks as Slurm 23.02 and later call them (slurm_common/compat/v24_11/
// job_submit_ops.h): job_modify tells the user why through err_msg, as job_submit does.
#include "job_submit_tflops.h"
#include "plugin_export.h"
#include "slurm.h"

#include "compat/job_submit_ops.h"  // after slurm.h: the table uses its types

namespace {

int refuse(const job_desc_msg_t* job_desc, const job_record_t* job_ptr, char** err_msg) {
  auto refusal = tflops::select::refuse_job(*job_desc, job_ptr);
  if (!refusal) return SLURM_SUCCESS;
  *err_msg = xstrdup(refusal->c_str());
  return ESLURM_INVALID_GRES;
}

}  // namespace

extern "C" {

TFLOPS_EXPORT int job_submit(job_desc_msg_t* job_desc, uint32_t, char** err_msg) {
  return refuse(job_desc, nullptr, err_msg);
}

TFLOPS_EXPORT int job_modify(job_desc_msg_t* job_desc, job_record_t* job_ptr, uint32_t, char** err_msg) {
  return refuse(job_desc, job_ptr, err_msg);
}

}  // extern "C"

// The hooks as the loader calls them: a signature that differs stops the build here.
[[maybe_unused]] constexpr tflops::compat::JobSubmitOps kLoaderTable{.submit = job_submit,
                                                                     .modify = job_modify};
