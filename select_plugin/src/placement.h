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

// The nodes of `candidates` where the job's blocks cost least to place, so that cons_tres picks
// among them first: those where they fit in one free run per entry; when no node has such runs,
// those where moving running jobs to make one stops the fewest of them (the MigrationPolicy's
// plan, for a job of one tflops entry). nullptr (no steering) when every candidate is as good,
// when fewer than `min_nodes` are (the job is split or others move anyway), when the job names
// its nodes, or when its blocks per node are not known before nodes are picked (per-job or
// per-task counts).
OwnedBitmap cheapest_nodes(job_record_t* job, bitstr_t* candidates, uint32_t min_nodes);

}  // namespace tflops::select
