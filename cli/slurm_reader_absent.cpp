// SPDX-License-Identifier: GPL-2.0-or-later
// read_slurm() for a tflopsctl built without libslurm (libslurm-dev was not found by cmake).
#include "slurm_snapshot.h"
#include "tflops/pool/error.h"

namespace tflops::cli {

bool slurm_reader_built() { return false; }

SlurmSnapshot read_slurm() {
  throw pool::Error(
      "this tflopsctl was built without libslurm, so it cannot read a running cluster; install "
      "libslurm-dev (slurm/slurm.h and libslurm.so), then configure and build again");
}

}  // namespace tflops::cli
