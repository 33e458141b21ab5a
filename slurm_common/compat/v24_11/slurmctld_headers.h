// SPDX-License-Identifier: GPL-2.0-or-later
// The slurmctld internals the select plugin uses in Slurm 24.11 and 26.05 (gres.h, select.h and
// cgroup.h moved to src/interfaces/, gres_ctld to src/stepmgr/gres_stepmgr), and the calls the
// two share. src/common/extra_constraints.h, included from slurmctld.h, names a field
// `operator`: the build puts a copy with the field renamed ahead of the Slurm tree
// (select_plugin/CMakeLists.txt).
#pragma once

extern "C" {
#include "config.h"
#include "slurm/slurm.h"
#include "slurm/slurm_errno.h"
#include "src/common/slurm_xlator.h"  // first: it renames the symbols the headers below declare

#include "src/common/bitstring.h"
#include "src/common/job_resources.h"
#include "src/common/list.h"
#include "src/common/log.h"
#include "src/common/node_conf.h"
#include "src/common/run_in_daemon.h"
#include "src/common/xmalloc.h"
#include "src/common/xstring.h"
#include "src/interfaces/cgroup.h"
#include "src/interfaces/gres.h"
#include "src/interfaces/select.h"
#include "src/slurmctld/locks.h"
#include "src/slurmctld/slurmctld.h"
#include "src/stepmgr/gres_stepmgr.h"
}

// slurmctld's own symbols: weak, so that the plugin still loads where slurmctld is not the host
// (slurmd, srun and sinfo load select plugins too) and they are never called there; the node
// table is libslurmfull's, absent in programs linked with the public libslurm.
#pragma weak lock_slurmctld
#pragma weak unlock_slurmctld
#pragma weak job_list
#pragma weak node_record_table_ptr
#pragma weak node_record_count
#pragma weak job_suspend
#pragma weak find_job_record
#pragma weak slurm_cgroup_conf
#pragma weak gres_stepmgr_job_alloc
#pragma weak gres_stepmgr_job_dealloc
#pragma weak gres_stepmgr_job_build_details

namespace tflops::compat {

inline int job_gres_alloc(list_t* job_gres_list, list_t** job_alloc_gres_list, list_t* node_gres_list,
                          int node_cnt, int node_index, int node_offset, uint32_t job_id, char* node_name) {
  return gres_stepmgr_job_alloc(job_gres_list, job_alloc_gres_list, node_gres_list, node_cnt, node_index,
                                node_offset, job_id, node_name, nullptr, false);
}

inline int job_gres_dealloc(list_t* job_gres_list, list_t* node_gres_list, int node_offset, uint32_t job_id,
                            char* node_name) {
  return gres_stepmgr_job_dealloc(job_gres_list, node_gres_list, node_offset, job_id, node_name, false,
                                  false);
}

inline void job_gres_build_details(job_record_t* job) {
  gres_stepmgr_job_build_details(job->gres_list_alloc, job->nodes, &job->gres_detail_cnt,
                                 &job->gres_detail_str, &job->gres_used);
}

}  // namespace tflops::compat
