// SPDX-License-Identifier: GPL-2.0-or-later
// Between gres_tflops.cpp, which holds the hooks every Slurm generation calls the same way, and
// the one hook file built for the Slurm at hand (gres_hooks_v22_05.cpp, gres_hooks_v24_11.cpp),
// which exports the hooks whose name or signature differ, around the bodies declared here, and
// checks all of them against the generation's hook table (compat/gres_ops.h).
#pragma once

#include <cstdint>

#include "compat/gres_headers.h"
#include "plugin_export.h"

extern "C" {

// The hooks of every generation, defined in gres_tflops.cpp.
TFLOPS_EXPORT int gres_p_node_config_load(list_t* gres_conf_list, node_config_load_t* config);
TFLOPS_EXPORT void gres_p_job_set_env(char*** job_env_ptr, bitstr_t* gres_bit_alloc, uint64_t gres_cnt,
                                      gres_internal_flags_t flags);
TFLOPS_EXPORT void gres_p_step_set_env(char*** step_env_ptr, bitstr_t* gres_bit_alloc, uint64_t gres_cnt,
                                       gres_internal_flags_t flags);
TFLOPS_EXPORT void gres_p_task_set_env(char*** step_env_ptr, bitstr_t* gres_bit_alloc, uint64_t gres_cnt,
                                       bitstr_t* usable_gres, gres_internal_flags_t flags);
TFLOPS_EXPORT void gres_p_send_stepd(buf_t* buffer);
TFLOPS_EXPORT void gres_p_recv_stepd(buf_t* buffer);
TFLOPS_EXPORT list_t* gres_p_get_devices(void);
TFLOPS_EXPORT void gres_p_step_hardware_init(bitstr_t* usable_gres, char* settings);
TFLOPS_EXPORT void gres_p_step_hardware_fini(void);

}  // extern "C"

namespace tflops::gres::hooks {

// The Prolog/Epilog environment (22.05's epilog_* hooks, the prep_* hooks of 24.11 and 26.05), whose
// record Slurm frees with the fields these fill.

// Copies of the job's per-node block bitmaps (*node_cnt of them, unallocated nodes null); the
// array has at least one entry.
bitstr_t** copy_job_blocks(const gres_job_state_t* gres_js, uint32_t* node_cnt);

// Writes the job's blocks on node `node_inx` (of `node_cnt` in `per_node`) into the environment,
// merged with the blocks already there (Slurm calls it once per typed allocation). Errors are
// logged naming `hook`.
void set_prep_env(const char* hook, char*** env_ptr, bitstr_t** per_node, uint32_t node_cnt, int node_inx);

}  // namespace tflops::gres::hooks
