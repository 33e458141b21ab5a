// SPDX-License-Identifier: GPL-2.0-or-later
// Recursive doubling all-reduce (Thakur, Rabenseifner, Gropp 2005), for small messages.
//
// With p not a power of two, the first 2*rem ranks (rem = p - p2, p2 the largest power of two
// <= p) pair up: each even rank hands its buffer to the odd one above and sits out; the p2
// remaining ranks exchange and add whole buffers lg p2 times; then the odd ranks hand the result
// back. Float addition is commutative, so both sides of an exchange compute the same bits.
//
// A message just over the transport's eager limit pays a rendezvous handshake that costs more
// than the bytes (Open MPI's shared memory: 4 KiB took 3x as long as 2 KiB and longer than
// 8 KiB), so messages up to kMaxPieces * Tuning::eager_bytes travel as eager-sized pieces.
#include <algorithm>
#include <bit>

#include "host_algorithms.h"

namespace tflops::mpi::detail {

namespace {

constexpr int kTag = 1 << 14;  // apart from the ring's slot tags; piece i uses kTag + i
constexpr const char* kWhat = "tflops recursive-doubling all-reduce";
// A message over Tuning::eager_bytes goes in pieces only up to this many: beyond, the
// transport's single-copy rendezvous beats that many eager copies (measured at 64 KiB).
constexpr int kMaxPieces = 8;

// Sends `bytes` from `send` and/or receives them into `receive` (either may be null), in pieces
// of at most `piece_bytes`, all in flight at once.
void exchange(Communicator& comm, int peer, const std::byte* send, std::byte* receive, int bytes,
              int piece_bytes) {
  MPI_Request requests[2 * kMaxPieces];
  int peers[2 * kMaxPieces];
  int posted = 0;
  for (int first = 0, piece = 0; first < bytes; first += piece_bytes, ++piece) {
    const int size = std::min(piece_bytes, bytes - first);
    if (receive != nullptr) {
      peers[posted] = peer;
      check_mpi(
          MPI_Irecv(receive + first, size, MPI_BYTE, peer, kTag + piece, comm.get(), &requests[posted++]),
          kWhat, {&peer, 1});
    }
    if (send != nullptr) {
      peers[posted] = peer;
      check_mpi(MPI_Isend(send + first, size, MPI_BYTE, peer, kTag + piece, comm.get(), &requests[posted++]),
                kWhat, {&peer, 1});
    }
  }
  comm.wait_all({requests, static_cast<std::size_t>(posted)}, {peers, static_cast<std::size_t>(posted)},
                kWhat);
}

}  // namespace

void recursive_doubling_allreduce(Communicator& comm, std::byte* data, std::size_t count, DType type,
                                  const AllreducePlan& plan) {
  const int ranks = comm.size();
  const int rank = comm.rank();
  const int bytes = static_cast<int>(count * dtype_size(type));
  // Eager-sized pieces while that takes at most kMaxPieces of them, else one message.
  const auto whole = static_cast<std::size_t>(bytes);
  const std::size_t eager = std::max<std::size_t>(1, plan.eager_bytes);
  const int piece_bytes = static_cast<int>(whole <= kMaxPieces * eager ? std::min(eager, whole) : whole);
  std::byte* received = comm.scratch(static_cast<std::size_t>(bytes));
  const int core = static_cast<int>(std::bit_floor(static_cast<unsigned>(ranks)));
  const int extra = ranks - core;

  int core_rank = rank - extra;  // rank among the p2 that exchange; -1 sits out
  if (rank < 2 * extra) {
    if (rank % 2 == 0) {
      exchange(comm, rank + 1, data, nullptr, bytes, piece_bytes);
      core_rank = -1;
    } else {
      exchange(comm, rank - 1, nullptr, received, bytes, piece_bytes);
      sum_into(type, data, received, count);
      core_rank = rank / 2;
    }
  }
  if (core_rank >= 0) {
    for (int mask = 1; mask < core; mask <<= 1) {
      const int core_peer = core_rank ^ mask;
      const int peer = core_peer < extra ? 2 * core_peer + 1 : core_peer + extra;
      exchange(comm, peer, data, received, bytes, piece_bytes);
      sum_into(type, data, received, count);
    }
  }
  if (rank < 2 * extra) {
    if (rank % 2 == 1) {
      exchange(comm, rank - 1, data, nullptr, bytes, piece_bytes);
    } else {
      exchange(comm, rank + 1, nullptr, data, bytes, piece_bytes);
    }
  }
}

}  // namespace tflops::mpi::detail
