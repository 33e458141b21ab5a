// SPDX-License-Identifier: GPL-2.0-or-later
// The CUDA backend: NVIDIA GPUs through the driver API. GEMM, axpy and scale through cuBLAS; the
// other kernels from kernel_source.h compiled at open time with NVRTC (no nvcc at build time, so
// one C++ compiler builds the whole HAL). A slice holding part of a GPU stays within its share
// through MPS: gres/tflops sets CUDA_MPS_ACTIVE_THREAD_PERCENTAGE, which the driver applies to
// the context when an MPS daemon serves the GPU.
#include <cublas_v2.h>
#include <cuda.h>
#include <nvrtc.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "backend.h"
#include "kernel_source.h"
#include "tflops/hal/error.h"

namespace tflops::hal::detail {

namespace {

bool driver_ready() {
  static const bool ready = cuInit(0) == CUDA_SUCCESS;
  return ready;
}

std::vector<DeviceInfo> list_cuda() {
  std::vector<DeviceInfo> out;
  int count = 0;
  if (!driver_ready() || cuDeviceGetCount(&count) != CUDA_SUCCESS) return out;
  for (int i = 0; i < count; ++i) {
    CUdevice device;
    if (cuDeviceGet(&device, i) != CUDA_SUCCESS) continue;
    DeviceInfo info;
    info.selector = {Backend::cuda, i};
    char name[256] = {}, bus[64] = {};
    cuDeviceGetName(name, sizeof name, device);
    cuDeviceGetPCIBusId(bus, sizeof bus, device);
    info.name = name;
    info.vendor = "NVIDIA";
    info.type = "gpu";
    info.pci_bus_id = bus;
    int sms = 0;
    cuDeviceGetAttribute(&sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device);
    info.compute_units = static_cast<unsigned>(sms);
    std::size_t bytes = 0;
    cuDeviceTotalMem(&bytes, device);
    info.memory_bytes = bytes;
    out.push_back(info);
  }
  return out;
}

// MPS serves this process when its pipe directory exists.
bool mps_active() {
  const char* dir = std::getenv("CUDA_MPS_PIPE_DIRECTORY");
  struct stat st {};
  return ::stat(dir && *dir ? dir : "/tmp/nvidia-mps", &st) == 0;
}

class CuArray : public DeviceArray {
 public:
  CuArray(std::size_t size, CUdeviceptr ptr) : DeviceArray(size), ptr(ptr) {}
  ~CuArray() override { cuMemFree(ptr); }
  CUdeviceptr ptr;
};

CUdeviceptr dptr(const DeviceArray& a) { return static_cast<const CuArray&>(a).ptr; }
float* fptr(const DeviceArray& a) { return reinterpret_cast<float*>(dptr(a)); }

class CuDevice : public Device {
 public:
  CuDevice(const DeviceInfo& info, const SliceRequest& request) : info_(info), label_(request.label) {
    try {
      open(request);
    } catch (...) {
      release();
      throw;
    }
  }
  ~CuDevice() override { release(); }

  const DeviceInfo& info() const override { return info_; }
  unsigned units() const override { return percent_; }
  bool share_enforced() const override { return enforced_; }

  std::unique_ptr<DeviceArray> alloc(std::size_t size) override {
    bind();
    CUdeviceptr p = 0;
    const std::size_t bytes = std::max<std::size_t>(size, 1) * sizeof(float);
    check(cuMemAlloc(&p, bytes), "cuMemAlloc(" + std::to_string(bytes) + " bytes)");
    auto array = std::make_unique<CuArray>(size, p);
    check(cuMemsetD32Async(p, 0, std::max<std::size_t>(size, 1), stream_), "cuMemsetD32");
    return array;
  }
  void write(DeviceArray& dst, std::size_t offset, const float* src, std::size_t size) override {
    bind();
    check(cuStreamSynchronize(stream_), "cuStreamSynchronize");
    if (size)
      check(cuMemcpyHtoD(dptr(dst) + offset * sizeof(float), src, size * sizeof(float)), "cuMemcpyHtoD");
  }
  void read(const DeviceArray& src, std::size_t offset, float* dst, std::size_t size) override {
    bind();
    check(cuStreamSynchronize(stream_), "cuStreamSynchronize");
    if (size)
      check(cuMemcpyDtoH(dst, dptr(src) + offset * sizeof(float), size * sizeof(float)), "cuMemcpyDtoH");
  }

  void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, float alpha, const DeviceArray& a,
            std::size_t lda, const DeviceArray& b, std::size_t ldb, float beta, DeviceArray& c,
            std::size_t ldc) override {
    bind();
    // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T.
    blas(cublasSgemm(blas_, tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N,
                     static_cast<int>(n), static_cast<int>(m), static_cast<int>(k), &alpha, fptr(b),
                     static_cast<int>(ldb), fptr(a), static_cast<int>(lda), &beta, fptr(c),
                     static_cast<int>(ldc)),
         "cublasSgemm");
  }
  void axpy(std::size_t n, float alpha, const DeviceArray& x, DeviceArray& y) override {
    bind();
    blas(cublasSaxpy(blas_, static_cast<int>(n), &alpha, fptr(x), 1, fptr(y), 1), "cublasSaxpy");
  }
  void scale(std::size_t n, float alpha, DeviceArray& x) override {
    bind();
    blas(cublasSscal(blas_, static_cast<int>(n), &alpha, fptr(x), 1), "cublasSscal");
  }
  void fill(std::size_t n, float value, DeviceArray& x) override {
    launch("tf_fill", n, u(n), value, dptr(x));
  }
  void copy(std::size_t n, const DeviceArray& x, DeviceArray& y) override {
    launch("tf_copy", n, u(n), dptr(x), dptr(y));
  }
  void bias_add(std::size_t rows, std::size_t cols, DeviceArray& x, const DeviceArray& bias) override {
    launch("tf_bias_add", rows * cols, u(rows * cols), u(cols), dptr(x), dptr(bias));
  }
  void relu(std::size_t n, const DeviceArray& x, DeviceArray& y) override {
    launch("tf_relu", n, u(n), dptr(x), dptr(y));
  }
  void relu_grad(std::size_t n, const DeviceArray& dy, const DeviceArray& y, DeviceArray& dx) override {
    launch("tf_relu_grad", n, u(n), dptr(dy), dptr(y), dptr(dx));
  }
  void softmax_xent(std::size_t rows, std::size_t classes, const DeviceArray& logits,
                    const DeviceArray& labels, float grad_scale, DeviceArray& grad,
                    DeviceArray& loss) override {
    launch("tf_softmax_xent", rows, u(rows), u(classes), dptr(logits), dptr(labels), grad_scale, dptr(grad),
           dptr(loss));
  }
  void col_sum(std::size_t rows, std::size_t cols, const DeviceArray& x, DeviceArray& y) override {
    launch("tf_col_sum", cols, u(rows), u(cols), dptr(x), dptr(y));
  }
  void row_sum(std::size_t rows, std::size_t cols, const DeviceArray& x, DeviceArray& y) override {
    launch("tf_row_sum", rows, u(rows), u(cols), dptr(x), dptr(y));
  }
  void finish() override {
    bind();
    check(cuStreamSynchronize(stream_), "cuStreamSynchronize");
  }

 private:
  static unsigned u(std::size_t n) { return static_cast<unsigned>(n); }

  void open(const SliceRequest& request) {
    if (!driver_ready()) throw DeviceError(label_, "the CUDA driver did not initialise (cuInit)");
    check(cuDeviceGet(&device_, info_.selector.index), "cuDeviceGet");
    check(cuDevicePrimaryCtxRetain(&context_, device_), "cuDevicePrimaryCtxRetain");
    retained_ = true;
    bind();
    check(cuStreamCreate(&stream_, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
    blas(cublasCreate(&blas_), "cublasCreate");
    blas(cublasSetStream(blas_, stream_), "cublasSetStream");
    compile_kernels();
    const char* percent = std::getenv("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE");
    percent_ = percent ? static_cast<unsigned>(std::atoi(percent)) : 100;
    enforced_ = request.share >= 1.0 || !request.enforce_share || (percent && mps_active());
  }

  void compile_kernels() {
    int major = 0, minor = 0;
    cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device_);
    cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device_);
    const std::string source = std::string(kCudaPrelude) + kKernels;
    nvrtcProgram program;
    if (nvrtcCreateProgram(&program, source.c_str(), "tflops_hal.cu", 0, nullptr, nullptr) != NVRTC_SUCCESS)
      throw DeviceError(label_, "nvrtcCreateProgram failed");
    const std::string arch = "--gpu-architecture=compute_" + std::to_string(major) + std::to_string(minor);
    const char* options[] = {arch.c_str(), "--fmad=false"};  // see kernel_source.h
    const nvrtcResult built = nvrtcCompileProgram(program, 2, options);
    std::size_t size = 0;
    std::string text;
    if (built == NVRTC_SUCCESS && nvrtcGetPTXSize(program, &size) == NVRTC_SUCCESS) {
      text.resize(size);
      nvrtcGetPTX(program, text.data());
    } else {
      nvrtcGetProgramLogSize(program, &size);
      text.resize(size);
      nvrtcGetProgramLog(program, text.data());
    }
    nvrtcDestroyProgram(&program);
    if (built != NVRTC_SUCCESS)
      throw DeviceError(label_, std::string("NVRTC could not build the HAL kernels: ") + text);
    check(cuModuleLoadData(&module_, text.c_str()), "cuModuleLoadData");
  }

  void release() {
    if (!retained_) return;
    cuCtxSetCurrent(context_);
    if (blas_) cublasDestroy(blas_);
    if (module_) cuModuleUnload(module_);
    if (stream_) cuStreamDestroy(stream_);
    cuDevicePrimaryCtxRelease(device_);
    retained_ = false;
  }

  void bind() { check(cuCtxSetCurrent(context_), "cuCtxSetCurrent"); }

  void check(CUresult result, const std::string& call) const {
    if (result == CUDA_SUCCESS) return;
    const char* name = nullptr;
    cuGetErrorName(result, &name);
    throw DeviceError(label_, call + " failed: " + (name ? name : std::to_string(result)) +
                                  (result == CUDA_ERROR_NO_DEVICE || result == CUDA_ERROR_ECC_UNCORRECTABLE ||
                                           result == CUDA_ERROR_ILLEGAL_ADDRESS
                                       ? " (the GPU failed or is gone)"
                                       : ""));
  }
  void blas(cublasStatus_t status, const char* call) const {
    if (status != CUBLAS_STATUS_SUCCESS)
      throw DeviceError(label_, std::string(call) + " failed: " + cublasGetStatusString(status));
  }

  CUfunction function(const char* name) {
    for (auto& [n, f] : functions_)
      if (n == name) return f;
    CUfunction f;
    check(cuModuleGetFunction(&f, module_, name), std::string("cuModuleGetFunction(") + name + ")");
    functions_.emplace_back(name, f);
    return f;
  }

  template <class... Args>
  void launch(const char* name, std::size_t items, Args... args) {
    if (items == 0) return;
    bind();
    void* params[] = {&args...};
    const unsigned block = 256;
    const unsigned grid = static_cast<unsigned>((items + block - 1) / block);
    check(cuLaunchKernel(function(name), grid, 1, 1, block, 1, 1, 0, stream_, params, nullptr),
          std::string("cuLaunchKernel(") + name + ")");
  }

  DeviceInfo info_;
  std::string label_;
  CUdevice device_ = 0;
  CUcontext context_ = nullptr;
  CUstream stream_ = nullptr;
  CUmodule module_ = nullptr;
  cublasHandle_t blas_ = nullptr;
  bool retained_ = false;
  std::vector<std::pair<std::string, CUfunction>> functions_;
  unsigned percent_ = 100;
  bool enforced_ = false;
};

std::unique_ptr<Device> open_cuda(const DeviceInfo& device, const SliceRequest& request) {
  return std::make_unique<CuDevice>(device, request);
}

}  // namespace

}  // namespace tflops::hal::detail

extern "C" __attribute__((visibility("default"))) tflops::hal::detail::BackendOps tflops_hal_cuda_backend() {
  return {tflops::hal::Backend::cuda, tflops::hal::detail::list_cuda, tflops::hal::detail::open_cuda};
}
