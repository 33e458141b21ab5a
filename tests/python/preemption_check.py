# SPDX-License-Identifier: GPL-2.0-or-later
"""Preemption of the example training job, end to end under mpirun (Slurm's part played here).

  preemption_check.py MPIEXEC SCRIPT OUT_DIR

The job's allocation is a file ($SLURM_TFLOPS_ALLOC_FILE), as Slurm's environment would be. An
uninterrupted run gives the reference accuracy. In a second run, once training is under way, the
job's blocks move to another card in that file and every rank gets what `scontrol suspend` sends
(SIGTSTP, SIGSTOP 1 s later), then SIGCONT 2 s later. The run must make no step while stopped,
resume every rank on the new blocks, say that every rank released its card before it stopped, and
end within 0.5 points of the reference. Prints "ok - ..." lines.
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
TRAIN = ["--epochs", "2", "--train-samples", "12000", "--seed", "1"]


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
    while steps_done(steps_csv) < 30 and job.poll() is None:
        time.sleep(0.05)
    ranks = ranks_of(job.pid)
    if job.poll() is not None or len(ranks) != 2:
        sys.exit(f"FAIL - could not catch the job's 2 ranks while training (found {ranks}):\n{job.communicate()[0]}")
    write_allocation(allocation, AFTER)  # the select plugin moves the job's blocks while it is suspended
    signal_all(ranks, signal.SIGTSTP)
    time.sleep(1)
    signal_all(ranks, signal.SIGSTOP)
    stopped_at = steps_done(steps_csv)
    time.sleep(2)
    stepped = steps_done(steps_csv) - stopped_at
    signal_all(ranks, signal.SIGCONT)
    output = job.communicate(timeout=600)[0]
    if job.returncode != 0:
        sys.exit(f"FAIL - the preempted run failed (status {job.returncode}):\n{output}")
    if stepped:
        sys.exit(f"FAIL - {stepped} steps were made while the job was stopped")
    print(f"ok - suspended after step {stopped_at}: no step while stopped")
    resumed = re.findall(r"^rank (\d): resumed on (\S+)", output, re.M)
    moved = all(on.startswith(AFTER.split("::")[0]) for _, on in resumed)
    if sorted(rank for rank, _ in resumed) != ["0", "1"] or not moved:
        sys.exit(f"FAIL - expected both ranks to resume on {AFTER}, got {resumed}:\n{output}")
    print(f"ok - both ranks resumed on the job's new blocks: {', '.join(on for _, on in sorted(resumed))}")
    got, note = final_accuracy(output)
    if "every rank released its card while stopped" not in note:
        sys.exit(f"FAIL - not every rank released its card before it was stopped:{note}\n{output}")
    print(f"ok - every rank released its card before it was stopped:{note}")
    if abs(got - want) > 0.5:
        sys.exit(f"FAIL - test accuracy {got:.2f}% after the preemption, {want:.2f}% without: more than 0.5 points")
    print(f"ok - test accuracy {got:.2f}% after the preemption, {want:.2f}% without")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: preemption_check.py MPIEXEC SCRIPT OUT_DIR")
    main(*sys.argv[1:])
