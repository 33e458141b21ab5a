// SPDX-License-Identifier: GPL-2.0-or-later
// The blocks a reservation holds are never handed out (Slurm 24.11 and later): job_test's
// resv_exc_t lists, per GRES, the blocks other reservations hold (gres_list_exc) or, for a job
// inside a reservation, the only ones it may use (gres_list_inc). compat::add_reserved_blocks
// marks the blocks the job may not have in the set placement treats as taken. Built against the
// Slurm the plugins are built for, with that Slurm's own list and bitstring code (libslurm's
// slurm_* symbols, which slurm_xlator.h maps the plain names to).
//
// Why not on real daemons: a reservation of GRES makes slurmctld count it as a TRES, and
// slurmctld then refuses to start without slurmdbd (controller.c's _init_tres: "slurmdbd is
// required to run with TRES gres/..."), which the local test cluster does not run.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "compat/slurmctld.h"

#include "compat/select_ops.h"  // after slurmctld.h: JobTestExtra uses its types

namespace {

constexpr uint32_t kTflopsId = 0x7f5a;  // any id: the function compares, it does not look it up
constexpr int kBlocks = 10;

// One GRES entry of a reservation: `blocks` ("2-4") on node `node` of a job state of `nodes`.
class ReservedEntry {
 public:
  ReservedEntry(uint32_t plugin_id, int nodes, int node, const char* blocks) {
    state_.node_cnt = static_cast<uint32_t>(nodes);
    state_.gres_bit_alloc = new bitstr_t*[nodes]();
    state_.gres_bit_alloc[node] = bit_alloc(kBlocks);
    bit_unfmt(state_.gres_bit_alloc[node], blocks);
    entry_.plugin_id = plugin_id;
    entry_.gres_data = &state_;
  }
  ~ReservedEntry() {
    for (uint32_t n = 0; n < state_.node_cnt; ++n)
      if (state_.gres_bit_alloc[n]) bit_free(state_.gres_bit_alloc[n]);
    delete[] state_.gres_bit_alloc;
  }
  ReservedEntry(const ReservedEntry&) = delete;
  ReservedEntry& operator=(const ReservedEntry&) = delete;
  gres_state_t* entry() { return &entry_; }

 private:
  gres_job_state_t state_{};
  gres_state_t entry_{};
};

// The blocks marked taken on `node` when the node's own allocations hold `in_use`.
std::string taken_after(const resv_exc_t* resv, int node, const char* in_use = "") {
  tflops::compat::JobTestExtra extra;
  extra.resv_exc = const_cast<resv_exc_t*>(resv);
  bitstr_t* taken = bit_alloc(kBlocks);
  if (*in_use) bit_unfmt(taken, in_use);
  tflops::compat::add_reserved_blocks(extra, node, kTflopsId, taken);
  char text[64];
  bit_fmt(text, sizeof text, taken);
  bit_free(taken);
  return text;
}

// A resv_exc_t whose exclude (or include) list holds `entries`; the list owns nothing.
struct Reservations {
  explicit Reservations(bool exclude) : list(list_create(nullptr)) {
    (exclude ? resv.gres_list_exc : resv.gres_list_inc) = list;
  }
  ~Reservations() { list_destroy(list); }
  void add(ReservedEntry& entry) { list_append(list, entry.entry()); }
  resv_exc_t resv{};
  list_t* list;
};

}  // namespace

TEST(ReservedBlocks, WithoutReservationsNothingMoreIsTaken) {
  EXPECT_EQ(taken_after(nullptr, 0, "0-1"), "0-1");
  const resv_exc_t none{};
  EXPECT_EQ(taken_after(&none, 0, "0-1"), "0-1");
}

TEST(ReservedBlocks, BlocksOtherReservationsHoldAreTaken) {
  ReservedEntry held(kTflopsId, 2, 1, "2-4");
  Reservations others(true);
  others.add(held);
  EXPECT_EQ(taken_after(&others.resv, 1, "0"), "0,2-4");
  EXPECT_EQ(taken_after(&others.resv, 0), "") << "the reservation holds blocks on node 1 only";
}

TEST(ReservedBlocks, InsideAReservationOnlyItsBlocksAreFree) {
  ReservedEntry mine(kTflopsId, 1, 0, "5-8");
  Reservations inside(false);
  inside.add(mine);
  EXPECT_EQ(taken_after(&inside.resv, 0, "6"), "0-4,6,9");
}

TEST(ReservedBlocks, SeveralReservationsAddUp) {
  ReservedEntry first(kTflopsId, 1, 0, "0-1");
  ReservedEntry second(kTflopsId, 1, 0, "7-9");
  Reservations others(true);
  others.add(first);
  others.add(second);
  EXPECT_EQ(taken_after(&others.resv, 0), "0-1,7-9");
}

TEST(ReservedBlocks, OtherGresAndNodesOutsideTheStateAreIgnored) {
  ReservedEntry gpus(kTflopsId + 1, 1, 0, "0-9");  // another GRES's indices are not blocks
  ReservedEntry short_state(kTflopsId, 1, 0, "3");
  Reservations others(true);
  others.add(gpus);
  others.add(short_state);
  EXPECT_EQ(taken_after(&others.resv, 0), "3");
  EXPECT_EQ(taken_after(&others.resv, 1), "") << "node 1 is beyond the job state's node_cnt";
}
