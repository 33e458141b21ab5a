// SPDX-License-Identifier: GPL-2.0-or-later
// The real select/cons_tres, which does everything select/cons_tres_tflops does not change.
//
// Debian's select_cons_tres.so is dlopen'ed from Slurm's PluginDir. In slurmctld Slurm has
// already loaded (and initialised) that same file, so this is the same instance; in slurmd and
// the client commands only this plugin loads it.
#pragma once

#include "slurm.h"

#include "compat/select_ops.h"  // after slurm.h: the table uses its types

namespace tflops::select {

// Every select_p_* of cons_tres, in the table layout of the Slurm built against.
extern compat::SelectOps cons_tres;

// Loads select_cons_tres.so from the PluginDir list and resolves all its symbols. Logs and
// returns SLURM_ERROR naming what is missing. Where Slurm had not loaded it already (slurmd and
// slurmstepd load only SelectType's plugin), runs its init() too.
int load_cons_tres();
// Runs its fini() where load_cons_tres ran its init().
void unload_cons_tres();

}  // namespace tflops::select
