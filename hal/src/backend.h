// SPDX-License-Identifier: GPL-2.0-or-later
// The one interface every backend implements (host/, opencl/, cuda/: one directory each).
// A Device is one opened context on one backend device, limited to the slice's share. Arrays
// live on it; every kernel works on whole arrays (a slice holds only its own rows). Calls may be
// asynchronous; finish() waits and reports any failure. A failure throws DeviceError naming the
// device (label) and the call.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "tflops/hal/device.h"

namespace tflops::hal::detail {

class DeviceArray {
 public:
  explicit DeviceArray(std::size_t size) : size_(size) {}
  virtual ~DeviceArray() = default;
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  std::size_t size() const { return size_; }

 private:
  std::size_t size_;
};

// What a slice asks of its device.
struct SliceRequest {
  std::string label;   // for errors: "npu0 (opencl:0 'pthread-...')"
  double share = 1.0;  // fraction of the card the job holds
  bool enforce_share = true;
  std::vector<int> cpus;  // host: the CPUs its threads may use
};

class Device {
 public:
  virtual ~Device() = default;
  virtual const DeviceInfo& info() const = 0;
  virtual unsigned units() const = 0;  // threads, compute units, MPS percent
  virtual bool share_enforced() const = 0;

  virtual std::unique_ptr<DeviceArray> alloc(std::size_t size) = 0;  // zero-filled
  // `size` floats at element `offset` of the array.
  virtual void write(DeviceArray& dst, std::size_t offset, const float* src, std::size_t size) = 0;
  virtual void read(const DeviceArray& src, std::size_t offset, float* dst, std::size_t size) = 0;

  // Row-major C(m x n) = alpha op(A) op(B) + beta C with leading dimensions lda, ldb, ldc.
  virtual void gemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha,
                    const DeviceArray& a, std::size_t lda, const DeviceArray& b, std::size_t ldb, float beta,
                    DeviceArray& c, std::size_t ldc) = 0;
  virtual void axpy(std::size_t n, float alpha, const DeviceArray& x, DeviceArray& y) = 0;
  virtual void scale(std::size_t n, float alpha, DeviceArray& x) = 0;
  virtual void fill(std::size_t n, float value, DeviceArray& x) = 0;
  virtual void copy(std::size_t n, const DeviceArray& x, DeviceArray& y) = 0;
  virtual void bias_add(std::size_t rows, std::size_t cols, DeviceArray& x, const DeviceArray& bias) = 0;
  virtual void relu(std::size_t n, const DeviceArray& x, DeviceArray& y) = 0;
  virtual void relu_grad(std::size_t n, const DeviceArray& dy, const DeviceArray& y, DeviceArray& dx) = 0;
  // loss[r] = -log softmax(logits[r])[label[r]], or -1 when label[r] is not a class index.
  virtual void softmax_xent(std::size_t rows, std::size_t classes, const DeviceArray& logits,
                            const DeviceArray& labels, float grad_scale, DeviceArray& grad,
                            DeviceArray& loss) = 0;
  virtual void col_sum(std::size_t rows, std::size_t cols, const DeviceArray& x, DeviceArray& y) = 0;
  virtual void row_sum(std::size_t rows, std::size_t cols, const DeviceArray& x, DeviceArray& y) = 0;
  virtual void finish() = 0;
};

// One backend: lists its devices and opens one. list() never throws (a missing runtime or no
// device gives an empty list); open() throws DeviceError naming the request's label.
struct BackendOps {
  Backend id;
  std::vector<DeviceInfo> (*list)();
  std::unique_ptr<Device> (*open)(const DeviceInfo& device, const SliceRequest& request);
};

// The backends compiled into this build, host first.
const std::vector<BackendOps>& compiled_backends();
const BackendOps* find_backend(Backend id);

BackendOps host_backend();
#ifdef TFLOPS_HAL_OPENCL
BackendOps opencl_backend();
#endif
// Why the CUDA module did not load ("" when it did, or when it was not built).
std::string cuda_module_error();

}  // namespace tflops::hal::detail

// The CUDA backend module's one exported entry point.
extern "C" tflops::hal::detail::BackendOps tflops_hal_cuda_backend();

namespace tflops::hal::detail {}  // namespace tflops::hal::detail
