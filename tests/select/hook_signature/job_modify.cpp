// SPDX-License-Identifier: GPL-2.0-or-later
// Compiled by hook_signature_test.sh, once as is and once with -DWRONG_SIGNATURE: a job_modify
// exported with another generation's arguments than the Slurm built against calls it with (22.05:
// three, 23.02 and later: four, with err_msg) must stop the build at the plugin's loader table, as
// job_submit_hooks_v*.cpp declares it.
#include "slurm.h"

#include "compat/job_submit_ops.h"  // after slurm.h: the table uses its types

#if SLURM_VERSION_NUMBER < SLURM_VERSION_NUM(23, 2, 0)
#define LOADER_ARGS job_desc_msg_t*, job_record_t*, uint32_t
#define OTHER_ARGS job_desc_msg_t*, job_record_t*, uint32_t, char**
#else
#define LOADER_ARGS job_desc_msg_t*, job_record_t*, uint32_t, char**
#define OTHER_ARGS job_desc_msg_t*, job_record_t*, uint32_t
#endif

extern "C" {
int job_submit(job_desc_msg_t*, uint32_t, char**) { return SLURM_SUCCESS; }
#ifdef WRONG_SIGNATURE
int job_modify(OTHER_ARGS) { return SLURM_SUCCESS; }
#else
int job_modify(LOADER_ARGS) { return SLURM_SUCCESS; }
#endif
}

[[maybe_unused]] constexpr tflops::compat::JobSubmitOps kLoaderTable{.submit = job_submit,
                                                                     .modify = job_modify};
