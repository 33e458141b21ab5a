# SPDX-License-Identifier: GPL-2.0-or-later
"""suspend_point() under a suspension whose blocks move, in one process, without Slurm.

The job's allocation comes from $SLURM_TFLOPS_ALLOC_FILE (as Slurm's would from the job
environment). The test sends itself SIGTSTP, moves the job's blocks to another card in that file
and sends SIGCONT 0.5 s later: suspend_point() must release the model and the optimiser's state to
host memory, wait for the SIGCONT, and resume on the new blocks with the state intact. A SIGTSTP
and SIGCONT that both come before the next suspend_point count as a suspension that kept the card,
named as too late. Prints "ok - ..." lines.
"""

import io
import os
import signal
import sys
import tempfile
import threading
import time

import torch

import tflops.torch
from allocation_file import write_allocation

BEFORE = "gpu:cpu0::0-1"
AFTER = "gpu:cpu1::4-5"


def fail(message):
    sys.exit("FAIL - " + message)


def main():
    path = os.path.join(tempfile.mkdtemp(), "allocation")
    write_allocation(path, BEFORE)
    os.environ.update(SLURM_TFLOPS_ALLOC_FILE=path, TFLOPS_HAL_BACKENDS="gpu=host")
    tflops.torch.init_process_group()
    model = torch.nn.Linear(8, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.rand(4, 8)).sum().backward()
    optimizer.step()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    momentum = [optimizer.state[p]["momentum_buffer"].clone() for p in model.parameters()]

    if tflops.torch.suspend_point(model, optimizer):
        fail("suspend_point() suspended without a signal")
    print("ok - no suspension without a signal")

    os.kill(os.getpid(), signal.SIGTSTP)  # the handler records it; the process does not stop

    def slurm_resumes():
        time.sleep(0.5)
        write_allocation(path, AFTER)
        os.kill(os.getpid(), signal.SIGCONT)

    threading.Thread(target=slurm_resumes).start()
    start = time.monotonic()
    if not tflops.torch.suspend_point(model, optimizer):
        fail("suspend_point() did not honour the SIGTSTP")
    waited = time.monotonic() - start
    if waited < 0.4:
        fail(f"suspend_point() returned after {waited:.2f} s, before the SIGCONT")
    print(f"ok - suspended until the SIGCONT ({waited:.2f} s)")
    now = str(tflops.torch.allocation())
    if not now.startswith(AFTER):
        fail(f"after the resume the rank holds {now}, not the job's new blocks {AFTER}")
    print(f"ok - resumed on the job's new blocks: {now}")
    if any(not torch.equal(state[k], v) for k, v in model.state_dict().items()) or \
       any(not torch.equal(m, optimizer.state[p]["momentum_buffer"]) for m, p in zip(momentum, model.parameters())):
        fail("the model or the optimiser's state changed across the suspension")
    if tflops.torch.suspensions() != (1, 0):
        fail(f"suspensions() = {tflops.torch.suspensions()}, expected (1, 0): one, warned by its SIGTSTP")
    print("ok - model and optimiser state intact; one suspension, warned")

    # Stopped and continued before the next suspend_point: the rank kept its card, and its line
    # says the SIGTSTP came (so the launcher is not to blame) but no suspend_point came in time.
    os.kill(os.getpid(), signal.SIGTSTP)
    os.kill(os.getpid(), signal.SIGCONT)
    said, sys.stderr = sys.stderr, io.StringIO()
    try:
        honoured = tflops.torch.suspend_point(model, optimizer)
    finally:
        said, sys.stderr = sys.stderr.getvalue(), said
    if not honoured or tflops.torch.suspensions() != (2, 1):
        fail(f"a late suspension: honoured {honoured}, suspensions() = {tflops.torch.suspensions()}, expected (2, 1)")
    if "no suspend_point was reached before Slurm's SIGSTOP" not in said:
        fail(f"a late suspension's line does not say that the SIGTSTP came too late: {said!r}")
    print("ok - a suspension that came before the next suspend_point is counted and named as late")


if __name__ == "__main__":
    main()
