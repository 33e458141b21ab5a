// SPDX-License-Identifier: GPL-2.0-or-later
// select/cons_tres_tflops' hooks that only Slurm 22.05 calls (23.02 dropped all but job_test,
// whose reservations argument it changed).
#include "cons_tres.h"
#include "plugin_export.h"
#include "select_tflops.h"

using tflops::select::cons_tres;
namespace hooks = tflops::select::hooks;

extern "C" {

TFLOPS_EXPORT int select_p_job_test(job_record_t* job_ptr, bitstr_t* bitmap, uint32_t min_nodes,
                                    uint32_t max_nodes, uint32_t req_nodes, uint16_t mode,
                                    list_t* preemptee_candidates, list_t** preemptee_job_list,
                                    bitstr_t* exc_core_bitmap) {
  return hooks::job_test(job_ptr, bitmap, min_nodes, max_nodes, req_nodes, mode, preemptee_candidates,
                         preemptee_job_list, {.exc_core_bitmap = exc_core_bitmap});
}
TFLOPS_EXPORT int select_p_job_signal(job_record_t* job_ptr, int signal) {
  return cons_tres.job_signal(job_ptr, signal);
}
TFLOPS_EXPORT char* select_p_select_jobinfo_sprint(select_jobinfo_t* jobinfo, char* buf, size_t size,
                                                   int mode) {
  return cons_tres.jobinfo_sprint(jobinfo, buf, size, mode);
}
TFLOPS_EXPORT char* select_p_select_jobinfo_xstrdup(select_jobinfo_t* jobinfo, int mode) {
  return cons_tres.jobinfo_xstrdup(jobinfo, mode);
}
TFLOPS_EXPORT int select_p_update_node_config(int index) { return cons_tres.update_node_config(index); }
TFLOPS_EXPORT bitstr_t* select_p_resv_test(resv_desc_msg_t* resv_desc_ptr, uint32_t node_cnt,
                                           bitstr_t* avail_bitmap, bitstr_t** core_bitmap) {
  return cons_tres.resv_test(resv_desc_ptr, node_cnt, avail_bitmap, core_bitmap);
}

}  // extern "C"

// These hooks as the loader calls them (slurm_common/compat/): a signature that differs stops the
// build here.
[[maybe_unused]] constexpr tflops::compat::SelectOps kLoaderTable{
    .job_test = select_p_job_test,
    .job_signal = select_p_job_signal,
    .jobinfo_sprint = select_p_select_jobinfo_sprint,
    .jobinfo_xstrdup = select_p_select_jobinfo_xstrdup,
    .update_node_config = select_p_update_node_config,
    .resv_test = select_p_resv_test,
};
