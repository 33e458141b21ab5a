// SPDX-License-Identifier: GPL-2.0-or-later
// Suspend and resume of device state: a computation interrupted by SIGTSTP/SIGCONT (the signals
// Slurm sends), moved meanwhile to other cards, ends with the result of an uninterrupted run.
// Inputs are random; each case prints its seed, and TFLOPS_PROPERTY_SEED=<seed> reruns it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

#include "reference.h"
#include "tflops/hal/hal.h"

namespace tflops::hal {
namespace {

constexpr std::size_t kBatch = 23, kIn = 17, kOut = 11;

// A few steps of a linear layer with ReLU trained towards zero output: every kind of buffer
// (sharded batch, replicated weights, partial gradients) carries state from step to step.
struct Model {
  Buffer x, w, b, h, dw, db;
  Model(VirtualCard& card, const std::vector<float>& xs, const std::vector<float>& ws)
      : x(card, kBatch, kIn, Layout::sharded),
        w(card, kIn, kOut, Layout::replicated),
        b(card, 1, kOut, Layout::replicated),
        h(card, kBatch, kOut, Layout::sharded),
        dw(card, kIn, kOut, Layout::partial),
        db(card, 1, kOut, Layout::partial) {
    x.copy_from_host(xs);
    w.copy_from_host(ws);
    b.fill(0.1f);
  }
  void step() {
    gemm(Trans::no, Trans::no, 1.0f, x, w, 0.0f, h);
    bias_add(h, b);
    relu(h, h);
    gemm(Trans::yes, Trans::no, 1.0f, x, h, 0.0f, dw);  // gradient of 0.5 |relu(xw+b)|^2
    col_sum(h, db);
    dw.copy_from_host(dw.to_host(), Layout::replicated);
    db.copy_from_host(db.to_host(), Layout::replicated);
    axpy(-0.01f, dw, w);
    axpy(-0.01f, db, b);
    dw.copy_from_host(std::vector<float>(kIn * kOut, 0.0f), Layout::partial);
    db.copy_from_host(std::vector<float>(kOut, 0.0f), Layout::partial);
  }
};

const char* const kBefore = "gpu:gpu0::0-8=host,npu:npu0::18-27/20=opencl:0";
const char* const kAfter = "npu:npu0::20-29/20=opencl:0,fpga:fpga0::38-45/25=opencl:0";

bool opencl_present() {
  for (const DeviceInfo& d : list_devices())
    if (d.selector.backend == Backend::opencl) return true;
  return false;
}

std::vector<float> run_uninterrupted(const std::vector<float>& xs, const std::vector<float>& ws) {
  VirtualCard card = VirtualCard::from_card_list(kBefore);
  Model model(card, xs, ws);
  for (int i = 0; i < 4; ++i) model.step();
  return model.w.to_host();
}

// The allocation file form of a card list: what Slurm's side would write before SIGCONT.
void write_alloc_file(const std::string& path, const Allocation& alloc) {
  std::ofstream out(path);
  out << "SLURM_TFLOPS_VERSION=1\nSLURM_TFLOPS_NODE=node0\nSLURM_TFLOPS_CARDS=";
  std::string cards, layout;
  for (const CardAlloc& c : alloc.cards) {
    const std::string head = std::string(pool::kind_name(c.kind)) + ":" + c.name + "::";
    std::string blocks;
    for (std::uint32_t b : c.blocks) blocks += (blocks.empty() ? "" : ",") + std::to_string(b);
    cards += (cards.empty() ? "" : ",") + head + blocks;
    layout += (layout.empty() ? "" : ",") + head + "100-" + std::to_string(100 + c.card_blocks - 1);
  }
  out << cards << "\n";
  // Only the card sizes of the layout matter to the HAL (shares): names with their block counts.
  out << "SLURM_TFLOPS_LAYOUT=" << layout << "\n";
}

void wait_for(unsigned (*count)(), unsigned target) {
  for (int i = 0; i < 2000 && count() < target; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_GE(count(), target) << "the suspend watcher did not handle the signal in 10 s";
}

TEST(Suspend, SignalsMoveTheComputationToOtherCards) {
  if (!opencl_present()) GTEST_SKIP() << "no OpenCL device";
  const std::uint64_t seed = test::run_seed();
  std::cout << "[ random ] " << test::seed_note(seed) << "\n";
  SCOPED_TRACE(test::seed_note(seed));  // on every failure below
  std::mt19937_64 rng(seed);
  const auto xs = test::random_floats(rng, kBatch * kIn), ws = test::random_floats(rng, kIn * kOut);
  const std::vector<float> want = run_uninterrupted(xs, ws);

  const std::string file = ::testing::TempDir() + "/tflops-alloc-" + std::to_string(::getpid());
  ::setenv("TFLOPS_HAL_BACKENDS", "npu=opencl:0,fpga=opencl:0", 1);
  ::setenv("SLURM_TFLOPS_ALLOC_FILE", file.c_str(), 1);
  VirtualCard card = VirtualCard::from_card_list(kBefore);
  Model model(card, xs, ws);
  register_card(card);
  install_suspend_hooks();
  model.step();
  model.step();

  const unsigned suspends = suspends_handled(), resumes = resumes_handled();
  std::raise(SIGTSTP);
  wait_for(suspends_handled, suspends + 1);
  EXPECT_TRUE(card.suspended());
  EXPECT_THROW(model.step(), Error);  // nothing runs on released devices

  write_alloc_file(file, parse_card_list(kAfter));  // the job's blocks moved meanwhile
  std::raise(SIGCONT);
  wait_for(resumes_handled, resumes + 1);
  EXPECT_EQ(last_hook_error(), "");
  ASSERT_FALSE(card.suspended());
  const auto slices = card.slices();
  ASSERT_EQ(slices.size(), 2u);
  EXPECT_EQ(slices[0].card, "npu0");
  EXPECT_EQ(slices[1].card, "fpga0");
  EXPECT_NEAR(slices[1].share, 8.0 / 25.0, 1e-12);

  model.step();
  model.step();
  EXPECT_LT(test::relative_error(model.w.to_host(), test::widen(want)), 1e-5);

  remove_suspend_hooks();
  unregister_card(card);
  ::unsetenv("SLURM_TFLOPS_ALLOC_FILE");
  ::unsetenv("TFLOPS_HAL_BACKENDS");
  std::remove(file.c_str());
}

TEST(Suspend, DirectCallsMoveToTheHostAlone) {
  const std::uint64_t seed = test::run_seed();
  std::cout << "[ random ] " << test::seed_note(seed) << "\n";
  SCOPED_TRACE(test::seed_note(seed));  // on every failure below
  std::mt19937_64 rng(seed);
  const auto xs = test::random_floats(rng, kBatch * kIn), ws = test::random_floats(rng, kIn * kOut);
  VirtualCard card = VirtualCard::from_card_list("gpu:gpu0::0-3=host,gpu:gpu1::4-9=host");
  Model model(card, xs, ws);
  model.step();
  const std::vector<float> h_before = model.h.to_host();
  card.suspend();
  card.resume(parse_card_list("gpu:gpu1::7=host"));  // one block left
  EXPECT_EQ(card.slice_count(), 1u);
  EXPECT_EQ(model.h.to_host(), h_before);  // state kept bit for bit
  EXPECT_EQ(model.x.to_host(), xs);
  EXPECT_THROW(card.resume(parse_card_list("gpu:gpu0::0=host")), Error);  // not suspended
}

}  // namespace
}  // namespace tflops::hal
