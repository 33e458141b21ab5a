// SPDX-License-Identifier: GPL-2.0-or-later
// Chunked, pipelined ring all-reduce.
//
// Rank r of p splits the buffer into p segments (sizes differ by at most one element; some are
// empty when count < p). Reduce-scatter step t (0 <= t < p-1) sends segment r-t to the right
// and adds segment r-t-1 from the left; after it, rank r holds the sum of segment r+1.
// All-gather step u sends segment r+1-u and receives segment r-u in place.
// Every segment is cut at the same chunk offsets; "lane" k is chunk k of every segment and runs
// all 2(p-1) steps on its own. Lanes run in `window` slots; slot j takes lanes j, j+window, ...
// in order on every rank and uses tag j, so messages match without sequence numbers. A slot
// moves to its next step only when its send and receive are both done, so a buffer region is
// never written while a send from it is in flight.
#include <algorithm>
#include <vector>

#include "host_algorithms.h"

namespace tflops::mpi::detail {

namespace {

class Ring {
 public:
  Ring(Communicator& comm, std::byte* data, std::size_t count, DType type, const AllreducePlan& plan)
      : comm_(comm),
        data_(data),
        count_(count),
        type_(type),
        element_(dtype_size(type)),
        ranks_(comm.size()),
        rank_(comm.rank()),
        left_((rank_ + ranks_ - 1) % ranks_),
        right_((rank_ + 1) % ranks_),
        chunk_(std::max<std::size_t>(1, plan.chunk_bytes / element_)),
        lanes_((segment_size(0) + chunk_ - 1) / chunk_),
        steps_(2 * (ranks_ - 1)),
        slots_(std::clamp<std::size_t>(static_cast<std::size_t>(std::max(plan.window, 1)), 1, lanes_)),
        state_(slots_),
        requests_(2 * slots_, MPI_REQUEST_NULL),
        peers_(2 * slots_),
        // The communicator's scratch outlives the call: a fresh buffer per call would be
        // zeroed and page-faulted in every time, which mid-size all-reduces measurably feel.
        scratch_(comm.scratch(slots_ * std::min(chunk_, segment_size(0)) * element_)) {
    for (std::size_t slot = 0; slot < slots_; ++slot) {
      peers_[2 * slot] = right_;
      peers_[2 * slot + 1] = left_;
    }
  }

  void run() {
    std::size_t active = 0;
    for (std::size_t slot = 0; slot < slots_; ++slot) {
      state_[slot] = {slot, 0};
      if (post_until_busy(slot)) ++active;
    }
    std::vector<std::size_t> finished;  // slots whose send and receive are both done
    while (active > 0) {
      // Reduce first, then advance: a slot's send and receive can complete in the same batch.
      const std::span<const int> done = comm_.wait_some(requests_, peers_, "tflops ring all-reduce");
      finished.clear();
      for (int index : done) {
        const std::size_t slot = static_cast<std::size_t>(index) / 2;
        if (index % 2 == 1 && state_[slot].step < ranks_ - 1) reduce_received(slot);
        if (requests_[2 * slot] == MPI_REQUEST_NULL && requests_[2 * slot + 1] == MPI_REQUEST_NULL &&
            std::find(finished.begin(), finished.end(), slot) == finished.end()) {
          finished.push_back(slot);
        }
      }
      for (std::size_t slot : finished) {
        advance(slot);
        if (!post_until_busy(slot)) --active;
      }
    }
  }

 private:
  struct SlotState {
    std::size_t lane = 0;
    int step = 0;
  };

  std::size_t segment_size(int segment) const { return Segments{count_, ranks_}.size(segment); }
  std::size_t segment_begin(int segment) const { return Segments{count_, ranks_}.begin(segment); }
  int wrap(int segment) const { return ((segment % ranks_) + ranks_) % ranks_; }
  int send_segment(int step) const {
    return step < ranks_ - 1 ? wrap(rank_ - step) : wrap(rank_ + 1 - (step - (ranks_ - 1)));
  }
  int receive_segment(int step) const {
    return step < ranks_ - 1 ? wrap(rank_ - step - 1) : wrap(rank_ - (step - (ranks_ - 1)));
  }
  // The elements of `lane`'s chunk in `segment`: [first, first + size) of the buffer.
  std::pair<std::size_t, std::size_t> chunk(int segment, std::size_t lane) const {
    const std::size_t size = segment_size(segment);
    const std::size_t offset = std::min(size, lane * chunk_);
    return {segment_begin(segment) + offset, std::min(chunk_, size - offset)};
  }
  std::byte* scratch(std::size_t slot) {
    return scratch_ + slot * std::min(chunk_, segment_size(0)) * element_;
  }

  void advance(std::size_t slot) {
    SlotState& state = state_[slot];
    if (++state.step == steps_) {
      state.step = 0;
      state.lane += slots_;
    }
  }

  // Posts the slot's current step, skipping steps whose chunks are empty on both sides.
  // Returns false when the slot has no lane left.
  bool post_until_busy(std::size_t slot) {
    for (SlotState& state = state_[slot]; state.lane < lanes_; advance(slot)) {
      const auto [send_first, send_count] = chunk(send_segment(state.step), state.lane);
      const auto [receive_first, receive_count] = chunk(receive_segment(state.step), state.lane);
      const int tag = static_cast<int>(slot);
      if (receive_count > 0) {
        std::byte* target = state.step < ranks_ - 1 ? scratch(slot) : data_ + receive_first * element_;
        check_mpi(MPI_Irecv(target, static_cast<int>(receive_count * element_), MPI_BYTE, left_, tag,
                            comm_.get(), &requests_[2 * slot + 1]),
                  "MPI_Irecv in the tflops ring all-reduce", {&left_, 1});
      }
      if (send_count > 0) {
        check_mpi(MPI_Isend(data_ + send_first * element_, static_cast<int>(send_count * element_), MPI_BYTE,
                            right_, tag, comm_.get(), &requests_[2 * slot]),
                  "MPI_Isend in the tflops ring all-reduce", {&right_, 1});
      }
      if (receive_count > 0 || send_count > 0) return true;
    }
    return false;
  }

  void reduce_received(std::size_t slot) {
    const auto [first, size] = chunk(receive_segment(state_[slot].step), state_[slot].lane);
    sum_into(type_, data_ + first * element_, scratch(slot), size);
  }

  Communicator& comm_;
  std::byte* data_;
  std::size_t count_;
  DType type_;
  std::size_t element_;
  int ranks_, rank_, left_, right_;
  std::size_t chunk_;  // elements
  std::size_t lanes_;
  int steps_;
  std::size_t slots_;
  std::vector<SlotState> state_;
  std::vector<MPI_Request> requests_;  // 2 * slot: send to the right; 2 * slot + 1: receive
  std::vector<int> peers_;
  std::byte* scratch_;
};

}  // namespace

void ring_allreduce(Communicator& comm, std::byte* data, std::size_t count, DType type,
                    const AllreducePlan& plan) {
  Ring(comm, data, count, type, plan).run();
}

}  // namespace tflops::mpi::detail
