// select/cons_tres_tflops: select/cons_tres plus the TFLOPS block pool's decisions (slurmctld).
//
// Every hook goes to Debian's own cons_tres (cons_tres.h). Around a few of them the pool decides:
//   job_test   cons_tres first picks among the nodes where the job's blocks fit in one free run
//              (without preempting); when none will do, among all. Then each job's blocks on a
//              node become one contiguous run when a free run holds them; when none does,
//              running jobs move (the inventory's MigrationPolicy). When cons_tres says lower-priority jobs must
//              go, the pool chooses which; they are suspended and their blocks released (stock
//              Slurm keeps a suspended job's GRES), then the job is placed.
//   job_suspend / job_resume   a suspended job's blocks go back to the node; on resume they are
//              taken again, on its old blocks or, when those are busy, on others.
//   job_fini   preempted jobs resume, in priority order, when blocks are free.
//   state_save / state_restore   which suspended jobs released their blocks survives a restart.
//
// The cluster sets PreemptMode=REQUEUE (no GANG) so that cons_tres counts a victim's blocks as
// free when it plans; the victims are suspended here instead of requeued. README: "Slurm".
// No exception crosses into Slurm: hooks that call the pool catch everything and log it.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <limits>
#include <mutex>
#include <thread>
#include <exception>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cons_tres.h"
#include "inventory_path.h"
#include "job_blocks.h"
#include "plugin_export.h"
#include "pool_view.h"
#include "slurm.h"
#include "suspended_jobs.h"
#include "tflops/pool/error.h"
#include "tflops/pool/inventory.h"

extern "C" {
#include "src/common/cgroup.h"
#include "src/common/run_in_daemon.h"
#include "src/slurmctld/locks.h"
}

#include "compat/select_ops.h"  // after slurm.h: the table uses its types

#pragma weak lock_slurmctld
#pragma weak unlock_slurmctld
#pragma weak job_list
#pragma weak node_record_table_ptr
#pragma weak node_record_count
#pragma weak job_suspend
#pragma weak find_job_record
#pragma weak slurm_cgroup_conf

extern "C" {
TFLOPS_EXPORT extern const char plugin_name[] =
    "cons_tres with TFLOPS blocks: contiguous runs, suspend-and-release preemption";
TFLOPS_EXPORT extern const char plugin_type[] = "select/cons_tres_tflops";
// Unique among select plugins (101-110 are Slurm's; cons_tres's 109 stays its own).
TFLOPS_EXPORT extern const uint32_t plugin_id = 150;
TFLOPS_EXPORT extern const uint32_t plugin_version = SLURM_VERSION_NUMBER;
}

using namespace tflops::select;
namespace pool = tflops::pool;

namespace {

constexpr const char kPrefix[] = "select/cons_tres_tflops: ";
constexpr const char kStateFile[] = "tflops_select_state";

// Heap objects only: nothing with a destructor runs at dlclose.
PoolView* g_view = nullptr;            // slurmctld, once node_init read the inventory
SuspendedJobs* g_suspended = nullptr;  // slurmctld
// Set whenever a job is registered, cleared by the resumer when none is left: so that it takes
// slurmctld's locks only while there is something to resume.
std::atomic<bool> g_may_resume{false};
// Why the next job_suspend happens: the plugin preempting (the victim resumes by itself), moving
// a job (it resumes at once, elsewhere), or neither (an admin).
enum class SuspendCause { admin, preemption, move };
SuspendCause g_cause = SuspendCause::admin;
std::int64_t g_cause_priority = 0;

// slurmstepd sends SIGTSTP, waits 2 s, then SIGSTOP, and slurmd holds the job's suspend lock
// all that time: a resume that reaches the node after the suspend waits for it and then
// continues the job; one that overtook it would leave the job stopped. A suspended job resumes
// only this long after its suspend was sent, so that the suspend has reached the node (a moved
// job thus stops for Slurm's 2 s rather than 3-5 s, which the scheduling benchmark felt).
constexpr std::int64_t kSettleMilliseconds = 1000;
// How often the resumer looks for settled jobs while some are suspended.
constexpr auto kResumerPoll = std::chrono::milliseconds(250);
// Moved jobs resume before any preempted one.
constexpr std::int64_t kMovedPriority = std::numeric_limits<std::int64_t>::max();

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::int64_t preempt_priority(const job_record_t* job) {
  return job->part_ptr ? job->part_ptr->priority_tier : 0;
}

// Under ConstrainDevices (cgroup.conf; slurmctld reads it at start and reconfigure) a job's
// device cgroup allows the cards it started on, and Slurm does not widen it while the job runs:
// a running or suspended job may then only be renumbered, keeping its cards and its share of
// each, never moved to other cards.
bool jobs_pinned_to_cards() { return &slurm_cgroup_conf && slurm_cgroup_conf.constrain_devices; }

bool allowed_move(const pool::Move& move) {
  return !jobs_pinned_to_cards() || pool::renumbers_only(g_view->layout(), move);
}

// Suspends or resumes a job for the plugin's own reasons. As gang scheduling does (indf_susp
// false), the job keeps its cores while suspended: only its blocks are given to others, so it
// can always resume where it was once blocks are free.
int suspend_or_resume(job_record_t* job, uint16_t op) {
  suspend_msg_t msg = {};
  msg.op = op;
  msg.job_id = job->job_id;
  return job_suspend(&msg, 0, -1, false, NO_VAL16);
}

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

// --- the pool's view of a node -------------------------------------------------------------

std::optional<std::uint32_t> pool_node(int node_index) {
  if (!g_view) return std::nullopt;
  return g_view->layout().find_node(node_record_table_ptr[node_index]->name);
}

int same_pointer(void* x, void* key) { return x == key ? 1 : 0; }

bool in_list(List list, job_record_t* job) {
  return list && list_find_first(list, same_pointer, job) != nullptr;
}

// Loads node `i` into the view: the blocks in use, and who holds them. The jobs in `leaving`
// (victims already chosen) count as gone, their blocks free.
void load_node(std::uint32_t node, int i, const job_record_t* self, List preemptable,
               const std::vector<job_record_t*>& leaving = {}) {
  std::vector<Holder> holders;
  auto gone = [&](const job_record_t* job) {
    return std::find(leaving.begin(), leaving.end(), job) != leaving.end();
  };
  if (job_list) {
    ListIterator it = list_iterator_create(job_list);
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

// --- moving running jobs so that a request gets one run --------------------------------------

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
  auto new_blocks = [&](job_record_t* job, const pool::Move& move, const char* how,
                        const char* why) {
    const auto to = runs_of(move.to);
    info("%sJobId=%u %s on %s: blocks %s -> %s%s", kPrefix, job->job_id, how,
         node_record_table_ptr[i]->name, runs_text(job_runs_on(job, i)).c_str(),
         runs_text(to).c_str(), why);
    move_blocks(job, i, to);
    take_blocks(job);
  };
  // All leave first, then each takes its new blocks at once (a move's target may be another's
  // source).
  g_cause = SuspendCause::move;
  for (auto& [job, move] : stopped) suspend_or_resume(job, SUSPEND_JOB);
  g_cause = SuspendCause::admin;
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

// --- contiguous placement -------------------------------------------------------------------

// Rewrites cons_tres's choice of blocks on each node into the pool's placement.
void place_contiguously(job_record_t* job) {
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
    for (auto* entry : entries) {
      auto* js = static_cast<gres_job_state_t*>(entry->gres_data);
      if (!js->gres_bit_select || !js->gres_bit_select[i]) continue;
      bitstr_t* chosen = js->gres_bit_select[i];
      const auto blocks = static_cast<std::uint32_t>(bit_set_count(chosen));
      if (blocks == 0) continue;
      g_view->load_node(*node, {}, runs_of(taken));
      auto placed = g_view->place(*node, blocks, entry_kind(entry));
      const bool pinned = jobs_pinned_to_cards();
      const char* why_split = g_view->layout().options().migration == pool::MigrationPolicy::none
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
      debug("%sJobId=%u node %s tflops blocks %s -> %s", kPrefix, job->job_id,
            node_record_table_ptr[i]->name, before.c_str(), runs_text(runs).c_str());
      if (runs.size() > 1)  // for the admin: why this job is not one run
        info("%sJobId=%u gets %zu runs on %s (%s): no free run of %u blocks there, and %s",
             kPrefix, job->job_id, runs.size(), node_record_table_ptr[i]->name,
             runs_text(runs).c_str(), blocks, why_split);
    }
    FREE_NULL_BITMAP(taken);
  }
}

// --- steering a job to nodes where its blocks fit in one run -------------------------------

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

// The nodes of `candidates` on which the job's blocks fit in one free run per entry, so that
// cons_tres picks among them first: a job goes where it need not be split or move others.
// nullptr (no steering) when every candidate qualifies, when fewer than `min_nodes` do (the job
// is split or others move anyway), when the job names its nodes, or when its blocks per node are
// not known before nodes are picked (per-job or per-task counts).
OwnedBitmap nodes_with_free_runs(job_record_t* job, bitstr_t* candidates, uint32_t min_nodes) {
  if (job->details && job->details->req_node_bitmap) return nullptr;
  auto entries = tflops_entries(job->gres_list_req);
  if (entries.empty()) return nullptr;
  for (auto* entry : entries)
    if (!static_cast<const gres_job_state_t*>(entry->gres_data)->gres_per_node) return nullptr;
  OwnedBitmap fits(bit_copy(candidates));
  for (int i = bit_ffs(candidates); i >= 0 && i < node_record_count; ++i)
    if (bit_test(candidates, i) && !fits_in_runs(entries, i)) bit_clear(fits.get(), i);
  const auto count = static_cast<std::uint32_t>(bit_set_count(fits.get()));
  if (count == static_cast<std::uint32_t>(bit_set_count(candidates)) || count < std::max(min_nodes, 1u))
    return nullptr;
  return fits;
}

// --- preemption -----------------------------------------------------------------------------

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
std::vector<job_record_t*> choose_victims(job_record_t* job, bitstr_t* chosen_nodes,
                                          List candidates, List cons_tres_victims) {
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
    ListIterator it = list_iterator_create(cons_tres_victims);
    while (auto* v = static_cast<job_record_t*>(list_next(it))) add(v);
    list_iterator_destroy(it);
  }
  return victims;
}

std::vector<job_record_t*> jobs_of(List list) {
  std::vector<job_record_t*> jobs;
  ListIterator it = list_iterator_create(list);
  while (auto* job = static_cast<job_record_t*>(list_next(it))) jobs.push_back(job);
  list_iterator_destroy(it);
  return jobs;
}

// Suspends victims until the job fits, then places it: first the pool's victims, keeping their
// cores; when the job needs those, with their cores given away too; when it still does not fit
// (it lacks cores or memory that the pool's choice, made for blocks, does not free), also
// cons_tres's own victims, whose list frees all it needs.
int suspend_victims_and_place(job_record_t* job, bitstr_t* bitmap, uint32_t min_nodes,
                              uint32_t max_nodes, uint32_t req_nodes, uint16_t mode,
                              List candidates, List* preemptee_job_list,
                              bitstr_t* exc_core_bitmap, bitstr_t* original_bitmap) {
  auto victims = choose_victims(job, bitmap, candidates, *preemptee_job_list);
  const auto cons_tres_victims = jobs_of(*preemptee_job_list);
  FREE_NULL_LIST(*preemptee_job_list);
  std::vector<job_record_t*> suspended;
  auto suspend = [&](const std::vector<job_record_t*>& jobs) {
    g_cause = SuspendCause::preemption;
    for (auto* victim : jobs) {
      if (std::find(suspended.begin(), suspended.end(), victim) != suspended.end()) continue;
      g_cause_priority = preempt_priority(victim);
      if (suspend_or_resume(victim, SUSPEND_JOB) == SLURM_SUCCESS) {
        suspended.push_back(victim);
      } else {
        error("%scould not suspend JobId=%u for JobId=%u", kPrefix, victim->job_id, job->job_id);
      }
    }
    g_cause = SuspendCause::admin;
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
    return cons_tres.job_test(job, bitmap, min_nodes, max_nodes, req_nodes, mode, nullptr, nullptr,
                              exc_core_bitmap);
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
    error("%sJobId=%u still does not fit after suspending JobId=%s; they resume", kPrefix,
          job->job_id, names.c_str());
    return rc;
  }
  info("%sJobId=%u (priority %lld) suspends JobId=%s and takes their blocks", kPrefix, job->job_id,
       static_cast<long long>(preempt_priority(job)), names.c_str());
  place_contiguously(job);
  return rc;
}

// --- resuming -------------------------------------------------------------------------------

// A released job whose old blocks are busy moves to free blocks of the same kinds on its nodes,
// when the pool places it there in one run per node, the MigrationPolicy allows moves, and
// ConstrainDevices, if set, lets it (the same cards and shares).
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
         node_record_table_ptr[i]->name, runs_text(to).c_str(),
         runs_text(job_runs_on(job, i)).c_str());
    move_blocks(job, i, to);
  }
  return true;
}

// True when a running job uses any of the job's cores (suspended jobs give theirs back).
bool cores_busy(const job_record_t* job) {
  if (!job_list || !job->job_resrcs || !job->job_resrcs->node_bitmap) return false;
  bool busy = false;
  ListIterator it = list_iterator_create(job_list);
  while (auto* other = static_cast<job_record_t*>(list_next(it))) {
    if (other == job || !IS_JOB_RUNNING(other) || !other->job_resrcs ||
        !other->job_resrcs->node_bitmap) {
      continue;
    }
    if (!bit_overlap_any(job->job_resrcs->node_bitmap, other->job_resrcs->node_bitmap)) continue;
    for (int i = 0; i < node_record_count && !busy; ++i) {
      if (!bit_test(job->job_resrcs->node_bitmap, i) ||
          !bit_test(other->job_resrcs->node_bitmap, i)) {
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
    if (suspend_or_resume(job, RESUME_JOB) == SLURM_SUCCESS) {
      info("%sJobId=%u resumes on blocks %s", kPrefix, id, job_blocks_text(job).c_str());
    }
  }
}

// A suspended job whose blocks this plugin gave back.
bool released(const job_record_t* job) {
  if (!g_suspended || !IS_JOB_SUSPENDED(job)) return false;
  const SuspendedJob* entry = g_suspended->find(job->job_id);
  return entry && !entry->holds_blocks;
}

// A suspended job whose cores this plugin gave away to the job that preempted it.
bool cores_released(const job_record_t* job) {
  if (!g_suspended || !IS_JOB_SUSPENDED(job)) return false;
  const SuspendedJob* entry = g_suspended->find(job->job_id);
  return entry && entry->released_cores;
}

// What cons_tres must not count again when it rebuilds its usage from the jobs (restart,
// reconfigure): a released job's blocks and, where they were given away, its cores. cons_tres
// counts a suspended job's cores unless the job is held (priority 0, as `scontrol suspend`
// leaves it), so for that call the job's priority reads 0.
class HiddenWhileRebuilding {
 public:
  explicit HiddenWhileRebuilding(job_record_t* job)
      : job_(job), priority_(job->priority), cores_(cores_released(job)) {
    if (released(job)) entries_ = std::make_unique<HiddenEntries>(job);
    if (cores_) job->priority = 0;
  }
  ~HiddenWhileRebuilding() {
    if (cores_) job_->priority = priority_;
  }
  HiddenWhileRebuilding(const HiddenWhileRebuilding&) = delete;
  HiddenWhileRebuilding& operator=(const HiddenWhileRebuilding&) = delete;

 private:
  job_record_t* job_;
  uint32_t priority_;
  bool cores_;
  std::unique_ptr<HiddenEntries> entries_;
};

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
      slurmctld_lock_t locks = {NO_LOCK, WRITE_LOCK, WRITE_LOCK, READ_LOCK, NO_LOCK};
      lock_slurmctld(locks);
      guarded("resume", 0, [] {
        resume_preempted_jobs();
        if (g_suspended->empty()) g_may_resume = false;
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
Resumer* g_resumer = nullptr;


int load_inventory() {
  if (g_view) return SLURM_SUCCESS;
  const std::string path = tflops::slurm_side::inventory_path();
  try {
    g_view = new PoolView(pool::Layout(pool::load_inventory(path)));
    g_suspended = g_suspended ? g_suspended : new SuspendedJobs();
    info("%sread %s: %zu nodes, %llu blocks", kPrefix, path.c_str(),
         g_view->layout().nodes().size(),
         static_cast<unsigned long long>(g_view->layout().total_blocks()));
    return SLURM_SUCCESS;
  } catch (const std::exception& e) {
    error("%scannot use the card inventory: %s", kPrefix, e.what());
    return SLURM_ERROR;
  }
}

}  // namespace

extern "C" {

TFLOPS_EXPORT int init(void) { return load_cons_tres(); }

TFLOPS_EXPORT int fini(void) {
  delete g_resumer;
  g_resumer = nullptr;
  unload_cons_tres();
  delete g_view;
  g_view = nullptr;
  delete g_suspended;
  g_suspended = nullptr;
  return SLURM_SUCCESS;
}

TFLOPS_EXPORT int select_p_state_save(char* dir_name) {
  int rc = cons_tres.state_save(dir_name);
  if (!g_suspended || !running_in_slurmctld()) return rc;
  const std::string path = std::string(dir_name) + "/" + kStateFile;
  const std::string tmp = path + ".new";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << g_suspended->save();
    out.flush();
    if (!out) {
      error("%scannot write %s: %m", kPrefix, tmp.c_str());
      return SLURM_ERROR;
    }
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    error("%scannot rename %s to %s: %m", kPrefix, tmp.c_str(), path.c_str());
    return SLURM_ERROR;
  }
  return rc;
}

TFLOPS_EXPORT int select_p_state_restore(char* dir_name) {
  int rc = cons_tres.state_restore(dir_name);
  const std::string path = std::string(dir_name) + "/" + kStateFile;
  std::ifstream in(path);
  if (!in) return rc;  // first start, or no job was ever suspended
  std::stringstream text;
  text << in.rdbuf();
  return guarded("state_restore", SLURM_ERROR, [&] {
    auto jobs = SuspendedJobs::restore(text.str(), path);
    if (!g_suspended) g_suspended = new SuspendedJobs();
    *g_suspended = std::move(jobs);
    g_may_resume = !g_suspended->empty();
    info("%srecovered %zu suspended jobs whose blocks were released", kPrefix,
         g_suspended->all().size());
    return rc;
  });
}

TFLOPS_EXPORT int select_p_job_init(List jobs) {
  int rc = cons_tres.job_init(jobs);
  if (!g_suspended) return rc;
  // Forget jobs that ended or resumed while slurmctld was down.
  std::vector<pool::JobId> gone;
  for (const auto& job : g_suspended->all()) {
    job_record_t* record = find_job_record(job.job);
    if (!record || !IS_JOB_SUSPENDED(record)) gone.push_back(job.job);
  }
  for (auto id : gone) g_suspended->remove(id);
  return rc;
}

TFLOPS_EXPORT int select_p_node_init(void) {
  if (load_inventory() != SLURM_SUCCESS) return SLURM_ERROR;
  if (!g_resumer && running_in_slurmctld()) g_resumer = new Resumer();
  return cons_tres.node_init();
}

TFLOPS_EXPORT int select_p_job_test(job_record_t* job_ptr, bitstr_t* bitmap, uint32_t min_nodes,
                                    uint32_t max_nodes, uint32_t req_nodes, uint16_t mode,
                                    List preemptee_candidates, List* preemptee_job_list,
                                    bitstr_t* exc_core_bitmap) {
  if ((mode & SELECT_MODE_BASE) != SELECT_MODE_RUN_NOW || !g_view) {
    return cons_tres.job_test(job_ptr, bitmap, min_nodes, max_nodes, req_nodes, mode,
                              preemptee_candidates, preemptee_job_list, exc_core_bitmap);
  }
  // First on the nodes where the job's blocks fit in one run, without preempting anyone; then,
  // when that fails, as cons_tres would have.
  bitstr_t* original = bit_copy(bitmap);
  int rc = SLURM_ERROR;
  OwnedBitmap steered;
  guarded("job_test", 0, [&] {
    steered = nodes_with_free_runs(job_ptr, bitmap, min_nodes);
    return 0;
  });
  if (steered) {
    rc = cons_tres.job_test(job_ptr, steered.get(), min_nodes, max_nodes, req_nodes, mode, nullptr,
                            nullptr, exc_core_bitmap);
    if (rc == SLURM_SUCCESS) bit_copybits(bitmap, steered.get());
  }
  if (rc != SLURM_SUCCESS)
    rc = cons_tres.job_test(job_ptr, bitmap, min_nodes, max_nodes, req_nodes, mode,
                            preemptee_candidates, preemptee_job_list, exc_core_bitmap);
  if (rc == SLURM_SUCCESS) {
    rc = guarded("job_test", rc, [&] {
      if (preemptee_job_list && *preemptee_job_list && list_count(*preemptee_job_list) > 0) {
        return suspend_victims_and_place(job_ptr, bitmap, min_nodes, max_nodes, req_nodes, mode,
                                         preemptee_candidates, preemptee_job_list,
                                         exc_core_bitmap, original);
      }
      place_contiguously(job_ptr);
      return rc;
    });
  }
  FREE_NULL_BITMAP(original);
  return rc;
}

TFLOPS_EXPORT int select_p_job_begin(job_record_t* job_ptr) { return cons_tres.job_begin(job_ptr); }
TFLOPS_EXPORT int select_p_job_ready(job_record_t* job_ptr) { return cons_tres.job_ready(job_ptr); }
TFLOPS_EXPORT int select_p_job_expand(job_record_t* from_job_ptr, job_record_t* to_job_ptr) {
  return cons_tres.job_expand(from_job_ptr, to_job_ptr);
}
TFLOPS_EXPORT int select_p_job_resized(job_record_t* job_ptr, node_record_t* node_ptr) {
  return cons_tres.job_resized(job_ptr, node_ptr);
}
TFLOPS_EXPORT int select_p_job_signal(job_record_t* job_ptr, int signal) {
  return cons_tres.job_signal(job_ptr, signal);
}

TFLOPS_EXPORT int select_p_job_fini(job_record_t* job_ptr) {
  if (!g_suspended || !g_suspended->find(job_ptr->job_id) ||
      g_suspended->find(job_ptr->job_id)->holds_blocks) {
    if (g_suspended) g_suspended->remove(job_ptr->job_id);
    int rc = cons_tres.job_fini(job_ptr);
    guarded("job_fini", rc, [&] {
      resume_preempted_jobs();
      return rc;
    });
    return rc;
  }
  // It ends while suspended: its blocks were given back already, so cons_tres must not give
  // them back again.
  g_suspended->remove(job_ptr->job_id);
  int rc;
  {
    HiddenEntries hidden(job_ptr);
    rc = cons_tres.job_fini(job_ptr);
  }
  guarded("job_fini", rc, [&] {
    resume_preempted_jobs();
    return rc;
  });
  return rc;
}

TFLOPS_EXPORT int select_p_job_suspend(job_record_t* job_ptr, bool indf_susp) {
  int rc = cons_tres.job_suspend(job_ptr, indf_susp);
  // Gang time slicing (indf_susp false, not ours) keeps everything, as in cons_tres.
  const bool ours = g_cause != SuspendCause::admin;
  if (rc != SLURM_SUCCESS || (!indf_susp && !ours) || !g_suspended) return rc;
  // A job without blocks is only the plugin's business when the plugin preempted it: it
  // resumes by itself, like the others.
  const bool holds_none = tflops_entries(job_ptr->gres_list_alloc).empty();
  if (holds_none && g_cause != SuspendCause::preemption) return rc;
  return guarded("job_suspend", rc, [&] {
    SuspendedJob entry;
    entry.holds_blocks = holds_none;
    entry.job = job_ptr->job_id;
    entry.preempted = g_cause != SuspendCause::admin;
    entry.priority = g_cause == SuspendCause::preemption ? g_cause_priority
                     : g_cause == SuspendCause::move     ? kMovedPriority
                                                         : preempt_priority(job_ptr);
    entry.suspended_at = now_ms();
    entry.blocks = job_blocks_text(job_ptr);
    if (!holds_none) release_blocks(job_ptr);
    g_suspended->add(std::move(entry));
    g_may_resume = true;
    if (g_cause == SuspendCause::admin) {
      info("%sJobId=%u suspended: its blocks %s are free until it resumes", kPrefix,
           job_ptr->job_id, job_blocks_text(job_ptr).c_str());
    }
    return rc;
  });
}

TFLOPS_EXPORT int select_p_job_resume(job_record_t* job_ptr, bool indf_susp) {
  if (!g_suspended || !g_suspended->find(job_ptr->job_id)) {
    return cons_tres.job_resume(job_ptr, indf_susp);
  }
  // Its cores, where they were given away, come back as for an indefinite suspension.
  const bool cores_back = g_suspended->find(job_ptr->job_id)->released_cores;
  if (cores_back && cores_busy(job_ptr)) return ESLURM_NODES_BUSY;
  int busy = guarded("job_resume", static_cast<int>(ESLURM_NODES_BUSY), [&] {
    if (g_suspended->find(job_ptr->job_id)->holds_blocks) {
      g_suspended->remove(job_ptr->job_id);
      return static_cast<int>(SLURM_SUCCESS);
    }
    if (!blocks_free(job_ptr) && !move_to_free_blocks(job_ptr)) {
      info("%sJobId=%u cannot resume yet: its blocks %s are in use", kPrefix, job_ptr->job_id,
           job_blocks_text(job_ptr).c_str());
      return static_cast<int>(ESLURM_NODES_BUSY);
    }
    take_blocks(job_ptr);
    g_suspended->remove(job_ptr->job_id);
    return static_cast<int>(SLURM_SUCCESS);
  });
  if (busy != SLURM_SUCCESS) return busy;
  return cons_tres.job_resume(job_ptr, indf_susp || cores_back);
}

TFLOPS_EXPORT bitstr_t* select_p_step_pick_nodes(job_record_t* job_ptr,
                                                 select_jobinfo_t* step_jobinfo,
                                                 uint32_t node_count, bitstr_t** avail_nodes) {
  return cons_tres.step_pick_nodes(job_ptr, step_jobinfo, node_count, avail_nodes);
}
TFLOPS_EXPORT int select_p_step_start(step_record_t* step_ptr) {
  return cons_tres.step_start(step_ptr);
}
TFLOPS_EXPORT int select_p_step_finish(step_record_t* step_ptr, bool killing_step) {
  return cons_tres.step_finish(step_ptr, killing_step);
}
TFLOPS_EXPORT int select_p_select_nodeinfo_pack(select_nodeinfo_t* nodeinfo, buf_t* buffer,
                                                uint16_t protocol_version) {
  return cons_tres.nodeinfo_pack(nodeinfo, buffer, protocol_version);
}
TFLOPS_EXPORT int select_p_select_nodeinfo_unpack(select_nodeinfo_t** nodeinfo, buf_t* buffer,
                                                  uint16_t protocol_version) {
  return cons_tres.nodeinfo_unpack(nodeinfo, buffer, protocol_version);
}
TFLOPS_EXPORT select_nodeinfo_t* select_p_select_nodeinfo_alloc(void) {
  return cons_tres.nodeinfo_alloc();
}
TFLOPS_EXPORT int select_p_select_nodeinfo_free(select_nodeinfo_t* nodeinfo) {
  return cons_tres.nodeinfo_free(nodeinfo);
}
TFLOPS_EXPORT int select_p_select_nodeinfo_set_all(void) { return cons_tres.nodeinfo_set_all(); }

TFLOPS_EXPORT int select_p_select_nodeinfo_set(job_record_t* job_ptr) {
  HiddenWhileRebuilding hidden(job_ptr);
  return cons_tres.nodeinfo_set(job_ptr);
}

TFLOPS_EXPORT int select_p_select_nodeinfo_get(select_nodeinfo_t* nodeinfo,
                                               enum select_nodedata_type dinfo,
                                               enum node_states state, void* data) {
  return cons_tres.nodeinfo_get(nodeinfo, dinfo, state, data);
}
TFLOPS_EXPORT select_jobinfo_t* select_p_select_jobinfo_alloc(void) {
  return cons_tres.jobinfo_alloc();
}
TFLOPS_EXPORT int select_p_select_jobinfo_free(select_jobinfo_t* jobinfo) {
  return cons_tres.jobinfo_free(jobinfo);
}
TFLOPS_EXPORT int select_p_select_jobinfo_set(select_jobinfo_t* jobinfo,
                                              enum select_jobdata_type data_type, void* data) {
  return cons_tres.jobinfo_set(jobinfo, data_type, data);
}
TFLOPS_EXPORT int select_p_select_jobinfo_get(select_jobinfo_t* jobinfo,
                                              enum select_jobdata_type data_type, void* data) {
  return cons_tres.jobinfo_get(jobinfo, data_type, data);
}
TFLOPS_EXPORT select_jobinfo_t* select_p_select_jobinfo_copy(select_jobinfo_t* jobinfo) {
  return cons_tres.jobinfo_copy(jobinfo);
}
TFLOPS_EXPORT int select_p_select_jobinfo_pack(select_jobinfo_t* jobinfo, buf_t* buffer,
                                               uint16_t protocol_version) {
  return cons_tres.jobinfo_pack(jobinfo, buffer, protocol_version);
}
TFLOPS_EXPORT int select_p_select_jobinfo_unpack(select_jobinfo_t** jobinfo, buf_t* buffer,
                                                 uint16_t protocol_version) {
  return cons_tres.jobinfo_unpack(jobinfo, buffer, protocol_version);
}
TFLOPS_EXPORT char* select_p_select_jobinfo_sprint(select_jobinfo_t* jobinfo, char* buf,
                                                   size_t size, int mode) {
  return cons_tres.jobinfo_sprint(jobinfo, buf, size, mode);
}
TFLOPS_EXPORT char* select_p_select_jobinfo_xstrdup(select_jobinfo_t* jobinfo, int mode) {
  return cons_tres.jobinfo_xstrdup(jobinfo, mode);
}
TFLOPS_EXPORT int select_p_get_info_from_plugin(enum select_plugindata_info dinfo,
                                                job_record_t* job_ptr, void* data) {
  return cons_tres.get_info_from_plugin(dinfo, job_ptr, data);
}
TFLOPS_EXPORT int select_p_update_node_config(int index) {
  return cons_tres.update_node_config(index);
}

TFLOPS_EXPORT int select_p_reconfigure(void) {
  // cons_tres rebuilds every node's usage from the jobs: what the suspended ones gave away must
  // not count.
  std::vector<std::unique_ptr<HiddenWhileRebuilding>> hidden;
  if (g_suspended) {
    for (const auto& job : g_suspended->all()) {
      job_record_t* record = find_job_record(job.job);
      if (record) hidden.push_back(std::make_unique<HiddenWhileRebuilding>(record));
    }
  }
  return cons_tres.reconfigure();
}

TFLOPS_EXPORT bitstr_t* select_p_resv_test(resv_desc_msg_t* resv_desc_ptr, uint32_t node_cnt,
                                           bitstr_t* avail_bitmap, bitstr_t** core_bitmap) {
  return cons_tres.resv_test(resv_desc_ptr, node_cnt, avail_bitmap, core_bitmap);
}

}  // extern "C"

// The hooks as the loader calls them (slurm_common/compat/): a signature that differs stops the
// build here. (plugin_id is checked by check_symbols: the table holds it as a pointer.)
[[maybe_unused]] constexpr tflops::compat::SelectOps kLoaderTable{
    .state_save = select_p_state_save,
    .state_restore = select_p_state_restore,
    .job_init = select_p_job_init,
    .node_init = select_p_node_init,
    .job_test = select_p_job_test,
    .job_begin = select_p_job_begin,
    .job_ready = select_p_job_ready,
    .job_expand = select_p_job_expand,
    .job_resized = select_p_job_resized,
    .job_signal = select_p_job_signal,
    .job_fini = select_p_job_fini,
    .job_suspend = select_p_job_suspend,
    .job_resume = select_p_job_resume,
    .step_pick_nodes = select_p_step_pick_nodes,
    .step_start = select_p_step_start,
    .step_finish = select_p_step_finish,
    .nodeinfo_pack = select_p_select_nodeinfo_pack,
    .nodeinfo_unpack = select_p_select_nodeinfo_unpack,
    .nodeinfo_alloc = select_p_select_nodeinfo_alloc,
    .nodeinfo_free = select_p_select_nodeinfo_free,
    .nodeinfo_set_all = select_p_select_nodeinfo_set_all,
    .nodeinfo_set = select_p_select_nodeinfo_set,
    .nodeinfo_get = select_p_select_nodeinfo_get,
    .jobinfo_alloc = select_p_select_jobinfo_alloc,
    .jobinfo_free = select_p_select_jobinfo_free,
    .jobinfo_set = select_p_select_jobinfo_set,
    .jobinfo_get = select_p_select_jobinfo_get,
    .jobinfo_copy = select_p_select_jobinfo_copy,
    .jobinfo_pack = select_p_select_jobinfo_pack,
    .jobinfo_unpack = select_p_select_jobinfo_unpack,
    .jobinfo_sprint = select_p_select_jobinfo_sprint,
    .jobinfo_xstrdup = select_p_select_jobinfo_xstrdup,
    .get_info_from_plugin = select_p_get_info_from_plugin,
    .update_node_config = select_p_update_node_config,
    .reconfigure = select_p_reconfigure,
    .resv_test = select_p_resv_test,
};
