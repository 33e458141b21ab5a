// SPDX-License-Identifier: GPL-2.0-or-later
// Slurm's GRES text as libslurm hands it out, parsed. Three shapes (Slurm 22.05):
//
//   a job's detail on one node (job_info gres_detail_str[i], `scontrol show job -d` GRES=):
//     tflops:gpu:18(IDX:0-17),tflops:npu:20(IDX:18-37)      gpu(CNT:1)
//   a node's configured GRES (node_info gres):   tflops:gpu:18,tflops:npu:20(S:0-1)
//   a node's used GRES (node_info gres_used):    tflops:gpu:18(IDX:0-17),tflops:npu:0(IDX:N/A)
//
// Slurm writes an IDX list into a fixed buffer (127 characters for a job, 63 for a node) and cuts
// what does not fit, possibly inside a number. The count before it is always whole, so an item
// whose list holds fewer indexes than its count is marked incomplete, and its last, possibly cut,
// range is dropped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tflops/pool/layout.h"

namespace tflops::gres {

struct GresItem {
  std::string name;                       // "tflops"
  std::string type;                       // "gpu"; empty for an untyped item
  std::optional<std::uint64_t> count;     // absent only when Slurm printed none
  bool has_index = false;                 // an IDX list was given (not IDX:N/A)
  std::vector<pool::BlockRange> indexes;  // node-local bits, sorted, merged into runs
  bool complete = true;                   // false: Slurm cut the IDX list (see above)

  std::uint64_t index_count() const;
};

// Sorts ranges and joins those that touch or overlap: 0-17,18-37 -> 0-37.
void merge_ranges(std::vector<pool::BlockRange>& ranges);

// Throws tflops::pool::Error quoting `text` and the offending part.
std::vector<GresItem> parse_gres_text(std::string_view text);

}  // namespace tflops::gres
