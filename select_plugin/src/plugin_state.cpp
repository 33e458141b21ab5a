// SPDX-License-Identifier: GPL-2.0-or-later
#include "plugin_state.h"

#include <chrono>
#include <string>

#include "inventory_path.h"
#include "tflops/pool/inventory.h"

namespace tflops::select {

PoolView* g_view = nullptr;
SuspendedJobs* g_suspended = nullptr;
std::atomic<bool> g_may_resume{false};

int load_inventory() {
  if (g_view) return SLURM_SUCCESS;
  const std::string path = tflops::slurm_side::inventory_path();
  try {
    g_view = new PoolView(pool::Layout(pool::load_inventory(path)));
    g_suspended = g_suspended ? g_suspended : new SuspendedJobs();
    info("%sread %s: %zu nodes, %llu blocks", kPrefix, path.c_str(), g_view->layout().nodes().size(),
         static_cast<unsigned long long>(g_view->layout().total_blocks()));
    return SLURM_SUCCESS;
  } catch (const std::exception& e) {
    error("%scannot use the card inventory: %s", kPrefix, e.what());
    return SLURM_ERROR;
  }
}

void forget_state() {
  delete g_view;
  g_view = nullptr;
  delete g_suspended;
  g_suspended = nullptr;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::int64_t preempt_priority(const job_record_t* job) {
  return job->part_ptr ? job->part_ptr->priority_tier : 0;
}

bool jobs_pinned_to_cards() { return &slurm_cgroup_conf && slurm_cgroup_conf.constrain_devices; }

bool allowed_move(const pool::Move& move) {
  return !jobs_pinned_to_cards() || pool::renumbers_only(g_view->layout(), move);
}

std::optional<std::uint32_t> pool_node(int node_index) {
  if (!g_view) return std::nullopt;
  return g_view->layout().find_node(node_record_table_ptr[node_index]->name);
}

}  // namespace tflops::select
