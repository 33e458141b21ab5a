// SPDX-License-Identifier: GPL-2.0-or-later
// A fixed set of worker threads, task i always on worker i: one per slice of a virtual card (so
// the slices run at once), and one per CPU of a host device (pinned there).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tflops::hal::detail {

class IndexedWorkers {
 public:
  // `cpus`: empty, or one CPU per worker to pin it to.
  IndexedWorkers(std::size_t count, std::vector<int> cpus = {});
  ~IndexedWorkers();
  IndexedWorkers(const IndexedWorkers&) = delete;
  IndexedWorkers& operator=(const IndexedWorkers&) = delete;

  std::size_t size() const { return threads_.size(); }
  // Runs task(i) on worker i for every i < size(), waits for all, then rethrows the exception of
  // the lowest-numbered worker that threw (the others' are dropped: one error names one device).
  void run(const std::function<void(std::size_t)>& task);

 private:
  void loop(std::size_t index, int cpu);

  std::mutex mutex_;
  std::condition_variable start_, done_;
  const std::function<void(std::size_t)>* task_ = nullptr;
  std::size_t generation_ = 0, pending_ = 0;
  bool stop_ = false;
  std::vector<std::exception_ptr> errors_;
  std::vector<std::thread> threads_;
};

}  // namespace tflops::hal::detail
