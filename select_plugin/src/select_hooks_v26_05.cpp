// SPDX-License-Identifier: GPL-2.0-or-later
// select/cons_tres_tflops' hooks that Slurm 26.05 calls differently: job_test (as 24.11's),
// job_mem_reduce (new in 26.05), and node_init, which is where the state file is read: 25.05 and
// later call no state_save, state_restore or job_init, and node_init runs once slurmctld has
// loaded its jobs (and again at every reconfigure). The file is written whenever it changes
// (state_file.h).
#include "cons_tres.h"
#include "plugin_export.h"
#include "select_tflops.h"
#include "state_file.h"

using tflops::select::cons_tres;
namespace hooks = tflops::select::hooks;

extern "C" {

TFLOPS_EXPORT int select_p_node_init(void) {
  int rc = hooks::node_init();
  if (rc != SLURM_SUCCESS || !running_in_slurmctld()) return rc;
  rc = tflops::select::restore_state();
  tflops::select::prune_state();
  return rc;
}

TFLOPS_EXPORT int select_p_job_test(job_record_t* job_ptr, bitstr_t* bitmap, uint32_t min_nodes,
                                    uint32_t max_nodes, uint32_t req_nodes, uint16_t mode,
                                    list_t* preemptee_candidates, list_t** preemptee_job_list,
                                    resv_exc_t* resv_exc_ptr, will_run_data_t* will_run_ptr) {
  return hooks::job_test(job_ptr, bitmap, min_nodes, max_nodes, req_nodes, mode, preemptee_candidates,
                         preemptee_job_list, {.resv_exc = resv_exc_ptr, .will_run = will_run_ptr});
}

TFLOPS_EXPORT void select_p_job_mem_reduce(job_record_t* job_ptr) { cons_tres.job_mem_reduce(job_ptr); }

}  // extern "C"

// These hooks as the loader calls them (slurm_common/compat/): a signature that differs stops the
// build here.
[[maybe_unused]] constexpr tflops::compat::SelectOps kLoaderTable{
    .node_init = select_p_node_init,
    .job_test = select_p_job_test,
    .job_mem_reduce = select_p_job_mem_reduce,
};
