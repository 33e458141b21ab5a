// SPDX-License-Identifier: GPL-2.0-or-later
#include "testing_hooks.h"

#include "card_state.h"
#include "tflops/hal/error.h"

namespace tflops::hal::testing {

namespace {

// A device whose every call fails as a lost device's would. Arrays it was given stay owned by
// the original device, kept alive here.
class LostDevice : public detail::Device {
 public:
  LostDevice(std::unique_ptr<detail::Device> original, std::string label)
      : original_(std::move(original)), label_(std::move(label)) {}
  const DeviceInfo& info() const override { return original_->info(); }
  unsigned units() const override { return original_->units(); }
  bool share_enforced() const override { return original_->share_enforced(); }
  std::unique_ptr<detail::DeviceArray> alloc(std::size_t) override { lost("alloc"); }
  void write(detail::DeviceArray&, std::size_t, const float*, std::size_t) override { lost("write"); }
  void read(const detail::DeviceArray&, std::size_t, float*, std::size_t) override { lost("read"); }
  void gemm(bool, bool, std::size_t, std::size_t, std::size_t, float, const detail::DeviceArray&, std::size_t,
            const detail::DeviceArray&, std::size_t, float, detail::DeviceArray&, std::size_t) override {
    lost("gemm");
  }
  void axpy(std::size_t, float, const detail::DeviceArray&, detail::DeviceArray&) override { lost("axpy"); }
  void scale(std::size_t, float, detail::DeviceArray&) override { lost("scale"); }
  void fill(std::size_t, float, detail::DeviceArray&) override { lost("fill"); }
  void copy(std::size_t, const detail::DeviceArray&, detail::DeviceArray&) override { lost("copy"); }
  void bias_add(std::size_t, std::size_t, detail::DeviceArray&, const detail::DeviceArray&) override {
    lost("bias_add");
  }
  void relu(std::size_t, const detail::DeviceArray&, detail::DeviceArray&) override { lost("relu"); }
  void relu_grad(std::size_t, const detail::DeviceArray&, const detail::DeviceArray&,
                 detail::DeviceArray&) override {
    lost("relu_grad");
  }
  void softmax_xent(std::size_t, std::size_t, const detail::DeviceArray&, const detail::DeviceArray&, float,
                    detail::DeviceArray&, detail::DeviceArray&) override {
    lost("softmax_xent");
  }
  void col_sum(std::size_t, std::size_t, const detail::DeviceArray&, detail::DeviceArray&) override {
    lost("col_sum");
  }
  void row_sum(std::size_t, std::size_t, const detail::DeviceArray&, detail::DeviceArray&) override {
    lost("row_sum");
  }
  void finish() override { lost("finish"); }

 private:
  [[noreturn]] void lost(const char* call) const {
    throw DeviceError(label_, std::string(call) + " failed: the device is no longer present");
  }
  std::unique_ptr<detail::Device> original_;
  std::string label_;
};

}  // namespace

void break_slice(VirtualCard& card, std::size_t slice) {
  detail::CardState& state = *card.state();
  std::lock_guard lock(state.mutex);
  if (slice >= state.slices.size()) throw Error("break_slice: no slice " + std::to_string(slice));
  detail::Slice& s = state.slices[slice];
  s.device = std::make_unique<LostDevice>(std::move(s.device), s.info.label());
}

}  // namespace tflops::hal::testing
