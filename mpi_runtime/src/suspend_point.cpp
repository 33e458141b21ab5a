// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/mpi/suspend_point.h"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace tflops::mpi {

namespace {

std::atomic<unsigned> stop_requests{0};  // SIGTSTP received
std::atomic<unsigned> continues{0};      // SIGCONT received
std::atomic<unsigned> continues_at_stop{0};
unsigned stops_handled = 0;
unsigned continues_handled = 0;
struct sigaction previous_tstp, previous_cont;

void on_tstp(int) {
  continues_at_stop.store(continues.load());
  stop_requests.fetch_add(1);
}
void on_cont(int) { continues.fetch_add(1); }

}  // namespace

SuspendPoint::SuspendPoint() {
  struct sigaction action = {};
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  action.sa_handler = on_tstp;
  sigaction(SIGTSTP, &action, &previous_tstp);
  action.sa_handler = on_cont;
  sigaction(SIGCONT, &action, &previous_cont);
  stops_handled = stop_requests.load();
  continues_handled = continues.load();
}

SuspendPoint::~SuspendPoint() {
  sigaction(SIGTSTP, &previous_tstp, nullptr);
  sigaction(SIGCONT, &previous_cont, nullptr);
}

bool SuspendPoint::pending() const {
  return stop_requests.load() != stops_handled || continues.load() != continues_handled;
}

bool SuspendPoint::honour(hal::VirtualCard& card) {
  // suspend(): buffers to host memory, devices released, so the blocks are really free;
  // resume(): re-reads this rank's share of the job's blocks and restores every buffer.
  return honour([&card] { card.suspend(); }, [&card] { card.resume(); });
}

bool SuspendPoint::honour(const std::function<void()>& release, const std::function<void()>& retake) {
  if (!pending()) return false;
  if (stop_requests.load() == stops_handled) {
    // Stopped and continued without a SIGTSTP: its blocks may have moved all the same.
    continues_handled = continues.load();
    release();
    retake();
    ++suspensions_;
    ++unwarned_;
    return true;
  }
  stops_handled = stop_requests.load();
  // Continued already: it was stopped before it got here, holding the card.
  if (continues.load() != continues_at_stop.load()) {
    ++unwarned_;
    ++late_;
  }
  release();
  // Sleep until a SIGCONT that came after the SIGTSTP. Polled, not sigsuspend: the signal goes
  // to whichever thread does not block it (MPI's and the HAL's threads too), so it need not
  // wake this one.
  while (continues.load() == continues_at_stop.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  retake();
  continues_handled = continues.load();
  ++suspensions_;
  return true;
}

}  // namespace tflops::mpi
