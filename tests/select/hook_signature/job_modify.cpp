// Compiled by hook_signature_test.sh, once as is and once with -DWITH_ERR_MSG: a job_modify
// exported with Slurm 23.02's four arguments, built against a Slurm whose loader calls it with
// three (22.05), must stop the build at the plugin's loader table, as job_submit_hooks_v*.cpp
// declares it.
#include "slurm.h"

#include "compat/job_submit_ops.h"  // after slurm.h: the table uses its types

extern "C" {
int job_submit(job_desc_msg_t*, uint32_t, char**) { return SLURM_SUCCESS; }
#ifdef WITH_ERR_MSG
int job_modify(job_desc_msg_t*, job_record_t*, uint32_t, char**) { return SLURM_SUCCESS; }
#else
int job_modify(job_desc_msg_t*, job_record_t*, uint32_t) { return SLURM_SUCCESS; }
#endif
}

[[maybe_unused]] constexpr tflops::compat::JobSubmitOps kLoaderTable{.submit = job_submit, .modify = job_modify};
