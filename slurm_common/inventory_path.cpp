// SPDX-License-Identifier: GPL-2.0-or-later
#include "inventory_path.h"

#include <cstdlib>

extern "C" {
#include "config.h"
#include "slurm/slurm.h"
#include "src/common/slurm_xlator.h"  // first: it renames the symbols the headers below declare

#include "src/common/read_config.h"
#include "src/common/xmalloc.h"
}

namespace tflops::slurm_side {

std::string inventory_path() {
  if (const char* env = getenv("TFLOPS_CONF"); env && *env) return env;
  char conf_name[] = "tflops.conf";
  char* path = get_extra_conf_path(conf_name);
  std::string out = path ? path : "/etc/slurm/tflops.conf";
  xfree(path);
  return out;
}

}  // namespace tflops::slurm_side
