// SPDX-License-Identifier: GPL-2.0-or-later
// Binding an MPI rank to its own virtual card.
//
// Every rank reads its node's allocation (the gres/tflops job environment, or an explicit card
// list outside Slurm), finds its local rank, takes its share of the node's blocks
// (rank_share.h: whole cards where there are enough, else parts of the largest cards) and opens
// a virtual card on exactly those blocks. Works under mpirun inside sbatch, under srun, and
// with mpirun alone given a card list. On resume after a suspension the share is recomputed
// from the node's new allocation (the job's blocks may have moved).
#pragma once

#include <mpi.h>

#include <functional>
#include <string>

#include "tflops/hal/allocation.h"
#include "tflops/hal/virtual_card.h"

namespace tflops::mpi {

struct LocalRank {
  int rank = 0;
  int size = 1;
};

// This process's place among the ranks on its node. The launcher's variable names the rank:
// OMPI_COMM_WORLD_LOCAL_RANK (mpirun; inside sbatch SLURM_LOCALID is the batch step's 0 for
// every rank, so mpirun's comes first), else SLURM_LOCALID (srun), else the order of world
// ranks on the node. The size is the number of ranks sharing the node (an MPI shared-memory
// split). When the launcher's numbers are not 0..size-1 each once, the world order is used.
LocalRank local_rank(MPI_Comm comm);

// The part of a node's allocation that local rank `rank` of `size` gets (rank_share.h).
// Throws hal::Error naming the node and the numbers when there are fewer blocks than ranks.
hal::Allocation rank_allocation(const hal::Allocation& node, LocalRank local);

struct BindOptions {
  std::string card_list;  // explicit card list (allocation.h form b); empty = the job environment
  hal::CardOptions card;  // its `source` is replaced by one that re-reads this rank's share
};

// The node's allocation from `options` (card list or environment) as this rank's virtual card.
// Collective over `comm` (the local-rank split).
hal::VirtualCard bind_virtual_card(MPI_Comm comm, BindOptions options);

}  // namespace tflops::mpi
