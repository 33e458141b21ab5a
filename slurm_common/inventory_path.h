// SPDX-License-Identifier: GPL-2.0-or-later
// Where the Slurm plugins (gres/tflops on the nodes, the select plugin in slurmctld) read the
// card inventory: $TFLOPS_CONF when set (tests), else `tflops.conf` in the directory of
// slurm.conf, found the way Slurm finds gres.conf (configless mode included).
#pragma once

#include <string>

namespace tflops::slurm_side {

std::string inventory_path();

}  // namespace tflops::slurm_side
