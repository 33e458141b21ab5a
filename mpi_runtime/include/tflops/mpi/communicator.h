// SPDX-License-Identifier: GPL-2.0-or-later
// The communicator every tflops collective runs on, and its failure detection.
//
// A Communicator duplicates the application's communicator, so the runtime's messages never
// match the application's, and sets MPI_ERRORS_RETURN on the copy, so a transport error comes
// back as a RankFailure instead of killing the process without a word.
//
// Failure: collectives wait with a watchdog. When none of the messages a rank waits for moves
// for `timeout` seconds, the wait throws RankFailure naming the ranks it was waiting on. A rank
// that died outright is usually reported sooner by the launcher (mpirun, srun
// --kill-on-bad-exit); the watchdog bounds the wait when a rank hangs or a launcher does not
// notice. Time a process spends stopped (SIGSTOP/SIGTSTP, e.g. a job suspended by Slurm
// preemption) does not count: a gap of more than a second between two polls restarts the clock.
// After a RankFailure the communicator is unusable: print what() and call abort_job().
#pragma once

#include <mpi.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tflops::mpi {

namespace detail {
class NodeWindow;
}

class RankFailure : public std::runtime_error {
 public:
  RankFailure(const std::string& message, std::vector<int> suspects)
      : std::runtime_error(message), suspects_(std::move(suspects)) {}
  // The ranks whose messages did not arrive or were not taken (ranks of the communicator).
  const std::vector<int>& suspects() const { return suspects_; }

 private:
  std::vector<int> suspects_;
};

// Seconds without progress before a wait gives up: $TFLOPS_MPI_TIMEOUT, else 120. Throws
// std::invalid_argument naming the variable for a value that is not a positive number.
double timeout_from_environment();

class Communicator {
 public:
  explicit Communicator(MPI_Comm parent, double timeout_s = timeout_from_environment());
  ~Communicator();
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  MPI_Comm get() const { return comm_; }
  int rank() const { return rank_; }
  int size() const { return size_; }
  double timeout() const { return timeout_s_; }

  // Waits until at least one of the active requests completes and returns the indices of those
  // that did (empty when none is active). peers[i] is the rank request i talks to; `what`
  // names the operation in the error message.
  std::span<const int> wait_some(std::span<MPI_Request> requests, std::span<const int> peers,
                                 std::string_view what);
  void wait_all(std::span<MPI_Request> requests, std::span<const int> peers, std::string_view what);
  // Waits until done() holds, under the same watchdog, for waits on shared memory rather than
  // messages: lagging() names the ranks that have not done their part. When the node buffer
  // found more ranks than cores, every fruitless poll yields the core, as MPI's own waits do
  // then: the awaited rank may be waiting for it.
  void wait_until(const std::function<bool()>& done, const std::function<std::vector<int>()>& lagging,
                  std::string_view what);

  // Called every ~10 ms while a wait has nothing to do:
  // lets a trainer honour a suspend request while it waits on its peers (suspend_point.h).
  void set_idle_hook(std::function<void()> hook) { idle_hook_ = std::move(hook); }

  // A reusable host buffer of at least `bytes` (valid until the next call): collectives stage
  // received data here instead of allocating per call, which small messages would feel.
  std::byte* scratch(std::size_t bytes);

  // `bytes` of this rank's memory that the other ranks can read too, when they all run on this
  // node (MPI-3 shared memory): an all-reduce of data inside it reads the peers' copies directly
  // instead of sending messages (allreduce.h). For data all-reduced again and again, like a
  // training step's gradients. Collective: every rank asks for the same size. Valid, contents
  // kept, until a call asks for more; when the ranks span nodes it is private memory.
  std::byte* node_buffer(std::size_t bytes);
  // The shared memory behind node_buffer; null before the first call or across nodes.
  const detail::NodeWindow* node_window() const { return node_window_.get(); }

  // Ends the whole job: prints `message` prefixed with this rank and calls MPI_Abort.
  [[noreturn]] void abort_job(std::string_view message, int code = 1) const;

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
  double timeout_s_;
  std::vector<int> done_;
  std::vector<std::byte> scratch_;
  int on_one_node_ = -1;         // unknown until node_buffer first asks
  bool oversubscribed_ = false;  // all ranks on this node, more of them than cores
  std::unique_ptr<detail::NodeWindow> node_window_;
  std::vector<std::byte> private_buffer_;  // node_buffer when the ranks span nodes
  std::function<void()> idle_hook_;
};

// Throws RankFailure for an MPI error code other than MPI_SUCCESS; `what` says what was done.
void check_mpi(int code, std::string_view what, std::span<const int> peers = {});

}  // namespace tflops::mpi
