// Memory every rank of a one-node communicator can load and store: an MPI-3 shared-memory
// window (MPI_Win_allocate_shared) with one segment per rank, kept in a passive-target epoch
// (MPI_Win_lock_all) for its whole life, so ranks use plain loads and stores and order them
// with sync() around their messages, as the MPI standard's unified memory model asks.
#pragma once

#include <mpi.h>

#include <cstddef>
#include <vector>

namespace tflops::mpi::detail {

class NodeWindow {
 public:
  // Collective over `comm`, whose ranks must all share this node; `bytes` per rank.
  NodeWindow(MPI_Comm comm, std::size_t bytes);
  ~NodeWindow();
  NodeWindow(const NodeWindow&) = delete;
  NodeWindow& operator=(const NodeWindow&) = delete;

  std::size_t bytes() const { return bytes_; }
  std::byte* mine() const { return segments_[rank_]; }
  // Rank `rank`'s segment, mapped into this process.
  std::byte* of(int rank) const { return segments_[static_cast<std::size_t>(rank)]; }
  // Whether [data, data + bytes) lies in this rank's segment.
  bool holds(const std::byte* data, std::size_t bytes) const;
  // A memory barrier for the window: stores before it are visible to a peer that syncs after
  // a message that left after it.
  void sync() const;

 private:
  MPI_Win window_ = MPI_WIN_NULL;
  std::size_t bytes_;
  int rank_ = 0;
  std::vector<std::byte*> segments_;
};

// Whether every rank of `comm` runs on this node (MPI_Comm_split_type SHARED). Collective.
bool on_one_node(MPI_Comm comm);

}  // namespace tflops::mpi::detail
