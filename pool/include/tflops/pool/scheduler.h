// SPDX-License-Identifier: GPL-2.0-or-later
// The job lifecycle on the pool (steps 2-3 and 7-8 of the method, doc/design.md): admission,
// placement, preemption by suspend-and-release, migration, and resuming suspended jobs in priority
// order.
//
// submit():  refused for good when the request can never fit (more than any node's domain, or
//            than the pool); otherwise placed on free blocks (migrating running jobs when the
//            blocks are there but no run holds them); otherwise, if lower-priority jobs hold
//            enough, they are suspended and their blocks released; otherwise it waits.
// end():     frees the job's blocks, then suspended and waiting jobs are placed again in order of
//            priority (higher first; at equal priority suspended before waiting, then oldest
//            first), a suspended job on its old blocks when they are free, else anywhere. A job
//            that does not fit yet does not hold back a lower-priority one that does.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tflops/pool/block_pool.h"
#include "tflops/pool/migration.h"
#include "tflops/pool/running_job.h"

namespace tflops::pool {

enum class JobState : std::uint8_t { running, suspended, waiting, refused, ended };

std::string_view job_state_name(JobState state);

struct JobSpec {
  JobId id = kNoJob;        // unique, non-zero (Slurm's job id)
  std::string name;         // for people; defaults to the id
  std::int64_t blocks = 0;  // per node; signed so that a bad request can be named in the error
  std::uint32_t nodes = 1;
  std::int64_t priority = 0;
  std::optional<std::string> node;
  std::optional<Kind> kind;
  bool migratable = true;
};

struct Job {
  JobSpec spec;
  JobState state = JobState::waiting;
  Spans spans;                  // held now (running only)
  Spans last_spans;             // held before it was suspended, to resume in place
  std::uint64_t queued_at = 0;  // order among suspended/waiting jobs
  std::string reason;           // why refused, waiting or suspended
};

enum class EventType : std::uint8_t { started, waiting, refused, suspended, resumed, moved, ended };

std::string_view event_type_name(EventType type);

struct Event {
  EventType type = EventType::started;
  JobId job = kNoJob;
  Spans from;  // moved, suspended, ended: the blocks given up
  Spans to;    // started, resumed, moved: the blocks taken
  std::string detail;
};

class Scheduler {
 public:
  explicit Scheduler(std::shared_ptr<const Layout> layout);

  // Throws Error for a bad request (blocks < 1, nodes < 1, node= together with nodes > 1,
  // unknown node, id 0 or already used); the pool is untouched then.
  std::vector<Event> submit(const JobSpec& spec);
  // Throws Error for an unknown job or one already ended or refused.
  std::vector<Event> end(JobId id);

  const Layout& layout() const { return pool_.layout(); }
  const BlockPool& blocks() const { return pool_; }
  const std::map<JobId, Job>& jobs() const { return jobs_; }
  const Job& job(JobId id) const;  // throws Error for an unknown id
  std::optional<JobId> find(std::string_view name) const;

  // State as versioned text, and back. restore() throws Error when the text is damaged, of
  // another version, made for another layout, or holds a block twice.
  std::string save() const;
  static Scheduler restore(std::shared_ptr<const Layout> layout, std::string_view text);

 private:
  Request request_of(const JobSpec& spec) const;
  std::vector<RunningJob> running_jobs() const;
  bool try_place(Job& job, std::vector<Event>& events, EventType as);
  void start(Job& job, const Spans& spans, std::vector<Event>& events, EventType as);
  void apply(const MigrationPlan& plan, std::vector<Event>& events);
  void suspend(Job& job, std::vector<Event>& events, const std::string& reason);
  void place_queued(std::vector<Event>& events);
  void set_state(Job& job, JobState state);  // keeps running_ and queued_ in step

  BlockPool pool_;
  std::map<JobId, Job> jobs_;
  std::set<JobId> running_;  // the jobs in each state that can still change, so that no step
  std::set<JobId> queued_;   // walks the ended ones: suspended and waiting jobs are queued
  // Per domain (any, then each kind): every node's capacity, largest first, for admission.
  std::array<std::vector<std::pair<std::uint32_t, std::uint32_t>>, kKindCount + 1> capacities_;
  std::uint64_t queue_clock_ = 0;
};

}  // namespace tflops::pool
