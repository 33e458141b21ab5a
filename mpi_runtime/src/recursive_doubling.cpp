// Recursive doubling all-reduce (Thakur, Rabenseifner, Gropp 2005), for small messages.
//
// With p not a power of two, the first 2*rem ranks (rem = p - p2, p2 the largest power of two
// <= p) pair up: each even rank hands its buffer to the odd one above and sits out; the p2
// remaining ranks exchange and add whole buffers lg p2 times; then the odd ranks hand the result
// back. Float addition is commutative, so both sides of an exchange compute the same bits.
#include <bit>

#include "host_algorithms.h"

namespace tflops::mpi::detail {

namespace {

constexpr int kTag = 1 << 14;  // apart from the ring's slot tags
constexpr const char* kWhat = "tflops recursive-doubling all-reduce";

void exchange(Communicator& comm, int peer, const std::byte* send, std::byte* receive, int bytes) {
  MPI_Request requests[2] = {MPI_REQUEST_NULL, MPI_REQUEST_NULL};
  const int peers[2] = {peer, peer};
  if (receive != nullptr) {
    check_mpi(MPI_Irecv(receive, bytes, MPI_BYTE, peer, kTag, comm.get(), &requests[0]), kWhat, {&peer, 1});
  }
  if (send != nullptr) {
    check_mpi(MPI_Isend(send, bytes, MPI_BYTE, peer, kTag, comm.get(), &requests[1]), kWhat, {&peer, 1});
  }
  comm.wait_all(requests, peers, kWhat);
}

}  // namespace

void recursive_doubling_allreduce(Communicator& comm, std::byte* data, std::size_t count,
                                  DType type) {
  const int ranks = comm.size();
  const int rank = comm.rank();
  const int bytes = static_cast<int>(count * dtype_size(type));
  std::byte* received = comm.scratch(static_cast<std::size_t>(bytes));
  const int core = static_cast<int>(std::bit_floor(static_cast<unsigned>(ranks)));
  const int extra = ranks - core;

  int core_rank = rank - extra;  // rank among the p2 that exchange; -1 sits out
  if (rank < 2 * extra) {
    if (rank % 2 == 0) {
      exchange(comm, rank + 1, data, nullptr, bytes);
      core_rank = -1;
    } else {
      exchange(comm, rank - 1, nullptr, received, bytes);
      sum_into(type, data, received, count);
      core_rank = rank / 2;
    }
  }
  if (core_rank >= 0) {
    for (int mask = 1; mask < core; mask <<= 1) {
      const int core_peer = core_rank ^ mask;
      const int peer = core_peer < extra ? 2 * core_peer + 1 : core_peer + extra;
      exchange(comm, peer, data, received, bytes);
      sum_into(type, data, received, count);
    }
  }
  if (rank < 2 * extra) {
    if (rank % 2 == 1) {
      exchange(comm, rank - 1, data, nullptr, bytes);
    } else {
      exchange(comm, rank + 1, nullptr, data, bytes);
    }
  }
}

}  // namespace tflops::mpi::detail
