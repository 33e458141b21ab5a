// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/mpi/binding.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include "tflops/hal/error.h"
#include "tflops/mpi/rank_share.h"

namespace tflops::mpi {

namespace {

int launcher_local_rank() {
  for (const char* name : {"OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID"}) {
    const char* text = std::getenv(name);
    if (text == nullptr || *text == '\0') continue;
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    if (*end == '\0' && value >= 0) return static_cast<int>(value);
  }
  return -1;
}

}  // namespace

LocalRank local_rank(MPI_Comm comm) {
  MPI_Comm node = MPI_COMM_NULL;
  int world_rank = 0;
  MPI_Comm_rank(comm, &world_rank);
  MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, world_rank, MPI_INFO_NULL, &node);
  LocalRank local;
  MPI_Comm_rank(node, &local.rank);
  MPI_Comm_size(node, &local.size);
  const int claimed = launcher_local_rank();
  std::vector<int> all(static_cast<std::size_t>(local.size));
  MPI_Allgather(&claimed, 1, MPI_INT, all.data(), 1, MPI_INT, node);
  MPI_Comm_free(&node);
  std::vector<int> sorted = all;
  std::sort(sorted.begin(), sorted.end());
  bool permutation = true;
  for (int i = 0; i < local.size; ++i) permutation = permutation && sorted[static_cast<std::size_t>(i)] == i;
  if (permutation) local.rank = claimed;
  return local;
}

hal::Allocation rank_allocation(const hal::Allocation& node, LocalRank local) {
  std::vector<std::uint32_t> card_blocks;
  for (const hal::CardAlloc& card : node.cards)
    card_blocks.push_back(static_cast<std::uint32_t>(card.blocks.size()));
  std::vector<std::vector<CardPart>> parts;
  try {
    parts = divide_blocks(card_blocks, local.size);
  } catch (const std::invalid_argument& e) {
    throw hal::Error((node.node.empty() ? node.source : "node " + node.node) + ": " + e.what());
  }
  std::vector<std::uint32_t> blocks;
  for (const CardPart& part : parts[static_cast<std::size_t>(local.rank)]) {
    const auto& held = node.cards[part.card].blocks;
    blocks.insert(blocks.end(), held.begin() + part.offset, held.begin() + part.offset + part.blocks);
  }
  return hal::restrict_to_blocks(node, blocks);
}

hal::VirtualCard bind_virtual_card(MPI_Comm comm, BindOptions options) {
  const LocalRank local = local_rank(comm);
  const std::string list = options.card_list;
  // At start the environment is current; after a suspension the blocks may have moved, and only
  // Slurm knows where (hal::resumed_allocation).
  auto node_allocation = [list](bool resuming) {
    if (!list.empty()) return hal::parse_card_list(list, hal::process_env());
    return resuming ? hal::resumed_allocation() : hal::current_allocation();
  };
  options.card.source = [node_allocation, local] { return rank_allocation(node_allocation(true), local); };
  return hal::VirtualCard(rank_allocation(node_allocation(false), local), options.card);
}

}  // namespace tflops::mpi
