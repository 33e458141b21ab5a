// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/pool/scheduler.h"

#include <algorithm>
#include <limits>
#include <tuple>

#include "tflops/pool/error.h"
#include "tflops/pool/preemption.h"

namespace tflops::pool {
namespace {

std::string describe(const JobSpec& spec) { return "job " + spec.name; }

std::string blocks_phrase(std::int64_t blocks, std::optional<Kind> kind) {
  std::string phrase = std::to_string(blocks);
  if (kind) phrase.append(" ").append(kind_name(*kind));
  return phrase + " blocks";
}

bool one_run_per_node(const Spans& spans) {
  for (std::size_t i = 1; i < spans.size(); ++i) {
    if (spans[i].node == spans[i - 1].node) return false;
  }
  return true;
}

}  // namespace

std::string_view job_state_name(JobState state) {
  switch (state) {
    case JobState::running: return "running";
    case JobState::suspended: return "suspended";
    case JobState::waiting: return "waiting";
    case JobState::refused: return "refused";
    case JobState::ended: return "ended";
  }
  return "?";
}

std::string_view event_type_name(EventType type) {
  switch (type) {
    case EventType::started: return "started";
    case EventType::waiting: return "waiting";
    case EventType::refused: return "refused";
    case EventType::suspended: return "suspended";
    case EventType::resumed: return "resumed";
    case EventType::moved: return "moved";
    case EventType::ended: return "ended";
  }
  return "?";
}

Scheduler::Scheduler(std::shared_ptr<const Layout> layout) : pool_(std::move(layout)) {
  for (std::size_t d = 0; d <= kKindCount; ++d) {
    std::optional<Kind> kind;
    if (d > 0) kind = kAllKinds[d - 1];
    auto& sizes = capacities_[d];
    for (std::uint32_t n = 0; n < this->layout().nodes().size(); ++n) {
      sizes.push_back({this->layout().domain(n, kind).count, n});
    }
    // Largest first; among equals the first node, which names the largest in messages.
    std::stable_sort(sizes.begin(), sizes.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
  }
}

const Job& Scheduler::job(JobId id) const {
  auto it = jobs_.find(id);
  if (it == jobs_.end()) throw Error("unknown job " + std::to_string(id));
  return it->second;
}

std::optional<JobId> Scheduler::find(std::string_view name) const {
  for (const auto& [id, job] : jobs_) {
    if (job.spec.name == name) return id;
  }
  return std::nullopt;
}

Request Scheduler::request_of(const JobSpec& spec) const {
  Request request;
  request.blocks = static_cast<std::uint32_t>(
      std::min<std::int64_t>(spec.blocks, std::numeric_limits<std::uint32_t>::max()));
  request.nodes = spec.nodes;
  request.kind = spec.kind;
  if (spec.node) request.node = layout().find_node(*spec.node);
  return request;
}

std::vector<RunningJob> Scheduler::running_jobs() const {
  std::vector<RunningJob> running;
  running.reserve(running_.size());
  for (JobId id : running_) {
    const Job& job = jobs_.at(id);
    running.push_back(RunningJob{id, job.spec.priority, job.spans, job.spec.kind, job.spec.migratable});
  }
  return running;
}

std::vector<Event> Scheduler::submit(const JobSpec& given) {
  JobSpec spec = given;
  if (spec.name.empty()) spec.name = std::to_string(spec.id);
  if (spec.id == kNoJob) throw Error(describe(spec) + ": job id 0 is reserved; use ids from 1");
  if (jobs_.count(spec.id)) {
    throw Error(describe(spec) + ": job id " + std::to_string(spec.id) + " is already used by job " +
                jobs_.at(spec.id).spec.name + "; give each job its own id");
  }
  if (spec.blocks < 1) {
    throw Error(describe(spec) + " asks for " + std::to_string(spec.blocks) +
                " blocks; ask for at least 1 block");
  }
  if (spec.nodes < 1) throw Error(describe(spec) + " asks for 0 nodes; ask for at least 1 node");
  if (spec.node && spec.nodes > 1) {
    throw Error(describe(spec) + " names node " + *spec.node + " and asks for " + std::to_string(spec.nodes) +
                " nodes; name a node only for one-node jobs");
  }
  if (spec.node && !layout().find_node(*spec.node)) {
    std::string known;
    for (const auto& node : layout().nodes()) {
      if (!known.empty()) known += ", ";
      known += node.name;
    }
    throw Error(describe(spec) + ": unknown node '" + *spec.node + "'; the pool has " + known);
  }

  Job& job = jobs_.emplace(spec.id, Job{spec, JobState::waiting, {}, {}, ++queue_clock_, {}}).first->second;
  set_state(job, JobState::waiting);
  std::vector<Event> events;

  // Step 3 of the method (doc/design.md): more than can ever be had is refused for good.
  const Request request = request_of(spec);
  std::uint32_t nodes_that_fit = 0;
  std::uint32_t largest = 0;
  std::string largest_name;
  if (request.node) {
    largest = layout().domain(*request.node, spec.kind).count;
    largest_name = *spec.node;
    nodes_that_fit = largest >= static_cast<std::uint64_t>(spec.blocks) ? 1 : 0;
  } else {
    const auto& sizes = capacities_[spec.kind ? 1 + static_cast<std::size_t>(*spec.kind) : 0];
    nodes_that_fit = static_cast<std::uint32_t>(
        std::partition_point(
            sizes.begin(), sizes.end(),
            [&](const auto& c) { return c.first >= static_cast<std::uint64_t>(spec.blocks); }) -
        sizes.begin());
    largest = sizes.front().first;
    largest_name = layout().nodes()[sizes.front().second].name;
  }
  const auto wanted = static_cast<std::uint64_t>(spec.blocks) * spec.nodes;
  if (wanted > layout().total_blocks()) {
    job.reason = "needs " + std::to_string(wanted) + " blocks but the pool has " +
                 std::to_string(layout().total_blocks());
  } else if (nodes_that_fit < spec.nodes) {
    job.reason = spec.node ? "needs " + blocks_phrase(spec.blocks, spec.kind) + " but node " + largest_name +
                                 " has " + std::to_string(largest)
                 : spec.nodes == 1
                     ? "needs " + blocks_phrase(spec.blocks, spec.kind) +
                           " on one node but the largest node (" + largest_name + ") has " +
                           std::to_string(largest)
                     : "needs " + blocks_phrase(spec.blocks, spec.kind) + " on each of " +
                           std::to_string(spec.nodes) + " nodes but only " + std::to_string(nodes_that_fit) +
                           (nodes_that_fit == 1 ? " node has" : " nodes have") + " that many";
  }
  if (!job.reason.empty()) {
    set_state(job, JobState::refused);
    events.push_back(Event{EventType::refused, spec.id, {}, {}, job.reason});
    return events;
  }

  if (try_place(job, events, EventType::started)) return events;

  auto plan = plan_preemption(pool_, request, spec.priority, running_jobs(),
                              layout().options().min_priority_gap);
  if (plan && !plan->victims.empty()) {
    for (JobId victim : plan->victims) {
      suspend(jobs_.at(victim), events, "preempted by " + describe(spec));
    }
    if (try_place(job, events, EventType::started)) return events;
    place_queued(events);  // cannot happen if the plan is right; never strand the victims
    if (job.state == JobState::running) return events;
  }
  job.reason = "waiting for " + blocks_phrase(spec.blocks, spec.kind) +
               (spec.nodes > 1 ? " on each of " + std::to_string(spec.nodes) + " nodes" : "") +
               "; no job of lower priority holds enough";
  events.push_back(Event{EventType::waiting, spec.id, {}, {}, job.reason});
  return events;
}

bool Scheduler::try_place(Job& job, std::vector<Event>& events, EventType as) {
  const Request request = request_of(job.spec);
  // find() falls back to scattered runs whenever a node has enough free blocks, so nothing
  // found means no migration can help either.
  auto spans = pool_.find(request);
  if (!spans) return false;
  if (!one_run_per_node(*spans) && request.nodes == 1) {
    if (auto plan = plan_migration(pool_, request, running_jobs(), layout().options().migration)) {
      apply(*plan, events);
      start(job, {plan->target}, events, as);
      return true;
    }
  }
  start(job, *spans, events, as);
  return true;
}

void Scheduler::start(Job& job, const Spans& spans, std::vector<Event>& events, EventType as) {
  pool_.take(spans, job.spec.id);
  job.spans = spans;
  job.last_spans.clear();
  set_state(job, JobState::running);
  job.reason.clear();
  events.push_back(Event{as, job.spec.id, {}, spans, {}});
}

void Scheduler::apply(const MigrationPlan& plan, std::vector<Event>& events) {
  // All moving jobs let go first: a job may move onto blocks another one is leaving.
  for (const Move& move : plan.moves) pool_.release(move.from);
  for (const Move& move : plan.moves) {
    Job& job = jobs_.at(move.job);
    pool_.take(move.to, move.job);
    Spans spans;
    for (const Span& span : job.spans) {
      if (std::find(move.from.begin(), move.from.end(), span) == move.from.end()) spans.push_back(span);
    }
    spans.insert(spans.end(), move.to.begin(), move.to.end());
    std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
      return std::tie(a.node, a.first) < std::tie(b.node, b.first);
    });
    job.spans = std::move(spans);
    events.push_back(Event{EventType::moved, move.job, move.from, move.to,
                           renumbers_only(layout(), move)
                               ? "renumbered: same cards and shares, it keeps running"
                               : "to other cards: it stops while it moves"});
  }
}

void Scheduler::suspend(Job& job, std::vector<Event>& events, const std::string& reason) {
  pool_.release(job.spans);
  job.last_spans = std::move(job.spans);
  job.spans.clear();
  set_state(job, JobState::suspended);
  job.queued_at = ++queue_clock_;
  job.reason = reason;
  events.push_back(Event{EventType::suspended, job.spec.id, job.last_spans, {}, reason});
}

void Scheduler::set_state(Job& job, JobState state) {
  job.state = state;
  const JobId id = job.spec.id;
  if (state == JobState::running) running_.insert(id);
  else running_.erase(id);
  if (state == JobState::suspended || state == JobState::waiting) queued_.insert(id);
  else queued_.erase(id);
}

std::vector<Event> Scheduler::end(JobId id) {
  auto it = jobs_.find(id);
  if (it == jobs_.end()) throw Error("unknown job " + std::to_string(id));
  Job& job = it->second;
  if (job.state == JobState::ended || job.state == JobState::refused) {
    throw Error(describe(job.spec) + " has already " +
                (job.state == JobState::ended ? "ended" : "been refused") + "; end it only once");
  }
  std::vector<Event> events;
  Spans held = std::move(job.spans);
  if (job.state == JobState::running) pool_.release(held);
  job.spans.clear();
  job.last_spans.clear();
  set_state(job, JobState::ended);
  job.reason.clear();
  events.push_back(Event{EventType::ended, id, held, {}, {}});
  place_queued(events);
  return events;
}

void Scheduler::place_queued(std::vector<Event>& events) {
  std::vector<Job*> queue;
  for (JobId id : queued_) queue.push_back(&jobs_.at(id));
  std::stable_sort(queue.begin(), queue.end(), [](const Job* a, const Job* b) {
    if (a->spec.priority != b->spec.priority) return a->spec.priority > b->spec.priority;
    return std::make_tuple(a->state != JobState::suspended, a->queued_at) <
           std::make_tuple(b->state != JobState::suspended, b->queued_at);
  });
  for (Job* job : queue) {
    if (job->state == JobState::suspended) {
      if (!job->last_spans.empty() && pool_.is_free(job->last_spans)) {
        start(*job, Spans(job->last_spans), events, EventType::resumed);
      } else {
        try_place(*job, events, EventType::resumed);
      }
    } else {
      try_place(*job, events, EventType::started);
    }
  }
}

}  // namespace tflops::pool
