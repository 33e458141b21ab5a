// SPDX-License-Identifier: GPL-2.0-or-later
// The GRES hook table of the Slurm being built against (see README.md beside this file), and the
// symbols its loader requires.
#pragma once

#include "slurm/slurm_version.h"

#if SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(22, 5, 0) && SLURM_VERSION_NUMBER < SLURM_VERSION_NUM(22, 6, 0)
#include "v22_05/gres_ops.h"
#elif (SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(24, 11, 0) && \
       SLURM_VERSION_NUMBER < SLURM_VERSION_NUM(24, 12, 0)) || \
    (SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(26, 5, 0) &&    \
     SLURM_VERSION_NUMBER < SLURM_VERSION_NUM(26, 6, 0))
// 24.11 and 26.05 declare the same table (checked in both trees); the releases between them are
// not checked yet.
#include "v24_11/gres_ops.h"
#else
#error "tflops: no gres hook table for this Slurm version: add one under slurm_common/compat/"
#endif
