// SPDX-License-Identifier: GPL-2.0-or-later
// select/cons_tres_tflops' hooks, the same in every Slurm version: the select_hooks_v*.cpp of the
// Slurm being built against export them under that version's names and signatures, with every
// other hook going straight to cons_tres (cons_tres.h).
//
// Around a few of cons_tres's hooks the pool decides:
//   job_test   cons_tres first picks among the nodes where the job's blocks fit in one free run
//              (without preempting); when none will do, among all. Then each job's blocks on a
//              node become one contiguous run (placement.h), after preemption (preemption.h)
//              when cons_tres says lower-priority jobs must go.
//   job_suspend / job_resume   a suspended job's blocks go back to the node, and are taken
//              again on resume, on its old blocks or others (suspension.h).
//   job_fini   preempted jobs resume, in priority order, when blocks are free (resumer.h).
// Which suspended jobs released their blocks survives a restart (state_file.h).
// No exception crosses into Slurm: what calls the pool catches everything and logs it.
#pragma once

#include "slurm.h"

#include "compat/select_ops.h"  // after slurm.h: JobTestExtra uses its types

// The plugin's identity (plugin_name, plugin_type, plugin_id, plugin_version) and its init and
// fini are exported from select_tflops.cpp.
namespace tflops::select::hooks {

// Reads the inventory and, in slurmctld, starts the resumer.
int node_init();
int job_test(job_record_t* job_ptr, bitstr_t* bitmap, uint32_t min_nodes, uint32_t max_nodes,
             uint32_t req_nodes, uint16_t mode, list_t* preemptee_candidates, list_t** preemptee_job_list,
             const compat::JobTestExtra& extra);
int job_fini(job_record_t* job_ptr);
int job_suspend(job_record_t* job_ptr, bool indf_susp);
int job_resume(job_record_t* job_ptr, bool indf_susp);
int nodeinfo_set(job_record_t* job_ptr);
int reconfigure();

}  // namespace tflops::select::hooks
