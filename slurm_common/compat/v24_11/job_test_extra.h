// SPDX-License-Identifier: GPL-2.0-or-later
// What job_test receives beyond the nodes in Slurm 24.11 and 26.05 (resv_exc_t, will_run_data_t),
// and the blocks reservations keep from a job. Needs v24_11/slurmctld_headers.h included first.
#pragma once

#include <cstdint>

namespace tflops::compat {

struct JobTestExtra {
  resv_exc_t* resv_exc = nullptr;
  will_run_data_t* will_run = nullptr;
};

// cons_tres's job_test through the select table of 24.11 or 26.05 (SelectOps differs, job_test not).
template <typename SelectOps>
inline int job_test(const SelectOps& ops, job_record_t* job, bitstr_t* bitmap, uint32_t min_nodes,
                    uint32_t max_nodes, uint32_t req_nodes, uint16_t mode, list_t* candidates,
                    list_t** victims, const JobTestExtra& extra) {
  return ops.job_test(job, bitmap, min_nodes, max_nodes, req_nodes, mode, candidates, victims, extra.resv_exc,
                      extra.will_run);
}

// Marks in `taken` (node `node_index`'s blocks) those the job may not have: the blocks
// reservations hold (resv_exc's gres_list_exc) or, for a job inside a reservation, those it does
// not hold (gres_list_inc). cons_tres reads the lists the same way (gres_sock_list.c).
inline void add_reserved_blocks(const JobTestExtra& extra, int node_index, uint32_t tflops_id,
                                bitstr_t* taken) {
  if (!extra.resv_exc) return;
  const bool exclude = extra.resv_exc->gres_list_exc != nullptr;
  list_t* list = exclude ? extra.resv_exc->gres_list_exc : extra.resv_exc->gres_list_inc;
  if (!list) return;
  const bitoff_t size = bit_size(taken);
  bitstr_t* listed = bit_alloc(size);
  list_itr_t* it = list_iterator_create(list);
  while (auto* entry = static_cast<gres_state_t*>(list_next(it))) {
    if (entry->plugin_id != tflops_id) continue;
    auto* js = static_cast<gres_job_state_t*>(entry->gres_data);
    if (!js || !js->gres_bit_alloc || static_cast<uint32_t>(node_index) >= js->node_cnt) continue;
    bitstr_t* bits = js->gres_bit_alloc[node_index];
    if (!bits) continue;
    for (bitoff_t b = 0; b < size && b < bit_size(bits); ++b)
      if (bit_test(bits, b)) bit_set(listed, b);
  }
  list_iterator_destroy(it);
  if (!exclude) bit_not(listed);
  bit_or(taken, listed);
  bit_free(listed);
}

}  // namespace tflops::compat
