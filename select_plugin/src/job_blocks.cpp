// SPDX-License-Identifier: GPL-2.0-or-later
#include "job_blocks.h"

namespace tflops::select {

namespace {

// A list that borrows the given entries (destroying it frees none of them).
list_t* borrowed_list(const std::vector<gres_state_t*>& entries) {
  list_t* list = list_create(nullptr);
  for (auto* entry : entries) list_append(list, entry);
  return list;
}

int same_pointer(void* x, void* key) { return x == key ? 1 : 0; }

std::vector<gres_state_t*> take_out(list_t* list) {
  auto entries = tflops_entries(list);
  for (auto* entry : entries) list_remove_first(list, same_pointer, entry);
  return entries;
}

void rebuild_details(job_record_t* job) { compat::job_gres_build_details(job); }

template <typename Fn>
void for_each_job_node(const job_record_t* job, Fn fn) {
  if (!job->job_resrcs || !job->job_resrcs->node_bitmap) return;
  bitstr_t* nodes = job->job_resrcs->node_bitmap;
  int offset = 0;
  for (int i = bit_ffs(nodes); i >= 0 && i < node_record_count; ++i) {
    if (!bit_test(nodes, i)) continue;
    fn(i, offset++);
  }
}

}  // namespace

std::uint32_t tflops_gres_id() {
  static const std::uint32_t id = [] {
    char name[] = "tflops";
    return gres_build_id(name);
  }();
  return id;
}

gres_node_state_t* node_blocks_state(node_record_t* node) {
  if (!node || !node->gres_list) return nullptr;
  std::uint32_t id = tflops_gres_id();
  auto* state = static_cast<gres_state_t*>(list_find_first(node->gres_list, gres_find_id, &id));
  return state ? static_cast<gres_node_state_t*>(state->gres_data) : nullptr;
}

std::vector<gres_state_t*> tflops_entries(list_t* gres_list) {
  std::vector<gres_state_t*> entries;
  if (!gres_list) return entries;
  list_itr_t* it = list_iterator_create(gres_list);
  while (auto* entry = static_cast<gres_state_t*>(list_next(it))) {
    if (entry->plugin_id == tflops_gres_id()) entries.push_back(entry);
  }
  list_iterator_destroy(it);
  return entries;
}

std::optional<pool::Kind> entry_kind(const gres_state_t* entry) {
  const auto* js = static_cast<const gres_job_state_t*>(entry->gres_data);
  if (!js->type_name || !js->type_name[0]) return std::nullopt;
  return pool::parse_kind(js->type_name);
}

std::vector<pool::BlockRange> runs_of(bitstr_t* bits) {
  std::vector<pool::BlockRange> runs;
  if (!bits) return runs;
  const int size = bit_size(bits);
  for (int b = bit_ffs(bits); b >= 0 && b < size; ++b) {
    if (!bit_test(bits, b)) continue;
    int end = b;
    while (end < size && bit_test(bits, end)) ++end;
    runs.push_back({static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(end - b)});
    b = end;
  }
  return runs;
}

void set_only(bitstr_t* bits, const std::vector<pool::BlockRange>& runs) {
  bit_clear_all(bits);
  for (const auto& run : runs) {
    if (run.count) bit_nset(bits, run.first, run.end() - 1);
  }
}

std::string runs_text(const std::vector<pool::BlockRange>& runs) {
  std::string text;
  for (const auto& run : runs) {
    if (!text.empty()) text += ",";
    text += std::to_string(run.first);
    if (run.count > 1) text += "-" + std::to_string(run.end() - 1);
  }
  return text;
}

int node_offset(const job_record_t* job, int node_index) {
  if (!job->job_resrcs || !job->job_resrcs->node_bitmap ||
      !bit_test(job->job_resrcs->node_bitmap, node_index)) {
    return -1;
  }
  return node_index == 0 ? 0 : bit_set_count_range(job->job_resrcs->node_bitmap, 0, node_index);
}

std::vector<pool::BlockRange> job_runs_on(const job_record_t* job, int node_index) {
  const int offset = node_offset(job, node_index);
  if (offset < 0) return {};
  std::vector<pool::BlockRange> runs;
  for (auto* entry : tflops_entries(job->gres_list_alloc)) {
    auto* js = static_cast<gres_job_state_t*>(entry->gres_data);
    if (!js->gres_bit_alloc || offset >= static_cast<int>(js->node_cnt)) continue;
    for (const auto& run : runs_of(js->gres_bit_alloc[offset])) runs.push_back(run);
  }
  return runs;
}

std::string job_blocks_text(const job_record_t* job) {
  std::string text;
  for_each_job_node(job, [&](int i, int) {
    auto runs = job_runs_on(job, i);
    if (runs.empty()) return;
    if (!text.empty()) text += ",";
    text += std::string(node_record_table_ptr[i]->name) + ":" + runs_text(runs);
  });
  return text;
}

void release_blocks(job_record_t* job) {
  list_t* entries = borrowed_list(tflops_entries(job->gres_list_alloc));
  for_each_job_node(job, [&](int i, int offset) {
    node_record_t* node = node_record_table_ptr[i];
    compat::job_gres_dealloc(entries, node->gres_list, offset, job->job_id, node->name);
  });
  FREE_NULL_LIST(entries);
}

bool blocks_free(const job_record_t* job) {
  bool free = true;
  for_each_job_node(job, [&](int i, int) {
    gres_node_state_t* ns = node_blocks_state(node_record_table_ptr[i]);
    if (!ns || !ns->gres_bit_alloc) return;
    for (const auto& run : job_runs_on(job, i)) {
      for (std::uint32_t b = run.first; b < run.end(); ++b) {
        if (bit_test(ns->gres_bit_alloc, b)) free = false;
      }
    }
  });
  return free;
}

void take_blocks(job_record_t* job) {
  // The request entries carry the job's bits too; with new_alloc false Slurm takes exactly
  // those bits again (its path for a resumed or recovered job).
  list_t* entries = borrowed_list(tflops_entries(job->gres_list_req));
  const int hosts = job->job_resrcs ? static_cast<int>(job->job_resrcs->nhosts) : 0;
  for_each_job_node(job, [&](int i, int offset) {
    node_record_t* node = node_record_table_ptr[i];
    compat::job_gres_alloc(entries, &job->gres_list_alloc, node->gres_list, hosts, i, offset, job->job_id,
                           node->name);
  });
  FREE_NULL_LIST(entries);
  rebuild_details(job);
}

HiddenEntries::HiddenEntries(job_record_t* job)
    : job_(job), req_(take_out(job->gres_list_req)), alloc_(take_out(job->gres_list_alloc)) {}

HiddenEntries::~HiddenEntries() {
  for (auto* entry : req_) list_append(job_->gres_list_req, entry);
  for (auto* entry : alloc_) list_append(job_->gres_list_alloc, entry);
}

void move_blocks(job_record_t* job, int node_index, const std::vector<pool::BlockRange>& to) {
  const int offset = node_offset(job, node_index);
  if (offset < 0) return;
  for (list_t* list : {job->gres_list_req, job->gres_list_alloc}) {
    for (auto* entry : tflops_entries(list)) {
      auto* js = static_cast<gres_job_state_t*>(entry->gres_data);
      if (!js->gres_bit_alloc || offset >= static_cast<int>(js->node_cnt)) continue;
      bitstr_t* bits = js->gres_bit_alloc[offset];
      if (bits && bit_set_count(bits) > 0) set_only(bits, to);
    }
  }
  rebuild_details(job);
}

}  // namespace tflops::select
