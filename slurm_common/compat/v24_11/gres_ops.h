// SPDX-License-Identifier: GPL-2.0-or-later
// Slurm 24.11's and 26.05's GRES hooks as their loader calls them: slurm_gres_ops_t, private to
// src/interfaces/gres.c, and its syms[] (same order; every one is mandatory). The two releases
// declare them identically. Against 22.05: get_job_info and get_step_info are gone, and
// epilog_build_env/epilog_set_env became prep_build_env/prep_set_env on gres_prep_t (the fields
// of gres_epilog_info_t). Needs compat/gres_headers.h included first.
#pragma once

#include <cstdint>

namespace tflops::compat {

struct GresOps {
  int (*node_config_load)(list_t* gres_conf_list, node_config_load_t* node_conf);
  void (*job_set_env)(char*** job_env_ptr, bitstr_t* gres_bit_alloc, uint64_t gres_cnt,
                      gres_internal_flags_t flags);
  void (*step_set_env)(char*** step_env_ptr, bitstr_t* gres_bit_alloc, uint64_t gres_cnt,
                       gres_internal_flags_t flags);
  void (*task_set_env)(char*** task_env_ptr, bitstr_t* gres_bit_alloc, uint64_t gres_cnt,
                       bitstr_t* usable_gres, gres_internal_flags_t flags);
  void (*send_stepd)(buf_t* buffer);
  void (*recv_stepd)(buf_t* buffer);
  list_t* (*get_devices)(void);
  void (*step_hardware_init)(bitstr_t* usable_gres, char* settings);
  void (*step_hardware_fini)(void);
  gres_prep_t* (*prep_build_env)(gres_job_state_t* gres_js);
  void (*prep_set_env)(char*** prep_env_ptr, gres_prep_t* gres_prep, int node_inx);
};

// syms[] of gres.c: a plugin missing one is not loaded (tests/check_plugin_symbols.sh reads
// the quoted names of this list).
inline constexpr const char* kGresSymbols[] = {
    "gres_p_node_config_load",   "gres_p_job_set_env",    "gres_p_step_set_env", "gres_p_task_set_env",
    "gres_p_send_stepd",         "gres_p_recv_stepd",     "gres_p_get_devices",  "gres_p_step_hardware_init",
    "gres_p_step_hardware_fini", "gres_p_prep_build_env", "gres_p_prep_set_env",
};

}  // namespace tflops::compat
