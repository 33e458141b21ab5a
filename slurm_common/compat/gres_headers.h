// SPDX-License-Identifier: GPL-2.0-or-later
// Slurm's headers as gres/tflops uses them, for the Slurm being built against: which files, and
// the names the plugin's code uses for what a generation calls otherwise (see README.md beside
// this file). Include it instead of Slurm's own headers.
#pragma once

#include "slurm/slurm_version.h"

#if SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(22, 5, 0) && SLURM_VERSION_NUMBER < SLURM_VERSION_NUM(22, 6, 0)
#include "v22_05/gres_headers.h"
#elif (SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(24, 11, 0) && \
       SLURM_VERSION_NUMBER < SLURM_VERSION_NUM(24, 12, 0)) || \
    (SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(26, 5, 0) &&    \
     SLURM_VERSION_NUMBER < SLURM_VERSION_NUM(26, 6, 0))
#include "v24_11/gres_headers.h"
#else
#error \
    "tflops: gres/tflops knows the headers of Slurm 22.05, 24.11 and 26.05: add this version under slurm_common/compat/"
#endif
