// SPDX-License-Identifier: GPL-2.0-or-later
// select/cons_tres_tflops' hooks that every Slurm version calls alike: the version-free ones of
// select_tflops.h, the rest straight to cons_tres. The hooks of one version only are in
// select_hooks_v*.cpp (and select_hooks_up_to_24_11.cpp).
#include "cons_tres.h"
#include "plugin_export.h"
#include "select_tflops.h"

using tflops::select::cons_tres;
namespace hooks = tflops::select::hooks;

extern "C" {

TFLOPS_EXPORT int select_p_job_begin(job_record_t* job_ptr) { return cons_tres.job_begin(job_ptr); }
TFLOPS_EXPORT int select_p_job_ready(job_record_t* job_ptr) { return cons_tres.job_ready(job_ptr); }
TFLOPS_EXPORT int select_p_job_expand(job_record_t* from_job_ptr, job_record_t* to_job_ptr) {
  return cons_tres.job_expand(from_job_ptr, to_job_ptr);
}
TFLOPS_EXPORT int select_p_job_resized(job_record_t* job_ptr, node_record_t* node_ptr) {
  return cons_tres.job_resized(job_ptr, node_ptr);
}
TFLOPS_EXPORT int select_p_job_fini(job_record_t* job_ptr) { return hooks::job_fini(job_ptr); }
TFLOPS_EXPORT int select_p_job_suspend(job_record_t* job_ptr, bool indf_susp) {
  return hooks::job_suspend(job_ptr, indf_susp);
}
TFLOPS_EXPORT int select_p_job_resume(job_record_t* job_ptr, bool indf_susp) {
  return hooks::job_resume(job_ptr, indf_susp);
}
TFLOPS_EXPORT int select_p_select_nodeinfo_set_all(void) { return cons_tres.nodeinfo_set_all(); }
TFLOPS_EXPORT int select_p_select_nodeinfo_set(job_record_t* job_ptr) { return hooks::nodeinfo_set(job_ptr); }
TFLOPS_EXPORT int select_p_reconfigure(void) { return hooks::reconfigure(); }

}  // extern "C"

// These hooks as the loader calls them (slurm_common/compat/): a signature that differs stops the
// build here.
[[maybe_unused]] constexpr tflops::compat::SelectOps kLoaderTable{
    .job_begin = select_p_job_begin,
    .job_ready = select_p_job_ready,
    .job_expand = select_p_job_expand,
    .job_resized = select_p_job_resized,
    .job_fini = select_p_job_fini,
    .job_suspend = select_p_job_suspend,
    .job_resume = select_p_job_resume,
    .nodeinfo_set_all = select_p_select_nodeinfo_set_all,
    .nodeinfo_set = select_p_select_nodeinfo_set,
    .reconfigure = select_p_reconfigure,
};
