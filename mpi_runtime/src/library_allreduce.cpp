// The MPI library's own all-reduce (MPI_Iallreduce), for the message sizes where it wins: tuned
// for the local transport and topology, it has the fewest latencies for small messages. It is
// nonblocking so that the wait goes through the communicator's watchdog: a blocking
// MPI_Allreduce would hang for good on a rank that hangs.
#include <climits>
#include <stdexcept>
#include <string>

#include "host_algorithms.h"

namespace tflops::mpi::detail {

namespace {

constexpr const char* kWhat = "tflops all-reduce (MPI library)";

}  // namespace

bool library_sums(DType type) { return type == DType::f32 || type == DType::f64; }

void library_allreduce(Communicator& comm, std::byte* data, std::size_t count, DType type) {
  if (!library_sums(type))
    throw std::invalid_argument("the MPI library's all-reduce has no " + std::string(dtype_name(type)) +
                                " sum; use the ring or recursive doubling");
  if (count > static_cast<std::size_t>(INT_MAX))
    throw std::invalid_argument("an MPI library all-reduce of " + std::to_string(count) +
                                " elements is more than one MPI call can count; use the ring");
  std::vector<int> peers;
  for (int r = 0; r < comm.size(); ++r)
    if (r != comm.rank()) peers.push_back(r);
  MPI_Request request = MPI_REQUEST_NULL;
  check_mpi(MPI_Iallreduce(MPI_IN_PLACE, data, static_cast<int>(count),
                           type == DType::f32 ? MPI_FLOAT : MPI_DOUBLE, MPI_SUM, comm.get(), &request),
            kWhat, peers);
  // The request stands for all peers: a timeout names them all.
  std::vector<int> any_peer(1, peers.empty() ? comm.rank() : peers.front());
  comm.wait_all({&request, 1}, any_peer, kWhat);
}

}  // namespace tflops::mpi::detail
