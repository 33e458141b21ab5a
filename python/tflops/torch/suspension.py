# SPDX-License-Identifier: GPL-2.0-or-later
"""suspend_point(): training that survives Slurm preemption, honoured at step boundaries.

`scontrol suspend` (preemption) sends SIGTSTP, then SIGSTOP; `scontrol resume` sends SIGCONT. A
rank that calls suspend_point() at every step boundary moves its model and optimiser state to
host memory and frees its card's memory when a SIGTSTP came, waits for the SIGCONT, takes its
share of the blocks the job holds now (they may be on other cards) and moves the state there.
Each rank then says on stderr whether it released its card before Slurm stopped it. Outside a
tflops job (an explicit card list) it does nothing.
"""

import sys
import time

import torch

from tflops import _native
from tflops.torch import process_group

# Slurm signals every process of the job at once: a rank's own SIGTSTP comes within this long
# of a peer's.
_SIGNAL_SPREAD_S = 2.0


def _move_optimizer_state(optimizer, device):
    for state in optimizer.state.values():
        for key, value in state.items():
            if torch.is_tensor(value):
                state[key] = value.to(device)


def _move(model, optimizer, device):
    model.to(device)
    if optimizer is not None:
        _move_optimizer_state(optimizer, device)


def suspend_point(model, optimizer=None):
    """Call once per step on every rank, between optimizer.step() and the next forward (it is
    collective within a tflops job). Returns True when the rank was suspended and resumed here."""
    rt = process_group.runtime()
    if rt.suspend_point is None:
        return False
    # Every rank suspends at the same step boundary: a rank that went on would wait in the next
    # all-reduce for the suspended ones, holding its card until Slurm's SIGSTOP.
    if not any(rt.comm.allgather(1.0 if rt.suspend_point.pending() else 0.0)):
        return False
    deadline = time.monotonic() + _SIGNAL_SPREAD_S
    while not rt.suspend_point.pending() and time.monotonic() < deadline:
        time.sleep(0.005)

    def release():
        _move(model, optimizer, "cpu")
        if rt.device.type == "cuda":
            torch.cuda.empty_cache()  # the card's memory back to the driver: the blocks are free

    def retake():
        rt.device = process_group.device_for(rt.binding.rebind())
        if rt.device.type == "cuda":
            torch.cuda.set_device(rt.device)
        _move(model, optimizer, rt.device)

    unwarned, late = rt.suspend_point.unwarned, rt.suspend_point.late
    if not rt.suspend_point.honour(release, retake):
        return False
    _report(rt, rt.suspend_point.unwarned == unwarned, rt.suspend_point.late != late)
    return True


def _report(rt, released, late):
    """One line per rank and suspension: what an admin checks (and the integration test reads) to
    know that the job's blocks were really free while it was suspended, and else why not."""
    if released:
        what = "released its card before Slurm stopped it"
    elif late:
        what = ("was stopped before it could release its card (it kept its device memory while suspended): "
                "the SIGTSTP came but no suspend_point was reached before Slurm's SIGSTOP 2 s later; call "
                "suspend_point more often: every step, and every chunk of a long pass such as an evaluation")
    else:
        what = ("was stopped before it could release its card (it kept its device memory while suspended; "
                f"{_native.LAUNCHER_SIGNALS_HINT})")
    sys.stderr.write(f"tflops: rank {rt.comm.rank}: suspended: {what}; resumed on {rt.binding.allocation} "
                     f"-> {rt.device}\n")
    sys.stderr.flush()


def suspensions():
    """(suspensions honoured, of which unwarned): a rank stopped before it could release its card
    counts as unwarned (stopped by mpirun without OMPI_MCA_ess_base_forward_signals=none, or Open
    MPI 5's PRTE_MCA_ess_base_forward_signals=none and --forward-signals none; or no suspend_point
    within the 2 s between SIGTSTP and SIGSTOP). Each such suspension's stderr line says which."""
    point = process_group.runtime().suspend_point
    return (point.suspensions, point.unwarned) if point is not None else (0, 0)
