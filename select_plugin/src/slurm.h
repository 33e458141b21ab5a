// SPDX-License-Identifier: GPL-2.0-or-later
// Slurm's internals, as the select plugin and job_submit/tflops use them (C, included as C++),
// for the Slurm being built against (slurm_common/compat/slurmctld.h).
#pragma once

#include "compat/slurmctld.h"
