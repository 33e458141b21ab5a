// SPDX-License-Identifier: GPL-2.0-or-later
// select/cons_tres_tflops' hooks that Slurm 22.05 and 24.11 call and 25.05 dropped: the state
// file's (state_file.h: it is also written whenever it changes, which is all 25.05 and later
// rely on), and the step, node and job info hooks, straight to cons_tres.
#include "cons_tres.h"
#include "plugin_export.h"
#include "select_tflops.h"
#include "state_file.h"

using tflops::select::cons_tres;
namespace hooks = tflops::select::hooks;

extern "C" {

// The state file is written whenever it changes (state_file.h); Slurm asks here too.
TFLOPS_EXPORT int select_p_state_save(char* dir_name) {
  tflops::select::save_state_if_changed();
  return cons_tres.state_save(dir_name);
}
TFLOPS_EXPORT int select_p_state_restore(char* dir_name) {
  int rc = cons_tres.state_restore(dir_name);
  int ours = tflops::select::restore_state();
  return rc != SLURM_SUCCESS ? rc : ours;
}
// Slurm has loaded its jobs: forget the released ones that ended or resumed while it was down.
TFLOPS_EXPORT int select_p_job_init(list_t* jobs) {
  int rc = cons_tres.job_init(jobs);
  tflops::select::prune_state();
  return rc;
}
TFLOPS_EXPORT int select_p_node_init(void) { return hooks::node_init(); }
TFLOPS_EXPORT bitstr_t* select_p_step_pick_nodes(job_record_t* job_ptr, select_jobinfo_t* step_jobinfo,
                                                 uint32_t node_count, bitstr_t** avail_nodes) {
  return cons_tres.step_pick_nodes(job_ptr, step_jobinfo, node_count, avail_nodes);
}
TFLOPS_EXPORT int select_p_step_start(step_record_t* step_ptr) { return cons_tres.step_start(step_ptr); }
TFLOPS_EXPORT int select_p_step_finish(step_record_t* step_ptr, bool killing_step) {
  return cons_tres.step_finish(step_ptr, killing_step);
}
TFLOPS_EXPORT int select_p_select_nodeinfo_pack(select_nodeinfo_t* nodeinfo, buf_t* buffer,
                                                uint16_t protocol_version) {
  return cons_tres.nodeinfo_pack(nodeinfo, buffer, protocol_version);
}
TFLOPS_EXPORT int select_p_select_nodeinfo_unpack(select_nodeinfo_t** nodeinfo, buf_t* buffer,
                                                  uint16_t protocol_version) {
  return cons_tres.nodeinfo_unpack(nodeinfo, buffer, protocol_version);
}
TFLOPS_EXPORT select_nodeinfo_t* select_p_select_nodeinfo_alloc(void) { return cons_tres.nodeinfo_alloc(); }
TFLOPS_EXPORT int select_p_select_nodeinfo_free(select_nodeinfo_t* nodeinfo) {
  return cons_tres.nodeinfo_free(nodeinfo);
}
TFLOPS_EXPORT int select_p_select_nodeinfo_get(select_nodeinfo_t* nodeinfo, enum select_nodedata_type dinfo,
                                               enum node_states state, void* data) {
  return cons_tres.nodeinfo_get(nodeinfo, dinfo, state, data);
}
TFLOPS_EXPORT select_jobinfo_t* select_p_select_jobinfo_alloc(void) { return cons_tres.jobinfo_alloc(); }
TFLOPS_EXPORT int select_p_select_jobinfo_free(select_jobinfo_t* jobinfo) {
  return cons_tres.jobinfo_free(jobinfo);
}
TFLOPS_EXPORT int select_p_select_jobinfo_set(select_jobinfo_t* jobinfo, enum select_jobdata_type data_type,
                                              void* data) {
  return cons_tres.jobinfo_set(jobinfo, data_type, data);
}
TFLOPS_EXPORT int select_p_select_jobinfo_get(select_jobinfo_t* jobinfo, enum select_jobdata_type data_type,
                                              void* data) {
  return cons_tres.jobinfo_get(jobinfo, data_type, data);
}
TFLOPS_EXPORT select_jobinfo_t* select_p_select_jobinfo_copy(select_jobinfo_t* jobinfo) {
  return cons_tres.jobinfo_copy(jobinfo);
}
TFLOPS_EXPORT int select_p_select_jobinfo_pack(select_jobinfo_t* jobinfo, buf_t* buffer,
                                               uint16_t protocol_version) {
  return cons_tres.jobinfo_pack(jobinfo, buffer, protocol_version);
}
TFLOPS_EXPORT int select_p_select_jobinfo_unpack(select_jobinfo_t** jobinfo, buf_t* buffer,
                                                 uint16_t protocol_version) {
  return cons_tres.jobinfo_unpack(jobinfo, buffer, protocol_version);
}
TFLOPS_EXPORT int select_p_get_info_from_plugin(enum select_plugindata_info dinfo, job_record_t* job_ptr,
                                                void* data) {
  return cons_tres.get_info_from_plugin(dinfo, job_ptr, data);
}

}  // extern "C"

// These hooks as the loader calls them (slurm_common/compat/): a signature that differs stops the
// build here.
[[maybe_unused]] constexpr tflops::compat::SelectOps kLoaderTable{
    .state_save = select_p_state_save,
    .state_restore = select_p_state_restore,
    .job_init = select_p_job_init,
    .node_init = select_p_node_init,
    .step_pick_nodes = select_p_step_pick_nodes,
    .step_start = select_p_step_start,
    .step_finish = select_p_step_finish,
    .nodeinfo_pack = select_p_select_nodeinfo_pack,
    .nodeinfo_unpack = select_p_select_nodeinfo_unpack,
    .nodeinfo_alloc = select_p_select_nodeinfo_alloc,
    .nodeinfo_free = select_p_select_nodeinfo_free,
    .nodeinfo_get = select_p_select_nodeinfo_get,
    .jobinfo_alloc = select_p_select_jobinfo_alloc,
    .jobinfo_free = select_p_select_jobinfo_free,
    .jobinfo_set = select_p_select_jobinfo_set,
    .jobinfo_get = select_p_select_jobinfo_get,
    .jobinfo_copy = select_p_select_jobinfo_copy,
    .jobinfo_pack = select_p_select_jobinfo_pack,
    .jobinfo_unpack = select_p_select_jobinfo_unpack,
    .get_info_from_plugin = select_p_get_info_from_plugin,
};
