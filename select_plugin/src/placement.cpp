// SPDX-License-Identifier: GPL-2.0-or-later
#include "placement.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "plugin_state.h"
#include "suspension.h"

namespace tflops::select {

namespace {

int same_pointer(void* x, void* key) { return x == key ? 1 : 0; }

bool in_list(list_t* list, job_record_t* job) {
  return list && list_find_first(list, same_pointer, job) != nullptr;
}

// Moves running jobs on Slurm node `i` as the plan says.
void run_moves(int i, const pool::MigrationPlan& plan) {
  // A job that keeps its cards and its share of each only changes block numbers: it keeps
  // running. The others stop, and resume once their suspension has settled
  // (resume_preempted_jobs).
  std::vector<std::pair<job_record_t*, const pool::Move*>> renumbered, stopped;
  for (const auto& move : plan.moves) {
    job_record_t* job = find_job_record(move.job);
    if (!job || !IS_JOB_RUNNING(job)) continue;
    (pool::renumbers_only(g_view->layout(), move) ? renumbered : stopped).push_back({job, &move});
  }
  auto new_blocks = [&](job_record_t* job, const pool::Move& move, const char* how, const char* why) {
    const auto to = runs_of(move.to);
    info("%sJobId=%u %s on %s: blocks %s -> %s%s", kPrefix, job->job_id, how, node_record_table_ptr[i]->name,
         runs_text(job_runs_on(job, i)).c_str(), runs_text(to).c_str(), why);
    move_blocks(job, i, to);
    take_blocks(job);
  };
  // All leave first, then each takes its new blocks at once (a move's target may be another's
  // source).
  for (auto& [job, move] : stopped) suspend_for(job, SuspendCause::move);
  for (auto& [job, move] : renumbered) release_blocks(job);
  for (auto& [job, move] : renumbered)
    new_blocks(job, *move, "is renumbered", " (same cards and shares: it keeps running)");
  for (auto& [job, move] : stopped) {
    const SuspendedJob* entry = g_suspended->find(job->job_id);
    if (!entry || !IS_JOB_SUSPENDED(job)) continue;
    new_blocks(job, *move, "moves", "");
    SuspendedJob moved = *entry;
    moved.holds_blocks = true;
    g_suspended->add(std::move(moved));
    g_may_resume = true;
  }
}

// Whether every tflops entry of the job finds one free run of its blocks on node `i`, each entry
// after the ones before it.
bool fits_in_runs(const std::vector<gres_state_t*>& entries, int i) {
  auto node = pool_node(i);
  gres_node_state_t* ns = node_blocks_state(node_record_table_ptr[i]);
  if (!node || !ns || !ns->gres_bit_alloc) return false;
  OwnedBitmap taken(bit_copy(ns->gres_bit_alloc));
  for (auto* entry : entries) {
    const auto* js = static_cast<const gres_job_state_t*>(entry->gres_data);
    g_view->load_node(*node, {}, runs_of(taken.get()));
    auto placed = g_view->place(*node, static_cast<std::uint32_t>(js->gres_per_node), entry_kind(entry));
    if (!placed || placed->size() != 1) return false;
    const auto& run = placed->front();
    bit_nset(taken.get(), run.first, run.first + run.count - 1);
  }
  return true;
}

// The nodes of `candidates` where moving running jobs gives `entry` one run while stopping the
// fewest of them (a job only renumbered keeps running; a stopped one pauses for seconds and
// costs a suspend and a resume). nullptr when no node has such a plan.
OwnedBitmap nodes_stopping_fewest(job_record_t* job, gres_state_t* entry, bitstr_t* candidates) {
  if (g_view->layout().options().migration == pool::MigrationPolicy::none) return nullptr;
  const auto blocks = static_cast<std::uint32_t>(
      static_cast<const gres_job_state_t*>(entry->gres_data)->gres_per_node);
  OwnedBitmap cheapest(bit_alloc(bit_size(candidates)));
  std::optional<std::size_t> fewest;
  for (int i = bit_ffs(candidates); i >= 0 && i < node_record_count; ++i) {
    if (!bit_test(candidates, i)) continue;
    auto node = pool_node(i);
    gres_node_state_t* ns = node_blocks_state(node_record_table_ptr[i]);
    if (!node || !ns || !ns->gres_bit_alloc) continue;
    if (static_cast<std::uint32_t>(bit_clear_count(ns->gres_bit_alloc)) < blocks) continue;
    load_node(*node, i, job, nullptr);
    auto plan = g_view->plan_migration(*node, blocks, entry_kind(entry), jobs_pinned_to_cards());
    if (!plan) continue;
    const std::size_t stopped = pool::jobs_stopped(g_view->layout(), *plan);
    if (fewest && stopped > *fewest) continue;
    if (!fewest || stopped < *fewest) bit_nclear(cheapest.get(), 0, bit_size(cheapest.get()) - 1);
    fewest = stopped;
    bit_set(cheapest.get(), i);
  }
  if (!fewest) return nullptr;
  return cheapest;
}

}  // namespace

void load_node(std::uint32_t node, int i, const job_record_t* self, list_t* preemptable,
               const std::vector<job_record_t*>& leaving) {
  std::vector<Holder> holders;
  auto gone = [&](const job_record_t* job) {
    return std::find(leaving.begin(), leaving.end(), job) != leaving.end();
  };
  if (job_list) {
    list_itr_t* it = list_iterator_create(job_list);
    while (auto* job = static_cast<job_record_t*>(list_next(it))) {
      if (job == self || !IS_JOB_RUNNING(job) || gone(job)) continue;
      auto runs = job_runs_on(job, i);
      if (runs.empty()) continue;
      Holder holder;
      holder.job = job->job_id;
      holder.runs = std::move(runs);
      holder.preemptable = in_list(preemptable, job);
      holder.priority = preempt_priority(job);
      holder.migratable = true;
      holders.push_back(std::move(holder));
    }
    list_iterator_destroy(it);
  }
  gres_node_state_t* ns = node_blocks_state(node_record_table_ptr[i]);
  if (!ns || !ns->gres_bit_alloc) {
    g_view->load_node(node, holders, {});
    return;
  }
  OwnedBitmap in_use(bit_copy(ns->gres_bit_alloc));
  for (const job_record_t* job : leaving)
    for (const auto& run : job_runs_on(job, i)) bit_nclear(in_use.get(), run.first, run.end() - 1);
  g_view->load_node(node, holders, runs_of(in_use.get()));
}

void place_contiguously(job_record_t* job, const compat::JobTestExtra& extra) {
  if (!job->job_resrcs || !job->job_resrcs->node_bitmap) return;
  auto entries = tflops_entries(job->gres_list_req);
  if (entries.empty()) return;
  bitstr_t* nodes = job->job_resrcs->node_bitmap;
  for (int i = bit_ffs(nodes); i >= 0 && i < node_record_count; ++i) {
    if (!bit_test(nodes, i)) continue;
    auto node = pool_node(i);
    gres_node_state_t* ns = node_blocks_state(node_record_table_ptr[i]);
    if (!node || !ns || !ns->gres_bit_alloc) continue;
    bitstr_t* taken = bit_copy(ns->gres_bit_alloc);  // grows as entries are placed
    compat::add_reserved_blocks(extra, i, tflops_gres_id(), taken);
    for (auto* entry : entries) {
      auto* js = static_cast<gres_job_state_t*>(entry->gres_data);
      if (!js->gres_bit_select || !js->gres_bit_select[i]) continue;
      bitstr_t* chosen = js->gres_bit_select[i];
      const auto blocks = static_cast<std::uint32_t>(bit_set_count(chosen));
      if (blocks == 0) continue;
      g_view->load_node(*node, {}, runs_of(taken));
      auto placed = g_view->place(*node, blocks, entry_kind(entry));
      const bool pinned = jobs_pinned_to_cards();
      const char* why_split =
          g_view->layout().options().migration == pool::MigrationPolicy::none
              ? "MigrationPolicy=none moves no running job"
          : pinned ? "moving running jobs inside their cards could not make one (ConstrainDevices "
                     "keeps each job on the cards its device cgroup allows)"
                   : "moving running jobs could not make one (blocks of suspended "
                     "or completing jobs stay put)";
      if (placed && placed->size() > 1) {
        load_node(*node, i, job, nullptr);
        auto plan = g_view->plan_migration(*node, blocks, entry_kind(entry), pinned);
        if (plan) {
          run_moves(i, *plan);
          bit_copybits(taken, ns->gres_bit_alloc);
          compat::add_reserved_blocks(extra, i, tflops_gres_id(), taken);
          for (auto* done : entries) {
            if (done == entry) break;
            bit_or(taken, static_cast<gres_job_state_t*>(done->gres_data)->gres_bit_select[i]);
          }
          g_view->load_node(*node, {}, runs_of(taken));
          placed = g_view->place(*node, blocks, entry_kind(entry));
        }
      }
      if (!placed) continue;  // cons_tres's own choice stands
      const auto runs = runs_of(*placed);
      const std::string before = runs_text(runs_of(chosen));
      set_only(chosen, runs);
      bit_or(taken, chosen);
      debug("%sJobId=%u node %s tflops blocks %s -> %s", kPrefix, job->job_id, node_record_table_ptr[i]->name,
            before.c_str(), runs_text(runs).c_str());
      if (runs.size() > 1)  // for the admin: why this job is not one run
        info("%sJobId=%u gets %zu runs on %s (%s): no free run of %u blocks there, and %s", kPrefix,
             job->job_id, runs.size(), node_record_table_ptr[i]->name, runs_text(runs).c_str(), blocks,
             why_split);
    }
    FREE_NULL_BITMAP(taken);
  }
}

OwnedBitmap cheapest_nodes(job_record_t* job, bitstr_t* candidates, uint32_t min_nodes) {
  if (job->details && job->details->req_node_bitmap) return nullptr;
  auto entries = tflops_entries(job->gres_list_req);
  if (entries.empty()) return nullptr;
  for (auto* entry : entries)
    if (!static_cast<const gres_job_state_t*>(entry->gres_data)->gres_per_node) return nullptr;
  const auto enough = std::max(min_nodes, 1u);
  const auto offered = static_cast<std::uint32_t>(bit_set_count(candidates));
  OwnedBitmap fits(bit_copy(candidates));
  for (int i = bit_ffs(candidates); i >= 0 && i < node_record_count; ++i)
    if (bit_test(candidates, i) && !fits_in_runs(entries, i)) bit_clear(fits.get(), i);
  const auto count = static_cast<std::uint32_t>(bit_set_count(fits.get()));
  if (count == offered) return nullptr;
  if (count >= enough) return fits;
  if (count > 0 || entries.size() != 1) return nullptr;
  OwnedBitmap cheapest = nodes_stopping_fewest(job, entries.front(), candidates);
  if (!cheapest) return nullptr;
  const auto cheap = static_cast<std::uint32_t>(bit_set_count(cheapest.get()));
  if (cheap == offered || cheap < enough) return nullptr;
  return cheapest;
}

}  // namespace tflops::select
