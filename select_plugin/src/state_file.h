// SPDX-License-Identifier: GPL-2.0-or-later
// The registry of released jobs (suspended_jobs.h) across a slurmctld restart:
// StateSaveLocation/tflops_select_state, written whenever the registry changes (Slurm 25.05 and
// later no longer call a select plugin's state_save), read back and pruned once slurmctld has
// loaded its jobs.
#pragma once

namespace tflops::select {

// Writes the registry when it differs from what was last written (or read). Logs a failure.
void save_state_if_changed();
// Replaces the registry with the file's jobs, unless slurmctld runs already and the registry
// holds them (a reconfigure). A missing file means no job was ever released. Returns
// SLURM_ERROR, logging file:line and what is wrong, when the file cannot be used.
int restore_state();
// Forgets the jobs that ended or resumed while slurmctld was down. Needs slurmctld's jobs loaded.
void prune_state();

}  // namespace tflops::select
