// SPDX-License-Identifier: GPL-2.0-or-later
// The job's allocation on this node, as the HAL sees it: which cards back the virtual card, how
// many blocks of each the job holds, and which backend device drives each card.
//
// Two sources:
//  (a) the job environment gres/tflops writes (contract version 1, doc/job-environment.md;
//      its names and version: slurm_common/job_env_contract.h):
//      SLURM_TFLOPS_VERSION, SLURM_TFLOPS_NODE, SLURM_TFLOPS_CARDS (`kind:name:device:blocks`, in
//      block order; a card's block list may itself hold commas: "gpu:gpu0:/dev/nvidia0:0-3,5"),
//      SLURM_TFLOPS_LAYOUT (each card's whole block range, for its share), and the optional
//      backend map below;
//  (b) an explicit card list, for use outside Slurm: the same `kind:name:device:blocks` entries,
//      each optionally followed by `=SELECTOR`, e.g.
//        "gpu:gpu0::0-8=cuda:0,npu:npu0::9-28=opencl:0,fpga:fpga0::29-40/25=opencl:0"
//      where an optional `/N` after the blocks gives the card's total blocks (its share is then
//      held/N; without it the card counts as wholly held).
//
// Which backend device drives a card (its DeviceSelector), first match wins:
//  1. `TFLOPS_HAL_BACKENDS` (the user's override) then `SLURM_TFLOPS_BACKENDS` (the admin's map,
//     an optional addition to contract version 1): comma-separated rules `MATCH=SELECTOR`, where
//     MATCH is a card name (`npu0`), a device path (`/dev/davinci0`) or a kind (`npu`); a name or
//     device rule beats a kind rule. Example: `npu=opencl:0,fpga=opencl:1,gpu1=cuda:0`.
//  2. A `=SELECTOR` in an explicit card list.
//  3. Defaults: a GPU whose device is /dev/nvidiaN -> cuda:K, K = N's position in
//     CUDA_VISIBLE_DEVICES (N when unset); any other card -> opencl:N, N = the number its
//     device ends in (0 when none).
//
// Suspend/resume re-reads the allocation (the job's blocks may have moved): see
// resumed_allocation() below. current_allocation() reads the file named by
// SLURM_TFLOPS_ALLOC_FILE (lines `NAME=value` with the same SLURM_TFLOPS_* variables, for use
// outside Slurm and in tests), else the process environment.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tflops/hal/device.h"
#include "tflops/pool/kind.h"

namespace tflops::hal {

struct CardAlloc {
  pool::Kind kind = pool::Kind::gpu;
  std::string name;                   // the card's Name in tflops.conf
  std::string device;                 // its Device (may be empty)
  std::vector<std::uint32_t> blocks;  // node-local block numbers held on it, sorted, unique
  std::uint32_t card_blocks = 0;      // the card's total blocks; 0 = unknown (treated as held)
  DeviceSelector selector;            // the backend device that drives it

  // Fraction of the card the job holds, in (0, 1].
  double share() const;
};

struct Allocation {
  std::string node;              // empty outside Slurm
  std::string source;            // "environment", "card list", a file name: for messages
  std::vector<CardAlloc> cards;  // in block order

  std::uint32_t blocks() const;  // total blocks held
};

using EnvMap = std::map<std::string, std::string>;

// The SLURM_TFLOPS_* variables (and CUDA_VISIBLE_DEVICES, TFLOPS_HAL_BACKENDS) of this process.
EnvMap process_env();
// `NAME=value` lines; '#' comments and blank lines skipped. Throws Error naming file:line.
EnvMap read_env_file(const std::string& path);

// Builds the allocation from a contract environment. Throws Error when SLURM_TFLOPS_VERSION is
// missing or not the contract version this HAL was built with (slurm_common/job_env_contract.h),
// when a variable is malformed (naming variable, value and fix), or when the job holds no blocks
// here.
Allocation allocation_from_env(const EnvMap& env);
// allocation_from_env(process_env()), or from $SLURM_TFLOPS_ALLOC_FILE where that is set.
Allocation current_allocation();

// The allocation after a suspension. select/cons_tres_tflops may have moved the job's blocks
// while it was suspended, and a running process's environment cannot change from outside: this
// reads $SLURM_TFLOPS_ALLOC_FILE where that is set; else, in a Slurm job, asks Slurm which blocks
// the job holds on this node now (`scontrol show job -d $SLURM_JOB_ID`) and maps them onto
// SLURM_TFLOPS_LAYOUT; else current_allocation(). Throws Error when Slurm cannot be asked.
Allocation resumed_allocation();
// The pure part: `env` with SLURM_TFLOPS_CARDS and SLURM_TFLOPS_BLOCKS rebuilt from what
// `scontrol_job_text` (the output of `scontrol show job -d`) says this node holds.
EnvMap env_after_move(const EnvMap& env, std::string_view scontrol_job_text);

// Parses an explicit card list (form (b) above). Backend rules from `env` apply as in (a).
Allocation parse_card_list(std::string_view text, const EnvMap& env = {});

// The part of `alloc` made of the given node-local blocks (cards that keep none are dropped).
// Throws Error for a block the allocation does not hold.
Allocation restrict_to_blocks(const Allocation& alloc, const std::vector<std::uint32_t>& blocks);

// Each MPI local rank's share of the node's blocks: the held blocks in block order cut into
// `local_size` contiguous parts whose sizes differ by at most one; part `local_rank`.
// Throws Error when there are fewer blocks than ranks.
Allocation share_for_rank(const Allocation& alloc, int local_rank, int local_size);

// "gpu:gpu0:/dev/nvidia0:0-8/18=cuda:0,..." : the explicit card-list form, parseable back.
std::string format_card_list(const Allocation& alloc);

}  // namespace tflops::hal
