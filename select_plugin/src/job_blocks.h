// SPDX-License-Identifier: GPL-2.0-or-later
// A job's tflops blocks in Slurm's records (slurmctld only): reading them, placing them, and
// giving them back to the node or taking them again around a suspension.
//
// Slurm keeps the blocks as GRES bitmaps: per node, the node's in-use bitmap
// (gres_node_state_t::gres_bit_alloc) and, per job, one bitmap per node of the job in each
// tflops entry of its request list (gres_list_req) and of its allocation list (gres_list_alloc,
// one entry per card kind).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "slurm.h"
#include "tflops/pool/kind.h"
#include "tflops/pool/layout.h"

namespace tflops::select {

// A Slurm bitmap freed when it goes out of scope.
struct BitmapFree {
  void operator()(bitstr_t* bits) const { bit_free(bits); }
};
using OwnedBitmap = std::unique_ptr<bitstr_t, BitmapFree>;

// gres_build_id("tflops").
std::uint32_t tflops_gres_id();

// The tflops GRES state of a node; nullptr when the node has none.
gres_node_state_t* node_blocks_state(node_record_t* node);

// The tflops entries of a job's GRES list (request or allocation).
std::vector<gres_state_t*> tflops_entries(list_t* gres_list);

// The kind a request entry asks for (tflops:gpu:N), or nullopt (tflops:N).
std::optional<pool::Kind> entry_kind(const gres_state_t* entry);

// Set bits as runs, and back.
std::vector<pool::BlockRange> runs_of(bitstr_t* bits);
void set_only(bitstr_t* bits, const std::vector<pool::BlockRange>& runs);
std::string runs_text(const std::vector<pool::BlockRange>& runs);

// Where node `node_index` sits in the job's allocation (its node_offset), or -1.
int node_offset(const job_record_t* job, int node_index);

// The job's blocks on one node (from its allocation list), empty when it holds none there.
std::vector<pool::BlockRange> job_runs_on(const job_record_t* job, int node_index);

// "node0:0-17,node1:4-9" for logs and the state file.
std::string job_blocks_text(const job_record_t* job);

// Gives the job's tflops blocks back to its nodes (its own records keep them).
void release_blocks(job_record_t* job);
// Takes them again on every node. False, touching nothing, when any is in use.
bool blocks_free(const job_record_t* job);
void take_blocks(job_record_t* job);

// A released job's tflops entries, taken out of its GRES lists for the length of a cons_tres call
// that would otherwise count its blocks as in use again (restart, reconfigure) or give them
// back twice (the job ends while suspended).
class HiddenEntries {
 public:
  explicit HiddenEntries(job_record_t* job);
  ~HiddenEntries();
  HiddenEntries(const HiddenEntries&) = delete;
  HiddenEntries& operator=(const HiddenEntries&) = delete;

 private:
  job_record_t* job_;
  std::vector<gres_state_t*> req_, alloc_;
};

// Rewrites which blocks the job holds on one node: every tflops entry's bitmap there that
// holds `from` now holds `to` (same count). Only for a job whose blocks are released
// (release_blocks, or its suspension).
void move_blocks(job_record_t* job, int node_index, const std::vector<pool::BlockRange>& to);

}  // namespace tflops::select
