// SPDX-License-Identifier: GPL-2.0-or-later
// select/cons_tres_tflops' hooks that Slurm 24.11 calls differently: job_test, whose
// reservations argument became resv_exc_t (with the GRES reservations hold) and will_run_data_t.
#include "plugin_export.h"
#include "select_tflops.h"

namespace hooks = tflops::select::hooks;

extern "C" {

TFLOPS_EXPORT int select_p_job_test(job_record_t* job_ptr, bitstr_t* bitmap, uint32_t min_nodes,
                                    uint32_t max_nodes, uint32_t req_nodes, uint16_t mode,
                                    list_t* preemptee_candidates, list_t** preemptee_job_list,
                                    resv_exc_t* resv_exc_ptr, will_run_data_t* will_run_ptr) {
  return hooks::job_test(job_ptr, bitmap, min_nodes, max_nodes, req_nodes, mode, preemptee_candidates,
                         preemptee_job_list, {.resv_exc = resv_exc_ptr, .will_run = will_run_ptr});
}

}  // extern "C"

// These hooks as the loader calls them (slurm_common/compat/): a signature that differs stops the
// build here.
[[maybe_unused]] constexpr tflops::compat::SelectOps kLoaderTable{
    .job_test = select_p_job_test,
};
