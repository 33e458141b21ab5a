// SPDX-License-Identifier: GPL-2.0-or-later
// The OpenCL backend: any OpenCL device (NPU and FPGA runtimes that ship one; PoCL's CPU device
// in tests). GEMM through CLBlast; the other kernels from kernel_source.h. A slice holding part
// of a card gets a sub-device of its share of the compute units where the device can be
// partitioned.
#include <CL/cl.h>
#include <clblast.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <string>

#include "backend.h"
#include "kernel_source.h"
#include "tflops/hal/error.h"

namespace tflops::hal::detail {

namespace {

std::string device_string(cl_device_id device, cl_device_info what) {
  std::size_t size = 0;
  if (clGetDeviceInfo(device, what, 0, nullptr, &size) != CL_SUCCESS || size == 0) return "";
  std::string text(size, '\0');
  clGetDeviceInfo(device, what, size, text.data(), nullptr);
  while (!text.empty() && text.back() == '\0') text.pop_back();
  return text;
}

template <class T>
T device_value(cl_device_id device, cl_device_info what) {
  T value{};
  clGetDeviceInfo(device, what, sizeof value, &value, nullptr);
  return value;
}

// Every OpenCL device in ICD platform order: index i is selector opencl:i.
std::vector<cl_device_id> all_devices() {
  cl_uint platforms = 0;
  if (clGetPlatformIDs(0, nullptr, &platforms) != CL_SUCCESS || platforms == 0) return {};
  std::vector<cl_platform_id> ids(platforms);
  clGetPlatformIDs(platforms, ids.data(), nullptr);
  std::vector<cl_device_id> devices;
  for (cl_platform_id platform : ids) {
    cl_uint count = 0;
    if (clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, nullptr, &count) != CL_SUCCESS) continue;
    std::vector<cl_device_id> found(count);
    clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, count, found.data(), nullptr);
    devices.insert(devices.end(), found.begin(), found.end());
  }
  return devices;
}

std::string type_name(cl_device_type type) {
  if (type & CL_DEVICE_TYPE_GPU) return "gpu";
  if (type & CL_DEVICE_TYPE_ACCELERATOR) return "accelerator";
  if (type & CL_DEVICE_TYPE_CUSTOM) return "custom";
  return "cpu";
}

DeviceInfo describe(cl_device_id device, int index) {
  DeviceInfo info;
  info.selector = {Backend::opencl, index};
  info.name = device_string(device, CL_DEVICE_NAME);
  info.vendor = device_string(device, CL_DEVICE_VENDOR);
  info.type = type_name(device_value<cl_device_type>(device, CL_DEVICE_TYPE));
  info.compute_units = device_value<cl_uint>(device, CL_DEVICE_MAX_COMPUTE_UNITS);
  info.memory_bytes = device_value<cl_ulong>(device, CL_DEVICE_GLOBAL_MEM_SIZE);
  return info;
}

std::vector<DeviceInfo> list_opencl() {
  std::vector<DeviceInfo> out;
  const std::vector<cl_device_id> devices = all_devices();
  for (std::size_t i = 0; i < devices.size(); ++i) out.push_back(describe(devices[i], static_cast<int>(i)));
  return out;
}

class ClArray : public DeviceArray {
 public:
  ClArray(std::size_t size, cl_mem mem) : DeviceArray(size), mem(mem) {}
  ~ClArray() override { clReleaseMemObject(mem); }
  cl_mem mem;
};

cl_mem mem(const DeviceArray& a) { return static_cast<const ClArray&>(a).mem; }

class ClDevice : public Device {
 public:
  ClDevice(const DeviceInfo& info, const SliceRequest& request) : info_(info), label_(request.label) {
    try {
      open(request);
    } catch (...) {
      release();
      throw;
    }
  }

  ~ClDevice() override { release(); }

  void open(const SliceRequest& request) {
    const DeviceInfo& info = info_;
    const std::vector<cl_device_id> devices = all_devices();
    if (info.selector.index >= static_cast<int>(devices.size()))
      throw DeviceError(label_, "OpenCL device " + std::to_string(info.selector.index) + " has vanished");
    device_ = devices[info.selector.index];
    const cl_uint units = std::max<cl_uint>(info.compute_units, 1);
    units_ = units;
    if (request.share < 1.0 && request.enforce_share) {
      const cl_uint want = std::clamp<cl_uint>(static_cast<cl_uint>(std::lround(request.share * units)), 1,
                                               units);
      if (want < units) {
        const cl_device_partition_property props[] = {CL_DEVICE_PARTITION_BY_COUNTS,
                                                      static_cast<cl_device_partition_property>(want),
                                                      CL_DEVICE_PARTITION_BY_COUNTS_LIST_END, 0};
        cl_uint made = 0;
        if (clCreateSubDevices(device_, props, 1, &sub_, &made) == CL_SUCCESS && made == 1) {
          device_ = sub_;
          units_ = want;
          enforced_ = true;
        }
      } else {
        enforced_ = std::abs(static_cast<double>(want) / units - request.share) < 0.5 / units;
      }
    } else {
      enforced_ = true;  // the whole device is the share
    }
    cl_int err = CL_SUCCESS;
    context_ = clCreateContext(nullptr, 1, &device_, nullptr, nullptr, &err);
    check(err, "clCreateContext");
    queue_ = clCreateCommandQueue(context_, device_, 0, &err);
    check(err, "clCreateCommandQueue");
    const std::string source = std::string(kOpenClPrelude) + kKernels;
    const char* text = source.c_str();
    program_ = clCreateProgramWithSource(context_, 1, &text, nullptr, &err);
    check(err, "clCreateProgramWithSource");
    err = clBuildProgram(program_, 1, &device_, "-cl-std=CL1.2", nullptr, nullptr);
    if (err != CL_SUCCESS) {
      std::size_t size = 0;
      clGetProgramBuildInfo(program_, device_, CL_PROGRAM_BUILD_LOG, 0, nullptr, &size);
      std::string log(size, '\0');
      clGetProgramBuildInfo(program_, device_, CL_PROGRAM_BUILD_LOG, size, log.data(), nullptr);
      throw DeviceError(label_, "building the HAL kernels failed (" + std::to_string(err) + "): " + log);
    }
  }

  void release() {
    for (auto& [name, kernel] : kernels_) clReleaseKernel(kernel);
    if (program_) clReleaseProgram(program_);
    if (queue_) clReleaseCommandQueue(queue_);
    if (context_) clReleaseContext(context_);
    if (sub_) clReleaseDevice(sub_);
  }

  const DeviceInfo& info() const override { return info_; }
  unsigned units() const override { return units_; }
  bool share_enforced() const override { return enforced_; }

  std::unique_ptr<DeviceArray> alloc(std::size_t size) override {
    cl_int err = CL_SUCCESS;
    const std::size_t bytes = std::max<std::size_t>(size, 1) * sizeof(float);
    cl_mem m = clCreateBuffer(context_, CL_MEM_READ_WRITE, bytes, nullptr, &err);
    check(err, "clCreateBuffer(" + std::to_string(bytes) + " bytes)");
    auto array = std::make_unique<ClArray>(size, m);
    fill(size, 0.0f, *array);
    return array;
  }
  void write(DeviceArray& dst, std::size_t offset, const float* src, std::size_t size) override {
    if (size)
      check(clEnqueueWriteBuffer(queue_, mem(dst), CL_TRUE, offset * sizeof(float), size * sizeof(float), src,
                                 0, nullptr, nullptr),
            "clEnqueueWriteBuffer");
  }
  void read(const DeviceArray& src, std::size_t offset, float* dst, std::size_t size) override {
    if (size)
      check(clEnqueueReadBuffer(queue_, mem(src), CL_TRUE, offset * sizeof(float), size * sizeof(float), dst,
                                0, nullptr, nullptr),
            "clEnqueueReadBuffer");
  }

  void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, float alpha, const DeviceArray& a,
            std::size_t lda, const DeviceArray& b, std::size_t ldb, float beta, DeviceArray& c,
            std::size_t ldc) override {
    // CLBlast 1.5's kernel and tuning-database caches race when two threads call it at once
    // (two slices on one OpenCL device do); the call only enqueues, so the lock is brief.
    static std::mutex clblast_mutex;
    std::lock_guard lock(clblast_mutex);
    const auto status = clblast::Gemm<float>(
        clblast::Layout::kRowMajor, ta ? clblast::Transpose::kYes : clblast::Transpose::kNo,
        tb ? clblast::Transpose::kYes : clblast::Transpose::kNo, m, n, k, alpha, mem(a), 0, lda, mem(b), 0,
        ldb, beta, mem(c), 0, ldc, &queue_, nullptr);
    if (status != clblast::StatusCode::kSuccess)
      throw DeviceError(label_, "CLBlast SGEMM " + std::to_string(m) + "x" + std::to_string(n) + "x" +
                                    std::to_string(k) + " failed (status " +
                                    std::to_string(static_cast<int>(status)) + ")");
  }
  void axpy(std::size_t n, float alpha, const DeviceArray& x, DeviceArray& y) override {
    launch("tf_axpy", n, u(n), alpha, mem(x), mem(y));
  }
  void scale(std::size_t n, float alpha, DeviceArray& x) override {
    launch("tf_scale", n, u(n), alpha, mem(x));
  }
  void fill(std::size_t n, float value, DeviceArray& x) override {
    launch("tf_fill", n, u(n), value, mem(x));
  }
  void copy(std::size_t n, const DeviceArray& x, DeviceArray& y) override {
    launch("tf_copy", n, u(n), mem(x), mem(y));
  }
  void bias_add(std::size_t rows, std::size_t cols, DeviceArray& x, const DeviceArray& bias) override {
    launch("tf_bias_add", rows * cols, u(rows * cols), u(cols), mem(x), mem(bias));
  }
  void relu(std::size_t n, const DeviceArray& x, DeviceArray& y) override {
    launch("tf_relu", n, u(n), mem(x), mem(y));
  }
  void relu_grad(std::size_t n, const DeviceArray& dy, const DeviceArray& y, DeviceArray& dx) override {
    launch("tf_relu_grad", n, u(n), mem(dy), mem(y), mem(dx));
  }
  void softmax_xent(std::size_t rows, std::size_t classes, const DeviceArray& logits,
                    const DeviceArray& labels, float grad_scale, DeviceArray& grad,
                    DeviceArray& loss) override {
    launch("tf_softmax_xent", rows, u(rows), u(classes), mem(logits), mem(labels), grad_scale, mem(grad),
           mem(loss));
  }
  void col_sum(std::size_t rows, std::size_t cols, const DeviceArray& x, DeviceArray& y) override {
    launch("tf_col_sum", cols, u(rows), u(cols), mem(x), mem(y));
  }
  void row_sum(std::size_t rows, std::size_t cols, const DeviceArray& x, DeviceArray& y) override {
    launch("tf_row_sum", rows, u(rows), u(cols), mem(x), mem(y));
  }
  void finish() override { check(clFinish(queue_), "clFinish"); }

 private:
  static cl_uint u(std::size_t n) { return static_cast<cl_uint>(n); }

  void check(cl_int err, const std::string& call) const {
    if (err != CL_SUCCESS)
      throw DeviceError(label_, call + " failed with OpenCL error " + std::to_string(err) +
                                    (err == CL_DEVICE_NOT_AVAILABLE || err == CL_OUT_OF_RESOURCES
                                         ? " (the device is gone or out of resources)"
                                         : ""));
  }

  cl_kernel kernel(const char* name) {
    for (auto& [n, k] : kernels_)
      if (n == name) return k;
    cl_int err = CL_SUCCESS;
    cl_kernel k = clCreateKernel(program_, name, &err);
    check(err, std::string("clCreateKernel(") + name + ")");
    kernels_.emplace_back(name, k);
    return k;
  }

  template <class... Args>
  void launch(const char* name, std::size_t items, Args... args) {
    if (items == 0) return;
    cl_kernel k = kernel(name);
    cl_uint index = 0;
    (check(clSetKernelArg(k, index++, sizeof(Args), &args), std::string("clSetKernelArg(") + name + ")"),
     ...);
    const std::size_t global = items;
    check(clEnqueueNDRangeKernel(queue_, k, 1, nullptr, &global, nullptr, 0, nullptr, nullptr),
          std::string("clEnqueueNDRangeKernel(") + name + ")");
  }

  DeviceInfo info_;
  std::string label_;
  cl_device_id device_ = nullptr, sub_ = nullptr;
  cl_context context_ = nullptr;
  cl_command_queue queue_ = nullptr;
  cl_program program_ = nullptr;
  std::vector<std::pair<std::string, cl_kernel>> kernels_;
  unsigned units_ = 1;
  bool enforced_ = false;
};

std::unique_ptr<Device> open_opencl(const DeviceInfo& device, const SliceRequest& request) {
  return std::make_unique<ClDevice>(device, request);
}

}  // namespace

BackendOps opencl_backend() { return {Backend::opencl, list_opencl, open_opencl}; }

}  // namespace tflops::hal::detail
