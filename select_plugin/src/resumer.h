// SPDX-License-Identifier: GPL-2.0-or-later
// Resuming the jobs the plugin suspended, once their blocks (or others) are free: when a job
// ends (job_fini) and, from a thread of its own, when nothing is scheduled.
#pragma once

#include "slurm.h"

namespace tflops::select {

// Resumes, in the registry's order, the preempted and moved jobs whose suspension has settled
// and whose blocks are free (or who fit on other free blocks). Caller holds slurmctld's job
// and node write locks.
void resume_preempted_jobs();

// A released job whose old blocks are busy moves to free blocks of the same kinds on its nodes,
// when the pool places it there in one run per node, the MigrationPolicy allows moves, and
// ConstrainDevices, if set, lets it (the same cards and shares). False, touching nothing,
// otherwise.
bool move_to_free_blocks(job_record_t* job);

// True when a running job uses any of the job's cores (suspended jobs give theirs back).
bool cores_busy(const job_record_t* job);

// The thread that resumes settled jobs while some are suspended (slurmctld only).
void start_resumer();
void stop_resumer();

}  // namespace tflops::select
