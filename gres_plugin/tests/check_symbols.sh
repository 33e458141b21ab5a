#!/bin/sh
# Slurm refuses a GRES plugin unless all 13 symbols (plus plugin_name/type/version) are exported
# with C linkage (a missing one is fatal in slurmd; C++ linkage hides them): check the built .so.
set -eu
so=$1
missing=0
syms=$(nm -D --defined-only "$so" | awk '{print $3}')
for s in plugin_name plugin_type plugin_version init fini gres_p_node_config_load gres_p_job_set_env \
         gres_p_step_set_env gres_p_task_set_env gres_p_send_stepd gres_p_recv_stepd gres_p_get_job_info \
         gres_p_get_step_info gres_p_get_devices gres_p_step_hardware_init gres_p_step_hardware_fini \
         gres_p_epilog_build_env gres_p_epilog_set_env; do
  echo "$syms" | grep -qx "$s" || { echo "missing exported symbol: $s"; missing=1; }
done
if nm -D "$so" | grep -q ' U .*slurm_\(xmalloc\|xfree\)' && ldd "$so" | grep -q libslurm; then
  echo "$so links libslurm: the host process must provide Slurm's symbols"; missing=1
fi
[ "$(strings "$so" | grep -cx 'gres/tflops')" -ge 1 ] || { echo "plugin_type is not gres/tflops"; missing=1; }
exit $missing
