// SPDX-License-Identifier: GPL-2.0-or-later
// The one file that talks to libslurm (public API, libslurm-dev): reads nodes and jobs into a
// SlurmSnapshot. Built only when cmake finds slurm/slurm.h and libslurm.
#include <pwd.h>
#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "live_source.h"
#include "slurm_snapshot.h"
#include "tflops/pool/error.h"
#include "tflops/pool/hostlist.h"

namespace tflops::cli {

namespace {

std::string text(const char* value) { return value ? value : ""; }

[[noreturn]] void slurm_failed(const std::string& what) {
  throw pool::Error("cannot " + what + " from slurmctld (" + slurm_conf_path() +
                    "): " + slurm_strerror(errno) +
                    "; is slurmctld running, and SLURM_CONF pointing at its slurm.conf?");
}

// Slurm's own node_state_string is not in the public header; these are its words.
std::string node_state_text(std::uint32_t state) {
  static constexpr const char* kBase[] = {"unknown", "down", "idle", "allocated", "error", "mixed", "future"};
  const auto base = state & NODE_STATE_BASE;
  std::string word = base < std::size(kBase) ? kBase[base] : "unknown";
  if (state & NODE_STATE_DRAIN) word += "+drain";
  if (state & NODE_STATE_NO_RESPOND) word += "+not_responding";
  return word;
}

std::string user_name(const slurm_job_info_t& job) {
  if (job.user_name && *job.user_name) return job.user_name;
  if (const auto* entry = ::getpwuid(job.user_id)) return entry->pw_name;
  return std::to_string(job.user_id);
}

// The job's nodes in Slurm's node order, which is the order of gres_detail_str.
std::vector<std::string> job_nodes(const slurm_job_info_t& job, const node_info_msg_t& nodes) {
  std::vector<std::string> names;
  if (job.node_inx) {
    for (const std::int32_t* pair = job.node_inx; pair[0] >= 0 && pair[1] >= 0; pair += 2) {
      for (auto index = pair[0]; index <= pair[1]; ++index) {
        if (static_cast<std::uint32_t>(index) < nodes.record_count) {
          names.push_back(text(nodes.node_array[index].name));
        }
      }
    }
    return names;
  }
  return pool::expand_hostlist(text(job.nodes));
}

}  // namespace

bool slurm_reader_built() { return true; }

SlurmSnapshot read_slurm() {
  const auto conf = slurm_conf_path();
  if (std::getenv("SLURM_CONF") && !std::filesystem::exists(conf)) {
    throw pool::Error("SLURM_CONF names '" + conf + "', which does not exist");
  }
  slurm_init(nullptr);

  node_info_msg_t* node_msg = nullptr;
  if (slurm_load_node(0, &node_msg, SHOW_ALL | SHOW_DETAIL) != SLURM_SUCCESS) {
    slurm_failed("read the nodes");
  }
  const std::unique_ptr<node_info_msg_t, void (*)(node_info_msg_t*)> node_guard(node_msg,
                                                                                slurm_free_node_info_msg);
  job_info_msg_t* job_msg = nullptr;
  if (slurm_load_jobs(0, &job_msg, SHOW_ALL | SHOW_DETAIL) != SLURM_SUCCESS) {
    slurm_failed("read the jobs");
  }
  const std::unique_ptr<job_info_msg_t, void (*)(job_info_msg_t*)> job_guard(job_msg,
                                                                             slurm_free_job_info_msg);

  SlurmSnapshot snapshot;
  snapshot.slurm_conf = conf;
  for (std::uint32_t i = 0; i < node_msg->record_count; ++i) {
    const auto& node = node_msg->node_array[i];
    if (!node.name) continue;  // a hole in the node table (removed dynamic node)
    snapshot.nodes.push_back(
        {text(node.name), node_state_text(node.node_state), text(node.gres), text(node.gres_used)});
  }
  for (std::uint32_t i = 0; i < job_msg->record_count; ++i) {
    const auto& job = job_msg->job_array[i];
    const auto state = job.job_state & JOB_STATE_BASE;
    if (state != JOB_RUNNING && state != JOB_SUSPENDED) continue;
    SlurmJob entry;
    entry.id = job.job_id;
    entry.name = text(job.name);
    entry.user = user_name(job);
    entry.state = state == JOB_RUNNING ? SlurmJobState::running : SlurmJobState::suspended;
    entry.nodes = job_nodes(job, *node_msg);
    for (std::uint32_t d = 0; d < job.gres_detail_cnt; ++d) {
      entry.gres_detail.push_back(text(job.gres_detail_str[d]));
    }
    snapshot.jobs.push_back(std::move(entry));
  }
  slurm_fini();
  return snapshot;
}

}  // namespace tflops::cli
