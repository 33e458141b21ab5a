# SPDX-License-Identifier: GPL-2.0-or-later
"""The job's allocation as a file ($SLURM_TFLOPS_ALLOC_FILE): what Slurm's environment says of a
job, and what a move while suspended changes, for tests that play Slurm's part."""

import os


def write_allocation(path, cards):
    """Replaces the file at once: a rank re-reading it at resume sees the old one or the new one."""
    path = str(path)
    with open(path + ".tmp", "w") as out:
        out.write(f"SLURM_TFLOPS_VERSION=1\nSLURM_TFLOPS_NODE=node0\nSLURM_TFLOPS_CARDS={cards}\n")
    os.replace(path + ".tmp", path)
