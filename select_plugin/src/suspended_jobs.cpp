// SPDX-License-Identifier: GPL-2.0-or-later
#include "suspended_jobs.h"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <sstream>

#include "tflops/pool/error.h"

namespace tflops::select {

namespace {

constexpr std::string_view kHeader = "tflops-select-state 2";
constexpr std::string_view kHeaderVersion1 = "tflops-select-state 1";

template <typename Number>
Number number(std::string_view word, const std::string& where, std::string_view what) {
  Number value{};
  const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (ec != std::errc() || end != word.data() + word.size()) {
    throw pool::Error(where + ": " + std::string(what) + " '" + std::string(word) +
                      "' is not a number; the file is damaged: move it away and restart "
                      "slurmctld (suspended jobs then keep their blocks until they resume)");
  }
  return value;
}

}  // namespace

void SuspendedJobs::add(SuspendedJob job) {
  auto it = std::find_if(jobs_.begin(), jobs_.end(), [&](const SuspendedJob& j) { return j.job == job.job; });
  if (it != jobs_.end()) {
    job.order = it->order;
    *it = std::move(job);
    return;
  }
  if (job.order == 0) job.order = next_order_;
  next_order_ = std::max(next_order_, job.order + 1);
  jobs_.push_back(std::move(job));
}

void SuspendedJobs::remove(pool::JobId job) {
  std::erase_if(jobs_, [&](const SuspendedJob& j) { return j.job == job; });
}

const SuspendedJob* SuspendedJobs::find(pool::JobId job) const {
  auto it = std::find_if(jobs_.begin(), jobs_.end(), [&](const SuspendedJob& j) { return j.job == job; });
  return it == jobs_.end() ? nullptr : &*it;
}

std::vector<pool::JobId> SuspendedJobs::resume_order(std::int64_t settled) const {
  std::vector<const SuspendedJob*> preempted;
  for (const auto& job : jobs_) {
    if (job.preempted && job.suspended_at <= settled) preempted.push_back(&job);
  }
  std::sort(preempted.begin(), preempted.end(), [](const SuspendedJob* a, const SuspendedJob* b) {
    if (a->priority != b->priority) return a->priority > b->priority;
    return a->order < b->order;
  });
  std::vector<pool::JobId> order;
  for (const auto* job : preempted) order.push_back(job->job);
  return order;
}

std::string SuspendedJobs::save() const {
  std::ostringstream out;
  out << kHeader << "\n";
  for (const auto& job : jobs_) {
    out << "job " << job.job << " preempted " << (job.preempted ? 1 : 0) << " held "
        << (job.holds_blocks ? 1 : 0) << " cores " << (job.released_cores ? 1 : 0) << " priority "
        << job.priority << " order " << job.order << " blocks " << (job.blocks.empty() ? "-" : job.blocks)
        << "\n";
  }
  out << "end " << jobs_.size() << "\n";
  return out.str();
}

SuspendedJobs SuspendedJobs::restore(std::string_view text, const std::string& source) {
  SuspendedJobs jobs;
  std::istringstream in{std::string(text)};
  std::string line;
  int number_of_line = 0;
  bool ended = false;
  bool version1 = false;
  auto where = [&] { return source + ":" + std::to_string(number_of_line); };
  while (std::getline(in, line)) {
    ++number_of_line;
    if (number_of_line == 1) {
      version1 = line == kHeaderVersion1;
      if (line != kHeader && !version1) {
        throw pool::Error(where() + ": expected '" + std::string(kHeader) + "' (or version 1), found '" +
                          line + "': not a state file select/cons_tres_tflops can read");
      }
      continue;
    }
    std::istringstream words(line);
    std::vector<std::string> w{std::istream_iterator<std::string>(words),
                               std::istream_iterator<std::string>()};
    if (ended) throw pool::Error(where() + ": text after the end record; the file is damaged");
    if (w.size() == 2 && w[0] == "end") {
      if (number<std::size_t>(w[1], where(), "job count") != jobs.jobs_.size()) {
        throw pool::Error(where() + ": the end record counts " + w[1] + " jobs but the file lists " +
                          std::to_string(jobs.jobs_.size()) + "; the file is cut short");
      }
      ended = true;
      continue;
    }
    // Version 1 lines lack "cores 0|1" after the held flag.
    if (version1 && w.size() == 12) w.insert(w.begin() + 6, {"cores", "0"});
    if (w.size() != 14 || w[0] != "job" || w[2] != "preempted" || w[4] != "held" || w[6] != "cores" ||
        w[8] != "priority" || w[10] != "order" || w[12] != "blocks") {
      throw pool::Error(where() + ": expected 'job ID preempted 0|1 held 0|1 " +
                        (version1 ? "" : "cores 0|1 ") + "priority P order N blocks LIST', found '" + line +
                        "'");
    }
    SuspendedJob job;
    job.job = number<pool::JobId>(w[1], where(), "job id");
    job.preempted = number<int>(w[3], where(), "preempted flag") != 0;
    job.holds_blocks = number<int>(w[5], where(), "held flag") != 0;
    job.released_cores = number<int>(w[7], where(), "cores flag") != 0;
    job.priority = number<std::int64_t>(w[9], where(), "priority");
    job.order = number<std::uint64_t>(w[11], where(), "order");
    job.blocks = w[13] == "-" ? "" : w[13];
    if (job.job == pool::kNoJob || job.order == 0) {
      throw pool::Error(where() + ": job id and order must be positive");
    }
    jobs.add(std::move(job));
  }
  if (!ended) {
    throw pool::Error(source +
                      ": no end record; the file is cut short (slurmctld stopped while "
                      "writing it): move it away and restart slurmctld");
  }
  return jobs;
}

}  // namespace tflops::select
