// SPDX-License-Identifier: GPL-2.0-or-later
// Preemption: when cons_tres says lower-priority jobs must go for a job, the pool chooses which
// (the fewest blocks of the lowest priorities, placed so the job gets one run); they are
// suspended and their blocks released (stock Slurm keeps a suspended job's GRES), then the job is
// placed.
//
// The cluster sets PreemptMode=REQUEUE (no GANG) so that cons_tres counts a victim's blocks as
// free when it plans; the victims are suspended here instead of requeued.
#pragma once

#include <cstdint>

#include "slurm.h"

#include "compat/select_ops.h"  // after slurm.h: JobTestExtra uses its types

namespace tflops::select {

// Suspends victims until the job fits on `bitmap`'s nodes, then places it: first the pool's
// victims, keeping their cores; when the job needs those, with their cores given away too;
// when it still does not fit (it lacks cores or memory that the pool's choice, made for blocks,
// does not free), also cons_tres's own victims (*victims), whose list frees all it needs.
// `original` is the node bitmap job_test was given. Frees *victims.
int suspend_victims_and_place(job_record_t* job, bitstr_t* bitmap, uint32_t min_nodes, uint32_t max_nodes,
                              uint32_t req_nodes, uint16_t mode, list_t* candidates, list_t** victims,
                              const compat::JobTestExtra& extra, bitstr_t* original);

}  // namespace tflops::select
