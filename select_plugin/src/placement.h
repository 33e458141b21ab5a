// SPDX-License-Identifier: GPL-2.0-or-later
// Where a job's blocks go on each node cons_tres picked: one contiguous run when a free run holds
// them, else running jobs move so that one does (the inventory's MigrationPolicy), else the
// pool's fewest runs. And which nodes to offer cons_tres first, so that a job goes where it
// need not be split or move others.
#pragma once

#include <cstdint>
#include <vector>

#include "job_blocks.h"
#include "slurm.h"

#include "compat/select_ops.h"  // after slurm.h: JobTestExtra uses its types

namespace tflops::select {

// Loads Slurm node `i` (the pool's `node`) into the view: the blocks in use, and who holds them.
// The jobs in `leaving` (victims already chosen) count as gone, their blocks free. Jobs in
// `preemptable` may be victims of `self`.
void load_node(std::uint32_t node, int i, const job_record_t* self, list_t* preemptable,
               const std::vector<job_record_t*>& leaving = {});

// Rewrites cons_tres's choice of blocks on each of the job's nodes into the pool's placement,
// leaving alone the blocks reservations keep from the job (extra).
void place_contiguously(job_record_t* job, const compat::JobTestExtra& extra);

// The nodes of `candidates` on which the job's blocks fit in one free run per entry, so that
// cons_tres picks among them first. nullptr (no steering) when every candidate qualifies, when
// fewer than `min_nodes` do (the job is split or others move anyway), when the job names its
// nodes, or when its blocks per node are not known before nodes are picked (per-job or per-task
// counts).
OwnedBitmap nodes_with_free_runs(job_record_t* job, bitstr_t* candidates, uint32_t min_nodes);

}  // namespace tflops::select
