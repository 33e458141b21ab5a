// SPDX-License-Identifier: GPL-2.0-or-later
// Memory every rank of a one-node communicator can load and store: an MPI-3 shared-memory
// window (MPI_Win_allocate_shared) with one segment per rank, kept in a passive-target epoch
// (MPI_Win_lock_all) for its whole life. Each segment starts with a page holding the rank's
// control block (its barrier count, written with release and read with acquire ordering, which
// orders the plain data accesses around it) and two slots, then two staging halves (where a
// caller's own memory, which the peers cannot read, is copied to be all-reduced a piece at a
// time), then its data. Pages no call touches take no memory.
#pragma once

#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tflops::mpi::detail {

class NodeWindow {
 public:
  struct Control {
    std::uint64_t arrivals = 0;  // barriers this rank arrived at (only it writes)
    std::uint64_t calls = 0;     // all-reduces it started (only it writes); parity picks a slot
    std::uint64_t pieces = 0;    // pieces it staged (only it writes); parity picks a staging half
  };
  // Two per rank, used by alternate calls, so a rank can fill the next call's slot while a slow
  // peer still reads the last one: where the call's data sits in the rank's data, and small
  // data itself, in the cache line of the counter that publishes it.
  struct Slot {
    std::uint64_t published = 0;  // 1 + the call whose data the slot holds (only its rank writes)
    std::uint64_t offset = 0;
    std::uint64_t count = 0;
    // 8 KiB messages fit (the slot path beat the segments up to there), and two slots fill the
    // control block's pages.
    std::byte data[10184];
  };

  // Collective over `comm`, whose ranks must all share this node; `bytes` of data per rank.
  NodeWindow(MPI_Comm comm, std::size_t bytes);
  ~NodeWindow();
  NodeWindow(const NodeWindow&) = delete;
  NodeWindow& operator=(const NodeWindow&) = delete;

  std::size_t bytes() const { return bytes_; }
  std::byte* mine() const { return of(rank_); }
  // Rank `rank`'s data, mapped into this process.
  std::byte* of(int rank) const { return segments_[static_cast<std::size_t>(rank)] + kDataAt; }
  // One of rank `rank`'s two staging halves of kStagingBytes; parity of `piece` picks which.
  std::byte* staging(int rank, std::uint64_t piece) const {
    return segments_[static_cast<std::size_t>(rank)] + kControlBytes + (piece % 2) * kStagingBytes;
  }
  // The most bytes a piece of the caller's own memory may hold. Measured with 2 ranks, 8-16 MiB
  // messages: 256 KiB pieces ran 0.85-0.96x MPI_Allreduce in most runs, 1 MiB pieces 0.94-2.2x
  // (2 MiB a little better there, worse at 1-4 MiB and with 4 ranks).
  static constexpr std::size_t kStagingBytes = 1024 * 1024;
  Control& control(int rank) const {
    return *reinterpret_cast<Control*>(segments_[static_cast<std::size_t>(rank)]);
  }
  Slot& slot(int rank, std::uint64_t call) const {
    return reinterpret_cast<Slot*>(segments_[static_cast<std::size_t>(rank)] + kSlotsAt)[call % 2];
  }
  // Whether [data, data + bytes) lies in this rank's data.
  bool holds(const std::byte* data, std::size_t bytes) const;

 private:
  // The control block and the two slots take pages of their own ahead of the data, so the data
  // starts page-aligned and shares no cache line with the counters that ranks spin on.
  static constexpr std::size_t kControlBytes = 5 * 4096;
  static constexpr std::size_t kSlotsAt = 64;  // the control block has the first cache line
  static constexpr std::size_t kDataAt = kControlBytes + 2 * kStagingBytes;
  static_assert(sizeof(Control) <= kSlotsAt && kSlotsAt + 2 * sizeof(Slot) <= kControlBytes);

  MPI_Win window_ = MPI_WIN_NULL;
  std::size_t bytes_;
  int rank_ = 0;
  std::vector<std::byte*> segments_;
};

// Whether every rank of `comm` runs on this node (MPI_Comm_split_type SHARED). Collective.
bool on_one_node(MPI_Comm comm);

}  // namespace tflops::mpi::detail
