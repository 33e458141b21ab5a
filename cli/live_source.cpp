// SPDX-License-Identifier: GPL-2.0-or-later
#include "live_source.h"

#include <cstdlib>
#include <filesystem>

#include "tflops/pool/error.h"
#include "tflops/pool/inventory.h"

namespace tflops::cli {

std::string slurm_conf_path() {
  const char* path = std::getenv("SLURM_CONF");
  return path && *path ? path : "/etc/slurm/slurm.conf";
}

pool::Layout load_live_inventory(const std::optional<std::string>& conf) {
  if (conf) return pool::Layout(pool::load_inventory(*conf));
  const auto path = (std::filesystem::path(slurm_conf_path()).parent_path() / "tflops.conf").string();
  if (!std::filesystem::exists(path)) {
    throw pool::Error("no card inventory '" + path + "' beside the slurm.conf in use (" + slurm_conf_path() +
                      "); give it with --conf FILE or set SLURM_CONF");
  }
  return pool::Layout(pool::load_inventory(path));
}

}  // namespace tflops::cli
