// SPDX-License-Identifier: GPL-2.0-or-later
#include "suspension.h"

#include <limits>
#include <map>

#include "cons_tres.h"
#include "plugin_state.h"
#include "resumer.h"

namespace tflops::select {

namespace {

struct Expected {
  SuspendCause cause;
  std::int64_t priority;
};
// The suspensions the plugin has asked Slurm for and whose job_suspend hook has not run yet,
// by job (heap: nothing runs at dlclose). Slurm calls the hook from inside suspend_for.
std::map<pool::JobId, Expected>* g_expected = nullptr;

// Moved jobs resume before any preempted one.
constexpr std::int64_t kMovedPriority = std::numeric_limits<std::int64_t>::max();

}  // namespace

int suspend_for(job_record_t* job, SuspendCause cause, std::int64_t priority) {
  if (!g_expected) g_expected = new std::map<pool::JobId, Expected>();
  (*g_expected)[job->job_id] = {cause, cause == SuspendCause::move ? kMovedPriority : priority};
  int rc = compat::suspend_job(job, SUSPEND_JOB);
  g_expected->erase(job->job_id);
  return rc;
}

int resume_through_slurm(job_record_t* job) { return compat::suspend_job(job, RESUME_JOB); }

int on_job_suspend(job_record_t* job, bool indf_susp) {
  int rc = cons_tres.job_suspend(job, indf_susp);
  const Expected* expected = nullptr;
  if (g_expected) {
    auto it = g_expected->find(job->job_id);
    if (it != g_expected->end()) expected = &it->second;
  }
  // Gang time slicing (indf_susp false, not ours) keeps everything, as in cons_tres.
  if (rc != SLURM_SUCCESS || (!indf_susp && !expected) || !g_suspended) return rc;
  // A job without blocks is only the plugin's business when the plugin preempted it: it
  // resumes by itself, like the others.
  const bool holds_none = tflops_entries(job->gres_list_alloc).empty();
  if (holds_none && !(expected && expected->cause == SuspendCause::preemption)) return rc;
  return guarded("job_suspend", rc, [&] {
    SuspendedJob entry;
    entry.holds_blocks = holds_none;
    entry.job = job->job_id;
    entry.preempted = expected != nullptr;
    entry.priority = expected ? expected->priority : preempt_priority(job);
    entry.suspended_at = now_ms();
    entry.blocks = job_blocks_text(job);
    if (!holds_none) release_blocks(job);
    g_suspended->add(std::move(entry));
    g_may_resume = true;
    if (!expected) {
      info("%sJobId=%u suspended: its blocks %s are free until it resumes", kPrefix, job->job_id,
           job_blocks_text(job).c_str());
    }
    return rc;
  });
}

int on_job_resume(job_record_t* job, bool indf_susp) {
  if (!g_suspended || !g_suspended->find(job->job_id)) return cons_tres.job_resume(job, indf_susp);
  // Its cores, where they were given away, come back as for an indefinite suspension.
  const bool cores_back = g_suspended->find(job->job_id)->released_cores;
  if (cores_back && cores_busy(job)) return ESLURM_NODES_BUSY;
  int busy = guarded("job_resume", static_cast<int>(ESLURM_NODES_BUSY), [&] {
    if (g_suspended->find(job->job_id)->holds_blocks) {
      g_suspended->remove(job->job_id);
      return static_cast<int>(SLURM_SUCCESS);
    }
    if (!blocks_free(job) && !move_to_free_blocks(job)) {
      info("%sJobId=%u cannot resume yet: its blocks %s are in use", kPrefix, job->job_id,
           job_blocks_text(job).c_str());
      return static_cast<int>(ESLURM_NODES_BUSY);
    }
    take_blocks(job);
    g_suspended->remove(job->job_id);
    return static_cast<int>(SLURM_SUCCESS);
  });
  if (busy != SLURM_SUCCESS) return busy;
  return cons_tres.job_resume(job, indf_susp || cores_back);
}

int on_job_fini(job_record_t* job) {
  int rc;
  const SuspendedJob* entry = g_suspended ? g_suspended->find(job->job_id) : nullptr;
  if (entry && !entry->holds_blocks) {
    // It ends while suspended: its blocks were given back already, so cons_tres must not give
    // them back again.
    g_suspended->remove(job->job_id);
    HiddenEntries hidden(job);
    rc = cons_tres.job_fini(job);
  } else {
    if (g_suspended) g_suspended->remove(job->job_id);
    rc = cons_tres.job_fini(job);
  }
  return guarded("job_fini", rc, [&] {
    resume_preempted_jobs();
    return rc;
  });
}

bool released(const job_record_t* job) {
  if (!g_suspended || !IS_JOB_SUSPENDED(job)) return false;
  const SuspendedJob* entry = g_suspended->find(job->job_id);
  return entry && !entry->holds_blocks;
}

bool cores_released(const job_record_t* job) {
  if (!g_suspended || !IS_JOB_SUSPENDED(job)) return false;
  const SuspendedJob* entry = g_suspended->find(job->job_id);
  return entry && entry->released_cores;
}

HiddenWhileRebuilding::HiddenWhileRebuilding(job_record_t* job)
    : job_(job), priority_(job->priority), cores_(cores_released(job)) {
  if (released(job)) entries_ = std::make_unique<HiddenEntries>(job);
  if (cores_) job->priority = 0;
}

HiddenWhileRebuilding::~HiddenWhileRebuilding() {
  if (cores_) job_->priority = priority_;
}

}  // namespace tflops::select
