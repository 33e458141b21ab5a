// SPDX-License-Identifier: GPL-2.0-or-later
// gres/tflops' hooks as Slurm 24.11 and 26.05 name them: the Prolog/Epilog environment as
// prep_build_env/prep_set_env on a gres_prep_t (22.05's epilog_* hooks; get_job_info and
// get_step_info are gone). The loader table at the end checks every exported hook against the
// generation's.
#include <cstdint>

#include "gres_hooks.h"

// After gres_hooks.h, whose Slurm headers declare the table's types.
#include "compat/gres_ops.h"

using tflops::gres::hooks::copy_job_blocks;
using tflops::gres::hooks::set_prep_env;

extern "C" {

TFLOPS_EXPORT gres_prep_t* gres_p_prep_build_env(gres_job_state_t* gres_js) {
  auto* prep = static_cast<gres_prep_t*>(xmalloc(sizeof(gres_prep_t)));
  prep->gres_bit_alloc = copy_job_blocks(gres_js, &prep->node_cnt);
  return prep;
}

TFLOPS_EXPORT void gres_p_prep_set_env(char*** prep_env_ptr, gres_prep_t* gres_prep, int node_inx) {
  if (gres_prep)
    set_prep_env(__func__, prep_env_ptr, gres_prep->gres_bit_alloc, gres_prep->node_cnt, node_inx);
}

}  // extern "C"

// The hooks as 24.11's and 26.05's loader calls them (compat/v24_11/gres_ops.h): a hook whose
// signature differs stops the build here, and so (with g++) does a member of the table left out.
#pragma GCC diagnostic push
#pragma GCC diagnostic error "-Wmissing-field-initializers"
[[maybe_unused]] constexpr tflops::compat::GresOps kLoaderTable{
    .node_config_load = gres_p_node_config_load,
    .job_set_env = gres_p_job_set_env,
    .step_set_env = gres_p_step_set_env,
    .task_set_env = gres_p_task_set_env,
    .send_stepd = gres_p_send_stepd,
    .recv_stepd = gres_p_recv_stepd,
    .get_devices = gres_p_get_devices,
    .step_hardware_init = gres_p_step_hardware_init,
    .step_hardware_fini = gres_p_step_hardware_fini,
    .prep_build_env = gres_p_prep_build_env,
    .prep_set_env = gres_p_prep_set_env,
};
#pragma GCC diagnostic pop
