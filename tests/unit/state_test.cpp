// SPDX-License-Identifier: GPL-2.0-or-later
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "spec_pools.h"
#include "tflops/pool/error.h"
#include "tflops/pool/scheduler.h"

using testing::HasSubstr;
using namespace tflops::pool;
using tflops::pool::fixtures::spec_10t;
using tflops::pool::fixtures::spec_200t;

namespace {
Scheduler busy_pool() {
  Scheduler s(spec_200t());
  JobSpec a{1, "train a", 50, 1, 1, std::nullopt, std::nullopt, true};
  JobSpec b{2, "b=%x", 40, 1, 1, std::string("node1"), Kind::npu, false};
  JobSpec c{3, "-big", 63, 1, 9, std::nullopt, std::nullopt, true};
  s.submit(a);
  s.submit(b);
  s.submit(c);  // suspends a
  return s;
}
}  // namespace

TEST(State, SaveRestoreIsExact) {
  Scheduler s = busy_pool();
  ASSERT_EQ(s.job(1).state, JobState::suspended);
  std::string text = s.save();
  EXPECT_THAT(text, HasSubstr("tflops-pool-state 1\n"));
  Scheduler r = Scheduler::restore(spec_200t(), text);
  EXPECT_EQ(r.save(), text);
  EXPECT_EQ(r.job(1).spec.name, "train a");
  EXPECT_EQ(r.job(2).spec.name, "b=%x");
  EXPECT_EQ(r.job(3).spec.name, "-big");
  EXPECT_EQ(r.job(2).spec.kind, Kind::npu);
  EXPECT_FALSE(r.job(2).spec.migratable);
  EXPECT_EQ(r.job(1).last_spans, s.job(1).last_spans);
  for (std::uint32_t b = 0; b < 63; ++b) EXPECT_EQ(r.blocks().owner(0, b), s.blocks().owner(0, b));
  // Both go on the same way: the victim resumes when the preemptor ends.
  auto e1 = s.end(3);
  auto e2 = r.end(3);
  EXPECT_EQ(s.save(), r.save());
  EXPECT_EQ(r.job(1).state, JobState::running);
}

TEST(State, DamagedOrForeignStateIsRefused) {
  std::string text = busy_pool().save();
  auto expect_refused = [](const std::string& bad, const std::string& what) {
    EXPECT_THAT([&] { Scheduler::restore(spec_200t(), bad); }, testing::ThrowsMessage<Error>(HasSubstr(what)))
        << bad;
  };
  expect_refused("tflops-pool-state 2\n", "expected 'tflops-pool-state 1'");
  expect_refused("", "empty");
  expect_refused(text.substr(0, text.find("job id=3")) + "job id=3 name=x\n", "without");
  std::string twice = text + text.substr(text.find("job id=3")).replace(7, 1, "4");
  expect_refused(twice, "held by another job");
  EXPECT_THAT([&] { Scheduler::restore(spec_10t(), text); },
              testing::ThrowsMessage<Error>(HasSubstr("another card layout")));
}
