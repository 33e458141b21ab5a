// SPDX-License-Identifier: GPL-2.0-or-later
// gres/tflops' hooks that only Slurm 22.05 has or names so: get_job_info/get_step_info (no
// data to give), and the Prolog/Epilog environment as epilog_build_env/epilog_set_env on a
// gres_epilog_info_t. The loader table at the end checks every exported hook against 22.05's.
#include <cerrno>
#include <cstdint>

#include "gres_hooks.h"

// After gres_hooks.h, whose Slurm headers declare the table's types.
#include "compat/gres_ops.h"

using tflops::gres::hooks::copy_job_blocks;
using tflops::gres::hooks::set_prep_env;

extern "C" {

TFLOPS_EXPORT int gres_p_get_job_info(gres_job_state_t* gres_js, uint32_t node_inx,
                                      enum gres_job_data_type data_type, void* data) {
  (void)gres_js;
  (void)node_inx;
  (void)data_type;
  (void)data;
  return EINVAL;
}

TFLOPS_EXPORT int gres_p_get_step_info(gres_step_state_t* gres_ss, uint32_t node_inx,
                                       enum gres_step_data_type data_type, void* data) {
  (void)gres_ss;
  (void)node_inx;
  (void)data_type;
  (void)data;
  return EINVAL;
}

TFLOPS_EXPORT gres_epilog_info_t* gres_p_epilog_build_env(gres_job_state_t* gres_js) {
  auto* ei = static_cast<gres_epilog_info_t*>(xmalloc(sizeof(gres_epilog_info_t)));
  ei->gres_bit_alloc = copy_job_blocks(gres_js, &ei->node_cnt);
  return ei;
}

TFLOPS_EXPORT void gres_p_epilog_set_env(char*** epilog_env_ptr, gres_epilog_info_t* gres_ei, int node_inx) {
  if (gres_ei) set_prep_env(__func__, epilog_env_ptr, gres_ei->gres_bit_alloc, gres_ei->node_cnt, node_inx);
}

}  // extern "C"

// The hooks as 22.05's loader calls them (compat/v22_05/gres_ops.h): a hook whose signature
// differs stops the build here, and so (with g++) does a member of the table left out.
#pragma GCC diagnostic push
#pragma GCC diagnostic error "-Wmissing-field-initializers"
[[maybe_unused]] constexpr tflops::compat::GresOps kLoaderTable{
    .node_config_load = gres_p_node_config_load,
    .job_set_env = gres_p_job_set_env,
    .step_set_env = gres_p_step_set_env,
    .task_set_env = gres_p_task_set_env,
    .send_stepd = gres_p_send_stepd,
    .recv_stepd = gres_p_recv_stepd,
    .job_info = gres_p_get_job_info,
    .step_info = gres_p_get_step_info,
    .get_devices = gres_p_get_devices,
    .step_hardware_init = gres_p_step_hardware_init,
    .step_hardware_fini = gres_p_step_hardware_fini,
    .epilog_build_env = gres_p_epilog_build_env,
    .epilog_set_env = gres_p_epilog_set_env,
};
#pragma GCC diagnostic pop
