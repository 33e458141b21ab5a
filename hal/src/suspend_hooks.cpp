// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/hal/suspend_hooks.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

namespace tflops::hal {

namespace {

struct Hooks {
  std::mutex mutex;  // guards cards and error
  std::vector<VirtualCard*> cards;
  std::string error;
  std::atomic<unsigned> suspends{0}, resumes{0};
  int pipe[2] = {-1, -1};
  std::thread watcher;
  struct sigaction old_tstp {
  }, old_cont{};
  bool installed = false;
};

Hooks& hooks() {
  static Hooks instance;
  return instance;
}

// Async-signal-safe: one byte per signal ('s' or 'c'), the watcher does the rest.
void on_signal(int signal) {
  const int saved = errno;
  const char byte = signal == SIGTSTP ? 's' : 'c';
  [[maybe_unused]] const ssize_t n = ::write(hooks().pipe[1], &byte, 1);
  errno = saved;
}

void for_each_card(bool suspend) {
  Hooks& h = hooks();
  std::lock_guard lock(h.mutex);
  for (VirtualCard* card : h.cards) {
    try {
      if (suspend) card->suspend();
      else if (card->suspended()) card->resume();
    } catch (const std::exception& error) {
      h.error = std::string(suspend ? "suspend" : "resume") + " of the virtual card failed: " + error.what();
      std::cerr << "tflops hal: " << h.error << "\n";
    }
  }
}

void watch() {
  Hooks& h = hooks();
  char byte = 0;
  while (::read(h.pipe[0], &byte, 1) == 1) {
    if (byte == 's') {
      suspend_all();
      ++h.suspends;
    } else if (byte == 'c') {
      resume_all();
      ++h.resumes;
    } else {
      return;  // 'q': remove_suspend_hooks
    }
  }
}

}  // namespace

void register_card(VirtualCard& card) {
  std::lock_guard lock(hooks().mutex);
  hooks().cards.push_back(&card);
}

void unregister_card(VirtualCard& card) {
  std::lock_guard lock(hooks().mutex);
  auto& cards = hooks().cards;
  cards.erase(std::remove(cards.begin(), cards.end(), &card), cards.end());
}

void install_suspend_hooks() {
  Hooks& h = hooks();
  if (h.installed) return;
  if (::pipe2(h.pipe, O_CLOEXEC) != 0) throw std::runtime_error("tflops hal: pipe2 failed");
  h.watcher = std::thread(watch);
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGTSTP, &action, &h.old_tstp);
  sigaction(SIGCONT, &action, &h.old_cont);
  h.installed = true;
}

void remove_suspend_hooks() {
  Hooks& h = hooks();
  if (!h.installed) return;
  sigaction(SIGTSTP, &h.old_tstp, nullptr);
  sigaction(SIGCONT, &h.old_cont, nullptr);
  const char quit = 'q';
  [[maybe_unused]] const ssize_t n = ::write(h.pipe[1], &quit, 1);
  h.watcher.join();
  ::close(h.pipe[0]);
  ::close(h.pipe[1]);
  h.installed = false;
}

void suspend_all() { for_each_card(true); }
void resume_all() { for_each_card(false); }

std::string last_hook_error() {
  std::lock_guard lock(hooks().mutex);
  return hooks().error;
}

unsigned suspends_handled() { return hooks().suspends; }
unsigned resumes_handled() { return hooks().resumes; }

}  // namespace tflops::hal
