// SPDX-License-Identifier: GPL-2.0-or-later
// Slurm 26.05's select hooks as its loader calls them: slurm_select_ops_t and node_select_syms[],
// private to src/interfaces/select.c (14 hooks: 25.05 dropped state_save, state_restore,
// job_init, the step hooks and the node/job info ones; 26.05 added job_mem_reduce). Needs
// v26_05/slurmctld.h included first.
#pragma once

#include <cstdint>

#include "../v24_11/job_test_extra.h"

namespace tflops::compat {

struct SelectOps {
  uint32_t* plugin_id;
  int (*node_init)(void);
  int (*job_test)(job_record_t* job_ptr, bitstr_t* bitmap, uint32_t min_nodes, uint32_t max_nodes,
                  uint32_t req_nodes, uint16_t mode, list_t* preeemptee_candidates,
                  list_t** preemptee_job_list, resv_exc_t* resv_exc_ptr, will_run_data_t* will_run_ptr);
  int (*job_begin)(job_record_t* job_ptr);
  int (*job_ready)(job_record_t* job_ptr);
  int (*job_expand)(job_record_t* from_job_ptr, job_record_t* to_job_ptr);
  int (*job_resized)(job_record_t* job_ptr, node_record_t* node_ptr);
  void (*job_mem_reduce)(job_record_t* job_ptr);
  int (*job_fini)(job_record_t* job_ptr);
  int (*job_suspend)(job_record_t* job_ptr, bool indf_susp);
  int (*job_resume)(job_record_t* job_ptr, bool indf_susp);
  int (*nodeinfo_set_all)(void);
  int (*nodeinfo_set)(job_record_t* job_ptr);
  int (*reconfigure)(void);
};

inline constexpr const char* kSelectSymbols[] = {
    "plugin_id",
    "select_p_node_init",
    "select_p_job_test",
    "select_p_job_begin",
    "select_p_job_ready",
    "select_p_job_expand",
    "select_p_job_resized",
    "select_p_job_mem_reduce",
    "select_p_job_fini",
    "select_p_job_suspend",
    "select_p_job_resume",
    "select_p_select_nodeinfo_set_all",
    "select_p_select_nodeinfo_set",
    "select_p_reconfigure",
};

// Only SelectType is loaded, and slurmctld treats a plugin as cons_tres (running_cons_tres())
// only by cons_tres's id: with any other, CR_Core and shared GRES are fatal at startup.
inline constexpr uint32_t kSelectPluginId = 109;

}  // namespace tflops::compat
