// SPDX-License-Identifier: GPL-2.0-or-later
// Slurm 22.05's select hooks as its loader calls them: slurm_select_ops_t, which 22.05 still
// declares in src/common/select.h, and node_select_syms[] of src/common/select.c.
// Needs v22_05/slurmctld.h included first.
#pragma once

#include <cstdint>

namespace tflops::compat {

using SelectOps = slurm_select_ops_t;

inline constexpr const char* kSelectSymbols[] = {
    "plugin_id",
    "select_p_state_save",
    "select_p_state_restore",
    "select_p_job_init",
    "select_p_node_init",
    "select_p_job_test",
    "select_p_job_begin",
    "select_p_job_ready",
    "select_p_job_expand",
    "select_p_job_resized",
    "select_p_job_signal",
    "select_p_job_fini",
    "select_p_job_suspend",
    "select_p_job_resume",
    "select_p_step_pick_nodes",
    "select_p_step_start",
    "select_p_step_finish",
    "select_p_select_nodeinfo_pack",
    "select_p_select_nodeinfo_unpack",
    "select_p_select_nodeinfo_alloc",
    "select_p_select_nodeinfo_free",
    "select_p_select_nodeinfo_set_all",
    "select_p_select_nodeinfo_set",
    "select_p_select_nodeinfo_get",
    "select_p_select_jobinfo_alloc",
    "select_p_select_jobinfo_free",
    "select_p_select_jobinfo_set",
    "select_p_select_jobinfo_get",
    "select_p_select_jobinfo_copy",
    "select_p_select_jobinfo_pack",
    "select_p_select_jobinfo_unpack",
    "select_p_select_jobinfo_sprint",
    "select_p_select_jobinfo_xstrdup",
    "select_p_get_info_from_plugin",
    "select_p_update_node_config",
    "select_p_reconfigure",
    "select_p_resv_test",
};

// Every select plugin is loaded, and two with one id is fatal: not cons_tres's 109.
inline constexpr uint32_t kSelectPluginId = 150;

// What job_test receives beyond the nodes: the cores reservations keep from the job.
struct JobTestExtra {
  bitstr_t* exc_core_bitmap = nullptr;
};

inline int job_test(const SelectOps& ops, job_record_t* job, bitstr_t* bitmap, uint32_t min_nodes,
                    uint32_t max_nodes, uint32_t req_nodes, uint16_t mode, list_t* candidates,
                    list_t** victims, const JobTestExtra& extra) {
  return ops.job_test(job, bitmap, min_nodes, max_nodes, req_nodes, mode, candidates, victims,
                      extra.exc_core_bitmap);
}

// 22.05's reservations hold no GRES: no block is kept from the job.
inline void add_reserved_blocks(const JobTestExtra&, int, uint32_t, bitstr_t*) {}

}  // namespace tflops::compat
