// SPDX-License-Identifier: GPL-2.0-or-later
// The job lifecycle on the README's worked examples and on bad requests.
#include "tflops/pool/scheduler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "spec_pools.h"
#include "tflops/pool/error.h"

using testing::HasSubstr;
using namespace tflops::pool;
using tflops::pool::fixtures::layout_of;
using tflops::pool::fixtures::spec_10t;
using tflops::pool::fixtures::spec_200t;

namespace {

JobSpec job(JobId id, std::int64_t blocks, std::int64_t priority = 0) {
  JobSpec spec;
  spec.id = id;
  spec.name = "app" + std::to_string(id);
  spec.blocks = blocks;
  spec.priority = priority;
  return spec;
}

// Pool-wide ranges [first, last] of a job, the way the README's worked example writes them.
std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges(const Scheduler& s, JobId id) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
  for (const Span& span : s.job(id).spans) {
    out.push_back(
        {s.layout().to_global(span.node, span.first), s.layout().to_global(span.node, span.end() - 1)});
  }
  return out;
}

using Ranges = std::vector<std::pair<std::uint64_t, std::uint64_t>>;

}  // namespace

TEST(Scheduler, Spec50TVirtualCardOnNode0) {
  Scheduler s(spec_200t());
  auto events = s.submit(job(1, 50));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::started);
  EXPECT_EQ(ranges(s, 1), (Ranges{{1, 50}}));
  // Blocks 1-18 GPU, 19-38 NPU, 39-50 FPGA.
  EXPECT_EQ(s.layout().card_at(0, 17).kind, Kind::gpu);
  EXPECT_EQ(s.layout().card_at(0, 18).kind, Kind::npu);
  EXPECT_EQ(s.layout().card_at(0, 38).kind, Kind::fpga);
  s.end(1);
  EXPECT_EQ(s.blocks().free_blocks(), 200u);  // step 7: the blocks return to the pool
}

TEST(Scheduler, SpecMigrationExampleCompact) {
  Scheduler s(spec_10t());
  s.submit(job(1, 3));
  s.submit(job(2, 3));
  s.submit(job(3, 2));
  EXPECT_EQ(ranges(s, 1), (Ranges{{1, 3}}));
  EXPECT_EQ(ranges(s, 2), (Ranges{{4, 6}}));
  EXPECT_EQ(ranges(s, 3), (Ranges{{7, 8}}));
  s.end(1);  // free 1-3 and 9-10
  auto events = s.submit(job(4, 4));
  EXPECT_EQ(ranges(s, 2), (Ranges{{1, 3}}));
  EXPECT_EQ(ranges(s, 3), (Ranges{{4, 5}}));
  EXPECT_EQ(ranges(s, 4), (Ranges{{6, 9}}));
  EXPECT_EQ(s.blocks().free_runs(0).size(), 1u);
  EXPECT_EQ(s.blocks().free_runs(0)[0].first, 9u);  // free 10
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type, EventType::moved);
  EXPECT_THAT(events[0].detail, HasSubstr("renumbered"));  // one card: it keeps running
  EXPECT_EQ(events[2].type, EventType::started);
}

TEST(Scheduler, MovesToOtherCardsSayTheJobStops) {
  // The README's migration example on two 5-block cards: app2 and app3 end up on gpu0 only.
  Scheduler s(layout_of("NodeName=node0 Kind=gpu Name=gpu[0-1] TFLOPS=5"));
  for (JobId id : {1, 2, 3}) s.submit(job(id, id == 3 ? 2 : 3));
  s.end(1);
  auto events = s.submit(job(4, 4));
  ASSERT_EQ(events.size(), 3u);
  for (int i : {0, 1}) {
    EXPECT_EQ(events[i].type, EventType::moved);
    EXPECT_THAT(events[i].detail, HasSubstr("other cards"));
  }
}

TEST(Scheduler, SpecMigrationExampleMinimal) {
  Scheduler s(spec_10t("MigrationPolicy=minimal"));
  for (JobId id : {1, 2, 3}) s.submit(job(id, id == 3 ? 2 : 3));
  s.end(1);
  s.submit(job(4, 4));
  EXPECT_EQ(ranges(s, 2), (Ranges{{4, 6}}));  // stays
  EXPECT_EQ(ranges(s, 3), (Ranges{{1, 2}}));  // the only one moved
  EXPECT_EQ(ranges(s, 4), (Ranges{{7, 10}}));
}

TEST(Scheduler, WithoutMigrationTheFewestRuns) {
  Scheduler s(spec_10t("MigrationPolicy=none"));
  for (JobId id : {1, 2, 3}) s.submit(job(id, id == 3 ? 2 : 3));
  s.end(1);
  s.submit(job(4, 4));
  EXPECT_EQ(ranges(s, 4), (Ranges{{1, 3}, {9, 9}}));
}

TEST(Scheduler, PreemptionSuspendsReleasesAndResumesInPriorityOrder) {
  Scheduler s(spec_10t());
  s.submit(job(1, 4, /*priority=*/1));
  s.submit(job(2, 6, /*priority=*/2));
  // Step 3: 5 blocks wanted, none free; both lower, job 1 is lowest but holds too few alone.
  auto events = s.submit(job(3, 5, 10));
  EXPECT_EQ(s.job(3).state, JobState::running);
  EXPECT_EQ(s.job(2).state, JobState::suspended);  // one job (6 blocks) beats two
  EXPECT_EQ(s.job(1).state, JobState::running);
  EXPECT_TRUE(s.job(2).spans.empty());
  EXPECT_THAT(s.job(2).reason, HasSubstr("preempted by job app3"));
  EXPECT_EQ(events.front().type, EventType::suspended);
  // A job that cannot preempt (job 1 has its priority) waits.
  s.submit(job(4, 3, 1));
  EXPECT_EQ(s.job(4).state, JobState::waiting);
  // Step 8: blocks free again -> the suspended job resumes before the waiting one (higher
  // priority), on its old blocks.
  s.end(3);
  EXPECT_EQ(s.job(2).state, JobState::running);
  EXPECT_EQ(ranges(s, 2), (Ranges{{5, 10}}));
  EXPECT_EQ(s.job(4).state, JobState::waiting);
  s.end(1);
  EXPECT_EQ(s.job(4).state, JobState::running);
}

TEST(Scheduler, ResumesOnOtherBlocksWhenItsOwnAreTaken) {
  Scheduler s(spec_10t());
  s.submit(job(1, 6, 1));
  s.submit(job(2, 4, 1));  // 7-10
  s.submit(job(3, 6, 5));  // suspends job 1, takes 1-6
  ASSERT_EQ(s.job(1).state, JobState::suspended);
  s.end(2);  // 7-10 free, job 1 needs 6: not yet
  EXPECT_EQ(s.job(1).state, JobState::suspended);
  s.submit(job(4, 2, 0));  // low job takes 7-8
  s.end(3);                // 1-6 free again
  EXPECT_EQ(s.job(1).state, JobState::running);
  EXPECT_EQ(ranges(s, 1), (Ranges{{1, 6}}));
}

TEST(Scheduler, NeverFittingRequestsAreRefusedForGood) {
  Scheduler s(spec_200t());
  s.submit(job(1, 64));
  EXPECT_EQ(s.job(1).state, JobState::refused);
  EXPECT_THAT(s.job(1).reason, HasSubstr("largest node (node0) has 63"));
  JobSpec typed = job(2, 26);
  typed.kind = Kind::fpga;
  s.submit(typed);
  EXPECT_THAT(s.job(2).reason, HasSubstr("26 fpga blocks"));
  JobSpec wide = job(3, 30);
  wide.nodes = 4;
  s.submit(wide);
  EXPECT_THAT(s.job(3).reason, HasSubstr("only 3 nodes have"));
  JobSpec huge = job(4, 60);
  huge.nodes = 4;
  s.submit(huge);
  EXPECT_THAT(s.job(4).reason, HasSubstr("pool has 200"));
  JobSpec pinned = job(5, 30);
  pinned.node = "node2";
  s.submit(pinned);
  EXPECT_THAT(s.job(5).reason, HasSubstr("node node2 has 26"));
  EXPECT_EQ(s.blocks().free_blocks(), 200u);
}

TEST(Scheduler, BadRequestsAreErrorsAndChangeNothing) {
  Scheduler s(spec_200t());
  s.submit(job(1, 10));
  EXPECT_THAT([&] { s.submit(job(2, 0)); }, testing::ThrowsMessage<Error>(HasSubstr("at least 1 block")));
  EXPECT_THAT([&] { s.submit(job(2, -5)); }, testing::ThrowsMessage<Error>(HasSubstr("asks for -5 blocks")));
  EXPECT_THAT([&] { s.submit(job(1, 5)); }, testing::ThrowsMessage<Error>(HasSubstr("already used")));
  JobSpec unknown = job(2, 5);
  unknown.node = "node9";
  EXPECT_THAT([&] { s.submit(unknown); },
              testing::ThrowsMessage<Error>(HasSubstr("unknown node 'node9'; the pool has node0, node1")));
  EXPECT_THAT([&] { s.end(42); }, testing::ThrowsMessage<Error>(HasSubstr("unknown job 42")));
  s.end(1);
  EXPECT_THAT([&] { s.end(1); }, testing::ThrowsMessage<Error>(HasSubstr("already ended")));
  EXPECT_EQ(s.jobs().size(), 1u);
  EXPECT_EQ(s.blocks().free_blocks(), 200u);
}

TEST(Scheduler, EndingASuspendedOrWaitingJobCancelsIt) {
  Scheduler s(spec_10t());
  s.submit(job(1, 10, 1));
  s.submit(job(2, 10, 5));
  s.submit(job(3, 10, 0));
  EXPECT_EQ(s.job(1).state, JobState::suspended);
  EXPECT_EQ(s.job(3).state, JobState::waiting);
  s.end(1);
  s.end(3);
  s.end(2);
  EXPECT_EQ(s.blocks().free_blocks(), 10u);
  for (const auto& [id, j] : s.jobs()) EXPECT_EQ(j.state, JobState::ended) << id;
}
