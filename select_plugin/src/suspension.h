// SPDX-License-Identifier: GPL-2.0-or-later
// Suspending and resuming jobs with their blocks: the plugin's own suspensions (a victim of
// preemption, a job moved to other blocks) and an admin's (scontrol suspend), which all reach
// select_p_job_suspend / select_p_job_resume.
//
// Stock Slurm keeps a suspended job's GRES; here a suspended job's blocks go back to its nodes,
// and it takes them again on resume (its old blocks, or others: resumer.h). The registry
// (suspended_jobs.h) records which jobs released their blocks and why.
#pragma once

#include <cstdint>
#include <memory>

#include "job_blocks.h"
#include "slurm.h"

namespace tflops::select {

// Why the plugin suspends a job: a victim resumes by itself when blocks are free, a moved job
// at once (elsewhere). A suspension the plugin did not ask for is an admin's.
enum class SuspendCause { preemption, move };

// Suspends `job` through Slurm (as gang scheduling does: its cores stay counted), recording the
// cause for the job_suspend hook that Slurm calls from inside. `priority` is the job's place in
// the resume order (preemption; moved jobs resume before every preempted one).
int suspend_for(job_record_t* job, SuspendCause cause, std::int64_t priority = 0);
// Resumes a job the plugin suspended, through Slurm.
int resume_through_slurm(job_record_t* job);

// select_p_job_suspend's and select_p_job_resume's work around cons_tres's.
int on_job_suspend(job_record_t* job, bool indf_susp);
int on_job_resume(job_record_t* job, bool indf_susp);
// select_p_job_fini's: a job that ends while its blocks are released must not give them back
// twice.
int on_job_fini(job_record_t* job);

// A suspended job whose blocks this plugin gave back.
bool released(const job_record_t* job);
// A suspended job whose cores this plugin gave away to the job that preempted it.
bool cores_released(const job_record_t* job);

// What cons_tres must not count again when it rebuilds its usage from the jobs (restart,
// reconfigure): a released job's blocks and, where they were given away, its cores. cons_tres
// counts a suspended job's cores unless the job is held (priority 0, as `scontrol suspend`
// leaves it), so for that call the job's priority reads 0.
class HiddenWhileRebuilding {
 public:
  explicit HiddenWhileRebuilding(job_record_t* job);
  ~HiddenWhileRebuilding();
  HiddenWhileRebuilding(const HiddenWhileRebuilding&) = delete;
  HiddenWhileRebuilding& operator=(const HiddenWhileRebuilding&) = delete;

 private:
  job_record_t* job_;
  uint32_t priority_;
  bool cores_;
  std::unique_ptr<HiddenEntries> entries_;
};

}  // namespace tflops::select
