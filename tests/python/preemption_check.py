# SPDX-License-Identifier: GPL-2.0-or-later
"""Preemption of the example training job, end to end under mpirun (Slurm's part played here).

  preemption_check.py MPIEXEC SCRIPT OUT_DIR

The job's allocation is a file ($SLURM_TFLOPS_ALLOC_FILE), as Slurm's environment would be. An
uninterrupted run gives the reference accuracy. In a second run, once training is under way, the
job's blocks move to another card in that file and every rank gets what `scontrol suspend` sends
(SIGTSTP, SIGSTOP 1 s later), then SIGCONT 2 s later; then the same again, back to the first card,
while the ranks evaluate after the first epoch. The run must make no step while stopped, resume
every rank on the new blocks each time, say that every rank released its card before it stopped,
and end within 0.5 points of the reference. Prints "ok - ..." lines.
"""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from allocation_file import write_allocation

BEFORE, AFTER = "gpu:cpu0::0-1", "gpu:cpu1::4-5"
TRAIN_SAMPLES, BATCH = 12000, 128
TRAIN = ["--epochs", "2", "--train-samples", str(TRAIN_SAMPLES), "--batch", str(BATCH), "--seed", "1"]
STEPS_PER_EPOCH = TRAIN_SAMPLES // BATCH


def command(mpiexec, script, steps_csv):
    return [mpiexec, "--oversubscribe", "-n", "2", sys.executable, script, *TRAIN, "--steps-csv", str(steps_csv)]


def final_accuracy(output):
    found = re.search(r"^final test accuracy: ([0-9.]+)%(.*)$", output, re.M)
    if not found:
        sys.exit(f"FAIL - no final accuracy in:\n{output}")
    return float(found.group(1)), found.group(2)


def steps_done(steps_csv):
    return max(0, len(steps_csv.read_text().splitlines()) - 1) if steps_csv.exists() else 0


def ranks_of(launcher):
    """The launcher's children: the ranks (this test started them)."""
    ranks = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == launcher:
            ranks.append(int(stat.parent.name))
    return ranks


def signal_all(pids, number):
    for pid in pids:
        os.kill(pid, number)


def suspend(ranks, steps_csv, allocation, cards):
    """What `scontrol suspend` and `scontrol resume` send, with the job's blocks moved to `cards`
    while it is stopped. Returns the step it stopped after and the steps made while stopped."""
    write_allocation(allocation, cards)  # the select plugin moves the job's blocks while it is suspended
    signal_all(ranks, signal.SIGTSTP)
    time.sleep(1)
    signal_all(ranks, signal.SIGSTOP)
    stopped_at = steps_done(steps_csv)
    time.sleep(2)
    stepped = steps_done(steps_csv) - stopped_at
    signal_all(ranks, signal.SIGCONT)
    return stopped_at, stepped


def main(mpiexec, script, out_dir):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    allocation = out / "allocation"
    os.environ.update(SLURM_TFLOPS_ALLOC_FILE=str(allocation), TFLOPS_HAL_BACKENDS="gpu=host")

    write_allocation(allocation, BEFORE)
    reference = subprocess.run(command(mpiexec, script, out / "reference.csv"), capture_output=True, text=True,
                               check=True).stdout
    want, _ = final_accuracy(reference)

    write_allocation(allocation, BEFORE)
    steps_csv = out / "preempted.csv"
    steps_csv.unlink(missing_ok=True)  # a previous run's would count as progress
    job = subprocess.Popen(command(mpiexec, script, steps_csv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
    # Once while it trains, once while it evaluates after the first epoch (a pass over the test set
    # that lasts longer than the grace between SIGTSTP and SIGSTOP), each time onto other blocks.
    suspensions = []
    for at_step, cards in ((30, AFTER), (STEPS_PER_EPOCH, BEFORE)):
        while steps_done(steps_csv) < at_step and job.poll() is None:
            time.sleep(0.05)
        ranks = ranks_of(job.pid)
        if job.poll() is not None or len(ranks) != 2:
            sys.exit(f"FAIL - could not catch the job's 2 ranks at step {at_step} (found {ranks}):\n{job.communicate()[0]}")
        suspensions.append((cards, *suspend(ranks, steps_csv, allocation, cards)))
    output = job.communicate(timeout=600)[0]
    if job.returncode != 0:
        sys.exit(f"FAIL - the preempted run failed (status {job.returncode}):\n{output}")
    for cards, stopped_at, stepped in suspensions:
        if stepped:
            sys.exit(f"FAIL - {stepped} steps were made while the job was stopped after step {stopped_at}")
        print(f"ok - suspended after step {stopped_at}: no step while stopped")
    # One line per rank and suspension (tflops.torch), in order: where it resumed, and whether it
    # released its card before it was stopped.
    expected = [cards.split("::")[0] for cards, _, _ in suspensions]
    for rank in ("0", "1"):
        lines = re.findall(rf"^tflops: rank {rank}: suspended: (.*); resumed on (\S+) -> \S+$", output, re.M)
        if [on.split("::")[0] for _, on in lines] != expected:
            sys.exit(f"FAIL - rank {rank} resumed on {[on for _, on in lines]}, expected {expected} in turn:\n{output}")
        kept = [what for what, _ in lines if what != "released its card before Slurm stopped it"]
        if kept:
            sys.exit(f"FAIL - rank {rank} {kept[0]}:\n{output}")
        print(f"ok - rank {rank} released its card before each stop and resumed on {', '.join(on for _, on in lines)}")
    got, note = final_accuracy(output)
    if f"suspended and resumed {len(suspensions)}x; every rank released its card while stopped" not in note:
        sys.exit(f"FAIL - the run's summary:{note}\n{output}")
    print(f"ok - the run's summary:{note}")
    if abs(got - want) > 0.5:
        sys.exit(f"FAIL - test accuracy {got:.2f}% after the preemptions, {want:.2f}% without: more than 0.5 points")
    print(f"ok - test accuracy {got:.2f}% after the preemptions, {want:.2f}% without")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: preemption_check.py MPIEXEC SCRIPT OUT_DIR")
    main(*sys.argv[1:])
