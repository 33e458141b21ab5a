// SPDX-License-Identifier: GPL-2.0-or-later
#include "node_window.h"

#include <algorithm>
#include <cstdint>
#include <new>

#include "tflops/mpi/communicator.h"

namespace tflops::mpi::detail {

bool on_one_node(MPI_Comm comm) {
  MPI_Comm node = MPI_COMM_NULL;
  check_mpi(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node),
            "MPI_Comm_split_type(MPI_COMM_TYPE_SHARED)");
  int node_size = 0, size = 0;
  MPI_Comm_size(node, &node_size);
  MPI_Comm_size(comm, &size);
  MPI_Comm_free(&node);
  return node_size == size;
}

NodeWindow::NodeWindow(MPI_Comm comm, std::size_t bytes) : bytes_(bytes) {
  MPI_Comm_rank(comm, &rank_);
  int size = 0;
  MPI_Comm_size(comm, &size);
  // Each rank's segment on its own pages (first touched by its owner): no false sharing, and
  // on a NUMA node the memory sits near the rank that writes it.
  MPI_Info info = MPI_INFO_NULL;
  MPI_Info_create(&info);
  MPI_Info_set(info, "alloc_shared_noncontig", "true");
  std::byte* base = nullptr;
  const int code = MPI_Win_allocate_shared(static_cast<MPI_Aint>(kDataAt + bytes), 1, info, comm, &base,
                                           &window_);
  MPI_Info_free(&info);
  check_mpi(code, "MPI_Win_allocate_shared of the node buffer");
  segments_.resize(static_cast<std::size_t>(size));
  for (int r = 0; r < size; ++r) {
    MPI_Aint segment_bytes = 0;
    int unit = 0;
    check_mpi(
        MPI_Win_shared_query(window_, r, &segment_bytes, &unit, &segments_[static_cast<std::size_t>(r)]),
        "MPI_Win_shared_query of the node buffer");
  }
  new (base) Control{};
  for (std::size_t i = 0; i < 2; ++i) new (base + kSlotsAt + i * sizeof(Slot)) Slot{};
  check_mpi(MPI_Win_lock_all(MPI_MODE_NOCHECK, window_), "MPI_Win_lock_all on the node buffer");
  // No rank may read a peer's control block before the peer has initialised it.
  check_mpi(MPI_Barrier(comm), "MPI_Barrier after creating the node buffer");
}

NodeWindow::~NodeWindow() {
  MPI_Win_unlock_all(window_);
  MPI_Win_free(&window_);
}

bool NodeWindow::holds(const std::byte* data, std::size_t bytes) const {
  const auto first = reinterpret_cast<std::uintptr_t>(mine());
  const auto address = reinterpret_cast<std::uintptr_t>(data);
  return address >= first && bytes <= bytes_ && address - first <= bytes_ - bytes;
}

}  // namespace tflops::mpi::detail
