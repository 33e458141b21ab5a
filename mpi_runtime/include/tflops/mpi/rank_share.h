// SPDX-License-Identifier: GPL-2.0-or-later
// How a node's blocks are divided among the MPI ranks running on it (pure arithmetic).
//
// The rule, along card boundaries where possible:
//  * ranks <= cards: every rank gets whole cards, never part of one. The cards, in block order,
//    are cut into `ranks` consecutive groups so that the largest group holds as few blocks as
//    possible (ties: the earliest cut). A card is driven by one process only, and the ranks'
//    unequal sizes are balanced by their batch shares (batch_split.h), not by splitting cards.
//  * ranks > cards: every card gets at least one rank, the others go to the cards with the most
//    blocks per rank (largest remainder of blocks x ranks / total); a card's blocks are cut into
//    consecutive parts differing by at most one block. No rank spans two cards.
// A node with fewer blocks than ranks cannot give every rank a block: that is an error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace tflops::mpi {

// A part of one card: blocks [offset, offset + blocks) of the card's held blocks (in order).
struct CardPart {
  std::size_t card = 0;  // index into the node's card list
  std::uint32_t offset = 0;
  std::uint32_t blocks = 0;
  friend bool operator==(const CardPart&, const CardPart&) = default;
};

// card_blocks[c] = blocks the job holds on card c (in block order). Returns one list of parts per
// local rank. Throws std::invalid_argument when ranks < 1, a card holds 0 blocks, or the cards
// hold fewer blocks than there are ranks (the message says how many are needed).
std::vector<std::vector<CardPart>> divide_blocks(std::span<const std::uint32_t> card_blocks, int ranks);

}  // namespace tflops::mpi
