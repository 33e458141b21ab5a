// SPDX-License-Identifier: GPL-2.0-or-later
// The job_submit hook table of the Slurm being built against (see README.md beside this file).
#pragma once

#include "slurm/slurm_version.h"

#if SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(22, 5, 0) && SLURM_VERSION_NUMBER < SLURM_VERSION_NUM(22, 6, 0)
#include "v22_05/job_submit_ops.h"
#elif SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(24, 11, 0) && \
    SLURM_VERSION_NUMBER < SLURM_VERSION_NUM(26, 6, 0)
#include "v24_11/job_submit_ops.h"
#else
#error "tflops: no job_submit hook table for this Slurm version: add one under slurm_common/compat/"
#endif
