# SPDX-License-Identifier: GPL-2.0-or-later
"""Errors a user can cause come back as Python exceptions that name the cause and the fix.

  errors_check.py MPIEXEC

Runs each case in its own processes (MPI initialises once per process) and prints "ok - ..."
per case; exits 1 naming the first case whose error is missing or says something else.
"""

import os
import subprocess
import sys

CASE = r"""
import sys
import tflops, tflops.torch
try:
    {body}
except tflops.TflopsError as error:
    sys.stdout.write(f"raised: {{type(error).__name__}} {{error}}\n")  # one write: ranks share the pipe
    sys.exit(0)
print("raised: nothing", flush=True)
"""

CASES = [
    # (name, ranks or 0 for no launcher, environment, the code, words the message must hold)
    ("no allocation outside Slurm", 0, {},
     "tflops.torch.init_process_group()", ["no tflops allocation", "sbatch --gres=tflops:N", "cards="]),
    ("started by torchrun, not MPI", 0, {"WORLD_SIZE": "2"},
     "tflops.torch.init_process_group(cards='gpu:cpu0::0-1=host')", ["WORLD_SIZE=2", "mpirun -n 2"]),
    ("fewer blocks than ranks", 3, {},
     "tflops.torch.init_process_group(cards='gpu:cpu0::0-1=host')", ["3 ranks", "only 2 blocks", "--gres=tflops:3"]),
    ("ranks disagree on the sampler (unequal step counts)", 2, {},
     "tflops.torch.init_process_group(cards='gpu:cpu0::0-1=host'); "
     "import torch.distributed as d; tflops.torch.ProportionalBatchSampler(100 + d.get_rank(), 10)",
     ["different dataset_size", "rank 0: 100, rank 1: 101", "unequal step counts"]),
]


def run(mpiexec, ranks, environment, body):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
    env.update(environment)
    program = [sys.executable, "-c", CASE.format(body=body)]
    if ranks:
        program = [mpiexec, "--oversubscribe", "-n", str(ranks)] + program
    done = subprocess.run(program, env=env, capture_output=True, text=True, timeout=120)
    return [line for line in done.stdout.splitlines() if line.startswith("raised:")], done


def main(mpiexec):
    for name, ranks, environment, body, words in CASES:
        lines, done = run(mpiexec, ranks, environment, body)
        expected = max(ranks, 1)
        good = [line for line in lines if line.startswith("raised: TflopsError") and all(w in line for w in words)]
        if len(good) != expected:
            sys.exit(f"FAIL - {name}: expected TflopsError naming {words} on {expected} rank(s), got {lines}\n"
                     f"stdout: {done.stdout}\nstderr: {done.stderr}")
        print(f"ok - {name}: {good[0][len('raised: '):]}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: errors_check.py MPIEXEC")
    main(sys.argv[1])
