// SPDX-License-Identifier: GPL-2.0-or-later
// The virtual card: one accelerator over every card of the job's allocation on this node.
//
// One slice per backing card. Each slice owns a context on its backend device, limited to the
// job's share of that card where the backend allows it:
//   host    worker threads = round(share x usable CPUs), at least 1, pinned to those CPUs
//   opencl  a sub-device of round(share x compute units) units (at least 1) where the device can
//           be partitioned, else the whole device (SliceInfo::share_enforced says which)
//   cuda    the MPS active-thread percentage (CUDA_MPS_ACTIVE_THREAD_PERCENTAGE, which gres/tflops
//           sets) when an MPS daemon serves the GPU; else the whole GPU
// Work is split across slices in proportion to their weights: by default the blocks each slice
// holds (its TFLOPS share); Weighting::measured uses a short GEMM calibration of each slice
// instead (a host core is several times faster than PoCL on the same core); set_weights sets
// them outright. Every operation (ops.h) runs on all slices at once and returns when all are done.
//
// Suspend/resume (steps 3 and 8 of the method, doc/design.md): suspend() copies every live buffer
// to host memory and releases the devices; resume() reads the allocation again
// (CardOptions::source), builds the slices on the cards now behind it, and restores every buffer
// (sharded buffers re-split by the new weights). Buffers stay valid handles throughout; using one
// while suspended is an Error. suspend_hooks.h ties these to SIGTSTP/SIGCONT.
//
// Thread safety: one thread drives a card at a time, except that suspend()/resume() may be
// called from another thread (the signal hooks do): they wait for the operation in flight.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tflops/hal/allocation.h"
#include "tflops/hal/device.h"

namespace tflops::hal {

enum class Weighting : std::uint8_t { blocks, measured };

struct CardOptions {
  Weighting weighting = Weighting::blocks;
  std::size_t calibration_size = 256;  // n of the n x n x n GEMM timed per slice (measured)
  bool enforce_share = true;           // sub-devices / thread counts / MPS as above
  std::vector<int> host_cpus;          // CPUs for host slices; empty = usable_cpus()
  // Where resume() reads the allocation; empty = resumed_allocation().
  std::function<Allocation()> source;
};

struct SliceInfo {
  std::string card;  // the card's name: "npu0"
  pool::Kind kind = pool::Kind::gpu;
  DeviceInfo device;         // the backend device driving it
  std::uint32_t blocks = 0;  // blocks held on the card
  double share = 1.0;        // fraction of the card held
  unsigned units = 0;        // threads (host), compute units (opencl), MPS percent (cuda)
  bool share_enforced = false;
  double weight = 0;  // current work weight (normalised: the weights sum to 1)

  std::string label() const;  // "npu0 (opencl:0 'pthread-haswell')": what errors name
};

// How many rows of a sharded buffer each slice holds.
struct RowSplit {
  std::vector<std::size_t> offset;  // first row per slice
  std::vector<std::size_t> rows;    // rows per slice (may be 0)
};

// Rows split by weights: largest-remainder rounding, deterministic, so every sharded buffer with
// the same row count is split the same way.
RowSplit split_rows(std::size_t rows, const std::vector<double>& weights);

namespace detail {
struct CardState;
}

class VirtualCard {
 public:
  // Opens every card of `alloc`. Throws Error listing every card and its blocks that could not
  // be opened (and why) when none is usable, or when any is not (a job must get what it holds).
  explicit VirtualCard(Allocation alloc, CardOptions options = {});
  // From the gres/tflops environment: VirtualCard(current_allocation(), options).
  static VirtualCard from_env(CardOptions options = {});
  // From an explicit card list (allocation.h form (b)).
  static VirtualCard from_card_list(std::string_view text, CardOptions options = {});

  VirtualCard(VirtualCard&&) noexcept;
  VirtualCard& operator=(VirtualCard&&) noexcept;
  ~VirtualCard();

  const Allocation& allocation() const;
  std::size_t slice_count() const;
  std::vector<SliceInfo> slices() const;

  std::vector<double> weights() const;
  // Positive weights, one per slice (normalised here). Re-splits every sharded buffer.
  void set_weights(const std::vector<double>& weights);
  // Times an n x n x n SGEMM on every slice alone; returns each slice's GFLOPS (does not change
  // the weights; with Weighting::measured the constructor and resume() apply it).
  std::vector<double> calibrate(std::size_t n);
  // Sets the weights that finish a row-sharded GEMM (rows x k) x (k x n) soonest: every slice
  // runs its rows at once, its next weight is the rows per second it achieved, for `rounds`
  // rounds starting from the current weights; the split with the shortest makespan is kept.
  // For work whose rate per device depends on the shape (small shares pay fixed costs). Returns
  // the weights set. Re-splits every sharded buffer.
  std::vector<double> balance(std::size_t rows, std::size_t n, std::size_t k, int rounds = 4);

  RowSplit split(std::size_t rows) const;

  bool suspended() const;
  void suspend();
  void resume();                  // from options.source (or resumed_allocation())
  void resume(Allocation alloc);  // onto an explicit allocation

  // Internal state shared with Buffer and ops.
  const std::shared_ptr<detail::CardState>& state() const { return state_; }

 private:
  std::shared_ptr<detail::CardState> state_;
};

}  // namespace tflops::hal
