// SPDX-License-Identifier: GPL-2.0-or-later
// A failing device, an allocation with nothing usable, misuse: each a clear error naming what
// went wrong; never a silent wrong result.
#include <gtest/gtest.h>

#include "testing_hooks.h"
#include "tflops/hal/hal.h"

namespace tflops::hal {
namespace {

std::string message_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const std::exception& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(Errors, AVanishedDeviceIsNamed) {
  VirtualCard card = VirtualCard::from_card_list("gpu:gpu0::0-3=host,gpu:gpu1::4-9=host");
  Buffer x(card, 8, 4, Layout::sharded), w(card, 4, 4, Layout::replicated), y(card, 8, 4, Layout::sharded);
  x.fill(1.0f);
  w.fill(1.0f);
  testing::break_slice(card, 1);
  try {
    gemm(Trans::no, Trans::no, 1.0f, x, w, 0.0f, y);
    FAIL() << "an operation on a lost device returned";
  } catch (const DeviceError& error) {
    EXPECT_NE(std::string(error.what()).find("gpu1 (host"), std::string::npos) << error.what();
    EXPECT_NE(error.device().find("gpu1"), std::string::npos);
  }
  EXPECT_THROW(y.to_host(), DeviceError);
}

TEST(Errors, NoUsableDeviceNamesCardsAndBlocks) {
  const std::string message = message_of(
      [] { VirtualCard::from_card_list("gpu:gpu0:/dev/nvidia7:0-8=cuda:7,npu:npu0::9-12=opencl:42"); });
  for (const char* part : {"gpu0", "0-8", "cuda:7", "npu0", "9-12", "opencl:42"})
    EXPECT_NE(message.find(part), std::string::npos) << part << " missing from: " << message;
}

TEST(Errors, MisuseIsExplained) {
  VirtualCard card = VirtualCard::from_card_list("gpu:gpu0::0-3=host");
  Buffer a(card, 5, 3, Layout::sharded), b(card, 4, 2, Layout::replicated), c(card, 5, 2, Layout::sharded);
  const std::string shape = message_of([&] { gemm(Trans::no, Trans::no, 1.0f, a, b, 0.0f, c); });
  EXPECT_NE(shape.find("gemm"), std::string::npos) << shape;
  EXPECT_NE(shape.find("5 x 3"), std::string::npos) << shape;
  Buffer r(card, 5, 4, Layout::replicated);
  const std::string layout = message_of([&] { gemm(Trans::no, Trans::no, 1.0f, r, b, 0.0f, c); });
  EXPECT_NE(layout.find("no split"), std::string::npos) << layout;
  EXPECT_NE(message_of([&] { a.copy_from_host(std::vector<float>(3)); }).find("3 floats"), std::string::npos);
  EXPECT_THROW(Buffer(card, 0, 3, Layout::sharded), Error);
  EXPECT_NE(message_of([&] { card.balance(0, 4, 4); }).find("got 0, 4, 4"), std::string::npos);
  card.suspend();
  EXPECT_NE(message_of([&] { card.balance(8, 4, 4); }).find("suspended"), std::string::npos);
  EXPECT_NE(message_of([&] { scale(2.0f, a); }).find("suspended"), std::string::npos);
}

}  // namespace
}  // namespace tflops::hal
