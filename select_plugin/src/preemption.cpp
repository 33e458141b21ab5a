// SPDX-License-Identifier: GPL-2.0-or-later
#include "preemption.h"

#include <algorithm>
#include <string>
#include <vector>

#include "cons_tres.h"
#include "job_blocks.h"
#include "placement.h"
#include "plugin_state.h"
#include "suspension.h"

namespace tflops::select {

namespace {

std::uint32_t blocks_per_node(const gres_state_t* entry, std::uint32_t nodes) {
  const auto* js = static_cast<const gres_job_state_t*>(entry->gres_data);
  if (js->gres_per_node) return static_cast<std::uint32_t>(js->gres_per_node);
  if (js->gres_per_job && nodes) return static_cast<std::uint32_t>((js->gres_per_job + nodes - 1) / nodes);
  return 0;
}

// The victims the pool chooses on the nodes cons_tres picked, among cons_tres's candidates;
// cons_tres's own list where the job asks for no blocks or the pool finds no plan. A request of
// several kinds (tflops:gpu:4,tflops:npu:2) is planned kind by kind, each seeing the blocks that
// the victims chosen for the kinds before it free. (Kindless blocks beside kinds, tflops:4 with
// tflops:npu:2, never get here: Slurm refuses a GRES asked with and without a type.)
std::vector<job_record_t*> choose_victims(job_record_t* job, bitstr_t* chosen_nodes, list_t* candidates,
                                          list_t* cons_tres_victims) {
  std::vector<job_record_t*> victims;
  auto add = [&](job_record_t* v) {
    if (v && std::find(victims.begin(), victims.end(), v) == victims.end()) victims.push_back(v);
  };
  auto entries = tflops_entries(job->gres_list_req);
  bool pool_decided = !entries.empty();
  const auto nodes = static_cast<std::uint32_t>(bit_set_count(chosen_nodes));
  for (int i = bit_ffs(chosen_nodes); pool_decided && i >= 0 && i < node_record_count; ++i) {
    if (!bit_test(chosen_nodes, i)) continue;
    auto node = pool_node(i);
    if (!node) {
      pool_decided = false;
      break;
    }
    for (auto* entry : entries) {
      load_node(*node, i, job, candidates, victims);
      auto plan = g_view->plan_preemption(*node, blocks_per_node(entry, nodes), entry_kind(entry),
                                          preempt_priority(job));
      if (!plan) {
        pool_decided = false;
        break;
      }
      for (auto id : plan->victims) add(find_job_record(id));
    }
  }
  if (!pool_decided) {
    victims.clear();
    list_itr_t* it = list_iterator_create(cons_tres_victims);
    while (auto* v = static_cast<job_record_t*>(list_next(it))) add(v);
    list_iterator_destroy(it);
  }
  return victims;
}

std::vector<job_record_t*> jobs_of(list_t* list) {
  std::vector<job_record_t*> jobs;
  list_itr_t* it = list_iterator_create(list);
  while (auto* job = static_cast<job_record_t*>(list_next(it))) jobs.push_back(job);
  list_iterator_destroy(it);
  return jobs;
}

}  // namespace

int suspend_victims_and_place(job_record_t* job, bitstr_t* bitmap, uint32_t min_nodes, uint32_t max_nodes,
                              uint32_t req_nodes, uint16_t mode, list_t* candidates,
                              list_t** preemptee_job_list, const compat::JobTestExtra& extra,
                              bitstr_t* original_bitmap) {
  auto victims = choose_victims(job, bitmap, candidates, *preemptee_job_list);
  const auto cons_tres_victims = jobs_of(*preemptee_job_list);
  FREE_NULL_LIST(*preemptee_job_list);
  std::vector<job_record_t*> suspended;
  auto suspend = [&](const std::vector<job_record_t*>& jobs) {
    for (auto* victim : jobs) {
      if (std::find(suspended.begin(), suspended.end(), victim) != suspended.end()) continue;
      if (suspend_for(victim, SuspendCause::preemption, preempt_priority(victim)) == SLURM_SUCCESS) {
        suspended.push_back(victim);
      } else {
        error("%scould not suspend JobId=%u for JobId=%u", kPrefix, victim->job_id, job->job_id);
      }
    }
  };
  auto release_cores = [&] {
    for (auto* victim : suspended) {
      const SuspendedJob* entry = g_suspended->find(victim->job_id);
      if (!entry || entry->released_cores) continue;
      cons_tres.job_suspend(victim, true);
      SuspendedJob released = *entry;
      released.released_cores = true;
      g_suspended->add(std::move(released));
    }
  };
  // cons_tres's earlier answer came from a simulation; now place the job for real.
  auto place = [&] {
    bit_copybits(bitmap, original_bitmap);
    return compat::job_test(cons_tres, job, bitmap, min_nodes, max_nodes, req_nodes, mode, nullptr, nullptr,
                            extra);
  };
  suspend(victims);
  int rc = place();
  if (rc != SLURM_SUCCESS) {
    release_cores();
    rc = place();
  }
  if (rc != SLURM_SUCCESS) {
    suspend(cons_tres_victims);
    release_cores();
    rc = place();
  }
  std::string names;
  for (auto* victim : suspended) names += (names.empty() ? "" : ",") + std::to_string(victim->job_id);
  if (rc != SLURM_SUCCESS) {
    // They are registered as preempted: the resumer resumes them once their suspension settled.
    error("%sJobId=%u still does not fit after suspending JobId=%s; they resume", kPrefix, job->job_id,
          names.c_str());
    return rc;
  }
  info("%sJobId=%u (priority %lld) suspends JobId=%s and takes their blocks", kPrefix, job->job_id,
       static_cast<long long>(preempt_priority(job)), names.c_str());
  place_contiguously(job, extra);
  return rc;
}

}  // namespace tflops::select
