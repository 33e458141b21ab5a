// SPDX-License-Identifier: GPL-2.0-or-later
// Shared-memory all-reduce, for ranks on one node. No messages: ranks meet at barriers of
// counters in shared memory (node_window.h) and read each other's data directly.
//
// Every call announces where its data sits in a slot of the rank's control page (node_window.h).
// Tiny messages (up to a slot's 10184 bytes), no barrier: the data travels in the slot, in the
// cache line of the counter that publishes it, and every rank sums all p slots in rank order
// straight into its buffer (alternate calls use alternate slots, so nothing has to wait for
// readers: a rank can only refill a slot after every peer has published the call in between).
// The peers never read a tiny message's buffer, so it may lie anywhere: in the node buffer or
// in the caller's own memory.
// Larger data inside the node buffer (communicator.h), three barriers; rank r of p owns
// segment r (the ring's cut: sizes differ by at most one element):
//  1. barrier: every rank's input is in place;
//  2. rank r adds segment r of every peer's buffer into its own, in place (no peer reads rank
//     r's segment r), a block at a time over all peers, each peer's block first copied into
//     an L1-sized staging block (a plain copy streams from the peer's cache or memory faster
//     than a sum reading it there: 1.6-1.9x MPI_Allreduce at 1-4 MiB with 2 ranks, against
//     0.8-0.9x summing straight from the peer);
//  3. barrier: every segment is summed;
//  4. rank r copies segment s of rank s's buffer into its own, for every s != r;
//  5. barrier: no peer still reads this rank's buffer when the caller gets it back.
// Per rank and n bytes: n read and n/p written to sum, (p-1)/p n read and written to gather.
// The ring stages whole chunks and pays 2(p-1) rendezvous messages for the same sums.
// Larger data in the caller's own memory, which the peers cannot read: a piece at a time
// (NodeWindow::kStagingBytes), each rank copies its piece into a staging half of its shared
// segment, then steps 1-3 run on the staged copies, then step 4 copies every segment, its own
// included, from the staged copies into the caller's memory; one copy of n more per rank.
// Large messages (AllreducePlan::streaming) are staged with streaming copies (streaming_copy.h):
// the peers read them from memory instead of from the writer's cache.
// Either way each value is summed once or in the same order everywhere, so every rank ends
// with the same bits. A barrier waits under the communicator's watchdog, which names the ranks
// that did not arrive.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "host_algorithms.h"
#include "node_window.h"
#include "streaming_copy.h"

namespace tflops::mpi::detail {

namespace {

constexpr const char* kWhat = "tflops shared-memory all-reduce";
// Peers are summed a block at a time, so the block of this rank's segment stays in cache
// while every peer's addend is staged and added to it; staging block included, it fits L1.
constexpr std::size_t kBlockBytes = 16 * 1024;
// A slot's offset when the data is not in the node buffer.
constexpr std::size_t kOwnMemory = ~std::size_t{0};

std::uint64_t acquire(std::uint64_t& counter) {
  return std::atomic_ref<std::uint64_t>(counter).load(std::memory_order_acquire);
}

// Waits until arrived(peer) holds for every peer, under the communicator's watchdog.
template <class Arrived>
void wait_for_peers(Communicator& comm, const Arrived& arrived) {
  const int rank = comm.rank(), ranks = comm.size();
  comm.wait_until(
      [&] {
        for (int peer = 0; peer < ranks; ++peer) {
          if (peer != rank && !arrived(peer)) return false;
        }
        return true;
      },
      [&] {
        std::vector<int> lagging;
        for (int peer = 0; peer < ranks; ++peer) {
          if (peer != rank && !arrived(peer)) lagging.push_back(peer);
        }
        return lagging;
      },
      kWhat);
}

// This rank arrives (its stores before become visible to the peers that see it arrive) and
// waits until every peer has arrived too (their stores before become visible here).
void barrier(Communicator& comm, const NodeWindow& window) {
  std::uint64_t& mine = window.control(comm.rank()).arrivals;
  const std::uint64_t target = mine + 1;
  std::atomic_ref<std::uint64_t>(mine).store(target, std::memory_order_release);
  wait_for_peers(comm, [&](int peer) { return acquire(window.control(peer).arrivals) >= target; });
}

// After the first barrier: every rank must have passed the same place of its node buffer. Each
// checks its left neighbour, which around the ring checks them all.
void check_placement(const Communicator& comm, const NodeWindow& window, std::uint64_t call) {
  const int rank = comm.rank(), left = (rank + comm.size() - 1) % comm.size();
  const NodeWindow::Slot& mine = window.slot(rank, call);
  const NodeWindow::Slot& theirs = window.slot(left, call);
  if (mine.offset == theirs.offset && mine.count == theirs.count) return;
  throw std::invalid_argument(
      std::string(kWhat) + ": rank " + std::to_string(rank) + " passed " + std::to_string(mine.count) +
      " elements at byte " + std::to_string(mine.offset) + " of its node buffer, rank " +
      std::to_string(left) + " " + std::to_string(theirs.count) + " at byte " +
      std::to_string(theirs.offset) + ": every rank must pass the same place of its node buffer");
}

// Rank r's part of one all-reduce over p copies of the data, peer's copy starting at base(peer):
// adds segment r of every peer's copy into `data`, the rank's own input, a block at a time over
// all peers. With `published`, each summed block is copied there too by `publish`, while it is
// still in L1, for the peers to gather.
template <class Base>
void sum_own_segment(Communicator& comm, const Segments& segments, DType type, const Base& base,
                     std::byte* data, std::byte* published = nullptr, CopyFn publish = nullptr) {
  const int ranks = comm.size(), rank = comm.rank();
  const std::size_t element = dtype_size(type);
  const std::size_t block = std::max<std::size_t>(1, kBlockBytes / element);
  const std::size_t end = segments.begin(rank) + segments.size(rank);
  std::byte* stage = comm.scratch(block * element);
  for (std::size_t first = segments.begin(rank); first < end; first += block) {
    const std::size_t size = std::min(block, end - first);
    for (int step = 1; step < ranks; ++step) {
      std::memcpy(stage, base((rank + step) % ranks) + first * element, size * element);
      sum_into(type, data + first * element, stage, size);
    }
    if (published != nullptr) publish(published + first * element, data + first * element, size * element);
  }
}

// Copies every other rank's summed segment s from its copy into `data`.
template <class Base>
void gather_segments(const Communicator& comm, const Segments& segments, DType type, const Base& base,
                     std::byte* data) {
  const int ranks = comm.size(), rank = comm.rank();
  const std::size_t element = dtype_size(type);
  for (int step = 1; step < ranks; ++step) {
    const int owner = (rank + step) % ranks;
    const std::size_t first = segments.begin(owner) * element;
    std::memcpy(data + first, base(owner) + first, segments.size(owner) * element);
  }
}

// The caller's own memory, a staged piece at a time. No barrier ends a piece: the next piece
// fills the other half, and this half is filled again only after the next piece's first
// barrier, which every peer reaches after its last read of it.
void staged(Communicator& comm, const NodeWindow& window, std::uint64_t call, std::size_t count, DType type,
            std::byte* data, bool streaming) {
  const CopyFn copy = staging_copy(streaming);
  const int rank = comm.rank();
  const std::size_t element = dtype_size(type);
  const std::size_t piece_count = NodeWindow::kStagingBytes / element;
  for (std::size_t first = 0; first < count; first += piece_count) {
    const Segments segments{std::min(piece_count, count - first), comm.size()};
    std::byte* piece = data + first * element;
    const std::uint64_t half = window.control(rank).pieces++;
    const auto base = [&](int peer) { return window.staging(peer, half); };
    // The peers read the other segments; this rank sums its own in place and publishes it.
    std::byte* published = window.staging(rank, half);
    const std::size_t own_begin = segments.begin(rank) * element;
    const std::size_t own_end = own_begin + segments.size(rank) * element;
    copy(published, piece, own_begin);
    copy(published + own_end, piece + own_end, segments.count * element - own_end);
    if (streaming) streaming_fence();
    barrier(comm, window);
    if (first == 0) check_placement(comm, window, call);
    sum_own_segment(comm, segments, type, base, piece, published, copy);
    if (streaming) streaming_fence();
    barrier(comm, window);
    gather_segments(comm, segments, type, base, piece);
  }
}

}  // namespace

void shared_memory_allreduce(Communicator& comm, std::byte* data, std::size_t count, DType type,
                             const AllreducePlan& plan) {
  const NodeWindow* window = comm.node_window();  // choose_allreduce found it
  const std::size_t bytes = count * dtype_size(type);
  const bool tiny = bytes <= sizeof(NodeWindow::Slot::data);
  const bool in_node_buffer = window->holds(data, bytes);
  const int ranks = comm.size(), rank = comm.rank();
  // Where the data sits, for the placement check; the same on every rank for the caller's own memory.
  const std::size_t offset = in_node_buffer ? static_cast<std::size_t>(data - window->mine()) : kOwnMemory;
  const std::uint64_t call = window->control(rank).calls++;
  NodeWindow::Slot& slot = window->slot(rank, call);
  slot.offset = offset;
  slot.count = count;
  if (tiny) {  // publish the data in the slot, wait for the peers' slots
    std::memcpy(slot.data, data, bytes);
    std::atomic_ref<std::uint64_t>(slot.published).store(call + 1, std::memory_order_release);
    wait_for_peers(comm, [&](int peer) { return acquire(window->slot(peer, call).published) > call; });
    check_placement(comm, *window, call);
    // Ask for every peer line at once: fetched one by one as the sum reaches them, each
    // cross-core miss waits for the last (256 B ran 0.85x MPI_Allreduce so).
    for (int peer = 0; peer < ranks; ++peer) {
      const std::byte* first = window->slot(peer, call).data;
      for (std::size_t at = 0; at < bytes; at += 64) __builtin_prefetch(first + at);
    }
    std::memcpy(data, window->slot(0, call).data, bytes);
    for (int peer = 1; peer < ranks; ++peer) sum_into(type, data, window->slot(peer, call).data, count);
    return;
  }
  if (!in_node_buffer) return staged(comm, *window, call, count, type, data, plan.streaming);
  barrier(comm, *window);
  check_placement(comm, *window, call);
  const Segments segments{count, ranks};
  const auto base = [&](int peer) { return window->of(peer) + offset; };
  sum_own_segment(comm, segments, type, base, data);
  barrier(comm, *window);
  gather_segments(comm, segments, type, base, data);
  barrier(comm, *window);
}

}  // namespace tflops::mpi::detail
