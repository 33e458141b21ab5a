// SPDX-License-Identifier: GPL-2.0-or-later
// Suspension (Slurm preemption) at points where the program can afford it.
//
// `scontrol suspend` sends SIGTSTP, then SIGSTOP; `scontrol resume` sends SIGCONT. The HAL's own
// hooks (tflops/hal/suspend_hooks.h) suspend a card between two operations, which is too fine for a
// training step: the step's next operation would find the card gone. A SuspendPoint instead
// records SIGTSTP and lets the program act at a step boundary, or while it waits on its peers
// (Communicator::set_idle_hook): honour() saves the card's buffers and releases its devices
// (VirtualCard::suspend), sleeps until SIGCONT, then resumes the card on the blocks the job holds
// now (possibly other ones). Without a SIGTSTP, honour() returns at once.
//
// A SIGCONT without a SIGTSTP before it also counts: a rank that was stopped without warning
// still resumes its card on the blocks the job holds now. That happens under mpirun unless
// OMPI_MCA_ess_base_forward_signals=none (Open MPI 5: PRTE_MCA_ess_base_forward_signals=none and
// mpirun --forward-signals none): mpirun forwards the SIGTSTP it gets from Slurm to the ranks as a
// SIGSTOP, which stops them before their own SIGTSTP is handled (and discards it).
// Such a rank kept its device memory while stopped: unwarned() counts those suspensions.
#pragma once

#include <functional>

#include "tflops/hal/virtual_card.h"

namespace tflops::mpi {

// What a rank that was stopped without a SIGTSTP (unwarned() but not late()) tells its user to do:
// the launcher's settings that let Slurm's SIGTSTP reach the ranks.
inline constexpr const char* kLauncherSignalsHint =
    "under mpirun, export OMPI_MCA_ess_base_forward_signals=none (Open MPI 5: "
    "PRTE_MCA_ess_base_forward_signals=none and mpirun --forward-signals none) so that mpirun does not stop "
    "the ranks itself";

class SuspendPoint {
 public:
  // Installs SIGTSTP and SIGCONT handlers (one SuspendPoint per process); the destructor
  // restores the previous ones.
  SuspendPoint();
  ~SuspendPoint();
  SuspendPoint(const SuspendPoint&) = delete;
  SuspendPoint& operator=(const SuspendPoint&) = delete;

  bool pending() const;
  // Returns true when it suspended and resumed the card.
  bool honour(hal::VirtualCard& card);
  // The same for state the HAL does not hold (a PyTorch model's tensors): release() frees the
  // devices before the wait, retake() takes the job's current blocks after the SIGCONT.
  bool honour(const std::function<void()>& release, const std::function<void()>& retake);
  // Suspensions honoured: the card re-taken after each.
  unsigned suspensions() const { return suspensions_; }
  // Of those, the ones where the process was stopped before it could release the card (no
  // SIGTSTP, or the SIGCONT came first): the card's device memory stayed taken meanwhile.
  unsigned unwarned() const { return unwarned_; }
  // Of the unwarned ones, those where the SIGTSTP did come but the program reached no honour()
  // before the SIGSTOP (2 s later under Slurm): its suspension points are too far apart, where
  // the others point at the launcher (mpirun stopping the ranks itself).
  unsigned late() const { return late_; }

 private:
  unsigned suspensions_ = 0;
  unsigned unwarned_ = 0;
  unsigned late_ = 0;
};

}  // namespace tflops::mpi
