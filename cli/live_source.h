// SPDX-License-Identifier: GPL-2.0-or-later
// Where the live commands (pool --live, metrics) find Slurm's configuration and the card
// inventory that numbers Slurm's GRES bits.
#pragma once

#include <optional>
#include <string>

#include "tflops/pool/layout.h"

namespace tflops::cli {

// The slurm.conf libslurm reads: $SLURM_CONF, else Slurm's default /etc/slurm/slurm.conf.
std::string slurm_conf_path();

// `conf` when given, else tflops.conf beside slurm_conf_path() (where slurmd's gres/tflops reads
// it). Throws tflops::pool::Error naming the file and how to point at another one.
pool::Layout load_live_inventory(const std::optional<std::string>& conf);

}  // namespace tflops::cli
