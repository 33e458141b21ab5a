// SPDX-License-Identifier: GPL-2.0-or-later
// Slurm's slurmctld internals as the select plugin uses them, for the Slurm being built against:
// its headers, and the few calls whose names or arguments changed between generations, under
// one name each (see README.md beside this file).
#pragma once

#include "slurm/slurm_version.h"

#if SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(22, 5, 0) && SLURM_VERSION_NUMBER < SLURM_VERSION_NUM(22, 6, 0)
#include "v22_05/slurmctld.h"
#elif SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(24, 11, 0) && \
    SLURM_VERSION_NUMBER < SLURM_VERSION_NUM(24, 12, 0)
#include "v24_11/slurmctld.h"
#elif SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(26, 5, 0) && \
    SLURM_VERSION_NUMBER < SLURM_VERSION_NUM(26, 6, 0)
#include "v26_05/slurmctld.h"
#else
#error \
    "tflops: the select plugin knows Slurm 22.05, 24.11 and 26.05; add this version under slurm_common/compat/"
#endif
