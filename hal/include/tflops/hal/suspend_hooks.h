// SPDX-License-Identifier: GPL-2.0-or-later
// Slurm's suspend and resume, seen from inside the job.
//
// `scontrol suspend` makes slurmstepd send SIGTSTP, then SIGSTOP; `scontrol resume` sends
// SIGCONT. With the hooks installed, SIGTSTP makes the HAL save every device buffer of the
// registered cards to host memory and release their devices (so the blocks really are free for
// the preempting job), and SIGCONT makes it re-read the job's blocks (they may have moved; see
// resumed_allocation in allocation.h) and rebuild the slices before the program continues.
//
// Signal handlers only write to a pipe; a watcher thread does the work, calling the cards'
// suspend()/resume(), which wait for the operation in flight. A program may also call
// suspend_all()/resume_all() itself (the same entry points), e.g. from its own handler.
#pragma once

#include <string>

#include "tflops/hal/virtual_card.h"

namespace tflops::hal {

// Registers `card` for the hooks; the card must outlive the registration (unregister first).
void register_card(VirtualCard& card);
void unregister_card(VirtualCard& card);

// Installs SIGTSTP/SIGCONT handlers and starts the watcher thread (idempotent). The previous
// handlers are restored by remove_suspend_hooks().
void install_suspend_hooks();
void remove_suspend_hooks();

// Suspends / resumes every registered card now (what the hooks call). Returns after all are
// done. Errors are reported on stderr naming the card and kept: last_hook_error() returns the
// last one ("" when none) so the program can stop cleanly.
void suspend_all();
void resume_all();
std::string last_hook_error();

// How many SIGTSTP / SIGCONT the watcher has fully handled (lets a program or test wait for it).
unsigned suspends_handled();
unsigned resumes_handled();

}  // namespace tflops::hal
