// SPDX-License-Identifier: GPL-2.0-or-later
// The select hook table of the Slurm being built against (see README.md beside this file), and
// what goes with it: the symbols in the table's order, the plugin id the wrapper must carry, and
// what job_test receives beyond the nodes.
#pragma once

#include "slurm/slurm_version.h"

#if SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(22, 5, 0) && SLURM_VERSION_NUMBER < SLURM_VERSION_NUM(22, 6, 0)
#include "v22_05/select_ops.h"
#elif SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(24, 11, 0) && \
    SLURM_VERSION_NUMBER < SLURM_VERSION_NUM(24, 12, 0)
#include "v24_11/select_ops.h"
#elif SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(26, 5, 0) && \
    SLURM_VERSION_NUMBER < SLURM_VERSION_NUM(26, 6, 0)
#include "v26_05/select_ops.h"
#else
#error "tflops: no select hook table for this Slurm version: add one under slurm_common/compat/"
#endif
