// SPDX-License-Identifier: GPL-2.0-or-later
// SuspendPoint: whether a rank released its card before Slurm stopped it. Slurm sends SIGTSTP,
// SIGSTOP 2 s later, and SIGCONT at resume; a rank that gets the SIGTSTP releases its card at its
// next suspension point and then waits for the SIGCONT. A rank stopped first (under mpirun, which
// turns its own SIGTSTP into a SIGSTOP for the ranks) only sees the SIGCONT: it resumes its card
// all the same, but kept the device memory while stopped, and unwarned() counts that; late()
// counts the ones where the SIGTSTP came but the rank reached no suspension point before the stop.
#include "tflops/mpi/suspend_point.h"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <thread>

#include "tflops/hal/allocation.h"

using namespace tflops;

namespace {

constexpr const char* kCard = "gpu:gpu0::0-3=host";

hal::VirtualCard host_card() {
  hal::CardOptions options;
  options.source = [] { return hal::parse_card_list(kCard); };
  return hal::VirtualCard::from_card_list(kCard, options);
}

}  // namespace

TEST(SuspendPoint, NothingToHonourWithoutASignal) {
  hal::VirtualCard card = host_card();
  mpi::SuspendPoint point;
  EXPECT_FALSE(point.pending());
  EXPECT_FALSE(point.honour(card));
  EXPECT_EQ(point.suspensions(), 0u);
}

TEST(SuspendPoint, SigtstpReleasesTheCardUntilSigcont) {
  hal::VirtualCard card = host_card();
  mpi::SuspendPoint point;
  std::raise(SIGTSTP);
  ASSERT_TRUE(point.pending());
  bool suspended_while_waiting = false;
  std::thread slurm([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    suspended_while_waiting = card.suspended();
    std::raise(SIGCONT);
  });
  EXPECT_TRUE(point.honour(card));
  slurm.join();
  EXPECT_TRUE(suspended_while_waiting);
  EXPECT_FALSE(card.suspended());
  EXPECT_EQ(point.suspensions(), 1u);
  EXPECT_EQ(point.unwarned(), 0u);
  EXPECT_EQ(point.late(), 0u);
  EXPECT_FALSE(point.pending());
}

TEST(SuspendPoint, StoppedWithoutSigtstpCountsAsUnwarned) {
  hal::VirtualCard card = host_card();
  mpi::SuspendPoint point;
  std::raise(SIGCONT);  // the SIGSTOP before it left no trace: only the SIGCONT arrives
  EXPECT_TRUE(point.honour(card));
  EXPECT_FALSE(card.suspended());
  EXPECT_EQ(point.suspensions(), 1u);
  EXPECT_EQ(point.unwarned(), 1u);
  EXPECT_EQ(point.late(), 0u);  // no SIGTSTP: the launcher's doing, not the program's
}

TEST(SuspendPoint, SigcontBeforeTheCardWasReleasedCountsAsUnwarned) {
  hal::VirtualCard card = host_card();
  mpi::SuspendPoint point;
  std::raise(SIGTSTP);  // seen, but stopped before the next suspension point
  std::raise(SIGCONT);
  EXPECT_TRUE(point.honour(card));
  EXPECT_EQ(point.suspensions(), 1u);
  EXPECT_EQ(point.unwarned(), 1u);
  EXPECT_EQ(point.late(), 1u);
  // The next, timely one is not.
  std::raise(SIGTSTP);
  std::thread slurm([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::raise(SIGCONT);
  });
  EXPECT_TRUE(point.honour(card));
  slurm.join();
  EXPECT_EQ(point.suspensions(), 2u);
  EXPECT_EQ(point.unwarned(), 1u);
  EXPECT_EQ(point.late(), 1u);
}
