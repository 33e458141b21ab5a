// SPDX-License-Identifier: GPL-2.0-or-later
// The registry of suspended jobs and its state file.
#include "suspended_jobs.h"

#include <gtest/gtest.h>

#include "tflops/pool/error.h"

namespace tflops::select {
namespace {

SuspendedJob job(pool::JobId id, bool preempted, std::int64_t priority, std::int64_t at = 0) {
  SuspendedJob j;
  j.job = id;
  j.preempted = preempted;
  j.priority = priority;
  j.suspended_at = at;
  j.blocks = "node0:0-" + std::to_string(id);
  return j;
}

TEST(SuspendedJobs, ResumeOrderIsPriorityThenSuspensionOrderAndSkipsAdminSuspends) {
  SuspendedJobs jobs;
  jobs.add(job(7, true, 1));
  jobs.add(job(8, false, 100));  // an admin's: never resumes by itself
  jobs.add(job(9, true, 5));
  jobs.add(job(10, true, 1));
  EXPECT_EQ(jobs.resume_order(0), (std::vector<pool::JobId>{9, 7, 10}));
}

TEST(SuspendedJobs, JobsWaitUntilTheirSuspensionSettles) {
  SuspendedJobs jobs;
  jobs.add(job(1, true, 1, 100));
  jobs.add(job(2, true, 1, 103));
  EXPECT_EQ(jobs.resume_order(99), std::vector<pool::JobId>{});
  EXPECT_EQ(jobs.resume_order(100), std::vector<pool::JobId>{1});
  EXPECT_EQ(jobs.resume_order(200), (std::vector<pool::JobId>{1, 2}));
}

TEST(SuspendedJobs, AddingAgainKeepsTheOriginalOrder) {
  SuspendedJobs jobs;
  jobs.add(job(1, true, 1));
  jobs.add(job(2, true, 1));
  auto again = job(1, true, 1);
  again.holds_blocks = true;
  jobs.add(again);
  EXPECT_EQ(jobs.resume_order(0), (std::vector<pool::JobId>{1, 2}));
  EXPECT_TRUE(jobs.find(1)->holds_blocks);
  jobs.remove(1);
  EXPECT_EQ(jobs.find(1), nullptr);
}

TEST(SuspendedJobs, StateFileRoundTrips) {
  SuspendedJobs jobs;
  jobs.add(job(42, true, 10));
  auto held = job(43, true, 3);
  held.holds_blocks = true;
  held.released_cores = true;
  jobs.add(held);
  jobs.add(job(44, false, 1));
  const std::string text = jobs.save();
  auto back = SuspendedJobs::restore(text, "state");
  ASSERT_EQ(back.all().size(), 3u);
  EXPECT_EQ(back.save(), text);
  EXPECT_TRUE(back.find(43)->holds_blocks);
  EXPECT_TRUE(back.find(43)->released_cores);
  EXPECT_FALSE(back.find(42)->released_cores);
  EXPECT_FALSE(back.find(44)->preempted);
  EXPECT_EQ(back.find(42)->blocks, "node0:0-42");
  // New entries continue the order after the restored ones.
  back.add(job(45, true, 10));
  EXPECT_EQ(back.resume_order(0), (std::vector<pool::JobId>{42, 45, 43}));
}

// A file written before victims could give their cores away: every job kept its cores.
TEST(SuspendedJobs, Version1StateFilesAreStillRead) {
  auto back = SuspendedJobs::restore(
      "tflops-select-state 1\n"
      "job 42 preempted 1 held 0 priority 10 order 7 blocks node0:0-17\n"
      "end 1\n",
      "state");
  ASSERT_NE(back.find(42), nullptr);
  EXPECT_TRUE(back.find(42)->preempted);
  EXPECT_FALSE(back.find(42)->released_cores);
  EXPECT_EQ(back.find(42)->priority, 10);
  EXPECT_EQ(back.find(42)->blocks, "node0:0-17");
  EXPECT_EQ(back.save().substr(0, 22), "tflops-select-state 2\n");
}

TEST(SuspendedJobs, DamagedStateFilesAreRefusedNamingTheLine) {
  auto message = [](const std::string& text) {
    try {
      SuspendedJobs::restore(text, "tflops_select_state");
    } catch (const pool::Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message("other 1\nend 0\n").find("tflops_select_state:1"), std::string::npos);
  EXPECT_NE(message("tflops-select-state 2\njob 1 preempted 1 held 0 cores 0 priority 1 order 1 blocks -\n")
                .find("cut short"),
            std::string::npos);
  EXPECT_NE(
      message("tflops-select-state 2\njob x preempted 1 held 0 cores 0 priority 1 order 1 blocks -\nend 1\n")
          .find("tflops_select_state:2"),
      std::string::npos);
  // A version 2 line must say whether the job's cores were given away.
  EXPECT_NE(message("tflops-select-state 2\njob 1 preempted 1 held 0 priority 1 order 1 blocks -\nend 1\n")
                .find("cores 0|1"),
            std::string::npos);
  EXPECT_NE(message("tflops-select-state 2\nend 2\n").find("counts 2"), std::string::npos);
  EXPECT_EQ(message("tflops-select-state 2\nend 0\n"), "accepted");
}

}  // namespace
}  // namespace tflops::select
