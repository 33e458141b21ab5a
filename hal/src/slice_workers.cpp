// SPDX-License-Identifier: GPL-2.0-or-later
#include "slice_workers.h"

#include <pthread.h>
#include <sched.h>

namespace tflops::hal::detail {

IndexedWorkers::IndexedWorkers(std::size_t count, std::vector<int> cpus) : errors_(count) {
  threads_.reserve(count);
  for (std::size_t i = 0; i < count; ++i)
    threads_.emplace_back(&IndexedWorkers::loop, this, i, i < cpus.size() ? cpus[i] : -1);
}

IndexedWorkers::~IndexedWorkers() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  start_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

void IndexedWorkers::run(const std::function<void(std::size_t)>& task) {
  std::unique_lock lock(mutex_);
  task_ = &task;
  pending_ = threads_.size();
  for (auto& error : errors_) error = nullptr;
  ++generation_;
  start_.notify_all();
  done_.wait(lock, [&] { return pending_ == 0; });
  task_ = nullptr;
  for (const auto& error : errors_)
    if (error) std::rethrow_exception(error);
}

void IndexedWorkers::loop(std::size_t index, int cpu) {
  if (cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    // Best effort: a CPU outside the process's mask simply leaves the thread unpinned.
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  }
  std::size_t seen = 0;
  std::unique_lock lock(mutex_);
  for (;;) {
    start_.wait(lock, [&] { return stop_ || generation_ != seen; });
    if (stop_) return;
    seen = generation_;
    const auto* task = task_;
    lock.unlock();
    std::exception_ptr error;
    try {
      (*task)(index);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    errors_[index] = error;
    if (--pending_ == 0) done_.notify_all();
  }
}

}  // namespace tflops::hal::detail
