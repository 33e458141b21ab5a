// SPDX-License-Identifier: GPL-2.0-or-later
#include "resumer.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "job_blocks.h"
#include "plugin_state.h"
#include "state_file.h"
#include "suspension.h"

namespace tflops::select {

namespace {

// slurmstepd sends SIGTSTP, waits 2 s, then SIGSTOP, and slurmd holds the job's suspend lock
// all that time: a resume that reaches the node after the suspend waits for it and then
// continues the job; one that overtook it would leave the job stopped. A suspended job resumes
// only this long after its suspend was sent, so that the suspend has reached the node (a moved
// job thus stops for Slurm's 2 s rather than 3-5 s, which the scheduling benchmark felt).
constexpr std::int64_t kSettleMilliseconds = 1000;
// How often the resumer looks for settled jobs while some are suspended.
constexpr auto kResumerPoll = std::chrono::milliseconds(250);

// Resumes preempted and moved jobs once their suspension has settled, even when no job ends and
// nothing is scheduled: a thread of its own, under the locks Slurm's suspend RPC takes.
class Resumer {
 public:
  Resumer() : thread_([this] { run(); }) {}
  ~Resumer() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, kResumerPoll, [this] { return stop_; })) {
      if (!g_may_resume) continue;
      slurmctld_lock_t locks = {.conf = NO_LOCK, .job = WRITE_LOCK, .node = WRITE_LOCK, .part = READ_LOCK};
      lock_slurmctld(locks);
      guarded("resume", 0, [] {
        resume_preempted_jobs();
        if (g_suspended->empty()) g_may_resume = false;
        save_state_if_changed();
        return 0;
      });
      unlock_slurmctld(locks);
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};
Resumer* g_resumer = nullptr;  // heap: nothing runs at dlclose

}  // namespace

void start_resumer() {
  if (!g_resumer) g_resumer = new Resumer();
}

void stop_resumer() {
  delete g_resumer;
  g_resumer = nullptr;
}

bool move_to_free_blocks(job_record_t* job) {
  if (!g_view || g_view->layout().options().migration == pool::MigrationPolicy::none) return false;
  std::vector<std::pair<int, std::vector<pool::BlockRange>>> targets;
  bitstr_t* nodes = job->job_resrcs ? job->job_resrcs->node_bitmap : nullptr;
  for (int i = nodes ? bit_ffs(nodes) : -1; i >= 0 && i < node_record_count; ++i) {
    if (!bit_test(nodes, i)) continue;
    auto runs = job_runs_on(job, i);
    if (runs.empty()) continue;
    auto node = pool_node(i);
    gres_node_state_t* ns = node_blocks_state(node_record_table_ptr[i]);
    if (!node || !ns) return false;
    std::uint32_t count = 0;
    for (const auto& run : runs) count += run.count;
    // Stay in the job's region when it lies in one, so Slurm's per-kind counts stay true.
    const auto& layout = g_view->layout();
    const pool::Kind first = layout.card_at(*node, runs.front().first).kind;
    const pool::Kind last = layout.card_at(*node, runs.back().end() - 1).kind;
    if (first != last) return false;
    g_view->load_node(*node, {}, runs_of(ns->gres_bit_alloc));
    auto placed = g_view->place(*node, count, first);
    if (!placed) return false;
    if (!allowed_move(pool::Move{job->job_id, spans_of(*node, runs), *placed})) return false;
    targets.push_back({i, runs_of(*placed)});
  }
  for (auto& [i, to] : targets) {
    info("%sJobId=%u resumes on %s blocks %s (its blocks %s are busy)", kPrefix, job->job_id,
         node_record_table_ptr[i]->name, runs_text(to).c_str(), runs_text(job_runs_on(job, i)).c_str());
    move_blocks(job, i, to);
  }
  return true;
}

bool cores_busy(const job_record_t* job) {
  if (!job_list || !job->job_resrcs || !job->job_resrcs->node_bitmap) return false;
  bool busy = false;
  list_itr_t* it = list_iterator_create(job_list);
  while (auto* other = static_cast<job_record_t*>(list_next(it))) {
    if (other == job || !IS_JOB_RUNNING(other) || !other->job_resrcs || !other->job_resrcs->node_bitmap) {
      continue;
    }
    if (!bit_overlap_any(job->job_resrcs->node_bitmap, other->job_resrcs->node_bitmap)) continue;
    for (int i = 0; i < node_record_count && !busy; ++i) {
      if (!bit_test(job->job_resrcs->node_bitmap, i) || !bit_test(other->job_resrcs->node_bitmap, i)) {
        continue;
      }
      bitstr_t* mine = copy_job_resources_node(job->job_resrcs, node_offset(job, i));
      bitstr_t* theirs = copy_job_resources_node(other->job_resrcs, node_offset(other, i));
      if (mine && theirs && bit_size(mine) == bit_size(theirs) && bit_overlap_any(mine, theirs)) {
        busy = true;
      }
      FREE_NULL_BITMAP(mine);
      FREE_NULL_BITMAP(theirs);
    }
    if (busy) break;
  }
  list_iterator_destroy(it);
  return busy;
}

void resume_preempted_jobs() {
  if (!g_suspended || g_suspended->empty()) return;
  for (auto id : g_suspended->resume_order(now_ms() - kSettleMilliseconds)) {
    job_record_t* job = find_job_record(id);
    if (!job || !IS_JOB_SUSPENDED(job)) {
      g_suspended->remove(id);
      continue;
    }
    const SuspendedJob* entry = g_suspended->find(id);
    if (entry->released_cores && cores_busy(job)) continue;
    const bool holds = entry->holds_blocks;
    if (!holds && !blocks_free(job) && !move_to_free_blocks(job)) continue;
    if (resume_through_slurm(job) == SLURM_SUCCESS) {
      info("%sJobId=%u resumes on blocks %s", kPrefix, id, job_blocks_text(job).c_str());
    }
  }
}

}  // namespace tflops::select
