// SPDX-License-Identifier: GPL-2.0-or-later
#include "state_file.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "plugin_state.h"

namespace tflops::select {

namespace {

constexpr const char kStateFile[] = "tflops_select_state";
std::string* g_written = nullptr;  // what the file holds (heap: nothing runs at dlclose)

std::string state_path() {
  return std::string(slurm_conf.state_save_location ? slurm_conf.state_save_location : ".") + "/" +
         kStateFile;
}

void remember(std::string text) {
  if (!g_written) g_written = new std::string();
  *g_written = std::move(text);
}

}  // namespace

void save_state_if_changed() {
  if (!g_suspended || !running_in_slurmctld()) return;
  std::string text = g_suspended->save();
  if (g_written && *g_written == text) return;
  const std::string path = state_path();
  const std::string tmp = path + ".new";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      error("%scannot write %s: %m", kPrefix, tmp.c_str());
      return;
    }
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    error("%scannot rename %s to %s: %m", kPrefix, tmp.c_str(), path.c_str());
    return;
  }
  remember(std::move(text));
}

int restore_state() {
  if (g_written) return SLURM_SUCCESS;  // a reconfigure: the registry is current
  const std::string path = state_path();
  std::ifstream in(path);
  if (!in) {  // first start, or no job was ever released
    remember(SuspendedJobs().save());
    return SLURM_SUCCESS;
  }
  std::stringstream text;
  text << in.rdbuf();
  return guarded("state_restore", SLURM_ERROR, [&] {
    auto jobs = SuspendedJobs::restore(text.str(), path);
    if (!g_suspended) g_suspended = new SuspendedJobs();
    *g_suspended = std::move(jobs);
    g_may_resume = !g_suspended->empty();
    remember(text.str());
    info("%srecovered %zu suspended jobs whose blocks were released", kPrefix, g_suspended->all().size());
    return SLURM_SUCCESS;
  });
}

void prune_state() {
  if (!g_suspended) return;
  std::vector<pool::JobId> gone;
  for (const auto& job : g_suspended->all()) {
    job_record_t* record = find_job_record(job.job);
    if (!record || !IS_JOB_SUSPENDED(record)) gone.push_back(job.job);
  }
  for (auto id : gone) g_suspended->remove(id);
  save_state_if_changed();
}

}  // namespace tflops::select
