// SPDX-License-Identifier: GPL-2.0-or-later
// The select plugin's state in slurmctld and the small helpers its concerns share (placement.h,
// preemption.h, suspension.h, resumer.h, state_file.h).
//
// Slurm loads a plugin once per process, so its state is process-wide. Heap objects only:
// nothing with a destructor runs at dlclose (fini deletes them).
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <optional>

#include "pool_view.h"
#include "slurm.h"
#include "suspended_jobs.h"

namespace tflops::select {

inline constexpr char kPrefix[] = "select/cons_tres_tflops: ";

extern PoolView* g_view;            // slurmctld, once node_init read the inventory
extern SuspendedJobs* g_suspended;  // slurmctld: the jobs whose blocks were released
// Set whenever a job is registered, cleared by the resumer when none is left: so that it takes
// slurmctld's locks only while there is something to resume.
extern std::atomic<bool> g_may_resume;

// Reads the card inventory (inventory_path.h) into g_view, once. Logs and returns SLURM_ERROR
// when it cannot be used.
int load_inventory();
// Frees what load_inventory and the registry hold.
void forget_state();

std::int64_t now_ms();  // a steady clock, in milliseconds

// A job's preemption priority: its partition's PriorityTier (PreemptType=preempt/partition_prio).
std::int64_t preempt_priority(const job_record_t* job);

// Under ConstrainDevices (cgroup.conf; slurmctld reads it at start and reconfigure) a job's
// device cgroup allows the cards it started on, and Slurm does not widen it while the job runs:
// a running or suspended job may then only be renumbered, keeping its cards and its share of
// each, never moved to other cards.
bool jobs_pinned_to_cards();
bool allowed_move(const pool::Move& move);

// The pool's node for Slurm's node `node_index`; nullopt when the inventory lacks it.
std::optional<std::uint32_t> pool_node(int node_index);

// Runs fn, logging and returning `fallback` instead of letting an exception reach Slurm.
template <typename Fn>
int guarded(const char* hook, int fallback, Fn fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    error("%s%s: %s", kPrefix, hook, e.what());
  } catch (...) {
    error("%s%s: unknown error", kPrefix, hook);
  }
  return fallback;
}

}  // namespace tflops::select
