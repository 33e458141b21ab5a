// SPDX-License-Identifier: GPL-2.0-or-later
// The jobs the select plugin suspended (or saw suspended) and whose blocks it released, and the
// state file that keeps them across a slurmctld restart.
//
// Slurm keeps each job's blocks in its own job records (and saves them); what it does not know is
// that those blocks were given back to the pool while the job is suspended, nor which suspended
// jobs resume by themselves. That is what this registry holds.
//
// State file (StateSaveLocation/tflops_select_state), versioned text, one job per line:
//
//   tflops-select-state 2
//   job 42 preempted 1 held 0 cores 1 priority 10 order 7 blocks node0:0-17,node1:4-9
//   end 1
//
// Version 1 (no `cores` field: written before a victim's cores could be given away) is still
// read, as cores 0, so that an upgrade with jobs suspended loses none of them.
//
// Slurm-free: tested without a cluster.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tflops/pool/block_pool.h"

namespace tflops::select {

struct SuspendedJob {
  pool::JobId job = pool::kNoJob;
  // Suspended for a higher-priority job: resumes by itself when its blocks are free again.
  // Otherwise an admin suspended it (scontrol suspend), and only an admin resumes it.
  bool preempted = false;
  // Moved while suspended, it holds its new blocks already; or it holds no blocks at all (a
  // victim without tflops, suspended for its cores). Either way it only waits to be resumed.
  // Otherwise its blocks were given back and it takes them (or others) when it resumes.
  bool holds_blocks = false;
  // Its cores were given away too, because the job that preempted it needed them: on resume
  // they must be free again and cons_tres takes them back.
  bool released_cores = false;
  std::int64_t priority = 0;  // its preemption priority: the higher resume first
  std::uint64_t order = 0;    // when it was suspended: the earlier resume first among equals
  std::string blocks;         // what it held, as "node0:0-17,node1:4-9" (for people and logs)
  // When it was suspended (milliseconds, any clock; 0 after a restart): a job resumes only
  // once its suspend has reached its node (resuming earlier could overtake it).
  std::int64_t suspended_at = 0;
};

class SuspendedJobs {
 public:
  // Adds or replaces the entry of `job.job`; a new entry gets the next order number.
  void add(SuspendedJob job);
  void remove(pool::JobId job);
  const SuspendedJob* find(pool::JobId job) const;
  bool empty() const { return jobs_.empty(); }
  const std::vector<SuspendedJob>& all() const { return jobs_; }

  // The preempted jobs suspended at or before `settled` in the order they should resume:
  // highest priority first, then the earliest suspended.
  std::vector<pool::JobId> resume_order(std::int64_t settled) const;

  std::string save() const;
  // Throws pool::Error naming source:line and what is wrong.
  static SuspendedJobs restore(std::string_view text, const std::string& source);

 private:
  std::vector<SuspendedJob> jobs_;
  std::uint64_t next_order_ = 1;
};

}  // namespace tflops::select
