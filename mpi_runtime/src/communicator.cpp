// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/mpi/communicator.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "node_window.h"

namespace tflops::mpi {

namespace {

using Clock = std::chrono::steady_clock;

// A poll loop never pauses this long on its own: a longer gap means the process was stopped.
constexpr auto kStoppedGap = std::chrono::seconds(1);
// Polls spin this long before yielding the core, which an oversubscribed node needs.
constexpr auto kSpinBeforeYield = std::chrono::microseconds(50);
// Waits poll this often before the watchdog reads the clock: small messages finish within
// these, and a clock read per poll made 8 B all-reduces 0.15 us (a quarter) slower.
constexpr int kPollsBeforeWatchdog = 256;
constexpr auto kIdleHookEvery = std::chrono::milliseconds(10);

std::string peer_list(std::span<const int> peers) {
  std::string text;
  for (int peer : peers) {
    if (!text.empty()) text += ", ";
    text += std::to_string(peer);
  }
  return text;
}

// How a wait's error names the ranks it waited on: before and after the list.
struct Stalled {
  std::string_view before, after;
};

// The watchdog of one wait. The first kPollsBeforeWatchdog fruitless polls cost nothing; after
// them each reads the clock, runs the idle hook now and then, yields the core after a short
// spin, and throws RankFailure naming pending() once nothing moved for the timeout.
class StallWatch {
 public:
  StallWatch(double timeout_s, const std::function<void()>& idle_hook)
      : timeout_s_(timeout_s), idle_hook_(idle_hook) {}

  template <class Pending>
  void fruitless(int poll, const Pending& pending, std::string_view what, Stalled stalled) {
    if (poll < kPollsBeforeWatchdog) return;
    const auto now = Clock::now();
    if (poll == kPollsBeforeWatchdog) last_progress_ = last_poll_ = last_hook_ = now;
    if (now - last_poll_ > kStoppedGap) last_progress_ = now;  // we were stopped, not the peers
    last_poll_ = now;
    const std::chrono::duration<double> idle = now - last_progress_;
    if (idle.count() > timeout_s_) {
      std::vector<int> ranks = pending();
      std::sort(ranks.begin(), ranks.end());
      ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());
      char seconds[32];
      std::snprintf(seconds, sizeof seconds, "%.1f", timeout_s_);
      throw RankFailure(std::string(what) + ": " + std::string(stalled.before) + peer_list(ranks) +
                            std::string(stalled.after) + " for " + seconds + " s: that rank (or one it " +
                            "waits on) has failed or hung (TFLOPS_MPI_TIMEOUT sets the limit)",
                        ranks);
    }
    if (idle_hook_ && now - last_hook_ > kIdleHookEvery) {
      last_hook_ = now;
      idle_hook_();
      last_poll_ = Clock::now();  // time spent suspended in the hook is not the peers' fault
      if (last_poll_ - now > kStoppedGap) last_progress_ = last_poll_;
    }
    if (idle > kSpinBeforeYield) std::this_thread::yield();
  }

 private:
  double timeout_s_;
  const std::function<void()>& idle_hook_;
  Clock::time_point last_progress_, last_poll_, last_hook_;
};

}  // namespace

double timeout_from_environment() {
  const char* text = std::getenv("TFLOPS_MPI_TIMEOUT");
  if (text == nullptr || *text == '\0') return 120.0;
  char* end = nullptr;
  const double seconds = std::strtod(text, &end);
  if (end == text || *end != '\0' || !(seconds > 0)) {
    throw std::invalid_argument("TFLOPS_MPI_TIMEOUT='" + std::string(text) +
                                "' is not a positive number of seconds; set e.g. TFLOPS_MPI_TIMEOUT=120");
  }
  return seconds;
}

void check_mpi(int code, std::string_view what, std::span<const int> peers) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  std::string message = std::string(what) + " failed: " + std::string(text, length);
  if (!peers.empty()) message += " (talking to rank " + peer_list(peers) + ")";
  throw RankFailure(message, {peers.begin(), peers.end()});
}

Communicator::Communicator(MPI_Comm parent, double timeout_s) : timeout_s_(timeout_s) {
  check_mpi(MPI_Comm_dup(parent, &comm_), "MPI_Comm_dup");
  MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
}

Communicator::~Communicator() {
  node_window_.reset();  // its MPI window belongs to comm_
  if (comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
}

std::span<const int> Communicator::wait_some(std::span<MPI_Request> requests, std::span<const int> peers,
                                             std::string_view what) {
  done_.resize(requests.size());
  const int count = static_cast<int>(requests.size());
  auto pending = [&] {
    std::vector<int> ranks;
    for (std::size_t i = 0; i < requests.size(); ++i) {
      if (requests[i] != MPI_REQUEST_NULL) ranks.push_back(peers[i]);
    }
    return ranks;
  };
  StallWatch watch(timeout_s_, idle_hook_);
  for (int poll = 0;; ++poll) {
    int completed = 0;
    const int code = MPI_Testsome(count, requests.data(), &completed, done_.data(), MPI_STATUSES_IGNORE);
    if (code != MPI_SUCCESS) check_mpi(code, what, pending());
    if (completed == MPI_UNDEFINED) return {};
    if (completed > 0) return {done_.data(), static_cast<std::size_t>(completed)};
    watch.fruitless(poll, pending, what, {"no message from or to rank ", " moved"});
  }
}

void Communicator::wait_until(const std::function<bool()>& done,
                              const std::function<std::vector<int>()>& lagging, std::string_view what) {
  StallWatch watch(timeout_s_, idle_hook_);
  for (int poll = 0; !done(); ++poll) {
    if (oversubscribed_) std::this_thread::yield();
    watch.fruitless(poll, lagging, what, {"rank ", " did not arrive"});
  }
}

void Communicator::wait_all(std::span<MPI_Request> requests, std::span<const int> peers,
                            std::string_view what) {
  // Small messages are usually done within a few polls: test them all together without reading
  // the clock, which costs a measurable share of a sub-microsecond all-reduce.
  for (int poll = 0; poll < kPollsBeforeWatchdog; ++poll) {
    int all_done = 0;
    const int code = MPI_Testall(static_cast<int>(requests.size()), requests.data(), &all_done,
                                 MPI_STATUSES_IGNORE);
    if (code != MPI_SUCCESS) break;  // wait_some names the peers
    if (all_done) return;
  }
  while (!wait_some(requests, peers, what).empty()) {}
}

std::byte* Communicator::scratch(std::size_t bytes) {
  if (scratch_.size() < bytes) scratch_.resize(bytes);
  return scratch_.data();
}

std::byte* Communicator::node_buffer(std::size_t bytes) {
  if (on_one_node_ < 0) {
    on_one_node_ = detail::on_one_node(comm_) ? 1 : 0;
    oversubscribed_ = on_one_node_ && size_ > static_cast<int>(std::thread::hardware_concurrency());
  }
  if (!on_one_node_) {
    if (private_buffer_.size() < bytes) private_buffer_.resize(bytes);
    return private_buffer_.data();
  }
  if (!node_window_ || node_window_->bytes() < bytes) {
    auto grown = std::make_unique<detail::NodeWindow>(comm_, bytes);
    if (node_window_) std::memcpy(grown->mine(), node_window_->mine(), node_window_->bytes());
    node_window_ = std::move(grown);
  }
  return node_window_->mine();
}

void Communicator::abort_job(std::string_view message, int code) const {
  std::fprintf(stderr, "tflops-mpi: rank %d: %.*s; aborting the job\n", rank_,
               static_cast<int>(message.size()), message.data());
  std::fflush(stderr);
  MPI_Abort(comm_, code);
  std::abort();  // MPI_Abort does not return; this keeps [[noreturn]] honest
}

}  // namespace tflops::mpi
