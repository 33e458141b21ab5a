// SPDX-License-Identifier: GPL-2.0-or-later
// Slurm 22.05's GRES hooks as its loader calls them: slurm_gres_ops_t, private to
// src/common/gres.c (same order as its syms[]; every one is mandatory).
// Needs compat/gres_headers.h (src/common/gres.h) included first.
#pragma once

#include <cstdint>

namespace tflops::compat {

struct GresOps {
  int (*node_config_load)(List gres_conf_list, node_config_load_t* node_conf);
  void (*job_set_env)(char*** job_env_ptr, bitstr_t* gres_bit_alloc, uint64_t gres_cnt,
                      gres_internal_flags_t flags);
  void (*step_set_env)(char*** step_env_ptr, bitstr_t* gres_bit_alloc, uint64_t gres_cnt,
                       gres_internal_flags_t flags);
  void (*task_set_env)(char*** step_env_ptr, bitstr_t* gres_bit_alloc, uint64_t gres_cnt,
                       bitstr_t* usable_gres, gres_internal_flags_t flags);
  void (*send_stepd)(buf_t* buffer);
  void (*recv_stepd)(buf_t* buffer);
  int (*job_info)(gres_job_state_t* gres_js, uint32_t node_inx, enum gres_job_data_type data_type,
                  void* data);
  int (*step_info)(gres_step_state_t* gres_ss, uint32_t node_inx, enum gres_step_data_type data_type,
                   void* data);
  List (*get_devices)(void);
  void (*step_hardware_init)(bitstr_t* usable_gres, char* settings);
  void (*step_hardware_fini)(void);
  gres_epilog_info_t* (*epilog_build_env)(gres_job_state_t* gres_js);
  void (*epilog_set_env)(char*** epilog_env_ptr, gres_epilog_info_t* gres_ei, int node_inx);
};

// syms[] of gres.c: a plugin missing one is not loaded (tests/check_plugin_symbols.sh reads
// the quoted names of this list).
inline constexpr const char* kGresSymbols[] = {
    "gres_p_node_config_load",   "gres_p_job_set_env",        "gres_p_step_set_env",
    "gres_p_task_set_env",       "gres_p_send_stepd",         "gres_p_recv_stepd",
    "gres_p_get_job_info",       "gres_p_get_step_info",      "gres_p_get_devices",
    "gres_p_step_hardware_init", "gres_p_step_hardware_fini", "gres_p_epilog_build_env",
    "gres_p_epilog_set_env",
};

}  // namespace tflops::compat
