// SPDX-License-Identifier: GPL-2.0-or-later
#include "select_tflops.h"

#include <memory>
#include <vector>

#include "cons_tres.h"
#include "placement.h"
#include "plugin_export.h"
#include "plugin_state.h"
#include "preemption.h"
#include "resumer.h"
#include "state_file.h"
#include "suspension.h"

extern "C" {
TFLOPS_EXPORT extern const char plugin_name[] =
    "cons_tres with TFLOPS blocks: contiguous runs, suspend-and-release preemption";
// "cons_tres" in the name: Slurm's read_config.c, node_mgr.c and gres_stepmgr.c test for it.
TFLOPS_EXPORT extern const char plugin_type[] = "select/cons_tres_tflops";
TFLOPS_EXPORT extern const uint32_t plugin_id = tflops::compat::kSelectPluginId;
TFLOPS_EXPORT extern const uint32_t plugin_version = SLURM_VERSION_NUMBER;

TFLOPS_EXPORT int init(void) { return tflops::select::load_cons_tres(); }

TFLOPS_EXPORT int fini(void) {
  tflops::select::stop_resumer();
  tflops::select::unload_cons_tres();
  tflops::select::forget_state();
  return SLURM_SUCCESS;
}
}  // extern "C"

namespace tflops::select::hooks {

int node_init() {
  if (load_inventory() != SLURM_SUCCESS) return SLURM_ERROR;
  if (running_in_slurmctld()) start_resumer();
  return cons_tres.node_init();
}

int job_test(job_record_t* job_ptr, bitstr_t* bitmap, uint32_t min_nodes, uint32_t max_nodes,
             uint32_t req_nodes, uint16_t mode, list_t* preemptee_candidates, list_t** preemptee_job_list,
             const compat::JobTestExtra& extra) {
  if ((mode & SELECT_MODE_BASE) != SELECT_MODE_RUN_NOW || !g_view) {
    return compat::job_test(cons_tres, job_ptr, bitmap, min_nodes, max_nodes, req_nodes, mode,
                            preemptee_candidates, preemptee_job_list, extra);
  }
  // First on the nodes where the job's blocks cost least to place (in one free run, else by
  // stopping the fewest running jobs), without preempting anyone; then, when that fails, as
  // cons_tres would have.
  bitstr_t* original = bit_copy(bitmap);
  int rc = SLURM_ERROR;
  OwnedBitmap steered;
  guarded("job_test", 0, [&] {
    steered = cheapest_nodes(job_ptr, bitmap, min_nodes);
    return 0;
  });
  if (steered) {
    rc = compat::job_test(cons_tres, job_ptr, steered.get(), min_nodes, max_nodes, req_nodes, mode, nullptr,
                          nullptr, extra);
    if (rc == SLURM_SUCCESS) bit_copybits(bitmap, steered.get());
  }
  if (rc != SLURM_SUCCESS)
    rc = compat::job_test(cons_tres, job_ptr, bitmap, min_nodes, max_nodes, req_nodes, mode,
                          preemptee_candidates, preemptee_job_list, extra);
  if (rc == SLURM_SUCCESS) {
    rc = guarded("job_test", rc, [&] {
      if (preemptee_job_list && *preemptee_job_list && list_count(*preemptee_job_list) > 0) {
        return suspend_victims_and_place(job_ptr, bitmap, min_nodes, max_nodes, req_nodes, mode,
                                         preemptee_candidates, preemptee_job_list, extra, original);
      }
      place_contiguously(job_ptr, extra);
      return rc;
    });
  }
  FREE_NULL_BITMAP(original);
  save_state_if_changed();
  return rc;
}

int job_fini(job_record_t* job_ptr) {
  int rc = on_job_fini(job_ptr);
  save_state_if_changed();
  return rc;
}

int job_suspend(job_record_t* job_ptr, bool indf_susp) {
  int rc = on_job_suspend(job_ptr, indf_susp);
  save_state_if_changed();
  return rc;
}

int job_resume(job_record_t* job_ptr, bool indf_susp) {
  int rc = on_job_resume(job_ptr, indf_susp);
  save_state_if_changed();
  return rc;
}

int nodeinfo_set(job_record_t* job_ptr) {
  HiddenWhileRebuilding hidden(job_ptr);
  return cons_tres.nodeinfo_set(job_ptr);
}

int reconfigure() {
  // cons_tres rebuilds every node's usage from the jobs: what the suspended ones gave away must
  // not count.
  std::vector<std::unique_ptr<HiddenWhileRebuilding>> hidden;
  if (g_suspended) {
    for (const auto& job : g_suspended->all()) {
      job_record_t* record = find_job_record(job.job);
      if (record) hidden.push_back(std::make_unique<HiddenWhileRebuilding>(record));
    }
  }
  return cons_tres.reconfigure();
}

}  // namespace tflops::select::hooks
